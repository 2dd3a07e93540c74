/* Tests for media/dtmf: RFC 4733 payload, receiver, mapper, generator.
 *
 * The receiver is checked against the example of RFC 4733 section 5 (digit "9" then "1", 8000 Hz
 * timestamps, updates every 50 ms); the mapper against Chrome-like 48000 Hz streams mapped to a
 * trunk at 8000 Hz and back; the generator by its exact per-tick output and by feeding it to the
 * receiver. */
#include <glib.h>
#include <string.h>

#include "media/dtmf/dtmf.h"

/* ---- helpers ---- */

static void payload(uint8_t out[4], uint8_t event, bool end, uint8_t volume, uint16_t duration) {
  gw_dtmf_event ev = {.event = event, .end = end, .volume = volume, .duration = duration};
  gw_dtmf_event_write(&ev, out);
}

static gw_dtmf_rx *rx_8000(uint8_t pt) {
  gw_dtmf_rx_opts o = {.formats = {{pt, 8000}}, .n_formats = 1};
  gw_dtmf_rx *rx;
  g_assert_cmpint(gw_dtmf_rx_new(&rx, &o, NULL), ==, GW_OK);
  return rx;
}

/* Feeds one event packet to a receiver. */
static gw_dtmf_rx_result feed(gw_dtmf_rx *rx, uint8_t pt, uint16_t seq, uint32_t ts, bool marker,
                              uint8_t event, bool end, uint16_t duration, uint64_t now_ms) {
  gw_dtmf_rtp rtp = {.pt = pt, .marker = marker, .seq = seq, .ts = ts, .ssrc = 0x11223344};
  uint8_t p[4];
  payload(p, event, end, 10, duration);
  gw_dtmf_rx_result res;
  g_assert_cmpint(gw_dtmf_rx_input(rx, &rtp, p, sizeof p, now_ms, &res, NULL), ==, GW_OK);
  return res;
}

static gw_dtmf_map_result map_feed(gw_dtmf_map *m, uint8_t pt, uint16_t seq, uint32_t ts, uint8_t event,
                                   bool end, uint16_t duration, uint64_t now_ms, gw_dtmf_dst *dst) {
  gw_dtmf_rtp rtp = {.pt = pt, .seq = seq, .ts = ts, .ssrc = 7};
  uint8_t p[4];
  payload(p, event, end, 10, duration);
  gw_dtmf_map_result res;
  g_assert_cmpint(gw_dtmf_map_input(m, &rtp, p, sizeof p, now_ms, dst, &res, NULL), ==, GW_OK);
  return res;
}

/* ---- payload ---- */

static void test_payload_parse(void) {
  gw_dtmf_event ev;
  /* RFC 4733 2.3 layout: event 9, E=0, R=0, volume 10, duration 400. */
  const uint8_t a[] = {0x09, 0x0a, 0x01, 0x90};
  g_assert_cmpint(gw_dtmf_event_parse(a, sizeof a, &ev, NULL), ==, GW_OK);
  g_assert_cmpuint(ev.event, ==, 9);
  g_assert_false(ev.end);
  g_assert_cmpuint(ev.volume, ==, 10);
  g_assert_cmpuint(ev.duration, ==, 400);
  /* E set, R set (ignored), volume 63, duration 0xFFFF. */
  const uint8_t b[] = {0x0b, 0xff, 0xff, 0xff};
  g_assert_cmpint(gw_dtmf_event_parse(b, sizeof b, &ev, NULL), ==, GW_OK);
  g_assert_cmpuint(ev.event, ==, 11);
  g_assert_true(ev.end);
  g_assert_cmpuint(ev.volume, ==, 63);
  g_assert_cmpuint(ev.duration, ==, 0xffff);
  /* Two events packed in one packet (RFC 4733 2.5.1.5): the first is taken. */
  const uint8_t c[] = {0x01, 0x8a, 0x03, 0x20, 0x02, 0x0a, 0x00, 0xa0};
  g_assert_cmpint(gw_dtmf_event_parse(c, sizeof c, &ev, NULL), ==, GW_OK);
  g_assert_cmpuint(ev.event, ==, 1);
  g_assert_true(ev.end);
  g_assert_cmpuint(ev.duration, ==, 800);
}

static void test_payload_malformed(void) {
  const uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  gw_dtmf_event ev;
  gw_why why = {{0}};
  for (size_t n = 0; n < 8; n++) {
    if (n == 4) continue;
    why.msg[0] = 0;
    g_assert_cmpint(gw_dtmf_event_parse(buf, n, &ev, &why), ==, GW_EINVAL);
    g_assert_cmpstr(why.msg, !=, "");
  }
  g_assert_cmpint(gw_dtmf_event_parse(NULL, 4, &ev, NULL), ==, GW_EINVAL);
}

static void test_payload_write(void) {
  uint8_t out[4];
  gw_dtmf_event ev = {.event = 9, .end = true, .volume = 10, .duration = 1600};
  gw_dtmf_event_write(&ev, out);
  const uint8_t want[] = {0x09, 0x8a, 0x06, 0x40};
  g_assert_cmpmem(out, 4, want, 4);
  ev.volume = 0xff; /* masked to 6 bits; R stays 0 */
  gw_dtmf_event_write(&ev, out);
  g_assert_cmphex(out[1], ==, 0xbf);
  /* Every payload with R=0 survives a round trip. */
  for (unsigned e = 0; e < 256; e += 17)
    for (unsigned flags = 0; flags < 256; flags++) {
      if (flags & 0x40) continue;
      uint8_t in[4] = {(uint8_t)e, (uint8_t)flags, (uint8_t)(e * 3), (uint8_t)flags};
      g_assert_cmpint(gw_dtmf_event_parse(in, 4, &ev, NULL), ==, GW_OK);
      gw_dtmf_event_write(&ev, out);
      g_assert_cmpmem(out, 4, in, 4);
    }
}

static void test_digit_chars(void) {
  const char *all = "0123456789*#ABCD";
  for (uint8_t i = 0; i < 16; i++) {
    uint8_t ev = 99;
    g_assert_cmpint(gw_dtmf_event_from_char(all[i], &ev), ==, GW_OK);
    g_assert_cmpuint(ev, ==, i);
    g_assert_cmpint(gw_dtmf_event_to_char(i), ==, all[i]);
  }
  uint8_t ev;
  g_assert_cmpint(gw_dtmf_event_from_char('c', &ev), ==, GW_OK);
  g_assert_cmpuint(ev, ==, 14);
  g_assert_cmpint(gw_dtmf_event_from_char('E', &ev), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_event_from_char('\0', &ev), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_event_from_char(',', &ev), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_event_to_char(16), ==, '\0');
}

/* ---- receiver ---- */

/* RFC 4733 section 5, table: "9" from 0 to 200 ms, reports every 50 ms (400 units at 8000 Hz),
 * packet 4 sent at 200 ms and its end retransmitted at 250 and 300 ms, then "1" at 880 ms
 * (timestamp 7040). The table shows packet 4 with E=0 and its retransmissions with E=1. */
static void test_rx_rfc4733_example(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;

  r = feed(rx, 101, 1, 0, true, 9, false, 400, 50);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_STARTED);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpint(r.digits[0].kind, ==, GW_DTMF_DIGIT_START);
  g_assert_cmpint(r.digits[0].digit, ==, '9');
  g_assert_cmpuint(r.digits[0].ts, ==, 0);
  g_assert_cmpuint(r.digits[0].duration_ms, ==, 50);
  g_assert_true(gw_dtmf_rx_busy(rx));

  r = feed(rx, 101, 2, 0, false, 9, false, 800, 100);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_UPDATED);
  g_assert_cmpuint(r.n, ==, 0);
  r = feed(rx, 101, 3, 0, false, 9, false, 1200, 150);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_UPDATED);
  r = feed(rx, 101, 4, 0, false, 9, false, 1600, 200);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_UPDATED);
  g_assert_cmpuint(r.n, ==, 0);

  r = feed(rx, 101, 5, 0, false, 9, true, 1600, 250);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_ENDED);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpint(r.digits[0].kind, ==, GW_DTMF_DIGIT_END);
  g_assert_cmpint(r.digits[0].digit, ==, '9');
  g_assert_cmpint(r.digits[0].how, ==, GW_DTMF_END_BIT);
  g_assert_cmpuint(r.digits[0].duration, ==, 1600);
  g_assert_cmpuint(r.digits[0].duration_ms, ==, 200);
  g_assert_false(gw_dtmf_rx_busy(rx));

  r = feed(rx, 101, 6, 0, false, 9, true, 1600, 300); /* second retransmission */
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  g_assert_cmpuint(r.n, ==, 0);

  r = feed(rx, 101, 7, 7040, true, 1, false, 400, 930);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_STARTED);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpint(r.digits[0].digit, ==, '1');
  g_assert_cmpuint(r.digits[0].ts, ==, 7040);

  gw_dtmf_rx_counters c = gw_dtmf_rx_get_counters(rx);
  g_assert_cmpuint(c.packets, ==, 7);
  g_assert_cmpuint(c.digits, ==, 1);
  g_assert_cmpuint(c.ignored, ==, 1);
  gw_dtmf_rx_free(rx);
}

/* The usual sender: three packets with E; the digit is reported once. */
static void test_rx_end_repeated(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;
  unsigned ends = 0;
  feed(rx, 101, 1, 1000, true, 5, false, 160, 0);
  feed(rx, 101, 2, 1000, false, 5, false, 320, 20);
  for (int i = 0; i < 3; i++) {
    r = feed(rx, 101, (uint16_t)(3 + i), 1000, false, 5, true, 480, (uint64_t)(40 + 20 * i));
    for (size_t k = 0; k < r.n; k++) ends += r.digits[k].kind == GW_DTMF_DIGIT_END;
  }
  g_assert_cmpuint(ends, ==, 1);
  /* A reordered non-E packet of the ended event is a duplicate too. */
  r = feed(rx, 101, 2, 1000, false, 5, false, 320, 100);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  g_assert_cmpuint(r.n, ==, 0);
  /* Much later, no timeout fires for an ended event. */
  gw_dtmf_rx_poll(rx, 100000, &r);
  g_assert_cmpuint(r.n, ==, 0);
  g_assert_cmpuint(gw_dtmf_rx_get_counters(rx).digits, ==, 1);
  gw_dtmf_rx_free(rx);
}

static void test_rx_timeout(void) {
  gw_dtmf_rx_opts o = {.formats = {{96, 48000}}, .n_formats = 1, .timeout_ms = 500};
  gw_dtmf_rx *rx;
  g_assert_cmpint(gw_dtmf_rx_new(&rx, &o, NULL), ==, GW_OK);
  gw_dtmf_rx_result r;
  feed(rx, 96, 1, 5000, true, 12, false, 960, 1000);
  feed(rx, 96, 2, 5000, false, 12, false, 2880, 1040);
  gw_dtmf_rx_poll(rx, 1539, &r);
  g_assert_cmpuint(r.n, ==, 0);
  gw_dtmf_rx_poll(rx, 1540, &r);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpint(r.digits[0].kind, ==, GW_DTMF_DIGIT_END);
  g_assert_cmpint(r.digits[0].digit, ==, 'A');
  g_assert_cmpint(r.digits[0].how, ==, GW_DTMF_END_TIMEOUT);
  g_assert_cmpuint(r.digits[0].duration_ms, ==, 60); /* 2880 at 48000 Hz */
  /* Its end packets arriving late report nothing more. */
  r = feed(rx, 96, 3, 5000, false, 12, true, 4800, 1600);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  g_assert_cmpuint(r.n, ==, 0);
  /* A timeout found on input: the END comes before what the packet itself does. */
  feed(rx, 96, 4, 9000, true, 1, false, 960, 2000);
  r = feed(rx, 96, 5, 20000, true, 2, false, 960, 2600);
  g_assert_cmpuint(r.n, ==, 2);
  g_assert_cmpint(r.digits[0].how, ==, GW_DTMF_END_TIMEOUT);
  g_assert_cmpint(r.digits[0].digit, ==, '1');
  g_assert_cmpint(r.digits[1].kind, ==, GW_DTMF_DIGIT_START);
  g_assert_cmpint(r.digits[1].digit, ==, '2');
  gw_dtmf_rx_free(rx);
}

static void test_rx_replaced(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;
  feed(rx, 101, 1, 0, true, 1, false, 160, 0);
  feed(rx, 101, 2, 0, false, 1, false, 320, 20);
  /* The end packets were lost; the same digit again, with a new timestamp, is a new press. */
  r = feed(rx, 101, 9, 4000, true, 1, false, 160, 500);
  g_assert_cmpuint(r.n, ==, 2);
  g_assert_cmpint(r.digits[0].kind, ==, GW_DTMF_DIGIT_END);
  g_assert_cmpint(r.digits[0].how, ==, GW_DTMF_END_REPLACED);
  g_assert_cmpuint(r.digits[0].duration_ms, ==, 40);
  g_assert_cmpint(r.digits[1].kind, ==, GW_DTMF_DIGIT_START);
  g_assert_cmpuint(r.digits[1].ts, ==, 4000);
  /* A first packet that already carries E (the earlier ones lost): start and end at once,
   * after ending the open event: three reports. */
  r = feed(rx, 101, 20, 8000, true, 11, true, 800, 900);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_ENDED);
  g_assert_cmpuint(r.n, ==, 3);
  g_assert_cmpint(r.digits[0].how, ==, GW_DTMF_END_REPLACED);
  g_assert_cmpint(r.digits[1].kind, ==, GW_DTMF_DIGIT_START);
  g_assert_cmpint(r.digits[1].digit, ==, '#');
  g_assert_cmpint(r.digits[2].kind, ==, GW_DTMF_DIGIT_END);
  g_assert_cmpint(r.digits[2].how, ==, GW_DTMF_END_BIT);
  g_assert_cmpuint(r.digits[2].duration_ms, ==, 100);
  gw_dtmf_rx_free(rx);
}

static void test_rx_reorder(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;
  feed(rx, 101, 10, 16000, true, 3, false, 480, 0);
  /* A shorter duration arriving late does not shorten the event. */
  r = feed(rx, 101, 9, 16000, false, 3, false, 160, 5);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_UPDATED);
  /* A packet of an earlier event, arriving late, is not a new digit. */
  r = feed(rx, 101, 5, 15000, false, 2, true, 800, 10);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  g_assert_cmpuint(r.n, ==, 0);
  /* A different event code on the same timestamp is ignored. */
  r = feed(rx, 101, 11, 16000, false, 4, false, 640, 15);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  r = feed(rx, 101, 12, 16000, false, 3, true, 640, 20);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpuint(r.digits[0].duration, ==, 640);
  gw_dtmf_rx_free(rx);
  /* Timestamps wrap: 0xFFFFFF00 then 0x100 is newer. */
  rx = rx_8000(101);
  feed(rx, 101, 13, 0xffffff00u, true, 6, true, 160, 100);
  r = feed(rx, 101, 14, 0x100, true, 7, false, 160, 200);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_STARTED);
  g_assert_cmpint(r.digits[0].digit, ==, '7');
  /* An older timestamp long after the last event: the sender restarted its clock. */
  feed(rx, 101, 15, 0x100, false, 7, true, 320, 220);
  r = feed(rx, 101, 16, 0x50, true, 8, false, 160, 220 + 5000);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_STARTED);
  gw_dtmf_rx_free(rx);
}

/* RFC 4733 2.5.1.3: an event longer than 0xFFFF units goes on in a new segment whose timestamp is
 * where the previous one ended. At 8000 Hz: 8.19 s per segment. */
static void test_rx_segments(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;
  feed(rx, 101, 1, 1000, true, 0, false, 400, 0);
  feed(rx, 101, 2, 1000, false, 0, false, 0xffff, 50);
  r = feed(rx, 101, 3, 1000 + 0xffff, false, 0, false, 400, 100);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_UPDATED);
  g_assert_cmpuint(r.n, ==, 0);
  r = feed(rx, 101, 4, 1000 + 0xffff, false, 0, true, 800, 150);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpuint(r.digits[0].ts, ==, 1000);
  g_assert_cmpuint(r.digits[0].duration, ==, 0xffff + 800);
  g_assert_cmpuint(r.digits[0].duration_ms, ==, (0xffff + 800 + 4) / 8);
  gw_dtmf_rx_free(rx);
}

static void test_rx_ssrc_change(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;
  feed(rx, 101, 1, 1000, true, 1, false, 160, 0);
  uint8_t p[4];
  payload(p, 2, false, 10, 160);
  gw_dtmf_rtp rtp = {.pt = 101, .seq = 50, .ts = 10, .ssrc = 0x55}; /* older ts, other stream */
  g_assert_cmpint(gw_dtmf_rx_input(rx, &rtp, p, 4, 10, &r, NULL), ==, GW_OK);
  g_assert_cmpuint(r.n, ==, 2);
  g_assert_cmpint(r.digits[0].how, ==, GW_DTMF_END_REPLACED);
  g_assert_cmpint(r.digits[1].digit, ==, '2');
  gw_dtmf_rx_free(rx);
}

static void test_rx_rejects(void) {
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_rx_result r;
  gw_why why = {{0}};
  uint8_t p[4];
  payload(p, 1, false, 10, 160);
  gw_dtmf_rtp rtp = {.pt = 100, .ts = 1};
  g_assert_cmpint(gw_dtmf_rx_input(rx, &rtp, p, 4, 0, &r, &why), ==, GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "100"));
  rtp.pt = 101;
  g_assert_cmpint(gw_dtmf_rx_input(rx, &rtp, p, 3, 0, &r, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_dtmf_rx_input(rx, &rtp, p, 0, 0, &r, NULL), ==, GW_EINVAL);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  /* Event 16 (flash) and above are not DTMF here. */
  r = feed(rx, 101, 1, 1, true, 16, false, 160, 0);
  g_assert_cmpint(r.verdict, ==, GW_DTMF_RX_IGNORED);
  g_assert_false(gw_dtmf_rx_busy(rx));
  gw_dtmf_rx_counters c = gw_dtmf_rx_get_counters(rx);
  g_assert_cmpuint(c.malformed, ==, 3);
  g_assert_cmpuint(c.ignored, ==, 1);
  gw_dtmf_rx_free(rx);

  gw_dtmf_rx_opts bad = {.formats = {{101, 8000}, {101, 48000}}, .n_formats = 2};
  g_assert_cmpint(gw_dtmf_rx_new(&rx, &bad, NULL), ==, GW_EINVAL);
  bad.formats[1].pt = 110;
  bad.formats[1].clock_hz = 44;
  g_assert_cmpint(gw_dtmf_rx_new(&rx, &bad, NULL), ==, GW_EINVAL);
  bad.n_formats = 0;
  g_assert_cmpint(gw_dtmf_rx_new(&rx, &bad, NULL), ==, GW_EINVAL);
  g_assert_null(rx);
}

/* ---- mapper ---- */

static gw_dtmf_map *browser_to_trunk(void) {
  /* Chrome offers telephone-event/48000 (here PT 110) and /8000 (PT 126); the trunk uses 101. */
  gw_dtmf_map_opts o = {.src = {.formats = {{110, 48000}, {126, 8000}}, .n_formats = 2},
                        .dst_pt = 101, .dst_clock_hz = 8000};
  gw_dtmf_map *m;
  g_assert_cmpint(gw_dtmf_map_new(&m, &o, NULL), ==, GW_OK);
  return m;
}

static void test_map_48000_to_8000(void) {
  gw_dtmf_map *m = browser_to_trunk();
  gw_dtmf_dst dst = {.ts_now = 123456, .seq = 65534};
  gw_dtmf_packet got[16];
  size_t n = 0;
  unsigned ends = 0;
  /* Browser: event '5' at its timestamp 3000000, updates every 20 ms (960 units), end at 100 ms
   * sent three times. */
  for (int i = 1; i <= 7; i++) {
    bool end = i >= 5;
    uint16_t dur = (uint16_t)(960 * (i < 5 ? i : 5));
    gw_dtmf_map_result r = map_feed(m, 110, (uint16_t)(500 + i), 3000000, 5, end, dur, (uint64_t)(20 * i), &dst);
    for (size_t k = 0; k < r.n; k++) got[n++] = r.pkts[k];
    dst.ts_now += 160; /* the trunk leg's clock runs on meanwhile */
  }
  g_assert_cmpuint(n, ==, 4 + 3); /* 4 updates, the end three times; the browser's repeats absorbed */
  for (size_t k = 0; k < n; k++) {
    g_assert_cmpuint(got[k].rtp.pt, ==, 101);
    g_assert_cmpuint(got[k].rtp.ts, ==, 123456); /* the trunk's timeline at the event's start */
    g_assert_cmpuint(got[k].rtp.seq, ==, (uint16_t)(65534 + k)); /* the trunk's numbers, wrapping */
    g_assert_cmpuint(got[k].rtp.ssrc, ==, 0);
    g_assert_true(got[k].rtp.marker == (k == 0));
    g_assert_cmpuint(got[k].ev.event, ==, 5);
    g_assert_cmpuint(got[k].ev.volume, ==, 10);
    uint16_t want = (uint16_t)(160 * (k < 4 ? k + 1 : 5)); /* 48000 -> 8000: divided by 6 */
    g_assert_cmpuint(got[k].ev.duration, ==, want);
    ends += got[k].ev.end;
  }
  g_assert_cmpuint(ends, ==, 3);
  g_assert_cmpuint(dst.seq, ==, (uint16_t)(65534 + 7));
  g_assert_false(gw_dtmf_map_busy(m));

  /* The /8000 format of the same leg (same SSRC and timeline) passes durations unchanged; a new
   * event takes the current destination timestamp. */
  gw_dtmf_map_result r = map_feed(m, 126, 600, 3100000, 11, false, 400, 1000, &dst);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpuint(r.pkts[0].ev.duration, ==, 400);
  g_assert_cmpuint(r.pkts[0].rtp.ts, ==, dst.ts_now);
  g_assert_true(r.pkts[0].rtp.marker);
  g_assert_true(gw_dtmf_map_busy(m));
  g_assert_cmpuint(r.rx.n, ==, 1);
  g_assert_cmpint(r.rx.digits[0].digit, ==, '#');
  gw_dtmf_map_free(m);
}

static void test_map_8000_to_48000_segments(void) {
  gw_dtmf_map_opts o = {.src = {.formats = {{101, 8000}}, .n_formats = 1}, .dst_pt = 111, .dst_clock_hz = 48000};
  gw_dtmf_map *m;
  g_assert_cmpint(gw_dtmf_map_new(&m, &o, NULL), ==, GW_OK);
  gw_dtmf_dst dst = {.ts_now = 0xfffff000u, .seq = 1};
  gw_dtmf_map_result r;
  r = map_feed(m, 101, 1, 80, 0, false, 400, 0, &dst);
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpuint(r.pkts[0].ev.duration, ==, 2400); /* x6 */
  r = map_feed(m, 101, 2, 80, 0, false, 10000, 50, &dst); /* 60000 at 48000 Hz: one segment yet */
  g_assert_cmpuint(r.n, ==, 1);
  g_assert_cmpuint(r.pkts[0].ev.duration, ==, 60000);
  /* 12000 units = 1.5 s = 72000 at 48000 Hz: the first segment closes at 0xFFFF, the second
   * begins at its end with the rest. */
  r = map_feed(m, 101, 3, 80, 0, false, 12000, 100, &dst);
  g_assert_cmpuint(r.n, ==, 2);
  g_assert_cmpuint(r.pkts[0].rtp.ts, ==, 0xfffff000u);
  g_assert_cmpuint(r.pkts[0].ev.duration, ==, 0xffff);
  g_assert_false(r.pkts[0].ev.end);
  g_assert_cmpuint(r.pkts[1].rtp.ts, ==, (uint32_t)(0xfffff000u + 0xffff));
  g_assert_cmpuint(r.pkts[1].ev.duration, ==, 72000 - 0xffff);
  g_assert_false(r.pkts[1].rtp.marker);
  r = map_feed(m, 101, 4, 80, 0, true, 12800, 150, &dst);
  g_assert_cmpuint(r.n, ==, 3);
  for (size_t k = 0; k < 3; k++) {
    g_assert_true(r.pkts[k].ev.end);
    g_assert_cmpuint(r.pkts[k].ev.duration, ==, 76800 - 0xffff);
    g_assert_cmpuint(r.pkts[k].rtp.ts, ==, (uint32_t)(0xfffff000u + 0xffff));
  }
  g_assert_cmpuint(dst.seq, ==, 1 + 1 + 1 + 2 + 3);

  /* Fed to a receiver at 48000 Hz, the segments make one digit of 1.6 s. */
  gw_dtmf_map_free(m);
  g_assert_cmpint(gw_dtmf_map_new(&m, &o, NULL), ==, GW_OK);
  gw_dtmf_rx_opts ro = {.formats = {{111, 48000}}, .n_formats = 1};
  gw_dtmf_rx *rx;
  g_assert_cmpint(gw_dtmf_rx_new(&rx, &ro, NULL), ==, GW_OK);
  unsigned starts = 0, ends = 0, ms = 0;
  for (int i = 1; i <= 33; i++) {
    bool end = i >= 31;
    uint16_t dur = (uint16_t)(400 * (i < 31 ? i : 30));
    r = map_feed(m, 101, (uint16_t)i, 80, 0, end, dur, (uint64_t)(50 * i), &dst);
    for (size_t k = 0; k < r.n; k++) {
      uint8_t p[4];
      gw_dtmf_event_write(&r.pkts[k].ev, p);
      gw_dtmf_rx_result rr;
      g_assert_cmpint(gw_dtmf_rx_input(rx, &r.pkts[k].rtp, p, 4, (uint64_t)(50 * i), &rr, NULL), ==, GW_OK);
      for (size_t j = 0; j < rr.n; j++) {
        starts += rr.digits[j].kind == GW_DTMF_DIGIT_START;
        if (rr.digits[j].kind == GW_DTMF_DIGIT_END) {
          ends++;
          ms = rr.digits[j].duration_ms;
        }
      }
    }
  }
  g_assert_cmpuint(starts, ==, 1);
  g_assert_cmpuint(ends, ==, 1);
  g_assert_cmpuint(ms, ==, 1500);
  gw_dtmf_rx_free(rx);
  gw_dtmf_map_free(m);
}

static void test_map_timeout_and_replace(void) {
  gw_dtmf_map *m = browser_to_trunk();
  gw_dtmf_dst dst = {.ts_now = 1000, .seq = 10};
  gw_dtmf_map_result r;
  map_feed(m, 110, 1, 48000, 7, false, 1920, 0, &dst);
  gw_dtmf_map_poll(m, 999, &dst, &r);
  g_assert_cmpuint(r.n, ==, 0);
  gw_dtmf_map_poll(m, 1000, &dst, &r); /* the default timeout: 1 s without a packet */
  g_assert_cmpuint(r.n, ==, 3);
  for (size_t k = 0; k < 3; k++) {
    g_assert_true(r.pkts[k].ev.end);
    g_assert_cmpuint(r.pkts[k].ev.duration, ==, 320);
    g_assert_cmpuint(r.pkts[k].rtp.ts, ==, 1000);
  }
  g_assert_cmpuint(r.rx.n, ==, 1);
  g_assert_cmpint(r.rx.digits[0].how, ==, GW_DTMF_END_TIMEOUT);
  g_assert_false(gw_dtmf_map_busy(m));

  /* Replacement: the open event gets its three ends, then the new one starts with a marker. */
  dst.ts_now = 5000;
  map_feed(m, 110, 2, 96000, 1, false, 960, 2000, &dst);
  dst.ts_now = 5160;
  r = map_feed(m, 110, 3, 144000, 2, false, 960, 2020, &dst);
  g_assert_cmpuint(r.n, ==, 4);
  for (size_t k = 0; k < 3; k++) {
    g_assert_cmpuint(r.pkts[k].ev.event, ==, 1);
    g_assert_true(r.pkts[k].ev.end);
    g_assert_cmpuint(r.pkts[k].rtp.ts, ==, 5000);
    g_assert_false(r.pkts[k].rtp.marker);
  }
  g_assert_cmpuint(r.pkts[3].ev.event, ==, 2);
  g_assert_false(r.pkts[3].ev.end);
  g_assert_true(r.pkts[3].rtp.marker);
  g_assert_cmpuint(r.pkts[3].rtp.ts, ==, 5160);

  /* A first packet with E: three end packets, the first with the marker. */
  r = map_feed(m, 110, 4, 200000, 3, true, 4800, 2100, &dst);
  g_assert_cmpuint(r.n, ==, 6);
  g_assert_true(r.pkts[3].rtp.marker && r.pkts[3].ev.end && r.pkts[3].ev.duration == 800);
  g_assert_false(r.pkts[4].rtp.marker);
  g_assert_false(r.pkts[5].rtp.marker);

  /* Unknown source PT: an error and nothing sent. */
  uint8_t p[4];
  payload(p, 1, false, 10, 160);
  gw_dtmf_rtp rtp = {.pt = 101, .ts = 1};
  uint16_t seq = dst.seq;
  g_assert_cmpint(gw_dtmf_map_input(m, &rtp, p, 4, 2200, &dst, &r, NULL), ==, GW_EINVAL);
  g_assert_cmpuint(r.n, ==, 0);
  g_assert_cmpuint(dst.seq, ==, seq);
  gw_dtmf_map_free(m);

  gw_dtmf_map_opts bad = {.src = {.formats = {{110, 48000}}, .n_formats = 1}, .dst_pt = 200, .dst_clock_hz = 8000};
  g_assert_cmpint(gw_dtmf_map_new(&m, &bad, NULL), ==, GW_EINVAL);
  bad.dst_pt = 101;
  bad.dst_clock_hz = 0;
  g_assert_cmpint(gw_dtmf_map_new(&m, &bad, NULL), ==, GW_EINVAL);
}

/* ---- generator ---- */

typedef struct {
  bool sent;
  gw_dtmf_packet p;
  uint32_t ts_now;
} tick_out;

/* Runs n ticks of 20 ms at 8000 Hz (160 units per tick). */
static void run_ticks(gw_dtmf_gen *g, gw_dtmf_dst *dst, tick_out *out, size_t n, uint32_t units) {
  for (size_t i = 0; i < n; i++) {
    out[i].ts_now = dst->ts_now;
    out[i].sent = gw_dtmf_gen_next(g, dst, &out[i].p);
    dst->ts_now += units;
  }
}

static void test_gen_timing(void) {
  gw_dtmf_gen_opts o = {.pt = 101, .clock_hz = 8000};
  gw_dtmf_gen *g;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_OK);
  g_assert_false(gw_dtmf_gen_busy(g));
  g_assert_cmpint(gw_dtmf_gen_queue(g, "1#", NULL), ==, GW_OK);
  g_assert_true(gw_dtmf_gen_busy(g));
  gw_dtmf_dst dst = {.ts_now = 80000, .seq = 300};
  tick_out t[24];
  run_ticks(g, &dst, t, 24, 160);

  /* Per digit: 5 packets of 20..100 ms (the 5th is the first end), 2 more ends, 3 empty ticks. */
  for (size_t d = 0; d < 2; d++) {
    size_t b = d * 10;
    uint8_t event = d == 0 ? 1 : 11;
    for (size_t i = 0; i < 7; i++) {
      g_assert_true(t[b + i].sent);
      const gw_dtmf_packet *p = &t[b + i].p;
      g_assert_cmpuint(p->rtp.pt, ==, 101);
      g_assert_cmpuint(p->rtp.ts, ==, t[b].ts_now);
      g_assert_true(p->rtp.marker == (i == 0));
      g_assert_cmpuint(p->ev.event, ==, event);
      g_assert_cmpuint(p->ev.volume, ==, 10);
      g_assert_cmpuint(p->ev.duration, ==, 160 * (i < 5 ? i + 1 : 5));
      g_assert_true(p->ev.end == (i >= 4));
      g_assert_cmpuint(p->rtp.seq, ==, 300 + d * 7 + i);
    }
    for (size_t i = 7; i < 10; i++) g_assert_false(t[b + i].sent);
  }
  g_assert_cmpuint(t[0].ts_now, ==, 80000);
  g_assert_cmpuint(t[10].ts_now, ==, 80000 + 10 * 160);
  for (size_t i = 20; i < 24; i++) g_assert_false(t[i].sent);
  g_assert_false(gw_dtmf_gen_busy(g));
  gw_dtmf_gen_free(g);
}

static void test_gen_to_receiver(void) {
  /* A browser-side generator at 48000 Hz, through the mapper to 8000 Hz, into a receiver. */
  gw_dtmf_gen_opts o = {.pt = 110, .clock_hz = 48000, .tone_ms = 120, .gap_ms = 60};
  gw_dtmf_gen *g;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtmf_gen_queue(g, "90*D", NULL), ==, GW_OK);
  gw_dtmf_map *m = browser_to_trunk();
  gw_dtmf_rx *rx = rx_8000(101);
  gw_dtmf_dst browser = {.ts_now = 7, .seq = 0}, trunk = {.ts_now = 99, .seq = 40000};
  GString *digits = g_string_new(NULL);
  unsigned packets = 0, end_packets = 0;
  for (uint64_t tick = 0; tick < 100; tick++) {
    uint64_t now = tick * 20;
    gw_dtmf_packet p;
    if (gw_dtmf_gen_next(g, &browser, &p)) {
      g_assert_cmpuint(p.ev.duration % 960, ==, 0);
      uint8_t pl[4];
      gw_dtmf_event_write(&p.ev, pl);
      gw_dtmf_map_result r;
      g_assert_cmpint(gw_dtmf_map_input(m, &p.rtp, pl, 4, now, &trunk, &r, NULL), ==, GW_OK);
      for (size_t k = 0; k < r.n; k++) {
        packets++;
        end_packets += r.pkts[k].ev.end;
        gw_dtmf_event_write(&r.pkts[k].ev, pl);
        gw_dtmf_rx_result rr;
        g_assert_cmpint(gw_dtmf_rx_input(rx, &r.pkts[k].rtp, pl, 4, now, &rr, NULL), ==, GW_OK);
        for (size_t j = 0; j < rr.n; j++) {
          if (rr.digits[j].kind != GW_DTMF_DIGIT_END) continue;
          g_assert_cmpint(rr.digits[j].how, ==, GW_DTMF_END_BIT);
          g_assert_cmpuint(rr.digits[j].duration_ms, ==, 120);
          g_string_append_c(digits, rr.digits[j].digit);
        }
      }
    }
    browser.ts_now += 960;
    trunk.ts_now += 160;
  }
  g_assert_cmpstr(digits->str, ==, "90*D");
  g_assert_cmpuint(end_packets, ==, 4 * 3);
  g_assert_cmpuint(packets, ==, 4 * (6 + 2));
  g_string_free(digits, TRUE);
  gw_dtmf_rx_free(rx);
  gw_dtmf_map_free(m);
  gw_dtmf_gen_free(g);
}

static void test_gen_pause_cancel(void) {
  gw_dtmf_gen_opts o = {.pt = 101, .clock_hz = 8000, .pause_ms = 100};
  gw_dtmf_gen *g;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtmf_gen_queue(g, "1,2", NULL), ==, GW_OK);
  gw_dtmf_dst dst = {.ts_now = 0, .seq = 0};
  tick_out t[30];
  run_ticks(g, &dst, t, 30, 160);
  /* '1' on ticks 0-6, gap 7-9, pause 10-14, '2' from 15. */
  for (size_t i = 0; i < 30; i++) {
    bool want = i < 7 || (i >= 15 && i < 22);
    g_assert_true(t[i].sent == want);
  }
  g_assert_cmpuint(t[15].p.ev.event, ==, 2);
  g_assert_true(t[15].p.rtp.marker);
  gw_dtmf_gen_free(g);

  /* Cancel during a tone: the next tick ends it, two repeats follow, the queue is gone. */
  o.pause_ms = 0;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtmf_gen_queue(g, "123", NULL), ==, GW_OK);
  run_ticks(g, &dst, t, 2, 160);
  gw_dtmf_gen_cancel(g);
  run_ticks(g, &dst, t, 10, 160);
  for (size_t i = 0; i < 3; i++) {
    g_assert_true(t[i].sent);
    g_assert_true(t[i].p.ev.end);
    g_assert_cmpuint(t[i].p.ev.duration, ==, 480);
  }
  for (size_t i = 3; i < 10; i++) g_assert_false(t[i].sent);
  g_assert_false(gw_dtmf_gen_busy(g));
  gw_dtmf_gen_free(g);
}

static void test_gen_rejects(void) {
  gw_dtmf_gen *g;
  gw_dtmf_gen_opts o = {.pt = 101, .clock_hz = 48000, .tone_ms = 2000};
  gw_why why = {{0}};
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, &why), ==, GW_EINVAL); /* 96000 units > 0xFFFF */
  g_assert_null(g);
  o.tone_ms = 0;
  o.tick_ms = 7; /* 336 samples: fine at 48000 */
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_OK);
  gw_dtmf_gen_free(g);
  o.clock_hz = 44100;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_EINVAL); /* 308.7 samples per tick */
  o.clock_hz = 8000;
  o.tick_ms = 20;
  o.volume = 64;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_EINVAL);
  o.volume = 0;
  g_assert_cmpint(gw_dtmf_gen_new(&g, &o, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtmf_gen_queue(g, "12x", &why), ==, GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "'x'"));
  g_assert_false(gw_dtmf_gen_busy(g)); /* all or nothing */
  char many[GW_DTMF_GEN_MAX_QUEUE + 2];
  memset(many, '5', sizeof many - 1);
  many[sizeof many - 1] = 0;
  g_assert_cmpint(gw_dtmf_gen_queue(g, many, NULL), ==, GW_ETOOBIG);
  many[GW_DTMF_GEN_MAX_QUEUE] = 0;
  g_assert_cmpint(gw_dtmf_gen_queue(g, many, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtmf_gen_queue(g, "1", NULL), ==, GW_ETOOBIG);
  gw_dtmf_gen_free(g);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dtmf/payload/parse", test_payload_parse);
  g_test_add_func("/dtmf/payload/malformed", test_payload_malformed);
  g_test_add_func("/dtmf/payload/write", test_payload_write);
  g_test_add_func("/dtmf/payload/digit-chars", test_digit_chars);
  g_test_add_func("/dtmf/rx/rfc4733-section5", test_rx_rfc4733_example);
  g_test_add_func("/dtmf/rx/end-repeated", test_rx_end_repeated);
  g_test_add_func("/dtmf/rx/timeout", test_rx_timeout);
  g_test_add_func("/dtmf/rx/replaced", test_rx_replaced);
  g_test_add_func("/dtmf/rx/reorder", test_rx_reorder);
  g_test_add_func("/dtmf/rx/segments", test_rx_segments);
  g_test_add_func("/dtmf/rx/ssrc-change", test_rx_ssrc_change);
  g_test_add_func("/dtmf/rx/rejects", test_rx_rejects);
  g_test_add_func("/dtmf/map/48000-to-8000", test_map_48000_to_8000);
  g_test_add_func("/dtmf/map/8000-to-48000-segments", test_map_8000_to_48000_segments);
  g_test_add_func("/dtmf/map/timeout-replace", test_map_timeout_and_replace);
  g_test_add_func("/dtmf/gen/timing", test_gen_timing);
  g_test_add_func("/dtmf/gen/to-receiver", test_gen_to_receiver);
  g_test_add_func("/dtmf/gen/pause-cancel", test_gen_pause_cancel);
  g_test_add_func("/dtmf/gen/rejects", test_gen_rejects);
  return g_test_run();
}
