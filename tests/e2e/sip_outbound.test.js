'use strict';
// Outbound calls through the SIP trunk, against SIPp playing the trunk (tests/sipp/uas_*.xml):
// the page calls a number, the gateway sends its INVITE to [trunk] proxy = the SIPp UAS, and the
// test checks the protocol messages the page gets (progress in order, answered, hangup by/code/
// reason) and what SIPp saw (exit code 0 = its scenario passed; request URI, X- headers, digest
// credentials, Reason on CANCEL and BYE from the message log).
//
// SIPp 3.6.1 has no SRTP: [trunk] srtp = off here. The browser is forced to PCMU. [sip] t1_ms =
// 100 so that SIP timers run in seconds. One gateway per case (its log is
// tests/artifacts/<type>/e2e-sip_outbound-<case>.log); SIPp's logs are in e2e/sip_outbound/.
// Run inside tests/e2e/netns-run.sh (CTest does): everything stays on this namespace's loopback.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { launchBrowser, WEB_ROOT } = require('../lib/browser');
const S = require('../lib/sipp');

const SUITE = 'sip_outbound';
const NUMBER = '+15558675309';
const USER = 'gwuser';
const PASSWORD = 'gw-secret-1';
const STEP_MS = 10000;     // one expected event
const TEST_MS = 45000;     // a whole case
const REALM = 'sipp.test'; // the realm tests/sipp/uas_401.xml and uas_register_401.xml challenge with
// [trunk] ha1 instead of password: MD5(username:realm:password), computed here independently.
const HA1 = crypto.createHash('md5').update(`${USER}:${REALM}:${PASSWORD}`).digest('hex');

let browser;
test.before(async () => { browser = await launchBrowser({ name: SUITE }); });
test.after(async () => { if (browser) await browser.close(); });

// The gateway's configuration with its trunk at SIPp's port.
function config(port, trunk = {}) {
  return {
    server: { web_root: WEB_ROOT },
    sip: { t1_ms: 100 },
    trunk: { proxy: `sip:127.0.0.1:${port}`, srtp: 'off', username: USER, password: PASSWORD,
             options_interval: 0, ...trunk },
  };
}

const run = (t, fn) => S.sipCase(t, { browser, suite: SUITE }, fn);

async function call(page, opts = {}) {
  const info = await S.placeCall(page, { id: 'c1', to: NUMBER, ...opts });
  // "unavailable": the call ended before its answer went out (a fast final response); the
  // page's messages tell the rest.
  assert.ok(!info.error || info.error.code === 'unavailable', `the call was refused: ${JSON.stringify(info.error)}`);
  return info;
}

const words = async (page, id = 'c1') => S.eventWords(await S.callMessages(page, id));
const received = (parsed, method) => parsed.filter((m) => m.dir === 'in' && m.method === method);

async function sippPassed(s, ms = STEP_MS) {
  const r = await s.finish(ms);
  assert.equal(r.code, 0, `SIPp ${s.name}: ${r.what}\n${r.errors.slice(0, 1500)}`);
  return r;
}

test('answered call: 100/180/200 give trying, ringing, answered; INVITE to sip:NUMBER@proxy with plain '
  + 'RTP/AVP and the X- headers; the call stays up; browser hangup sends BYE with Reason', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_answer.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page, { headers: { 'X-Account': 'acme-42', 'X-Trace-Id': 'e2e-7' } });
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    await page.waitConnected('c1', STEP_MS);
    assert.deepEqual(await words(page), ['progress:trying', 'progress:ringing', 'answered']);

    const inv = received(s.parsed(), 'INVITE');
    assert.equal(inv.length, 1, 'one INVITE');
    assert.equal(inv[0].uri, `sip:${NUMBER}@127.0.0.1:${s.port}`, 'request URI');
    assert.equal(inv[0].header('X-Account'), 'acme-42', 'X- header from the call message');
    assert.equal(inv[0].header('X-Trace-Id'), 'e2e-7', 'X- header from the call message');
    assert.match(inv[0].header('Content-Type') || '', /application\/sdp/);
    assert.match(inv[0].body, /^m=audio [1-9]\d* RTP\/AVP( \d+)* 0( \d+)*$/m, 'srtp = off: RTP/AVP offering PCMU (0)');
    assert.doesNotMatch(inv[0].body, /^a=crypto:/m, 'srtp = off: no a=crypto');
    assert.match(inv[0].body, /^c=IN IP4 127\.0\.0\.1$/m);

    // Answered means ACKed, and the call stays up (no BYE, no hangup) while nobody hangs up.
    await S.sleep(2000);
    assert.equal(received(s.parsed(), 'ACK').length, 1, 'the gateway ACKed the 200');
    assert.equal(received(s.parsed(), 'BYE').length, 0, 'no BYE before the browser hangs up');
    assert.deepEqual(await words(page), ['progress:trying', 'progress:ringing', 'answered']);

    const h = await page.hangup('c1');
    assert.ok(h.ok, `hangup: ${h.message}`);
    const r = await sippPassed(s);
    const bye = received(r.parsed, 'BYE');
    assert.equal(bye.length, 1, 'one BYE');
    assert.match(bye[0].header('Reason') || '', /^SIP\s*;\s*cause=\d+/, 'BYE carries a Reason header');
  }));

test('401 challenge: the INVITE is retried once with a correct Authorization digest, then answered',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_401.xml', keys: { username: USER, password: PASSWORD } });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    const inv = received(s.parsed(), 'INVITE');
    assert.equal(inv.length, 2, 'the INVITE and its retry with credentials');
    assert.equal(inv[0].header('Authorization'), null, 'no credentials before the challenge');
    assert.equal(inv[1].header('Call-ID'), inv[0].header('Call-ID'), 'same Call-ID');
    const auth = inv[1].header('Authorization');
    const d = S.digestOk(auth, { method: 'INVITE', password: PASSWORD });
    assert.ok(d.ok, `Authorization digest is wrong: ${auth}`);
    assert.equal(d.d.username, USER);
    assert.equal(d.d.realm, 'sipp.test');
    const w = await words(page);
    assert.equal(w[0], 'progress:trying');
    assert.equal(w[w.length - 1], 'answered');
    assert.ok(!w.some((x) => x.startsWith('hangup')), w.join(' '));

    assert.ok((await page.hangup('c1')).ok);
    await sippPassed(s);   // verifyauth passed (else 403 and exit 97), BYE with Reason
  }));

test('ha1 instead of password: the 401 is answered with a digest SIPp verifies against the password',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_401.xml', keys: { username: USER, password: PASSWORD } });
    await ctx.gateway(config(s.port, { password: '', ha1: HA1, realm: REALM }));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    const inv = received(s.parsed(), 'INVITE');
    assert.equal(inv.length, 2, 'the INVITE and its retry with credentials');
    const auth = inv[1].header('Authorization');
    const d = S.digestOk(auth, { method: 'INVITE', password: PASSWORD });
    assert.ok(d.ok, `Authorization digest is wrong: ${auth}`);
    assert.equal(d.d.username, USER);
    assert.ok((await page.hangup('c1')).ok);
    await sippPassed(s);   // verifyauth passed
  }));

test('ha1 for another realm: the challenge is not answered, the call fails with 401 and the log says why',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_wrong_creds.xml' });
    await ctx.gateway(config(s.port, { password: '', ha1: HA1, realm: 'other.example' }));
    const page = await ctx.open();
    await call(page);
    const h = await S.waitMessage(page, 'c1', 'hangup', STEP_MS);
    assert.equal(h.code, 401, JSON.stringify(h));
    assert.equal(received(s.parsed(), 'INVITE').length, 1, 'no retry with credentials for the wrong realm');
    assert.match(ctx.gw.log(), /cannot authenticate: the challenge is for realm "sipp\.test" but \[trunk\] ha1 is for realm "other\.example"/);
    await s.stop();
  }));

test('REGISTER with ha1: the 401 (qop=auth) is answered with a digest SIPp verifies; /healthz says registered',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_register_401.xml', keys: { username: USER, password: PASSWORD } });
    const gw = await ctx.gateway(config(s.port, { password: '', ha1: HA1, realm: REALM, register: 'true' }));
    const r = await sippPassed(s);   // verifyauth passed, 200 sent
    const reg = received(r.parsed, 'REGISTER');
    assert.equal(reg.length, 2, 'the REGISTER and its retry with credentials');
    const auth = reg[1].header('Authorization');
    const d = S.digestOk(auth, { method: 'REGISTER', password: PASSWORD });
    assert.ok(d.ok, `Authorization digest is wrong: ${auth}`);
    assert.equal(d.d.qop, 'auth', 'qop=auth with cnonce and nc');
    assert.ok(d.d.cnonce && d.d.nc, auth);
    let health = null;
    for (let i = 0; i < 40; i++) {
      health = await (await fetch(`${gw.http}/healthz`)).json();
      if (health.trunk && health.trunk.registration === 'registered') break;
      await S.sleep(100);
    }
    assert.equal(health.trunk.registration, 'registered', JSON.stringify(health));
  }));

test('407 challenge: the INVITE is retried once with a correct Proxy-Authorization digest, then answered',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_407.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    const inv = received(s.parsed(), 'INVITE');
    assert.equal(inv.length, 2, 'the INVITE and its retry with credentials');
    const auth = inv[1].header('Proxy-Authorization');
    assert.ok(auth, 'the retry carries Proxy-Authorization');
    const d = S.digestOk(auth, { method: 'INVITE', password: PASSWORD });
    assert.ok(d.ok, `Proxy-Authorization digest is wrong: ${auth}`);
    assert.equal(d.d.username, USER);
    assert.ok((await page.hangup('c1')).ok);
    await sippPassed(s);
  }));

test('credentials refused (401 twice): no third INVITE; hangup by remote, code 401, reason rejected',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_wrong_creds.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    const h = await S.waitMessage(page, 'c1', 'hangup', STEP_MS);
    assert.deepEqual({ by: h.by, code: h.code, reason: h.reason }, { by: 'remote', code: 401, reason: 'rejected' });
    const r = await sippPassed(s);   // a third INVITE in its final pause would fail it
    assert.equal(received(r.parsed, 'INVITE').length, 2);
    assert.equal(received(r.parsed, 'ACK').length, 2, 'both 401s ACKed');
    assert.deepEqual(await words(page), ['progress:trying', 'hangup:remote/401/rejected']);
  }));

test('486 Busy Here: hangup by remote, code 486, reason busy; the 486 is ACKed', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_486.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    const h = await S.waitMessage(page, 'c1', 'hangup', STEP_MS);
    assert.deepEqual({ by: h.by, code: h.code, reason: h.reason }, { by: 'remote', code: 486, reason: 'busy' });
    assert.deepEqual(await words(page), ['progress:trying', 'hangup:remote/486/busy']);
    await sippPassed(s);
  }));

test('hangup while ringing: CANCEL with a Reason header; 487 is ACKed; no answered', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_ring_wait_cancel.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'progress', STEP_MS, { status: 'ringing' });
    assert.deepEqual(await words(page), ['progress:trying', 'progress:ringing']);
    const h = await page.hangup('c1');
    assert.ok(h.ok, `hangup: ${h.message}`);
    const r = await sippPassed(s);
    const cancel = received(r.parsed, 'CANCEL');
    assert.equal(cancel.length, 1, 'one CANCEL');
    assert.match(cancel[0].header('Reason') || '', /^SIP\s*;\s*cause=\d+/, 'CANCEL carries a Reason header');
    assert.equal(received(r.parsed, 'ACK').length, 1, 'the 487 is ACKed');
    assert.ok(!(await words(page)).includes('answered'));
  }));

test('302 redirect: the Contact (a second SIPp) gets the INVITE and answers', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const target = await ctx.sipp({ scenario: 'uas_answer.xml', name: 'target' });
    const s = await ctx.sipp({ scenario: 'uas_302.xml', keys: { redirect_port: target.port } });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    const r1 = await sippPassed(s);   // 302 sent and ACKed
    assert.equal(received(r1.parsed, 'ACK').length, 1, 'the 302 is ACKed');
    const inv = received(target.parsed(), 'INVITE');
    assert.equal(inv.length, 1, 'the redirect target got one INVITE');
    assert.equal(inv[0].uri, `sip:redirected@127.0.0.1:${target.port}`, 'request URI = the 302 Contact');
    assert.ok((await page.hangup('c1')).ok);
    await sippPassed(target);          // BYE with Reason reached the target
  }));

test('trunk hangs up (BYE): hangup by remote, reason normal; the BYE gets 200', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_bye.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    const h = await S.waitMessage(page, 'c1', 'hangup', STEP_MS);
    assert.equal(h.by, 'remote', JSON.stringify(h));
    assert.equal(h.reason, 'normal', JSON.stringify(h));
    assert.deepEqual((await words(page)).slice(0, 2), ['progress:trying', 'answered']);
    await sippPassed(s);
    const info = await page.callInfo('c1');
    assert.equal(info.state, 'ended');
  }));

test('OPTIONS keepalive ([trunk] options_interval = 1): up while SIPp answers (/healthz, gw_trunk_up, one log '
  + 'line), down once it is gone (timeout or transport error)', { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  const s = await ctx.sipp({ scenario: 'uas_options.xml' });
  const gw = await ctx.gateway(config(s.port, { options_interval: 1 }));
  const health = async () => JSON.parse((await (await fetch(`${gw.http}/healthz`)).text())).trunk;
  const until = async (want, ms) => {
    let h;
    for (const end = Date.now() + ms; Date.now() < end; await S.sleep(200)) if ((h = await health()).options === want) break;
    return h;
  };
  const up = await until('up', STEP_MS);
  assert.equal(up.options, 'up', JSON.stringify(up));
  assert.match(up.options_detail, /^200 /);
  assert.match(gw.log(), /SIP trunk is up: OPTIONS answered 200/);
  assert.match(await (await fetch(`${gw.http}/metrics`)).text(), /^gw_trunk_up 1$/m);
  await sippPassed(s);   // answered its one OPTIONS and exited: the trunk is gone
  // 64 * T1 = 6.4 s at most with t1_ms = 100 (an ICMP error may end it sooner).
  const down = await until('down', 12000);
  t.diagnostic(`after SIPp left: ${JSON.stringify(down)}`);
  assert.equal(down.options, 'down', JSON.stringify(down));
  assert.match(gw.log(), /SIP trunk is down: OPTIONS got (408|503) /);
  assert.match(await (await fetch(`${gw.http}/metrics`)).text(), /^gw_trunk_up 0$/m);
  assert.equal(gw.log().match(/SIP trunk is up/g).length, 1, 'one line per change, not per OPTIONS');
}));
