#include "gateway/cpu_load.h"

#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  unsigned long long ticks;
  int64_t at_us;
  double percent;
  bool seen; /* in the latest sample */
} thread_load;

struct gw_cpu_load {
  char *prefix;
  GHashTable *by_tid; /* tid -> thread_load, owned */
  long hz;
  double mean, max;
  unsigned threads;
};

gw_cpu_load *gw_cpu_load_new(const char *thread_prefix) {
  gw_cpu_load *l = g_new0(gw_cpu_load, 1);
  l->prefix = g_strdup(thread_prefix);
  l->by_tid = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  l->hz = sysconf(_SC_CLK_TCK);
  if (l->hz <= 0) l->hz = 100;
  return l;
}

void gw_cpu_load_free(gw_cpu_load *l) {
  if (!l) return;
  g_hash_table_destroy(l->by_tid);
  g_free(l->prefix);
  g_free(l);
}

int gw_cpu_stat_parse(const char *line, char *name, unsigned long name_len, unsigned long long *ticks) {
  const char *open = strchr(line, '('), *close = strrchr(line, ')');
  if (!open || !close || close < open) return GW_EINVAL;
  if (name && name_len) g_strlcpy(name, open + 1, MIN(name_len, (unsigned long)(close - open)));
  /* After ") ": state (field 3), then fields 4.. ; utime is field 14, stime field 15. */
  gchar **f = g_strsplit(close + 1, " ", 0);
  int rc = GW_EINVAL;
  unsigned n = 0, want_u = 0, want_s = 0;
  unsigned long long u = 0, s = 0;
  for (gchar **it = f; *it; it++) {
    if (!**it) continue;
    n++; /* n = 1 is field 3 */
    char *end = NULL;
    if (n + 2 == 14) { u = strtoull(*it, &end, 10); want_u = end && !*end; }
    if (n + 2 == 15) { s = strtoull(*it, &end, 10); want_s = end && !*end; }
  }
  g_strfreev(f);
  if (want_u && want_s) {
    *ticks = u + s;
    rc = GW_OK;
  }
  return rc;
}

void gw_cpu_load_sample(gw_cpu_load *l, int64_t now_us) {
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, l->by_tid);
  while (g_hash_table_iter_next(&it, &k, &v)) ((thread_load *)v)->seen = false;
  GDir *d = g_dir_open("/proc/self/task", 0, NULL);
  double sum = 0, max = 0;
  unsigned counted = 0, found = 0;
  for (const char *e; d && (e = g_dir_read_name(d));) {
    gchar *path = g_strdup_printf("/proc/self/task/%s/stat", e), *text = NULL;
    char name[64];
    unsigned long long ticks = 0;
    bool ok = g_file_get_contents(path, &text, NULL, NULL) &&
              gw_cpu_stat_parse(text, name, sizeof name, &ticks) == GW_OK && g_str_has_prefix(name, l->prefix);
    g_free(path);
    g_free(text);
    if (!ok) continue;
    found++;
    gpointer tid = GINT_TO_POINTER(atoi(e));
    thread_load *t = g_hash_table_lookup(l->by_tid, tid);
    if (!t) {
      t = g_new0(thread_load, 1);
      g_hash_table_insert(l->by_tid, tid, t);
    } else if (now_us > t->at_us) {
      double cpu_s = (double)(ticks - t->ticks) / (double)l->hz;
      t->percent = 100.0 * cpu_s / ((double)(now_us - t->at_us) / 1e6);
      sum += t->percent;
      max = MAX(max, t->percent);
      counted++;
    }
    t->ticks = ticks;
    t->at_us = now_us;
    t->seen = true;
  }
  if (d) g_dir_close(d);
  g_hash_table_iter_init(&it, l->by_tid);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (!((thread_load *)v)->seen) g_hash_table_iter_remove(&it); /* the thread is gone */
  l->threads = found;
  l->mean = counted ? sum / counted : 0;
  l->max = max;
}

double gw_cpu_load_mean(const gw_cpu_load *l) { return l->mean; }
double gw_cpu_load_max(const gw_cpu_load *l) { return l->max; }
unsigned gw_cpu_load_threads(const gw_cpu_load *l) { return l->threads; }
