#include "gateway/demo.h"

#include <math.h>
#include <string.h>

#include "gateway/log.h"
#include "gateway/trunk_sdp.h"
#include "media/codec/g711.h"
#include "media/dtmf/dtmf.h"
#include "media/rtp/rtcp_session.h"
#include "media/rtp/recv_stats.h"
#include "media/rtp/rtp.h"
#include "media/sipleg/sipleg.h"
#include "signaling/sip_call.h"

#define TONE_MS 3000
#define ANSWER_DELAY_MS 1000

struct gw_demo {
  const gw_config *cfg;
  gw_workers *workers;
  gw_sip_ua *ua;
  GHashTable *calls; /* demo_call set */
};

/* The media of one demo call, on a worker: a tone, then an echo. */
typedef struct {
  gw_worker *worker;
  gw_sipleg *leg;
  GSource *tick;
  gw_trunk_media m;
  uint32_t ssrc, ts, sent;
  uint16_t seq;
  double phase;
  GQueue echo; /* payloads heard, replayed after the tone */
  gw_dtmf_rx *dtmf; /* telephone-event from the gateway, reported in the log */
  /* RTCP, as a phone would send it: the gateway's trunk leg gets its RTT and our view of its stream */
  gw_rtcp_session rtcp;
  gw_rtp_seq rx_seq;
  gw_rtp_jitter rx_jitter;
  bool rx_started;
  uint32_t rx_ssrc;
} demo_media;

typedef struct {
  gw_demo *demo;
  gw_sip_call *sip;
  gw_trunk_local local;
  gw_trunk_media m;
  demo_media *media;
  guint answer_timer;
} demo_call;

/* ---- media, on the worker ---- */

static void media_rtp(void *user, const gw_rtp_header *h, uint8_t *buf, size_t len, size_t cap) {
  demo_media *dm = user;
  if (h->pt == dm->m.pt) {
    if (!dm->rx_started) gw_rtp_seq_start(&dm->rx_seq, h->seq);
    dm->rx_started = true;
    dm->rx_ssrc = h->ssrc;
    gw_rtp_seq_update(&dm->rx_seq, h->seq);
    gw_rtp_jitter_update(&dm->rx_jitter, gw_rtp_clock_units(g_get_monotonic_time(), 8000), h->ts);
  }
  if (h->pt == dm->m.pt && h->payload_len == GW_G711_FRAME && g_queue_get_length(&dm->echo) < 100)
    g_queue_push_tail(&dm->echo, g_memdup2(h->payload, GW_G711_FRAME));
  else if (dm->dtmf && h->pt == dm->m.dtmf_pt) {
    gw_dtmf_rtp in = {h->pt, h->marker, h->seq, h->ts, h->ssrc};
    gw_dtmf_rx_result res;
    gw_dtmf_rx_input(dm->dtmf, &in, h->payload, h->payload_len, (uint64_t)(g_get_monotonic_time() / 1000), &res, NULL);
    for (size_t i = 0; i < res.n; i++)
      if (res.digits[i].kind == GW_DTMF_DIGIT_END)
        GW_INFO("demo far end: heard DTMF '%c' (%u ms)", res.digits[i].digit, res.digits[i].duration_ms);
  }
}

static void media_rtcp(void *user, uint8_t *buf, size_t len) {
  demo_media *dm = user;
  gw_rtcp_session_receive(&dm->rtcp, dm->ssrc, buf, len, g_get_real_time(), NULL, NULL);
}

/* A report when one is due (RFC 3550 intervals): SR, block about the gateway's stream, CNAME. */
static void media_report(demo_media *dm) {
  gint64 now = g_get_monotonic_time();
  if (!gw_rtcp_session_due(&dm->rtcp, now, g_random_double())) return;
  gw_rtcp_session_schedule(&dm->rtcp, now, g_random_double());
  gw_rtcp_tx tx = {.ssrc = dm->ssrc, .packets = dm->sent, .octets = (uint64_t)dm->sent * GW_G711_FRAME,
                   .rtp_ts = dm->ts, .clock_rate = 8000};
  gw_rtcp_rx rx = {.ssrc = dm->rx_ssrc, .seq = dm->rx_started ? &dm->rx_seq : NULL, .jitter = &dm->rx_jitter};
  uint8_t buf[GW_RTCP_REPORT_MAX + GW_SRTP_MAX_OVERHEAD];
  size_t n = 0;
  if (gw_rtcp_session_build(&dm->rtcp, &tx, &rx, g_get_real_time(), buf, sizeof buf, &n, NULL) == GW_OK)
    gw_sipleg_send_rtcp(dm->leg, buf, n, sizeof buf);
}

static const gw_sipleg_callbacks media_cbs = {media_rtp, media_rtcp};

static gboolean media_tick(gpointer data) {
  demo_media *dm = data;
  uint8_t pkt[GW_RTP_HEADER_LEN + GW_G711_FRAME + GW_SRTP_MAX_OVERHEAD];
  uint8_t *payload = pkt + GW_RTP_HEADER_LEN;
  gw_g711_law law = dm->m.pt == 8 ? GW_G711_PCMA : GW_G711_PCMU;
  if (dm->sent * 20 < TONE_MS) {
    /* A 440 Hz beep, on for 400 ms and off for 200 ms: easy to recognize. */
    int16_t pcm[GW_G711_FRAME];
    bool on = (dm->sent * 20) % 600 < 400;
    for (int i = 0; i < GW_G711_FRAME; i++) {
      pcm[i] = on ? (int16_t)(8000 * sin(dm->phase)) : 0;
      dm->phase += 2 * M_PI * 440 / 8000;
    }
    gw_g711_encode(law, pcm, payload, GW_G711_FRAME);
  } else {
    uint8_t *heard = g_queue_pop_head(&dm->echo);
    if (heard) memcpy(payload, heard, GW_G711_FRAME);
    else memset(payload, gw_g711_silence(law), GW_G711_FRAME);
    g_free(heard);
  }
  gw_rtp_write_header(pkt, sizeof pkt, dm->sent == 0, dm->m.pt, dm->seq++, dm->ts, dm->ssrc);
  dm->ts += GW_G711_FRAME;
  dm->sent++;
  gw_sipleg_send_rtp(dm->leg, pkt, GW_RTP_HEADER_LEN + GW_G711_FRAME, sizeof pkt);
  media_report(dm);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  demo_media *dm;
  gw_trunk_media m;
} media_start_msg;

static gboolean media_start(gpointer data) {
  media_start_msg *msg = data;
  demo_media *dm = msg->dm;
  dm->m = msg->m;
  gw_why why = {""};
  if (gw_sipleg_apply(dm->leg, dm->m.address, dm->m.port, dm->m.rtcp_port, dm->m.srtp, dm->m.local.suite,
                      &dm->m.local.master, &dm->m.remote.master, &why) != GW_OK) {
    GW_WARN("demo far end: media not started: %s", why.msg);
    return G_SOURCE_REMOVE;
  }
  gw_rtcp_session_init(&dm->rtcp, "demo-far-end@localhost", NULL);
  if (dm->m.dtmf_pt >= 0) {
    gw_dtmf_rx_opts ro = {.formats = {{(uint8_t)dm->m.dtmf_pt, 8000}}, .n_formats = 1};
    gw_dtmf_rx_new(&dm->dtmf, &ro, NULL);
  }
  dm->tick = g_timeout_source_new(20);
  g_source_set_callback(dm->tick, media_tick, dm, NULL);
  g_source_attach(dm->tick, gw_worker_context(dm->worker));
  return G_SOURCE_REMOVE;
}

static gboolean media_stop(gpointer data) {
  demo_media *dm = data;
  if (dm->tick) {
    g_source_destroy(dm->tick);
    g_source_unref(dm->tick);
  }
  gw_sipleg_free(dm->leg);
  gw_dtmf_rx_free(dm->dtmf);
  g_queue_clear_full(&dm->echo, g_free);
  gw_worker_put(dm->worker);
  g_free(dm);
  return G_SOURCE_REMOVE;
}

/* ---- signaling, on the control thread ---- */

static void call_end(demo_call *c) {
  if (c->answer_timer) g_source_remove(c->answer_timer);
  if (c->media) gw_worker_post(c->media->worker, media_stop, c->media, NULL);
  g_hash_table_remove(c->demo->calls, c);
  g_free(c);
}

static void on_ended(void *owner, int status, const char *phrase, bool by_remote) {
  demo_call *c = owner;
  GW_INFO("demo far end: call ended (%d %s)", status, phrase ? phrase : "");
  call_end(c);
}

static char *on_reoffer(void *owner, const char *sdp) { return NULL; }

static const gw_sip_call_events demo_events = {NULL, NULL, on_ended, on_reoffer, NULL};

static gboolean answer_now(gpointer data) {
  demo_call *c = data;
  c->answer_timer = 0;
  gw_why why = {""};
  char *sdp = NULL;
  c->local.port = gw_sipleg_rtp_port(c->media->leg);
  if (gw_trunk_answer_write(&c->local, &c->m, &sdp, &why) != GW_OK) {
    GW_WARN("demo far end: cannot answer: %s", why.msg);
    gw_sip_call_hangup(c->sip, 500, "Server Error");
    call_end(c);
    return G_SOURCE_REMOVE;
  }
  gw_sip_call_accept(c->sip, sdp);
  g_free(sdp);
  media_start_msg *msg = g_new0(media_start_msg, 1);
  msg->dm = c->media;
  msg->m = c->m;
  gw_worker_post(c->media->worker, media_start, msg, g_free);
  GW_INFO("demo far end: answered (%s, %s): a 440 Hz beep for %d s, then an echo", c->m.codec,
          c->m.srtp ? gw_srtp_suite_name(c->m.local.suite) : "plain RTP", TONE_MS / 1000);
  return G_SOURCE_REMOVE;
}

static void on_incoming(void *app, const gw_sip_incoming *in) {
  gw_demo *d = app;
  gw_why why = {""};
  if (strcmp(in->source, "127.0.0.1") != 0 && strcmp(in->source, "::1") != 0) {
    gw_sip_call_hangup(in->call, 403, "Forbidden");
    return;
  }
  demo_call *c = g_new0(demo_call, 1);
  c->demo = d;
  c->sip = in->call;
  int rc = gw_trunk_local_init(&c->local, d->cfg, "127.0.0.1", 0, &why);
  if (rc == GW_OK) rc = in->sdp ? gw_trunk_offer_read(&c->local, in->sdp, &c->m, &why) : GW_EINVAL;
  demo_media *dm = NULL;
  if (rc == GW_OK) {
    dm = g_new0(demo_media, 1);
    dm->worker = gw_workers_take(d->workers);
    dm->ssrc = g_random_int();
    dm->seq = (uint16_t)g_random_int();
    dm->ts = g_random_int();
    g_queue_init(&dm->echo);
    /* The sockets are created here and then used only on the worker: nothing else touches them. */
    gw_sipleg_opts so = {gw_worker_context(dm->worker), "127.0.0.1", (uint16_t)d->cfg->rtp_port_min,
                         (uint16_t)d->cfg->rtp_port_max, true, "demo"};
    rc = gw_sipleg_new(&so, &media_cbs, dm, &dm->leg, &why);
    if (rc != GW_OK) {
      gw_worker_put(dm->worker);
      g_free(dm);
      dm = NULL;
    }
  }
  if (rc != GW_OK) {
    GW_WARN("demo far end: refusing a call (488): %s", why.msg);
    gw_sip_call_hangup(in->call, 488, "Not Acceptable Here");
    g_free(c);
    return;
  }
  c->media = dm;
  g_hash_table_add(d->calls, c);
  gw_sip_call_set_owner(in->call, &demo_events, c);
  gw_sip_call_ringing(in->call);
  c->answer_timer = g_timeout_add(ANSWER_DELAY_MS, answer_now, c);
  GW_INFO("demo far end: call for %s, ringing", in->did);
}

int gw_demo_new(const gw_config *cfg, gw_workers *workers, int port, gw_demo **out, gw_why *why) {
  gw_demo *d = g_new0(gw_demo, 1);
  d->cfg = cfg;
  d->workers = workers;
  d->calls = g_hash_table_new(NULL, NULL);
  gw_sip_ua_opts so = {.bind_address = "127.0.0.1", .port = port, .user_agent = "webrtc-sip-gateway demo far end",
                       .t1_ms = (unsigned)cfg->sip_t1_ms}; /* no blocking: only the gateway calls it */
  int rc = gw_sip_ua_new(&so, &d->ua, why);
  if (rc != GW_OK) {
    g_hash_table_destroy(d->calls);
    g_free(d);
    return rc;
  }
  gw_sip_ua_set_incoming(d->ua, on_incoming, d);
  *out = d;
  return GW_OK;
}

void gw_demo_free(gw_demo *d) {
  if (!d) return;
  GList *all = g_hash_table_get_keys(d->calls);
  for (GList *l = all; l; l = l->next) call_end(l->data);
  g_list_free(all);
  gw_sip_ua_free(d->ua);
  g_hash_table_destroy(d->calls);
  g_free(d);
}
