#include <glib.h>
#include <string.h>

#include "gateway/auth.h"
#include "gateway/policy.h"

#define NOW 1700000000

/* RFC 7515 A.1 is HS256 over a JWS: check our signature against an independently made token.
 * The reference below was made with: header {"alg":"HS256","typ":"JWT"}, payload
 * {"sub":"alice","exp":1700000600}, secret "s3cret", using `openssl dgst -sha256 -hmac` and base64url. */
static void test_verify(void) {
  gw_auth_claims c;
  gw_why why = {""};
  g_assert_cmpint(gw_auth_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDYwMH0._112kTUpTqmb6fAFFhiSxcEcbhw6-1pP6yrrkEW51B8", "s3cret", NOW, &c, &why), ==, GW_OK);
  g_assert_cmpstr(c.sub, ==, "alice");
  g_assert_cmpint(c.exp, ==, 1700000600);
  gw_auth_claims_clear(&c);
  char *ours = gw_auth_sign("{\"sub\":\"alice\",\"exp\":1700000600}", "s3cret");
  g_assert_cmpstr(ours, ==, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDYwMH0._112kTUpTqmb6fAFFhiSxcEcbhw6-1pP6yrrkEW51B8");
  g_free(ours);
}

static void expect_fail(const char *payload, const char *secret, const char *verify_secret, const char *reason) {
  char *t = gw_auth_sign(payload, secret);
  gw_auth_claims c;
  gw_why why = {""};
  g_assert_cmpint(gw_auth_verify(t, verify_secret, NOW, &c, &why), ==, GW_EAUTH);
  g_assert_nonnull(strstr(why.msg, reason));
  g_free(t);
}

static void test_refusals(void) {
  expect_fail("{\"sub\":\"a\",\"exp\":1700000600}", "other", "s3cret", "bad token signature");
  expect_fail("{\"sub\":\"a\",\"exp\":1699999000}", "s3cret", "s3cret", "token expired");
  expect_fail("{\"sub\":\"a\",\"exp\":1700000600,\"nbf\":1700000500}", "s3cret", "s3cret", "not valid yet");
  expect_fail("{\"exp\":1700000600}", "s3cret", "s3cret", "no sub");
  expect_fail("{\"sub\":\"a\"}", "s3cret", "s3cret", "no exp");
  gw_auth_claims c;
  gw_why why;
  g_assert_cmpint(gw_auth_verify("abc", "s", NOW, &c, &why), ==, GW_EAUTH);
  g_assert_cmpint(gw_auth_verify("a.b.c", "s", NOW, &c, &why), ==, GW_EAUTH);
  /* alg none must never pass */
  g_assert_cmpint(gw_auth_verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIiwiZXhwIjoxNzAwMDAwNjAwfQ.", "s", NOW, &c, &why), ==,
                  GW_EAUTH);
}

static void test_policy(void) {
  gw_config *cfg = gw_config_new();
  gw_why why = {""};
  g_assert_cmpint(gw_policy_check(cfg, NULL, "+15558675309", &why), ==, GW_OK);
  g_assert_cmpint(gw_policy_check(cfg, NULL, "echo", &why), ==, GW_OK);
  g_assert_cmpint(gw_policy_check(cfg, NULL, "+19005551234", &why), ==, GW_EAUTH);
  g_assert_nonnull(strstr(why.msg, "denied destination"));
  g_assert_cmpint(gw_policy_check(cfg, NULL, "+442071838750", &why), ==, GW_EAUTH);
  g_assert_nonnull(strstr(why.msg, "international"));
  g_assert_cmpint(gw_policy_check(cfg, NULL, "911", &why), ==, GW_EAUTH);
  char *t = gw_auth_sign("{\"sub\":\"bob\",\"exp\":1700000600,\"dial\":[\"+44*\",\"+1900555*\"]}", "k");
  gw_auth_claims c;
  g_assert_cmpint(gw_auth_verify(t, "k", NOW, &c, &why), ==, GW_OK);
  g_assert_cmpint(gw_policy_check(cfg, &c, "+442071838750", &why), ==, GW_OK);
  g_assert_cmpint(gw_policy_check(cfg, &c, "+19005551234", &why), ==, GW_OK); /* named by the token */
  g_assert_cmpint(gw_policy_check(cfg, &c, "+15558675309", &why), ==, GW_EAUTH);
  g_assert_nonnull(strstr(why.msg, "your token does not allow"));
  gw_auth_claims_clear(&c);
  g_free(t);
  gw_config_free(cfg);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/auth/verify", test_verify);
  g_test_add_func("/auth/refusals", test_refusals);
  g_test_add_func("/auth/policy", test_policy);
  return g_test_run();
}
