'use strict';
// Proves the e2e harness on its own: two RTCPeerConnections in the gateway's page call each other
// over loopback, and the analyser finds the 1 kHz tone (and finds it gone when the mic is muted).
// Needs no call support in the gateway, only its static files. Run inside tests/e2e/netns-run.sh.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startGateway } = require('../lib/gateway');
const { launchBrowser, gatewayConfig } = require('../lib/browser');
const { assertTone, assertNoTone, assertHostPair } = require('./checks');

let gw, browser;
test.before(async () => {
  gw = await startGateway({ name: 'e2e-harness', config: gatewayConfig() });
  browser = await launchBrowser({ name: 'harness' });
});
test.after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

async function loopbackCase(t, codec, mime) {
  const page = await browser.openPage(`${gw.http}/`, t.name);
  try {
    await page.loopback({ codec });
    await page.waitConnected('B', 10000);
    const a = await page.analyse('remote', { windowMs: 1000 });
    assertTone(a, 'loopback audio');
    const s = await page.stats('B');
    assert.equal(s.connectionState, 'connected');
    assert.equal(s.transport && s.transport.dtlsState, 'connected', JSON.stringify(s));
    assert.equal(s.dtlsTransportState, 'connected');
    assertHostPair(s);
    assert.equal(s.inbound.codec, mime, JSON.stringify(s.inbound));
    assert.ok(s.inbound.packetsReceived > 20, `packetsReceived ${s.inbound.packetsReceived}`);
    const sa = await page.stats('A');
    assert.equal(sa.outbound.codec, mime);
    assert.ok(sa.outbound.packetsSent > 20, `packetsSent ${sa.outbound.packetsSent}`);
    // The check can fail: with the microphone disabled the same analyser must not find the tone.
    await page.setMicEnabled(false);
    await new Promise((r) => setTimeout(r, 300));
    assertNoTone(await page.analyse('remote', { windowMs: 700 }), 'loopback audio with the mic disabled');
  } finally {
    await page.finish();
  }
}

test('page: secure context, web/gateway-client.js loads as a module', async (t) => {
  const page = await browser.openPage(`${gw.http}/`, t.name);
  try {
    const r = await page.eval(async () => {
      const m = await import('/gateway-client.js');
      return { classes: [typeof m.GatewayClient, typeof m.GatewayError, typeof m.Call], secure: window.isSecureContext };
    });
    assert.deepEqual(r, { classes: ['function', 'function', 'function'], secure: true });
    const w = await page.connect(gw.url);
    assert.equal(w.type, 'welcome');
    assert.equal(w.version, 1);
    const pong = await page.request({ type: 'ping' });
    assert.equal(pong.ok, true);
    assert.equal(pong.reply.type, 'pong');
  } finally {
    await page.finish();
  }
});

test('loopback call in one page, Opus: 1 kHz arrives', (t) => loopbackCase(t, null, 'audio/opus'));

test('loopback call in one page, PCMU forced by setCodecPreferences: 1 kHz arrives', (t) =>
  loopbackCase(t, 'PCMU', 'audio/PCMU'));
