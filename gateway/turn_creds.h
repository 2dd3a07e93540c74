/* TURN REST API credentials (the scheme coturn implements with use-auth-secret):
 * username = "<expiry unix time>:<user>", credential = base64(HMAC-SHA1(secret, username)). */
#ifndef GW_TURN_CREDS_H
#define GW_TURN_CREDS_H

#include <jansson.h>
#include <stdint.h>

#include "gateway/config.h"

/* Writes the credential for username into out (base64, NUL-terminated; 29 bytes suffice). */
void gw_turn_credential(const char *secret, const char *username, char out[64]);

/* The browser's RTCIceServer list for a user: the configured turn:/turns: URIs with fresh
 * credentials valid for [turn] ttl seconds from now_s, and stun: URIs as they are. */
json_t *gw_turn_ice_servers(const gw_config *cfg, const char *user, int64_t now_s);

#endif
