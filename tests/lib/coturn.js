'use strict';
// The TURN rig of the e2e suite (shared/testing.md sections 0, 2 and 4):
//
//   server namespace (the test's own, from tests/e2e/netns-run.sh): node, the gateway, coturn and
//       baresip, on 198.18.0.1 (veth) and 127.0.0.1;
//   browser namespace (made here, gwturn-<node pid>): Chromium only, on 198.18.0.2, behind an nft
//       firewall that lets out only the gateway's WebSocket/HTTP port and the TURN ports it is told,
//       and lets in nothing new (so that no host or srflx pair can work, whoever starts the checks).
//
// Chromium reaches the namespace through a wrapper (chromiumInBrowserNetns) that also drops
// --allow-loopback-in-peer-connection, so it gathers as on a user's machine. A test file uses:
//
//   const T = require('../lib/coturn');         // do NOT require ../lib/browser before turnSuite()
//   const S = await T.turnSuite({ suite: 'turn_x', tls: false,
//     allow: (c) => [{ proto: 'udp', port: c.port, name: 'turn_udp' }] });   // in test.before
//   const page = await S.open('label');           // gateway page + window.e2eTurn, connected
//   await page.call({ to: 'echo', id: 'c1' }); await page.waitConnected('c1');
//   await T.assertRelayed(t, S, page, 'c1', 'udp');   // getStats relay pair + /api/calls host/relay
//   S.rig.counters();                             // nft counters: out_dropped, turn_udp, ...
//   await S.close();                              // in test.after: browser, coturn, gateway by PID; netns
//
// coturn runs from the shipped coturn/turnserver.conf through coturn/start.sh, with only the
// addresses, ports, secret, realm and certificate replaced (and allow-loopback-peers dropped:
// the peers here are on the veth, as in production).
const { spawn, execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const COTURN_DIR = path.resolve(__dirname, '../../coturn');
const START = path.join(COTURN_DIR, 'start.sh');
const CONF = path.join(COTURN_DIR, 'turnserver.conf');
const NS_PREFIX = 'gwturn-';
const CHROMIUM = process.env.GW_REAL_CHROMIUM || '/usr/bin/chromium';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

// TURN REST API credentials (what gateway/turn_creds.c hands out): username "<expiry>:<user>",
// credential base64(HMAC-SHA1(secret, username)). expiresAt: unix seconds.
function restCredential(secret, user, expiresAt) {
  const username = `${Math.floor(expiresAt)}:${user}`;
  return { username, credential: crypto.createHmac('sha1', secret).update(username).digest('base64') };
}

// A self-signed ECDSA certificate for the TURNS listener with the address as IP SAN. Returns
// { cert, key, spki }: spki is base64(SHA-256(SubjectPublicKeyInfo)), the form Chromium's
// --ignore-certificate-errors-spki-list takes.
function makeCert(dir, addr, name = 'turn') {
  const cert = path.join(dir, `${name}-cert.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', `/CN=${addr}`, '-addext', `subjectAltName=IP:${addr}`, '-keyout', key, '-out', cert],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  const der = new crypto.X509Certificate(fs.readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' });
  return { cert, key, spki: crypto.createHash('sha256').update(der).digest('base64') };
}

// The shipped turnserver.conf with these keys replaced (every line for them dropped, then the
// new values appended; null or false drops the key). Keeps everything else the file says.
function derivedConfig(file, overrides) {
  const keys = new Set(Object.keys(overrides));
  const kept = fs.readFileSync(CONF, 'utf8').split('\n').filter((line) => {
    const m = /^\s*([A-Za-z0-9_-]+)/.exec(line);
    return !(m && keys.has(m[1]));
  });
  kept.push('', '# ---- test overrides (tests/lib/coturn.js) ----');
  for (const [k, v] of Object.entries(overrides)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === null || one === false) continue;
      kept.push(one === true ? k : `${k}=${one}`);
    }
  }
  fs.writeFileSync(file, kept.join('\n') + '\n');
  return file;
}

function tcpOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(t); resolve(false); });
  });
}

// Starts coturn through coturn/start.sh (which execs turnserver: the child's PID is coturn's).
// tls: { cert, key } from makeCert, or null for no TLS listener. gatewayConf: the gateway's
// config file, whose [turn] secret start.sh compares with ours. Resolves once TCP port and (when
// TLS is on) the TLS port accept connections.
async function startCoturn({ name = 'coturn', ip: addr, port = 3478, tlsPort = 5349, secret, realm = 'gateway.test',
                             minPort = 49160, maxPort = 49200, tls = null, gatewayConf = null, artifacts,
                             extra = ['--verbose'], readyTimeoutMs = 10000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwturn-coturn-'));
  const conf = derivedConfig(path.join(dir, 'turnserver.conf'), {
    'listening-ip': addr, 'relay-ip': addr, 'listening-port': port, 'tls-listening-port': tlsPort,
    'min-port': minPort, 'max-port': maxPort, 'static-auth-secret': secret, realm,
    'allow-loopback-peers': null, 'no-tls': !tls, cert: tls ? tls.cert : null, pkey: tls ? tls.key : null,
  });
  fs.mkdirSync(artifacts, { recursive: true });
  const logFile = path.join(artifacts, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const env = { ...process.env, TURN_STATE: path.join(dir, 'state') };
  if (gatewayConf) env.GATEWAY_CONF = gatewayConf;
  const child = spawn(START, ['-c', conf, ...extra], { stdio: ['ignore', log, log], env, cwd: dir });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // If this process dies without stop() (a signal, see createRig): coturn by PID, and its folder.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) { try { process.kill(child.pid, 'SIGKILL'); } catch (_) {} }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const t = {
    child, pid: child.pid, dir, conf, logFile, ip: addr, port, tlsPort, realm,
    log: () => fs.readFileSync(logFile, 'utf8'),
    urls: {
      udp: `turn:${addr}:${port}?transport=udp`,
      tcp: `turn:${addr}:${port}?transport=tcp`,
      tls: `turns:${addr}:${tlsPort}?transport=tcp`,
    },
    // Log lines of successful and refused TURN requests (coturn --verbose).
    allocations: () => t.log().split('\n').filter((l) => /ALLOCATE processed, success/.test(l)),
    permissions: () => t.log().split('\n').filter((l) => /CREATE_PERMISSION processed, success/.test(l)),
    refusals: () => t.log().split('\n').filter((l) => /error 4\d\d/.test(l)),
    async stop(timeoutMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(child.pid, 'SIGTERM'); } catch (_) { /* gone */ }
        const k = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch (_) {} }, timeoutMs);
        await exited;
        clearTimeout(k);
      }
      try { fs.closeSync(log); } catch (_) { /* closed */ }
      fs.rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', onExit);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      const text = t.log();
      await t.stop();
      throw new Error(`coturn exited with ${child.exitCode}:\n${text}`);
    }
    if (await tcpOpen(addr, port) && (!tls || await tcpOpen(addr, tlsPort))) return t;
    if (Date.now() > deadline) {
      await t.stop();
      throw new Error(`coturn not listening on ${addr}:${port} within ${readyTimeoutMs} ms:\n${t.log()}`);
    }
    await sleep(100);
  }
}

// ---- namespaces ----------------------------------------------------------------------------

// True when this process runs in a namespace with loopback only (netns-run.sh), so that the veth
// and everything on it stay out of the machine's own network.
function inPrivateNetns() {
  const links = ip('-o', 'link', 'show').split('\n').filter(Boolean).map((l) => l.split(':')[1].trim().split('@')[0]);
  return links.every((n) => n === 'lo');
}

// Browser namespaces of runs that died without cleaning up: gwturn-<pid> whose pid is gone.
function removeStaleNamespaces() {
  let list = '';
  try { list = ip('netns', 'list'); } catch (_) { return; }
  for (const line of list.split('\n')) {
    const n = line.split(' ')[0];
    const m = new RegExp(`^${NS_PREFIX}(\\d+)$`).exec(n);
    if (!m || fs.existsSync(`/proc/${m[1]}`)) continue;
    killNetnsPids(n);
    try { ip('netns', 'del', n); } catch (_) { /* raced */ }
  }
}

function killNetnsPids(ns, signal = 'SIGKILL') {
  let pids = [];
  try { pids = ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number); } catch (_) { return 0; }
  for (const p of pids) { try { process.kill(p, signal); } catch (_) { /* gone */ } }
  return pids.length;
}

// Makes the browser namespace and the veth pair: server side 198.18.0.1/24 here (in the current
// namespace), browser side 198.18.0.2/24 in the new one; lo up, IPv6 off on the veth, no route
// beyond 198.18.0.0/24. Also deleted on process exit and on SIGINT/SIGTERM.
function createRig({ serverIp = '198.18.0.1', browserIp = '198.18.0.2' } = {}) {
  if (!inPrivateNetns()) {
    throw new Error('the TURN tests must run inside tests/e2e/netns-run.sh (a namespace with loopback only): ' +
      `this one has ${ip('-o', 'link', 'show').split('\n').filter(Boolean).length} links`);
  }
  removeStaleNamespaces();
  const ns = `${NS_PREFIX}${process.pid}`;
  const sIf = `gwts${process.pid % 100000}`;
  const bIf = 'gwtb0';
  let destroyed = false;
  const rig = {
    browserNs: ns, serverIp, browserIp, serverIf: sIf, browserIf: bIf,
    nsExec: (...args) => ip('netns', 'exec', ns, ...args),
    // Installs (or replaces) the browser namespace's firewall. allow: [{proto, port, name}] to
    // serverIp, each with a named counter; wsPort: the gateway's HTTP/WebSocket port (TCP).
    firewall({ wsPort, allow = [] }) {
      const counters = ['out_dropped', 'in_dropped', 'signaling', ...allow.map((a) => a.name)];
      const text = [
        'table inet gwturn {',
        ...counters.map((c) => `  counter ${c} { }`),
        '  chain out {',
        '    type filter hook output priority 0; policy drop;',
        '    ct state established,related accept',
        '    oifname "lo" accept',
        `    ip daddr ${serverIp} tcp dport ${wsPort} counter name signaling accept`,
        ...allow.map((a) => `    ip daddr ${serverIp} ${a.proto} dport ${a.port} counter name ${a.name} accept`),
        '    counter name out_dropped drop',
        '  }',
        '  chain in {',
        '    type filter hook input priority 0; policy drop;',
        '    ct state established,related accept',
        '    iifname "lo" accept',
        '    counter name in_dropped drop',
        '  }',
        '}',
      ].join('\n');
      try { rig.nsExec('nft', 'delete', 'table', 'inet', 'gwturn'); } catch (_) { /* none yet */ }
      const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: text, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`nft -f failed: ${r.stderr}\n${text}`);
      rig.ruleset = text;
      return text;
    },
    // { name: packets } of the firewall's named counters.
    counters() {
      const out = {};
      const j = JSON.parse(rig.nsExec('nft', '-j', 'list', 'counters', 'table', 'inet', 'gwturn'));
      for (const item of j.nftables) if (item.counter) out[item.counter.name] = item.counter.packets;
      return out;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (killNetnsPids(ns, 'SIGTERM')) {
        const until = Date.now() + 2000;
        while (Date.now() < until && (() => { try { return ip('netns', 'pids', ns).trim() !== ''; } catch (_) { return false; } })()) {
          spawnSync('sleep', ['0.1']);
        }
        killNetnsPids(ns, 'SIGKILL');
      }
      try { ip('link', 'del', sIf); } catch (_) { /* goes with the namespace */ }
      try { ip('netns', 'del', ns); } catch (_) { /* gone */ }
    },
  };
  const onExit = () => rig.destroy();
  const onSignal = (sig) => { rig.destroy(); process.exit(sig === 'SIGINT' ? 130 : 143); };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('link', 'add', sIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', ns);
    for (const [inNs, dev, addr] of [[false, sIf, serverIp], [true, bIf, browserIp]]) {
      const sysctl = ['sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`];
      try { if (inNs) rig.nsExec(...sysctl); else execFileSync(sysctl[0], sysctl.slice(1)); } catch (_) { /* no IPv6 */ }
      const pre = inNs ? ['-n', ns] : [];
      ip(...pre, 'addr', 'add', `${addr}/24`, 'dev', dev);
      ip(...pre, 'link', 'set', dev, 'up');
    }
  } catch (e) {
    rig.destroy();
    throw e;
  }
  return rig;
}

// Chromium through `ip netns exec $GW_CHROMIUM_NETNS`: writes a wrapper and points CHROMIUM_BIN
// (read by tests/lib/browser.js when it is first required) at it. The namespace is read from the
// environment when Playwright starts the browser, so set process.env.GW_CHROMIUM_NETNS first.
// `ip netns exec` execs, so Playwright's PID and pipes are Chromium's own.
// The wrapper drops --allow-loopback-in-peer-connection, which launchBrowser always passes (the
// loopback-only suites need it): the browser namespace has a real interface, and with the flag
// Chromium also gathers on a loopback network whose TURN allocations toward 198.18.0.1 can only
// time out (tens of seconds), holding back its end-of-candidates. Without it Chromium gathers as
// on a user's machine.
function chromiumInBrowserNetns() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwturn-wrap-'));
  const wrapper = path.join(dir, 'chromium-in-netns');
  fs.writeFileSync(wrapper, [
    '#!/bin/sh',
    '[ -n "${GW_CHROMIUM_NETNS:-}" ] || { echo "chromium-in-netns: GW_CHROMIUM_NETNS is not set" >&2; exit 2; }',
    'for a in "$@"; do',
    '  shift',
    '  [ "$a" = --allow-loopback-in-peer-connection ] && continue',
    '  set -- "$@" "$a"',
    'done',
    `exec ip netns exec "$GW_CHROMIUM_NETNS" ${CHROMIUM} "$@"`, ''].join('\n'), { mode: 0o755 });
  process.env.CHROMIUM_BIN = wrapper;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return wrapper;
}

// ---- page side -------------------------------------------------------------------------------

// Installed in a page after openPage(): wraps RTCPeerConnection so that every peer connection the
// gateway client makes records its configuration, its gathered candidates and its
// icecandidateerror events (window.e2eTurn), and gives the selected pair with relay details.
/* eslint-disable no-undef */
function turnPageHelpers() {
  if (window.e2eTurn) return;
  const T = { pcs: [], configs: [], candidates: [], errors: [] };
  window.e2eTurn = T;
  const Orig = window.RTCPeerConnection;
  class Recorded extends Orig {
    constructor(cfg, ...rest) {
      super(cfg, ...rest);
      const n = T.pcs.length;
      T.pcs.push(this);
      T.configs.push(JSON.parse(JSON.stringify(cfg || {})));
      this.addEventListener('icecandidate', (ev) => {
        const c = ev.candidate;
        T.candidates.push(c ? { pc: n, type: c.type, protocol: c.protocol, address: c.address, port: c.port,
                                relayProtocol: c.relayProtocol || null, url: c.url || null, candidate: c.candidate }
          : { pc: n, end: true });
      });
      this.addEventListener('icecandidateerror', (ev) => {
        T.errors.push({ pc: n, errorCode: ev.errorCode, errorText: ev.errorText, url: ev.url,
                        address: ev.address, port: ev.port });
        if (window.e2e) window.e2e.note(`icecandidateerror ${ev.errorCode} ${ev.errorText} ${ev.url}`);
      });
    }
  }
  window.RTCPeerConnection = Recorded;

  // The call's selected pair from getStats, with the local candidate's relayProtocol and url.
  T.selected = async (id) => {
    const call = window.e2e.calls[id];
    const pc = call && call.pc;
    if (!pc || pc.connectionState === 'closed') return { error: `no open peer connection for ${id}` };
    const all = [];
    (await pc.getStats()).forEach((s) => all.push(s));
    const byId = (i) => all.find((s) => s.id === i) || {};
    const tr = all.find((s) => s.type === 'transport');
    const pair = (tr && tr.selectedCandidatePairId && byId(tr.selectedCandidatePairId)) ||
      all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (!pair || !pair.localCandidateId) return { error: 'no selected pair', iceState: pc.iceConnectionState };
    const pick = (c) => ({ type: c.candidateType, address: c.address, port: c.port, protocol: c.protocol,
                           relayProtocol: c.relayProtocol || null, url: c.url || null });
    return { state: pair.state, local: pick(byId(pair.localCandidateId)), remote: pick(byId(pair.remoteCandidateId)),
             bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived };
  };
}
/* eslint-enable no-undef */

// ---- the gateway's /api/calls ----------------------------------------------------------------

async function apiCalls(gw) {
  const r = await fetch(`${gw.http}/api/calls`, { signal: AbortSignal.timeout(3000) });
  if (!r.ok) throw new Error(`GET /api/calls -> ${r.status}`);
  return r.json();
}

// Polls /api/calls until the call with this client id has a browser ice_pair for which want(pair)
// holds (default: any); returns the call's object. On timeout the error carries the last answer
// (err.last: the call's object or null).
async function waitIcePair(gw, clientId, timeoutMs = 10000, want = (p) => !!p) {
  const deadline = Date.now() + timeoutMs;
  let last = null, call = null;
  for (;;) {
    last = await apiCalls(gw);
    call = last.find((x) => x.call === clientId) || null;
    const pair = call && call.legs && call.legs.browser && call.legs.browser.ice_pair;
    if (pair && want(pair)) return call;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const err = new Error(`/api/calls: legs.browser.ice_pair of call ${clientId} not as expected within ${timeoutMs} ms: ` +
    JSON.stringify(call ? call.legs.browser : last));
  err.last = call;
  return Promise.reject(err);
}

// The gateway's known prflx race: the browser's checks from its relay candidate reach the gateway
// (through coturn) before the trickled relay candidate has reached libnice on the media worker
// (the candidate message goes control thread -> worker, so even a candidate logged first can lose),
// libnice learns the peer as peer-reflexive, and the gateway writes ice_pair once, at ICE
// connected, as host/prflx, never updating it. Returns a description when the gateway's log shows
// exactly that for the call with this client id: "ICE connected (host/prflx)" although the page
// trickled the very relay candidate the browser selected (sel.local), else null.
function prflxRace(gwLog, clientId, sel) {
  const lines = gwLog.split('\n');
  const esc = clientId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let n = null, start = -1;
  lines.forEach((l, i) => {
    const m = new RegExp(`INFO  call (\\d+): ${esc} -> `).exec(l);
    if (m) { n = m[1]; start = i; }
  });
  if (n === null || !sel || !sel.local) return null;
  const connected = lines.find((l, i) => i > start && l.includes(`call ${n}: ICE connected (host/prflx)`));
  const relay = lines.find((l, i) => i > start && l.includes(`"call":"${clientId}"`) &&
    l.includes(` ${sel.local.address} ${sel.local.port} typ relay `));
  if (!connected || !relay) return null;
  return `${connected.trim()}; the page trickled ${sel.local.address}:${sel.local.port} typ relay: ` +
    `${relay.trim().slice(0, 60)}`;
}

// ---- one test file's world ---------------------------------------------------------------------

// Sets up, in this order: the browser namespace and veth (createRig), the gateway on the veth
// address (HTTP, auth off, allow_insecure, [turn] servers/secret/ttl, fixed ws_port so that the
// page's origin stays the same), coturn on the veth address (start.sh checks the gateway's secret),
// the firewall (signaling + `allow(coturn)`), and Chromium in the browser namespace.
//   allow: (coturn) => [{ proto, port, name }]     what may leave the browser namespace besides signaling
//   servers: (coturn) => [urls]                    [turn] servers (default: UDP, TCP and, with tls, TURNS)
//   gateway: extra gateway config sections; browserArgs: extra Chromium flags (function of the suite)
// Returns { rig, gw, coturn, browser, secret, open(label), close() }. close() stops everything by
// PID and deletes the namespace; call it from test.after (it is also safe to call twice).
async function turnSuite({ suite, tls = false, allow, servers = null, gateway = {}, ttl = null,
                           browserArgs = () => [] }) {
  const { ARTIFACTS, startGateway, freePort } = require('./gateway');
  const browserJs = require.resolve('./browser');
  if (!require.cache[browserJs]) chromiumInBrowserNetns();
  else if (!/chromium-in-netns$/.test(process.env.CHROMIUM_BIN || '')) {
    throw new Error('tests/lib/browser.js was required before turnSuite(): Chromium would run outside the browser namespace');
  }
  const { launchBrowser, WEB_ROOT } = require('./browser');
  const artifacts = path.join(ARTIFACTS, 'e2e', suite);
  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwturn-'));
  const rmTmp = () => fs.rmSync(tmp, { recursive: true, force: true });
  process.once('exit', rmTmp);   // also when a signal ends the process (createRig's handler exits)
  const secret = crypto.randomBytes(18).toString('base64');
  const s = { rig: null, gw: null, coturn: null, browser: null, secret, tmp, artifacts, pages: [] };
  // Every step runs even when an earlier one throws; the first error is rethrown at the end
  // (the gateway's stop() reports sanitizer findings that way).
  s.close = async () => {
    const errors = [];
    const step = async (f) => { try { await f(); } catch (e) { errors.push(e); } };
    for (const p of s.pages.splice(0)) await step(() => p.finish());
    if (s.browser) { const b = s.browser; s.browser = null; await step(() => b.close()); }
    if (s.coturn) { const c = s.coturn; s.coturn = null; await step(() => c.stop()); }
    if (s.gw) { const g = s.gw; s.gw = null; await step(() => g.stop()); }
    if (s.rig) { const r = s.rig; s.rig = null; await step(() => r.destroy()); }
    await step(() => { rmTmp(); process.removeListener('exit', rmTmp); });
    if (errors.length) throw errors[0];
  };
  try {
    s.rig = createRig();
    const host = s.rig.serverIp;
    const wsPort = await freePort(host);
    const cert = tls ? makeCert(tmp, host) : null;
    // coturn's ports are fixed here (its config is written after the gateway's, which names them).
    const turnPorts = { port: 3478, tlsPort: 5349 };
    const urls = {
      udp: `turn:${host}:${turnPorts.port}?transport=udp`, tcp: `turn:${host}:${turnPorts.port}?transport=tcp`,
      tls: `turns:${host}:${turnPorts.tlsPort}?transport=tcp`,
    };
    const list = servers ? servers(urls) : [urls.udp, urls.tcp, ...(tls ? [urls.tls] : [])];
    const config = {
      ...gateway,
      server: { web_root: WEB_ROOT, allow_insecure: 'true', ws_port: wsPort, ...(gateway.server || {}) },
      turn: { servers: list.join(';'), secret, ...(ttl ? { ttl } : {}), ...(gateway.turn || {}) },
    };
    s.gw = await startGateway({ name: `e2e-${suite}`, host, config });
    // startGateway picked its own ws_port before ours replaced it in the config: point at ours.
    Object.assign(s.gw, { wsPort, url: `ws://${host}:${wsPort}/ws`, http: `http://${host}:${wsPort}` });
    s.coturn = await startCoturn({ name: `${suite}.coturn`, ip: host, ...turnPorts, secret, tls: cert,
      gatewayConf: s.gw.configFile, artifacts });
    s.rig.firewall({ wsPort, allow: allow(s.coturn) });
    process.env.GW_CHROMIUM_NETNS = s.rig.browserNs;
    s.origin = `http://${host}:${wsPort}`;
    s.cert = cert;
    s.browser = await launchBrowser({ name: suite,
      args: [`--unsafely-treat-insecure-origin-as-secure=${s.origin}`, ...browserArgs(s)] });
    const profileDir = s.browser.tmp;   // launchBrowser removes it in close(); not on a signal
    process.once('exit', () => fs.rmSync(profileDir, { recursive: true, force: true }));
  } catch (e) {
    await s.close();
    throw e;
  }
  // Opens the gateway's page in the browser namespace, installs the recording RTCPeerConnection,
  // and connects the client (hello -> welcome with iceServers).
  s.open = async (label) => {
    const page = await s.browser.openPage(`${s.origin}/`, label);
    s.pages.push(page);
    await page.eval(turnPageHelpers);
    const welcome = await page.connect(s.gw.url);
    if (!welcome || welcome.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`);
    page.welcome = welcome;
    return page;
  };
  // Closes one page (screenshot first) and forgets it.
  s.closePage = async (page) => {
    const i = s.pages.indexOf(page);
    if (i >= 0) s.pages.splice(i, 1);
    try {
      await page.eval(() => Promise.all(Object.values(window.e2e.calls)
        .filter((c) => c.state !== 'ended').map((c) => c.hangup().catch(() => null))));
    } catch (_) { /* gone */ }
    await page.finish();
  };
  return s;
}

// The call's selected pair is the browser's relay candidate, allocated over `protos` ('udp', 'tcp'
// or 'tls', or a list of them), to the gateway's host candidate, and the gateway's /api/calls
// agrees within pairMs: legs.browser.ice_pair = host/relay (local/remote). When it says host/prflx
// because of the gateway's known prflx race (prflxRace), the evidence goes out as a test diagnostic
// instead of a failure (the relay itself is proven by the browser's getStats); pass strictPair to
// fail in that case too. Returns { sel, api, race }.
async function assertRelayed(t, s, page, id, protos, { pairMs = 5000, strictPair = false } = {}) {
  const assert = require('node:assert/strict');
  const allowed = Array.isArray(protos) ? protos : [protos];
  const sel = await page.eval((i) => window.e2eTurn.selected(i), id);
  const dump = JSON.stringify(sel);
  assert.ok(!sel.error, `${sel.error}: ${await page.dump()}`);
  assert.equal(sel.local.type, 'relay', `local candidate: ${dump}`);
  assert.ok(allowed.includes(sel.local.relayProtocol), `relay allocated over ${allowed.join(' or ')}: ${dump}`);
  assert.equal(sel.local.address, s.rig.serverIp, `the relay address is coturn's: ${dump}`);
  assert.equal(sel.remote.type, 'host', `the gateway's candidate: ${dump}`);
  assert.equal(sel.remote.address, s.rig.serverIp, dump);
  try {
    const api = await waitIcePair(s.gw, id, pairMs, (p) => p === 'host/relay');
    return { sel, api, race: null };
  } catch (e) {
    const race = e.last && e.last.legs.browser.ice_pair === 'host/prflx' ? prflxRace(s.gw.log(), id, sel) : null;
    if (!race || strictPair) throw e;
    // Only a diagnostic, so that the rest of the test still counts; turn_relay.test.js (c) is the
    // test of this bug (TODO until the gateway refreshes ice_pair).
    t.diagnostic(`KNOWN GATEWAY BUG: call ${id}: /api/calls says host/prflx for a relayed call (prflx race): ${race}`);
    return { sel, api: e.last, race };
  }
}

module.exports = {
  turnSuite, assertRelayed,
  COTURN_DIR, CONF, START, restCredential, makeCert, derivedConfig, startCoturn, inPrivateNetns, createRig,
  chromiumInBrowserNetns, turnPageHelpers, apiCalls, waitIcePair, prflxRace, sleep,
};
