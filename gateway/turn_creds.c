#include "gateway/turn_creds.h"

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

void gw_turn_credential(const char *secret, const char *username, char out[64]) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)username, strlen(username), mac, &len);
  EVP_EncodeBlock((unsigned char *)out, mac, (int)len);
}

json_t *gw_turn_ice_servers(const gw_config *cfg, const char *user, int64_t now_s) {
  json_t *list = json_array();
  json_t *stun = json_array(), *turn = json_array();
  for (char **u = cfg->turn_servers; u && *u; u++)
    json_array_append_new(g_str_has_prefix(*u, "stun:") ? stun : turn, json_string(*u));
  if (json_array_size(stun)) json_array_append_new(list, json_pack("{s:o}", "urls", stun));
  else json_decref(stun);
  if (json_array_size(turn) && cfg->turn_secret) {
    char username[160], cred[64];
    g_snprintf(username, sizeof username, "%lld:%s", (long long)(now_s + cfg->turn_ttl), user ? user : "anonymous");
    gw_turn_credential(cfg->turn_secret, username, cred);
    json_array_append_new(list, json_pack("{s:o, s:s, s:s}", "urls", turn, "username", username, "credential", cred));
  } else {
    json_decref(turn);
  }
  return list;
}
