/* The SIP-trunk side media leg of one call: a UDP socket pair (RTP on an even port, RTCP on the
 * next one), plain RTP or SDES-SRTP, symmetric RTP, per-direction counters.
 *
 * A leg lives on one media worker: it is created, used and freed on the thread that runs the
 * GMainContext it was given, and its sockets are sources on that context. No locks.
 *
 * Receiving: a datagram that parses (RTP: gw_rtp_parse; RTCP: the compound walker) and, with
 * SRTP, authenticates, goes to on_rtp (with the header parsed) or on_rtcp decrypted. Anything
 * else is counted and dropped, with a debug line at most once a second per leg. RTCP that arrives on the RTP port (a peer that
 * multiplexes, RFC 5761) is delivered to on_rtcp too.
 *
 * Sending: send_rtp/send_rtcp protect in place (when SRTP) and send to the remote address:
 * the one set from SDP, or, with symmetric RTP, the source of the last valid packet received on
 * that socket. */
#ifndef GW_MEDIA_SIPLEG_H
#define GW_MEDIA_SIPLEG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/rtp/rtp.h"
#include "media/srtp/srtp.h"

typedef struct gw_sipleg gw_sipleg;

/* The receive buffer handed to on_rtp: a datagram may be this long at most, less
 * GW_SRTP_MAX_OVERHEAD, so that the owner can always protect it in place for another leg. */
#define GW_SIPLEG_BUF_CAP 2048

/* The counters, listed once (X-macro: X(field, help)); every output is generated from this. */
#define GW_SIPLEG_STATS(X)                                                                      \
  X(rx_rtp_packets, "RTP packets received and delivered")                                       \
  X(rx_rtp_bytes, "bytes of those packets as received (SRTP tag included)")                     \
  X(rx_rtcp_packets, "RTCP compound packets received and delivered")                            \
  X(rx_rtcp_bytes, "bytes of those packets as received (SRTCP index and tag included)")         \
  X(rx_auth_failures, "packets dropped: SRTP/SRTCP authentication or replay check failed")      \
  X(rx_malformed, "packets dropped: not valid RTP/RTCP, or larger than the receive buffer")     \
  X(tx_rtp_packets, "RTP packets sent")                                                         \
  X(tx_rtp_bytes, "bytes of those packets as sent")                                             \
  X(tx_rtcp_packets, "RTCP compound packets sent")                                              \
  X(tx_rtcp_bytes, "bytes of those packets as sent")                                            \
  X(tx_errors, "packets not sent: too short, SRTP protect failed, or the socket refused them")  \
  X(tx_no_remote, "packets not sent: no remote address (none given yet, or on hold)")           \
  X(latches, "times symmetric RTP moved the RTP or RTCP destination to a packet's source")

typedef struct {
#define GW_SIPLEG_STAT_FIELD_(name, help) uint64_t name;
  GW_SIPLEG_STATS(GW_SIPLEG_STAT_FIELD_)
#undef GW_SIPLEG_STAT_FIELD_
} gw_sipleg_stats;

typedef struct {
  /* Decrypted RTP, already parsed: h is gw_rtp_parse's result for buf (its payload and ext
   * point into buf), so the owner need not parse again. buf is writable and has cap bytes of
   * room in all (cap >= len + GW_SRTP_MAX_OVERHEAD). Both are the leg's: valid until the
   * callback returns. */
  void (*on_rtp)(void *user, const gw_rtp_header *h, uint8_t *buf, size_t len, size_t cap);
  /* Decrypted, validated compound RTCP (walk it with gw_rtcp_iter). */
  void (*on_rtcp)(void *user, uint8_t *buf, size_t len);
} gw_sipleg_callbacks;

typedef struct {
  GMainContext *context;    /* the media worker's; required */
  const char *bind_address; /* an IPv4 or IPv6 literal: "0.0.0.0", "192.0.2.10", "::" */
  uint16_t port_min, port_max; /* RTP takes an even port p and RTCP p + 1, both in the range */
  bool symmetric_rtp;       /* latch onto the source of valid (authenticated) packets */
  const char *label;        /* names the leg in log lines (e.g. the call id); may be NULL */
} gw_sipleg_opts;

/* Opens the socket pair on a random free even port of the range and attaches it to o->context.
 * GW_EINVAL for a bad address or a range without an even/odd pair; GW_EIO when every pair tried
 * is taken ("range exhausted", naming it) or a socket call fails. The callbacks may be NULL. */
int gw_sipleg_new(const gw_sipleg_opts *o, const gw_sipleg_callbacks *cb, void *user,
                  gw_sipleg **out, gw_why *why);
/* Closes the sockets and destroys their sources; wipes the keys. NULL is fine. May be called
 * from inside on_rtp/on_rtcp (the memory goes when the callback returns). */
void gw_sipleg_free(gw_sipleg *leg);

uint16_t gw_sipleg_rtp_port(const gw_sipleg *leg); /* even; RTCP is on the next port */

/* Where to send, from the trunk's SDP (c=, m=, a=rtcp), at any time (re-INVITE).
 * rtp_addr NULL, "0.0.0.0" or "::", or rtp_port 0 stop sending (hold, or a refused stream), and
 * symmetric RTP does not latch until the next call gives an address.
 * rtcp_addr NULL means rtp_addr; rtcp_port 0 means rtp_port + 1. Literal addresses only (the
 * control thread resolves names). An IPv4 remote on an IPv6 ("::") leg is sent v4-mapped; an IPv6
 * remote on an IPv4 leg is GW_EINVAL. For 2 s afterwards, packets still arriving from the old
 * destination do not latch back onto it. */
int gw_sipleg_set_remote(gw_sipleg *leg, const char *rtp_addr, uint16_t rtp_port,
                         const char *rtcp_addr, uint16_t rtcp_port, gw_why *why);
/* The current RTP or RTCP destination as "addr:port" / "[addr]:port", or "" when there is none. */
void gw_sipleg_remote_str(const gw_sipleg *leg, bool rtcp, char *out, size_t cap);

/* SDES-SRTP: local is our a=crypto key (what we send), remote the peer's (what we receive).
 * On a re-INVITE call it again: the same suite and keys keep the running contexts (a session
 * refresh), anything else replaces them. Keeping the local key while the suite or the remote key
 * changes is refused (GW_EINVAL) once packets were sent with it: a fresh context would restart
 * the rollover counter and could reuse keystream, so give a new local key with new remote keys.
 * On failure the previous keys stay in use. */
int gw_sipleg_set_srtp(gw_sipleg *leg, gw_srtp_suite suite, const gw_srtp_master *local,
                       const gw_srtp_master *remote, gw_why *why);
/* Plain RTP from now on (RTP/AVP without a=crypto). */
void gw_sipleg_set_plain(gw_sipleg *leg);
/* The trunk's agreed media in one call (answer, early media, re-INVITE): gw_sipleg_set_remote
 * (address, port; RTCP to the same address, on rtcp_port or port + 1 when 0), then
 * gw_sipleg_set_srtp(suite, local, remote) when srtp, else gw_sipleg_set_plain (local and remote
 * may then be NULL). When the address is refused nothing else changes; when the keys are refused
 * the new address stays and the previous keys stay in use. */
int gw_sipleg_apply(gw_sipleg *leg, const char *address, uint16_t port, uint16_t rtcp_port, bool srtp,
                    gw_srtp_suite suite, const gw_srtp_master *local, const gw_srtp_master *remote,
                    gw_why *why);
bool gw_sipleg_is_srtp(const gw_sipleg *leg);

/* Protect (when SRTP) buf in place, growing len by the suite's overhead within cap, and send.
 * GW_ESTATE without a remote address (counted in tx_no_remote); GW_EINVAL for a packet shorter
 * than an RTP (12) / RTCP (8) header; GW_ETOOBIG when cap has no room for the tag; GW_EIO when the
 * socket refuses it. Only counted as sent when the whole datagram left. */
int gw_sipleg_send_rtp(gw_sipleg *leg, uint8_t *buf, size_t len, size_t cap);
int gw_sipleg_send_rtcp(gw_sipleg *leg, uint8_t *buf, size_t len, size_t cap);

void gw_sipleg_get_stats(const gw_sipleg *leg, gw_sipleg_stats *out);
/* The counters' names and help texts, in the order of GW_SIPLEG_STATS; n gets their number. */
const char *const *gw_sipleg_stat_names(size_t *n);
const char *const *gw_sipleg_stat_help(size_t *n);
/* g_get_monotonic_time() of the last RTP packet delivered, 0 before the first (for RTP timeouts). */
int64_t gw_sipleg_last_rtp_us(const gw_sipleg *leg);

#endif
