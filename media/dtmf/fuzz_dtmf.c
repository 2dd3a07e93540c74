/* libFuzzer: untrusted telephone-event streams through the payload parser, the receiver and the
 * mapper, whose output goes through a second receiver on the far side; plus the SIP INFO body
 * parser. Aborts when an invariant breaks:
 * - digit reports pair up (START, then END of that event) and match gw_dtmf_rx_busy();
 * - the mapper's packets carry the destination PT and consecutive sequence numbers, a marker only
 *   on an event's first packet, end packets in threes, durations that never go back;
 * - the far-side receiver reports the same digits as the near side, durations within 1 ms.
 *
 * Input: byte 0 picks the clock rates and timeout; then records of 6 bytes + payload:
 *   op (bits 0-1 format/unknown PT, 2 marker, 3 new SSRC, 4 poll only, 5 big timestamp steps),
 *   ms to advance, timestamp step (int16, big-endian), sequence step, payload length.
 * Seeds: tests/fuzz/corpus/dtmf/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtmf/dtmf.h"
#include "media/dtmf/info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
  do {           \
    if (!(c)) abort(); \
  } while (0)

typedef struct {
  bool open;
  uint8_t event;
  uint32_t ts;
  /* what was reported, for comparing the two sides */
  char kinds[512];
  uint32_t ms[512];
  size_t n;
} digit_log;

static void check_digits(digit_log *log, const gw_dtmf_rx_result *r, bool busy) {
  CHECK(r->n <= GW_DTMF_RX_MAX_DIGITS);
  for (size_t i = 0; i < r->n; i++) {
    const gw_dtmf_digit *d = &r->digits[i];
    CHECK(d->event <= GW_DTMF_EVENT_MAX && d->digit == gw_dtmf_event_to_char(d->event));
    CHECK(d->clock_hz == 8000 || d->clock_hz == 48000);
    CHECK(d->duration_ms == (uint32_t)(((uint64_t)d->duration * 1000 + d->clock_hz / 2) / d->clock_hz));
    if (d->kind == GW_DTMF_DIGIT_START) {
      CHECK(!log->open);
      log->open = true;
      log->event = d->event;
      log->ts = d->ts;
    } else {
      CHECK(log->open && log->event == d->event && log->ts == d->ts);
      log->open = false;
    }
    if (log->n < sizeof log->kinds) {
      log->kinds[log->n] = (char)(d->kind == GW_DTMF_DIGIT_START ? 'a' + d->event : 'A' + d->event);
      log->ms[log->n] = d->kind == GW_DTMF_DIGIT_END ? d->duration_ms : 0;
      log->n++;
    }
  }
  if (r->verdict == GW_DTMF_RX_STARTED) CHECK(r->n >= 1 && r->digits[r->n - 1].kind == GW_DTMF_DIGIT_START);
  if (r->verdict == GW_DTMF_RX_ENDED)
    CHECK(r->n >= 1 && r->digits[r->n - 1].kind == GW_DTMF_DIGIT_END && r->digits[r->n - 1].how == GW_DTMF_END_BIT);
  if (r->verdict == GW_DTMF_RX_UPDATED)
    for (size_t i = 0; i < r->n; i++) CHECK(r->digits[i].kind == GW_DTMF_DIGIT_END);
  CHECK(busy == log->open);
}

typedef struct {
  bool open;
  uint8_t event;
  uint32_t seg_ts;
  uint16_t dur;
} out_state;

static void check_packets(out_state *st, const gw_dtmf_map_result *r, uint8_t pt, uint16_t *seq, bool busy) {
  CHECK(r->n <= GW_DTMF_MAP_MAX_OUT);
  for (size_t i = 0; i < r->n; i++) {
    const gw_dtmf_packet *p = &r->pkts[i];
    CHECK(p->rtp.pt == pt && p->rtp.seq == *seq && p->rtp.ssrc == 0);
    (*seq)++;
    CHECK(p->ev.event <= GW_DTMF_EVENT_MAX);
    if (p->rtp.marker) {
      CHECK(!st->open);
      st->open = true;
      st->event = p->ev.event;
      st->seg_ts = p->rtp.ts;
    } else {
      CHECK(st->open && p->ev.event == st->event);
      if (p->rtp.ts != st->seg_ts) { /* the next segment, after one closed at 0xFFFF */
        CHECK(p->rtp.ts == st->seg_ts + GW_DTMF_DURATION_MAX && st->dur == GW_DTMF_DURATION_MAX);
        st->seg_ts = p->rtp.ts;
      } else {
        CHECK(p->ev.duration >= st->dur);
      }
    }
    st->dur = p->ev.duration;
    if (p->ev.end) { /* three in a row, the same */
      CHECK(i + 2 < r->n);
      for (size_t k = 1; k <= 2; k++) {
        const gw_dtmf_packet *q = &r->pkts[i + k];
        CHECK(q->ev.end && !q->rtp.marker && q->rtp.ts == p->rtp.ts && q->ev.duration == p->ev.duration &&
              q->rtp.seq == *seq);
        (*seq)++;
      }
      i += 2;
      st->open = false;
      st->dur = 0;
    }
  }
  CHECK(busy == st->open);
}

static void fuzz_info(const uint8_t *data, size_t size) {
  gw_dtmf_info in;
  gw_why why;
  if (gw_dtmf_info_parse((const char *)data, size, &in, &why) != GW_OK) {
    CHECK(why.msg[0] && in.digit == 0);
    return;
  }
  CHECK(gw_dtmf_event_to_char(in.event) == in.digit);
  char buf[64];
  uint32_t ms = in.has_duration ? in.duration_ms : 100;
  CHECK(gw_dtmf_info_format(in.digit, ms, buf, sizeof buf, NULL) == GW_OK);
  gw_dtmf_info again;
  CHECK(gw_dtmf_info_parse(buf, strlen(buf), &again, NULL) == GW_OK);
  CHECK(again.event == in.event && again.duration_ms == ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_info(data, size);
  if (size < 1) return 0;

  static const uint32_t timeouts[4] = {0, 100, 500, 3000};
  uint32_t src_clock = (data[0] & 1) ? 48000 : 8000;
  uint32_t dst_clock = (data[0] & 2) ? 48000 : 8000;
  uint32_t timeout = timeouts[(data[0] >> 2) & 3];
  gw_dtmf_map_opts mo = {.src = {.formats = {{110, src_clock}, {126, 8000}}, .n_formats = 2, .timeout_ms = timeout},
                         .dst_pt = 101, .dst_clock_hz = dst_clock};
  gw_dtmf_rx_opts far_o = {.formats = {{101, dst_clock}}, .n_formats = 1, .timeout_ms = timeout};
  gw_dtmf_map *m;
  gw_dtmf_rx *near, *far;
  CHECK(gw_dtmf_map_new(&m, &mo, NULL) == GW_OK);
  CHECK(gw_dtmf_rx_new(&near, &mo.src, NULL) == GW_OK);
  CHECK(gw_dtmf_rx_new(&far, &far_o, NULL) == GW_OK);

  static digit_log near_log, map_log, far_log; /* large; reset per input */
  memset(&near_log, 0, sizeof near_log);
  memset(&map_log, 0, sizeof map_log);
  memset(&far_log, 0, sizeof far_log);
  out_state st = {0};
  gw_dtmf_dst dst = {.ts_now = 0xfffff000u, .seq = 0xfff0};
  uint16_t want_seq = dst.seq;
  uint32_t ts = 1000, ssrc = 1;
  uint16_t seq = 0;
  uint64_t now = 1;
  size_t pos = 1;

  while (pos + 6 <= size) {
    const uint8_t *rec = data + pos;
    uint8_t op = rec[0];
    uint32_t dt = rec[1];
    int16_t step = (int16_t)((rec[2] << 8) | rec[3]);
    size_t len = rec[5];
    pos += 6;
    if (len > size - pos) len = size - pos;
    const uint8_t *payload = data + pos;
    pos += len;

    now += dt * 4;
    dst.ts_now += dt * 4 * (dst_clock / 1000);
    ts += (uint32_t)((op & 0x20) ? step * 256 : step);
    seq = (uint16_t)(seq + rec[4]);
    if (op & 0x08) ssrc++;
    static const uint8_t pts[4] = {110, 126, 99, 110};
    gw_dtmf_rtp rtp = {.pt = pts[op & 3], .marker = (op & 0x04) != 0, .seq = seq, .ts = ts, .ssrc = ssrc};

    gw_dtmf_rx_result rr;
    gw_dtmf_map_result mr;
    if (op & 0x10) {
      gw_dtmf_rx_poll(near, now, &rr);
      gw_dtmf_map_poll(m, now, &dst, &mr);
    } else {
      gw_dtmf_event ev;
      int prc = gw_dtmf_event_parse(payload, len, &ev, NULL);
      if (prc == GW_OK) {
        uint8_t out[4];
        gw_dtmf_event_write(&ev, out);
        CHECK(out[0] == payload[0] && out[2] == payload[2] && out[3] == payload[3] &&
              (out[1] & 0xbf) == (payload[1] & 0xbf));
      }
      int rc1 = gw_dtmf_rx_input(near, &rtp, payload, len, now, &rr, NULL);
      int rc2 = gw_dtmf_map_input(m, &rtp, payload, len, now, &dst, &mr, NULL);
      CHECK(rc1 == rc2);
      CHECK(rc1 == GW_OK || rc1 == GW_EINVAL);
      if (rtp.pt != 99) CHECK((rc1 == GW_OK) == (prc == GW_OK));
    }
    check_digits(&near_log, &rr, gw_dtmf_rx_busy(near));
    check_digits(&map_log, &mr.rx, gw_dtmf_map_busy(m));
    CHECK(rr.verdict == mr.rx.verdict && rr.n == mr.rx.n);
    check_packets(&st, &mr, 101, &want_seq, gw_dtmf_map_busy(m));
    CHECK(dst.seq == want_seq);

    gw_dtmf_rx_result fr;
    gw_dtmf_rx_poll(far, now, &fr);
    check_digits(&far_log, &fr, gw_dtmf_rx_busy(far));
    for (size_t i = 0; i < mr.n; i++) {
      uint8_t p[4];
      gw_dtmf_event_write(&mr.pkts[i].ev, p);
      CHECK(gw_dtmf_rx_input(far, &mr.pkts[i].rtp, p, 4, now, &fr, NULL) == GW_OK);
      check_digits(&far_log, &fr, gw_dtmf_rx_busy(far));
    }
  }

  /* Both sides saw the same digits, in the same order. */
  CHECK(near_log.n == map_log.n && memcmp(near_log.kinds, map_log.kinds, near_log.n) == 0);
  CHECK(far_log.n == map_log.n && memcmp(far_log.kinds, map_log.kinds, far_log.n) == 0);
  for (size_t i = 0; i < far_log.n; i++) {
    int64_t d = (int64_t)far_log.ms[i] - (int64_t)map_log.ms[i];
    CHECK(d >= -1 && d <= 1);
  }

  gw_dtmf_rx_free(far);
  gw_dtmf_rx_free(near);
  gw_dtmf_map_free(m);
  return 0;
}
