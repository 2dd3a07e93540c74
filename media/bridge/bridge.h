/* A call's media on its worker: the legs and what connects them (for now the echo target).
 *
 * The control thread holds a gw_bridge only to post to it; the object itself is touched by the
 * worker alone. Events come back to the control thread's context as (call_id, event) so that a
 * late event for a call that has gone is simply dropped. */
#ifndef GW_BRIDGE_H
#define GW_BRIDGE_H

#include <glib.h>
#include <stdint.h>

#include "media/webrtc/leg.h"
#include "media/worker/worker.h"

typedef struct gw_bridge gw_bridge;

typedef enum { GW_BRIDGE_ECHO } gw_bridge_mode;

/* Runs on the control context. text and word may be NULL. */
typedef void (*gw_bridge_event_fn)(void *ctl, uint64_t call_id, gw_leg_event ev, const char *word, const char *text);

typedef struct {
  uint64_t call_id;
  gw_worker *worker;
  GMainContext *control;
  gw_bridge_event_fn on_event;
  void *ctl;
  gw_bridge_mode mode;
  uint32_t ssrc;            /* ours toward the browser, as in the answer's a=ssrc */
  gw_leg_opts browser;      /* strings are copied; ice.context is set to the worker's */
  char **remote_candidates; /* from the offer SDP; copied */
  gboolean remote_gathering_done;
} gw_bridge_opts;

/* Posts the creation to the worker. Failures arrive as GW_LEG_EV_FAILED "server-error". */
gw_bridge *gw_bridge_start(const gw_bridge_opts *o);
/* A trickled browser candidate; NULL means end-of-candidates. */
void gw_bridge_add_candidate(gw_bridge *b, const char *candidate);
/* Posts the teardown; b must not be used afterwards. */
void gw_bridge_stop(gw_bridge *b);

#endif
