'use strict';
// Audio both ways through the trunk leg with SDES-SRTP, against baresip (a third-party SIP UA,
// shared/testing.md 3b), with the gateway's default [trunk] srtp = mandatory:
//   outbound: Chromium (PCMU, 1 kHz microphone) -> gateway -> baresip UAS (srtp-mand, PCMU, plays 440 Hz)
//   inbound:  baresip UAC (srtp-mand, PCMU, plays 440 Hz) dials a DID -> gateway -> the page registered as alice
// The page's analyser must hear 440 Hz, and baresip's recording of what it received (-dec.wav)
// must hold the page's 1 kHz; the trunk media must be SDES-SRTP (RTP/SAVP, a=crypto, a suite agreed).
// Gateway logs: tests/artifacts/<type>/e2e-sip_baresip-<case>.log; baresip's logs and the page
// log: e2e/sip_baresip/. Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const { assertHz } = require('./checks');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchBrowser, WEB_ROOT } = require('../lib/browser');
const { freePort } = require('../lib/gateway');
const { startUas, startUac } = require('../lib/baresip');
const { makeTone, dominantFrequency, levels } = require('../lib/audio');
const S = require('../lib/sipp');

const SUITE = 'sip_baresip';
const NUMBER = '+15558675309';
const DID = '+15550001';
const PEER_HZ = 440;
const PAGE_HZ = 1000;
const STEP_MS = 10000;
const TEST_MS = 60000;

let browser, tmp, wav440;
test.before(async () => {
  browser = await launchBrowser({ name: SUITE });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwbaresip-'));
  wav440 = makeTone(path.join(tmp, 'tone440_8k.wav'), { hz: PEER_HZ, rate: 8000, secs: 60 });
});
test.after(async () => {
  if (browser) await browser.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const run = (t, fn) => S.sipCase(t, { browser, suite: SUITE }, fn);

// baresip's recording of what it received: the newest -dec.wav has the page's tone in its middle.
// It is kept as <prefix>-dec.wav in the artifacts folder.
function assertRecording(files, what, keepAs) {
  assert.ok(files.length >= 1, `${what}: baresip wrote no -dec.wav recording`);
  const f = files[0];
  fs.copyFileSync(f, keepAs);
  const lv = levels(f);
  assert.ok(lv.seconds >= 2, `${what}: ${f} is ${lv.seconds} s long (${fs.statSync(f).size} bytes)`);
  const start = Math.max(0, lv.seconds / 2 - 0.5);
  const hz = dominantFrequency(f, start, 1);
  assert.ok(Math.abs(hz - PAGE_HZ) <= 20, `${what}: ${f} has ${hz} Hz at ${start.toFixed(1)} s (expected ${PAGE_HZ})`);
  assert.ok(lv.rmsDb >= -30, `${what}: ${f} RMS ${lv.rmsDb} dBFS`);
}

// The gateway's trunk offer (debug log) is SDES-SRTP: RTP/SAVP with a=crypto.
function assertSdesOffer(gw) {
  const m = /trunk offer SDP:\n([\s\S]*?)\n\n/.exec(gw.log());
  assert.ok(m, `no "trunk offer SDP" in ${gw.logFile}`);
  assert.match(m[1], /^m=audio [1-9]\d* RTP\/SAVP /m, `the trunk offer is RTP/SAVP:\n${m[1]}`);
  assert.match(m[1], /^a=crypto:\d+ (AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM|AES_CM_128_HMAC_SHA1_32) inline:/m,
    `the trunk offer has a=crypto:\n${m[1]}`);
}

// The media the gateway agreed with the trunk ("call N: trunk media ADDR:PORT PCMU/8000 pt 0, SUITE").
function assertSrtpAgreed(gw) {
  const lines = gw.log().split('\n').filter((l) => / trunk media /.test(l));
  assert.ok(lines.length >= 1, `no "trunk media" line in ${gw.logFile}`);
  for (const l of lines) assert.match(l, /PCMU\/8000 .*(AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM|AES_CM_128_HMAC_SHA1_32)$/, l);
}

// The page sends its microphone (so that a silent recording is the gateway's doing). Returns
// the page's outbound-rtp summary (codec, packets) for later failure messages.
async function assertPageSends(page, id, gw) {
  const st = await page.stats(id);
  assert.ok(st.outbound && st.outbound.packetsSent > 25,
    `the page sends RTP: ${JSON.stringify(st.outbound)}\n${callSummary(gw) || '(no summary line yet)'}`);
  return st.outbound;
}

// The gateway's one-line call summary (packets per leg), once the call has ended.
const callSummary = (gw) => gw.log().split('\n').filter((l) => / summary: /.test(l)).join('\n');

test('outbound: Chromium PCMU -> gateway (SDES-SRTP) -> baresip srtp-mand: 440 Hz heard in the page, '
  + 'the page\'s 1 kHz in baresip\'s recording', { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  const port = await freePort();
  // baresip only takes requests for its account's user: the number is the user.
  const bs = await startUas({ name: `${ctx.caseName.slice(0, 30)}.baresip-uas`, user: NUMBER, port, wav: wav440,
    media: 'srtp-mand', codecs: 'PCMU/8000/1', secs: 50, artifacts: ctx.artifacts });
  ctx.defer(async () => {
    try { await bs.stop(); } catch (_) { /* stopped already: its second closeSync throws */ }
    fs.rmSync(bs.dir, { recursive: true, force: true });
  });
  await ctx.gateway({
    server: { web_root: WEB_ROOT },
    sip: { t1_ms: 100 },
    trunk: { proxy: `sip:127.0.0.1:${port}`, srtp: 'mandatory', options_interval: 0 },
  });
  const page = await ctx.open();
  const info = await S.placeCall(page, { id: 'c1', to: NUMBER, codec: 'PCMU' });
  assert.ok(!info.error, `call: ${JSON.stringify(info.error)}`);
  await S.waitMessage(page, 'c1', 'answered', STEP_MS);
  await page.waitConnected('c1', STEP_MS);
  assertSdesOffer(ctx.gw);
  assertSrtpAgreed(ctx.gw);
  await S.sleep(1000);
  assertHz(await page.analyse('c1', { windowMs: 1500 }), PEER_HZ, 'baresip\'s audio in the page');
  const stats = await page.stats('c1');
  assert.equal(stats.inbound && stats.inbound.codec, 'audio/PCMU', JSON.stringify(stats.inbound));
  await S.sleep(1500);
  const sent = await assertPageSends(page, 'c1', ctx.gw);
  assert.equal(sent.codec, 'audio/PCMU', `the page (offerer) sends PCMU: ${JSON.stringify(sent)}`);
  assert.ok((await page.hangup('c1')).ok);
  await S.sleep(500);
  await bs.stop();   // closes the recording
  assert.match(bs.log(), /starting mediaenc 'srtp-mand'/, 'baresip started SRTP on the call\'s stream');
  assert.doesNotMatch(bs.log(), /488|Not Acceptable/, 'baresip accepted the offer');
  assertRecording(bs.recordings(), `what baresip received (page sent ${JSON.stringify(sent)}; gateway: ${callSummary(ctx.gw)})`,
    path.join(ctx.artifacts, `${ctx.caseName.slice(0, 30)}.baresip-uas-dec.wav`));
}));

test('inbound: baresip srtp-mand dials the DID -> gateway (SDES-SRTP) -> page registered as alice accepts: '
  + 'audio both ways', { timeout: TEST_MS }, (t) => run(t, async (ctx) => {
  await ctx.gateway({
    server: { web_root: WEB_ROOT },
    sip: { t1_ms: 100 },
    trunk: { proxy: `sip:127.0.0.1:${await freePort()}`, srtp: 'mandatory', options_interval: 0,
             allowed_sources: '127.0.0.1' },
    routes: { [DID]: 'alice' },
  });
  const page = await ctx.open();
  const reg = await page.eval(() => window.e2e.client.register('alice'));
  assert.equal(reg.type, 'registered');
  await page.setIncomingPolicy({ action: 'accept', codec: 'PCMU' });
  const uac = await startUac({ name: `${ctx.caseName.slice(0, 30)}.baresip-uac`, wav: wav440, secs: 30,
    uri: `sip:${DID}@127.0.0.1:${ctx.gw.sipPort}`, artifacts: ctx.artifacts });
  ctx.defer(async () => { await uac.stop(); uac.cleanup(); });
  const inc = await page.waitIncoming(null, STEP_MS);
  assert.equal(inc.to, DID);
  const acc = await page.acceptResult(inc.id, STEP_MS);
  assert.ok(acc.ok, `accept: ${JSON.stringify(acc)}`);
  await S.waitMessage(page, inc.id, 'answered', STEP_MS);
  await page.waitConnected(inc.id, STEP_MS);
  assertSrtpAgreed(ctx.gw);
  await S.sleep(1000);
  assertHz(await page.analyse(inc.id, { windowMs: 1500 }), PEER_HZ, 'baresip\'s audio in the page');
  await S.sleep(1500);
  // Chrome as the answerer may send the offer's first codec (Opus) even though its answer, shaped
  // by setCodecPreferences, lists PCMU only: the gateway has to cope with what arrives.
  const sent = await assertPageSends(page, inc.id, ctx.gw);
  assert.ok((await page.hangup(inc.id)).ok);
  await S.sleep(500);
  await uac.stop();
  assert.match(uac.log(), /starting mediaenc 'srtp-mand'/, 'baresip started SRTP on the call\'s stream');
  assertRecording(uac.recordings(), `what baresip received (page sent ${JSON.stringify(sent)}; gateway: ${callSummary(ctx.gw)})`,
    path.join(ctx.artifacts, `${ctx.caseName.slice(0, 30)}.baresip-uac-dec.wav`));
}));
