/* DTLS-SRTP (RFC 5763/5764) for one browser leg, over memory, with no sockets.
 *
 * The caller moves the datagrams: every DTLS record that arrives (first byte 20..63,
 * RFC 7983) goes to gw_dtls_feed(), and every record to send comes out of the send callback,
 * one datagram per call, at most GW_DTLS_MTU bytes. The caller also keeps one timer: after each
 * call, re-arm it to gw_dtls_next_timeout_ms() and call gw_dtls_on_timeout() when it fires.
 * After any call, gw_dtls_get_state() tells whether the handshake has finished or failed.
 *
 * A gw_dtls_ctx (one SSL_CTX with the gateway certificate) is made once and shared, read-only,
 * by every call on every thread. A gw_dtls is used from one thread only. */
#ifndef GW_MEDIA_DTLS_H
#define GW_MEDIA_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/dtls/cert.h"
#include "media/srtp/srtp.h"

/* Largest datagram the send callback is given (room for IPv6, UDP and TURN framing). */
#define GW_DTLS_MTU 1200

typedef struct gw_dtls_ctx gw_dtls_ctx;
typedef struct gw_dtls gw_dtls;

typedef enum {
  GW_DTLS_CLIENT, /* we send the ClientHello: our a=setup is "active" */
  GW_DTLS_SERVER, /* we wait for it: our a=setup is "passive" */
} gw_dtls_role;

typedef enum {
  GW_DTLS_CONNECTING,
  GW_DTLS_CONNECTED, /* SRTP keys are available */
  GW_DTLS_FAILED,    /* gw_dtls_failure() says why */
  GW_DTLS_CLOSED,    /* close_notify sent or received */
} gw_dtls_state;

/* Must not call back into the same gw_dtls (queue the datagram or send it on a socket). */
typedef void (*gw_dtls_send_fn)(void *user, const uint8_t *buf, size_t len);

typedef struct {
  gw_dtls_role role;
  const char *peer_fingerprint_alg; /* hash of the remote a=fingerprint, e.g. "sha-256" */
  const char *peer_fingerprint;     /* its value, "AB:CD:..." (any case) */
  gw_dtls_send_fn send;
  void *user; /* passed to send */
} gw_dtls_config;

/* The shared context: DTLS 1.2 only, ECDHE with X25519/P-256, AEAD ciphers, use_srtp with
 * SRTP_AEAD_AES_128_GCM preferred over SRTP_AES128_CM_SHA1_80. Takes its own cert reference. */
int gw_dtls_ctx_new(gw_dtls_ctx **out, gw_cert *cert, gw_why *why);
gw_dtls_ctx *gw_dtls_ctx_ref(gw_dtls_ctx *ctx);
void gw_dtls_ctx_unref(gw_dtls_ctx *ctx); /* each gw_dtls holds its own reference */
/* Our sha-256 fingerprint for the local a=fingerprint line. */
const char *gw_dtls_ctx_fingerprint(const gw_dtls_ctx *ctx);

int gw_dtls_new(gw_dtls **out, gw_dtls_ctx *ctx, const gw_dtls_config *cfg, gw_why *why);
void gw_dtls_free(gw_dtls *d); /* sends nothing; call gw_dtls_close() first for a clean end */

/* Client: sends the ClientHello. Server: nothing to do (may be skipped). */
int gw_dtls_start(gw_dtls *d, gw_why *why);
/* One received datagram. Records that do not parse are dropped, as DTLS requires. Returns
 * GW_EPROTO (state FAILED) if this datagram made the handshake fail, GW_ESTATE once the
 * association is failed or closed, GW_OK otherwise. Application data is discarded. */
int gw_dtls_feed(gw_dtls *d, const uint8_t *buf, size_t len, gw_why *why);

/* Milliseconds until gw_dtls_on_timeout() should run, or -1 when no timer is needed. */
int gw_dtls_next_timeout_ms(gw_dtls *d);
/* Retransmits the last flight if its timer has expired (a no-op otherwise). After too many
 * retransmissions (about 30 s) the state becomes FAILED and GW_EPROTO is returned. */
int gw_dtls_on_timeout(gw_dtls *d, gw_why *why);

gw_dtls_state gw_dtls_get_state(const gw_dtls *d);
const char *gw_dtls_state_name(gw_dtls_state state);
/* Why the association failed or closed; "" while connecting or connected. */
const char *gw_dtls_failure(const gw_dtls *d);

/* Once CONNECTED: the negotiated suite and the RFC 5764 4.2 keys. local protects what we send
 * (client_write_key + client_salt when we are the client), remote unprotects what we receive:
 * hand them to gw_srtp_new() as they are. */
int gw_dtls_srtp_keys(const gw_dtls *d, gw_srtp_suite *suite, gw_srtp_master *local,
                      gw_srtp_master *remote, gw_why *why);

/* Sends close_notify if connected; the state becomes CLOSED. */
void gw_dtls_close(gw_dtls *d);

#endif
