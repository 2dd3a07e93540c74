#include "gateway/calls.h"

#include <openssl/rand.h>
#include <string.h>

#include "gateway/browser_sdp.h"
#include "gateway/log.h"
#include "media/bridge/bridge.h"
#include "media/sdp/sdp.h"

#define ANSWER_WAIT_MS 500

struct gw_calls {
  const gw_config *cfg;
  gw_workers *workers;
  gw_dtls_ctx *dtls;
  gw_call_sink sink;
  GHashTable *by_id; /* uint64 id -> gw_call, owned */
  uint64_t next_id;
};

typedef enum { CALL_ANSWERING, CALL_ACTIVE, CALL_ENDED } call_state;

struct gw_call {
  gw_calls *reg;
  uint64_t id;
  void *owner;
  void *tag;
  char *client_id, *to;
  call_state state;
  gw_bridge *bridge;
  gw_worker *worker;
  /* Until the answer is out: the parsed offer and the candidates gathered so far. */
  gw_sdp *offer;
  gw_browser_offer sel;
  GPtrArray *pending_cands;
  bool gathered;
  guint answer_timer;
  char ufrag[16], pwd[32];
  uint32_t ssrc;
  gint64 started_us;
};

static void call_free(gpointer p) {
  gw_call *c = p;
  if (c->answer_timer) g_source_remove(c->answer_timer);
  if (c->bridge) gw_bridge_stop(c->bridge);
  gw_sdp_free(c->offer);
  if (c->pending_cands) g_ptr_array_free(c->pending_cands, TRUE);
  g_free(c->client_id);
  g_free(c->to);
  g_free(c);
}

gw_calls *gw_calls_new(const gw_config *cfg, gw_workers *workers, gw_dtls_ctx *dtls, const gw_call_sink *sink) {
  gw_calls *r = g_new0(gw_calls, 1);
  r->cfg = cfg;
  r->workers = workers;
  r->dtls = gw_dtls_ctx_ref(dtls);
  r->sink = *sink;
  r->by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, call_free);
  return r;
}

void gw_calls_free(gw_calls *r) {
  if (!r) return;
  g_hash_table_destroy(r->by_id);
  gw_dtls_ctx_unref(r->dtls);
  g_free(r);
}

unsigned gw_calls_active(const gw_calls *r) { return g_hash_table_size(r->by_id); }
const char *gw_call_client_id(const gw_call *c) { return c->client_id; }
void *gw_call_tag(const gw_call *c) { return c->tag; }
void gw_call_set_tag(gw_call *c, void *tag) { c->tag = tag; }

static void random_ice_string(char *out, size_t n) {
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char rnd[64];
  if (RAND_bytes(rnd, (int)n) != 1)
    for (size_t i = 0; i < n; i++) rnd[i] = (unsigned char)g_random_int();
  for (size_t i = 0; i < n; i++) out[i] = chars[rnd[i] % 64];
  out[n] = '\0';
}

/* Ends the call: tells the owner, then frees it (and so stops its media). */
static void end_call(gw_call *c, const char *by, int code, const char *reason, const char *detail) {
  if (c->state == CALL_ENDED) return;
  c->state = CALL_ENDED;
  double secs = (double)(g_get_monotonic_time() - c->started_us) / 1e6;
  GW_INFO("call %llu (%s -> %s) ended by %s: %s%s%s (%.1f s)", (unsigned long long)c->id, c->client_id, c->to, by,
          reason, detail && *detail ? ": " : "", detail ? detail : "", secs);
  c->reg->sink.ended(c->owner, c, by, code, reason, detail);
  g_hash_table_remove(c->reg->by_id, &c->id);
}

static void send_answer(gw_call *c) {
  if (c->answer_timer) {
    g_source_remove(c->answer_timer);
    c->answer_timer = 0;
  }
  g_ptr_array_add(c->pending_cands, NULL);
  const gw_config *cfg = c->reg->cfg;
  gw_browser_answer_params p = {
    .ufrag = c->ufrag, .pwd = c->pwd, .fingerprint = gw_dtls_ctx_fingerprint(c->reg->dtls),
    .address = cfg->media_public_address ? cfg->media_public_address : cfg->media_bind,
    .ssrc = c->ssrc, .cname = "webrtc-sip-gateway",
    .candidates = (char *const *)c->pending_cands->pdata, .end_of_candidates = c->gathered,
  };
  char *sdp = NULL;
  gw_why why = {""};
  int rc = gw_browser_answer_write(c->offer, &c->sel, &p, &sdp, &why);
  g_ptr_array_free(c->pending_cands, TRUE);
  c->pending_cands = NULL;
  gw_sdp_free(c->offer);
  c->offer = NULL;
  if (rc != GW_OK) {
    end_call(c, "gateway", 0, "server-error", why.msg);
    return;
  }
  c->state = CALL_ACTIVE;
  GW_INFO("call %llu: >>> answer to browser", (unsigned long long)c->id);
  GW_DEBUG("answer SDP:\n%s", sdp);
  c->reg->sink.answer(c->owner, c, sdp);
  g_free(sdp);
}

static gboolean answer_timeout(gpointer data) {
  gw_call *c = data;
  c->answer_timer = 0;
  send_answer(c);
  return G_SOURCE_REMOVE;
}

/* Media events, on the control thread, by call id: a call that has gone just drops them. */
static void on_media_event(void *ctl, uint64_t id, gw_leg_event ev, const char *word, const char *text) {
  gw_calls *r = ctl;
  gw_call *c = g_hash_table_lookup(r->by_id, &id);
  if (!c) return;
  switch (ev) {
  case GW_LEG_EV_CANDIDATE:
    if (c->state == CALL_ANSWERING) g_ptr_array_add(c->pending_cands, g_strdup(text));
    else r->sink.candidate(c->owner, c, text);
    break;
  case GW_LEG_EV_GATHERING_DONE:
    c->gathered = true;
    if (c->state == CALL_ANSWERING) send_answer(c);
    else r->sink.candidate(c->owner, c, NULL);
    break;
  case GW_LEG_EV_ICE_CONNECTED:
    GW_INFO("call %llu: ICE connected (%s)", (unsigned long long)id, text);
    break;
  case GW_LEG_EV_DTLS_CONNECTED:
    GW_INFO("call %llu: DTLS-SRTP established (%s)", (unsigned long long)id, text);
    if (strcmp(c->to, "echo") == 0) {
      r->sink.answered(c->owner, c);
    }
    break;
  case GW_LEG_EV_FAILED:
    GW_WARN("call %llu: browser leg failed: %s: %s", (unsigned long long)id, word, text);
    end_call(c, "gateway", 0, word, text);
    break;
  }
}

int gw_call_start(gw_calls *r, void *owner, const char *client_id, const char *to, const char *offer_sdp,
                  gw_call **out, gw_why *why) {
  if (strcmp(to, "echo") != 0)
    return gw_fail(why, GW_EUNSUPP, "only the \"echo\" target is available on this gateway yet");
  gw_sdp *offer = NULL;
  int rc = gw_sdp_parse(offer_sdp, strlen(offer_sdp), &offer, why);
  if (rc != GW_OK) return rc;
  gw_call *c = g_new0(gw_call, 1);
  c->offer = offer;
  rc = gw_browser_offer_inspect(offer, &c->sel, why);
  if (rc != GW_OK) {
    gw_sdp_free(offer);
    g_free(c);
    return rc;
  }
  c->reg = r;
  c->id = ++r->next_id;
  c->owner = owner;
  c->client_id = g_strdup(client_id);
  c->to = g_strdup(to);
  c->state = CALL_ANSWERING;
  c->started_us = g_get_monotonic_time();
  c->pending_cands = g_ptr_array_new_with_free_func(g_free);
  random_ice_string(c->ufrag, 8);
  random_ice_string(c->pwd, 24);
  if (RAND_bytes((unsigned char *)&c->ssrc, sizeof c->ssrc) != 1) c->ssrc = g_random_int();
  c->worker = gw_workers_take(r->workers);
  g_hash_table_insert(r->by_id, &c->id, c);

  const gw_config *cfg = r->cfg;
  const gw_sdp_media *am = c->sel.audio;
  GPtrArray *cands = g_ptr_array_new();
  for (size_t i = 0; i < am->n_cands; i++) g_ptr_array_add(cands, am->cands[i].raw);
  g_ptr_array_add(cands, NULL);
  gw_bridge_opts bo = {
    .call_id = c->id, .worker = c->worker, .control = g_main_context_default(), .on_event = on_media_event,
    .ctl = r, .mode = GW_BRIDGE_ECHO, .ssrc = c->ssrc,
    .browser = {
      .ice = {NULL, false, cfg->media_bind, cfg->media_public_address, cfg->rtp_port_min, cfg->rtp_port_max,
              cfg->stun_server},
      .dtls_ctx = r->dtls, .dtls_role = c->sel.our_role, .remote_ufrag = c->sel.ufrag, .remote_pwd = c->sel.pwd,
      .fingerprint_alg = c->sel.fingerprint->alg, .fingerprint = c->sel.fingerprint->value,
      .local_ufrag = c->ufrag, .local_pwd = c->pwd, .connect_timeout_ms = 20000,
    },
    .remote_candidates = (char **)cands->pdata, .remote_gathering_done = am->end_of_candidates,
  };
  c->bridge = gw_bridge_start(&bo);
  g_ptr_array_free(cands, TRUE);
  c->answer_timer = g_timeout_add(ANSWER_WAIT_MS, answer_timeout, c);
  GW_INFO("call %llu: %s -> %s, browser codec %s/%u (pt %u)%s, DTLS %s", (unsigned long long)c->id, client_id, to,
          c->sel.codec->name, c->sel.codec->clock, c->sel.codec->pt, c->sel.dtmf ? " + telephone-event" : "",
          c->sel.our_role == GW_DTLS_SERVER ? "passive" : "active");
  *out = c;
  return GW_OK;
}

int gw_call_add_candidate(gw_call *c, const char *candidate, gw_why *why) {
  if (candidate && !g_str_has_prefix(candidate, "candidate:") && !g_str_has_prefix(candidate, "a=candidate:"))
    return gw_fail(why, GW_EINVAL, "a candidate starts with \"candidate:\"");
  if (candidate && *candidate == '\0') candidate = NULL;
  gw_bridge_add_candidate(c->bridge, candidate);
  return GW_OK;
}

void gw_call_hangup(gw_call *c, const char *reason) { end_call(c, "local", 0, reason ? reason : "normal", NULL); }
