/* Tests for media/codec/g711: the decode tables and every encoding against a model of G.711
 * written here from the standard's segment tables, not from g711.c.
 *
 * The model, in G.711's own units (µ-law: 14-bit magnitudes up to 8159; A-law: 12-bit
 * magnitudes up to 4096, i.e. 13-bit signed):
 *  - each law has 8 segments ("chords") of 16 equal quantization intervals; the segment
 *    edges (decision values) and interval widths are the tables' columns below;
 *  - the decoder's output for an interval is its midpoint;
 *  - a code is sign | segment << 4 | interval; µ-law sends all of it inverted, with sign 1 =
 *    positive after inversion being 0; A-law inverts the even bits and sign 1 = positive.
 * 16-bit PCM is the G.711 value scaled by 4 (µ) or 8 (A); the encoder drops the extra low bits
 * and takes negative values by one's complement (G.191), so -1 is "-0". */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "media/codec/g711.h"

/* G.711 Table 2 (µ-law): the decision value each segment starts at (segment 0's first
 * interval is [-1, 1), i.e. 0 only) and the width of its intervals. */
static const int mu_edge[9] = {-1, 31, 95, 223, 479, 991, 2015, 4063, 8159};
static const int mu_step[8] = {2, 4, 8, 16, 32, 64, 128, 256};
/* G.711 Table 1 (A-law): segments 0 and 1 have the same width. */
static const int a_edge[9] = {0, 32, 64, 128, 256, 512, 1024, 2048, 4096};
static const int a_step[8] = {2, 2, 4, 8, 16, 32, 64, 128};

/* Model decode: the midpoint of the interval, in 16-bit units. */
static int model_ulaw_decode(int code) {
  int c = (~code) & 0xFF;
  int neg = c & 0x80, seg = (c >> 4) & 7, q = c & 15;
  int mid = mu_edge[seg] + q * mu_step[seg] + mu_step[seg] / 2;
  return (neg ? -mid : mid) * 4;
}

static int model_alaw_decode(int code) {
  int c = code ^ 0x55;
  int pos = c & 0x80, seg = (c >> 4) & 7, q = c & 15;
  int mid = a_edge[seg] + q * a_step[seg] + a_step[seg] / 2;
  return (pos ? mid : -mid) * 8;
}

/* Model encode: find the interval holding the magnitude by walking the decision values. */
static int model_encode(const int *edge, const int *step, int mag, int *seg_out, int *q_out) {
  for (int s = 0; s < 8; s++) {
    for (int q = 0; q < 16; q++) {
      int lo = edge[s] + q * step[s], hi = lo + step[s];
      if ((mag >= lo && mag < hi) || (s == 7 && q == 15)) { /* above the top: overload */
        *seg_out = s;
        *q_out = q;
        return lo;
      }
    }
  }
  g_assert_not_reached();
  return 0;
}

static int model_ulaw_encode(int x) {
  int mag = x >= 0 ? x / 4 : (-x - 1) / 4;
  int s, q;
  model_encode(mu_edge, mu_step, mag, &s, &q);
  int c = (x < 0 ? 0x80 : 0) | s << 4 | q;
  return (~c) & 0xFF;
}

static int model_alaw_encode(int x) {
  int mag = x >= 0 ? x / 8 : (-x - 1) / 8;
  int s, q;
  model_encode(a_edge, a_step, mag, &s, &q);
  int c = (x >= 0 ? 0x80 : 0) | s << 4 | q;
  return c ^ 0x55;
}

static void test_decode_tables(void) {
  for (int code = 0; code < 256; code++) {
    g_assert_cmpint(gw_g711_ulaw_decode((uint8_t)code), ==, model_ulaw_decode(code));
    g_assert_cmpint(gw_g711_alaw_decode((uint8_t)code), ==, model_alaw_decode(code));
  }
}

static void test_known_points(void) {
  g_assert_cmpint(gw_g711_ulaw_decode(0xFF), ==, 0);
  g_assert_cmpint(gw_g711_ulaw_decode(0x7F), ==, 0);
  g_assert_cmpint(gw_g711_ulaw_decode(0x00), ==, -32124);
  g_assert_cmpint(gw_g711_ulaw_decode(0x80), ==, 32124);
  g_assert_cmpint(gw_g711_alaw_decode(0xD5), ==, 8);
  g_assert_cmpint(gw_g711_alaw_decode(0x55), ==, -8);
  g_assert_cmpint(gw_g711_alaw_decode(0xAA), ==, 32256);
  g_assert_cmpint(gw_g711_alaw_decode(0x2A), ==, -32256);
  /* The extremes of the 16-bit range land in the top intervals. */
  g_assert_cmpint(gw_g711_ulaw_encode(32767), ==, 0x80);
  g_assert_cmpint(gw_g711_ulaw_encode(-32768), ==, 0x00);
  g_assert_cmpint(gw_g711_alaw_encode(32767), ==, 0xAA);
  g_assert_cmpint(gw_g711_alaw_encode(-32768), ==, 0x2A);
}

static void test_silence(void) {
  g_assert_cmpint(gw_g711_silence(GW_G711_PCMU), ==, 0xFF);
  g_assert_cmpint(gw_g711_silence(GW_G711_PCMA), ==, 0xD5);
  g_assert_cmpint(gw_g711_ulaw_encode(0), ==, 0xFF);
  g_assert_cmpint(gw_g711_ulaw_decode(gw_g711_silence(GW_G711_PCMU)), ==, 0);
  /* A-law has no zero: its silence is the smallest positive level. */
  g_assert_cmpint(gw_g711_alaw_encode(0), ==, 0xD5);
  g_assert_cmpint(gw_g711_alaw_encode(-1), ==, 0x55);
  /* The one's complement: -1 is µ-law's negative zero. */
  g_assert_cmpint(gw_g711_ulaw_encode(-1), ==, 0x7F);
}

/* Every 16-bit value: the code equals the model's, so decoding it gives the output value of
 * the G.711 interval (between two decision values) that holds the input, or the top one for
 * overload. (It is not always the nearest output value: just above a segment edge the
 * previous segment's top level, half as far apart, can be closer; G.711 decides by interval.) */
static void test_encode_all(void) {
  for (int x = -32768; x <= 32767; x++) {
    int mu = gw_g711_ulaw_encode((int16_t)x), a = gw_g711_alaw_encode((int16_t)x);
    if (mu != model_ulaw_encode(x) || a != model_alaw_encode(x))
      g_error("x=%d: ulaw 0x%02x (model 0x%02x), alaw 0x%02x (model 0x%02x)", x, mu,
              model_ulaw_encode(x), a, model_alaw_encode(x));
    int ymu = gw_g711_ulaw_decode((uint8_t)mu), ya = gw_g711_alaw_decode((uint8_t)a);
    /* Within half an interval of the input, plus the dropped low bits (and one more for the
     * one's complement); µ-law magnitudes past its top decision value 8159 clip. */
    int seg_mu = ((~mu) >> 4) & 7, seg_a = ((a ^ 0x55) >> 4) & 7;
    if ((x >= 0 ? x : -x - 1) / 4 < 8159)
      g_assert_cmpint(abs(ymu - x), <=, mu_step[seg_mu] * 4 / 2 + 4);
    g_assert_cmpint(abs(ya - x), <=, a_step[seg_a] * 8 / 2 + 8);
    /* Re-encoding an output value is stable. */
    g_assert_cmpint(gw_g711_ulaw_encode((int16_t)ymu), ==, mu == 0x7F ? 0xFF : mu);
    g_assert_cmpint(gw_g711_alaw_encode((int16_t)ya), ==, a);
  }
}

static void test_bulk_and_names(void) {
  int16_t in[GW_G711_FRAME], out[GW_G711_FRAME];
  uint8_t codes[GW_G711_FRAME];
  for (int i = 0; i < GW_G711_FRAME; i++) in[i] = (int16_t)(i * 409 - 32700);
  gw_g711_encode(GW_G711_PCMU, in, codes, GW_G711_FRAME);
  gw_g711_decode(GW_G711_PCMU, codes, out, GW_G711_FRAME);
  for (int i = 0; i < GW_G711_FRAME; i++) {
    g_assert_cmpint(codes[i], ==, gw_g711_ulaw_encode(in[i]));
    g_assert_cmpint(out[i], ==, gw_g711_ulaw_decode(codes[i]));
  }
  gw_g711_encode(GW_G711_PCMA, in, codes, GW_G711_FRAME);
  gw_g711_decode(GW_G711_PCMA, codes, out, GW_G711_FRAME);
  for (int i = 0; i < GW_G711_FRAME; i++) {
    g_assert_cmpint(codes[i], ==, gw_g711_alaw_encode(in[i]));
    g_assert_cmpint(out[i], ==, gw_g711_alaw_decode(codes[i]));
  }
  gw_g711_law law;
  gw_why why = {{0}};
  g_assert_cmpint(gw_g711_law_parse("pcmu", &law, NULL), ==, GW_OK);
  g_assert_cmpint(law, ==, GW_G711_PCMU);
  g_assert_cmpint(gw_g711_law_parse("PCMA", &law, NULL), ==, GW_OK);
  g_assert_cmpint(law, ==, GW_G711_PCMA);
  g_assert_cmpint(gw_g711_law_parse("G722", &law, &why), ==, GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "G722"));
  g_assert_cmpstr(gw_g711_law_name(GW_G711_PCMA), ==, "PCMA");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/g711/decode-tables", test_decode_tables);
  g_test_add_func("/g711/known-points", test_known_points);
  g_test_add_func("/g711/silence", test_silence);
  g_test_add_func("/g711/encode-all", test_encode_all);
  g_test_add_func("/g711/bulk-and-names", test_bulk_and_names);
  return g_test_run();
}
