#include <glib.h>
#include <string.h>

#include "gateway/turn_creds.h"

/* The credential must equal what coturn computes: base64(HMAC-SHA1(secret, username)). The value
 * below was computed independently with `printf %s USER | openssl dgst -sha1 -hmac SECRET -binary | base64`. */
static void test_credential(void) {
  char out[64];
  gw_turn_credential("rigsecret", "1700000000:alice", out);
  g_assert_cmpstr(out, ==, "oFla7sWtpKONd9LSmCKevaeK1Sk=");
}

static void test_ice_servers(void) {
  gw_config *c = gw_config_new();
  gw_why why;
  g_assert_cmpint(gw_config_set(c, "turn", "servers", "stun:127.0.0.1:3478;turn:127.0.0.1:3478?transport=udp;"
                                "turns:127.0.0.1:5349?transport=tcp", "t", &why), ==, GW_OK);
  g_assert_cmpint(gw_config_set(c, "turn", "secret", "rigsecret", "t", &why), ==, GW_OK);
  g_assert_cmpint(gw_config_set(c, "turn", "ttl", "600", "t", &why), ==, GW_OK);
  json_t *l = gw_turn_ice_servers(c, "alice", 1700000000);
  g_assert_cmpuint(json_array_size(l), ==, 2);
  json_t *t = json_array_get(l, 1);
  g_assert_cmpstr(json_string_value(json_object_get(t, "username")), ==, "1700000600:alice");
  g_assert_cmpuint(json_array_size(json_object_get(t, "urls")), ==, 2);
  char cred[64];
  gw_turn_credential("rigsecret", "1700000600:alice", cred);
  g_assert_cmpstr(json_string_value(json_object_get(t, "credential")), ==, cred);
  json_decref(l);
  gw_config_free(c);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/turn/credential", test_credential);
  g_test_add_func("/turn/ice-servers", test_ice_servers);
  return g_test_run();
}
