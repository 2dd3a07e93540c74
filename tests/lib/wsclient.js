'use strict';
// A small promise-based protocol client for tests: send(), request() by rid, next(type).
const WebSocket = require('ws');

function connect(url, { protocol = 'gateway.v1', timeoutMs = 5000, headers } = {}) {
  return new Promise((resolve, reject) => {
    const opts = headers ? { headers } : undefined;
    const ws = protocol ? new WebSocket(url, protocol, opts) : new WebSocket(url, opts);
    const client = {
      ws, inbox: [], waiters: [], closed: null,
      send(obj) { ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); },
      // Resolves with the first message (queued or future) matching pred.
      next(pred, ms = 5000) {
        const match = typeof pred === 'string' ? (m) => m.type === pred : pred;
        const i = client.inbox.findIndex(match);
        if (i >= 0) return Promise.resolve(client.inbox.splice(i, 1)[0]);
        return new Promise((res, rej) => {
          const w = { match, res };
          client.waiters.push(w);
          setTimeout(() => {
            const k = client.waiters.indexOf(w);
            if (k >= 0) { client.waiters.splice(k, 1); rej(new Error(`no message matching ${pred} within ${ms} ms`)); }
          }, ms);
        });
      },
      request(obj, ms) {
        const rid = obj.rid ?? `r${Math.random().toString(36).slice(2)}`;
        client.send({ ...obj, rid });
        return client.next((m) => m.rid === rid, ms);
      },
      close() { ws.close(); },
    };
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      const i = client.waiters.findIndex((w) => w.match(m));
      if (i >= 0) client.waiters.splice(i, 1)[0].res(m); else client.inbox.push(m);
    });
    client.closedPromise = new Promise((res) => ws.on('close', (code, reason) => {
      client.closed = { code, reason: reason.toString() }; res(client.closed);
    }));
    const t = setTimeout(() => reject(new Error('WebSocket connect timeout')), timeoutMs);
    ws.on('open', () => { clearTimeout(t); resolve(client); });
    ws.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

module.exports = { connect };
