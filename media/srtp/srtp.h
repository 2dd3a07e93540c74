/* SRTP for one RTP leg: a thin, safe wrapper over libsrtp2.
 *
 * A gw_srtp holds both directions of one leg: outbound packets are protected with the local
 * master key, inbound packets are unprotected with the remote one. Any SSRC is accepted in
 * both directions. One gw_srtp is used from one thread only (its media worker).
 *
 * Call gw_srtp_global_init() once in main() before any other function here, and
 * gw_srtp_global_shutdown() after the last gw_srtp has been freed. */
#ifndef GW_MEDIA_SRTP_H
#define GW_MEDIA_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

typedef enum {
  GW_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
  GW_SRTP_AES_CM_128_HMAC_SHA1_32 = 2,
  GW_SRTP_AEAD_AES_128_GCM = 3,
} gw_srtp_suite;

/* Master key followed by master salt: 16 + 14 bytes for AES-CM, 16 + 12 for GCM. */
#define GW_SRTP_MASTER_MAX 30
/* The most bytes a protect call adds to a packet (SRTCP with GCM: 4-byte index + 16-byte tag). */
#define GW_SRTP_MAX_OVERHEAD 20

typedef struct {
  uint8_t bytes[GW_SRTP_MASTER_MAX]; /* key, then salt */
  size_t len;                        /* gw_srtp_master_len(suite) */
} gw_srtp_master;

typedef struct gw_srtp gw_srtp;

int gw_srtp_global_init(gw_why *why);
void gw_srtp_global_shutdown(void);

/* Sizes per suite; 0 for an unknown suite. */
size_t gw_srtp_key_len(gw_srtp_suite suite);
size_t gw_srtp_salt_len(gw_srtp_suite suite);
size_t gw_srtp_master_len(gw_srtp_suite suite); /* key + salt */
size_t gw_srtp_rtp_overhead(gw_srtp_suite suite);  /* bytes protect_rtp adds */
size_t gw_srtp_rtcp_overhead(gw_srtp_suite suite); /* bytes protect_rtcp adds */

/* The RFC 4568 name ("AES_CM_128_HMAC_SHA1_80"), or NULL for an unknown suite. */
const char *gw_srtp_suite_name(gw_srtp_suite suite);
/* Parses an RFC 4568 suite name; GW_EUNSUPP for a known but unsupported one (AES_256...). */
int gw_srtp_suite_parse(const char *name, gw_srtp_suite *out, gw_why *why);
/* Maps a DTLS-SRTP protection profile id (RFC 5764 / 7714: 0x0001 SRTP_AES128_CM_SHA1_80,
 * 0x0002 SRTP_AES128_CM_SHA1_32, 0x0007 SRTP_AEAD_AES_128_GCM). */
int gw_srtp_suite_from_dtls_profile(unsigned long profile_id, gw_srtp_suite *out, gw_why *why);

/* Creates the pair of contexts. Both masters must have gw_srtp_master_len(suite) bytes. */
int gw_srtp_new(gw_srtp **out, gw_srtp_suite suite, const gw_srtp_master *local,
                const gw_srtp_master *remote, gw_why *why);
void gw_srtp_free(gw_srtp *s);
gw_srtp_suite gw_srtp_get_suite(const gw_srtp *s);

/* In place on buf. Protect: *len grows by the suite's overhead and must fit in cap
 * (GW_ETOOBIG otherwise, buf untouched). Unprotect: *len shrinks.
 * Errors: GW_EPROTO for a replayed packet or a failed authentication (why says which),
 * GW_EINVAL for a packet too short to be RTP/RTCP, GW_EIO for any other libsrtp failure.
 * why may be NULL, which is cheapest on the hot path. */
int gw_srtp_protect_rtp(gw_srtp *s, uint8_t *buf, size_t *len, size_t cap, gw_why *why);
int gw_srtp_unprotect_rtp(gw_srtp *s, uint8_t *buf, size_t *len, gw_why *why);
int gw_srtp_protect_rtcp(gw_srtp *s, uint8_t *buf, size_t *len, size_t cap, gw_why *why);
int gw_srtp_unprotect_rtcp(gw_srtp *s, uint8_t *buf, size_t *len, gw_why *why);

#endif
