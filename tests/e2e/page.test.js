'use strict';
// The click-to-call page (web/index.html + web/app.js) driven like a person would: type a number,
// click Call, listen, press keys, mute, click Hang Up. No trunk is configured, so the gateway's
// built-in demo far end answers every number (180 Ringing, 200 OK after 1 s, a 440 Hz beep for
// 3 s, then it echoes what it heard about 2 s later). The fake microphone plays a 1 kHz tone.
//
// - every status text is recorded with a MutationObserver and the walk is checked in order;
// - an AnalyserNode on #remoteAudio must hear the beep, then the echo of the 1 kHz tone, and no
//   echo while the page's Mute is on;
// - failures: a number the gateway refuses, a denied microphone, a gateway that goes away;
// - user=alice in two tabs: both ring (WebAudio ring), the first Accept wins, the other stops
//   ringing; both Decline: the caller gets 486 (the caller is a minimal SIP UAC in this file);
//   a call from baresip (SDES-SRTP, 440 Hz) accepted by the page: audio heard both ways.
// - the page under the gateway's real Content-Security-Policy (the other browser bypasses it).
//
// Screenshots of every state go to tests/artifacts/<build type>/e2e/page/.
// Run inside tests/e2e/netns-run.sh (CTest does).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { startGateway, ARTIFACTS } = require('../lib/gateway');
const { launchBrowser, gatewayConfig } = require('../lib/browser');
const { assertNoTone, fmt } = require('./checks');
const { startUac } = require('../lib/baresip');
const { makeTone, dominantFrequency, levels } = require('../lib/audio');
const os = require('node:os');

const SUITE = 'page';
const NUMBER = '+15558675309';
const DID = '+15550001111';
const CALLER = '+15557770000';
const STEP_MS = 15000;        // any one expected step
const TEST_MS = 90000;        // a whole test
const TONE_TOLERANCE_HZ = 20;
const BEEP_MIN_DB = -30;      // the demo's beep: the far end's audio is not processed by the browser
// The echo is the page's own microphone, which the page opens with the browser's default processing
// (echo cancellation, noise suppression, automatic gain): a steady tone comes back quieter, near
// -29 dBFS after a few seconds (the harness's raw microphone gives about -10 dBFS).
const ECHO_MIN_DB = -42;
const ECHO_DELAY_MS = 2000;   // the demo far end replays what it heard 100 packets (2 s) later

let gw;
let browser = null;
test.before(async () => {
  gw = await startGateway({ name: 'e2e-page', config: { ...gatewayConfig(), routes: { [DID]: 'alice' } } });
});
test.after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

// One Chromium at a time: the CSP test runs its own browser first, this one is started after it.
async function theBrowser() {
  if (!browser) browser = await launchBrowser({ name: SUITE });
  return browser;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The page

// Opens the page (helpers injected, their event log hidden so that screenshots show the page) and
// records every text the status line and the duration show.
async function openPhone(query, label, g = gw) {
  const b = await theBrowser();
  const page = await b.openPage(`${g.http}/${query}`, label);
  await page.eval(() => {
    document.getElementById('e2e-log').hidden = true;
    window.rec = { status: [], duration: [] };
    const watch = (id, list) => {
      const el = document.getElementById(id);
      list.push(el.textContent);
      new MutationObserver((ms) => {
        for (const m of ms) {
          if (m.type === 'characterData') list.push(m.target.data);
          for (const n of m.addedNodes) list.push(n.textContent);
        }
      }).observe(el, { childList: true, characterData: true, subtree: true });
    };
    watch('status', window.rec.status);
    watch('callDuration', window.rec.duration);
  });
  return page;
}

async function shot(page, name) {
  const file = await page.screenshot(name);
  assert.ok(fs.existsSync(file), `screenshot ${file} not written`);
  return file;
}

const statusOf = (page) => page.eval(() => {
  const el = document.getElementById('status');
  return { text: el.textContent, cls: el.className };
});
const recorded = (page) => page.eval(() => window.rec);

async function waitStatus(page, re, what, timeoutMs = STEP_MS) {
  try {
    await page.page.waitForFunction(([src, flags]) => new RegExp(src, flags).test(document.getElementById('status').textContent),
      [re.source, re.flags], { timeout: timeoutMs, polling: 50 });
  } catch (e) {
    const s = await statusOf(page).catch(() => ({}));
    const r = (await recorded(page).catch(() => null)) || {};
    throw new Error(`${what}: status ${re} not shown within ${timeoutMs} ms; now "${s.text}"; seen ${JSON.stringify(r.status)}`);
  }
  return (await statusOf(page)).text;
}

// The statuses seen, in order, hold `expected` (strings: equal; RegExps: match) as a subsequence.
function assertWalk(seen, expected, what) {
  let i = 0;
  for (const s of seen) if (i < expected.length && (expected[i] instanceof RegExp ? expected[i].test(s) : expected[i] === s)) i++;
  assert.equal(i, expected.length, `${what}: missing ${expected[i]} (after ${expected[i - 1] || 'the start'}); ` +
    `statuses seen: ${JSON.stringify(seen)}`);
}

async function buttons(page) {
  return page.eval(() => Object.fromEntries(['callBtn', 'hangupBtn', 'muteBtn', 'acceptBtn', 'declineBtn']
    .map((id) => [id, !document.getElementById(id).disabled])));
}

// The analyser of the harness, on what #remoteAudio plays.
async function analyseRemote(page, windowMs = 800) {
  const playing = await page.eval(() => {
    const el = document.getElementById('remoteAudio');
    window.e2e.streams.remoteAudio = el.srcObject;
    return { stream: !!el.srcObject, paused: el.paused, muted: el.muted, live: !!el.srcObject && el.srcObject.getAudioTracks().some((t) => t.readyState === 'live') };
  });
  assert.ok(playing.stream && playing.live, `#remoteAudio has no live stream: ${JSON.stringify(playing)}`);
  assert.equal(playing.paused, false, '#remoteAudio is paused');
  assert.equal(playing.muted, false, '#remoteAudio is muted');
  return page.analyse('remoteAudio', { windowMs });
}

function toneAt(a, hz, minDb) {
  return !a.error && a.frames >= 5 && a.peakHz !== null && Math.abs(a.peakHz - hz) <= TONE_TOLERANCE_HZ &&
    a.rmsDb >= minDb && a.toneShare >= 0.5;
}

function assertToneAt(a, hz, minDb, what) {
  assert.ok(!a.error, `${what}: ${a.error}`);
  assert.ok(toneAt(a, hz, minDb), `${what}: expected a dominant ${hz} Hz tone at >= ${minDb} dBFS; ${fmt(a)}`);
}

// Analyses until the tone is there or the time is up; returns the last analysis.
async function untilTone(page, hz, minDb, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let a;
  do {
    a = await analyseRemote(page, 700);
    if (toneAt(a, hz, minDb)) return a;
  } while (Date.now() < end);
  return a;
}

// ---------------------------------------------------------------------------------------------
// The gateway

// The gateway log from `since` (a length of the log, taken when a test starts) on.
async function waitLog(re, what, { since = 0, timeoutMs = STEP_MS, g = gw } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = g.log().slice(since).match(re);
    if (m) return m;
    if (Date.now() > end) throw new Error(`${what}: ${re} not in the gateway log within ${timeoutMs} ms (${g.logFile})`);
    await sleep(100);
  }
}

// The WebSocket frames in the gateway's debug log: [{dir: 'in'|'out', m}].
function logFrames(since = 0, g = gw) {
  const out = [];
  for (const line of g.log().slice(since).split('\n')) {
    const m = line.match(/ ws \S+ (<<<|>>>) (\{.*\})\s*$/);
    if (!m) continue;
    try { out.push({ dir: m[1] === '<<<' ? 'in' : 'out', m: JSON.parse(m[2]) }); } catch (_) { /* cut line */ }
  }
  return out;
}

function httpGet(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// A minimal SIP UAC over UDP on loopback, to call a DID of the gateway (the demo far end's place:
// with no trunk, the gateway takes INVITEs from loopback). SDES-SRTP offer, PCMU; no media sent.

function parseSip(text) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const first = lines.shift();
  const headers = {};
  const compact = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    let name = l.slice(0, i).trim().toLowerCase();
    name = compact[name] || name;
    (headers[name] = headers[name] || []).push(l.slice(i + 1).trim());
  }
  const resp = first.match(/^SIP\/2\.0 (\d{3}) ?(.*)$/);
  const req = first.match(/^([A-Z]+) (\S+) SIP\/2\.0$/);
  return { first, status: resp ? Number(resp[1]) : null, method: req ? req[1] : null, uri: req ? req[2] : null,
           headers, h: (n) => (headers[n] || [])[0] || '', body: rest.join('\r\n\r\n') };
}

async function udpSocket() {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => { s.once('error', reject); s.bind(0, '127.0.0.1', resolve); });
  return s;
}

async function sipCaller(gwSipPort, { from = CALLER, to = DID } = {}) {
  const sock = await udpSocket();
  const rtp = await udpSocket();          // takes the gateway's RTP, so that nothing bounces
  rtp.on('message', () => {});
  const port = sock.address().port;
  const rand = () => crypto.randomBytes(6).toString('hex');
  const callId = `${rand()}@127.0.0.1`;
  const fromHdr = `<sip:${from}@127.0.0.1:${port}>;tag=${rand()}`;
  const inviteBranch = `z9hG4bK${rand()}`;
  const received = [];
  const waiters = [];
  let toHdr = `<sip:${to}@127.0.0.1:${gwSipPort}>`;
  let target = `sip:${to}@127.0.0.1:${gwSipPort}`;
  const send = (text) => new Promise((resolve, reject) =>
    sock.send(Buffer.from(text), gwSipPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  const request = (method, uri, cseq, { branch = `z9hG4bK${rand()}`, body = '', extra = [] } = {}) => send([
    `${method} ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`, 'Max-Forwards: 70',
    `From: ${fromHdr}`, `To: ${toHdr}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`,
    `Contact: <sip:${from}@127.0.0.1:${port}>`, ...extra,
    ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\r\n'));

  sock.on('message', (buf) => {
    const m = parseSip(buf.toString());
    received.push(m);
    if (m.method === 'BYE' || m.method === 'CANCEL') {   // the gateway hangs up: 200 OK
      send(['SIP/2.0 200 OK', ...m.headers.via.map((v) => `Via: ${v}`), `From: ${m.h('from')}`, `To: ${m.h('to')}`,
            `Call-ID: ${m.h('call-id')}`, `CSeq: ${m.h('cseq')}`, 'Content-Length: 0', '', ''].join('\r\n'));
    }
    for (const w of [...waiters]) if (w.test(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });

  const wait = (test, what, timeoutMs = STEP_MS) => {
    const seen = received.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { test, resolve };
      waiters.push(w);
      setTimeout(() => {
        if (waiters.includes(w)) {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`SIP caller: ${what} not received within ${timeoutMs} ms; got ${received.map((r) => r.first).join(' | ')}`));
        }
      }, timeoutMs);
    });
  };

  const key = crypto.randomBytes(30).toString('base64');
  const sdp = ['v=0', `o=caller 1 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${rtp.address().port} RTP/SAVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}`, 'a=sendrecv', ''].join('\r\n');

  const c = {
    received,
    invite: () => request('INVITE', target, 1, { branch: inviteBranch, body: sdp }),
    // The final response of the INVITE; ACKs it (2xx: new transaction to the Contact; else the same branch).
    async final(what, timeoutMs = STEP_MS) {
      const r = await wait((m) => m.status >= 200 && /INVITE/.test(m.h('cseq')), what, timeoutMs);
      toHdr = r.h('to');
      if (r.status < 300) {
        const contact = r.h('contact').match(/<([^>]+)>/);
        if (contact) target = contact[1];
        await request('ACK', target, 1);
      } else {
        await request('ACK', `sip:${to}@127.0.0.1:${gwSipPort}`, 1, { branch: inviteBranch });
      }
      return r;
    },
    response: (code, what, timeoutMs) => wait((m) => m.status === code, what, timeoutMs),
    requestFromGateway: (method, what, timeoutMs) => wait((m) => m.method === method, what, timeoutMs),
    async close() { sock.close(); rtp.close(); },
  };
  return c;
}

// ---------------------------------------------------------------------------------------------

test('(a) the page works under the gateway\'s own Content-Security-Policy: no inline script or style, no violation during a call',
  { timeout: TEST_MS }, async () => {
    const root = path.resolve(__dirname, '../../web');
    for (const f of ['index.html', 'ops.html']) {
      const html = fs.readFileSync(path.join(root, f), 'utf8');
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${f}: inline <script>`);
      assert.doesNotMatch(html, /<style\b/i, `${f}: <style> element`);
      assert.doesNotMatch(html, /\sstyle\s*=/i, `${f}: style attribute`);
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${f}: inline event handler`);
    }
    const r = await httpGet(`${gw.http}/`);
    assert.equal(r.status, 200);
    const csp = r.headers['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `CSP: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline/, `CSP: ${csp}`);

    // A browser that enforces the CSP (the suite's browser bypasses it to inject its helpers).
    assert.equal(browser, null, 'one Chromium at a time: this test runs first');
    const b = await chromium.launch({
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium', headless: true, timeout: 30000,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
    });
    try {
      const ctx = await b.newContext();
      const violations = [];
      const errors = [];
      await ctx.exposeFunction('reportViolation', (v) => violations.push(v));
      await ctx.addInitScript(() => document.addEventListener('securitypolicyviolation',
        (e) => window.reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)));
      const page = await ctx.newPage();
      page.setDefaultTimeout(STEP_MS);
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      for (const p of ['/ops.html', '/']) {
        const resp = await page.goto(`${gw.http}${p}`);
        assert.ok(resp.ok(), `GET ${p}: ${resp.status()}`);
      }
      // The stylesheet applies (a CSP refusal would leave the page unstyled).
      const display = await page.evaluate(() => getComputedStyle(document.getElementById('remoteAudio')).display);
      assert.equal(display, 'none', 'web/style.css is applied');
      await page.fill('#phoneNumber', NUMBER);
      await page.click('#callBtn');
      await page.waitForFunction(() => /^Call answered/.test(document.getElementById('status').textContent), null, { timeout: STEP_MS });
      await page.click('[data-digit="1"]');
      await page.click('#muteBtn');
      await page.click('#muteBtn');
      await page.click('#hangupBtn');
      await page.waitForFunction(() => /^Call ended \(Duration: /.test(document.getElementById('status').textContent), null, { timeout: STEP_MS });
      // And a violation would be seen: an inline style attribute set from script is refused.
      await page.evaluate(() => { const d = document.createElement('div'); d.setAttribute('style', 'color: red'); document.body.appendChild(d); });
      await sleep(200);
      assert.equal(violations.length, 1, `exactly the deliberate violation: ${JSON.stringify(violations)}`);
      assert.match(violations[0], /^style-src/, violations[0]);
      const cspErrors = errors.filter((e) => /Content Security Policy/i.test(e) && !/style-src/.test(e));
      assert.deepEqual(cspErrors, [], 'console errors about the CSP');
      assert.deepEqual(errors.filter((e) => /pageerror/.test(e)), [], 'uncaught errors in the page');
      await waitLog(/ended by local: normal/, 'the CSP call ended by local');
    } finally {
      await b.close();
    }
  });

test('(b) a call through the demo far end: the status walks through every stage, the beep and the echo are heard, '
  + 'keypad, mute, Hang Up ends it (by local)', { timeout: TEST_MS }, async () => {
  const since = gw.log().length;
  const page = await openPhone('', 'call');
  try {
    const s0 = await statusOf(page);
    assert.equal(s0.text, 'Ready to call...');
    assert.deepEqual(await buttons(page), { callBtn: true, hangupBtn: false, muteBtn: false, acceptBtn: false, declineBtn: false });
    assert.equal(await page.eval(() => document.getElementById('incoming').hidden), true, 'no incoming panel');
    await page.page.fill('#phoneNumber', NUMBER);
    await shot(page, '1-ready');

    await page.page.click('#callBtn');
    await waitStatus(page, /^Ringing…/, 'ringing');
    await shot(page, '2-ringing');
    const tRing = Date.now();
    await waitStatus(page, /^Call answered ✓$/, 'answered');
    const tAnswer = Date.now();
    assert.ok(tAnswer - tRing >= 500, `the demo far end rings 1 s before answering; answered ${tAnswer - tRing} ms after Ringing…`);
    assert.deepEqual(await buttons(page), { callBtn: false, hangupBtn: true, muteBtn: true, acceptBtn: false, declineBtn: false });

    // The 440 Hz beep (3 s from the answer), not the 1 kHz of our own microphone.
    const beep = await analyseRemote(page, 1000);
    assertToneAt(beep, 440, BEEP_MIN_DB, 'the demo far end\'s beep on #remoteAudio');

    await page.waitFor('duration 00:03', () => document.getElementById('callDuration').textContent === 'Call Duration: 00:03',
      null, 6000);
    await shot(page, '3-in-call');

    // After the beep, the echo of our 1 kHz.
    const echo = await untilTone(page, 1000, ECHO_MIN_DB, Math.max(0, tAnswer + 3000 + 6000 - Date.now()));
    assertToneAt(echo, 1000, ECHO_MIN_DB, 'the echo of the page\'s 1 kHz microphone on #remoteAudio');

    // Keypad: the protocol's dtmf message, and the page says what the gateway answered.
    await page.page.click('[data-digit="5"]');
    await page.waitFor('the keypad result shown', () => document.getElementById('dtmfSent').textContent !== '', null, STEP_MS);
    const frames = logFrames(since);
    const req = frames.find((f) => f.dir === 'in' && f.m.type === 'dtmf');
    assert.ok(req, 'the gateway received a dtmf message');
    assert.deepEqual({ call: req.m.call, digits: req.m.digits }, { call: 'c1', digits: '5' });
    const reply = frames.find((f) => f.dir === 'out' && f.m.rid === req.m.rid);
    assert.ok(reply, `the gateway answered the dtmf request (rid ${req.m.rid})`);
    const shown = await page.eval(() => document.getElementById('dtmfSent').textContent);
    if (reply.m.type === 'ok') assert.equal(shown, 'Keys sent: 5');
    else assert.equal(shown, `Key 5 not sent: ${reply.m.message.replace(/([^.!?])$/, '$1.')}`, `reply ${JSON.stringify(reply.m)}`);
    // ... and the digit reached the far end: the demo far end logs the RFC 4733 event it heard.
    assert.equal(reply.m.type, 'ok', `the dtmf request was refused: ${JSON.stringify(reply.m)}`);
    await waitLog(/demo far end: heard DTMF '5'/, 'the far end heard the keypad digit', { since });

    // The ops page during the call: the call's row, or the notice that the endpoint is missing.
    const api = await httpGet(`${gw.http}/api/calls`);
    const ops = await (await theBrowser()).openPage(`${gw.http}/ops.html`, 'ops');
    try {
      if (api.status === 404) {
        await ops.waitFor('ops: statistics not available yet',
          () => document.getElementById('opsEmpty').textContent === 'statistics not available yet', null, 5000);
      } else {
        assert.equal(api.status, 200, `/api/calls: ${api.status} ${api.body}`);
        await ops.waitFor('ops: a row for call c1',
          () => [...document.querySelectorAll('#calls tbody .call-id')].some((td) => td.firstChild.textContent === 'c1'), null, 5000);
        const legs = await ops.eval(() => [...document.querySelectorAll('#calls tbody tr')].map((tr) => tr.cells[tr.cells.length - 12].textContent));
        assert.ok(legs.includes('browser') && legs.includes('trunk'), `legs shown: ${legs}`);
      }
      await ops.eval(() => { document.getElementById('e2e-log').hidden = true; });
      await shot(ops, '4-ops');
    } finally {
      await ops.page.close();
    }

    // Mute: the echo stops (2 s later); unmute: it comes back.
    await page.page.click('#muteBtn');
    assert.deepEqual(await page.eval(() => { const b = document.getElementById('muteBtn'); return [b.getAttribute('aria-pressed'), b.textContent]; }),
      ['true', 'Unmute']);
    assert.equal(await page.eval(() => window.e2e.streams.remoteAudio && document.getElementById('remoteAudio').srcObject !== null), true);
    await sleep(ECHO_DELAY_MS + 800);
    await shot(page, '5-muted');
    assertNoTone(await analyseRemote(page, 700), 'the echo while the page is muted');
    await page.page.click('#muteBtn');
    assert.equal(await page.eval(() => document.getElementById('muteBtn').getAttribute('aria-pressed')), 'false');
    await sleep(ECHO_DELAY_MS);
    assertToneAt(await untilTone(page, 1000, ECHO_MIN_DB, 5000), 1000, ECHO_MIN_DB, 'the echo after unmuting');

    // Hang Up.
    await page.page.click('#hangupBtn');
    const ended = await waitStatus(page, /^Call ended \(Duration: /, 'ended');
    assert.match(ended, /^Call ended \(Duration: \d+:\d{2}\) · You hung up\.$/);
    const secs = Number(ended.match(/(\d+):(\d{2})/)[1]) * 60 + Number(ended.match(/(\d+):(\d{2})/)[2]);
    const real = (Date.now() - tAnswer) / 1000;
    assert.ok(Math.abs(secs - real) <= 2, `duration ${secs} s shown, ${real.toFixed(1)} s measured`);
    await shot(page, '6-ended');
    await page.page.setViewportSize({ width: 390, height: 844 });   // a phone
    assert.equal(await page.eval(() => document.documentElement.scrollWidth <= window.innerWidth), true,
      'no horizontal scrolling at phone width');
    await shot(page, '6b-ended-phone-width');
    await page.page.setViewportSize({ width: 1280, height: 720 });
    await waitLog(/call \d+ \(c1 -> \+15558675309\) ended by local: normal/, 'the gateway log: ended by local', { since });
    assert.deepEqual(await buttons(page), { callBtn: true, hangupBtn: false, muteBtn: false, acceptBtn: false, declineBtn: false });
    assert.equal(await page.eval(() => document.getElementById('remoteAudio').srcObject), null, 'remote audio detached');
    assert.equal(await page.eval(() => document.getElementById('callDuration').textContent), '');

    const rec = await recorded(page);
    const expected = ['Requesting microphone access…', 'Microphone granted ✓', 'Connecting to server…',
      'Connected to WebRTC gateway ✓', `Calling ${NUMBER}…`, 'Ringing…', 'Call answered ✓', /^Call ended \(Duration: /];
    assertWalk(rec.status, expected, 'status walk');
    const allowed = ['Ready to call...', ...expected];
    const odd = rec.status.filter((s) => !allowed.some((e) => (e instanceof RegExp ? e.test(s) : e === s)));
    assert.deepEqual(odd, [], 'statuses outside the expected walk');
    assertWalk(rec.duration, ['Call Duration: 00:00', 'Call Duration: 00:01', 'Call Duration: 00:02', 'Call Duration: 00:03',
      'Call Duration: 00:04'], 'running duration');
  } finally {
    await page.finish();
  }
});

test('(c) a number the gateway refuses: a clear message, and the page is ready again', { timeout: TEST_MS }, async () => {
  const since = gw.log().length;
  const page = await openPhone('', 'refused');
  try {
    const tooLong = `+1${'5'.repeat(70)}`;
    await page.page.fill('#phoneNumber', tooLong);
    await page.page.click('#callBtn');
    const text = await waitStatus(page, /^The gateway rejected the number/, 'refused');
    const why = (await waitLog(/request refused: bad-request: (.*)/, 'the gateway refused the call', { since }))[1].trim();
    assert.equal(text, `The gateway rejected the number "${tooLong.slice(0, 31)}…": ${why.replace(/([^.!?])$/, '$1.')}`);
    assert.match((await statusOf(page)).cls, /status--error/);
    assert.deepEqual(await buttons(page), { callBtn: true, hangupBtn: false, muteBtn: false, acceptBtn: false, declineBtn: false });
    assertWalk((await recorded(page)).status, ['Requesting microphone access…', 'Connected to WebRTC gateway ✓',
      `Calling ${tooLong}…`, /^The gateway rejected/], 'refused walk');
    await shot(page, '7-number-refused');

    // Not a number at all: the page says so without asking the gateway.
    await page.page.fill('#phoneNumber', 'call me maybe');
    await page.page.click('#callBtn');
    await waitStatus(page, /^"call me maybe" is not a phone number\./, 'not a number');
    await page.page.fill('#phoneNumber', '');
    await page.page.click('#callBtn');
    await waitStatus(page, /^Enter a phone number to call\.$/, 'empty number');
  } finally {
    await page.finish();
  }
});

test('(d) microphone denied: a clear message, and the gateway is not even contacted', { timeout: TEST_MS }, async () => {
  const page = await openPhone('', 'mic-denied');
  try {
    const before = (gw.log().match(/WebSocket connection from/g) || []).length;
    await page.eval(() => {
      navigator.mediaDevices.getUserMedia = async () => { throw new DOMException('Permission denied', 'NotAllowedError'); };
    });
    await page.page.fill('#phoneNumber', NUMBER);
    await page.page.click('#callBtn');
    const text = await waitStatus(page, /^Microphone access was denied\./, 'mic denied');
    assert.match(text, /Allow the microphone for this site/);
    assert.match((await statusOf(page)).cls, /status--error/);
    assert.deepEqual(await buttons(page), { callBtn: true, hangupBtn: false, muteBtn: false, acceptBtn: false, declineBtn: false });
    await sleep(300);
    assert.equal((gw.log().match(/WebSocket connection from/g) || []).length, before, 'no WebSocket was opened');
    await shot(page, '8-mic-denied');
  } finally {
    await page.finish();
  }
});

test('(e) the gateway goes away during a call: "network lost"; then Call says the gateway is unreachable',
  { timeout: TEST_MS }, async () => {
    const gw2 = await startGateway({ name: 'e2e-page-lost', config: gatewayConfig() });
    let page = null;
    try {
      page = await openPhone('', 'lost', gw2);
      await page.page.fill('#phoneNumber', NUMBER);
      await page.page.click('#callBtn');
      await waitStatus(page, /^Call answered ✓$/, 'answered');
      const stopped = await gw2.stop(5000);
      // A stopping gateway first ends the call itself (hangup, by gateway), then the socket goes.
      await waitStatus(page, /^Network lost/, 'network lost after the gateway went away');
      const seen = ((await recorded(page)) || {}).status || [];
      const ended = seen.find((t) => /^Call ended \(Duration: \d+:\d{2}\) · /.test(t)) || '';
      assert.match(ended, /Network lost|gateway/i, `says why: ${JSON.stringify(seen)} (gateway exit ${JSON.stringify(stopped)})`);
      assert.match((await statusOf(page)).cls, /status--error/);
      assert.match(await page.eval(() => document.getElementById('connection').textContent), /Disconnected/);
      await shot(page, '9-network-lost');

      await page.page.click('#callBtn');
      const text = await waitStatus(page, /^Cannot reach the gateway at ws:\/\/127\.0\.0\.1:\d+\/ws\./, 'unreachable');
      assert.match(text, /Check your network connection/);
      assert.deepEqual(await buttons(page), { callBtn: true, hangupBtn: false, muteBtn: false, acceptBtn: false, declineBtn: false });
      await shot(page, '10-gateway-unreachable');
    } finally {
      if (page) await page.finish();
      await gw2.stop();
    }
  });

// Two tabs of alice, with the WebAudio oscillators of each recorded (the ring is 440 + 480 Hz).
async function aliceTabs() {
  const tabs = [];
  for (const label of ['alice-1', 'alice-2']) {
    const p = await openPhone('?user=alice', label);
    await waitStatus(p, /^Registered as alice$/, `${label} registered`);
    assert.equal(await p.eval(() => document.getElementById('connection').textContent), 'Registered as alice');
    await p.eval(() => {
      window.osc = [];
      const create = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () {
        const o = create.call(this);
        const r = { hz: null, started: false, stopped: false, ctx: this };
        window.osc.push(r);
        const start = o.start.bind(o), stop = o.stop.bind(o);
        o.start = (...a) => { r.started = true; r.hz = o.frequency.value; return start(...a); };
        o.stop = (...a) => { r.stopped = true; return stop(...a); };
        return o;
      };
    });
    tabs.push(p);
  }
  return tabs;
}

// Ringing now: the 440 and 480 Hz oscillators started, not stopped, on a running AudioContext.
const ringState = (p) => p.eval(() => {
  const ring = window.osc.filter((o) => o.hz === 440 || o.hz === 480);
  return { ringing: ring.length >= 2 && ring.some((o) => o.hz === 440 && o.started && !o.stopped) &&
             ring.some((o) => o.hz === 480 && o.started && !o.stopped),
           running: ring.every((o) => o.ctx.state === 'running'), all: ring.map((o) => `${o.hz}:${o.started}/${o.stopped}`) };
});

test('(f) user=alice in two tabs: both ring, the first Accept wins, the other stops ringing (answered-elsewhere); '
  + 'Hang Up sends BYE to the caller', { timeout: TEST_MS }, async () => {
  const since = gw.log().length;
  const tabs = await aliceTabs();
  const caller = await sipCaller(gw.sipPort);
  try {
    await caller.invite();
    await caller.response(180, '180 Ringing');
    for (const p of tabs) {
      await waitStatus(p, new RegExp(`^Incoming call from \\${CALLER}$`), `${p.name} rings`);
      assert.equal(await p.eval(() => document.getElementById('incomingFrom').textContent), CALLER);
      assert.deepEqual(await buttons(p), { callBtn: false, hangupBtn: false, muteBtn: false, acceptBtn: true, declineBtn: true });
      const r = await ringState(p);
      assert.ok(r.ringing && r.running, `${p.name}: the WebAudio ring plays: ${JSON.stringify(r)}`);
    }
    await shot(tabs[0], '11-incoming');

    await tabs[0].page.click('#acceptBtn');
    await waitStatus(tabs[0], /^Call answered ✓$/, 'alice-1 answered');
    const ok = await caller.final('200 OK to the INVITE');
    assert.equal(ok.status, 200, ok.first);
    const other = await waitStatus(tabs[1], /answered on another device/, 'alice-2 told');
    assert.equal(other, `Call from ${CALLER} answered on another device.`);
    assert.equal((await ringState(tabs[1])).ringing, false, 'alice-2 stopped ringing');
    assert.equal(await tabs[1].eval(() => document.getElementById('incoming').hidden), true, 'alice-2 hides the incoming panel');
    assert.equal((await ringState(tabs[0])).ringing, false, 'alice-1 stopped ringing');
    await tabs[0].waitFor('alice-1 duration', () => document.getElementById('callDuration').textContent === 'Call Duration: 00:01', null, 5000);
    await shot(tabs[0], '12-incoming-answered');
    await shot(tabs[1], '13-answered-elsewhere');

    await tabs[0].page.click('#hangupBtn');
    const ended = await waitStatus(tabs[0], /^Call ended \(Duration: /, 'alice-1 ended');
    assert.match(ended, /^Call ended \(Duration: \d+:\d{2}\) · You hung up\.$/);
    await caller.requestFromGateway('BYE', 'BYE from the gateway');
    await waitLog(new RegExp(`call \\d+ \\(in-\\d+ -> \\${DID}\\) ended by local: normal`), 'inbound call ended by local', { since });
    assertWalk((await recorded(tabs[0])).status, [/^Registered as alice$/, `Incoming call from ${CALLER}`,
      'Requesting microphone access…', 'Microphone granted ✓', /^Answering/, 'Call answered ✓', /^Call ended/], 'alice-1 walk');
  } finally {
    await caller.close();
    for (const p of tabs) await p.finish();
  }
});

// A real SIP caller this time: baresip (SDES-SRTP mandatory, PCMU) dials the DID while playing
// 440 Hz; the page opened with user=alice rings, Accept connects, and each side hears the other:
// the page's analyser hears 440 Hz, baresip's recording holds the page's 1 kHz microphone.
// The page's microphone goes through the browser's processing (see ECHO_MIN_DB), hence the level.
test('(f2) user=alice accepts a call from baresip: audio both ways, 440 Hz in the page, the page\'s 1 kHz at the caller',
  { timeout: TEST_MS }, async () => {
  const since = gw.log().length;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwpage-'));
  const wav = makeTone(path.join(tmp, 'tone440_8k.wav'), { hz: 440, rate: 8000, secs: 60 });
  const p = await openPhone('?user=alice', 'alice-audio');
  let uac = null;
  try {
    await waitStatus(p, /^Registered as alice$/, 'alice registered');
    uac = await startUac({ name: 'page-baresip-uac', uri: `sip:${DID}@127.0.0.1:${gw.sipPort}`, wav, secs: 40,
      artifacts: path.join(ARTIFACTS, 'e2e', SUITE) });
    await waitStatus(p, /^Incoming call from /, 'alice rings');
    await p.page.click('#acceptBtn');
    await waitStatus(p, /^Call answered ✓$/, 'alice answered');
    const heard = await untilTone(p, 440, BEEP_MIN_DB, 6000);
    assertToneAt(heard, 440, BEEP_MIN_DB, 'baresip\'s 440 Hz on #remoteAudio');
    await sleep(3000);   // what the caller records of the page's microphone
    await shot(p, '12b-incoming-from-baresip');
    await p.page.click('#hangupBtn');
    await waitStatus(p, /^Call ended \(Duration: /, 'alice ended');
    await waitLog(new RegExp(`call \\d+ \\(in-\\d+ -> \\${DID}\\) ended by local: normal`), 'inbound call ended by local', { since });
    await sleep(500);
    await uac.stop();
    assert.match(uac.log(), /starting mediaenc 'srtp-mand'/, 'baresip started SRTP on the call\'s stream');
    const recs = uac.recordings();
    assert.ok(recs.length >= 1, `baresip wrote no recording; its log: ${uac.logFile}`);
    const lv = levels(recs[0]);
    const start = Math.max(0, lv.seconds / 2 - 0.5);
    const hz = dominantFrequency(recs[0], start, 1);
    fs.copyFileSync(recs[0], path.join(ARTIFACTS, 'e2e', SUITE, 'page-baresip-uac-dec.wav'));
    assert.ok(Math.abs(hz - 1000) <= TONE_TOLERANCE_HZ, `the caller recorded ${hz} Hz at ${start.toFixed(1)} s (expected 1000)`);
    assert.ok(lv.rmsDb >= ECHO_MIN_DB, `the caller's recording is ${lv.rmsDb} dBFS (at least ${ECHO_MIN_DB} expected)`);
    console.log(`# page inbound: page heard ${fmt(heard)}; baresip recorded ${hz} Hz at ${lv.rmsDb.toFixed(1)} dBFS`);
  } finally {
    if (uac) { await uac.stop(); uac.cleanup(); }
    await p.finish();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('(g) user=alice in two tabs: both Decline, the caller gets 486 Busy Here', { timeout: TEST_MS }, async () => {
  const tabs = await aliceTabs();
  const caller = await sipCaller(gw.sipPort);
  try {
    await caller.invite();
    for (const p of tabs) await waitStatus(p, /^Incoming call from/, `${p.name} rings`);
    await tabs[0].page.click('#declineBtn');
    await waitStatus(tabs[0], new RegExp(`^Call from \\${CALLER} declined\\.$`), 'alice-1 declined');
    assert.equal((await ringState(tabs[0])).ringing, false, 'alice-1 stopped ringing');
    await sleep(500);
    assert.ok(!caller.received.some((m) => m.status >= 300), 'no final answer while alice-2 still rings');
    assert.equal((await ringState(tabs[1])).ringing, true, 'alice-2 still rings');
    await tabs[1].page.click('#declineBtn');
    const r = await caller.final('486 after both declined');
    assert.equal(r.status, 486, r.first);
    await shot(tabs[1], '14-declined');
  } finally {
    await caller.close();
    for (const p of tabs) await p.finish();
  }
});

test('(h) the ops page tolerates what /api/calls may answer: 404, 401, another shape, no answer', { timeout: TEST_MS }, async () => {
  const b = await theBrowser();
  const ops = await b.openPage(`${gw.http}/ops.html`, 'ops-tolerant');
  try {
    await ops.eval(() => { document.getElementById('e2e-log').hidden = true; });
    let answer = { status: 404, body: '{"error":"not-found"}' };
    await ops.page.route('**/api/calls', (route) => (answer === null ? route.abort('connectionrefused')
      : route.fulfill({ status: answer.status, contentType: 'application/json', body: answer.body })));
    const shown = (id, text, what) => ops.waitFor(what, ([i, t]) => document.getElementById(i).textContent.includes(t), [id, text], 5000);

    await shown('opsEmpty', 'statistics not available yet', '404');
    assert.equal(await ops.eval(() => document.getElementById('opsTableWrap').hidden), true);
    await shot(ops, '15-ops-404');

    answer = { status: 401, body: '{"error":"unauthorized"}' };
    await shown('opsEmpty', '?token=', '401');

    // Legs as an array, extra members, a missing value.
    answer = { status: 200, body: JSON.stringify({ calls: [{ id: 'x9', to: '+1555', duration_s: 75.4, legs: [
      { leg: 'browser', codec: 'opus', packets_sent: 10, packets_received: 9, packets_lost: 1, loss_pct: 10,
        jitter_ms: 3.14, rtt_ms: null, mos: 3.1, future_field: { a: 1 } }] }] }) };
    await ops.waitFor('array legs rendered', () => document.querySelectorAll('#calls tbody tr').length === 1, null, 5000);
    const row = await ops.eval(() => [...document.querySelector('#calls tbody tr').cells].map((c) => c.textContent));
    assert.deepEqual(row.slice(0, 12), ['x9to +15551:15', 'browser', 'opus', '10', '9', '1', '10.00', '3.1', '–', '3.10', '–', '–']);
    assert.match(row[12], /loss now 10\.0%.*jitter now 3 ms.*MOS now 3\.10/, 'the history column charts what it got');
    assert.equal(await ops.eval(() => document.querySelector('#calls tbody tr').cells[9].className), 'mos--poor');

    answer = null;   // the gateway is gone
    await shown('opsState', 'Cannot read /api/calls', 'no answer');
    assert.match(await ops.eval(() => document.getElementById('opsState').className), /ops__state--error/);
  } finally {
    await ops.finish();
  }
});
