// ops.js: polls GET /api/calls every second and shows one group of rows per active call, one row
// per media leg (browser, trunk). Tolerant by design: the endpoint may be missing (404: "statistics
// not available yet"), protected (401/403: add ?token=), or return fields this page does not know
// (they are ignored; unknown values show as "–").
//
// Expected shape (docs/protocol.md, media/stats/stats.h):
//   [ { "call": "c1", "legs": { "browser": { "packets_sent": 247, "packets_received": 245,
//       "packets_lost": 2, "loss_pct": 0.81, "jitter_ms": 23, "rtt_ms": 40, "mos": 4.32,
//       "codec": "opus", "srtp_suite": "...", "ice_pair": "host/host", ... }, "trunk": {...} } } ]
// A top-level {"calls": [...]} and legs given as an array ([{ "leg": "browser", ... }]) work too.

const POLL_MS = 1000;
const token = new URLSearchParams(location.search).get('token');

const $ = (id) => document.getElementById(id);
const stateEl = $('opsState');
const emptyEl = $('opsEmpty');
const wrapEl = $('opsTableWrap');
const table = $('calls');

function setState(text, error = false) {
  stateEl.textContent = text;
  stateEl.className = error ? 'ops__state ops__state--error' : 'ops__state';
}

function showEmpty(text) {
  emptyEl.textContent = text;
  emptyEl.hidden = false;
  wrapEl.hidden = true;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
// The first present member among several spellings.
const pick = (o, ...names) => {
  for (const n of names) if (o && o[n] !== undefined && o[n] !== null) return o[n];
  return null;
};

function cell(text, { left = false, cls = '' } = {}) {
  const td = document.createElement('td');
  const missing = text === null || text === undefined || text === '';
  td.textContent = missing ? '–' : String(text);
  td.className = [left ? 'l' : '', missing ? 'na' : '', cls].filter(Boolean).join(' ');
  return td;
}

function fixed(v, digits) {
  const n = num(v);
  return n === null ? null : n.toFixed(digits);
}

function mosClass(v) {
  const n = num(v);
  if (n === null) return '';
  return n >= 4 ? 'mos--good' : n >= 3.6 ? 'mos--fair' : 'mos--poor';
}

// [{name, stats}] from {"browser": {...}} or [{"leg": "browser", ...}].
function legsOf(call) {
  const legs = call.legs || call.leg || null;
  if (Array.isArray(legs)) return legs.map((l, i) => ({ name: pick(l, 'leg', 'name', 'side') || `leg ${i + 1}`, stats: l }));
  if (legs && typeof legs === 'object') return Object.entries(legs).map(([name, stats]) => ({ name, stats: stats || {} }));
  const out = [];   // flat: {"browser": {...}, "trunk": {...}} at top level
  for (const name of ['browser', 'trunk']) if (call[name] && typeof call[name] === 'object') out.push({ name, stats: call[name] });
  return out;
}

// Top-level scalars other than the id (to, direction, state, duration_s...), shown under the call id.
function extrasOf(call) {
  const out = [];
  for (const [k, v] of Object.entries(call)) {
    if (['call', 'id', 'legs', 'leg', 'browser', 'trunk'].includes(k) || v === null || typeof v === 'object') continue;
    if (/^duration/.test(k) && num(v) !== null) {
      const secs = Math.floor(v);
      out.push(`${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`);
    } else if (k === 'to' || k === 'from') {
      out.push(`${k} ${v}`);
    } else if (typeof v === 'number') {
      out.push(`${k.replace(/_/g, ' ')} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
    } else {
      out.push(String(v));
    }
  }
  return out;
}

function render(calls) {
  for (const tb of [...table.tBodies]) tb.remove();
  if (!calls.length) {
    showEmpty('No active calls.');
    return;
  }
  emptyEl.hidden = true;
  wrapEl.hidden = false;
  for (const call of calls) {
    const tbody = document.createElement('tbody');
    const legs = legsOf(call);
    const rows = legs.length ? legs : [{ name: null, stats: {} }];
    rows.forEach((leg, i) => {
      const tr = document.createElement('tr');
      if (i === 0) {
        const td = document.createElement('td');
        td.className = 'l call-id';
        td.rowSpan = rows.length;
        td.textContent = String(pick(call, 'call', 'id') ?? '?');
        for (const e of extrasOf(call)) {
          const span = document.createElement('span');
          span.className = 'call-extra';
          span.textContent = e;
          td.appendChild(span);
        }
        tr.appendChild(td);
      }
      const s = leg.stats || {};
      tr.appendChild(cell(leg.name, { left: true }));
      tr.appendChild(cell(pick(s, 'codec'), { left: true }));
      tr.appendChild(cell(num(pick(s, 'packets_sent'))));
      tr.appendChild(cell(num(pick(s, 'packets_received'))));
      tr.appendChild(cell(num(pick(s, 'packets_lost'))));
      tr.appendChild(cell(fixed(pick(s, 'loss_pct'), 2)));
      tr.appendChild(cell(fixed(pick(s, 'jitter_ms'), 1)));
      tr.appendChild(cell(fixed(pick(s, 'rtt_ms'), 0)));
      tr.appendChild(cell(fixed(pick(s, 'mos'), 2), { cls: mosClass(pick(s, 'mos')) }));
      tr.appendChild(cell(pick(s, 'srtp_suite', 'srtp'), { left: true }));
      tr.appendChild(cell(pick(s, 'ice_pair'), { left: true }));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
  }
}

async function poll() {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const r = await fetch('/api/calls', { headers, cache: 'no-store' });
    const time = new Date().toLocaleTimeString();
    if (r.status === 404) {
      showEmpty('statistics not available yet');
      setState(`Updated ${time}: this gateway has no /api/calls yet.`);
    } else if (r.status === 401 || r.status === 403) {
      showEmpty(`Not allowed (HTTP ${r.status}): open this page with ?token=ADMIN_TOKEN.`);
      setState(`Updated ${time}`, true);
    } else if (!r.ok) {
      setState(`GET /api/calls answered HTTP ${r.status} at ${time}; retrying.`, true);
    } else {
      let body;
      try { body = await r.json(); } catch (e) { throw new Error(`not JSON: ${e.message}`); }
      const calls = Array.isArray(body) ? body : Array.isArray(body && body.calls) ? body.calls : null;
      if (!calls) throw new Error('unexpected answer (not an array of calls)');
      render(calls.filter((c) => c && typeof c === 'object'));
      setState(`${calls.length} active call${calls.length === 1 ? '' : 's'} · updated ${time}`);
    }
  } catch (e) {
    setState(`Cannot read /api/calls (${e.message}); retrying every second.`, true);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
