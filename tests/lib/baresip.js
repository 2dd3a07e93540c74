'use strict';
// baresip as a real SIP peer for tests (shared/testing.md 3b): a UAS that auto-answers with
// SDES-SRTP, plays a WAV and records what it hears; or a UAC that dials once.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('./gateway');

function writeConfig(dir, { port, wav, rtpPorts = '24000-24099', modules = [] }) {
  fs.mkdirSync(path.join(dir, 'rec'), { recursive: true });
  const lines = [
    'poll_method epoll', `sip_listen 127.0.0.1:${port}`, 'net_interface 127.0.0.1',
    'audio_player alsa,null', 'audio_alert alsa,null', `audio_source aufile,${wav}`,
    `rtp_ports ${rtpPorts}`, 'rtcp_mux no', 'rtp_stats yes', 'module_path /usr/lib/baresip/modules',
    'module g711.so', 'module aufile.so', 'module alsa.so', 'module sndfile.so', 'module srtp.so',
    ...modules.map((m) => `module ${m}`),
    'module_tmp uuid.so', 'module_tmp account.so', 'module_app menu.so', `snd_path ${path.join(dir, 'rec')}`,
  ];
  fs.writeFileSync(path.join(dir, 'config'), lines.join('\n') + '\n');
}

// Starts a baresip UAS as sip:user@127.0.0.1:port. media: 'srtp-mand' | 'srtp' | null (plain).
async function startUas({ name = 'bs-uas', user = 'bob', port = 5080, wav, codecs = 'PCMU/8000/1', media = 'srtp-mand',
                          answerDelayMs = 0, secs = 60, artifacts } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  writeConfig(dir, { port, wav });
  const params = [`regint=0`, `answermode=auto`, `audio_codecs=${codecs}`];
  if (media) params.push(`mediaenc=${media}`);
  if (answerDelayMs) params.push(`ansdelay=${answerDelayMs}`);
  fs.writeFileSync(path.join(dir, 'accounts'), `<sip:${user}@127.0.0.1:${port}>;${params.join(';')}\n`);
  const logFile = path.join(artifacts || dir, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const child = spawn('baresip', ['-f', dir, '-t', String(secs)], { stdio: ['ignore', log, log] });
  const peer = {
    child, dir, logFile, uri: `sip:${user}@127.0.0.1:${port}`, port,
    log: () => fs.readFileSync(logFile, 'utf8'),
    // The recording of what baresip received (decoded), newest first.
    recordings: () => fs.readdirSync(path.join(dir, 'rec')).filter((f) => f.endsWith('-dec.wav'))
      .map((f) => path.join(dir, 'rec', f)).sort().reverse(),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch (_) {} }, 3000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(t);
      }
      fs.closeSync(log);
    },
  };
  // Ready once it listens (bounded wait).
  for (let i = 0; i < 100; i++) {
    if (/Listening on|sip: listening|baresip is ready/i.test(peer.log())) break;
    if (child.exitCode !== null) throw new Error(`baresip exited: ${peer.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return peer;
}

// Starts a baresip UAC that dials `uri` once at start (SDES-SRTP mandatory, PCMU, plays `wav`)
// and quits after secs (testing.md 3b, "Caller"). Its recording of what it heard: recordings().
async function startUac({ name = 'bs-uac', uri, wav, secs = 25, codecs = 'PCMU/8000/1', media = 'srtp-mand',
                          artifacts } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const port = await freePort();
  writeConfig(dir, { port, wav, rtpPorts: '24100-24199' });
  const params = ['regint=0', `audio_codecs=${codecs}`];
  if (media) params.push(`mediaenc=${media}`);
  fs.writeFileSync(path.join(dir, 'accounts'), `<sip:15557770000@127.0.0.1:${port}>;${params.join(';')}\n`);
  if (artifacts) fs.mkdirSync(artifacts, { recursive: true });
  const logFile = path.join(artifacts || dir, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const child = spawn('baresip', ['-f', dir, '-t', String(secs), '-e', `/dial ${uri}`], { stdio: ['ignore', log, log] });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child, logFile, log: () => fs.readFileSync(logFile, 'utf8'),
    recordings: () => fs.readdirSync(path.join(dir, 'rec')).filter((f) => f.endsWith('-dec.wav'))
      .map((f) => path.join(dir, 'rec', f)).sort().reverse(),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
        const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch (_) {} }, 3000);
        await exited;
        clearTimeout(t);
      }
      try { fs.closeSync(log); } catch (_) {}
    },
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

module.exports = { startUas, startUac };
