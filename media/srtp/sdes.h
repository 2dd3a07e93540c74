/* SDES key exchange (RFC 4568): the a=crypto attribute value for the SIP leg.
 *
 * The value is what follows "a=crypto:", e.g.
 *   "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
 * A key lifetime ("|2^31") is accepted and reported; an MKI ("|1:4"), several keys and
 * session parameters that change the transform are refused with GW_EUNSUPP, so that the
 * caller can try the peer's next a=crypto line. */
#ifndef GW_MEDIA_SDES_H
#define GW_MEDIA_SDES_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/srtp/srtp.h"

/* Longest value gw_sdes_format writes, with its NUL. */
#define GW_SDES_VALUE_MAX 96

typedef struct {
  unsigned tag;          /* 1..999999999 */
  gw_srtp_suite suite;
  gw_srtp_master master; /* key, then salt; master.len == gw_srtp_master_len(suite) */
  uint64_t lifetime;     /* in packets; 0 when the line gives none */
} gw_sdes_crypto;

/* Fresh master key and salt for suite from OpenSSL's CSPRNG. */
int gw_sdes_generate(gw_srtp_suite suite, gw_srtp_master *out, gw_why *why);

/* Writes "TAG SUITE inline:BASE64[|LIFETIME]" into out (cap bytes, NUL-terminated). */
int gw_sdes_format(const gw_sdes_crypto *c, char *out, size_t cap, gw_why *why);

/* Parses one a=crypto value (trailing CR/LF/blanks are ignored). */
int gw_sdes_parse(const char *value, gw_sdes_crypto *out, gw_why *why);

#endif
