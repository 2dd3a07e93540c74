/* Reorder queue for a paced output (see playout.h). */
#include "media/rtp/playout.h"

#include <string.h>

static gw_playout_slot *at(gw_playout *q, uint16_t seq) { return &q->slot[seq % GW_PLAYOUT_SLOTS]; }

void gw_playout_init(gw_playout *q) { memset(q, 0, sizeof *q); }

void gw_playout_reset(gw_playout *q) {
  for (unsigned i = 0; i < GW_PLAYOUT_SLOTS; i++) q->slot[i].used = false;
  q->held = 0;
  q->started = false;
  q->window_ticks = 0;
  q->late_run = 0;
  q->playing = false;
  q->waited = false;
}

/* Drops the slot of q->next (if held) and moves on by one. */
static void advance(gw_playout *q, uint64_t *counter) {
  gw_playout_slot *s = at(q, q->next);
  if (s->used && s->seq == q->next) {
    s->used = false;
    q->held--;
    if (counter && !s->skip) (*counter)++;
  }
  q->next++;
}

void gw_playout_put(gw_playout *q, uint16_t seq, const uint8_t *payload, size_t len, uint8_t tag, bool skip) {
  if (!skip && len > GW_PLAYOUT_PAYLOAD_MAX) {
    q->oversize++;
    return;
  }
  if (!q->started) {
    q->started = true;
    q->next = seq;
  }
  int16_t d = (int16_t)(uint16_t)(seq - q->next);
  if (d < 0) {
    q->late++;
    /* A run of "late" packets is a stream that started again lower down: follow it. */
    if (++q->late_run < GW_PLAYOUT_RESTART_RUN) return;
    gw_playout_reset(q);
    q->started = true;
    q->next = seq;
  }
  q->late_run = 0;
  if ((uint16_t)(seq - q->next) >= GW_PLAYOUT_SLOTS) {
    /* A jump: everything held is older than what may stay. */
    while (q->held) advance(q, &q->overflow);
    q->next = (uint16_t)(seq - (GW_PLAYOUT_MAX_DEPTH - 1));
  }
  /* Too far ahead: drop the oldest until it fits. */
  while ((uint16_t)(seq - q->next) >= GW_PLAYOUT_MAX_DEPTH) advance(q, &q->overflow);
  gw_playout_slot *s = at(q, seq);
  if (s->used) {
    q->late++; /* a duplicate */
    return;
  }
  s->used = true;
  s->skip = skip;
  s->tag = tag;
  s->seq = seq;
  s->len = skip ? 0 : (uint16_t)len;
  if (!skip && len) memcpy(s->data, payload, len);
  q->held++;
}

gw_playout_result gw_playout_get(gw_playout *q, gw_playout_out *out) {
  memset(out, 0, sizeof *out);
  /* Packets without a frame are passed over without taking the tick. */
  while (q->held && at(q, q->next)->used && at(q, q->next)->seq == q->next && at(q, q->next)->skip)
    advance(q, NULL);
  if (q->held == 0) {
    q->window_ticks = 0;
    q->playing = false;
    q->waited = false;
    return GW_PLAYOUT_EMPTY;
  }
  if (!q->playing) {
    /* Starting, or after running dry: the first frame waits one tick (unless the next is here
     * already), so that a packet up to 20 ms late still finds its tick. */
    if (q->held < GW_PLAYOUT_PREFETCH && !q->waited) {
      q->waited = true;
      return GW_PLAYOUT_EMPTY;
    }
    q->playing = true;
    q->waited = false;
  }
  /* Shrink: a whole window with a frame more than the prefetch held is only delay. */
  if (q->window_ticks == 0 || q->held < q->window_min) q->window_min = q->held;
  if (++q->window_ticks >= GW_PLAYOUT_WINDOW) {
    if (q->window_min > GW_PLAYOUT_PREFETCH) advance(q, &q->shrunk);
    q->window_ticks = 0;
  }
  gw_playout_slot *s = at(q, q->next);
  if (s->used && s->seq == q->next) {
    out->data = s->data;
    out->len = s->len;
    out->tag = s->tag;
    s->used = false;
    q->held--;
    q->next++;
    return GW_PLAYOUT_FRAME;
  }
  gw_playout_slot *n = at(q, (uint16_t)(q->next + 1));
  if (n->used && n->seq == (uint16_t)(q->next + 1) && !n->skip) {
    out->fec = n->data;
    out->fec_len = n->len;
  }
  for (uint16_t k = 1; k < GW_PLAYOUT_SLOTS; k++) {
    gw_playout_slot *t = at(q, (uint16_t)(q->next + k));
    if (t->used && t->seq == (uint16_t)(q->next + k) && !t->skip) {
      out->tag = t->tag;
      break;
    }
  }
  q->next++;
  return GW_PLAYOUT_LOST;
}

unsigned gw_playout_depth(const gw_playout *q) { return q->held; }
