'use strict';
// TURN over TCP when UDP is blocked entirely (shared/testing.md sections 0, 2 and 4). Chromium runs in
// its own namespace behind an nft firewall that lets out only TCP: the gateway's WebSocket/HTTP port
// and coturn's port 3478; no UDP at all, and nothing new in. The gateway hands out turn: URIs for UDP
// and TCP; only TURN/TCP can work. coturn relays to the gateway over UDP inside the server namespace.
// An echo call must connect through a relay candidate allocated over TCP, with the 1 kHz tone coming
// back and /api/calls saying host/relay. Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const T = require('../lib/coturn');
const { assertTone, assertNoTone } = require('./checks');

const SUITE = 'turn_tcp';
const STEP_MS = 15000;
const TEST_MS = 60000;

let S;
test.before(async () => {
  S = await T.turnSuite({ suite: SUITE, allow: (c) => [{ proto: 'tcp', port: c.port, name: 'turn_tcp' }] });
}, { timeout: 60000 });
test.after(async () => { if (S) await S.close(); });

test('UDP blocked: echo connects over TURN/TCP, 1 kHz comes back, /api/calls ice_pair host/relay',
  { timeout: TEST_MS }, async (t) => {
    const page = await S.open('tcp-echo');
    try {
      const before = S.rig.counters();
      const info = await page.call({ to: 'echo', id: 't1', timeoutMs: STEP_MS });
      assert.ok(info.state === 'connecting' || info.state === 'answered', `call state ${info.state}`);
      await page.waitConnected('t1', STEP_MS);
      const { sel, api } = await T.assertRelayed(t, S, page, 't1', 'tcp');
      assert.match(sel.local.url || '', /^turn:[^?]+\?transport=tcp$/, `allocated through the TCP URL: ${JSON.stringify(sel)}`);
      page.browser.log(`[tcp] selected pair ${JSON.stringify(sel)}; /api/calls ${JSON.stringify(api.legs.browser)}`);

      const a = await page.analyse('t1', { windowMs: 1000 });
      assertTone(a, 'echo over TURN/TCP');
      await page.setMicEnabled(false);
      await T.sleep(400);
      assertNoTone(await page.analyse('t1', { windowMs: 700 }), 'echo over TURN/TCP with the mic disabled');
      await page.setMicEnabled(true);

      // The UDP allocation could not work: no UDP relay candidate was gathered, and the firewall
      // dropped the browser's UDP (to coturn and to the gateway's host candidate).
      const cands = await page.eval(() => window.e2eTurn.candidates);
      const relays = cands.filter((c) => c.type === 'relay');
      assert.ok(relays.length >= 1 && relays.every((c) => c.relayProtocol === 'tcp'),
        `relay candidates, all over TCP: ${JSON.stringify(relays)}`);
      const after = S.rig.counters();
      assert.ok(after.turn_tcp > before.turn_tcp, `TCP to coturn: ${JSON.stringify(after)}`);
      assert.ok(after.out_dropped > before.out_dropped, `UDP out dropped: ${JSON.stringify(after)}`);
      page.browser.log(`[tcp] peak ${a.peakHz} Hz rms ${a.rmsDb} dBFS; firewall ${JSON.stringify(after)}; ` +
        `candidate errors ${JSON.stringify(await page.eval(() => window.e2eTurn.errors))}`);
      // coturn: a TCP connection from the browser and an allocation on it.
      assert.ok(S.coturn.allocations().length >= 1, `coturn: no successful ALLOCATE in ${S.coturn.logFile}`);
      assert.match(S.coturn.log(), /tcp or tls connected to: 198\.18\.0\.2:\d+/, `coturn: no TCP client in ${S.coturn.logFile}`);
      assert.ok((await page.hangup('t1')).ok);
    } finally {
      await S.closePage(page);
    }
  });
