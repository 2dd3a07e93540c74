/* Self-signed ECDSA P-256 certificates and their fingerprints. */
#include "media/dtls/cert.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct gw_cert {
  atomic_int refs;
  X509 *x509;
  EVP_PKEY *key;
  char fingerprint[GW_FINGERPRINT_MAX];
};

#define VALID_DAYS 30
#define BACKDATE_SECONDS 3600 /* tolerate a peer whose clock is a little behind */

static int add_ext(X509 *x, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext) return 0;
  int ok = X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  return ok;
}

static int set_random_serial(X509 *x) {
  BIGNUM *bn = BN_new();
  int ok = bn && BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
           BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  return ok;
}

static int build(X509 *x, EVP_PKEY *key, const char *cn, int localhost) {
  X509_NAME *name = X509_get_subject_name(x);
  return X509_set_version(x, X509_VERSION_3) && set_random_serial(x) &&
         X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE_SECONDS) &&
         X509_gmtime_adj(X509_getm_notAfter(x), (long)VALID_DAYS * 24 * 3600) &&
         X509_set_pubkey(x, key) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) &&
         X509_set_issuer_name(x, name) &&
         (!localhost ||
          (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(x, NID_key_usage, "critical,digitalSignature") &&
           add_ext(x, NID_ext_key_usage, "serverAuth") &&
           add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"))) &&
         X509_sign(x, key, EVP_sha256()) > 0;
}

static int make(gw_cert **out, const char *cn, int localhost, gw_why *why) {
  *out = NULL;
  if (!cn || !*cn || strlen(cn) > 64)
    return gw_fail(why, GW_EINVAL, "certificate common name must be 1 to 64 characters");
  gw_cert *c = calloc(1, sizeof *c);
  if (!c) return gw_fail(why, GW_ENOMEM, "out of memory for a certificate");
  atomic_init(&c->refs, 1);
  c->key = EVP_EC_gen("P-256");
  c->x509 = X509_new();
  if (!c->key || !c->x509 || !build(c->x509, c->key, cn, localhost)) {
    gw_cert_unref(c);
    return gw_fail(why, GW_EIO, "OpenSSL could not make a self-signed P-256 certificate");
  }
  int rc = gw_cert_fingerprint_x509(c->x509, "sha-256", c->fingerprint, sizeof c->fingerprint,
                                    why);
  if (rc != GW_OK) {
    gw_cert_unref(c);
    return rc;
  }
  *out = c;
  return GW_OK;
}

int gw_cert_new(gw_cert **out, const char *cn, gw_why *why) { return make(out, cn, 0, why); }

int gw_cert_new_localhost(gw_cert **out, const char *cn, gw_why *why) {
  return make(out, cn, 1, why);
}

gw_cert *gw_cert_ref(gw_cert *c) {
  atomic_fetch_add(&c->refs, 1);
  return c;
}

void gw_cert_unref(gw_cert *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
  X509_free(c->x509);
  EVP_PKEY_free(c->key);
  free(c);
}

const char *gw_cert_fingerprint(const gw_cert *c) { return c->fingerprint; }
X509 *gw_cert_x509(const gw_cert *c) { return c->x509; }
EVP_PKEY *gw_cert_key(const gw_cert *c) { return c->key; }

/* Copies a memory BIO's contents into a fresh NUL-terminated string. */
static char *bio_string(BIO *b) {
  char *data;
  long n = BIO_get_mem_data(b, &data);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!s) return NULL;
  memcpy(s, data, (size_t)n);
  s[n] = '\0';
  return s;
}

int gw_cert_to_pem(const gw_cert *c, char **cert_pem, char **key_pem, gw_why *why) {
  if (cert_pem) *cert_pem = NULL;
  if (key_pem) *key_pem = NULL;
  if (cert_pem) {
    BIO *b = BIO_new(BIO_s_mem());
    if (b && PEM_write_bio_X509(b, c->x509)) *cert_pem = bio_string(b);
    BIO_free(b);
    if (!*cert_pem) return gw_fail(why, GW_EIO, "could not write the certificate as PEM");
  }
  if (key_pem) {
    BIO *b = BIO_new(BIO_s_secmem()); /* wiped when freed */
    if (b && PEM_write_bio_PrivateKey(b, c->key, NULL, NULL, 0, NULL, NULL))
      *key_pem = bio_string(b);
    BIO_free(b);
    if (!*key_pem) {
      if (cert_pem) {
        free(*cert_pem);
        *cert_pem = NULL;
      }
      return gw_fail(why, GW_EIO, "could not write the private key as PEM");
    }
  }
  return GW_OK;
}

void gw_cert_pem_free_key(char *key_pem) {
  if (!key_pem) return;
  OPENSSL_cleanse(key_pem, strlen(key_pem));
  free(key_pem);
}

static const EVP_MD *md_by_sdp_name(const char *alg) {
  static const struct {
    const char *name;
    const EVP_MD *(*md)(void);
  } algs[] = {{"sha-1", EVP_sha1}, {"sha-256", EVP_sha256}, {"sha-384", EVP_sha384},
              {"sha-512", EVP_sha512}};
  for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
    if (strcasecmp(alg, algs[i].name) == 0) return algs[i].md();
  return NULL;
}

int gw_cert_fingerprint_x509(X509 *x, const char *alg, char *out, size_t cap, gw_why *why) {
  const EVP_MD *md = md_by_sdp_name(alg);
  if (!md) return gw_fail(why, GW_EUNSUPP, "fingerprint hash \"%.32s\" is not supported", alg);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(x, md, digest, &n))
    return gw_fail(why, GW_EIO, "could not hash the certificate with %s", alg);
  if (cap < (size_t)n * 3)
    return gw_fail(why, GW_ETOOBIG, "a %s fingerprint needs %u bytes of room", alg, n * 3);
  static const char hex[] = "0123456789ABCDEF";
  for (unsigned i = 0; i < n; i++) {
    out[3 * i] = hex[digest[i] >> 4];
    out[3 * i + 1] = hex[digest[i] & 15];
    out[3 * i + 2] = i + 1 < n ? ':' : '\0';
  }
  return GW_OK;
}

int gw_cert_fingerprint_check(const char *alg, const char *value, gw_why *why) {
  const EVP_MD *md = md_by_sdp_name(alg);
  if (!md) return gw_fail(why, GW_EUNSUPP, "fingerprint hash \"%.32s\" is not supported", alg);
  size_t n = (size_t)EVP_MD_get_size(md);
  int ok = strlen(value) == n * 3 - 1;
  for (size_t i = 0; ok && i < n * 3 - 1; i++)
    ok = i % 3 == 2 ? value[i] == ':' : isxdigit((unsigned char)value[i]) != 0;
  if (!ok)
    return gw_fail(why, GW_EINVAL, "a %s fingerprint must be %zu hex pairs joined by colons",
                   alg, n);
  return GW_OK;
}
