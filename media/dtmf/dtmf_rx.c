/* The receiver: a leg's telephone-event packets -> digit start/end reports (RFC 4733 2.5.2). */
#include <stdlib.h>
#include <string.h>

#include "media/dtmf/dtmf.h"
#include "media/dtmf/dtmf_priv.h"

int gw_dtmf_rx_init(gw_dtmf_rx *rx, const gw_dtmf_rx_opts *o, gw_why *why) {
  if (!o || o->n_formats == 0 || o->n_formats > GW_DTMF_MAX_FORMATS)
    return gw_fail(why, GW_EINVAL, "a telephone-event receiver needs 1 to %d formats", GW_DTMF_MAX_FORMATS);
  for (size_t i = 0; i < o->n_formats; i++) {
    if (o->formats[i].pt > 127)
      return gw_fail(why, GW_EINVAL, "telephone-event payload type %u is above 127", o->formats[i].pt);
    int rc = gw_dtmf_check_clock(o->formats[i].clock_hz, "telephone-event", why);
    if (rc) return rc;
    for (size_t j = 0; j < i; j++)
      if (o->formats[j].pt == o->formats[i].pt)
        return gw_fail(why, GW_EINVAL, "telephone-event payload type %u is listed twice", o->formats[i].pt);
  }
  memset(rx, 0, sizeof *rx);
  rx->o = *o;
  if (rx->o.timeout_ms == 0) rx->o.timeout_ms = GW_DTMF_RX_TIMEOUT_MS;
  return GW_OK;
}

int gw_dtmf_rx_new(gw_dtmf_rx **out, const gw_dtmf_rx_opts *o, gw_why *why) {
  *out = NULL;
  gw_dtmf_rx *rx = calloc(1, sizeof *rx);
  if (!rx) return gw_fail(why, GW_ENOMEM, "out of memory");
  int rc = gw_dtmf_rx_init(rx, o, why);
  if (rc) {
    free(rx);
    return rc;
  }
  *out = rx;
  return GW_OK;
}

void gw_dtmf_rx_free(gw_dtmf_rx *rx) { free(rx); }

uint64_t gw_dtmf_rx_total(const gw_dtmf_rx *rx) { return rx->seg_base + rx->seg_dur; }

bool gw_dtmf_rx_busy(const gw_dtmf_rx *rx) { return rx->state == GW_DTMF_RX_OPEN; }

gw_dtmf_rx_counters gw_dtmf_rx_get_counters(const gw_dtmf_rx *rx) { return rx->c; }

static void report(gw_dtmf_rx *rx, gw_dtmf_rx_result *res, gw_dtmf_digit_kind kind, gw_dtmf_end_how how) {
  if (res->n >= GW_DTMF_RX_MAX_DIGITS) return; /* cannot happen: at most END, START, END */
  uint64_t total = gw_dtmf_rx_total(rx);
  if (total > UINT32_MAX) total = UINT32_MAX;
  gw_dtmf_digit *d = &res->digits[res->n++];
  d->kind = kind;
  d->event = rx->event;
  d->digit = gw_dtmf_event_to_char(rx->event);
  d->volume = rx->volume;
  d->ts = rx->ts;
  d->clock_hz = rx->clock_hz;
  d->duration = (uint32_t)total;
  d->duration_ms = (uint32_t)((total * 1000 + rx->clock_hz / 2) / rx->clock_hz);
  d->how = how;
  if (kind == GW_DTMF_DIGIT_END) rx->c.digits++;
}

static void end_event(gw_dtmf_rx *rx, gw_dtmf_rx_result *res, gw_dtmf_end_how how) {
  report(rx, res, GW_DTMF_DIGIT_END, how);
  rx->state = GW_DTMF_RX_CLOSED;
}

static void check_timeout(gw_dtmf_rx *rx, uint64_t now_ms, gw_dtmf_rx_result *res) {
  if (rx->state == GW_DTMF_RX_OPEN && now_ms >= rx->last_ms && now_ms - rx->last_ms >= rx->o.timeout_ms)
    end_event(rx, res, GW_DTMF_END_TIMEOUT);
}

static void start_event(gw_dtmf_rx *rx, const gw_dtmf_rtp *rtp, const gw_dtmf_event *ev,
                        uint32_t clock_hz, uint64_t now_ms, gw_dtmf_rx_result *res) {
  if (rx->state == GW_DTMF_RX_OPEN) end_event(rx, res, GW_DTMF_END_REPLACED);
  rx->state = GW_DTMF_RX_OPEN;
  rx->event = ev->event;
  rx->volume = ev->volume;
  rx->clock_hz = clock_hz;
  rx->ts = rx->seg_ts = rtp->ts;
  rx->seg_base = 0;
  rx->seg_dur = ev->duration;
  rx->last_ms = now_ms;
  report(rx, res, GW_DTMF_DIGIT_START, GW_DTMF_END_BIT);
  if (ev->end) {
    end_event(rx, res, GW_DTMF_END_BIT);
    res->verdict = GW_DTMF_RX_ENDED;
  } else {
    res->verdict = GW_DTMF_RX_STARTED;
  }
}

/* A packet of the open event's current segment. */
static void update_event(gw_dtmf_rx *rx, const gw_dtmf_event *ev, uint64_t now_ms, gw_dtmf_rx_result *res) {
  /* A reordered packet may carry a shorter duration: the longest one seen stands. */
  if (ev->duration > rx->seg_dur) rx->seg_dur = ev->duration;
  rx->last_ms = now_ms;
  if (ev->end) {
    end_event(rx, res, GW_DTMF_END_BIT);
    res->verdict = GW_DTMF_RX_ENDED;
  } else {
    res->verdict = GW_DTMF_RX_UPDATED;
  }
}

int gw_dtmf_rx_input(gw_dtmf_rx *rx, const gw_dtmf_rtp *rtp, const uint8_t *payload, size_t len,
                     uint64_t now_ms, gw_dtmf_rx_result *res, gw_why *why) {
  res->verdict = GW_DTMF_RX_IGNORED;
  res->n = 0;
  rx->c.packets++;
  check_timeout(rx, now_ms, res);

  uint32_t clock_hz = 0;
  for (size_t i = 0; i < rx->o.n_formats; i++)
    if (rx->o.formats[i].pt == rtp->pt) clock_hz = rx->o.formats[i].clock_hz;
  if (clock_hz == 0) {
    rx->c.malformed++;
    return gw_fail(why, GW_EINVAL, "payload type %u is not a telephone-event of this leg", rtp->pt);
  }
  gw_dtmf_event ev;
  int rc = gw_dtmf_event_parse(payload, len, &ev, why);
  if (rc) {
    rx->c.malformed++;
    return rc;
  }
  if (ev.event > GW_DTMF_EVENT_MAX) { /* flash, tones, ...: not relayed by this gateway */
    rx->c.ignored++;
    return GW_OK;
  }

  if (rx->have_ssrc && rtp->ssrc != rx->ssrc) { /* a new stream: its timestamps start afresh */
    if (rx->state == GW_DTMF_RX_OPEN) end_event(rx, res, GW_DTMF_END_REPLACED);
    rx->state = GW_DTMF_RX_IDLE;
  }
  rx->have_ssrc = true;
  rx->ssrc = rtp->ssrc;

  if (rx->state == GW_DTMF_RX_IDLE) {
    start_event(rx, rtp, &ev, clock_hz, now_ms, res);
    return GW_OK;
  }

  int32_t d = (int32_t)(rtp->ts - rx->seg_ts);
  if (d == 0) {
    if (rx->state == GW_DTMF_RX_OPEN && ev.event == rx->event) {
      update_event(rx, &ev, now_ms, res);
      return GW_OK;
    }
    /* The repeated end packets, or a different event on the same timestamp (a broken sender). */
    rx->c.ignored++;
    return GW_OK;
  }
  if (rx->state == GW_DTMF_RX_OPEN && ev.event == rx->event && d == (int32_t)GW_DTMF_DURATION_MAX) {
    /* The next segment of a long event: it starts where the previous one ended. */
    rx->seg_base += GW_DTMF_DURATION_MAX;
    rx->seg_ts = rtp->ts;
    rx->seg_dur = 0;
    update_event(rx, &ev, now_ms, res);
    return GW_OK;
  }
  if (d < 0 && (now_ms < rx->last_ms || now_ms - rx->last_ms < GW_DTMF_RX_STALE_MS)) {
    /* Reordered or repeated packets of an earlier event or segment. */
    rx->c.ignored++;
    return GW_OK;
  }
  start_event(rx, rtp, &ev, clock_hz, now_ms, res);
  return GW_OK;
}

void gw_dtmf_rx_poll(gw_dtmf_rx *rx, uint64_t now_ms, gw_dtmf_rx_result *res) {
  res->verdict = GW_DTMF_RX_IGNORED;
  res->n = 0;
  check_timeout(rx, now_ms, res);
}
