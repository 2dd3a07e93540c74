'use strict';
// Assertions shared by the e2e tests: what "the tone arrived" and "the media path is up" mean.
const assert = require('node:assert/strict');

const TONE_HZ = 1000;
const TONE_TOLERANCE_HZ = 20;
const TONE_MIN_DB = -30;      // the WAV is -9 dBFS RMS; codecs and the path keep it near that
const TONE_MIN_SHARE = 0.5;   // the tone's bins hold most of the power (not noise with a bump)
const SILENCE_MAX_DB = -45;

function fmt(a) {
  return `peak ${a.peakHz === null ? 'none' : a.peakHz.toFixed(1) + ' Hz'}, share ${a.toneShare.toFixed(2)}, ` +
    `rms ${a.rmsDb.toFixed(1)} dBFS, ${a.frames} frames at ${a.sampleRate} Hz, context ${a.contextState}`;
}

// The analysis window holds a steady 1 kHz tone at a normal level.
function assertTone(a, what) {
  assert.ok(!a.error, `${what}: ${a.error}`);
  assert.ok(a.frames >= 5, `${what}: only ${a.frames} analyser frames`);
  assert.ok(a.peakHz !== null && Math.abs(a.peakHz - TONE_HZ) <= TONE_TOLERANCE_HZ,
    `${what}: expected a ${TONE_HZ} Hz +-${TONE_TOLERANCE_HZ} peak; ${fmt(a)}`);
  assert.ok(a.rmsDb >= TONE_MIN_DB, `${what}: level below ${TONE_MIN_DB} dBFS; ${fmt(a)}`);
  assert.ok(a.toneShare >= TONE_MIN_SHARE, `${what}: the tone is not dominant; ${fmt(a)}`);
}

// No 1 kHz tone: either near silence or a peak somewhere else.
function assertNoTone(a, what) {
  assert.ok(!a.error, `${what}: ${a.error}`);
  const toneThere = a.peakHz !== null && Math.abs(a.peakHz - TONE_HZ) <= TONE_TOLERANCE_HZ && a.rmsDb > SILENCE_MAX_DB;
  assert.ok(!toneThere, `${what}: expected no ${TONE_HZ} Hz tone; ${fmt(a)}`);
}

// The selected ICE pair is host <-> host on loopback (all the namespace has).
function assertHostPair(s) {
  assert.ok(s.pair, `no selected candidate pair: ${JSON.stringify(s)}`);
  assert.equal(s.pair.local.type, 'host', JSON.stringify(s.pair));
  assert.equal(s.pair.remote.type, 'host', JSON.stringify(s.pair));
  for (const end of [s.pair.local, s.pair.remote]) {
    assert.ok(/^(127\.|::1$)/.test(end.address || ''), `pair address ${end.address} is not loopback`);
  }
}

// The analysis holds a dominant `hz` tone (±20 Hz) at a normal level (≥ -30 dBFS).
function assertHz(a, hz, what) {
  const f = `peak ${a.peakHz && a.peakHz.toFixed(1)} Hz, share ${a.toneShare && a.toneShare.toFixed(2)}, ` +
    `rms ${a.rmsDb && a.rmsDb.toFixed(1)} dBFS, ${a.frames} frames`;
  assert.ok(!a.error, `${what}: ${a.error}`);
  assert.ok(a.peakHz !== null && Math.abs(a.peakHz - hz) <= 20, `${what}: expected ${hz} Hz; ${f}`);
  assert.ok(a.rmsDb >= -30, `${what}: level too low; ${f}`);
  assert.ok(a.toneShare >= 0.5, `${what}: the tone is not dominant; ${f}`);
}

module.exports = { TONE_HZ, assertTone, assertNoTone, assertHostPair, assertHz, fmt };
