#include "media/webrtc/leg.h"

#include <string.h>

#include "gateway/log.h"
#include "media/srtp/srtp.h"

struct gw_webrtc_leg {
  gw_ice *ice;
  gw_dtls_ctx *dtls_ctx;
  gw_dtls *dtls;
  gw_srtp *srtp;
  gw_leg_callbacks cb;
  void *user;
  GMainContext *ctx;
  GSource *dtls_timer;
  GSource *connect_timer;
  bool failed;
  bool remote_done;      /* the browser sent end-of-candidates */
  bool ice_failed_early; /* libnice gave up before end-of-candidates: maybe a relay is still coming */
  uint64_t unprotect_errors;
};

static void fail(gw_webrtc_leg *leg, const char *word, const char *text) {
  if (leg->failed) return;
  leg->failed = true;
  if (leg->connect_timer) {
    g_source_destroy(leg->connect_timer);
    g_clear_pointer(&leg->connect_timer, g_source_unref);
  }
  leg->cb.on_event(leg->user, GW_LEG_EV_FAILED, word, text);
}

static gboolean on_dtls_timer(gpointer data);

/* After every DTLS call: re-arm the retransmission timer, and act on a finished handshake. */
static void dtls_progress(gw_webrtc_leg *leg) {
  if (leg->dtls_timer) {
    g_source_destroy(leg->dtls_timer);
    g_clear_pointer(&leg->dtls_timer, g_source_unref);
  }
  gw_dtls_state st = gw_dtls_get_state(leg->dtls);
  if (st == GW_DTLS_FAILED) {
    fail(leg, "dtls-failed", gw_dtls_failure(leg->dtls));
    return;
  }
  if (st == GW_DTLS_CONNECTED && !leg->srtp) {
    gw_srtp_suite suite;
    gw_srtp_master local, remote;
    gw_why why = {""};
    if (gw_dtls_srtp_keys(leg->dtls, &suite, &local, &remote, &why) != GW_OK ||
        gw_srtp_new(&leg->srtp, suite, &local, &remote, &why) != GW_OK) {
      fail(leg, "dtls-failed", why.msg);
      return;
    }
    memset(&local, 0, sizeof local);
    memset(&remote, 0, sizeof remote);
    if (leg->connect_timer) {
      g_source_destroy(leg->connect_timer);
      g_clear_pointer(&leg->connect_timer, g_source_unref);
    }
    leg->cb.on_event(leg->user, GW_LEG_EV_DTLS_CONNECTED, NULL, gw_srtp_suite_name(suite));
    return;
  }
  int ms = gw_dtls_next_timeout_ms(leg->dtls);
  if (ms >= 0 && st == GW_DTLS_CONNECTING) {
    leg->dtls_timer = g_timeout_source_new((guint)ms);
    g_source_set_callback(leg->dtls_timer, on_dtls_timer, leg, NULL);
    g_source_attach(leg->dtls_timer, leg->ctx);
  }
}

static gboolean on_dtls_timer(gpointer data) {
  gw_webrtc_leg *leg = data;
  g_clear_pointer(&leg->dtls_timer, g_source_unref);
  gw_dtls_on_timeout(leg->dtls, NULL);
  dtls_progress(leg);
  return G_SOURCE_REMOVE;
}

static gboolean on_connect_timeout(gpointer data) {
  gw_webrtc_leg *leg = data;
  g_clear_pointer(&leg->connect_timer, g_source_unref);
  bool ice_up = gw_ice_get_state(leg->ice) == GW_ICE_CONNECTED;
  fail(leg, ice_up ? "dtls-failed" : "ice-failed",
       ice_up ? "the DTLS handshake did not complete in time" : "no ICE candidate pair worked in time");
  return G_SOURCE_REMOVE;
}

static void dtls_send(void *user, const uint8_t *buf, size_t len) {
  gw_webrtc_leg *leg = user;
  gw_ice_send(leg->ice, buf, len);
}

static void ice_candidate(void *user, const char *cand) {
  gw_webrtc_leg *leg = user;
  leg->cb.on_event(leg->user, GW_LEG_EV_CANDIDATE, NULL, cand);
}

static void ice_gathered(void *user) {
  gw_webrtc_leg *leg = user;
  leg->cb.on_event(leg->user, GW_LEG_EV_GATHERING_DONE, NULL, NULL);
}

static void ice_state(void *user, gw_ice_state st) {
  gw_webrtc_leg *leg = user;
  if (st == GW_ICE_FAILED) {
    /* With trickle, a candidate (often a TURN relay) may still come: fail only once the browser
     * has sent end-of-candidates, or when the connect timer runs out. */
    if (leg->remote_done) fail(leg, "ice-failed", "every ICE candidate pair failed");
    else leg->ice_failed_early = true;
  } else if (st == GW_ICE_CONNECTED) {
    leg->ice_failed_early = false;
    const char *l, *r;
    gw_ice_selected_types(leg->ice, &l, &r);
    char pair[32];
    g_snprintf(pair, sizeof pair, "%s/%s", l, r);
    leg->cb.on_event(leg->user, GW_LEG_EV_ICE_CONNECTED, NULL, pair);
    gw_dtls_start(leg->dtls, NULL); /* a client sends its ClientHello now; a server waits */
    dtls_progress(leg);
  }
}

enum { RECV_CAP = 1500 + GW_SRTP_MAX_OVERHEAD };

static void ice_recv(void *user, uint8_t *buf, size_t len) {
  gw_webrtc_leg *leg = user;
  if (len < 1 || leg->failed) return;
  uint8_t b0 = buf[0];
  if (b0 >= 20 && b0 <= 63) {
    gw_dtls_feed(leg->dtls, buf, len, NULL);
    dtls_progress(leg);
    return;
  }
  if (b0 < 128 || b0 > 191 || len < 12 || len > 1500 || !leg->srtp) return;
  /* A private copy with head room: the owner may rewrite and re-protect it in place. */
  uint8_t pkt[RECV_CAP];
  memcpy(pkt, buf, len);
  size_t n = len;
  bool rtcp = pkt[1] >= 192 && pkt[1] <= 223;
  int rc = rtcp ? gw_srtp_unprotect_rtcp(leg->srtp, pkt, &n, NULL) : gw_srtp_unprotect_rtp(leg->srtp, pkt, &n, NULL);
  if (rc != GW_OK) {
    if (leg->unprotect_errors++ % 500 == 0) GW_DEBUG("SRTP unprotect failed (%llu so far)", (unsigned long long)leg->unprotect_errors);
    return;
  }
  if (rtcp) leg->cb.on_rtcp(leg->user, pkt, n);
  else leg->cb.on_rtp(leg->user, pkt, n, sizeof pkt);
}

static const gw_ice_callbacks ice_cbs = {ice_candidate, ice_gathered, ice_state, ice_recv};

int gw_webrtc_leg_new(const gw_leg_opts *o, const gw_leg_callbacks *cb, void *user, gw_webrtc_leg **out, gw_why *why) {
  gw_webrtc_leg *leg = g_new0(gw_webrtc_leg, 1);
  leg->cb = *cb;
  leg->user = user;
  leg->ctx = o->ice.context;
  leg->dtls_ctx = gw_dtls_ctx_ref(o->dtls_ctx);
  int rc = gw_ice_new(&o->ice, &ice_cbs, leg, &leg->ice, why);
  if (rc == GW_OK && o->local_ufrag) rc = gw_ice_set_local_credentials(leg->ice, o->local_ufrag, o->local_pwd, why);
  if (rc == GW_OK) rc = gw_ice_set_remote_credentials(leg->ice, o->remote_ufrag, o->remote_pwd, why);
  gw_dtls_config dc = {o->dtls_role, o->fingerprint_alg, o->fingerprint, dtls_send, leg};
  if (rc == GW_OK) rc = gw_dtls_new(&leg->dtls, leg->dtls_ctx, &dc, why);
  if (rc == GW_OK) rc = gw_ice_gather(leg->ice, why);
  if (rc != GW_OK) {
    gw_webrtc_leg_free(leg);
    return rc;
  }
  leg->connect_timer = g_timeout_source_new(o->connect_timeout_ms ? o->connect_timeout_ms : 20000);
  g_source_set_callback(leg->connect_timer, on_connect_timeout, leg, NULL);
  g_source_attach(leg->connect_timer, leg->ctx);
  *out = leg;
  return GW_OK;
}

void gw_webrtc_leg_free(gw_webrtc_leg *leg) {
  if (!leg) return;
  GSource **timers[] = {&leg->dtls_timer, &leg->connect_timer};
  for (size_t i = 0; i < G_N_ELEMENTS(timers); i++) {
    if (*timers[i]) {
      g_source_destroy(*timers[i]);
      g_clear_pointer(timers[i], g_source_unref);
    }
  }
  if (leg->dtls) {
    gw_dtls_close(leg->dtls);
    gw_dtls_free(leg->dtls);
  }
  gw_ice_free(leg->ice);
  gw_srtp_free(leg->srtp);
  gw_dtls_ctx_unref(leg->dtls_ctx);
  g_free(leg);
}

int gw_webrtc_leg_add_candidate(gw_webrtc_leg *leg, const char *candidate, gw_why *why) {
  return gw_ice_add_remote_candidate(leg->ice, candidate, why);
}

void gw_webrtc_leg_end_of_candidates(gw_webrtc_leg *leg) {
  leg->remote_done = true;
  gw_ice_remote_gathering_done(leg->ice);
  if (leg->ice_failed_early && gw_ice_get_state(leg->ice) == GW_ICE_FAILED)
    fail(leg, "ice-failed", "every ICE candidate pair failed");
}

void gw_webrtc_leg_pair(gw_webrtc_leg *leg, char *out, size_t cap) {
  const char *l, *r;
  gw_ice_selected_types(leg->ice, &l, &r);
  g_snprintf(out, cap, "%s/%s", l, r);
}

int gw_webrtc_leg_send_rtp(gw_webrtc_leg *leg, uint8_t *buf, size_t len, size_t cap) {
  if (!leg->srtp || leg->failed) return GW_ESTATE;
  int rc = gw_srtp_protect_rtp(leg->srtp, buf, &len, cap, NULL);
  return rc == GW_OK ? gw_ice_send(leg->ice, buf, len) : rc;
}

int gw_webrtc_leg_send_rtcp(gw_webrtc_leg *leg, uint8_t *buf, size_t len, size_t cap) {
  if (!leg->srtp || leg->failed) return GW_ESTATE;
  int rc = gw_srtp_protect_rtcp(leg->srtp, buf, &len, cap, NULL);
  return rc == GW_OK ? gw_ice_send(leg->ice, buf, len) : rc;
}

bool gw_webrtc_leg_ready(const gw_webrtc_leg *leg) { return leg->srtp != NULL && !leg->failed; }
