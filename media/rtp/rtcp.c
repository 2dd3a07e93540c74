/* RTCP compound-packet validation and walking, builders, NTP arithmetic (RFC 3550 6, A.2). */
#include "media/rtp/rtcp.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* ---- validation ---- */

/* SDES (6.5): count chunks, each an SSRC/CSRC then items up to a null item, then NULs to the next
 * 32-bit boundary. c points just after the common header; n bytes up to the padding. */
static int check_sdes(const uint8_t *c, size_t n, unsigned chunks, gw_why *why) {
  size_t off = 0;
  for (unsigned i = 0; i < chunks; i++) {
    if (n - off < 4) return gw_fail(why, GW_EINVAL, "RTCP SDES chunk %u runs past its packet", i);
    off += 4;
    for (;;) {
      if (off >= n) return gw_fail(why, GW_EINVAL, "RTCP SDES chunk %u has no terminating null item", i);
      if (c[off] == GW_RTCP_SDES_END) break;
      if (n - off < 2 || n - off - 2 < c[off + 1])
        return gw_fail(why, GW_EINVAL, "RTCP SDES item of type %u runs past its packet",
                       (unsigned)c[off]);
      off += 2u + c[off + 1];
    }
    off = (off + 4) & ~(size_t)3; /* the null item, then up to the next boundary */
    if (off > n) return gw_fail(why, GW_EINVAL, "RTCP SDES chunk %u padding runs past its packet", i);
  }
  return GW_OK;
}

/* The fixed part each known type needs after its 4-byte header, and the type-specific checks. */
static int check_packet(uint8_t type, unsigned count, const uint8_t *c, size_t n, gw_why *why) {
  size_t need = 0;
  switch (type) {
  case GW_RTCP_SR: need = 4 + 20 + (size_t)GW_RTCP_REPORT_BLOCK_LEN * count; break;
  case GW_RTCP_RR: need = 4 + (size_t)GW_RTCP_REPORT_BLOCK_LEN * count; break;
  case GW_RTCP_SDES: return check_sdes(c, n, count, why);
  case GW_RTCP_BYE:
    need = 4u * count;
    if (n > need && n - need - 1 < c[need])
      return gw_fail(why, GW_EINVAL, "RTCP BYE reason runs past its packet");
    break;
  case GW_RTCP_APP: need = 8; break;
  case GW_RTCP_RTPFB:
  case GW_RTCP_PSFB: need = 8; break;
  case GW_RTCP_XR: need = 4; break;
  default: return GW_OK;
  }
  if (n < need)
    return gw_fail(why, GW_EINVAL, "RTCP packet type %u with count %u needs %zu bytes, has %zu",
                   (unsigned)type, count, need + 4, n + 4);
  return GW_OK;
}

int gw_rtcp_iter_init(gw_rtcp_iter *it, const uint8_t *buf, size_t len, gw_why *why) {
  it->buf = buf;
  it->len = 0;
  it->off = 0;
  if (len < 4) return gw_fail(why, GW_EINVAL, "RTCP packet of %zu bytes is shorter than a header", len);
  size_t off = 0;
  while (off < len) {
    const uint8_t *p = buf + off;
    if (len - off < 4)
      return gw_fail(why, GW_EINVAL, "%zu stray bytes after the last RTCP packet", len - off);
    if (p[0] >> 6 != 2)
      return gw_fail(why, GW_EINVAL, "RTCP version %u at offset %zu, expected 2",
                     (unsigned)(p[0] >> 6), off);
    size_t size = 4 * ((size_t)rd16(p + 2) + 1);
    if (size > len - off)
      return gw_fail(why, GW_EINVAL, "RTCP length field (%zu bytes) at offset %zu runs past the end",
                     size, off);
    size_t pad = 0;
    if (p[0] & 0x20) {
      if (off + size != len)
        return gw_fail(why, GW_EINVAL, "RTCP padding on a packet that is not the last one");
      pad = p[size - 1];
      if (pad == 0 || pad > size - 4)
        return gw_fail(why, GW_EINVAL, "RTCP padding count %zu does not fit a %zu-byte packet", pad,
                       size);
    }
    int rc = check_packet(p[1], p[0] & 0x1f, p + 4, size - 4 - pad, why);
    if (rc != GW_OK) return rc;
    off += size;
  }
  it->len = len;
  return GW_OK;
}

bool gw_rtcp_iter_next(gw_rtcp_iter *it, gw_rtcp_packet *out) {
  if (it->len - it->off < 4) return false;
  const uint8_t *p = it->buf + it->off;
  size_t size = 4 * ((size_t)rd16(p + 2) + 1);
  if (size > it->len - it->off) return false; /* not reached after a successful init */
  memset(out, 0, sizeof *out);
  out->type = p[1];
  out->count = p[0] & 0x1f;
  out->data = p;
  out->len = size;
  out->pad_len = (p[0] & 0x20) ? p[size - 1] : 0;
  const uint8_t *c = p + 4;
  size_t n = size - 4 - out->pad_len, fixed = 0;
  switch (out->type) {
  case GW_RTCP_SR:
    out->ssrc = rd32(c);
    out->sender.ntp = (uint64_t)rd32(c + 4) << 32 | rd32(c + 8);
    out->sender.rtp_ts = rd32(c + 12);
    out->sender.packet_count = rd32(c + 16);
    out->sender.octet_count = rd32(c + 20);
    out->blocks = c + 24;
    fixed = 24 + (size_t)GW_RTCP_REPORT_BLOCK_LEN * out->count;
    break;
  case GW_RTCP_RR:
    out->ssrc = rd32(c);
    out->blocks = c + 4;
    fixed = 4 + (size_t)GW_RTCP_REPORT_BLOCK_LEN * out->count;
    break;
  case GW_RTCP_SDES:
  case GW_RTCP_BYE:
    if (out->count > 0) out->ssrc = rd32(c);
    break;
  case GW_RTCP_APP:
    out->ssrc = rd32(c);
    memcpy(out->app_name, c + 4, 4);
    fixed = 8;
    break;
  case GW_RTCP_RTPFB:
  case GW_RTCP_PSFB:
    out->ssrc = rd32(c);
    out->media_ssrc = rd32(c + 4);
    fixed = 8;
    break;
  case GW_RTCP_XR:
    out->ssrc = rd32(c);
    fixed = 4;
    break;
  default: break;
  }
  out->body = c + fixed;
  out->body_len = n - fixed;
  it->off += size;
  return true;
}

void gw_rtcp_report_block_at(const gw_rtcp_packet *p, unsigned i, gw_rtcp_report_block *out) {
  const uint8_t *b = p->blocks + (size_t)GW_RTCP_REPORT_BLOCK_LEN * i;
  out->ssrc = rd32(b);
  out->fraction_lost = b[4];
  uint32_t lost = (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
  out->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
  out->ext_highest_seq = rd32(b + 8);
  out->jitter = rd32(b + 12);
  out->lsr = rd32(b + 16);
  out->dlsr = rd32(b + 20);
}

void gw_rtcp_sdes_iter_init(gw_rtcp_sdes_iter *it, const gw_rtcp_packet *p) {
  memset(it, 0, sizeof *it);
  if (p->type != GW_RTCP_SDES) return;
  it->p = p->data + 4;
  it->len = p->len - 4 - p->pad_len;
  it->chunks_left = p->count;
}

bool gw_rtcp_sdes_next(gw_rtcp_sdes_iter *it, uint32_t *ssrc, uint8_t *type, const uint8_t **text,
                       size_t *len) {
  for (;;) {
    if (!it->in_chunk) {
      if (it->chunks_left == 0 || it->len - it->off < 4) return false;
      it->chunks_left--;
      it->ssrc = rd32(it->p + it->off);
      it->off += 4;
      it->in_chunk = true;
    }
    if (it->off >= it->len) return false;
    uint8_t t = it->p[it->off];
    if (t == GW_RTCP_SDES_END) {
      it->off = (it->off + 4) & ~(size_t)3;
      if (it->off > it->len) it->off = it->len;
      it->in_chunk = false;
      continue;
    }
    if (it->len - it->off < 2 || it->len - it->off - 2 < it->p[it->off + 1]) return false;
    *ssrc = it->ssrc;
    *type = t;
    *len = it->p[it->off + 1];
    *text = it->p + it->off + 2;
    it->off += 2 + *len;
    return true;
  }
}

/* ---- builders ---- */

static void write_header(uint8_t *p, unsigned count, uint8_t type, size_t size) {
  p[0] = (uint8_t)(2u << 6 | count);
  p[1] = type;
  p[2] = (uint8_t)((size / 4 - 1) >> 8);
  p[3] = (uint8_t)(size / 4 - 1);
}

static int room(size_t cap, const size_t *off, size_t size) {
  return *off <= cap && cap - *off >= size ? GW_OK : GW_ETOOBIG;
}

static void write_blocks(uint8_t *p, const gw_rtcp_report_block *b, unsigned n) {
  for (unsigned i = 0; i < n; i++, p += GW_RTCP_REPORT_BLOCK_LEN) {
    int32_t lost = b[i].cumulative_lost;
    if (lost > 0x7fffff) lost = 0x7fffff;
    if (lost < -0x800000) lost = -0x800000;
    wr32(p, b[i].ssrc);
    wr32(p + 4, (uint32_t)b[i].fraction_lost << 24 | ((uint32_t)lost & 0xffffff));
    wr32(p + 8, b[i].ext_highest_seq);
    wr32(p + 12, b[i].jitter);
    wr32(p + 16, b[i].lsr);
    wr32(p + 20, b[i].dlsr);
  }
}

int gw_rtcp_write_sr(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc,
                     const gw_rtcp_sender_info *si, const gw_rtcp_report_block *blocks, unsigned n) {
  if (n > GW_RTCP_MAX_BLOCKS) return GW_EINVAL;
  size_t size = 28 + (size_t)GW_RTCP_REPORT_BLOCK_LEN * n;
  if (room(cap, off, size) != GW_OK) return GW_ETOOBIG;
  uint8_t *p = buf + *off;
  write_header(p, n, GW_RTCP_SR, size);
  wr32(p + 4, ssrc);
  wr32(p + 8, (uint32_t)(si->ntp >> 32));
  wr32(p + 12, (uint32_t)si->ntp);
  wr32(p + 16, si->rtp_ts);
  wr32(p + 20, si->packet_count);
  wr32(p + 24, si->octet_count);
  write_blocks(p + 28, blocks, n);
  *off += size;
  return GW_OK;
}

int gw_rtcp_write_rr(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc,
                     const gw_rtcp_report_block *blocks, unsigned n) {
  if (n > GW_RTCP_MAX_BLOCKS) return GW_EINVAL;
  size_t size = 8 + (size_t)GW_RTCP_REPORT_BLOCK_LEN * n;
  if (room(cap, off, size) != GW_OK) return GW_ETOOBIG;
  uint8_t *p = buf + *off;
  write_header(p, n, GW_RTCP_RR, size);
  wr32(p + 4, ssrc);
  write_blocks(p + 8, blocks, n);
  *off += size;
  return GW_OK;
}

int gw_rtcp_write_sdes_cname(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc,
                             const char *cname) {
  size_t l = strlen(cname);
  if (l == 0 || l > 255) return GW_EINVAL;
  /* header, SSRC, type, length, text, then at least one null octet up to a 32-bit boundary */
  size_t size = (4 + 4 + 2 + l + 1 + 3) & ~(size_t)3;
  if (room(cap, off, size) != GW_OK) return GW_ETOOBIG;
  uint8_t *p = buf + *off;
  memset(p, 0, size);
  write_header(p, 1, GW_RTCP_SDES, size);
  wr32(p + 4, ssrc);
  p[8] = GW_RTCP_SDES_CNAME;
  p[9] = (uint8_t)l;
  memcpy(p + 10, cname, l);
  *off += size;
  return GW_OK;
}

int gw_rtcp_write_bye(uint8_t *buf, size_t cap, size_t *off, uint32_t ssrc) {
  if (room(cap, off, 8) != GW_OK) return GW_ETOOBIG;
  uint8_t *p = buf + *off;
  write_header(p, 1, GW_RTCP_BYE, 8);
  wr32(p + 4, ssrc);
  *off += 8;
  return GW_OK;
}

/* ---- NTP ---- */

#define NTP_UNIX_OFFSET 2208988800ull /* seconds from 1900-01-01 to 1970-01-01 */

uint64_t gw_ntp_from_unix_us(int64_t unix_us) {
  if (unix_us < 0) unix_us = 0;
  uint64_t sec = (uint64_t)unix_us / 1000000u, us = (uint64_t)unix_us % 1000000u;
  return (sec + NTP_UNIX_OFFSET) << 32 | ((us << 32) / 1000000u);
}

uint32_t gw_ntp_mid32(uint64_t ntp) { return (uint32_t)(ntp >> 16); }

uint32_t gw_ntp_short_from_us(int64_t us) {
  if (us <= 0) return 0;
  if ((uint64_t)us >= 65536ull * 1000000u) return UINT32_MAX;
  return (uint32_t)(((uint64_t)us << 16) / 1000000u);
}

int64_t gw_ntp_short_to_us(uint32_t v) { return (int64_t)(((uint64_t)v * 1000000u) >> 16); }

int gw_rtcp_rtt(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr, uint32_t *rtt) {
  if (lsr == 0) return GW_ENOTFOUND;
  uint32_t since_sr = arrival_mid32 - lsr; /* modulo 2^32: the 16-bit seconds wrap every 18 h */
  if (since_sr >= 0x80000000u || since_sr < dlsr) return GW_EINVAL;
  *rtt = since_sr - dlsr;
  return GW_OK;
}
