/* Tests for media/stats: the table-made struct and its outputs (JSON, Prometheus, log line), and
 * snapshots. The field list is read from the same stats_fields.inc, so a field added there is
 * checked in every output without touching this file. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "media/stats/mos.h"
#include "media/stats/stats.h"

typedef struct {
  const char *name, *kind, *prom, *prom_name;
  bool logged;
} field_info;

#define KIND_STR_LOG true
#define KIND_STR_NOLOG false
static const field_info fields[] = {
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) \
  {#name, #kind, #prom, #prom_name, KIND_STR_##log},
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
};

/* The example of the log line: 247 sent, 245 received, 2 lost (0.81 %), 23 ms jitter. */
static void example(gw_call_stats *c) {
  g_assert_cmpint(gw_call_stats_init(c, "c1", NULL), ==, GW_OK);
  gw_leg_stats *b = &c->leg[GW_STATS_LEG_BROWSER];
  b->packets_sent = 247;
  b->packets_received = 245;
  b->bytes_sent = 247 * 80;
  b->bytes_received = 245 * 80;
  b->packets_lost = 2;
  b->jitter_ms = 23;
}

static void test_init(void) {
  gw_call_stats c;
  g_assert_cmpint(gw_call_stats_init(&c, "c1", NULL), ==, GW_OK);
  g_assert_cmpstr(c.call, ==, "c1");
  g_assert_cmpint(c.taken_us, ==, 0);
  for (int l = 0; l < GW_STATS_LEGS; l++) {
    g_assert_cmpuint(c.leg[l].packets_sent, ==, 0);
    g_assert_cmpint(c.leg[l].packets_lost, ==, 0);
    g_assert_true(isnan(c.leg[l].jitter_ms));
    g_assert_true(isnan(c.leg[l].mos));
    g_assert_cmpstr(c.leg[l].codec, ==, "");
  }
  gw_why why = {{0}};
  g_assert_cmpint(gw_call_stats_init(&c, "", &why), ==, GW_EINVAL);
  g_assert_cmpstr(why.msg, !=, "");
  g_assert_cmpint(gw_call_stats_init(&c, NULL, NULL), ==, GW_EINVAL);
  char *id64 = g_strnfill(64, 'x'), *id65 = g_strnfill(65, 'x');
  g_assert_cmpint(gw_call_stats_init(&c, id64, NULL), ==, GW_OK);
  g_assert_cmpint(gw_call_stats_init(&c, id65, NULL), ==, GW_EINVAL);
  g_free(id64);
  g_free(id65);

  char *longname = g_strnfill(100, 'a');
  gw_stats_set_str(c.leg[0].codec, longname);
  g_assert_cmpuint(strlen(c.leg[0].codec), ==, GW_STATS_STR_MAX - 1);
  gw_stats_set_str(c.leg[0].codec, NULL);
  g_assert_cmpstr(c.leg[0].codec, ==, "");
  g_free(longname);
}

static void test_log_line(void) {
  gw_call_stats live, snap;
  example(&live);
  gw_call_stats_snapshot(&live, 1000, &snap);
  char line[256];
  int n = gw_leg_stats_format_line(&snap.leg[GW_STATS_LEG_BROWSER], GW_STATS_LEG_BROWSER, line, sizeof line);
  /* RTT, MOS and codec are not known yet: left out. */
  g_assert_cmpstr(line, ==, "Browser side: 247 pkts sent, 245 pkts recv, 0.81% loss, 23ms jitter");
  g_assert_cmpint(n, ==, (int)strlen(line));

  gw_leg_stats *b = &live.leg[GW_STATS_LEG_BROWSER];
  b->rtt_ms = 40.4;
  gw_stats_set_str(b->codec, "opus");
  gw_call_stats_snapshot(&live, 2000, &snap);
  gw_leg_stats_format_line(&snap.leg[GW_STATS_LEG_BROWSER], GW_STATS_LEG_BROWSER, line, sizeof line);
  char want[256];
  g_snprintf(want, sizeof want,
             "Browser side: 247 pkts sent, 245 pkts recv, 0.81%% loss, 23ms jitter, 40ms rtt, MOS %.2f, opus",
             snap.leg[GW_STATS_LEG_BROWSER].mos);
  g_assert_cmpstr(line, ==, want);
  g_assert_cmpfloat(snap.leg[GW_STATS_LEG_BROWSER].mos, >, 3.5);
  g_assert_cmpfloat(snap.leg[GW_STATS_LEG_BROWSER].mos, <, 4.4);

  /* The trunk leg with nothing yet, and a buffer too small: cut, NUL-terminated, full length
   * returned. */
  gw_leg_stats_format_line(&snap.leg[GW_STATS_LEG_TRUNK], GW_STATS_LEG_TRUNK, line, sizeof line);
  g_assert_cmpstr(line, ==, "Trunk side: 0 pkts sent, 0 pkts recv, 0.00% loss");
  char small[16];
  n = gw_leg_stats_format_line(&snap.leg[GW_STATS_LEG_TRUNK], GW_STATS_LEG_TRUNK, small, sizeof small);
  g_assert_cmpstr(small, ==, "Trunk side: 0 p");
  g_assert_cmpint(n, ==, (int)strlen("Trunk side: 0 pkts sent, 0 pkts recv, 0.00% loss"));

  /* Every LOG field with a value shows up (the table decides, not this test). */
  gw_call_stats full;
  example(&full);
  full.leg[0].rtt_ms = 12;
  gw_stats_set_str(full.leg[0].codec, "PCMU");
  gw_call_stats_snapshot(&full, 1, &snap);
  gw_leg_stats_format_line(&snap.leg[0], GW_STATS_LEG_BROWSER, line, sizeof line);
  size_t logged = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) logged += fields[i].logged;
  gchar **parts = g_strsplit(line, ", ", -1);
  g_assert_cmpuint(g_strv_length(parts), ==, logged);
  g_strfreev(parts);
}

static void test_snapshot(void) {
  gw_call_stats live, snap;
  example(&live);
  gw_stats_set_str(live.leg[GW_STATS_LEG_TRUNK].codec, "PCMU");
  live.leg[GW_STATS_LEG_TRUNK].packets_received = 1000;
  gw_call_stats_snapshot(&live, 123456789, &snap);
  g_assert_cmpint(snap.taken_us, ==, 123456789);
  g_assert_cmpint(live.taken_us, ==, 0);
  g_assert_cmpfloat_with_epsilon(snap.leg[0].loss_pct, 200.0 / 247, 1e-9);
  /* A plain copy: the live stats go on without touching it. */
  live.leg[0].packets_sent = 9999;
  gw_stats_set_str(live.leg[1].codec, "PCMA");
  g_assert_cmpuint(snap.leg[0].packets_sent, ==, 247);
  g_assert_cmpstr(snap.leg[1].codec, ==, "PCMU");
  /* No loss, no RTT, no jitter on G.711: the E-model's best with a 20 ms frame. */
  g_assert_cmpfloat(snap.leg[1].loss_pct, ==, 0);
  gw_mos_input in = {.codec = GW_MOS_CODEC_G711};
  g_assert_cmpfloat_with_epsilon(snap.leg[1].mos, gw_mos_estimate(&in), 1e-9);
  g_assert_cmpfloat_with_epsilon(snap.leg[1].mos, 4.4, 0.02);
  /* Nothing received: loss 0, no MOS. Duplicates (negative lost): loss 0. Unknown codec: no MOS. */
  gw_call_stats c;
  gw_call_stats_init(&c, "x", NULL);
  gw_stats_set_str(c.leg[0].codec, "PCMU");
  c.leg[1].packets_received = 10;
  c.leg[1].packets_lost = -3;
  gw_stats_set_str(c.leg[1].codec, "G722");
  gw_call_stats_snapshot(&c, 1, &snap);
  g_assert_cmpfloat(snap.leg[0].loss_pct, ==, 0);
  g_assert_true(isnan(snap.leg[0].mos));
  g_assert_cmpfloat(snap.leg[1].loss_pct, ==, 0);
  g_assert_true(isnan(snap.leg[1].mos));
}

static void test_json(void) {
  gw_call_stats live, snap;
  example(&live);
  gw_leg_stats *b = &live.leg[GW_STATS_LEG_BROWSER];
  gw_stats_set_str(b->codec, "opus");
  gw_stats_set_str(b->srtp_suite, "AEAD_AES_128_GCM");
  gw_stats_set_str(b->ice_pair, "host/srflx");
  b->rtt_ms = 40;
  gw_call_stats_snapshot(&live, 1, &snap);
  snap.leg[0].mos = 4.2; /* a round number for the exact text below */

  json_t *j = gw_leg_stats_to_json(&snap.leg[0]);
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
  g_assert_cmpstr(s, ==,
                  "{\"bytes_received\":19600,\"bytes_sent\":19760,\"codec\":\"opus\",\"ice_pair\":\"host/srflx\","
                  "\"jitter_ms\":23.0,\"loss_pct\":0.81,\"mos\":4.2,\"packets_lost\":2,\"packets_received\":245,"
                  "\"packets_sent\":247,\"remote_jitter_ms\":null,\"remote_loss_pct\":null,"
                  "\"remote_packets_lost\":0,\"rtcp_received\":0,\"rtcp_sent\":0,\"rtt_ms\":40.0,"
                  "\"srtp_suite\":\"AEAD_AES_128_GCM\"}");
  free(s);
  /* One key per field of the table, no more. */
  g_assert_cmpuint(json_object_size(j), ==, G_N_ELEMENTS(fields));
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) g_assert_nonnull(json_object_get(j, fields[i].name));
  json_decref(j);

  /* Unknown values are null. */
  j = gw_leg_stats_to_json(&snap.leg[GW_STATS_LEG_TRUNK]);
  g_assert_true(json_is_null(json_object_get(j, "jitter_ms")));
  g_assert_true(json_is_null(json_object_get(j, "mos")));
  g_assert_true(json_is_null(json_object_get(j, "codec")));
  g_assert_cmpint(json_integer_value(json_object_get(j, "packets_sent")), ==, 0);
  json_decref(j);

  gw_call_stats two[2];
  two[0] = snap;
  gw_call_stats_init(&two[1], "c2", NULL);
  j = gw_call_stats_array_to_json(two, 2);
  g_assert_cmpuint(json_array_size(j), ==, 2);
  json_t *c1 = json_array_get(j, 0);
  g_assert_cmpstr(json_string_value(json_object_get(c1, "call")), ==, "c1");
  json_t *legs = json_object_get(c1, "legs");
  g_assert_cmpint(json_integer_value(json_object_get(json_object_get(legs, "browser"), "packets_sent")), ==, 247);
  g_assert_nonnull(json_object_get(legs, "trunk"));
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(j, 1), "call")), ==, "c2");
  json_decref(j);
}

/* Checks the exposition format: every sample line belongs to the family announced by the last
 * # TYPE, each family appears once, with its # HELP just before its # TYPE. */
static void check_exposition(const char *text) {
  gchar **lines = g_strsplit(text, "\n", -1);
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char *family = NULL;
  GRegex *sample = g_regex_new("^(gw_leg_[a-z_]+)\\{call=\"(\\\\.|[^\"\\\\])*\",leg=\"(browser|trunk)\""
                               "(,[a-z_]+=\"(\\\\.|[^\"\\\\])*\")*\\} -?[0-9.e+-]+$", 0, 0, NULL);
  guint n = g_strv_length(lines);
  g_assert_cmpstr(lines[n - 1], ==, ""); /* ends with a newline */
  for (guint i = 0; i + 1 < n; i++) {
    const char *l = lines[i];
    if (g_str_has_prefix(l, "# HELP ")) {
      g_assert_true(g_str_has_prefix(lines[i + 1], "# TYPE "));
      continue;
    }
    if (g_str_has_prefix(l, "# TYPE ")) {
      gchar **w = g_strsplit(l + 7, " ", 2);
      g_assert_true(g_str_equal(w[1], "counter") || g_str_equal(w[1], "gauge"));
      g_assert_false(g_hash_table_contains(seen, w[0]));
      g_free(family);
      family = g_strdup(w[0]);
      g_hash_table_add(seen, g_strdup(w[0]));
      if (g_str_equal(w[1], "counter")) g_assert_true(g_str_has_suffix(w[0], "_total"));
      g_strfreev(w);
      continue;
    }
    GMatchInfo *mi;
    g_assert_true(g_regex_match(sample, l, 0, &mi));
    char *name = g_match_info_fetch(mi, 1);
    g_assert_cmpstr(name, ==, family);
    g_free(name);
    g_match_info_free(mi);
  }
  g_regex_unref(sample);
  g_free(family);
  g_hash_table_destroy(seen);
  g_strfreev(lines);
}

static void test_prometheus(void) {
  gw_call_stats live, snap[2];
  example(&live);
  gw_leg_stats *b = &live.leg[GW_STATS_LEG_BROWSER];
  gw_stats_set_str(b->codec, "opus");
  gw_stats_set_str(b->srtp_suite, "AEAD_AES_128_GCM");
  gw_stats_set_str(b->ice_pair, "host/srflx");
  gw_call_stats_snapshot(&live, 1, &snap[0]);
  gw_call_stats_init(&live, "we\"ird\\id", NULL);
  live.leg[1].packets_sent = 5;
  gw_call_stats_snapshot(&live, 1, &snap[1]);

  GString *out = g_string_new(NULL);
  gw_stats_prometheus(out, snap, 2);
  check_exposition(out->str);
  const char *want[] = {
      "# HELP gw_leg_packets_sent_total RTP packets sent on the leg.\n"
      "# TYPE gw_leg_packets_sent_total counter\n"
      "gw_leg_packets_sent_total{call=\"c1\",leg=\"browser\"} 247\n"
      "gw_leg_packets_sent_total{call=\"c1\",leg=\"trunk\"} 0\n"
      "gw_leg_packets_sent_total{call=\"we\\\"ird\\\\id\",leg=\"browser\"} 0\n"
      "gw_leg_packets_sent_total{call=\"we\\\"ird\\\\id\",leg=\"trunk\"} 5\n",
      "# TYPE gw_leg_jitter_seconds gauge\n"
      "gw_leg_jitter_seconds{call=\"c1\",leg=\"browser\"} 0.023\n# HELP", /* unknown elsewhere: no sample */
      "gw_leg_packets_lost{call=\"c1\",leg=\"browser\"} 2\n",
      "gw_leg_loss_ratio{call=\"c1\",leg=\"browser\"} 0.00809716599190283", /* 2 / 247 */
      "# TYPE gw_leg_info gauge\n"
      "gw_leg_info{call=\"c1\",leg=\"browser\",codec=\"opus\",srtp_suite=\"AEAD_AES_128_GCM\",ice_pair=\"host/srflx\"} 1\n"
      "gw_leg_info{call=\"c1\",leg=\"trunk\",codec=\"\",srtp_suite=\"\",ice_pair=\"\"} 1\n",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    if (!strstr(out->str, want[i])) g_test_message("missing:\n%s\nin:\n%s", want[i], out->str);
    g_assert_nonnull(strstr(out->str, want[i]));
  }
  g_assert_nonnull(strstr(out->str, "gw_leg_mos{call=\"c1\",leg=\"browser\"} 4."));
  g_assert_null(strstr(out->str, "gw_leg_mos{call=\"c1\",leg=\"trunk\"")); /* no codec: no MOS */
  /* Every COUNTER / GAUGE field has its family; every LABEL field is a label of gw_leg_info. */
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    char *needle = g_str_equal(fields[i].prom, "LABEL") ? g_strdup_printf(",%s=\"", fields[i].prom_name)
                                                         : g_strdup_printf("# TYPE gw_leg_%s ", fields[i].prom_name);
    g_assert_nonnull(strstr(out->str, needle));
    g_free(needle);
  }
  g_string_free(out, TRUE);

  /* No calls: the heads alone, still well formed. */
  out = g_string_new(NULL);
  gw_stats_prometheus(out, NULL, 0);
  check_exposition(out->str);
  g_string_free(out, TRUE);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stats/init", test_init);
  g_test_add_func("/stats/log-line", test_log_line);
  g_test_add_func("/stats/snapshot", test_snapshot);
  g_test_add_func("/stats/json", test_json);
  g_test_add_func("/stats/prometheus", test_prometheus);
  return g_test_run();
}
