/* ICE (RFC 8445, full mode, trickle) for one browser leg, on libnice. One stream, one component
 * (rtcp-mux is required of browsers). Used from one worker thread only: every callback runs on the
 * GMainContext given at creation. */
#ifndef GW_ICE_H
#define GW_ICE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

typedef struct gw_ice gw_ice;

typedef enum { GW_ICE_NEW, GW_ICE_CHECKING, GW_ICE_CONNECTED, GW_ICE_FAILED } gw_ice_state;

typedef struct {
  /* A local candidate, as "candidate:..." (no "a="), ready for SDP or a trickle message. */
  void (*on_candidate)(void *user, const char *candidate);
  void (*on_gathering_done)(void *user);
  void (*on_state)(void *user, gw_ice_state state);
  /* A datagram from the browser (DTLS, SRTP or SRTCP). */
  void (*on_recv)(void *user, uint8_t *buf, size_t len);
} gw_ice_callbacks;

typedef struct {
  GMainContext *context;
  bool controlling;           /* true when the gateway made the offer */
  const char *bind_address;   /* host candidates on this address */
  const char *public_address; /* 1:1 NAT: advertised instead of bind_address, or NULL */
  int port_min, port_max;
  const char *stun_server;    /* "host:port" or NULL */
} gw_ice_opts;

int gw_ice_new(const gw_ice_opts *opts, const gw_ice_callbacks *cb, void *user, gw_ice **out, gw_why *why);
void gw_ice_free(gw_ice *ice);

/* The local ufrag and password (owned by ice). */
const char *gw_ice_ufrag(const gw_ice *ice);
const char *gw_ice_pwd(const gw_ice *ice);

/* Starts gathering; candidates arrive through on_candidate, then on_gathering_done. */
int gw_ice_gather(gw_ice *ice, gw_why *why);
/* Replaces the generated local ufrag and password (before gathering). */
int gw_ice_set_local_credentials(gw_ice *ice, const char *ufrag, const char *pwd, gw_why *why);
int gw_ice_set_remote_credentials(gw_ice *ice, const char *ufrag, const char *pwd, gw_why *why);
/* Adds one remote candidate ("candidate:..." with or without "a="). Unusable ones (mDNS names,
 * other components, TCP) are skipped with GW_EUNSUPP and a reason. */
int gw_ice_add_remote_candidate(gw_ice *ice, const char *candidate, gw_why *why);
/* The browser has sent all its candidates (end-of-candidates). */
void gw_ice_remote_gathering_done(gw_ice *ice);

/* Sends one datagram over the selected pair. */
int gw_ice_send(gw_ice *ice, const uint8_t *buf, size_t len);
gw_ice_state gw_ice_get_state(const gw_ice *ice);
/* "host", "srflx", "prflx" or "relay" of the selected local and remote candidates, or "none". */
void gw_ice_selected_types(gw_ice *ice, const char **local, const char **remote);

#endif
