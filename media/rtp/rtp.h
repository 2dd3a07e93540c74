/* RTP packets (RFC 3550 section 5): header parsing for untrusted input, and a header writer.
 *
 * The parser never reads outside [buf, buf + len) and never writes to the packet: the result points
 * into the caller's buffer. Anything malformed is GW_EINVAL (why says what, when not NULL).
 * Header extensions (RFC 3550 5.3.1) are bounded by their length field and skipped; their RFC 8285
 * elements (one-byte 0xBEDE and two-byte 0x100X forms) can be walked with gw_rtp_ext_iter. */
#ifndef GW_MEDIA_RTP_H
#define GW_MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

#define GW_RTP_VERSION 2
#define GW_RTP_HEADER_LEN 12 /* the fixed header, without CSRCs or extension */
#define GW_RTP_MAX_CSRC 15

typedef struct {
  bool marker;
  uint8_t pt; /* 0..127 */
  uint16_t seq;
  uint32_t ts;
  uint32_t ssrc;
  uint8_t csrc_count;
  uint32_t csrc[GW_RTP_MAX_CSRC];
  /* Header extension: present when has_ext; ext points at its data (after the 4-byte
   * profile/length word) and ext_len is a multiple of 4, possibly 0. */
  bool has_ext;
  uint16_t ext_profile;
  const uint8_t *ext;
  size_t ext_len;
  uint8_t pad_len;      /* padding bytes at the end, the count byte included; 0 when P is clear */
  size_t header_len;    /* bytes before the payload: 12 + 4*CC + extension */
  const uint8_t *payload;
  size_t payload_len;   /* between the header and the padding; may be 0 */
} gw_rtp_header;

/* Parses a whole RTP packet (a decrypted one when SRTP is used). Rejects with GW_EINVAL: fewer than
 * 12 bytes, a version other than 2, CSRCs or an extension past the end, a padding count of 0 or
 * more than what follows the header. */
int gw_rtp_parse(const uint8_t *buf, size_t len, gw_rtp_header *out, gw_why *why);

/* Checks only what SRTP leaves in clear (version, CSRCs, extension bounds) and gives the header
 * length: for a packet that is still encrypted, where the padding cannot be seen yet. */
int gw_rtp_check_clear_header(const uint8_t *buf, size_t len, size_t *header_len, gw_why *why);

/* Writes a 12-byte header (V=2, no padding, no extension, no CSRC) at buf.
 * GW_ETOOBIG when cap < 12, GW_EINVAL when pt > 127. */
int gw_rtp_write_header(uint8_t *buf, size_t cap, bool marker, uint8_t pt, uint16_t seq,
                        uint32_t ts, uint32_t ssrc);

/* RFC 5761 4: true when the first two bytes look like RTCP (V=2, packet type 192..223) rather
 * than RTP, for a port that carries both. */
bool gw_rtp_looks_like_rtcp(const uint8_t *buf, size_t len);

/* ---- RFC 8285 header extension elements ---- */

#define GW_RTP_EXT_ONE_BYTE 0xBEDEu
#define GW_RTP_EXT_TWO_BYTE 0x1000u /* the upper 12 bits; the low 4 are "appbits" */

typedef struct {
  const uint8_t *p;
  size_t len, off;
  bool two_byte;
  bool malformed; /* set when an element ran past the block; the walk then stops */
} gw_rtp_ext_iter;

/* Starts a walk over h's extension elements. GW_EUNSUPP when h has no extension or its profile
 * is neither RFC 8285 form (the block is then opaque, already skipped by the parser). */
int gw_rtp_ext_iter_init(gw_rtp_ext_iter *it, const gw_rtp_header *h);
/* The next element: id (1..14 one-byte, 1..255 two-byte), its data and length (which may be 0 in
 * the two-byte form). False at the end, at a one-byte ID 15 (stop), or when it->malformed. */
bool gw_rtp_ext_next(gw_rtp_ext_iter *it, uint8_t *id, const uint8_t **data, size_t *len);

#endif
