'use strict';
// The gateway's WebRTC leg against Chromium: {"type":"call","to":"echo"} makes the gateway answer
// (DTLS passive, ICE full, host candidates on 127.0.0.1) and loop the browser's audio straight
// back (SRTP decrypt, re-encrypt). The page speaks through web/gateway-client.js.
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startGateway } = require('../lib/gateway');
const { launchBrowser, gatewayConfig } = require('../lib/browser');
const { assertTone, assertNoTone, assertHostPair } = require('./checks');

const STEP_MS = 15000;          // any one step (answer, connect, hangup event) fails after this
const TEST_MS = 60000;          // and a whole test after this, whatever happens

let gw, browser;
test.before(async () => {
  gw = await startGateway({ name: 'e2e-echo', config: gatewayConfig() });
  browser = await launchBrowser({ name: 'echo' });
});
test.after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

const withPage = (t, fn) => browser.withPage(gw, t.name, fn);

// Places an echo call and waits until ICE and DTLS are up.
async function echoCall(page, opts = {}) {
  const info = await page.call({ to: 'echo', timeoutMs: STEP_MS, ...opts });
  assert.equal(info.state === 'connecting' || info.state === 'answered', true, `call state ${info.state}`);
  await page.waitConnected(info.id, STEP_MS);
  return info;
}

// ICE connected, DTLS connected, a host pair on loopback, packets both ways in `mime`, and the
// 1 kHz tone comes back; with the microphone disabled it stops coming back.
async function assertEcho(page, id, mime) {
  // getStats() may hand back a snapshot from just before the handshake finished: poll briefly.
  let s = await page.stats(id);
  for (let i = 0; i < 30 && !(s.transport && s.transport.dtlsState === 'connected'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    s = await page.stats(id);
  }
  const dump = JSON.stringify(s);
  assert.equal(s.connectionState, 'connected', dump);
  assert.ok(['connected', 'completed'].includes(s.iceConnectionState), `ICE ${s.iceConnectionState}: ${dump}`);
  assert.equal(s.dtlsTransportState, 'connected', `RTCDtlsTransport.state: ${dump}`);
  assert.equal(s.transport && s.transport.dtlsState, 'connected', `stats dtlsState: ${dump}`);
  assert.equal(s.transport.dtlsRole, 'client', `the gateway is DTLS passive, so the browser is the client: ${dump}`);
  assertHostPair(s);
  assert.ok(s.outbound, `no outbound-rtp: ${dump}`);
  assert.equal(s.outbound.codec, mime, dump);

  assertTone(await page.analyse(id, { windowMs: 1000 }), `echoed audio (${mime})`);

  const s2 = await page.stats(id);
  assert.ok(s2.inbound, `no inbound-rtp: ${JSON.stringify(s2)}`);
  assert.equal(s2.inbound.codec, mime, JSON.stringify(s2.inbound));
  assert.ok(s2.inbound.packetsReceived > 25, `packetsReceived ${s2.inbound.packetsReceived}`);
  assert.ok(s2.outbound.packetsSent > 25, `packetsSent ${s2.outbound.packetsSent}`);

  await page.setMicEnabled(false);
  await new Promise((r) => setTimeout(r, 400));
  assertNoTone(await page.analyse(id, { windowMs: 700 }), `echoed audio (${mime}) with the mic disabled`);
  await page.setMicEnabled(true);
}

// Waits until every candidate message sent so far got its reply.
async function candidatesSettled(page, id) {
  await page.waitFor(`call ${id}: replies to all candidate messages`, (i) => {
    const c = window.e2e.calls[i] && window.e2e.calls[i].candidates;
    return c && c.endSent && c.acked + c.failed === c.sent + 1;
  }, id, STEP_MS);
  return (await page.callInfo(id)).candidates;
}

test('(a) echo, Opus: ICE and DTLS connected, the 1 kHz tone comes back', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await echoCall(page);
    await assertEcho(page, call.id, 'audio/opus');
  }));

test('(b) echo, PCMU forced by setCodecPreferences: the 1 kHz tone comes back', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await echoCall(page, { codec: 'PCMU' });
    assert.match(call.sentSdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0( \d+)*\r?$/m, 'the offer puts PCMU first');
    assert.match(call.remoteSdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0\b/m, 'the answer chose PCMU');
    await assertEcho(page, call.id, 'audio/PCMU');
  }));

test('(c) echo with trickle ICE both ways', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await echoCall(page, { trickle: true });
    assert.doesNotMatch(call.sentSdp, /^a=candidate:/m, 'trickle: the offer on the wire carries no candidates');
    const c = await candidatesSettled(page, call.id);
    assert.ok(c.sent >= 1, `browser sent ${c.sent} candidate messages`);
    assert.equal(c.failed, 0, `candidate messages refused: ${c.errors.join('; ')}`);
    const wire = (await page.wire()).filter((w) => w.dir === 'out' && w.m.type === 'candidate' && w.m.call === call.id);
    assert.equal(wire.length, c.sent + 1);
    for (const w of wire.slice(0, -1)) {
      assert.match(w.m.candidate.candidate, /^candidate:/);
      assert.ok(w.m.candidate.sdpMid !== undefined && w.m.candidate.sdpMLineIndex !== undefined);
    }
    assert.equal(wire[wire.length - 1].m.candidate, null, 'end of candidates is "candidate": null');
    const info = await page.callInfo(call.id);
    assert.ok(info.candidates.received + info.candidates.inRemoteSdp >= 1,
      'the gateway gave at least one candidate (as a candidate message or in the answer)');
    await assertEcho(page, call.id, 'audio/opus');
  }));

test('(d) echo without trickle: every candidate inside the offer', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await echoCall(page, { trickle: false });
    assert.match(call.sentSdp, /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/im,
      'the offer carries the host candidate');
    const sent = (await page.wire()).filter((w) => w.dir === 'out' && w.m.type === 'candidate');
    assert.equal(sent.length, 0, 'no candidate messages in no-trickle mode');
    await assertEcho(page, call.id, 'audio/opus');
  }));

test('(e) an offer with an altered fingerprint ends with hangup dtls-failed; the next call works',
  { timeout: TEST_MS }, (t) =>
    withPage(t, async (page) => {
      const bad = await page.call({ to: 'echo', id: 'bad1', munge: 'fingerprint', timeoutMs: STEP_MS });
      const fp = (sdp) => (sdp.match(/^a=fingerprint:(.*)$/m) || [])[1];
      assert.ok(fp(bad.sentSdp) && fp(bad.localSdp), 'both SDPs have a fingerprint');
      assert.notEqual(fp(bad.sentSdp), fp(bad.localSdp), 'the wire copy is altered, the local description is not');
      const h = await page.waitCallEvent('bad1', 'hangup', STEP_MS);
      assert.equal(h.reason, 'dtls-failed', `hangup: ${JSON.stringify(h)}`);
      const wire = (await page.wire()).find((w) => w.dir === 'in' && w.m.type === 'hangup' && w.m.call === 'bad1');
      assert.ok(wire, 'the hangup came from the gateway');

      const good = await echoCall(page, { id: 'good1' });
      await assertEcho(page, good.id, 'audio/opus');
    }));

test('(f) hangup gets ok, then the call is gone (not-found)', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await echoCall(page, { id: 'c1' });
    const r = await page.hangup('c1');
    assert.ok(r.ok, `hangup failed: ${r.message}`);
    assert.equal(r.reply.type, 'ok');
    const info = await page.callInfo('c1');
    assert.equal(info.state, 'ended');
    assert.equal(info.connectionState, 'closed');
    const again = await page.request({ type: 'hangup', call: call.id });
    assert.equal(again.ok, false, 'a second hangup must fail');
    assert.equal(again.code, 'not-found', JSON.stringify(again));
  }));

// A browser that stops sending (its track removed) for [media] timeout seconds is hung up with
// media-timeout; a call that keeps sending on the same gateway is not.
test('(g) no RTP from the browser for [media] timeout ends the call with media-timeout', { timeout: TEST_MS }, async (t) => {
  const gw2 = await startGateway({ name: 'e2e-echo-timeout', config: gatewayConfig({ media: { timeout: 3 } }) });
  const page = await browser.openPage(`${gw2.http}/`, t.name);
  try {
    await page.connect(gw2.url);
    await echoCall(page, { id: 'quiet' });
    await echoCall(page, { id: 'talking' });
    const t0 = Date.now();
    await page.eval(() => window.e2e.calls.quiet.pc.getSenders()[0].replaceTrack(null));
    const h = await page.waitCallEvent('quiet', 'hangup', 10000);
    assert.equal(h.reason, 'media-timeout', JSON.stringify(h));
    assert.equal(h.by, 'gateway');
    const waited = Date.now() - t0;
    assert.ok(waited >= 2500 && waited < 8000, `hung up after ${waited} ms, expected about 3 s`);
    const other = await page.callInfo('talking');
    assert.notEqual(other.state, 'ended', 'the call that kept sending is still up');
    await assertEcho(page, 'talking', 'audio/opus');
  } finally {
    await page.finish();
    await gw2.stop();
  }
});
