/* bench_media: CPU cost and objective quality of the transcoding paths, and SRTP cost at
 * realistic session counts. Run by hand (not a test: nothing here asserts on time).
 *
 *   bench_media [--quick]
 *
 * Costs are CPU time of this thread (CLOCK_THREAD_CPUTIME_ID) per 20 ms frame or per packet:
 * the median of REPEATS runs over many frames. The machine is shared and noisy, so every cost
 * is also printed as a ratio to a baseline timed in the same run: G.711 µ-law encoding of one
 * 20 ms frame (160 samples), "x base".
 *
 * Quality uses a synthetic speech-like signal made of sinusoids so that its band-limited
 * version is known exactly at any rate: a voice (harmonics of a glottal pitch with intonation
 * and vibrato, shaped by three formants, syllable-rate envelope) plus breath noise (many
 * random sinusoids) below 3.4 kHz, and, in the browser's 48 kHz signal only, the same voice's
 * harmonics and fricative noise from 4.4 to 12 kHz, which must not come through to 8 kHz.
 * Each output is aligned to the reference (fractional delay, best gain) and compared:
 * SNR over the whole signal, and log-spectral distance (LSD, dB) over 100-3400 Hz. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/codec/g711.h"
#include "media/codec/opus.h"
#include "media/codec/resample.h"
#include "media/codec/xcode.h"
#include "media/rtp/rtp.h"
#include "media/srtp/srtp.h"

static int REPEATS = 7;
static size_t CODEC_FRAMES = 250; /* 5 s of audio per timed run */
static size_t QUALITY_FRAMES = 300; /* 6 s */
#define SKIP 10                    /* frames left out of quality figures (start-up) */

static void die(const char *what, int rc, const gw_why *why) {
  fprintf(stderr, "bench_media: %s failed: %s (%s)\n", what, gw_rc_name(rc),
          why ? why->msg : "");
  exit(1);
}
#define CHECK(call)                                                                             \
  do {                                                                                          \
    int rc_ = (call);                                                                           \
    if (rc_ != GW_OK) die(#call, rc_, NULL);                                                    \
  } while (0)

static void barrier(const void *p) { __asm__ volatile("" : : "g"(p) : "memory"); }

/* ---- timing ---- */

static double thread_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef void (*op_fn)(void *ctx, size_t i);

/* Median over REPEATS runs of the CPU µs one call of fn takes (iters calls a run, after
 * iters / 5 untimed warm-up calls). i counts on across runs, for ops that walk a signal. */
static double time_op(op_fn fn, void *ctx, size_t iters) {
  double per[32];
  size_t i = 0;
  for (size_t w = 0; w < iters / 5 + 1; w++) fn(ctx, i++);
  for (int r = 0; r < REPEATS; r++) {
    double t0 = thread_us();
    for (size_t k = 0; k < iters; k++) fn(ctx, i++);
    per[r] = (thread_us() - t0) / (double)iters;
  }
  return median(per, REPEATS);
}

/* The baseline, G.711 µ-law encode of 160 samples, is timed again before each row of figures
 * ("x base" uses the latest), so a row and its baseline see the same machine load. */
static double BASE_US;
static double base_seen[256];
static int n_base;
static double time_base(void);

static void rebase(void) {
  BASE_US = time_base();
  if (n_base < 256) base_seen[n_base++] = BASE_US;
}

static void print_cost(double us) {
  double x = us / BASE_US;
  if (x < 0.1) printf(" %8.3f %8.3fx", us, x); /* per-packet steps of a few ns */
  else if (x < 10) printf(" %8.2f %8.2fx", us, x);
  else printf(" %8.2f %8.0fx", us, x);
}

/* ---- the speech-like signal ---- */

#define N_NOISE_LF 60
#define N_NOISE_HF 40

typedef struct {
  double noise_f[N_NOISE_LF + N_NOISE_HF], noise_ph[N_NOISE_LF + N_NOISE_HF];
  double scale;
} speech_model;

static double pitch_phase(double t) { /* 2 pi * integral of f0 */
  return 2 * M_PI * (140 * t - 30 / (2 * M_PI * 0.35) * cos(2 * M_PI * 0.35 * t) -
                     4 / (2 * M_PI * 5.5) * cos(2 * M_PI * 5.5 * t));
}
static double pitch(double t) {
  return 140 + 30 * sin(2 * M_PI * 0.35 * t) + 4 * sin(2 * M_PI * 5.5 * t);
}

/* Three formants and a -6 dB/octave tilt above 500 Hz. */
static double envelope(double f) {
  static const double F[3] = {500, 1500, 2500}, B[3] = {90, 130, 170}, G[3] = {1, 0.6, 0.35};
  double a = 0.08;
  for (int i = 0; i < 3; i++) a += G[i] / sqrt(1 + ((f - F[i]) / B[i]) * ((f - F[i]) / B[i]));
  return a * (f > 500 ? 500 / f : 1);
}

static uint32_t rng_state = 12345;
static double frand(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return (double)(rng_state >> 8) / (double)(1u << 24);
}

static void speech_init(speech_model *m) {
  for (int j = 0; j < N_NOISE_LF; j++) {
    m->noise_f[j] = 150 + 3150 * frand();
    m->noise_ph[j] = 2 * M_PI * frand();
  }
  for (int j = N_NOISE_LF; j < N_NOISE_LF + N_NOISE_HF; j++) {
    m->noise_f[j] = 4500 + 5500 * frand();
    m->noise_ph[j] = 2 * M_PI * frand();
  }
  m->scale = 1;
}

/* One sample at time t (s). full: also the content above 4.4 kHz. */
static double speech(const speech_model *m, double t, bool full) {
  double ph = pitch_phase(t), f0 = pitch(t);
  double syll = 0.15 + 0.85 * (0.5 - 0.5 * cos(2 * M_PI * 3.1 * t)); /* ~3 syllables a second */
  double v = 0;
  for (int k = 1; k <= 19; k++) v += envelope(k * f0) * sin(k * ph); /* 19 * 174 < 3400 Hz */
  double n = 0;
  for (int j = 0; j < N_NOISE_LF; j++) n += sin(2 * M_PI * m->noise_f[j] * t + m->noise_ph[j]);
  double s = syll * v + 0.02 * n * (0.6 + 0.4 * sin(2 * M_PI * 1.3 * t));
  if (full) {
    double h = 0;
    for (int k = 42; k <= 68; k++) h += 0.15 * envelope(k * f0) * sin(k * ph); /* 4.45-11.8 k */
    double fr = 0;
    for (int j = N_NOISE_LF; j < N_NOISE_LF + N_NOISE_HF; j++)
      fr += sin(2 * M_PI * m->noise_f[j] * t + m->noise_ph[j]);
    s += syll * h + 0.015 * fr * (0.5 + 0.5 * sin(2 * M_PI * 0.9 * t));
  }
  return s * m->scale;
}

/* Samples of the signal at rate, delayed by delay samples (fractional). */
static void speech_render(const speech_model *m, double *out, size_t n, double rate, bool full,
                          double delay) {
  for (size_t i = 0; i < n; i++) out[i] = speech(m, ((double)i - delay) / rate, full);
}

static void to_pcm(const double *x, int16_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double v = lrint(x[i]);
    out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
  }
}

/* ---- analysis ---- */

static void fft(double *re, double *im, size_t n) { /* in place, radix 2 */
  for (size_t i = 1, j = 0; i < n; i++) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      double t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    double a = -2 * M_PI / (double)len;
    for (size_t i = 0; i < n; i += len) {
      for (size_t k = 0; k < len / 2; k++) {
        double wr = cos(a * (double)k), wi = sin(a * (double)k);
        double xr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
        double xi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
        re[i + k + len / 2] = re[i + k] - xr;
        im[i + k + len / 2] = im[i + k] - xi;
        re[i + k] += xr;
        im[i + k] += xi;
      }
    }
  }
}

/* Power spectrum of x[0..nfft) with a Hann window, bins 0..nfft/2. */
static void power_spectrum(const double *x, size_t nfft, double *p) {
  double *re = calloc(nfft, sizeof *re), *im = calloc(nfft, sizeof *im);
  for (size_t i = 0; i < nfft; i++)
    re[i] = x[i] * (0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)nfft));
  fft(re, im, nfft);
  for (size_t k = 0; k <= nfft / 2; k++) p[k] = re[k] * re[k] + im[k] * im[k];
  free(re);
  free(im);
}

static double db10(double r) { return 10 * log10(r > 1e-30 ? r : 1e-30); }

typedef struct {
  double snr, lsd, delay_ms, hf_db;
} quality;

/* Compares y (n samples at rate, after SKIP frames) with the band-limited speech reference:
 * finds the delay by cross-correlation (refined to a fraction of a sample), regenerates the
 * reference at that delay, fits the gain, then SNR and LSD; hf_db is the share of y's energy
 * above 4.2 kHz (imaging) when rate is above 8 kHz. */
static quality compare(const speech_model *m, const double *y, size_t n, double rate) {
  quality q = {0};
  size_t max_lag = (size_t)(rate * 0.05), win = (size_t)rate; /* 50 ms, over 1 s */
  size_t from = SKIP * (size_t)rate / 50;
  double *ref = malloc(n * sizeof *ref);
  speech_render(m, ref, n, rate, false, 0);
  double best = -1e300, c[3] = {0};
  size_t lag = 0;
  for (size_t L = 0; L <= max_lag; L++) {
    double s = 0;
    for (size_t i = from; i < from + win; i++) s += y[i] * ref[i - L];
    if (s > best) {
      best = s;
      lag = L;
    }
  }
  for (int d = -1; d <= 1; d++) {
    size_t L = (size_t)((long)lag + d);
    double s = 0;
    for (size_t i = from; i < from + win; i++) s += y[i] * ref[i - L];
    c[d + 1] = s;
  }
  double den = c[0] - 2 * c[1] + c[2];
  double delay = (double)lag + (den != 0 ? 0.5 * (c[0] - c[2]) / den : 0);
  q.delay_ms = delay / rate * 1000;
  speech_render(m, ref, n, rate, false, delay);
  double yr = 0, rr = 0;
  for (size_t i = from; i < n; i++) {
    yr += y[i] * ref[i];
    rr += ref[i] * ref[i];
  }
  double g = yr / rr, sig = 0, err = 0;
  for (size_t i = from; i < n; i++) {
    double e = y[i] - g * ref[i];
    sig += g * ref[i] * g * ref[i];
    err += e * e;
  }
  q.snr = db10(sig / err);

  size_t nfft = rate > 8000 ? 2048 : 256, hop = nfft / 2;
  double *py = malloc((nfft / 2 + 1) * sizeof *py), *pr = malloc((nfft / 2 + 1) * sizeof *pr);
  double *tmp = malloc(nfft * sizeof *tmp);
  size_t k_lo = (size_t)(100 * (double)nfft / rate), k_hi = (size_t)(3400 * (double)nfft / rate);
  size_t k_hf = (size_t)(4200 * (double)nfft / rate);
  double lsd_sum = 0, e_all = 0, e_hf = 0;
  size_t used = 0;
  for (size_t s = from; s + nfft <= n; s += hop) {
    for (size_t i = 0; i < nfft; i++) tmp[i] = g * ref[s + i];
    power_spectrum(tmp, nfft, pr);
    power_spectrum(y + s, nfft, py);
    double band = 0;
    for (size_t k = k_lo; k <= k_hi; k++) band += pr[k];
    for (size_t k = 1; k <= nfft / 2; k++) {
      e_all += py[k];
      if (k >= k_hf) e_hf += py[k];
    }
    double eps = 1e-4 * band / (double)(k_hi - k_lo + 1); /* -40 dB below the band's mean */
    double d2 = 0;
    for (size_t k = k_lo; k <= k_hi; k++) {
      double d = db10((py[k] + eps) / (pr[k] + eps));
      d2 += d * d;
    }
    lsd_sum += sqrt(d2 / (double)(k_hi - k_lo + 1));
    used++;
  }
  q.lsd = used ? lsd_sum / (double)used : 0;
  q.hf_db = rate > 8000 ? db10(e_hf / e_all) : 0;
  free(py);
  free(pr);
  free(tmp);
  free(ref);
  return q;
}

/* Level of a tone of frequency f in y, in dB relative to amplitude amp (Goertzel). */
static double tone_db(const int16_t *y, size_t n, double f, double rate, double amp) {
  double w = 2 * M_PI * f / rate, c = 2 * cos(w), s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    double s0 = y[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double p = (s1 * s1 + s2 * s2 - c * s1 * s2) * 2 / (double)n; /* = A^2 n / 2 for a sine */
  return db10(p / (amp * amp / 2 * (double)n));
}

/* Share of y's energy above fc, in dB. */
static double above_db(const int16_t *y, size_t n, double rate, double fc) {
  size_t nfft = 2048;
  double *x = malloc(nfft * sizeof *x), *p = malloc((nfft / 2 + 1) * sizeof *p);
  double all = 0, hi = 0;
  for (size_t s = 0; s + nfft <= n; s += nfft) {
    for (size_t i = 0; i < nfft; i++) x[i] = y[s + i];
    power_spectrum(x, nfft, p);
    for (size_t k = 1; k <= nfft / 2; k++) {
      all += p[k];
      if ((double)k * rate / (double)nfft >= fc) hi += p[k];
    }
  }
  free(x);
  free(p);
  return db10(hi / all);
}

/* ---- the paths ---- */

typedef struct {
  const char *name;
  gw_xcode_path path;
  gw_src_converter conv;
  int complexity;
} path_row;

static const path_row rows[] = {
    {"opus-native c0", GW_XCODE_OPUS_NATIVE, GW_SRC_SINC_FASTEST, 0},
    {"opus-native c5", GW_XCODE_OPUS_NATIVE, GW_SRC_SINC_FASTEST, 5},
    {"opus-native c10", GW_XCODE_OPUS_NATIVE, GW_SRC_SINC_FASTEST, 10},
    {"SINC_FASTEST c0", GW_XCODE_SAMPLERATE, GW_SRC_SINC_FASTEST, 0},
    {"SINC_FASTEST c5", GW_XCODE_SAMPLERATE, GW_SRC_SINC_FASTEST, 5},
    {"SINC_FASTEST c10", GW_XCODE_SAMPLERATE, GW_SRC_SINC_FASTEST, 10},
    {"SINC_MEDIUM c0", GW_XCODE_SAMPLERATE, GW_SRC_SINC_MEDIUM, 0},
    {"SINC_MEDIUM c5", GW_XCODE_SAMPLERATE, GW_SRC_SINC_MEDIUM, 5},
    {"SINC_MEDIUM c10", GW_XCODE_SAMPLERATE, GW_SRC_SINC_MEDIUM, 10},
    {"SINC_BEST c0", GW_XCODE_SAMPLERATE, GW_SRC_SINC_BEST, 0},
    {"SINC_BEST c5", GW_XCODE_SAMPLERATE, GW_SRC_SINC_BEST, 5},
    {"SINC_BEST c10", GW_XCODE_SAMPLERATE, GW_SRC_SINC_BEST, 10},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

static gw_xcode *make_xcode(gw_xcode_dir dir, const path_row *r) {
  gw_xcode_cfg cfg;
  gw_xcode_cfg_init(&cfg);
  cfg.path = r->path;
  cfg.converter = r->conv;
  cfg.complexity = r->complexity;
  gw_xcode *x = NULL;
  gw_why why = {{0}};
  int rc = gw_xcode_new(&x, dir, &cfg, &why);
  if (rc != GW_OK) die("gw_xcode_new", rc, &why);
  return x;
}

/* Packets a browser would send: 48 kHz, complexity 10, 32 kbit/s, FEC for 10 % loss. */
typedef struct {
  size_t n;
  uint8_t (*pkt)[GW_OPUS_MAX_PACKET];
  size_t *len;
} packets;

static packets browser_encode(const int16_t *pcm48, size_t frames) {
  packets p = {frames, malloc(frames * sizeof *p.pkt), malloc(frames * sizeof *p.len)};
  gw_opus_enc *e = NULL;
  gw_opus_enc_cfg c = {.rate = 48000, .complexity = 10, .loss_pct = 10, .bitrate = 32000};
  CHECK(gw_opus_enc_new(&e, &c, NULL));
  for (size_t f = 0; f < frames; f++)
    CHECK(gw_opus_enc_encode(e, pcm48 + f * 960, p.pkt[f], GW_OPUS_MAX_PACKET, &p.len[f], NULL));
  gw_opus_enc_free(e);
  return p;
}

static void packets_free(packets *p) {
  free(p->pkt);
  free(p->len);
}

/* Browser -> trunk over a packet list; out: 160 decoded G.711 samples a packet. */
static void run_b2t(const path_row *r, const packets *p, int16_t *out) {
  gw_xcode *x = make_xcode(GW_XCODE_OPUS_TO_G711, r);
  for (size_t f = 0; f < p->n; f++) {
    uint8_t g711[GW_G711_FRAME];
    CHECK(gw_xcode_opus_to_g711(x, p->pkt[f], p->len[f], NULL, 0, g711, NULL, NULL));
    gw_g711_decode(GW_G711_PCMU, g711, out + f * 160, 160);
  }
  gw_xcode_free(x);
}

/* Trunk -> browser: 8 kHz PCM, G.711 on the wire, decoded by the browser at 48 kHz.
 * Returns the Opus bitrate in kbit/s. */
static double run_t2b(const path_row *r, const int16_t *pcm8, size_t frames, int16_t *out) {
  size_t bytes = 0;
  gw_xcode *x = make_xcode(GW_XCODE_G711_TO_OPUS, r);
  gw_opus_dec *d = NULL;
  CHECK(gw_opus_dec_new(&d, 48000, NULL));
  for (size_t f = 0; f < frames; f++) {
    uint8_t g711[GW_G711_FRAME], pkt[GW_OPUS_MAX_PACKET];
    size_t len, n;
    gw_g711_encode(GW_G711_PCMU, pcm8 + f * 160, g711, 160);
    CHECK(gw_xcode_g711_to_opus(x, g711, pkt, sizeof pkt, &len, NULL));
    CHECK(gw_opus_dec_decode(d, pkt, len, out + f * 960, 960, &n, NULL));
    bytes += len;
  }
  gw_opus_dec_free(d);
  gw_xcode_free(x);
  return (double)bytes * 8 / ((double)frames * 0.02) / 1000;
}

/* ---- timed operations ---- */

typedef struct {
  const int16_t *pcm8, *pcm48;
  const uint8_t *g711;
  const packets *pk;
  size_t frames;
  gw_xcode *x;
  gw_opus_dec *dec;
  gw_opus_enc *enc;
  gw_resampler *rs;
  uint8_t out[GW_OPUS_MAX_PACKET];
  int16_t pcm_out[960];
  uint8_t rtp[GW_RTP_HEADER_LEN + 160]; /* a G.711 packet from the trunk */
  gw_rtp_header rtp_h;
} op_ctx;

/* What media/sipleg hands its owner with each packet from the trunk: one gw_rtp_parse of a
 * 172-byte G.711 packet (the owner parsed it a second time before; this is that cost per packet).
 * The sequence number changes each call so the parse cannot be hoisted out of the loop. */
static void op_rtp_parse(void *c, size_t i) {
  op_ctx *o = c;
  o->rtp[2] = (uint8_t)(i >> 8);
  o->rtp[3] = (uint8_t)i;
  if (gw_rtp_parse(o->rtp, sizeof o->rtp, &o->rtp_h, NULL) != GW_OK) die("gw_rtp_parse", GW_EINVAL, NULL);
  barrier(&o->rtp_h);
}

static void op_memcpy(void *c, size_t i) {
  op_ctx *o = c;
  memcpy(o->pcm_out, o->pcm48 + (i % o->frames) * 960, 960 * sizeof(int16_t));
  barrier(o->pcm_out);
}
static void op_g711_enc(void *c, size_t i) {
  op_ctx *o = c;
  gw_g711_encode(GW_G711_PCMU, o->pcm8 + (i % o->frames) * 160, o->out, 160);
  barrier(o->out);
}
static op_ctx *base_ctx;
static double time_base(void) { return time_op(op_g711_enc, base_ctx, 50000); }

static void op_g711_dec(void *c, size_t i) {
  op_ctx *o = c;
  gw_g711_decode(GW_G711_PCMU, o->g711 + (i % o->frames) * 160, o->pcm_out, 160);
  barrier(o->pcm_out);
}
static void op_b2t(void *c, size_t i) {
  op_ctx *o = c;
  size_t f = i % o->pk->n;
  gw_xcode_opus_to_g711(o->x, o->pk->pkt[f], o->pk->len[f], NULL, 0, o->out, NULL, NULL);
  barrier(o->out);
}
static void op_t2b(void *c, size_t i) {
  op_ctx *o = c;
  size_t len;
  gw_xcode_g711_to_opus(o->x, o->g711 + (i % o->frames) * 160, o->out, sizeof o->out, &len,
                        NULL);
  barrier(o->out);
}
static void op_dec(void *c, size_t i) {
  op_ctx *o = c;
  size_t f = i % o->pk->n, n;
  gw_opus_dec_decode(o->dec, o->pk->pkt[f], o->pk->len[f], o->pcm_out, 960, &n, NULL);
  barrier(o->pcm_out);
}
static void op_enc8(void *c, size_t i) {
  op_ctx *o = c;
  size_t len;
  gw_opus_enc_encode(o->enc, o->pcm8 + (i % o->frames) * 160, o->out, sizeof o->out, &len, NULL);
  barrier(o->out);
}
static void op_enc48(void *c, size_t i) {
  op_ctx *o = c;
  size_t len;
  gw_opus_enc_encode(o->enc, o->pcm48 + (i % o->frames) * 960, o->out, sizeof o->out, &len,
                     NULL);
  barrier(o->out);
}
static void op_down(void *c, size_t i) {
  op_ctx *o = c;
  gw_resampler_frame(o->rs, o->pcm48 + (i % o->frames) * 960, 960, o->pcm_out, NULL);
  barrier(o->pcm_out);
}
static void op_up(void *c, size_t i) {
  op_ctx *o = c;
  gw_resampler_frame(o->rs, o->pcm8 + (i % o->frames) * 160, 160, o->pcm_out, NULL);
  barrier(o->pcm_out);
}

/* ---- SRTP ---- */

#define RTP_LEN 172
#define BATCH 1024

static void make_master(gw_srtp_master *m, gw_srtp_suite suite, uint32_t seed) {
  m->len = gw_srtp_master_len(suite);
  for (size_t i = 0; i < m->len; i++) m->bytes[i] = (uint8_t)((seed * 2654435761u) >> (i % 24));
  for (size_t i = 0; i < m->len; i++) m->bytes[i] ^= (uint8_t)(i * 37 + seed);
}

/* Protect and unprotect CPU µs per 172-byte packet with `sessions` gw_srtp open, used
 * round-robin in batches of 1024 packets: protect the batch (timed), then unprotect it (timed).
 * Each gw_srtp has the same master key both ways, so it unprotects what it protected: its
 * outbound and inbound contexts are both exercised, and exactly `sessions` legs exist. */
static void bench_srtp(gw_srtp_suite suite, size_t sessions, double *prot, double *unprot) {
  gw_srtp **tx = calloc(sessions, sizeof *tx), **rx = tx;
  uint16_t *seq = calloc(sessions, sizeof *seq);
  for (size_t s = 0; s < sessions; s++) {
    gw_srtp_master a;
    make_master(&a, suite, (uint32_t)(s + 1));
    gw_why why = {{0}};
    int rc = gw_srtp_new(&tx[s], suite, &a, &a, &why);
    if (rc != GW_OK) die("gw_srtp_new", rc, &why);
  }
  uint8_t(*buf)[RTP_LEN + 32] = malloc(BATCH * sizeof *buf);
  size_t *len = malloc(BATCH * sizeof *len);
  double pp[32], uu[32];
  size_t batches = 4, next = 0;
  for (int r = -1; r < REPEATS; r++) { /* r = -1: warm-up */
    double tp = 0, tu = 0;
    for (size_t b = 0; b < batches; b++) {
      double t0 = thread_us();
      for (size_t j = 0; j < BATCH; j++) {
        size_t s = (next + j) % sessions;
        uint8_t *p = buf[j];
        memset(p + 12, 0xD5, RTP_LEN - 12);
        uint16_t q = seq[s]++;
        uint32_t ts = (uint32_t)q * 160, ssrc = 0x10000u + (uint32_t)s;
        p[0] = 0x80;
        p[1] = 0x00;
        p[2] = (uint8_t)(q >> 8);
        p[3] = (uint8_t)q;
        p[4] = (uint8_t)(ts >> 24), p[5] = (uint8_t)(ts >> 16), p[6] = (uint8_t)(ts >> 8);
        p[7] = (uint8_t)ts;
        p[8] = (uint8_t)(ssrc >> 24), p[9] = (uint8_t)(ssrc >> 16), p[10] = (uint8_t)(ssrc >> 8);
        p[11] = (uint8_t)ssrc;
        len[j] = RTP_LEN;
        int rc = gw_srtp_protect_rtp(tx[s], p, &len[j], RTP_LEN + 32, NULL);
        if (rc != GW_OK) die("gw_srtp_protect_rtp", rc, NULL);
      }
      double t1 = thread_us();
      for (size_t j = 0; j < BATCH; j++) {
        size_t s = (next + j) % sessions;
        int rc = gw_srtp_unprotect_rtp(rx[s], buf[j], &len[j], NULL);
        if (rc != GW_OK) die("gw_srtp_unprotect_rtp", rc, NULL);
      }
      double t2 = thread_us();
      tp += t1 - t0;
      tu += t2 - t1;
      next = (next + BATCH) % sessions;
    }
    if (r >= 0) {
      pp[r] = tp / (double)(batches * BATCH);
      uu[r] = tu / (double)(batches * BATCH);
    }
  }
  *prot = median(pp, REPEATS);
  *unprot = median(uu, REPEATS);
  for (size_t s = 0; s < sessions; s++) gw_srtp_free(tx[s]);
  free(tx);
  free(seq);
  free(buf);
  free(len);
}

/* ---- main ---- */

static double row_b2t[N_ROWS], row_t2b[N_ROWS];

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
    REPEATS = 3;
    CODEC_FRAMES = 100;
  }
  speech_model m;
  speech_init(&m);
  /* Scale the browser's full-band signal to peak at -6 dBFS. */
  size_t nq = QUALITY_FRAMES, n48 = nq * 960, n8 = nq * 160;
  double *x48 = malloc(n48 * sizeof *x48), *x8 = malloc(n8 * sizeof *x8);
  speech_render(&m, x48, n48, 48000, true, 0);
  double peak = 0;
  for (size_t i = 0; i < n48; i++) peak = fmax(peak, fabs(x48[i]));
  m.scale = 16384 / peak;
  speech_render(&m, x48, n48, 48000, true, 0);
  speech_render(&m, x8, n8, 8000, false, 0);
  int16_t *pcm48 = malloc(n48 * sizeof *pcm48), *pcm8 = malloc(n8 * sizeof *pcm8);
  to_pcm(x48, pcm48, n48);
  to_pcm(x8, pcm8, n8);
  uint8_t *g711 = malloc(n8);
  gw_g711_encode(GW_G711_PCMU, pcm8, g711, n8);
  packets pk = browser_encode(pcm48, nq);

  printf("bench_media: CPU time of this thread per 20 ms frame (or per packet), median of %d runs"
         "\nof %zu frames; 'x base' = ratio to the baseline (G.711 u-law encode of 160 samples)"
         "\ntimed again just before each row.\n\n",
         REPEATS, CODEC_FRAMES);

  /* Baselines. */
  op_ctx o = {.pcm8 = pcm8, .pcm48 = pcm48, .g711 = g711, .pk = &pk, .frames = nq};
  base_ctx = &o;
  rebase();
  printf("== Baselines and components ==========================================\n");
  printf("%-44s %8s %9s\n", "operation (one 20 ms frame)", "us", "x base");
  printf("%-44s", "BASELINE: G.711 u-law encode, 160 samples");
  print_cost(BASE_US);
  rebase();
  printf("\n%-44s", "G.711 u-law decode, 160 samples");
  print_cost(time_op(op_g711_dec, &o, 200000));
  printf("\n%-44s", "memcpy of a 48 kHz frame (1920 bytes)");
  print_cost(time_op(op_memcpy, &o, 200000));
  CHECK(gw_rtp_write_header(o.rtp, sizeof o.rtp, false, 0, 1, 160, 0x1234));
  memcpy(o.rtp + GW_RTP_HEADER_LEN, g711, 160);
  rebase();
  printf("\n%-44s", "RTP header parse, one 172-byte packet");
  print_cost(time_op(op_rtp_parse, &o, 1000000));
  printf("\n");
  int rates[2] = {48000, 8000};
  for (int ri = 0; ri < 2; ri++) {
    CHECK(gw_opus_dec_new(&o.dec, rates[ri], NULL));
    rebase();
    printf("%-35s %5d Hz", "Opus decode (browser packets) ->", rates[ri]);
    print_cost(time_op(op_dec, &o, CODEC_FRAMES));
    printf("\n");
    gw_opus_dec_free(o.dec);
  }
  static const int cx[3] = {0, 5, 10};
  for (int ri = 0; ri < 2; ri++) {
    for (int ci = 0; ci < 3; ci++) {
      gw_opus_enc_cfg ec = {.rate = rates[ri], .complexity = cx[ci], .loss_pct = 10};
      CHECK(gw_opus_enc_new(&o.enc, &ec, NULL));
      rebase();
      printf("Opus encode from %5d Hz, complexity %2d    ", rates[ri], cx[ci]);
      print_cost(time_op(rates[ri] == 8000 ? op_enc8 : op_enc48, &o, CODEC_FRAMES));
      printf("\n");
      gw_opus_enc_free(o.enc);
    }
  }
  static const gw_src_converter convs[3] = {GW_SRC_SINC_FASTEST, GW_SRC_SINC_MEDIUM,
                                            GW_SRC_SINC_BEST};
  for (int ci = 0; ci < 3; ci++) {
    for (int up = 0; up < 2; up++) {
      CHECK(gw_resampler_new(&o.rs, up ? 8000 : 48000, up ? 48000 : 8000, convs[ci], NULL));
      rebase();
      printf("libsamplerate %-13s %s     ", gw_src_converter_name(convs[ci]),
             up ? " 8k -> 48k" : "48k ->  8k");
      print_cost(time_op(up ? op_up : op_down, &o, CODEC_FRAMES));
      printf("\n");
      gw_resampler_free(o.rs);
    }
  }

  /* Paths: cost. */
  printf("\n== Transcoding paths: CPU per 20 ms frame ===============================\n");
  printf("browser->trunk = Opus packet -> (48k decode + resample | 8k decode) -> G.711\n");
  printf("trunk->browser = G.711 -> (resample + 48k encode | 8k encode) -> Opus packet\n");
  printf("%-17s %8s %9s %8s %9s %8s %9s %10s\n", "path", "b->t us", "x base", "t->b us",
         "x base", "sum us", "x base", "calls/core");
  for (size_t r = 0; r < N_ROWS; r++) {
    rebase();
    o.x = make_xcode(GW_XCODE_OPUS_TO_G711, &rows[r]);
    row_b2t[r] = time_op(op_b2t, &o, CODEC_FRAMES);
    gw_xcode_free(o.x);
    o.x = make_xcode(GW_XCODE_G711_TO_OPUS, &rows[r]);
    row_t2b[r] = time_op(op_t2b, &o, CODEC_FRAMES);
    gw_xcode_free(o.x);
    double sum = row_b2t[r] + row_t2b[r];
    printf("%-17s", rows[r].name);
    print_cost(row_b2t[r]);
    print_cost(row_t2b[r]);
    print_cost(sum);
    printf(" %10.0f\n", 20000 / sum);
    fflush(stdout);
  }
  printf("(calls/core: 20 ms of one core / (b->t + t->b); codec only, no SRTP, I/O or RTP)\n");

  /* Paths: quality. */
  printf("\n== Transcoding paths: quality (speech-like signal, %zu s; tones at -12 dBFS) ======\n",
         QUALITY_FRAMES / 50);
  printf("b->t: browser Opus (48k c10 32 kb/s) -> path -> G.711 u-law, vs the 0-3.4 kHz reference "
         "at 8 kHz\n");
  printf("t->b: G.711 u-law -> path -> Opus 24 kb/s -> browser decode at 48 kHz, vs the same "
         "reference at 48 kHz\n");
  printf("SNR/LSD: waveform SNR and log-spectral distance over 100-3400 Hz (lower is better);\n"
         "300/1k/3.4k: tone gain in dB; 6k: a 6 kHz tone's level after b->t (alias rejection);\n"
         ">4k: share of the 48 kHz output's energy above 4.2 kHz (imaging), speech / 3.4 kHz "
         "tone; delay: ms;\nkb/s: the Opus stream sent to the browser (24 kb/s VBR asked)\n");
  printf("%-17s|%6s %5s %6s %6s %6s %6s %5s|%6s %5s %6s %6s %6s %6s %6s %5s %5s\n", "path",
         "SNR", "LSD", "300", "1k", "3.4k", "6k", "delay", "SNR", "LSD", "300", "1k", "3.4k",
         ">4k", ">4k t", "delay", "kb/s");
  int16_t *y8 = malloc(n8 * sizeof *y8), *y48 = malloc(n48 * sizeof *y48);
  double *d = malloc(n48 * sizeof *d);
  /* Tones: pre-encoded browser packets, and 8 kHz trunk PCM. */
  static const double tf[4] = {300, 1000, 3400, 6000};
  const size_t tn = 35; /* frames */
  packets tpk[4];
  int16_t *t48 = malloc(tn * 960 * sizeof *t48), *t8[4];
  for (int k = 0; k < 4; k++) {
    for (size_t i = 0; i < tn * 960; i++)
      t48[i] = (int16_t)lrint(8192 * sin(2 * M_PI * tf[k] * (double)i / 48000));
    tpk[k] = browser_encode(t48, tn);
    t8[k] = malloc(tn * 160 * sizeof *t8[k]);
    for (size_t i = 0; i < tn * 160; i++)
      t8[k][i] = (int16_t)lrint(8192 * sin(2 * M_PI * tf[k] * (double)i / 8000));
  }
  /* Reference line: G.711 alone. */
  {
    int16_t *g = malloc(n8 * sizeof *g);
    gw_g711_decode(GW_G711_PCMU, g711, g, n8);
    for (size_t i = 0; i < n8; i++) d[i] = g[i];
    quality q = compare(&m, d, n8, 8000);
    printf("%-17s|%6.1f %5.2f %6s %6s %6s %6s %5.1f|\n", "G.711 alone", q.snr, q.lsd, "", "", "",
           "", q.delay_ms);
    free(g);
  }
  for (size_t r = 0; r < N_ROWS; r++) {
    run_b2t(&rows[r], &pk, y8);
    for (size_t i = 0; i < n8; i++) d[i] = y8[i];
    quality qb = compare(&m, d, n8, 8000);
    double lb[4];
    for (int k = 0; k < 4; k++) {
      run_b2t(&rows[r], &tpk[k], y8);
      lb[k] = tone_db(y8 + SKIP * 160, (tn - SKIP) * 160, k < 3 ? tf[k] : 2000, 8000, 8192);
      if (k == 3) { /* the whole output, not only the 2 kHz alias */
        double e = 0;
        for (size_t i = SKIP * 160; i < tn * 160; i++) e += (double)y8[i] * y8[i];
        lb[k] = db10(e / (8192.0 * 8192 / 2 * (double)((tn - SKIP) * 160)));
      }
    }
    double kbps = run_t2b(&rows[r], pcm8, nq, y48);
    for (size_t i = 0; i < n48; i++) d[i] = y48[i];
    quality qt = compare(&m, d, n48, 48000);
    double lt[3], img_tone = 0;
    for (int k = 0; k < 3; k++) {
      run_t2b(&rows[r], t8[k], tn, y48);
      lt[k] = tone_db(y48 + SKIP * 960, (tn - SKIP) * 960, tf[k], 48000, 8192);
      if (k == 2) img_tone = above_db(y48 + SKIP * 960, (tn - SKIP) * 960, 48000, 4200);
    }
    printf("%-17s|%6.1f %5.2f %+6.1f %+6.1f %+6.1f %6.1f %5.1f|%6.1f %5.2f %+6.1f %+6.1f %+6.1f "
           "%6.1f %6.1f %5.1f %5.1f\n",
           rows[r].name, qb.snr, qb.lsd, lb[0], lb[1], lb[2], lb[3], qb.delay_ms, qt.snr, qt.lsd,
           lt[0], lt[1], lt[2], qt.hf_db, img_tone, qt.delay_ms, kbps);
    fflush(stdout);
  }
  for (int k = 0; k < 4; k++) {
    packets_free(&tpk[k]);
    free(t8[k]);
  }
  free(t48);

  /* SRTP. */
  printf("\n== SRTP per 172-byte RTP packet (12 + 160), sessions round-robin =====\n");
  gw_why why = {{0}};
  int rc = gw_srtp_global_init(&why);
  if (rc != GW_OK) die("gw_srtp_global_init", rc, &why);
  static const gw_srtp_suite suites[3] = {GW_SRTP_AES_CM_128_HMAC_SHA1_80,
                                          GW_SRTP_AES_CM_128_HMAC_SHA1_32,
                                          GW_SRTP_AEAD_AES_128_GCM};
  static const size_t counts[3] = {1, 256, 1024};
  printf("%-25s %8s %8s %9s %8s %9s\n", "suite", "sessions", "protect", "x base", "unprot",
         "x base");
  double srtp_p[3][3], srtp_u[3][3];
  for (int s = 0; s < 3; s++) {
    for (int c = 0; c < 3; c++) {
      rebase();
      bench_srtp(suites[s], counts[c], &srtp_p[s][c], &srtp_u[s][c]);
      printf("%-25s %8zu", gw_srtp_suite_name(suites[s]), counts[c]);
      print_cost(srtp_p[s][c]);
      print_cost(srtp_u[s][c]);
      printf("\n");
      fflush(stdout);
    }
  }
  gw_srtp_global_shutdown();

  /* One call's budget. */
  printf("\n== One two-way transcoded call per 20 ms: codec + SRTP on both legs ==\n");
  printf("(2 protects + 2 unprotects at 1024 sessions; browser leg and trunk leg same suite)\n");
  printf("%-17s %-25s %8s %9s %10s\n", "path", "suite", "us", "x base", "calls/core");
  double sorted[256];
  memcpy(sorted, base_seen, (size_t)n_base * sizeof sorted[0]);
  qsort(sorted, (size_t)n_base, sizeof sorted[0], cmp_double);
  double base_med = median(sorted, n_base);
  for (size_t r = 0; r < N_ROWS; r++) {
    if (rows[r].complexity == 0 && rows[r].path == GW_XCODE_SAMPLERATE) continue;
    for (int s = 0; s < 3; s += 2) {
      double us = row_b2t[r] + row_t2b[r] + 2 * (srtp_p[s][2] + srtp_u[s][2]);
      BASE_US = base_med;
      printf("%-17s %-25s", rows[r].name, gw_srtp_suite_name(suites[s]));
      print_cost(us);
      printf(" %10.0f\n", 20000 / us);
    }
  }
  printf("\nbaseline (G.711 u-law encode of 160 samples) over this run, %d timings: min %.3f, "
         "median %.3f, max %.3f us\n(sums above use the median)\n", n_base, sorted[0], base_med,
         sorted[n_base - 1]);
  packets_free(&pk);
  free(x48);
  free(x8);
  free(pcm48);
  free(pcm8);
  free(g711);
  free(y8);
  free(y48);
  free(d);
  return 0;
}
