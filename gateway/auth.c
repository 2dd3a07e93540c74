#include "gateway/auth.h"

#include <glib.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define LEEWAY_S 30
#define MAX_TOKEN 4096

/* base64url without padding (RFC 7515 2). */
static char *b64url_encode(const unsigned char *in, size_t len) {
  gchar *b = g_base64_encode(in, len);
  for (char *p = b; *p; p++) {
    if (*p == '+') *p = '-';
    else if (*p == '/') *p = '_';
  }
  char *eq = strchr(b, '=');
  if (eq) *eq = '\0';
  return b;
}

static guchar *b64url_decode(const char *in, size_t len, gsize *out_len) {
  if (len > MAX_TOKEN || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < len) return NULL;
  GString *s = g_string_new_len(in, (gssize)len);
  for (gsize i = 0; i < s->len; i++) {
    if (s->str[i] == '-') s->str[i] = '+';
    else if (s->str[i] == '_') s->str[i] = '/';
  }
  while (s->len % 4) g_string_append_c(s, '=');
  guchar *out = g_base64_decode(s->str, out_len);
  g_string_free(s, TRUE);
  return out;
}

static void hs256(const char *secret, const char *data, size_t len, unsigned char mac[32]) {
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)data, len, mac, &n);
}

char *gw_auth_sign(const char *payload_json, const char *secret) {
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  char *h = b64url_encode((const unsigned char *)header, strlen(header));
  char *p = b64url_encode((const unsigned char *)payload_json, strlen(payload_json));
  char *signing = g_strdup_printf("%s.%s", h, p);
  unsigned char mac[32];
  hs256(secret, signing, strlen(signing), mac);
  char *sig = b64url_encode(mac, sizeof mac);
  char *tok = g_strdup_printf("%s.%s", signing, sig);
  g_free(h);
  g_free(p);
  g_free(signing);
  g_free(sig);
  return tok;
}

void gw_auth_claims_clear(gw_auth_claims *c) {
  g_free(c->sub);
  g_strfreev(c->dial);
  memset(c, 0, sizeof *c);
}

int gw_auth_verify(const char *token, const char *secret, int64_t now_s, gw_auth_claims *out, gw_why *why) {
  memset(out, 0, sizeof *out);
  if (!token || strlen(token) > MAX_TOKEN) return gw_fail(why, GW_EAUTH, "token missing or too long");
  const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
  if (!d1 || !d2 || strchr(d2 + 1, '.')) return gw_fail(why, GW_EAUTH, "token is not a JWT (three dot-separated parts)");
  gsize hlen = 0, plen = 0, slen = 0;
  guchar *hdr = b64url_decode(token, (size_t)(d1 - token), &hlen);
  guchar *pay = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &plen);
  guchar *sig = b64url_decode(d2 + 1, strlen(d2 + 1), &slen);
  int rc = GW_OK;
  json_t *h = hdr ? json_loadb((const char *)hdr, hlen, 0, NULL) : NULL;
  json_t *p = pay ? json_loadb((const char *)pay, plen, 0, NULL) : NULL;
  unsigned char mac[32];
  hs256(secret, token, (size_t)(d2 - token), mac);
  if (!h || !p || !sig) {
    rc = gw_fail(why, GW_EAUTH, "token is not valid base64url JSON");
  } else if (!json_is_string(json_object_get(h, "alg")) || strcmp(json_string_value(json_object_get(h, "alg")), "HS256")) {
    rc = gw_fail(why, GW_EAUTH, "token algorithm must be HS256");
  } else if (slen != sizeof mac || CRYPTO_memcmp(sig, mac, sizeof mac) != 0) {
    rc = gw_fail(why, GW_EAUTH, "bad token signature");
  } else if (!json_is_string(json_object_get(p, "sub")) || !*json_string_value(json_object_get(p, "sub"))) {
    rc = gw_fail(why, GW_EAUTH, "token has no sub");
  } else if (!json_is_integer(json_object_get(p, "exp"))) {
    rc = gw_fail(why, GW_EAUTH, "token has no exp");
  } else {
    out->exp = json_integer_value(json_object_get(p, "exp"));
    json_t *nbf = json_object_get(p, "nbf");
    out->nbf = json_is_integer(nbf) ? json_integer_value(nbf) : 0;
    if (now_s > out->exp + LEEWAY_S) rc = gw_fail(why, GW_EAUTH, "token expired");
    else if (out->nbf && now_s + LEEWAY_S < out->nbf) rc = gw_fail(why, GW_EAUTH, "token not valid yet");
  }
  if (rc == GW_OK) {
    out->sub = g_strdup(json_string_value(json_object_get(p, "sub")));
    out->may_register = json_is_true(json_object_get(p, "register"));
    json_t *mc = json_object_get(p, "max_calls");
    out->max_calls = json_is_integer(mc) ? (int)json_integer_value(mc) : 0;
    json_t *dial = json_object_get(p, "dial");
    if (json_is_array(dial)) {
      GPtrArray *a = g_ptr_array_new();
      size_t i;
      json_t *v;
      json_array_foreach(dial, i, v) if (json_is_string(v)) g_ptr_array_add(a, g_strdup(json_string_value(v)));
      g_ptr_array_add(a, NULL);
      out->dial = (char **)g_ptr_array_free(a, FALSE);
    }
  }
  json_decref(h);
  json_decref(p);
  g_free(hdr);
  g_free(pay);
  g_free(sig);
  return rc;
}

bool gw_auth_pattern_match(const char *pattern, const char *number) {
  size_t n = strlen(pattern);
  if (n && pattern[n - 1] == '*') return strncmp(pattern, number, n - 1) == 0;
  return strcmp(pattern, number) == 0;
}
