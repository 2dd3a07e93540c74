/* Tests for media/rtp: RTP header parse/write, RTCP walk and builders (byte for byte), RFC 3550
 * A.1/A.3 sequence and loss accounting, A.8 jitter, 6.4.1 round-trip time; malformed input.
 *
 * Every parse runs on an exact-size heap copy of the input, so that a read past the end is
 * caught by ASan in the sanitizer build. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "media/rtp/recv_stats.h"
#include "media/rtp/rtcp.h"
#include "media/rtp/rtp.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (const char *p = hex; *p;) {
    if (*p == ' ' || *p == '\n') {
      p++;
      continue;
    }
    unsigned v;
    g_assert_true(sscanf(p, "%2x", &v) == 1);
    g_assert_cmpuint(n, <, cap);
    out[n++] = (uint8_t)v;
    p += 2;
  }
  return n;
}

/* The copy outlives the call (h points into it): freed at the end of the test program. */
static GPtrArray *copies;

static int parse_rtp_exact(const uint8_t *b, size_t n, gw_rtp_header *h) {
  uint8_t *copy = g_memdup2(b, n ? n : 1);
  g_ptr_array_add(copies, copy);
  gw_why why = {""};
  int rc = gw_rtp_parse(copy, n, h, &why);
  if (rc != GW_OK) g_assert_cmpstr(why.msg, !=, "");
  return rc;
}

static int parse_rtp_hex(const char *hex) {
  uint8_t b[256];
  gw_rtp_header h;
  return parse_rtp_exact(b, unhex(hex, b, sizeof b), &h);
}

/* Counts the packets of a compound packet; -1 when it is refused. */
static int walk_rtcp_exact(const uint8_t *b, size_t n) {
  uint8_t *copy = g_memdup2(b, n ? n : 1);
  gw_rtcp_iter it;
  gw_why why = {""};
  int count = -1;
  if (gw_rtcp_iter_init(&it, copy, n, &why) == GW_OK) {
    gw_rtcp_packet p;
    count = 0;
    while (gw_rtcp_iter_next(&it, &p)) count++;
  } else {
    g_assert_cmpstr(why.msg, !=, "");
  }
  g_free(copy);
  return count;
}

static int walk_rtcp_hex(const char *hex) {
  uint8_t b[512];
  return walk_rtcp_exact(b, unhex(hex, b, sizeof b));
}

/* ---- RTP ---- */

static void test_rtp_parse_basic(void) {
  /* V=2 P=1 X=1 CC=2, M=1 PT=111, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304,
   * CSRCs 0x0a0b0c0d 0x11121314, a one-byte extension block of 2 words (id 1 "xy", a padding
   * byte, id 2 "z", two padding bytes), payload "PAYLOAD", 3 bytes of padding. */
  uint8_t b[128];
  size_t n = unhex("B2 EF 1234 DEADBEEF 01020304 0A0B0C0D 11121314"
                   " BEDE 0002 11 7879 00 20 7A 0000"
                   " 5041594C4F4144 0000 03",
                   b, sizeof b);
  g_assert_cmpuint(n, ==, 42);
  gw_rtp_header h;
  g_assert_cmpint(parse_rtp_exact(b, n, &h), ==, GW_OK);
  g_assert_true(h.marker);
  g_assert_cmpuint(h.pt, ==, 111);
  g_assert_cmpuint(h.seq, ==, 0x1234);
  g_assert_cmpuint(h.ts, ==, 0xdeadbeef);
  g_assert_cmpuint(h.ssrc, ==, 0x01020304);
  g_assert_cmpuint(h.csrc_count, ==, 2);
  g_assert_cmpuint(h.csrc[0], ==, 0x0a0b0c0d);
  g_assert_cmpuint(h.csrc[1], ==, 0x11121314);
  g_assert_true(h.has_ext);
  g_assert_cmpuint(h.ext_profile, ==, 0xBEDE);
  g_assert_cmpuint(h.ext_len, ==, 8);
  g_assert_cmpuint(h.header_len, ==, 12 + 8 + 4 + 8);
  g_assert_cmpuint(h.pad_len, ==, 3);
  g_assert_cmpmem(h.payload, h.payload_len, "PAYLOAD", 7);

  gw_rtp_ext_iter it;
  uint8_t id;
  const uint8_t *d;
  size_t dl;
  g_assert_cmpint(gw_rtp_ext_iter_init(&it, &h), ==, GW_OK);
  g_assert_true(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_cmpuint(id, ==, 1);
  g_assert_cmpmem(d, dl, "xy", 2);
  g_assert_true(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_cmpuint(id, ==, 2);
  g_assert_cmpmem(d, dl, "z", 1);
  g_assert_false(gw_rtp_ext_next(&it, &id, &d, &dl)); /* the trailing 00 00 are padding */
  g_assert_false(it.malformed);
}

static void test_rtp_minimal_and_write(void) {
  uint8_t b[12];
  g_assert_cmpint(gw_rtp_write_header(b, sizeof b, true, 0, 65535, 160, 0xcafebabe), ==, GW_OK);
  uint8_t want[12];
  unhex("8080FFFF000000A0CAFEBABE", want, sizeof want);
  g_assert_cmpmem(b, 12, want, 12);
  gw_rtp_header h;
  g_assert_cmpint(parse_rtp_exact(b, 12, &h), ==, GW_OK);
  g_assert_true(h.marker);
  g_assert_cmpuint(h.pt, ==, 0);
  g_assert_cmpuint(h.seq, ==, 65535);
  g_assert_cmpuint(h.ts, ==, 160);
  g_assert_cmpuint(h.payload_len, ==, 0);
  g_assert_cmpuint(h.header_len, ==, 12);
  g_assert_false(h.has_ext);
  g_assert_cmpint(gw_rtp_write_header(b, 11, false, 0, 0, 0, 0), ==, GW_ETOOBIG);
  g_assert_cmpint(gw_rtp_write_header(b, 12, false, 128, 0, 0, 0), ==, GW_EINVAL);
  g_assert_cmpint(gw_rtp_write_header(b, 12, false, 8, 0x0102, 0x03040506, 7), ==, GW_OK);
  unhex("80080102030405060000 0007", want, sizeof want);
  g_assert_cmpmem(b, 12, want, 12);
}

static void test_rtp_ext_forms(void) {
  uint8_t b[64];
  gw_rtp_header h;
  gw_rtp_ext_iter it;
  uint8_t id;
  const uint8_t *d;
  size_t dl;
  /* Two-byte form (0x1000, appbits 0): id 3 len 0, padding, id 200 len 3 "abc", pad to 8. */
  size_t n = unhex("90000001 00000000 00000001 1000 0002 0300 00 C8 03 616263 00", b, sizeof b);
  g_assert_cmpint(parse_rtp_exact(b, n, &h), ==, GW_OK);
  g_assert_cmpint(gw_rtp_ext_iter_init(&it, &h), ==, GW_OK);
  g_assert_true(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_cmpuint(id, ==, 3);
  g_assert_cmpuint(dl, ==, 0);
  g_assert_true(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_cmpuint(id, ==, 200);
  g_assert_cmpmem(d, dl, "abc", 3);
  g_assert_false(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_false(it.malformed);

  /* One-byte: id 15 stops the walk, whatever follows. */
  n = unhex("90000001 00000000 00000001 BEDE 0001 F0 21 4142", b, sizeof b);
  g_assert_cmpint(parse_rtp_exact(b, n, &h), ==, GW_OK);
  g_assert_cmpint(gw_rtp_ext_iter_init(&it, &h), ==, GW_OK);
  g_assert_false(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_false(it.malformed);

  /* One-byte element longer than the block: id 1 L=15 (16 bytes) in a 4-byte block. */
  n = unhex("90000001 00000000 00000001 BEDE 0001 1F 414243", b, sizeof b);
  g_assert_cmpint(parse_rtp_exact(b, n, &h), ==, GW_OK); /* the block itself is fine */
  g_assert_cmpint(gw_rtp_ext_iter_init(&it, &h), ==, GW_OK);
  g_assert_false(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_true(it.malformed);

  /* Two-byte: a length byte past the block. */
  n = unhex("90000001 00000000 00000001 1000 0001 0105 4142", b, sizeof b);
  g_assert_cmpint(parse_rtp_exact(b, n, &h), ==, GW_OK);
  g_assert_cmpint(gw_rtp_ext_iter_init(&it, &h), ==, GW_OK);
  g_assert_false(gw_rtp_ext_next(&it, &id, &d, &dl));
  g_assert_true(it.malformed);

  /* Another profile: skipped by the parser, opaque to the walker; empty extension is fine. */
  n = unhex("90000001 00000000 00000001 ABCD 0000 5050", b, sizeof b);
  g_assert_cmpint(parse_rtp_exact(b, n, &h), ==, GW_OK);
  g_assert_cmpuint(h.ext_len, ==, 0);
  g_assert_cmpuint(h.payload_len, ==, 2);
  g_assert_cmpint(gw_rtp_ext_iter_init(&it, &h), ==, GW_EUNSUPP);
}

static void test_rtp_malformed(void) {
  g_assert_cmpint(parse_rtp_hex(""), ==, GW_EINVAL);
  g_assert_cmpint(parse_rtp_hex("80 00 0001 00000000 000000"), ==, GW_EINVAL); /* 11 bytes */
  g_assert_cmpint(parse_rtp_hex("40 00 0001 00000000 00000001"), ==, GW_EINVAL); /* version 1 */
  g_assert_cmpint(parse_rtp_hex("C0 00 0001 00000000 00000001"), ==, GW_EINVAL); /* version 3 */
  g_assert_cmpint(parse_rtp_hex("00 00 0001 00000000 00000001"), ==, GW_EINVAL); /* version 0 */
  /* CC=2 with one CSRC present */
  g_assert_cmpint(parse_rtp_hex("82 00 0001 00000000 00000001 00000002"), ==, GW_EINVAL);
  /* CC=15 in a 12-byte packet */
  g_assert_cmpint(parse_rtp_hex("8F 00 0001 00000000 00000001"), ==, GW_EINVAL);
  /* padding count larger than what follows the header */
  g_assert_cmpint(parse_rtp_hex("A0 00 0001 00000000 00000001 AAAA 04"), ==, GW_EINVAL);
  g_assert_cmpint(parse_rtp_hex("A0 00 0001 00000000 00000001 01"), ==, GW_OK); /* 1 pad byte */
  g_assert_cmpint(parse_rtp_hex("A0 00 0001 00000000 00000001 FF"), ==, GW_EINVAL);
  g_assert_cmpint(parse_rtp_hex("A0 00 0001 00000000 00000001 00"), ==, GW_EINVAL); /* count 0 */
  g_assert_cmpint(parse_rtp_hex("A0 00 0001 00000000 00000001"), ==, GW_EINVAL); /* P, no room */
  /* P with the count byte inside the header: the pad would eat the header */
  g_assert_cmpint(parse_rtp_hex("A0 00 0001 00000000 0000000C"), ==, GW_EINVAL);
  /* extension header past the end: X set, 2 bytes left */
  g_assert_cmpint(parse_rtp_hex("90 00 0001 00000000 00000001 BEDE"), ==, GW_EINVAL);
  g_assert_cmpint(parse_rtp_hex("90 00 0001 00000000 00000001"), ==, GW_EINVAL);
  /* extension length past the end: 2 words announced, 1 present */
  g_assert_cmpint(parse_rtp_hex("90 00 0001 00000000 00000001 BEDE 0002 10410000"), ==, GW_EINVAL);
  g_assert_cmpint(parse_rtp_hex("90 00 0001 00000000 00000001 BEDE FFFF 10410000"), ==, GW_EINVAL);
  /* extension exactly to the end: fine, empty payload */
  g_assert_cmpint(parse_rtp_hex("90 00 0001 00000000 00000001 BEDE 0001 10410000"), ==, GW_OK);
  /* CSRC + extension + padding that would overlap the extension */
  g_assert_cmpint(parse_rtp_hex("B1 00 0001 00000000 00000001 00000002 BEDE 0000 AA 03"), ==, GW_EINVAL);

  /* The clear-header check ignores padding (still encrypted under SRTP). */
  uint8_t b[64];
  size_t n = unhex("A0 00 0001 00000000 00000001 00", b, sizeof b), hl = 0;
  g_assert_cmpint(gw_rtp_check_clear_header(b, n, &hl, NULL), ==, GW_OK);
  g_assert_cmpuint(hl, ==, 12);
  n = unhex("90 00 0001 00000000 00000001 BEDE 0002 10410000", b, sizeof b);
  g_assert_cmpint(gw_rtp_check_clear_header(b, n, &hl, NULL), ==, GW_EINVAL);
}

static void test_rtp_looks_like_rtcp(void) {
  uint8_t b[2] = {0x80, 200};
  g_assert_true(gw_rtp_looks_like_rtcp(b, 2));
  b[1] = 0x80 | 0x60; /* marker + PT 96 = 224 */
  g_assert_false(gw_rtp_looks_like_rtcp(b, 2));
  b[1] = 0; /* PT 0 */
  g_assert_false(gw_rtp_looks_like_rtcp(b, 2));
  g_assert_false(gw_rtp_looks_like_rtcp(b, 1));
}

/* ---- RTCP ---- */

static const char sr_hex[] =
    "81 C8 000C"  /* V=2 RC=1 PT=200 length 12 */
    " 12345678"   /* sender SSRC */
    " E1A2B3C4 80000000" /* NTP: 0xE1A2B3C4.5 */
    " 00010203"   /* RTP timestamp */
    " 00000064"   /* 100 packets */
    " 00003E80"   /* 16000 octets */
    " DEADBEEF"   /* block: SSRC */
    " 40 FFFFFD"  /* fraction 64/256, cumulative lost -3 */
    " 00010005"   /* one wrap, highest 5 */
    " 00000020"   /* jitter 32 */
    " B7052000"   /* LSR (RFC 3550 6.4.1 example) */
    " 00054000";  /* DLSR 5.25 s */

static const gw_rtcp_report_block sr_block = {
    .ssrc = 0xDEADBEEF, .fraction_lost = 0x40, .cumulative_lost = -3,
    .ext_highest_seq = 0x00010005, .jitter = 32, .lsr = 0xB7052000, .dlsr = 0x00054000};

static void test_rtcp_sr_bytes(void) {
  uint8_t want[64], buf[64];
  size_t wn = unhex(sr_hex, want, sizeof want), off = 0;
  gw_rtcp_sender_info si = {.ntp = 0xE1A2B3C480000000ull, .rtp_ts = 0x00010203,
                            .packet_count = 100, .octet_count = 16000};
  g_assert_cmpint(gw_rtcp_write_sr(buf, sizeof buf, &off, 0x12345678, &si, &sr_block, 1), ==, GW_OK);
  g_assert_cmpmem(buf, off, want, wn);

  /* and back */
  gw_rtcp_iter it;
  gw_rtcp_packet p;
  g_assert_cmpint(gw_rtcp_iter_init(&it, want, wn, NULL), ==, GW_OK);
  g_assert_true(gw_rtcp_iter_next(&it, &p));
  g_assert_cmpuint(p.type, ==, GW_RTCP_SR);
  g_assert_cmpuint(p.count, ==, 1);
  g_assert_cmpuint(p.len, ==, 52);
  g_assert_cmpuint(p.ssrc, ==, 0x12345678);
  g_assert_cmpuint(p.sender.ntp, ==, 0xE1A2B3C480000000ull);
  g_assert_cmpuint(p.sender.rtp_ts, ==, 0x00010203);
  g_assert_cmpuint(p.sender.packet_count, ==, 100);
  g_assert_cmpuint(p.sender.octet_count, ==, 16000);
  g_assert_cmpuint(p.body_len, ==, 0);
  gw_rtcp_report_block rb;
  gw_rtcp_report_block_at(&p, 0, &rb);
  g_assert_cmpmem(&rb, sizeof rb, &sr_block, sizeof sr_block);
  g_assert_false(gw_rtcp_iter_next(&it, &p));

  /* no room: untouched */
  off = 30;
  memset(buf, 0xAA, sizeof buf);
  g_assert_cmpint(gw_rtcp_write_sr(buf, sizeof buf, &off, 1, &si, &sr_block, 1), ==, GW_ETOOBIG);
  g_assert_cmpuint(off, ==, 30);
  g_assert_cmpuint(buf[30], ==, 0xAA);
  off = 0;
  g_assert_cmpint(gw_rtcp_write_sr(buf, sizeof buf, &off, 1, &si, &sr_block, 32), ==, GW_EINVAL);
}

/* RR with two blocks + SDES CNAME, as one compound packet. */
static const char rr_sdes_hex[] =
    "82 C9 000D"  /* V=2 RC=2 PT=201 length 13 (56 bytes) */
    " 01020304"   /* reporter SSRC */
    " 0A0B0C0D 00 000000 0000FFFF 00000000 00000000 00000000" /* nothing lost, no SR yet */
    " 11223344 FF 7FFFFF 0002000A 000003E8 B7052000 00054000" /* lost clamped to 2^23-1 */
    " 81 CA 0005" /* V=2 SC=1 PT=202 length 5 (24 bytes) */
    " 01020304 01 0A 6777406578616D706C65 00000000"; /* CNAME "gw@example", 4 NULs */

static void test_rtcp_rr_sdes_bytes(void) {
  uint8_t want[128], buf[128];
  size_t wn = unhex(rr_sdes_hex, want, sizeof want), off = 0;
  gw_rtcp_report_block b[2] = {
      {.ssrc = 0x0A0B0C0D, .ext_highest_seq = 0xFFFF},
      {.ssrc = 0x11223344, .fraction_lost = 255, .cumulative_lost = 9000000,
       .ext_highest_seq = 0x0002000A, .jitter = 1000, .lsr = 0xB7052000, .dlsr = 0x00054000},
  };
  g_assert_cmpint(gw_rtcp_write_rr(buf, sizeof buf, &off, 0x01020304, b, 2), ==, GW_OK);
  g_assert_cmpuint(off, ==, 56);
  g_assert_cmpint(gw_rtcp_write_sdes_cname(buf, sizeof buf, &off, 0x01020304, "gw@example"), ==, GW_OK);
  g_assert_cmpmem(buf, off, want, wn);

  gw_rtcp_iter it;
  gw_rtcp_packet p;
  gw_rtcp_report_block rb;
  g_assert_cmpint(gw_rtcp_iter_init(&it, want, wn, NULL), ==, GW_OK);
  g_assert_true(gw_rtcp_iter_next(&it, &p));
  g_assert_cmpuint(p.type, ==, GW_RTCP_RR);
  g_assert_cmpuint(p.count, ==, 2);
  g_assert_cmpuint(p.ssrc, ==, 0x01020304);
  gw_rtcp_report_block_at(&p, 1, &rb);
  g_assert_cmpint(rb.cumulative_lost, ==, 0x7FFFFF);
  g_assert_cmpuint(rb.fraction_lost, ==, 255);
  g_assert_cmpuint(rb.jitter, ==, 1000);
  g_assert_true(gw_rtcp_iter_next(&it, &p));
  g_assert_cmpuint(p.type, ==, GW_RTCP_SDES);
  gw_rtcp_sdes_iter si;
  uint32_t ssrc;
  uint8_t type;
  const uint8_t *text;
  size_t tl;
  gw_rtcp_sdes_iter_init(&si, &p);
  g_assert_true(gw_rtcp_sdes_next(&si, &ssrc, &type, &text, &tl));
  g_assert_cmpuint(ssrc, ==, 0x01020304);
  g_assert_cmpuint(type, ==, GW_RTCP_SDES_CNAME);
  g_assert_cmpmem(text, tl, "gw@example", 10);
  g_assert_false(gw_rtcp_sdes_next(&si, &ssrc, &type, &text, &tl));
  g_assert_false(gw_rtcp_iter_next(&it, &p));

  /* Negative cumulative loss clamps at -2^23. */
  off = 0;
  b[0].cumulative_lost = -9000000;
  g_assert_cmpint(gw_rtcp_write_rr(buf, sizeof buf, &off, 1, b, 1), ==, GW_OK);
  g_assert_cmpmem(buf + 12, 4, "\x00\x80\x00\x00", 4);

  /* CNAME sizes: 1 char -> 12 bytes, 2 chars -> 12 + ... boundaries */
  for (size_t l = 1; l <= 255; l++) {
    char name[256];
    memset(name, 'a', l);
    name[l] = 0;
    off = 0;
    uint8_t big[300];
    g_assert_cmpint(gw_rtcp_write_sdes_cname(big, sizeof big, &off, 5, name), ==, GW_OK);
    g_assert_cmpuint(off % 4, ==, 0);
    g_assert_cmpuint(off, >=, 4 + 4 + 2 + l + 1);
    g_assert_cmpuint(off, <=, 4 + 4 + 2 + l + 4);
    g_assert_cmpint(walk_rtcp_exact(big, off), ==, 1);
  }
  off = 0;
  g_assert_cmpint(gw_rtcp_write_sdes_cname(buf, sizeof buf, &off, 5, ""), ==, GW_EINVAL);

  /* BYE */
  off = 0;
  g_assert_cmpint(gw_rtcp_write_bye(buf, sizeof buf, &off, 0x01020304), ==, GW_OK);
  g_assert_cmpmem(buf, off, "\x81\xCB\x00\x01\x01\x02\x03\x04", 8);
}

static void test_rtcp_other_types(void) {
  /* RR(0 blocks) + BYE with reason + APP + RTPFB NACK + PSFB PLI + XR + unknown type 195,
   * the last one padded. */
  uint8_t b[256];
  size_t n = unhex("80C90001 01020304"
                   " 81CB0003 01020304 04627965 21000000" /* BYE reason "bye!" */
                   " 82CC0003 01020304 4E414D45 DDDDDDDD" /* APP subtype 2 "NAME" */
                   " 81CD0003 01020304 05060708 00050000" /* RTPFB FMT 1 (NACK) */
                   " 81CE0002 01020304 05060708"          /* PSFB FMT 1 (PLI) */
                   " 80CF0001 01020304"                   /* XR, no blocks */
                   " A0C30002 AAAAAAAA 00000004",         /* type 195, 4 bytes of padding */
                   b, sizeof b);
  uint8_t *copy = g_memdup2(b, n);
  gw_rtcp_iter it;
  gw_rtcp_packet p;
  g_assert_cmpint(gw_rtcp_iter_init(&it, copy, n, NULL), ==, GW_OK);
  static const uint8_t types[] = {201, 203, 204, 205, 206, 207, 195};
  for (size_t i = 0; i < sizeof types; i++) {
    g_assert_true(gw_rtcp_iter_next(&it, &p));
    g_assert_cmpuint(p.type, ==, types[i]);
    if (p.type != 195) g_assert_cmpuint(p.ssrc, ==, 0x01020304);
    if (p.type == GW_RTCP_BYE) g_assert_cmpmem(p.body + 5, p.body[4], "bye!", 4); /* after the SSRC */
    if (p.type == GW_RTCP_APP) {
      g_assert_cmpstr(p.app_name, ==, "NAME");
      g_assert_cmpuint(p.count, ==, 2);
      g_assert_cmpuint(p.body_len, ==, 4);
    }
    if (p.type == GW_RTCP_RTPFB || p.type == GW_RTCP_PSFB) {
      g_assert_cmpuint(p.media_ssrc, ==, 0x05060708);
      g_assert_cmpuint(p.count, ==, 1);
      g_assert_cmpuint(p.body_len, ==, p.type == GW_RTCP_RTPFB ? 4 : 0);
    }
    if (p.type == 195) {
      g_assert_cmpuint(p.pad_len, ==, 4);
      g_assert_cmpuint(p.body_len, ==, 4);
    }
  }
  g_assert_false(gw_rtcp_iter_next(&it, &p));
  g_free(copy);
}

static void test_rtcp_malformed(void) {
  g_assert_cmpint(walk_rtcp_hex(""), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("80C900"), ==, -1);             /* truncated header */
  g_assert_cmpint(walk_rtcp_hex("40C90001 01020304"), ==, -1);  /* version 1 */
  g_assert_cmpint(walk_rtcp_hex("80C90001 01020304 00C90001 01020304"), ==, -1); /* 2nd: v0 */
  g_assert_cmpint(walk_rtcp_hex("80C90002 01020304"), ==, -1);  /* length past end */
  g_assert_cmpint(walk_rtcp_hex("80C9FFFF 01020304"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("80C90001 01020304 80"), ==, -1); /* stray byte */
  g_assert_cmpint(walk_rtcp_hex("81C90001 01020304"), ==, -1);  /* RC=1 without its block */
  g_assert_cmpint(walk_rtcp_hex("80C90000"), ==, -1);           /* RR without SSRC */
  g_assert_cmpint(walk_rtcp_hex("80C80001 01020304"), ==, -1);  /* SR without sender info */
  g_assert_cmpint(walk_rtcp_hex("80CD0001 01020304"), ==, -1);  /* FB without media SSRC */
  g_assert_cmpint(walk_rtcp_hex("80CC0001 01020304"), ==, -1);  /* APP without name */
  g_assert_cmpint(walk_rtcp_hex("80CF0000"), ==, -1);           /* XR without SSRC */
  /* padding larger than the packet, padding count 0, padding not on the last packet */
  g_assert_cmpint(walk_rtcp_hex("A0C90001 01020309"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("A0C90002 01020304 00000000"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("A0C90002 01020304 00000004 80C90001 01020304"), ==, -1);
  /* padding that eats the RR's SSRC */
  g_assert_cmpint(walk_rtcp_hex("A0C90001 01020304"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("A0C90002 01020304 00000004"), ==, 1);
  /* SDES: item past the end, chunk without its null item, missing chunk */
  g_assert_cmpint(walk_rtcp_hex("81CA0002 01020304 01054142"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("81CA0002 01020304 01024142"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("81CA0002 01020304 01014100"), ==, 1);
  g_assert_cmpint(walk_rtcp_hex("82CA0002 01020304 01014100"), ==, -1);
  /* BYE: reason past the end; SC=2 with one SSRC */
  g_assert_cmpint(walk_rtcp_hex("81CB0002 01020304 05414243"), ==, -1);
  g_assert_cmpint(walk_rtcp_hex("82CB0001 01020304"), ==, -1);
  /* In a compound packet, one bad part refuses the whole. */
  g_assert_cmpint(walk_rtcp_hex("80C90001 01020304 81CA0002 01020304 01054142"), ==, -1);

  /* Zero-length packets (4 bytes each, valid for SDES/BYE with count 0): the walk terminates
   * after exactly len/4 steps. */
  uint8_t many[4 * 1000];
  for (size_t i = 0; i < 1000; i++) memcpy(many + 4 * i, i % 2 ? "\x80\xCA\x00\x00" : "\x80\xCB\x00\x00", 4);
  g_assert_cmpint(walk_rtcp_exact(many, sizeof many), ==, 1000);
  many[4 * 500 + 1] = GW_RTCP_RR; /* an RR of length 0 has no room for its SSRC */
  g_assert_cmpint(walk_rtcp_exact(many, sizeof many), ==, -1);

  /* An iterator whose init failed yields nothing. */
  gw_rtcp_iter it;
  gw_rtcp_packet p;
  g_assert_cmpint(gw_rtcp_iter_init(&it, many, 3, NULL), ==, GW_EINVAL);
  g_assert_false(gw_rtcp_iter_next(&it, &p));
}

/* ---- NTP and RTT ---- */

static void test_rtt_rfc3550_example(void) {
  /* RFC 3550 6.4.1: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
   * DLSR = 0x0005:4000 (5.250 s); delay = 0x0006:2000 (6.125 s). */
  uint32_t rtt = 0;
  g_assert_cmpint(gw_rtcp_rtt(0xb7108000, 0xb7052000, 0x00054000, &rtt), ==, GW_OK);
  g_assert_cmphex(rtt, ==, 0x00062000);
  g_assert_cmpint(gw_ntp_short_to_us(rtt), ==, 6125000);
  g_assert_cmpuint(gw_ntp_short_from_us(5250000), ==, 0x00054000);
  /* no SR sent yet; A before LSR + DLSR */
  g_assert_cmpint(gw_rtcp_rtt(0xb7108000, 0, 0x00054000, &rtt), ==, GW_ENOTFOUND);
  g_assert_cmpint(gw_rtcp_rtt(0xb7052000, 0xb7052000, 1, &rtt), ==, GW_EINVAL);
  g_assert_cmpint(gw_rtcp_rtt(0xb7050000, 0xb7052000, 0, &rtt), ==, GW_EINVAL);
  /* across the 16-bit seconds wrap */
  g_assert_cmpint(gw_rtcp_rtt(0x00010000, 0xFFFF8000, 0x00004000, &rtt), ==, GW_OK);
  g_assert_cmphex(rtt, ==, 0x00014000);

  /* NTP: the Unix epoch is 2208988800 s after 1900; half a second is 0x80000000. */
  uint64_t ntp = gw_ntp_from_unix_us(500000);
  g_assert_cmphex(ntp >> 32, ==, 2208988800u);
  g_assert_cmphex((uint32_t)ntp, ==, 0x80000000u);
  g_assert_cmphex(gw_ntp_mid32(0xE1A2B3C480000000ull), ==, 0xB3C48000);
  g_assert_cmpuint(gw_ntp_short_from_us(-5), ==, 0);
  g_assert_cmpuint(gw_ntp_short_from_us(INT64_MAX), ==, UINT32_MAX);
}

/* ---- A.1 / A.3 ---- */

static void test_seq_wrap_and_loss(void) {
  gw_rtp_seq s;
  gw_rtp_seq_start(&s, 65530);
  g_assert_false(gw_rtp_seq_update(&s, 65530)); /* probation */
  uint16_t seq = 65531;
  for (int i = 0; i < 19; i++, seq++) g_assert_true(gw_rtp_seq_update(&s, seq));
  /* 65531..65549 (= 13 after the wrap) */
  g_assert_cmphex(gw_rtp_seq_ext_max(&s), ==, 0x1000D);
  g_assert_cmpuint(gw_rtp_seq_expected(&s), ==, 19);
  g_assert_cmpint(gw_rtp_seq_lost(&s), ==, 0);
  g_assert_cmpuint(gw_rtp_seq_fraction_lost(&s), ==, 0);

  /* Lose 4 of the next 20 (14..33: skip 20, 21, 22, 30). */
  for (uint16_t q = 14; q <= 33; q++)
    if (q != 20 && q != 21 && q != 22 && q != 30) g_assert_true(gw_rtp_seq_update(&s, q));
  g_assert_cmpuint(gw_rtp_seq_expected(&s), ==, 39);
  g_assert_cmpint(gw_rtp_seq_lost(&s), ==, 4);
  g_assert_cmpuint(gw_rtp_seq_fraction_lost(&s), ==, (4 << 8) / 20); /* 51 */

  /* A late packet and a duplicate: counted, loss goes down, then negative. */
  g_assert_true(gw_rtp_seq_update(&s, 20));
  g_assert_true(gw_rtp_seq_update(&s, 33));
  g_assert_true(gw_rtp_seq_update(&s, 33));
  g_assert_true(gw_rtp_seq_update(&s, 33));
  g_assert_true(gw_rtp_seq_update(&s, 33));
  g_assert_cmpint(gw_rtp_seq_lost(&s), ==, -1);
  g_assert_cmpuint(gw_rtp_seq_fraction_lost(&s), ==, 0); /* negative interval loss reads 0 */
  g_assert_cmphex(gw_rtp_seq_ext_max(&s), ==, 0x10021);

  /* A jump of 10000: refused once, accepted as a restart when the next one follows it. */
  g_assert_false(gw_rtp_seq_update(&s, 10033));
  g_assert_true(gw_rtp_seq_update(&s, 10034));
  g_assert_cmpuint(gw_rtp_seq_expected(&s), ==, 1);
  g_assert_cmpuint(s.received, ==, 1);

  /* Probation: an out-of-order second packet restarts it. */
  gw_rtp_seq t;
  gw_rtp_seq_start(&t, 100);
  g_assert_false(gw_rtp_seq_update(&t, 100));
  g_assert_false(gw_rtp_seq_update(&t, 500));
  g_assert_true(gw_rtp_seq_update(&t, 501));
  g_assert_cmpuint(t.base_seq, ==, 501);
  g_assert_cmpint(gw_rtp_seq_lost(&t), ==, 0);

  /* Several wraps: 3 x 65536 + 100 packets in order. */
  gw_rtp_seq w;
  gw_rtp_seq_start(&w, 0);
  gw_rtp_seq_update(&w, 0);
  uint32_t ext = 1;
  for (; ext < 3u * 65536 + 100; ext++) g_assert_true(gw_rtp_seq_update(&w, (uint16_t)ext));
  g_assert_cmpuint(gw_rtp_seq_ext_max(&w), ==, ext - 1);
  g_assert_cmpint(gw_rtp_seq_lost(&w), ==, 0);
}

/* ---- A.8 ---- */

static void test_jitter_a8(void) {
  /* 8 kHz, one packet per 20 ms (160 units); arrivals shifted by a known pattern (in units). */
  static const int32_t delay[] = {0, 8, -4, 40, 0, 0, 160, 3, -20, 12, 0, 800, 0, 5, 5, 5,
                                  -7, 90, 1, 2, 0, 0, 0, 0, 300, -100, 7, 7, 7, 7};
  const size_t n = sizeof delay / sizeof delay[0];
  gw_rtp_jitter j = {0};
  double want = 0, prev_transit = 0;
  uint32_t ts0 = 0xFFFFF000u; /* the RTP timestamp wraps during the run */
  uint32_t arrival0 = 123456789u;
  for (size_t i = 0; i < n; i++) {
    uint32_t ts = ts0 + 160u * (uint32_t)i;
    uint32_t arrival = arrival0 + 160u * (uint32_t)i + (uint32_t)delay[i];
    gw_rtp_jitter_update(&j, arrival, ts);
    /* A.8 formula, independently, in floating point on unwrapped times:
     * D = (Rj - Ri) - (Sj - Si), J += (|D| - J) / 16 */
    double r = (double)arrival0 + 160.0 * (double)i + delay[i], s_ts = (double)ts0 + 160.0 * (double)i;
    double transit = r - s_ts;
    if (i > 0) {
      double d = fabs(transit - prev_transit);
      want += (d - want) / 16.0;
    }
    prev_transit = transit;
    g_assert_cmpfloat(fabs((double)gw_rtp_jitter_get(&j) - want), <=, 1.0);
  }
  g_assert_cmpfloat(fabs(want - 83.81), <, 0.01);
  g_assert_cmpuint(gw_rtp_jitter_get(&j), ==, 83); /* the RFC's integer form truncates */
  /* By hand: a spike of 1600 gives J = 1600/16 = 100 exactly; a constant delay after it
   * decays J to 0. */
  gw_rtp_jitter k = {0};
  gw_rtp_jitter_update(&k, 1000, 0);
  gw_rtp_jitter_update(&k, 1160 + 1600, 160); /* one spike of 1600 */
  g_assert_cmpuint(gw_rtp_jitter_get(&k), ==, 100);
  for (uint32_t i = 2; i < 400; i++) gw_rtp_jitter_update(&k, 1000 + 160 * i + 1600, 160 * i);
  g_assert_cmpuint(gw_rtp_jitter_get(&k), ==, 0);

  g_assert_cmpuint(gw_rtp_clock_units(1000000, 8000), ==, 8000);
  g_assert_cmpuint(gw_rtp_clock_units(20000, 48000), ==, 960);
  g_assert_cmpuint(gw_rtp_clock_units(INT64_C(3600000000000), 48000), ==,
                   (uint32_t)(UINT64_C(3600000) * 48000));
}

static void test_report_block_fill(void) {
  gw_rtp_seq s;
  gw_rtp_jitter j = {0};
  gw_rtp_seq_start(&s, 1000);
  for (uint16_t q = 1000; q < 1100; q++) {
    if (q % 10 == 5) continue; /* lose 10 % */
    gw_rtp_seq_update(&s, q);
    gw_rtp_jitter_update(&j, 160u * q + (q % 2) * 16, 160u * q);
  }
  gw_rtcp_report_block rb;
  gw_rtp_report_block_fill(&s, &j, 42, 0xB7052000, 0x10000, &rb);
  g_assert_cmpuint(rb.ssrc, ==, 42);
  g_assert_cmpuint(rb.ext_highest_seq, ==, 1099);
  /* base 1001 after probation: 99 expected, 89 received */
  g_assert_cmpint(rb.cumulative_lost, ==, 10);
  g_assert_cmpuint(rb.fraction_lost, ==, (10 << 8) / 99);
  g_assert_cmpuint(rb.jitter, ==, gw_rtp_jitter_get(&j));
  g_assert_cmpuint(rb.jitter, >, 10);
  g_assert_cmpuint(rb.lsr, ==, 0xB7052000);
  gw_rtp_report_block_fill(&s, &j, 42, 0, 0, &rb);
  g_assert_cmpuint(rb.fraction_lost, ==, 0); /* nothing new since the last report */
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtp/parse-basic", test_rtp_parse_basic);
  g_test_add_func("/rtp/minimal-and-write", test_rtp_minimal_and_write);
  g_test_add_func("/rtp/extension-forms", test_rtp_ext_forms);
  g_test_add_func("/rtp/malformed", test_rtp_malformed);
  g_test_add_func("/rtp/looks-like-rtcp", test_rtp_looks_like_rtcp);
  g_test_add_func("/rtcp/sr-bytes", test_rtcp_sr_bytes);
  g_test_add_func("/rtcp/rr-sdes-bytes", test_rtcp_rr_sdes_bytes);
  g_test_add_func("/rtcp/other-types", test_rtcp_other_types);
  g_test_add_func("/rtcp/malformed", test_rtcp_malformed);
  g_test_add_func("/rtcp/rtt-rfc3550", test_rtt_rfc3550_example);
  g_test_add_func("/stats/seq-wrap-and-loss", test_seq_wrap_and_loss);
  g_test_add_func("/stats/jitter-a8", test_jitter_a8);
  g_test_add_func("/stats/report-block", test_report_block_fill);
  copies = g_ptr_array_new_with_free_func(g_free);
  int rc = g_test_run();
  g_ptr_array_unref(copies);
  return rc;
}
