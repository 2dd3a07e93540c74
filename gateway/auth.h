/* Browser authentication: JWT (RFC 7519) signed with HS256, and what a token lets its user do.
 *
 * Claims read: sub (the user), exp and nbf (checked with 30 s of leeway), and the gateway's own:
 *   "dial":     array of destination patterns the user may call ("+1555*", "echo"); absent: the
 *               gateway's [auth] dial_allow list applies alone;
 *   "register": true when the user may register for inbound calls;
 *   "max_calls": the user's concurrent-call limit (capped by [limits] max_calls_per_user). */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway/err.h"

typedef struct {
  char *sub;
  int64_t exp, nbf;
  char **dial; /* NULL-terminated, or NULL when the token has no "dial" claim */
  bool may_register;
  int max_calls; /* 0: not given */
} gw_auth_claims;

/* Verifies signature and times; fills claims (free with gw_auth_claims_clear). GW_EAUTH with a
 * reason for a person ("token expired", "bad signature", ...). */
int gw_auth_verify(const char *token, const char *secret, int64_t now_s, gw_auth_claims *out, gw_why *why);
void gw_auth_claims_clear(gw_auth_claims *c);

/* Makes an HS256 token (tools and tests). payload_json is the claims object as text. */
char *gw_auth_sign(const char *payload_json, const char *secret);

/* Destination patterns: "*" alone matches anything, "PREFIX*" a prefix, otherwise exact. */
bool gw_auth_pattern_match(const char *pattern, const char *number);

#endif
