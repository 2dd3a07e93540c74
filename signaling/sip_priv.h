/* Private to the SIP UA module: shared by sip_ua.c and sip_call.c. */
#ifndef GW_SIP_PRIV_H
#define GW_SIP_PRIV_H

#define NUA_MAGIC_T struct gw_sip_ua
#define SU_ROOT_MAGIC_T struct gw_sip_ua
#define NUA_HMAGIC_T struct gw_sip_call

#include <glib.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>

#include "signaling/sip_call.h"
#include "signaling/sip_guard.h"
#include "signaling/sock_filter.h"
#include "signaling/sip_ua.h"

/* What the gateway serves, for Allow. nua's own allow list also holds REGISTER (so that REGISTERs
 * reach the UA to be refused and counted), so every response the UA sends names this list itself. */
#define GW_SIP_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE"

struct gw_sip_ua {
  su_home_t home[1];
  su_root_t *root;
  GSource *source;
  nua_t *nua;
  char *contact;
  void (*shutdown_done)(void *data);
  void *shutdown_data;
  bool shutdown_started, shutdown_complete;
  gw_sip_incoming_fn incoming;
  void *incoming_app;
  GHashTable *calls; /* gw_sip_call set, owned */
  /* Registration with the trunk */
  nua_handle_t *reg_nh;
  char *reg_user, *reg_password, *reg_ha1, *reg_realm;
  int reg_auth_tries;
  guint reg_retry;
  gw_sip_reg_state reg_state;
  char reg_detail[96];
  /* Blocking of sources that keep failing; filter drops them in the kernel when it could be set. */
  gw_sip_guard *guard;
  gw_sock_filter *filter;
  guint guard_tick;
  GPtrArray *never_block; /* GInetAddressMask */
  /* OPTIONS keepalive toward the trunk (sip_keepalive.c) */
  nua_handle_t *ka_nh;
  guint ka_timer;
  bool ka_pending;
  gw_sip_trunk_state ka_state;
  char ka_detail[96];
};

/* Handles the call-related nua events; returns false when the event is not about a call. */
bool gw_sip_call_event(gw_sip_ua *ua, nua_event_t event, int status, const char *phrase, nua_handle_t *nh,
                       gw_sip_call *call, const sip_t *sip, tagi_t tags[]);
void gw_sip_call_free_all(gw_sip_ua *ua);

/* sip_keepalive.c: the answer to our OPTIONS (nh is ua->ka_nh); the teardown. */
void gw_sip_keepalive_response(gw_sip_ua *ua, int status, const char *phrase);
void gw_sip_keepalive_stop(gw_sip_ua *ua);

#endif
