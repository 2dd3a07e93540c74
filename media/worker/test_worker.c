#include <glib.h>

#include "media/worker/worker.h"

typedef struct {
  GMainContext *main;
  GThread *seen_thread;
  int order[8];
  int n;
  gboolean done;
} probe;

static gboolean on_main(gpointer data) {
  probe *p = data;
  p->done = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean step(gpointer data) {
  probe *p = data;
  p->seen_thread = g_thread_self();
  p->order[p->n] = p->n;
  p->n++;
  if (p->n == 8) gw_post_to(p->main, on_main, p, NULL);
  return G_SOURCE_REMOVE;
}

static void test_post_and_order(void) {
  gw_workers *ws = NULL;
  g_assert_cmpint(gw_workers_new(2, &ws, NULL), ==, GW_OK);
  g_assert_cmpuint(gw_workers_count(ws), ==, 2);
  gw_worker *a = gw_workers_take(ws), *b = gw_workers_take(ws);
  g_assert_true(a != b); /* least loaded first */
  probe p = {.main = g_main_context_default()};
  for (int i = 0; i < 8; i++) gw_worker_post(a, step, &p, NULL);
  for (int i = 0; i < 200 && !p.done; i++) g_main_context_iteration(NULL, TRUE);
  g_assert_true(p.done);
  g_assert_true(p.seen_thread != g_thread_self());
  for (int i = 0; i < 8; i++) g_assert_cmpint(p.order[i], ==, i);
  gw_worker_put(a);
  gw_worker_put(b);
  g_assert_cmpuint(gw_worker_calls(a), ==, 0);
  gw_workers_free(ws);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/worker/post-and-order", test_post_and_order);
  return g_test_run();
}
