'use strict';
// Bad TURN credentials (shared/testing.md sections 0, 2 and 4). Chromium runs in its own namespace
// behind an nft firewall that lets out only the gateway's WebSocket/HTTP port and UDP+TCP to
// coturn's port 3478, so a call can only work through a TURN relay. The gateway hands out TURN
// REST credentials with [turn] ttl = 60 (the smallest it takes). In each case a page with good
// credentials holds an echo call through the relay; a second page then calls with credentials
// coturn must refuse:
//   (a) forged: the welcome's credential with one character changed (wrong HMAC);
//   (b) expired: a username whose expiry is a minute ago, with the right HMAC for it.
// Expected: coturn answers the Allocate with 401 (the page gets icecandidateerror 401, coturn logs
// it), the page's gathering completes and it sends end-of-candidates ("candidate": null), the
// gateway ends the bad call with hangup reason ice-failed, and the good call keeps its 1 kHz echo.
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const T = require('../lib/coturn');
const { assertTone } = require('./checks');

const SUITE = 'turn_auth';
const TTL = 60;
const STEP_MS = 15000;
const FAIL_MS = 35000;   // the gateway's own connect timer is 20 s; libnice gives up sooner
const TEST_MS = 90000;

let S;
test.before(async () => {
  S = await T.turnSuite({
    suite: SUITE, ttl: TTL,
    allow: (c) => [{ proto: 'udp', port: c.port, name: 'turn_udp' }, { proto: 'tcp', port: c.port, name: 'turn_tcp' }],
  });
}, { timeout: 60000 });
test.after(async () => { if (S) await S.close(); });

// The welcome's TURN entry: username "<now + ttl>:<user>", credential HMAC-SHA1(secret, username).
function turnEntry(page) {
  const e = page.welcome.iceServers.find((s) => s.username);
  assert.ok(e, `welcome.iceServers has TURN credentials: ${JSON.stringify(page.welcome.iceServers)}`);
  const expiry = Number(e.username.split(':')[0]);
  const now = Date.now() / 1000;
  assert.ok(expiry > now + TTL - 15 && expiry < now + TTL + 5, `expiry ${expiry} is now + ${TTL} s (now ${now.toFixed(0)})`);
  assert.equal(e.credential, T.restCredential(S.secret, e.username.slice(e.username.indexOf(':') + 1), expiry).credential);
  return e;
}

// A page with good credentials and an echo call through the relay with the tone coming back.
async function goodCall(t, label, id) {
  const page = await S.open(label);
  turnEntry(page);
  const info = await page.call({ to: 'echo', id, timeoutMs: STEP_MS });
  assert.ok(info.state === 'connecting' || info.state === 'answered', `call state ${info.state}`);
  await page.waitConnected(id, STEP_MS);
  const { api } = await T.assertRelayed(t, S, page, id, ['udp', 'tcp']);
  assertTone(await page.analyse(id, { windowMs: 800 }), `good call ${id}`);
  page.icePair = api.legs.browser.ice_pair;
  return page;
}

// Replaces the page's TURN credentials (the ones the next RTCPeerConnection gets) with mutate(entry).
async function tamper(page, mutate) {
  const entry = { ...turnEntry(page) };
  const bad = mutate(entry);
  await page.eval((b) => {
    window.e2e.client.iceServers = window.e2e.client.iceServers.map((s) => (s.username ? { ...s, ...b } : s));
  }, { username: bad.username, credential: bad.credential });
  return bad;
}

async function badCredentialCase(t, label, mutate) {
  const good = await goodCall(t, `${label}-good`, 'g1');
  const bad = await S.open(`${label}-bad`);
  try {
    const creds = await tamper(bad, mutate);
    const before = S.coturn.log().length;
    const t0 = Date.now();
    const info = await bad.call({ to: 'echo', id: 'x1', timeoutMs: STEP_MS });
    assert.ok(!info.error, `the gateway answers the call: ${JSON.stringify(info.error)}`);
    const cfg = await bad.eval(() => window.e2eTurn.configs[window.e2eTurn.configs.length - 1]);
    const used = cfg.iceServers.find((s) => s.username);
    assert.deepEqual({ username: used.username, credential: used.credential }, creds,
      'the RTCPeerConnection got the bad credentials');

    // coturn refuses the Allocate: icecandidateerror 401 in the page.
    await bad.waitFor('icecandidateerror 401', () => window.e2eTurn.errors.some((e) => e.errorCode === 401),
      null, STEP_MS);
    // Gathering completes and the page says so: "candidate": null on the wire.
    await bad.waitFor('end-of-candidates sent', () => {
      const c = window.e2e.calls.x1;
      return c && c.candidates.endSent;
    }, null, STEP_MS);
    const h = await bad.waitCallEvent('x1', 'hangup', FAIL_MS);
    const secs = (Date.now() - t0) / 1000;
    assert.equal(h.by, 'gateway', JSON.stringify(h));
    assert.equal(h.reason, 'ice-failed', `hangup: ${JSON.stringify(h)}`);
    const wire = await bad.eval(() => window.e2e.wire.map((w) => ({ dir: w.dir, t: w.t, m: w.m })));
    const eoc = wire.find((w) => w.dir === 'out' && w.m.type === 'candidate' && w.m.call === 'x1' && w.m.candidate === null);
    const hang = wire.find((w) => w.dir === 'in' && w.m.type === 'hangup' && w.m.call === 'x1');
    assert.ok(eoc && hang, 'end-of-candidates and hangup are both on the wire');
    const errors = await bad.eval(() => window.e2eTurn.errors);
    const relays = (await bad.eval(() => window.e2eTurn.candidates)).filter((c) => c.type === 'relay');
    assert.equal(relays.length, 0, `no relay candidate with bad credentials: ${JSON.stringify(relays)}`);
    // coturn's side: 401 for this username, and no allocation for it.
    const log = S.coturn.log().slice(before);
    const mine = log.split('\n').filter((l) => l.includes(`user <${creds.username}>`));
    assert.ok(mine.some((l) => /error 401/.test(l)), `coturn logged 401 for ${creds.username}:\n${mine.join('\n') || log.slice(-3000)}`);
    assert.ok(!mine.some((l) => /ALLOCATE processed, success/.test(l)), `coturn allocated for bad credentials:\n${mine.join('\n')}`);
    bad.browser.log(`[${label}] bad call: hangup ${JSON.stringify(h)} after ${secs.toFixed(1)} s, end-of-candidates ` +
      `${((hang.t - eoc.t) / 1000).toFixed(1)} s before it; page errors ${JSON.stringify(errors)}; coturn: ${mine.join(' | ')}`);

    // The good call did not notice.
    const st = await good.stats('g1');
    assert.equal(st.connectionState, 'connected', JSON.stringify(st));
    const a = await good.analyse('g1', { windowMs: 800 });
    assertTone(a, 'the good call after the bad one failed');
    const calls = await T.apiCalls(S.gw);
    assert.deepEqual(calls.map((c) => c.call), ['g1'], `/api/calls: ${JSON.stringify(calls.map((c) => c.call))}`);
    assert.equal(calls[0].legs.browser.ice_pair, good.icePair, 'the good call\'s ice_pair did not change');
    bad.browser.log(`[${label}] good call still: peak ${a.peakHz} Hz rms ${a.rmsDb} dBFS`);
  } finally {
    await S.closePage(bad);
    await S.closePage(good);
  }
}

test('(a) forged credential: 401 from coturn, end-of-candidates sent, hangup ice-failed; a good call is unaffected',
  { timeout: TEST_MS }, (t) => badCredentialCase(t, 'forged', (e) => ({
    username: e.username,
    credential: (e.credential[0] === 'A' ? 'B' : 'A') + e.credential.slice(1),
  })));

test('(b) expired credential (right HMAC, expiry a minute ago): same outcome; a good call is unaffected',
  { timeout: TEST_MS }, (t) => badCredentialCase(t, 'expired', (e) => {
    const user = e.username.slice(e.username.indexOf(':') + 1);
    return T.restCredential(S.secret, user, Date.now() / 1000 - 60);
  }));
