/* RFC 4568 a=crypto values: key generation, formatting and parsing. */
#include "media/srtp/sdes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

int gw_sdes_generate(gw_srtp_suite suite, gw_srtp_master *out, gw_why *why) {
  size_t n = gw_srtp_master_len(suite);
  if (n == 0) return gw_fail(why, GW_EINVAL, "unknown SRTP suite %d", (int)suite);
  if (RAND_bytes(out->bytes, (int)n) != 1)
    return gw_fail(why, GW_EIO, "the random generator failed to make an SRTP key");
  out->len = n;
  return GW_OK;
}

/* ---- base64 (RFC 4648), strict: only the alphabet, '=' padding only at the end ---- */

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes n characters; the padding may be missing. Returns the byte count or -1. */
static long b64_decode(const char *s, size_t n, uint8_t *out, size_t cap) {
  size_t pad = 0;
  while (pad < n && pad < 3 && s[n - 1 - pad] == '=') pad++;
  if (pad > 2 || (pad && n % 4 != 0)) return -1;
  n -= pad;
  if (n % 4 == 1) return -1;
  size_t len = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64_value(s[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (len == cap) return -1;
      out[len++] = (uint8_t)(acc >> bits);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return -1; /* non-canonical tail bits */
  return (long)len;
}

/* ---- format ---- */

static void format_lifetime(uint64_t lt, char *out, size_t cap) {
  if (lt == 0) {
    out[0] = '\0';
    return;
  }
  if ((lt & (lt - 1)) == 0) {
    int e = 0;
    while ((UINT64_C(1) << e) != lt) e++;
    snprintf(out, cap, "|2^%d", e);
  } else {
    snprintf(out, cap, "|%" PRIu64, lt);
  }
}

int gw_sdes_format(const gw_sdes_crypto *c, char *out, size_t cap, gw_why *why) {
  const char *name = gw_srtp_suite_name(c->suite);
  if (!name) return gw_fail(why, GW_EINVAL, "unknown SRTP suite %d", (int)c->suite);
  if (c->tag < 1 || c->tag > 999999999)
    return gw_fail(why, GW_EINVAL, "a=crypto tag %u is outside 1..999999999", c->tag);
  if (c->master.len != gw_srtp_master_len(c->suite))
    return gw_fail(why, GW_EINVAL, "%s needs %zu bytes of key and salt, not %zu", name,
                   gw_srtp_master_len(c->suite), c->master.len);
  char b64[48], lifetime[32];
  EVP_EncodeBlock((unsigned char *)b64, c->master.bytes, (int)c->master.len);
  format_lifetime(c->lifetime, lifetime, sizeof lifetime);
  int n = snprintf(out, cap, "%u %s inline:%s%s", c->tag, name, b64, lifetime);
  OPENSSL_cleanse(b64, sizeof b64);
  if (n < 0 || (size_t)n >= cap) {
    if (cap) OPENSSL_cleanse(out, cap);
    return gw_fail(why, GW_ETOOBIG, "a=crypto value needs %d bytes, the buffer has %zu", n + 1,
                   cap);
  }
  return GW_OK;
}

/* ---- parse ---- */

static int is_wsp(char c) { return c == ' ' || c == '\t'; }

/* Returns the next whitespace-separated token of s (advancing *pos), its length in *n. */
static const char *next_token(const char *s, size_t end, size_t *pos, size_t *n) {
  while (*pos < end && is_wsp(s[*pos])) (*pos)++;
  size_t start = *pos;
  while (*pos < end && !is_wsp(s[*pos])) (*pos)++;
  *n = *pos - start;
  return *n ? s + start : NULL;
}

static int parse_lifetime(const char *s, size_t n, uint64_t *out, gw_why *why) {
  int power = n > 2 && s[0] == '2' && s[1] == '^';
  size_t i = power ? 2 : 0;
  uint64_t v = 0;
  if (i == n || n - i > 15) goto bad;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') goto bad;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (power) {
    if (v > 48) goto bad; /* RFC 3711 caps the SRTP index at 2^48 */
    v = UINT64_C(1) << v;
  }
  if (v == 0) goto bad;
  *out = v;
  return GW_OK;
bad:
  return gw_fail(why, GW_EINVAL, "bad key lifetime \"%.*s\" in a=crypto", (int)(n > 20 ? 20 : n),
                 s);
}

/* "inline:BASE64[|lifetime][|mki:len]" */
static int parse_key_params(const char *s, size_t n, gw_sdes_crypto *out, gw_why *why) {
  if (memchr(s, ';', n))
    return gw_fail(why, GW_EUNSUPP, "a=crypto with more than one key is not supported");
  if (n < 7 || strncmp(s, "inline:", 7) != 0)
    return gw_fail(why, GW_EINVAL, "a=crypto key must start with \"inline:\"");
  s += 7;
  n -= 7;
  const char *bar = memchr(s, '|', n);
  size_t key_n = bar ? (size_t)(bar - s) : n;
  const char *name = gw_srtp_suite_name(out->suite);
  if (key_n == 0) return gw_fail(why, GW_EINVAL, "a=crypto inline key is empty");
  uint8_t key[96];
  long got = key_n <= 128 ? b64_decode(s, key_n, key, sizeof key) : -1;
  if (got < 0) return gw_fail(why, GW_EINVAL, "a=crypto inline key is not valid base64");
  if ((size_t)got != gw_srtp_master_len(out->suite)) {
    OPENSSL_cleanse(key, sizeof key);
    return gw_fail(why, GW_EINVAL, "%s inline key must be %zu bytes, got %ld", name,
                   gw_srtp_master_len(out->suite), got);
  }
  memcpy(out->master.bytes, key, (size_t)got);
  OPENSSL_cleanse(key, sizeof key);
  out->master.len = (size_t)got;
  size_t pos = key_n;
  int seen_lifetime = 0;
  while (pos < n) { /* at a '|' */
    const char *f = s + pos + 1;
    const char *next = memchr(f, '|', n - pos - 1);
    size_t fn = next ? (size_t)(next - f) : n - pos - 1;
    if (memchr(f, ':', fn))
      return gw_fail(why, GW_EUNSUPP,
                     "a=crypto with an MKI (\"|%.*s\") is not supported; offer the key without one",
                     (int)(fn > 20 ? 20 : fn), f);
    if (seen_lifetime)
      return gw_fail(why, GW_EINVAL, "a=crypto key has two lifetimes");
    int rc = parse_lifetime(f, fn, &out->lifetime, why);
    if (rc != GW_OK) return rc;
    seen_lifetime = 1;
    pos += 1 + fn;
  }
  return GW_OK;
}

/* Session parameters we can honour: a window-size hint (ignored) and KDR=0. */
static int check_session_param(const char *s, size_t n, gw_why *why) {
  if (n > 4 && strncmp(s, "WSH=", 4) == 0) return GW_OK;
  if (n == 5 && strncmp(s, "KDR=0", 5) == 0) return GW_OK;
  return gw_fail(why, GW_EUNSUPP, "a=crypto session parameter %.*s is not supported",
                 (int)(n > 32 ? 32 : n), s);
}

int gw_sdes_parse(const char *value, gw_sdes_crypto *out, gw_why *why) {
  memset(out, 0, sizeof *out);
  size_t end = strlen(value);
  while (end > 0 && (is_wsp(value[end - 1]) || value[end - 1] == '\r' || value[end - 1] == '\n'))
    end--;
  size_t pos = 0, n;
  int rc;

  const char *tok = next_token(value, end, &pos, &n);
  if (!tok || n > 9 || strspn(tok, "0123456789") < n)
    return gw_fail(why, GW_EINVAL, "a=crypto must start with a numeric tag of 1 to 9 digits");
  out->tag = 0;
  for (size_t i = 0; i < n; i++) out->tag = out->tag * 10 + (unsigned)(tok[i] - '0');
  if (out->tag == 0) return gw_fail(why, GW_EINVAL, "a=crypto tag 0 is not allowed");

  tok = next_token(value, end, &pos, &n);
  if (!tok) return gw_fail(why, GW_EINVAL, "a=crypto has no crypto suite");
  char suite[48];
  if (n >= sizeof suite)
    return gw_fail(why, GW_EINVAL, "unknown crypto suite \"%.32s...\"", tok);
  memcpy(suite, tok, n);
  suite[n] = '\0';
  rc = gw_srtp_suite_parse(suite, &out->suite, why);
  if (rc != GW_OK) return rc;

  tok = next_token(value, end, &pos, &n);
  if (!tok) return gw_fail(why, GW_EINVAL, "a=crypto has no key");
  rc = parse_key_params(tok, n, out, why);

  while (rc == GW_OK && (tok = next_token(value, end, &pos, &n)) != NULL)
    rc = check_session_param(tok, n, why);
  if (rc != GW_OK) OPENSSL_cleanse(out, sizeof *out);
  return rc;
}
