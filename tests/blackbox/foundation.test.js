'use strict';
// Black-box tests of the running binary: WebSocket protocol basics, HTTP, SIP OPTIONS, config errors, SIGTERM.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startGateway, runGateway } = require('../lib/gateway');
const { connect } = require('../lib/wsclient');

let gw;
test.before(async () => { gw = await startGateway({ name: 'blackbox-foundation' }); });
test.after(async () => { if (gw) await gw.stop(); });

// Raw HTTP so that the path goes out exactly as written (no client-side normalization).
function rawGet(port, pathAsIs) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${pathAsIs} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let buf = '';
    s.setTimeout(3000, () => { s.destroy(); reject(new Error('http timeout')); });
    s.on('data', (d) => { buf += d; });
    s.on('end', () => {
      const [head, ...body] = buf.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head, body: body.join('\r\n\r\n') });
    });
    s.on('error', reject);
  });
}

function options(branch, via) {
  return `OPTIONS sip:${gw.host}:${gw.sipPort} SIP/2.0\r\nVia: SIP/2.0/${via};branch=z9hG4bK${branch}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=${branch}\r\nTo: <sip:${gw.host}>\r\n` +
    `Call-ID: ${branch}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
}

test('WebSocket handshake with the gateway.v1 subprotocol', async () => {
  const c = await connect(gw.url, { protocol: 'gateway.v1' });
  assert.equal(c.ws.protocol, 'gateway.v1');
  c.close();
});

test('WebSocket handshake without a subprotocol, then hello -> welcome', async () => {
  const c = await connect(gw.url, { protocol: null });
  const w = await c.request({ type: 'hello' });
  assert.equal(w.type, 'welcome');
  assert.match(w.session, /^s-[0-9a-f]+$/);
  assert.equal(w.version, 1);
  assert.equal(w.user, null);
  assert.ok(Array.isArray(w.iceServers));
  c.close();
});

test('ping -> pong echoes rid, string or number', async () => {
  const c = await connect(gw.url);
  let r = await c.request({ type: 'ping', rid: 'abc' });
  assert.deepEqual(r, { type: 'pong', rid: 'abc' });
  r = await c.request({ type: 'ping', rid: 17 });
  assert.deepEqual(r, { type: 'pong', rid: 17 });
  c.close();
});

test('malformed messages get error bad-request and the connection stays usable', async () => {
  const c = await connect(gw.url);
  c.send('{"type": "ping", ');
  let e = await c.next('error');
  assert.equal(e.code, 'bad-request');
  assert.match(e.message, /malformed JSON/);
  c.send({ rid: 1 });
  e = await c.next('error');
  assert.equal(e.code, 'bad-request');
  assert.equal(e.rid, 1);
  e = await c.request({ type: 'no-such-type' });
  assert.equal(e.code, 'bad-request');
  e = await c.request({ type: 'hangup', call: 'c9' });
  assert.equal(e.type, 'error');
  assert.ok(['not-found', 'unavailable'].includes(e.code), e.code);
  const p = await c.request({ type: 'ping' });
  assert.equal(p.type, 'pong');
  assert.equal(c.closed, null);
  c.close();
});

test('a 70 KiB frame closes the connection with 1009', async () => {
  const c = await connect(gw.url);
  c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }));
  const closed = await Promise.race([c.closedPromise, new Promise((r) => setTimeout(() => r(null), 3000))]);
  assert.ok(closed, 'connection was not closed');
  assert.equal(closed.code, 1009);
});

test('GET /healthz -> 200 ok', async () => {
  const r = await rawGet(gw.wsPort, '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.head, /content-type: application\/json/i);
  assert.equal(JSON.parse(r.body).status, 'ok');
});

test('static files: / is the page, traversal is 404', async () => {
  let r = await rawGet(gw.wsPort, '/');
  assert.equal(r.status, 200);
  assert.match(r.head, /content-type: text\/html/i);
  assert.match(r.body, /<html/);
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc/passwd', '/no-such-file.js']) {
    r = await rawGet(gw.wsPort, p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /root:/);
  }
});

test('SIP OPTIONS over UDP -> 200 with Allow', async () => {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  const reply = new Promise((resolve, reject) => {
    sock.on('message', (m) => resolve(m.toString()));
    setTimeout(() => reject(new Error('no SIP reply over UDP')), 3000);
  });
  sock.send(options('udp1', `UDP 127.0.0.1:${port}`), gw.sipPort, gw.host);
  const text = await reply;
  sock.close();
  assert.match(text, /^SIP\/2\.0 200 /);
  assert.match(text, /\r\nAllow: [^\r]*INVITE/);
  assert.match(text, /\r\nAllow: [^\r]*OPTIONS/);
});

test('SIP OPTIONS over TCP -> 200 with Allow', async () => {
  const text = await new Promise((resolve, reject) => {
    const s = net.connect(gw.sipPort, gw.host, () => s.write(options('tcp1', `TCP 127.0.0.1:${s.localPort}`)));
    let buf = '';
    s.setTimeout(3000, () => { s.destroy(); reject(new Error('no SIP reply over TCP')); });
    s.on('data', (d) => { buf += d; if (buf.includes('\r\n\r\n')) { s.destroy(); resolve(buf); } });
    s.on('error', reject);
  });
  assert.match(text, /^SIP\/2\.0 200 /);
  assert.match(text, /\r\nAllow: [^\r]*INVITE/);
});

test('configuration errors name file, section, key and reason, and exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwconf-'));
  const cases = [
    ['[server]\nws_port = 99999\n', /\[server\] ws_port: 99999 is out of range 1\.\.65535/],
    ['[server]\nfrobnicate = 1\n', /\[server\] frobnicate: unknown key/],
    ['[tls]\nenabled = true\ncert = /nonexistent.pem\nkey = /nonexistent.key\n', /\[tls\] cert: cannot read/],
  ];
  for (const [text, re] of cases) {
    const f = path.join(dir, 'bad.conf');
    fs.writeFileSync(f, text);
    const r = await runGateway(['--config', f]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.ok(r.stderr.includes(f), 'message names the file');
  }
  let r = await runGateway(['--ws-port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--ws-port: \[server\] ws_port: 0 is out of range/);
  r = await runGateway(['--config', path.join(dir, 'missing.conf')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing\.conf: cannot read/);
  r = await runGateway(['--log-level', 'loud']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /log_level: 'loud' is not one of/);
});

test('the banner names each listener', () => {
  const log = gw.log();
  assert.match(log, /WebRTC-SIP Gateway v\d/);
  assert.match(log, /WebSocket server listening on ws:\/\/127\.0\.0\.1:\d+\/ws/);
  assert.match(log, /SIP endpoint listening on 127\.0\.0\.1:\d+/);
  assert.match(log, /Gateway ready/);
  assert.match(log, /WebSocket connection from/);
});

test('SIGTERM -> exit 0 within 2 s', async () => {
  const g2 = await startGateway({ name: 'blackbox-sigterm' });
  const t0 = Date.now();
  process.kill(g2.pid, 'SIGTERM');
  const r = await Promise.race([g2.exited, new Promise((res) => setTimeout(() => res(null), 2000))]);
  assert.ok(r, 'did not exit within 2 s');
  assert.equal(r.code, 0);
  assert.ok(Date.now() - t0 < 2000);
});

test('docs/configuration.md and the message table in docs/protocol.md match the binary', async () => {
  const root = path.resolve(__dirname, '../..');
  const conf = await runGateway(['--config-reference']);
  assert.equal(conf.code, 0);
  assert.ok(fs.readFileSync(path.join(root, 'docs/configuration.md'), 'utf8').endsWith(conf.stdout),
    'docs/configuration.md is stale: run tools/gen-docs.sh');
  const proto = await runGateway(['--protocol-reference']);
  assert.ok(fs.readFileSync(path.join(root, 'docs/protocol.md'), 'utf8').endsWith(proto.stdout),
    'docs/protocol.md is stale: run tools/gen-docs.sh');
});

test('gateway.conf.example is a valid configuration', async () => {
  const r = await runGateway(['--check-config', '--config', path.resolve(__dirname, '../../gateway.conf.example')]);
  assert.equal(r.code, 0, r.stderr);
});
