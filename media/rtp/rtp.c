/* RTP header parsing and writing (RFC 3550 5.1, 5.3.1; RFC 8285 elements). */
#include "media/rtp/rtp.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Version, CSRC list and extension: everything before the payload, bounded by len. */
static int clear_header(const uint8_t *buf, size_t len, gw_rtp_header *h, gw_why *why) {
  if (len < GW_RTP_HEADER_LEN)
    return gw_fail(why, GW_EINVAL, "RTP packet of %zu bytes is shorter than the 12-byte header", len);
  if (buf[0] >> 6 != GW_RTP_VERSION)
    return gw_fail(why, GW_EINVAL, "RTP version %u, expected 2", (unsigned)(buf[0] >> 6));
  unsigned cc = buf[0] & 0x0f;
  size_t off = GW_RTP_HEADER_LEN + 4u * cc;
  if (off > len)
    return gw_fail(why, GW_EINVAL, "RTP packet of %zu bytes cannot hold its %u CSRCs", len, cc);
  h->marker = buf[1] >> 7;
  h->pt = buf[1] & 0x7f;
  h->seq = rd16(buf + 2);
  h->ts = rd32(buf + 4);
  h->ssrc = rd32(buf + 8);
  h->csrc_count = (uint8_t)cc;
  for (unsigned i = 0; i < cc; i++) h->csrc[i] = rd32(buf + GW_RTP_HEADER_LEN + 4 * i);
  h->has_ext = false;
  h->ext_profile = 0;
  h->ext = NULL;
  h->ext_len = 0;
  if (buf[0] & 0x10) {
    if (len - off < 4)
      return gw_fail(why, GW_EINVAL, "RTP extension header runs past the end of the packet");
    size_t ext_len = 4u * rd16(buf + off + 2);
    if (len - off - 4 < ext_len)
      return gw_fail(why, GW_EINVAL, "RTP extension of %zu bytes runs past the end of the packet",
                     ext_len);
    h->has_ext = true;
    h->ext_profile = rd16(buf + off);
    h->ext = buf + off + 4;
    h->ext_len = ext_len;
    off += 4 + ext_len;
  }
  h->header_len = off;
  return GW_OK;
}

int gw_rtp_check_clear_header(const uint8_t *buf, size_t len, size_t *header_len, gw_why *why) {
  gw_rtp_header h = {0};
  int rc = clear_header(buf, len, &h, why);
  if (rc == GW_OK && header_len) *header_len = h.header_len;
  return rc;
}

int gw_rtp_parse(const uint8_t *buf, size_t len, gw_rtp_header *out, gw_why *why) {
  gw_rtp_header h = {0};
  int rc = clear_header(buf, len, &h, why);
  if (rc != GW_OK) return rc;
  size_t end = len;
  h.pad_len = 0;
  if (buf[0] & 0x20) {
    /* RFC 3550 5.1: the last octet counts the padding, itself included. */
    uint8_t pad = buf[len - 1];
    if (pad == 0 || pad > len - h.header_len)
      return gw_fail(why, GW_EINVAL, "RTP padding count %u does not fit a %zu-byte payload",
                     (unsigned)pad, len - h.header_len);
    h.pad_len = pad;
    end -= pad;
  }
  h.payload = buf + h.header_len;
  h.payload_len = end - h.header_len;
  *out = h;
  return GW_OK;
}

int gw_rtp_write_header(uint8_t *buf, size_t cap, bool marker, uint8_t pt, uint16_t seq,
                        uint32_t ts, uint32_t ssrc) {
  if (cap < GW_RTP_HEADER_LEN) return GW_ETOOBIG;
  if (pt > 127) return GW_EINVAL;
  buf[0] = GW_RTP_VERSION << 6;
  buf[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
  buf[2] = (uint8_t)(seq >> 8);
  buf[3] = (uint8_t)seq;
  for (int i = 0; i < 4; i++) {
    buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
    buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  }
  return GW_OK;
}

bool gw_rtp_looks_like_rtcp(const uint8_t *buf, size_t len) {
  return len >= 2 && buf[0] >> 6 == GW_RTP_VERSION && buf[1] >= 192 && buf[1] <= 223;
}

int gw_rtp_ext_iter_init(gw_rtp_ext_iter *it, const gw_rtp_header *h) {
  memset(it, 0, sizeof *it);
  if (!h->has_ext) return GW_EUNSUPP;
  if (h->ext_profile == GW_RTP_EXT_ONE_BYTE)
    it->two_byte = false;
  else if ((h->ext_profile & 0xfff0) == GW_RTP_EXT_TWO_BYTE)
    it->two_byte = true;
  else
    return GW_EUNSUPP;
  it->p = h->ext;
  it->len = h->ext_len;
  return GW_OK;
}

bool gw_rtp_ext_next(gw_rtp_ext_iter *it, uint8_t *id, const uint8_t **data, size_t *len) {
  while (!it->malformed && it->off < it->len) {
    uint8_t b = it->p[it->off];
    if (b == 0) { /* padding byte, in either form */
      it->off++;
      continue;
    }
    size_t n, hdr;
    if (it->two_byte) {
      if (it->len - it->off < 2) break; /* an ID with no length byte */
      *id = b;
      n = it->p[it->off + 1];
      hdr = 2;
    } else {
      if (b >> 4 == 15) { /* RFC 8285 4.2: stop processing the whole block */
        it->off = it->len;
        return false;
      }
      if (b >> 4 == 0) { /* ID 0 is reserved for padding: skip the byte */
        it->off++;
        continue;
      }
      *id = b >> 4;
      n = (size_t)(b & 0x0f) + 1;
      hdr = 1;
    }
    if (it->len - it->off - hdr < n) break;
    *data = it->p + it->off + hdr;
    *len = n;
    it->off += hdr + n;
    return true;
  }
  if (it->off < it->len) it->malformed = true;
  return false;
}
