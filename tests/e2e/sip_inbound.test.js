'use strict';
// Inbound calls: SIPp plays the trunk calling a DID of the gateway (tests/sipp/uac_*.xml). The page
// registers as alice ([routes] +15550001 = alice) and accepts, rejects or just lets it ring; the
// test checks what the page gets (incoming, answered, hangup reason) and what SIPp got (180 before
// 200, the final response code, 403 for a source outside [trunk] allowed_sources).
//
// SIPp 3.6.1 has no SRTP: [trunk] srtp = off. The page answers with PCMU. Gateway logs:
// tests/artifacts/<type>/e2e-sip_inbound-<case>.log; SIPp's logs: e2e/sip_inbound/.
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const { assertHz } = require('./checks');
const { launchBrowser, WEB_ROOT } = require('../lib/browser');
const { freePort } = require('../lib/gateway');
const S = require('../lib/sipp');

const SUITE = 'sip_inbound';
const DID = '+15550001';
const TRUNK_HZ = 600;
const STEP_MS = 10000;
const TEST_MS = 45000;

let browser;
test.before(async () => { browser = await launchBrowser({ name: SUITE }); });
test.after(async () => { if (browser) await browser.close(); });

// The trunk proxy is a port nobody listens on (outbound is not used here); INVITEs are allowed
// from 127.0.0.1 only, so that SIPp on 127.0.0.2 is refused.
async function config() {
  return {
    server: { web_root: WEB_ROOT },
    sip: { t1_ms: 100 },
    trunk: { proxy: `sip:127.0.0.1:${await freePort()}`, srtp: 'off', options_interval: 0, allowed_sources: '127.0.0.1' },
    routes: { [DID]: 'alice' },
  };
}

const run = (t, fn) => S.sipCase(t, { browser, suite: SUITE }, fn);

async function register(page, user = 'alice') {
  const r = await page.eval((u) => window.e2e.client.register(u), user);
  assert.equal(r.type, 'registered');
  assert.equal(r.user, user);
}

// SIPp as the caller, to the gateway's SIP port.
const caller = (ctx, scenario, opts = {}) => ctx.sipp({ scenario, remote: `127.0.0.1:${ctx.gw.sipPort}`,
  service: DID, tone: { hz: TRUNK_HZ, secs: 60 }, timeoutS: 30, ...opts });

async function sippPassed(s, ms = STEP_MS) {
  const r = await s.finish(ms);
  assert.equal(r.code, 0, `SIPp ${s.name}: ${r.what}\n${r.errors.slice(0, 1500)}`);
  return r;
}

// The final responses (>= 180) SIPp received for its INVITE, in order.
const inviteResponses = (parsed) => parsed.filter((m) => m.dir === 'in' && m.status && m.cseqMethod === 'INVITE')
  .map((m) => m.status);

test('accepted: incoming with the gateway\'s offer, 180 then 200 to the trunk, answered, the trunk\'s '
  + 'tone heard; the trunk\'s BYE gives hangup by remote', { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  await ctx.gateway(await config());
  const page = await ctx.open();
  await register(page);
  await page.setIncomingPolicy({ action: 'accept', codec: 'PCMU' });
  const s = await caller(ctx, 'uac_inbound.xml');
  const inc = await page.waitIncoming(null, STEP_MS);
  assert.equal(inc.to, DID);
  assert.match(String(inc.from), /15557770000/, `from: ${inc.from}`);
  assert.match(inc.remoteSdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m, 'the incoming offer is for WebRTC');
  const acc = await page.acceptResult(inc.id, STEP_MS);
  assert.ok(acc.ok, `accept: ${JSON.stringify(acc)}`);
  await S.waitMessage(page, inc.id, 'answered', STEP_MS);
  await page.waitConnected(inc.id, STEP_MS);
  assertHz(await page.analyse(inc.id, { windowMs: 1000 }), TRUNK_HZ, 'the trunk\'s audio');
  const h = await S.waitMessage(page, inc.id, 'hangup', STEP_MS);
  assert.equal(h.by, 'remote', JSON.stringify(h));
  const r = await sippPassed(s);
  assert.deepEqual(inviteResponses(r.parsed).filter((c) => c >= 180), [180, 200], 'the trunk got 180, then 200');
  const ok = r.parsed.find((m) => m.dir === 'in' && m.status === 200 && m.cseqMethod === 'INVITE');
  assert.match(ok.body, /^m=audio [1-9]\d* RTP\/AVP 0( |$)/m, '200 answers plain PCMU');
}));

for (const [label, policy, code] of [['reject', { action: 'reject' }, 486],
  ['reject with code 603', { action: 'reject', code: 603 }, 603]]) {
  test(`${label}: the trunk gets 180, then ${code}`, { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    await ctx.gateway(await config());
    const page = await ctx.open();
    await register(page);
    await page.setIncomingPolicy(policy);
    const s = await caller(ctx, 'uac_inbound_final.xml');
    const inc = await page.waitIncoming(null, STEP_MS);
    const res = await page.acceptResult(inc.id, STEP_MS);
    assert.ok(res.ok, `reject: ${JSON.stringify(res)}`);
    const r = await sippPassed(s);
    assert.deepEqual(inviteResponses(r.parsed).filter((c) => c >= 180), [180, code]);
  }));
}

test('nobody registered for the DID: 480, no 180', { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  await ctx.gateway(await config());
  const page = await ctx.open();   // connected, not registered
  const s = await caller(ctx, 'uac_inbound_final.xml');
  const r = await sippPassed(s);
  assert.deepEqual(inviteResponses(r.parsed).filter((c) => c >= 180), [480]);
  const incoming = (await page.wire()).filter((w) => w.m.type === 'incoming');
  assert.equal(incoming.length, 0, 'nothing rang');
}));

test('the caller cancels while it rings: the page gets hangup reason cancelled; 200 and 487 to the trunk',
  { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
    await ctx.gateway(await config());
    const page = await ctx.open();
    await register(page);
    const s = await caller(ctx, 'uac_inbound_cancel.xml');
    const inc = await page.waitIncoming(null, STEP_MS);
    const h = await S.waitMessage(page, inc.id, 'hangup', STEP_MS);
    assert.equal(h.reason, 'cancelled', JSON.stringify(h));
    await sippPassed(s);
    assert.deepEqual(S.eventWords(await S.callMessages(page, inc.id)), ['incoming', `hangup:${h.by}/${h.code ?? '-'}/cancelled`]);
  }));

test('INVITE from a source outside allowed_sources (127.0.0.2): 403, nothing rings', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    await ctx.gateway(await config());
    const page = await ctx.open();
    await register(page);
    const s = await caller(ctx, 'uac_disallowed.xml', { ip: '127.0.0.2' });
    const r = await sippPassed(s);
    assert.deepEqual(inviteResponses(r.parsed).filter((c) => c >= 180), [403]);
    const inv = r.parsed.find((m) => m.dir === 'out' && m.method === 'INVITE');
    assert.match(inv.header('Via'), /127\.0\.0\.2:/, 'SIPp really sent from 127.0.0.2');
    await S.sleep(500);
    const incoming = (await page.wire()).filter((w) => w.m.type === 'incoming');
    assert.equal(incoming.length, 0, 'nothing rang');
    assert.match(ctx.gw.log(), /refused \(403\)/, 'the gateway logged the refusal');
  }));
