/* Tests for media/sipleg on real UDP sockets on 127.0.0.1, driving the legs' GMainContext here.
 *
 * Two legs wired to each other exchange SRTP (AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM) and
 * plain RTP both ways; a plain socket stands in for a peer behind a NAT, or for a wire tap. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/rtp/rtcp.h"
#include "media/rtp/rtp.h"
#include "media/sipleg/sipleg.h"
#include "media/srtp/sdes.h"
#include "media/srtp/srtp.h"

enum { PORT_MIN = 40000, PORT_MAX = 49999 };

/* ---- helpers ---- */

typedef struct {
  gw_sipleg *leg;
  unsigned rtp, rtcp;
  uint8_t last[GW_SIPLEG_BUF_CAP];
  size_t last_len, last_cap;
  uint8_t last_rtcp[GW_SIPLEG_BUF_CAP];
  size_t last_rtcp_len;
  gw_rtp_header last_h; /* the header the leg handed over, its pointers rebased onto last */
  bool free_in_callback;
} sink;

static void on_rtp(void *user, const gw_rtp_header *h, uint8_t *buf, size_t len, size_t cap) {
  sink *k = user;
  k->rtp++;
  /* The leg's parse is the packet's: the same as parsing buf here, payload pointing into buf. */
  gw_rtp_header again;
  g_assert_cmpint(gw_rtp_parse(buf, len, &again, NULL), ==, GW_OK);
  g_assert_true(h->payload == buf + h->header_len);
  g_assert_cmpuint(h->header_len + h->payload_len + h->pad_len, ==, len);
  g_assert_true(h->marker == again.marker && h->pt == again.pt && h->seq == again.seq && h->ts == again.ts &&
                h->ssrc == again.ssrc && h->csrc_count == again.csrc_count && h->has_ext == again.has_ext &&
                h->ext == again.ext && h->ext_len == again.ext_len && h->payload == again.payload &&
                h->payload_len == again.payload_len && h->pad_len == again.pad_len);
  g_assert_cmpmem(h->csrc, h->csrc_count * sizeof h->csrc[0], again.csrc, again.csrc_count * sizeof again.csrc[0]);
  k->last_h = *h;
  k->last_h.payload = k->last + h->header_len;
  if (h->has_ext) k->last_h.ext = k->last + (h->ext - buf);
  memcpy(k->last, buf, len);
  k->last_len = len;
  k->last_cap = cap;
  if (k->free_in_callback) {
    gw_sipleg_free(k->leg);
    k->leg = NULL;
  }
}

static void on_rtcp(void *user, uint8_t *buf, size_t len) {
  sink *k = user;
  k->rtcp++;
  memcpy(k->last_rtcp, buf, len);
  k->last_rtcp_len = len;
}

static const gw_sipleg_callbacks callbacks = {on_rtp, on_rtcp};

static GMainContext *ctx;

static gw_sipleg *new_leg(sink *k, bool symmetric) {
  gw_sipleg_opts o = {.context = ctx, .bind_address = "127.0.0.1", .port_min = PORT_MIN,
                      .port_max = PORT_MAX, .symmetric_rtp = symmetric, .label = "test"};
  gw_sipleg *leg = NULL;
  gw_why why = {""};
  int rc = gw_sipleg_new(&o, &callbacks, k, &leg, &why);
  if (rc != GW_OK) g_error("gw_sipleg_new: %s", why.msg);
  g_assert_cmpuint(gw_sipleg_rtp_port(leg) % 2, ==, 0);
  g_assert_cmpuint(gw_sipleg_rtp_port(leg), >=, PORT_MIN);
  g_assert_cmpuint(gw_sipleg_rtp_port(leg) + 1, <=, PORT_MAX);
  if (k) k->leg = leg;
  return leg;
}

static void point_at(gw_sipleg *from, gw_sipleg *to) {
  gw_why why = {""};
  g_assert_cmpint(gw_sipleg_set_remote(from, "127.0.0.1", gw_sipleg_rtp_port(to), NULL, 0, &why), ==, GW_OK);
}

/* Runs the context until *counter reaches want, or 2 s pass. */
static bool pump_until(const unsigned *counter, unsigned want) {
  int64_t deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (*counter < want && g_get_monotonic_time() < deadline)
    if (!g_main_context_iteration(ctx, FALSE)) g_usleep(200);
  return *counter >= want;
}

/* Runs the context for ms milliseconds (to see that nothing arrives). */
static void pump_for(unsigned ms) {
  int64_t deadline = g_get_monotonic_time() + (int64_t)ms * 1000;
  while (g_get_monotonic_time() < deadline)
    if (!g_main_context_iteration(ctx, FALSE)) g_usleep(200);
}

/* A plain UDP socket on 127.0.0.1 (a peer, or a tap). */
typedef struct {
  int fd;
  uint16_t port;
} raw;

static raw raw_open(void) {
  raw r;
  r.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(r.fd, >=, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  g_assert_cmpint(bind(r.fd, (struct sockaddr *)&a, sizeof a), ==, 0);
  socklen_t l = sizeof a;
  getsockname(r.fd, (struct sockaddr *)&a, &l);
  r.port = ntohs(a.sin_port);
  struct timeval tv = {.tv_sec = 2};
  setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return r;
}

static void raw_send(const raw *r, uint16_t port, const uint8_t *b, size_t n) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                          .sin_port = htons(port)};
  g_assert_cmpint(sendto(r->fd, b, n, 0, (struct sockaddr *)&a, sizeof a), ==, (ssize_t)n);
}

/* Receives one datagram (waiting up to 2 s); returns its length, or -1. */
static ssize_t raw_recv(const raw *r, uint8_t *b, size_t cap, uint16_t *from_port) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  ssize_t n = recvfrom(r->fd, b, cap, 0, (struct sockaddr *)&a, &l);
  if (n >= 0 && from_port) *from_port = ntohs(a.sin_port);
  return n;
}

static bool raw_nothing(const raw *r) {
  uint8_t b[64];
  return recv(r->fd, b, sizeof b, MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* An RTP packet of payload n bytes: PT 0, the given seq, payload bytes derived from seq. */
static size_t make_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, size_t n) {
  g_assert_cmpint(gw_rtp_write_header(b, 12, seq == 1, 0, seq, 160u * seq, ssrc), ==, GW_OK);
  for (size_t i = 0; i < n; i++) b[12 + i] = (uint8_t)(seq * 7 + i);
  return 12 + n;
}

static size_t make_rtcp(uint8_t *b, size_t cap, uint32_t ssrc) {
  size_t off = 0;
  gw_rtcp_sender_info si = {.ntp = gw_ntp_from_unix_us(g_get_real_time()), .rtp_ts = 1234,
                            .packet_count = 20, .octet_count = 3200};
  gw_rtcp_report_block rb = {.ssrc = 0x5151, .fraction_lost = 3, .cumulative_lost = -2,
                             .ext_highest_seq = 70000, .jitter = 12, .lsr = 0x12345678, .dlsr = 0x10000};
  g_assert_cmpint(gw_rtcp_write_sr(b, cap, &off, ssrc, &si, &rb, 1), ==, GW_OK);
  g_assert_cmpint(gw_rtcp_write_sdes_cname(b, cap, &off, ssrc, "sipleg@test"), ==, GW_OK);
  return off;
}

static gw_srtp_master fresh_key(gw_srtp_suite suite) {
  gw_srtp_master m;
  g_assert_cmpint(gw_sdes_generate(suite, &m, NULL), ==, GW_OK);
  return m;
}

static gw_sipleg_stats stats(const gw_sipleg *leg) {
  gw_sipleg_stats s;
  gw_sipleg_get_stats(leg, &s);
  return s;
}

/* Sends count RTP packets from -> to and checks each arrives decrypted, byte for byte. */
static void exchange(gw_sipleg *from, sink *to, uint32_t ssrc, uint16_t first_seq, unsigned count) {
  for (unsigned i = 0; i < count; i++) {
    uint8_t pkt[256], plain[256];
    size_t n = make_rtp(pkt, ssrc, (uint16_t)(first_seq + i), 40 + i * 5);
    memcpy(plain, pkt, n);
    unsigned before = to->rtp;
    g_assert_cmpint(gw_sipleg_send_rtp(from, pkt, n, sizeof pkt), ==, GW_OK);
    g_assert_true(pump_until(&to->rtp, before + 1));
    g_assert_cmpmem(to->last, to->last_len, plain, n);
    g_assert_cmpuint(to->last_cap, ==, GW_SIPLEG_BUF_CAP);
    g_assert_cmpuint(to->last_h.ssrc, ==, ssrc);
    g_assert_cmpuint(to->last_h.seq, ==, (uint16_t)(first_seq + i));
    g_assert_cmpuint(to->last_h.payload_len, ==, n - GW_RTP_HEADER_LEN);
    g_assert_cmpmem(to->last_h.payload, to->last_h.payload_len, plain + GW_RTP_HEADER_LEN, n - GW_RTP_HEADER_LEN);
  }
}

static void exchange_rtcp(gw_sipleg *from, sink *to, uint32_t ssrc) {
  uint8_t pkt[256], plain[256];
  size_t n = make_rtcp(pkt, sizeof pkt, ssrc);
  memcpy(plain, pkt, n);
  unsigned before = to->rtcp;
  g_assert_cmpint(gw_sipleg_send_rtcp(from, pkt, n, sizeof pkt), ==, GW_OK);
  g_assert_true(pump_until(&to->rtcp, before + 1));
  g_assert_cmpmem(to->last_rtcp, to->last_rtcp_len, plain, n);
}

/* ---- tests ---- */

static void srtp_both_ways(gw_srtp_suite suite) {
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, false), *b = new_leg(&kb, false);
  gw_srtp_master key_a = fresh_key(suite), key_b = fresh_key(suite);
  gw_why why = {""};
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a, &key_b, &why), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, suite, &key_b, &key_a, &why), ==, GW_OK);
  g_assert_true(gw_sipleg_is_srtp(a));
  point_at(a, b);
  point_at(b, a);

  exchange(a, &kb, 0xA1A1A1A1, 100, 20);
  exchange(b, &ka, 0xB2B2B2B2, 65530, 20); /* the sequence number wraps on the way */
  exchange_rtcp(a, &kb, 0xA1A1A1A1);
  exchange_rtcp(b, &ka, 0xB2B2B2B2);

  size_t tag = gw_srtp_rtp_overhead(suite), rtcp_tag = gw_srtp_rtcp_overhead(suite);
  uint64_t plain_bytes = 0;
  for (unsigned i = 0; i < 20; i++) plain_bytes += 12 + 40 + i * 5;
  gw_sipleg_stats sa = stats(a), sb = stats(b);
  g_assert_cmpuint(sa.tx_rtp_packets, ==, 20);
  g_assert_cmpuint(sa.tx_rtp_bytes, ==, plain_bytes + 20 * tag);
  g_assert_cmpuint(sb.rx_rtp_packets, ==, 20);
  g_assert_cmpuint(sb.rx_rtp_bytes, ==, sa.tx_rtp_bytes);
  g_assert_cmpuint(sb.tx_rtp_packets, ==, 20);
  g_assert_cmpuint(sa.rx_rtp_packets, ==, 20);
  g_assert_cmpuint(sa.tx_rtcp_packets, ==, 1);
  g_assert_cmpuint(sb.rx_rtcp_packets, ==, 1);
  g_assert_cmpuint(sb.rx_rtcp_bytes, ==, sa.tx_rtcp_bytes);
  g_assert_cmpuint(sa.tx_rtcp_bytes, ==, 52 + 24 + rtcp_tag);
  g_assert_cmpuint(sa.rx_auth_failures + sa.rx_malformed + sb.rx_auth_failures + sb.rx_malformed, ==, 0);
  g_assert_cmpint(gw_sipleg_last_rtp_us(b), >, 0);

  /* On the wire it is SRTP: a tap in a's path sees the header in clear, the payload not, and the
   * tag; relaying the bytes on to b gives b the plain packet. */
  raw tap = raw_open();
  g_assert_cmpint(gw_sipleg_set_remote(a, "127.0.0.1", tap.port, NULL, 0, &why), ==, GW_OK);
  uint8_t pkt[256], plain[256], wire[512];
  size_t n = make_rtp(pkt, 0xA1A1A1A1, 120, 160);
  memcpy(plain, pkt, n);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, n + tag - 1), ==, GW_ETOOBIG); /* no room */
  memcpy(pkt, plain, n);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_OK);
  ssize_t w = raw_recv(&tap, wire, sizeof wire, NULL);
  g_assert_cmpint(w, ==, (ssize_t)(n + tag));
  g_assert_cmpmem(wire, 12, plain, 12);
  g_assert_true(memcmp(wire + 12, plain + 12, n - 12) != 0);
  unsigned before = kb.rtp;
  raw_send(&tap, gw_sipleg_rtp_port(b), wire, (size_t)w);
  g_assert_true(pump_until(&kb.rtp, before + 1));
  g_assert_cmpmem(kb.last, kb.last_len, plain, n);
  close(tap.fd);

  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

static void test_srtp_aes_cm_80(void) { srtp_both_ways(GW_SRTP_AES_CM_128_HMAC_SHA1_80); }
static void test_srtp_aead_gcm(void) { srtp_both_ways(GW_SRTP_AEAD_AES_128_GCM); }
static void test_srtp_aes_cm_32(void) { srtp_both_ways(GW_SRTP_AES_CM_128_HMAC_SHA1_32); }

static void test_plain(void) {
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, false), *b = new_leg(&kb, false);
  g_assert_false(gw_sipleg_is_srtp(a));
  point_at(a, b);
  point_at(b, a);
  exchange(a, &kb, 1, 1, 10);
  exchange(b, &ka, 2, 1, 10);
  exchange_rtcp(a, &kb, 1);
  g_assert_cmpuint(stats(b).rx_rtp_bytes, ==, stats(a).tx_rtp_bytes);

  /* On the wire it is the plain packet. */
  raw tap = raw_open();
  gw_why why = {""};
  g_assert_cmpint(gw_sipleg_set_remote(a, "127.0.0.1", tap.port, NULL, 0, &why), ==, GW_OK);
  uint8_t pkt[64], wire[64];
  size_t n = make_rtp(pkt, 1, 50, 20);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, n), ==, GW_OK); /* no room needed */
  g_assert_cmpint(raw_recv(&tap, wire, sizeof wire, NULL), ==, (ssize_t)n);
  g_assert_cmpmem(wire, n, pkt, n);
  /* too short to be RTP / RTCP */
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, 11, sizeof pkt), ==, GW_EINVAL);
  g_assert_cmpint(gw_sipleg_send_rtcp(a, pkt, 7, sizeof pkt), ==, GW_EINVAL);
  g_assert_cmpuint(stats(a).tx_errors, ==, 2);

  /* RTCP multiplexed onto the RTP port (RFC 5761) is delivered as RTCP and moves nothing. */
  uint8_t rtcp[128];
  size_t rn = make_rtcp(rtcp, sizeof rtcp, 77);
  unsigned before = kb.rtcp, rtp_before = kb.rtp;
  raw_send(&tap, gw_sipleg_rtp_port(b), rtcp, rn);
  g_assert_true(pump_until(&kb.rtcp, before + 1));
  g_assert_cmpmem(kb.last_rtcp, kb.last_rtcp_len, rtcp, rn);
  g_assert_cmpuint(kb.rtp, ==, rtp_before);
  close(tap.fd);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

static void test_wrong_key_and_malformed(void) {
  const gw_srtp_suite suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80;
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, true), *b = new_leg(&kb, true);
  gw_srtp_master key_a = fresh_key(suite), key_b = fresh_key(suite), wrong = fresh_key(suite);
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a, &key_b, NULL), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, suite, &key_b, &wrong, NULL), ==, GW_OK);
  point_at(a, b);
  for (uint16_t i = 0; i < 5; i++) {
    uint8_t pkt[128];
    size_t n = make_rtp(pkt, 7, i, 80);
    g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_OK);
  }
  uint8_t rtcp[128];
  size_t rn = make_rtcp(rtcp, sizeof rtcp, 7);
  g_assert_cmpint(gw_sipleg_send_rtcp(a, rtcp, rn, sizeof rtcp), ==, GW_OK);
  gw_sipleg_stats sb;
  int64_t deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  do {
    pump_for(5);
    sb = stats(b);
  } while (sb.rx_auth_failures < 6 && g_get_monotonic_time() < deadline);
  g_assert_cmpuint(sb.rx_auth_failures, ==, 6);
  g_assert_cmpuint(sb.rx_rtp_packets, ==, 0);
  g_assert_cmpuint(sb.rx_rtcp_packets, ==, 0);
  g_assert_cmpuint(kb.rtp + kb.rtcp, ==, 0);
  g_assert_cmpuint(sb.latches, ==, 0); /* unauthenticated packets move nothing */

  /* Plain RTP to an SRTP leg fails authentication too; garbage and a bad version are malformed. */
  raw r = raw_open();
  uint8_t pkt[64];
  size_t n = make_rtp(pkt, 9, 1, 30);
  raw_send(&r, gw_sipleg_rtp_port(b), pkt, n);
  raw_send(&r, gw_sipleg_rtp_port(b), (const uint8_t *)"hello", 5);
  pkt[0] = 0x40; /* version 1 */
  raw_send(&r, gw_sipleg_rtp_port(b), pkt, n);
  raw_send(&r, gw_sipleg_rtp_port(b) + 1, (const uint8_t *)"\x80\xc8\x00\x30zzzzzzzz", 12);
  raw_send(&r, gw_sipleg_rtp_port(b), (const uint8_t *)"\x90\x00\x00\x01\0\0\0\0\0\0\0\1\xbe\xde\x00\x09", 16);
  uint8_t big[4000];
  memset(big, 0x80, sizeof big);
  raw_send(&r, gw_sipleg_rtp_port(b), big, sizeof big);
  deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  do {
    pump_for(5);
    sb = stats(b);
  } while (sb.rx_auth_failures + sb.rx_malformed < 12 && g_get_monotonic_time() < deadline);
  g_assert_cmpuint(sb.rx_auth_failures, ==, 7);
  g_assert_cmpuint(sb.rx_malformed, ==, 5);
  g_assert_cmpuint(kb.rtp + kb.rtcp, ==, 0);

  /* The same leg in plain mode takes malformed RTCP (after decryption would be the same): */
  gw_sipleg_set_plain(b);
  raw_send(&r, gw_sipleg_rtp_port(b) + 1, (const uint8_t *)"\x81\xc9\x00\x01\0\0\0\1", 8);
  pump_for(50);
  g_assert_cmpuint(stats(b).rx_malformed, ==, 6); /* RR with RC=1 and no block */
  close(r.fd);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

static void test_latching(void) {
  const gw_srtp_suite suite = GW_SRTP_AEAD_AES_128_GCM;
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, false), *b = new_leg(&kb, true);
  gw_srtp_master key_a = fresh_key(suite), key_b = fresh_key(suite);
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a, &key_b, NULL), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, suite, &key_b, &key_a, NULL), ==, GW_OK);
  point_at(a, b);
  point_at(b, a);
  exchange(a, &kb, 0xAAAA, 1, 3); /* from where the SDP says: no latch */
  exchange(b, &ka, 0xBBBB, 1, 3);
  g_assert_cmpuint(stats(b).latches, ==, 0);

  /* "a" moves to a new source port (a NAT rebinding): a raw socket sends with a's key. */
  raw moved = raw_open(), intruder = raw_open();
  gw_srtp *as_a = NULL, *bad = NULL;
  gw_srtp_master wrong = fresh_key(suite);
  g_assert_cmpint(gw_srtp_new(&as_a, suite, &key_a, &key_b, NULL), ==, GW_OK);
  g_assert_cmpint(gw_srtp_new(&bad, suite, &wrong, &key_b, NULL), ==, GW_OK);
  uint8_t pkt[256], plain[256], wire[512];

  /* A forged packet from a third port does not move b. */
  size_t n = make_rtp(pkt, 0xAAAA, 500, 40);
  g_assert_cmpint(gw_srtp_protect_rtp(bad, pkt, &n, sizeof pkt, NULL), ==, GW_OK);
  raw_send(&intruder, gw_sipleg_rtp_port(b), pkt, n);
  pump_for(50);
  g_assert_cmpuint(stats(b).rx_auth_failures, ==, 1);
  g_assert_cmpuint(stats(b).latches, ==, 0);

  n = make_rtp(pkt, 0xAAAA, 10, 40);
  g_assert_cmpint(gw_srtp_protect_rtp(as_a, pkt, &n, sizeof pkt, NULL), ==, GW_OK);
  unsigned before = kb.rtp;
  raw_send(&moved, gw_sipleg_rtp_port(b), pkt, n);
  g_assert_true(pump_until(&kb.rtp, before + 1));
  g_assert_cmpuint(stats(b).latches, ==, 1);
  char where[80], want[80];
  gw_sipleg_remote_str(b, false, where, sizeof where);
  g_snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)moved.port);
  g_assert_cmpstr(where, ==, want);

  /* b now sends RTP to the new port; the old one gets nothing. */
  n = make_rtp(pkt, 0xBBBB, 4, 60);
  memcpy(plain, pkt, n);
  g_assert_cmpint(gw_sipleg_send_rtp(b, pkt, n, sizeof pkt), ==, GW_OK);
  ssize_t w = raw_recv(&moved, wire, sizeof wire, NULL);
  g_assert_cmpint(w, ==, (ssize_t)(n + gw_srtp_rtp_overhead(suite)));
  size_t wl = (size_t)w;
  g_assert_cmpint(gw_srtp_unprotect_rtp(as_a, wire, &wl, NULL), ==, GW_OK);
  g_assert_cmpmem(wire, wl, plain, n);
  pump_for(50);
  g_assert_cmpuint(ka.rtp, ==, 3);

  /* RTCP latches on its own socket. */
  gw_sipleg_remote_str(b, true, where, sizeof where);
  g_snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)gw_sipleg_rtp_port(a) + 1);
  g_assert_cmpstr(where, ==, want);
  n = make_rtcp(pkt, sizeof pkt, 0xAAAA);
  g_assert_cmpint(gw_srtp_protect_rtcp(as_a, pkt, &n, sizeof pkt, NULL), ==, GW_OK);
  before = kb.rtcp;
  raw_send(&moved, gw_sipleg_rtp_port(b) + 1, pkt, n);
  g_assert_true(pump_until(&kb.rtcp, before + 1));
  g_assert_cmpuint(stats(b).latches, ==, 2);
  gw_sipleg_remote_str(b, true, where, sizeof where);
  g_snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)moved.port);
  g_assert_cmpstr(where, ==, want);

  /* Back to the original source: it follows again. */
  exchange(a, &kb, 0xAAAA, 11, 1);
  g_assert_cmpuint(stats(b).latches, ==, 3);
  exchange(b, &ka, 0xBBBB, 5, 1);

  /* Without symmetric RTP nothing moves: a (not symmetric) gets a packet from "moved". */
  n = make_rtp(pkt, 0xCCCC, 1, 10);
  gw_srtp *as_b = NULL;
  g_assert_cmpint(gw_srtp_new(&as_b, suite, &key_b, &key_a, NULL), ==, GW_OK);
  g_assert_cmpint(gw_srtp_protect_rtp(as_b, pkt, &n, sizeof pkt, NULL), ==, GW_OK);
  before = ka.rtp;
  raw_send(&moved, gw_sipleg_rtp_port(a), pkt, n);
  g_assert_true(pump_until(&ka.rtp, before + 1));
  g_assert_cmpuint(stats(a).latches, ==, 0);

  gw_srtp_free(as_a);
  gw_srtp_free(as_b);
  gw_srtp_free(bad);
  close(moved.fd);
  close(intruder.fd);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

static void test_retarget(void) {
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, true), *b = new_leg(&kb, false);
  point_at(a, b);
  point_at(b, a);
  exchange(a, &kb, 1, 1, 2);
  exchange(b, &ka, 2, 1, 2);

  /* re-INVITE: the trunk moved its media to another port, with a=rtcp elsewhere */
  raw r = raw_open(), rc = raw_open();
  gw_why why = {""};
  g_assert_cmpint(gw_sipleg_set_remote(a, "127.0.0.1", r.port, "127.0.0.1", rc.port, &why), ==, GW_OK);
  uint8_t pkt[128], wire[256];
  size_t n = make_rtp(pkt, 1, 3, 20);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_OK);
  g_assert_cmpint(raw_recv(&r, wire, sizeof wire, NULL), ==, (ssize_t)n);
  g_assert_cmpmem(wire, n, pkt, n);
  n = make_rtcp(pkt, sizeof pkt, 1);
  g_assert_cmpint(gw_sipleg_send_rtcp(a, pkt, n, sizeof pkt), ==, GW_OK);
  g_assert_cmpint(raw_recv(&rc, wire, sizeof wire, NULL), ==, (ssize_t)n);
  pump_for(50);
  g_assert_cmpuint(kb.rtp, ==, 2);
  g_assert_cmpuint(kb.rtcp, ==, 0);

  /* Packets still in flight from the old address do not latch a back onto it. */
  exchange(b, &ka, 2, 3, 2);
  g_assert_cmpuint(stats(a).latches, ==, 0);
  char where[80], want[80];
  gw_sipleg_remote_str(a, false, where, sizeof where);
  g_snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)r.port);
  g_assert_cmpstr(where, ==, want);
  /* ...but the new one's packets are welcome from any port (here: its RTCP socket). */
  n = make_rtp(pkt, 5, 1, 20);
  unsigned before = ka.rtp;
  raw_send(&rc, gw_sipleg_rtp_port(a), pkt, n);
  g_assert_true(pump_until(&ka.rtp, before + 1));
  g_assert_cmpuint(stats(a).latches, ==, 1);

  /* Hold (c=0.0.0.0): nothing is sent, and nothing latches. */
  g_assert_cmpint(gw_sipleg_set_remote(a, "0.0.0.0", 9, NULL, 0, &why), ==, GW_OK);
  n = make_rtp(pkt, 1, 4, 20);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_ESTATE);
  g_assert_cmpint(gw_sipleg_send_rtcp(a, pkt, n, sizeof pkt), ==, GW_ESTATE);
  g_assert_cmpuint(stats(a).tx_no_remote, ==, 2);
  pump_for(20);
  g_assert_true(raw_nothing(&r) && raw_nothing(&rc));
  exchange(b, &ka, 2, 5, 1);
  g_assert_cmpuint(stats(a).latches, ==, 1);
  gw_sipleg_remote_str(a, false, where, sizeof where);
  g_assert_cmpstr(where, ==, "");
  g_assert_cmpint(gw_sipleg_set_remote(a, NULL, 0, NULL, 0, &why), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_ESTATE);

  /* Off hold, back to b. */
  point_at(a, b);
  exchange(a, &kb, 1, 5, 1);

  /* Bad addresses are refused and change nothing. */
  g_assert_cmpint(gw_sipleg_set_remote(a, "trunk.example.com", 5004, NULL, 0, &why), ==, GW_EINVAL);
  g_assert_cmpstr(why.msg, !=, "");
  g_assert_cmpint(gw_sipleg_set_remote(a, "::1", 5004, NULL, 0, &why), ==, GW_EINVAL);
  g_assert_cmpint(gw_sipleg_set_remote(a, "127.0.0.1", 65535, NULL, 0, &why), ==, GW_EINVAL);
  exchange(a, &kb, 1, 6, 1);

  close(r.fd);
  close(rc.fd);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

static void test_rekey(void) {
  const gw_srtp_suite suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80;
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, false), *b = new_leg(&kb, false);
  gw_srtp_master key_a = fresh_key(suite), key_b = fresh_key(suite);
  gw_why why = {""};
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a, &key_b, &why), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, suite, &key_b, &key_a, &why), ==, GW_OK);
  point_at(a, b);
  point_at(b, a);
  exchange(a, &kb, 1, 1, 3);
  exchange(b, &ka, 2, 1, 3);

  /* A session refresh with the same keys keeps the contexts: the stream just goes on. */
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a, &key_b, &why), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, suite, &key_b, &key_a, &why), ==, GW_OK);
  exchange(a, &kb, 1, 4, 2);

  /* The trunk changes its key but we would keep ours: refused, the old keys stay. */
  gw_srtp_master key_b2 = fresh_key(suite);
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a, &key_b2, &why), ==, GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "keystream"));
  exchange(b, &ka, 2, 4, 1);

  /* New keys both ways, and to GCM: works at once. */
  const gw_srtp_suite gcm = GW_SRTP_AEAD_AES_128_GCM;
  gw_srtp_master key_a3 = fresh_key(gcm), key_b3 = fresh_key(gcm);
  g_assert_cmpint(gw_sipleg_set_srtp(a, gcm, &key_a3, &key_b3, &why), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, gcm, &key_b3, &key_a3, &why), ==, GW_OK);
  exchange(a, &kb, 1, 6, 2);
  exchange(b, &ka, 2, 5, 2);
  exchange_rtcp(b, &ka, 2);

  /* A bad key length is refused; the running keys stay. */
  gw_srtp_master shortkey = key_a3;
  shortkey.len = 10;
  g_assert_cmpint(gw_sipleg_set_srtp(a, gcm, &shortkey, &key_b3, &why), ==, GW_EINVAL);
  exchange(a, &kb, 1, 8, 1);

  /* To plain RTP and back to SRTP. */
  gw_sipleg_set_plain(a);
  gw_sipleg_set_plain(b);
  g_assert_false(gw_sipleg_is_srtp(a));
  exchange(a, &kb, 1, 9, 1);
  gw_srtp_master key_a4 = fresh_key(suite), key_b4 = fresh_key(suite);
  g_assert_cmpint(gw_sipleg_set_srtp(a, suite, &key_a4, &key_b4, &why), ==, GW_OK);
  g_assert_cmpint(gw_sipleg_set_srtp(b, suite, &key_b4, &key_a4, &why), ==, GW_OK);
  exchange(a, &kb, 1, 10, 1);
  g_assert_cmpuint(stats(b).rx_auth_failures, ==, 0);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

/* gw_sipleg_apply: the trunk's agreed media (address, ports, SRTP or plain) in one call. */
static void test_apply(void) {
  const gw_srtp_suite suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80;
  sink ka = {0}, kb = {0};
  gw_sipleg *a = new_leg(&ka, false), *b = new_leg(&kb, false);
  gw_why why = {""};
  char where[80], want[80];

  /* Plain: keys may be NULL; RTCP goes to port + 1 when rtcp_port is 0. */
  g_assert_cmpint(gw_sipleg_apply(a, "127.0.0.1", gw_sipleg_rtp_port(b), 0, false, suite, NULL, NULL, &why), ==,
                  GW_OK);
  g_assert_cmpint(gw_sipleg_apply(b, "127.0.0.1", gw_sipleg_rtp_port(a), 0, false, suite, NULL, NULL, &why), ==,
                  GW_OK);
  g_assert_false(gw_sipleg_is_srtp(a));
  gw_sipleg_remote_str(a, true, where, sizeof where);
  g_snprintf(want, sizeof want, "127.0.0.1:%u", gw_sipleg_rtp_port(b) + 1u);
  g_assert_cmpstr(where, ==, want);
  exchange(a, &kb, 1, 1, 2);
  exchange(b, &ka, 2, 1, 2);

  /* SRTP both ways, an explicit RTCP port kept. */
  gw_srtp_master key_a = fresh_key(suite), key_b = fresh_key(suite);
  g_assert_cmpint(gw_sipleg_apply(a, "127.0.0.1", gw_sipleg_rtp_port(b), 5999, true, suite, &key_a, &key_b, &why),
                  ==, GW_OK);
  g_assert_cmpint(gw_sipleg_apply(b, "127.0.0.1", gw_sipleg_rtp_port(a), 0, true, suite, &key_b, &key_a, &why), ==,
                  GW_OK);
  g_assert_true(gw_sipleg_is_srtp(a));
  gw_sipleg_remote_str(a, true, where, sizeof where);
  g_assert_cmpstr(where, ==, "127.0.0.1:5999");
  exchange(a, &kb, 1, 3, 2);
  exchange(b, &ka, 2, 3, 2);

  /* An address the leg cannot take: refused, and neither destination nor keys change. */
  char rtp_before[80];
  gw_sipleg_remote_str(a, false, rtp_before, sizeof rtp_before);
  g_assert_cmpint(gw_sipleg_apply(a, "::1", 5004, 0, false, suite, NULL, NULL, &why), ==, GW_EINVAL);
  g_assert_cmpstr(why.msg, !=, "");
  g_assert_true(gw_sipleg_is_srtp(a));
  gw_sipleg_remote_str(a, false, where, sizeof where);
  g_assert_cmpstr(where, ==, rtp_before);
  exchange(a, &kb, 1, 5, 1);

  /* Keys refused (the remote key changes, ours does not, after sending): the error is the key's,
   * the old keys stay in use. */
  gw_srtp_master key_b2 = fresh_key(suite);
  why.msg[0] = 0;
  g_assert_cmpint(gw_sipleg_apply(a, "127.0.0.1", gw_sipleg_rtp_port(b), 0, true, suite, &key_a, &key_b2, &why), ==,
                  GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "keystream"));
  exchange(a, &kb, 1, 6, 1);

  /* On hold (no address): nothing is sent, the keys stay. */
  g_assert_cmpint(gw_sipleg_apply(a, "0.0.0.0", gw_sipleg_rtp_port(b), 0, true, suite, &key_a, &key_b, &why), ==,
                  GW_OK);
  uint8_t pkt[64];
  size_t n = make_rtp(pkt, 1, 7, 20);
  g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_ESTATE);
  g_assert_true(gw_sipleg_is_srtp(a));

  /* Back to plain RTP (a re-INVITE without a=crypto). */
  g_assert_cmpint(gw_sipleg_apply(a, "127.0.0.1", gw_sipleg_rtp_port(b), 0, false, suite, NULL, NULL, &why), ==,
                  GW_OK);
  g_assert_cmpint(gw_sipleg_apply(b, "127.0.0.1", gw_sipleg_rtp_port(a), 0, false, suite, NULL, NULL, &why), ==,
                  GW_OK);
  g_assert_false(gw_sipleg_is_srtp(a));
  g_assert_false(gw_sipleg_is_srtp(b));
  exchange(a, &kb, 1, 8, 1);
  g_assert_cmpuint(stats(b).rx_auth_failures, ==, 0);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

static void test_port_range(void) {
  gw_why why = {""};
  gw_sipleg *l1 = NULL, *l2 = NULL, *l3 = NULL;
  gw_sipleg_opts o = {.context = ctx, .bind_address = "127.0.0.1", .label = "range"};
  /* Find 4 ports [p, p+3] free here (two pairs), fill them, and ask for a third pair. */
  bool found = false;
  for (unsigned p = 47000; p < 49000 && !found; p += 4) {
    o.port_min = (uint16_t)p;
    o.port_max = (uint16_t)(p + 3);
    if (gw_sipleg_new(&o, NULL, NULL, &l1, &why) != GW_OK) continue;
    if (gw_sipleg_new(&o, NULL, NULL, &l2, &why) != GW_OK) {
      gw_sipleg_free(l1);
      continue;
    }
    found = true;
  }
  g_assert_true(found);
  g_assert_cmpuint(gw_sipleg_rtp_port(l1) ^ gw_sipleg_rtp_port(l2), ==, 2); /* p and p + 2 */
  memset(&why, 0, sizeof why);
  g_assert_cmpint(gw_sipleg_new(&o, NULL, NULL, &l3, &why), ==, GW_EIO);
  g_assert_null(l3);
  g_assert_nonnull(strstr(why.msg, "exhausted"));
  g_test_message("%s", why.msg);
  gw_sipleg_free(l2);
  g_assert_cmpint(gw_sipleg_new(&o, NULL, NULL, &l3, &why), ==, GW_OK); /* freed pair reused */
  gw_sipleg_free(l1);
  gw_sipleg_free(l3);

  /* Ranges without an even port followed by an odd one in range. */
  static const uint16_t bad[][2] = {{40001, 40001}, {40000, 40000}, {40001, 40002}, {40010, 40000},
                                    {0, 100}, {65535, 65535}, {65534, 65535 - 0}};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    o.port_min = bad[i][0];
    o.port_max = bad[i][1];
    int rc = gw_sipleg_new(&o, NULL, NULL, &l3, &why);
    if (bad[i][0] == 65534) { /* 65534/65535 is a valid pair, whether or not it is free */
      g_assert_true(rc == GW_OK || rc == GW_EIO);
      gw_sipleg_free(rc == GW_OK ? l3 : NULL);
      continue;
    }
    g_assert_cmpint(rc, ==, GW_EINVAL);
    g_assert_nonnull(strstr(why.msg, "no even port"));
  }
  /* Bad bind addresses: not an address; not one of this host's (EADDRNOTAVAIL). */
  o.port_min = PORT_MIN;
  o.port_max = PORT_MAX;
  o.bind_address = "localhost";
  g_assert_cmpint(gw_sipleg_new(&o, NULL, NULL, &l3, &why), ==, GW_EINVAL);
  o.bind_address = "192.0.2.1";
  g_assert_cmpint(gw_sipleg_new(&o, NULL, NULL, &l3, &why), ==, GW_EIO);
  g_assert_nonnull(strstr(why.msg, "192.0.2.1"));
  o.bind_address = NULL;
  g_assert_cmpint(gw_sipleg_new(&o, NULL, NULL, &l3, &why), ==, GW_EINVAL);
}

static unsigned count_fds(void) {
  unsigned n = 0;
  DIR *d = opendir("/proc/self/fd");
  g_assert_nonnull(d);
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

static void test_fd_baseline(void) {
  const gw_srtp_suite suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80;
  gw_srtp_master k1 = fresh_key(suite), k2 = fresh_key(suite);
  pump_for(10);
  unsigned base = count_fds();
  gw_sipleg *legs[200];
  for (int i = 0; i < 200; i++) {
    legs[i] = new_leg(NULL, true);
    g_assert_cmpint(gw_sipleg_set_srtp(legs[i], suite, &k1, &k2, NULL), ==, GW_OK);
    g_assert_cmpint(gw_sipleg_set_remote(legs[i], "127.0.0.1", 9, NULL, 0, NULL), ==, GW_OK);
  }
  g_assert_cmpuint(count_fds(), ==, base + 400);
  pump_for(10);
  for (int i = 0; i < 200; i++) gw_sipleg_free(legs[i]);
  pump_for(10);
  g_assert_cmpuint(count_fds(), ==, base);
}

static void test_free_in_callback(void) {
  sink ka = {0}, kb = {.free_in_callback = true};
  gw_sipleg *a = new_leg(&ka, false);
  new_leg(&kb, true);
  point_at(a, kb.leg);
  uint8_t pkt[64];
  /* Several packets queued: the leg goes with the first, the rest are never read. */
  for (uint16_t i = 1; i <= 5; i++) {
    size_t n = make_rtp(pkt, 1, i, 20);
    g_assert_cmpint(gw_sipleg_send_rtp(a, pkt, n, sizeof pkt), ==, GW_OK);
  }
  g_assert_true(pump_until(&kb.rtp, 1));
  pump_for(50);
  g_assert_cmpuint(kb.rtp, ==, 1);
  g_assert_null(kb.leg);
  gw_sipleg_free(a);
}

static void test_stat_names(void) {
  size_t n = 0, h = 0;
  const char *const *names = gw_sipleg_stat_names(&n);
  const char *const *help = gw_sipleg_stat_help(&h);
  g_assert_cmpuint(n, ==, sizeof(gw_sipleg_stats) / sizeof(uint64_t));
  g_assert_cmpuint(h, ==, n);
  g_assert_cmpstr(names[0], ==, "rx_rtp_packets");
  g_assert_cmpstr(names[n - 1], ==, "latches");
  for (size_t i = 0; i < n; i++) g_assert_cmpstr(help[i], !=, "");
}

static void test_ipv6_any_takes_ipv4(void) {
  sink ka = {0}, kb = {0};
  gw_sipleg_opts o = {.context = ctx, .bind_address = "::", .port_min = PORT_MIN,
                      .port_max = PORT_MAX, .label = "v6"};
  gw_sipleg *a = NULL;
  gw_why why = {""};
  if (gw_sipleg_new(&o, &callbacks, &ka, &a, &why) != GW_OK) {
    g_test_skip(why.msg);
    return;
  }
  gw_sipleg *b = new_leg(&kb, true);
  point_at(a, b); /* IPv4 remote on an IPv6 leg: sent v4-mapped */
  point_at(b, a);
  exchange(a, &kb, 1, 1, 2);
  exchange(b, &ka, 2, 1, 2);
  g_assert_cmpint(gw_sipleg_set_remote(b, "::1", 5004, NULL, 0, &why), ==, GW_EINVAL);
  gw_sipleg_free(a);
  gw_sipleg_free(b);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  gw_why why = {""};
  if (gw_srtp_global_init(&why) != GW_OK) g_error("%s", why.msg);
  ctx = g_main_context_new();
  g_test_add_func("/sipleg/srtp/aes-cm-128-hmac-sha1-80", test_srtp_aes_cm_80);
  g_test_add_func("/sipleg/srtp/aes-cm-128-hmac-sha1-32", test_srtp_aes_cm_32);
  g_test_add_func("/sipleg/srtp/aead-aes-128-gcm", test_srtp_aead_gcm);
  g_test_add_func("/sipleg/plain", test_plain);
  g_test_add_func("/sipleg/wrong-key-and-malformed", test_wrong_key_and_malformed);
  g_test_add_func("/sipleg/latching", test_latching);
  g_test_add_func("/sipleg/retarget", test_retarget);
  g_test_add_func("/sipleg/rekey", test_rekey);
  g_test_add_func("/sipleg/apply", test_apply);
  g_test_add_func("/sipleg/port-range", test_port_range);
  g_test_add_func("/sipleg/fd-baseline", test_fd_baseline);
  g_test_add_func("/sipleg/free-in-callback", test_free_in_callback);
  g_test_add_func("/sipleg/stat-names", test_stat_names);
  g_test_add_func("/sipleg/ipv6-any-takes-ipv4", test_ipv6_any_takes_ipv4);
  int rc = g_test_run();
  g_main_context_unref(ctx);
  gw_srtp_global_shutdown();
  return rc;
}
