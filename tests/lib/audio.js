'use strict';
// Audio checks by content (sox): tone files for peers, and the dominant frequency and level of a recording.
const { execFileSync, spawnSync } = require('node:child_process');

// A mono 16-bit WAV sine: makeTone('/tmp/x.wav', {hz: 440, rate: 8000, secs: 30}).
function makeTone(file, { hz = 1000, rate = 8000, secs = 30, vol = 0.5 } = {}) {
  execFileSync('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', file, 'synth', String(secs), 'sine', String(hz), 'vol', String(vol)]);
  return file;
}

// Dominant frequency (Hz) of a window of a file, from sox's power spectrum.
function dominantFrequency(file, start = 0, len = 1) {
  // sox prints the spectrum on stderr.
  const r = spawnSync('sox', [file, '-n', 'remix', '1', 'trim', String(start), String(len), 'stat', '-freq'],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sox failed on ${file}: ${r.stderr}`);
  return parseFreq(r.stderr);
}

function parseFreq(text) {
  let best = 0, bestPower = -1;
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9.]+)\s+([0-9.e+-]+)\s*$/.exec(line);
    if (m && Number(m[1]) > 20 && Number(m[2]) > bestPower) { bestPower = Number(m[2]); best = Number(m[1]); }
  }
  return best;
}

// RMS level (dBFS) and length (s) of a file.
function levels(file) {
  const r = spawnSync('sox', [file, '-n', 'remix', '1', 'stats'], { encoding: 'utf8' });
  const text = r.stderr || '';
  const num = (re) => { const m = re.exec(text); return m ? Number(m[1]) : NaN; };
  return { rmsDb: num(/RMS lev dB\s+(-?[0-9.inf]+)/), seconds: num(/Length s\s+([0-9.]+)/) };
}

module.exports = { makeTone, dominantFrequency, levels, parseFreq };
