/* Tests for media/dtls: certificates, fingerprints, and two associations in one process
 * wired through queues (never through recursion). */
#include <glib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "media/dtls/cert.h"
#include "media/dtls/dtls.h"
#include "media/srtp/srtp.h"

/* ---- a wire: the datagrams one side sent, waiting for the other ---- */

typedef struct {
  GQueue q;
  size_t drop_at; /* drop the datagram with this number (1 = the first); 0 = none */
  size_t max_len, count, dropped;
} wire;

static void wire_send(void *user, const uint8_t *buf, size_t len) {
  wire *w = user;
  w->count++;
  if (len > w->max_len) w->max_len = len;
  if (w->count == w->drop_at) {
    w->dropped++;
    return;
  }
  g_queue_push_tail(&w->q, g_bytes_new(buf, len));
}

static void wire_clear(wire *w) {
  g_queue_clear_full(&w->q, (GDestroyNotify)g_bytes_unref);
}

typedef struct {
  gw_cert *cert_c, *cert_s;
  gw_dtls_ctx *ctx_c, *ctx_s;
  gw_dtls *client, *server;
  wire to_server, to_client;
} pair;

/* Delivers queued datagrams, alternating sides, until both queues are empty. */
static void pump(pair *p) {
  for (int guard = 0; guard < 100; guard++) {
    GBytes *b = g_queue_pop_head(&p->to_server.q);
    if (b) {
      gsize n;
      const uint8_t *d = g_bytes_get_data(b, &n);
      gw_dtls_feed(p->server, d, n, NULL);
      g_bytes_unref(b);
    }
    GBytes *c = g_queue_pop_head(&p->to_client.q);
    if (c) {
      gsize n;
      const uint8_t *d = g_bytes_get_data(c, &n);
      gw_dtls_feed(p->client, d, n, NULL);
      g_bytes_unref(c);
    }
    if (!b && !c) return;
  }
  g_assert_not_reached();
}

static gw_cert *new_cert(const char *cn) {
  gw_cert *c;
  gw_why why = {""};
  if (gw_cert_new(&c, cn, &why) != GW_OK) g_error("gw_cert_new: %s", why.msg);
  return c;
}

static gw_dtls_ctx *new_ctx(gw_cert *cert) {
  gw_dtls_ctx *c;
  gw_why why = {""};
  if (gw_dtls_ctx_new(&c, cert, &why) != GW_OK) g_error("gw_dtls_ctx_new: %s", why.msg);
  return c;
}

static gw_dtls *new_dtls(gw_dtls_ctx *ctx, gw_dtls_role role, const char *peer_fp, wire *out) {
  gw_dtls_config cfg = {.role = role, .peer_fingerprint_alg = "sha-256",
                        .peer_fingerprint = peer_fp, .send = wire_send, .user = out};
  gw_dtls *d;
  gw_why why = {""};
  if (gw_dtls_new(&d, ctx, &cfg, &why) != GW_OK) g_error("gw_dtls_new: %s", why.msg);
  return d;
}

/* A client and a server with their own certificates. NULL fingerprints mean "the right one". */
static void pair_init(pair *p, const char *client_expects, const char *server_expects) {
  memset(p, 0, sizeof *p);
  g_queue_init(&p->to_server.q);
  g_queue_init(&p->to_client.q);
  p->cert_c = new_cert("client");
  p->cert_s = new_cert("server");
  p->ctx_c = new_ctx(p->cert_c);
  p->ctx_s = new_ctx(p->cert_s);
  p->client = new_dtls(p->ctx_c, GW_DTLS_CLIENT,
                       client_expects ? client_expects : gw_dtls_ctx_fingerprint(p->ctx_s),
                       &p->to_server);
  p->server = new_dtls(p->ctx_s, GW_DTLS_SERVER,
                       server_expects ? server_expects : gw_dtls_ctx_fingerprint(p->ctx_c),
                       &p->to_client);
}

static void pair_free(pair *p) {
  gw_dtls_free(p->client);
  gw_dtls_free(p->server);
  /* contexts and certificates may go before or after the associations: all are counted */
  gw_dtls_ctx_unref(p->ctx_c);
  gw_dtls_ctx_unref(p->ctx_s);
  gw_cert_unref(p->cert_c);
  gw_cert_unref(p->cert_s);
  wire_clear(&p->to_server);
  wire_clear(&p->to_client);
}

static void assert_connected(pair *p) {
  g_assert_cmpstr(gw_dtls_state_name(gw_dtls_get_state(p->client)), ==, "connected");
  g_assert_cmpstr(gw_dtls_state_name(gw_dtls_get_state(p->server)), ==, "connected");
}

/* SRTP made from the DTLS keys carries packets both ways. */
static void assert_srtp_works(gw_srtp_suite suite, const gw_srtp_master *a_local,
                              const gw_srtp_master *a_remote, const gw_srtp_master *b_local,
                              const gw_srtp_master *b_remote) {
  gw_srtp *a, *b;
  g_assert_cmpint(gw_srtp_new(&a, suite, a_local, a_remote, NULL), ==, GW_OK);
  g_assert_cmpint(gw_srtp_new(&b, suite, b_local, b_remote, NULL), ==, GW_OK);
  for (int dir = 0; dir < 2; dir++) {
    uint8_t pkt[200] = {0x80, 0x6f, 0x12, 0x34, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe};
    memset(pkt + 12, 0x55, 100);
    size_t len = 112;
    g_assert_cmpint(gw_srtp_protect_rtp(dir ? b : a, pkt, &len, sizeof pkt, NULL), ==, GW_OK);
    g_assert_cmpint(gw_srtp_unprotect_rtp(dir ? a : b, pkt, &len, NULL), ==, GW_OK);
    g_assert_cmpuint(len, ==, 112);
    g_assert_cmpuint(pkt[50], ==, 0x55);
  }
  gw_srtp_free(a);
  gw_srtp_free(b);
}

/* ---- handshakes ---- */

static void test_handshake_keys_srtp_close(void) {
  pair p;
  pair_init(&p, NULL, NULL);
  g_assert_cmpint(gw_dtls_start(p.server, NULL), ==, GW_OK); /* a no-op for the server */
  g_assert_cmpint(gw_dtls_start(p.client, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtls_next_timeout_ms(p.client), >, 0);
  pump(&p);
  assert_connected(&p);
  g_assert_cmpint(gw_dtls_next_timeout_ms(p.client), ==, -1);
  g_assert_cmpint(gw_dtls_next_timeout_ms(p.server), ==, -1);
  g_assert_cmpuint(p.to_server.max_len, <=, GW_DTLS_MTU);
  g_assert_cmpuint(p.to_client.max_len, <=, GW_DTLS_MTU);

  gw_srtp_suite sc, ss;
  gw_srtp_master cl, cr, sl, sr;
  g_assert_cmpint(gw_dtls_srtp_keys(p.client, &sc, &cl, &cr, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtls_srtp_keys(p.server, &ss, &sl, &sr, NULL), ==, GW_OK);
  g_assert_cmpint(sc, ==, GW_SRTP_AEAD_AES_128_GCM); /* preferred when both offer it */
  g_assert_cmpint(ss, ==, sc);
  g_assert_cmpuint(cl.len, ==, 28);
  g_assert_cmpmem(cl.bytes, cl.len, sr.bytes, sr.len);
  g_assert_cmpmem(cr.bytes, cr.len, sl.bytes, sl.len);
  g_assert_true(memcmp(cl.bytes, cr.bytes, cl.len) != 0);
  assert_srtp_works(sc, &cl, &cr, &sl, &sr);

  /* close_notify reaches the server */
  gw_dtls_close(p.client);
  g_assert_cmpint(gw_dtls_get_state(p.client), ==, GW_DTLS_CLOSED);
  pump(&p);
  g_assert_cmpint(gw_dtls_get_state(p.server), ==, GW_DTLS_CLOSED);
  g_assert_cmpstr(gw_dtls_failure(p.server), ==, "peer sent close_notify");
  uint8_t junk[20] = {23, 0xfe, 0xfd};
  g_assert_cmpint(gw_dtls_feed(p.server, junk, sizeof junk, NULL), ==, GW_ESTATE);
  g_assert_cmpint(gw_dtls_srtp_keys(p.server, &ss, &sl, &sr, NULL), ==, GW_ESTATE);
  pair_free(&p);
}

static void expect_failed(gw_dtls *d, const char *says) {
  g_assert_cmpint(gw_dtls_get_state(d), ==, GW_DTLS_FAILED);
  if (!strstr(gw_dtls_failure(d), says))
    g_error("reason \"%s\" does not contain \"%s\"", gw_dtls_failure(d), says);
}

static const char wrong_fp[] =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
    "EE:FF";

static void test_wrong_fingerprint(void) {
  /* the client finds the server's certificate is not the one in the SDP */
  pair p;
  pair_init(&p, wrong_fp, NULL);
  gw_dtls_start(p.client, NULL);
  pump(&p);
  expect_failed(p.client, "peer certificate fingerprint does not match a=fingerprint");
  expect_failed(p.server, "DTLS handshake failed: ");
  g_test_message("server saw: %s", gw_dtls_failure(p.server));
  gw_srtp_suite s;
  gw_srtp_master l, r;
  gw_why why = {""};
  g_assert_cmpint(gw_dtls_srtp_keys(p.client, &s, &l, &r, &why), ==, GW_ESTATE);
  pair_free(&p);

  /* the server finds the client's certificate is wrong */
  pair_init(&p, NULL, wrong_fp);
  gw_dtls_start(p.client, NULL);
  pump(&p);
  expect_failed(p.server, "peer certificate fingerprint does not match a=fingerprint");
  g_assert_cmpint(gw_dtls_get_state(p.client), !=, GW_DTLS_CONNECTED);
  pair_free(&p);
}

/* Drops one datagram, then lets the timers retransmit. */
static void run_with_loss(wire *(*which)(pair *), size_t drop_at) {
  pair p;
  pair_init(&p, NULL, NULL);
  which(&p)->drop_at = drop_at;
  gw_dtls_start(p.client, NULL);
  for (int round = 0; round < 4 && gw_dtls_get_state(p.client) != GW_DTLS_CONNECTED; round++) {
    pump(&p);
    gw_dtls *waiting[] = {p.client, p.server};
    for (int i = 0; i < 2; i++) {
      int ms = gw_dtls_next_timeout_ms(waiting[i]);
      if (ms < 0) continue;
      g_assert_cmpint(ms, <=, 3000);
      g_usleep((gulong)ms * 1000 + 1000);
      g_assert_cmpint(gw_dtls_on_timeout(waiting[i], NULL), ==, GW_OK);
    }
  }
  pump(&p);
  assert_connected(&p);
  g_assert_cmpuint(which(&p)->dropped, ==, 1);
  gw_srtp_suite s;
  gw_srtp_master cl, cr, sl, sr;
  g_assert_cmpint(gw_dtls_srtp_keys(p.client, &s, &cl, &cr, NULL), ==, GW_OK);
  g_assert_cmpint(gw_dtls_srtp_keys(p.server, &s, &sl, &sr, NULL), ==, GW_OK);
  g_assert_cmpmem(cl.bytes, cl.len, sr.bytes, sr.len);
  pair_free(&p);
}

static wire *client_out(pair *p) { return &p->to_server; }
static wire *server_out(pair *p) { return &p->to_client; }
/* the ClientHello */
static void test_retransmit_client_hello(void) { run_with_loss(client_out, 1); }
/* Certificate .. Finished, the client's second flight */
static void test_retransmit_client_finished(void) { run_with_loss(client_out, 2); }
/* ServerHello .. ServerHelloDone: one datagram at this MTU */
static void test_retransmit_server_hello(void) { run_with_loss(server_out, 1); }
/* ChangeCipherSpec + Finished: the server is connected already and must answer the client's
 * retransmitted flight with its own */
static void test_retransmit_server_finished(void) { run_with_loss(server_out, 2); }

/* An independent OpenSSL client that offers only SRTP_AES128_CM_SHA1_80 (as some older
 * stacks do) against our server, checking the key split against its own export. */
static void test_foreign_client_cm80(void) {
  gw_cert *cc = new_cert("foreign"), *sc = new_cert("server");
  gw_dtls_ctx *ctx = new_ctx(sc);
  char fp[GW_FINGERPRINT_MAX];
  g_assert_cmpint(gw_cert_fingerprint_x509(gw_cert_x509(cc), "SHA-1", fp, sizeof fp, NULL), ==,
                  GW_OK); /* the SDP could name sha-1 */
  wire to_client = {G_QUEUE_INIT, 0, 0, 0, 0};
  gw_dtls_config cfg = {.role = GW_DTLS_SERVER, .peer_fingerprint_alg = "sha-1",
                        .peer_fingerprint = fp, .send = wire_send, .user = &to_client};
  gw_dtls *server;
  g_assert_cmpint(gw_dtls_new(&server, ctx, &cfg, NULL), ==, GW_OK);

  SSL_CTX *fctx = SSL_CTX_new(DTLS_client_method());
  g_assert_cmpint(SSL_CTX_set_tlsext_use_srtp(fctx, "SRTP_AES128_CM_SHA1_80"), ==, 0);
  g_assert_true(SSL_CTX_use_certificate(fctx, gw_cert_x509(cc)));
  g_assert_true(SSL_CTX_use_PrivateKey(fctx, gw_cert_key(cc)));
  SSL *f = SSL_new(fctx);
  BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in, -1);
  BIO_set_mem_eof_return(out, -1);
  SSL_set_bio(f, in, out);
  SSL_set_options(f, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(f, 1200);
  SSL_set_connect_state(f);
  int done = 0;
  for (int i = 0; i < 20 && !done; i++) {
    done = SSL_do_handshake(f) == 1;
    char *data;
    long n = BIO_get_mem_data(out, &data);
    if (n > 0) gw_dtls_feed(server, (const uint8_t *)data, (size_t)n, NULL);
    (void)BIO_reset(out);
    GBytes *b;
    while ((b = g_queue_pop_head(&to_client.q)) != NULL) {
      gsize bn;
      const void *bd = g_bytes_get_data(b, &bn);
      BIO_write(in, bd, (int)bn);
      g_bytes_unref(b);
    }
  }
  g_assert_true(done);
  g_assert_cmpint(gw_dtls_get_state(server), ==, GW_DTLS_CONNECTED);

  gw_srtp_suite suite;
  gw_srtp_master local, remote;
  g_assert_cmpint(gw_dtls_srtp_keys(server, &suite, &local, &remote, NULL), ==, GW_OK);
  g_assert_cmpint(suite, ==, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
  uint8_t km[60], want[30];
  g_assert_cmpint(SSL_export_keying_material(f, km, 60, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0),
                  ==, 1);
  memcpy(want, km, 16), memcpy(want + 16, km + 32, 14); /* client key, client salt */
  g_assert_cmpmem(remote.bytes, remote.len, want, 30);
  memcpy(want, km + 16, 16), memcpy(want + 16, km + 46, 14); /* server key, server salt */
  g_assert_cmpmem(local.bytes, local.len, want, 30);

  SSL_free(f);
  SSL_CTX_free(fctx);
  gw_dtls_free(server);
  gw_dtls_ctx_unref(ctx);
  gw_cert_unref(cc);
  gw_cert_unref(sc);
  wire_clear(&to_client);
}

/* ---- garbage ---- */

static void feed_garbage(gw_dtls *d, GRand *r, int dtls_looking) {
  uint8_t buf[1500];
  size_t n = (size_t)g_rand_int_range(r, 1, sizeof buf);
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)g_rand_int(r);
  if (dtls_looking && n >= 13) { /* a record header that parses, with a random body */
    buf[0] = (uint8_t)g_rand_int_range(r, 20, 24);
    buf[1] = 0xfe, buf[2] = 0xfd;
    buf[3] = buf[4] = 0; /* epoch 0 */
    buf[11] = (uint8_t)((n - 13) >> 8), buf[12] = (uint8_t)(n - 13);
  }
  gw_dtls_state before = gw_dtls_get_state(d);
  int rc = gw_dtls_feed(d, buf, n, NULL);
  gw_dtls_state after = gw_dtls_get_state(d);
  if (after == GW_DTLS_FAILED) {
    g_assert_cmpstr(gw_dtls_failure(d), !=, "");
    g_assert_true(rc == GW_EPROTO || rc == GW_ESTATE);
  } else {
    g_assert_cmpint(rc, ==, GW_OK);
    g_assert_cmpint(after, ==, before);
  }
}

static void test_garbage(void) {
  GRand *r = g_rand_new_with_seed(7714);
  int failed = 0;
  for (int i = 0; i < 300; i++) { /* a fresh server and client, before and during a handshake */
    pair p;
    pair_init(&p, NULL, NULL);
    if (i % 2) {
      gw_dtls_start(p.client, NULL);
      GBytes *hello = g_queue_pop_head(&p.to_server.q);
      gsize n;
      const uint8_t *d = g_bytes_get_data(hello, &n);
      gw_dtls_feed(p.server, d, n, NULL);
      g_bytes_unref(hello);
    }
    for (int k = 0; k < 5; k++) {
      feed_garbage(p.server, r, k % 2);
      feed_garbage(p.client, r, k % 2);
    }
    failed += gw_dtls_get_state(p.server) == GW_DTLS_FAILED;
    pair_free(&p);
  }
  g_test_message("garbage made %d of 300 fresh servers fail", failed);

  /* a connected pair shrugs off records it cannot authenticate */
  pair p;
  pair_init(&p, NULL, NULL);
  gw_dtls_start(p.client, NULL);
  pump(&p);
  assert_connected(&p);
  for (int k = 0; k < 500; k++) {
    feed_garbage(p.server, r, k % 2);
    feed_garbage(p.client, r, k % 2);
  }
  g_test_message("after garbage: client %s, server %s",
                 gw_dtls_state_name(gw_dtls_get_state(p.client)),
                 gw_dtls_state_name(gw_dtls_get_state(p.server)));
  pair_free(&p);
  g_rand_free(r);
}

/* ---- certificates and fingerprints ---- */

static void test_fingerprint_format(void) {
  gw_cert *c = new_cert("gateway");
  const char *fp = gw_cert_fingerprint(c);
  g_assert_cmpuint(strlen(fp), ==, GW_FINGERPRINT_SHA256_LEN);
  g_assert_cmpuint(strlen(fp), ==, 95);
  for (size_t i = 0; i < 95; i++)
    g_assert_true(i % 3 == 2 ? fp[i] == ':' : g_ascii_isxdigit(fp[i]) && !g_ascii_islower(fp[i]));
  g_assert_cmpint(gw_cert_fingerprint_check("sha-256", fp, NULL), ==, GW_OK);

  /* the same bytes as X509_digest */
  unsigned char md[32];
  unsigned n;
  g_assert_true(X509_digest(gw_cert_x509(c), EVP_sha256(), md, &n));
  char want[97];
  for (unsigned i = 0; i < 32; i++) g_snprintf(want + 3 * i, 4, "%02X:", md[i]);
  want[95] = '\0';
  g_assert_cmpstr(fp, ==, want);

  static const struct {
    const char *alg;
    size_t len;
  } algs[] = {{"sha-1", 59}, {"sha-256", 95}, {"SHA-384", 143}, {"sha-512", 191}};
  for (size_t i = 0; i < G_N_ELEMENTS(algs); i++) {
    char out[GW_FINGERPRINT_MAX];
    g_assert_cmpint(gw_cert_fingerprint_x509(gw_cert_x509(c), algs[i].alg, out, sizeof out, NULL),
                    ==, GW_OK);
    g_assert_cmpuint(strlen(out), ==, algs[i].len);
    g_assert_cmpint(gw_cert_fingerprint_check(algs[i].alg, out, NULL), ==, GW_OK);
  }
  char out[GW_FINGERPRINT_MAX], small[40];
  gw_why why = {""};
  g_assert_cmpint(gw_cert_fingerprint_x509(gw_cert_x509(c), "md5", out, sizeof out, &why), ==,
                  GW_EUNSUPP);
  g_assert_cmpint(gw_cert_fingerprint_x509(gw_cert_x509(c), "sha-256", small, sizeof small, NULL),
                  ==, GW_ETOOBIG);

  /* malformed expectations are refused before any handshake */
  g_assert_cmpint(gw_cert_fingerprint_check("sha-256", "AB:CD", &why), ==, GW_EINVAL);
  g_assert_cmpint(gw_cert_fingerprint_check("sha-1", fp, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_cert_fingerprint_check("md5", fp, NULL), ==, GW_EUNSUPP);
  char bad[96];
  memcpy(bad, fp, 96);
  bad[10] = 'G';
  g_assert_cmpint(gw_cert_fingerprint_check("sha-256", bad, NULL), ==, GW_EINVAL);
  gw_dtls_ctx *ctx = new_ctx(c);
  wire w = {G_QUEUE_INIT, 0, 0, 0, 0};
  gw_dtls_config cfg = {.role = GW_DTLS_CLIENT, .peer_fingerprint_alg = "sha-256",
                        .peer_fingerprint = bad, .send = wire_send, .user = &w};
  gw_dtls *d = NULL;
  g_assert_cmpint(gw_dtls_new(&d, ctx, &cfg, &why), ==, GW_EINVAL);
  g_assert_null(d);
  /* lower case is as good as upper case */
  char lower[96];
  for (size_t i = 0; i < 96; i++) lower[i] = g_ascii_tolower(fp[i]);
  cfg.peer_fingerprint = lower;
  g_assert_cmpint(gw_dtls_new(&d, ctx, &cfg, NULL), ==, GW_OK);
  gw_dtls_free(d);
  gw_dtls_ctx_unref(ctx);
  gw_cert_unref(c);
}

static void test_cert_properties(void) {
  gw_cert *a = new_cert("gw-dtls"), *b = new_cert("gw-dtls");
  X509 *x = gw_cert_x509(a);
  g_assert_cmpint(EVP_PKEY_get_base_id(gw_cert_key(a)), ==, EVP_PKEY_EC);
  char group[32];
  size_t gl;
  g_assert_true(EVP_PKEY_get_group_name(gw_cert_key(a), group, sizeof group, &gl));
  g_assert_cmpstr(group, ==, "prime256v1");
  g_assert_cmpint(X509_verify(x, gw_cert_key(a)), ==, 1); /* self-signed */
  g_assert_cmpint(X509_check_issued(x, x), ==, X509_V_OK);
  char cn[64];
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
  g_assert_cmpstr(cn, ==, "gw-dtls");
  int days, secs;
  g_assert_true(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)));
  g_assert_cmpint(days, ==, 30); /* 30 days from an hour ago */
  g_assert_cmpint(X509_cmp_current_time(X509_get0_notBefore(x)), <, 0);
  g_assert_cmpint(ASN1_INTEGER_cmp(X509_get0_serialNumber(x), X509_get0_serialNumber(gw_cert_x509(b))),
                  !=, 0);
  g_assert_cmpstr(gw_cert_fingerprint(a), !=, gw_cert_fingerprint(b));

  /* reference counting */
  g_assert_true(gw_cert_ref(a) == a);
  gw_cert_unref(a);
  g_assert_cmpuint(strlen(gw_cert_fingerprint(a)), ==, 95);
  gw_cert_unref(NULL);

  /* PEM round trip */
  char *cert_pem, *key_pem;
  g_assert_cmpint(gw_cert_to_pem(a, &cert_pem, &key_pem, NULL), ==, GW_OK);
  g_assert_true(g_str_has_prefix(cert_pem, "-----BEGIN CERTIFICATE-----"));
  g_assert_true(g_str_has_prefix(key_pem, "-----BEGIN PRIVATE KEY-----"));
  BIO *bio = BIO_new_mem_buf(cert_pem, -1);
  X509 *back = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  BIO_free(bio);
  bio = BIO_new_mem_buf(key_pem, -1);
  EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  g_assert_nonnull(back);
  g_assert_nonnull(key);
  char fp[GW_FINGERPRINT_MAX];
  gw_cert_fingerprint_x509(back, "sha-256", fp, sizeof fp, NULL);
  g_assert_cmpstr(fp, ==, gw_cert_fingerprint(a));
  g_assert_cmpint(X509_check_private_key(back, key), ==, 1);
  X509_free(back);
  EVP_PKEY_free(key);
  free(cert_pem);
  gw_cert_pem_free_key(key_pem);
  g_assert_cmpint(gw_cert_to_pem(a, &cert_pem, NULL, NULL), ==, GW_OK);
  free(cert_pem);

  gw_why why = {""};
  gw_cert *none = NULL;
  g_assert_cmpint(gw_cert_new(&none, "", &why), ==, GW_EINVAL);
  g_assert_null(none);
  gw_cert_unref(a);
  gw_cert_unref(b);
}

static void test_cert_localhost(void) {
  gw_cert *c;
  g_assert_cmpint(gw_cert_new_localhost(&c, "localhost", NULL), ==, GW_OK);
  X509 *x = gw_cert_x509(c);
  g_assert_cmpint(X509_check_host(x, "localhost", 0, 0, NULL), ==, 1);
  g_assert_cmpint(X509_check_ip_asc(x, "127.0.0.1", 0), ==, 1);
  g_assert_cmpint(X509_check_ip_asc(x, "::1", 0), ==, 1);
  g_assert_cmpint(X509_check_host(x, "example.com", 0, 0, NULL), ==, 0);
  g_assert_cmpint(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), ==, 1);
  gw_cert_unref(c);

  gw_cert *d = new_cert("plain"); /* the DTLS certificate carries no SAN */
  g_assert_cmpint(X509_check_host(gw_cert_x509(d), "localhost", 0, 0, NULL), ==, 0);
  gw_cert_unref(d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  gw_why why = {""};
  if (gw_srtp_global_init(&why) != GW_OK) g_error("%s", why.msg);
  g_test_add_func("/cert/fingerprint-format", test_fingerprint_format);
  g_test_add_func("/cert/properties-pem-refs", test_cert_properties);
  g_test_add_func("/cert/localhost", test_cert_localhost);
  g_test_add_func("/dtls/handshake-keys-srtp-close", test_handshake_keys_srtp_close);
  g_test_add_func("/dtls/wrong-fingerprint", test_wrong_fingerprint);
  g_test_add_func("/dtls/retransmit/client-hello", test_retransmit_client_hello);
  g_test_add_func("/dtls/retransmit/client-finished", test_retransmit_client_finished);
  g_test_add_func("/dtls/retransmit/server-hello", test_retransmit_server_hello);
  g_test_add_func("/dtls/retransmit/server-finished", test_retransmit_server_finished);
  g_test_add_func("/dtls/foreign-client-cm80", test_foreign_client_cm80);
  g_test_add_func("/dtls/garbage", test_garbage);
  int rc = g_test_run();
  gw_srtp_global_shutdown();
  return rc;
}
