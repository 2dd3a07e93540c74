/* Tests for media/codec: Opus wrapper, resampler and the transcoder on both paths.
 *
 * Signals go through the path a call takes: browser -> trunk is a 48 kHz signal encoded by an
 * Opus encoder set up like a browser's (48 kHz, complexity 10, 32 kbit/s, FEC), transcoded to
 * G.711 and decoded; trunk -> browser is an 8 kHz signal G.711-encoded, transcoded to Opus and
 * decoded at 48 kHz as a browser would. Frequencies are measured with the Goertzel algorithm
 * over whole frames after the paths' start-up delay.
 *
 * Tolerances (the numbers each path measured are printed with --verbose):
 *  - pass band, 300 Hz / 1 kHz / 3.4 kHz tones at -12 dBFS: the strongest frequency of the
 *    output is within 10 Hz of the input's and carries at least 95 % of the output's energy
 *    (90 % at 3.4 kHz); the level is within PASS_DB (1.5 dB) of the input's (measured: within
 *    0.4 dB). Exception: SINC_FASTEST passes only 80 % of the 4 kHz Nyquist band, so 3.4 kHz
 *    loses about 9 dB on it; FASTEST_EDGE_DB (12 dB) is allowed there.
 *  - alias rejection: a 6 kHz tone in the browser's 48 kHz stream comes out on the 8 kHz side
 *    at least ALIAS_DB (40 dB) below its input level in total (measured 47-49 dB: what is left
 *    is Opus coding noise) and ALIAS_TONE_DB (60 dB) at its 2 kHz alias (measured 65-71 dB);
 *    the resampler alone, without codecs, RESAMPLER_ALIAS_DB (80 dB).
 *  - loss: packet 30 of a 1 kHz stream is dropped. Its 20 ms of output (taken after the
 *    resampler's delay) must peak within 25 Hz of 1 kHz; with FEC it must be within FEC_DB
 *    (1 dB) of the clean decode's level with 95 % of its energy at 1 kHz; with PLC, which fades
 *    (measured -5.3 dB, 58 %), from -PLC_FADE_DB (8 dB) to +1 dB and 50 %. A discontinuity is
 *    measured with a sine predictor (see max_residual): over the 4 frames around the loss it
 *    must stay within BREAK_RATIO (1.5) times its largest value in the clean stream, which is
 *    set by G.711 and Opus noise. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "media/codec/g711.h"
#include "media/codec/opus.h"
#include "media/codec/resample.h"
#include "media/codec/xcode.h"

#define PASS_DB 1.5
#define FASTEST_EDGE_DB 12.0
#define ALIAS_DB 40.0
#define ALIAS_TONE_DB 60.0
#define RESAMPLER_ALIAS_DB 80.0
#define FEC_DB 1.0
#define PLC_FADE_DB 8.0
#define BREAK_RATIO 1.5

#define SECONDS 1
#define FRAMES (50 * SECONDS)
#define SKIP 10 /* frames left out of measurements: codec and filter start-up */
#define AMP 8192.0 /* -12 dBFS */

typedef struct {
  const char *name;
  gw_xcode_path path;
  gw_src_converter conv;
} path_case;

static const path_case paths[] = {
    {"opus-native", GW_XCODE_OPUS_NATIVE, GW_SRC_SINC_FASTEST},
    {"SINC_FASTEST", GW_XCODE_SAMPLERATE, GW_SRC_SINC_FASTEST},
    {"SINC_MEDIUM", GW_XCODE_SAMPLERATE, GW_SRC_SINC_MEDIUM},
    {"SINC_BEST", GW_XCODE_SAMPLERATE, GW_SRC_SINC_BEST},
};
#define N_PATHS (sizeof paths / sizeof paths[0])

/* ---- signal helpers ---- */

static void sine(int16_t *out, size_t n, double f, double rate, double amp, size_t t0) {
  for (size_t i = 0; i < n; i++)
    out[i] = (int16_t)lrint(amp * sin(2 * M_PI * f * (double)(t0 + i) / rate));
}

static double energy(const int16_t *x, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; i++) e += (double)x[i] * x[i];
  return e;
}

/* Energy at f (Goertzel), scaled so that a sine of amplitude A gives about A^2 n / 2, like
 * energy() does for the same sine. */
static double goertzel(const int16_t *x, size_t n, double f, double rate) {
  double w = 2 * M_PI * f / rate, c = 2 * cos(w), s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    double s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 2 * p / (double)n;
}

/* The strongest frequency between 50 Hz and the Nyquist rate, on a 5 Hz grid (Hann window). */
static double peak_freq(const int16_t *x, size_t n, double rate) {
  int16_t *w = g_new(int16_t, n);
  for (size_t i = 0; i < n; i++)
    w[i] = (int16_t)lrint(x[i] * 0.5 * (1 - cos(2 * M_PI * (double)i / (double)(n - 1))));
  double best = 0, best_f = 0;
  for (double f = 50; f < rate / 2 - 50; f += 5) {
    double p = goertzel(w, n, f, rate);
    if (p > best) {
      best = p;
      best_f = f;
    }
  }
  g_free(w);
  return best_f;
}

static double db(double ratio) { return 10 * log10(ratio > 1e-30 ? ratio : 1e-30); }

/* ---- the two directions, run over whole signals ---- */

static gw_opus_enc *browser_encoder(void) {
  gw_opus_enc *e = NULL;
  gw_opus_enc_cfg c = {.rate = 48000, .complexity = 10, .loss_pct = 10, .bitrate = 32000};
  g_assert_cmpint(gw_opus_enc_new(&e, &c, NULL), ==, GW_OK);
  return e;
}

static gw_xcode *new_xcode(gw_xcode_dir dir, const path_case *p, gw_g711_law law) {
  gw_xcode_cfg cfg;
  gw_xcode_cfg_init(&cfg);
  cfg.law = law;
  cfg.path = p->path;
  cfg.converter = p->conv;
  gw_xcode *x = NULL;
  gw_why why = {{0}};
  int rc = gw_xcode_new(&x, dir, &cfg, &why);
  if (rc != GW_OK) g_error("gw_xcode_new: %s", why.msg);
  return x;
}

/* in: FRAMES * 960 samples at 48 kHz; out: FRAMES * 160 samples at 8 kHz. */
static void browser_to_trunk(const path_case *p, gw_g711_law law, const int16_t *in,
                             int16_t *out) {
  gw_opus_enc *enc = browser_encoder();
  gw_xcode *x = new_xcode(GW_XCODE_OPUS_TO_G711, p, law);
  for (size_t f = 0; f < FRAMES; f++) {
    uint8_t pkt[GW_OPUS_MAX_PACKET], g711[GW_G711_FRAME];
    size_t len;
    g_assert_cmpint(gw_opus_enc_encode(enc, in + f * 960, pkt, sizeof pkt, &len, NULL), ==,
                    GW_OK);
    gw_xcode_frame_kind kind;
    g_assert_cmpint(gw_xcode_opus_to_g711(x, pkt, len, NULL, 0, g711, &kind, NULL), ==, GW_OK);
    g_assert_cmpint(kind, ==, GW_XCODE_DECODED);
    gw_g711_decode(law, g711, out + f * GW_G711_FRAME, GW_G711_FRAME);
  }
  gw_xcode_free(x);
  gw_opus_enc_free(enc);
}

/* in: FRAMES * 160 samples at 8 kHz; out: FRAMES * 960 samples at 48 kHz. */
static void trunk_to_browser(const path_case *p, gw_g711_law law, const int16_t *in,
                             int16_t *out) {
  gw_opus_dec *dec = NULL;
  g_assert_cmpint(gw_opus_dec_new(&dec, 48000, NULL), ==, GW_OK);
  gw_xcode *x = new_xcode(GW_XCODE_G711_TO_OPUS, p, law);
  for (size_t f = 0; f < FRAMES; f++) {
    uint8_t g711[GW_G711_FRAME], pkt[GW_OPUS_MAX_PACKET];
    size_t len, n;
    gw_g711_encode(law, in + f * GW_G711_FRAME, g711, GW_G711_FRAME);
    g_assert_cmpint(gw_xcode_g711_to_opus(x, g711, pkt, sizeof pkt, &len, NULL), ==, GW_OK);
    g_assert_cmpuint(len, >, 0);
    g_assert_cmpint(gw_opus_dec_decode(dec, pkt, len, out + f * 960, 960, &n, NULL), ==, GW_OK);
    g_assert_cmpuint(n, ==, 960);
  }
  gw_xcode_free(x);
  gw_opus_dec_free(dec);
}

static void check_tone(const char *what, const int16_t *y, size_t n, double rate, double f,
                       double want_db_min, double want_db_max) {
  double e = energy(y, n);
  double level = db(e / (AMP * AMP / 2 * (double)n));
  double pf = peak_freq(y, n, rate);
  double share = goertzel(y, n, f, rate) / (e > 0 ? e : 1);
  g_test_message("%s %.0f Hz: level %+.2f dB, peak %.0f Hz, %.1f %% of energy at f", what, f,
                 level, pf, 100 * share);
  g_assert_cmpfloat(fabs(pf - f), <=, 10);
  g_assert_cmpfloat(share, >=, f < 3000 ? 0.95 : 0.90);
  g_assert_cmpfloat(level, >=, want_db_min);
  g_assert_cmpfloat(level, <=, want_db_max);
}

static void test_pass_band(void) {
  static const double freqs[] = {300, 1000, 3400};
  int16_t *in48 = g_new(int16_t, FRAMES * 960), *out48 = g_new(int16_t, FRAMES * 960);
  int16_t *in8 = g_new(int16_t, FRAMES * 160), *out8 = g_new(int16_t, FRAMES * 160);
  for (size_t pi = 0; pi < N_PATHS; pi++) {
    for (size_t fi = 0; fi < G_N_ELEMENTS(freqs); fi++) {
      double f = freqs[fi];
      double lo = -PASS_DB;
      if (f > 3000 && paths[pi].path == GW_XCODE_SAMPLERATE &&
          paths[pi].conv == GW_SRC_SINC_FASTEST)
        lo = -FASTEST_EDGE_DB;
      gw_g711_law law = fi == 1 ? GW_G711_PCMA : GW_G711_PCMU;
      char what[96];

      sine(in48, FRAMES * 960, f, 48000, AMP, 0);
      browser_to_trunk(&paths[pi], law, in48, out8);
      g_snprintf(what, sizeof what, "%s Opus->%s", paths[pi].name, gw_g711_law_name(law));
      check_tone(what, out8 + SKIP * 160, (FRAMES - SKIP) * 160, 8000, f, lo, PASS_DB);

      sine(in8, FRAMES * 160, f, 8000, AMP, 0);
      trunk_to_browser(&paths[pi], law, in8, out48);
      g_snprintf(what, sizeof what, "%s %s->Opus", paths[pi].name, gw_g711_law_name(law));
      check_tone(what, out48 + SKIP * 960, (FRAMES - SKIP) * 960, 48000, f, lo, PASS_DB);
    }
  }
  g_free(in48);
  g_free(out48);
  g_free(in8);
  g_free(out8);
}

static void test_alias_rejection(void) {
  int16_t *in48 = g_new(int16_t, FRAMES * 960), *out8 = g_new(int16_t, FRAMES * 160);
  sine(in48, FRAMES * 960, 6000, 48000, AMP, 0);
  size_t n = (FRAMES - SKIP) * 160;
  for (size_t pi = 0; pi < N_PATHS; pi++) {
    browser_to_trunk(&paths[pi], GW_G711_PCMU, in48, out8);
    const int16_t *y = out8 + SKIP * 160;
    double att = -db(energy(y, n) / (AMP * AMP / 2 * (double)n));
    double alias = -db(goertzel(y, n, 2000, 8000) / (AMP * AMP / 2 * (double)n));
    g_test_message("%s: 6 kHz tone attenuated %.1f dB overall, %.1f dB at its 2 kHz alias",
                   paths[pi].name, att, alias);
    g_assert_cmpfloat(att, >=, ALIAS_DB);
    g_assert_cmpfloat(alias, >=, ALIAS_TONE_DB);
  }
  /* The resampler alone, no codec. */
  for (size_t pi = 1; pi < N_PATHS; pi++) {
    gw_resampler *r = NULL;
    g_assert_cmpint(gw_resampler_new(&r, 48000, 8000, paths[pi].conv, NULL), ==, GW_OK);
    for (size_t f = 0; f < FRAMES; f++)
      g_assert_cmpint(gw_resampler_frame(r, in48 + f * 960, 960, out8 + f * 160, NULL), ==,
                      GW_OK);
    const int16_t *y = out8 + SKIP * 160;
    double att = -db(energy(y, n) / (AMP * AMP / 2 * (double)n));
    g_test_message("%s resampler alone: 6 kHz attenuated %s%.1f dB (delay %zu samples at 8 kHz)",
                   paths[pi].name, energy(y, n) == 0 ? "to digital silence, " : "", att,
                   gw_resampler_delay(r));
    g_assert_cmpfloat(att, >=, RESAMPLER_ALIAS_DB);
    gw_resampler_free(r);
  }
  g_free(in48);
  g_free(out8);
}

/* Discontinuity detector for a 1 kHz sine at 8 kHz: x[i+1] - 2 cos(w) x[i] + x[i-1] is zero for
 * any sine of that frequency, whatever its amplitude or phase, so it stays small through slow
 * level changes and spikes at a click or a phase jump. Largest |residual| over [from, to). */
static double max_residual(const int16_t *x, size_t from, size_t to) {
  double c = 2 * cos(2 * M_PI * 1000 / 8000), m = 0;
  for (size_t i = from > 0 ? from : 1; i + 1 < to; i++) {
    double r = fabs(x[i + 1] - c * x[i] + x[i - 1]);
    if (r > m) m = r;
  }
  return m;
}

static void test_loss(void) {
  enum { LOST = 30 };
  int16_t *in48 = g_new(int16_t, FRAMES * 960);
  sine(in48, FRAMES * 960, 1000, 48000, AMP, 0);
  uint8_t pkts[FRAMES][GW_OPUS_MAX_PACKET];
  size_t lens[FRAMES];
  gw_opus_enc *enc = browser_encoder();
  for (size_t f = 0; f < FRAMES; f++)
    g_assert_cmpint(gw_opus_enc_encode(enc, in48 + f * 960, pkts[f], GW_OPUS_MAX_PACKET,
                                       &lens[f], NULL), ==, GW_OK);
  gw_opus_enc_free(enc);
  g_assert_true(gw_opus_packet_has_fec(pkts[LOST + 1], lens[LOST + 1]));

  for (size_t pi = 0; pi < N_PATHS; pi++) {
    int16_t clean[FRAMES * 160], lossy[FRAMES * 160];
    for (int mode = 0; mode < 3; mode++) { /* 0 clean, 1 FEC, 2 PLC */
      gw_xcode *x = new_xcode(GW_XCODE_OPUS_TO_G711, &paths[pi], GW_G711_PCMU);
      int16_t *out = mode == 0 ? clean : lossy;
      for (size_t f = 0; f < FRAMES; f++) {
        uint8_t g711[GW_G711_FRAME];
        gw_xcode_frame_kind kind;
        int rc;
        if (mode != 0 && f == LOST)
          rc = gw_xcode_opus_to_g711(x, NULL, 0, mode == 1 ? pkts[f + 1] : NULL,
                                     mode == 1 ? lens[f + 1] : 0, g711, &kind, NULL);
        else
          rc = gw_xcode_opus_to_g711(x, pkts[f], lens[f], NULL, 0, g711, &kind, NULL);
        g_assert_cmpint(rc, ==, GW_OK);
        g_assert_cmpint(kind, ==, mode == 0 || f != LOST ? GW_XCODE_DECODED
                                  : mode == 1            ? GW_XCODE_FEC
                                                         : GW_XCODE_PLC);
        gw_g711_decode(GW_G711_PCMU, g711, out + f * 160, 160);
      }
      gw_xcode_stats st;
      gw_xcode_get_stats(x, &st);
      g_assert_cmpuint(st.frames, ==, FRAMES);
      g_assert_cmpuint(st.fec, ==, mode == 1 ? 1 : 0);
      g_assert_cmpuint(st.plc, ==, mode == 2 ? 1 : 0);
      gw_xcode_free(x);
      if (mode == 0) continue;

      /* The lost frame's 20 ms, after the resampler's delay on the libsamplerate paths. */
      size_t d = 0;
      if (paths[pi].path == GW_XCODE_SAMPLERATE) {
        gw_resampler *r = NULL;
        int16_t tmp[160];
        g_assert_cmpint(gw_resampler_new(&r, 48000, 8000, paths[pi].conv, NULL), ==, GW_OK);
        g_assert_cmpint(gw_resampler_frame(r, in48, 960, tmp, NULL), ==, GW_OK);
        d = gw_resampler_delay(r);
        gw_resampler_free(r);
      }
      const int16_t *fr = lossy + LOST * 160 + d;
      double level = db(energy(fr, 160) / energy(clean + LOST * 160 + d, 160));
      double share = goertzel(fr, 160, 1000, 8000) / energy(fr, 160);
      double jump = max_residual(lossy, (LOST - 1) * 160, (LOST + 3) * 160);
      double ref = max_residual(clean, SKIP * 160, FRAMES * 160);
      double pf = peak_freq(fr, 160, 8000);
      g_test_message("%s %s: level %+.2f dB vs clean, peak %.0f Hz, %.1f %% at 1 kHz, largest "
                     "break %.0f (clean %.0f), TOC 0x%02x",
                     paths[pi].name, mode == 1 ? "FEC" : "PLC", level, pf, 100 * share, jump, ref,
                     pkts[LOST][0]);
      g_assert_cmpfloat(fabs(pf - 1000), <=, 25);
      if (mode == 1) {
        g_assert_cmpfloat(fabs(level), <=, FEC_DB);
        g_assert_cmpfloat(share, >=, 0.95);
      } else {
        g_assert_cmpfloat(level, >=, -PLC_FADE_DB);
        g_assert_cmpfloat(level, <=, FEC_DB);
        g_assert_cmpfloat(share, >=, 0.50);
      }
      g_assert_cmpfloat(jump, <=, BREAK_RATIO * ref);
    }
  }
  g_free(in48);
}

/* In-band FEC is seen in the packets exactly when the encoder is told to expect loss. */
static void test_fec_flag(void) {
  int16_t pcm[960];
  for (int loss = 0; loss <= 10; loss += 10) {
    gw_opus_enc *e = NULL;
    gw_opus_enc_cfg c = {.rate = 48000, .complexity = 10, .loss_pct = loss, .bitrate = 32000};
    g_assert_cmpint(gw_opus_enc_new(&e, &c, NULL), ==, GW_OK);
    int with_fec = 0;
    for (size_t f = 0; f < 20; f++) {
      uint8_t pkt[GW_OPUS_MAX_PACKET];
      size_t len;
      sine(pcm, 960, 440, 48000, AMP, f * 960);
      g_assert_cmpint(gw_opus_enc_encode(e, pcm, pkt, sizeof pkt, &len, NULL), ==, GW_OK);
      g_assert_cmpint(gw_opus_packet_samples(pkt, len, 48000), ==, 960);
      g_assert_cmpint(gw_opus_packet_samples(pkt, len, 8000), ==, 160);
      with_fec += gw_opus_packet_has_fec(pkt, len);
    }
    g_test_message("loss %d %%: %d of 20 packets carry FEC", loss, with_fec);
    if (loss == 0) g_assert_cmpint(with_fec, ==, 0);
    else g_assert_cmpint(with_fec, >=, 18); /* all but the first one or two */
    gw_opus_enc_free(e);
  }
  /* The transcoder's own encoder (trunk -> browser) sends FEC too, on both paths. */
  for (size_t pi = 0; pi < 2; pi++) {
    gw_xcode *x = new_xcode(GW_XCODE_G711_TO_OPUS, &paths[pi], GW_G711_PCMU);
    int with_fec = 0;
    for (size_t f = 0; f < 20; f++) {
      uint8_t g711[GW_G711_FRAME], pkt[GW_OPUS_MAX_PACKET];
      size_t len;
      sine(pcm, 160, 440, 8000, AMP, f * 160);
      gw_g711_encode(GW_G711_PCMU, pcm, g711, GW_G711_FRAME);
      g_assert_cmpint(gw_xcode_g711_to_opus(x, g711, pkt, sizeof pkt, &len, NULL), ==, GW_OK);
      g_assert_cmpint(gw_opus_packet_samples(pkt, len, 48000), ==, 960);
      with_fec += gw_opus_packet_has_fec(pkt, len);
    }
    g_test_message("%s G.711->Opus: %d of 20 packets carry FEC", paths[pi].name, with_fec);
    g_assert_cmpint(with_fec, >=, 18);
    g_assert_cmpint(gw_xcode_set_loss(x, 0, NULL), ==, GW_OK);
    g_assert_cmpint(gw_xcode_set_loss(x, 101, NULL), ==, GW_EINVAL);
    g_assert_cmpint(gw_xcode_set_complexity(x, 0, NULL), ==, GW_OK);
    g_assert_cmpint(gw_xcode_set_complexity(x, 11, NULL), ==, GW_EINVAL);
    gw_xcode_free(x);
  }
  /* Hand-made packets: CELT-only never has FEC; the SILK flag is the bit after the VAD flags. */
  const uint8_t celt[] = {0xF8, 0xFF, 0xFF, 0xFF};   /* config 31, CELT FB 20 ms */
  const uint8_t silk20[] = {0x08, 0x40, 0x00};       /* config 1, SILK NB 20 ms: VAD 0, LBRR 1 */
  const uint8_t silk20_no[] = {0x08, 0xBF, 0xFF};    /* VAD 1, LBRR 0 */
  const uint8_t silk40[] = {0x10, 0x20, 0x00};       /* config 2, 40 ms: 2 VAD flags, LBRR 1 */
  g_assert_false(gw_opus_packet_has_fec(celt, sizeof celt));
  g_assert_true(gw_opus_packet_has_fec(silk20, sizeof silk20));
  g_assert_false(gw_opus_packet_has_fec(silk20_no, sizeof silk20_no));
  g_assert_true(gw_opus_packet_has_fec(silk40, sizeof silk40));
  g_assert_false(gw_opus_packet_has_fec(silk20, 0));
  g_assert_false(gw_opus_packet_has_fec(NULL, 3));
  g_assert_false(gw_opus_packet_has_fec(silk20, 1)); /* TOC only: an empty frame */
  g_assert_cmpint(gw_opus_packet_samples(silk40, sizeof silk40, 8000), ==, 320);
  g_assert_cmpint(gw_opus_packet_samples(NULL, 0, 8000), ==, GW_EPROTO);
}

static void test_errors(void) {
  gw_why why = {{0}};
  gw_xcode_cfg cfg;
  gw_xcode *x = NULL;
  gw_xcode_cfg_init(&cfg);
  cfg.complexity = 11;
  g_assert_cmpint(gw_xcode_new(&x, GW_XCODE_G711_TO_OPUS, &cfg, &why), ==, GW_EINVAL);
  g_assert_null(x);
  g_assert_nonnull(strstr(why.msg, "complexity"));
  gw_xcode_cfg_init(&cfg);
  cfg.law = (gw_g711_law)3;
  g_assert_cmpint(gw_xcode_new(&x, GW_XCODE_OPUS_TO_G711, &cfg, NULL), ==, GW_EINVAL);
  gw_xcode_cfg_init(&cfg);
  cfg.path = (gw_xcode_path)0;
  g_assert_cmpint(gw_xcode_new(&x, GW_XCODE_OPUS_TO_G711, &cfg, NULL), ==, GW_EINVAL);
  gw_xcode_cfg_init(&cfg);
  cfg.path = GW_XCODE_SAMPLERATE;
  cfg.converter = (gw_src_converter)7;
  g_assert_cmpint(gw_xcode_new(&x, GW_XCODE_OPUS_TO_G711, &cfg, NULL), ==, GW_EINVAL);

  for (size_t pi = 0; pi < 2; pi++) {
    gw_xcode *dn = new_xcode(GW_XCODE_OPUS_TO_G711, &paths[pi], GW_G711_PCMA);
    gw_xcode *up = new_xcode(GW_XCODE_G711_TO_OPUS, &paths[pi], GW_G711_PCMA);
    uint8_t g711[GW_G711_FRAME], pkt[GW_OPUS_MAX_PACKET];
    size_t len = 99;
    gw_xcode_frame_kind kind;
    memset(g711, 0x11, sizeof g711);
    g_assert_cmpint(gw_xcode_g711_to_opus(dn, g711, pkt, sizeof pkt, &len, NULL), ==, GW_ESTATE);
    g_assert_cmpuint(len, ==, 0);
    g_assert_cmpint(gw_xcode_opus_to_g711(up, pkt, 3, NULL, 0, g711, &kind, NULL), ==,
                    GW_ESTATE);
    g_assert_cmpint(g711[0], ==, 0xD5); /* still a frame to send */
    g_assert_cmpint(gw_xcode_set_loss(dn, 5, NULL), ==, GW_ESTATE);
    g_assert_cmpint(gw_xcode_set_complexity(dn, 5, NULL), ==, GW_ESTATE);
    /* A valid stream first, then a corrupt packet: concealed, reported. */
    memset(g711, gw_g711_silence(GW_G711_PCMA), sizeof g711);
    g_assert_cmpint(gw_xcode_g711_to_opus(up, g711, pkt, sizeof pkt, &len, NULL), ==, GW_OK);
    g_assert_cmpint(gw_xcode_opus_to_g711(dn, pkt, len, NULL, 0, g711, &kind, NULL), ==, GW_OK);
    const uint8_t bad[] = {0x0B}; /* code 3 with no frame count byte */
    g_assert_cmpint(gw_xcode_opus_to_g711(dn, bad, sizeof bad, NULL, 0, g711, &kind, &why), ==,
                    GW_EPROTO);
    g_assert_cmpint(kind, ==, GW_XCODE_PLC);
    /* 40 ms packets are not supported. */
    const uint8_t p40[] = {0x10, 0x00, 0x00, 0x00};
    g_assert_cmpint(gw_xcode_opus_to_g711(dn, p40, sizeof p40, NULL, 0, g711, &kind, &why), ==,
                    GW_EUNSUPP);
    g_assert_nonnull(strstr(why.msg, "40 ms"));
    /* A corrupt next packet while recovering: concealed, reported. */
    g_assert_cmpint(gw_xcode_opus_to_g711(dn, NULL, 0, bad, sizeof bad, g711, &kind, NULL), ==,
                    GW_OK); /* no FEC flag readable: plain PLC */
    g_assert_cmpint(kind, ==, GW_XCODE_PLC);
    gw_xcode_stats st;
    gw_xcode_get_stats(dn, &st);
    g_assert_cmpuint(st.frames, ==, 4);
    g_assert_cmpuint(st.decoded, ==, 1);
    g_assert_cmpuint(st.plc, ==, 3);
    g_assert_cmpuint(st.errors, ==, 2);
    gw_xcode_free(dn);
    gw_xcode_free(up);
  }

  gw_opus_dec *d = NULL;
  int16_t pcm[960];
  g_assert_cmpint(gw_opus_dec_new(&d, 44100, &why), ==, GW_EINVAL);
  g_assert_cmpint(gw_opus_dec_new(&d, 8000, NULL), ==, GW_OK);
  g_assert_cmpint(gw_opus_dec_rate(d), ==, 8000);
  g_assert_cmpint(gw_opus_dec_conceal(d, pcm, 30, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_opus_dec_conceal(d, pcm, 160, NULL), ==, GW_OK);
  size_t n;
  const uint8_t p40[] = {0x10, 0x00, 0x00, 0x00};
  g_assert_cmpint(gw_opus_dec_decode(d, p40, sizeof p40, pcm, 160, &n, NULL), ==, GW_ETOOBIG);
  g_assert_cmpint(gw_opus_dec_decode(d, p40, sizeof p40, pcm, 320, &n, NULL), ==, GW_OK);
  g_assert_cmpuint(n, ==, 320);
  gw_opus_dec_free(d);

  gw_xcode_path path;
  g_assert_cmpint(gw_xcode_path_parse("OPUS", &path, NULL), ==, GW_OK);
  g_assert_cmpint(path, ==, GW_XCODE_OPUS_NATIVE);
  g_assert_cmpint(gw_xcode_path_parse("speex", &path, NULL), ==, GW_EINVAL);
  g_assert_cmpstr(gw_xcode_path_name(GW_XCODE_SAMPLERATE), ==, "samplerate");
}

/* The resampler: exact frame sizes from the first frame on, and a continuous stream (no gap
 * at frame edges) in both directions. */
static void test_resampler(void) {
  gw_src_converter c;
  g_assert_cmpint(gw_src_converter_parse("medium", &c, NULL), ==, GW_OK);
  g_assert_cmpint(c, ==, GW_SRC_SINC_MEDIUM);
  g_assert_cmpint(gw_src_converter_parse("SINC_BEST", &c, NULL), ==, GW_OK);
  g_assert_cmpint(c, ==, GW_SRC_SINC_BEST);
  g_assert_cmpint(gw_src_converter_parse("linear", &c, NULL), ==, GW_EINVAL);
  g_assert_cmpstr(gw_src_converter_name(GW_SRC_SINC_FASTEST), ==, "SINC_FASTEST");

  gw_resampler *r = NULL;
  g_assert_cmpint(gw_resampler_new(&r, 8000, 48000, (gw_src_converter)9, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_resampler_new(&r, 4000, 48000, GW_SRC_SINC_BEST, NULL), ==, GW_EINVAL);
  for (size_t pi = 1; pi < N_PATHS; pi++) {
    int16_t in[160 * FRAMES], out[960 * FRAMES], back[160 * FRAMES];
    sine(in, 160 * FRAMES, 1000, 8000, AMP, 0);
    gw_resampler *up = NULL, *down = NULL;
    g_assert_cmpint(gw_resampler_new(&up, 8000, 48000, paths[pi].conv, NULL), ==, GW_OK);
    g_assert_cmpint(gw_resampler_new(&down, 48000, 8000, paths[pi].conv, NULL), ==, GW_OK);
    g_assert_cmpint(gw_resampler_frame(down, out, 961, back, NULL), ==, GW_EINVAL);
    g_assert_cmpint(gw_resampler_frame(up, in, 321, out, NULL), ==, GW_EINVAL);
    for (size_t f = 0; f < FRAMES; f++) {
      g_assert_cmpint(gw_resampler_frame(up, in + f * 160, 160, out + f * 960, NULL), ==, GW_OK);
      g_assert_cmpint(gw_resampler_frame(down, out + f * 960, 960, back + f * 160, NULL), ==,
                      GW_OK);
    }
    size_t delay = gw_resampler_delay(down) + gw_resampler_delay(up) / 6;
    /* After the delay the round trip is the input again, to within 0.2 %. */
    double err = 0, sig = 0;
    for (size_t i = 160 * SKIP; i < 160 * FRAMES; i++) {
      double d = back[i] - in[i - delay];
      err += d * d;
      sig += (double)in[i - delay] * in[i - delay];
    }
    g_test_message("%s: up delay %zu (48 kHz), down delay %zu (8 kHz), round trip SNR %.1f dB",
                   paths[pi].name, gw_resampler_delay(up), gw_resampler_delay(down),
                   db(sig / err));
    g_assert_cmpuint(gw_resampler_delay(up) % 6, ==, 0);
    g_assert_cmpfloat(db(sig / err), >=, 50);
    gw_resampler_reset(down);
    g_assert_cmpuint(gw_resampler_delay(down), ==, 0);
    gw_resampler_free(up);
    gw_resampler_free(down);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xcode/pass-band", test_pass_band);
  g_test_add_func("/xcode/alias-rejection", test_alias_rejection);
  g_test_add_func("/xcode/loss", test_loss);
  g_test_add_func("/xcode/fec-flag", test_fec_flag);
  g_test_add_func("/xcode/errors", test_errors);
  g_test_add_func("/xcode/resampler", test_resampler);
  return g_test_run();
}
