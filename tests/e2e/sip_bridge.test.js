'use strict';
// The media bridge between the browser leg (Opus, as Chromium offers it by default) and the trunk
// leg (G.711 over SDES-SRTP), against baresip (a third-party SIP UA, shared/testing.md 3b):
//   - Chromium with its default Opus -> gateway -> baresip UAS (srtp-mand, PCMU or PCMA, plays 440 Hz):
//     the page hears 440 Hz, baresip's recording of what it received holds the page's 1 kHz, both at
//     the expected level, the gateway transcodes ("transcoding Opus <-> G.711"), and GET /api/calls
//     during the call shows both legs counting packets with the right codecs and SRTP suites;
//   - RTCP on both legs: /api/calls shows each leg's round-trip time (from the peers' report blocks,
//     plausible on loopback) and what the peers report about our streams, and Chromium's getStats
//     has remote-inbound-rtp with a roundTripTime (our SRTCP reports reached it and were valid);
//   - DTMF: the JSON dtmf message and the page's RTCDTMFSender both reach baresip as RFC 4733 events;
//   - 10 % packet loss on loopback (tc netem, inside this file's namespace only): baresip still gets
//     the 1 kHz tone and /api/calls reports the loss on the browser leg.
// Gateway logs: tests/artifacts/<type>/e2e-sip_bridge-<case>.log; baresip's logs, recordings and
// the page log: e2e/sip_bridge/. Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const { assertHz } = require('./checks');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchBrowser, WEB_ROOT } = require('../lib/browser');
const { freePort } = require('../lib/gateway');
const { startUas } = require('../lib/baresip');
const { makeTone, dominantFrequency, levels } = require('../lib/audio');
const S = require('../lib/sipp');

const SUITE = 'sip_bridge';
const NUMBER = '+15558675309';
const PEER_HZ = 440;
const PAGE_HZ = 1000;
// Both tones are 0.5-amplitude sines: -9 dBFS RMS. Through Opus and G.711 (and back) the level
// should stay within LEVEL_TOL_DB of that.
const TONE_DB = -9;
const LEVEL_TOL_DB = 6;
const STEP_MS = 10000;
const TEST_MS = 60000;

let browser, tmp, wav440;
test.before(async () => {
  browser = await launchBrowser({ name: SUITE });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwbridge-'));
  wav440 = makeTone(path.join(tmp, 'tone440_8k.wav'), { hz: PEER_HZ, rate: 8000, secs: 60 });
});
test.after(async () => {
  if (browser) await browser.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const run = (t, fn) => S.sipCase(t, { browser, suite: SUITE }, fn);

const fmt = (a) => `peak ${a.peakHz && a.peakHz.toFixed(1)} Hz, share ${a.toneShare && a.toneShare.toFixed(2)}, ` +
  `rms ${a.rmsDb && a.rmsDb.toFixed(1)} dBFS, ${a.frames} frames`;

// baresip's recording of what it received: the newest -dec.wav has the page's tone in its middle.
// Kept as <prefix>-dec.wav in the artifacts folder. Returns { hz, rmsDb, seconds }.
function assertRecording(files, what, keepAs, { levelTolDb = LEVEL_TOL_DB } = {}) {
  assert.ok(files.length >= 1, `${what}: baresip wrote no -dec.wav recording`);
  const f = files[0];
  fs.copyFileSync(f, keepAs);
  const lv = levels(f);
  assert.ok(lv.seconds >= 2, `${what}: ${f} is ${lv.seconds} s long (${fs.statSync(f).size} bytes)`);
  const start = Math.max(0, lv.seconds / 2 - 0.5);
  const hz = dominantFrequency(f, start, 1);
  assert.ok(Math.abs(hz - PAGE_HZ) <= 20, `${what}: ${keepAs} has ${hz} Hz at ${start.toFixed(1)} s (expected ${PAGE_HZ})`);
  // The middle second's level: the file's start and end hold the call's set-up and tear-down.
  const mid = levels(trimmed(f, start, 1));
  assert.ok(Math.abs(mid.rmsDb - TONE_DB) <= levelTolDb,
    `${what}: ${keepAs} RMS ${mid.rmsDb} dBFS in its middle second, expected ${TONE_DB} ± ${levelTolDb} dB`);
  return { hz, rmsDb: mid.rmsDb, seconds: lv.seconds, wholeRmsDb: lv.rmsDb };
}

function trimmed(file, start, len) {
  const out = path.join(tmp, `trim-${process.pid}-${Date.now()}.wav`);
  execFileSync('sox', [file, out, 'trim', String(start), String(len)]);
  return out;
}

// The gateway agreed this G.711 codec with the trunk over SRTP, and transcodes the browser's Opus.
function assertTranscoding(gw, codec) {
  const log = gw.log();
  const media = log.split('\n').filter((l) => / trunk media /.test(l));
  assert.ok(media.length >= 1, `no "trunk media" line in ${gw.logFile}`);
  for (const l of media) {
    assert.match(l, new RegExp(`${codec}/8000 .*(AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM|AES_CM_128_HMAC_SHA1_32)$`), l);
  }
  const relay = log.split('\n').filter((l) => /media relay: /.test(l)).join('\n');
  assert.match(relay, /transcoding Opus <-> G\.711/, `the gateway transcodes (${gw.logFile}):\n${relay}`);
}

// The page sends Opus (its default: no codec forcing) and receives Opus.
async function assertPageOpus(page, id, gw) {
  const st = await page.stats(id);
  assert.ok(st.outbound && st.outbound.packetsSent > 25, `the page sends RTP: ${JSON.stringify(st.outbound)}`);
  assert.equal(st.outbound.codec, 'audio/opus', `the page sends Opus: ${JSON.stringify(st.outbound)}`);
  assert.equal(st.inbound && st.inbound.codec, 'audio/opus', `the page receives Opus: ${JSON.stringify(st.inbound)}`);
  return st;
}

const callSummary = (gw) => gw.log().split('\n').filter((l) => / summary: /.test(l)).join('\n');

// GET /api/calls over the namespace's loopback; the one call's entry.
async function apiCall(gw) {
  const r = await fetch(`${gw.http}/api/calls`, { signal: AbortSignal.timeout(3000) });
  assert.equal(r.status, 200, `/api/calls: HTTP ${r.status}`);
  const calls = await r.json();
  assert.ok(Array.isArray(calls) && calls.length === 1, `/api/calls: one call expected: ${JSON.stringify(calls)}`);
  return calls[0];
}

// RTCP (RFC 3550) on both legs: polls /api/calls until each leg in `legs` has a round-trip time from
// the peer's report blocks (our first report goes out 1.25-3.75 s after a leg is up; the peer's
// next report carries LSR/DLSR, up to ~7.5 s later), and the page until Chromium's
// remote-inbound-rtp shows our report blocks (which proves our SRTCP authenticates and parses).
// Returns { call, remoteInbound, remoteOutbound }.
const RTT_MAX_MS = 500; // loopback: anything above this is a unit or arithmetic error
async function waitRtcp(gw, page, legs, ms) {
  const until = Date.now() + ms;
  let c, ri, ro;
  for (;;) {
    c = await apiCall(gw);
    const st = await page.eval(async () => {
      const out = {};
      (await window.e2e.calls.c1.pc.getStats()).forEach((s) => {
        if (s.type === 'remote-inbound-rtp' && s.kind === 'audio') out.ri = s;
        if (s.type === 'remote-outbound-rtp' && s.kind === 'audio') out.ro = s;
      });
      return out;
    });
    ri = st.ri;
    ro = st.ro;
    const rttOk = legs.every((l) => c.legs && c.legs[l] && typeof c.legs[l].rtt_ms === 'number');
    if ((rttOk && ri && typeof ri.roundTripTime === 'number') || Date.now() > until) break;
    await S.sleep(500);
  }
  return { call: c, remoteInbound: ri, remoteOutbound: ro };
}

function assertRtcp({ call: c, remoteInbound: ri, remoteOutbound: ro }, legs) {
  const j = JSON.stringify(c);
  for (const n of legs) {
    const l = c.legs[n];
    assert.ok(l.rtcp_sent > 0, `/api/calls: the gateway sent RTCP on the ${n} leg: ${j}`);
    assert.ok(l.rtcp_received > 0, `/api/calls: the gateway received the peer's RTCP on the ${n} leg: ${j}`);
    assert.ok(typeof l.rtt_ms === 'number' && l.rtt_ms >= 0 && l.rtt_ms < RTT_MAX_MS,
      `/api/calls: ${n} leg rtt_ms in [0, ${RTT_MAX_MS}) ms: ${j}`);
    assert.ok(typeof l.remote_loss_pct === 'number' && l.remote_loss_pct >= 0 && l.remote_loss_pct <= 100,
      `/api/calls: ${n} leg remote_loss_pct from the peer's report: ${j}`);
    assert.ok(typeof l.remote_jitter_ms === 'number' && l.remote_jitter_ms >= 0, `/api/calls: ${n} leg remote_jitter_ms: ${j}`);
    assert.ok(typeof l.mos === 'number', `/api/calls: ${n} leg MOS with the RTT: ${j}`);
  }
  // Chromium took our SR/RR: it has a remote-inbound-rtp (our report block on its stream) with a
  // round-trip time (our block's LSR/DLSR on its SR), and a remote-outbound-rtp (our SR).
  assert.ok(ri, `the page has no remote-inbound-rtp: Chromium got no valid report block from the gateway`);
  assert.ok(typeof ri.roundTripTime === 'number' && ri.roundTripTime >= 0 && ri.roundTripTime < RTT_MAX_MS / 1000,
    `remote-inbound-rtp.roundTripTime: ${JSON.stringify(ri)}`);
  assert.ok(ro && ro.reportsSent > 0, `remote-outbound-rtp from our SR: ${JSON.stringify(ro)}`);
}

// A baresip UAS for the case, stopped by PID in the case's cleanup.
async function peer(ctx, { codecs, media = 'srtp-mand', secs = 50 }) {
  const port = await freePort();
  const bs = await startUas({ name: `${ctx.caseName.slice(0, 30)}.baresip-uas`, user: NUMBER, port, wav: wav440,
    media, codecs, secs, artifacts: ctx.artifacts });
  ctx.defer(async () => {
    try { await bs.stop(); } catch (_) { /* stopped already: its second closeSync throws */ }
    fs.rmSync(bs.dir, { recursive: true, force: true });
  });
  return bs;
}

// Gateway (trunk = the baresip peer, SDES-SRTP mandatory), page, and an answered, connected call
// placed with the browser's default codec (Opus).
async function openCall(ctx, bs, trunk = {}) {
  await ctx.gateway({
    server: { web_root: WEB_ROOT },
    sip: { t1_ms: 100 },
    trunk: { proxy: `sip:127.0.0.1:${bs.port}`, srtp: 'mandatory', options_interval: 0, ...trunk },
  });
  const page = await ctx.open();
  const info = await S.placeCall(page, { id: 'c1', to: NUMBER, codec: null });
  assert.ok(!info.error, `call: ${JSON.stringify(info.error)}`);
  await S.waitMessage(page, 'c1', 'answered', STEP_MS);
  await page.waitConnected('c1', STEP_MS);
  return page;
}

async function hangupAndRecord(ctx, page, bs, what, opts) {
  assert.ok((await page.hangup('c1')).ok);
  await S.sleep(500);
  await bs.stop();   // closes the recording
  assert.match(bs.log(), /starting mediaenc 'srtp-mand'/, 'baresip started SRTP on the call\'s stream');
  return assertRecording(bs.recordings(), `${what} (gateway: ${callSummary(ctx.gw)})`,
    path.join(ctx.artifacts, `${ctx.caseName.slice(0, 30)}.baresip-uas-dec.wav`), opts);
}

function bridgeCase(codec) {
  return async (ctx) => {
    const bs = await peer(ctx, { codecs: `${codec}/8000/1` });
    const page = await openCall(ctx, bs, codec === 'PCMA' ? { codecs: 'PCMA;PCMU' } : {});
    assertTranscoding(ctx.gw, codec);
    await S.sleep(1000);
    const heard = await page.analyse('c1', { windowMs: 1500 });
    assertHz(heard, PEER_HZ, 'baresip\'s audio in the page');
    assert.ok(Math.abs(heard.rmsDb - TONE_DB) <= LEVEL_TOL_DB,
      `baresip's audio in the page: expected ${TONE_DB} ± ${LEVEL_TOL_DB} dBFS; ${fmt(heard)}`);
    await S.sleep(1000);
    await assertPageOpus(page, 'c1', ctx.gw);
    // GET /api/calls while the call is up.
    const c = await apiCall(ctx.gw);
    const j = JSON.stringify(c);
    const { browser: bl, trunk: tl } = c.legs || {};
    assert.ok(bl && tl, `/api/calls: legs.browser and legs.trunk: ${j}`);
    for (const [n, l] of [['browser', bl], ['trunk', tl]]) {
      assert.ok(l.packets_sent > 0 && l.packets_received > 0, `/api/calls: ${n} leg counts packets both ways: ${j}`);
      assert.ok(typeof l.srtp_suite === 'string' && l.srtp_suite && l.srtp_suite !== 'none', `/api/calls: ${n} srtp_suite: ${j}`);
      assert.ok((l.loss_pct || 0) < 1, `/api/calls: ${n} loss_pct < 1: ${j}`);
    }
    assert.equal(bl.codec, 'opus', `/api/calls: legs.browser.codec: ${j}`);
    assert.equal(tl.codec, codec, `/api/calls: legs.trunk.codec: ${j}`);
    const rtcp = await waitRtcp(ctx.gw, page, ['browser', 'trunk'], 20000);
    assertRtcp(rtcp, ['browser', 'trunk']);
    const rj = JSON.stringify(rtcp.call);
    const rec = await hangupAndRecord(ctx, page, bs, 'what baresip received');
    console.log(`# ${codec}: page ${fmt(heard)}; baresip recording ${JSON.stringify(rec)}\n# /api/calls ${j}`);
    const [rb, rt] = [rtcp.call.legs.browser, rtcp.call.legs.trunk];
    console.log(`# ${codec}: RTT browser leg ${rb.rtt_ms} ms, trunk leg ${rt.rtt_ms} ms; Chromium remote-inbound-rtp ` +
      `roundTripTime ${rtcp.remoteInbound.roundTripTime} s, packetsLost ${rtcp.remoteInbound.packetsLost}; ` +
      `remote-outbound-rtp reportsSent ${rtcp.remoteOutbound.reportsSent}\n# /api/calls with RTCP ${rj}`);
  };
}

test('Chromium default Opus -> gateway transcodes -> baresip PCMU (SRTP): 440 Hz in the page, 1 kHz in '
  + 'baresip\'s recording, levels, and GET /api/calls during the call', { timeout: TEST_MS },
(t) => run(t, bridgeCase('PCMU')));

test('Chromium default Opus -> gateway transcodes -> baresip PCMA (SRTP, [trunk] codecs PCMA;PCMU): '
  + '440 Hz in the page, 1 kHz in baresip\'s recording', { timeout: TEST_MS },
(t) => run(t, bridgeCase('PCMA')));

// baresip prints "received event: '<digit>' (end=0|1)" for each RFC 4733 event its call gets
// (the "call: received DTMF" line is for SIP INFO only). The digits it got, in order.
function baresipDigits(log) {
  const out = [];
  for (const m of log.matchAll(/received event: '(.)' \(end=0\)|call: received DTMF: '(.)'/g)) out.push(m[1] || m[2]);
  return out.join('');
}

test('DTMF: the JSON dtmf message ("123#") and the page\'s RTCDTMFSender ("123#" too) reach baresip as RFC 4733 '
  + 'events, in order', { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  const bs = await peer(ctx, { codecs: 'PCMU/8000/1' });
  const page = await openCall(ctx, bs);
  await S.sleep(500);
  const r = await page.request({ type: 'dtmf', call: 'c1', digits: '123#' }, 3000);
  assert.ok(r.ok && r.reply.type === 'ok', `dtmf message: ${JSON.stringify(r)}`);
  const wait = async (want, ms) => {
    const until = Date.now() + ms;
    while (Date.now() < until && !baresipDigits(bs.log()).startsWith(want)) await S.sleep(100);
    return baresipDigits(bs.log());
  };
  let got = await wait('123#', 4000);
  // The generator's last event must be over (end packets sent) before the page starts its own:
  // the two sources share the trunk's RTP stream.
  for (let i = 0; i < 40 && !/received event: '#' \(end=1\)/.test(bs.log()); i++) await S.sleep(100);
  await S.sleep(500);
  got = baresipDigits(bs.log());
  assert.equal(got, '123#', `baresip got "${got}" after the dtmf message (${bs.logFile}; ` +
    `gateway: ${ctx.gw.log().split('\n').filter((l) => /DTMF|telephone-event/.test(l)).join(' | ')}})`);
  const ins = await page.eval(() => {
    const s = window.e2e.calls.c1.pc.getSenders()[0];
    if (!s.dtmf || !s.dtmf.canInsertDTMF) return { error: `canInsertDTMF: ${s.dtmf && s.dtmf.canInsertDTMF}` };
    s.dtmf.insertDTMF('123#', 100, 70);
    return { ok: true };
  });
  assert.ok(ins.ok, `insertDTMF: ${JSON.stringify(ins)}`);
  got = await wait('123#123#', 5000);
  assert.equal(got, '123#123#', `baresip got "${got}" after insertDTMF (${bs.logFile}; gateway: ` +
    `${ctx.gw.log().split('\n').filter((l) => /DTMF/.test(l)).join(' | ')})`);
  console.log(`# DTMF: baresip received ${got}`);
}));

// 10 % random loss on the browser leg only, both ways: an nft table in this file's namespace that
// drops RTP to and from the gateway's browser-leg port (tc netem would do too, but sch_netem is not
// always loadable where the tests run, and netem on lo would hit the SIP and trunk packets as well).
//
// The drop is on the input hook, as a network would lose packets. On the output hook (as this test
// once did) the kernel refuses the sender's sendto() with EPERM, and Chromium's network stack sends
// such a packet again: nft counted 14-22 drops toward the port while the packets all arrived, on
// the second try, so the gateway rightly reported about 0 % (measured here: 223 RTP packets counted
// toward the port in the lossy window while Chromium had sent 209 in the whole call, 20 dropped,
// 0 lost). Only RTP is dropped (V=2, second byte outside 192-223, RFC 5761), so that the counts
// compare with RFC 3550 packet loss exactly: STUN, DTLS and RTCP pass.
const LOSS_TABLE = `gwloss${process.pid}`;
const LOSS_TOL = 2; // packets: one may be in flight at either end of the lossy window
function nft(args, input) {
  execFileSync('nft', args, { input: input === undefined ? '' : input, stdio: ['pipe', 'pipe', 'pipe'] });
}
function addLoss(port, pct) {
  const rtp = '@th,64,2 2 @th,72,8 != 192-223';
  nft(['-f', '-'], `table inet ${LOSS_TABLE} {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport ${port} ${rtp} numgen random mod 100 < ${pct} counter drop
    udp sport ${port} ${rtp} numgen random mod 100 < ${pct} counter drop
  }
}
`);
}
// [RTP dropped toward the gateway's port, RTP dropped from it]
function dropCounts() {
  const text = execFileSync('nft', ['list', 'table', 'inet', LOSS_TABLE], { encoding: 'utf8' });
  return [...text.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
}
// Idempotent: the case removes the table itself and again in its cleanup.
const removeLoss = () => { try { nft(['delete', 'table', 'inet', LOSS_TABLE]); } catch (_) { /* gone already */ } };

test('10 % loss on the browser leg (nft, both ways): baresip still records the 1 kHz tone, /api/calls '
  + 'reports the browser leg\'s loss as nft counted it, and Chromium\'s RTCP reports the other way\'s',
{ timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  const bs = await peer(ctx, { codecs: 'PCMU/8000/1' });
  const page = await openCall(ctx, bs);
  const info = await page.callInfo('c1');
  const m = /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/m.exec(info.remoteSdp || '');
  assert.ok(m, `the gateway's browser-leg port in its answer:\n${info.remoteSdp}`);
  // Counts before the lossy window (none yet when the first snapshot has not come).
  const before = ((await apiCall(ctx.gw)).legs || {}).browser || { packets_lost: 0, remote_packets_lost: 0 };
  // Only after ICE and DTLS are up.
  addLoss(m[1], 10);
  ctx.defer(() => removeLoss());
  await S.sleep(4000);
  const dropped = dropCounts();
  removeLoss();
  assert.ok(dropped[0] > 0, `nft dropped nothing toward the gateway's port ${m[1]}: ${dropped}`);
  // The loss is seen when the next packet arrives, and the statistics are published each second.
  await S.sleep(2500);
  let c = await apiCall(ctx.gw);
  let j = JSON.stringify(c);
  const bl = c.legs && c.legs.browser;
  assert.ok(bl && bl.packets_received > 0, `/api/calls: browser leg: ${j}`);
  const lost = bl.packets_lost - before.packets_lost;
  console.log(`# browser-leg loss reported: ${lost} packets (${bl.loss_pct} % of the call), nft dropped ` +
    `${dropped[0]} RTP packets toward the gateway`);
  assert.ok(Math.abs(lost - dropped[0]) <= LOSS_TOL,
    `/api/calls: browser leg lost ${lost} packets while nft dropped ${dropped[0]} (tolerance ${LOSS_TOL}): ${j}`);
  // The other way: Chromium's report blocks on our stream (RTCP, up to ~7.5 s apart) count the
  // packets nft dropped from the gateway's port.
  const until = Date.now() + 15000;
  while (Date.now() < until && !(c.legs.browser.remote_packets_lost >= dropped[1] - LOSS_TOL)) {
    await S.sleep(500);
    c = await apiCall(ctx.gw);
  }
  j = JSON.stringify(c);
  const remote = c.legs.browser.remote_packets_lost - (before.remote_packets_lost || 0);
  console.log(`# Chromium reports ${remote} of the gateway's packets lost (RTCP); nft dropped ${dropped[1]} ` +
    `RTP packets from the gateway's port`);
  assert.ok(Math.abs(remote - dropped[1]) <= LOSS_TOL,
    `/api/calls: Chromium reports ${remote} lost while nft dropped ${dropped[1]} (tolerance ${LOSS_TOL}): ${j}`);
  const rec = await hangupAndRecord(ctx, page, bs, `what baresip received under 10 % loss (nft dropped ${dropped})`,
    { levelTolDb: 10 });
  console.log(`# loss: nft dropped ${dropped} (to, from the gateway's browser-leg port); baresip recording ` +
    `${JSON.stringify(rec)}\n# /api/calls ${j}`);
}));
