'use strict';
// SIPp (Debian sip-tester 3.6.1) as a scripted SIP peer for the e2e suite (shared/testing.md 3a).
//
//   const s = await startSipp({ name: 'uas_486', scenario: 'uas_486.xml', artifacts });
//   ... the gateway sends its INVITE to sip:127.0.0.1:<s.port> ...
//   const r = await s.done;          // { code, signal, messages, ... } once SIPp has exited
//   assert.equal(r.code, 0);         // 0: the scenario passed; 1: it failed; see r.errors
//   await s.stop();                  // by PID; a no-op once it has exited
//
// Every run is bounded: -m 1 (one call), -timeout (SIPp quits by itself, counted as a failure
// with -timeout_error), and a SIGKILL from here a few seconds after that. SIPp runs in the
// caller's network namespace (the e2e tests run inside tests/e2e/netns-run.sh) and binds only
// the address it is given (-i with -bind_local), 127.0.0.1 or another 127.x address.
//
// SIPp 3.6.1 has no SRTP: scenarios here speak plain RTP/AVP, so the gateway's [trunk] srtp must
// be off (or optional) toward them.
//
// The rest of this file is what the sip_*.test.js files share: parseMessageLog/summary (SIPp's
// message log), digestOk (recomputes an Authorization digest), placeCall/callMessages/eventWords/
// waitMessage (the page's side of a call, through tests/lib/browser.js), rtpSink (an RTP receiver
// here that decodes PCMU and finds its tone) and sipCase (one test case: SIPp peers, gateway and
// page started through it are all stopped by PID at the end, and a failure message gets the
// page's protocol messages, each SIPp's message summary and the gateway's SIP log lines).
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, ARTIFACTS } = require('./gateway');

const SIPP = process.env.SIPP_BIN || 'sipp';
const SCENARIOS = path.resolve(__dirname, '../sipp');

// Exit codes of SIPp 3.6.
const EXIT_WORDS = {
  0: 'all calls succeeded', 1: 'at least one call failed', 97: 'exit on internal command',
  99: 'normal exit without calls processed', 255: 'fatal error', 254: 'fatal error binding a socket',
};

function udpFree(host, port) {
  return new Promise((resolve) => {
    const u = dgram.createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, host, () => u.close(() => resolve(true)));
  });
}

// An even port p such that p..p+3 are free for UDP (SIPp's -mp takes audio RTP/RTCP and video
// RTP/RTCP). Taken from 40000-47999, away from the gateway's default RTP range (20000-29999).
let mediaCursor = 40000 + 4 * Math.floor(Math.random() * 1000);
async function freeMediaPort(host = '127.0.0.1') {
  for (let attempt = 0; attempt < 200; attempt++) {
    mediaCursor += 4;
    if (mediaCursor > 47996) mediaCursor = 40000;
    const p = mediaCursor;
    let ok = true;
    for (let i = 0; i < 4 && ok; i++) ok = await udpFree(host, p + i);
    if (ok) return p;
  }
  throw new Error('no free media port block in 40000-47999');
}

// Resolves once something has bound host:port for UDP (the bind fails), or false after ms.
async function waitUdpBound(host, port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await udpFree(host, port))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function safeName(s) {
  return String(s).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);
}

// Raw 8 kHz µ-law (no header: rtp_stream would send a WAV header as audio), for
// <exec rtp_stream="FILE,-1,0"/>. SIPp opens it relative to its working directory.
function makeUlawTone(file, { hz = 600, secs = 60, vol = 0.5 } = {}) {
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-t', 'ul', file, 'synth', String(secs), 'sine', String(hz),
    'vol', String(vol)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

// Starts SIPp with tests/sipp/<scenario>. Options:
//   name         artifact file prefix (default: the scenario's name)
//   artifacts    folder for <name>.messages.log, <name>.errors.log and <name>.out.log
//   ip, port     local SIP address (default 127.0.0.1, a free port)
//   mediaPort    -mp (default: a free block of 4)
//   remote       "host:port" to send to (UAC scenarios); none for a UAS
//   service      -s, the user part of the request URI (UAC)
//   keys         { name: value } given as -key name value: [name] in the scenario
//   cwd          working directory (relative rtp_stream files); default a fresh temp folder
//   tone         { hz, secs }: writes tone.ul (raw PCMU) there first, for <exec rtp_stream="tone.ul,-1,0"/>
//   timeoutS     -timeout (default 30): SIPp gives up and fails after this
//   args         more SIPp arguments
// Resolves once SIPp has bound its SIP port (a UAS is ready to be called then).
async function startSipp({ name, scenario, artifacts = path.join(ARTIFACTS, 'e2e', 'sipp'), ip = '127.0.0.1',
                           port = null, mediaPort = null, remote = null, service = null, keys = {}, cwd = null,
                           tone = null, timeoutS = 30, args = [] } = {}) {
  const sf = path.isAbsolute(scenario) ? scenario : path.join(SCENARIOS, scenario);
  if (!fs.existsSync(sf)) throw new Error(`no SIPp scenario ${sf}`);
  name = safeName(name || path.basename(sf, '.xml'));
  fs.mkdirSync(artifacts, { recursive: true });
  port = port || await freePort(ip);
  mediaPort = mediaPort || await freeMediaPort(ip);
  const dir = cwd || fs.mkdtempSync(path.join(os.tmpdir(), 'gwsipp-'));
  if (tone) makeUlawTone(path.join(dir, 'tone.ul'), tone);
  const msgFile = path.join(artifacts, `${name}.messages.log`);
  const errFile = path.join(artifacts, `${name}.errors.log`);
  const outFile = path.join(artifacts, `${name}.out.log`);
  for (const f of [msgFile, errFile]) fs.rmSync(f, { force: true });
  const argv = [];
  if (remote) argv.push(remote);
  argv.push('-sf', sf, '-i', ip, '-p', String(port), '-bind_local', '-mi', ip, '-mp', String(mediaPort),
    '-m', '1', '-nostdin', '-trace_msg', '-message_file', msgFile, '-trace_err', '-error_file', errFile,
    '-timeout', `${timeoutS}s`, '-timeout_error');
  if (service) argv.push('-s', service);
  for (const [k, v] of Object.entries(keys)) argv.push('-key', k, String(v));
  argv.push(...args);
  const out = fs.openSync(outFile, 'w');
  fs.writeSync(out, `$ ${SIPP} ${argv.join(' ')}\n(cwd ${dir})\n`);
  const child = spawn(SIPP, argv, { cwd: dir, stdio: ['ignore', out, out] });
  const read = (f) => { try { return fs.readFileSync(f, 'utf8'); } catch (_) { return ''; } };
  // Bounded from here too: SIGKILL a few seconds after SIPp's own -timeout.
  const killer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch (_) {} }, (timeoutS + 5) * 1000);
  const done = new Promise((resolve) => {
    child.once('error', (e) => { clearTimeout(killer); resolve({ code: -1, signal: null, error: e.message }); });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).then((r) => {
    clearTimeout(killer);
    try { fs.closeSync(out); } catch (_) {}
    if (!cwd) fs.rmSync(dir, { recursive: true, force: true });   // the temp folder made here (tone.ul)
    const messages = read(msgFile);
    return { ...r, what: EXIT_WORDS[r.code] || (r.signal ? `killed by ${r.signal}` : `exit ${r.code}`),
             messages, parsed: parseMessageLog(messages), errors: read(errFile), out: read(outFile) };
  });
  const s = {
    child, pid: child.pid, name, ip, port, mediaPort, cwd: dir, scenario: sf, msgFile, errFile, outFile, done,
    uri: `sip:${ip}:${port}`,
    messages: () => read(msgFile),
    parsed: () => parseMessageLog(read(msgFile)),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    // Waits for SIPp to finish by itself, at most ms; then stops it. Resolves with done's value.
    async finish(ms) {
      const t = setTimeout(() => s.stop(), ms);
      const r = await done;
      clearTimeout(t);
      return r;
    },
    // Stops SIPp by PID (SIGTERM, then SIGKILL after 2 s).
    async stop() {
      if (!s.exited()) {
        try { process.kill(child.pid, 'SIGTERM'); } catch (_) {}
        const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch (_) {} }, 2000);
        await done;
        clearTimeout(t);
      }
      return done;
    },
  };
  if (!remote) {
    // A UAS must be listening before the gateway calls it.
    const bound = await waitUdpBound(ip, port, 5000);
    if (!bound) {
      await s.stop();
      throw new Error(`SIPp (${name}) did not bind ${ip}:${port} within 5 s:\n${read(outFile).slice(-2000)}`);
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// SIPp's -trace_msg log: blocks that start with a line of dashes and a timestamp, then
// "UDP message received [N] bytes :" or "UDP message sent (N bytes):", then the message.

function parseMessageLog(text) {
  const out = [];
  const blocks = String(text || '').split(/^-{20,}[^\n]*\n/m);
  for (const b of blocks) {
    const m = /^\s*(\w+) message (received|sent)[^\n]*\n+/.exec(b);
    if (!m) continue;
    const raw = b.slice(m[0].length).replace(/\r\n/g, '\n');
    const split = raw.indexOf('\n\n');
    const head = (split >= 0 ? raw.slice(0, split) : raw).split('\n');
    const body = split >= 0 ? raw.slice(split + 2).replace(/\n+$/, '') : '';
    const first = head.shift() || '';
    const headers = [];
    for (const line of head) {
      if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1][1] += ' ' + line.trim();
      else {
        const i = line.indexOf(':');
        if (i > 0) headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
      }
    }
    const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(first.trim());
    const resp = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first.trim());
    const cseq = (headers.find(([k]) => /^(cseq)$/i.test(k)) || [])[1] || '';
    out.push({
      dir: m[2] === 'received' ? 'in' : 'out', transport: m[1], first: first.trim(),
      method: req ? req[1] : null, uri: req ? req[2] : null,
      status: resp ? Number(resp[1]) : null, phrase: resp ? resp[2] : null,
      cseqMethod: (cseq.split(/\s+/)[1] || '').toUpperCase(), headers, body, raw,
      header(name) {
        const short = { 'call-id': 'i', from: 'f', to: 't', via: 'v', contact: 'm', 'content-type': 'c' }[name.toLowerCase()];
        const h = headers.find(([k]) => k.toLowerCase() === name.toLowerCase() || (short && k.toLowerCase() === short));
        return h ? h[1] : null;
      },
    });
  }
  return out;
}

// One line per message, for error messages: "in  INVITE sip:..." / "out SIP/2.0 180 Ringing".
function summary(parsed) {
  return parsed.map((m) => `${m.dir.padEnd(3)} ${m.first}${m.status ? ` (${m.cseqMethod})` : ''}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Digest (RFC 2617 / 7616 with MD5): recomputes the response of an Authorization or
// Proxy-Authorization header value from the password, so that a test knows the gateway
// answered the challenge with the right credentials.
function parseDigest(value) {
  const v = String(value || '').replace(/^\s*Digest\s+/i, '');
  const out = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g;
  let m;
  while ((m = re.exec(v))) out[m[1].toLowerCase()] = m[2] !== undefined ? m[2] : m[3];
  return out;
}

function digestOk(value, { method, password }) {
  const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
  const d = parseDigest(value);
  if (!d.username || !d.realm || !d.nonce || !d.uri || !d.response) return { ok: false, why: 'missing fields', d };
  const ha1 = md5(`${d.username}:${d.realm}:${password}`);
  const ha2 = md5(`${method}:${d.uri}`);
  const want = d.qop ? md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`) : md5(`${ha1}:${d.nonce}:${ha2}`);
  return { ok: want === d.response.toLowerCase(), want, d };
}

// ---------------------------------------------------------------------------------------------
// The page side of the sip_*.test.js files (an E2EPage from tests/lib/browser.js).

// Places a call through web/gateway-client.js with the page's microphone (PCMU forced by
// default, since transcoding from Opus may not be there), optionally with X- headers.
// Resolves with the call's info once client.call() has resolved, or once the call has ended
// (a trunk that refuses at once can end it before the answer is applied), or with { error, info }
// when the gateway refused the call or nothing happened within timeoutMs (+2 s).
async function placeCall(page, { id = 'c1', to, headers = null, codec = 'PCMU', timeoutMs = 15000 } = {}) {
  return page.eval(async ([id, to, headers, codec, timeoutMs]) => {
    const e2e = window.e2e;
    const mic = await e2e.getMic();
    e2e.setMicEnabled(true);
    const opts = { id, stream: mic, codec, trickle: true, timeoutMs };
    if (headers) opts.headers = headers;
    let timer;
    try {
      const placing = e2e.client.call(to, opts);
      const call = e2e.calls[id];   // e2e.watch ran on the client's synchronous "outgoing" event
      // client.call() can stay pending when the call ends while setRemoteDescription runs (the
      // pc is closed under it), so the call's end settles this too.
      const r = await Promise.race([
        placing.then(() => 'placed'),
        call ? call.ended.then(() => 'ended') : new Promise(() => {}),
        new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs + 2000); }),
      ]);
      if (r === 'timeout') return { error: { code: 'timeout', message: `call() not settled in ${timeoutMs + 2000} ms` }, info: e2e.callInfo(id) };
      return { ...e2e.callInfo(id), settled: r };
    } catch (e) {
      return { error: { code: e.code, message: e.message }, info: e2e.callInfo(id) };
    } finally {
      clearTimeout(timer);
    }
  }, [id, to, headers, codec, timeoutMs]);
}

// The gateway -> page messages about call `id` that tell its progress (no sdp, no candidates),
// each with t: when the page got it (performance.now(), ms).
const CALL_EVENTS = ['progress', 'answered', 'hangup', 'held', 'resumed', 'incoming', 'answer', 'error'];
async function callMessages(page, id) {
  const wire = await page.eval(([i, types]) => window.e2e.wire
    .filter((w) => w.dir === 'in' && w.m.call === i && types.includes(w.m.type))
    .map((w) => ({ ...w.m, sdp: w.m.sdp ? `<${w.m.sdp.length} bytes>` : undefined, t: w.t })), [id, CALL_EVENTS]);
  return wire.map((m) => { if (m.sdp === undefined) delete m.sdp; return m; });
}

// Short form for assertions: "progress:trying", "answered", "hangup:remote/486/busy", "held", ...
function eventWords(msgs) {
  return msgs.filter((m) => m.type !== 'answer' && m.type !== 'error').map((m) => {
    if (m.type === 'progress') return `progress:${m.status}`;
    if (m.type === 'hangup') return `hangup:${m.by}/${m.code === undefined ? '-' : m.code}/${m.reason}`;
    return m.type;
  });
}

// Waits until the page has received a message about call `id` of this type (and with these
// member values, e.g. { status: 'ringing' }); resolves with it (see callMessages).
async function waitMessage(page, id, type, timeoutMs = 10000, fields = {}) {
  const want = JSON.stringify(fields);
  await page.waitFor(`call ${id}: message "${type}" ${want}`, ([i, t, f]) => window.e2e.wire.some((w) =>
    w.dir === 'in' && w.m.call === i && w.m.type === t && Object.entries(f).every(([k, v]) => w.m[k] === v)),
  [id, type, fields], timeoutMs);
  const msgs = await callMessages(page, id);
  return msgs.find((m) => m.type === type && Object.entries(fields).every(([k, v]) => m[k] === v));
}

// The SIP-related lines of the gateway log (for failure reports), the last n.
function gatewaySipLines(gw, n = 40) {
  let text = '';
  try { text = gw.log(); } catch (_) { return '(no gateway log)'; }
  const lines = text.split('\n').filter((l) => /SIP|call \d+|trunk|hangup|refused|WARN|ERROR/.test(l));
  return lines.slice(-n).join('\n');
}

// ---------------------------------------------------------------------------------------------
// An RTP receiver in this process (for a port that a scenario puts in its SDP, e.g. uas_reinvite's
// new_media_port): counts packets per source and payload type and keeps the PCMU payload decoded,
// so that a test can tell what frequency arrived there.

function ulawToLinear(u) {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80 ? 0x84 - t : t - 0x84) / 32768;
}

// Power of one frequency in samples (Goertzel), normalised per sample.
function goertzel(samples, hz, rate = 8000) {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0, s2 = 0;
  for (const x of samples) { const s0 = x + k * s1 - s2; s2 = s1; s1 = s0; }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

// The strongest frequency of samples on a 10 Hz grid from 100 to 3500 Hz, its share of the
// total (tone vs noise), and the RMS level in dBFS.
function toneOf(samples, rate = 8000) {
  if (!samples.length) return { hz: null, share: 0, rmsDb: -Infinity, n: 0 };
  let best = 0, bestP = -1, total = 0;
  for (let f = 100; f <= 3500; f += 10) {
    const p = goertzel(samples, f, rate);
    total += p;
    if (p > bestP) { bestP = p; best = f; }
  }
  let near = 0;
  for (let f = best - 20; f <= best + 20; f += 10) near += goertzel(samples, f, rate);
  const rms = Math.sqrt(samples.reduce((a, x) => a + x * x, 0) / samples.length);
  return { hz: best, share: total > 0 ? near / total : 0, rmsDb: rms > 0 ? 20 * Math.log10(rms) : -Infinity, n: samples.length };
}

// The DTMF digits (ITU-T Q.23) in samples, in order: 20 ms windows where one low-group and one
// high-group frequency together hold most of the power (a plain tone, speech or silence does not),
// runs of at least two windows of the same digit counting once.
const DTMF_LOW = [697, 770, 852, 941];
const DTMF_HIGH = [1209, 1336, 1477, 1633];
const DTMF_KEYS = ['123A', '456B', '789C', '*0#D'];
function dtmfDigits(samples, rate = 8000) {
  const win = rate / 50;
  const out = [];
  let prev = null, run = 0;
  for (let at = 0; at + win <= samples.length; at += win) {
    const w = samples.slice(at, at + win);
    const ms = w.reduce((a, x) => a + x * x, 0) / win;
    let d = null;
    if (ms > 1e-5) {   // above about -50 dBFS
      const lo = DTMF_LOW.map((f) => goertzel(w, f, rate));
      const hi = DTMF_HIGH.map((f) => goertzel(w, f, rate));
      const li = lo.indexOf(Math.max(...lo)), hj = hi.indexOf(Math.max(...hi));
      // A sine of mean square m gives a normalised Goertzel power near m / 2.
      if (lo[li] + hi[hj] >= 0.35 * ms && Math.min(lo[li], hi[hj]) >= 0.08 * ms) d = DTMF_KEYS[li][hj];
    }
    if (d !== null && d === prev) {
      run++;
      if (run === 2) out.push(d);
    } else {
      run = d === null ? 0 : 1;
    }
    prev = d;
  }
  return out.join('');
}

async function rtpSink({ host = '127.0.0.1', port = null } = {}) {
  port = port || await freeMediaPort(host);
  const sock = dgram.createSocket('udp4');
  const sink = {
    port, packets: 0, bySource: {}, byPt: {}, samples: [], first: null, last: null,
    since(t0) { return sink.samples.filter((s) => s.t >= t0).flatMap((s) => s.pcm); },
    tone(t0 = 0) { return toneOf(sink.since(t0)); },
    dtmf(t0 = 0) { return dtmfDigits(sink.since(t0)); },
    close() { return new Promise((r) => { try { sock.close(r); } catch (_) { r(); } }); },
  };
  sock.on('message', (buf, rinfo) => {
    if (buf.length < 12 || (buf[0] >> 6) !== 2) return;
    const pt = buf[1] & 0x7f;
    const cc = buf[0] & 0x0f;
    const now = Date.now();
    sink.packets++;
    sink.first = sink.first || now;
    sink.last = now;
    const src = `${rinfo.address}:${rinfo.port}`;
    sink.bySource[src] = (sink.bySource[src] || 0) + 1;
    sink.byPt[pt] = (sink.byPt[pt] || 0) + 1;
    if (pt === 0) {
      const pcm = [];
      for (let i = 12 + 4 * cc; i < buf.length; i++) pcm.push(ulawToLinear(buf[i]));
      sink.samples.push({ t: now, pcm });
      if (sink.samples.length > 1500) sink.samples.shift();
    }
  });
  await new Promise((resolve, reject) => { sock.once('error', reject); sock.bind(port, host, resolve); });
  return sink;
}

// ---------------------------------------------------------------------------------------------
// One SIP e2e case: fn(ctx) starts what it needs through ctx (SIPp peers, the gateway, the page);
// whatever happens, everything is stopped by PID afterwards, and a failure's message gets the
// gateway's SIP log lines, each SIPp's message summary and the page's protocol messages.
//   ctx.sipp(opts)        startSipp with the case's artifact folder and name prefix
//   ctx.gateway(config)   startGateway named e2e-<suite>-<case> (log in the artifacts folder)
//   ctx.open()            a page of the browser on the gateway, connected (welcome checked)
//   ctx.defer(fn)         more cleanup (run first, in reverse order)
async function sipCase(t, { browser, suite }, fn) {
  const caseName = safeName(t.name).slice(0, 60);
  const ctx = {
    suite, caseName, peers: [], gw: null, page: null, cleanups: [],
    artifacts: path.join(ARTIFACTS, 'e2e', suite),
    async sipp(o) {
      const s = await startSipp({ artifacts: ctx.artifacts, ...o,
        name: `${caseName}.${o.name || path.basename(o.scenario, '.xml')}` });
      ctx.peers.push(s);
      return s;
    },
    async gateway(config) {
      const { startGateway } = require('./gateway');
      ctx.gw = await startGateway({ name: `e2e-${suite}-${caseName}`, config });
      return ctx.gw;
    },
    async open() {
      ctx.page = await browser.openPage(`${ctx.gw.http}/`, t.name);
      const w = await ctx.page.connect(ctx.gw.url);
      if (!w || w.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(w)}`);
      return ctx.page;
    },
    defer(f) { ctx.cleanups.push(f); },
  };
  try {
    await fn(ctx);
  } catch (e) {
    const parts = [];
    if (ctx.page) {
      try {
        const msgs = await ctx.page.eval(() => window.e2e.wire.filter((w) => w.dir === 'in' && w.m.type !== 'candidate')
          .map((w) => JSON.stringify(w.m, (k, v) => (k === 'sdp' ? `<sdp>` : v))));
        parts.push(`page received:\n  ${msgs.join('\n  ') || '(nothing)'}`);
      } catch (_) { /* page gone */ }
    }
    for (const s of ctx.peers) {
      parts.push(`SIPp ${s.name} (${s.exited() ? `exited ${s.child.exitCode}` : 'running'}), ` +
        `${path.relative(process.cwd(), s.msgFile)}:\n${summary(s.parsed()).replace(/^/gm, '  ') || '  (no messages)'}`);
    }
    if (ctx.gw) parts.push(`gateway log ${ctx.gw.logFile} (SIP lines):\n${gatewaySipLines(ctx.gw).replace(/^/gm, '  ')}`);
    e.message += `\n---- context ----\n${parts.join('\n')}`;
    throw e;
  } finally {
    for (const f of ctx.cleanups.reverse()) { try { await f(); } catch (_) { /* best effort */ } }
    if (ctx.page) {
      try {
        await ctx.page.eval(() => Promise.all(Object.values(window.e2e.calls)
          .filter((c) => c.state !== 'ended').map((c) => c.hangup().catch(() => null))));
      } catch (_) { /* the page may be gone */ }
      await ctx.page.finish();
    }
    await Promise.all(ctx.peers.map((s) => s.stop()));
    if (ctx.gw) await ctx.gw.stop();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = {
  SIPP, SCENARIOS, startSipp, freeMediaPort, makeUlawTone, parseMessageLog, summary, parseDigest, digestOk,
  placeCall, callMessages, eventWords, waitMessage, gatewaySipLines, udpFree, rtpSink, toneOf, dtmfDigits, ulawToLinear,
  sipCase, sleep,
};
