/* One 20 ms tick per media worker that paces the output of every call on it, in one pass: a call
 * adds a client and is called back on each tick with the tick's time. The tick runs only while it
 * has clients, so an idle worker does not wake up.
 *
 * Ticks are kept on a fixed grid (start + k * 20 ms, monotonic clock) rather than re-armed
 * 20 ms after each dispatch, so that they do not drift late. When the worker fell behind, up to
 * GW_PACER_CATCH_UP missed ticks are run at once; beyond that the grid starts again from now
 * (counted in `skipped`).
 *
 * Worker thread only: created on and used from the thread that runs its GMainContext. */
#ifndef GW_MEDIA_WORKER_PACER_H
#define GW_MEDIA_WORKER_PACER_H

#include <glib.h>
#include <stdint.h>

#define GW_PACER_PERIOD_US 20000
#define GW_PACER_CATCH_UP 3

typedef struct gw_pacer gw_pacer;
typedef struct gw_pacer_client gw_pacer_client;
/* tick_us: the tick's time on the grid (g_get_monotonic_time() scale). */
typedef void (*gw_pacer_fn)(void *user, int64_t tick_us);

gw_pacer *gw_pacer_new(GMainContext *ctx);
/* Removes any client left and the tick's source. NULL is fine. */
void gw_pacer_free(gw_pacer *p);
gw_pacer_client *gw_pacer_add(gw_pacer *p, gw_pacer_fn fn, void *user);
/* Also from inside a tick (that client is then not called again). NULL is fine. */
void gw_pacer_remove(gw_pacer_client *c);

unsigned gw_pacer_clients(const gw_pacer *p);
uint64_t gw_pacer_ticks(const gw_pacer *p);
uint64_t gw_pacer_skipped(const gw_pacer *p);

#endif
