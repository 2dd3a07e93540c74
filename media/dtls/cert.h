/* The gateway's own certificate: ECDSA P-256, self-signed, made at start-up.
 *
 * One gw_cert is shared by many calls (DTLS) and by the WSS listener, so it is reference
 * counted: gw_cert_ref() / gw_cert_unref() may be called from any thread. A gw_cert never
 * changes after it has been made. */
#ifndef GW_MEDIA_CERT_H
#define GW_MEDIA_CERT_H

#include <stddef.h>

#include <openssl/types.h>

#include "gateway/err.h"

/* "AB:CD:..." for the longest supported hash (sha-512: 64 bytes), with its NUL. */
#define GW_FINGERPRINT_MAX (64 * 3)
/* Length of a sha-256 fingerprint string: 32 bytes as "AB:" minus the last colon. */
#define GW_FINGERPRINT_SHA256_LEN 95

typedef struct gw_cert gw_cert;

/* A certificate for DTLS: CN = cn, random serial, valid from an hour ago for 30 days. */
int gw_cert_new(gw_cert **out, const char *cn, gw_why *why);
/* The same, plus subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1 and serverAuth: a
 * default certificate for the WSS listener. */
int gw_cert_new_localhost(gw_cert **out, const char *cn, gw_why *why);

gw_cert *gw_cert_ref(gw_cert *c);
void gw_cert_unref(gw_cert *c); /* NULL is fine */

/* The sha-256 fingerprint for a=fingerprint, "AB:CD:...", upper case, 95 characters. */
const char *gw_cert_fingerprint(const gw_cert *c);

/* Borrowed pointers, valid while the caller holds a reference (for SSL_CTX set-up). */
X509 *gw_cert_x509(const gw_cert *c);
EVP_PKEY *gw_cert_key(const gw_cert *c);

/* PEM of the certificate and of its private key (PKCS#8, unencrypted). Either out pointer
 * may be NULL. The strings are malloc'ed: free the certificate with free() and the key with
 * gw_cert_pem_free_key(), which wipes it first. */
int gw_cert_to_pem(const gw_cert *c, char **cert_pem, char **key_pem, gw_why *why);
void gw_cert_pem_free_key(char *key_pem);

/* Fingerprint of any certificate with a hash named as in SDP (RFC 8122: "sha-1", "sha-256",
 * "sha-384", "sha-512", any case), formatted as above into out (cap >= GW_FINGERPRINT_MAX
 * is always enough). GW_EUNSUPP for another hash name. */
int gw_cert_fingerprint_x509(X509 *x, const char *alg, char *out, size_t cap, gw_why *why);
/* Checks that value is a well-formed fingerprint for alg (for "sha-256": 32 hex pairs joined
 * by colons, any case). GW_EUNSUPP for an unknown hash, GW_EINVAL for a malformed value. */
int gw_cert_fingerprint_check(const char *alg, const char *value, gw_why *why);

#endif
