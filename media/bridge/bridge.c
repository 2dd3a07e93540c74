#include "media/bridge/bridge.h"

#include <string.h>

#include "gateway/log.h"
#include "media/codec/g711.h"
#include "media/codec/opus.h"
#include "media/dtmf/dtmf.h"
#include "media/dtmf/tone.h"
#include "media/codec/xcode.h"
#include "media/rtp/playout.h"
#include "media/rtp/recv_stats.h"
#include "media/rtp/rtcp_session.h"
#include "media/rtp/rtp.h"
#include "media/sipleg/sipleg.h"

/* Rewrites headers for one output stream: our SSRC, our sequence, timestamps continuous. */
typedef struct {
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;        /* the next timestamp when transcoding (frame by frame) */
  bool mapped;        /* passthrough: offset from the input's timestamps */
  uint32_t ts_offset;
  uint32_t in_ssrc;   /* the input stream the offset belongs to */
} rewriter;

/* What a packet queued toward the trunk holds. */
enum { TAG_G711 = 1, TAG_OPUS = 2 };

/* Receive-side accounting of one incoming RTP stream (RFC 3550 A.1, A.3, A.8). */
typedef struct {
  gw_rtp_seq seq;
  gw_rtp_jitter jitter;
  bool started;
  gint64 last_us;
  uint32_t ssrc, last_ts; /* of the last packet: the source RTCP reports on */
} rx_track;

static void rx_account(gw_leg_stats *ls, rx_track *t, const gw_rtp_header *h, uint32_t clock) {
  gint64 now = g_get_monotonic_time();
  t->last_us = now;
  t->ssrc = h->ssrc;
  t->last_ts = h->ts;
  ls->packets_received++;
  ls->bytes_received += h->payload_len;
  if (!t->started) {
    gw_rtp_seq_start(&t->seq, h->seq);
    t->started = true;
  }
  gw_rtp_seq_update(&t->seq, h->seq);
  gw_rtp_jitter_update(&t->jitter, gw_rtp_clock_units(now, clock), h->ts);
  ls->packets_lost = gw_rtp_seq_lost(&t->seq);
  ls->jitter_ms = gw_rtp_jitter_get(&t->jitter) * 1000.0 / clock;
}

static void tx_account(gw_leg_stats *ls, size_t payload_len) {
  ls->packets_sent++;
  ls->bytes_sent += payload_len;
}

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
  /* SIP mode */
  gw_bridge_trunk_opts trunk_opts;
  gw_sipleg *trunk;
  bool trunk_set, trunk_send, trunk_recv;
  uint8_t browser_pt, trunk_pt;
  int browser_opus_pt;
  int browser_dtmf_pt, trunk_dtmf_pt;
  bool transcode;
  gw_xcode *to_trunk, *to_browser;
  rewriter out_trunk, out_browser; /* header rewriting per direction */
  /* Toward the trunk, paced by the worker's 20 ms tick: the browser's packets wait in to_trunk_q
   * and each tick sends one frame (or a concealed one) with continuous timestamps. */
  gw_playout *to_trunk_q;
  gw_pacer_client *pace;
  unsigned idle_ticks;     /* ticks since a frame was last sent toward the trunk */
  bool trunk_talking;      /* a frame has been sent and no talk-spurt pause since */
  gint64 trunk_sent_us;    /* the tick of the last frame sent toward the trunk */
  int opus_complexity;
  int media_timeout_s;
  gint64 started_us, last_browser_rtp_us, trunk_set_us;
  bool timed_out;
  /* DTMF */
  gw_dtmf_gen *dtmf_gen;          /* digits from the JSON dtmf message */
  gw_dtmf_map *dtmf_to_trunk;     /* the browser's RFC 4733 events, re-timed for the trunk */
  gw_dtmf_rx *dtmf_from_trunk;    /* the far end's digits, reported to the browser */
  GSource *dtmf_timer;
  /* toward a trunk without telephone-event */
  gw_dtmf_fallback dtmf_fallback;
  gw_dtmf_player *inband;       /* Q.23 tones in the audio */
  gw_dtmf_rx *dtmf_from_browser; /* the browser's RFC 4733 events, read to be played or sent as INFO */
  /* ringback toward the browser while the trunk rings without media */
  bool has_ringback;
  gw_ringback_pattern ringback_pattern;
  gw_ringback ringback;
  gw_pacer_client *ringback_client; /* on the worker's pacer while ringing */
  gw_xcode *ringback_opus;
  bool ringback_started;
  /* statistics */
  gw_call_stats stats;
  rx_track rx_browser, rx_trunk;
  uint32_t browser_clock;
  GSource *stats_timer;
  gw_bridge_stats_fn on_stats;
  gw_rtcp_session rtcp[GW_STATS_LEGS]; /* RTCP per leg, driven by the stats tick */
};

/* Writes a fresh 12-byte header and moves the payload right behind it (CSRCs and header
 * extensions of the other leg are dropped). Returns the new length. */
static size_t put_header(uint8_t *buf, size_t header_len, size_t payload_len, bool marker, uint8_t pt, uint16_t seq,
                         uint32_t ts, uint32_t ssrc) {
  if (header_len != GW_RTP_HEADER_LEN) memmove(buf + GW_RTP_HEADER_LEN, buf + header_len, payload_len);
  gw_rtp_write_header(buf, GW_RTP_HEADER_LEN, marker, pt, seq, ts, ssrc);
  return GW_RTP_HEADER_LEN + payload_len;
}

/* Passthrough: same payload, our header; timestamps keep their spacing from the input. Afterwards
 * w->ts is where the next 20 ms frame would be (what injected DTMF events start from). */
static size_t rewrite(rewriter *w, uint8_t *buf, const gw_rtp_header *h, uint8_t pt, uint32_t frame) {
  /* A new input stream (the far end restarted its RTP, e.g. after a re-INVITE): our timestamps
   * carry on from where they were instead of jumping with the input's. */
  if (!w->mapped || h->ssrc != w->in_ssrc) {
    w->ts_offset = w->ts - h->ts;
    w->mapped = true;
    w->in_ssrc = h->ssrc;
  }
  uint32_t ts = h->ts + w->ts_offset;
  w->ts = ts + frame;
  return put_header(buf, h->header_len, h->payload_len, h->marker, pt, w->seq++, ts, w->ssrc);
}

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
  gw_bridge *b0 = user;
  if (ev == GW_LEG_EV_ICE_CONNECTED) gw_stats_set_str(b0->stats.leg[GW_STATS_LEG_BROWSER].ice_pair, text);
  if (ev == GW_LEG_EV_DTLS_CONNECTED) gw_stats_set_str(b0->stats.leg[GW_STATS_LEG_BROWSER].srtp_suite, text);
  static const gw_bridge_event map[] = {
    [GW_LEG_EV_CANDIDATE] = GW_BR_CANDIDATE,           [GW_LEG_EV_GATHERING_DONE] = GW_BR_GATHERING_DONE,
    [GW_LEG_EV_ICE_CONNECTED] = GW_BR_ICE_CONNECTED, [GW_LEG_EV_DTLS_CONNECTED] = GW_BR_DTLS_CONNECTED,
    [GW_LEG_EV_FAILED] = GW_BR_FAILED,
  };
  emit(user, map[ev], word, text);
}

static void browser_to_trunk(gw_bridge *b, uint8_t *buf, size_t len, size_t cap);
static gboolean stats_tick(gpointer data);

static void leg_rtp(void *user, uint8_t *buf, size_t len, size_t cap) {
  gw_bridge *b = user;
  if (b->mode == GW_BRIDGE_SIP) {
    browser_to_trunk(b, buf, len, cap);
  } else if (b->mode == GW_BRIDGE_ECHO) {
    gw_rtp_header h;
    if (gw_rtp_parse(buf, len, &h, NULL) == GW_OK)
      rx_account(&b->stats.leg[GW_STATS_LEG_BROWSER], &b->rx_browser, &h, b->browser_clock);
    /* Straight back, under our own SSRC: the browser must not see its own stream id. */
    buf[8] = (uint8_t)(b->ssrc >> 24);
    buf[9] = (uint8_t)(b->ssrc >> 16);
    buf[10] = (uint8_t)(b->ssrc >> 8);
    buf[11] = (uint8_t)b->ssrc;
    if (gw_webrtc_leg_send_rtp(b->browser, buf, len, cap) == GW_OK) {
      b->echoed++;
      tx_account(&b->stats.leg[GW_STATS_LEG_BROWSER], len - GW_RTP_HEADER_LEN);
    }
  }
}

static void rtcp_in(gw_bridge *b, gw_stats_leg leg, const uint8_t *buf, size_t len);

static void leg_rtcp(void *user, uint8_t *buf, size_t len) { rtcp_in(user, GW_STATS_LEG_BROWSER, buf, len); }

/* ---- DTMF (RFC 4733) ---- */

static uint64_t now_ms(void) { return (uint64_t)(g_get_monotonic_time() / 1000); }

static void send_dtmf_packet(gw_bridge *b, const gw_dtmf_packet *p) {
  uint8_t pkt[GW_RTP_HEADER_LEN + GW_DTMF_PAYLOAD_LEN + GW_SRTP_MAX_OVERHEAD];
  gw_rtp_write_header(pkt, sizeof pkt, p->rtp.marker, p->rtp.pt, p->rtp.seq, p->rtp.ts, b->out_trunk.ssrc);
  gw_dtmf_event_write(&p->ev, pkt + GW_RTP_HEADER_LEN);
  if (gw_sipleg_send_rtp(b->trunk, pkt, GW_RTP_HEADER_LEN + GW_DTMF_PAYLOAD_LEN, sizeof pkt) == GW_OK)
    tx_account(&b->stats.leg[GW_STATS_LEG_TRUNK], GW_DTMF_PAYLOAD_LEN);
}

static gboolean dtmf_tick(gpointer data);
static int ensure_inband(gw_bridge *b);

static void start_dtmf_timer(gw_bridge *b) {
  if (b->dtmf_timer) return;
  b->dtmf_timer = g_timeout_source_new(20);
  g_source_set_callback(b->dtmf_timer, dtmf_tick, b, NULL);
  g_source_attach(b->dtmf_timer, gw_worker_context(b->worker));
}

static void report_digits(gw_bridge *b, const gw_dtmf_rx_result *res) {
  for (size_t i = 0; i < res->n; i++) {
    if (res->digits[i].kind != GW_DTMF_DIGIT_END) continue;
    char d[2] = {res->digits[i].digit, 0};
    emit(b, GW_BR_DTMF, NULL, d);
  }
}

static void send_dtmf_packets(gw_bridge *b, const gw_dtmf_map_result *res, gw_dtmf_dst *dst) {
  for (size_t i = 0; i < res->n; i++) send_dtmf_packet(b, &res->pkts[i]);
  b->out_trunk.seq = dst->seq;
  for (size_t i = 0; i < res->rx.n; i++)
    if (res->rx.digits[i].kind == GW_DTMF_DIGIT_END)
      GW_INFO("call %llu: DTMF '%c' from the browser relayed to the trunk (%u ms)", (unsigned long long)b->call_id,
              res->rx.digits[i].digit, res->rx.digits[i].duration_ms);
}

/* 20 ms while digits are being sent or relayed: the generator and the mapper's timeouts. */
static gboolean dtmf_tick(gpointer data) {
  gw_bridge *b = data;
  gw_dtmf_dst dst = {b->out_trunk.ts, b->out_trunk.seq};
  gw_dtmf_packet p;
  if (b->dtmf_gen && gw_dtmf_gen_next(b->dtmf_gen, &dst, &p)) send_dtmf_packet(b, &p);
  b->out_trunk.seq = dst.seq;
  if (b->dtmf_to_trunk) {
    gw_dtmf_map_result res;
    gw_dtmf_map_poll(b->dtmf_to_trunk, now_ms(), &dst, &res);
    send_dtmf_packets(b, &res, &dst);
  }
  bool busy = (b->dtmf_gen && gw_dtmf_gen_busy(b->dtmf_gen)) || (b->dtmf_to_trunk && gw_dtmf_map_busy(b->dtmf_to_trunk));
  if (!busy) g_clear_pointer(&b->dtmf_timer, g_source_unref);
  return busy ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

typedef struct {
  gw_bridge *b;
  char digits[40];
} dtmf_msg;

static gboolean do_dtmf(gpointer data) {
  dtmf_msg *m = data;
  gw_bridge *b = m->b;
  gw_why why = {""};
  if (b->trunk_set && b->trunk_dtmf_pt < 0 && b->dtmf_fallback == GW_DTMF_FALLBACK_INBAND) {
    if (ensure_inband(b) != GW_OK) return G_SOURCE_REMOVE;
    if (gw_dtmf_player_queue(b->inband, m->digits, &why) != GW_OK)
      GW_WARN("call %llu: DTMF not sent: %s", (unsigned long long)b->call_id, why.msg);
    else
      GW_INFO("call %llu: DTMF \"%s\" to the trunk in-band (it offered no telephone-event)",
              (unsigned long long)b->call_id, m->digits);
    return G_SOURCE_REMOVE;
  }
  if (!b->trunk_set || b->trunk_dtmf_pt < 0) {
    GW_WARN("call %llu: DTMF \"%s\" not sent: the trunk offered no telephone-event", (unsigned long long)b->call_id,
            m->digits);
    return G_SOURCE_REMOVE;
  }
  if (!b->dtmf_gen) {
    gw_dtmf_gen_opts o = {.pt = (uint8_t)b->trunk_dtmf_pt, .clock_hz = 8000};
    if (gw_dtmf_gen_new(&b->dtmf_gen, &o, &why) != GW_OK) return G_SOURCE_REMOVE;
  }
  if (gw_dtmf_gen_queue(b->dtmf_gen, m->digits, &why) != GW_OK) {
    GW_WARN("call %llu: DTMF not sent: %s", (unsigned long long)b->call_id, why.msg);
    return G_SOURCE_REMOVE;
  }
  GW_INFO("call %llu: DTMF \"%s\" to the trunk as RFC 4733 events (pt %d)", (unsigned long long)b->call_id, m->digits,
          b->trunk_dtmf_pt);
  start_dtmf_timer(b);
  return G_SOURCE_REMOVE;
}

void gw_bridge_send_dtmf(gw_bridge *b, const char *digits) {
  dtmf_msg *m = g_new0(dtmf_msg, 1);
  m->b = b;
  g_strlcpy(m->digits, digits, sizeof m->digits);
  gw_worker_post(b->worker, do_dtmf, m, g_free);
}

static int ensure_to_trunk(gw_bridge *b) {
  gw_xcode_cfg cfg;
  gw_xcode_cfg_init(&cfg);
  cfg.law = b->trunk_pt == 8 ? GW_G711_PCMA : GW_G711_PCMU;
  cfg.complexity = b->opus_complexity;
  gw_why why = {""};
  int rc = gw_xcode_new(&b->to_trunk, GW_XCODE_OPUS_TO_G711, &cfg, &why);
  if (rc != GW_OK) GW_WARN("call %llu: transcoder not created: %s", (unsigned long long)b->call_id, why.msg);
  else GW_INFO("call %llu: the browser sends Opus: transcoding it toward the trunk", (unsigned long long)b->call_id);
  return rc;
}

/* ---- DTMF toward a trunk without telephone-event ---- */

static gw_g711_law trunk_law(const gw_bridge *b) { return b->trunk_pt == 8 ? GW_G711_PCMA : GW_G711_PCMU; }

static int ensure_inband(gw_bridge *b) {
  if (b->inband) return GW_OK;
  gw_dtmf_player_opts o = {.rate_hz = 8000};
  gw_why why = {""};
  int rc = gw_dtmf_player_new(&b->inband, &o, &why);
  if (rc != GW_OK) GW_WARN("call %llu: in-band DTMF player not created: %s", (unsigned long long)b->call_id, why.msg);
  return rc;
}

/* While in-band digits play, they replace the 20 ms of audio about to go to the trunk. */
static void overlay_inband(gw_bridge *b, uint8_t *g711, size_t len) {
  if (!b->inband || len != GW_G711_FRAME || !gw_dtmf_player_busy(b->inband)) return;
  int16_t pcm[GW_G711_FRAME];
  if (gw_dtmf_player_fill(b->inband, pcm, GW_G711_FRAME)) gw_g711_encode(trunk_law(b), pcm, g711, GW_G711_FRAME);
}

/* The browser's RFC 4733 events when the trunk has none: key presses for the in-band player, or
 * whole digits for the control side to send as SIP INFO. */
static void browser_dtmf_fallback(gw_bridge *b, const gw_rtp_header *h) {
  gw_dtmf_rtp in = {h->pt, h->marker, h->seq, h->ts, h->ssrc};
  gw_dtmf_rx_result res;
  if (gw_dtmf_rx_input(b->dtmf_from_browser, &in, h->payload, h->payload_len, now_ms(), &res, NULL) != GW_OK) return;
  for (size_t i = 0; i < res.n; i++) {
    const gw_dtmf_digit *d = &res.digits[i];
    if (b->dtmf_fallback == GW_DTMF_FALLBACK_INBAND && ensure_inband(b) == GW_OK) {
      if (d->kind == GW_DTMF_DIGIT_START) gw_dtmf_player_key_down(b->inband, d->event, d->volume, NULL);
      else gw_dtmf_player_key_up(b->inband);
      if (d->kind == GW_DTMF_DIGIT_END)
        GW_INFO("call %llu: DTMF '%c' from the browser played in-band to the trunk (%u ms)",
                (unsigned long long)b->call_id, d->digit, d->duration_ms);
    } else if (b->dtmf_fallback == GW_DTMF_FALLBACK_INFO && d->kind == GW_DTMF_DIGIT_END) {
      char digit[2] = {d->digit, 0}, ms[12];
      g_snprintf(ms, sizeof ms, "%u", d->duration_ms ? d->duration_ms : 100);
      emit(b, GW_BR_DTMF_OUT, digit, ms);
    }
  }
}

/* ---- ringback toward the browser ---- */

static void stop_ringback(gw_bridge *b) {
  if (!b->ringback_client) return;
  gw_pacer_remove(b->ringback_client);
  b->ringback_client = NULL;
  g_clear_pointer(&b->ringback_opus, gw_xcode_free);
  GW_INFO("call %llu: ringback stopped", (unsigned long long)b->call_id);
}

/* On each tick of the worker's pacer while ringing: the next frame of the cadence, in the browser's codec, on the
 * browser stream's own sequence and timestamps (what the trunk's audio continues from). */
static void ringback_tick(void *user, int64_t tick_us) {
  (void)tick_us;
  gw_bridge *b = user;
  if (!gw_webrtc_leg_ready(b->browser)) return;
  int16_t pcm[GW_G711_FRAME];
  gw_ringback_fill(&b->ringback, pcm, GW_G711_FRAME);
  uint8_t pkt[GW_RTP_HEADER_LEN + GW_OPUS_MAX_PACKET + GW_SRTP_MAX_OVERHEAD];
  size_t plen = GW_G711_FRAME;
  if (b->browser_pt == 0 || b->browser_pt == 8) {
    gw_g711_encode(b->browser_pt == 8 ? GW_G711_PCMA : GW_G711_PCMU, pcm, pkt + GW_RTP_HEADER_LEN, GW_G711_FRAME);
  } else {
    uint8_t g711[GW_G711_FRAME];
    gw_g711_encode(GW_G711_PCMU, pcm, g711, GW_G711_FRAME);
    gw_why why = {""};
    if (!b->ringback_opus) {
      gw_xcode_cfg cfg;
      gw_xcode_cfg_init(&cfg);
      cfg.law = GW_G711_PCMU;
      cfg.complexity = b->opus_complexity;
      if (gw_xcode_new(&b->ringback_opus, GW_XCODE_G711_TO_OPUS, &cfg, &why) != GW_OK) {
        GW_WARN("call %llu: no ringback: %s", (unsigned long long)b->call_id, why.msg);
        gw_pacer_remove(b->ringback_client); /* allowed inside its own tick */
        b->ringback_client = NULL;
        return;
      }
    }
    if (gw_xcode_g711_to_opus(b->ringback_opus, g711, pkt + GW_RTP_HEADER_LEN, GW_OPUS_MAX_PACKET, &plen, NULL) != GW_OK)
      return;
  }
  size_t n = put_header(pkt, GW_RTP_HEADER_LEN, plen, !b->ringback_started, b->browser_pt, b->out_browser.seq++,
                        b->out_browser.ts, b->out_browser.ssrc);
  b->ringback_started = true;
  b->out_browser.ts += b->browser_clock / 50;
  if (gw_webrtc_leg_send_rtp(b->browser, pkt, n, sizeof pkt) == GW_OK) tx_account(&b->stats.leg[GW_STATS_LEG_BROWSER], plen);
}

typedef struct {
  gw_bridge *b;
  bool on;
} ringback_msg;

static gboolean do_ringback(gpointer data) {
  ringback_msg *m = data;
  gw_bridge *b = m->b;
  if (!m->on) {
    stop_ringback(b);
  } else if (b->has_ringback && !b->ringback_client && !(b->trunk_set && b->trunk_recv) &&
             gw_ringback_init(&b->ringback, &b->ringback_pattern, 8000, NULL) == GW_OK) {
    b->ringback_started = false;
    b->ringback_client = gw_pacer_add(gw_worker_pacer(b->worker), ringback_tick, b);
    GW_INFO("call %llu: ringback to the browser (the trunk rings without media)", (unsigned long long)b->call_id);
  }
  return G_SOURCE_REMOVE;
}

void gw_bridge_ringback(gw_bridge *b, bool on) {
  ringback_msg *m = g_new0(ringback_msg, 1);
  m->b = b;
  m->on = on;
  gw_worker_post(b->worker, do_ringback, m, g_free);
}

/* ---- SIP mode: browser -> trunk ---- */

static void send_trunk_frame(gw_bridge *b, const uint8_t *g711, bool marker) {
  uint8_t pkt[GW_RTP_HEADER_LEN + GW_G711_FRAME + GW_SRTP_MAX_OVERHEAD];
  memcpy(pkt + GW_RTP_HEADER_LEN, g711, GW_G711_FRAME);
  overlay_inband(b, pkt + GW_RTP_HEADER_LEN, GW_G711_FRAME);
  size_t n = put_header(pkt, GW_RTP_HEADER_LEN, GW_G711_FRAME, marker, b->trunk_pt, b->out_trunk.seq++,
                        b->out_trunk.ts, b->out_trunk.ssrc);
  b->out_trunk.ts += GW_G711_FRAME;
  if (gw_sipleg_send_rtp(b->trunk, pkt, n, sizeof pkt) == GW_OK) tx_account(&b->stats.leg[GW_STATS_LEG_TRUNK], GW_G711_FRAME);
}

static void browser_to_trunk(gw_bridge *b, uint8_t *buf, size_t len, size_t cap) {
  gw_rtp_header h;
  if (gw_rtp_parse(buf, len, &h, NULL) != GW_OK) return;
  bool opus_in = b->browser_opus_pt >= 0 && h.pt == b->browser_opus_pt;
  if (h.pt == b->browser_pt || opus_in)
    rx_account(&b->stats.leg[GW_STATS_LEG_BROWSER], &b->rx_browser, &h, opus_in ? 48000 : b->browser_clock);
  if (!b->trunk_set || !b->trunk_send) return;
  if (opus_in && !b->to_trunk && ensure_to_trunk(b) != GW_OK) return;
  if (h.pt == b->browser_pt || opus_in) {
    /* Queued for the pacer: Opus is transcoded there, G.711 passed through with our header. */
    gw_playout_put(b->to_trunk_q, h.seq, h.payload, h.payload_len, opus_in ? TAG_OPUS : TAG_G711, false);
    return;
  }
  /* Any other packet of the stream (an RFC 4733 event) takes a sequence number: not a lost frame. */
  gw_playout_put(b->to_trunk_q, h.seq, NULL, 0, 0, true);
  if (b->browser_dtmf_pt >= 0 && h.pt == b->browser_dtmf_pt && b->dtmf_to_trunk) {
    /* RTCDTMFSender's events, re-timed and re-numbered for the trunk (48000 -> 8000 Hz when Opus). */
    gw_dtmf_rtp in = {h.pt, h.marker, h.seq, h.ts, h.ssrc};
    gw_dtmf_dst dst = {b->out_trunk.ts, b->out_trunk.seq};
    gw_dtmf_map_result res;
    if (gw_dtmf_map_input(b->dtmf_to_trunk, &in, h.payload, h.payload_len, now_ms(), &dst, &res, NULL) == GW_OK)
      send_dtmf_packets(b, &res, &dst);
    start_dtmf_timer(b); /* the mapper ends an event whose end packets never come */
  } else if (b->browser_dtmf_pt >= 0 && h.pt == b->browser_dtmf_pt && b->dtmf_from_browser) {
    browser_dtmf_fallback(b, &h);
  }
}

/* One tick of the worker's pacer: the next frame toward the trunk. Timestamps advance 160 per
 * frame; after a pause of PAUSE_TICKS or more (the browser sent nothing: silence, an RFC 4733
 * event, or a stall) they jump by the time that passed and the frame carries the marker bit
 * (RFC 3551 4.1: the start of a talk spurt). A shorter gap is jitter: the queue grows by the
 * frame that came late and the timestamps stay continuous. */
enum { PAUSE_TICKS = 3 };

/* A frame goes out on this tick: whether it starts a talk spurt (then the timestamps jump by the
 * pause). */
static bool begin_frame(gw_bridge *b, int64_t tick_us) {
  bool marker = !b->trunk_talking;
  /* The timestamps jump by the time that passed since the last frame, counted on the clock (ticks
   * are not counted on hold, and a late worker skips some). */
  if (marker && b->trunk_sent_us) {
    int64_t missed = (tick_us - b->trunk_sent_us + 10000) / 20000 - 1;
    if (missed > 0) b->out_trunk.ts += (uint32_t)(missed * GW_G711_FRAME);
  }
  b->idle_ticks = 0;
  b->trunk_talking = true;
  b->trunk_sent_us = tick_us;
  return marker;
}

static void pace_to_trunk(void *user, int64_t tick_us) {
  gw_bridge *b = user;
  if (!b->trunk_set || !b->trunk_send) {
    gw_playout_reset(b->to_trunk_q);
    b->trunk_talking = false;
    return;
  }
  gw_playout_out o;
  gw_playout_result r = gw_playout_get(b->to_trunk_q, &o);
  if (r == GW_PLAYOUT_EMPTY) {
    if (b->inband && gw_dtmf_player_busy(b->inband)) {
      /* In-band digits play on while the browser sends no audio (it sends RFC 4733 events instead). */
      uint8_t g711[GW_G711_FRAME];
      memset(g711, gw_g711_silence(trunk_law(b)), sizeof g711);
      send_trunk_frame(b, g711, begin_frame(b, tick_us));
      return;
    }
    if (++b->idle_ticks >= PAUSE_TICKS) b->trunk_talking = false;
    return;
  }
  bool marker = begin_frame(b, tick_us);
  if (o.tag == TAG_OPUS) {
    if (!b->to_trunk && ensure_to_trunk(b) != GW_OK) return;
    /* A lost frame is rebuilt from the next packet's in-band FEC when it is here, else concealed. */
    uint8_t g711[GW_G711_FRAME];
    gw_xcode_opus_to_g711(b->to_trunk, o.data, o.len, o.fec, o.fec_len, g711, NULL, NULL);
    send_trunk_frame(b, g711, marker);
    return;
  }
  if (r == GW_PLAYOUT_LOST) {
    if (b->inband && gw_dtmf_player_busy(b->inband)) { /* the digit's tone has no gap */
      uint8_t g711[GW_G711_FRAME];
      memset(g711, gw_g711_silence(trunk_law(b)), sizeof g711);
      send_trunk_frame(b, g711, marker);
      return;
    }
    b->out_trunk.ts += GW_G711_FRAME; /* G.711 passthrough: the gap stays a gap */
    return;
  }
  uint8_t pkt[GW_RTP_HEADER_LEN + GW_PLAYOUT_PAYLOAD_MAX + GW_SRTP_MAX_OVERHEAD];
  memcpy(pkt + GW_RTP_HEADER_LEN, o.data, o.len);
  overlay_inband(b, pkt + GW_RTP_HEADER_LEN, o.len);
  size_t n = put_header(pkt, GW_RTP_HEADER_LEN, o.len, marker, b->trunk_pt, b->out_trunk.seq++, b->out_trunk.ts,
                        b->out_trunk.ssrc);
  b->out_trunk.ts += (uint32_t)o.len; /* G.711: one byte a sample */
  if (gw_sipleg_send_rtp(b->trunk, pkt, n, sizeof pkt) == GW_OK) tx_account(&b->stats.leg[GW_STATS_LEG_TRUNK], o.len);
}

/* ---- SIP mode: trunk -> browser ---- */

/* h is the leg's parse of buf (it validated the packet): no second parse on this path. */
static void trunk_rtp(void *user, const gw_rtp_header *h, uint8_t *buf, size_t len, size_t cap) {
  gw_bridge *b = user;
  if (h->pt == b->trunk_pt) rx_account(&b->stats.leg[GW_STATS_LEG_TRUNK], &b->rx_trunk, h, 8000);
  if (!b->trunk_recv || !gw_webrtc_leg_ready(b->browser)) return;
  if (b->ringback_client && h->pt == b->trunk_pt) stop_ringback(b);
  if (h->pt == b->trunk_pt) {
    if (!b->transcode) {
      size_t n = rewrite(&b->out_browser, buf, h, b->browser_pt, GW_G711_FRAME);
      if (gw_webrtc_leg_send_rtp(b->browser, buf, n, cap) == GW_OK)
        tx_account(&b->stats.leg[GW_STATS_LEG_BROWSER], h->payload_len);
      return;
    }
    if (h->payload_len != GW_G711_FRAME) return; /* only 20 ms frames are transcoded */
    uint8_t pkt[GW_RTP_HEADER_LEN + GW_OPUS_MAX_PACKET + GW_SRTP_MAX_OVERHEAD];
    size_t olen = 0;
    if (gw_xcode_g711_to_opus(b->to_browser, h->payload, pkt + GW_RTP_HEADER_LEN, GW_OPUS_MAX_PACKET, &olen, NULL) != GW_OK)
      return;
    size_t n = put_header(pkt, GW_RTP_HEADER_LEN, olen, h->marker, b->browser_pt, b->out_browser.seq++,
                          b->out_browser.ts, b->out_browser.ssrc);
    b->out_browser.ts += 960;
    if (gw_webrtc_leg_send_rtp(b->browser, pkt, n, sizeof pkt) == GW_OK) tx_account(&b->stats.leg[GW_STATS_LEG_BROWSER], olen);
    return;
  }
  if (b->trunk_dtmf_pt >= 0 && h->pt == b->trunk_dtmf_pt && b->dtmf_from_trunk) {
    gw_dtmf_rtp in = {h->pt, h->marker, h->seq, h->ts, h->ssrc};
    gw_dtmf_rx_result res;
    gw_dtmf_rx_input(b->dtmf_from_trunk, &in, h->payload, h->payload_len, now_ms(), &res, NULL);
    report_digits(b, &res);
  }
}

static void trunk_rtcp(void *user, uint8_t *buf, size_t len) { rtcp_in(user, GW_STATS_LEG_TRUNK, buf, len); }

static const gw_sipleg_callbacks trunk_cbs = {trunk_rtp, trunk_rtcp};

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
  if (b->on_stats) {
    b->stats_timer = g_timeout_source_new_seconds(1);
    g_source_set_callback(b->stats_timer, stats_tick, b, NULL);
    g_source_attach(b->stats_timer, gw_worker_context(b->worker));
  }
  if (b->mode == GW_BRIDGE_SIP) {
    char label[32];
    g_snprintf(label, sizeof label, "call %llu", (unsigned long long)b->call_id);
    gw_sipleg_opts so = {gw_worker_context(b->worker), b->trunk_opts.bind_address, (uint16_t)b->trunk_opts.port_min,
                         (uint16_t)b->trunk_opts.port_max, true, label};
    if (gw_sipleg_new(&so, &trunk_cbs, b, &b->trunk, &why) != GW_OK) {
      GW_WARN("call %llu: trunk leg not created: %s", (unsigned long long)b->call_id, why.msg);
      emit(b, GW_BR_FAILED, "server-error", why.msg);
      return G_SOURCE_REMOVE;
    }
    char port[8];
    g_snprintf(port, sizeof port, "%u", gw_sipleg_rtp_port(b->trunk));
    emit(b, GW_BR_TRUNK_READY, NULL, port);
    b->to_trunk_q = g_new(gw_playout, 1);
    gw_playout_init(b->to_trunk_q);
    b->pace = gw_pacer_add(gw_worker_pacer(b->worker), pace_to_trunk, b);
  }
  return G_SOURCE_REMOVE;
}

typedef struct {
  gw_bridge *b;
  gw_bridge_trunk t;
} trunk_msg;

static gboolean do_set_trunk(gpointer data) {
  trunk_msg *m = data;
  gw_bridge *b = m->b;
  const gw_bridge_trunk *t = &m->t;
  if (!b->trunk) return G_SOURCE_REMOVE;
  gw_why why = {""};
  if (gw_sipleg_apply(b->trunk, t->address, t->port, t->rtcp_port, t->srtp, t->suite, &t->local, &t->remote, &why) !=
      GW_OK) {
    GW_WARN("call %llu: trunk media not applied: %s", (unsigned long long)b->call_id, why.msg);
    return G_SOURCE_REMOVE;
  }
  b->trunk_pt = t->pt;
  b->trunk_dtmf_pt = t->dtmf_pt;
  b->trunk_send = t->send;
  /* The media timeout counts from when the trunk was last asked to send. */
  if (!b->trunk_set_us || t->recv != b->trunk_recv) b->trunk_set_us = g_get_monotonic_time();
  b->trunk_recv = t->recv;
  /* Passthrough when both legs use the same G.711 law; Opus on the browser leg is transcoded. */
  bool same = (b->browser_pt == 0 || b->browser_pt == 8) && b->browser_pt == t->pt;
  if (!same && !b->to_trunk) {
    gw_xcode_cfg cfg;
    gw_xcode_cfg_init(&cfg);
    cfg.law = t->pt == 8 ? GW_G711_PCMA : GW_G711_PCMU;
    cfg.complexity = b->opus_complexity;
    if (gw_xcode_new(&b->to_trunk, GW_XCODE_OPUS_TO_G711, &cfg, &why) != GW_OK ||
        gw_xcode_new(&b->to_browser, GW_XCODE_G711_TO_OPUS, &cfg, &why) != GW_OK) {
      GW_WARN("call %llu: transcoder not created: %s", (unsigned long long)b->call_id, why.msg);
      emit(b, GW_BR_FAILED, "server-error", why.msg);
      return G_SOURCE_REMOVE;
    }
  }
  b->transcode = !same;
  b->trunk_set = true;
  if (t->dtmf_pt >= 0 && b->browser_dtmf_pt >= 0 && !b->dtmf_to_trunk) {
    gw_dtmf_map_opts mo = {.src = {.formats = {{(uint8_t)b->browser_dtmf_pt, b->browser_clock}}, .n_formats = 1},
                           .dst_pt = (uint8_t)t->dtmf_pt, .dst_clock_hz = 8000};
    gw_dtmf_map_new(&b->dtmf_to_trunk, &mo, NULL);
  }
  if (t->recv) stop_ringback(b);
  if (t->dtmf_pt < 0 && b->browser_dtmf_pt >= 0 && b->dtmf_fallback != GW_DTMF_FALLBACK_OFF && !b->dtmf_from_browser) {
    gw_dtmf_rx_opts ro = {.formats = {{(uint8_t)b->browser_dtmf_pt, b->browser_clock}}, .n_formats = 1};
    gw_dtmf_rx_new(&b->dtmf_from_browser, &ro, NULL);
  }
  if (t->dtmf_pt >= 0 && !b->dtmf_from_trunk) {
    gw_dtmf_rx_opts ro = {.formats = {{(uint8_t)t->dtmf_pt, 8000}}, .n_formats = 1};
    gw_dtmf_rx_new(&b->dtmf_from_trunk, &ro, NULL);
  }
  gw_leg_stats *tl = &b->stats.leg[GW_STATS_LEG_TRUNK];
  gw_stats_set_str(tl->codec, t->pt == 8 ? "PCMA" : "PCMU");
  gw_stats_set_str(tl->srtp_suite, t->srtp ? gw_srtp_suite_name(t->suite) : "none");
  GW_INFO("call %llu: media relay: browser pt %u <-> trunk pt %u (%s)", (unsigned long long)b->call_id, b->browser_pt,
          t->pt, same ? "passthrough" : "transcoding Opus <-> G.711");
  return G_SOURCE_REMOVE;
}

void gw_bridge_set_trunk(gw_bridge *b, const gw_bridge_trunk *t) {
  trunk_msg *m = g_new0(trunk_msg, 1);
  m->b = b;
  m->t = *t;
  gw_worker_post(b->worker, do_set_trunk, m, g_free);
}

typedef struct {
  gw_bridge_stats_fn fn;
  void *ctl;
  uint64_t call_id;
  gw_call_stats stats;
} stats_msg;

static gboolean deliver_stats(gpointer data) {
  stats_msg *m = data;
  m->fn(m->ctl, m->call_id, &m->stats);
  return G_SOURCE_REMOVE;
}

/* No RTP from a side that should be sending, for media_timeout seconds, ends the call. A side on
 * hold (the trunk sent sendonly/inactive: trunk_recv false) is not expected to send. */
static bool media_timed_out(gw_bridge *b, gint64 now) {
  if (!b->media_timeout_s) return false;
  gint64 limit = (gint64)b->media_timeout_s * G_USEC_PER_SEC;
  gint64 browser_last = b->last_browser_rtp_us ? b->last_browser_rtp_us : b->started_us;
  if (now - browser_last > limit) {
    emit(b, GW_BR_FAILED, "media-timeout", "no RTP from the browser");
    return true;
  }
  if (b->mode == GW_BRIDGE_SIP && b->trunk_set && b->trunk_recv) {
    gint64 t = gw_sipleg_last_rtp_us(b->trunk);
    if (now - (t ? t : b->trunk_set_us) > limit) {
      emit(b, GW_BR_FAILED, "media-timeout", "no RTP from the trunk");
      return true;
    }
  }
  return false;
}

static void rtcp_tick(gw_bridge *b);

static gboolean stats_tick(gpointer data) {
  gw_bridge *b = data;
  rtcp_tick(b);
  b->last_browser_rtp_us = b->rx_browser.last_us;
  if (b->browser && gw_webrtc_leg_ready(b->browser))
    gw_webrtc_leg_pair(b->browser, b->stats.leg[GW_STATS_LEG_BROWSER].ice_pair, GW_STATS_STR_MAX);
  if (!b->timed_out && media_timed_out(b, g_get_monotonic_time())) b->timed_out = true;
  stats_msg *m = g_new0(stats_msg, 1);
  m->fn = b->on_stats;
  m->ctl = b->ctl;
  m->call_id = b->call_id;
  gw_call_stats_snapshot(&b->stats, g_get_monotonic_time(), &m->stats);
  gw_post_to(b->control, deliver_stats, m, g_free);
  return G_SOURCE_CONTINUE;
}

/* ---- RTCP (RFC 3550 6): a report per leg about every 5 s, from the stats tick ---- */

/* Our RTP clock on leg `leg` now: the timestamp of the last packet sent there, moved on by the time
 * since it left. */
static uint32_t rtcp_tx_ts(const gw_bridge *b, gw_stats_leg leg, gint64 now) {
  uint32_t clock = leg == GW_STATS_LEG_TRUNK ? 8000 : b->browser_clock, last;
  gint64 at;
  if (leg == GW_STATS_LEG_TRUNK) { /* paced: the last frame left on the tick it was sent */
    last = b->out_trunk.ts - GW_G711_FRAME;
    at = b->trunk_sent_us;
  } else if (b->mode == GW_BRIDGE_ECHO) { /* echoed with the browser's own timestamp */
    last = b->rx_browser.last_ts;
    at = b->rx_browser.last_us;
  } else { /* sent as the trunk's packet arrived */
    last = b->out_browser.ts - clock / 50;
    at = b->rx_trunk.last_us;
  }
  return last + gw_rtp_clock_units(at && now > at ? now - at : 0, clock);
}

/* A report on `leg`; with bye, followed by a BYE for our SSRC (RFC 3550 6.6: the call ends). */
static void rtcp_send(gw_bridge *b, gw_stats_leg leg, gint64 now, bool bye) {
  gw_leg_stats *ls = &b->stats.leg[leg];
  bool trunk = leg == GW_STATS_LEG_TRUNK;
  rx_track *rx = trunk ? &b->rx_trunk : &b->rx_browser;
  gw_rtcp_tx tx = {.ssrc = trunk ? b->out_trunk.ssrc : b->ssrc, .packets = ls->packets_sent, .octets = ls->bytes_sent,
                   .rtp_ts = rtcp_tx_ts(b, leg, now), .clock_rate = trunk ? 8000 : b->browser_clock};
  gw_rtcp_rx in = {.ssrc = rx->ssrc, .seq = rx->started ? &rx->seq : NULL, .jitter = &rx->jitter};
  uint8_t buf[GW_RTCP_REPORT_MAX + 8 + GW_SRTP_MAX_OVERHEAD];
  size_t len = 0;
  gw_why why = {""};
  if (gw_rtcp_session_build(&b->rtcp[leg], &tx, &in, g_get_real_time(), buf, sizeof buf, &len, &why) != GW_OK ||
      (bye && gw_rtcp_write_bye(buf, sizeof buf, &len, tx.ssrc) != GW_OK)) {
    GW_DEBUG("call %llu: %s RTCP report not built: %s", (unsigned long long)b->call_id, gw_stats_leg_name(leg), why.msg);
    return;
  }
  int rc = trunk ? gw_sipleg_send_rtcp(b->trunk, buf, len, sizeof buf) : gw_webrtc_leg_send_rtcp(b->browser, buf, len, sizeof buf);
  if (rc == GW_OK) ls->rtcp_sent++;
}

static void rtcp_ready(const gw_bridge *b, bool ready[GW_STATS_LEGS]) {
  ready[GW_STATS_LEG_BROWSER] = b->browser && gw_webrtc_leg_ready(b->browser);
  ready[GW_STATS_LEG_TRUNK] = b->mode == GW_BRIDGE_SIP && b->trunk && b->trunk_set;
}

static void rtcp_tick(gw_bridge *b) {
  gint64 now = g_get_monotonic_time();
  bool ready[GW_STATS_LEGS];
  rtcp_ready(b, ready);
  for (int l = 0; l < GW_STATS_LEGS; l++) {
    gw_rtcp_session *s = &b->rtcp[l];
    if (!ready[l] || !gw_rtcp_session_due(s, now, g_random_double())) continue;
    rtcp_send(b, (gw_stats_leg)l, now, false);
    gw_rtcp_session_schedule(s, now, g_random_double());
  }
}

/* The peer's compound RTCP, decrypted: the round-trip time and what it says about our stream. */
static void rtcp_in(gw_bridge *b, gw_stats_leg leg, const uint8_t *buf, size_t len) {
  gw_rtcp_session *s = &b->rtcp[leg];
  bool trunk = leg == GW_STATS_LEG_TRUNK;
  gw_why why = {""};
  if (gw_rtcp_session_receive(s, trunk ? b->out_trunk.ssrc : b->ssrc, buf, len, g_get_real_time(), NULL, &why) != GW_OK) {
    GW_DEBUG("call %llu: %s RTCP dropped: %s", (unsigned long long)b->call_id, gw_stats_leg_name(leg), why.msg);
    return;
  }
  gw_leg_stats *ls = &b->stats.leg[leg];
  uint32_t clock = trunk ? 8000 : b->browser_clock;
  ls->rtt_ms = gw_rtcp_session_rtt_ms(s);
  ls->remote_loss_pct = gw_rtcp_session_remote_loss_pct(s);
  ls->remote_jitter_ms = gw_rtcp_session_remote_jitter_ms(s, clock);
  ls->remote_packets_lost = s->have_remote ? s->remote_cumulative_lost : 0;
  ls->rtcp_received = s->reports_received;
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
  bool ready[GW_STATS_LEGS];
  rtcp_ready(b, ready);
  for (int l = 0; l < GW_STATS_LEGS; l++)
    if (ready[l]) rtcp_send(b, (gw_stats_leg)l, g_get_monotonic_time(), true);
  gw_pacer_remove(b->pace);
  const gw_playout *q = b->to_trunk_q;
  if (q && q->late + q->overflow + q->shrunk + q->oversize)
    GW_INFO("call %llu: paced toward the trunk: %llu late, %llu over the queue, %llu dropped to cut delay, "
            "%llu oversize", (unsigned long long)b->call_id, (unsigned long long)q->late,
            (unsigned long long)q->overflow, (unsigned long long)q->shrunk, (unsigned long long)q->oversize);
  g_free(b->to_trunk_q);
  gw_pacer_remove(b->ringback_client);
  GSource *timers[] = {b->stats_timer, b->dtmf_timer};
  for (size_t i = 0; i < G_N_ELEMENTS(timers); i++) {
    if (!timers[i]) continue;
    g_source_destroy(timers[i]);
    g_source_unref(timers[i]);
  }
  gw_dtmf_gen_free(b->dtmf_gen);
  gw_dtmf_map_free(b->dtmf_to_trunk);
  gw_dtmf_rx_free(b->dtmf_from_trunk);
  gw_dtmf_rx_free(b->dtmf_from_browser);
  gw_dtmf_player_free(b->inband);
  gw_xcode_free(b->ringback_opus);
  gw_webrtc_leg_free(b->browser);
  gw_sipleg_free(b->trunk);
  gw_xcode_free(b->to_trunk);
  gw_xcode_free(b->to_browser);
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
  b->trunk_opts = o->trunk;
  b->browser_pt = o->browser_pt;
  b->browser_dtmf_pt = o->browser_dtmf_pt;
  b->browser_opus_pt = o->browser_opus_pt;
  b->trunk_dtmf_pt = -1;
  b->opus_complexity = o->opus_complexity;
  b->media_timeout_s = o->media_timeout_s;
  b->started_us = g_get_monotonic_time();
  b->on_stats = o->on_stats;
  b->browser_clock = o->browser_clock ? o->browser_clock : 8000;
  b->dtmf_fallback = o->dtmf_fallback;
  if (o->ringback) {
    b->has_ringback = true;
    b->ringback_pattern = *o->ringback;
  }
  gw_call_stats_init(&b->stats, o->client_id ? o->client_id : "call", NULL);
  gw_stats_set_str(b->stats.leg[GW_STATS_LEG_BROWSER].codec, o->browser_codec);
  /* One random CNAME per call for both legs (RFC 7022: short-term, not naming the host or user). */
  char cname[32];
  g_snprintf(cname, sizeof cname, "gw-%08x%08x", g_random_int(), g_random_int());
  for (int l = 0; l < GW_STATS_LEGS; l++) gw_rtcp_session_init(&b->rtcp[l], cname, NULL);
  /* Random starting points for our outgoing streams (RFC 3550 5.1). */
  b->out_trunk = (rewriter){g_random_int(), (uint16_t)g_random_int(), g_random_int(), false, 0, 0};
  b->out_browser = (rewriter){o->ssrc, (uint16_t)g_random_int(), g_random_int(), false, 0, 0};
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

