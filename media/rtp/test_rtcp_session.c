/* Tests for media/rtp/rtcp_session: reports round-trip through the RTCP walker (SR and RR with a
 * block, SDES CNAME), the SR/RR choice of RFC 3550 6.4, the round-trip time of 6.4.1 (its worked
 * example, and two sessions talking), what the peer reports about our stream, and the randomized
 * interval of 6.2/6.3.5. Times are given, never read, so every figure is exact. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "media/rtp/rtcp_session.h"

#define NTP_UNIX 2208988800ll
#define SEC 1000000ll

/* A receive state with packets 100..199 minus three, and a jitter of some units. */
static void received(gw_rtp_seq *seq, gw_rtp_jitter *j) {
  memset(j, 0, sizeof *j);
  gw_rtp_seq_start(seq, 98);
  gw_rtp_seq_update(seq, 98);
  gw_rtp_seq_update(seq, 99);
  for (uint16_t s = 100; s < 200; s++) {
    if (s == 120 || s == 150 || s == 151) continue;
    gw_rtp_seq_update(seq, s);
    gw_rtp_jitter_update(j, (uint32_t)s * 160 + (s % 3) * 8, (uint32_t)s * 160);
  }
}

typedef struct {
  gw_rtcp_packet first, sdes;
  gw_rtcp_report_block block;
  char cname[64];
  uint32_t cname_ssrc;
} walked;

/* Walks a compound packet from an exact-size heap copy (ASan catches any over-read). */
static void walk(const uint8_t *buf, size_t len, walked *w) {
  memset(w, 0, sizeof *w);
  uint8_t *copy = g_memdup2(buf, len);
  gw_rtcp_iter it;
  gw_why why = {""};
  g_assert_cmpint(gw_rtcp_iter_init(&it, copy, len, &why), ==, GW_OK);
  g_assert_true(gw_rtcp_iter_next(&it, &w->first));
  g_assert_true(gw_rtcp_iter_next(&it, &w->sdes));
  g_assert_false(gw_rtcp_iter_next(&it, &(gw_rtcp_packet){0}));
  if (w->first.count) gw_rtcp_report_block_at(&w->first, 0, &w->block);
  g_assert_cmpuint(w->sdes.type, ==, GW_RTCP_SDES);
  gw_rtcp_sdes_iter si;
  gw_rtcp_sdes_iter_init(&si, &w->sdes);
  uint8_t type;
  const uint8_t *text;
  size_t n;
  g_assert_true(gw_rtcp_sdes_next(&si, &w->cname_ssrc, &type, &text, &n));
  g_assert_cmpuint(type, ==, GW_RTCP_SDES_CNAME);
  memcpy(w->cname, text, n);
  /* the pointers into the copy are not used past this point */
  w->first.data = w->first.blocks = w->first.body = NULL;
  w->sdes.data = w->sdes.blocks = w->sdes.body = NULL;
  g_free(copy);
}

static void test_sr_round_trip(void) {
  gw_rtcp_session s;
  g_assert_cmpint(gw_rtcp_session_init(&s, "gw-3f9a@example", NULL), ==, GW_OK);
  gw_rtp_seq seq;
  gw_rtp_jitter j;
  received(&seq, &j);
  int64_t wall = (int64_t)1700000000 * SEC + 250000; /* .25 s: the NTP fraction is 0x40000000 */
  gw_rtcp_tx tx = {.ssrc = 0x11223344, .packets = 250, .octets = 40000, .rtp_ts = 0xdeadbeef, .clock_rate = 8000};
  gw_rtcp_rx rx = {.ssrc = 0xcafe0001, .seq = &seq, .jitter = &j};
  uint8_t buf[GW_RTCP_REPORT_MAX];
  size_t len = 0;
  g_assert_cmpint(gw_rtcp_session_build(&s, &tx, &rx, wall, buf, sizeof buf, &len, NULL), ==, GW_OK);
  g_assert_true(gw_rtcp_session_last_was_sr(&s));
  walked w;
  walk(buf, len, &w);
  g_assert_cmpuint(w.first.type, ==, GW_RTCP_SR);
  g_assert_cmphex(w.first.ssrc, ==, 0x11223344);
  g_assert_cmphex(w.first.sender.ntp >> 32, ==, 1700000000ull + NTP_UNIX);
  g_assert_cmphex((uint32_t)w.first.sender.ntp, ==, 0x40000000u);
  g_assert_cmphex(w.first.sender.rtp_ts, ==, 0xdeadbeef);
  g_assert_cmpuint(w.first.sender.packet_count, ==, 250);
  g_assert_cmpuint(w.first.sender.octet_count, ==, 40000);
  g_assert_cmpuint(w.first.count, ==, 1);
  g_assert_cmphex(w.block.ssrc, ==, 0xcafe0001);
  g_assert_cmpint(w.block.cumulative_lost, ==, 3);
  g_assert_cmpuint(w.block.ext_highest_seq, ==, 199);
  /* 3 lost of 100 expected (99..199 less the probation packet 98 that started the count) */
  g_assert_cmpuint(w.block.fraction_lost, ==, (3 * 256) / gw_rtp_seq_expected(&seq));
  g_assert_cmpuint(w.block.jitter, ==, gw_rtp_jitter_get(&j));
  g_assert_cmpuint(w.block.jitter, >, 0);
  g_assert_cmpuint(w.block.lsr, ==, 0); /* no SR from the peer yet */
  g_assert_cmpuint(w.block.dlsr, ==, 0);
  g_assert_cmpstr(w.cname, ==, "gw-3f9a@example");
  g_assert_cmphex(w.cname_ssrc, ==, 0x11223344);
  /* the interval moved: a second report with nothing new lost has fraction 0, cumulative 3 */
  g_assert_cmpint(gw_rtcp_session_build(&s, &tx, &rx, wall + 5 * SEC, buf, sizeof buf, &len, NULL), ==, GW_OK);
  walk(buf, len, &w);
  g_assert_cmpuint(w.block.fraction_lost, ==, 0);
  g_assert_cmpint(w.block.cumulative_lost, ==, 3);
  g_assert_cmpuint(s.reports_sent, ==, 2);
}

static void test_rr_and_choice(void) {
  gw_rtcp_session s;
  g_assert_cmpint(gw_rtcp_session_init(&s, "c", NULL), ==, GW_OK);
  uint8_t buf[GW_RTCP_REPORT_MAX];
  size_t len = 0;
  walked w;
  /* nothing sent, nothing received: an empty RR and the SDES */
  gw_rtcp_tx tx = {.ssrc = 7, .packets = 0};
  g_assert_cmpint(gw_rtcp_session_build(&s, &tx, NULL, SEC, buf, sizeof buf, &len, NULL), ==, GW_OK);
  g_assert_cmpuint(len, ==, 8 + 12);
  walk(buf, len, &w);
  g_assert_cmpuint(w.first.type, ==, GW_RTCP_RR);
  g_assert_cmpuint(w.first.count, ==, 0);
  g_assert_cmphex(w.first.ssrc, ==, 7);
  /* rx without packets yet: still no block */
  gw_rtp_seq seq;
  gw_rtp_jitter j = {0};
  gw_rtp_seq_start(&seq, 1);
  gw_rtcp_rx rx = {.ssrc = 9, .seq = &seq, .jitter = &j};
  g_assert_cmpint(gw_rtcp_session_build(&s, &tx, &rx, 2 * SEC, buf, sizeof buf, &len, NULL), ==, GW_OK);
  walk(buf, len, &w);
  g_assert_cmpuint(w.first.count, ==, 0);
  /* sending starts: SR; it stops: one more SR (the report before last saw packets), then RR */
  tx.packets = 10;
  const bool want[] = {true, true, false, false};
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    g_assert_cmpint(gw_rtcp_session_build(&s, &tx, &rx, (3 + (int64_t)i) * SEC, buf, sizeof buf, &len, NULL), ==, GW_OK);
    walk(buf, len, &w);
    g_assert_cmpuint(w.first.type, ==, want[i] ? GW_RTCP_SR : GW_RTCP_RR);
    g_assert_true(gw_rtcp_session_last_was_sr(&s) == want[i]);
  }
  /* too small a buffer */
  uint8_t small[16];
  gw_why why = {""};
  g_assert_cmpint(gw_rtcp_session_build(&s, &tx, &rx, 9 * SEC, small, sizeof small, &len, &why), ==, GW_ETOOBIG);
  g_assert_cmpstr(why.msg, !=, "");
  g_assert_cmpint(gw_rtcp_session_init(&s, "", NULL), ==, GW_EINVAL);
  char *big = g_strnfill(GW_RTCP_CNAME_MAX, 'x');
  g_assert_cmpint(gw_rtcp_session_init(&s, big, NULL), ==, GW_EINVAL);
  g_free(big);
}

/* An RR from the peer with one block on `about`. */
static size_t peer_rr(uint8_t *buf, size_t cap, uint32_t about, uint8_t fraction, int32_t cum, uint32_t jitter,
                      uint32_t lsr, uint32_t dlsr) {
  gw_rtcp_report_block b = {about, fraction, cum, 1000, jitter, lsr, dlsr};
  size_t off = 0;
  g_assert_cmpint(gw_rtcp_write_rr(buf, cap, &off, 0x5eed, &b, 1), ==, GW_OK);
  g_assert_cmpint(gw_rtcp_write_sdes_cname(buf, cap, &off, 0x5eed, "peer"), ==, GW_OK);
  return off;
}

static void test_rtt_worked_example(void) {
  /* RFC 3550 6.4.1: the block arrives at A = 0xb710:8000 (46864.5 s), LSR = 0xb705:2000
   * (46853.125 s), DLSR = 0x0005:4000 (5.25 s): RTT = 0x0006:2000 = 6.125 s. A wall time whose
   * NTP seconds end in 0xb710, half a second past: */
  int64_t ntp_sec = 0x83ab0000ll + 0xb710;
  int64_t wall = (ntp_sec - NTP_UNIX) * SEC + 500000;
  g_assert_cmphex(gw_ntp_mid32(gw_ntp_from_unix_us(wall)), ==, 0xb7108000);
  gw_rtcp_session s;
  gw_rtcp_session_init(&s, "gw", NULL);
  g_assert_true(isnan(gw_rtcp_session_rtt_ms(&s)));
  g_assert_true(isnan(gw_rtcp_session_remote_loss_pct(&s)));
  uint8_t buf[128];
  size_t n = peer_rr(buf, sizeof buf, 0xabc, 64, 17, 80, 0xb7052000, 0x00054000);
  bool updated = false;
  g_assert_cmpint(gw_rtcp_session_receive(&s, 0xabc, buf, n, wall, &updated, NULL), ==, GW_OK);
  g_assert_true(updated);
  g_assert_cmphex(s.rtt, ==, 0x00062000);
  g_assert_cmpfloat(gw_rtcp_session_rtt_ms(&s), ==, 6125.0);
  /* what the peer says about our stream: 64/256 lost, 17 cumulative, 80 units = 10 ms at 8 kHz */
  g_assert_cmpfloat(gw_rtcp_session_remote_loss_pct(&s), ==, 25.0);
  g_assert_cmpint(s.remote_cumulative_lost, ==, 17);
  g_assert_cmpfloat(gw_rtcp_session_remote_jitter_ms(&s, 8000), ==, 10.0);
  g_assert_cmpuint(s.reports_received, ==, 1);
  /* a block on another SSRC, and one without LSR (the peer had no SR from us): no RTT change */
  n = peer_rr(buf, sizeof buf, 0xdef, 0, 0, 0, 0xb7052000, 0x00054000);
  g_assert_cmpint(gw_rtcp_session_receive(&s, 0xabc, buf, n, wall, &updated, NULL), ==, GW_OK);
  g_assert_false(updated);
  n = peer_rr(buf, sizeof buf, 0xabc, 0, 0, 0, 0, 0);
  g_assert_cmpint(gw_rtcp_session_receive(&s, 0xabc, buf, n, wall, &updated, NULL), ==, GW_OK);
  g_assert_false(updated);
  g_assert_cmpfloat(gw_rtcp_session_rtt_ms(&s), ==, 6125.0);
  g_assert_cmpfloat(gw_rtcp_session_remote_loss_pct(&s), ==, 0.0);
  /* malformed: refused, nothing counted */
  buf[0] = 0x40;
  gw_why why = {""};
  g_assert_cmpint(gw_rtcp_session_receive(&s, 0xabc, buf, n, wall, &updated, &why), ==, GW_EINVAL);
  g_assert_cmpuint(s.reports_received, ==, 3);
}

/* Two sessions: A sends an SR, B answers after 0.5 s with a block carrying LSR/DLSR; each way
 * takes 10 ms, so A measures 20 ms, to the 1/65536 s of the 16.16 format. */
static void test_rtt_two_sessions(void) {
  gw_rtcp_session a, b;
  gw_rtcp_session_init(&a, "a", NULL);
  gw_rtcp_session_init(&b, "b", NULL);
  gw_rtp_seq seq;
  gw_rtp_jitter j;
  received(&seq, &j);
  int64_t t = (int64_t)1763800000 * SEC + 123456;
  uint8_t buf[GW_RTCP_REPORT_MAX];
  size_t len;
  gw_rtcp_tx txa = {.ssrc = 0xa, .packets = 100, .octets = 16000, .rtp_ts = 1, .clock_rate = 8000};
  g_assert_cmpint(gw_rtcp_session_build(&a, &txa, NULL, t, buf, sizeof buf, &len, NULL), ==, GW_OK);
  bool upd;
  g_assert_cmpint(gw_rtcp_session_receive(&b, 0xb, buf, len, t + 10000, &upd, NULL), ==, GW_OK);
  g_assert_false(upd);
  g_assert_true(b.have_sr);
  gw_rtcp_tx txb = {.ssrc = 0xb, .packets = 0};
  gw_rtcp_rx rxb = {.ssrc = 0xa, .seq = &seq, .jitter = &j};
  g_assert_cmpint(gw_rtcp_session_build(&b, &txb, &rxb, t + 510000, buf, sizeof buf, &len, NULL), ==, GW_OK);
  walked w;
  walk(buf, len, &w);
  g_assert_cmpuint(w.first.type, ==, GW_RTCP_RR);
  g_assert_cmphex(w.block.lsr, ==, gw_ntp_mid32(gw_ntp_from_unix_us(t)));
  g_assert_cmpuint(w.block.dlsr, ==, 32768); /* 0.5 s */
  g_assert_cmpint(gw_rtcp_session_receive(&a, 0xa, buf, len, t + 520000, &upd, NULL), ==, GW_OK);
  g_assert_true(upd);
  g_assert_cmpfloat_with_epsilon(gw_rtcp_session_rtt_ms(&a), 20.0, 1000.0 / 65536 * 2);
  /* B's LSR is for A's SSRC only: a block about another source carries none */
  rxb.ssrc = 0x77;
  g_assert_cmpint(gw_rtcp_session_build(&b, &txb, &rxb, t + SEC, buf, sizeof buf, &len, NULL), ==, GW_OK);
  walk(buf, len, &w);
  g_assert_cmpuint(w.block.lsr, ==, 0);
  g_assert_cmpuint(w.block.dlsr, ==, 0);
}

static void test_interval(void) {
  gw_rtcp_session s;
  gw_rtcp_session_init(&s, "x", NULL);
  int64_t t0 = 1000 * SEC;
  /* the first call schedules the first report at 1.25..3.75 s */
  g_assert_false(gw_rtcp_session_due(&s, t0, 0.0));
  g_assert_cmpint(s.next_us - t0, ==, 1250000);
  s.next_us = 0;
  g_assert_false(gw_rtcp_session_due(&s, t0, 0.999999));
  g_assert_cmpint(s.next_us - t0, >=, 3749990);
  g_assert_false(gw_rtcp_session_due(&s, t0 + 3 * SEC, 0.5));
  g_assert_true(gw_rtcp_session_due(&s, t0 + 4 * SEC, 0.5));
  /* then 2.5..7.5 s; rand01 out of range counts as 0.5 */
  gw_rtcp_session_schedule(&s, t0, 0.0);
  g_assert_cmpint(s.next_us - t0, ==, 2500000);
  gw_rtcp_session_schedule(&s, t0, 0.5);
  g_assert_cmpint(s.next_us - t0, ==, 5000000);
  gw_rtcp_session_schedule(&s, t0, NAN);
  g_assert_cmpint(s.next_us - t0, ==, 5000000);
  gw_rtcp_session_schedule(&s, t0, 1.0);
  g_assert_cmpint(s.next_us - t0, ==, 5000000);
  /* the mean over many draws is near 5 s */
  GRand *r = g_rand_new_with_seed(42);
  double sum = 0, lo = 1e18, hi = 0;
  for (int i = 0; i < 10000; i++) {
    gw_rtcp_session_schedule(&s, 0, g_rand_double(r));
    sum += (double)s.next_us;
    lo = MIN(lo, (double)s.next_us);
    hi = MAX(hi, (double)s.next_us);
  }
  g_rand_free(r);
  g_assert_cmpfloat_with_epsilon(sum / 10000, 5e6, 0.05e6);
  g_assert_cmpfloat(lo, >=, 2.5e6);
  g_assert_cmpfloat(hi, <, 7.5e6);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-session/sr-round-trip", test_sr_round_trip);
  g_test_add_func("/rtcp-session/rr-and-sr-choice", test_rr_and_choice);
  g_test_add_func("/rtcp-session/rtt-rfc3550-example", test_rtt_worked_example);
  g_test_add_func("/rtcp-session/rtt-two-sessions", test_rtt_two_sessions);
  g_test_add_func("/rtcp-session/interval", test_interval);
  return g_test_run();
}
