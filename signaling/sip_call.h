/* SIP dialogs for calls (INVITE client and server) on the gateway's Sofia-SIP UA.
 *
 * A gw_sip_call belongs to the UA module. Its owner (call control) gets events until either the
 * dialog ends (ended(), exactly once) or the owner lets go with gw_sip_call_hangup() (no further
 * events). SDP bodies are passed through as text; Sofia's own SDP engine is off. */
#ifndef GW_SIP_CALL_H
#define GW_SIP_CALL_H

#include <stdbool.h>

#include "gateway/err.h"
#include "signaling/sip_ua.h"

typedef struct gw_sip_call gw_sip_call;

typedef struct {
  /* 1xx on an outbound call; sdp is the body of a 180/183, or NULL. */
  void (*progress)(void *owner, int status, const char *phrase, const char *sdp);
  /* 2xx on an outbound call (ACK already sent); sdp is the answer, or NULL. */
  void (*answered)(void *owner, const char *sdp);
  /* The dialog is over: a final error to our INVITE (status >= 300, or 408 on timer B), the
   * caller's CANCEL (487), or a BYE from the far end (status 0). by_remote tells who ended it. */
  void (*ended)(void *owner, int status, const char *phrase, bool by_remote);
  /* A re-INVITE or UPDATE with an offer: returns the answer (g_malloc'd) or NULL to refuse (488). */
  char *(*reoffer)(void *owner, const char *sdp);
  /* An INFO with a body (DTMF relay), content type and text. May be NULL. */
  void (*info)(void *owner, const char *content_type, const char *body);
} gw_sip_call_events;

typedef struct {
  const char *request_uri;  /* sip:+15558675309@trunk.example */
  const char *from;         /* "Display" <sip:user@domain> */
  const char *to;           /* <sip:+15558675309@trunk.example> */
  const char *sdp;
  const char *headers;      /* extra header lines, "X-A: 1\r\nX-B: 2", or NULL */
  const char *auth_user, *auth_password; /* digest credentials, or NULL */
  const char *auth_ha1, *auth_realm;     /* an HA1 instead of the password (sip_digest.h), or NULL */
  int max_redirects;
} gw_sip_invite;

int gw_sip_call_invite(gw_sip_ua *ua, const gw_sip_invite *inv, const gw_sip_call_events *ev, void *owner,
                       gw_sip_call **out, gw_why *why);

/* Ends the call from our side: CANCEL before a final answer to our INVITE, BYE after, or a
 * final response to an inbound INVITE not yet answered (status, e.g. 486 or 480). The owner
 * gets no further events. cause/text go into a Reason header. */
void gw_sip_call_hangup(gw_sip_call *c, int status, const char *text);

/* Sends an INFO in the call's dialog (after the answer), e.g. application/dtmf-relay. */
int gw_sip_call_info(gw_sip_call *c, const char *content_type, const char *body, gw_why *why);

/* Inbound calls. */
typedef struct {
  gw_sip_call *call;
  const char *from_user, *from_display;
  const char *did;    /* request-URI user part */
  const char *sdp;    /* the offer, or NULL */
  const char *source; /* IP address the INVITE came from */
} gw_sip_incoming;

/* Called for a new INVITE; the handler must either take the call (gw_sip_call_set_owner and
 * later accept/hangup) or refuse it with gw_sip_call_hangup(call, status, ...). */
typedef void (*gw_sip_incoming_fn)(void *app, const gw_sip_incoming *in);
void gw_sip_ua_set_incoming(gw_sip_ua *ua, gw_sip_incoming_fn fn, void *app);

void gw_sip_call_set_owner(gw_sip_call *c, const gw_sip_call_events *ev, void *owner);
void gw_sip_call_ringing(gw_sip_call *c);
void gw_sip_call_accept(gw_sip_call *c, const char *sdp);

#endif
