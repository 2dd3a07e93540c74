'use strict';
// Headless Chromium as a WebRTC peer for the e2e suite (recipe: /work/shared/testing.md section 1).
//
//   const b = await launchBrowser({ name: 'echo' });          // fresh profile + 1 kHz WAV in a temp dir
//   const page = await b.openPage(gw.http + '/', 'a-opus');   // the gateway's page, helpers injected
//   await page.connect(gw.url);                               // web/gateway-client.js in the page
//   const call = await page.call({ to: 'echo', codec: 'PCMU' });
//   await page.waitConnected(call);
//   const a = await page.analyse(call);                        // { peakHz, rmsDb, toneShare, ... }
//   await page.finish();                                       // screenshot + close
//   await b.close();
//
// Run it inside a network namespace (tests/e2e/netns-run.sh): Chromium talks only to 127.0.0.1 there.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');
const { ARTIFACTS } = require('./gateway');

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
// The checkout's web/ (page + gateway-client.js). Pass it to startGateway as [server] web_root so
// that the page under test is this tree's, whichever tree GW_BIN was built from.
const WEB_ROOT = path.resolve(__dirname, '../../web');
// The e2e gateways serve this checkout's web/; extra sections are merged in.
const gatewayConfig = (extra = {}) => ({ ...extra, server: { web_root: WEB_ROOT, ...(extra.server || {}) } });

// Writes a mono 16-bit sine WAV with sox (default: 1 kHz, 48 kHz, 30 s, amplitude 0.5 = -9 dBFS RMS).
function makeTone(dir, { freq = 1000, rate = 48000, secs = 30, vol = 0.5 } = {}) {
  const file = path.join(dir, `tone${freq}_${rate}.wav`);
  execFileSync('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', file,
    'synth', String(secs), 'sine', String(freq), 'vol', String(vol)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

function safeName(s) {
  return String(s).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------------------------------------
// Page side. pageHelpers is serialized into the page (page.evaluate), so it must be self-contained.
// It installs window.e2e: named peer connections, streams, gateway calls, an event log shown in
// the page (so that screenshots say something), getStats summaries and an AnalyserNode.
/* eslint-disable no-undef */
function pageHelpers() {
  if (window.e2e) return;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const e2e = {
    pcs: {}, streams: {}, calls: {}, events: {}, log: [], client: null, mic: null, ctx: null, wire: [], lastStats: {},
  };
  window.e2e = e2e;

  const pre = document.createElement('pre');
  pre.id = 'e2e-log';
  pre.style.cssText = 'font: 11px monospace; white-space: pre-wrap; border: 1px solid #888; padding: 4px;';
  document.body.appendChild(pre);

  e2e.note = (text) => {
    const line = `${(performance.now() / 1000).toFixed(3)} ${text}`;
    e2e.log.push(line);
    pre.textContent += line + '\n';
    console.log('[e2e] ' + text);
  };

  const short = (m) => JSON.stringify(m, (k, v) => (k === 'sdp' && typeof v === 'string' ? `<sdp ${v.length} bytes>` : v));

  // Microphone (the fake device plays the WAV given on the command line), no audio processing.
  e2e.getMic = async () => {
    if (e2e.mic && e2e.mic.getAudioTracks()[0].readyState === 'live') return e2e.mic;
    e2e.mic = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }, video: false });
    e2e.streams.mic = e2e.mic;
    return e2e.mic;
  };

  e2e.setMicEnabled = (on) => {
    for (const t of e2e.mic.getAudioTracks()) t.enabled = on;
    e2e.note(`mic ${on ? 'enabled' : 'disabled'}`);
  };

  // The remote track must play through an UNMUTED <audio> element, or Chromium counts no samples.
  e2e.play = (name, stream) => {
    e2e.streams[name] = stream;
    let el = document.getElementById(`audio-${name}`);
    if (!el) {
      el = document.createElement('audio');
      el.id = `audio-${name}`;
      el.autoplay = true;
      el.muted = false;
      document.body.appendChild(el);
    }
    if (el.srcObject !== stream) {
      el.srcObject = stream;
      el.play().catch((e) => e2e.note(`audio ${name} play(): ${e.message}`));
    }
  };

  // Two RTCPeerConnections in this page: pcA sends the microphone, pcB receives it ("remote").
  e2e.loopback = async ({ codec = null, timeoutMs = 10000 } = {}) => {
    const mic = await e2e.getMic();
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    e2e.pcs.A = a;
    e2e.pcs.B = b;
    a.onicecandidate = (ev) => b.addIceCandidate(ev.candidate || undefined).catch((e) => e2e.note(`B addIceCandidate: ${e}`));
    b.onicecandidate = (ev) => a.addIceCandidate(ev.candidate || undefined).catch((e) => e2e.note(`A addIceCandidate: ${e}`));
    b.ontrack = (ev) => e2e.play('remote', ev.streams[0] || new MediaStream([ev.track]));
    const tr = a.addTransceiver(mic.getAudioTracks()[0], { direction: 'sendonly', streams: [mic] });
    if (codec) {
      const caps = RTCRtpReceiver.getCapabilities('audio').codecs;
      const want = caps.filter((c) => c.mimeType.toLowerCase() === `audio/${codec.toLowerCase()}`);
      if (!want.length) throw new Error(`no ${codec} in ${caps.map((c) => c.mimeType)}`);
      tr.setCodecPreferences(want);
    }
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
    const t0 = performance.now();
    while (b.connectionState !== 'connected') {
      if (['failed', 'closed'].includes(b.connectionState)) throw new Error(`loopback ${b.connectionState}`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`loopback not connected in ${timeoutMs} ms (${b.connectionState})`);
      await sleep(20);
    }
    e2e.note(`loopback connected in ${(performance.now() - t0).toFixed(0)} ms, codec ${codec || 'default'}`);
    return { offer: a.localDescription.sdp, answer: b.localDescription.sdp };
  };

  // ---- the gateway, through web/gateway-client.js ----

  e2e.connect = async (url, opts = {}) => {
    const mod = await import('/gateway-client.js');
    e2e.GatewayError = mod.GatewayError;
    const c = new mod.GatewayClient({ requestTimeoutMs: opts.requestTimeoutMs || 15000 });
    e2e.client = c;
    c.on('send', (m) => { e2e.wire.push({ dir: 'out', t: performance.now(), m }); e2e.note(`>>> ${short(m)}`); });
    c.on('message', (m) => { e2e.wire.push({ dir: 'in', t: performance.now(), m }); e2e.note(`<<< ${short(m)}`); });
    c.on('close', (ev) => e2e.note(`WebSocket closed ${ev.code}`));
    c.on('outgoing', e2e.watch);
    c.on('incoming', e2e.onIncoming);
    const welcome = await c.connect(url, { token: opts.token });
    return welcome;
  };

  // A raw request; returns { ok: true, reply } or { ok: false, code, message, reply }.
  e2e.request = async (msg, timeoutMs) => {
    try {
      return { ok: true, reply: await e2e.client.request(msg, timeoutMs) };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message, reply: e.reply || null };
    }
  };

  // Flips one hex byte of the first a=fingerprint (for the wire copy only).
  e2e.mungeFingerprint = (sdp) => sdp.replace(/^(a=fingerprint:\S+ )([0-9A-Fa-f]{2})/m, (all, head, byte) => {
    const flipped = (parseInt(byte, 16) ^ 0x5a).toString(16).toUpperCase().padStart(2, '0');
    return head + flipped;
  });

  // Places a call with the page's microphone stream. Returns a plain summary; the Call stays in
  // e2e.calls[id] and its events in e2e.events[id].
  // Records every event of a call (outgoing or incoming) in e2e.events[id], plays its remote
  // audio, and snapshots its stats while it lives (the pc is closed once it ends, and a failure
  // report still wants to show what ICE and DTLS did).
  e2e.watch = (call) => {
    e2e.calls[call.id] = call;
    const evs = (e2e.events[call.id] = []);
    const snap = async () => {
      if (call.pc && call.pc.connectionState !== 'closed') {
        try { e2e.lastStats[call.id] = await e2e.stats(call.id, { pairs: true }); } catch (_) { /* closing */ }
      }
    };
    const timer = setInterval(snap, 500);
    call.on('connection', snap);
    call.on('hangup', () => clearInterval(timer));
    call.on('*', (type, arg) => {
      if (type === 'track') {
        e2e.play(`remote-${call.id}`, (arg.streams && arg.streams[0]) || new MediaStream([arg.track]));
        arg = { kind: arg.track.kind };
      }
      evs.push({ type, arg, t: performance.now() });
      e2e.note(`call ${call.id}: ${type} ${arg === undefined ? '' : JSON.stringify(arg)}`);
    });
  };

  // What to do with incoming calls: { action: 'none' | 'accept' | 'reject', code, codec, trickle }.
  e2e.incomingPolicy = { action: 'none' };
  e2e.accepts = {};   // call id -> { ok, reply } or { ok: false, code, message }
  e2e.onIncoming = async (call) => {
    e2e.watch(call);
    e2e.events[call.id].push({ type: 'incoming', arg: { from: call.from, to: call.to }, t: performance.now() });
    const p = e2e.incomingPolicy;
    try {
      if (p.action === 'accept') {
        const mic = await e2e.getMic();
        e2e.accepts[call.id] = { ok: true, reply: await call.accept({ stream: mic, codec: p.codec, trickle: p.trickle !== false }) };
      } else if (p.action === 'reject') {
        e2e.accepts[call.id] = { ok: true, reply: await call.reject(p.code ? { code: p.code } : {}) };
      }
    } catch (e) {
      e2e.accepts[call.id] = { ok: false, code: e.code, message: e.message };
    }
  };

  // Places a call with the page's microphone stream. Returns a plain summary; the Call stays in
  // e2e.calls[id] and its events in e2e.events[id].
  e2e.call = async ({ to = 'echo', id = undefined, codec = null, trickle = true, munge = null,
                      timeoutMs = 15000, gatherTimeoutMs = 5000 } = {}) => {
    const mic = await e2e.getMic();
    e2e.setMicEnabled(true);
    const opts = { stream: mic, codec, trickle, timeoutMs, gatherTimeoutMs };
    if (id) opts.id = id;
    if (munge === 'fingerprint') opts.mungeSdp = e2e.mungeFingerprint;
    let last = null;
    const seen = (call) => { last = call.id; };
    e2e.client.on('outgoing', seen);
    try {
      const call = await e2e.client.call(to, opts);
      return e2e.callInfo(call.id);
    } catch (e) {
      return { error: { code: e.code, message: e.message }, info: last && e2e.callInfo(last) };
    } finally {
      e2e.client.off('outgoing', seen);
    }
  };

  e2e.callInfo = (id) => {
    const call = e2e.calls[id];
    if (!call) return null;
    return {
      id: call.id, direction: call.direction, from: call.from, to: call.to,
      state: call.state, trickle: call.trickle, hangup: call.hangupInfo,
      candidates: { ...call.candidates, errors: [...call.candidates.errors] },
      sentSdp: call.sentSdp, localSdp: call.pc && call.pc.localDescription ? call.pc.localDescription.sdp : null,
      remoteSdp: call.remoteSdp, events: (e2e.events[id] || []).map((e) => ({ type: e.type, arg: e.arg })),
      connectionState: call.pc ? call.pc.connectionState : null,
    };
  };

  e2e.hangup = async (id) => {
    try {
      const r = await e2e.calls[id].hangup();
      return { ok: true, reply: r };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  };

  // ---- measurements ----

  const pcOf = (name) => e2e.pcs[name] || (e2e.calls[name] && e2e.calls[name].pc);
  const streamOf = (name) => e2e.streams[name] || e2e.streams[`remote-${name}`] ||
    (e2e.calls[name] && e2e.calls[name].remoteStream);

  // getStats summary: states, selected pair, codecs and packet counters.
  e2e.stats = async (name, { pairs = false } = {}) => {
    const pc = pcOf(name);
    if (!pc) return { error: `no peer connection "${name}"` };
    const out = {
      connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState,
      iceGatheringState: pc.iceGatheringState, signalingState: pc.signalingState,
    };
    const tr = pc.getTransceivers().find((t) => t.sender.transport || t.receiver.transport);
    const dtls = tr && (tr.sender.transport || tr.receiver.transport);
    out.dtlsTransportState = dtls ? dtls.state : null;
    out.iceTransportState = dtls && dtls.iceTransport ? dtls.iceTransport.state : null;
    if (pc.connectionState === 'closed') return out;
    const report = await pc.getStats();
    const all = [];
    report.forEach((s) => all.push(s));
    const byId = (id) => all.find((s) => s.id === id);
    const transport = all.find((s) => s.type === 'transport');
    if (transport) {
      out.transport = { iceState: transport.iceState, dtlsState: transport.dtlsState, dtlsRole: transport.dtlsRole,
                        srtpCipher: transport.srtpCipher, tlsVersion: transport.tlsVersion,
                        packetsSent: transport.packetsSent, packetsReceived: transport.packetsReceived };
    }
    let pair = transport && transport.selectedCandidatePairId && byId(transport.selectedCandidatePairId);
    if (!pair) pair = all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (pair) {
      const l = byId(pair.localCandidateId) || {};
      const r = byId(pair.remoteCandidateId) || {};
      out.pair = { state: pair.state, rtt: pair.currentRoundTripTime,
                   local: { type: l.candidateType, address: l.address, port: l.port, protocol: l.protocol },
                   remote: { type: r.candidateType, address: r.address, port: r.port, protocol: r.protocol } };
    }
    if (pairs) {
      out.pairs = all.filter((s) => s.type === 'candidate-pair').map((p) => {
        const l = byId(p.localCandidateId) || {};
        const r = byId(p.remoteCandidateId) || {};
        return `${l.protocol} ${l.address}:${l.port} -> ${r.address}:${r.port} ${p.state}` +
          ` req ${p.requestsSent}/${p.requestsReceived} resp ${p.responsesReceived}/${p.responsesSent}` +
          `${p.nominated ? ' nominated' : ''}`;
      });
    }
    const rtp = (type) => all.find((s) => s.type === type && (s.kind || s.mediaType) === 'audio');
    const inb = rtp('inbound-rtp');
    if (inb) {
      out.inbound = { codec: (byId(inb.codecId) || {}).mimeType || null, packetsReceived: inb.packetsReceived,
                      bytesReceived: inb.bytesReceived, packetsLost: inb.packetsLost, jitter: inb.jitter,
                      audioLevel: inb.audioLevel, totalSamplesReceived: inb.totalSamplesReceived };
    }
    const outb = rtp('outbound-rtp');
    if (outb) {
      out.outbound = { codec: (byId(outb.codecId) || {}).mimeType || null, packetsSent: outb.packetsSent,
                       bytesSent: outb.bytesSent };
    }
    return out;
  };

  // AnalyserNode (fftSize 8192) on a stream over windowMs: the averaged power spectrum's peak, the
  // share of power within +-2 bins of it, and the RMS level (time domain) in dBFS.
  e2e.analyse = async (name, { windowMs = 1000, minHz = 50 } = {}) => {
    const stream = streamOf(name);
    if (!stream) return { error: `no stream "${name}"` };
    if (!e2e.ctx) e2e.ctx = new AudioContext();
    const ctx = e2e.ctx;
    await ctx.resume();
    const src = ctx.createMediaStreamSource(stream);
    const an = ctx.createAnalyser();
    an.fftSize = 8192;
    an.smoothingTimeConstant = 0;
    src.connect(an);
    const n = an.frequencyBinCount;
    const acc = new Float64Array(n);
    const f = new Float32Array(n);
    const td = new Float32Array(an.fftSize);
    await sleep(Math.ceil((an.fftSize / ctx.sampleRate) * 1000) + 20);  // fill the FFT window first
    let frames = 0, rmsSum = 0, rmsMax = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < windowMs) {
      an.getFloatFrequencyData(f);
      for (let i = 0; i < n; i++) if (Number.isFinite(f[i])) acc[i] += Math.pow(10, f[i] / 10);
      an.getFloatTimeDomainData(td);
      let s = 0;
      for (let i = 0; i < td.length; i++) s += td[i] * td[i];
      const rms = Math.sqrt(s / td.length);
      rmsSum += rms;
      rmsMax = Math.max(rmsMax, rms);
      frames++;
      await sleep(50);
    }
    src.disconnect();
    const binHz = ctx.sampleRate / an.fftSize;
    let peak = -1, total = 0;
    for (let i = Math.ceil(minHz / binHz); i < n; i++) {
      total += acc[i];
      if (peak < 0 || acc[i] > acc[peak]) peak = i;
    }
    let near = 0;
    for (let i = Math.max(0, peak - 2); i <= Math.min(n - 1, peak + 2); i++) near += acc[i];
    const db = (x) => (x > 0 ? 20 * Math.log10(x) : -Infinity);
    const res = {
      frames, sampleRate: ctx.sampleRate, binHz, contextState: ctx.state,
      peakHz: total > 0 ? peak * binHz : null,
      peakDb: total > 0 ? 10 * Math.log10(acc[peak] / frames) : null,
      toneShare: total > 0 ? near / total : 0,
      rmsDb: frames ? Math.max(-200, db(rmsSum / frames)) : null,
      rmsMaxDb: Math.max(-200, db(rmsMax)),
    };
    e2e.note(`analyse ${name}: peak ${res.peakHz && res.peakHz.toFixed(1)} Hz, share ${res.toneShare.toFixed(2)}, ` +
             `rms ${res.rmsDb.toFixed(1)} dBFS over ${frames} frames`);
    return res;
  };
}
/* eslint-enable no-undef */

// ---------------------------------------------------------------------------------------------
// Node side.

class E2EPage {
  constructor(browser, page, name) {
    this.browser = browser;
    this.page = page;
    this.name = name;
  }

  eval(fn, arg) { return this.page.evaluate(fn, arg); }

  // Polls fn(arg) in the page until it is truthy; on timeout throws with `what` and a state dump.
  async waitFor(what, fn, arg, timeoutMs = 15000) {
    try {
      await this.page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 50 });
    } catch (e) {
      throw new Error(`${what}: not reached within ${timeoutMs} ms\n${await this.dump()}`);
    }
  }

  // Page state for error messages: calls, stats of every pc, the last log lines.
  async dump() {
    try {
      return await withTimeout(this.page.evaluate(async () => {
        const out = { calls: {}, stats: {} };
        for (const id of Object.keys(window.e2e.calls)) {
          const i = window.e2e.callInfo(id);
          out.calls[id] = { state: i.state, hangup: i.hangup, connectionState: i.connectionState,
                            candidates: i.candidates, events: i.events.map((e) => e.type) };
          const st = await window.e2e.stats(id, { pairs: true });
          out.stats[id] = st.connectionState === 'closed' && window.e2e.lastStats[id]
            ? { closedNow: true, lastSnapshot: window.e2e.lastStats[id] } : st;
        }
        for (const n of Object.keys(window.e2e.pcs)) out.stats[n] = await window.e2e.stats(n);
        out.log = window.e2e.log.slice(-15);
        return JSON.stringify(out, null, 1);
      }), 3000, 'page dump');
    } catch (e) {
      return `(page state unavailable: ${e.message})`;
    }
  }

  loopback(opts = {}) { return this.page.evaluate((o) => window.e2e.loopback(o), opts); }
  connect(url, opts = {}) { return this.page.evaluate(([u, o]) => window.e2e.connect(u, o), [url, opts]); }
  request(msg, timeoutMs) { return this.page.evaluate(([m, t]) => window.e2e.request(m, t), [msg, timeoutMs]); }
  stats(name) { return this.page.evaluate((n) => window.e2e.stats(n), name); }
  analyse(name, opts = {}) { return this.page.evaluate(([n, o]) => window.e2e.analyse(n, o), [name, opts]); }
  setMicEnabled(on) { return this.page.evaluate((v) => window.e2e.setMicEnabled(v), on); }
  callInfo(id) { return this.page.evaluate((i) => window.e2e.callInfo(i), id); }
  hangup(id) { return this.page.evaluate((i) => window.e2e.hangup(i), id); }
  wire() { return this.page.evaluate(() => window.e2e.wire.map((w) => ({ dir: w.dir, m: w.m }))); }

  // What the page does with incoming calls: { action: 'none' | 'accept' | 'reject', code, codec, trickle }.
  setIncomingPolicy(policy) { return this.page.evaluate((p) => { window.e2e.incomingPolicy = p; }, policy); }

  // Waits for an incoming call (any, or the given id); returns its callInfo.
  async waitIncoming(id = null, timeoutMs = 15000) {
    await this.waitFor(`incoming call ${id || ''}`, (i) => Object.values(window.e2e.calls)
      .some((c) => c.direction === 'in' && (!i || c.id === i)), id, timeoutMs);
    return this.page.evaluate((i) => window.e2e.callInfo(Object.values(window.e2e.calls)
      .find((c) => c.direction === 'in' && (!i || c.id === i)).id), id);
  }

  // The result of accept()/reject() that the incoming policy ran for this call.
  async acceptResult(id, timeoutMs = 15000) {
    await this.waitFor(`accept/reject of ${id} done`, (i) => !!window.e2e.accepts[i], id, timeoutMs);
    return this.page.evaluate((i) => window.e2e.accepts[i], id);
  }

  // Places a gateway call in the page; throws a clear Error when the gateway refuses it.
  async call(opts = {}) {
    const r = await this.page.evaluate((o) => window.e2e.call(o), opts);
    if (r.error) throw new Error(`call to ${opts.to || 'echo'} failed: ${r.error.message}`);
    return r;
  }

  // Waits until the named pc (or call id) is connected (ICE + DTLS). Fails at once, with the
  // reason, when the call ends or the pc fails first.
  async waitConnected(name, timeoutMs = 15000) {
    await this.waitFor(`peer connection "${name}" connected`, (n) => {
      const call = window.e2e.calls[n];
      const pc = window.e2e.pcs[n] || (call && call.pc);
      if (call && call.state === 'ended') return true;
      return pc && ['connected', 'failed', 'closed'].includes(pc.connectionState);
    }, name, timeoutMs);
    const r = await this.page.evaluate((n) => {
      const call = window.e2e.calls[n];
      const pc = window.e2e.pcs[n] || (call && call.pc);
      return { state: pc.connectionState, hangup: call ? call.hangupInfo : null };
    }, name);
    if (r.state === 'connected' && !r.hangup) return;
    const why = r.hangup ? `the call ended first: ${JSON.stringify(r.hangup)}` : `connectionState ${r.state}`;
    throw new Error(`peer connection "${name}" not connected: ${why}\n${await this.dump()}`);
  }

  // Waits for an event of the call (hangup, answered, ...) and returns its argument.
  async waitCallEvent(id, type, timeoutMs = 15000) {
    await this.waitFor(`call ${id} event "${type}"`, ([i, t]) => (window.e2e.events[i] || []).some((e) => e.type === t),
      [id, type], timeoutMs);
    return this.page.evaluate(([i, t]) => window.e2e.events[i].find((e) => e.type === t).arg, [id, type]);
  }

  async screenshot(label = this.name) {
    const file = path.join(this.browser.artifacts, `${safeName(label)}.png`);
    try { await withTimeout(this.page.screenshot({ path: file, fullPage: true }), 5000, 'screenshot'); } catch (_) { /* best effort */ }
    return file;
  }

  // Screenshot, then close the page.
  async finish() {
    await this.screenshot();
    try { await withTimeout(this.page.close(), 5000, 'page close'); } catch (_) { /* the browser close takes it */ }
  }
}

// Launches Chromium with a fresh profile and the generated tone as the fake microphone.
// opts: name (artifact prefix), tone ({freq, rate, secs}), args (extra Chromium flags).
async function launchBrowser({ name = 'e2e', tone = {}, args = [], timeoutMs = 30000 } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwe2e-browser-'));
  const wav = makeTone(tmp, tone);
  const profile = path.join(tmp, 'profile');
  fs.mkdirSync(profile);
  const artifacts = path.join(ARTIFACTS, 'e2e', safeName(name));
  fs.mkdirSync(artifacts, { recursive: true });
  const logFile = path.join(artifacts, 'browser.log');
  const log = fs.createWriteStream(logFile, { flags: 'w' });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    bypassCSP: true,
    timeout: timeoutMs,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection', `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required', ...args],
  });
  const b = {
    context, wav, tmp, artifacts, logFile,
    log(text) { log.write(`${new Date().toISOString()} ${text}\n`); },

    // Opens url in a new page (the gateway's page: http://127.0.0.1:PORT/ is a secure context)
    // and installs the page helpers.
    async openPage(url, label = 'page') {
      const page = await context.newPage();
      page.setDefaultTimeout(15000);
      page.on('console', (m) => b.log(`[${label}] console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => b.log(`[${label}] pageerror: ${e.message}`));
      page.on('requestfailed', (r) => b.log(`[${label}] request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
      const resp = await page.goto(url, { waitUntil: 'load' });
      if (!resp || !resp.ok()) throw new Error(`GET ${url} -> ${resp ? resp.status() : 'no response'}`);
      const secure = await page.evaluate(() => window.isSecureContext && !!navigator.mediaDevices);
      if (!secure) throw new Error(`${url} is not a secure context (navigator.mediaDevices missing)`);
      await page.evaluate(pageHelpers);
      return new E2EPage(b, page, label);
    },

    // Opens gateway gw's page, connects its client (welcome checked), runs fn(page), then hangs up
    // whatever calls are left and closes the page.
    async withPage(gw, label, fn) {
      const page = await b.openPage(`${gw.http}/`, label);
      try {
        const w = await page.connect(gw.url);
        if (!w || w.type !== 'welcome') throw new Error(`no welcome from ${gw.url}: ${JSON.stringify(w)}`);
        return await fn(page);
      } finally {
        try {
          await page.eval(() => Promise.all(Object.values(window.e2e.calls)
            .filter((c) => c.state !== 'ended').map((c) => c.hangup().catch(() => null))));
        } catch (_) { /* the page may be gone */ }
        await page.finish();
      }
    },

    async close() {
      try { await withTimeout(context.close(), 10000, 'browser close'); } catch (e) { b.log(`close: ${e.message}`); }
      await new Promise((r) => log.end(r));
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  b.log(`launched ${CHROMIUM} with tone ${wav}`);
  return b;
}

module.exports = { launchBrowser, makeTone, pageHelpers, E2EPage, WEB_ROOT, gatewayConfig };
