/* SRTP contexts for one leg over libsrtp2: suite tables, policy set-up, packet calls. */
#include "media/srtp/srtp.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "gateway/log.h"

struct gw_srtp {
  gw_srtp_suite suite;
  srtp_t tx; /* ssrc_any_outbound, local master key */
  srtp_t rx; /* ssrc_any_inbound, remote master key */
};

typedef struct {
  gw_srtp_suite suite;
  const char *name;       /* RFC 4568 */
  unsigned long dtls_id;  /* RFC 5764 / RFC 7714 protection profile */
  size_t key_len, salt_len, rtp_tag_len, rtcp_tag_len;
} suite_info;

/* SRTCP always carries an 80-bit tag with AES-CM, also for the _32 suite (RFC 4568 6.2). */
static const suite_info suites[] = {
    {GW_SRTP_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 0x0001, 16, 14, 10, 10},
    {GW_SRTP_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 0x0002, 16, 14, 4, 10},
    {GW_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 0x0007, 16, 12, 16, 16},
};

/* Names we recognise but do not offer: a peer listing them gets a clear "unsupported". */
static const char *const known_unsupported[] = {
    "AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32", "AES_192_CM_HMAC_SHA1_80",
    "AES_192_CM_HMAC_SHA1_32", "AEAD_AES_256_GCM",        "F8_128_HMAC_SHA1_80",
    "AES_CM_256_HMAC_SHA1_80", "AES_CM_256_HMAC_SHA1_32",
};

#define SRTCP_INDEX_LEN 4

static const suite_info *find_suite(gw_srtp_suite suite) {
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    if (suites[i].suite == suite) return &suites[i];
  return NULL;
}

size_t gw_srtp_key_len(gw_srtp_suite suite) {
  const suite_info *si = find_suite(suite);
  return si ? si->key_len : 0;
}

size_t gw_srtp_salt_len(gw_srtp_suite suite) {
  const suite_info *si = find_suite(suite);
  return si ? si->salt_len : 0;
}

size_t gw_srtp_master_len(gw_srtp_suite suite) {
  const suite_info *si = find_suite(suite);
  return si ? si->key_len + si->salt_len : 0;
}

size_t gw_srtp_rtp_overhead(gw_srtp_suite suite) {
  const suite_info *si = find_suite(suite);
  return si ? si->rtp_tag_len : 0;
}

size_t gw_srtp_rtcp_overhead(gw_srtp_suite suite) {
  const suite_info *si = find_suite(suite);
  return si ? SRTCP_INDEX_LEN + si->rtcp_tag_len : 0;
}

const char *gw_srtp_suite_name(gw_srtp_suite suite) {
  const suite_info *si = find_suite(suite);
  return si ? si->name : NULL;
}

int gw_srtp_suite_parse(const char *name, gw_srtp_suite *out, gw_why *why) {
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
    if (strcmp(name, suites[i].name) == 0) {
      *out = suites[i].suite;
      return GW_OK;
    }
  }
  for (size_t i = 0; i < sizeof known_unsupported / sizeof known_unsupported[0]; i++)
    if (strcmp(name, known_unsupported[i]) == 0)
      return gw_fail(why, GW_EUNSUPP, "crypto suite %s is not supported", name);
  return gw_fail(why, GW_EINVAL, "unknown crypto suite \"%.64s\"", name);
}

int gw_srtp_suite_from_dtls_profile(unsigned long profile_id, gw_srtp_suite *out, gw_why *why) {
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
    if (suites[i].dtls_id == profile_id) {
      *out = suites[i].suite;
      return GW_OK;
    }
  }
  return gw_fail(why, GW_EUNSUPP, "DTLS-SRTP protection profile 0x%04lx is not supported",
                 profile_id);
}

/* ---- process-wide state ---- */

static int initialised;
/* Debian's libsrtp2 uses NSS: every cipher holds an NSS init context, and NSS shuts itself
 * down whenever the last one closes. This idle session keeps one open for the life of the
 * process, so calls coming and going never tear NSS down and bring it up again. */
static srtp_t nss_keeper;

static void srtp_log(srtp_log_level_t level, const char *msg, void *data) {
  if (level == srtp_log_level_error || level == srtp_log_level_warning)
    GW_WARN("libsrtp: %s", msg);
  else
    GW_DEBUG("libsrtp: %s", msg);
}

static void fill_policy(srtp_policy_t *p, const suite_info *si, srtp_ssrc_type_t type,
                        uint8_t *key) {
  memset(p, 0, sizeof *p);
  switch (si->suite) {
  case GW_SRTP_AES_CM_128_HMAC_SHA1_80:
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    break;
  case GW_SRTP_AES_CM_128_HMAC_SHA1_32:
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    break;
  case GW_SRTP_AEAD_AES_128_GCM:
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    break;
  }
  p->ssrc.type = type;
  p->key = key;
  p->window_size = 0;     /* libsrtp's default, 128 packets */
  p->allow_repeat_tx = 0; /* never reuse a keystream */
}

static int create_session(srtp_t *out, const suite_info *si, srtp_ssrc_type_t type,
                          const gw_srtp_master *m, gw_why *why) {
  uint8_t key[GW_SRTP_MASTER_MAX];
  memcpy(key, m->bytes, si->key_len + si->salt_len);
  srtp_policy_t policy;
  fill_policy(&policy, si, type, key);
  srtp_err_status_t st = srtp_create(out, &policy);
  OPENSSL_cleanse(key, sizeof key);
  if (st != srtp_err_status_ok) {
    *out = NULL;
    return gw_fail(why, GW_EIO, "libsrtp could not create a %s session (status %d)", si->name,
                   (int)st);
  }
  return GW_OK;
}

int gw_srtp_global_init(gw_why *why) {
  if (initialised) return GW_OK;
  srtp_err_status_t st = srtp_init();
  if (st != srtp_err_status_ok)
    return gw_fail(why, GW_EIO, "libsrtp failed to initialise (status %d)", (int)st);
  srtp_install_log_handler(srtp_log, NULL);
  gw_srtp_master zero = {.len = 30};
  int rc = create_session(&nss_keeper, &suites[0], ssrc_any_inbound, &zero, why);
  if (rc != GW_OK) {
    srtp_shutdown();
    return rc;
  }
  initialised = 1;
  return GW_OK;
}

void gw_srtp_global_shutdown(void) {
  if (!initialised) return;
  srtp_dealloc(nss_keeper);
  nss_keeper = NULL;
  srtp_install_log_handler(NULL, NULL);
  srtp_shutdown();
  initialised = 0;
}

/* ---- one leg ---- */

int gw_srtp_new(gw_srtp **out, gw_srtp_suite suite, const gw_srtp_master *local,
                const gw_srtp_master *remote, gw_why *why) {
  *out = NULL;
  const suite_info *si = find_suite(suite);
  if (!si) return gw_fail(why, GW_EINVAL, "unknown SRTP suite %d", (int)suite);
  if (!initialised) return gw_fail(why, GW_ESTATE, "gw_srtp_global_init() was not called");
  size_t want = si->key_len + si->salt_len;
  if (local->len != want || remote->len != want)
    return gw_fail(why, GW_EINVAL, "%s needs %zu bytes of master key and salt, got %zu and %zu",
                   si->name, want, local->len, remote->len);
  gw_srtp *s = calloc(1, sizeof *s);
  if (!s) return gw_fail(why, GW_ENOMEM, "out of memory for an SRTP context");
  s->suite = suite;
  int rc = create_session(&s->tx, si, ssrc_any_outbound, local, why);
  if (rc == GW_OK) rc = create_session(&s->rx, si, ssrc_any_inbound, remote, why);
  if (rc != GW_OK) {
    gw_srtp_free(s);
    return rc;
  }
  *out = s;
  return GW_OK;
}

void gw_srtp_free(gw_srtp *s) {
  if (!s) return;
  if (s->tx) srtp_dealloc(s->tx);
  if (s->rx) srtp_dealloc(s->rx);
  free(s);
}

gw_srtp_suite gw_srtp_get_suite(const gw_srtp *s) { return s->suite; }

static int map_status(srtp_err_status_t st, int sending, const char *what, gw_why *why) {
  switch (st) {
  case srtp_err_status_ok: return GW_OK;
  case srtp_err_status_replay_fail:
  case srtp_err_status_replay_old:
    if (sending)
      return gw_fail(why, GW_ESTATE, "%s sequence number already used on this SSRC", what);
    return gw_fail(why, GW_EPROTO, "replayed %s packet", what);
  case srtp_err_status_auth_fail:
    return gw_fail(why, GW_EPROTO, "%s packet failed authentication", what);
  case srtp_err_status_bad_param:
  case srtp_err_status_parse_err:
    return gw_fail(why, GW_EINVAL, "malformed %s packet", what);
  default:
    return gw_fail(why, GW_EIO, "libsrtp failed on an %s packet (status %d)", what, (int)st);
  }
}

static int check_sizes(size_t len, size_t min, size_t grow, size_t cap, const char *what,
                       gw_why *why) {
  if (len < min) return gw_fail(why, GW_EINVAL, "%s packet of %zu bytes is too short", what, len);
  if (len > INT_MAX - grow || (grow && len + grow > cap))
    return gw_fail(why, GW_ETOOBIG, "%s packet of %zu bytes leaves no room for %zu more", what,
                   len, grow);
  return GW_OK;
}

enum { RTP_MIN = 12, RTCP_MIN = 8 };

int gw_srtp_protect_rtp(gw_srtp *s, uint8_t *buf, size_t *len, size_t cap, gw_why *why) {
  int rc = check_sizes(*len, RTP_MIN, gw_srtp_rtp_overhead(s->suite), cap, "RTP", why);
  if (rc != GW_OK) return rc;
  int n = (int)*len;
  rc = map_status(srtp_protect(s->tx, buf, &n), 1, "RTP", why);
  if (rc == GW_OK) *len = (size_t)n;
  return rc;
}

int gw_srtp_unprotect_rtp(gw_srtp *s, uint8_t *buf, size_t *len, gw_why *why) {
  int rc = check_sizes(*len, RTP_MIN, 0, *len, "SRTP", why);
  if (rc != GW_OK) return rc;
  int n = (int)*len;
  rc = map_status(srtp_unprotect(s->rx, buf, &n), 0, "SRTP", why);
  if (rc == GW_OK) *len = (size_t)n;
  return rc;
}

int gw_srtp_protect_rtcp(gw_srtp *s, uint8_t *buf, size_t *len, size_t cap, gw_why *why) {
  int rc = check_sizes(*len, RTCP_MIN, gw_srtp_rtcp_overhead(s->suite), cap, "RTCP", why);
  if (rc != GW_OK) return rc;
  int n = (int)*len;
  rc = map_status(srtp_protect_rtcp(s->tx, buf, &n), 1, "RTCP", why);
  if (rc == GW_OK) *len = (size_t)n;
  return rc;
}

int gw_srtp_unprotect_rtcp(gw_srtp *s, uint8_t *buf, size_t *len, gw_why *why) {
  int rc = check_sizes(*len, RTCP_MIN, 0, *len, "SRTCP", why);
  if (rc != GW_OK) return rc;
  int n = (int)*len;
  rc = map_status(srtp_unprotect_rtcp(s->rx, buf, &n), 0, "SRTCP", why);
  if (rc == GW_OK) *len = (size_t)n;
  return rc;
}
