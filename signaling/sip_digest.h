/* Digest credentials toward the trunk (RFC 2617 / RFC 7616 with MD5): a password, or an HA1 =
 * MD5(username:realm:password) so that the configuration holds no reusable password.
 *
 * Sofia-SIP's auth client computes the response and fills Authorization/Proxy-Authorization
 * (qop=auth, cnonce, nc included). Debian's libsofia-sip-ua takes an HA1 in place of the password
 * when the credential string reads "HA1+Digest:"realm":user:HA1+<hex>" (the form Janus uses);
 * gw_sip_creds_for() writes either form. The two RFC helpers below recompute a response, for the
 * unit test (RFC 2617 section 3.5) and to check what Sofia sends. */
#ifndef GW_SIP_DIGEST_H
#define GW_SIP_DIGEST_H

#include "gateway/err.h"

typedef struct {
  const char *user;
  const char *password; /* or NULL when ha1 is set */
  const char *ha1;      /* 32 hex digits, or NULL */
  const char *realm;    /* the realm ha1 is for; NULL: any */
} gw_sip_creds;

/* The string for nua_authenticate(NUTAG_AUTH()) answering a challenge of this scheme and realm
 * (realm as it appears in the header, quotes included or not). NULL, with why, when these
 * credentials cannot answer it (no secret, not Digest with an HA1, or an HA1 for another realm).
 * g_free() the result. */
char *gw_sip_creds_for(const gw_sip_creds *c, const char *scheme, const char *realm, gw_why *why);

/* HA1 = MD5(user:realm:password), lower-case hex. */
void gw_digest_ha1(const char *user, const char *realm, const char *password, char out[33]);
/* response = MD5(HA1:nonce:nc:cnonce:qop:HA2) with qop, MD5(HA1:nonce:HA2) without (qop NULL);
 * HA2 = MD5(method:uri). */
void gw_digest_response(const char *ha1, const char *nonce, const char *nc, const char *cnonce, const char *qop,
                        const char *method, const char *uri, char out[33]);

#endif
