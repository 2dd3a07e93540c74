'use strict';
// The operators' endpoints (docs/protocol.md "Operators' HTTP endpoints", README "Operators")
// during real calls from Chromium. No trunk is configured, so the gateway's built-in demo far end
// answers any number; "echo" loops the browser leg back with no trunk leg.
//
// - GET /metrics during a call passes `promtool check metrics` with no complaint at all (exit code
//   0 and no lint output), has gw_calls_active 1 and per-leg samples for the call;
// - GET /api/calls during an echo call and a demo call agrees with the browser's getStats() for
//   the same call: packets the gateway received on the browser leg vs the browser's outbound-rtp
//   packetsSent, packets the gateway sent vs the browser's inbound-rtp packetsReceived, within
//   PACKET_TOLERANCE; codec ("opus" vs "audio/opus"); ICE pair types (the gateway's "local/remote"
//   is the browser's "remote/local");
// - with [auth] admin_token set, /metrics and /api/calls answer 401 without the bearer token and
//   200 with it;
// - /metrics has the setup-time histogram, per-leg-type media totals and each worker's CPU use and calls;
// - admission control: with every worker above [limits] max_worker_cpu_percent, calls are refused;
// - a graceful drain on SIGTERM with [server] drain_seconds: 503s and refusals, the call goes on;
// - a screenshot of /ops.html during a call.
//
// The /metrics text, promtool's output, the comparisons and the screenshot go to
// tests/artifacts/<build type>/e2e/ops/. Needs promtool (Debian package prometheus).
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startGateway } = require('../lib/gateway');
const { launchBrowser, gatewayConfig } = require('../lib/browser');

const SUITE = 'ops';
const NUMBER = '+15558675309';   // any number: the demo far end answers it
const STEP_MS = 15000;
const TEST_MS = 60000;
// The gateway takes a statistics snapshot of each call once a second (calls.c on_media_stats), so
// /api/calls may lag the browser by up to 1 s, i.e. 50 packets at 20 ms. ±60 packets = 1.2 s.
const PACKET_TOLERANCE = 60;
const PROMTOOL = process.env.PROMTOOL || 'promtool';
const TOKEN = 'ops-e2e-admin-token-3f9c';

let gw, browser;
test.before(async () => {
  gw = await startGateway({ name: 'e2e-ops', config: gatewayConfig() });
  browser = await launchBrowser({ name: SUITE });
});
test.after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const artifact = (name) => path.join(browser.artifacts, name);

function httpGet(url, { headers = {}, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function apiCalls(g = gw, headers = {}) {
  const r = await httpGet(`${g.http}/api/calls`, { headers });
  assert.equal(r.status, 200, `/api/calls: ${r.status} ${r.body}`);
  const j = JSON.parse(r.body);
  return Array.isArray(j) ? j : j.calls;
}

const withPage = (t, fn) => browser.withPage(gw, t.name, fn);

// Places a call and waits until ICE and DTLS are up and the gateway has statistics for it.
async function placeCall(page, to, id) {
  const info = await page.call({ to, id, timeoutMs: STEP_MS });
  await page.waitConnected(info.id, STEP_MS);
  const end = Date.now() + STEP_MS;
  for (;;) {
    const c = (await apiCalls()).find((x) => x.call === info.id);
    const b = c && c.legs && c.legs.browser;
    if (b && b.packets_received > 50 && b.packets_sent > 50) return info;
    if (Date.now() > end) throw new Error(`call ${info.id}: no browser-leg statistics at /api/calls: ${JSON.stringify(c)}`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------

test('(a) /metrics during a demo call passes promtool check metrics, gw_calls_active 1, per-leg samples',
  { timeout: TEST_MS }, (t) => withPage(t, async (page) => {
    const call = await placeCall(page, NUMBER, 'm1');
    const r = await httpGet(`${gw.http}/metrics`);
    assert.equal(r.status, 200, r.body);
    const file = artifact('metrics-demo-call.txt');
    fs.writeFileSync(file, r.body);
    assert.match(r.headers['content-type'] || '', /^text\/plain; version=0\.0\.4/);

    const p = spawnSync(PROMTOOL, ['check', 'metrics'], { input: r.body, encoding: 'utf8', timeout: 10000 });
    assert.ok(!p.error, `${PROMTOOL}: ${p.error && p.error.message} (install the Debian package prometheus)`);
    const said = `${p.stdout || ''}${p.stderr || ''}`;
    fs.writeFileSync(artifact('promtool-demo-call.txt'), `exit ${p.status}\n${said}`);
    t.diagnostic(`promtool check metrics < ${file}: exit ${p.status}, output ${JSON.stringify(said)}`);
    assert.equal(p.status, 0, `promtool check metrics exit ${p.status}:\n${said}`);
    assert.equal(said.trim(), '', `promtool check metrics complained:\n${said}`);

    assert.match(r.body, /^gw_calls_active 1$/m, 'gw_calls_active 1');
    // The setup-time histogram has this call; the per-leg-type totals and the worker load are there.
    const sample = (re) => { const m = re.exec(r.body); return m ? Number(m[1]) : null; };
    assert.ok(sample(/^gw_call_setup_seconds_count (\S+)$/m) >= 1, 'gw_call_setup_seconds_count >= 1');
    assert.ok(sample(/^gw_call_setup_seconds_bucket\{le="\+Inf"\} (\S+)$/m) >= 1, 'gw_call_setup_seconds +Inf bucket');
    for (const leg of ['browser', 'trunk']) {
      assert.ok(sample(new RegExp(`^gw_media_packets_sent_total\\{leg="${leg}"\\} (\\S+)$`, 'm')) > 0,
        `gw_media_packets_sent_total{leg="${leg}"} > 0`);
    }
    assert.ok(sample(/^gw_worker_cpu_percent\{worker="0"\} (\S+)$/m) !== null, 'gw_worker_cpu_percent{worker="0"}');
    // The call, and the demo far end's own leg, are carried by the workers.
    const carried = [...r.body.matchAll(/^gw_worker_calls\{worker="\d+"\} (\d+)$/mg)].reduce((a, m) => a + Number(m[1]), 0);
    assert.ok(carried >= 1, `gw_worker_calls adds up to ${carried}`);
    const leg = (name) => r.body.split('\n').filter((l) => l.startsWith('gw_leg_') &&
      l.includes(`call="${call.id}"`) && l.includes(`leg="${name}"`));
    for (const name of ['browser', 'trunk']) {
      const lines = leg(name);
      t.diagnostic(`${name} leg: ${lines.length} samples`);
      assert.ok(lines.some((l) => /^gw_leg_info\{/.test(l)), `gw_leg_info for ${call.id}/${name}`);
      assert.ok(lines.filter((l) => !l.startsWith('gw_leg_info')).length >= 4,
        `per-leg samples for ${call.id}/${name}:\n${lines.join('\n')}`);
    }
  }));

// ---------------------------------------------------------------------------------------------

// Reads the gateway, the browser, the gateway again (within a few ms of each other), and compares
// the browser leg with the browser's own figures. Returns the rows for the report.
async function compare(t, page, id, what) {
  const rows = [];
  for (let round = 0; round < 3; round++) {
    const t0 = Date.now();
    const g1 = (await apiCalls()).find((x) => x.call === id);
    const s = await page.stats(id);
    const g2 = (await apiCalls()).find((x) => x.call === id);
    const ms = Date.now() - t0;
    assert.ok(g1 && g2, `call ${id} at /api/calls`);
    const b1 = g1.legs.browser;
    const b2 = g2.legs.browser;
    assert.ok(s.inbound && s.outbound && s.pair, `browser stats: ${JSON.stringify(s)}`);
    const row = {
      what, round, readMs: ms,
      gwRecv: [b1.packets_received, b2.packets_received], browserSent: s.outbound.packetsSent,
      gwSent: [b1.packets_sent, b2.packets_sent], browserRecv: s.inbound.packetsReceived,
      gwCodec: b2.codec, browserCodec: [s.outbound.codec, s.inbound.codec],
      gwIcePair: b2.ice_pair, browserPair: `${s.pair.local.type}/${s.pair.remote.type}`,
    };
    row.diffRecv = s.outbound.packetsSent - b2.packets_received;
    row.diffSent = b2.packets_sent - s.inbound.packetsReceived;
    rows.push(row);
    t.diagnostic(JSON.stringify(row));

    assert.ok(Math.abs(row.diffRecv) <= PACKET_TOLERANCE,
      `${what}: gateway browser-leg packets_received ${b2.packets_received} vs browser outbound-rtp packetsSent ` +
      `${s.outbound.packetsSent}: off by ${row.diffRecv} (tolerance ±${PACKET_TOLERANCE})`);
    assert.ok(Math.abs(row.diffSent) <= PACKET_TOLERANCE,
      `${what}: gateway browser-leg packets_sent ${b2.packets_sent} vs browser inbound-rtp packetsReceived ` +
      `${s.inbound.packetsReceived}: off by ${row.diffSent} (tolerance ±${PACKET_TOLERANCE})`);
    for (const c of row.browserCodec) {
      assert.equal(String(c).toLowerCase(), `audio/${String(b2.codec).toLowerCase()}`,
        `${what}: gateway codec "${b2.codec}" vs browser "${c}"`);
    }
    // The gateway's pair is local/remote from its side: the browser's remote/local.
    assert.equal(b2.ice_pair, `${s.pair.remote.type}/${s.pair.local.type}`,
      `${what}: gateway ice_pair "${b2.ice_pair}" vs the browser's selected pair local ${s.pair.local.type}, ` +
      `remote ${s.pair.remote.type}`);
    await sleep(1000);
  }
  fs.appendFileSync(artifact('compare.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return rows;
}

test('(b) /api/calls matches the browser\'s getStats(): echo call (browser leg only)', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await placeCall(page, 'echo', 'e1');
    const c = (await apiCalls()).find((x) => x.call === call.id);
    fs.writeFileSync(artifact('api-calls-echo.json'), JSON.stringify(c, null, 1));
    assert.deepEqual(Object.keys(c.legs), ['browser'], 'an echo call has the browser leg only');
    await compare(t, page, call.id, 'echo');
  }));

test('(c) /api/calls matches the browser\'s getStats(): demo call', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await placeCall(page, NUMBER, 'd1');
    const c = (await apiCalls()).find((x) => x.call === call.id);
    fs.writeFileSync(artifact('api-calls-demo.json'), JSON.stringify(c, null, 1));
    assert.ok(c.legs.trunk, `the demo call has a trunk leg: ${JSON.stringify(c)}`);
    await compare(t, page, call.id, 'demo');
    // The demo far end sends RTCP like a phone: the trunk leg gets a round-trip time (its first
    // reports come 1.25-3.75 s in, then every 2.5-7.5 s; an RTT needs one of ours answered).
    let trunk = null;
    for (let i = 0; i < 60 && !(trunk && typeof trunk.rtt_ms === 'number'); i++) {
      trunk = (await apiCalls()).find((x) => x.call === call.id).legs.trunk;
      if (typeof trunk.rtt_ms !== 'number') await sleep(250);
    }
    t.diagnostic(`demo call trunk leg: rtt ${trunk.rtt_ms} ms, rtcp received ${trunk.rtcp_received}`);
    assert.ok(typeof trunk.rtt_ms === 'number' && trunk.rtt_ms >= 0 && trunk.rtt_ms < 500,
      `the trunk leg's RTT from the demo far end's RTCP: ${JSON.stringify(trunk)}`);
  }));

// ---------------------------------------------------------------------------------------------

test('(d) with [auth] admin_token: 401 without the bearer token, 200 with it', { timeout: TEST_MS }, async () => {
  const g = await startGateway({ name: 'e2e-ops-auth', config: gatewayConfig({ auth: { admin_token: TOKEN } }) });
  try {
    for (const p of ['/metrics', '/api/calls']) {
      const none = await httpGet(`${g.http}${p}`);
      assert.equal(none.status, 401, `${p} without a token: ${none.status} ${none.body}`);
      const wrong = await httpGet(`${g.http}${p}`, { headers: { Authorization: `Bearer ${TOKEN}x` } });
      assert.equal(wrong.status, 401, `${p} with a wrong token: ${wrong.status}`);
      const ok = await httpGet(`${g.http}${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200, `${p} with the token: ${ok.status} ${ok.body}`);
    }
  } finally {
    await g.stop();
  }
});

// ---------------------------------------------------------------------------------------------

// Admission control by load: one media worker, a threshold between an idle worker's CPU use (a
// timer a second: about 0.001 %) and one carrying an echo call (ICE, DTLS, SRTP both ways: well
// above 0.05 %). With the call up, the next call is refused `unavailable`; after it ends and the
// worker goes idle, calls are accepted again.
const LOAD_THRESHOLD = 0.05;
async function workerCpu(g) {
  const r = await httpGet(`${g.http}/metrics`);
  const m = /^gw_worker_cpu_percent\{worker="0"\} (\S+)$/m.exec(r.body);
  assert.ok(m, `gw_worker_cpu_percent in /metrics:\n${r.body.slice(0, 400)}`);
  return Number(m[1]);
}
async function untilCpu(g, pred, what) {
  const seen = [];
  for (let i = 0; i < 40; i++) {   // 10 s at most
    const v = await workerCpu(g);
    seen.push(v);
    if (pred(v)) return v;
    await sleep(250);
  }
  throw new Error(`${what}: worker CPU readings ${seen.join(', ')} %`);
}
test('(f) admission control: with every worker above [limits] max_worker_cpu_percent, a new call is refused '
  + '"unavailable"; accepted again once the load drops', { timeout: TEST_MS }, async (t) => {
  const g = await startGateway({ name: 'e2e-ops-load',
    config: gatewayConfig({ server: { workers: 1 }, limits: { max_worker_cpu_percent: LOAD_THRESHOLD } }) });
  const page = await browser.openPage(`${g.http}/`, 'ops-load');
  try {
    assert.equal((await page.connect(g.url)).type, 'welcome');
    const idle = await untilCpu(g, (v) => v < LOAD_THRESHOLD, 'idle worker below the threshold');
    const first = await page.call({ to: 'echo', id: 'l1', timeoutMs: STEP_MS });
    await page.waitConnected(first.id, STEP_MS);
    const busy = await untilCpu(g, (v) => v > LOAD_THRESHOLD, 'worker with an echo call above the threshold');
    const refused = await page.page.evaluate(() => window.e2e.call({ to: 'echo', id: 'l2' }));
    t.diagnostic(`idle ${idle} %, busy ${busy} %, threshold ${LOAD_THRESHOLD} %; second call: ${JSON.stringify(refused.error)}`);
    assert.ok(refused.error, `the second call was accepted at ${busy} % CPU: ${JSON.stringify(refused)}`);
    assert.equal(refused.error.code, 'unavailable', JSON.stringify(refused.error));
    assert.match(g.log(), /call refused: every media worker is above 0\.05% CPU/, 'the refusal is logged');
    await page.eval(() => window.e2e.calls.l1.hangup());
    await untilCpu(g, (v) => v < LOAD_THRESHOLD, 'worker idle again after hang-up');
    const third = await page.call({ to: 'echo', id: 'l3', timeoutMs: STEP_MS });
    await page.waitConnected(third.id, STEP_MS);
  } finally {
    try {
      await page.eval(() => Promise.all(Object.values(window.e2e.calls)
        .filter((c) => c.state !== 'ended').map((c) => c.hangup().catch(() => null))));
    } catch (_) { /* gone */ }
    await page.finish();
    await g.stop();
  }
});

// ---------------------------------------------------------------------------------------------

// A graceful drain: SIGTERM with [server] drain_seconds while a call is up.
test('(g) drain: SIGTERM with [server] drain_seconds and an echo call up: /healthz 503, gw_draining 1, a new call '
  + 'refused "unavailable", the call keeps its media; the gateway exits 0 once it is hung up', { timeout: TEST_MS }, async (t) => {
  const g = await startGateway({ name: 'e2e-ops-drain', config: gatewayConfig({ server: { drain_seconds: 30 } }) });
  const page = await browser.openPage(`${g.http}/`, 'ops-drain');
  try {
    assert.equal((await page.connect(g.url)).type, 'welcome');
    const first = await page.call({ to: 'echo', id: 'd1', timeoutMs: STEP_MS });
    await page.waitConnected(first.id, STEP_MS);
    assert.equal((await httpGet(`${g.http}/healthz`)).status, 200);
    process.kill(g.pid, 'SIGTERM');
    for (let i = 0; i < 40 && !/Signal received: draining/.test(g.log()); i++) await sleep(50);
    assert.match(g.log(), /Signal received: draining: refusing new calls, \/healthz 503; shutting down when the 1 call up end, in 30 s at most/);
    const h = await httpGet(`${g.http}/healthz`);
    assert.equal(h.status, 503, `/healthz while draining: ${h.status} ${h.body}`);
    assert.equal(JSON.parse(h.body).status, 'draining');
    assert.match((await httpGet(`${g.http}/metrics`)).body, /^gw_draining 1$/m);
    const refused = await page.page.evaluate(() => window.e2e.call({ to: 'echo', id: 'd2' }));
    assert.equal(refused.error && refused.error.code, 'unavailable', JSON.stringify(refused));
    const packets = async () => {
      const c = (await apiCalls(g)).find((x) => x.call === 'd1');
      return c && c.legs && c.legs.browser ? c.legs.browser.packets_received : 0;
    };
    let p1 = 0;
    for (let i = 0; i < 20 && !(p1 = await packets()); i++) await sleep(250);
    await sleep(1500);
    const p2 = await packets();
    t.diagnostic(`while draining: browser-leg packets received ${p1} -> ${p2}`);
    assert.ok(p2 > p1 + 25, `the call keeps its media while draining: ${p1} -> ${p2}`);
    assert.equal(g.child.exitCode, null, 'still running with the call up');
    await page.eval(() => window.e2e.calls.d1.hangup());
    const exit = await Promise.race([g.exited, sleep(5000).then(() => null)]);
    assert.ok(exit, 'the gateway exits within 5 s of the last call ending');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(g.log(), /Drained: no calls left/);
  } finally {
    await page.finish();
    await g.stop();
  }
});

// ---------------------------------------------------------------------------------------------

test('(e) the ops page during a call: a screenshot', { timeout: TEST_MS }, (t) =>
  withPage(t, async (page) => {
    const call = await placeCall(page, NUMBER, 'o1');
    const ops = await browser.openPage(`${gw.http}/ops.html`, 'ops-page');
    try {
      await ops.eval(() => { document.getElementById('e2e-log').hidden = true; });
      await ops.waitFor('the call shown on the ops page', () => document.querySelectorAll('#calls tbody tr').length >= 2,
        null, STEP_MS);
      const rows = await ops.eval(() => [...document.querySelectorAll('#calls tbody tr')]
        .map((r) => [...r.cells].map((c) => c.textContent)));
      t.diagnostic(JSON.stringify(rows));
      assert.ok(rows[0][0].includes(call.id), `first row names ${call.id}: ${JSON.stringify(rows[0])}`);
      // The charts of loss, jitter and MOS over the call's life: a point a second on each leg row.
      await ops.waitFor('charts with 4 points on the browser leg', () => {
        const line = document.querySelector('#calls tbody tr svg.spark--jitter polyline');
        return line && line.getAttribute('points').split(' ').length >= 4;
      }, null, STEP_MS);
      const charts = await ops.eval(() => [...document.querySelectorAll('#calls tbody tr')].map((r) =>
        [...r.querySelectorAll('svg.spark')].map((s) => ({ cls: s.getAttribute('class'), label: s.getAttribute('aria-label'),
          points: [...s.querySelectorAll('polyline')].reduce((a, l) => a + l.getAttribute('points').split(' ').length, 0) }))));
      t.diagnostic(`charts: ${JSON.stringify(charts)}`);
      assert.equal(charts.length, 2, 'two leg rows');
      for (const row of charts) assert.deepEqual(row.map((c) => c.cls), ['spark spark--loss', 'spark spark--jitter', 'spark spark--mos']);
      const browserLeg = charts[0];
      assert.ok(browserLeg[1].points >= 4 && /^jitter now \d+ ms, peak \d+ ms, \d+ s$/.test(browserLeg[1].label),
        `browser-leg jitter chart: ${JSON.stringify(browserLeg[1])}`);
      assert.ok(browserLeg[2].points >= 4 && /^MOS now [1-4]\.\d\d, peak/.test(browserLeg[2].label),
        `browser-leg MOS chart: ${JSON.stringify(browserLeg[2])}`);
      assert.ok(/^loss now 0\.0%/.test(browserLeg[0].label), `no loss on loopback: ${browserLeg[0].label}`);
      const file = await ops.screenshot('ops-page-during-call');
      assert.ok(fs.existsSync(file), `screenshot ${file}`);
      t.diagnostic(`screenshot ${file}`);
    } finally {
      await ops.finish();
    }
  }));
