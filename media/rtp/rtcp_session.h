/* The RTCP side of one leg (RFC 3550 6): when to report, what the compound report holds, and what
 * the peer's reports tell about our outgoing stream (round-trip time, loss, jitter).
 *
 * One session per leg, owned by the call's worker like the leg itself. Pure state: no clock is read
 * and no socket touched here. Callers pass the times (wall clock for NTP timestamps, monotonic time
 * for scheduling), a random number for the interval, and send the bytes themselves; so every
 * function is deterministic and testable.
 *
 * Sending: gw_rtcp_session_due() says when a report is due; gw_rtcp_session_build() writes it:
 * an SR when we sent RTP since the report before last (6.4), else an RR, with one report block on
 * the stream we receive (when we receive one), then an SDES with our CNAME: a compound packet as
 * 6.1 asks. Receiving: gw_rtcp_session_receive() walks the peer's compound packet, remembers the
 * last SR (for LSR/DLSR in our next block) and reads the block the peer wrote about our SSRC. */
#ifndef GW_MEDIA_RTCP_SESSION_H
#define GW_MEDIA_RTCP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/rtp/recv_stats.h"

enum {
  GW_RTCP_INTERVAL_US = 5000000,  /* RFC 3550 6.2 minimum interval, randomized 0.5-1.5x */
  GW_RTCP_CNAME_MAX = 64,
  GW_RTCP_REPORT_MAX = 28 + GW_RTCP_REPORT_BLOCK_LEN + 12 + GW_RTCP_CNAME_MAX, /* SR + 1 block + SDES */
};

/* What we sent, as the caller counts it. */
typedef struct {
  uint32_t ssrc;         /* our sending SSRC; also the SSRC of our RR when we send nothing */
  uint64_t packets;      /* RTP packets sent since the start */
  uint64_t octets;       /* RTP payload octets sent since the start */
  uint32_t rtp_ts;       /* our RTP clock at the instant the report is built (for the SR) */
  uint32_t clock_rate;   /* of what we send, for the peer's jitter in ms */
} gw_rtcp_tx;

/* What we receive: the sequence/jitter state of the peer's stream (recv_stats.h). seq NULL while
 * nothing has been received: the report then has no block. */
typedef struct {
  uint32_t ssrc;
  gw_rtp_seq *seq;              /* its fraction-lost interval moves with each block written */
  const gw_rtp_jitter *jitter;
} gw_rtcp_rx;

typedef struct {
  char cname[GW_RTCP_CNAME_MAX];
  /* scheduling */
  int64_t next_us;              /* monotonic time the next report is due; 0: not scheduled */
  /* SR/RR choice (6.4): packet counts at the last two reports */
  uint64_t packets_at_last, packets_at_prior;
  bool last_sr;
  /* the peer's last SR, for LSR/DLSR */
  bool have_sr;
  uint32_t sr_ssrc;
  uint32_t lsr;                 /* middle 32 bits of its NTP timestamp */
  int64_t sr_arrival_wall_us;
  /* what the peer reports about our stream (valid when have_remote) */
  bool have_remote;
  uint8_t remote_fraction_lost; /* of 256, in the peer's last interval */
  int32_t remote_cumulative_lost;
  uint32_t remote_jitter;       /* in our timestamp units */
  bool have_rtt;
  uint32_t rtt;                 /* the last round-trip time, 16.16 seconds */
  /* counters */
  uint64_t reports_sent, reports_received;
} gw_rtcp_session;

/* cname: 1..63 bytes (GW_EINVAL otherwise). */
int gw_rtcp_session_init(gw_rtcp_session *s, const char *cname, gw_why *why);

/* True when a report is due at now_us. The first call schedules the first report (half the
 * interval, randomized: 1.25-3.75 s) and returns false. rand01 is uniform in [0, 1). */
bool gw_rtcp_session_due(gw_rtcp_session *s, int64_t now_us, double rand01);
/* Schedules the next report interval * (0.5 + rand01) after now_us (6.3.5 randomization). */
void gw_rtcp_session_schedule(gw_rtcp_session *s, int64_t now_us, double rand01);

/* Writes the compound report at buf (cap at least GW_RTCP_REPORT_MAX): SR or RR, then SDES CNAME.
 * now_wall_us is g_get_real_time(): the SR's NTP timestamp and the DLSR of the block come from it.
 * rx may be NULL. *len gets the length. GW_ETOOBIG when cap is too small. */
int gw_rtcp_session_build(gw_rtcp_session *s, const gw_rtcp_tx *tx, const gw_rtcp_rx *rx,
                          int64_t now_wall_us, uint8_t *buf, size_t cap, size_t *len, gw_why *why);
/* True when the last gw_rtcp_session_build wrote an SR rather than an RR. */
bool gw_rtcp_session_last_was_sr(const gw_rtcp_session *s);

/* A compound packet from the peer (already decrypted), arrived at now_wall_us. our_ssrc: the SSRC
 * we send with, whose report block is read. GW_EINVAL for a malformed packet (nothing recorded).
 * Sets *rtt_updated when the packet gave a new round-trip time. */
int gw_rtcp_session_receive(gw_rtcp_session *s, uint32_t our_ssrc, const uint8_t *buf, size_t len,
                            int64_t now_wall_us, bool *rtt_updated, gw_why *why);

/* Readings for the statistics; NAN when not known yet. */
double gw_rtcp_session_rtt_ms(const gw_rtcp_session *s);
double gw_rtcp_session_remote_loss_pct(const gw_rtcp_session *s);   /* fraction lost * 100 */
double gw_rtcp_session_remote_jitter_ms(const gw_rtcp_session *s, uint32_t clock_rate);

#endif
