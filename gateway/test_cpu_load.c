#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <time.h>

#include "gateway/cpu_load.h"

static void test_parse(void) {
  /* proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
   * utime stime ... ; a name with spaces and parentheses must not shift the fields. */
  const char *line = "4242 (media-0 (x) y) S 1 4242 4242 0 -1 4194368 100 0 0 0 1234 566 0 0 20 0 3 0 77 1 2\n";
  char name[64];
  unsigned long long ticks = 0;
  g_assert_cmpint(gw_cpu_stat_parse(line, name, sizeof name, &ticks), ==, GW_OK);
  g_assert_cmpstr(name, ==, "media-0 (x) y");
  g_assert_cmpuint(ticks, ==, 1234 + 566);
  g_assert_cmpint(gw_cpu_stat_parse("4242 (short) S 1 2 3", name, sizeof name, &ticks), !=, GW_OK);
  g_assert_cmpint(gw_cpu_stat_parse("garbage", name, sizeof name, &ticks), !=, GW_OK);
}

static atomic_bool stop;

static void *spin(void *arg) {
  prctl(PR_SET_NAME, (const char *)arg);
  volatile unsigned long x = 0;
  while (!atomic_load(&stop)) x++;
  return NULL;
}

static void *idle(void *arg) {
  prctl(PR_SET_NAME, (const char *)arg);
  while (!atomic_load(&stop)) g_usleep(10000);
  return NULL;
}

/* A spinning thread reads near 100 % of a core, an idle one near 0, others are not counted. */
static void test_measures_threads(void) {
  pthread_t a, b, c;
  pthread_create(&a, NULL, spin, "tload-busy");
  pthread_create(&b, NULL, idle, "tload-idle");
  pthread_create(&c, NULL, spin, "other-busy");
  g_usleep(50000);
  gw_cpu_load *l = gw_cpu_load_new("tload-");
  gw_cpu_load_sample(l, g_get_monotonic_time());
  g_assert_cmpfloat(gw_cpu_load_max(l), ==, 0);
  g_usleep(600000);
  gw_cpu_load_sample(l, g_get_monotonic_time());
  atomic_store(&stop, true);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  pthread_join(c, NULL);
  g_test_message("busy+idle: max %.1f %%, mean %.1f %% over %u threads", gw_cpu_load_max(l), gw_cpu_load_mean(l),
                 gw_cpu_load_threads(l));
  g_assert_cmpuint(gw_cpu_load_threads(l), ==, 2);
  /* Two cores shared with other work (and other-busy): the busy thread still gets a fair part of one. */
  g_assert_cmpfloat(gw_cpu_load_max(l), >, 10);
  g_assert_cmpfloat(gw_cpu_load_max(l), <, 130);
  g_assert_cmpfloat(gw_cpu_load_mean(l), <, gw_cpu_load_max(l));
  gw_cpu_load_free(l);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cpu_load/parse", test_parse);
  g_test_add_func("/cpu_load/measures_threads", test_measures_threads);
  return g_test_run();
}
