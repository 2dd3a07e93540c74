/* SIP-side blocking of sources that keep failing (scanners, password guessers, toll-fraud probes).
 *
 * The SIP UA reports each failure by a source address: an INVITE refused by [trunk]
 * allowed_sources, a REGISTER (the gateway is no registrar), a request for a method the gateway
 * does not serve. A source with `failures` failures within `window_s` seconds is blocked for
 * `block_s` seconds: its requests are then dropped without an answer. One log line says when a
 * block starts and one when it ends.
 *
 * Why drop rather than answer 403: a scanner learns from every answer (that something listens,
 * what it is, whether a user exists) and answers cost us; kamailio's pike, fail2ban in front of
 * Asterisk and FreeSWITCH all drop. The drop happens in the kernel (a classic BPF socket filter
 * on the SIP sockets, see sip_guard_bpf.h) when the sockets are known; the UA also checks
 * gw_sip_guard_blocked() for requests that were already queued and answers those 403.
 *
 * Time is passed in (monotonic microseconds) so that the unit test can drive it. No global
 * state: each UA owns one guard. */
#ifndef GW_SIP_GUARD_H
#define GW_SIP_GUARD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gw_sip_guard gw_sip_guard;

typedef struct {
  unsigned failures; /* failures that start a block; 0: never block */
  unsigned window_s; /* ... counted within this many seconds */
  unsigned block_s;  /* how long a block lasts */
  unsigned max_sources; /* addresses tracked at most (bounds memory under spoofed floods); 0: 4096 */
} gw_sip_guard_opts;

/* Called when the set of blocked addresses changes (block started or ended), e.g. to rebuild a
 * kernel filter. addrs is NULL-terminated, textual. */
typedef void (*gw_sip_guard_changed_fn)(void *data, const char *const *addrs);

gw_sip_guard *gw_sip_guard_new(const gw_sip_guard_opts *o, gw_sip_guard_changed_fn changed, void *data);
void gw_sip_guard_free(gw_sip_guard *g);
bool gw_sip_guard_enabled(const gw_sip_guard *g);

/* One failure from addr ("what" names it for the log: "INVITE refused by allowed_sources").
 * Returns true when this failure started a block. */
bool gw_sip_guard_failure(gw_sip_guard *g, const char *addr, const char *what, int64_t now_us);
/* True while addr is blocked (counts the request as dropped). */
bool gw_sip_guard_blocked(gw_sip_guard *g, const char *addr, int64_t now_us);
/* Ends blocks that are over (one log line each) and forgets stale failure counts. Call about
 * once a second. */
void gw_sip_guard_tick(gw_sip_guard *g, int64_t now_us);
unsigned gw_sip_guard_blocked_count(const gw_sip_guard *g);

#endif
