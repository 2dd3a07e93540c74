/* webrtc_sip_gateway: start-up, the control thread's main loop, and orderly shutdown. */
#include <glib-unix.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/config.h"
#include "gateway/demo.h"
#include "gateway/log.h"
#include "gateway/sessions.h"
#include "media/dtls/cert.h"
#include "media/dtls/dtls.h"
#include "media/srtp/srtp.h"
#include "media/worker/worker.h"
#include "signaling/proto.h"
#include "signaling/sip_ua.h"
#include "signaling/ws_server.h"

#define EXIT_CONFIG 2
#define SHUTDOWN_GRACE_MS 1500

typedef struct {
  GMainLoop *loop;
  gw_config *cfg;
  gw_workers *workers;
  gw_demo *demo;
  gw_cert *dtls_cert;
  gw_dtls_ctx *dtls;
  gw_sessions *sessions;
  gw_ws_server *ws;
  gw_sip_ua *sip;
  bool stopping;
  guint drain_timer;
  gint64 drain_until_us;
} gateway;

typedef struct {
  char *config;
  int ws_port, sip_port;
  char *log_level, *bind;
  gboolean no_tls, check, reference, proto_reference, version;
} cli;

static int parse_cli(int argc, char **argv, cli *o) {
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config, "INI configuration file", "FILE"},
    {"ws-port", 0, 0, G_OPTION_ARG_INT, &o->ws_port, "Port for wss://, the page and the API ([server] ws_port)", "PORT"},
    {"sip-port", 0, 0, G_OPTION_ARG_INT, &o->sip_port, "SIP port, UDP and TCP ([sip] port)", "PORT"},
    {"bind", 0, 0, G_OPTION_ARG_STRING, &o->bind, "Address for WebSocket, SIP and media ([*] bind_address)", "ADDR"},
    {"log-level", 0, 0, G_OPTION_ARG_STRING, &o->log_level, "error, warn, info or debug", "LEVEL"},
    {"no-tls", 0, 0, G_OPTION_ARG_NONE, &o->no_tls, "Plain ws:// and http:// ([tls] enabled=false)", NULL},
    {"check-config", 0, 0, G_OPTION_ARG_NONE, &o->check, "Validate the configuration and exit", NULL},
    {"config-reference", 0, 0, G_OPTION_ARG_NONE, &o->reference, "Print every configuration key and exit", NULL},
    {"protocol-reference", 0, 0, G_OPTION_ARG_NONE, &o->proto_reference, "Print the message table and exit", NULL},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  GOptionContext *ctx = g_option_context_new("- WebRTC to SIP gateway");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *err = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &err);
  g_option_context_free(ctx);
  if (!ok) {
    fprintf(stderr, "webrtc_sip_gateway: %s (see --help)\n", err->message);
    g_error_free(err);
    return GW_EINVAL;
  }
  if (argc > 1) {
    fprintf(stderr, "webrtc_sip_gateway: unexpected argument '%s' (see --help)\n", argv[1]);
    return GW_EINVAL;
  }
  return GW_OK;
}

/* Command-line flags go through the same checks as the file. */
static int apply_cli(gw_config *cfg, const cli *o, gw_why *why) {
  char num[16];
  int rc = GW_OK;
  if (o->ws_port >= 0 && rc == GW_OK) {
    snprintf(num, sizeof num, "%d", o->ws_port);
    rc = gw_config_set(cfg, "server", "ws_port", num, "--ws-port", why);
  }
  if (o->sip_port >= 0 && rc == GW_OK) {
    snprintf(num, sizeof num, "%d", o->sip_port);
    rc = gw_config_set(cfg, "sip", "port", num, "--sip-port", why);
  }
  if (o->log_level && rc == GW_OK) rc = gw_config_set(cfg, "server", "log_level", o->log_level, "--log-level", why);
  if (o->bind && rc == GW_OK) {
    rc = gw_config_set(cfg, "server", "bind_address", o->bind, "--bind", why);
    if (rc == GW_OK) rc = gw_config_set(cfg, "sip", "bind_address", o->bind, "--bind", why);
    if (rc == GW_OK) rc = gw_config_set(cfg, "media", "bind_address", o->bind, "--bind", why);
  }
  if (o->no_tls && rc == GW_OK) rc = gw_config_set(cfg, "tls", "enabled", "false", "--no-tls", why);
  return rc;
}

static gboolean force_quit(gpointer data) {
  gateway *gw = data;
  GW_WARN("SIP shutdown did not finish in %d ms; stopping anyway", SHUTDOWN_GRACE_MS);
  g_main_loop_quit(gw->loop);
  return G_SOURCE_REMOVE;
}

static void sip_down(void *data) {
  gateway *gw = data;
  g_main_loop_quit(gw->loop);
}

/* Ends what is left (BYE/CANCEL, hangup to the browsers), then unregisters and quits. */
static void shut_down(gateway *gw) {
  if (gw->stopping) return;
  gw->stopping = true;
  if (gw->drain_timer) g_source_remove(gw->drain_timer);
  gw->drain_timer = 0;
  if (gw->sessions) {
    gw_sessions_set_draining(gw->sessions, true);
    gw_sessions_end_calls(gw->sessions);
  }
  g_timeout_add(SHUTDOWN_GRACE_MS, force_quit, gw);
  if (gw->sip) gw_sip_ua_shutdown(gw->sip, sip_down, gw);
  else g_main_loop_quit(gw->loop);
}

#define DRAIN_CHECK_MS 250

static gboolean drain_check(gpointer data) {
  gateway *gw = data;
  unsigned left = gw_sessions_calls(gw->sessions);
  if (left && g_get_monotonic_time() < gw->drain_until_us) return G_SOURCE_CONTINUE;
  gw->drain_timer = 0;
  if (left) GW_WARN("Drain time is up with %u call%s still up: ending them", left, left == 1 ? "" : "s");
  else GW_INFO("Drained: no calls left");
  shut_down(gw);
  return G_SOURCE_REMOVE;
}

/* SIGTERM/SIGINT. With [server] drain_seconds and calls up: stop taking calls (/healthz 503, new
 * calls `unavailable`, inbound INVITEs 503) and let the calls end by themselves for that long. A
 * second signal, or none left, shuts down at once. */
static gboolean on_signal(gpointer data) {
  gateway *gw = data;
  if (gw->stopping) return G_SOURCE_CONTINUE;
  unsigned calls = gw->sessions ? gw_sessions_calls(gw->sessions) : 0;
  if (gw->drain_timer) {
    GW_INFO("Signal received again while draining: ending the %u call%s now", calls, calls == 1 ? "" : "s");
    shut_down(gw);
  } else if (gw->cfg->drain_seconds > 0 && calls > 0) {
    GW_INFO("Signal received: draining: refusing new calls, /healthz 503; shutting down when the %u call%s up "
            "end, in %d s at most (signal again to end them now)", calls, calls == 1 ? "" : "s", gw->cfg->drain_seconds);
    gw_sessions_set_draining(gw->sessions, true);
    gw->drain_until_us = g_get_monotonic_time() + (gint64)gw->cfg->drain_seconds * G_USEC_PER_SEC;
    gw->drain_timer = g_timeout_add(DRAIN_CHECK_MS, drain_check, gw);
  } else {
    GW_INFO("Signal received: ending calls and shutting down");
    shut_down(gw);
  }
  return G_SOURCE_CONTINUE;
}

/* The WSS certificate: the configured files, or a self-signed one for localhost made now. */
static int load_tls(const gw_config *cfg, char **cert, char **key, gw_why *why) {
  if (cfg->tls_cert) {
    if (!g_file_get_contents(cfg->tls_cert, cert, NULL, NULL) || !g_file_get_contents(cfg->tls_key, key, NULL, NULL))
      return gw_fail(why, GW_EIO, "cannot read %s or %s", cfg->tls_cert, cfg->tls_key);
    return GW_OK;
  }
  gw_cert *c = NULL;
  char *k = NULL;
  int rc = gw_cert_new_localhost(&c, "localhost", why);
  if (rc == GW_OK) rc = gw_cert_to_pem(c, cert, &k, why);
  if (rc == GW_OK) {
    GW_WARN("No [tls] cert configured: using a self-signed certificate for localhost (sha-256 %s)",
            gw_cert_fingerprint(c));
    *key = g_strdup(k);
    gw_cert_pem_free_key(k);
  }
  gw_cert_unref(c);
  return rc;
}

static int start(gateway *gw, gw_why *why) {
  const gw_config *cfg = gw->cfg;
  int rc = gw_srtp_global_init(why);
  if (rc == GW_OK) rc = gw_cert_new(&gw->dtls_cert, "webrtc-sip-gateway", why);
  if (rc == GW_OK) rc = gw_dtls_ctx_new(&gw->dtls, gw->dtls_cert, why);
  if (rc == GW_OK) rc = gw_workers_new((unsigned)cfg->workers, &gw->workers, why);
  if (rc != GW_OK) return rc;
  GW_INFO("Media: %u worker thread(s), RTP ports %d-%d on %s, DTLS fingerprint sha-256 %.23s...",
          gw_workers_count(gw->workers), cfg->rtp_port_min, cfg->rtp_port_max, cfg->media_bind,
          gw_dtls_ctx_fingerprint(gw->dtls));
  /* The trunk is never blocked by the SIP guard: its allowed sources, and the proxy when it is
   * written as an address (a forged source address must not cut the gateway off its trunk). */
  GPtrArray *trunk_sources = g_ptr_array_new_with_free_func(g_free);
  for (char **s = cfg->trunk_allowed_sources; s && *s; s++) g_ptr_array_add(trunk_sources, g_strdup(*s));
  if (cfg->trunk_proxy) {
    char *host = g_strdup(strchr(cfg->trunk_proxy, ':') + 1);
    if (host[0] == '[') memmove(host, host + 1, strlen(host)); /* [v6]:port */
    host[strcspn(host, "]>;")] = '\0';
    if (strchr(host, '.') && strchr(host, ':')) *strchr(host, ':') = '\0'; /* v4:port */
    if (g_hostname_is_ip_address(host)) g_ptr_array_add(trunk_sources, host);
    else g_free(host);
  }
  g_ptr_array_add(trunk_sources, NULL);
  gw_sip_ua_opts so = {cfg->sip_bind, cfg->sip_port, cfg->sip_public_address, cfg->sip_user_agent,
                       (unsigned)cfg->trunk_session_expires, (unsigned)cfg->sip_t1_ms,
                       (unsigned)cfg->sip_block_after_failures, (unsigned)cfg->sip_block_window_s,
                       (unsigned)cfg->sip_block_seconds, NULL, (char *const *)trunk_sources->pdata};
  rc = gw_sip_ua_new(&so, &gw->sip, why);
  g_ptr_array_free(trunk_sources, TRUE);
  if (rc != GW_OK) return rc;
  GW_INFO("SIP endpoint listening on %s (UDP and TCP)", gw_sip_ua_contact(gw->sip));
  if (!gw_config_has_trunk(cfg)) {
    /* No trunk: the built-in demo far end on a nearby loopback port becomes the trunk. */
    for (int p = cfg->sip_port + 1; p <= cfg->sip_port + 20 && p <= 65535 && !gw->demo; p++) {
      if (gw_demo_new(cfg, gw->workers, p, &gw->demo, why) == GW_OK) {
        gw->cfg->trunk_proxy = g_strdup_printf("sip:127.0.0.1:%d", p);
        GW_INFO("Demo far end listening on 127.0.0.1:%d: every number answers with a beep, then an echo", p);
      }
    }
    if (!gw->demo) return rc = GW_EIO;
  }
  gw->sessions = gw_sessions_new(cfg, gw->sip, gw->workers, gw->dtls);
  char *cert = NULL, *key = NULL;
  rc = cfg->tls_enabled ? load_tls(cfg, &cert, &key, why) : GW_OK;
  if (rc != GW_OK) return rc;
  gw_ws_server_opts wo = {cfg->bind_address, cfg->ws_port, cfg->tls_enabled, cert, key, cfg->web_root, gw->loop};
  rc = gw_ws_server_new(&wo, gw_sessions_ws_callbacks(), gw->sessions, &gw->ws, why);
  g_free(cert);
  g_free(key);
  if (rc != GW_OK) return rc;
  gw_ws_server_add_route(gw->ws, "/healthz", gw_sessions_healthz, gw->sessions);
  gw_ws_server_add_route(gw->ws, "/api/calls", gw_sessions_api_calls, gw->sessions);
  gw_ws_server_add_route(gw->ws, "/api/calls/", gw_sessions_api_calls, gw->sessions);
  gw_ws_server_add_route(gw->ws, "/metrics", gw_sessions_metrics, gw->sessions);
  const char *scheme = cfg->tls_enabled ? "wss" : "ws";
  GW_INFO("WebSocket server listening on %s://%s:%d/ws (page at %s://%s:%d/)", scheme, cfg->bind_address,
          cfg->ws_port, cfg->tls_enabled ? "https" : "http", cfg->bind_address, cfg->ws_port);

  if (!gw->demo) GW_INFO("SIP trunk: %s over %s", cfg->trunk_proxy, cfg->trunk_transport);
  if (!gw->demo && cfg->trunk_register) {
    char *host = g_strdup(strchr(cfg->trunk_proxy, ':') + 1);
    host[strcspn(host, ":;>")] = '\0';
    const char *user = cfg->trunk_username ? cfg->trunk_username : "gateway";
    char *aor = g_strdup_printf("sip:%s@%s", user, cfg->trunk_domain ? cfg->trunk_domain : host);
    gw_sip_reg_opts ro = {cfg->trunk_proxy, aor, cfg->trunk_username, cfg->trunk_password, cfg->trunk_ha1,
                          cfg->trunk_realm, (unsigned)cfg->trunk_register_expiry};
    rc = gw_sip_ua_register(gw->sip, &ro, why);
    g_free(aor);
    g_free(host);
    if (rc != GW_OK) return rc;
  }
  if (!gw->demo && (rc = gw_sip_ua_keepalive(gw->sip, cfg->trunk_proxy, (unsigned)cfg->trunk_options_interval, why)) != GW_OK)
    return rc;
  if (!cfg->jwt_secret) GW_WARN("Browser authentication is off ([auth] jwt_secret unset): anyone who reaches %s:%d may place calls",
                                cfg->bind_address, cfg->ws_port);
  for (char **t = cfg->turn_servers; t && *t; t++) GW_INFO("TURN server enabled at %s", *t);
  return GW_OK;
}

static void cli_clear(cli *o) {
  g_free(o->config);
  g_free(o->log_level);
  g_free(o->bind);
}

static int run(cli *o);

int main(int argc, char **argv) {
  cli o = {.ws_port = -1, .sip_port = -1};
  int rc = parse_cli(argc, argv, &o) != GW_OK ? EXIT_CONFIG : run(&o);
  cli_clear(&o);
  return rc;
}

static int run(cli *op) {
  cli o = *op;
  if (o.version) {
    printf("webrtc_sip_gateway %s\n", GW_VERSION);
    return 0;
  }
  if (o.reference || o.proto_reference) {
    if (o.reference) gw_config_write_reference(stdout);
    else gw_proto_write_reference(stdout);
    return 0;
  }
  gw_why why = {""};
  gw_config *cfg = gw_config_new();
  int rc = o.config ? gw_config_load_file(cfg, o.config, &why) : GW_OK;
  if (rc == GW_OK) rc = apply_cli(cfg, &o, &why);
  if (rc == GW_OK) rc = gw_config_validate(cfg, &why);
  if (rc != GW_OK) {
    fprintf(stderr, "webrtc_sip_gateway: configuration error: %s\n", why.msg);
    gw_config_free(cfg);
    return EXIT_CONFIG;
  }
  gw_log_level level = GW_LOG_INFO;
  gw_log_level_parse(cfg->log_level, &level);
  gw_log_set_level(level);
  if (o.check) {
    printf("%s: configuration is valid\n", cfg->source);
    gw_config_free(cfg);
    return 0;
  }

  signal(SIGPIPE, SIG_IGN);
  fprintf(stderr, "WebRTC-SIP Gateway v%s\n", GW_VERSION);
  gateway gw = {.cfg = cfg, .loop = g_main_loop_new(NULL, FALSE)};
  int status = 0;
  /* Before anything starts, so that a SIGTERM during start-up is an orderly stop too. */
  guint sig_term = g_unix_signal_add(SIGTERM, on_signal, &gw);
  guint sig_int = g_unix_signal_add(SIGINT, on_signal, &gw);
  if (start(&gw, &why) != GW_OK) {
    GW_ERROR("%s", why.msg);
    status = 1;
  } else {
    GW_INFO("Gateway ready");
    g_main_loop_run(gw.loop);
    GW_INFO("Gateway stopped");
  }
  g_source_remove(sig_term);
  g_source_remove(sig_int);
  gw_ws_server_free(gw.ws);
  gw_sessions_free(gw.sessions); /* ends every call: their media stops on the workers */
  gw_demo_free(gw.demo);
  gw_sip_ua_free(gw.sip);
  gw_workers_free(gw.workers);   /* runs what was posted, then joins */
  gw_dtls_ctx_unref(gw.dtls);
  gw_cert_unref(gw.dtls_cert);
  gw_srtp_global_shutdown();
  g_main_loop_unref(gw.loop);
  gw_config_free(cfg);
  return status;
}
