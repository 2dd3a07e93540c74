/* One DTLS 1.2 association over a memory BIO (in) and a datagram sink BIO (out). */
#include "media/dtls/dtls.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "gateway/log.h"

#define CIPHERS                                                                       \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-" \
  "SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384"
#define GROUPS "X25519:P-256"
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

/* Retransmission timer: 500 ms, doubling, at most 3 s. OpenSSL gives up after 12 expiries,
 * about 30 s in all. */
#define TIMER_FIRST_US 500000u
#define TIMER_MAX_US 3000000u

struct gw_dtls_ctx {
  atomic_int refs;
  SSL_CTX *ssl_ctx;
  BIO_METHOD *sink; /* the datagram sink BIO's methods */
  gw_cert *cert;
};

struct gw_dtls {
  gw_dtls_ctx *ctx;
  SSL *ssl;
  gw_dtls_role role;
  gw_dtls_state state;
  gw_dtls_send_fn send;
  void *user;
  char peer_alg[16];
  char peer_fp[GW_FINGERPRINT_MAX];
  int peer_verified;
  char reason[200];
  gw_srtp_suite suite;
  gw_srtp_master local, remote;
};

/* ---- the datagram sink: each BIO_write is one datagram, handed to the send callback ---- */

static int sink_write(BIO *b, const char *buf, int len) {
  gw_dtls *d = BIO_get_data(b);
  if (len > 0) d->send(d->user, (const uint8_t *)buf, (size_t)len);
  return len;
}

static long sink_ctrl(BIO *b, int cmd, long num, void *ptr) {
  switch (cmd) {
  case BIO_CTRL_FLUSH: return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU: return GW_DTLS_MTU;
  default: return 0; /* nothing pending, no MTU overhead, no peer address */
  }
}

/* ---- the shared context ---- */

static int verify_peer(X509_STORE_CTX *store, void *arg);

int gw_dtls_ctx_new(gw_dtls_ctx **out, gw_cert *cert, gw_why *why) {
  *out = NULL;
  gw_dtls_ctx *c = calloc(1, sizeof *c);
  if (!c) return gw_fail(why, GW_ENOMEM, "out of memory for the DTLS context");
  atomic_init(&c->refs, 1);
  c->cert = gw_cert_ref(cert);
  const char *step = "create the DTLS context";
  SSL_CTX *s = c->ssl_ctx = SSL_CTX_new(DTLS_method());
  if (!s) goto fail;
  step = "restrict DTLS to version 1.2";
  if (!SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(s, DTLS1_2_VERSION))
    goto fail;
  SSL_CTX_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
  step = "set the cipher list";
  if (!SSL_CTX_set_cipher_list(s, CIPHERS)) goto fail;
  step = "set the key exchange groups";
  if (!SSL_CTX_set1_groups_list(s, GROUPS)) goto fail;
  step = "enable DTLS-SRTP";
  if (SSL_CTX_set_tlsext_use_srtp(s, SRTP_PROFILES) != 0) goto fail; /* 0 means success */
  step = "load the certificate";
  if (!SSL_CTX_use_certificate(s, gw_cert_x509(cert)) ||
      !SSL_CTX_use_PrivateKey(s, gw_cert_key(cert)) || !SSL_CTX_check_private_key(s))
    goto fail;
  /* Ask for the client's certificate and judge it only by its a=fingerprint. */
  SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback(s, verify_peer, NULL);
  step = "create the datagram BIO method";
  c->sink = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gw-dtls-datagram-sink");
  if (!c->sink || !BIO_meth_set_write(c->sink, sink_write) ||
      !BIO_meth_set_ctrl(c->sink, sink_ctrl))
    goto fail;
  *out = c;
  return GW_OK;
fail:;
  unsigned long e = ERR_peek_error();
  gw_fail(why, GW_EIO, "OpenSSL could not %s: %s", step,
          e ? ERR_reason_error_string(e) : "unknown error");
  ERR_clear_error();
  gw_dtls_ctx_unref(c);
  return GW_EIO;
}

gw_dtls_ctx *gw_dtls_ctx_ref(gw_dtls_ctx *c) {
  atomic_fetch_add(&c->refs, 1);
  return c;
}

void gw_dtls_ctx_unref(gw_dtls_ctx *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
  SSL_CTX_free(c->ssl_ctx);
  BIO_meth_free(c->sink);
  gw_cert_unref(c->cert);
  free(c);
}

const char *gw_dtls_ctx_fingerprint(const gw_dtls_ctx *c) { return gw_cert_fingerprint(c->cert); }

/* ---- state and failure ---- */

static void set_failed(gw_dtls *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_failed(gw_dtls *d, const char *fmt, ...) {
  if (d->state == GW_DTLS_FAILED) return; /* keep the first reason */
  d->state = GW_DTLS_FAILED;
  if (!d->reason[0]) { /* the verify callback may have said it already */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof d->reason, fmt, ap);
    va_end(ap);
  }
  GW_INFO("dtls %p: failed: %s", (void *)d, d->reason);
}

/* Fails the association with OpenSSL's first queued error, and empties the queue (it is per
 * thread, shared with every other association on this worker). */
static void set_failed_openssl(gw_dtls *d, const char *what) {
  unsigned long e = ERR_peek_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  set_failed(d, "%s: %s", what, r ? r : "unexpected message or closed connection");
  ERR_clear_error();
}

gw_dtls_state gw_dtls_get_state(const gw_dtls *d) { return d->state; }
const char *gw_dtls_failure(const gw_dtls *d) { return d->reason; }

const char *gw_dtls_state_name(gw_dtls_state s) {
  switch (s) {
  case GW_DTLS_CONNECTING: return "connecting";
  case GW_DTLS_CONNECTED: return "connected";
  case GW_DTLS_FAILED: return "failed";
  case GW_DTLS_CLOSED: return "closed";
  }
  return "?";
}

/* ---- peer verification: only the a=fingerprint matters, self-signed is expected ---- */

static int verify_peer(X509_STORE_CTX *store, void *arg) {
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  gw_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
  X509 *peer = X509_STORE_CTX_get0_cert(store);
  char fp[GW_FINGERPRINT_MAX];
  if (!d) return 0;
  if (peer && gw_cert_fingerprint_x509(peer, d->peer_alg, fp, sizeof fp, NULL) == GW_OK &&
      strcasecmp(fp, d->peer_fp) == 0) {
    d->peer_verified = 1;
    return 1;
  }
  snprintf(d->reason, sizeof d->reason,
           "peer certificate fingerprint does not match a=fingerprint (its %s is %.23s...)",
           d->peer_alg, peer ? fp : "missing");
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

/* ---- one association ---- */

static unsigned int timer_cb(SSL *ssl, unsigned int previous_us) {
  if (previous_us == 0) return TIMER_FIRST_US;
  return previous_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : previous_us * 2;
}

int gw_dtls_new(gw_dtls **out, gw_dtls_ctx *ctx, const gw_dtls_config *cfg, gw_why *why) {
  *out = NULL;
  if (!cfg->send) return gw_fail(why, GW_EINVAL, "DTLS needs a send callback");
  if (cfg->role != GW_DTLS_CLIENT && cfg->role != GW_DTLS_SERVER)
    return gw_fail(why, GW_EINVAL, "DTLS role must be client or server");
  if (!cfg->peer_fingerprint_alg || !cfg->peer_fingerprint)
    return gw_fail(why, GW_EINVAL, "DTLS needs the peer's a=fingerprint");
  int rc = gw_cert_fingerprint_check(cfg->peer_fingerprint_alg, cfg->peer_fingerprint, why);
  if (rc != GW_OK) return rc;

  gw_dtls *d = calloc(1, sizeof *d);
  if (!d) return gw_fail(why, GW_ENOMEM, "out of memory for a DTLS association");
  d->ctx = gw_dtls_ctx_ref(ctx);
  d->role = cfg->role;
  d->state = GW_DTLS_CONNECTING;
  d->send = cfg->send;
  d->user = cfg->user;
  snprintf(d->peer_alg, sizeof d->peer_alg, "%s", cfg->peer_fingerprint_alg);
  snprintf(d->peer_fp, sizeof d->peer_fp, "%s", cfg->peer_fingerprint);

  BIO *in = BIO_new(BIO_s_mem()), *sink = BIO_new(ctx->sink);
  d->ssl = SSL_new(ctx->ssl_ctx);
  if (!in || !sink || !d->ssl) {
    BIO_free(in);
    BIO_free(sink);
    ERR_clear_error();
    gw_dtls_free(d);
    return gw_fail(why, GW_ENOMEM, "OpenSSL could not create a DTLS association");
  }
  BIO_set_mem_eof_return(in, -1); /* empty means "wait", not end of stream */
  BIO_set_data(sink, d);
  BIO_set_init(sink, 1);
  SSL_set_bio(d->ssl, in, sink); /* the SSL owns both now */
  SSL_set_app_data(d->ssl, d);
  SSL_set_mtu(d->ssl, GW_DTLS_MTU);
  DTLS_set_timer_cb(d->ssl, timer_cb);
  if (d->role == GW_DTLS_CLIENT)
    SSL_set_connect_state(d->ssl);
  else
    SSL_set_accept_state(d->ssl);
  *out = d;
  return GW_OK;
}

void gw_dtls_free(gw_dtls *d) {
  if (!d) return;
  SSL_free(d->ssl);
  gw_dtls_ctx_unref(d->ctx);
  OPENSSL_cleanse(d, sizeof *d);
  free(d);
}

/* RFC 5764 4.2: client_write_key | server_write_key | client_salt | server_salt. */
static int export_keys(gw_dtls *d) {
  const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
  if (!p) {
    set_failed(d, "peer did not negotiate DTLS-SRTP (no use_srtp profile in common)");
    return GW_EPROTO;
  }
  gw_why why;
  if (gw_srtp_suite_from_dtls_profile(p->id, &d->suite, &why) != GW_OK) {
    set_failed(d, "%s", why.msg);
    return GW_EPROTO;
  }
  size_t kl = gw_srtp_key_len(d->suite), sl = gw_srtp_salt_len(d->suite);
  uint8_t km[2 * GW_SRTP_MASTER_MAX];
  if (SSL_export_keying_material(d->ssl, km, 2 * (kl + sl), EXPORTER_LABEL,
                                 strlen(EXPORTER_LABEL), NULL, 0, 0) != 1) {
    set_failed_openssl(d, "could not export the DTLS-SRTP keys");
    return GW_EIO;
  }
  const uint8_t *client_key = km, *server_key = km + kl;
  const uint8_t *client_salt = km + 2 * kl, *server_salt = km + 2 * kl + sl;
  gw_srtp_master *cm = d->role == GW_DTLS_CLIENT ? &d->local : &d->remote;
  gw_srtp_master *sm = d->role == GW_DTLS_CLIENT ? &d->remote : &d->local;
  memcpy(cm->bytes, client_key, kl);
  memcpy(cm->bytes + kl, client_salt, sl);
  memcpy(sm->bytes, server_key, kl);
  memcpy(sm->bytes + kl, server_salt, sl);
  cm->len = sm->len = kl + sl;
  OPENSSL_cleanse(km, sizeof km);
  return GW_OK;
}

static int handshake(gw_dtls *d, gw_why *why) {
  ERR_clear_error();
  int r = SSL_do_handshake(d->ssl);
  if (r == 1) {
    if (!d->peer_verified) { /* cannot happen with SSL_VERIFY_FAIL_IF_NO_PEER_CERT; be sure */
      set_failed(d, "peer presented no certificate");
    } else if (export_keys(d) == GW_OK) {
      d->state = GW_DTLS_CONNECTED;
      GW_DEBUG("dtls %p: connected as %s, %s, SRTP %s", (void *)d,
               d->role == GW_DTLS_CLIENT ? "client" : "server", SSL_get_cipher_name(d->ssl),
               gw_srtp_suite_name(d->suite));
      return GW_OK;
    }
    return gw_fail(why, GW_EPROTO, "%s", d->reason);
  }
  int e = SSL_get_error(d->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return GW_OK;
  set_failed_openssl(d, "DTLS handshake failed");
  return gw_fail(why, GW_EPROTO, "%s", d->reason);
}

int gw_dtls_start(gw_dtls *d, gw_why *why) {
  if (d->state != GW_DTLS_CONNECTING)
    return gw_fail(why, GW_ESTATE, "DTLS association is %s", gw_dtls_state_name(d->state));
  if (d->role == GW_DTLS_SERVER) return GW_OK;
  return handshake(d, why);
}

/* After the handshake: reads what arrived (close_notify, alerts, a repeated Finished). */
static int drain(gw_dtls *d, gw_why *why) {
  uint8_t scratch[2048];
  ERR_clear_error();
  for (;;) {
    int r = SSL_read(d->ssl, scratch, sizeof scratch);
    if (r > 0) {
      GW_DEBUG("dtls %p: dropped %d bytes of application data", (void *)d, r);
      continue;
    }
    int e = SSL_get_error(d->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return GW_OK;
    if (e == SSL_ERROR_ZERO_RETURN) {
      d->state = GW_DTLS_CLOSED;
      snprintf(d->reason, sizeof d->reason, "peer sent close_notify");
      ERR_clear_error();
      return GW_OK;
    }
    set_failed_openssl(d, "DTLS association failed");
    return gw_fail(why, GW_EPROTO, "%s", d->reason);
  }
}

int gw_dtls_feed(gw_dtls *d, const uint8_t *buf, size_t len, gw_why *why) {
  if (d->state == GW_DTLS_FAILED || d->state == GW_DTLS_CLOSED)
    return gw_fail(why, GW_ESTATE, "DTLS association is %s", gw_dtls_state_name(d->state));
  if (len == 0 || len > 65535) return GW_OK; /* not a datagram we could have been sent */
  if (BIO_write(SSL_get_rbio(d->ssl), buf, (int)len) != (int)len)
    return gw_fail(why, GW_ENOMEM, "could not queue a DTLS datagram");
  int rc = d->state == GW_DTLS_CONNECTING ? handshake(d, why) : drain(d, why);
  (void)BIO_reset(SSL_get_rbio(d->ssl)); /* never carry a partial datagram into the next one */
  return rc;
}

int gw_dtls_next_timeout_ms(gw_dtls *d) {
  struct timeval tv;
  if (d->state != GW_DTLS_CONNECTING || DTLSv1_get_timeout(d->ssl, &tv) != 1) return -1;
  long long ms = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
  return ms > 60000 ? 60000 : (int)ms;
}

int gw_dtls_on_timeout(gw_dtls *d, gw_why *why) {
  if (d->state != GW_DTLS_CONNECTING) return GW_OK;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(d->ssl) < 0) {
    set_failed(d, "DTLS handshake timed out: no answer from the peer");
    ERR_clear_error();
    return gw_fail(why, GW_EPROTO, "%s", d->reason);
  }
  return GW_OK;
}

int gw_dtls_srtp_keys(const gw_dtls *d, gw_srtp_suite *suite, gw_srtp_master *local,
                      gw_srtp_master *remote, gw_why *why) {
  if (d->state != GW_DTLS_CONNECTED)
    return gw_fail(why, GW_ESTATE, "no SRTP keys: DTLS association is %s",
                   gw_dtls_state_name(d->state));
  *suite = d->suite;
  *local = d->local;
  *remote = d->remote;
  return GW_OK;
}

void gw_dtls_close(gw_dtls *d) {
  if (d->state == GW_DTLS_CONNECTED) {
    ERR_clear_error();
    SSL_shutdown(d->ssl); /* writes close_notify through the send callback */
    ERR_clear_error();
  }
  if (d->state != GW_DTLS_FAILED && d->state != GW_DTLS_CLOSED) {
    d->state = GW_DTLS_CLOSED;
    snprintf(d->reason, sizeof d->reason, "closed locally");
  }
}
