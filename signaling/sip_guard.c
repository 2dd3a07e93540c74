#include "signaling/sip_guard.h"

#include <glib.h>

#include "gateway/log.h"

#define DEFAULT_MAX_SOURCES 4096

typedef struct {
  int64_t window_start_us; /* first failure of the current window */
  unsigned failures;       /* within the current window */
  int64_t blocked_at_us, blocked_until_us; /* 0: not blocked */
  uint64_t dropped;        /* requests seen by the UA while blocked */
} source;

struct gw_sip_guard {
  gw_sip_guard_opts o;
  GHashTable *by_addr; /* char* -> source*, both owned */
  unsigned blocked;
  bool full_logged;
  gw_sip_guard_changed_fn changed;
  void *changed_data;
};

gw_sip_guard *gw_sip_guard_new(const gw_sip_guard_opts *o, gw_sip_guard_changed_fn changed, void *data) {
  gw_sip_guard *g = g_new0(gw_sip_guard, 1);
  g->o = *o;
  if (!g->o.max_sources) g->o.max_sources = DEFAULT_MAX_SOURCES;
  if (!g->o.window_s) g->o.window_s = 1;
  g->by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g->changed = changed;
  g->changed_data = data;
  return g;
}

void gw_sip_guard_free(gw_sip_guard *g) {
  if (!g) return;
  g_hash_table_destroy(g->by_addr);
  g_free(g);
}

bool gw_sip_guard_enabled(const gw_sip_guard *g) { return g && g->o.failures > 0 && g->o.block_s > 0; }
unsigned gw_sip_guard_blocked_count(const gw_sip_guard *g) { return g ? g->blocked : 0; }

static void notify(gw_sip_guard *g) {
  if (!g->changed) return;
  GPtrArray *a = g_ptr_array_new();
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, g->by_addr);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((source *)v)->blocked_until_us) g_ptr_array_add(a, k);
  g_ptr_array_add(a, NULL);
  g->changed(g->changed_data, (const char *const *)a->pdata);
  g_ptr_array_free(a, TRUE);
}

/* Full table: forgets one source that is only counting failures (not a blocked one), so that a
 * flood of forged addresses cannot stop a real scanner from being counted; O(1) on average. */
static bool evict_one(gw_sip_guard *g) {
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, g->by_addr);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    if (((source *)v)->blocked_until_us) continue;
    g_hash_table_iter_remove(&it);
    return true;
  }
  return false;
}

bool gw_sip_guard_failure(gw_sip_guard *g, const char *addr, const char *what, int64_t now_us) {
  if (!gw_sip_guard_enabled(g) || !addr || !*addr) return false;
  source *s = g_hash_table_lookup(g->by_addr, addr);
  if (!s) {
    if (g_hash_table_size(g->by_addr) >= g->o.max_sources && !evict_one(g)) {
      if (!g->full_logged)
        GW_WARN("SIP guard: %u sources blocked already; failures from new sources are not counted until some "
                "blocks end (a flood from many addresses?)", g->o.max_sources);
      g->full_logged = true;
      return false;
    }
    s = g_new0(source, 1);
    g_hash_table_insert(g->by_addr, g_strdup(addr), s);
  }
  if (s->blocked_until_us) return false; /* already blocked: requests queued before the block */
  if (s->failures == 0 || now_us - s->window_start_us > (int64_t)g->o.window_s * G_USEC_PER_SEC) {
    s->window_start_us = now_us;
    s->failures = 0;
  }
  s->failures++;
  GW_DEBUG("SIP guard: failure %u of %u from %s: %s", s->failures, g->o.failures, addr, what ? what : "");
  if (s->failures < g->o.failures) return false;
  s->blocked_at_us = now_us;
  s->blocked_until_us = now_us + (int64_t)g->o.block_s * G_USEC_PER_SEC;
  s->dropped = 0;
  g->blocked++;
  GW_WARN("SIP guard: blocked %s for %u s after %u failures in %u s (last: %s); its requests are dropped", addr,
          g->o.block_s, s->failures, g->o.window_s, what ? what : "?");
  notify(g);
  return true;
}

bool gw_sip_guard_blocked(gw_sip_guard *g, const char *addr, int64_t now_us) {
  if (!gw_sip_guard_enabled(g) || !addr) return false;
  source *s = g_hash_table_lookup(g->by_addr, addr);
  if (!s || !s->blocked_until_us || now_us >= s->blocked_until_us) return false;
  s->dropped++;
  return true;
}

void gw_sip_guard_tick(gw_sip_guard *g, int64_t now_us) {
  if (!g) return;
  bool changed = false;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, g->by_addr);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    source *s = v;
    if (s->blocked_until_us) {
      if (now_us < s->blocked_until_us) continue;
      GW_INFO("SIP guard: unblocked %s: its block of %u s ended (%llu requests reached the gateway meanwhile)",
              (const char *)k, g->o.block_s, (unsigned long long)s->dropped);
      g->blocked--;
      changed = true;
      g_hash_table_iter_remove(&it);
    } else if (now_us - s->window_start_us > (int64_t)g->o.window_s * G_USEC_PER_SEC) {
      g_hash_table_iter_remove(&it); /* its failures are too old to count */
    }
  }
  if (g_hash_table_size(g->by_addr) < g->o.max_sources) g->full_logged = false;
  if (changed) notify(g);
}
