/* Tests for media/rtp/playout: in-order play, reordering, loss with FEC look-ahead, event packets
 * that share the sequence space, late packets, bursts and the depth coming back down, jumps and
 * restarts, sequence wrap. */
#include <glib.h>
#include <string.h>

#include "media/rtp/playout.h"

static void put(gw_playout *q, uint16_t seq) {
  uint8_t p[4] = {(uint8_t)(seq >> 8), (uint8_t)seq, 0xaa, 0x55};
  gw_playout_put(q, seq, p, sizeof p, 1, false);
}

/* FRAME of seq, or LOST, or EMPTY: returns the seq of a FRAME, -1 LOST, -2 EMPTY. */
static int get(gw_playout *q, gw_playout_out *o) {
  gw_playout_result r = gw_playout_get(q, o);
  if (r == GW_PLAYOUT_EMPTY) return -2;
  if (r == GW_PLAYOUT_LOST) return -1;
  g_assert_cmpuint(o->len, ==, 4);
  g_assert_cmpuint(o->tag, ==, 1);
  return o->data[0] << 8 | o->data[1];
}

static void test_in_order_and_reorder(void) {
  gw_playout *q = g_new(gw_playout, 1);
  gw_playout_init(q);
  gw_playout_out o;
  g_assert_cmpint(get(q, &o), ==, -2);
  /* the first frame waits a tick, then one in, one out, across the 16-bit wrap: each tick finds
   * the frame it sends and the next */
  put(q, 65530);
  g_assert_cmpint(get(q, &o), ==, -2);
  for (uint16_t s = 65531; s != 6; s++) {
    put(q, s);
    g_assert_cmpuint(gw_playout_depth(q), ==, GW_PLAYOUT_PREFETCH);
    g_assert_cmpint(get(q, &o), ==, (uint16_t)(s - 1));
  }
  /* a packet late by less than a tick: still played on time */
  g_assert_cmpint(get(q, &o), ==, 5);
  put(q, 6);
  put(q, 7);
  g_assert_cmpint(get(q, &o), ==, 6);
  /* 9 before 8: played in order */
  put(q, 9);
  put(q, 8);
  g_assert_cmpint(get(q, &o), ==, 7);
  g_assert_cmpint(get(q, &o), ==, 8);
  g_assert_cmpint(get(q, &o), ==, 9);
  /* running dry: the next frame waits a tick again, unless the one after it is here too */
  g_assert_cmpint(get(q, &o), ==, -2);
  put(q, 10);
  put(q, 11);
  g_assert_cmpint(get(q, &o), ==, 10);
  /* 12 missing when its tick comes, 13 held: conceal 12 with 13 as FEC; 12 then is late */
  put(q, 13);
  g_assert_cmpint(get(q, &o), ==, 11);
  g_assert_cmpint(get(q, &o), ==, -1);
  g_assert_nonnull(o.fec);
  g_assert_cmpuint(o.fec_len, ==, 4);
  g_assert_cmpuint(o.fec[1], ==, 13);
  g_assert_cmpuint(o.tag, ==, 1);
  put(q, 12);
  g_assert_cmpuint(q->late, ==, 1);
  g_assert_cmpint(get(q, &o), ==, 13);
  /* two lost: the first has no FEC (the packet after it is missing too), the second has */
  put(q, 16);
  put(q, 17);
  g_assert_cmpint(get(q, &o), ==, -1);
  g_assert_null(o.fec);
  g_assert_cmpint(get(q, &o), ==, -1);
  g_assert_nonnull(o.fec);
  g_assert_cmpint(get(q, &o), ==, 16);
  /* a duplicate is dropped */
  put(q, 17);
  g_assert_cmpuint(gw_playout_depth(q), ==, 1);
  g_assert_cmpint(get(q, &o), ==, 17);
  g_free(q);
}

static void test_event_packets_skip(void) {
  gw_playout *q = g_new(gw_playout, 1);
  gw_playout_init(q);
  gw_playout_out o;
  put(q, 99);
  put(q, 100);
  g_assert_cmpint(get(q, &o), ==, 99);
  g_assert_cmpint(get(q, &o), ==, 100);
  /* 101-105: telephone-event packets on the same stream, then audio again */
  for (uint16_t s = 101; s <= 105; s++) {
    gw_playout_put(q, s, NULL, 0, 2, true);
    g_assert_cmpint(get(q, &o), ==, -2); /* no frame while the event lasts, and no loss */
  }
  put(q, 106);
  put(q, 107);
  g_assert_cmpint(get(q, &o), ==, 106);
  g_assert_cmpuint(q->late + q->overflow + q->shrunk, ==, 0);
  g_free(q);
}

static void test_burst_and_shrink(void) {
  gw_playout *q = g_new(gw_playout, 1);
  gw_playout_init(q);
  gw_playout_out o;
  uint16_t in = 0, want = 0;
  /* a burst of 8: only the newest GW_PLAYOUT_MAX_DEPTH stay */
  for (int i = 0; i < 8; i++) put(q, in++);
  g_assert_cmpuint(gw_playout_depth(q), ==, GW_PLAYOUT_MAX_DEPTH);
  g_assert_cmpuint(q->overflow, ==, 8 - GW_PLAYOUT_MAX_DEPTH);
  want = 8 - GW_PLAYOUT_MAX_DEPTH;
  /* then one in, one out: a window at each depth, then a frame dropped, down to the prefetch */
  for (int t = 0; t < 5 * GW_PLAYOUT_WINDOW; t++) {
    put(q, in++);
    int got = get(q, &o);
    g_assert_cmpint(got, >=, want); /* in order, some dropped */
    want = (uint16_t)(got + 1);
  }
  g_assert_cmpuint(gw_playout_depth(q), ==, GW_PLAYOUT_PREFETCH - 1);
  g_assert_cmpuint(q->shrunk, ==, GW_PLAYOUT_MAX_DEPTH - GW_PLAYOUT_PREFETCH);
  /* there it stays */
  for (int t = 0; t < 3 * GW_PLAYOUT_WINDOW; t++) {
    put(q, in++);
    g_assert_cmpint(get(q, &o), ==, want++);
  }
  g_assert_cmpuint(q->shrunk, ==, GW_PLAYOUT_MAX_DEPTH - GW_PLAYOUT_PREFETCH);
  g_free(q);
}

static void test_jump_restart_oversize(void) {
  gw_playout *q = g_new(gw_playout, 1);
  gw_playout_init(q);
  gw_playout_out o;
  put(q, 10);
  put(q, 11);
  /* a jump ahead: what was held goes, the frames just before the new packet count as lost */
  put(q, 5000);
  g_assert_cmpuint(q->overflow, ==, 2);
  g_assert_cmpint(get(q, &o), ==, -2); /* one frame held: it waits its tick */
  for (int i = 0; i < GW_PLAYOUT_MAX_DEPTH - 1; i++) g_assert_cmpint(get(q, &o), ==, -1);
  g_assert_cmpint(get(q, &o), ==, 5000);
  /* a stream that starts again lower: after a run of "late" packets it is followed */
  for (uint16_t s = 100; s < 100 + GW_PLAYOUT_RESTART_RUN - 1; s++) put(q, s);
  g_assert_cmpint(get(q, &o), ==, -2);
  put(q, 200);
  put(q, 201);
  g_assert_cmpint(get(q, &o), ==, 200);
  g_assert_cmpint(get(q, &o), ==, 201);
  /* too big a payload is refused */
  uint8_t *big = g_malloc0(GW_PLAYOUT_PAYLOAD_MAX + 1);
  gw_playout_put(q, 202, big, GW_PLAYOUT_PAYLOAD_MAX + 1, 1, false);
  g_free(big);
  g_assert_cmpuint(q->oversize, ==, 1);
  g_assert_cmpint(get(q, &o), ==, -2);
  /* a lone packet is played after its one tick of waiting */
  put(q, 202);
  g_assert_cmpint(get(q, &o), ==, -2);
  g_assert_cmpint(get(q, &o), ==, 202);
  /* reset: anything held goes, the next packet starts it */
  put(q, 300);
  gw_playout_reset(q);
  g_assert_cmpint(get(q, &o), ==, -2);
  put(q, 7);
  put(q, 8);
  g_assert_cmpint(get(q, &o), ==, 7);
  g_free(q);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/playout/in-order-and-reorder", test_in_order_and_reorder);
  g_test_add_func("/playout/event-packets-skip", test_event_packets_skip);
  g_test_add_func("/playout/burst-and-shrink", test_burst_and_shrink);
  g_test_add_func("/playout/jump-restart-oversize", test_jump_restart_oversize);
  return g_test_run();
}
