// gateway-client.js: a dependency-free client for the webrtc-sip-gateway browser protocol, version 1
// (docs/protocol.md). ES module; runs in browsers, and in node for the signaling part when a
// WebSocket implementation is passed in (media needs RTCPeerConnection, i.e. a browser).
//
//   import { GatewayClient } from '/gateway-client.js';
//   const gw = new GatewayClient();
//   await gw.connect('wss://gw.example:8443/ws', { token });
//   const call = await gw.call('+15558675309', { codec: 'opus' });
//   call.on('answered', () => ...); call.on('hangup', (h) => ...);
//   await call.hangup();

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'gateway.v1';

// Every failure this library reports is a GatewayError. `code` is the gateway's error word
// (bad-request, not-found, unavailable, ...) or one of the client's own: timeout, closed,
// not-connected, media, unsupported-codec, invalid-state.
export class GatewayError extends Error {
  constructor(code, message, { rid, call, reply } = {}) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'GatewayError';
    this.code = code;
    this.rid = rid;
    this.call = call;
    this.reply = reply;
  }
}

// A minimal event emitter: on/off/once/emit, plus wait() that resolves with the next event.
export class Emitter {
  constructor() { this._handlers = new Map(); }

  on(type, fn) {
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(fn);
    return this;
  }

  off(type, fn) {
    const set = this._handlers.get(type);
    if (set) set.delete(fn);
    return this;
  }

  once(type, fn) {
    const wrapped = (...args) => { this.off(type, wrapped); fn(...args); };
    return this.on(type, wrapped);
  }

  emit(type, ...args) {
    for (const fn of [...(this._handlers.get(type) || [])]) {
      try { fn(...args); } catch (e) { setTimeout(() => { throw e; }); } // a listener's bug must not break us
    }
    for (const fn of [...(this._handlers.get('*') || [])]) {
      try { fn(type, ...args); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  // Resolves with the first argument of the next `type` event (that passes `filter`), or rejects
  // with GatewayError('timeout') after timeoutMs (0 = wait forever).
  wait(type, { timeoutMs = 0, filter = null } = {}) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const fn = (arg) => {
        if (filter && !filter(arg)) return;
        this.off(type, fn);
        if (timer) clearTimeout(timer);
        resolve(arg);
      };
      this.on(type, fn);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.off(type, fn);
          reject(new GatewayError('timeout', `no "${type}" event within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }
}

const CALL_ID_RE = /^[A-Za-z0-9\-_.:]{1,64}$/;
const DTMF_RE = /^[0-9*#A-Da-d]{1,32}$/;

// The success reply type for each request type; everything else answers {"type":"ok"}.
const SUCCESS = { hello: 'welcome', register: 'registered', ping: 'pong', call: 'answer' };

// Picks the codec list for RTCRtpTransceiver.setCodecPreferences(): the named codecs first, in the
// order given, then telephone-event so that DTMF keeps working. Names are matched against the
// mimeType without "audio/", case-insensitively ("opus", "PCMU", "PCMA", "G722").
export function codecPreferences(capabilities, codec) {
  const wanted = (Array.isArray(codec) ? codec : [codec]).map((c) => String(c).toLowerCase());
  const codecs = (capabilities && capabilities.codecs) || [];
  const picked = [];
  for (const name of wanted) {
    for (const c of codecs) if (c.mimeType.toLowerCase() === `audio/${name}`) picked.push(c);
  }
  if (!picked.length) {
    const have = [...new Set(codecs.map((c) => c.mimeType))].join(', ');
    throw new GatewayError('unsupported-codec', `this browser has no ${wanted.join('/')} (it has ${have})`);
  }
  for (const c of codecs) if (c.mimeType.toLowerCase() === 'audio/telephone-event') picked.push(c);
  return picked;
}

function sdpCandidateCount(sdp) {
  return (String(sdp).match(/^a=candidate:/gm) || []).length;
}

// One call, outbound (client.call) or inbound (the client's "incoming" event).
//
// Events: state (new state), progress ({status}), answered, hangup ({by, code, reason}),
// dtmf ({digit}), held ({by}), resumed, track ({track, streams}), connection (pc.connectionState),
// warning ({message, error}).
export class Call extends Emitter {
  constructor(client, id, direction) {
    super();
    this.client = client;
    this.id = id;
    this.direction = direction;         // 'out' | 'in'
    this.state = 'new';                 // new, calling, ringing, accepting, connecting, early, answered, ended
    this.pc = null;
    this.localStream = null;
    this.remoteStream = null;
    this.from = null;
    this.to = null;
    this.remoteSdp = null;               // the gateway's answer (outbound) or offer (inbound)
    this.sentSdp = null;                 // the SDP as sent to the gateway
    this.trickle = true;
    this.hangupInfo = null;
    this.candidates = { sent: 0, acked: 0, failed: 0, endSent: false, received: 0, endReceived: false,
                        inRemoteSdp: 0, errors: [] };
    this._ownPc = false;
    this._ownStream = false;
    this._remoteReady = false;           // remote description applied: candidates can go in
    this._pendingRemote = [];            // remote candidates that arrived before that
    this._signaled = false;              // call/accept sent: local candidates can go out
    this._pendingLocal = [];             // local candidates gathered before that
    this._listeners = [];
    this.ended = new Promise((resolve) => { this._resolveEnded = resolve; });
  }

  _setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  // ---- media setup shared by outbound and inbound calls ----

  async _preparePc(opts) {
    let pc = opts.pc;
    if (!pc) {
      if (typeof RTCPeerConnection === 'undefined') throw new GatewayError('media', 'RTCPeerConnection is not available here');
      pc = new RTCPeerConnection({ iceServers: this.client.iceServers || [], ...(opts.rtcConfig || {}) });
      this._ownPc = true;
    }
    this.pc = pc;
    this._listen(pc, 'icecandidate', (ev) => this._onLocalCandidate(ev.candidate));
    this._listen(pc, 'track', (ev) => {
      this.remoteStream = (ev.streams && ev.streams[0]) || this.remoteStream || new MediaStream([ev.track]);
      this.emit('track', { track: ev.track, streams: ev.streams });
    });
    this._listen(pc, 'connectionstatechange', () => this.emit('connection', pc.connectionState));

    let stream = opts.stream || null;
    const hasAudio = pc.getTransceivers().some((t) => t.receiver.track && t.receiver.track.kind === 'audio');
    if (!stream && !hasAudio) {
      if (!(typeof navigator !== 'undefined' && navigator.mediaDevices)) {
        throw new GatewayError('media', 'no stream given and getUserMedia is not available (insecure context?)');
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: opts.audio || true, video: false });
      } catch (e) {
        throw new GatewayError('media', `getUserMedia failed: ${e.name}: ${e.message}`);
      }
      this._ownStream = true;
    }
    if (stream) {
      this.localStream = stream;
      for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
    }
    if (opts.codec && this.direction === 'out') this._applyCodec(opts.codec);
  }

  _applyCodec(codec) {
    const caps = RTCRtpReceiver.getCapabilities('audio');
    const prefs = codecPreferences(caps, codec);
    const audio = this.pc.getTransceivers().filter((t) => t.receiver.track && t.receiver.track.kind === 'audio');
    if (!audio.length) throw new GatewayError('media', 'no audio transceiver to apply the codec to');
    for (const t of audio) t.setCodecPreferences(prefs);
  }

  _listen(target, type, fn) {
    target.addEventListener(type, fn);
    this._listeners.push([target, type, fn]);
  }

  // Resolves with the local description once ICE gathering is complete (or after timeoutMs, with
  // whatever was gathered by then).
  _gathered(timeoutMs) {
    const pc = this.pc;
    if (pc.iceGatheringState === 'complete') return Promise.resolve(pc.localDescription);
    return new Promise((resolve) => {
      let timedOut = false;
      const done = () => {
        if (pc.iceGatheringState !== 'complete' && !timedOut) return;
        pc.removeEventListener('icegatheringstatechange', done);
        clearTimeout(timer);
        resolve(pc.localDescription);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        this.emit('warning', { message: `ICE gathering not complete after ${timeoutMs} ms; sending what we have` });
        done();
      }, timeoutMs);
      pc.addEventListener('icegatheringstatechange', done);
    });
  }

  // Sets the local description and returns the SDP to put on the wire. Trickle: the description
  // as created (no candidates; they follow as "candidate" messages). No trickle: the description
  // after gathering, with every candidate inside.
  async _localSdp(desc, opts) {
    await this.pc.setLocalDescription(desc);
    let sdp;
    if (this.trickle) {
      sdp = desc.sdp;
    } else {
      sdp = (await this._gathered(opts.gatherTimeoutMs ?? 5000)).sdp;
    }
    if (opts.mungeSdp) sdp = opts.mungeSdp(sdp);
    this.sentSdp = sdp;
    return sdp;
  }

  // ---- trickle ICE ----

  _onLocalCandidate(cand) {
    if (!this.trickle || this.state === 'ended') return;
    if (cand && !cand.candidate) return;   // an empty string marks the end of a generation; null follows
    const json = cand ? { candidate: cand.candidate, sdpMid: cand.sdpMid, sdpMLineIndex: cand.sdpMLineIndex } : null;
    if (!this._signaled) { this._pendingLocal.push(json); return; }
    this._sendCandidate(json);
  }

  _sendCandidate(json) {
    if (json === null) { if (this.candidates.endSent) return; this.candidates.endSent = true; } else this.candidates.sent++;
    this.client.request({ type: 'candidate', call: this.id, candidate: json })
      .then(() => { this.candidates.acked++; })
      .catch((e) => {
        this.candidates.failed++;
        this.candidates.errors.push(e.message);
        this.emit('warning', { message: `candidate refused: ${e.message}`, error: e });
      });
  }

  _flushLocal() {
    this._signaled = true;
    if (this.trickle) for (const c of this._pendingLocal.splice(0)) this._sendCandidate(c);
  }

  async _addRemoteCandidate(c) {
    if (!this.pc || this.state === 'ended') return;
    try {
      if (c === null || c === undefined) {
        this.candidates.endReceived = true;
        await this.pc.addIceCandidate();
      } else {
        this.candidates.received++;
        const init = { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
        if (init.sdpMid === null && init.sdpMLineIndex === null) init.sdpMLineIndex = 0;
        await this.pc.addIceCandidate(init);
      }
    } catch (e) {
      this.emit('warning', { message: `remote candidate not applied: ${e.message}`, error: e });
    }
  }

  async _setRemote(type, sdp) {
    this.remoteSdp = sdp;
    this.candidates.inRemoteSdp = sdpCandidateCount(sdp);
    await this.pc.setRemoteDescription({ type, sdp });
    this._remoteReady = true;
    for (const c of this._pendingRemote.splice(0)) await this._addRemoteCandidate(c);
  }

  // ---- messages from the gateway about this call ----

  _onMessage(m) {
    switch (m.type) {
      case 'candidate':
        if (!this._remoteReady) this._pendingRemote.push(m.candidate);
        else this._addRemoteCandidate(m.candidate);
        break;
      case 'progress':
        if (m.status === 'early-media') this._setState('early');
        this.emit('progress', { status: m.status });
        break;
      case 'answered':
        this._setState('answered');
        this.emit('answered', {});
        break;
      case 'hangup':
        this._end({ by: m.by || 'gateway', code: m.code, reason: m.reason || 'normal', message: m.message });
        break;
      case 'dtmf':
        this.emit('dtmf', { digit: m.digit });
        break;
      case 'held':
        this.emit('held', { by: m.by || 'remote' });
        break;
      case 'resumed':
        this.emit('resumed', {});
        break;
      case 'error':
        this.emit('warning', { message: `${m.code}: ${m.message}`, error: new GatewayError(m.code, m.message, { call: this.id, reply: m }) });
        break;
      default:
        break;
    }
  }

  // Ends the call locally (no message to the gateway): closes what we opened, emits "hangup" once.
  _end(info) {
    if (this.state === 'ended') return;
    this.hangupInfo = info;
    this._setState('ended');
    for (const [target, type, fn] of this._listeners.splice(0)) target.removeEventListener(type, fn);
    if (this._ownPc && this.pc) this.pc.close();
    if (this._ownStream && this.localStream) for (const t of this.localStream.getTracks()) t.stop();
    this.client._calls.delete(this.id);
    this.emit('hangup', info);
    this._resolveEnded(info);
  }

  // ---- what the application calls ----

  // Hangs up. Resolves with the gateway's reply; a gateway that no longer knows the call
  // (not-found) counts as success. The call ends locally in every case.
  async hangup() {
    if (this.state === 'ended') return null;
    try {
      const r = await this.client.request({ type: 'hangup', call: this.id });
      this._end({ by: 'local', reason: 'normal' });
      return r;
    } catch (e) {
      this._end({ by: 'local', reason: 'normal' });
      if (e.code === 'not-found') return e.reply || null;
      throw e;
    }
  }

  // Asks the gateway to send these digits to the far end as RFC 4733 events (or SIP INFO).
  async sendDtmf(digits) {
    digits = String(digits);
    if (!DTMF_RE.test(digits)) throw new GatewayError('bad-request', `DTMF digits must match ${DTMF_RE}`);
    if (this.state === 'ended') throw new GatewayError('invalid-state', 'the call has ended');
    return this.client.request({ type: 'dtmf', call: this.id, digits });
  }

  // Sends DTMF in-band with the browser's RTCDTMFSender (the gateway maps it to the far end).
  insertDtmf(tones, duration = 100, gap = 70) {
    const sender = this.pc && this.pc.getSenders().find((s) => s.dtmf);
    if (!sender) throw new GatewayError('media', 'no RTCDTMFSender on this call');
    sender.dtmf.insertDTMF(tones, duration, gap);
  }

  // Inbound only: answers with local media. opts as for client.call() (pc, stream, codec, ...).
  async accept(opts = {}) {
    if (this.direction !== 'in') throw new GatewayError('invalid-state', 'accept() is for incoming calls');
    if (this.state !== 'ringing') throw new GatewayError('invalid-state', `cannot accept a call in state ${this.state}`);
    this._setState('accepting');
    this.trickle = opts.trickle !== false;
    try {
      await this._preparePc(opts);
      await this._setRemote('offer', this.remoteSdp);
      if (opts.codec) this._applyCodec(opts.codec);     // after the offer: its m-line's transceiver exists now
      const answer = await this.pc.createAnswer();
      const sdp = await this._localSdp(answer, opts);
      const p = this.client.request({ type: 'accept', call: this.id, sdp }, opts.timeoutMs);
      this._flushLocal();
      const r = await p;
      if (this.state === 'accepting') this._setState('connecting');
      return r;
    } catch (e) {
      this._end({ by: 'local', reason: 'server-error', error: e.message });
      throw e;
    }
  }

  // Inbound only: declines (486 Busy Here by default, or 603 Decline with {code: 603}).
  async reject({ code } = {}) {
    if (this.direction !== 'in') throw new GatewayError('invalid-state', 'reject() is for incoming calls');
    const msg = { type: 'reject', call: this.id };
    if (code !== undefined) msg.code = code;
    try {
      return await this.client.request(msg);
    } finally {
      this._end({ by: 'local', code: code || 486, reason: 'rejected' });
    }
  }
}

// The connection to one gateway.
//
// Events: open, close ({code, reason}), incoming (Call), outgoing (Call, as call() creates it),
// message (every received message), send (every sent message), warning ({message}).
export class GatewayClient extends Emitter {
  // opts: requestTimeoutMs (default 10000), WebSocket (a constructor; default globalThis.WebSocket).
  constructor({ requestTimeoutMs = 10000, WebSocket = null } = {}) {
    super();
    this.requestTimeoutMs = requestTimeoutMs;
    this._WebSocket = WebSocket || globalThis.WebSocket;
    this.ws = null;
    this.session = null;
    this.user = null;
    this.iceServers = [];
    this.version = null;
    this._pending = new Map();   // rid -> {resolve, reject, timer, type}
    this._calls = new Map();     // call id -> Call
    this._nextRid = 1;
    this._nextCall = 1;
  }

  get connected() { return !!this.ws && this.ws.readyState === 1; }
  get calls() { return [...this._calls.values()]; }

  // The gateway's WebSocket URL for the page the script runs in (ws:// or wss:// to /ws).
  static defaultUrl() {
    if (typeof location === 'undefined') throw new GatewayError('bad-request', 'no URL given');
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  }

  // Opens the WebSocket and, unless hello is false, sends hello (with token when given).
  // Resolves with the welcome message (or null when hello is false).
  async connect(url = GatewayClient.defaultUrl(), { token, hello = true, timeoutMs = this.requestTimeoutMs,
                                                  protocol = SUBPROTOCOL } = {}) {
    if (this.ws) throw new GatewayError('invalid-state', 'already connected; close() first');
    if (!this._WebSocket) throw new GatewayError('not-connected', 'no WebSocket implementation available');
    const ws = protocol ? new this._WebSocket(url, [protocol]) : new this._WebSocket(url);
    this.ws = ws;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new GatewayError('timeout', `WebSocket to ${url} not open within ${timeoutMs} ms`));
        try { ws.close(); } catch (_) { /* ignore */ }
      }, timeoutMs);
      ws.onopen = () => { clearTimeout(timer); resolve(); };
      ws.onerror = () => { clearTimeout(timer); reject(new GatewayError('closed', `WebSocket to ${url} failed`)); };
      ws.onclose = (ev) => {
        clearTimeout(timer);
        reject(new GatewayError('closed', `WebSocket to ${url} closed before opening (code ${ev.code})`));
      };
    }).catch((e) => { this.ws = null; throw e; });
    ws.onmessage = (ev) => this._onFrame(ev.data);
    ws.onerror = () => this.emit('warning', { message: 'WebSocket error' });
    ws.onclose = (ev) => this._onClose(ev.code, ev.reason);
    this.emit('open');
    return hello ? this.hello(token) : null;
  }

  // hello -> welcome; remembers session, user and iceServers.
  async hello(token) {
    const msg = { type: 'hello' };
    if (token) msg.token = token;
    const w = await this.request(msg);
    this.session = w.session;
    this.user = w.user ?? null;
    this.iceServers = Array.isArray(w.iceServers) ? w.iceServers : [];
    this.version = w.version;
    return w;
  }

  // register -> registered: from now on calls for `user` ring this session ("incoming" events).
  async register(user) {
    const r = await this.request({ type: 'register', user });
    this.user = r.user ?? user;
    return r;
  }

  ping() { return this.request({ type: 'ping' }); }

  // Sends a message without waiting for anything.
  send(msg) {
    if (!this.connected) throw new GatewayError('not-connected', 'the WebSocket is not open');
    this.ws.send(JSON.stringify(msg));
    this.emit('send', msg);
  }

  // Sends msg with a fresh rid (unless it has one) and resolves with the reply carrying that rid.
  // An "error" reply rejects with GatewayError(code, message); no reply rejects with code timeout.
  request(msg, timeoutMs = this.requestTimeoutMs) {
    const rid = msg.rid ?? `r${this._nextRid++}`;
    const out = { ...msg, rid };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(rid);
        reject(new GatewayError('timeout', `no reply to "${msg.type}" (rid ${rid}) within ${timeoutMs} ms`,
          { rid, call: msg.call }));
      }, timeoutMs);
      this._pending.set(rid, { resolve, reject, timer, type: msg.type, call: msg.call });
      try {
        this.send(out);
      } catch (e) {
        clearTimeout(timer);
        this._pending.delete(rid);
        reject(e);
      }
    });
  }

  // Places a call. opts:
  //   pc: an RTCPeerConnection to use (else one is made with the welcome's iceServers + rtcConfig)
  //   stream: a MediaStream to send (else getUserMedia({audio}) unless pc already has audio)
  //   codec: 'opus' | 'PCMU' | 'PCMA' | ... or a list, applied with setCodecPreferences
  //   trickle: true (default) sends candidates as "candidate" messages; false waits for gathering
  //            to complete and sends them all inside the SDP (gatherTimeoutMs, default 5000)
  //   id, from, headers: protocol members; timeoutMs: how long to wait for the answer
  //   mungeSdp: (sdp) => sdp, rewrites the offer on the wire only (tests, interop workarounds)
  // Resolves with the Call once the answer is applied (ICE and DTLS then run while it rings).
  async call(to, opts = {}) {
    if (!this.connected) throw new GatewayError('not-connected', 'connect() first');
    const id = opts.id || `c${this._nextCall++}`;
    if (!CALL_ID_RE.test(id)) throw new GatewayError('bad-request', `call id must match ${CALL_ID_RE}`);
    if (this._calls.has(id)) throw new GatewayError('conflict', `call ${id} already exists`);
    const call = new Call(this, id, 'out');
    call.to = to;
    call.trickle = opts.trickle !== false;
    this._calls.set(id, call);
    this.emit('outgoing', call);   // before any media work: listeners see every event of the call
    try {
      await call._preparePc(opts);
      const offer = await call.pc.createOffer();
      const sdp = await call._localSdp(offer, opts);
      const msg = { type: 'call', call: id, to, sdp };
      if (opts.from) msg.from = opts.from;
      if (opts.headers) msg.headers = opts.headers;
      call._setState('calling');
      const p = this.request(msg, opts.timeoutMs ?? this.requestTimeoutMs);
      call._flushLocal();
      const answer = await p;
      if (call.state === 'ended') throw new GatewayError('invalid-state', `call ${id} ended before the answer`);
      // The call can end (a fast 4xx, a hangup) while the answer is being applied; a closed
      // RTCPeerConnection may then never settle setRemoteDescription, so stop waiting at the end.
      await Promise.race([
        call._setRemote('answer', answer.sdp),
        call.ended.then(() => { throw new GatewayError('invalid-state', `call ${id} ended before the answer was applied`); }),
      ]);
      if (call.state === 'calling') call._setState('connecting');
      return call;
    } catch (e) {
      const err = e instanceof GatewayError ? e : new GatewayError('media', `${e.name}: ${e.message}`);
      call._end({ by: 'local', reason: 'failed', error: err.message });
      throw err;
    }
  }

  close() {
    if (this.ws) this.ws.close(1000);
  }

  // ---- internals ----

  _onFrame(data) {
    let m;
    try {
      m = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch (e) {
      this.emit('warning', { message: `unparsable frame from the gateway: ${e.message}` });
      return;
    }
    if (!m || typeof m !== 'object') return;
    this.emit('message', m);
    if (m.rid !== undefined && this._pending.has(m.rid)) {
      const p = this._pending.get(m.rid);
      this._pending.delete(m.rid);
      clearTimeout(p.timer);
      const want = SUCCESS[p.type] || 'ok';
      if (m.type === 'error') p.reject(new GatewayError(m.code || 'internal', m.message, { rid: m.rid, call: m.call, reply: m }));
      else if (m.type !== want) p.reject(new GatewayError('internal', `expected "${want}", got "${m.type}"`, { rid: m.rid, reply: m }));
      else p.resolve(m);
      return;
    }
    if (m.type === 'incoming') {
      if (typeof m.call !== 'string' || this._calls.has(m.call)) return;
      const call = new Call(this, m.call, 'in');
      call.from = m.from ?? null;
      call.to = m.to ?? null;
      call.remoteSdp = m.sdp;
      call._setState('ringing');
      this._calls.set(m.call, call);
      this.emit('incoming', call);
      return;
    }
    const call = typeof m.call === 'string' ? this._calls.get(m.call) : null;
    if (call) call._onMessage(m);
    else if (m.type === 'error') this.emit('warning', { message: `${m.code}: ${m.message}` });
  }

  _onClose(code, reason) {
    this.ws = null;
    for (const [rid, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(new GatewayError('closed', `WebSocket closed (code ${code}) before the reply to "${p.type}"`, { rid }));
    }
    this._pending.clear();
    for (const call of [...this._calls.values()]) call._end({ by: 'local', reason: 'disconnected', code });
    this.emit('close', { code, reason });
  }
}

export default GatewayClient;
