// app.js: the click-to-call page (index.html), built on gateway-client.js.
//
// URL parameters:
//   user=NAME   register as NAME, so that calls for NAME ring this page (every tab of NAME rings;
//               the first Accept wins, the others stop ringing)
//   token=JWT   sent in hello when the gateway has authentication on
//   number=N    fills in the number field
//
// The WebSocket is the page's own origin at /ws (wss:// when the page is https://). The gateway
// sends a strict Content-Security-Policy: everything here is external script and CSS, and the page
// never sets inline styles (classes and the `hidden` attribute only).
import { GatewayClient } from '/gateway-client.js';

const params = new URLSearchParams(location.search);
const USER = (params.get('user') || '').trim();
const TOKEN = params.get('token') || undefined;
const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

const PING_EVERY_MS = 25000;       // keepalive: finds a dead network even when nothing is said
const RECONNECT_MS = [1000, 2000, 4000, 8000, 15000, 30000];

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('dialForm'), number: $('phoneNumber'), callBtn: $('callBtn'), hangupBtn: $('hangupBtn'),
  status: $('status'), duration: $('callDuration'), remote: $('remoteAudio'), connection: $('connection'),
  incoming: $('incoming'), incomingFrom: $('incomingFrom'), acceptBtn: $('acceptBtn'), declineBtn: $('declineBtn'),
  ringHint: $('ringHint'), muteBtn: $('muteBtn'), dtmfSent: $('dtmfSent'),
  keys: [...document.querySelectorAll('[data-digit]')],
};

// ---- status line and connection badge ----

let statusSource = 'idle';   // 'conn' when the status line talks about the connection, else 'call'

// kind: info | progress | ok | error
function setStatus(text, kind = 'info', source = 'call') {
  statusSource = source;
  ui.status.textContent = text;
  ui.status.className = `status status--${kind}`;
}

function setBadge(text, kind) {
  ui.connection.textContent = text;
  ui.connection.className = `badge badge--${kind}`;
}

// 3 -> "00:03", 227 -> "03:47" (running display)
function clock(secs) {
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
  const mm = String(m).padStart(2, '0'), ss = String(s).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// 227 -> "3:47" (the final duration)
function mss(secs) {
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

// The gateway's own text of an error, without the client's "code: " prefix.
function gatewayText(e) {
  if (e && e.reply && e.reply.message) return e.reply.message;
  const msg = String((e && e.message) || e || '');
  return e && e.code && msg.startsWith(`${e.code}: `) ? msg.slice(e.code.length + 2) : msg;
}

function sentence(s) {
  s = String(s || '').trim();
  return !s || /[.!?]$/.test(s) ? s : `${s}.`;
}

// A hangup {by, code, reason, message} in words.
function hangupText(info, call) {
  const inbound = call && call.direction === 'in';
  const by = info.by;
  const words = {
    normal: by === 'local' ? 'You hung up.' : by === 'remote' ? 'The other party hung up.' : 'The gateway ended the call.',
    busy: 'The number is busy.',
    declined: 'The call was declined.',
    'no-answer': 'There was no answer.',
    'not-found': 'The number does not exist or could not be found.',
    unavailable: 'The number cannot be reached right now.',
    rejected: by === 'local' ? 'You declined the call.' : 'The call was rejected.',
    cancelled: inbound ? 'The caller hung up.' : 'The call was cancelled.',
    'answered-elsewhere': 'Answered on another device.',
    'media-timeout': 'Network lost: no audio arrived for too long.',
    'ice-failed': 'Could not set up the audio connection (network or firewall problem).',
    'dtls-failed': 'Could not secure the audio connection.',
    'server-error': 'The gateway had a problem with this call.',
    disconnected: 'Network lost: the connection to the gateway was interrupted.',
    failed: 'The call could not be set up.',
  };
  let text = words[info.reason] || `Reason: ${info.reason || 'unknown'}.`;
  // The gateway itself ending a call says why (e.g. "the gateway is shutting down").
  if (by === 'gateway' && info.message && info.reason === 'unavailable') text = `Network lost: ${sentence(info.message)}`;
  if (typeof info.code === 'number' && info.code >= 300 && info.code < 700) text = `${text.replace(/\.$/, '')} (SIP ${info.code}).`;
  return text;
}

// A failed request (call, accept, connect...) in words.
function errorText(e, number) {
  const text = gatewayText(e);
  switch (e && e.code) {
    case 'bad-request': return number ? `The gateway rejected the number "${short(number)}": ${sentence(text)}` : `Request refused: ${sentence(text)}`;
    case 'unavailable': return `The gateway cannot place this call right now: ${sentence(text)}`;
    case 'busy': return 'The gateway is busy. Try again in a moment.';
    case 'rate-limited': return 'Too many calls in a short time. Wait a moment and try again.';
    case 'unauthorized': return `The gateway refused the login: ${sentence(text)} Check the token in the link.`;
    case 'forbidden': return `Not allowed: ${sentence(text)}`;
    case 'too-large': return 'The request was too large for the gateway.';
    case 'timeout': return 'The gateway did not answer in time. Check your network connection and try again.';
    case 'closed': case 'not-connected': return 'Network lost: the connection to the gateway closed.';
    case 'media': return `Could not set up audio in this browser: ${sentence(text)}`;
    case 'internal': return `The gateway had an internal problem: ${sentence(text)}`;
    default: return sentence(text) || 'Something went wrong.';
  }
}

// ---- audio: ringtone, key tones, unlocking playback ----

let audioCtx = null;
function audio() {
  if (!audioCtx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    audioCtx = new AC();
    audioCtx.addEventListener('statechange', () => { if (audioCtx.state === 'running') ui.ringHint.hidden = true; });
  }
  return audioCtx;
}

// Browsers start audio only after a user gesture: every click or key press tries.
function unlockAudio() {
  const ctx = audio();
  if (ctx && ctx.state === 'suspended') ctx.resume().catch(() => {});
  if (ui.remote.srcObject && ui.remote.paused) ui.remote.play().catch(() => {});
}
document.addEventListener('pointerdown', unlockAudio, { passive: true });
document.addEventListener('keydown', unlockAudio, { passive: true });

// North American ringing: 440 + 480 Hz, 2 s on, 4 s off, generated with WebAudio.
const ringer = {
  nodes: null, timer: null,
  start() {
    if (this.nodes) return;
    const ctx = audio();
    if (navigator.vibrate) navigator.vibrate([800, 400, 800]);
    if (!ctx) return;
    if (ctx.state !== 'running') {
      ctx.resume().catch(() => {});
      ui.ringHint.hidden = false;   // hidden again by the statechange listener once it runs
    }
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscs = [440, 480].map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      return o;
    });
    this.nodes = { gain, oscs };
    let next = ctx.currentTime + 0.05;
    const schedule = () => {   // keeps the next 12 s scheduled
      while (next < ctx.currentTime + 12) {
        gain.gain.setValueAtTime(0, next);
        gain.gain.linearRampToValueAtTime(0.12, next + 0.02);
        gain.gain.setValueAtTime(0.12, next + 2);
        gain.gain.linearRampToValueAtTime(0, next + 2.02);
        next += 6;
      }
      if (navigator.vibrate && this.nodes) navigator.vibrate([800, 400, 800]);
    };
    schedule();
    this.timer = setInterval(schedule, 6000);
  },
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (navigator.vibrate) navigator.vibrate(0);
    if (!this.nodes) return;
    const { gain, oscs } = this.nodes;
    this.nodes = null;
    for (const o of oscs) { try { o.stop(); } catch (_) { /* already stopped */ } o.disconnect(); }
    gain.disconnect();
    ui.ringHint.hidden = true;
  },
};

// A short local DTMF tone, so that pressing a key is heard.
const DTMF_HZ = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477], A: [697, 1633], 4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
  B: [770, 1633], 7: [852, 1209], 8: [852, 1336], 9: [852, 1477], C: [852, 1633], '*': [941, 1209], 0: [941, 1336],
  '#': [941, 1477], D: [941, 1633],
};
function keyTone(digit) {
  const ctx = audio();
  const f = DTMF_HZ[digit];
  if (!ctx || !f || ctx.state !== 'running') return;
  const gain = ctx.createGain();
  const t = ctx.currentTime;
  gain.gain.setValueAtTime(0.08, t);
  gain.gain.setValueAtTime(0, t + 0.12);
  gain.connect(ctx.destination);
  for (const hz of f) {
    const o = ctx.createOscillator();
    o.frequency.value = hz;
    o.connect(gain);
    o.start(t);
    o.stop(t + 0.13);
    o.onended = () => o.disconnect();
  }
  setTimeout(() => gain.disconnect(), 300);
}

// ---- the connection to the gateway ----

let client = null;          // the connected GatewayClient
let connecting = null;      // the promise of the connection under way
let reconnectTimer = null;
let reconnectAttempt = 0;
let pingTimer = null;

function onlineBadge() {
  if (client && client.connected) setBadge(client.user && USER ? `Registered as ${client.user}` : 'Connected', 'ok');
}

// Resolves with a connected (and, with user=, registered) client; rejects with a GatewayError.
function ensureConnected() {
  if (client && client.connected) return Promise.resolve(client);
  if (connecting) return connecting;
  connecting = (async () => {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setBadge('Connecting…', 'busy');
    const c = new GatewayClient({ requestTimeoutMs: 15000 });
    c.on('incoming', onIncoming);
    c.on('close', (ev) => onClosed(c, ev));
    try {
      await c.connect(WS_URL, { token: TOKEN, timeoutMs: 10000 });
      if (USER) await c.register(USER);
    } catch (e) {
      try { c.close(); } catch (_) { /* not open */ }
      setBadge('Not connected', 'error');
      throw e;
    }
    client = c;
    reconnectAttempt = 0;
    onlineBadge();
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (c !== client || !c.connected) return;
      c.ping().catch(() => { if (c === client) c.close(); });   // no pong: the network is gone
    }, PING_EVERY_MS);
    return c;
  })();
  const p = connecting;
  p.then(() => { connecting = null; }, () => { connecting = null; });
  return p;
}

// True while the status line reports a call that the lost connection ended: the connection
// messages then leave it in place (the badge says "Disconnected").
let lostCall = false;

function onClosed(c, ev) {
  if (c !== client) return;
  client = null;
  clearInterval(pingTimer);
  // The client has already ended every call with reason "disconnected" (see hangup handling).
  if (USER) {
    scheduleReconnect();
  } else {
    setBadge('Disconnected', 'error');
    if (!active && !lostCall) setStatus(`Network lost: the connection to the gateway closed (code ${ev.code}).`, 'error', 'conn');
  }
}

function scheduleReconnect() {
  const ms = RECONNECT_MS[Math.min(reconnectAttempt, RECONNECT_MS.length - 1)];
  reconnectAttempt++;
  setBadge(`Disconnected · retrying in ${Math.round(ms / 1000)} s`, 'error');
  if (!active && statusSource !== 'call-ended' && !lostCall) {
    setStatus(`Network lost: no connection to the gateway. Reconnecting in ${Math.round(ms / 1000)} s…`, 'error', 'conn');
  }
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(register, ms);
}

// user=: connect and register at load, and again after a lost connection.
async function register() {
  if (statusSource !== 'call' && statusSource !== 'call-ended' && !active) setStatus('Connecting to server…', 'progress', 'conn');
  try {
    await ensureConnected();
    if (!active && statusSource !== 'call-ended') setStatus(`Registered as ${client.user || USER}`, 'ok', 'conn');
  } catch (e) {
    const permanent = ['unauthorized', 'forbidden', 'bad-request'].includes(e.code);
    const why = e.code === 'closed' || e.code === 'timeout'
      ? `Cannot reach the gateway at ${WS_URL}.` : `Could not register as ${USER}: ${errorText(e)}`;
    if (!active) setStatus(permanent ? why : `${why} Retrying…`, 'error', 'conn');
    if (!permanent) scheduleReconnect();
    else setBadge('Not registered', 'error');
  }
}

window.addEventListener('offline', () => {
  setBadge('Offline', 'error');
  if (!active) setStatus('Network lost: this device is offline.', 'error', 'conn');
});
window.addEventListener('online', () => {
  if (USER && !client) { reconnectAttempt = 0; register(); } else onlineBadge();
});

// ---- calls ----

// The call in progress (one at a time):
// { direction, number, call, stream, answeredAt, timer, ended, cancelled, dtmf }
let active = null;
let ringingCall = null;     // an incoming Call that is ringing here and not yet taken

function updateControls() {
  const a = active;
  const inCall = !!a && !a.ended;
  const talking = inCall && a.call && ['answered', 'early'].includes(a.call.state);
  ui.callBtn.disabled = inCall || !!ringingCall;
  ui.hangupBtn.disabled = !inCall;
  ui.number.readOnly = inCall;
  ui.muteBtn.disabled = !(inCall && a.stream);
  const muted = inCall && a.muted;
  ui.muteBtn.setAttribute('aria-pressed', String(!!muted));
  ui.muteBtn.textContent = muted ? 'Unmute' : 'Mute';
  ui.muteBtn.classList.toggle('btn--active', !!muted);
  for (const k of ui.keys) k.disabled = inCall && !talking;
  ui.keys[0].parentElement.classList.toggle('keypad--dtmf', !!talking);
  const offer = !!ringingCall && !inCall;
  ui.incoming.hidden = !ringingCall;
  ui.acceptBtn.disabled = !offer;
  ui.declineBtn.disabled = !offer;
  document.body.classList.toggle('in-call', inCall);
  document.body.classList.toggle('ringing', !!ringingCall);
}

function isAudioUsable() {
  return typeof navigator !== 'undefined' && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
}

// getUserMedia with an error that says what to do.
async function getMicrophone() {
  if (!isAudioUsable()) {
    throw Object.assign(new Error('This page must be opened over HTTPS (or on localhost) to use the microphone.'), { user: true });
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  } catch (e) {
    const what = {
      NotAllowedError: 'Microphone access was denied. Allow the microphone for this site (the icon in the address bar) and try again.',
      SecurityError: 'Microphone access was denied. Allow the microphone for this site (the icon in the address bar) and try again.',
      NotFoundError: 'No microphone was found. Connect one and try again.',
      NotReadableError: 'The microphone could not be opened: another application may be using it.',
      OverconstrainedError: 'No microphone matches what this page asks for.',
      AbortError: 'Opening the microphone was interrupted. Try again.',
    }[e.name] || `The microphone could not be opened (${e.name}: ${e.message}).`;
    throw Object.assign(new Error(what), { user: true });
  }
}

function attachRemote(stream) {
  if (!stream || ui.remote.srcObject === stream) return;
  ui.remote.srcObject = stream;
  ui.remote.play().catch(() => {
    setStatus('Click anywhere on the page to hear the call.', 'info');
  });
}

function startTimer(a) {
  a.answeredAt = Date.now();
  const render = () => {
    const t = `Call Duration: ${clock(Math.floor((Date.now() - a.answeredAt) / 1000))}`;
    if (ui.duration.textContent !== t) ui.duration.textContent = t;
  };
  render();
  a.timer = setInterval(render, 200);
}

// Listens to everything a call says; both directions.
function wireCall(a, call) {
  call.on('track', () => attachRemote(call.remoteStream));
  call.on('progress', ({ status }) => {
    if (a.ended || a.answeredAt) return;
    if (status === 'ringing' || status === 'early-media') {
      if (ui.status.textContent !== 'Ringing…') setStatus('Ringing…', 'progress');
    }
    updateControls();
  });
  call.on('answered', () => {
    if (a.ended || a.answeredAt) return;
    setStatus('Call answered ✓', 'ok');
    startTimer(a);
    updateControls();
  });
  call.on('state', () => updateControls());
  call.on('held', () => { if (!a.ended) setStatus('On hold: the other party put the call on hold.', 'info'); });
  call.on('resumed', () => { if (!a.ended) setStatus('Call resumed ✓', 'ok'); });
  call.on('dtmf', ({ digit }) => { if (!a.ended) ui.dtmfSent.textContent = `Far end pressed ${digit}`; });
  call.on('connection', (state) => {
    if (a.ended || !a.answeredAt) return;
    if (state === 'disconnected') setStatus('Network problem: the audio connection is interrupted…', 'error');
    else if (state === 'failed') setStatus('Network lost: the audio connection failed.', 'error');
    else if (state === 'connected' && ui.status.classList.contains('status--error')) setStatus('Call answered ✓ (audio restored)', 'ok');
  });
  call.on('hangup', (info) => {
    if (info.reason === 'failed') return;   // call() rejects too: its catch reports it
    finishCall(a, info);
  });
}

// Ends the call in the page: status, timer, microphone, audio, controls.
function finishCall(a, info, text) {
  if (a.ended) return;
  a.ended = true;
  clearInterval(a.timer);
  if (a.stream) for (const t of a.stream.getTracks()) t.stop();
  if (active === a) active = null;
  ui.remote.srcObject = null;
  ui.duration.textContent = '';
  ui.dtmfSent.textContent = '';
  let kind = 'info';
  if (!text) {
    const why = hangupText(info || { by: 'local', reason: 'normal' }, a.call);
    const abnormal = info && !['normal', 'cancelled', 'answered-elsewhere', 'rejected'].includes(info.reason);
    if (a.answeredAt) {
      text = `Call ended (Duration: ${mss(Math.floor((Date.now() - a.answeredAt) / 1000))}) · ${why}`;
      kind = abnormal ? 'error' : 'info';
    } else if (info && info.by === 'local' && info.reason === 'normal') {
      text = 'Call cancelled.';
    } else if (a.direction === 'in' && info && info.reason === 'cancelled') {
      text = `Missed call from ${a.number || 'an unknown number'}.`;
    } else {
      text = `Call failed: ${why}`;
      kind = 'error';
    }
  } else {
    kind = 'error';
  }
  setStatus(text, kind, 'call-ended');
  lostCall = !!info && info.reason === 'disconnected';
  document.title = 'Browser Phone';
  updateControls();
}

// A phone number (digits, optional leading +, spaces, dashes, dots, parentheses, * and #) or a
// single word such as a SIP user name ("echo"). The gateway has the last word on what it accepts.
function numberProblem(number) {
  if (/^[A-Za-z][A-Za-z0-9._-]*$/.test(number)) return null;
  if (/^\+?[0-9\s().*#-]+$/.test(number) && /[0-9]/.test(number)) return null;
  return `"${short(number)}" is not a phone number. Use digits, optionally starting with + (for example +1 555 867 5309).`;
}

function short(text, max = 32) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

async function placeCall() {
  if (active || ringingCall) return;
  const number = ui.number.value.trim();
  if (!number) {
    setStatus('Enter a phone number to call.', 'error');
    ui.number.focus();
    return;
  }
  const bad = numberProblem(number);
  if (bad) {
    setStatus(bad, 'error');
    ui.number.focus();
    return;
  }
  unlockAudio();
  const a = { direction: 'out', number, call: null, stream: null, answeredAt: 0, ended: false, dtmf: Promise.resolve() };
  active = a;
  ui.dtmfSent.textContent = '';
  updateControls();
  let onOutgoing = null;
  try {
    setStatus('Requesting microphone access…', 'progress');
    a.stream = await getMicrophone();
    if (a.ended) return;
    setStatus('Microphone granted ✓', 'ok');
    updateControls();
    if (!client || !client.connected) {
      setStatus('Connecting to server…', 'progress');
      try {
        await ensureConnected();
      } catch (e) {
        if (e.code === 'closed' || e.code === 'timeout') {
          throw Object.assign(new Error(`Cannot reach the gateway at ${WS_URL}. Check your network connection and try again.`), { user: true });
        }
        throw e;
      }
      if (a.ended) return;
    }
    setStatus('Connected to WebRTC gateway ✓', 'ok');
    setStatus(`Calling ${number}…`, 'progress');
    document.title = `Calling ${number}… · Browser Phone`;
    onOutgoing = (call) => {
      if (a.call) return;
      a.call = call;
      wireCall(a, call);
    };
    client.on('outgoing', onOutgoing);
    const call = await client.call(number, { stream: a.stream });
    if (client) client.off('outgoing', onOutgoing);
    if (a.ended) {                       // hung up while the gateway was answering
      if (call.state !== 'ended') call.hangup().catch(() => {});
      return;
    }
    attachRemote(call.remoteStream);
    updateControls();
  } catch (e) {
    if (onOutgoing && client) client.off('outgoing', onOutgoing);
    if (a.ended) return;
    finishCall(a, null, e.user ? e.message : errorText(e, number));
  }
}

async function hangUp() {
  const a = active;
  if (!a || a.ended) return;
  ui.hangupBtn.disabled = true;
  if (!a.call) {                         // still asking for the microphone or connecting
    finishCall(a, { by: 'local', reason: 'normal' });
    return;
  }
  try {
    await a.call.hangup();               // the call's hangup event finishes it
  } catch (e) {
    finishCall(a, { by: 'local', reason: 'normal' });
  }
}

// ---- incoming calls ----

function onIncoming(call) {
  if (active || ringingCall) {           // one call at a time: this session says busy
    call.reject().catch(() => {});
    return;
  }
  ringingCall = call;
  const from = call.from || 'an unknown number';
  ui.incomingFrom.textContent = from;
  setStatus(`Incoming call from ${from}`, 'progress');
  document.title = `Incoming call from ${from} · Browser Phone`;
  call.on('hangup', (info) => {
    if (ringingCall !== call) return;   // accepted here: wireCall handles it
    ringingCall = null;
    ringer.stop();
    const text = info.reason === 'answered-elsewhere' ? `Call from ${from} answered on another device.`
      : info.by === 'local' && info.reason === 'rejected' ? `Call from ${from} declined.`
      : info.reason === 'disconnected' ? `Call from ${from} lost: ${hangupText(info, call)}`
      : `Missed call from ${from}.`;
    setStatus(text, info.reason === 'disconnected' ? 'error' : 'info', 'call-ended');
    document.title = 'Browser Phone';
    updateControls();
  });
  ringer.start();
  updateControls();
}

async function acceptIncoming() {
  const call = ringingCall;
  if (!call || active) return;
  ringingCall = null;
  ringer.stop();
  unlockAudio();
  const a = { direction: 'in', number: call.from, call, stream: null, answeredAt: 0, ended: false, dtmf: Promise.resolve() };
  active = a;
  wireCall(a, call);
  updateControls();
  try {
    setStatus('Requesting microphone access…', 'progress');
    a.stream = await getMicrophone();
    if (a.ended) return;
    setStatus('Microphone granted ✓', 'ok');
    setStatus(`Answering ${call.from || 'the call'}…`, 'progress');
    updateControls();
    await call.accept({ stream: a.stream });
    attachRemote(call.remoteStream);
  } catch (e) {
    if (a.ended) return;
    if (call.state === 'ringing') call.reject().catch(() => {});   // tell the caller rather than let it ring
    finishCall(a, null, e.user ? e.message : `Could not answer: ${errorText(e)}`);
  }
}

async function declineIncoming() {
  const call = ringingCall;
  if (!call) return;
  ringer.stop();
  try { await call.reject(); } catch (_) { /* the call ends here in any case */ }
}

// ---- DTMF and mute ----

function pressKey(digit) {
  const a = active;
  keyTone(digit);
  if (!a) {                               // no call: the keypad dials
    if (!ui.number.readOnly) ui.number.value += digit;
    return;
  }
  if (a.ended || !a.call || !['answered', 'early'].includes(a.call.state)) return;
  a.dtmf = a.dtmf.then(() => a.call.sendDtmf(digit)).then(() => {
    a.digits = `${a.digits || ''}${digit}`.slice(-16);
    if (!a.ended) ui.dtmfSent.textContent = `Keys sent: ${a.digits}`;
  }, (e) => {
    if (!a.ended) ui.dtmfSent.textContent = `Key ${digit} not sent: ${sentence(gatewayText(e))}`;
  });
}

function toggleMute() {
  const a = active;
  if (!a || !a.stream) return;
  a.muted = !a.muted;
  for (const t of a.stream.getAudioTracks()) t.enabled = !a.muted;
  updateControls();
}

// ---- wiring ----

ui.form.addEventListener('submit', (ev) => { ev.preventDefault(); placeCall(); });
ui.hangupBtn.addEventListener('click', hangUp);
ui.acceptBtn.addEventListener('click', acceptIncoming);
ui.declineBtn.addEventListener('click', declineIncoming);
ui.muteBtn.addEventListener('click', toggleMute);
for (const k of ui.keys) k.addEventListener('click', () => pressKey(k.dataset.digit));
ui.number.addEventListener('input', () => {
  if (statusSource === 'call-ended' || ui.status.classList.contains('status--error')) {
    setStatus(USER && client ? `Registered as ${client.user || USER}` : 'Ready to call...', 'info', 'idle');
  }
});
// During a call, the keyboard's digits are DTMF too (outside the number field).
document.addEventListener('keydown', (ev) => {
  if (!active || ev.target === ui.number || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (/^[0-9*#]$/.test(ev.key)) {
    const k = ui.keys.find((b) => b.dataset.digit === ev.key);
    if (k && !k.disabled) { k.classList.add('key--pressed'); setTimeout(() => k.classList.remove('key--pressed'), 150); }
    pressKey(ev.key);
  }
});
// Leaving the page hangs up rather than leaving the far end talking to nobody.
window.addEventListener('pagehide', () => {
  if (active && active.call && !active.ended) active.call.hangup().catch(() => {});
  if (client) client.close();
});

if (params.has('number')) ui.number.value = params.get('number');
updateControls();
if (USER) {
  $('footerHint').textContent = `Calls for ${USER} ring this tab (and every other tab open as ${USER}).`;
  register();
} else {
  setStatus('Ready to call...', 'info', 'idle');
}
