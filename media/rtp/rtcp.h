/* RTCP (RFC 3550 section 6): a compound-packet walker for untrusted input, SR/RR/SDES/BYE
 * builders, and the NTP arithmetic behind LSR, DLSR and the round-trip time (6.4.1).
 *
 * Walking is two steps: gw_rtcp_iter_init() validates the whole compound packet (every length
 * field, versions, padding, each known type's minimum structure) and refuses it with GW_EINVAL if
 * any part is wrong; only then does gw_rtcp_iter_next() yield the packets, and it cannot fail.
 * Nothing is read outside [buf, buf + len); the results point into the caller's buffer. */
#ifndef GW_MEDIA_RTCP_H
#define GW_MEDIA_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

typedef enum {
  GW_RTCP_SR = 200,
  GW_RTCP_RR = 201,
  GW_RTCP_SDES = 202,
  GW_RTCP_BYE = 203,
  GW_RTCP_APP = 204,
  GW_RTCP_RTPFB = 205, /* RFC 4585 transport-layer feedback (NACK...), identified only */
  GW_RTCP_PSFB = 206,  /* RFC 4585 payload-specific feedback (PLI, FIR, REMB...), identified only */
  GW_RTCP_XR = 207,    /* RFC 3611 extended reports, identified only */
} gw_rtcp_type;

enum {
  GW_RTCP_SDES_END = 0,
  GW_RTCP_SDES_CNAME = 1,
  GW_RTCP_MAX_BLOCKS = 31, /* RC is 5 bits */
  GW_RTCP_REPORT_BLOCK_LEN = 24,
};

typedef struct {
  uint64_t ntp;          /* 64-bit NTP timestamp: seconds since 1900 << 32 | fraction */
  uint32_t rtp_ts;       /* the same instant on the RTP clock */
  uint32_t packet_count; /* sent since the start */
  uint32_t octet_count;  /* payload octets sent since the start */
} gw_rtcp_sender_info;

typedef struct {
  uint32_t ssrc;            /* the source this block reports on */
  uint8_t fraction_lost;    /* lost/expected since the last report, times 256 */
  int32_t cumulative_lost;  /* 24-bit signed on the wire: -8388608..8388607 (writers clamp) */
  uint32_t ext_highest_seq; /* cycles << 16 | highest sequence number received */
  uint32_t jitter;          /* interarrival jitter in timestamp units */
  uint32_t lsr;             /* middle 32 bits of the last SR's NTP timestamp, 0 if none */
  uint32_t dlsr;            /* delay since that SR, in 1/65536 s */
} gw_rtcp_report_block;

/* One packet of a compound packet. Fields beyond type/count/data/len are filled as noted. */
typedef struct {
  uint8_t type;        /* PT: a gw_rtcp_type, or any other value (yielded, not interpreted) */
  uint8_t count;       /* the 5-bit field: RC (SR/RR), SC (SDES/BYE), subtype (APP), FMT (FB) */
  const uint8_t *data; /* the whole packet, header included */
  size_t len;          /* 4 * (length + 1) bytes, padding included */
  size_t pad_len;      /* padding bytes at the end (only the last packet may have any) */
  uint32_t ssrc;       /* the sender: SR, RR, APP, RTPFB, PSFB, XR; first SSRC/CSRC of SDES/BYE
                        * (0 when SC is 0) */
  uint32_t media_ssrc; /* RTPFB/PSFB: the media source */
  gw_rtcp_sender_info sender; /* SR only */
  const uint8_t *blocks;      /* SR/RR: `count` report blocks, read with gw_rtcp_report_block_at */
  char app_name[5];           /* APP: the 4 ASCII characters and a NUL */
  const uint8_t *body;        /* type-specific contents after the fixed part listed above... */
  size_t body_len;            /* ...up to the padding: SR/RR profile extensions, SDES chunks,
                               * BYE SSRCs and reason, APP data, FB FCI, XR report blocks */
} gw_rtcp_packet;

typedef struct {
  const uint8_t *buf;
  size_t len, off;
} gw_rtcp_iter;

/* Validates buf as a compound RTCP packet (RFC 3550 A.2, without requiring an SR/RR first, which
 * reduced-size RTCP (RFC 5506) relaxes). On GW_EINVAL nothing is yielded. */
int gw_rtcp_iter_init(gw_rtcp_iter *it, const uint8_t *buf, size_t len, gw_why *why);
/* The next packet, or false at the end. */
bool gw_rtcp_iter_next(gw_rtcp_iter *it, gw_rtcp_packet *out);
/* Report block i (< p->count) of an SR or RR. */
void gw_rtcp_report_block_at(const gw_rtcp_packet *p, unsigned i, gw_rtcp_report_block *out);

/* SDES items of a validated SDES packet, chunk by chunk. */
typedef struct {
  const uint8_t *p;
  size_t len, off;
  unsigned chunks_left;
  uint32_t ssrc;
  bool in_chunk;
} gw_rtcp_sdes_iter;

void gw_rtcp_sdes_iter_init(gw_rtcp_sdes_iter *it, const gw_rtcp_packet *p);
/* The next item: the SSRC/CSRC of its chunk, its type (1 CNAME ... 8 PRIV) and its text, which is
 * not NUL-terminated. False at the end. */
bool gw_rtcp_sdes_next(gw_rtcp_sdes_iter *it, uint32_t *ssrc, uint8_t *type, const uint8_t **text,
                       size_t *len);

/* ---- builders ----
 * Each appends one packet at buf + *off, advances *off past it, and leaves buf untouched on error
 * (GW_ETOOBIG when it does not fit in cap, GW_EINVAL for more than 31 report blocks or a CNAME
 * that is empty or longer than 255 bytes). Appending several builds a compound packet. */
int gw_rtcp_write_sr(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc,
                     const gw_rtcp_sender_info *si, const gw_rtcp_report_block *blocks, unsigned n);
int gw_rtcp_write_rr(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc,
                     const gw_rtcp_report_block *blocks, unsigned n);
/* One chunk with one CNAME item, padded with NULs to a 32-bit boundary (at least one NUL). */
int gw_rtcp_write_sdes_cname(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc,
                             const char *cname);
/* A BYE for one source, without a reason. */
int gw_rtcp_write_bye(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc);

/* ---- NTP time (RFC 3550 4) and round-trip time (6.4.1) ---- */

/* Microseconds since the Unix epoch (g_get_real_time()) to a 64-bit NTP timestamp. */
uint64_t gw_ntp_from_unix_us(int64_t unix_us);
/* The middle 32 bits of an NTP timestamp (16.16 fixed point seconds): what LSR carries. */
uint32_t gw_ntp_mid32(uint64_t ntp);
/* A delay in microseconds as 16.16 fixed point seconds (DLSR), saturating; negative gives 0. */
uint32_t gw_ntp_short_from_us(int64_t us);
/* And back: 16.16 fixed point seconds to microseconds. */
int64_t gw_ntp_short_to_us(uint32_t v);

/* RTT = A - LSR - DLSR in 16.16 seconds, modulo 2^32, where A (arrival_mid32) is the middle 32
 * bits of the NTP time the report block arrived. GW_ENOTFOUND when lsr is 0 (the peer has not had
 * an SR from us); GW_EINVAL when the result would be negative (a bogus or stale block). */
int gw_rtcp_rtt(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr, uint32_t *rtt);

#endif
