/* Media worker threads: each runs its own GMainContext. A call is bound to one worker for its whole
 * life; everything of that call's media (ICE agent, sockets, DTLS, SRTP, codecs) runs there. Other
 * threads reach a worker only by posting a function to it. */
#ifndef GW_WORKER_H
#define GW_WORKER_H

#include <glib.h>

#include "gateway/err.h"
#include "media/worker/pacer.h"

typedef struct gw_workers gw_workers;
typedef struct gw_worker gw_worker;

/* Starts n threads (n = 0: one per core). */
int gw_workers_new(unsigned n, gw_workers **out, gw_why *why);
/* Stops every thread after the work already posted, and joins them. */
void gw_workers_free(gw_workers *ws);
unsigned gw_workers_count(const gw_workers *ws);

/* The least loaded worker (by gw_worker_load_estimate, then fewest calls); its call count goes up
 * by one (release with gw_worker_put). */
gw_worker *gw_workers_take(gw_workers *ws);
void gw_worker_put(gw_worker *w);
unsigned gw_worker_calls(const gw_worker *w);

/* The worker at index i (0 <= i < gw_workers_count). */
gw_worker *gw_workers_at(gw_workers *ws, unsigned i);

/* CPU use of the worker's thread over the last whole second, in percent of one core (each worker
 * measures its own thread CPU clock once a second; reading is lock-free from any thread). */
double gw_worker_cpu_percent(const gw_worker *w);
/* Its CPU plus an estimate for the calls it took since that was measured. */
double gw_worker_load_estimate(const gw_worker *w);
/* The lowest load estimate among the workers, i.e. that of the worker gw_workers_take would pick:
 * above a threshold, every worker is busy. */
double gw_workers_least_load(const gw_workers *ws);

GMainContext *gw_worker_context(gw_worker *w);
/* Runs fn(data) on the worker's thread, then destroy(data) if not NULL. Safe from any thread. */
void gw_worker_post(gw_worker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

/* The worker's 20 ms tick that paces its calls' output (pacer.h), made on first use. On the
 * worker's thread only. */
gw_pacer *gw_worker_pacer(gw_worker *w);

/* Runs fn(data) on context ctx (e.g. the control thread's). Safe from any thread. */
void gw_post_to(GMainContext *ctx, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

#endif
