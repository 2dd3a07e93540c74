'use strict';
// Hostile clients (issue #8): SIP scanners, garbage on every port, and resource leaks.
//
//  - SIPVicious (Debian sipvicious: svmap, svwar, svcrack) from 127.0.0.2 against the SIP port:
//    svmap may fingerprint (the User-Agent carries no version), svwar finds no extension, svcrack
//    finds no password, the scanner ends up blocked ([sip] block_after_failures) with one log line,
//    and a call from 127.0.0.1 (the trunk's address) still works.
//  - No enumeration: a known DID with nobody registered and an unknown DID get the same answer;
//    REGISTER gets the same answer for every user.
//  - Random and malformed bytes (fixed seed) at the SIP UDP/TCP port, the WebSocket port (raw
//    garbage, garbage after an upgrade, an oversized frame) and both media ports of a live call:
//    the gateway stays up, the call keeps its audio, and a new call works afterwards.
//  - fd and RSS: after a series of calls /proc/<pid>/fd is back to its count after the first call,
//    and RSS has grown by less than a stated tolerance (figures printed).
//
// Every scan is bounded (extension ranges, --maximumtime, timeout(1)), every loop by count and
// time. Everything runs inside this file's network namespace (tests/e2e/netns-run.sh): 127.0.0.2
// is another address of the same loopback, so blocking it leaves 127.0.0.1 alone.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { launchBrowser, WEB_ROOT } = require('../lib/browser');
const S = require('../lib/sipp');

const SUITE = 'hostile';
const NUMBER = '+15558675309';
const DID = '+15551230000';
const SCANNER = '127.0.0.2';
const STEP_MS = 10000;
const TEST_MS = 120000;

let browser;
test.before(async () => { browser = await launchBrowser({ name: SUITE }); });
test.after(async () => { if (browser) await browser.close(); });

const run = (t, fn) => S.sipCase(t, { browser, suite: SUITE }, fn);

function config(port, { sip = {}, trunk = {}, extra = {} } = {}) {
  return {
    server: { web_root: WEB_ROOT },
    sip: { t1_ms: 100, ...sip },
    trunk: { proxy: `sip:127.0.0.1:${port}`, srtp: 'off', options_interval: 0, ...trunk },
    routes: { [DID]: 'alice' },
    ...extra,
  };
}

// Runs a program, bounded by timeout(1) and a kill from here; resolves with its output.
function runTool(cmd, args, { timeoutS = 30, cwd } = {}) {
  return new Promise((resolve) => {
    execFile('timeout', ['-k', '2', String(timeoutS), cmd, ...args], { cwd, timeout: (timeoutS + 5) * 1000,
      maxBuffer: 4 << 20 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, out: `${stdout}${stderr}` }));
  });
}

// One SIP request over UDP from `src`; resolves with the final response's first line and text
// (or null when nothing final came within ms). A final answer to an INVITE is ACKed first.
let seq = 0;
function sipRequest({ port, method, user, src = '127.0.0.1', sdp = null, ms = 1500 }) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    let closed = false;
    const done = (v) => { clearTimeout(timer); if (!closed) { closed = true; sock.close(); } resolve(v); };
    const timer = setTimeout(() => done(null), ms);
    const id = `${process.pid}-${++seq}`;
    let lp = 0;
    const head = (m, to) => `${m} sip:${user}@127.0.0.1:${port} SIP/2.0\r\n`
      + `Via: SIP/2.0/UDP ${src}:${lp};branch=z9hG4bK-${id};rport\r\n`
      + `From: <sip:scan@${src}>;tag=t${id}\r\nTo: ${to}\r\nCall-ID: ${id}@${src}\r\n`
      + `CSeq: 1 ${m}\r\nContact: <sip:scan@${src}:${lp}>\r\nMax-Forwards: 70\r\n`;
    sock.on('message', (buf) => {
      const text = buf.toString('latin1');
      const first = text.split('\r\n')[0];
      if (!/^SIP\/2\.0 [2-6]\d\d/.test(first) || closed) return;
      if (method === 'INVITE' && !/^SIP\/2\.0 2/.test(first)) {
        const to = (/\r\nTo: ([^\r]*)/i.exec(text) || [])[1] || `<sip:${user}@127.0.0.1>`;
        sock.send(`${head('ACK', to)}Content-Length: 0\r\n\r\n`, port, '127.0.0.1', () => done({ first, text }));
      } else {
        done({ first, text });
      }
    });
    sock.bind(0, src, () => {
      lp = sock.address().port;
      const body = sdp || '';
      sock.send(head(method, `<sip:${user}@127.0.0.1>`) + (sdp ? 'Content-Type: application/sdp\r\n' : '')
        + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, port, '127.0.0.1');
    });
  });
}

// SIPVicious 0.3.3's svwar and svcrack ignore -b (their main() never passes it on), so their
// sockets would bind the wildcard address and send from 127.0.0.1. This shim runs the tool with
// socket.bind() pointed at the scanner's address instead (with Debian's python3, which the package is for).
const SHIM = `import importlib, socket, sys
addr = sys.argv[1]
_bind = socket.socket.bind
def bind(self, a):
    if isinstance(a, tuple) and a[0] in ('', '0.0.0.0'):
        a = (addr,) + tuple(a[1:])
    return _bind(self, a)
socket.socket.bind = bind
sys.path.insert(0, '/usr/share/sipvicious')
sys.argv = sys.argv[2:]
sys.exit(importlib.import_module('sipvicious.' + sys.argv[0]).main())`;
const scanner = (tool, args, opts) => runTool('/usr/bin/python3', ['-c', SHIM, SCANNER, tool, '-x', SCANNER, ...args], opts);

const PCMU_SDP = (port) => `v=0\r\no=scan 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
  + `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;

async function placeAnswered(page, id) {
  const info = await S.placeCall(page, { id, to: NUMBER });
  assert.ok(!info.error, `call ${id} refused: ${JSON.stringify(info.error)}`);
  await S.waitMessage(page, id, 'answered', STEP_MS);
  await page.waitConnected(id, STEP_MS);
}

// ---------------------------------------------------------------------------------------------

test('SIPVicious from 127.0.0.2: svmap sees no version, svwar and svcrack find nothing, the scanner is '
  + 'blocked (one log line), and a call from 127.0.0.1 still works', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_answer.xml', timeoutS: 90 });
    const gw = await ctx.gateway(config(s.port, { sip: { block_after_failures: 5, block_window_s: 60, block_seconds: 600 } }));
    const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'gwscan-'));
    ctx.defer(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const common = ['-b', SCANNER, '-p', String(gw.sipPort)];

    const map = await scanner('svmap', [...common, '127.0.0.1'], { cwd: tmp, timeoutS: 20 });
    t.diagnostic(`svmap:\n${map.out}`);
    const ua = (new RegExp(`127\\.0\\.0\\.1:${gw.sipPort}\\s*\\|\\s*([^|]*?)\\s*\\|`).exec(map.out) || [])[1];
    assert.ok(ua !== undefined, `svmap found the gateway:\n${map.out}`);
    assert.doesNotMatch(ua, /\d+\.\d+/, 'the User-Agent svmap sees carries no version number');

    const war = await scanner('svwar', [...common, '-e', '100-140,1000', '--maximumtime', '5', '127.0.0.1'],
      { cwd: tmp, timeoutS: 30 });
    t.diagnostic(`svwar (REGISTER):\n${war.out}`);
    assert.match(war.out, /found nothing/, 'svwar REGISTER found no extension');

    const words = path.join(tmp, 'words');
    fs.writeFileSync(words, ['1234', 'password', 'secret', 'gw-secret-1', '0000'].join('\n') + '\n');
    const crack = await scanner('svcrack', [...common, '-u', '100', '-d', words, '127.0.0.1'], { cwd: tmp, timeoutS: 30 });
    t.diagnostic(`svcrack:\n${crack.out}`);
    assert.match(crack.out, /found nothing/, 'svcrack found no password');
    assert.doesNotMatch(crack.out, /\|\s*100\s*\|\s*\S+/, 'no cracked extension in a table');

    const warInv = await scanner('svwar', [...common, '-m', 'INVITE', '--force', '-e', '100-160', '--maximumtime', '5', '127.0.0.1'],
      { cwd: tmp, timeoutS: 40 });
    t.diagnostic(`svwar (INVITE):\n${warInv.out}`);
    assert.doesNotMatch(warInv.out, /\|\s*1[0-6]\d\s*\|/, 'svwar INVITE found no extension');

    const blockLine = /SIP guard: blocked 127\.0\.0\.2 for 600 s after 5 failures/;
    assert.match(gw.log(), blockLine, 'one log line says the scanner is blocked');
    assert.equal(gw.log().split('\n').filter((l) => blockLine.test(l)).length, 1, 'and only one');
    // Blocked: dropped without an answer; 127.0.0.1 is still answered.
    assert.equal(await sipRequest({ port: gw.sipPort, method: 'OPTIONS', user: 'x', src: SCANNER }), null,
      'the blocked scanner gets no answer');
    const ok = await sipRequest({ port: gw.sipPort, method: 'OPTIONS', user: 'x', src: '127.0.0.1' });
    assert.match(ok && ok.first, /^SIP\/2\.0 200/, '127.0.0.1 still gets 200 to OPTIONS');
    assert.doesNotMatch(ok.text, /\r\n(Server|User-Agent):[^\r]*\d+\.\d+/i, 'no version in Server/User-Agent');

    // A real call through the trunk (SIPp on 127.0.0.1) still works.
    const page = await ctx.open();
    await placeAnswered(page, 'c1');
    assert.ok((await page.hangup('c1')).ok);
    const r = await s.finish(STEP_MS);
    assert.equal(r.code, 0, `SIPp: ${r.what}`);
  }));

test('no enumeration: known DID with nobody registered and unknown DID get the same answer; REGISTER gets '
  + 'the same answer for every user; outside allowed_sources everything is 403', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_answer.xml', timeoutS: 60 });
    const gw = await ctx.gateway(config(s.port, { sip: { block_after_failures: 0 } }));
    const sdp = PCMU_SDP(await S.freeMediaPort());
    const answers = {};
    const texts = [];
    for (const src of ['127.0.0.1', SCANNER]) {
      for (const user of [DID, '+15550000001', 'alice', 'nobody']) {
        const inv = await sipRequest({ port: gw.sipPort, method: 'INVITE', user, src, sdp, ms: 4000 });
        const reg = await sipRequest({ port: gw.sipPort, method: 'REGISTER', user, src });
        answers[`${src} INVITE ${user}`] = inv && inv.first;
        answers[`${src} REGISTER ${user}`] = reg && reg.first;
        texts.push(inv ? inv.text : '', reg ? reg.text : '');
      }
    }
    t.diagnostic(JSON.stringify(answers, null, 1));
    const pick = (re) => [...new Set(Object.entries(answers).filter(([k]) => re.test(k)).map(([, v]) => v))];
    assert.deepEqual(pick(/^127\.0\.0\.1 INVITE/), ['SIP/2.0 480 Temporarily Unavailable'],
      'from the trunk: the same 480 for a routed DID nobody answers and for unknown numbers');
    assert.deepEqual(pick(/^127\.0\.0\.2 INVITE/), ['SIP/2.0 403 Forbidden'], 'from outside: 403 for all');
    assert.deepEqual(pick(/REGISTER/), ['SIP/2.0 405 Method Not Allowed'], 'REGISTER: the same 405 for every user');
    for (const text of texts) assert.doesNotMatch(text, /\r\nAllow:[^\r]*REGISTER/i, `Allow offers no REGISTER:\n${text}`);
    await s.stop();
  }));

test('a block ends after block_seconds with one log line, and the source is answered again', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const s = await ctx.sipp({ scenario: 'uas_answer.xml', timeoutS: 30 });
    const gw = await ctx.gateway(config(s.port, { sip: { block_after_failures: 3, block_window_s: 10, block_seconds: 2 } }));
    for (let i = 0; i < 3; i++) {
      const r = await sipRequest({ port: gw.sipPort, method: 'REGISTER', user: `u${i}`, src: SCANNER });
      assert.match(r && r.first, /^SIP\/2\.0 405/);
    }
    assert.match(gw.log(), /SIP guard: blocked 127\.0\.0\.2 for 2 s after 3 failures in 10 s/);
    assert.equal(await sipRequest({ port: gw.sipPort, method: 'OPTIONS', user: 'x', src: SCANNER }), null);
    let back = null;
    for (let i = 0; i < 10 && !(back && back.first); i++) {
      await S.sleep(500);
      back = await sipRequest({ port: gw.sipPort, method: 'OPTIONS', user: 'x', src: SCANNER, ms: 500 });
    }
    assert.match(back && back.first, /^SIP\/2\.0 200/, 'answered again after the block');
    assert.match(gw.log(), /SIP guard: unblocked 127\.0\.0\.2: its block of 2 s ended/);
    // The trunk's own address (127.0.0.1, the proxy) is never blocked, whatever arrives "from" it:
    // a forged source address must not cut the gateway off its trunk.
    for (let i = 0; i < 6; i++) await sipRequest({ port: gw.sipPort, method: 'REGISTER', user: `t${i}`, src: '127.0.0.1' });
    assert.doesNotMatch(gw.log(), /SIP guard: blocked 127\.0\.0\.1/);
    const trunk = await sipRequest({ port: gw.sipPort, method: 'OPTIONS', user: 'x', src: '127.0.0.1' });
    assert.match(trunk && trunk.first, /^SIP\/2\.0 200/, 'the trunk is still answered');
    await s.stop();
  }));

// ---------------------------------------------------------------------------------------------
// Garbage. A small deterministic PRNG (mulberry32) so that a failure reproduces with the same bytes.

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = 0x5eed08;

function bytes(rnd, n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

// Garbage that looks like the start of each protocol the media ports demultiplex (RFC 7983):
// STUN (0-3), DTLS (20-63), RTP/RTCP (128-191), cut short or with random bodies, and plain noise.
function mediaGarbage(rnd, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 6;
    const len = [1, 2, 11, 12, 20, 28, 100, 1400][Math.floor(rnd() * 8)];
    const b = bytes(rnd, len);
    if (kind === 0) { b[0] = 0x00; if (len > 1) b[1] = 0x01; }                        // STUN binding request-ish
    if (kind === 1) { b[0] = 22; if (len > 2) { b[1] = 0xfe; b[2] = 0xfd; } }          // DTLS handshake-ish
    if (kind === 2) { b[0] = 0x80; if (len > 1) b[1] = Math.floor(rnd() * 128); }      // RTP
    if (kind === 3) { b[0] = 0x80 | Math.floor(rnd() * 32); if (len > 1) b[1] = 200 + Math.floor(rnd() * 5); } // RTCP SR/RR/SDES/BYE/APP
    if (kind === 4) { b[0] = 0x90 | 0x0f; }                                              // RTP with CSRC count 15 and extension, too short
    out.push(b);
  }
  return out;
}

async function sendUdp(packets, port, { host = '127.0.0.1', src = SCANNER, perMs = 1 } = {}) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, src, r));
  for (let i = 0; i < packets.length; i++) {
    await new Promise((r) => sock.send(packets[i], port, host, () => r()));
    if (i % 50 === 49) await S.sleep(perMs * 50);
  }
  sock.close();
}

// Opens a TCP connection, writes chunks, waits a little, closes; resolves with what came back.
function tcpSession(port, chunks, { host = '127.0.0.1', holdMs = 300 } = {}) {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const sock = net.connect({ port, host });
    const finish = () => { clearTimeout(hard); sock.destroy(); resolve(got); };
    const hard = setTimeout(finish, 5000);
    sock.on('data', (d) => { got = Buffer.concat([got, d]).subarray(0, 65536); });
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (sock.destroyed) break;
        sock.write(c);
        await S.sleep(5);
      }
      setTimeout(finish, holdMs);
    });
  });
}

function wsFrame(payload, { opcode = 1, mask = true, fakeLen = null } = {}) {
  const len = fakeLen !== null ? fakeLen : payload.length;
  const head = [];
  head.push(0x80 | opcode);
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) head.push((mask ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  else { head.push((mask ? 0x80 : 0) | 127); const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); head.push(...b); }
  const key = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(head), mask ? key : Buffer.alloc(0), body]);
}

const UPGRADE = (port) => Buffer.from(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`
  + 'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');

test('garbage at the SIP, WebSocket and media ports (seeded): the gateway stays up, the live call keeps its '
  + 'audio, and a new call works afterwards', { timeout: TEST_MS }, (t) =>
  run(t, async (ctx) => {
    const rnd = prng(SEED);
    const s = await ctx.sipp({ scenario: 'uas_long.xml', tone: { hz: 600, secs: 60 }, timeoutS: 60 });
    const gw = await ctx.gateway(config(s.port, { sip: { block_after_failures: 0 } }));
    const page = await ctx.open();
    await placeAnswered(page, 'c1');
    const st0 = await page.stats('c1');
    const browserLegPort = st0.pair && st0.pair.remote.port;
    const inv = s.parsed().find((m) => m.dir === 'in' && m.method === 'INVITE');
    const trunkLegPort = Number((/^m=audio (\d+)/m.exec(inv.body) || [])[1]);
    t.diagnostic(`seed ${SEED}: browser-leg port ${browserLegPort}, trunk-leg port ${trunkLegPort}, SIP ${gw.sipPort}, WS ${gw.wsPort}`);
    assert.ok(browserLegPort > 0 && trunkLegPort > 0, JSON.stringify(st0));

    // SIP over UDP: random bytes, truncated and mangled requests.
    const sipText = `INVITE sip:${NUMBER}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5060\r\nContent-Length: 99999\r\n\r\n`;
    const sipUdp = [];
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) sipUdp.push(bytes(rnd, 1 + Math.floor(rnd() * 1500)));
      else if (i % 3 === 1) sipUdp.push(Buffer.from(sipText.slice(0, Math.floor(rnd() * sipText.length))));
      else { const b = Buffer.from(sipText); for (let k = 0; k < 8; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256); sipUdp.push(b); }
    }
    await sendUdp(sipUdp, gw.sipPort);
    // SIP over TCP: garbage, a header line without end, a huge Content-Length.
    for (let i = 0; i < 10; i++) await tcpSession(gw.sipPort, [bytes(rnd, 2000)]);
    await tcpSession(gw.sipPort, [Buffer.from(sipText), bytes(rnd, 3000)]);
    await tcpSession(gw.sipPort, [Buffer.from('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: ' + 'A'.repeat(70000))]);

    // WebSocket port: raw garbage, garbage after a valid upgrade, an oversized frame, a frame that
    // claims 2^40 bytes, a control frame longer than 125, and bad UTF-8 in a text frame.
    for (let i = 0; i < 10; i++) await tcpSession(gw.wsPort, [bytes(rnd, 1 + Math.floor(rnd() * 4000))]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), bytes(rnd, 4000)]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), wsFrame(Buffer.alloc(300000, 0x41))]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), wsFrame(Buffer.alloc(10), { fakeLen: 2 ** 40 })]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), wsFrame(Buffer.alloc(200), { opcode: 9 })]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), wsFrame(Buffer.from([0xff, 0xfe, 0x7b]))]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), wsFrame(Buffer.from('{"type":"call","to":'))]);
    await tcpSession(gw.wsPort, [UPGRADE(gw.wsPort), wsFrame(Buffer.from('x'), { mask: false })]);
    await tcpSession(gw.wsPort, [Buffer.from('GET /' + 'a'.repeat(20000) + ' HTTP/1.1\r\n\r\n')]);

    // Media ports of the live call: the browser leg (ICE/DTLS/SRTP) and the trunk leg (RTP).
    const before = (await page.stats('c1')).inbound.packetsReceived;
    await sendUdp(mediaGarbage(rnd, 600), browserLegPort);
    await sendUdp(mediaGarbage(rnd, 600), trunkLegPort);
    // Also from the trunk's own address (127.0.0.1), as a spoofer would.
    await sendUdp(mediaGarbage(rnd, 300), trunkLegPort, { src: '127.0.0.1' });
    await S.sleep(1500);

    const st1 = await page.stats('c1');
    assert.equal(gw.child.exitCode, null, 'the gateway is still running');
    assert.equal(st1.connectionState, 'connected', JSON.stringify(st1));
    assert.ok(st1.inbound.packetsReceived > before + 40,
      `the live call still carries audio (${before} -> ${st1.inbound.packetsReceived} packets)`);
    // ... and what it carries is still the trunk's 600 Hz, not garbage that got through.
    const a = await page.analyse('c1', { windowMs: 700 });
    const heard = `peak ${a.peakHz} Hz, ${a.rmsDb && a.rmsDb.toFixed(1)} dBFS, share ${a.toneShare && a.toneShare.toFixed(2)}`;
    t.diagnostic(`after the garbage the page hears ${heard}`);
    assert.ok(!a.error && Math.abs(a.peakHz - 600) <= 20 && a.rmsDb >= -30 && a.toneShare >= 0.5,
      `the trunk's 600 Hz in the page after the garbage: ${heard}`);
    const words = S.eventWords(await S.callMessages(page, 'c1'));
    assert.ok(!words.some((w) => w.startsWith('hangup')), `the live call was not torn down: ${words.join(' ')}`);
    assert.equal(s.parsed().filter((m) => m.dir === 'in' && m.method === 'BYE').length, 0, 'no BYE to the trunk');
    const health = await (await fetch(`${gw.http}/healthz`)).json();
    assert.equal(health.status, 'ok');
    assert.ok((await page.hangup('c1')).ok);

    // Afterwards: SIP still answers, and a new call (echo: the browser leg, ICE/DTLS/SRTP, which the
    // garbage aimed at) connects. The SIPp trunk takes one call only.
    const opt = await sipRequest({ port: gw.sipPort, method: 'OPTIONS', user: 'x', src: '127.0.0.1' });
    assert.match(opt && opt.first, /^SIP\/2\.0 200/, 'SIP still answers');
    const info = await page.call({ to: 'echo', id: 'e1', timeoutMs: STEP_MS });
    await page.waitConnected(info.id, STEP_MS);
    assert.ok((await page.hangup(info.id)).ok);
  }));

// ---------------------------------------------------------------------------------------------
// fd and RSS after a series of calls.

function fdCount(pid) { return fs.readdirSync(`/proc/${pid}/fd`).length; }
function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
function isAsan(pid) {
  try { return /libasan|asan/.test(fs.readFileSync(`/proc/${pid}/maps`, 'utf8')); } catch (_) { return false; }
}

test('fd count returns to its baseline and RSS stays within tolerance over 10 echo and 5 demo far-end calls',
  { timeout: 180000 }, async (t) => {
    // ASan keeps freed memory in a quarantine (256 MiB by default), which would swamp the figure:
    // keep it small so that RSS still says something under ASan.
    const saved = process.env.ASAN_OPTIONS;
    process.env.ASAN_OPTIONS = `${saved ? `${saved}:` : ''}quarantine_size_mb=4:thread_local_quarantine_size_kb=64`;
    const { startGateway } = require('../lib/gateway');
    const gw = await startGateway({ name: `e2e-${SUITE}-fd-rss`, config: { server: { web_root: WEB_ROOT } } });
    if (saved === undefined) delete process.env.ASAN_OPTIONS; else process.env.ASAN_OPTIONS = saved;
    const page = await browser.openPage(`${gw.http}/`, t.name);
    try {
      assert.equal((await page.connect(gw.url)).type, 'welcome');
      const asan = isAsan(gw.pid);
      const tolKiB = (asan ? 16 : 10) * 1024;
      const oneCall = async (to, id) => {
        const info = to === 'echo' ? await page.call({ to, id, timeoutMs: STEP_MS })
          : await S.placeCall(page, { id, to });
        assert.ok(!info.error, JSON.stringify(info.error));
        await page.waitConnected(id, STEP_MS);
        await S.sleep(500);
        assert.ok((await page.hangup(id)).ok);
      };
      const settle = async (want) => {
        // fds close as workers finish each call's teardown: poll (bounded) until back at want.
        let n = fdCount(gw.pid);
        for (let i = 0; i < 50 && n > want; i++) { await S.sleep(100); n = fdCount(gw.pid); }
        return n;
      };
      const fdStart = fdCount(gw.pid);
      await oneCall('echo', 'warm');
      await S.sleep(1000);
      const fdBase = await settle(fdStart);
      const rssBase = rssKiB(gw.pid);
      const calls = [];
      for (let i = 0; i < 10; i++) calls.push(['echo', `e${i}`]);
      for (let i = 0; i < 5; i++) calls.push([`+1555000${1000 + i}`, `d${i}`]);
      const perCall = [];
      for (const [to, id] of calls) {
        await oneCall(to, id);
        perCall.push(fdCount(gw.pid));
      }
      await S.sleep(1000);
      const fdEnd = await settle(fdBase);
      const rssEnd = rssKiB(gw.pid);
      const grow = rssEnd - rssBase;
      const figures = `fd: ${fdStart} at start, ${fdBase} after the first call, ${fdEnd} after ${calls.length} more `
        + `(during: ${perCall.join(' ')}); RSS: ${(rssBase / 1024).toFixed(1)} MiB after the first call, `
        + `${(rssEnd / 1024).toFixed(1)} MiB after the series (${grow >= 0 ? '+' : ''}${(grow / 1024).toFixed(1)} MiB; `
        + `tolerance ${tolKiB / 1024} MiB${asan ? ', ASan build with a 4 MiB quarantine' : ''})`;
      t.diagnostic(figures);
      console.log(`hostile fd/RSS: ${figures}`);
      assert.ok(fdEnd <= fdBase, `fds back to the baseline (a leak of one per call would show +${calls.length}): ${figures}`);
      assert.ok(grow < tolKiB, `RSS growth within tolerance: ${figures}`);
    } finally {
      try {
        await page.eval(() => Promise.all(Object.values(window.e2e.calls)
          .filter((c) => c.state !== 'ended').map((c) => c.hangup().catch(() => null))));
      } catch (_) { /* page gone */ }
      await page.finish();
      await gw.stop();
    }
  });

// ---------------------------------------------------------------------------------------------
// Draining (admission by worker CPU is in ops.test.js).

test('draining: after SIGTERM, while a call is still being torn down, /healthz answers 503 "draining"',
  { timeout: TEST_MS }, async (t) => {
    const { startGateway } = require('../lib/gateway');
    // A trunk that swallows everything: the CANCEL at shutdown is never answered, so the gateway
    // stays up for its shutdown grace (1.5 s) with the call going away.
    const hole = dgram.createSocket('udp4');
    await new Promise((r) => hole.bind(0, '127.0.0.1', r));
    const port = hole.address().port;
    const gw = await startGateway({ name: `e2e-${SUITE}-draining`,
      config: { server: { web_root: WEB_ROOT }, sip: { t1_ms: 500 },
                trunk: { proxy: `sip:127.0.0.1:${port}`, srtp: 'off', options_interval: 0 } } });
    const page = await browser.openPage(`${gw.http}/`, t.name);
    try {
      assert.equal((await page.connect(gw.url)).type, 'welcome');
      const invite = new Promise((r) => hole.once('message', r));
      page.eval(([to]) => window.e2e.client.call(to, { id: 'd1', trickle: true }).catch(() => null), [NUMBER]).catch(() => null);
      await Promise.race([invite, S.sleep(STEP_MS)]);
      const h0 = await fetch(`${gw.http}/healthz`);
      assert.equal(h0.status, 200);
      process.kill(gw.pid, 'SIGTERM');
      const seen = [];
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        try {
          const r = await fetch(`${gw.http}/healthz`);
          seen.push(`${r.status} ${(await r.json()).status}`);
          if (r.status === 503) break;
        } catch (e) { seen.push('refused'); break; }
        await S.sleep(20);
      }
      t.diagnostic(`healthz after SIGTERM: ${seen.join(', ')}`);
      assert.ok(seen.includes('503 draining'), `healthz said 503 draining: ${seen.join(', ')}`);
      const r = await Promise.race([gw.exited, S.sleep(5000).then(() => null)]);
      assert.ok(r && r.code === 0, `exited 0 after draining: ${JSON.stringify(r)}`);
    } finally {
      await page.finish();
      await gw.stop();
      hole.close();
    }
  });
