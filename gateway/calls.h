/* Call control on the control thread: each call's state machine between the browser leg and its
 * target (the echo self-test now; the SIP trunk and the demo far end later).
 *
 * The registry owns every call. A call reports to its owner (a browser session) through a sink;
 * after sink->ended() the call is gone and its pointer must be forgotten. */
#ifndef GW_CALLS_H
#define GW_CALLS_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include "gateway/config.h"
#include "gateway/err.h"
#include "media/dtls/dtls.h"
#include "media/worker/worker.h"
#include "signaling/sip_ua.h"

typedef struct gw_calls gw_calls;
typedef struct gw_call gw_call;

typedef struct {
  void (*answer)(void *owner, gw_call *call, const char *sdp);
  void (*candidate)(void *owner, gw_call *call, const char *candidate); /* NULL: end of candidates */
  void (*progress)(void *owner, gw_call *call, const char *status);
  void (*answered)(void *owner, gw_call *call);
  void (*hold)(void *owner, gw_call *call, bool held); /* the far end put the call on hold, or resumed */
  void (*dtmf)(void *owner, gw_call *call, const char *digit); /* the far end sent a digit */
  /* An inbound call for user: ring every session registered as user (gw_call_add_ringing for each). */
  void (*ring)(void *app, const char *user, gw_call *call, const char *from, const char *to, const char *offer_sdp);
  /* by: "remote", "local" or "gateway"; code: a SIP status or 0; reason: a protocol word. */
  void (*ended)(void *owner, gw_call *call, const char *by, int code, const char *reason, const char *detail);
} gw_call_sink;

gw_calls *gw_calls_new(const gw_config *cfg, gw_sip_ua *sip, gw_workers *workers, gw_dtls_ctx *dtls,
                       const gw_call_sink *sink, void *app);
void gw_calls_free(gw_calls *calls); /* ends every call without telling owners */
/* While draining, inbound INVITEs get 503 (the browser side refuses calls in sessions.c). */
void gw_calls_set_draining(gw_calls *r, bool draining);
unsigned gw_calls_active(const gw_calls *calls);

/* Gateway-wide admission of a new call, browser or SIP: GW_OK; GW_ETOOBIG at [limits] max_calls;
 * GW_ESTATE while every media worker is above [limits] max_worker_cpu_percent (logged at most once
 * per 10 s with a count; `who` names the caller in that line). why says which. */
int gw_calls_admit(gw_calls *calls, const char *who, gw_why *why);

/* A browser's outbound call. On success the answer follows through sink->answer (after the
 * gateway's ICE candidates are gathered, 500 ms at most). On failure nothing is created and why
 * says what was wrong with the request. */
int gw_call_start(gw_calls *calls, void *owner, const char *client_id, const char *to, const char *offer_sdp,
                  const char *headers, gw_call **out, gw_why *why);
/* A trickled browser candidate (the protocol's candidate object's "candidate" string), or NULL
 * for end-of-candidates. */
int gw_call_add_candidate(gw_call *call, const char *candidate, gw_why *why);
/* The browser hangs up: the call ends with by = "local"; sink->ended() runs before this returns. */
void gw_call_hangup(gw_call *call, const char *reason);
/* The JSON dtmf message: digits toward the far end as RFC 4733 events. */
int gw_call_send_dtmf(gw_call *call, const char *digits, gw_why *why);

/* Inbound: a session rings for the call; the first accept wins, all rejecting ends it (486/603). */
void gw_call_add_ringing(gw_call *call, void *owner);
int gw_call_accept(gw_call *call, void *owner, const char *answer_sdp, gw_why *why);
void gw_call_reject(gw_call *call, void *owner, int code);

/* Ends every call (shutdown): owners get ended() with by "gateway" and this reason. */
void gw_calls_end_all(gw_calls *calls, const char *reason, const char *detail);

/* Operators: every call (only == NULL: an array) or the one whose id or client id is only. */
json_t *gw_calls_json(const gw_calls *calls, const char *only);
/* Prometheus text: call counts and outcomes, and every call's per-leg statistics. */
void gw_calls_prometheus(const gw_calls *calls, GString *out);

const char *gw_call_client_id(const gw_call *call);

#endif
