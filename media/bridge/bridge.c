#include "media/bridge/bridge.h"

#include <string.h>

#include "gateway/log.h"

struct gw_bridge {
  uint64_t call_id;
  gw_worker *worker;
  GMainContext *control;
  gw_bridge_event_fn on_event;
  void *ctl;
  gw_bridge_mode mode;
  gw_leg_opts opts; /* with owned copies of the strings below */
  char *s[6];
  char **remote_candidates;
  gboolean remote_done;
  gw_webrtc_leg *browser;
  uint32_t ssrc; /* ours, toward the browser */
  uint64_t echoed;
};

/* ---- worker -> control ---- */

typedef struct {
  gw_bridge_event_fn fn;
  void *ctl;
  uint64_t call_id;
  gw_bridge_event ev;
  char *word, *text;
} event_msg;

static gboolean deliver(gpointer data) {
  event_msg *m = data;
  m->fn(m->ctl, m->call_id, m->ev, m->word, m->text);
  return G_SOURCE_REMOVE;
}

static void event_free(gpointer data) {
  event_msg *m = data;
  g_free(m->word);
  g_free(m->text);
  g_free(m);
}

static void emit(gw_bridge *b, gw_bridge_event ev, const char *word, const char *text) {
  event_msg *m = g_new0(event_msg, 1);
  *m = (event_msg){b->on_event, b->ctl, b->call_id, ev, g_strdup(word), g_strdup(text)};
  gw_post_to(b->control, deliver, m, event_free);
}

/* ---- on the worker ---- */

static void leg_event(void *user, gw_leg_event ev, const char *word, const char *text) {
  static const gw_bridge_event map[] = {
    [GW_LEG_EV_CANDIDATE] = GW_BR_CANDIDATE,           [GW_LEG_EV_GATHERING_DONE] = GW_BR_GATHERING_DONE,
    [GW_LEG_EV_ICE_CONNECTED] = GW_BR_ICE_CONNECTED, [GW_LEG_EV_DTLS_CONNECTED] = GW_BR_DTLS_CONNECTED,
    [GW_LEG_EV_FAILED] = GW_BR_FAILED,
  };
  emit(user, map[ev], word, text);
}

static void leg_rtp(void *user, uint8_t *buf, size_t len, size_t cap) {
  gw_bridge *b = user;
  if (b->mode == GW_BRIDGE_ECHO) {
    /* Straight back, under our own SSRC: the browser must not see its own stream id. */
    buf[8] = (uint8_t)(b->ssrc >> 24);
    buf[9] = (uint8_t)(b->ssrc >> 16);
    buf[10] = (uint8_t)(b->ssrc >> 8);
    buf[11] = (uint8_t)b->ssrc;
    if (gw_webrtc_leg_send_rtp(b->browser, buf, len, cap) == GW_OK) b->echoed++;
  }
}

static void leg_rtcp(void *user, uint8_t *buf, size_t len) {}

static const gw_leg_callbacks leg_cbs = {leg_event, leg_rtp, leg_rtcp};

static gboolean do_start(gpointer data) {
  gw_bridge *b = data;
  b->opts.ice.context = gw_worker_context(b->worker);
  gw_why why = {""};
  if (gw_webrtc_leg_new(&b->opts, &leg_cbs, b, &b->browser, &why) != GW_OK) {
    GW_WARN("call %llu: browser leg not created: %s", (unsigned long long)b->call_id, why.msg);
    emit(b, GW_BR_FAILED, "server-error", why.msg);
    return G_SOURCE_REMOVE;
  }
  for (char **c = b->remote_candidates; c && *c; c++) {
    if (gw_webrtc_leg_add_candidate(b->browser, *c, &why) != GW_OK)
      GW_DEBUG("call %llu: candidate skipped: %s", (unsigned long long)b->call_id, why.msg);
  }
  if (b->remote_done) gw_webrtc_leg_end_of_candidates(b->browser);
  return G_SOURCE_REMOVE;
}

typedef struct {
  gw_bridge *b;
  char *candidate;
} cand_msg;

static gboolean do_candidate(gpointer data) {
  cand_msg *m = data;
  gw_bridge *b = m->b;
  if (!b->browser) return G_SOURCE_REMOVE;
  if (!m->candidate) {
    gw_webrtc_leg_end_of_candidates(b->browser);
  } else {
    gw_why why = {""};
    if (gw_webrtc_leg_add_candidate(b->browser, m->candidate, &why) != GW_OK)
      GW_DEBUG("call %llu: candidate skipped: %s", (unsigned long long)b->call_id, why.msg);
  }
  return G_SOURCE_REMOVE;
}

static void cand_free(gpointer data) {
  cand_msg *m = data;
  g_free(m->candidate);
  g_free(m);
}

static gboolean do_stop(gpointer data) {
  gw_bridge *b = data;
  if (b->echoed) GW_INFO("call %llu: echoed %llu packets", (unsigned long long)b->call_id, (unsigned long long)b->echoed);
  gw_webrtc_leg_free(b->browser);
  gw_dtls_ctx_unref(b->opts.dtls_ctx);
  gw_worker_put(b->worker);
  for (size_t i = 0; i < G_N_ELEMENTS(b->s); i++) g_free(b->s[i]);
  g_strfreev(b->remote_candidates);
  g_free(b);
  return G_SOURCE_REMOVE;
}

/* ---- control side ---- */

gw_bridge *gw_bridge_start(const gw_bridge_opts *o) {
  gw_bridge *b = g_new0(gw_bridge, 1);
  b->call_id = o->call_id;
  b->worker = o->worker;
  b->control = o->control;
  b->on_event = o->on_event;
  b->ctl = o->ctl;
  b->mode = o->mode;
  b->opts = o->browser;
  const char **fields[] = {&b->opts.remote_ufrag, &b->opts.remote_pwd, &b->opts.fingerprint_alg,
                           &b->opts.fingerprint, &b->opts.local_ufrag, &b->opts.local_pwd};
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    b->s[i] = g_strdup(*fields[i]);
    *fields[i] = b->s[i];
  }
  /* The ICE option strings live as long as the configuration, which outlives every call. */
  b->opts.dtls_ctx = gw_dtls_ctx_ref(o->browser.dtls_ctx);
  b->remote_candidates = g_strdupv(o->remote_candidates);
  b->remote_done = o->remote_gathering_done;
  b->ssrc = o->ssrc;
  gw_worker_post(b->worker, do_start, b, NULL);
  return b;
}

void gw_bridge_add_candidate(gw_bridge *b, const char *candidate) {
  cand_msg *m = g_new0(cand_msg, 1);
  m->b = b;
  m->candidate = g_strdup(candidate);
  gw_worker_post(b->worker, do_candidate, m, cand_free);
}

void gw_bridge_stop(gw_bridge *b) { gw_worker_post(b->worker, do_stop, b, NULL); }

void gw_bridge_set_trunk(gw_bridge *b, const gw_bridge_trunk *t) {
  (void)b;
  (void)t; /* the trunk leg arrives with media/sipleg */
}
