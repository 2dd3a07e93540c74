#include "signaling/sip_digest.h"

#include <glib.h>
#include <string.h>

static void md5_hex(const char *text, char out[33]) {
  gchar *h = g_compute_checksum_for_string(G_CHECKSUM_MD5, text, -1);
  g_strlcpy(out, h, 33);
  g_free(h);
}

void gw_digest_ha1(const char *user, const char *realm, const char *password, char out[33]) {
  gchar *a1 = g_strdup_printf("%s:%s:%s", user, realm, password);
  md5_hex(a1, out);
  g_free(a1);
}

void gw_digest_response(const char *ha1, const char *nonce, const char *nc, const char *cnonce, const char *qop,
                        const char *method, const char *uri, char out[33]) {
  char ha2[33];
  gchar *a2 = g_strdup_printf("%s:%s", method, uri);
  md5_hex(a2, ha2);
  g_free(a2);
  gchar *r = qop ? g_strdup_printf("%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2)
                 : g_strdup_printf("%s:%s:%s", ha1, nonce, ha2);
  md5_hex(r, out);
  g_free(r);
}

/* The realm without its quotes (a realm with escaped quotes is kept as written). */
static char *unquote(const char *realm) {
  size_t n = strlen(realm);
  if (n >= 2 && realm[0] == '"' && realm[n - 1] == '"') return g_strndup(realm + 1, n - 2);
  return g_strdup(realm);
}

char *gw_sip_creds_for(const gw_sip_creds *c, const char *scheme, const char *realm, gw_why *why) {
  if (!c->user || (!c->password && !c->ha1)) {
    gw_fail(why, GW_EAUTH, "no [trunk] username and password or ha1 configured");
    return NULL;
  }
  char *bare = unquote(realm);
  char *out = NULL;
  if (!c->ha1) {
    out = g_strdup_printf("%s:\"%s\":%s:%s", scheme, bare, c->user, c->password);
  } else if (g_ascii_strcasecmp(scheme, "Digest") != 0) {
    gw_fail(why, GW_EUNSUPP, "an HA1 answers only Digest challenges, not %s", scheme);
  } else if (c->realm && strcmp(c->realm, bare) != 0) {
    gw_fail(why, GW_EAUTH, "the challenge is for realm \"%s\" but [trunk] ha1 is for realm \"%s\"", bare, c->realm);
  } else {
    gchar *lower = g_ascii_strdown(c->ha1, -1);
    out = g_strdup_printf("HA1+Digest:\"%s\":%s:HA1+%s", bare, c->user, lower);
    g_free(lower);
  }
  g_free(bare);
  return out;
}
