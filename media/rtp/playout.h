/* A small reorder queue between an incoming RTP stream and a paced output (one frame per 20 ms
 * tick): packets go in as they arrive, keyed by sequence number; each tick takes out the next
 * one, says it is lost (so the caller conceals it, with the packet after it for FEC when held),
 * or says nothing is there (a talk-spurt pause or a late packet).
 *
 * The depth adapts: the first frame of a talk spurt waits one tick (GW_PLAYOUT_PREFETCH: each
 * tick then finds the frame it sends and the next one, so a packet up to 20 ms late is not
 * missed), a packet that comes after its tick is dropped as late, a burst raises the depth up to
 * GW_PLAYOUT_MAX_DEPTH frames (older ones are dropped beyond that), and when the queue held more
 * than the prefetch at every tick of GW_PLAYOUT_WINDOW, one frame is dropped so that the delay a
 * jitter spike added does not stay for the rest of the call.
 *
 * Pure state, no clock; one per output stream, owned by the call's worker. */
#ifndef GW_MEDIA_RTP_PLAYOUT_H
#define GW_MEDIA_RTP_PLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  GW_PLAYOUT_SLOTS = 8,
  GW_PLAYOUT_MAX_DEPTH = 5,        /* frames held at most (100 ms at 20 ms a frame) */
  GW_PLAYOUT_PREFETCH = 2,         /* frames held at a tick in the steady state */
  GW_PLAYOUT_WINDOW = 100,         /* ticks (2 s) over which the depth must stay above it to shrink */
  GW_PLAYOUT_PAYLOAD_MAX = 1500,
  GW_PLAYOUT_RESTART_RUN = 25,     /* this many late packets in a row restart the queue on them */
};

typedef enum {
  GW_PLAYOUT_EMPTY = 0, /* nothing held */
  GW_PLAYOUT_FRAME,     /* the next packet */
  GW_PLAYOUT_LOST,      /* the next packet is missing while a later one is held: conceal it */
} gw_playout_result;

typedef struct {
  bool used;
  bool skip;    /* takes a sequence number but carries no frame (an RFC 4733 event packet) */
  uint8_t tag;  /* the caller's: e.g. which codec */
  uint16_t seq;
  uint16_t len;
  uint8_t data[GW_PLAYOUT_PAYLOAD_MAX];
} gw_playout_slot;

typedef struct {
  gw_playout_slot slot[GW_PLAYOUT_SLOTS];
  bool started;
  uint16_t next;      /* sequence number of the next frame out */
  unsigned held;      /* used slots */
  unsigned window_ticks, window_min;
  unsigned late_run;
  bool playing, waited;
  /* counters */
  uint64_t late;      /* came after their tick (or duplicates): dropped */
  uint64_t overflow;  /* dropped beyond GW_PLAYOUT_MAX_DEPTH, or by a jump in sequence numbers */
  uint64_t shrunk;    /* dropped to bring the depth back down */
  uint64_t oversize;  /* payloads larger than GW_PLAYOUT_PAYLOAD_MAX: dropped */
} gw_playout;

void gw_playout_init(gw_playout *q);
/* Empties the queue; the next packet put starts it again (after a hold, a new source). */
void gw_playout_reset(gw_playout *q);
/* One packet of the stream; skip for a packet that shares the sequence space but has no frame. */
void gw_playout_put(gw_playout *q, uint16_t seq, const uint8_t *payload, size_t len, uint8_t tag, bool skip);

typedef struct {
  const uint8_t *data; /* FRAME: the packet's payload (valid until the next put or get) */
  size_t len;
  uint8_t tag;         /* FRAME: its tag; LOST: the tag of the packet held after it */
  const uint8_t *fec;  /* LOST: the packet right after the lost one when held (for FEC), else NULL */
  size_t fec_len;
} gw_playout_out;

/* One tick. */
gw_playout_result gw_playout_get(gw_playout *q, gw_playout_out *out);
/* Frames held now. */
unsigned gw_playout_depth(const gw_playout *q);

#endif
