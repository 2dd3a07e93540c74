/* Tests for media/stats/mos: the E-model (ITU-T G.107) against its well-known points. */
#include <glib.h>
#include <math.h>

#include "media/stats/mos.h"

static void test_default_r(void) {
  /* G.107 defaults, no delay, no loss: R = 94.77 - 1.41 - 0.15 = 93.2, MOS 4.41. */
  g_assert_cmpfloat_with_epsilon(gw_mos_id(0), 0.15, 0.01);
  double r = gw_mos_r_from(0, gw_mos_ie_eff(0, 4.3, 0, 1), 0);
  g_assert_cmpfloat_with_epsilon(r, 93.2, 0.05);
  g_assert_cmpfloat_with_epsilon(gw_mos_from_r(r), 4.41, 0.005);

  /* A G.711 leg with no loss and low delay (RTT 0-20 ms, no jitter: Ta = 20-30 ms with the
   * frame): still about 93.2, within one point; MOS about 4.4. */
  for (double rtt = 0; rtt <= 20; rtt += 10) {
    gw_mos_input in = {.codec = GW_MOS_CODEC_G711, .loss_pct = 0, .rtt_ms = rtt, .jitter_ms = 0};
    double rr = gw_mos_r(&in);
    g_assert_cmpfloat(rr, <=, 93.2);
    g_assert_cmpfloat(rr, >, 92.2);
    g_assert_cmpfloat_with_epsilon(gw_mos_estimate(&in), 4.4, 0.03);
  }
  /* Unknown RTT and jitter count as 0. */
  gw_mos_input a = {.codec = GW_MOS_CODEC_G711, .rtt_ms = NAN, .jitter_ms = NAN};
  gw_mos_input b = {.codec = GW_MOS_CODEC_G711, .rtt_ms = 0, .jitter_ms = 0};
  g_assert_cmpfloat(gw_mos_r(&a), ==, gw_mos_r(&b));
  gw_mos_input bad = {.codec = GW_MOS_CODEC_COUNT};
  g_assert_true(isnan(gw_mos_estimate(&bad)));
}

static void test_r_to_mos(void) {
  g_assert_cmpfloat(gw_mos_from_r(0), ==, 1.0);
  g_assert_cmpfloat(gw_mos_from_r(-20), ==, 1.0);
  g_assert_cmpfloat(gw_mos_from_r(100), ==, 4.5);
  g_assert_cmpfloat(gw_mos_from_r(130), ==, 4.5);
  g_assert_cmpfloat_with_epsilon(gw_mos_from_r(50), 2.575, 1e-9); /* 1 + 1.75 - 0.175 */
  g_assert_cmpfloat_with_epsilon(gw_mos_from_r(80), 4.024, 1e-9); /* 1 + 2.8 + 0.224 */
  g_assert_cmpfloat_with_epsilon(gw_mos_from_r(60), 3.1, 1e-9);
  g_assert_true(isnan(gw_mos_from_r(NAN)));
  /* Never falls as R rises, and continuous at both ends. */
  double prev = 0;
  for (double r = -10; r <= 110; r += 0.25) {
    double m = gw_mos_from_r(r);
    g_assert_cmpfloat(m, >=, prev);
    g_assert_cmpfloat(m, >=, 1.0);
    g_assert_cmpfloat(m, <=, 4.5);
    prev = m;
  }
  g_assert_cmpfloat_with_epsilon(gw_mos_from_r(99.999), 4.5, 1e-3);
}

static void test_ie_eff(void) {
  /* G.711 without concealment (Ie 0, Bpl 4.3), 2 % random loss: 95 * 2 / (2 + 4.3) = 30.16. */
  g_assert_cmpfloat_with_epsilon(gw_mos_ie_eff(0, 4.3, 2, 1), 30.159, 0.001);
  const gw_mos_codec_params *g711 = gw_mos_codec_params_of(GW_MOS_CODEC_G711);
  g_assert_cmpfloat(g711->ie, ==, 0);
  g_assert_cmpfloat(g711->bpl, ==, 4.3);
  g_assert_cmpfloat_with_epsilon(gw_mos_ie_eff(g711->ie, g711->bpl, 2, 1), 30.159, 0.001);
  /* With concealment (Bpl 25.1): 95 * 2 / 27.1 = 7.01. */
  g_assert_cmpfloat_with_epsilon(gw_mos_ie_eff(0, 25.1, 2, 1), 7.011, 0.001);
  /* An Ie of its own adds: 10 + 85 * 5 / (5 + 10) = 38.33. */
  g_assert_cmpfloat_with_epsilon(gw_mos_ie_eff(10, 10, 5, 1), 38.333, 0.001);
  g_assert_cmpfloat(gw_mos_ie_eff(0, 4.3, 0, 1), ==, 0);
  g_assert_cmpfloat(gw_mos_ie_eff(0, 4.3, -3, 1), ==, 0);
  g_assert_cmpfloat(gw_mos_ie_eff(0, 4.3, NAN, 1), ==, 0);
  g_assert_cmpfloat_with_epsilon(gw_mos_ie_eff(0, 4.3, 250, 1), 95 * 100 / 104.3, 1e-9);
  /* Bursty loss (BurstR > 1) hurts more than random loss. */
  g_assert_cmpfloat(gw_mos_ie_eff(0, 4.3, 2, 2), >, gw_mos_ie_eff(0, 4.3, 2, 1));

  /* The whole chain at 2 % loss for G.711: R = 93.2 - Id(20 ms) - 30.16. */
  gw_mos_input in = {.codec = GW_MOS_CODEC_G711, .loss_pct = 2, .rtt_ms = 0, .jitter_ms = 0};
  g_assert_cmpfloat_with_epsilon(gw_mos_r(&in), GW_MOS_RO - GW_MOS_IS - gw_mos_id(20) - 30.159, 0.001);
}

static void test_mos_falls_with_loss(void) {
  for (gw_mos_codec c = 0; c < GW_MOS_CODEC_COUNT; c++) {
    double prev = 5;
    for (double loss = 0; loss <= 15; loss += 0.25) {
      gw_mos_input in = {.codec = c, .loss_pct = loss, .rtt_ms = 40, .jitter_ms = 5};
      double m = gw_mos_estimate(&in);
      g_assert_cmpfloat(m, <, prev);
      prev = m;
    }
  }
  /* At the same loss, concealment helps: G.711 < Opus < G.711 with PLC. */
  gw_mos_input a = {.codec = GW_MOS_CODEC_G711, .loss_pct = 3};
  gw_mos_input b = {.codec = GW_MOS_CODEC_OPUS, .loss_pct = 3};
  gw_mos_input c = {.codec = GW_MOS_CODEC_G711_PLC, .loss_pct = 3};
  g_assert_cmpfloat(gw_mos_estimate(&a), <, gw_mos_estimate(&b));
  g_assert_cmpfloat(gw_mos_estimate(&b), <, gw_mos_estimate(&c));
}

static void test_delay(void) {
  /* Id grows with delay; Idd adds only past 100 ms. */
  double prev = -1;
  for (double ta = 0; ta <= 600; ta += 5) {
    double id = gw_mos_id(ta);
    g_assert_cmpfloat(id, >, prev);
    prev = id;
  }
  /* Around 150 ms one way, R has lost a few points; at 400 ms it is well below 80. */
  double r150 = gw_mos_r_from(150, 0, 0), r400 = gw_mos_r_from(400, 0, 0);
  g_assert_cmpfloat(r150, >, 85);
  g_assert_cmpfloat(r150, <, 92);
  g_assert_cmpfloat(r400, <, 75);
  /* The one-way delay from the statistics: RTT/2 + 2 x jitter + the codec frame. */
  gw_mos_input in = {.codec = GW_MOS_CODEC_OPUS, .rtt_ms = 100, .jitter_ms = 10};
  g_assert_cmpfloat_with_epsilon(gw_mos_one_way_ms(&in), 50 + 20 + 26.5, 1e-9);
  gw_mos_input far = in;
  far.rtt_ms = 400;
  g_assert_cmpfloat(gw_mos_estimate(&far), <, gw_mos_estimate(&in));
}

static void test_codec_names(void) {
  gw_mos_codec c;
  g_assert_cmpint(gw_mos_codec_from_name("PCMU", &c), ==, GW_OK);
  g_assert_cmpint(c, ==, GW_MOS_CODEC_G711);
  g_assert_cmpint(gw_mos_codec_from_name("pcma", &c), ==, GW_OK);
  g_assert_cmpint(c, ==, GW_MOS_CODEC_G711);
  g_assert_cmpint(gw_mos_codec_from_name("OPUS", &c), ==, GW_OK);
  g_assert_cmpint(c, ==, GW_MOS_CODEC_OPUS);
  g_assert_cmpint(gw_mos_codec_from_name("G722", &c), ==, GW_EUNSUPP);
  g_assert_cmpint(gw_mos_codec_from_name("", &c), ==, GW_EUNSUPP);
  g_assert_cmpint(gw_mos_codec_from_name(NULL, &c), ==, GW_EUNSUPP);
  g_assert_null(gw_mos_codec_params_of(GW_MOS_CODEC_COUNT));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mos/default-r", test_default_r);
  g_test_add_func("/mos/r-to-mos", test_r_to_mos);
  g_test_add_func("/mos/ie-eff", test_ie_eff);
  g_test_add_func("/mos/falls-with-loss", test_mos_falls_with_loss);
  g_test_add_func("/mos/delay", test_delay);
  g_test_add_func("/mos/codec-names", test_codec_names);
  return g_test_run();
}
