#include "gateway/calls.h"

#include <gio/gio.h>
#include <openssl/rand.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/browser_sdp.h"
#include "gateway/log.h"
#include "gateway/trunk_sdp.h"
#include "media/bridge/bridge.h"
#include "media/dtmf/info.h"
#include "media/sdp/sdp.h"
#include "signaling/sip_call.h"

#define ANSWER_WAIT_MS 500

struct gw_calls {
  const gw_config *cfg;
  uint64_t outcomes[8]; /* calls ended, by outcome (see outcome_names) */
  uint64_t started_total;
  /* call setup time (start to answer) histogram: counts per bucket (le), sum, count */
  uint64_t setup_buckets[10], setup_count;
  double setup_sum_s;
  /* media of ended calls, per leg type (live calls are added when /metrics is read) */
  gw_leg_stats ended_legs[GW_STATS_LEGS];
  gw_ringback_pattern ringback;
  bool has_ringback;
  gw_dtmf_fallback dtmf_fallback;
  bool draining;
  gint64 load_logged_us; /* admission by load: the last refusal logged, and refusals since */
  unsigned load_refused;
  gw_sip_ua *sip;
  void *app; /* passed to sink.ring */
  gw_workers *workers;
  gw_dtls_ctx *dtls;
  gw_call_sink sink;
  GHashTable *by_id; /* uint64 id -> gw_call, owned */
  uint64_t next_id;
};

typedef enum { CALL_ANSWERING, CALL_ACTIVE, CALL_ENDED } call_state;
typedef enum { TARGET_ECHO, TARGET_SIP } call_target;

struct gw_call {
  gw_calls *reg;
  uint64_t id;
  void *owner;
  char *client_id, *to, *headers;
  call_target target;
  call_state state;
  /* SIP side */
  gw_sip_call *sip;
  gw_trunk_local trunk_local;
  gw_trunk_media trunk_media; /* inbound: what the trunk offered */
  bool inbound, sip_answered, early_media;
  GPtrArray *ringing;          /* inbound, before accept: the sessions ringing */
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
  gint64 started_us, answered_us;
  gw_call_stats stats; /* the latest snapshot from the worker */
  unsigned snapshots;
  bool trunk_dtmf;     /* the trunk's media has telephone-event */
  int64_t lost_hw[GW_STATS_LEGS]; /* highest packets_lost seen (it can fall with duplicates; counters must not) */
  GString *info_queue; /* digits still to send as SIP INFO */
  guint info_timer;
};

static void call_free(gpointer p) {
  gw_call *c = p;
  if (c->answer_timer) g_source_remove(c->answer_timer);
  if (c->info_timer) g_source_remove(c->info_timer);
  if (c->info_queue) g_string_free(c->info_queue, TRUE);
  if (c->sip) gw_sip_call_hangup(c->sip, 487, "Call ended");
  if (c->bridge) gw_bridge_stop(c->bridge);
  gw_sdp_free(c->offer);
  if (c->ringing) g_ptr_array_free(c->ringing, TRUE);
  if (c->pending_cands) g_ptr_array_free(c->pending_cands, TRUE);
  g_free(c->client_id);
  g_free(c->to);
  g_free(c->headers);
  g_free(c);
}

static void on_incoming(void *app, const gw_sip_incoming *in);

gw_calls *gw_calls_new(const gw_config *cfg, gw_sip_ua *sip, gw_workers *workers, gw_dtls_ctx *dtls,
                       const gw_call_sink *sink, void *app) {
  gw_calls *r = g_new0(gw_calls, 1);
  r->cfg = cfg;
  r->sip = sip;
  r->app = app;
  gw_sip_ua_set_incoming(sip, on_incoming, r);
  r->workers = workers;
  r->dtls = gw_dtls_ctx_ref(dtls);
  r->sink = *sink;
  r->by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, call_free);
  /* Both were validated with the configuration. */
  gw_ringback_pattern_parse(cfg->ringback, &r->ringback, &r->has_ringback, NULL);
  r->dtmf_fallback = strcmp(cfg->trunk_dtmf_fallback, "info") == 0     ? GW_DTMF_FALLBACK_INFO
                     : strcmp(cfg->trunk_dtmf_fallback, "inband") == 0 ? GW_DTMF_FALLBACK_INBAND
                                                                       : GW_DTMF_FALLBACK_OFF;
  return r;
}

void gw_calls_free(gw_calls *r) {
  if (!r) return;
  g_hash_table_destroy(r->by_id);
  gw_dtls_ctx_unref(r->dtls);
  g_free(r);
}

void gw_calls_set_draining(gw_calls *r, bool draining) { r->draining = draining; }

#define LOAD_LOG_US (10 * G_USEC_PER_SEC)

int gw_calls_admit(gw_calls *r, const char *who, gw_why *why) {
  const gw_config *cfg = r->cfg;
  if (gw_calls_active(r) >= (unsigned)cfg->max_calls)
    return gw_fail(why, GW_ETOOBIG, "the gateway is at its limit of %d calls", cfg->max_calls);
  double load = cfg->max_worker_cpu > 0 ? gw_workers_least_load(r->workers) : 0;
  if (cfg->max_worker_cpu > 0 && load > cfg->max_worker_cpu) {
    /* At most one line per LOAD_LOG_US, with the count since the last one: an overload draws many
     * attempts, and the log must stay readable. */
    gint64 now = g_get_monotonic_time();
    r->load_refused++;
    if (!r->load_logged_us || now - r->load_logged_us >= LOAD_LOG_US) {
      GW_WARN("%s: call refused: every media worker is above %.2f%% CPU (least loaded %.2f%%); %u refused since the "
              "last such line", who, cfg->max_worker_cpu, load, r->load_refused);
      r->load_logged_us = now;
      r->load_refused = 0;
    }
    return gw_fail(why, GW_ESTATE, "the gateway is overloaded; try again shortly");
  }
  return GW_OK;
}
unsigned gw_calls_active(const gw_calls *r) { return g_hash_table_size(r->by_id); }
const char *gw_call_client_id(const gw_call *c) { return c->client_id; }

static void random_ice_string(char *out, size_t n) {
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char rnd[64];
  if (RAND_bytes(rnd, (int)n) != 1)
    for (size_t i = 0; i < n; i++) rnd[i] = (unsigned char)g_random_int();
  for (size_t i = 0; i < n; i++) out[i] = chars[rnd[i] % 64];
  out[n] = '\0';
}

static const char *const outcome_names[] = {"normal", "busy", "declined", "not-found", "unavailable", "cancelled",
                                             "failed", "other"};

static unsigned outcome_of(const char *reason) {
  for (unsigned i = 0; i < 6; i++)
    if (strcmp(outcome_names[i], reason) == 0) return i;
  if (strstr(reason, "failed") || strcmp(reason, "server-error") == 0 || strcmp(reason, "rejected") == 0) return 6;
  return 7;
}

static const double setup_le[10] = {0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34};

/* The call is answered: its setup time goes into the histogram. */
static void mark_answered(gw_call *c) {
  c->answered_us = g_get_monotonic_time();
  gw_calls *r = c->reg;
  double s = (double)(c->answered_us - c->started_us) / 1e6;
  for (unsigned i = 0; i < G_N_ELEMENTS(setup_le); i++)
    if (s <= setup_le[i]) r->setup_buckets[i]++;
  r->setup_count++;
  r->setup_sum_s += s;
}

/* lost: the call's high-water mark of packets_lost, so that the total never goes down. */
static void add_leg_counters(gw_leg_stats *sum, const gw_leg_stats *l, int64_t lost) {
  sum->packets_sent += l->packets_sent;
  sum->packets_received += l->packets_received;
  sum->bytes_sent += l->bytes_sent;
  sum->bytes_received += l->bytes_received;
  if (lost > 0) sum->packets_lost += lost;
}

/* Ends the call: tells the owner, then frees it (and so stops its media). */
static void end_call(gw_call *c, const char *by, int code, const char *reason, const char *detail) {
  if (c->state == CALL_ENDED) return;
  c->state = CALL_ENDED;
  double secs = (double)(g_get_monotonic_time() - c->started_us) / 1e6;
  GW_INFO("call %llu (%s -> %s) ended by %s: %s%s%s (%.1f s)", (unsigned long long)c->id, c->client_id, c->to, by,
          reason, detail && *detail ? ": " : "", detail ? detail : "", secs);
  c->reg->outcomes[outcome_of(reason)]++;
  if (c->snapshots)
    for (int l = 0; l < GW_STATS_LEGS; l++) add_leg_counters(&c->reg->ended_legs[l], &c->stats.leg[l], c->lost_hw[l]);
  if (c->snapshots) {
    const gw_leg_stats *bl = &c->stats.leg[GW_STATS_LEG_BROWSER], *tl = &c->stats.leg[GW_STATS_LEG_TRUNK];
    double talk = c->answered_us ? (double)(g_get_monotonic_time() - c->answered_us) / 1e6 : 0;
    /* The call's MOS is its worse leg's (an echo call has the browser leg only). */
    double mos = bl->mos;
    if (c->target == TARGET_SIP && !isnan(tl->mos) && (isnan(mos) || tl->mos < mos)) mos = tl->mos;
    char trunk[128] = "";
    if (c->target == TARGET_SIP)
      g_snprintf(trunk, sizeof trunk, ", trunk %llu sent / %llu recv (%.2f%% loss)", (unsigned long long)tl->packets_sent,
                 (unsigned long long)tl->packets_received, isnan(tl->loss_pct) ? 0 : tl->loss_pct);
    GW_INFO("call %llu (%s) summary: duration %d:%02d, browser %llu pkts sent / %llu recv (%.2f%% loss)%s, MOS %.1f",
            (unsigned long long)c->id, c->client_id, (int)talk / 60, (int)talk % 60, (unsigned long long)bl->packets_sent,
            (unsigned long long)bl->packets_received, isnan(bl->loss_pct) ? 0 : bl->loss_pct, trunk,
            isnan(mos) ? 0.0 : mos);
  }
  if (c->owner) c->reg->sink.ended(c->owner, c, by, code, reason, detail);
  for (guint i = 0; c->ringing && i < c->ringing->len; i++)
    c->reg->sink.ended(c->ringing->pdata[i], c, by, code, reason, detail);
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
static void trunk_ready(gw_call *c, uint16_t port);

static void on_media_stats(void *ctl, uint64_t id, const gw_call_stats *st) {
  gw_calls *r = ctl;
  gw_call *c = g_hash_table_lookup(r->by_id, &id);
  if (!c) return;
  c->stats = *st;
  for (int l = 0; l < GW_STATS_LEGS; l++) c->lost_hw[l] = MAX(c->lost_hw[l], st->leg[l].packets_lost);
  if (++c->snapshots % 5 == 0) gw_call_stats_log(&c->stats); /* every 5 s */
}

/* ---- DTMF as SIP INFO (trunks without telephone-event, [trunk] dtmf_fallback = info) ---- */

#define INFO_DIGIT_MS 160 /* Duration= of a digit from the dtmf message */
#define INFO_SPACING_MS 250
#define INFO_PAUSE_MS 2000

static void send_info_digit(gw_call *c, char digit, uint32_t duration_ms) {
  char body[64];
  gw_why why = {""};
  if (!c->sip || gw_dtmf_info_format(digit, duration_ms, body, sizeof body, &why) != GW_OK ||
      gw_sip_call_info(c->sip, GW_DTMF_INFO_CONTENT_TYPE, body, &why) != GW_OK) {
    GW_WARN("call %llu: DTMF '%c' not sent as INFO: %s", (unsigned long long)c->id, digit, why.msg[0] ? why.msg : "no dialog");
    return;
  }
  GW_INFO("call %llu: DTMF '%c' to the trunk as SIP INFO (%u ms)", (unsigned long long)c->id, digit, duration_ms);
}

/* One digit of the queue now, the next one INFO_SPACING_MS later (',' waits INFO_PAUSE_MS): an
 * INFO each, in order, none overtaking the one before. */
static gboolean info_next(gpointer data) {
  gw_call *c = data;
  c->info_timer = 0;
  if (!c->info_queue || c->info_queue->len == 0) return G_SOURCE_REMOVE;
  char d = c->info_queue->str[0];
  g_string_erase(c->info_queue, 0, 1);
  if (d != ',') send_info_digit(c, d, INFO_DIGIT_MS);
  if (c->info_queue->len) c->info_timer = g_timeout_add(d == ',' ? INFO_PAUSE_MS : INFO_SPACING_MS, info_next, c);
  return G_SOURCE_REMOVE;
}

#define INFO_QUEUE_MAX 64

/* Queues digits for info_next; GW_ETOOBIG when the queue is full. */
static int queue_info_digits(gw_call *c, const char *digits, gw_why *why) {
  if (!c->info_queue) c->info_queue = g_string_new(NULL);
  if (c->info_queue->len + strlen(digits) > INFO_QUEUE_MAX)
    return gw_fail(why, GW_ETOOBIG, "too many digits waiting to be sent as SIP INFO");
  g_string_append(c->info_queue, digits);
  if (!c->info_timer) c->info_timer = g_timeout_add(0, info_next, c);
  return GW_OK;
}

/* An INFO from the far end: a DTMF relay body becomes a dtmf message to the browser. */
static void sip_info(void *owner, const char *content_type, const char *body) {
  gw_call *c = owner;
  gw_dtmf_info d;
  gw_why why = {""};
  if (!content_type || g_ascii_strcasecmp(content_type, GW_DTMF_INFO_CONTENT_TYPE) != 0) {
    GW_DEBUG("call %llu: INFO with %s ignored", (unsigned long long)c->id, content_type ? content_type : "no body type");
    return;
  }
  if (gw_dtmf_info_parse(body, strlen(body), &d, &why) != GW_OK) {
    GW_WARN("call %llu: DTMF INFO from the trunk not understood: %s", (unsigned long long)c->id, why.msg);
    return;
  }
  char digit[2] = {d.digit, 0};
  GW_INFO("call %llu: DTMF '%s' from the far end (SIP INFO)", (unsigned long long)c->id, digit);
  if (c->owner) c->reg->sink.dtmf(c->owner, c, digit);
}

static void on_media_event(void *ctl, uint64_t id, gw_bridge_event ev, const char *word, const char *text) {
  gw_calls *r = ctl;
  gw_call *c = g_hash_table_lookup(r->by_id, &id);
  if (!c) return;
  switch (ev) {
  case GW_BR_CANDIDATE:
    if (c->state == CALL_ANSWERING) g_ptr_array_add(c->pending_cands, g_strdup(text));
    else r->sink.candidate(c->owner, c, text);
    break;
  case GW_BR_GATHERING_DONE:
    c->gathered = true;
    if (c->state == CALL_ANSWERING) send_answer(c);
    else r->sink.candidate(c->owner, c, NULL);
    break;
  case GW_BR_ICE_CONNECTED:
    GW_INFO("call %llu: ICE connected (%s)", (unsigned long long)id, text);
    break;
  case GW_BR_DTLS_CONNECTED:
    GW_INFO("call %llu: DTLS-SRTP established (%s)", (unsigned long long)id, text);
    if (c->target == TARGET_ECHO) {
      mark_answered(c);
      r->sink.answered(c->owner, c);
    }
    break;
  case GW_BR_FAILED:
    GW_WARN("call %llu: media failed: %s: %s", (unsigned long long)id, word, text);
    end_call(c, "gateway", 0, word, text);
    break;
  case GW_BR_TRUNK_READY:
    trunk_ready(c, (uint16_t)atoi(text));
    break;
  case GW_BR_DTMF:
    GW_INFO("call %llu: DTMF '%s' from the far end", (unsigned long long)id, text);
    if (c->owner) r->sink.dtmf(c->owner, c, text);
    break;
  case GW_BR_DTMF_OUT: {
    /* The browser's key presses go through the same paced, bounded queue as the dtmf message:
     * a page sending events as fast as it can must not become a flood of INFOs to the trunk. */
    gw_why why = {""};
    if (queue_info_digits(c, word, &why) != GW_OK)
      GW_WARN("call %llu: DTMF '%s' from the browser dropped: %s", (unsigned long long)id, word, why.msg);
    break;
  }
  }
}

/* ---- the SIP side ---- */

/* A protocol reason word for a SIP final status. */
static const char *reason_for(int status) {
  switch (status) {
  case 0: return "normal";
  case 486: case 600: return "busy";
  case 603: return "declined";
  case 404: case 484: case 604: return "not-found";
  case 408: case 480: case 503: return "unavailable";
  case 487: return "cancelled";
  default: break;
  }
  if (status >= 600) return "declined";
  if (status >= 500) return "server-error";
  return "rejected";
}


static void sip_progress(void *owner, int status, const char *phrase, const char *sdp);
static void sip_answered(void *owner, const char *sdp);
static void sip_ended(void *owner, int status, const char *phrase, bool by_remote);
static char *sip_reoffer(void *owner, const char *sdp);

static const gw_sip_call_events sip_events = {sip_progress, sip_answered, sip_ended, sip_reoffer, sip_info};

static void set_trunk_media(gw_call *c, const gw_trunk_media *m) {
  gw_bridge_trunk t = {.port = m->port, .rtcp_port = m->rtcp_port, .pt = m->pt, .dtmf_pt = m->dtmf_pt,
                       .srtp = m->srtp, .send = m->dir == GW_SDP_SENDRECV || m->dir == GW_SDP_RECVONLY,
                       .recv = m->dir == GW_SDP_SENDRECV || m->dir == GW_SDP_SENDONLY};
  g_strlcpy(t.address, m->address, sizeof t.address);
  if (m->srtp) {
    t.suite = m->local.suite;
    t.local = m->local.master;
    t.remote = m->remote.master;
  }
  GW_INFO("call %llu: trunk media %s:%u %s/8000 pt %u%s, %s", (unsigned long long)c->id, m->address, m->port,
          m->codec, m->pt, m->dtmf_pt >= 0 ? " + telephone-event" : "",
          m->srtp ? gw_srtp_suite_name(m->local.suite) : "plain RTP");
  c->trunk_dtmf = m->dtmf_pt >= 0;
  gw_bridge_set_trunk(c->bridge, &t);
}

/* Applies the trunk's SDP (answer or early media) to the media. */
static int apply_trunk_sdp(gw_call *c, const char *sdp, gw_why *why) {
  gw_trunk_media m;
  int rc = gw_trunk_answer_read(&c->trunk_local, sdp, &m, why);
  if (rc == GW_OK) set_trunk_media(c, &m);
  return rc;
}

static void sip_progress(void *owner, int status, const char *phrase, const char *sdp) {
  gw_call *c = owner;
  gw_why why = {""};
  if (sdp && apply_trunk_sdp(c, sdp, &why) == GW_OK) {
    if (!c->early_media) c->reg->sink.progress(c->owner, c, "early-media");
    c->early_media = true;
  } else if ((status == 180 || status == 183) && !c->early_media) {
    if (status == 180) c->reg->sink.progress(c->owner, c, "ringing");
    if (c->bridge) gw_bridge_ringback(c->bridge, true); /* until media or the answer */
  }
}

static void sip_answered(void *owner, const char *sdp) {
  gw_call *c = owner;
  gw_why why = {""};
  c->sip_answered = true;
  if (!sdp || apply_trunk_sdp(c, sdp, &why) != GW_OK) {
    GW_WARN("call %llu: the trunk's answer is not usable: %s", (unsigned long long)c->id, sdp ? why.msg : "no SDP");
    gw_sip_call_hangup(c->sip, 488, "Not Acceptable Here");
    c->sip = NULL;
    end_call(c, "gateway", 488, "rejected", sdp ? why.msg : "the trunk answered without SDP");
    return;
  }
  GW_INFO("call %llu: answered by the trunk", (unsigned long long)c->id);
  gw_bridge_ringback(c->bridge, false);
  mark_answered(c);
  c->reg->sink.answered(c->owner, c);
}

static void sip_ended(void *owner, int status, const char *phrase, bool by_remote) {
  gw_call *c = owner;
  c->sip = NULL; /* the SIP module is done with it */
  char detail[96];
  g_snprintf(detail, sizeof detail, "%d %s", status, phrase ? phrase : "");
  end_call(c, "remote", status, reason_for(status), status ? detail : NULL);
}

static char *sip_reoffer(void *owner, const char *sdp) {
  gw_call *c = owner;
  gw_trunk_media m;
  gw_why why = {""};
  char *answer = NULL;
  gw_trunk_local l = c->trunk_local;
  if (gw_trunk_offer_read(&l, sdp, &m, &why) != GW_OK) {
    GW_WARN("call %llu: re-INVITE refused: %s", (unsigned long long)c->id, why.msg);
    return NULL;
  }
  l.sess_version = ++c->trunk_local.sess_version;
  /* Mirror the trunk's direction: hold (sendonly) is answered recvonly, inactive stays inactive. */
  l.dir = m.dir == GW_SDP_SENDONLY ? GW_SDP_RECVONLY : m.dir == GW_SDP_RECVONLY ? GW_SDP_SENDONLY : m.dir;
  if (gw_trunk_answer_write(&l, &m, &answer, &why) != GW_OK) return NULL;
  set_trunk_media(c, &m);
  bool held = m.dir == GW_SDP_SENDONLY || m.dir == GW_SDP_INACTIVE;
  c->reg->sink.hold(c->owner, c, held);
  return answer;
}

/* The trunk leg has its port: write the offer and send the INVITE. */
static void trunk_ready(gw_call *c, uint16_t port) {
  const gw_config *cfg = c->reg->cfg;
  gw_why why = {""};
  if (c->inbound) {
    /* The browser accepted: answer the trunk with our keys and start its media. */
    char *sdp = NULL;
    c->trunk_local.port = port;
    if (gw_trunk_answer_write(&c->trunk_local, &c->trunk_media, &sdp, &why) != GW_OK) {
      end_call(c, "gateway", 0, "server-error", why.msg);
      return;
    }
    gw_sip_call_accept(c->sip, sdp);
    g_free(sdp);
    set_trunk_media(c, &c->trunk_media);
    c->sip_answered = true;
    mark_answered(c);
    c->reg->sink.answered(c->owner, c);
    return;
  }
  const char *addr = cfg->media_public_address ? cfg->media_public_address : cfg->media_bind;
  char *sdp = NULL;
  int rc = gw_trunk_local_init(&c->trunk_local, cfg, addr, port, &why);
  if (rc == GW_OK) rc = gw_trunk_offer_write(&c->trunk_local, &sdp, &why);
  if (rc != GW_OK) {
    end_call(c, "gateway", 0, "server-error", why.msg);
    return;
  }
  /* Normalized by the session (gateway/number.h); a '#' of a short code is escaped in the URI. */
  GString *user = g_string_new(NULL);
  for (const char *p = c->to; *p; p++) {
    if (*p == '#') g_string_append(user, "%23");
    else g_string_append_c(user, *p);
  }
  const char *number = user->str;
  const char *proxy = cfg->trunk_proxy;
  const char *scheme_end = strchr(proxy, ':') + 1;
  char *ruri = g_strdup_printf("%.*s%s@%s", (int)(scheme_end - proxy), proxy, number, scheme_end);
  char *host = g_strdup(scheme_end);
  host[strcspn(host, ";>")] = '\0';
  const char *domain = cfg->trunk_domain ? cfg->trunk_domain : host;
  const char *from_user = cfg->trunk_caller_id ? cfg->trunk_caller_id
                          : cfg->trunk_from_user ? cfg->trunk_from_user
                          : cfg->trunk_username ? cfg->trunk_username : "gateway";
  char *from = g_strdup_printf("%s%s%s<sip:%s@%s>", cfg->trunk_display_name ? "\"" : "",
                               cfg->trunk_display_name ? cfg->trunk_display_name : "",
                               cfg->trunk_display_name ? "\" " : "", from_user, domain);
  char *to = g_strdup_printf("<%.*s%s@%s>", (int)(scheme_end - proxy), proxy, number, host);
  gw_sip_invite inv = {.request_uri = ruri, .from = from, .to = to, .sdp = sdp, .headers = c->headers,
                       .auth_user = cfg->trunk_username, .auth_password = cfg->trunk_password,
                       .auth_ha1 = cfg->trunk_ha1, .auth_realm = cfg->trunk_realm, .max_redirects = 3};
  GW_INFO("call %llu: INVITE for %s; DTLS-SRTP -> %s", (unsigned long long)c->id, number,
          c->trunk_local.n_crypto ? "SDES-SRTP" : "plain RTP");
  GW_DEBUG("trunk offer SDP:\n%s", sdp);
  rc = gw_sip_call_invite(c->reg->sip, &inv, &sip_events, c, &c->sip, &why);
  if (rc == GW_OK) c->reg->sink.progress(c->owner, c, "trying");
  g_free(ruri);
  g_string_free(user, TRUE);
  g_free(host);
  g_free(from);
  g_free(to);
  g_free(sdp);
  if (rc != GW_OK) end_call(c, "gateway", 0, "server-error", why.msg);
}

/* The Opus payload type the browser may send: from its offer (outbound) or ours (inbound, 111).
 * Browsers sometimes send the offer's first codec even when the answer kept another one. */
static int opus_pt_of(const gw_call *c) {
  if (c->inbound) return 111;
  const gw_sdp_codec *o = gw_sdp_find_codec(c->sel.audio, "opus", 48000);
  return o ? o->pt : -1;
}

/* Creates the call's media on its worker: the browser leg from c->sel, and the trunk leg in SIP mode. */
static void start_media(gw_call *c, bool controlling) {
  gw_calls *r = c->reg;
  const gw_config *cfg = r->cfg;
  const gw_sdp_media *am = c->sel.audio;
  GPtrArray *cands = g_ptr_array_new();
  for (size_t i = 0; i < am->n_cands; i++) g_ptr_array_add(cands, am->cands[i].raw);
  g_ptr_array_add(cands, NULL);
  c->worker = gw_workers_take(r->workers);
  gw_bridge_opts bo = {
    .call_id = c->id, .worker = c->worker, .control = g_main_context_default(), .on_event = on_media_event,
    .on_stats = on_media_stats, .client_id = c->client_id, .browser_codec = c->sel.codec->name,
    .browser_clock = c->sel.codec->clock,
    .ctl = r, .mode = c->target == TARGET_ECHO ? GW_BRIDGE_ECHO : GW_BRIDGE_SIP, .ssrc = c->ssrc,
    .browser_pt = c->sel.codec->pt, .browser_dtmf_pt = c->sel.dtmf ? c->sel.dtmf->pt : -1,
    .browser_opus_pt = opus_pt_of(c),
    .trunk = {cfg->media_bind, cfg->rtp_port_min, cfg->rtp_port_max}, .opus_complexity = cfg->opus_complexity,
    .media_timeout_s = cfg->media_timeout,
    .ringback = r->has_ringback ? &r->ringback : NULL, .dtmf_fallback = r->dtmf_fallback,
    .browser = {
      .ice = {NULL, controlling, cfg->media_bind, cfg->media_public_address, cfg->rtp_port_min, cfg->rtp_port_max,
              cfg->stun_server},
      .dtls_ctx = r->dtls, .dtls_role = c->sel.our_role, .remote_ufrag = c->sel.ufrag, .remote_pwd = c->sel.pwd,
      .fingerprint_alg = c->sel.fingerprint->alg, .fingerprint = c->sel.fingerprint->value,
      .local_ufrag = c->ufrag, .local_pwd = c->pwd, .connect_timeout_ms = 20000,
    },
    .remote_candidates = (char **)cands->pdata, .remote_gathering_done = am->end_of_candidates,
  };
  c->bridge = gw_bridge_start(&bo);
  g_ptr_array_free(cands, TRUE);
  GW_INFO("call %llu: %s -> %s, browser codec %s/%u (pt %u)%s, DTLS %s, ICE %s", (unsigned long long)c->id,
          c->client_id, c->to, c->sel.codec->name, c->sel.codec->clock, c->sel.codec->pt,
          c->sel.dtmf ? " + telephone-event" : "", c->sel.our_role == GW_DTLS_SERVER ? "passive" : "active",
          controlling ? "controlling" : "controlled");
}

int gw_call_start(gw_calls *r, void *owner, const char *client_id, const char *to, const char *offer_sdp,
                  const char *headers, gw_call **out, gw_why *why) {
  bool echo = strcmp(to, "echo") == 0;
  if (!echo && !gw_config_has_trunk(r->cfg))
    return gw_fail(why, GW_EUNSUPP, "no SIP trunk is configured on this gateway");
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
  c->target = echo ? TARGET_ECHO : TARGET_SIP;
  c->headers = g_strdup(headers);
  c->state = CALL_ANSWERING;
  c->started_us = g_get_monotonic_time();
  c->pending_cands = g_ptr_array_new_with_free_func(g_free);
  random_ice_string(c->ufrag, 8);
  random_ice_string(c->pwd, 24);
  if (RAND_bytes((unsigned char *)&c->ssrc, sizeof c->ssrc) != 1) c->ssrc = g_random_int();
  g_hash_table_insert(r->by_id, &c->id, c);
  r->started_total++;
  start_media(c, false);
  c->answer_timer = g_timeout_add(ANSWER_WAIT_MS, answer_timeout, c);
  *out = c;
  return GW_OK;
}

/* ---- inbound calls ---- */

static bool source_allowed(const gw_config *cfg, const char *source) {
  GInetAddress *addr = g_inet_address_new_from_string(source);
  if (!addr) return false;
  bool ok = false;
  char *const *list = cfg->trunk_allowed_sources;
  if (list && *list) {
    for (char *const *it = list; *it && !ok; it++) {
      GInetAddressMask *mask = g_inet_address_mask_new_from_string(*it, NULL);
      if (mask) ok = g_inet_address_mask_matches(mask, addr);
      if (mask) g_object_unref(mask);
    }
  } else if (cfg->trunk_proxy) {
    /* Default: the proxy's own address, when it is written as one. */
    char *host = g_strdup(strchr(cfg->trunk_proxy, ':') + 1);
    host[strcspn(host, ":;>")] = '\0';
    GInetAddress *p = g_inet_address_new_from_string(host);
    ok = p && g_inet_address_equal(p, addr);
    if (p) g_object_unref(p);
    g_free(host);
  } else {
    ok = g_inet_address_get_is_loopback(addr); /* the demo far end */
  }
  g_object_unref(addr);
  return ok;
}

static const gw_sip_call_events sip_in_events = {NULL, NULL, sip_ended, sip_reoffer, sip_info};

static void on_incoming(void *app, const gw_sip_incoming *in) {
  gw_calls *r = app;
  const gw_config *cfg = r->cfg;
  gw_why why = {""};
  if (!source_allowed(cfg, in->source)) {
    GW_WARN("SIP INVITE from %s refused (403): not in [trunk] allowed_sources", in->source);
    gw_sip_call_hangup(in->call, 403, "Forbidden");
    gw_sip_ua_failure(r->sip, in->source, "INVITE from outside [trunk] allowed_sources");
    return;
  }
  if (r->draining) {
    GW_INFO("SIP INVITE from %s refused (503): the gateway is draining", in->source);
    gw_sip_call_hangup(in->call, 503, "Service Unavailable");
    return;
  }
  char who[80];
  g_snprintf(who, sizeof who, "SIP INVITE from %s", in->source);
  if (gw_calls_admit(r, who, &why) != GW_OK) { /* the same admission as browser calls */
    GW_INFO("%s refused (503): %s", who, why.msg);
    gw_sip_call_hangup(in->call, 503, "Service Unavailable");
    return;
  }
  const char *user = gw_config_route(cfg, in->did);
  gw_call *c = g_new0(gw_call, 1);
  c->reg = r;
  c->id = ++r->next_id;
  c->inbound = true;
  c->target = TARGET_SIP;
  c->client_id = g_strdup_printf("in-%llu", (unsigned long long)c->id);
  c->to = g_strdup(in->did);
  c->state = CALL_ANSWERING;
  c->started_us = g_get_monotonic_time();
  c->ringing = g_ptr_array_new();
  random_ice_string(c->ufrag, 8);
  random_ice_string(c->pwd, 24);
  if (RAND_bytes((unsigned char *)&c->ssrc, sizeof c->ssrc) != 1) c->ssrc = g_random_int();
  const char *addr = cfg->media_public_address ? cfg->media_public_address : cfg->media_bind;
  int rc = gw_trunk_local_init(&c->trunk_local, cfg, addr, 0, &why);
  if (rc == GW_OK && !in->sdp) rc = gw_fail(&why, GW_EUNSUPP, "an INVITE without SDP is not supported");
  if (rc == GW_OK) rc = gw_trunk_offer_read(&c->trunk_local, in->sdp, &c->trunk_media, &why);
  if (rc != GW_OK) {
    GW_WARN("SIP INVITE for %s refused (488): %s", in->did, why.msg);
    gw_sip_call_hangup(in->call, 488, "Not Acceptable Here");
    call_free(c);
    return;
  }
  c->sip = in->call;
  gw_sip_call_set_owner(in->call, &sip_in_events, c);
  g_hash_table_insert(r->by_id, &c->id, c);
  char *offer = NULL;
  gw_browser_offer_params bp = {c->ufrag, c->pwd, gw_dtls_ctx_fingerprint(r->dtls), addr, "webrtc-sip-gateway",
                                c->ssrc, g_random_int()};
  if (gw_browser_offer_write(&bp, &offer, &why) == GW_OK && user)
    r->sink.ring(r->app, user, c, in->from_user, in->did, offer);
  g_free(offer);
  if (c->ringing->len == 0) {
    /* The same answer whether the DID is unknown or nobody is registered: nothing to learn. */
    GW_INFO("call %llu: %s for %s: no registered browser (480)", (unsigned long long)c->id, in->from_user, in->did);
    gw_sip_call_hangup(c->sip, 480, "Temporarily Unavailable");
    c->sip = NULL;
    end_call(c, "gateway", 480, "unavailable", NULL);
    return;
  }
  GW_INFO("call %llu: %s -> %s (user %s) rings %u session(s)", (unsigned long long)c->id, in->from_user, in->did,
          user, c->ringing->len);
  gw_sip_call_ringing(c->sip);
}

void gw_call_add_ringing(gw_call *c, void *owner) { g_ptr_array_add(c->ringing, owner); }

int gw_call_accept(gw_call *c, void *owner, const char *answer_sdp, gw_why *why) {
  if (!c->inbound || !c->ringing || !g_ptr_array_find(c->ringing, owner, NULL))
    return gw_fail(why, GW_ESTATE, "this call is not ringing here");
  gw_sdp *answer = NULL;
  int rc = gw_sdp_parse(answer_sdp, strlen(answer_sdp), &answer, why);
  if (rc == GW_OK) rc = gw_browser_answer_inspect(answer, &c->sel, why);
  if (rc != GW_OK) {
    gw_sdp_free(answer);
    return rc;
  }
  c->offer = answer; /* sel points into it */
  /* First accept wins; the others stop ringing. */
  g_ptr_array_remove(c->ringing, owner);
  GPtrArray *others = c->ringing;
  c->ringing = NULL;
  for (guint i = 0; i < others->len; i++)
    c->reg->sink.ended(others->pdata[i], c, "gateway", 0, "answered-elsewhere", NULL);
  g_ptr_array_free(others, TRUE);
  c->owner = owner;
  c->state = CALL_ACTIVE;
  start_media(c, true);
  return GW_OK;
}

void gw_call_reject(gw_call *c, void *owner, int code) {
  if (!c->ringing || !g_ptr_array_remove(c->ringing, owner)) return;
  c->reg->sink.ended(owner, c, "local", code, "rejected", NULL);
  if (c->ringing->len == 0 && c->sip) {
    int status = code == 603 ? 603 : code ? code : 486;
    gw_sip_call_hangup(c->sip, status, status == 603 ? "Decline" : "Busy Here");
    c->sip = NULL;
    end_call(c, "local", status, reason_for(status), NULL);
  }
}

int gw_call_send_dtmf(gw_call *c, const char *digits, gw_why *why) {
  if (c->target != TARGET_SIP || !c->bridge) return gw_fail(why, GW_ESTATE, "this call has no far end for DTMF");
  if (!c->sip_answered && !c->early_media) return gw_fail(why, GW_ESTATE, "DTMF needs the call answered");
  if (!c->trunk_dtmf && c->reg->dtmf_fallback == GW_DTMF_FALLBACK_INFO) {
    if (!c->sip_answered) return gw_fail(why, GW_ESTATE, "DTMF by SIP INFO needs the call answered");
    return queue_info_digits(c, digits, why);
  }
  gw_bridge_send_dtmf(c->bridge, digits);
  return GW_OK;
}

int gw_call_add_candidate(gw_call *c, const char *candidate, gw_why *why) {
  if (candidate && !g_str_has_prefix(candidate, "candidate:") && !g_str_has_prefix(candidate, "a=candidate:"))
    return gw_fail(why, GW_EINVAL, "a candidate starts with \"candidate:\"");
  if (candidate && *candidate == '\0') candidate = NULL;
  if (!c->bridge) return gw_fail(why, GW_ESTATE, "candidates come after accept");
  gw_bridge_add_candidate(c->bridge, candidate);
  return GW_OK;
}

void gw_call_hangup(gw_call *c, const char *reason) {
  if (c->ringing && c->owner == NULL) return; /* a ringing inbound call: sessions reject it instead */
  if (c->sip) {
    gw_sip_call_hangup(c->sip, c->sip_answered ? 200 : 487, "Hangup from the browser");
    c->sip = NULL;
  }
  end_call(c, "local", 0, reason ? reason : "normal", NULL);
}

/* ---- operators' views ---- */

static json_t *call_json(const gw_call *c) {
  json_t *j = c->snapshots ? gw_call_stats_to_json(&c->stats) : json_pack("{s:s, s:{}}", "call", c->client_id, "legs");
  if (c->target == TARGET_ECHO) json_object_del(json_object_get(j, "legs"), "trunk"); /* it has none */
  static const char *const states[] = {"setup", "active", "ended"};
  json_object_set_new(j, "id", json_integer((json_int_t)c->id));
  json_object_set_new(j, "to", json_string(c->to));
  json_object_set_new(j, "direction", json_string(c->inbound ? "inbound" : "outbound"));
  json_object_set_new(j, "target", json_string(c->target == TARGET_ECHO ? "echo" : "sip"));
  json_object_set_new(j, "state", json_string(c->answered_us ? "answered" : states[c->state]));
  json_object_set_new(j, "duration_s", json_real((double)(g_get_monotonic_time() - c->started_us) / 1e6));
  return j;
}

static gint by_id(gconstpointer a, gconstpointer b) {
  const gw_call *x = *(gw_call *const *)a, *y = *(gw_call *const *)b;
  return x->id < y->id ? -1 : x->id > y->id;
}

static GPtrArray *sorted_calls(const gw_calls *r) {
  GPtrArray *a = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->by_id);
  while (g_hash_table_iter_next(&it, NULL, &v)) g_ptr_array_add(a, v);
  g_ptr_array_sort(a, by_id);
  return a;
}

json_t *gw_calls_json(const gw_calls *r, const char *only) {
  GPtrArray *a = sorted_calls(r);
  json_t *out = only ? NULL : json_array();
  for (guint i = 0; i < a->len; i++) {
    const gw_call *c = a->pdata[i];
    char id[24];
    g_snprintf(id, sizeof id, "%llu", (unsigned long long)c->id);
    if (!only) json_array_append_new(out, call_json(c));
    else if (strcmp(only, id) == 0 || strcmp(only, c->client_id) == 0) out = call_json(c);
  }
  g_ptr_array_free(a, TRUE);
  return out;
}

void gw_calls_prometheus(const gw_calls *r, GString *out) {
  g_string_append_printf(out, "# HELP gw_calls_active Calls in progress.\n# TYPE gw_calls_active gauge\n"
                              "gw_calls_active %u\n", g_hash_table_size(r->by_id));
  g_string_append_printf(out, "# HELP gw_calls_started_total Outbound calls accepted for setup.\n"
                              "# TYPE gw_calls_started_total counter\ngw_calls_started_total %llu\n",
                         (unsigned long long)r->started_total);
  g_string_append(out, "# HELP gw_calls_ended_total Calls ended, by outcome.\n# TYPE gw_calls_ended_total counter\n");
  for (unsigned i = 0; i < G_N_ELEMENTS(outcome_names); i++)
    g_string_append_printf(out, "gw_calls_ended_total{outcome=\"%s\"} %llu\n", outcome_names[i],
                           (unsigned long long)r->outcomes[i]);
  g_string_append(out, "# HELP gw_call_setup_seconds Time from a call's start to its answer.\n"
                       "# TYPE gw_call_setup_seconds histogram\n");
  for (unsigned i = 0; i < G_N_ELEMENTS(setup_le); i++)
    g_string_append_printf(out, "gw_call_setup_seconds_bucket{le=\"%g\"} %llu\n", setup_le[i],
                           (unsigned long long)r->setup_buckets[i]);
  g_string_append_printf(out, "gw_call_setup_seconds_bucket{le=\"+Inf\"} %llu\ngw_call_setup_seconds_sum %.3f\n"
                              "gw_call_setup_seconds_count %llu\n", (unsigned long long)r->setup_count, r->setup_sum_s,
                         (unsigned long long)r->setup_count);
  GPtrArray *a = sorted_calls(r);
  gw_call_stats *st = g_new0(gw_call_stats, a->len ? a->len : 1);
  size_t n = 0;
  gw_leg_stats total[GW_STATS_LEGS];
  double jitter_sum[GW_STATS_LEGS] = {0};
  unsigned jitter_n[GW_STATS_LEGS] = {0};
  memcpy(total, r->ended_legs, sizeof total);
  for (guint i = 0; i < a->len; i++) {
    const gw_call *c = a->pdata[i];
    if (!c->snapshots) continue;
    st[n++] = c->stats;
    for (int l = 0; l < GW_STATS_LEGS; l++) {
      add_leg_counters(&total[l], &c->stats.leg[l], c->lost_hw[l]);
      if (!isnan(c->stats.leg[l].jitter_ms) && c->stats.leg[l].packets_received) {
        jitter_sum[l] += c->stats.leg[l].jitter_ms;
        jitter_n[l]++;
      }
    }
  }
  static const struct {
    const char *name, *help;
    size_t off;
  } totals[] = {
      {"gw_media_packets_sent_total", "RTP packets sent, all calls, by leg type.", offsetof(gw_leg_stats, packets_sent)},
      {"gw_media_packets_received_total", "RTP packets received, all calls, by leg type.",
       offsetof(gw_leg_stats, packets_received)},
      {"gw_media_bytes_sent_total", "RTP payload bytes sent, all calls, by leg type.", offsetof(gw_leg_stats, bytes_sent)},
      {"gw_media_bytes_received_total", "RTP payload bytes received, all calls, by leg type.",
       offsetof(gw_leg_stats, bytes_received)},
      {"gw_media_packets_lost_total", "RTP packets lost toward the gateway, all calls, by leg type.",
       offsetof(gw_leg_stats, packets_lost)},
  };
  for (unsigned t = 0; t < G_N_ELEMENTS(totals); t++) {
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", totals[t].name, totals[t].help, totals[t].name);
    for (int l = 0; l < GW_STATS_LEGS; l++) {
      const char *p = (const char *)&total[l] + totals[t].off;
      unsigned long long v = totals[t].off == offsetof(gw_leg_stats, packets_lost)
                                 ? (unsigned long long)*(const int64_t *)(const void *)p
                                 : (unsigned long long)*(const uint64_t *)(const void *)p;
      g_string_append_printf(out, "%s{leg=\"%s\"} %llu\n", totals[t].name, gw_stats_leg_name(l), v);
    }
  }
  g_string_append(out, "# HELP gw_media_jitter_seconds Mean interarrival jitter of the calls up now, by leg type.\n"
                       "# TYPE gw_media_jitter_seconds gauge\n");
  for (int l = 0; l < GW_STATS_LEGS; l++)
    if (jitter_n[l])
      g_string_append_printf(out, "gw_media_jitter_seconds{leg=\"%s\"} %.6f\n", gw_stats_leg_name(l),
                             jitter_sum[l] / jitter_n[l] / 1000.0);
  gw_stats_prometheus(out, st, n);
  g_free(st);
  g_ptr_array_free(a, TRUE);
}

void gw_calls_end_all(gw_calls *r, const char *reason, const char *detail) {
  GPtrArray *a = sorted_calls(r);
  for (guint i = 0; i < a->len; i++) {
    gw_call *c = a->pdata[i];
    if (c->sip) {
      gw_sip_call_hangup(c->sip, c->sip_answered || c->inbound ? 503 : 487, detail);
      c->sip = NULL;
    }
    end_call(c, "gateway", 0, reason, detail);
  }
  g_ptr_array_free(a, TRUE);
}
