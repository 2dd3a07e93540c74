/* Tests for media/dtmf in-band tones (ITU-T Q.23, checked with a Goertzel filter) and the SIP INFO
 * application/dtmf-relay body. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "media/dtmf/dtmf.h"
#include "media/dtmf/info.h"
#include "media/dtmf/ringback.h"
#include "media/dtmf/tone.h"

static const unsigned dtmf_freqs[8] = {697, 770, 852, 941, 1209, 1336, 1477, 1633};

/* Power of pcm at freq (Goertzel). Without a window it is normalised so that a sine of peak A
 * gives A^2 / 4; with a Hann window (for comparing frequencies: its sidelobes fall fast, so the
 * other DTMF frequencies do not leak into each other) only ratios are meaningful. */
static double goertzel_w(const int16_t *pcm, size_t n, double freq, uint32_t rate, bool hann) {
  double c = 2.0 * cos(2.0 * M_PI * freq / rate), s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    double w = hann ? 0.5 - 0.5 * cos(2.0 * M_PI * i / (n - 1)) : 1.0;
    double s = w * pcm[i] + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  double p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return p / ((double)n * n);
}

static double goertzel(const int16_t *pcm, size_t n, double freq, uint32_t rate) {
  return goertzel_w(pcm, n, freq, rate, true);
}

static double rms(const int16_t *pcm, size_t n) {
  double acc = 0;
  for (size_t i = 0; i < n; i++) acc += (double)pcm[i] * pcm[i];
  return n ? sqrt(acc / n) : 0;
}

static void test_freq_table(void) {
  struct {
    char digit;
    unsigned lo, hi;
  } want[] = {{'1', 697, 1209}, {'2', 697, 1336}, {'3', 697, 1477}, {'A', 697, 1633},
              {'4', 770, 1209}, {'5', 770, 1336}, {'6', 770, 1477}, {'B', 770, 1633},
              {'7', 852, 1209}, {'8', 852, 1336}, {'9', 852, 1477}, {'C', 852, 1633},
              {'*', 941, 1209}, {'0', 941, 1336}, {'#', 941, 1477}, {'D', 941, 1633}};
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    uint8_t ev;
    unsigned lo, hi;
    g_assert_cmpint(gw_dtmf_event_from_char(want[i].digit, &ev), ==, GW_OK);
    g_assert_cmpint(gw_dtmf_tone_freqs(ev, &lo, &hi), ==, GW_OK);
    g_assert_cmpuint(lo, ==, want[i].lo);
    g_assert_cmpuint(hi, ==, want[i].hi);
  }
  unsigned lo, hi;
  g_assert_cmpint(gw_dtmf_tone_freqs(16, &lo, &hi), ==, GW_EINVAL);
}

/* Every digit, at 8000 and 48000 Hz: its two frequencies stand 30 dB above the other six. */
static void test_tone_goertzel(void) {
  const uint32_t rates[] = {8000, 48000};
  for (size_t r = 0; r < G_N_ELEMENTS(rates); r++) {
    uint32_t rate = rates[r];
    size_t n = rate / 10; /* 100 ms */
    int16_t *pcm = g_new(int16_t, n + rate / 100);
    for (uint8_t ev = 0; ev <= GW_DTMF_EVENT_MAX; ev++) {
      gw_dtmf_tone t;
      g_assert_cmpint(gw_dtmf_tone_start(&t, rate, ev, 10, NULL), ==, GW_OK);
      gw_dtmf_tone_fill(&t, pcm, rate / 100); /* past the 4 ms fade in */
      gw_dtmf_tone_fill(&t, pcm, n);
      unsigned lo, hi;
      g_assert_cmpint(gw_dtmf_tone_freqs(ev, &lo, &hi), ==, GW_OK);
      double p_lo = goertzel(pcm, n, lo, rate), p_hi = goertzel(pcm, n, hi, rate), other = 0;
      for (size_t f = 0; f < 8; f++) {
        if (dtmf_freqs[f] == lo || dtmf_freqs[f] == hi) continue;
        double p = goertzel(pcm, n, dtmf_freqs[f], rate);
        if (p > other) other = p;
      }
      g_assert_cmpfloat(10 * log10(p_lo / other), >, 30);
      g_assert_cmpfloat(10 * log10(p_hi / other), >, 30);
      /* Both frequencies at the same level (no twist), within 0.5 dB. */
      g_assert_cmpfloat(fabs(10 * log10(p_lo / p_hi)), <, 0.5);
    }
    g_free(pcm);
  }
}

/* Level: volume 10 is -10 dBm0 in total, each frequency -13 dBm0: peak 22654 * 10^(-13.01/20)
 * = 5068 each, and the RMS of two such sines is that same 5068. */
static void test_tone_level_and_edges(void) {
  gw_dtmf_tone t;
  int16_t pcm[1600];
  g_assert_cmpint(gw_dtmf_tone_start(&t, 8000, 5, 10, NULL), ==, GW_OK);
  gw_dtmf_tone_fill(&t, pcm, 1600);
  g_assert_cmpint(pcm[0], ==, 0); /* fade in from silence */
  g_assert_cmpint(abs(pcm[1]), <, 500);
  g_assert_cmpfloat(fabs(rms(pcm + 32, 1568) - 5068) / 5068, <, 0.02);
  double p = goertzel_w(pcm + 32, 1568, 770, 8000, false); /* a sine of peak A gives A^2/4 */
  g_assert_cmpfloat(fabs(sqrt(4 * p) - 5068) / 5068, <, 0.02);

  /* Volume 0 (0 dBm0) does not clip; volume 20 is 10 dB below volume 10. */
  g_assert_cmpint(gw_dtmf_tone_start(&t, 8000, 13, 0, NULL), ==, GW_OK);
  gw_dtmf_tone_fill(&t, pcm, 1600);
  double loud = rms(pcm + 32, 1568);
  int peak = 0;
  for (size_t i = 0; i < 1600; i++) peak = MAX(peak, abs(pcm[i]));
  g_assert_cmpint(peak, <, 32767);
  g_assert_cmpint(gw_dtmf_tone_start(&t, 8000, 13, 20, NULL), ==, GW_OK);
  gw_dtmf_tone_fill(&t, pcm, 1600);
  g_assert_cmpfloat(fabs(20 * log10(loud / rms(pcm + 32, 1568)) - 20), <, 0.1);

  /* Stop: a 4 ms fade, then silence. */
  gw_dtmf_tone_stop(&t);
  g_assert_true(gw_dtmf_tone_active(&t));
  gw_dtmf_tone_fill(&t, pcm, 64);
  g_assert_false(gw_dtmf_tone_active(&t));
  for (size_t i = 32; i < 64; i++) g_assert_cmpint(pcm[i], ==, 0);
  g_assert_cmpint(abs(pcm[31]), <, 200);

  g_assert_cmpint(gw_dtmf_tone_start(&t, 8000, 16, 10, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_tone_start(&t, 4000, 1, 10, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_tone_start(&t, 8000, 1, 64, NULL), ==, GW_EINVAL);
}

/* Index of the first and one past the last non-zero sample. */
static void span(const int16_t *pcm, size_t n, size_t *first, size_t *last) {
  *first = n;
  *last = 0;
  for (size_t i = 0; i < n; i++)
    if (pcm[i] != 0) {
      if (*first == n) *first = i;
      *last = i + 1;
    }
}

static void test_player_queue(void) {
  gw_dtmf_player_opts o = {.rate_hz = 8000};
  gw_dtmf_player *p;
  g_assert_cmpint(gw_dtmf_player_new(&p, &o, NULL), ==, GW_OK);
  int16_t frame[160];
  g_assert_false(gw_dtmf_player_fill(p, frame, 160)); /* idle: the call's audio goes out */
  g_assert_cmpint(gw_dtmf_player_queue(p, "1#", NULL), ==, GW_OK);
  int16_t all[160 * 20];
  size_t frames = 0;
  while (frames < 20 && gw_dtmf_player_fill(p, all + frames * 160, 160)) frames++;
  /* Two digits of 100 ms + 50 ms: 300 ms = 15 frames, then idle. */
  g_assert_cmpuint(frames, ==, 15);
  size_t first, last;
  span(all, 1200, &first, &last);
  g_assert_cmpuint(first, ==, 1);   /* sample 0 is the start of the fade in */
  g_assert_cmpuint(last, <=, 800);  /* '1' within its 100 ms */
  g_assert_cmpuint(last, >, 790);
  for (size_t i = 800; i < 1200; i++) g_assert_cmpint(all[i], ==, 0); /* the 50 ms gap */
  double p1209 = goertzel(all + 100, 600, 1209, 8000), p1477 = goertzel(all + 100, 600, 1477, 8000);
  g_assert_cmpfloat(p1209, >, 1000 * p1477);
  double q1477 = goertzel(all + 1300, 600, 1477, 8000), q941 = goertzel(all + 1300, 600, 941, 8000);
  double q697 = goertzel(all + 1300, 600, 697, 8000);
  g_assert_cmpfloat(q1477, >, 1000 * q697);
  g_assert_cmpfloat(q941, >, 1000 * q697);
  g_assert_false(gw_dtmf_player_busy(p));
  gw_dtmf_player_free(p);
}

static void test_player_keys(void) {
  gw_dtmf_player_opts o = {.rate_hz = 8000};
  gw_dtmf_player *p;
  g_assert_cmpint(gw_dtmf_player_new(&p, &o, NULL), ==, GW_OK);
  int16_t all[160 * 30];
  memset(all, 0x55, sizeof all);
  /* A relayed press held for 10 frames (200 ms): the tone lasts until key_up, then fades. */
  g_assert_cmpint(gw_dtmf_player_key_down(p, 9, 10, NULL), ==, GW_OK);
  for (size_t f = 0; f < 10; f++) g_assert_true(gw_dtmf_player_fill(p, all + f * 160, 160));
  gw_dtmf_player_key_up(p);
  size_t f = 10;
  while (f < 30 && gw_dtmf_player_fill(p, all + f * 160, 160)) f++;
  size_t first, last;
  span(all, f * 160, &first, &last);
  g_assert_cmpuint(last, <=, 1600 + 32); /* a 4 ms fade after key_up */
  g_assert_cmpuint(last, >=, 1600 + 28);
  g_assert_cmpuint(f * 160, >=, 1600 + 32 + 400);
  g_assert_cmpuint(f * 160, <, 1600 + 32 + 400 + 160);

  /* A press released at once still sounds for min_tone_ms (40 ms). */
  g_assert_cmpint(gw_dtmf_player_key_down(p, 1, 10, NULL), ==, GW_OK);
  gw_dtmf_player_key_up(p);
  memset(all, 0x55, sizeof all);
  f = 0;
  while (f < 30 && gw_dtmf_player_fill(p, all + f * 160, 160)) f++;
  span(all, f * 160, &first, &last);
  g_assert_cmpuint(last, <=, 320);
  g_assert_cmpuint(last, >=, 316);
  g_assert_cmpint(gw_dtmf_player_key_down(p, 16, 10, NULL), ==, GW_EINVAL);

  /* Cancel mid-string: the playing tone fades, its gap follows, the rest is dropped. */
  g_assert_cmpint(gw_dtmf_player_queue(p, "123456", NULL), ==, GW_OK);
  g_assert_true(gw_dtmf_player_fill(p, all, 160));
  gw_dtmf_player_cancel(p);
  f = 1;
  while (f < 30 && gw_dtmf_player_fill(p, all + f * 160, 160)) f++;
  span(all, f * 160, &first, &last);
  g_assert_cmpuint(last, <=, 160 + 32);
  g_assert_cmpuint(f, <=, 5);
  gw_dtmf_player_free(p);

  o.tone_ms = 5;
  g_assert_cmpint(gw_dtmf_player_new(&p, &o, NULL), ==, GW_EINVAL);
  o.tone_ms = 0;
  o.rate_hz = 1000;
  g_assert_cmpint(gw_dtmf_player_new(&p, &o, NULL), ==, GW_EINVAL);
}

/* ---- SIP INFO ---- */

static void test_info_format(void) {
  char buf[64];
  g_assert_cmpint(gw_dtmf_info_format('5', 160, buf, sizeof buf, NULL), ==, GW_OK);
  g_assert_cmpstr(buf, ==, "Signal=5\r\nDuration=160\r\n");
  g_assert_cmpint(gw_dtmf_info_format('d', 250, buf, sizeof buf, NULL), ==, GW_OK);
  g_assert_cmpstr(buf, ==, "Signal=D\r\nDuration=250\r\n");
  g_assert_cmpint(gw_dtmf_info_format('#', 100, buf, 10, NULL), ==, GW_ETOOBIG);
  g_assert_cmpint(gw_dtmf_info_format('x', 100, buf, sizeof buf, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_info_format('1', 0, buf, sizeof buf, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_info_format('1', 60001, buf, sizeof buf, NULL), ==, GW_EINVAL);
}

static void test_info_parse(void) {
  gw_dtmf_info in;
  const char *b = "Signal=5\r\nDuration=160\r\n";
  g_assert_cmpint(gw_dtmf_info_parse(b, strlen(b), &in, NULL), ==, GW_OK);
  g_assert_cmpint(in.digit, ==, '5');
  g_assert_cmpuint(in.event, ==, 5);
  g_assert_true(in.has_duration);
  g_assert_cmpuint(in.duration_ms, ==, 160);

  struct {
    const char *body;
    char digit;
    uint32_t ms;
  } ok[] = {
      {"Signal=#\nDuration=250\n", '#', 250},      /* LF only */
      {"signal = *\r\nduration= 90", '*', 90},     /* case, blanks, no final newline */
      {"Signal=10\r\nDuration=100\r\n", '*', 100}, /* numeric * */
      {"Signal=11\r\n", '#', 0},                   /* numeric #, no duration */
      {"Signal=b\r\nX-Vendor=1\r\n\r\n", 'B', 0},  /* unknown key, blank line */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
    g_assert_cmpint(gw_dtmf_info_parse(ok[i].body, strlen(ok[i].body), &in, NULL), ==, GW_OK);
    g_assert_cmpint(in.digit, ==, ok[i].digit);
    g_assert_cmpuint(in.duration_ms, ==, ok[i].ms);
    g_assert_true(in.has_duration == (ok[i].ms != 0));
  }

  struct {
    const char *body;
    int rc;
  } bad[] = {
      {"", GW_EINVAL},
      {"Duration=160\r\n", GW_EINVAL},
      {"Signal=\r\n", GW_EINVAL},
      {"Signal=12\r\n", GW_EINVAL},
      {"Signal=55\r\n", GW_EINVAL},
      {"Signal=E\r\n", GW_EINVAL},
      {"Signal=16\r\n", GW_EUNSUPP},
      {"Signal=!\r\n", GW_EUNSUPP},
      {"Signal=1\r\nSignal=2\r\n", GW_EINVAL},
      {"Signal=1\r\nDuration=abc\r\n", GW_EINVAL},
      {"Signal=1\r\nDuration=0\r\n", GW_EINVAL},
      {"Signal=1\r\nDuration=-5\r\n", GW_EINVAL},
      {"Signal=1\r\nDuration=9999999999\r\n", GW_EINVAL},
      {"Signal=1\r\nDuration=100\r\nDuration=100\r\n", GW_EINVAL},
      {"Signal 1\r\n", GW_EINVAL},
      {"=1\r\n", GW_EINVAL},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    gw_why why = {{0}};
    g_assert_cmpint(gw_dtmf_info_parse(bad[i].body, strlen(bad[i].body), &in, &why), ==, bad[i].rc);
    g_assert_cmpstr(why.msg, !=, "");
    g_assert_cmpint(in.digit, ==, 0); /* nothing half-filled */
  }
  const char nul[] = "Signal=1\0\r\n";
  g_assert_cmpint(gw_dtmf_info_parse(nul, sizeof nul - 1, &in, NULL), ==, GW_EINVAL);
  char *big = g_strnfill(GW_DTMF_INFO_MAX_BODY + 1, '\n');
  g_assert_cmpint(gw_dtmf_info_parse(big, strlen(big), &in, NULL), ==, GW_ETOOBIG);
  g_free(big);

  /* Format then parse gives back every digit. */
  for (uint8_t ev = 0; ev <= GW_DTMF_EVENT_MAX; ev++) {
    char buf[64];
    g_assert_cmpint(gw_dtmf_info_format(gw_dtmf_event_to_char(ev), 100 + ev, buf, sizeof buf, NULL), ==, GW_OK);
    g_assert_cmpint(gw_dtmf_info_parse(buf, strlen(buf), &in, NULL), ==, GW_OK);
    g_assert_cmpuint(in.event, ==, ev);
    g_assert_cmpuint(in.duration_ms, ==, 100 + ev);
  }
}

/* Ringback: each pattern's frequencies in its bursts at -16 dBm0 per frequency, exact silence
 * between them, the cadence repeating. */
static double rms_ms(const int16_t *pcm, uint32_t rate, uint32_t from_ms, uint32_t to_ms) {
  return rms(pcm + (size_t)from_ms * rate / 1000, (size_t)(to_ms - from_ms) * rate / 1000);
}

static void test_ringback(void) {
  struct {
    const char *name;
    uint32_t rate;
    unsigned hz[2];
    uint32_t on[2][2]; /* two bursts [from, to) ms within the first cycle */
    uint32_t off[2];   /* a silent stretch */
    uint32_t cycle_ms;
  } cases[] = {
      {"us", 8000, {440, 480}, {{0, 2000}, {6000, 8000}}, {2000, 6000}, 6000},
      {"uk", 8000, {400, 450}, {{0, 400}, {600, 1000}}, {1000, 3000}, 3000},
      {"eu", 48000, {425, 0}, {{0, 1000}, {5000, 6000}}, {1000, 5000}, 5000},
      {"fr", 16000, {440, 0}, {{0, 1500}, {5000, 6500}}, {1500, 5000}, 5000},
  };
  const double amp = 22654.0 * pow(10.0, -16.0 / 20.0);
  for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
    gw_ringback_pattern p;
    bool on = false;
    gw_why why = {""};
    g_assert_cmpint(gw_ringback_pattern_parse(cases[c].name, &p, &on, &why), ==, GW_OK);
    g_assert_true(on);
    gw_ringback r;
    g_assert_cmpint(gw_ringback_init(&r, &p, cases[c].rate, &why), ==, GW_OK);
    size_t total = (size_t)cases[c].rate * 9; /* 9 s, in odd-sized pieces as a worker might ask */
    int16_t *pcm = g_new0(int16_t, total);
    for (size_t at = 0; at < total;) {
      size_t n = MIN(total - at, (size_t)(cases[c].rate / 50 + 7));
      gw_ringback_fill(&r, pcm + at, n);
      at += n;
    }
    unsigned nfreq = cases[c].hz[1] ? 2 : 1;
    for (int b = 0; b < 2; b++) {
      uint32_t from = cases[c].on[b][0] + 20, to = cases[c].on[b][1] - 20; /* inside the ramps */
      double level = rms_ms(pcm, cases[c].rate, from, to);
      g_test_message("%s burst %d: rms %.0f (expected %.0f)", cases[c].name, b, level, amp * sqrt(nfreq / 2.0));
      g_assert_cmpfloat(fabs(level - amp * sqrt(nfreq / 2.0)), <, amp * 0.03);
      const int16_t *seg = pcm + (size_t)from * cases[c].rate / 1000;
      size_t n = (size_t)(to - from) * cases[c].rate / 1000;
      n = MIN(n, (size_t)cases[c].rate / 4); /* 250 ms is plenty for Goertzel */
      double want = goertzel(seg, n, cases[c].hz[0], cases[c].rate);
      for (unsigned k = 0; k < nfreq; k++) {
        double pk = goertzel(seg, n, cases[c].hz[k], cases[c].rate);
        g_assert_cmpfloat(pk, >, want * 0.5);
        /* 40 Hz away: far weaker */
        g_assert_cmpfloat(goertzel(seg, n, cases[c].hz[k] + (k ? 40 : -40), cases[c].rate), <, pk * 0.01);
      }
    }
    size_t from = (size_t)cases[c].off[0] * cases[c].rate / 1000, to = (size_t)cases[c].off[1] * cases[c].rate / 1000;
    for (size_t i = from; i < to; i++) g_assert_cmpint(pcm[i], ==, 0);
    /* the bursts start and end softly: the first sample of each is 0, no clicks */
    g_assert_cmpint(pcm[0], ==, 0);
    g_assert_cmpint(abs(pcm[(size_t)cases[c].cycle_ms * cases[c].rate / 1000]), <, 100);
    g_free(pcm);
  }
  gw_ringback_pattern p;
  bool on = true;
  gw_why why = {""};
  g_assert_cmpint(gw_ringback_pattern_parse("off", &p, &on, &why), ==, GW_OK);
  g_assert_false(on);
  g_assert_cmpint(gw_ringback_pattern_parse("mars", &p, &on, &why), ==, GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "us|uk|eu|fr|off"));
  gw_ringback r;
  g_assert_cmpint(gw_ringback_pattern_parse("us", &p, &on, &why), ==, GW_OK);
  g_assert_cmpint(gw_ringback_init(&r, &p, 4000, &why), ==, GW_EINVAL);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dtmf/tone/freq-table", test_freq_table);
  g_test_add_func("/dtmf/tone/goertzel", test_tone_goertzel);
  g_test_add_func("/dtmf/tone/level-edges", test_tone_level_and_edges);
  g_test_add_func("/dtmf/player/queue", test_player_queue);
  g_test_add_func("/dtmf/player/keys", test_player_keys);
  g_test_add_func("/dtmf/info/format", test_info_format);
  g_test_add_func("/dtmf/info/parse", test_info_parse);
  g_test_add_func("/dtmf/ringback", test_ringback);
  return g_test_run();
}
