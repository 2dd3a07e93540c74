/* The SIP user agent (Sofia-SIP nua) on the control thread's GLib main context.
 *
 * Sofia's own media/SDP engine is off: SDP is written by the gateway's SDP module. */
#ifndef GW_SIP_UA_H
#define GW_SIP_UA_H

#include <glib.h>

#include "gateway/err.h"

typedef struct gw_sip_ua gw_sip_ua;

typedef struct {
  const char *bind_address;
  int port;
  const char *public_address; /* NULL: bind_address */
  const char *user_agent;
  unsigned session_timer; /* RFC 4028 Session-Expires in s; 0: off */
  unsigned t1_ms;         /* SIP timer T1 */
  /* Sources with block_after_failures failures within block_window_s are blocked for
   * block_seconds (sip_guard.h); 0 failures: never. */
  unsigned block_after_failures, block_window_s, block_seconds;
  GMainContext *context;
  /* Addresses or CIDR ranges never counted nor blocked (the trunk: a forged source address must
   * not get it blocked); NULL-terminated, may be NULL. Entries that do not parse are logged. */
  char *const *never_block;
} gw_sip_ua_opts;

/* Binds UDP and TCP on bind_address:port. */
int gw_sip_ua_new(const gw_sip_ua_opts *opts, gw_sip_ua **out, gw_why *why);
/* Ends every dialog and transaction, then calls done (from the main loop). */
void gw_sip_ua_shutdown(gw_sip_ua *ua, void (*done)(void *data), void *data);
/* Frees the UA; after gw_sip_ua_shutdown's done, or at once if it never ran. */
void gw_sip_ua_free(gw_sip_ua *ua);
typedef enum { GW_SIP_REG_OFF, GW_SIP_REG_TRYING, GW_SIP_REG_REGISTERED, GW_SIP_REG_FAILED } gw_sip_reg_state;

typedef struct {
  const char *registrar; /* the trunk's sip:/sips: URI */
  const char *aor;       /* sip:user@domain */
  const char *user, *password;
  const char *ha1, *realm; /* an HA1 instead of the password (sip_digest.h), or NULL */
  unsigned expires;      /* s */
} gw_sip_reg_opts;

/* Registers with the trunk and keeps it registered: Sofia refreshes before expiry; a failure is
 * retried every 30 s. */
int gw_sip_ua_register(gw_sip_ua *ua, const gw_sip_reg_opts *o, gw_why *why);
gw_sip_reg_state gw_sip_ua_reg_state(const gw_sip_ua *ua, const char **detail);
const char *gw_sip_reg_state_name(gw_sip_reg_state s);

/* OPTIONS keepalive: an OPTIONS to the trunk every interval_s (one at a time). Any answer but a
 * local timeout or 503 means the trunk is up; a change of state is logged. */
typedef enum { GW_SIP_TRUNK_OFF, GW_SIP_TRUNK_UNKNOWN, GW_SIP_TRUNK_UP, GW_SIP_TRUNK_DOWN } gw_sip_trunk_state;
int gw_sip_ua_keepalive(gw_sip_ua *ua, const char *target, unsigned interval_s, gw_why *why);
gw_sip_trunk_state gw_sip_ua_trunk_state(const gw_sip_ua *ua, const char **detail);
const char *gw_sip_trunk_state_name(gw_sip_trunk_state s);

/* A request from source (an IP address) was refused in a way that counts toward blocking it:
 * an INVITE from outside [trunk] allowed_sources, for instance. what goes in the log. */
void gw_sip_ua_failure(gw_sip_ua *ua, const char *source, const char *what);

/* "sip:ADDR:PORT" as bound, for the banner. */
const char *gw_sip_ua_contact(const gw_sip_ua *ua);

#endif
