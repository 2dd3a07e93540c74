/* Receiver statistics for one incoming RTP source, as small pure structs (RFC 3550 appendix A):
 * sequence validation with probation (A.1), expected/lost accounting across sequence wraps (A.3),
 * interarrival jitter (A.8), and a report block built from them. No clock is read here: callers
 * pass arrival times, so every function is deterministic. */
#ifndef GW_MEDIA_RTP_RECV_STATS_H
#define GW_MEDIA_RTP_RECV_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "media/rtp/rtcp.h"

enum {
  GW_RTP_MIN_SEQUENTIAL = 2, /* packets in sequence before a new source is valid */
  GW_RTP_MAX_DROPOUT = 3000,
  GW_RTP_MAX_MISORDER = 100,
};

/* A.1 source state. cycles counts wraps shifted by 16 (as in the RFC). */
typedef struct {
  uint16_t max_seq;
  uint32_t cycles;
  uint32_t base_seq;
  uint32_t bad_seq;
  uint32_t probation;
  uint32_t received;
  uint32_t expected_prior;
  uint32_t received_prior;
} gw_rtp_seq;

/* A new source whose first packet has sequence number seq: on probation for
 * GW_RTP_MIN_SEQUENTIAL packets (call gw_rtp_seq_update for this first packet too). */
void gw_rtp_seq_start(gw_rtp_seq *s, uint16_t seq);
/* One packet: true when it counts (in sequence, or a tolerated reorder/duplicate), false while
 * on probation or for a large jump (two sequential packets after a jump restart the count). */
bool gw_rtp_seq_update(gw_rtp_seq *s, uint16_t seq);

/* A.3. The extended highest sequence number (cycles + max_seq). */
uint32_t gw_rtp_seq_ext_max(const gw_rtp_seq *s);
/* Packets expected since the start: ext_max - base_seq + 1. */
uint32_t gw_rtp_seq_expected(const gw_rtp_seq *s);
/* Cumulative lost = expected - received, clamped to the 24-bit signed range of a report block
 * (negative when duplicates arrive). */
int32_t gw_rtp_seq_lost(const gw_rtp_seq *s);
/* Fraction lost since the previous call (times 256, 0 when none or negative); moves the interval. */
uint8_t gw_rtp_seq_fraction_lost(gw_rtp_seq *s);

/* A.8 interarrival jitter, kept scaled by 16 as integers (the RFC's second form). */
typedef struct {
  uint32_t transit;
  uint64_t jitter_q4; /* jitter * 16 (64 bits: |D| may be near 2^31) */
  bool started;
} gw_rtp_jitter;

/* arrival: the packet's arrival time on the RTP clock (see gw_rtp_clock_units); ts: its RTP
 * timestamp. The first call only records the transit time. */
void gw_rtp_jitter_update(gw_rtp_jitter *j, uint32_t arrival, uint32_t ts);
/* The estimate in timestamp units, as a report block carries it. */
uint32_t gw_rtp_jitter_get(const gw_rtp_jitter *j);
/* A time in microseconds (e.g. g_get_monotonic_time()) on a clock of clock_rate Hz, modulo 2^32. */
uint32_t gw_rtp_clock_units(int64_t us, uint32_t clock_rate);

/* A report block on source ssrc from s and j (moves s's fraction-lost interval), with the LSR and
 * DLSR the caller keeps from the last SR it received (both 0 when none). */
void gw_rtp_report_block_fill(gw_rtp_seq *s, const gw_rtp_jitter *j, uint32_t ssrc, uint32_t lsr,
                              uint32_t dlsr, gw_rtcp_report_block *out);

#endif
