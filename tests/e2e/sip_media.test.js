'use strict';
// Outbound calls against SIPp as the trunk, where media and timers matter: ringback for a 180 without
// SDP, DTMF to a trunk without telephone-event (in-band and SIP INFO), early media from a 183,
// re-INVITEs from the trunk (hold, resume, a new media port), a trunk that never answers (timer B)
// and a long call (no self-disconnect at 64*T1 = 32 s). SIPp sends RTP from a raw µ-law tone made
// here with sox (600 Hz, so that it cannot be mistaken for the page's own 1 kHz microphone).
//
// SIPp 3.6.1 has no SRTP: [trunk] srtp = off. The browser is forced to PCMU. Gateway logs:
// tests/artifacts/<type>/e2e-sip_media-<case>.log; SIPp's logs: e2e/sip_media/.
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const { assertHz } = require('./checks');
const { launchBrowser, WEB_ROOT } = require('../lib/browser');
const S = require('../lib/sipp');

const SUITE = 'sip_media';
const NUMBER = '+15558675309';
const TRUNK_HZ = 600;
const STEP_MS = 10000;

let browser;
test.before(async () => { browser = await launchBrowser({ name: SUITE }); });
test.after(async () => { if (browser) await browser.close(); });

function config(port, { sip = { t1_ms: 100 }, media = {} } = {}) {
  return {
    server: { web_root: WEB_ROOT },
    sip,
    media,
    trunk: { proxy: `sip:127.0.0.1:${port}`, srtp: 'off', options_interval: 0 },
  };
}

const run = (t, fn) => S.sipCase(t, { browser, suite: SUITE }, fn);
const words = async (page, id = 'c1') => S.eventWords(await S.callMessages(page, id));
const received = (parsed, method) => parsed.filter((m) => m.dir === 'in' && m.method === method);

async function call(page) {
  const info = await S.placeCall(page, { id: 'c1', to: NUMBER });
  // "unavailable": the call ended before its answer went out (a fast final response); the
  // page's messages tell the rest.
  assert.ok(!info.error || info.error.code === 'unavailable', `the call was refused: ${JSON.stringify(info.error)}`);
  return info;
}

async function sippPassed(s, ms = STEP_MS) {
  const r = await s.finish(ms);
  assert.equal(r.code, 0, `SIPp ${s.name}: ${r.what}\n${r.errors.slice(0, 1500)}`);
  return r;
}

test('183 with SDP: progress early-media, the trunk\'s 600 Hz tone is heard before the answer, then answered',
  { timeout: 45000 }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_183_early.xml', tone: { hz: TRUNK_HZ, secs: 60 } });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    await S.waitMessage(page, 'c1', 'progress', STEP_MS, { status: 'early-media' });
    await page.waitConnected('c1', STEP_MS);
    const a = await page.analyse('c1', { windowMs: 1000 });
    const before = await words(page);
    assert.ok(!before.includes('answered'), `the analysis must fall before the 200 (SIPp waits 5 s): ${before.join(' ')}`);
    assertHz(a, TRUNK_HZ, 'early media');
    await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    assert.deepEqual(await words(page), ['progress:trying', 'progress:early-media', 'answered']);
    assertHz(await page.analyse('c1', { windowMs: 700 }), TRUNK_HZ, 'media after the answer');
    assert.ok((await page.hangup('c1')).ok);
    await sippPassed(s);   // 200 ACKed, BYE with Reason
  }));

// 180 without SDP: the gateway plays ringback (default [media] ringback = us: 440 + 480 Hz, 2 s on)
// until the answer; then the trunk (an RTP sink that sends nothing) is silent. The trunk offers no
// telephone-event, so DTMF goes by [trunk] dtmf_fallback.
async function ringbackCall(ctx, s, { codec, extra = {} }) {
  const page = await ctx.open();
  const info = await S.placeCall(page, { id: 'c1', to: NUMBER, codec });
  assert.ok(!info.error, `the call was refused: ${JSON.stringify(info.error)}`);
  await S.waitMessage(page, 'c1', 'progress', STEP_MS, { status: 'ringing' });
  await page.waitConnected('c1', STEP_MS);
  const a = await page.analyse('c1', { windowMs: 800 });
  const before = await words(page);
  assert.ok(!before.includes('answered'), `the analysis must fall before the 200 (SIPp rings 3 s): ${before.join(' ')}`);
  const f = `peak ${a.peakHz && a.peakHz.toFixed(1)} Hz, rms ${a.rmsDb && a.rmsDb.toFixed(1)} dBFS, share ${a.toneShare && a.toneShare.toFixed(2)}`;
  assert.ok(a.peakHz >= 430 && a.peakHz <= 490, `ringback (440 + 480 Hz) in the page: ${f}`);
  assert.ok(a.rmsDb >= -35, `ringback level: ${f}`);
  console.log(`# ringback (${codec || 'opus'}): ${f}`);
  await S.waitMessage(page, 'c1', 'answered', STEP_MS);
  await S.sleep(600);
  const after = await page.analyse('c1', { windowMs: 700 });
  assert.ok(after.rmsDb <= -45, `ringback stopped at the answer (the trunk sends nothing): rms ${after.rmsDb.toFixed(1)} dBFS`);
  assert.match(ctx.gw.log(), /ringback to the browser/);
  // The trunk's own INFO (Signal=7), 1 s after its ACK, reaches the page as a dtmf message.
  await S.waitMessage(page, 'c1', 'dtmf', 4000, { digit: '7' });
  return page;
}

async function insertDtmf(page, digits) {
  const ins = await page.eval((d) => {
    const snd = window.e2e.calls.c1.pc.getSenders()[0];
    if (!snd.dtmf || !snd.dtmf.canInsertDTMF) return { error: `canInsertDTMF: ${snd.dtmf && snd.dtmf.canInsertDTMF}` };
    snd.dtmf.insertDTMF(d, 100, 70);
    return { ok: true };
  }, digits);
  assert.ok(ins.ok, `insertDTMF: ${JSON.stringify(ins)}`);
}

test('180 without SDP: ringback in the page (Opus) until the answer; a trunk without telephone-event gets '
  + 'DTMF in-band: "123#" (dtmf message) and "9" (RTCDTMFSender) decoded from its audio', { timeout: 45000 },
(t) => run(t, async (ctx) => {
  const sink = await S.rtpSink({ host: '127.0.0.3' });
  ctx.defer(() => sink.close());
  const s = await ctx.sipp({ scenario: 'uas_ringback_no_te.xml', keys: { new_media_ip: '127.0.0.3', new_media_port: sink.port } });
  await ctx.gateway(config(s.port));
  const page = await ringbackCall(ctx, s, { codec: null });
  const t0 = Date.now();
  const r = await page.request({ type: 'dtmf', call: 'c1', digits: '123#' }, 3000);
  assert.ok(r.ok && r.reply.type === 'ok', `dtmf message: ${JSON.stringify(r)}`);
  for (let i = 0; i < 30 && sink.dtmf(t0).length < 4; i++) await S.sleep(100);
  await S.sleep(300);
  const t1 = Date.now();
  await insertDtmf(page, '9');
  for (let i = 0; i < 30 && sink.dtmf(t1).length < 1; i++) await S.sleep(100);
  const got = [sink.dtmf(t0 - 200), sink.dtmf(t1)];
  console.log(`# in-band DTMF decoded at the trunk: "${got[0]}"`);
  const lines = ctx.gw.log().split('\n').filter((l) => /DTMF/.test(l)).join(' | ');
  assert.equal(got[0], '123#9', `digits in the trunk's audio (gateway: ${lines})`);
  assert.equal(got[1], '9', 'the RTCDTMFSender digit');
  assert.ok((await page.hangup('c1')).ok);
  await sippPassed(s);
}));

test('a trunk without telephone-event and [trunk] dtmf_fallback = info: "12#" (dtmf message) and "4" '
  + '(RTCDTMFSender) arrive as SIP INFO application/dtmf-relay, in order; ringback with PCMU', { timeout: 45000 },
(t) => run(t, async (ctx) => {
  const sink = await S.rtpSink({ host: '127.0.0.3' });
  ctx.defer(() => sink.close());
  const s = await ctx.sipp({ scenario: 'uas_ringback_no_te.xml', keys: { new_media_ip: '127.0.0.3', new_media_port: sink.port } });
  const cfg = config(s.port);
  cfg.trunk.dtmf_fallback = 'info';
  await ctx.gateway(cfg);
  const page = await ringbackCall(ctx, s, { codec: 'PCMU' });
  const r = await page.request({ type: 'dtmf', call: 'c1', digits: '12#' }, 3000);
  assert.ok(r.ok && r.reply.type === 'ok', `dtmf message: ${JSON.stringify(r)}`);
  await S.sleep(1200);
  await insertDtmf(page, '4');
  await S.sleep(1200);
  assert.equal(sink.dtmf(0), '', 'no in-band digits when INFO is configured');
  assert.ok((await page.hangup('c1')).ok);
  const res = await sippPassed(s);
  const infos = received(res.parsed, 'INFO');
  const bodies = infos.map((m) => `${(/^Content-Type: *(.*?)\r?$/mi.exec(m.raw) || [])[1]}: ${m.body.replace(/\r?\n/g, ' ').trim()}`);
  console.log(`# INFO bodies: ${JSON.stringify(bodies)}`);
  const signals = infos.map((m) => (/^Signal=(.)/m.exec(m.body) || [])[1]).join('');
  assert.equal(signals, '12#4', `INFO bodies: ${JSON.stringify(bodies)}`);
  for (const m of infos) assert.match(m.raw, /^Content-Type: *application\/dtmf-relay/mi, m.raw);
  for (const m of infos.slice(0, 3)) assert.match(m.body, /^Duration=160/m);
}));

test('re-INVITEs from the trunk: sendonly gives held, sendrecv resumed (200 with SDP each); a new '
  + 'c= address and m= port are followed (the page\'s 1 kHz arrives there)', { timeout: 45000 }, (t) => run(t, async (ctx) => {
  const sink = await S.rtpSink({ host: '127.0.0.3' });   // another loopback address than SIPp's
  ctx.defer(() => sink.close());
  const s = await ctx.sipp({ scenario: 'uas_reinvite.xml', keys: { new_media_ip: '127.0.0.3', new_media_port: sink.port } });
  await ctx.gateway(config(s.port));
  const page = await ctx.open();
  await call(page);
  await S.waitMessage(page, 'c1', 'answered', STEP_MS);
  const held = await S.waitMessage(page, 'c1', 'held', STEP_MS);
  assert.equal(held.by, 'remote');
  await S.waitMessage(page, 'c1', 'resumed', STEP_MS);
  const w = await words(page);
  assert.deepEqual(w.slice(0, 4), ['progress:trying', 'answered', 'held', 'resumed']);
  assert.equal(w.filter((x) => x === 'held').length, 1, w.join(' '));
  assert.ok(!w.some((x) => x.startsWith('hangup')), w.join(' '));

  // The rest is collected, so that one failure does not hide the others.
  const problems = [];
  // The third re-INVITE moves the trunk's media to the sink (127.0.0.3, another port).
  const deadline = Date.now() + STEP_MS;
  while (sink.packets < 25 && Date.now() < deadline) await S.sleep(100);
  const gwPort = Number((/^m=audio (\d+)/m.exec(received(s.parsed(), 'INVITE')[0].body) || [])[1]);
  if (sink.packets < 25) problems.push(`RTP at the new address 127.0.0.3:${sink.port}: ${sink.packets} packets`);
  else {
    const srcs = Object.keys(sink.bySource);
    if (srcs.join() !== `127.0.0.1:${gwPort}`) problems.push(`RTP at the new address from ${srcs} (expected the gateway's 127.0.0.1:${gwPort})`);
    if (!(sink.byPt[0] >= 25)) problems.push(`PCMU packets at the new address: ${JSON.stringify(sink.byPt)}`);
    await S.sleep(1000);
    const tone = sink.tone(Date.now() - 1000);
    if (!(Math.abs(tone.hz - 1000) <= 20 && tone.share >= 0.5 && tone.rmsDb > -30)) {
      problems.push(`the page's 1 kHz at the new address: ${JSON.stringify(tone)}`);
    }
  }
  assert.ok((await page.hangup('c1')).ok);
  const r = await s.finish(STEP_MS);
  const oks = r.parsed.filter((m) => m.dir === 'in' && m.status === 200 && m.cseqMethod === 'INVITE');
  const dir = (body) => (/^a=(sendrecv|sendonly|recvonly|inactive)$/m.exec(body || '') || [])[1] || '(none)';
  const want = [['sendonly', /^(recvonly|inactive)$/], ['sendrecv', /^sendrecv$/], ['sendrecv, new address', /^sendrecv$/]];
  if (oks.length !== 3) problems.push(`200s to the three re-INVITEs: ${oks.length}`);
  oks.slice(0, 3).forEach((ok, k) => {
    if (!/^m=audio [1-9]\d* RTP\/AVP /m.test(ok.body)) problems.push(`200 to re-INVITE ${k + 1} has no SDP answer`);
    if (!want[k][1].test(dir(ok.body))) problems.push(`the answer to the ${want[k][0]} re-INVITE has a=${dir(ok.body)}`);
  });
  if (r.code !== 0) problems.push(`SIPp: ${r.what}: ${(r.errors.split('\n').find((l) => /Failed|Aborting/.test(l)) || '').trim()}`);
  assert.deepEqual(problems, [], `re-INVITE handling:\n  ${problems.join('\n  ')}`);
}));

test('trunk silent: timer B (64*T1 = 6.4 s with t1_ms = 100) ends the call: hangup code 408, reason unavailable',
  { timeout: 45000 }, (t) => run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_silent.xml' });
    await ctx.gateway(config(s.port));
    const page = await ctx.open();
    await call(page);
    const trying = await S.waitMessage(page, 'c1', 'progress', STEP_MS, { status: 'trying' });
    const h = await S.waitMessage(page, 'c1', 'hangup', 12000);
    const secs = (h.t - trying.t) / 1000;
    assert.equal(h.code, 408, JSON.stringify(h));
    assert.equal(h.reason, 'unavailable', JSON.stringify(h));
    assert.ok(secs >= 5.5 && secs <= 8.5, `timer B after ${secs.toFixed(2)} s (expected about 6.4 s)`);
    const r = await sippPassed(s, 15000);
    const inv = received(r.parsed, 'INVITE');
    assert.ok(inv.length >= 5, `INVITE retransmitted (timer A): ${inv.length} copies`);
    assert.equal(new Set(inv.map((m) => m.header('Via'))).size, 1, 'all copies are one transaction');
    assert.equal(received(r.parsed, 'CANCEL').length, 0, 'no CANCEL without a provisional response');
  }));

test('long call: answered, no BYE from the gateway and no hangup for 33 s (past 64*T1 = 32 s with the '
  + 'default T1), media flowing; then the trunk\'s BYE ends it at 40 s', { timeout: 75000 }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_long.xml', tone: { hz: TRUNK_HZ, secs: 60 }, timeoutS: 60 });
    await ctx.gateway(config(s.port, { sip: {} }));   // default T1 (500 ms): 64*T1 = 32 s
    const page = await ctx.open();
    await call(page);
    const answered = await S.waitMessage(page, 'c1', 'answered', STEP_MS);
    await page.waitConnected('c1', STEP_MS);
    assertHz(await page.analyse('c1', { windowMs: 700 }), TRUNK_HZ, 'media after the answer');
    const start = Date.now();
    while (Date.now() - start < 33000) {
      const w = await words(page);
      const bye = received(s.parsed(), 'BYE');
      assert.ok(!w.some((x) => x.startsWith('hangup')) && bye.length === 0 && !s.exited(),
        `the call ended ${((Date.now() - start) / 1000).toFixed(1)} s after the answer: ${w.join(' ')}; ` +
        `SIPp ${s.exited() ? 'exited' : 'running'}, BYEs from the gateway: ${bye.length}`);
      await S.sleep(1000);
    }
    assertHz(await page.analyse('c1', { windowMs: 700 }), TRUNK_HZ, 'media 33 s after the answer');
    const stats = await page.stats('c1');
    assert.equal(stats.connectionState, 'connected', JSON.stringify(stats));
    const h = await S.waitMessage(page, 'c1', 'hangup', 15000);
    assert.equal(h.by, 'remote', JSON.stringify(h));
    assert.equal(h.reason, 'normal', JSON.stringify(h));
    const secs = (h.t - answered.t) / 1000;
    assert.ok(secs >= 38, `the trunk's BYE comes 40 s after its 200; the hangup came after ${secs.toFixed(1)} s`);
    await sippPassed(s);   // no request from the gateway during the 40 s; 200 to its BYE
  }));
