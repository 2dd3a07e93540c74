/* SIP-side media leg: UDP socket pair on the worker's context, SDES-SRTP, symmetric RTP. */
#include "media/sipleg/sipleg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/log.h"
#include "media/rtp/rtcp.h"
#include "media/rtp/rtp.h"

enum {
  RECV_MAX = GW_SIPLEG_BUF_CAP - GW_SRTP_MAX_OVERHEAD, /* longest datagram accepted */
  READS_PER_WAKEUP = 64,          /* then yield to the other sources of the worker */
  PORT_ATTEMPTS = 128,            /* pairs tried before the range counts as exhausted */
};
#define RELATCH_HOLDOFF_US (2 * G_USEC_PER_SEC)
#define DROP_LOG_INTERVAL_US G_USEC_PER_SEC

typedef struct {
  struct sockaddr_storage sa;
  socklen_t len; /* 0: none */
} addr;

typedef struct {
  gw_sipleg *leg;
  bool is_rtcp;
  int fd;
  GSource *src;
  addr remote;      /* where this socket sends */
  addr prev;        /* the destination before the last set_remote... */
  int64_t retarget_us; /* ...and when that happened */
  bool hold;        /* the SDP gave no destination: no latching either */
} leg_sock;

struct gw_sipleg {
  GMainContext *ctx;
  gw_sipleg_callbacks cb;
  void *user;
  char label[64];
  int family;
  uint16_t port;
  bool symmetric;
  leg_sock rtp, rtcp;
  gw_srtp *srtp;
  gw_srtp_suite suite;
  gw_srtp_master local, remote;
  uint64_t sent_with_keys; /* packets protected by the current context */
  gw_sipleg_stats stats;
  int64_t last_rtp_us;
  int64_t drop_log_us;
  uint64_t drops_unlogged;
  int dispatching; /* > 0 while a callback may run */
  bool dead;       /* freed from inside a callback: release on the way out */
  uint8_t buf[GW_SIPLEG_BUF_CAP];
};

/* ---- addresses ---- */

static void addr_str(const addr *a, char *out, size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (a->len == 0) {
    g_strlcpy(out, "", cap);
  } else if (a->sa.ss_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)&a->sa;
    inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
    g_snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(s->sin_port));
  } else {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->sa;
    inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
    g_snprintf(out, cap, "[%s]:%u", host, (unsigned)ntohs(s->sin6_port));
  }
}

static bool addr_eq(const addr *a, const addr *b) {
  if (a->len == 0 || b->len == 0 || a->sa.ss_family != b->sa.ss_family) return false;
  if (a->sa.ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)&a->sa,
                             *y = (const struct sockaddr_in *)&b->sa;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->sa,
                            *y = (const struct sockaddr_in6 *)&b->sa;
  return x->sin6_port == y->sin6_port &&
         memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

/* A literal address for a socket of the given family (IPv4 goes v4-mapped on IPv6).
 * *unspecified is set for 0.0.0.0 / ::, which SDP uses for hold. */
static int addr_parse(const char *s, uint16_t port, int family, addr *out, bool *unspecified,
                      gw_why *why) {
  struct in_addr v4;
  struct in6_addr v6;
  memset(out, 0, sizeof *out);
  *unspecified = false;
  if (inet_pton(AF_INET, s, &v4) == 1) {
    *unspecified = v4.s_addr == htonl(INADDR_ANY);
    if (family == AF_INET) {
      struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;
      sin->sin_family = AF_INET;
      sin->sin_addr = v4;
      sin->sin_port = htons(port);
      out->len = sizeof *sin;
      return GW_OK;
    }
    memset(&v6, 0, sizeof v6);
    v6.s6_addr[10] = v6.s6_addr[11] = 0xff;
    memcpy(&v6.s6_addr[12], &v4, 4);
  } else if (inet_pton(AF_INET6, s, &v6) == 1) {
    *unspecified = IN6_IS_ADDR_UNSPECIFIED(&v6);
    if (family == AF_INET)
      return gw_fail(why, GW_EINVAL, "IPv6 address %.64s given to a leg bound to IPv4", s);
  } else {
    return gw_fail(why, GW_EINVAL, "\"%.64s\" is not an IPv4 or IPv6 address", s);
  }
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_addr = v6;
  sin6->sin6_port = htons(port);
  out->len = sizeof *sin6;
  return GW_OK;
}

/* ---- drops ---- */

static void drop(gw_sipleg *leg, uint64_t *counter, const leg_sock *s, const addr *from,
                 const char *what) {
  (*counter)++;
  if (gw_log_get_level() < GW_LOG_DEBUG) return;
  int64_t now = g_get_monotonic_time();
  if (leg->drop_log_us && now - leg->drop_log_us < DROP_LOG_INTERVAL_US) {
    leg->drops_unlogged++;
    return;
  }
  char src[80];
  addr_str(from, src, sizeof src);
  GW_DEBUG("sipleg %s: dropped a packet on the %s port from %s: %s (%" G_GUINT64_FORMAT
           " more dropped since the last such line)",
           leg->label, s->is_rtcp ? "RTCP" : "RTP", src, what, leg->drops_unlogged);
  leg->drop_log_us = now;
  leg->drops_unlogged = 0;
}

/* ---- receiving ---- */

static void maybe_latch(gw_sipleg *leg, leg_sock *s, const addr *from) {
  if (!leg->symmetric || s->hold || addr_eq(&s->remote, from)) return;
  if (addr_eq(&s->prev, from) && g_get_monotonic_time() - s->retarget_us < RELATCH_HOLDOFF_US)
    return; /* still in flight from before a re-INVITE moved us away from there */
  char was[80], now[80];
  addr_str(&s->remote, was, sizeof was);
  addr_str(from, now, sizeof now);
  s->remote = *from;
  leg->stats.latches++;
  GW_INFO("sipleg %s: symmetric RTP: sending %s to %s (was %s)", leg->label,
          s->is_rtcp ? "RTCP" : "RTP", now, was[0] ? was : "nowhere");
}

static void handle_rtcp(gw_sipleg *leg, leg_sock *s, const addr *from, size_t n) {
  uint8_t *b = leg->buf;
  size_t len = n;
  if (len < 8 || b[0] >> 6 != 2) {
    drop(leg, &leg->stats.rx_malformed, s, from, "not RTCP");
    return;
  }
  gw_why why;
  why.msg[0] = 0;
  if (leg->srtp) {
    int rc = gw_srtp_unprotect_rtcp(leg->srtp, b, &len, &why);
    if (rc != GW_OK) {
      drop(leg, rc == GW_EPROTO ? &leg->stats.rx_auth_failures : &leg->stats.rx_malformed, s,
           from, why.msg);
      return;
    }
  }
  gw_rtcp_iter it;
  if (gw_rtcp_iter_init(&it, b, len, &why) != GW_OK) {
    drop(leg, &leg->stats.rx_malformed, s, from, why.msg);
    return;
  }
  /* RTCP multiplexed onto the RTP port is delivered, but moves no destination. */
  if (s->is_rtcp) maybe_latch(leg, s, from);
  leg->stats.rx_rtcp_packets++;
  leg->stats.rx_rtcp_bytes += n;
  if (leg->cb.on_rtcp) leg->cb.on_rtcp(leg->user, b, len);
}

static void handle_rtp(gw_sipleg *leg, leg_sock *s, const addr *from, size_t n) {
  uint8_t *b = leg->buf;
  size_t len = n;
  gw_why why;
  why.msg[0] = 0;
  if (leg->srtp) {
    /* The header is checked before libsrtp reads it; plain RTP is parsed once, below. */
    if (gw_rtp_check_clear_header(b, len, NULL, &why) != GW_OK) {
      drop(leg, &leg->stats.rx_malformed, s, from, why.msg);
      return;
    }
    int rc = gw_srtp_unprotect_rtp(leg->srtp, b, &len, &why);
    if (rc != GW_OK) {
      drop(leg, rc == GW_EPROTO ? &leg->stats.rx_auth_failures : &leg->stats.rx_malformed, s,
           from, why.msg);
      return;
    }
  }
  gw_rtp_header h;
  if (gw_rtp_parse(b, len, &h, &why) != GW_OK) {
    drop(leg, &leg->stats.rx_malformed, s, from, why.msg);
    return;
  }
  maybe_latch(leg, s, from);
  leg->stats.rx_rtp_packets++;
  leg->stats.rx_rtp_bytes += n;
  leg->last_rtp_us = g_get_monotonic_time();
  if (leg->cb.on_rtp) leg->cb.on_rtp(leg->user, &h, b, len, sizeof leg->buf);
}

static void release(gw_sipleg *leg);

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data) {
  leg_sock *s = data;
  gw_sipleg *leg = s->leg;
  leg->dispatching++;
  for (int i = 0; i < READS_PER_WAKEUP && !leg->dead; i++) {
    addr from = {.len = sizeof from.sa};
    ssize_t r = recvfrom(fd, leg->buf, sizeof leg->buf, MSG_TRUNC | MSG_DONTWAIT,
                         (struct sockaddr *)&from.sa, &from.len);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      /* e.g. an ICMP error reported on the socket: it is consumed by this call; go on */
      GW_DEBUG("sipleg %s: recvfrom on the %s port: %s", leg->label, s->is_rtcp ? "RTCP" : "RTP",
               g_strerror(errno));
      continue;
    }
    if ((size_t)r > RECV_MAX) {
      drop(leg, &leg->stats.rx_malformed, s, &from, "datagram larger than the receive buffer");
      continue;
    }
    if (s->is_rtcp || gw_rtp_looks_like_rtcp(leg->buf, (size_t)r))
      handle_rtcp(leg, s, &from, (size_t)r);
    else
      handle_rtp(leg, s, &from, (size_t)r);
  }
  leg->dispatching--;
  if (leg->dead && leg->dispatching == 0) {
    release(leg);
    return G_SOURCE_REMOVE; /* its source was destroyed already; this only ends the dispatch */
  }
  return G_SOURCE_CONTINUE;
}

/* ---- sockets ---- */

static void sock_close(leg_sock *s) {
  if (s->src) {
    g_source_destroy(s->src);
    g_source_unref(s->src);
    s->src = NULL;
  }
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

/* Binds one UDP socket; returns the fd, or -errno. */
static int bind_udp(const addr *local, uint16_t port) {
  int fd = socket(local->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  addr a = *local;
  if (a.sa.ss_family == AF_INET6) {
    int off = 0; /* "::" takes IPv4 peers too, v4-mapped */
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    ((struct sockaddr_in6 *)&a.sa)->sin6_port = htons(port);
  } else {
    ((struct sockaddr_in *)&a.sa)->sin_port = htons(port);
  }
  if (bind(fd, (struct sockaddr *)&a.sa, a.len) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* Tries pair (port, port + 1). 0 on success, else the errno of the failing bind. */
static int bind_pair(gw_sipleg *leg, const addr *local, uint16_t port) {
  int a = bind_udp(local, port);
  if (a < 0) return -a;
  int b = bind_udp(local, (uint16_t)(port + 1));
  if (b < 0) {
    close(a);
    return -b;
  }
  leg->rtp.fd = a;
  leg->rtcp.fd = b;
  leg->port = port;
  return 0;
}

static int open_pair(gw_sipleg *leg, const gw_sipleg_opts *o, const addr *local, gw_why *why) {
  unsigned first = (o->port_min + 1u) & ~1u, max = o->port_max;
  if (o->port_min == 0 || max < 1 || max - 1 < first || first > 65534)
    return gw_fail(why, GW_EINVAL,
                   "RTP port range %u-%u holds no even port with its odd neighbour",
                   (unsigned)o->port_min, (unsigned)o->port_max);
  unsigned pairs = (max - 1 - first) / 2 + 1;
  unsigned attempts = pairs < PORT_ATTEMPTS ? pairs : PORT_ATTEMPTS;
  unsigned start = (unsigned)g_random_int_range(0, (gint32)pairs);
  for (unsigned i = 0; i < attempts; i++) {
    /* small ranges: every pair once, from a random start; large ones: random picks */
    unsigned idx = pairs <= PORT_ATTEMPTS ? (start + i) % pairs
                                          : (unsigned)g_random_int_range(0, (gint32)pairs);
    uint16_t port = (uint16_t)(first + 2 * idx);
    int e = bind_pair(leg, local, port);
    if (e == 0) return GW_OK;
    if (e != EADDRINUSE)
      return gw_fail(why, GW_EIO, "cannot open an RTP socket on %s port %u: %s", o->bind_address,
                     (unsigned)port, g_strerror(e));
  }
  return gw_fail(why, GW_EIO,
                 "RTP port range %u-%u on %s exhausted: %u of its %u port pairs tried, all in use",
                 (unsigned)o->port_min, (unsigned)o->port_max, o->bind_address, attempts, pairs);
}

static void attach(gw_sipleg *leg, leg_sock *s) {
  s->src = g_unix_fd_source_new(s->fd, G_IO_IN);
  g_source_set_callback(s->src, G_SOURCE_FUNC(on_readable), s, NULL);
  g_source_attach(s->src, leg->ctx);
}

/* ---- life ---- */

int gw_sipleg_new(const gw_sipleg_opts *o, const gw_sipleg_callbacks *cb, void *user,
                  gw_sipleg **out, gw_why *why) {
  *out = NULL;
  if (!o->context) return gw_fail(why, GW_EINVAL, "a SIP media leg needs a main context");
  if (!o->bind_address) return gw_fail(why, GW_EINVAL, "a SIP media leg needs a bind address");
  addr local;
  bool any;
  struct in_addr v4;
  int family = inet_pton(AF_INET, o->bind_address, &v4) == 1 ? AF_INET : AF_INET6;
  int rc = addr_parse(o->bind_address, 0, family, &local, &any, why);
  if (rc != GW_OK) return rc;

  gw_sipleg *leg = g_new0(gw_sipleg, 1);
  leg->ctx = g_main_context_ref(o->context);
  if (cb) leg->cb = *cb;
  leg->user = user;
  g_strlcpy(leg->label, o->label ? o->label : "-", sizeof leg->label);
  leg->family = local.sa.ss_family;
  leg->symmetric = o->symmetric_rtp;
  leg->rtp = (leg_sock){.leg = leg, .is_rtcp = false, .fd = -1};
  leg->rtcp = (leg_sock){.leg = leg, .is_rtcp = true, .fd = -1};
  rc = open_pair(leg, o, &local, why);
  if (rc != GW_OK) {
    g_main_context_unref(leg->ctx);
    g_free(leg);
    return rc;
  }
  attach(leg, &leg->rtp);
  attach(leg, &leg->rtcp);
  GW_DEBUG("sipleg %s: RTP on %s port %u, RTCP on %u", leg->label, o->bind_address,
           (unsigned)leg->port, (unsigned)leg->port + 1);
  *out = leg;
  return GW_OK;
}

static void wipe_keys(gw_sipleg *leg) {
  gw_srtp_free(leg->srtp);
  leg->srtp = NULL;
  explicit_bzero(&leg->local, sizeof leg->local);
  explicit_bzero(&leg->remote, sizeof leg->remote);
  leg->sent_with_keys = 0;
}

static void release(gw_sipleg *leg) {
  g_main_context_unref(leg->ctx);
  g_free(leg);
}

void gw_sipleg_free(gw_sipleg *leg) {
  if (!leg || leg->dead) return;
  sock_close(&leg->rtp);
  sock_close(&leg->rtcp);
  wipe_keys(leg);
  explicit_bzero(leg->buf, sizeof leg->buf);
  leg->dead = true;
  if (leg->dispatching == 0) release(leg);
}

uint16_t gw_sipleg_rtp_port(const gw_sipleg *leg) { return leg->port; }

/* ---- remote ---- */

static void retarget(leg_sock *s, const addr *to) {
  s->hold = to->len == 0;
  if (addr_eq(&s->remote, to)) return;
  s->prev = s->remote;
  s->retarget_us = g_get_monotonic_time();
  s->remote = *to;
}

int gw_sipleg_set_remote(gw_sipleg *leg, const char *rtp_addr, uint16_t rtp_port,
                         const char *rtcp_addr, uint16_t rtcp_port, gw_why *why) {
  addr rtp = {.len = 0}, rtcp = {.len = 0};
  bool hold = !rtp_addr || rtp_port == 0;
  if (!hold) {
    bool unspec;
    int rc = addr_parse(rtp_addr, rtp_port, leg->family, &rtp, &unspec, why);
    if (rc != GW_OK) return rc;
    if (!rtcp_port) {
      if (rtp_port == 65535)
        return gw_fail(why, GW_EINVAL, "RTP port 65535 leaves no port for RTCP; give a=rtcp");
      rtcp_port = (uint16_t)(rtp_port + 1);
    }
    bool unspec_rtcp;
    rc = addr_parse(rtcp_addr ? rtcp_addr : rtp_addr, rtcp_port, leg->family, &rtcp, &unspec_rtcp,
                    why);
    if (rc != GW_OK) return rc;
    if (unspec) rtp.len = 0;
    if (unspec || unspec_rtcp) rtcp.len = 0;
  }
  retarget(&leg->rtp, &rtp);
  retarget(&leg->rtcp, &rtcp);
  char a[80], b[80];
  addr_str(&rtp, a, sizeof a);
  addr_str(&rtcp, b, sizeof b);
  GW_DEBUG("sipleg %s: remote RTP %s, RTCP %s", leg->label, a[0] ? a : "none (hold)",
           b[0] ? b : "none");
  return GW_OK;
}

void gw_sipleg_remote_str(const gw_sipleg *leg, bool rtcp, char *out, size_t cap) {
  addr_str(rtcp ? &leg->rtcp.remote : &leg->rtp.remote, out, cap);
}

/* ---- keys ---- */

static bool master_eq(const gw_srtp_master *a, const gw_srtp_master *b) {
  return a->len == b->len && a->len <= sizeof a->bytes && memcmp(a->bytes, b->bytes, a->len) == 0;
}

int gw_sipleg_set_srtp(gw_sipleg *leg, gw_srtp_suite suite, const gw_srtp_master *local,
                       const gw_srtp_master *remote, gw_why *why) {
  if (leg->srtp) {
    bool same_local = master_eq(local, &leg->local);
    if (same_local && suite == leg->suite && master_eq(remote, &leg->remote)) return GW_OK;
    if (same_local && leg->sent_with_keys > 0)
      return gw_fail(why, GW_EINVAL,
                     "the remote SRTP key or suite changed but our key did not; a new context "
                     "with the same key could reuse keystream, so give a new local key");
  }
  gw_srtp *s = NULL;
  int rc = gw_srtp_new(&s, suite, local, remote, why);
  if (rc != GW_OK) return rc;
  wipe_keys(leg);
  leg->srtp = s;
  leg->suite = suite;
  leg->local = *local;
  leg->remote = *remote;
  GW_DEBUG("sipleg %s: SRTP %s keys in place", leg->label, gw_srtp_suite_name(suite));
  return GW_OK;
}

void gw_sipleg_set_plain(gw_sipleg *leg) { wipe_keys(leg); }

int gw_sipleg_apply(gw_sipleg *leg, const char *address, uint16_t port, uint16_t rtcp_port, bool srtp,
                    gw_srtp_suite suite, const gw_srtp_master *local, const gw_srtp_master *remote,
                    gw_why *why) {
  int rc = gw_sipleg_set_remote(leg, address, port, NULL, rtcp_port, why);
  if (rc != GW_OK) return rc;
  if (srtp) return gw_sipleg_set_srtp(leg, suite, local, remote, why);
  gw_sipleg_set_plain(leg);
  return GW_OK;
}

bool gw_sipleg_is_srtp(const gw_sipleg *leg) { return leg->srtp != NULL; }

/* ---- sending ---- */

static int send_on(gw_sipleg *leg, leg_sock *s, uint8_t *buf, size_t len, size_t cap) {
  uint64_t *packets = s->is_rtcp ? &leg->stats.tx_rtcp_packets : &leg->stats.tx_rtp_packets;
  uint64_t *bytes = s->is_rtcp ? &leg->stats.tx_rtcp_bytes : &leg->stats.tx_rtp_bytes;
  if (leg->dead) return GW_ESTATE;
  if (s->remote.len == 0) {
    leg->stats.tx_no_remote++;
    return GW_ESTATE;
  }
  if (len < (s->is_rtcp ? 8u : (size_t)GW_RTP_HEADER_LEN) || len > cap) {
    leg->stats.tx_errors++;
    return GW_EINVAL;
  }
  if (leg->srtp) {
    int rc = s->is_rtcp ? gw_srtp_protect_rtcp(leg->srtp, buf, &len, cap, NULL)
                        : gw_srtp_protect_rtp(leg->srtp, buf, &len, cap, NULL);
    if (rc != GW_OK) {
      leg->stats.tx_errors++;
      return rc;
    }
    leg->sent_with_keys++;
  }
  ssize_t r;
  do {
    r = sendto(s->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&s->remote.sa,
               s->remote.len);
  } while (r < 0 && errno == EINTR);
  if (r != (ssize_t)len) {
    leg->stats.tx_errors++;
    return GW_EIO;
  }
  (*packets)++;
  *bytes += len;
  return GW_OK;
}

int gw_sipleg_send_rtp(gw_sipleg *leg, uint8_t *buf, size_t len, size_t cap) {
  return send_on(leg, &leg->rtp, buf, len, cap);
}

int gw_sipleg_send_rtcp(gw_sipleg *leg, uint8_t *buf, size_t len, size_t cap) {
  return send_on(leg, &leg->rtcp, buf, len, cap);
}

/* ---- statistics ---- */

void gw_sipleg_get_stats(const gw_sipleg *leg, gw_sipleg_stats *out) { *out = leg->stats; }

#define NAME_(name, help) #name,
#define HELP_(name, help) help,
static const char *const stat_names[] = {GW_SIPLEG_STATS(NAME_)};
static const char *const stat_help[] = {GW_SIPLEG_STATS(HELP_)};
#undef NAME_
#undef HELP_

const char *const *gw_sipleg_stat_names(size_t *n) {
  *n = G_N_ELEMENTS(stat_names);
  return stat_names;
}

const char *const *gw_sipleg_stat_help(size_t *n) {
  *n = G_N_ELEMENTS(stat_help);
  return stat_help;
}

int64_t gw_sipleg_last_rtp_us(const gw_sipleg *leg) { return leg->last_rtp_us; }
