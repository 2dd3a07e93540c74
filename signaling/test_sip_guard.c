#include <glib.h>

#include "signaling/sip_guard.h"

#define S G_USEC_PER_SEC

typedef struct {
  unsigned calls;
  char last[256];
} changes;

static void on_changed(void *data, const char *const *addrs) {
  changes *c = data;
  c->calls++;
  gchar *j = g_strjoinv(",", (gchar **)addrs);
  g_strlcpy(c->last, j, sizeof c->last);
  g_free(j);
}

/* N failures within the window block the source for block_s; one less does not. */
static void test_blocks_after_n(void) {
  changes ch = {0};
  gw_sip_guard_opts o = {.failures = 3, .window_s = 10, .block_s = 60};
  gw_sip_guard *g = gw_sip_guard_new(&o, on_changed, &ch);
  int64_t t = 1000 * S;
  g_assert_false(gw_sip_guard_failure(g, "192.0.2.1", "REGISTER", t));
  g_assert_false(gw_sip_guard_failure(g, "192.0.2.1", "REGISTER", t + 1 * S));
  g_assert_false(gw_sip_guard_blocked(g, "192.0.2.1", t + 1 * S));
  g_assert_cmpuint(ch.calls, ==, 0);
  g_assert_true(gw_sip_guard_failure(g, "192.0.2.1", "REGISTER", t + 2 * S));
  g_assert_true(gw_sip_guard_blocked(g, "192.0.2.1", t + 3 * S));
  g_assert_false(gw_sip_guard_blocked(g, "192.0.2.2", t + 3 * S)); /* only that source */
  g_assert_cmpuint(gw_sip_guard_blocked_count(g), ==, 1);
  g_assert_cmpuint(ch.calls, ==, 1);
  g_assert_cmpstr(ch.last, ==, "192.0.2.1");
  /* Failures while blocked do not extend or restart the block. */
  g_assert_false(gw_sip_guard_failure(g, "192.0.2.1", "REGISTER", t + 30 * S));
  /* Still blocked just before the end; the tick ends it at block_s. */
  gw_sip_guard_tick(g, t + 61 * S);
  g_assert_true(gw_sip_guard_blocked(g, "192.0.2.1", t + 61 * S));
  gw_sip_guard_tick(g, t + 62 * S);
  g_assert_false(gw_sip_guard_blocked(g, "192.0.2.1", t + 62 * S));
  g_assert_cmpuint(gw_sip_guard_blocked_count(g), ==, 0);
  g_assert_cmpuint(ch.calls, ==, 2);
  g_assert_cmpstr(ch.last, ==, "");
  /* After the block the count starts again from zero. */
  g_assert_false(gw_sip_guard_failure(g, "192.0.2.1", "REGISTER", t + 63 * S));
  gw_sip_guard_free(g);
}

/* Failures spread wider than the window never add up to a block. */
static void test_window(void) {
  gw_sip_guard_opts o = {.failures = 3, .window_s = 10, .block_s = 60};
  gw_sip_guard *g = gw_sip_guard_new(&o, NULL, NULL);
  int64_t t = 5 * S;
  for (int i = 0; i < 20; i++) g_assert_false(gw_sip_guard_failure(g, "198.51.100.9", "INVITE", t + i * 6 * S));
  g_assert_false(gw_sip_guard_blocked(g, "198.51.100.9", t + 200 * S));
  /* The tick forgets stale counts. */
  gw_sip_guard_tick(g, t + 1000 * S);
  g_assert_false(gw_sip_guard_failure(g, "198.51.100.9", "INVITE", t + 1001 * S));
  gw_sip_guard_free(g);
}

/* failures = 0 turns blocking off. */
static void test_disabled(void) {
  gw_sip_guard_opts o = {.failures = 0, .window_s = 10, .block_s = 60};
  gw_sip_guard *g = gw_sip_guard_new(&o, NULL, NULL);
  g_assert_false(gw_sip_guard_enabled(g));
  for (int i = 0; i < 100; i++) g_assert_false(gw_sip_guard_failure(g, "192.0.2.1", "x", i));
  g_assert_false(gw_sip_guard_blocked(g, "192.0.2.1", 200));
  gw_sip_guard_free(g);
}

/* Memory stays bounded when failures come from ever new (spoofed) addresses. */
static void test_bounded(void) {
  gw_sip_guard_opts o = {.failures = 2, .window_s = 10, .block_s = 60, .max_sources = 16};
  gw_sip_guard *g = gw_sip_guard_new(&o, NULL, NULL);
  char a[32];
  for (int i = 0; i < 1000; i++) {
    g_snprintf(a, sizeof a, "10.0.%d.%d", i / 256, i % 256);
    gw_sip_guard_failure(g, a, "INVITE", S);
  }
  /* A scanner in the middle of the flood is still counted and blocked: new sources push out ones
   * that are only counting, never a blocked one. */
  g_assert_false(gw_sip_guard_failure(g, "198.51.100.7", "REGISTER", S));
  g_assert_true(gw_sip_guard_failure(g, "198.51.100.7", "REGISTER", S));
  for (int i = 0; i < 100; i++) {
    g_snprintf(a, sizeof a, "10.3.%d.%d", i / 256, i % 256);
    gw_sip_guard_failure(g, a, "INVITE", S);
  }
  g_assert_true(gw_sip_guard_blocked(g, "198.51.100.7", S));
  /* Only when every tracked source is blocked are new ones not counted. */
  for (int i = 0; i < 15; i++) {
    g_snprintf(a, sizeof a, "10.1.0.%d", i);
    gw_sip_guard_failure(g, a, "INVITE", S);
    g_assert_true(gw_sip_guard_failure(g, a, "INVITE", S));
  }
  g_assert_cmpuint(gw_sip_guard_blocked_count(g), ==, 16);
  g_assert_false(gw_sip_guard_failure(g, "10.2.0.1", "INVITE", S));
  g_assert_false(gw_sip_guard_failure(g, "10.2.0.1", "INVITE", S));
  g_assert_false(gw_sip_guard_blocked(g, "10.2.0.1", S));
  gw_sip_guard_free(g);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip_guard/blocks_after_n", test_blocks_after_n);
  g_test_add_func("/sip_guard/window", test_window);
  g_test_add_func("/sip_guard/disabled", test_disabled);
  g_test_add_func("/sip_guard/bounded", test_bounded);
  return g_test_run();
}
