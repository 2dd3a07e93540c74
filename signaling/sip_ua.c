#include "signaling/sip_priv.h"

#include <gio/gio.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_log.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gateway/log.h"
#include "signaling/sip_digest.h"

static void peer_of(const sip_t *sip, char *buf, size_t len) {
  if (sip && sip->sip_via && sip->sip_via->v_host)
    snprintf(buf, len, "%s:%s", sip->sip_via->v_received ? sip->sip_via->v_received : sip->sip_via->v_host,
             sip->sip_via->v_rport && sip->sip_via->v_rport[0] ? sip->sip_via->v_rport
             : sip->sip_via->v_port                            ? sip->sip_via->v_port
                                                               : "5060");
  else
    snprintf(buf, len, "?");
}

#define REG_RETRY_S 30

static gboolean reg_retry(gpointer data);

static void on_register_response(gw_sip_ua *ua, int status, const char *phrase, const sip_t *sip) {
  if (status < 200) return;
  if (status < 300) {
    if (ua->reg_state != GW_SIP_REG_REGISTERED) GW_INFO("SIP trunk registration: %d %s", status, phrase);
    ua->reg_state = GW_SIP_REG_REGISTERED;
    ua->reg_auth_tries = 0;
    g_snprintf(ua->reg_detail, sizeof ua->reg_detail, "%d %s", status, phrase);
    return;
  }
  if ((status == 401 || status == 407) && ua->reg_auth_tries < 1 && ua->reg_user && sip) {
    const msg_auth_t *ch = status == 401 ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
    const char *realm = ch ? msg_header_find_param(ch->au_common, "realm=") : NULL;
    gw_sip_creds cr = {ua->reg_user, ua->reg_password, ua->reg_ha1, ua->reg_realm};
    gw_why why = {""};
    char *cred = realm ? gw_sip_creds_for(&cr, ch->au_scheme, realm, &why) : NULL;
    if (cred) {
      ua->reg_auth_tries++;
      nua_authenticate(ua->reg_nh, NUTAG_AUTH(cred), TAG_END());
      g_free(cred);
      return;
    }
    if (realm) GW_WARN("SIP trunk registration: cannot authenticate: %s", why.msg);
  }
  GW_WARN("SIP trunk registration failed: %d %s; retrying in %d s", status, phrase, REG_RETRY_S);
  ua->reg_state = GW_SIP_REG_FAILED;
  g_snprintf(ua->reg_detail, sizeof ua->reg_detail, "%d %s", status, phrase);
  if (!ua->reg_retry) ua->reg_retry = g_timeout_add_seconds(REG_RETRY_S, reg_retry, ua);
}

static gboolean reg_retry(gpointer data) {
  gw_sip_ua *ua = data;
  ua->reg_retry = 0;
  ua->reg_auth_tries = 0;
  ua->reg_state = GW_SIP_REG_TRYING;
  nua_register(ua->reg_nh, TAG_END());
  return G_SOURCE_REMOVE;
}

int gw_sip_ua_register(gw_sip_ua *ua, const gw_sip_reg_opts *o, gw_why *why) {
  char expires[16];
  g_snprintf(expires, sizeof expires, "%u", o->expires);
  ua->reg_nh = nua_handle(ua->nua, NULL, SIPTAG_TO_STR(o->aor), SIPTAG_FROM_STR(o->aor), TAG_END());
  if (!ua->reg_nh) return gw_fail(why, GW_ENOMEM, "cannot create the REGISTER handle");
  g_free(ua->reg_user);
  g_free(ua->reg_password);
  g_free(ua->reg_ha1);
  g_free(ua->reg_realm);
  ua->reg_user = g_strdup(o->user);
  ua->reg_password = g_strdup(o->password);
  ua->reg_ha1 = g_strdup(o->ha1);
  ua->reg_realm = g_strdup(o->realm);
  ua->reg_state = GW_SIP_REG_TRYING;
  nua_register(ua->reg_nh, NUTAG_REGISTRAR(o->registrar), SIPTAG_EXPIRES_STR(expires), TAG_END());
  GW_INFO(">>> SIP REGISTER %s at %s (expires %u s)", o->aor, o->registrar, o->expires);
  return GW_OK;
}

gw_sip_reg_state gw_sip_ua_reg_state(const gw_sip_ua *ua, const char **detail) {
  if (detail) *detail = ua->reg_detail;
  return ua->reg_state;
}

const char *gw_sip_reg_state_name(gw_sip_reg_state s) {
  static const char *const names[] = {"off", "trying", "registered", "failed"};
  return names[s];
}

/* ---- blocking sources that keep failing ---- */

/* The source address of the request the current nua_i_* event is about ("" when unknown). */
static void request_source(gw_sip_ua *ua, char *buf, size_t len) {
  buf[0] = '\0';
  msg_t *msg = nua_current_request(ua->nua);
  su_sockaddr_t *su = msg ? msg_addr(msg) : NULL;
  if (su) su_inet_ntop(su->su_family, SU_ADDR(su), buf, len);
  /* An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d: the guard and the kernel filter
   * (which sees the IPv4 header) know it by its IPv4 address. */
  if (g_str_has_prefix(buf, "::ffff:") && strchr(buf, '.')) memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

static bool never_blocked(const gw_sip_ua *ua, const char *source) {
  if (!ua->never_block || !ua->never_block->len) return false;
  GInetAddress *a = g_inet_address_new_from_string(source);
  bool hit = false;
  for (guint i = 0; a && !hit && i < ua->never_block->len; i++)
    hit = g_inet_address_mask_matches(ua->never_block->pdata[i], a);
  if (a) g_object_unref(a);
  return hit;
}

void gw_sip_ua_failure(gw_sip_ua *ua, const char *source, const char *what) {
  if (never_blocked(ua, source)) return; /* the trunk, maybe a forged source address */
  gw_sip_guard_failure(ua->guard, source, what, g_get_monotonic_time());
}

static void guard_changed(void *data, const char *const *addrs) {
  gw_sip_ua *ua = data;
  if (!ua->filter) return;
  gw_why why = {""};
  if (gw_sip_guard_blocked_count(ua->guard) > GW_SOCK_FILTER_MAX)
    GW_WARN("SIP guard: more than %d sources blocked; the others are refused by the UA (403), not dropped",
            GW_SOCK_FILTER_MAX);
  if (gw_sock_filter_set(ua->filter, addrs, &why) < 0)
    GW_WARN("SIP guard: cannot update the kernel drop list (%s); blocked sources get 403 instead", why.msg);
}

static gboolean guard_tick(gpointer data) {
  gw_sip_ua *ua = data;
  gw_sip_guard_tick(ua->guard, g_get_monotonic_time());
  return G_SOURCE_CONTINUE;
}

/* A request that opens a new transaction outside any call: the ones a scanner sends. */
static bool new_request(nua_event_t event, const gw_sip_call *call) {
  return (event == nua_i_invite && !call) || event == nua_i_register || event == nua_i_options;
}

/* Requests from a blocked source that reach the UA anyway (queued before the kernel filter
 * was set, IPv6, or too many blocked): answered 403 without any processing or logging. nua
 * leaves INVITE, REGISTER and OPTIONS to the application, so something must answer them. */
static bool refuse_if_blocked(gw_sip_ua *ua, nua_event_t event, nua_handle_t *nh, const gw_sip_call *call) {
  if (!gw_sip_guard_enabled(ua->guard) || !new_request(event, call)) return false;
  char src[64];
  request_source(ua, src, sizeof src);
  if (!gw_sip_guard_blocked(ua->guard, src, g_get_monotonic_time())) return false;
  GW_DEBUG("SIP %s from blocked %s refused", nua_event_name(event), src);
  nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(ua->nua), SIPTAG_ALLOW_STR(GW_SIP_ALLOW), TAG_END());
  if (!call) nua_handle_destroy(nh);
  return true;
}

/* The gateway is no registrar: every REGISTER gets the same 405, whatever the user, and counts
 * as a failure of its source (extension scanners such as svwar and svcrack use REGISTER). */
static void on_register_request(gw_sip_ua *ua, nua_handle_t *nh, const sip_t *sip) {
  char src[64];
  request_source(ua, src, sizeof src);
  GW_INFO("<<< SIP REGISTER from %s for %s refused (405): the gateway is not a registrar", src[0] ? src : "?",
          sip && sip->sip_to && sip->sip_to->a_url->url_user ? sip->sip_to->a_url->url_user : "?");
  nua_respond(nh, SIP_405_METHOD_NOT_ALLOWED, NUTAG_WITH_THIS(ua->nua), SIPTAG_ALLOW_STR(GW_SIP_ALLOW), TAG_END());
  nua_handle_destroy(nh);
  gw_sip_ua_failure(ua, src, "REGISTER (not a registrar)");
}

static gboolean finish_shutdown(gpointer data) {
  gw_sip_ua *ua = data;
  if (ua->shutdown_done) ua->shutdown_done(ua->shutdown_data);
  return G_SOURCE_REMOVE;
}

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua, gw_sip_ua *ua,
                     nua_handle_t *nh, gw_sip_call *call, sip_t const *sip, tagi_t tags[]) {
  char peer[96];
  if (refuse_if_blocked(ua, event, nh, call)) return;
  if (gw_sip_call_event(ua, event, status, phrase, nh, call, sip, tags)) return;
  switch (event) {
  case nua_i_options:
    peer_of(sip, peer, sizeof peer);
    GW_DEBUG("<<< SIP OPTIONS from %s, answered 200", peer); /* scanners send many: not at info level */
    /* Answered here rather than by nua so that Allow lists what the gateway serves (nua's own list
     * has REGISTER, which it must hold to hand REGISTERs to on_register_request). */
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(ua->nua), SIPTAG_ALLOW_STR(GW_SIP_ALLOW),
                SIPTAG_ACCEPT_STR("application/sdp"), TAG_END());
    if (!call && nh != ua->reg_nh) nua_handle_destroy(nh);
    break;
  case nua_i_register:
    on_register_request(ua, nh, sip);
    break;
  case nua_r_shutdown:
    if (status >= 200) {
      ua->shutdown_complete = true;
      if (ua->shutdown_done) g_idle_add(finish_shutdown, ua);
    }
    break;
  case nua_r_register:
    on_register_response(ua, status, phrase, sip);
    break;
  case nua_r_options:
    if (nh == ua->ka_nh) gw_sip_keepalive_response(ua, status, phrase);
    break;
  case nua_r_unregister:
    break;
  case nua_i_error:
    GW_WARN("SIP: %03d %s", status, phrase);
    break;
  default:
    GW_DEBUG("SIP event %s %d %s", nua_event_name(event), status, phrase ? phrase : "");
    break;
  }
}

int gw_sip_ua_new(const gw_sip_ua_opts *o, gw_sip_ua **out, gw_why *why) {
  if (su_init() != 0) return gw_fail(why, GW_EIO, "cannot initialize Sofia-SIP");
  gw_sip_ua *ua = g_new0(gw_sip_ua, 1);
  su_home_init(ua->home);
  su_log_set_level(NULL, 0); /* Sofia's own logs go nowhere unless TPORT_LOG etc. are set */
  ua->root = su_glib_root_create(ua);
  if (!ua->root) {
    g_free(ua);
    su_deinit();
    return gw_fail(why, GW_EIO, "cannot create the SIP event root");
  }
  ua->source = su_glib_root_gsource(ua->root); /* owned by the root */
  g_source_attach(ua->source, o->context);

  bool v6 = strchr(o->bind_address, ':') != NULL;
  char url[160];
  snprintf(url, sizeof url, v6 ? "sip:[%s]:%d" : "sip:%s:%d", o->bind_address, o->port);
  ua->nua = nua_create(ua->root, on_event, ua, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
                       NUTAG_SESSION_TIMER(o->session_timer), NUTAG_MIN_SE(90),
                       NUTAG_SESSION_REFRESHER(nua_any_refresher), NTATAG_SIP_T1(o->t1_ms), NTATAG_SIP_T1X64(64 * o->t1_ms),
                       NUTAG_ALLOW(GW_SIP_ALLOW), NUTAG_ENABLEMESSAGE(0), NUTAG_AUTOANSWER(0),
                       NUTAG_AUTOACK(1), NUTAG_APPL_METHOD("REGISTER, OPTIONS"), SIPTAG_USER_AGENT_STR(o->user_agent),
                       SIPTAG_SERVER_STR(o->user_agent), TAG_END());
  if (!ua->nua) {
    gw_sip_ua_free(ua);
    return gw_fail(why, GW_EIO, "cannot listen for SIP on %s:%d (port in use or address not local?)",
                   o->bind_address, o->port);
  }
  nua_set_params(ua->nua, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), NUTAG_ALLOW("REGISTER"), TAG_END());
  ua->calls = g_hash_table_new(NULL, NULL);
  ua->never_block = g_ptr_array_new_with_free_func(g_object_unref);
  for (char *const *s = o->never_block; s && *s; s++) {
    GInetAddressMask *m = g_inet_address_mask_new_from_string(*s, NULL);
    if (m) g_ptr_array_add(ua->never_block, m);
    else GW_WARN("SIP guard: '%s' is not an address or CIDR range: it may be blocked like any source", *s);
  }
  gw_sip_guard_opts go = {o->block_after_failures, o->block_window_s, o->block_seconds, 0};
  ua->guard = gw_sip_guard_new(&go, guard_changed, ua);
  if (gw_sip_guard_enabled(ua->guard)) {
    gw_why fwhy = {""};
    if (gw_sock_filter_new(o->bind_address, o->port, &ua->filter, &fwhy) != GW_OK)
      GW_WARN("SIP guard: no kernel drop list (%s); blocked sources get 403 instead", fwhy.msg);
    GSource *t = g_timeout_source_new_seconds(1);
    g_source_set_callback(t, guard_tick, ua, NULL);
    ua->guard_tick = g_source_attach(t, o->context);
    g_source_unref(t);
    GW_INFO("SIP guard: a source is blocked for %u s after %u failures within %u s (kernel drop list on %u "
            "socket(s))", o->block_seconds, o->block_after_failures, o->block_window_s,
            gw_sock_filter_sockets(ua->filter));
  }
  ua->contact = g_strdup_printf(v6 ? "[%s]:%d" : "%s:%d", o->bind_address, o->port);
  *out = ua;
  return GW_OK;
}

void gw_sip_ua_shutdown(gw_sip_ua *ua, void (*done)(void *data), void *data) {
  gw_sip_keepalive_stop(ua);
  if (ua->reg_nh && ua->reg_state == GW_SIP_REG_REGISTERED) nua_unregister(ua->reg_nh, TAG_END());
  ua->shutdown_done = done;
  ua->shutdown_data = data;
  ua->shutdown_started = true;
  nua_shutdown(ua->nua);
}

void gw_sip_ua_free(gw_sip_ua *ua) {
  if (!ua) return;
  /* Sofia's GLib port checks that the caller owns the main context: hold it while tearing down. */
  GMainContext *ctx = ua->source ? g_source_get_context(ua->source) : NULL;
  if (ctx) g_main_context_acquire(ctx);
  /* Sofia insists on a completed shutdown before nua_destroy: run it here if nobody did (bounded). */
  if (ua->nua && !ua->shutdown_complete) {
    if (!ua->shutdown_started) nua_shutdown(ua->nua);
    ua->shutdown_started = true;
    ua->shutdown_done = NULL;
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!ua->shutdown_complete && g_get_monotonic_time() < end) g_main_context_iteration(ctx, TRUE);
  }
  if (ua->calls) gw_sip_call_free_all(ua);
  if (ua->guard_tick) g_source_destroy(g_main_context_find_source_by_id(ctx, ua->guard_tick));
  gw_sock_filter_free(ua->filter); /* before Sofia closes its sockets */
  gw_sip_guard_free(ua->guard);
  if (ua->never_block) g_ptr_array_free(ua->never_block, TRUE);
  gw_sip_keepalive_stop(ua);
  if (ua->reg_retry) g_source_remove(ua->reg_retry);
  if (ua->reg_nh) nua_handle_destroy(ua->reg_nh);
  g_free(ua->reg_user);
  g_free(ua->reg_password);
  g_free(ua->reg_ha1);
  g_free(ua->reg_realm);
  if (ua->nua) nua_destroy(ua->nua);
  if (ua->root) su_root_destroy(ua->root);
  if (ctx) g_main_context_release(ctx);
  su_home_deinit(ua->home);
  g_free(ua->contact);
  g_free(ua);
  su_deinit();
}

const char *gw_sip_ua_contact(const gw_sip_ua *ua) { return ua->contact; }

void gw_sip_ua_set_incoming(gw_sip_ua *ua, gw_sip_incoming_fn fn, void *app) {
  ua->incoming = fn;
  ua->incoming_app = app;
}
