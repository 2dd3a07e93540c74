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
//
// The last column charts loss %, jitter and MOS of each leg over the call's life (one point per poll,
// the last HISTORY_MAX kept), drawn as small SVG lines; the history of a call is dropped when it ends.

const POLL_MS = 1000;
const HISTORY_MAX = 900;   // 15 min of one-second points
const SVG_NS = 'http://www.w3.org/2000/svg';
const CHARTS = [
  { key: 'loss_pct', label: 'loss', unit: '%', floor: 5, digits: 1 },
  { key: 'jitter_ms', label: 'jitter', unit: ' ms', floor: 30, digits: 0 },
  { key: 'mos', label: 'MOS', unit: '', min: 1, max: 5, digits: 2 },
];
const history = new Map();   // "call/leg" -> { loss_pct: [...], jitter_ms: [...], mos: [...] }
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

function remember(key, stats) {
  let h = history.get(key);
  if (!h) {
    h = Object.fromEntries(CHARTS.map((c) => [c.key, []]));
    history.set(key, h);
  }
  for (const c of CHARTS) {
    const series = h[c.key];
    series.push(num(pick(stats, c.key)));
    if (series.length > HISTORY_MAX) series.shift();
  }
  return h;
}

// One small line chart: the series scaled to [min, max] (max grows with the data, at least `floor`);
// gaps (unknown values) break the line. The title says the latest value and the peak.
function spark(series, c) {
  const W = 72, H = 16;
  const known = series.filter((v) => v !== null);
  const lo = c.min ?? 0;
  const hi = c.max ?? Math.max(c.floor, ...known);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `spark spark--${c.label.toLowerCase()}`);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  svg.setAttribute('role', 'img');
  const last = known.length ? known[known.length - 1] : null;
  const peak = known.length ? Math.max(...known) : null;
  const text = last === null ? `${c.label}: no data yet`
    : `${c.label} now ${last.toFixed(c.digits)}${c.unit}, peak ${peak.toFixed(c.digits)}${c.unit}, ${known.length} s`;
  svg.setAttribute('aria-label', text);
  const title = document.createElementNS(SVG_NS, 'title');
  title.textContent = text;
  svg.appendChild(title);
  const step = series.length > 1 ? W / (series.length - 1) : W;
  let points = [];
  const flush = () => {
    if (points.length === 1) points.push(`${Math.min(W, Number(points[0].split(',')[0]) + 1)},${points[0].split(',')[1]}`);
    if (points.length) {
      const line = document.createElementNS(SVG_NS, 'polyline');
      line.setAttribute('points', points.join(' '));
      svg.appendChild(line);
    }
    points = [];
  };
  series.forEach((v, i) => {
    if (v === null) { flush(); return; }
    const y = H - 1 - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo || 1)) * (H - 2);
    points.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  flush();
  return svg;
}

function chartsCell(h) {
  const td = document.createElement('td');
  td.className = 'l charts';
  for (const c of CHARTS) {
    const fig = document.createElement('span');
    fig.className = 'chart';
    const label = document.createElement('span');
    label.className = 'chart__label';
    label.textContent = c.label;
    fig.append(label, spark(h[c.key], c));
    td.appendChild(fig);
  }
  return td;
}

function render(calls) {
  const live = new Set();
  for (const tb of [...table.tBodies]) tb.remove();
  if (!calls.length) {
    history.clear();
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
      const key = `${pick(call, 'call', 'id')}/${leg.name}`;
      live.add(key);
      tr.appendChild(chartsCell(remember(key, s)));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
  }
  for (const key of [...history.keys()]) if (!live.has(key)) history.delete(key);
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
