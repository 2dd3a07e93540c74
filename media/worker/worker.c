#include "media/worker/worker.h"

#include <stdatomic.h>
#include <time.h>

#include "gateway/log.h"

struct gw_worker {
  unsigned index;
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
  atomic_uint calls;
  atomic_uint cpu_millipct; /* CPU use over the last second, in 1/1000 % of one core */
  atomic_uint calls_at_sample; /* calls when it was measured */
  int64_t cpu_last_ns, wall_last_ns; /* worker thread only */
  gw_pacer *pacer; /* touched by the worker's thread only */
};

#define LOAD_PERIOD_MS 1000

static int64_t clock_ns(clockid_t id) {
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return -1;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs on the worker itself once a second: its own thread's CPU clock against the wall clock. */
static gboolean measure_load(gpointer data) {
  gw_worker *w = data;
  int64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID), wall = clock_ns(CLOCK_MONOTONIC);
  if (cpu >= 0 && wall > w->wall_last_ns && w->cpu_last_ns >= 0) {
    double pct = 100.0 * (double)(cpu - w->cpu_last_ns) / (double)(wall - w->wall_last_ns);
    atomic_store(&w->cpu_millipct, (unsigned)(pct * 1000.0 + 0.5));
    atomic_store(&w->calls_at_sample, atomic_load(&w->calls));
  }
  w->cpu_last_ns = cpu;
  w->wall_last_ns = wall;
  return G_SOURCE_CONTINUE;
}

struct gw_workers {
  unsigned n;
  gw_worker *w;
};

static gpointer run(gpointer data) {
  gw_worker *w = data;
  g_main_context_push_thread_default(w->ctx);
  w->cpu_last_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  w->wall_last_ns = clock_ns(CLOCK_MONOTONIC);
  GSource *tick = g_timeout_source_new(LOAD_PERIOD_MS);
  g_source_set_callback(tick, measure_load, w, NULL);
  g_source_attach(tick, w->ctx);
  g_source_unref(tick);
  g_main_loop_run(w->loop);
  g_main_context_pop_thread_default(w->ctx);
  return NULL;
}

int gw_workers_new(unsigned n, gw_workers **out, gw_why *why) {
  if (n == 0) n = g_get_num_processors();
  gw_workers *ws = g_new0(gw_workers, 1);
  ws->n = n;
  ws->w = g_new0(gw_worker, n);
  for (unsigned i = 0; i < n; i++) {
    gw_worker *w = &ws->w[i];
    w->index = i;
    w->ctx = g_main_context_new();
    w->loop = g_main_loop_new(w->ctx, FALSE);
    char name[16];
    g_snprintf(name, sizeof name, "media-%u", i);
    GError *err = NULL;
    w->thread = g_thread_try_new(name, run, w, &err);
    if (!w->thread) {
      int rc = gw_fail(why, GW_EIO, "cannot start media worker %u: %s", i, err->message);
      g_error_free(err);
      ws->n = i + 1;
      gw_workers_free(ws);
      return rc;
    }
  }
  *out = ws;
  return GW_OK;
}

static gboolean quit(gpointer data) {
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

void gw_workers_free(gw_workers *ws) {
  if (!ws) return;
  for (unsigned i = 0; i < ws->n; i++) {
    gw_worker *w = &ws->w[i];
    if (w->thread) {
      gw_worker_post(w, quit, w->loop, NULL);
      g_thread_join(w->thread);
    }
    gw_pacer_free(w->pacer);
    /* Sources that callers left behind die with the context. */
    g_main_loop_unref(w->loop);
    g_main_context_unref(w->ctx);
  }
  g_free(ws->w);
  g_free(ws);
}

unsigned gw_workers_count(const gw_workers *ws) { return ws->n; }

/* The least loaded worker (gw_worker_load_estimate; within half a percent, the one with fewer
 * calls): the same one admission control judges with gw_workers_least_load. */
gw_worker *gw_workers_take(gw_workers *ws) {
  gw_worker *best = &ws->w[0];
  double best_load = gw_worker_load_estimate(best);
  for (unsigned i = 1; i < ws->n; i++) {
    double load = gw_worker_load_estimate(&ws->w[i]);
    if (load < best_load - 0.5 || (load <= best_load + 0.5 && atomic_load(&ws->w[i].calls) < atomic_load(&best->calls))) {
      best = &ws->w[i];
      best_load = load;
    }
  }
  atomic_fetch_add(&best->calls, 1);
  return best;
}

void gw_worker_put(gw_worker *w) { atomic_fetch_sub(&w->calls, 1); }
unsigned gw_worker_calls(const gw_worker *w) { return atomic_load(&w->calls); }
GMainContext *gw_worker_context(gw_worker *w) { return w->ctx; }
gw_worker *gw_workers_at(gw_workers *ws, unsigned i) { return i < ws->n ? &ws->w[i] : NULL; }
double gw_worker_cpu_percent(const gw_worker *w) { return atomic_load(&w->cpu_millipct) / 1000.0; }

/* The measured CPU, plus an estimate for the calls taken since it was measured (each costing what
 * the measured calls cost on average; 0.5 % when there were none), so that a burst of new calls
 * within one second does not all land on the worker that looked idle. */
double gw_worker_load_estimate(const gw_worker *w) {
  double cpu = gw_worker_cpu_percent(w);
  unsigned now = atomic_load(&w->calls), then = atomic_load(&w->calls_at_sample);
  if (now <= then) return cpu;
  return cpu + (now - then) * (then ? cpu / then : 0.5);
}

double gw_workers_least_load(const gw_workers *ws) {
  double min = gw_worker_load_estimate(&ws->w[0]);
  for (unsigned i = 1; i < ws->n; i++) min = MIN(min, gw_worker_load_estimate(&ws->w[i]));
  return min;
}

gw_pacer *gw_worker_pacer(gw_worker *w) {
  if (!w->pacer) w->pacer = gw_pacer_new(w->ctx);
  return w->pacer;
}

void gw_post_to(GMainContext *ctx, GSourceFunc fn, gpointer data, GDestroyNotify destroy) {
  /* An idle source rather than g_main_context_invoke: never runs inline, so order is kept. */
  GSource *s = g_idle_source_new();
  g_source_set_priority(s, G_PRIORITY_DEFAULT);
  g_source_set_callback(s, fn, data, destroy);
  g_source_attach(s, ctx);
  g_source_unref(s);
}

void gw_worker_post(gw_worker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy) {
  gw_post_to(w->ctx, fn, data, destroy);
}
