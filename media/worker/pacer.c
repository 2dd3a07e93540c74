/* The per-worker 20 ms tick (see pacer.h). */
#include "media/worker/pacer.h"

#include <stdbool.h>

struct gw_pacer_client {
  gw_pacer *p;
  gw_pacer_fn fn;
  void *user;
  bool removed;
};

typedef struct {
  GSource base;
  gw_pacer *p;
} tick_source;

struct gw_pacer {
  GMainContext *ctx;
  GSource *src;
  GPtrArray *clients; /* gw_pacer_client*, owned */
  int64_t next_us;
  bool in_tick;
  unsigned live;
  uint64_t ticks, skipped;
};

static void run_tick(gw_pacer *p, int64_t tick_us) {
  p->in_tick = true;
  guint n = p->clients->len; /* clients added during the tick start at the next one */
  for (guint i = 0; i < n; i++) {
    gw_pacer_client *c = g_ptr_array_index(p->clients, i);
    if (!c->removed) c->fn(c->user, tick_us);
  }
  p->in_tick = false;
  for (guint i = p->clients->len; i-- > 0;) {
    gw_pacer_client *c = g_ptr_array_index(p->clients, i);
    if (c->removed) g_ptr_array_remove_index(p->clients, i);
  }
  p->ticks++;
}

static void stop_source(gw_pacer *p) {
  if (!p->src) return;
  g_source_destroy(p->src);
  g_clear_pointer(&p->src, g_source_unref);
}

static gboolean dispatch(GSource *s, GSourceFunc cb, gpointer data) {
  (void)cb;
  (void)data;
  gw_pacer *p = ((tick_source *)s)->p;
  int64_t now = g_get_monotonic_time();
  for (int k = 0; k < GW_PACER_CATCH_UP && p->next_us <= now && p->live; k++) {
    run_tick(p, p->next_us);
    p->next_us += GW_PACER_PERIOD_US;
  }
  if (p->next_us <= now) {
    /* Too far behind: start the grid again rather than send a burst. */
    p->skipped += (uint64_t)((now - p->next_us) / GW_PACER_PERIOD_US) + 1;
    p->next_us = now + GW_PACER_PERIOD_US;
  }
  if (!p->live) {
    stop_source(p);
    return G_SOURCE_REMOVE;
  }
  g_source_set_ready_time(s, p->next_us);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs tick_funcs = {.dispatch = dispatch};

gw_pacer *gw_pacer_new(GMainContext *ctx) {
  gw_pacer *p = g_new0(gw_pacer, 1);
  p->ctx = ctx;
  p->clients = g_ptr_array_new_with_free_func(g_free);
  return p;
}

void gw_pacer_free(gw_pacer *p) {
  if (!p) return;
  stop_source(p);
  g_ptr_array_unref(p->clients);
  g_free(p);
}

gw_pacer_client *gw_pacer_add(gw_pacer *p, gw_pacer_fn fn, void *user) {
  gw_pacer_client *c = g_new0(gw_pacer_client, 1);
  *c = (gw_pacer_client){p, fn, user, false};
  g_ptr_array_add(p->clients, c);
  p->live++;
  if (!p->src) {
    p->src = g_source_new(&tick_funcs, sizeof(tick_source));
    ((tick_source *)p->src)->p = p;
    g_source_set_priority(p->src, G_PRIORITY_HIGH); /* before sockets and timers of the same wake-up */
    g_source_set_name(p->src, "gw-pacer");
    p->next_us = g_get_monotonic_time() + GW_PACER_PERIOD_US;
    g_source_set_ready_time(p->src, p->next_us);
    g_source_attach(p->src, p->ctx);
  }
  return c;
}

void gw_pacer_remove(gw_pacer_client *c) {
  if (!c || c->removed) return;
  gw_pacer *p = c->p;
  c->removed = true;
  p->live--;
  if (!p->in_tick) {
    g_ptr_array_remove(p->clients, c); /* frees c */
    if (!p->live) stop_source(p);
  }
  /* inside a tick: freed after it, and the source goes when the dispatch sees no client left */
}

unsigned gw_pacer_clients(const gw_pacer *p) { return p->live; }
uint64_t gw_pacer_ticks(const gw_pacer *p) { return p->ticks; }
uint64_t gw_pacer_skipped(const gw_pacer *p) { return p->skipped; }
