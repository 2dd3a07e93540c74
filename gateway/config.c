#include "gateway/config.h"

#include <errno.h>
#include <math.h>
#include <glib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { T_STR, T_INT, T_REAL, T_BOOL, T_ENUM, T_LIST } key_type;

typedef struct {
  const char *section;
  const char *key;
  key_type type;
  size_t offset;
  long min, max;      /* T_INT, T_REAL */
  const char *values; /* T_ENUM: "a|b|c"; T_LIST: allowed items or NULL */
  const char *def;    /* default as text; NULL: empty */
  const char *help;
} key_spec;

#define F(field) offsetof(gw_config, field)

/* The one list of keys: parsing, defaults, validation and the reference all come from it. */
static const key_spec keys[] = {
  {"server", "bind_address", T_STR, F(bind_address), 0, 0, NULL, "127.0.0.1",
   "Address for the WebSocket/HTTP listener. Beyond loopback only with authentication on or allow_insecure."},
  {"server", "ws_port", T_INT, F(ws_port), 1, 65535, NULL, "8443", "Port of /ws, the page, /healthz and the API."},
  {"server", "web_root", T_STR, F(web_root), 0, 0, NULL, NULL,
   "Folder of static files served at /. Empty: the web/ folder of the source tree."},
  {"server", "log_level", T_ENUM, F(log_level), 0, 0, "error|warn|info|debug", "info", "Log threshold."},
  {"server", "drain_seconds", T_INT, F(drain_seconds), 0, 86400, NULL, "0",
   "On SIGTERM with calls up: refuse new calls (/healthz 503) and wait this long for the calls to end before "
   "ending them; 0: end them at once. A second signal ends them at once."},
  {"server", "workers", T_INT, F(workers), 0, 256, NULL, "0", "Media worker threads; 0 means one per core."},
  {"server", "allow_insecure", T_BOOL, F(allow_insecure), 0, 0, NULL, "false",
   "Allow a non-loopback bind_address while authentication is off (never with a paid trunk)."},
  {"tls", "enabled", T_BOOL, F(tls_enabled), 0, 0, NULL, "true", "Serve wss:// and https://; off gives ws:// (tests)."},
  {"tls", "cert", T_STR, F(tls_cert), 0, 0, NULL, NULL,
   "PEM certificate chain. Empty: a self-signed certificate for localhost is made at start-up."},
  {"tls", "key", T_STR, F(tls_key), 0, 0, NULL, NULL, "PEM private key for cert."},
  {"sip", "bind_address", T_STR, F(sip_bind), 0, 0, NULL, "127.0.0.1", "Address the SIP UA listens on (UDP and TCP)."},
  {"sip", "port", T_INT, F(sip_port), 1, 65535, NULL, "5060", "SIP port (UDP and TCP)."},
  {"sip", "public_address", T_STR, F(sip_public_address), 0, 0, NULL, NULL,
   "Address put in Via/Contact for 1:1 NAT. Empty: bind_address."},
  {"sip", "user_agent", T_STR, F(sip_user_agent), 0, 0, NULL, "webrtc-sip-gateway", "User-Agent and Server header."},
  {"sip", "t1_ms", T_INT, F(sip_t1_ms), 50, 5000, NULL, "500",
   "SIP timer T1 (ms); an unanswered INVITE times out after 64*T1 (timer B)."},
  {"sip", "block_after_failures", T_INT, F(sip_block_after_failures), 0, 100000, NULL, "10",
   "Block a source after this many failures (INVITE refused by allowed_sources, REGISTER) within block_window_s; "
   "its requests are then dropped unanswered. 0: never block."},
  {"sip", "block_window_s", T_INT, F(sip_block_window_s), 1, 86400, NULL, "60", "Window (s) in which failures count."},
  {"sip", "block_seconds", T_INT, F(sip_block_seconds), 1, 604800, NULL, "600", "How long (s) a source stays blocked."},
  {"trunk", "proxy", T_STR, F(trunk_proxy), 0, 0, NULL, NULL,
   "sip: or sips: URI of the trunk. Empty: no trunk; the built-in demo far end answers every call."},
  {"trunk", "transport", T_ENUM, F(trunk_transport), 0, 0, "udp|tcp|tls", "udp", "Transport toward the trunk."},
  {"trunk", "username", T_STR, F(trunk_username), 0, 0, NULL, NULL, "Digest user name."},
  {"trunk", "password", T_STR, F(trunk_password), 0, 0, NULL, NULL, "Digest password (prefer ha1)."},
  {"trunk", "ha1", T_STR, F(trunk_ha1), 0, 0, NULL, NULL,
   "Digest HA1 = MD5(username:realm:password), 32 hex digits, instead of password: the file then holds no "
   "reusable password. Needs username; not with password."},
  {"trunk", "realm", T_STR, F(trunk_realm), 0, 0, NULL, NULL,
   "Realm the ha1 was computed for: challenges for another realm are not answered (logged). Empty: any realm."},
  {"trunk", "from_user", T_STR, F(trunk_from_user), 0, 0, NULL, NULL, "User part of From. Empty: username."},
  {"trunk", "domain", T_STR, F(trunk_domain), 0, 0, NULL, NULL, "Domain of From and To. Empty: the proxy's host."},
  {"trunk", "display_name", T_STR, F(trunk_display_name), 0, 0, NULL, NULL, "Display name in From."},
  {"trunk", "caller_id", T_STR, F(trunk_caller_id), 0, 0, NULL, NULL, "Outbound caller id when the browser gives none."},
  {"trunk", "codecs", T_LIST, F(trunk_codecs), 0, 0, "PCMU|PCMA|opus", "PCMU;PCMA", "Codecs offered, in order."},
  {"trunk", "dtmf_fallback", T_ENUM, F(trunk_dtmf_fallback), 0, 0, "inband|info|off", "inband",
   "DTMF toward a trunk that offers no telephone-event: Q.23 tones in the audio, or SIP INFO "
   "(application/dtmf-relay), or dropped."},
  {"trunk", "srtp", T_ENUM, F(trunk_srtp), 0, 0, "mandatory|optional|off", "mandatory",
   "mandatory: RTP/SAVP; optional: RTP/AVP with a=crypto; off: plain RTP."},
  {"trunk", "srtp_suites", T_LIST, F(trunk_srtp_suites), 0, 0,
   "AEAD_AES_128_GCM|AES_CM_128_HMAC_SHA1_80|AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80;AEAD_AES_128_GCM",
   "SDES suites offered, in order."},
  {"trunk", "register", T_BOOL, F(trunk_register), 0, 0, NULL, "false", "REGISTER with the trunk."},
  {"trunk", "register_expiry", T_INT, F(trunk_register_expiry), 60, 86400, NULL, "600", "Registration expiry (s)."},
  {"trunk", "options_interval", T_INT, F(trunk_options_interval), 0, 3600, NULL, "30", "OPTIONS keepalive (s); 0: off."},
  {"trunk", "session_expires", T_INT, F(trunk_session_expires), 0, 86400, NULL, "1800",
   "RFC 4028 session timer (s) offered and accepted; refreshed by either side; 0: off."},
  {"trunk", "allowed_sources", T_LIST, F(trunk_allowed_sources), 0, 0, NULL, NULL,
   "Addresses or CIDR networks allowed to send INVITEs. Empty: the proxy's addresses."},
  {"trunk", "country_code", T_STR, F(trunk_country_code), 0, 0, NULL, "1",
   "The gateway's country calling code: national numbers dialed without + become E.164 with it, and +numbers outside it "
   "are international for the toll-fraud policy."},
  {"media", "bind_address", T_STR, F(media_bind), 0, 0, NULL, "127.0.0.1", "Address for ICE host candidates and RTP."},
  {"media", "public_address", T_STR, F(media_public_address), 0, 0, NULL, NULL,
   "Address advertised in SDP for 1:1 NAT. Empty: bind_address."},
  {"media", "rtp_port_min", T_INT, F(rtp_port_min), 1024, 65535, NULL, "20000", "Lowest RTP/ICE port."},
  {"media", "rtp_port_max", T_INT, F(rtp_port_max), 1024, 65535, NULL, "29999", "Highest RTP/ICE port."},
  {"media", "stun_server", T_STR, F(stun_server), 0, 0, NULL, NULL, "host:port of a STUN server for srflx candidates."},
  {"media", "ringback", T_ENUM, F(ringback), 0, 0, "us|uk|eu|fr|off", "us",
   "Tone the browser hears while the trunk rings without early media (180 with no SDP): the country's cadence."},
  {"media", "timeout", T_INT, F(media_timeout), 0, 3600, NULL, "30", "End a call after this many s without RTP; 0: never."},
  {"media", "opus_complexity", T_INT, F(opus_complexity), 0, 10, NULL, "5", "Opus encoder complexity."},
  {"media", "resampler", T_ENUM, F(resampler), 0, 0, "opus|sinc_fastest|sinc_medium|sinc_best", "opus",
   "Rate conversion: libopus's own 8 kHz API, or a libsamplerate converter."},
  {"turn", "servers", T_LIST, F(turn_servers), 0, 0, NULL, NULL, "turn:/turns: URIs handed to browsers."},
  {"turn", "secret", T_STR, F(turn_secret), 0, 0, NULL, NULL, "Shared secret of the TURN REST API (coturn static-auth-secret)."},
  {"turn", "ttl", T_INT, F(turn_ttl), 60, 604800, NULL, "86400", "Lifetime of TURN credentials (s)."},
  {"auth", "jwt_secret", T_STR, F(jwt_secret), 0, 0, NULL, NULL, "HS256 secret. Empty: authentication off (loopback only)."},
  {"auth", "allowed_origins", T_LIST, F(allowed_origins), 0, 0, NULL, NULL, "Origins allowed to open /ws. Empty: any."},
  {"auth", "admin_token", T_STR, F(admin_token), 0, 0, NULL, NULL, "Bearer token for /api and /metrics. Empty: open."},
  {"auth", "dial_allow", T_LIST, F(dial_allow), 0, 0, NULL, "*",
   "Destination patterns anyone may call (\"+1555*\" a prefix, \"*\" anything); a token's dial claim narrows it."},
  {"auth", "dial_deny", T_LIST, F(dial_deny), 0, 0, NULL, "+1900*;+1976*;1900*;1976*",
   "Destination patterns refused unless a token's dial claim names them (premium rate by default)."},
  {"auth", "allow_international", T_BOOL, F(allow_international), 0, 0, NULL, "false",
   "Allow +numbers outside [trunk] country_code for everyone (tokens may still allow them one by one)."},
  {"auth", "emergency_numbers", T_LIST, F(emergency_numbers), 0, 0, NULL, "911;112;999",
   "Numbers refused with a message to call from a phone: a web gateway cannot give the caller's location."},
  {"limits", "max_calls", T_INT, F(max_calls), 1, 100000, NULL, "500", "Concurrent calls in total."},
  {"limits", "max_calls_per_user", T_INT, F(max_calls_per_user), 1, 1000, NULL, "4", "Concurrent calls per user."},
  {"limits", "ws_per_ip", T_INT, F(ws_per_ip), 1, 100000, NULL, "20", "WebSocket connections per client address."},
  {"limits", "messages_per_second", T_INT, F(msgs_per_second), 1, 10000, NULL, "50", "Messages per second per session."},
  {"limits", "calls_per_minute", T_INT, F(calls_per_minute), 1, 10000, NULL, "20", "Call attempts per minute per user."},
  {"limits", "max_worker_cpu_percent", T_REAL, F(max_worker_cpu), 0, 100, NULL, "0",
   "Refuse new calls (`unavailable`) while every media worker used more than this much of a core over the last "
   "second; decimals allowed; 0: off."},
};

#undef F

static const key_spec *find_key(const char *section, const char *key) {
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
    if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0) return &keys[i];
  return NULL;
}

static bool section_known(const char *section) {
  if (strcmp(section, "routes") == 0) return true;
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
    if (strcmp(keys[i].section, section) == 0) return true;
  return false;
}

static bool in_choices(const char *choices, const char *v) {
  gchar **alts = g_strsplit(choices, "|", -1);
  bool ok = false;
  for (gchar **a = alts; *a && !ok; a++) ok = strcmp(*a, v) == 0;
  g_strfreev(alts);
  return ok;
}

static void *field(gw_config *c, const key_spec *k) { return (char *)c + k->offset; }

static int parse_bool(const char *v, bool *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
  for (int i = 0; i < 4; i++) {
    if (g_ascii_strcasecmp(v, yes[i]) == 0) { *out = true; return GW_OK; }
    if (g_ascii_strcasecmp(v, no[i]) == 0) { *out = false; return GW_OK; }
  }
  return GW_EINVAL;
}

/* Applies one textual value to the field a key names. `where` prefixes any message. */
static int apply(gw_config *c, const key_spec *k, const char *value, const char *where, gw_why *why) {
  gchar *v = g_strstrip(g_strdup(value));
  int rc = GW_OK;
  switch (k->type) {
  case T_STR: {
    char **p = field(c, k);
    g_free(*p);
    *p = *v ? g_strdup(v) : NULL;
    break;
  }
  case T_INT: {
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno)
      rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: '%s' is not a whole number", where, k->section, k->key, v);
    else if (n < k->min || n > k->max)
      rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: %ld is out of range %ld..%ld", where, k->section, k->key, n,
                   k->min, k->max);
    else
      *(int *)field(c, k) = (int)n;
    break;
  }
  case T_REAL: {
    char *end = NULL;
    double d = g_ascii_strtod(v, &end);
    if (!*v || *end || !isfinite(d))
      rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: '%s' is not a number", where, k->section, k->key, v);
    else if (d < (double)k->min || d > (double)k->max)
      rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: %s is out of range %ld..%ld", where, k->section, k->key, v, k->min,
                   k->max);
    else
      *(double *)field(c, k) = d;
    break;
  }
  case T_BOOL:
    if (parse_bool(v, (bool *)field(c, k)) != GW_OK)
      rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: '%s' is not a boolean (true/false)", where, k->section, k->key, v);
    break;
  case T_ENUM:
    if (!in_choices(k->values, v)) {
      rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: '%s' is not one of %s", where, k->section, k->key, v, k->values);
    } else {
      char **p = field(c, k);
      g_free(*p);
      *p = g_strdup(v);
    }
    break;
  case T_LIST: {
    gchar **items = g_strsplit_set(v, ";,", -1);
    GPtrArray *kept = g_ptr_array_new();
    for (gchar **it = items; *it; it++) {
      g_strstrip(*it);
      if (!**it) continue;
      if (k->values && !in_choices(k->values, *it)) {
        rc = gw_fail(why, GW_EINVAL, "%s: [%s] %s: '%s' is not one of %s", where, k->section, k->key, *it, k->values);
        break;
      }
      g_ptr_array_add(kept, g_strdup(*it));
    }
    g_ptr_array_add(kept, NULL);
    gchar **list = (gchar **)g_ptr_array_free(kept, FALSE);
    g_strfreev(items);
    if (rc == GW_OK) {
      char ***p = field(c, k);
      g_strfreev(*p);
      *p = list;
    } else {
      g_strfreev(list);
    }
    break;
  }
  }
  g_free(v);
  return rc;
}

gw_config *gw_config_new(void) {
  gw_config *c = g_new0(gw_config, 1);
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    int rc = apply(c, &keys[i], keys[i].def ? keys[i].def : "", "defaults", NULL);
    g_assert(rc == GW_OK); /* the table's own defaults must be valid */
  }
  c->web_root = g_strdup(GW_DEFAULT_WEB_ROOT);
  c->route_dids = g_new0(char *, 1);
  c->route_users = g_new0(char *, 1);
  c->source = g_strdup("defaults");
  return c;
}

void gw_config_free(gw_config *c) {
  if (!c) return;
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (keys[i].type == T_STR || keys[i].type == T_ENUM) g_free(*(char **)field(c, &keys[i]));
    else if (keys[i].type == T_LIST) g_strfreev(*(char ***)field(c, &keys[i]));
  }
  g_strfreev(c->route_dids);
  g_strfreev(c->route_users);
  g_free(c->source);
  g_free(c);
}

int gw_config_set(gw_config *c, const char *section, const char *key, const char *value, const char *origin,
                  gw_why *why) {
  const key_spec *k = find_key(section, key);
  if (!k) return gw_fail(why, GW_EINVAL, "%s: [%s] %s: unknown key", origin, section, key);
  int rc = apply(c, k, value, origin, why);
  if (!c->web_root) c->web_root = g_strdup(GW_DEFAULT_WEB_ROOT);
  return rc;
}

static bool valid_did(const char *s) {
  if (*s == '+') s++;
  if (!*s || strlen(s) > 32) return false;
  for (; *s; s++)
    if (!g_ascii_isdigit(*s)) return false;
  return true;
}

static int load_routes(gw_config *c, GKeyFile *kf, const char *name, gw_why *why) {
  gchar **dids = g_key_file_get_keys(kf, "routes", NULL, NULL);
  GPtrArray *d = g_ptr_array_new(), *u = g_ptr_array_new();
  int rc = GW_OK;
  for (gchar **it = dids; it && *it && rc == GW_OK; it++) {
    gchar *user = g_key_file_get_string(kf, "routes", *it, NULL);
    if (user) g_strstrip(user);
    if (!valid_did(*it))
      rc = gw_fail(why, GW_EINVAL, "%s: [routes] %s: a DID is digits with an optional leading +", name, *it);
    else if (!user || !*user || strpbrk(user, " \t@:;<>\"") )
      rc = gw_fail(why, GW_EINVAL, "%s: [routes] %s: '%s' is not a user name", name, *it, user ? user : "");
    if (rc == GW_OK) {
      g_ptr_array_add(d, g_strdup(*it));
      g_ptr_array_add(u, g_strdup(user));
    }
    g_free(user);
  }
  g_strfreev(dids);
  g_ptr_array_add(d, NULL);
  g_ptr_array_add(u, NULL);
  gchar **dv = (gchar **)g_ptr_array_free(d, FALSE), **uv = (gchar **)g_ptr_array_free(u, FALSE);
  if (rc == GW_OK) {
    g_strfreev(c->route_dids);
    g_strfreev(c->route_users);
    c->route_dids = dv;
    c->route_users = uv;
  } else {
    g_strfreev(dv);
    g_strfreev(uv);
  }
  return rc;
}

int gw_config_load_data(gw_config *c, const char *data, size_t len, const char *name, gw_why *why) {
  GKeyFile *kf = g_key_file_new();
  GError *gerr = NULL;
  int rc = GW_OK;
  if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &gerr)) {
    rc = gw_fail(why, GW_EINVAL, "%s: %s", name, gerr->message);
    g_error_free(gerr);
    goto out;
  }
  gchar **groups = g_key_file_get_groups(kf, NULL);
  for (gchar **g = groups; *g && rc == GW_OK; g++) {
    if (!section_known(*g)) {
      rc = gw_fail(why, GW_EINVAL, "%s: [%s]: unknown section", name, *g);
      break;
    }
    if (strcmp(*g, "routes") == 0) {
      rc = load_routes(c, kf, name, why);
      continue;
    }
    gchar **ks = g_key_file_get_keys(kf, *g, NULL, NULL);
    for (gchar **k = ks; k && *k && rc == GW_OK; k++) {
      gchar *v = g_key_file_get_value(kf, *g, *k, NULL);
      rc = gw_config_set(c, *g, *k, v ? v : "", name, why);
      g_free(v);
    }
    g_strfreev(ks);
  }
  g_strfreev(groups);
  if (rc == GW_OK) {
    g_free(c->source);
    c->source = g_strdup(name);
  }
out:
  g_key_file_free(kf);
  return rc;
}

int gw_config_load_file(gw_config *c, const char *path, gw_why *why) {
  gchar *data = NULL;
  gsize len = 0;
  GError *gerr = NULL;
  if (!g_file_get_contents(path, &data, &len, &gerr)) {
    int rc = gw_fail(why, GW_EIO, "%s: cannot read: %s", path, gerr->message);
    g_error_free(gerr);
    return rc;
  }
  int rc = gw_config_load_data(c, data, len, path, why);
  g_free(data);
  return rc;
}

static int check_pem(const char *src, const char *key, const char *path, const char *marker, gw_why *why) {
  gchar *data = NULL;
  if (!g_file_get_contents(path, &data, NULL, NULL))
    return gw_fail(why, GW_EINVAL, "%s: [tls] %s: cannot read '%s': %s", src, key, path, g_strerror(errno));
  bool ok = strstr(data, marker) != NULL;
  g_free(data);
  if (!ok) return gw_fail(why, GW_EINVAL, "%s: [tls] %s: '%s' holds no PEM %s", src, key, path, marker);
  return GW_OK;
}

static bool is_loopback(const char *addr) {
  return g_str_has_prefix(addr, "127.") || strcmp(addr, "::1") == 0 || strcmp(addr, "localhost") == 0;
}

int gw_config_validate(const gw_config *c, gw_why *why) {
  const char *src = c->source;
  if (!g_file_test(c->web_root, G_FILE_TEST_IS_DIR))
    return gw_fail(why, GW_EINVAL, "%s: [server] web_root: '%s' is not a folder", src, c->web_root);
  if (c->rtp_port_min > c->rtp_port_max)
    return gw_fail(why, GW_EINVAL, "%s: [media] rtp_port_min: %d is above rtp_port_max %d", src, c->rtp_port_min,
                   c->rtp_port_max);
  if (c->tls_enabled && (c->tls_cert != NULL) != (c->tls_key != NULL))
    return gw_fail(why, GW_EINVAL, "%s: [tls] %s: cert and key go together", src, c->tls_cert ? "key" : "cert");
  if (c->tls_enabled && c->tls_cert) {
    int rc = check_pem(src, "cert", c->tls_cert, "-----BEGIN CERTIFICATE-----", why);
    if (rc == GW_OK) rc = check_pem(src, "key", c->tls_key, "PRIVATE KEY-----", why);
    if (rc != GW_OK) return rc;
  }
  if (c->trunk_ha1 && (strlen(c->trunk_ha1) != 32 || strspn(c->trunk_ha1, "0123456789abcdefABCDEF") != 32))
    return gw_fail(why, GW_EINVAL, "%s: [trunk] ha1: must be 32 hex digits", src);
  if (c->trunk_ha1 && c->trunk_password)
    return gw_fail(why, GW_EINVAL, "%s: [trunk] ha1: set either ha1 or password, not both", src);
  if (c->trunk_ha1 && !c->trunk_username)
    return gw_fail(why, GW_EINVAL, "%s: [trunk] ha1: needs [trunk] username (the HA1 is computed over it)", src);
  if (c->trunk_proxy && !g_str_has_prefix(c->trunk_proxy, "sip:") && !g_str_has_prefix(c->trunk_proxy, "sips:"))
    return gw_fail(why, GW_EINVAL, "%s: [trunk] proxy: '%s' is not a sip: or sips: URI", src, c->trunk_proxy);
  if (!c->trunk_country_code || strlen(c->trunk_country_code) > 3 || c->trunk_country_code[0] == '0' ||
      strspn(c->trunk_country_code, "0123456789") != strlen(c->trunk_country_code))
    return gw_fail(why, GW_EINVAL,
                   "%s: [trunk] country_code: '%s' is not a country calling code (1 to 3 digits, e.g. 1 or 44); the "
                   "toll-fraud policy needs it to tell national from international numbers",
                   src, c->trunk_country_code ? c->trunk_country_code : "");
  if (!c->trunk_codecs || !c->trunk_codecs[0])
    return gw_fail(why, GW_EINVAL, "%s: [trunk] codecs: at least one codec is needed", src);
  if (c->turn_servers && c->turn_servers[0] && !c->turn_secret)
    return gw_fail(why, GW_EINVAL, "%s: [turn] secret: needed when servers are set", src);
  for (char **s = c->turn_servers; s && *s; s++)
    if (!g_str_has_prefix(*s, "turn:") && !g_str_has_prefix(*s, "turns:") && !g_str_has_prefix(*s, "stun:"))
      return gw_fail(why, GW_EINVAL, "%s: [turn] servers: '%s' is not a turn:, turns: or stun: URI", src, *s);
  if (!c->jwt_secret && !c->allow_insecure && !is_loopback(c->bind_address))
    return gw_fail(why, GW_EINVAL,
                   "%s: [server] bind_address: '%s' is not loopback while authentication is off "
                   "(set [auth] jwt_secret, or [server] allow_insecure=true)", src, c->bind_address);
  return GW_OK;
}

bool gw_config_has_trunk(const gw_config *c) { return c->trunk_proxy != NULL; }

gw_srtp_policy gw_config_srtp_policy(const gw_config *c) {
  if (strcmp(c->trunk_srtp, "optional") == 0) return GW_SRTP_OPTIONAL;
  if (strcmp(c->trunk_srtp, "off") == 0) return GW_SRTP_OFF;
  return GW_SRTP_MANDATORY;
}

const char *gw_config_route(const gw_config *c, const char *did) {
  for (size_t i = 0; c->route_dids[i]; i++)
    if (strcmp(c->route_dids[i], did) == 0) return c->route_users[i];
  return NULL;
}

void gw_config_write_reference(FILE *out) {
  const char *section = "";
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    const key_spec *k = &keys[i];
    if (strcmp(section, k->section) != 0) {
      section = k->section;
      fprintf(out, "\n### [%s]\n\n| key | default | meaning |\n|---|---|---|\n", section);
    }
    fprintf(out, "| `%s` | `%s` | %s", k->key, k->def && *k->def ? k->def : "", k->help);
    if (k->type == T_INT || k->type == T_REAL) fprintf(out, " (%ld..%ld)", k->min, k->max);
    if (k->type == T_ENUM || (k->type == T_LIST && k->values)) fprintf(out, " One of `%s`.", k->values);
    fprintf(out, " |\n");
  }
  fprintf(out, "\n### [routes]\n\nOne line per DID: `+15551230000 = alice` rings the sessions registered as alice.\n");
}
