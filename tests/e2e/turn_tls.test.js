'use strict';
// TURNS (TURN over TLS) when only TLS to coturn's TLS port may leave the browser's namespace
// (shared/testing.md sections 0, 2 and 4). coturn's TLS listener has a self-signed certificate
// (openssl, IP SAN 198.18.0.1) made by the test. The gateway hands out turn: (UDP, TCP) and turns:
// URIs; the firewall lets out only the gateway's WebSocket/HTTP port and TCP to the TLS port, so
// only TURNS can work.
//
// Chromium verifies the TURN server's certificate: without help it refuses the self-signed one
// (the TURNS allocation never happens, ICE fails). The test makes Chromium accept exactly this
// certificate with --ignore-certificate-errors-spki-list=<SHA-256 of its public key> (production
// uses a certificate from a public CA, see coturn/README.md). Test (b) checks the refusal too.
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const T = require('../lib/coturn');
const { assertTone, assertNoTone } = require('./checks');

const SUITE = 'turn_tls';
const STEP_MS = 15000;
const TEST_MS = 60000;

let S;
test.before(async () => {
  S = await T.turnSuite({
    suite: SUITE, tls: true,
    allow: (c) => [{ proto: 'tcp', port: c.tlsPort, name: 'turn_tls' }],
    browserArgs: (s) => (process.env.GW_TURN_TLS_NO_SPKI ? [] : [`--ignore-certificate-errors-spki-list=${s.cert.spki}`]),
  });
}, { timeout: 60000 });
test.after(async () => { if (S) await S.close(); });

test('(a) only TLS to the TURN port: echo connects over TURNS, 1 kHz comes back, /api/calls host/relay',
  { timeout: TEST_MS }, async (t) => {
    const page = await S.open('tls-echo');
    try {
      const urls = page.welcome.iceServers.flatMap((s) => s.urls);
      assert.ok(urls.some((u) => u.startsWith('turns:')), `welcome.iceServers has a turns: URI: ${urls}`);
      const before = S.rig.counters();
      const info = await page.call({ to: 'echo', id: 's1', timeoutMs: STEP_MS });
      assert.ok(info.state === 'connecting' || info.state === 'answered', `call state ${info.state}`);
      await page.waitConnected('s1', STEP_MS);
      const { sel, api } = await T.assertRelayed(t, S, page, 's1', 'tls');
      assert.match(sel.local.url || '', /^turns:/, `allocated through the turns: URL: ${JSON.stringify(sel)}`);
      page.browser.log(`[tls] selected pair ${JSON.stringify(sel)}; /api/calls ${JSON.stringify(api.legs.browser)}`);

      const a = await page.analyse('s1', { windowMs: 1000 });
      assertTone(a, 'echo over TURNS');
      await page.setMicEnabled(false);
      await T.sleep(400);
      assertNoTone(await page.analyse('s1', { windowMs: 700 }), 'echo over TURNS with the mic disabled');
      await page.setMicEnabled(true);

      const after = S.rig.counters();
      assert.ok(after.turn_tls > before.turn_tls, `TCP to the TLS port: ${JSON.stringify(after)}`);
      assert.ok(after.out_dropped > before.out_dropped, `everything else dropped: ${JSON.stringify(after)}`);
      // coturn logs each new session with its TLS cipher and version: this page's username came in over TLS.
      const user = page.welcome.iceServers.find((x) => x.username).username;
      const tlsLine = S.coturn.log().split('\n').find((l) => l.includes(`username=<${user}>`) && /cipher=\S+, method=TLSv1\.[23]/.test(l));
      assert.ok(tlsLine, `coturn logged no TLS session for ${user}: ${S.coturn.logFile}`);
      page.browser.log(`[tls] coturn: ${tlsLine}`);
      page.browser.log(`[tls] peak ${a.peakHz} Hz rms ${a.rmsDb} dBFS; firewall ${JSON.stringify(after)}; ` +
        `candidate errors ${JSON.stringify(await page.eval(() => window.e2eTurn.errors))}`);
      assert.ok((await page.hangup('s1')).ok);
    } finally {
      await S.closePage(page);
    }
  });

test('(b) without --ignore-certificate-errors-spki-list Chromium refuses the self-signed TURNS certificate: '
  + 'icecandidateerror 701, no allocation, the call ends ice-failed', { timeout: TEST_MS }, async () => {
  // A second Chromium in the same namespace behind the same firewall, without the SPKI flag.
  if (S.browser) { const b = S.browser; S.browser = null; await b.close(); }
  const { launchBrowser } = require('../lib/browser');
  S.browser = await launchBrowser({ name: `${SUITE}-nospki`, args: [`--unsafely-treat-insecure-origin-as-secure=${S.origin}`] });
  const page = await S.open('tls-refused');
  try {
    const allocBefore = S.coturn.allocations().length;
    const logBefore = S.coturn.log().length;
    const info = await page.call({ to: 'echo', id: 's2', timeoutMs: STEP_MS });
    assert.ok(!info.error, JSON.stringify(info.error));
    await page.waitFor('icecandidateerror 701 for the turns: URL', () => window.e2eTurn.errors.some((e) =>
      /^turns:/.test(e.url) && e.errorCode === 701 && /Failed to establish connection/.test(e.errorText)), null, STEP_MS);
    const h = await page.waitCallEvent('s2', 'hangup', 35000);
    assert.equal(h.by, 'gateway', JSON.stringify(h));
    assert.equal(h.reason, 'ice-failed', JSON.stringify(h));
    const relays = (await page.eval(() => window.e2eTurn.candidates)).filter((c) => c.type === 'relay');
    assert.equal(relays.length, 0, `no relay candidate: ${JSON.stringify(relays)}`);
    assert.equal(S.coturn.allocations().length, allocBefore, 'coturn allocated nothing');
    // coturn saw the browser's TLS connection go away during the handshake.
    const log = S.coturn.log().slice(logBefore);
    assert.match(log, /remote 198\.18\.0\.2:\d+, reason: TLS\/TCP socket/, `coturn log since the call:\n${log.slice(-2000)}`);
    page.browser.log(`[tls-refused] page errors ${JSON.stringify(await page.eval(() => window.e2eTurn.errors))}; ` +
      `hangup ${JSON.stringify(h)}; coturn: ${log.split('\n').filter((l) => /198\.18\.0\.2/.test(l)).join(' | ')}`);
  } finally {
    await S.closePage(page);
  }
});
