/* The mapper: one leg's telephone-event stream rewritten into the other leg's payload type, clock,
 * timeline and sequence numbers. Its receiver decides what each source packet means; the mapper
 * only turns those decisions into destination packets. */
#include <stdlib.h>
#include <string.h>

#include "media/dtmf/dtmf.h"
#include "media/dtmf/dtmf_priv.h"

struct gw_dtmf_map {
  gw_dtmf_rx rx;
  uint8_t dst_pt;
  uint32_t dst_clock_hz;
  bool open;           /* an event is being relayed */
  uint8_t event, volume;
  uint32_t src_clock_hz;
  uint32_t out_ts;     /* the event's timestamp on the destination leg */
  uint64_t seg_base;   /* destination clock units in the closed segments */
  bool marker_pending; /* the event's first packet has not gone yet */
  bool have_prev;      /* an event has been sent: the next must start after it */
  uint32_t prev_ts;    /* the timestamp of the last packet sent */
  uint32_t prev_end;   /* where its last packet said it ended */
};

int gw_dtmf_map_new(gw_dtmf_map **out, const gw_dtmf_map_opts *o, gw_why *why) {
  *out = NULL;
  if (!o) return gw_fail(why, GW_EINVAL, "no mapper options");
  if (o->dst_pt > 127)
    return gw_fail(why, GW_EINVAL, "telephone-event payload type %u is above 127", o->dst_pt);
  int rc = gw_dtmf_check_clock(o->dst_clock_hz, "destination telephone-event", why);
  if (rc) return rc;
  gw_dtmf_map *m = calloc(1, sizeof *m);
  if (!m) return gw_fail(why, GW_ENOMEM, "out of memory");
  rc = gw_dtmf_rx_init(&m->rx, &o->src, why);
  if (rc) {
    free(m);
    return rc;
  }
  m->dst_pt = o->dst_pt;
  m->dst_clock_hz = o->dst_clock_hz;
  *out = m;
  return GW_OK;
}

void gw_dtmf_map_free(gw_dtmf_map *m) { free(m); }

bool gw_dtmf_map_busy(const gw_dtmf_map *m) { return m->open; }

gw_dtmf_rx_counters gw_dtmf_map_get_counters(const gw_dtmf_map *m) { return m->rx.c; }

/* Source clock units -> destination clock units, rounded to nearest. */
static uint64_t convert(const gw_dtmf_map *m, uint64_t src_units) {
  return (src_units * m->dst_clock_hz + m->src_clock_hz / 2) / m->src_clock_hz;
}

static void push(gw_dtmf_map *m, gw_dtmf_dst *dst, gw_dtmf_map_result *res, uint32_t ts,
                 uint16_t duration, bool end) {
  if (res->n >= GW_DTMF_MAP_MAX_OUT) return; /* bounded by construction; see emit() */
  gw_dtmf_packet *p = &res->pkts[res->n++];
  memset(p, 0, sizeof *p);
  p->rtp.pt = m->dst_pt;
  p->rtp.marker = m->marker_pending;
  p->rtp.seq = dst->seq++;
  p->rtp.ts = ts;
  p->ev.event = m->event;
  p->ev.end = end;
  p->ev.volume = m->volume;
  p->ev.duration = duration;
  m->marker_pending = false;
  m->have_prev = true;
  m->prev_ts = ts;
  m->prev_end = ts + duration;
}

/* The destination's current timestamp, unless the previous event reaches past it: two events
 * started within one tick would otherwise share a timestamp, and the far end would take the
 * second for a repeat of the first. */
static uint32_t start_ts(const gw_dtmf_map *m, const gw_dtmf_dst *dst) {
  uint32_t ts = dst->ts_now;
  if (!m->have_prev) return ts;
  if ((int32_t)(ts - m->prev_end) < 0) ts = m->prev_end;
  if (ts == m->prev_ts) ts++;
  return ts;
}

/* One report of the event at `total` destination units. Past 0xFFFF the current segment is closed
 * with a packet at 0xFFFF (no E) and the next begins at its end (RFC 4733 2.5.1.3). Room is kept
 * for the three end packets; a jump too long for the room (not possible between 8000 and 48000
 * Hz) skips the intermediate segment closes. */
static void emit(gw_dtmf_map *m, gw_dtmf_dst *dst, gw_dtmf_map_result *res, uint64_t total, bool end) {
  while (total - m->seg_base > GW_DTMF_DURATION_MAX) {
    if (res->n + 4 < GW_DTMF_MAP_MAX_OUT)
      push(m, dst, res, m->out_ts + (uint32_t)m->seg_base, GW_DTMF_DURATION_MAX, false);
    m->seg_base += GW_DTMF_DURATION_MAX;
  }
  uint32_t ts = m->out_ts + (uint32_t)m->seg_base;
  uint16_t dur = (uint16_t)(total - m->seg_base);
  push(m, dst, res, ts, dur, end);
  if (end) {
    push(m, dst, res, ts, dur, true);
    push(m, dst, res, ts, dur, true);
    m->open = false;
  }
}

static void apply(gw_dtmf_map *m, gw_dtmf_dst *dst, gw_dtmf_map_result *res) {
  for (size_t i = 0; i < res->rx.n; i++) {
    const gw_dtmf_digit *d = &res->rx.digits[i];
    if (d->kind == GW_DTMF_DIGIT_START) {
      m->open = true;
      m->event = d->event;
      m->volume = d->volume;
      m->src_clock_hz = d->clock_hz;
      m->out_ts = start_ts(m, dst);
      m->seg_base = 0;
      m->marker_pending = true;
    } else if (m->open) {
      emit(m, dst, res, convert(m, d->duration), true);
    }
  }
  if (m->open && (res->rx.verdict == GW_DTMF_RX_STARTED || res->rx.verdict == GW_DTMF_RX_UPDATED))
    emit(m, dst, res, convert(m, gw_dtmf_rx_total(&m->rx)), false);
}

int gw_dtmf_map_input(gw_dtmf_map *m, const gw_dtmf_rtp *rtp, const uint8_t *payload, size_t len,
                      uint64_t now_ms, gw_dtmf_dst *dst, gw_dtmf_map_result *res, gw_why *why) {
  res->n = 0;
  int rc = gw_dtmf_rx_input(&m->rx, rtp, payload, len, now_ms, &res->rx, why);
  apply(m, dst, res); /* even on error: a timeout's end may have been reported */
  return rc;
}

void gw_dtmf_map_poll(gw_dtmf_map *m, uint64_t now_ms, gw_dtmf_dst *dst, gw_dtmf_map_result *res) {
  res->n = 0;
  gw_dtmf_rx_poll(&m->rx, now_ms, &res->rx);
  apply(m, dst, res);
}
