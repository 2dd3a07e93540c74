#include "signaling/sip_priv.h"

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <stdio.h>
#include <string.h>

#include "gateway/log.h"
#include "signaling/sip_digest.h"

typedef enum { DIR_OUT, DIR_IN } call_dir;

struct gw_sip_call {
  gw_sip_ua *ua;
  nua_handle_t *nh;
  call_dir dir;
  const gw_sip_call_events *ev; /* NULL once the owner let go */
  void *owner;
  bool answered;   /* 2xx sent or received */
  bool final_sent; /* inbound: a final response went out */
  bool ended;      /* ended() was called or the owner let go */
  int auth_tries;
  int redirects, max_redirects;
  char *auth_user, *auth_password, *auth_ha1, *auth_realm;
  char *sdp, *from, *headers; /* kept for a redirect */
};

static const char *body_of(const sip_t *sip) {
  if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data || !sip->sip_payload->pl_len) return NULL;
  return sip->sip_payload->pl_data;
}

/* Sofia's payload is not NUL-terminated: copy it. */
static char *body_dup(const sip_t *sip) {
  return body_of(sip) ? g_strndup(sip->sip_payload->pl_data, sip->sip_payload->pl_len) : NULL;
}

static void call_destroy(gw_sip_call *c) {
  g_hash_table_remove(c->ua->calls, c);
  if (c->nh) {
    nua_handle_bind(c->nh, NULL);
    nua_handle_destroy(c->nh);
  }
  g_free(c->auth_user);
  g_free(c->auth_password);
  g_free(c->auth_ha1);
  g_free(c->auth_realm);
  g_free(c->sdp);
  g_free(c->from);
  g_free(c->headers);
  g_free(c);
}

static void tell_ended(gw_sip_call *c, int status, const char *phrase, bool by_remote) {
  if (c->ended) return;
  c->ended = true;
  if (c->ev) c->ev->ended(c->owner, status, phrase, by_remote);
  c->ev = NULL;
}

static gw_sip_call *call_new(gw_sip_ua *ua, call_dir dir) {
  gw_sip_call *c = g_new0(gw_sip_call, 1);
  c->ua = ua;
  c->dir = dir;
  g_hash_table_add(ua->calls, c);
  return c;
}

static int send_invite(gw_sip_call *c, const char *request_uri, const char *to) {
  c->nh = nua_handle(c->ua->nua, c, SIPTAG_TO_STR(to), TAG_END());
  if (!c->nh) return GW_ENOMEM;
  nua_invite(c->nh, NUTAG_URL(request_uri), SIPTAG_FROM_STR(c->from), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
             SIPTAG_PAYLOAD_STR(c->sdp), TAG_IF(c->headers, SIPTAG_HEADER_STR(c->headers)), TAG_END());
  return GW_OK;
}

int gw_sip_call_invite(gw_sip_ua *ua, const gw_sip_invite *inv, const gw_sip_call_events *ev, void *owner,
                       gw_sip_call **out, gw_why *why) {
  gw_sip_call *c = call_new(ua, DIR_OUT);
  c->ev = ev;
  c->owner = owner;
  c->sdp = g_strdup(inv->sdp);
  c->from = g_strdup(inv->from);
  c->headers = inv->headers && *inv->headers ? g_strdup(inv->headers) : NULL;
  c->auth_user = g_strdup(inv->auth_user);
  c->auth_password = g_strdup(inv->auth_password);
  c->auth_ha1 = g_strdup(inv->auth_ha1);
  c->auth_realm = g_strdup(inv->auth_realm);
  c->max_redirects = inv->max_redirects;
  if (send_invite(c, inv->request_uri, inv->to) != GW_OK) {
    call_destroy(c);
    return gw_fail(why, GW_EINVAL, "cannot create a SIP request for %s", inv->request_uri);
  }
  GW_INFO(">>> SIP INVITE %s", inv->request_uri);
  *out = c;
  return GW_OK;
}

void gw_sip_call_hangup(gw_sip_call *c, int status, const char *text) {
  c->ev = NULL;
  c->ended = true;
  char reason[160];
  snprintf(reason, sizeof reason, "SIP;cause=%d;text=\"%s\"", status ? status : 200, text ? text : "");
  if (c->dir == DIR_IN && !c->answered) {
    if (!c->final_sent) {
      c->final_sent = true;
      nua_respond(c->nh, status >= 300 ? status : 480, NULL, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), TAG_END());
    }
  } else if (!c->answered) {
    GW_INFO(">>> SIP CANCEL (%s)", text ? text : "");
    nua_cancel(c->nh, SIPTAG_REASON_STR(reason), TAG_END());
  } else {
    GW_INFO(">>> SIP BYE (%s)", text ? text : "");
    nua_bye(c->nh, SIPTAG_REASON_STR(reason), TAG_END());
  }
  /* The handle lives on until Sofia reports the dialog terminated. */
}

int gw_sip_call_info(gw_sip_call *c, const char *content_type, const char *body, gw_why *why) {
  if (c->ended || !c->answered) return gw_fail(why, GW_ESTATE, "INFO needs an answered call");
  GW_INFO(">>> SIP INFO (%s)", content_type);
  nua_info(c->nh, SIPTAG_CONTENT_TYPE_STR(content_type), SIPTAG_PAYLOAD_STR(body), TAG_END());
  return GW_OK;
}

void gw_sip_call_set_owner(gw_sip_call *c, const gw_sip_call_events *ev, void *owner) {
  c->ev = ev;
  c->owner = owner;
}

void gw_sip_call_ringing(gw_sip_call *c) {
  if (!c->final_sent) nua_respond(c->nh, SIP_180_RINGING, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), TAG_END());
}

void gw_sip_call_accept(gw_sip_call *c, const char *sdp) {
  if (c->final_sent) return;
  c->final_sent = c->answered = true;
  nua_respond(c->nh, SIP_200_OK, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
              SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

/* Digest authentication: once per challenge; a second challenge means the credentials are wrong. */
static bool try_auth(gw_sip_call *c, const sip_t *sip, int status) {
  if (!c->auth_user || (!c->auth_password && !c->auth_ha1) || c->auth_tries >= 1) return false;
  const msg_auth_t *ch = status == 401 ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
  if (!ch) return false;
  const char *realm = msg_header_find_param(ch->au_common, "realm=");
  if (!realm) return false;
  gw_sip_creds cr = {c->auth_user, c->auth_password, c->auth_ha1, c->auth_realm};
  gw_why why = {""};
  char *cred = gw_sip_creds_for(&cr, ch->au_scheme, realm, &why);
  if (!cred) {
    GW_WARN("<<< SIP %d: cannot authenticate: %s", status, why.msg);
    return false;
  }
  c->auth_tries++;
  GW_INFO("<<< SIP %d: authenticating as %s in realm %s%s", status, c->auth_user, realm, c->auth_ha1 ? " (HA1)" : "");
  nua_authenticate(c->nh, NUTAG_AUTH(cred), TAG_END());
  g_free(cred);
  return true;
}

static bool try_redirect(gw_sip_call *c, const sip_t *sip, int status) {
  if (!sip || !sip->sip_contact || c->redirects >= c->max_redirects) return false;
  char *uri = url_as_string(c->ua->home, sip->sip_contact->m_url);
  if (!uri) return false;
  c->redirects++;
  GW_INFO("<<< SIP %d: redirected to %s (hop %d of %d)", status, uri, c->redirects, c->max_redirects);
  nua_handle_bind(c->nh, NULL);
  nua_handle_destroy(c->nh);
  c->nh = NULL;
  char *to = g_strdup_printf("<%s>", uri);
  int rc = send_invite(c, uri, to);
  g_free(to);
  su_free(c->ua->home, uri);
  return rc == GW_OK;
}

static void on_invite_response(gw_sip_call *c, int status, const char *phrase, const sip_t *sip) {
  GW_INFO("<<< SIP %03d %s", status, phrase ? phrase : "");
  if (c->ended) return; /* we hung up: Sofia completes the CANCEL or BYE */
  if (status < 200) {
    if (c->ev && status > 100) {
      char *sdp = body_dup(sip);
      c->ev->progress(c->owner, status, phrase, sdp);
      g_free(sdp);
    }
    return;
  }
  if (status < 300) {
    if (c->answered) return; /* a retransmitted 200 */
    c->answered = true;
    char *sdp = body_dup(sip);
    if (c->ev) c->ev->answered(c->owner, sdp);
    g_free(sdp);
    return;
  }
  if ((status == 401 || status == 407) && try_auth(c, sip, status)) return;
  if (status >= 300 && status < 400 && try_redirect(c, sip, status)) return;
  tell_ended(c, status, phrase, true);
}

static void on_incoming(gw_sip_ua *ua, nua_handle_t *nh, const sip_t *sip) {
  gw_sip_call *c = call_new(ua, DIR_IN);
  c->nh = nh;
  nua_handle_bind(nh, c);
  char src[64] = "";
  msg_t *msg = nua_current_request(ua->nua);
  su_sockaddr_t *su = msg ? msg_addr(msg) : NULL;
  if (su) su_inet_ntop(su->su_family, SU_ADDR(su), src, sizeof src);
  char *sdp = body_dup(sip);
  gw_sip_incoming in = {
    .call = c,
    .from_user = sip->sip_from && sip->sip_from->a_url->url_user ? sip->sip_from->a_url->url_user : "anonymous",
    .from_display = sip->sip_from ? sip->sip_from->a_display : NULL,
    .did = sip->sip_request && sip->sip_request->rq_url->url_user ? sip->sip_request->rq_url->url_user : "",
    .sdp = sdp,
    .source = src,
  };
  GW_INFO("<<< SIP INVITE from %s (%s) for %s", src, in.from_user, in.did);
  if (ua->incoming) ua->incoming(ua->incoming_app, &in);
  else gw_sip_call_hangup(c, 480, "no call handling");
  g_free(sdp);
}

static void on_reinvite(gw_sip_call *c, nua_handle_t *nh, const sip_t *sip) {
  char *offer = body_dup(sip);
  char *answer = offer && c->ev && c->ev->reoffer ? c->ev->reoffer(c->owner, offer) : NULL;
  if (answer) {
    nua_respond(nh, SIP_200_OK, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                SIPTAG_PAYLOAD_STR(answer), TAG_END());
  } else if (!offer) {
    nua_respond(nh, SIP_200_OK, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), TAG_END()); /* a refresh without an offer */
  } else {
    nua_respond(nh, SIP_488_NOT_ACCEPTABLE, SIPTAG_ALLOW_STR(GW_SIP_ALLOW), TAG_END());
  }
  g_free(offer);
  g_free(answer);
}

bool gw_sip_call_event(gw_sip_ua *ua, nua_event_t event, int status, const char *phrase, nua_handle_t *nh,
                       gw_sip_call *c, const sip_t *sip, tagi_t tags[]) {
  switch (event) {
  case nua_i_invite:
    if (!c) on_incoming(ua, nh, sip);
    else on_reinvite(c, nh, sip);
    return true;
  case nua_r_invite:
    if (c) on_invite_response(c, status, phrase, sip);
    return true;
  case nua_i_cancel:
    GW_INFO("<<< SIP CANCEL");
    if (c) {
      c->final_sent = true;
      tell_ended(c, 487, "Request Terminated", true);
    }
    return true;
  case nua_i_bye:
    GW_INFO("<<< SIP BYE");
    if (c) tell_ended(c, 0, "BYE", true);
    return true;
  case nua_i_update:
    if (c && body_of(sip)) on_reinvite(c, nh, sip);
    return true;
  case nua_i_info:
    if (c && c->ev && c->ev->info && body_of(sip) && sip->sip_content_type) {
      char *body = body_dup(sip);
      c->ev->info(c->owner, sip->sip_content_type->c_type, body);
      g_free(body);
    }
    return true;
  case nua_i_state: {
    /* Only "terminated" matters here (responses carry the rest): the handle can go. */
    int state = nua_callstate_init;
    tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
    if (c && state == nua_callstate_terminated) {
      tell_ended(c, status >= 300 ? status : 0, phrase, true);
      call_destroy(c);
    }
    return true;
  }
  case nua_i_terminated:
  case nua_r_bye:
  case nua_r_cancel:
  case nua_i_ack:
  case nua_r_info:
  case nua_i_active:
  case nua_i_prack:
  case nua_r_update:
    return true;
  default:
    return false;
  }
}

void gw_sip_call_free_all(gw_sip_ua *ua) {
  GList *all = g_hash_table_get_keys(ua->calls);
  for (GList *l = all; l; l = l->next) call_destroy(l->data);
  g_list_free(all);
  g_hash_table_destroy(ua->calls);
  ua->calls = NULL;
}
