/* Browser sessions: one per WebSocket, the owner of that browser's calls.
 *
 * Bridges the transport (ws_server) and the JSON protocol (proto) to call control. */
#ifndef GW_SESSIONS_H
#define GW_SESSIONS_H

#include <stdbool.h>

#include "gateway/config.h"
#include "media/dtls/dtls.h"
#include "media/worker/worker.h"
#include "signaling/proto.h"
#include "signaling/sip_ua.h"
#include "signaling/ws_server.h"

typedef struct gw_sessions gw_sessions;

gw_sessions *gw_sessions_new(const gw_config *cfg, gw_sip_ua *sip, gw_workers *workers, gw_dtls_ctx *dtls);
void gw_sessions_free(gw_sessions *ss);

/* The callbacks to give gw_ws_server_new, with ss as app. */
const gw_ws_callbacks *gw_sessions_ws_callbacks(void);
/* GET /healthz; ss as data. */
void gw_sessions_healthz(void *ss, const char *path, const char *authorization, gw_http_response *resp);

/* GET /api/calls, /api/calls/{id} (JSON) and /metrics (Prometheus); ss as data. */
void gw_sessions_api_calls(void *ss, const char *path, const char *authorization, gw_http_response *resp);
void gw_sessions_metrics(void *ss, const char *path, const char *authorization, gw_http_response *resp);

unsigned gw_sessions_count(const gw_sessions *ss);
/* While draining, /healthz says 503 and new calls are refused. */
void gw_sessions_set_draining(gw_sessions *ss, bool draining);
/* Calls in progress (setting up, ringing or answered). */
unsigned gw_sessions_calls(const gw_sessions *ss);
/* Shutdown: every call ends now; browsers get hangup reason unavailable, trunks a BYE or CANCEL. */
void gw_sessions_end_calls(gw_sessions *ss);

#endif
