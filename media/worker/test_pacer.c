/* Tests for media/worker/pacer: ticks on a 20 ms grid to every client in one pass, clients added
 * and removed (also from inside a tick), the source gone when no client is left, catch-up after a
 * stall. Runs a private GMainContext on this thread. */
#include <glib.h>

#include "media/worker/pacer.h"

typedef struct {
  gw_pacer *p;
  gw_pacer_client *self;
  int64_t first, last;
  int n, stop_after;
  uint64_t skipped;
} client;

static void on_tick(void *user, int64_t tick_us) {
  client *c = user;
  if (c->n == 0) c->first = tick_us;
  else if (gw_pacer_skipped(c->p) == c->skipped) g_assert_cmpint(tick_us - c->last, ==, GW_PACER_PERIOD_US); /* on the grid */
  else g_assert_cmpint(tick_us - c->last, >, GW_PACER_PERIOD_US); /* a stall of this loaded test: a new grid */
  c->skipped = gw_pacer_skipped(c->p);
  c->last = tick_us;
  c->n++;
  if (c->stop_after && c->n == c->stop_after) {
    gw_pacer_remove(c->self);
    c->self = NULL;
  }
}

static void run_for(GMainContext *ctx, int64_t us) {
  int64_t until = g_get_monotonic_time() + us;
  while (g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, FALSE);
    g_usleep(1000);
  }
}

static void test_ticks(void) {
  GMainContext *ctx = g_main_context_new();
  gw_pacer *p = gw_pacer_new(ctx);
  client a = {.p = p}, b = {.p = p, .stop_after = 5};
  a.self = gw_pacer_add(p, on_tick, &a);
  b.self = gw_pacer_add(p, on_tick, &b);
  g_assert_cmpuint(gw_pacer_clients(p), ==, 2);
  run_for(ctx, 300000);
  /* about 15 ticks in 300 ms (a loaded machine may run some late: caught up on the grid) */
  g_assert_cmpint(a.n, >=, 8);
  g_assert_cmpint(a.n, <=, 16);
  g_assert_cmpint(b.n, ==, 5); /* removed itself inside its fifth tick */
  g_assert_cmpint(b.first, ==, a.first); /* the same ticks, one pass */
  g_assert_cmpuint(gw_pacer_clients(p), ==, 1);
  /* the last client goes: no more ticks, the source is gone */
  gw_pacer_remove(a.self);
  uint64_t ticks = gw_pacer_ticks(p);
  run_for(ctx, 60000);
  g_assert_cmpuint(gw_pacer_ticks(p), ==, ticks);
  /* added again: ticks again, from a new grid */
  client c = {.p = p, .skipped = gw_pacer_skipped(p)};
  c.self = gw_pacer_add(p, on_tick, &c);
  run_for(ctx, 100000);
  g_assert_cmpint(c.n, >=, 3);
  /* a stall of 200 ms: at most GW_PACER_CATCH_UP ticks at once, the rest skipped */
  g_usleep(200000);
  c.n = 0; /* the grid restarts */
  g_main_context_iteration(ctx, FALSE);
  g_assert_cmpint(c.n, <=, GW_PACER_CATCH_UP);
  g_assert_cmpuint(gw_pacer_skipped(p), >, 0);
  gw_pacer_free(p); /* with a client left: removed with it */
  g_main_context_unref(ctx);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pacer/ticks", test_ticks);
  return g_test_run();
}
