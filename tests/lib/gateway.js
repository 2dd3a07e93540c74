'use strict';
// Starts the gateway binary for a test and stops it by PID. Shared by the black-box and e2e suites.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const os = require('node:os');
const path = require('node:path');

const BIN = process.env.GW_BIN || path.resolve(__dirname, '../../build/gateway/webrtc_sip_gateway');
const ARTIFACTS = process.env.GW_ARTIFACTS || path.resolve(__dirname, '../artifacts');

// A port free for both TCP and UDP on the given address.
async function freePort(host = '127.0.0.1') {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const ok = await new Promise((resolve) => {
      const t = net.createServer();
      t.once('error', () => resolve(false));
      t.listen(port, host, () => {
        const u = dgram.createSocket('udp4');
        u.once('error', () => { t.close(); resolve(false); });
        u.bind(port, host, () => { u.close(); t.close(() => resolve(true)); });
      });
    });
    if (ok) return port;
  }
  throw new Error('no free port found in 50 attempts');
}

// Writes an INI file from {section: {key: value}}.
function writeConfig(dir, sections) {
  const text = Object.entries(sections)
    .map(([s, kv]) => `[${s}]\n` + Object.entries(kv).map(([k, v]) => `${k} = ${v}`).join('\n'))
    .join('\n\n') + '\n';
  const file = path.join(dir, 'gateway.conf');
  fs.writeFileSync(file, text);
  return file;
}

// Starts the gateway; resolves once "Gateway ready" is logged (or rejects on exit/timeout).
async function startGateway({ name = 'gw', config = {}, args = [], host = '127.0.0.1', netns = null,
                              readyTimeoutMs = 10000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwtest-'));
  const wsPort = await freePort(host);
  const sipPort = await freePort(host);
  const sections = {
    server: { bind_address: host, ws_port: wsPort, log_level: 'debug', workers: 1 },
    tls: { enabled: 'false' },
    sip: { bind_address: host, port: sipPort },
    media: { bind_address: host },
  };
  for (const [s, kv] of Object.entries(config)) sections[s] = { ...(sections[s] || {}), ...kv };
  const file = writeConfig(dir, sections);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const logFile = path.join(ARTIFACTS, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const argv = ['--config', file, ...args];
  const cmd = netns ? 'ip' : BIN;
  const cmdArgs = netns ? ['netns', 'exec', netns, BIN, ...argv] : argv;
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', log, log] });
  const gw = {
    child, pid: child.pid, wsPort, sipPort, host, dir, logFile, configFile: file,
    url: `ws://${host}:${wsPort}/ws`, http: `http://${host}:${wsPort}`,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop(timeoutMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return gw.exited;
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch (_) {} }, timeoutMs);
      const r = await gw.exited;
      clearTimeout(t);
      fs.closeSync(log);
      // Under the sanitizer build any report is a failure of whichever test ran the gateway.
      const m = /(ERROR: (Address|Leak)Sanitizer|runtime error:)[\s\S]{0,2000}/.exec(gw.log());
      if (m) throw new Error(`sanitizer report in ${logFile}:\n${m[0]}`);
      return r;
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gw.log().includes('Gateway ready')) return gw;
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${gw.log()}`);
    if (Date.now() > deadline) { await gw.stop(); throw new Error(`gateway not ready in ${readyTimeoutMs} ms:\n${gw.log()}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Runs the binary to completion (configuration errors, --version...).
function runGateway(args, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('timeout')); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout: out, stderr: err }); });
  });
}

module.exports = { BIN, ARTIFACTS, freePort, startGateway, runGateway, writeConfig };
