/* CPU use of the media worker threads, for admission control ([limits] max_worker_cpu_percent).
 *
 * Samples /proc/self/task/<tid>/stat (utime + stime) of every thread whose name starts with a
 * prefix ("media-": the workers name their threads media-0, media-1, ...), about once a second,
 * and gives each one's share of one core over the last interval. Nothing is shared with the
 * workers: they are only observed from outside. */
#ifndef GW_CPU_LOAD_H
#define GW_CPU_LOAD_H

#include <stdint.h>

#include "gateway/err.h"

typedef struct gw_cpu_load gw_cpu_load;

gw_cpu_load *gw_cpu_load_new(const char *thread_prefix);
void gw_cpu_load_free(gw_cpu_load *l);
/* Reads the threads' CPU times now (monotonic now_us) and updates the percentages. */
void gw_cpu_load_sample(gw_cpu_load *l, int64_t now_us);
/* Over the last interval: the mean over the threads found, and the busiest one (percent of one
 * core); 0 before two samples. threads: how many were found. */
double gw_cpu_load_mean(const gw_cpu_load *l);
double gw_cpu_load_max(const gw_cpu_load *l);
unsigned gw_cpu_load_threads(const gw_cpu_load *l);

/* Parses one /proc/<pid>/task/<tid>/stat line: the thread's name and its user + system time in
 * clock ticks. The name may hold spaces and parentheses (it ends at the last ')'). */
int gw_cpu_stat_parse(const char *line, char *name, unsigned long name_len, unsigned long long *ticks);

#endif
