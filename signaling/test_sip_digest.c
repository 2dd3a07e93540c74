#include <glib.h>
#include <sofia-sip/auth_client.h>
#include <sofia-sip/auth_common.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su.h>
#include <sofia-sip/url.h>
#include <string.h>

#include "signaling/sip_digest.h"

/* RFC 2617 section 3.5: Mufasa / "Circle Of Life" in testrealm@host.com. */
#define RFC_USER "Mufasa"
#define RFC_REALM "testrealm@host.com"
#define RFC_PASSWORD "Circle Of Life"
#define RFC_NONCE "dcd98b7102dd2f0e8b11d0f600bfb0c093"
#define RFC_OPAQUE "5ccc069c403ebaf9f0171e9517f40e41"
#define RFC_URI "/dir/index.html"
#define RFC_HA1 "939e7578ed9e3c518a452acee763bce9"
#define RFC_RESPONSE "6629fae49393a05397450978507c4ef1"

static void test_rfc2617_vector(void) {
  char ha1[33], resp[33];
  gw_digest_ha1(RFC_USER, RFC_REALM, RFC_PASSWORD, ha1);
  g_assert_cmpstr(ha1, ==, RFC_HA1);
  gw_digest_response(ha1, RFC_NONCE, "00000001", "0a4f113b", "auth", "GET", RFC_URI, resp);
  g_assert_cmpstr(resp, ==, RFC_RESPONSE);
}

static void test_creds_strings(void) {
  gw_why why = {""};
  gw_sip_creds pw = {"u", "secret", NULL, NULL};
  char *s = gw_sip_creds_for(&pw, "Digest", "\"r.example\"", &why);
  g_assert_cmpstr(s, ==, "Digest:\"r.example\":u:secret");
  g_free(s);
  gw_sip_creds h = {"u", NULL, "939E7578ED9E3C518A452ACEE763BCE9", "r.example"};
  s = gw_sip_creds_for(&h, "Digest", "\"r.example\"", &why);
  g_assert_cmpstr(s, ==, "HA1+Digest:\"r.example\":u:HA1+" RFC_HA1);
  g_free(s);
  /* An HA1 is bound to its realm: another realm's challenge cannot be answered with it. */
  g_assert_null(gw_sip_creds_for(&h, "Digest", "\"other.example\"", &why));
  g_assert_nonnull(strstr(why.msg, "other.example"));
  gw_sip_creds none = {"u", NULL, NULL, NULL};
  g_assert_null(gw_sip_creds_for(&none, "Digest", "\"r\"", &why));
}

/* The real path: Sofia-SIP's auth client, fed the RFC 2617 challenge and our credential string
 * (HA1 form, then password form), must send a response that the RFC's HA1 explains. Sofia picks
 * its own cnonce, so the expected response is recomputed from the cnonce and nc it sent. */
static char *unq(const char *v) {
  size_t n = strlen(v);
  return n >= 2 && v[0] == '"' && v[n - 1] == '"' ? g_strndup(v + 1, n - 2) : g_strdup(v);
}

static void sofia_answer(const char *cred_fmt_is_ha1) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  auth_client_t *list = NULL;
  msg_auth_t *ch = (msg_auth_t *)msg_header_make(home, sip_www_authenticate_class,
      "Digest realm=\"" RFC_REALM "\", qop=\"auth\", nonce=\"" RFC_NONCE "\", opaque=\"" RFC_OPAQUE "\"");
  g_assert_nonnull(ch);
  g_assert_cmpint(auc_challenge(&list, home, ch, sip_authorization_class), ==, 1);
  gw_sip_creds c = {RFC_USER, cred_fmt_is_ha1 ? NULL : RFC_PASSWORD, cred_fmt_is_ha1 ? RFC_HA1 : NULL, RFC_REALM};
  gw_why why = {""};
  char *cred = gw_sip_creds_for(&c, "Digest", "\"" RFC_REALM "\"", &why);
  g_assert_nonnull(cred);
  g_assert_cmpint(auc_credentials(&list, home, cred), >, 0);
  g_free(cred);
  url_t *url = url_hdup(home, (url_t *)RFC_URI);
  msg_header_t *h = NULL;
  g_assert_cmpint(auc_authorization_headers(&list, home, "GET", url, NULL, &h), ==, 1);
  g_assert_nonnull(h);
  msg_auth_t *au = (msg_auth_t *)h;
  const char *cnonce = NULL, *nc = NULL, *response = NULL, *qop = NULL, *uri = NULL;
  auth_get_params(home, au->au_params, "cnonce=", &cnonce, "nc=", &nc, "response=", &response, "qop=", &qop,
                  "uri=", &uri, NULL);
  g_assert_nonnull(cnonce);
  g_assert_nonnull(response);
  char *cn = unq(cnonce), *rs = unq(response), *ur = unq(uri);
  g_assert_cmpstr(qop, ==, "auth");
  g_assert_cmpstr(nc, ==, "00000001");
  char want[33];
  gw_digest_response(RFC_HA1, RFC_NONCE, nc, cn, "auth", "GET", ur, want);
  g_assert_cmpstr(rs, ==, want);
  g_free(cn);
  g_free(rs);
  g_free(ur);
  su_home_deinit(home);
}

static void test_sofia_ha1(void) { sofia_answer("ha1"); }
static void test_sofia_password(void) { sofia_answer(NULL); }

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip_digest/rfc2617_vector", test_rfc2617_vector);
  g_test_add_func("/sip_digest/creds_strings", test_creds_strings);
  g_test_add_func("/sip_digest/sofia_ha1", test_sofia_ha1);
  g_test_add_func("/sip_digest/sofia_password", test_sofia_password);
  return g_test_run();
}
