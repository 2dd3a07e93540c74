'use strict';
// Black-box: JWT authentication, origin allow-list, toll-fraud policy and abuse limits.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const WebSocket = require('ws');
const { startGateway } = require('../lib/gateway');
const { connect } = require('../lib/wsclient');

const SECRET = 'test-secret-0123456789';
const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
function jwt(claims, secret = SECRET) {
  const head = b64u({ alg: 'HS256', typ: 'JWT' }), body = b64u(claims);
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}
const now = () => Math.floor(Date.now() / 1000);
const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'; // parsed only after admission

let gw;
test.before(async () => {
  gw = await startGateway({
    name: 'blackbox-auth',
    config: {
      auth: { jwt_secret: SECRET, allowed_origins: 'https://phone.example', admin_token: 'ops-token' },
      limits: { ws_per_ip: 4, messages_per_second: 20, calls_per_minute: 3 },
    },
  });
});
test.after(async () => { if (gw) await gw.stop(); });

const open = (origin = 'https://phone.example') => connect(gw.url, { headers: { Origin: origin } });

test('without a valid hello, calls and registrations are unauthorized', async () => {
  const c = await open();
  let r = await c.request({ type: 'call', call: 'c1', to: 'echo', sdp: OFFER });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'register', user: 'alice' });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'hello', token: jwt({ sub: 'alice', exp: now() + 60 }, 'wrong-secret') });
  assert.equal(r.code, 'unauthorized');
  assert.match(r.message, /signature/);
  r = await c.request({ type: 'hello', token: jwt({ sub: 'alice', exp: now() - 3600 }) });
  assert.equal(r.code, 'unauthorized');
  assert.match(r.message, /expired/);
  r = await c.request({ type: 'hello', token: jwt({ sub: 'alice', exp: now() + 60, nbf: now() + 3600 }) });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'hello', token: 'not.a.jwt' });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'ping' });
  assert.equal(r.type, 'pong');
  c.close();
});

test('a good token identifies the user; register only as yourself and only when allowed', async () => {
  const c = await open();
  let r = await c.request({ type: 'hello', token: jwt({ sub: 'alice', exp: now() + 60, register: true }) });
  assert.equal(r.type, 'welcome');
  assert.equal(r.user, 'alice');
  r = await c.request({ type: 'register', user: 'bob' });
  assert.equal(r.code, 'forbidden');
  r = await c.request({ type: 'register', user: 'alice' });
  assert.equal(r.type, 'registered');
  c.close();
  const d = await open();
  await d.request({ type: 'hello', token: jwt({ sub: 'carol', exp: now() + 60 }) });
  r = await d.request({ type: 'register', user: 'carol' });
  assert.equal(r.code, 'forbidden', 'a token without register:true may not register');
  d.close();
});

test('toll-fraud policy: premium, international and emergency numbers are refused; the token can narrow', async () => {
  const c = await open();
  await c.request({ type: 'hello', token: jwt({ sub: 'dave', exp: now() + 60 }) });
  // Dialed in any form, a number is judged as the trunk would get it (gateway/number.h): the
  // decorated, 1-prefixed and 011-prefixed forms of premium and international numbers are caught too.
  for (const [to, re] of [['+19005551234', /denied/], ['1 (900) 555-1234', /denied/], ['900.555.1234', /denied/],
    ['+442071838750', /international/], ['011 44 20 7183 8750', /international/], ['0044 20 7183 8750', /international/],
    ['+1 876 555 1234', /international/], ['1 809 555 1234', /international/],
    ['911', /emergency/], ['9-1-1', /emergency/]]) {
    const r = await c.request({ type: 'call', call: `p${to.length}${to.slice(-2)}`, to, sdp: OFFER });
    assert.equal(r.code, 'forbidden', to);
    assert.match(r.message, re);
  }
  c.close();
  const e = await open();
  await e.request({ type: 'hello', token: jwt({ sub: 'erin', exp: now() + 60, dial: ['+1555*'] }) });
  const r = await e.request({ type: 'call', call: 'x1', to: '+12125551234', sdp: OFFER });
  assert.equal(r.code, 'forbidden');
  assert.match(r.message, /token does not allow/);
  e.close();
});

test('call attempts per minute are limited per user', async () => {
  const c = await open();
  await c.request({ type: 'hello', token: jwt({ sub: 'frank', exp: now() + 60 }) });
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await c.request({ type: 'call', call: `r${i}`, to: 'echo', sdp: OFFER })).code);
  // The first three are admitted (and then refused for their SDP); the rest are rate-limited.
  assert.deepEqual(codes.slice(0, 3).map((x) => x === 'rate-limited'), [false, false, false]);
  assert.deepEqual(codes.slice(3), ['rate-limited', 'rate-limited']);
  c.close();
});

test('a message flood gets rate-limited errors and the session recovers', async () => {
  const c = await open();
  for (let i = 0; i < 60; i++) c.send({ type: 'ping', rid: i });
  const replies = [];
  for (let i = 0; i < 60; i++) replies.push(await c.next(() => true, 3000));
  assert.ok(replies.some((m) => m.code === 'rate-limited'), 'some were rate-limited');
  assert.ok(replies.some((m) => m.type === 'pong'), 'some were answered');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  c.close();
});

test('a foreign Origin is refused, and connections per address are capped', async () => {
  await assert.rejects(open('https://evil.example'));
  const held = [];
  for (let i = 0; i < 4; i++) held.push(await open());
  await assert.rejects(open(), 'the fifth connection from one address is refused');
  for (const h of held) h.close();
});

test('the operators\' endpoints want the admin token', async () => {
  let r = await fetch(`${gw.http}/api/calls`);
  assert.equal(r.status, 401);
  r = await fetch(`${gw.http}/metrics`, { headers: { Authorization: 'Bearer wrong' } });
  assert.equal(r.status, 401);
  r = await fetch(`${gw.http}/api/calls`, { headers: { Authorization: 'Bearer ops-token' } });
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(await r.json()));
});
