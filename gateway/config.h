/* Gateway configuration: an INI file (GKeyFile) plus command-line overrides.
 *
 * Every key is declared once in a table in config.c (section, key, type, range, default, help);
 * that table drives parsing, validation, the defaults and `--print-config-reference`.
 * A bad value is reported as "FILE: [section] key: reason" and the caller exits with status 2. */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "gateway/err.h"

typedef enum { GW_SRTP_MANDATORY, GW_SRTP_OPTIONAL, GW_SRTP_OFF } gw_srtp_policy;

typedef struct {
  /* [server] */
  char *bind_address;
  int ws_port;
  int drain_seconds; /* SIGTERM: how long calls may go on while draining; 0: end them at once */
  char *web_root;
  char *log_level;
  int workers;         /* 0: one per core */
  bool allow_insecure; /* listen beyond loopback with authentication off */
  /* [tls] */
  bool tls_enabled;
  char *tls_cert; /* PEM; empty: a self-signed certificate is made at start-up */
  char *tls_key;
  /* [sip] */
  char *sip_bind;
  int sip_port;
  char *sip_public_address;
  char *sip_user_agent;
  int sip_t1_ms;
  int sip_block_after_failures; /* 0: never block */
  int sip_block_window_s;
  int sip_block_seconds;
  /* [trunk] */
  char *trunk_proxy;
  char *trunk_transport;
  char *trunk_username;
  char *trunk_password;
  char *trunk_ha1;   /* MD5(username:realm:password) in hex, instead of trunk_password */
  char *trunk_realm; /* the realm trunk_ha1 is for; NULL: any */
  char *trunk_from_user;
  char *trunk_domain;
  char *trunk_display_name;
  char *trunk_caller_id;
  char **trunk_codecs;
  char *trunk_srtp;
  char *trunk_dtmf_fallback; /* inband | info | off */
  char *ringback;            /* us | uk | eu | fr | off */
  char **trunk_srtp_suites;
  bool trunk_register;
  int trunk_register_expiry;
  int trunk_options_interval;
  int trunk_session_expires;
  char **trunk_allowed_sources;
  char *trunk_country_code;
  /* [media] */
  char *media_bind;
  char *media_public_address;
  int rtp_port_min;
  int rtp_port_max;
  char *stun_server;
  int media_timeout;
  int opus_complexity;
  char *resampler;
  /* [turn] */
  char **turn_servers;
  char *turn_secret;
  int turn_ttl;
  /* [auth] */
  char *jwt_secret;
  char **allowed_origins;
  char *admin_token;
  char **dial_allow;
  char **dial_deny;
  bool allow_international;
  char **emergency_numbers;
  /* [limits] */
  int max_calls;
  int max_calls_per_user;
  int ws_per_ip;
  int msgs_per_second;
  int calls_per_minute;
  double max_worker_cpu; /* percent of one core; 0: no admission control by load */
  /* [routes]: DID -> user, as parallel NULL-terminated arrays */
  char **route_dids;
  char **route_users;
  /* where the values came from, for messages */
  char *source;
} gw_config;

gw_config *gw_config_new(void); /* every key at its default */
void gw_config_free(gw_config *c);

/* Reads an INI file over the current values. Unknown sections or keys are errors. */
int gw_config_load_file(gw_config *c, const char *path, gw_why *why);
/* The same, from a string (tests, fuzzing). */
int gw_config_load_data(gw_config *c, const char *data, size_t len, const char *name, gw_why *why);
/* Sets one key from text, with the same checks as the file (command-line overrides). */
int gw_config_set(gw_config *c, const char *section, const char *key, const char *value,
                  const char *origin, gw_why *why);
/* Checks that need several keys or the file system (certificate files, port ranges). */
int gw_config_validate(const gw_config *c, gw_why *why);

/* True when a trunk is configured; without one the demo far end answers every call. */
bool gw_config_has_trunk(const gw_config *c);
gw_srtp_policy gw_config_srtp_policy(const gw_config *c);
/* Looks up the user a DID routes to, or NULL. */
const char *gw_config_route(const gw_config *c, const char *did);

/* Writes the documented reference of every key (Markdown table). */
void gw_config_write_reference(FILE *out);

#endif
