/* A call's media on its worker: the legs and what connects them (for now the echo target).
 *
 * The control thread holds a gw_bridge only to post to it; the object itself is touched by the
 * worker alone. Events come back to the control thread's context as (call_id, event) so that a
 * late event for a call that has gone is simply dropped. */
#ifndef GW_BRIDGE_H
#define GW_BRIDGE_H

#include <glib.h>
#include <stdint.h>

#include "media/dtmf/ringback.h"
#include "media/srtp/srtp.h"
#include "media/stats/stats.h"
#include "media/webrtc/leg.h"
#include "media/worker/worker.h"

typedef struct gw_bridge gw_bridge;

typedef enum { GW_BRIDGE_ECHO, GW_BRIDGE_SIP } gw_bridge_mode;

typedef enum {
  GW_BR_CANDIDATE,      /* text: a local ICE candidate "candidate:..." */
  GW_BR_GATHERING_DONE,
  GW_BR_ICE_CONNECTED,  /* text: selected pair "host/host" */
  GW_BR_DTLS_CONNECTED, /* text: SRTP suite */
  GW_BR_FAILED,         /* word: hangup reason ("ice-failed", "dtls-failed", "server-error"); text: detail */
  GW_BR_TRUNK_READY,    /* text: the trunk leg's local RTP port */
  GW_BR_DTMF,           /* text: a digit the far end sent */
  GW_BR_DTMF_OUT,       /* word: a digit the browser sent by RFC 4733, text: its duration in ms; for the
                           control side to send as SIP INFO (GW_DTMF_FALLBACK_INFO, trunk without
                           telephone-event) */
} gw_bridge_event;

/* What to do with DTMF toward a trunk that offered no telephone-event. */
typedef enum {
  GW_DTMF_FALLBACK_OFF,    /* drop the digits (logged) */
  GW_DTMF_FALLBACK_INBAND, /* Q.23 tones in the audio toward the trunk */
  GW_DTMF_FALLBACK_INFO,   /* SIP INFO application/dtmf-relay (sent by the control side) */
} gw_dtmf_fallback;

/* Runs on the control context. text and word may be NULL. */
typedef void (*gw_bridge_event_fn)(void *ctl, uint64_t call_id, gw_bridge_event ev, const char *word, const char *text);

/* About once a second, on the control context: a copy of the call's statistics. */
typedef void (*gw_bridge_stats_fn)(void *ctl, uint64_t call_id, const gw_call_stats *stats);

/* The trunk side's media as agreed in SDP. */
typedef struct {
  char address[64];
  uint16_t port, rtcp_port;
  uint8_t pt;          /* PCMU 0 or PCMA 8 */
  int dtmf_pt;         /* -1: none */
  bool srtp;
  gw_srtp_suite suite;
  gw_srtp_master local, remote;
  bool send, recv;     /* direction as seen from the gateway */
} gw_bridge_trunk;

typedef struct {
  const char *bind_address;
  int port_min, port_max;
} gw_bridge_trunk_opts;

typedef struct {
  uint64_t call_id;
  gw_worker *worker;
  GMainContext *control;
  gw_bridge_event_fn on_event;
  gw_bridge_stats_fn on_stats;
  const char *client_id;    /* names the call in statistics */
  void *ctl;
  gw_bridge_mode mode;
  uint32_t ssrc;            /* ours toward the browser, as in the answer's a=ssrc */
  gw_leg_opts browser;      /* strings are copied; ice.context is set to the worker's */
  uint8_t browser_pt;       /* the browser's codec payload type */
  const char *browser_codec; /* its name, for statistics */
  int browser_opus_pt;       /* Opus from the browser is transcoded whatever was agreed; -1: none */
  uint32_t browser_clock;
  int browser_dtmf_pt;      /* -1: none */
  gw_bridge_trunk_opts trunk; /* SIP mode */
  int opus_complexity;
  int media_timeout_s;      /* no RTP for this long from a side that should send ends the call; 0: never */
  const gw_ringback_pattern *ringback; /* played on gw_bridge_ringback; NULL: never */
  gw_dtmf_fallback dtmf_fallback;
  char **remote_candidates; /* from the offer SDP; copied */
  gboolean remote_gathering_done;
} gw_bridge_opts;

/* Posts the creation to the worker. Failures arrive as GW_LEG_EV_FAILED "server-error". */
gw_bridge *gw_bridge_start(const gw_bridge_opts *o);
/* A trickled browser candidate; NULL means end-of-candidates. */
void gw_bridge_add_candidate(gw_bridge *b, const char *candidate);
/* SIP mode: where and how to send to the trunk (on answer, early media, re-INVITE). */
void gw_bridge_set_trunk(gw_bridge *b, const gw_bridge_trunk *t);
/* Sends digits to the trunk as RFC 4733 events ("0"-"9", "*", "#", "A"-"D", "," for a pause). */
void gw_bridge_send_dtmf(gw_bridge *b, const char *digits);
/* SIP mode: on plays the ringback tone to the browser (180 without early media) until off, or
 * until the trunk's media is set up and its RTP arrives. */
void gw_bridge_ringback(gw_bridge *b, bool on);
/* Posts the teardown; b must not be used afterwards. */
void gw_bridge_stop(gw_bridge *b);

#endif
