/* Tests for media/srtp: RFC known answers, round trips, tamper/replay, SDES lines.
 *
 * The known-answer chain: RFC 3711 B.2 and RFC 7714 16.1.1 / 17.1 check this file's own
 * hand-made SRTP transforms (OpenSSL EVP); RFC 3711 B.3 checks its own key derivation; then
 * libsrtp's output, through gw_srtp, must equal packets made by hand with derived keys. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "media/srtp/sdes.h"
#include "media/srtp/srtp.h"

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (const char *p = hex; *p;) {
    if (*p == ' ') {
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

static void aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, uint8_t *out,
                    size_t n) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int len;
  g_assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv));
  g_assert_true(EVP_EncryptUpdate(c, out, &len, in, (int)n));
  EVP_CIPHER_CTX_free(c);
}

/* AES-128-GCM, 16-byte tag appended. */
static void aes_gcm(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aad_n,
                    const uint8_t *in, size_t n, uint8_t *out) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int len;
  g_assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, iv));
  g_assert_true(EVP_EncryptUpdate(c, NULL, &len, aad, (int)aad_n));
  g_assert_true(EVP_EncryptUpdate(c, out, &len, in, (int)n));
  g_assert_true(EVP_EncryptFinal_ex(c, out + n, &len));
  g_assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + n));
  EVP_CIPHER_CTX_free(c);
}

/* RFC 3711 4.3.1 with key_derivation_rate 0: AES-CM keyed by the master key, IV = master
 * salt (zero-padded to 14 bytes when it is a 12-byte GCM salt) ^ label << 48, over zeros. */
static void kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
                uint8_t label, uint8_t *out, size_t n) {
  uint8_t iv[16] = {0}, zeros[64] = {0};
  memcpy(iv, master_salt, salt_len);
  iv[7] ^= label;
  aes_ctr(master_key, iv, zeros, out, n);
}

typedef struct {
  uint8_t enc[16], auth[20], salt[14];
} session_keys;

/* SRTP labels 0,1,2; SRTCP labels 3,4,5. */
static void derive(const gw_srtp_master *m, size_t salt_len, int rtcp, session_keys *k) {
  uint8_t base = rtcp ? 3 : 0;
  kdf(m->bytes, m->bytes + 16, salt_len, base + 0, k->enc, 16);
  kdf(m->bytes, m->bytes + 16, salt_len, base + 1, k->auth, 20);
  kdf(m->bytes, m->bytes + 16, salt_len, base + 2, k->salt, salt_len);
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* RFC 3711 3.1 / 4.1.1 / 4.2: AES-CM + HMAC-SHA1 for an RTP packet with a 12-byte header. */
static size_t hand_srtp_cm(const session_keys *k, const uint8_t *rtp, size_t n, uint32_t roc,
                           size_t tag_len, uint8_t *out) {
  uint8_t iv[16] = {0}, mac[20];
  memcpy(iv, k->salt, 14);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= rtp[8 + i];               /* SSRC */
  uint8_t idx[6] = {(uint8_t)(roc >> 24), (uint8_t)(roc >> 16), (uint8_t)(roc >> 8),
                    (uint8_t)roc, rtp[2], rtp[3]};                     /* ROC || SEQ */
  for (int i = 0; i < 6; i++) iv[8 + i] ^= idx[i];
  memcpy(out, rtp, 12);
  aes_ctr(k->enc, iv, rtp + 12, out + 12, n - 12);
  put32(out + n, roc); /* authenticated, then overwritten by the tag */
  unsigned ml;
  HMAC(EVP_sha1(), k->auth, 20, out, n + 4, mac, &ml);
  memcpy(out + n, mac, tag_len);
  return n + tag_len;
}

/* RFC 3711 3.4: SRTCP with AES-CM + HMAC-SHA1-80, encrypted, given index. */
static size_t hand_srtcp_cm(const session_keys *k, const uint8_t *rtcp, size_t n, uint32_t index,
                            uint8_t *out) {
  uint8_t iv[16] = {0}, mac[20];
  memcpy(iv, k->salt, 14);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= rtcp[4 + i];
  uint8_t ib[4];
  put32(ib, index);
  for (int i = 0; i < 4; i++) iv[10 + i] ^= ib[i];
  memcpy(out, rtcp, 8);
  aes_ctr(k->enc, iv, rtcp + 8, out + 8, n - 8);
  put32(out + n, 0x80000000u | index);
  unsigned ml;
  HMAC(EVP_sha1(), k->auth, 20, out, n + 4, mac, &ml);
  memcpy(out + n + 4, mac, 10);
  return n + 14;
}

/* RFC 7714 8.1: IV = (00 00 || SSRC || ROC || SEQ) ^ salt; AAD = the 12-byte header. */
static size_t hand_srtp_gcm(const uint8_t key[16], const uint8_t salt[12], const uint8_t *rtp,
                            size_t n, uint32_t roc, uint8_t *out) {
  uint8_t iv[12] = {0};
  memcpy(iv + 2, rtp + 8, 4);
  put32(iv + 6, roc);
  iv[10] = rtp[2], iv[11] = rtp[3];
  for (int i = 0; i < 12; i++) iv[i] ^= salt[i];
  memcpy(out, rtp, 12);
  aes_gcm(key, iv, rtp, 12, rtp + 12, n - 12, out + 12);
  return n + 16;
}

/* RFC 7714 9.1: IV = (00 00 || SSRC || 00 00 || index) ^ salt; AAD = 8 header bytes || E|index;
 * the packet ends with the tag and then E|index. */
static size_t hand_srtcp_gcm(const uint8_t key[16], const uint8_t salt[12], const uint8_t *rtcp,
                             size_t n, uint32_t index, uint8_t *out) {
  uint8_t iv[12] = {0}, aad[12];
  memcpy(iv + 2, rtcp + 4, 4);
  put32(iv + 8, index);
  for (int i = 0; i < 12; i++) iv[i] ^= salt[i];
  memcpy(aad, rtcp, 8);
  put32(aad + 8, 0x80000000u | index);
  memcpy(out, rtcp, 8);
  aes_gcm(key, iv, aad, 12, rtcp + 8, n - 8, out + 8);
  put32(out + n + 16, 0x80000000u | index);
  return n + 20;
}

/* RFC 7714 16 / 17 inputs. */
static const char rfc7714_rtp[] =
    "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064697669736120696e2070617274"
    "65732074726573";
static const char rfc7714_srtp[] =
    "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d1"
    "9b36de3adf8833 899d7f27beb16a9152cf765ee4390cce";
static const char rfc7714_rtcp[] =
    "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeef"
    "deadbeefdeadbeef";
static const char rfc7714_srtcp[] =
    "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b46"
    "86303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4";
static const char rfc7714_key[] = "000102030405060708090a0b0c0d0e0f";
static const char rfc7714_salt[] = "517569642070726f2071756f";

/* ---- known answers for this file's own transforms ---- */

static void test_rfc3711_b2_keystream(void) {
  uint8_t key[16], iv[16], zeros[48] = {0}, ks[48], want[48];
  unhex("2B7E151628AED2A6ABF7158809CF4F3C", key, sizeof key);
  unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000", iv, sizeof iv);
  unhex("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB"
        " 41E95B3BB0A2E8DD477901E4FCA894C0", want, sizeof want);
  aes_ctr(key, iv, zeros, ks, sizeof ks);
  g_assert_cmpmem(ks, sizeof ks, want, sizeof want);
}

static void test_rfc3711_b3_kdf(void) {
  gw_srtp_master m = {.len = 30};
  unhex("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6", m.bytes, 30);
  session_keys k;
  derive(&m, 14, 0, &k);
  uint8_t enc[16], salt[14], auth[20];
  unhex("C61E7A93744F39EE10734AFE3FF7A087", enc, 16);
  unhex("30CBBC08863D8C85D49DB34A9AE1", salt, 14);
  unhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", auth, 20);
  g_assert_cmpmem(k.enc, 16, enc, 16);
  g_assert_cmpmem(k.salt, 14, salt, 14);
  g_assert_cmpmem(k.auth, 20, auth, 20);
}

static void test_rfc7714_hand_gcm(void) {
  uint8_t key[16], salt[12], rtp[128], want[128], out[160];
  unhex(rfc7714_key, key, 16);
  unhex(rfc7714_salt, salt, 12);
  size_t n = unhex(rfc7714_rtp, rtp, sizeof rtp), wn = unhex(rfc7714_srtp, want, sizeof want);
  g_assert_cmpmem(out, hand_srtp_gcm(key, salt, rtp, n, 0, out), want, wn);
  /* 17.1: SRTCP index 0x5d4 */
  n = unhex(rfc7714_rtcp, rtp, sizeof rtp);
  wn = unhex(rfc7714_srtcp, want, sizeof want);
  g_assert_cmpmem(out, hand_srtcp_gcm(key, salt, rtp, n, 0x5d4, out), want, wn);
}

/* ---- libsrtp through gw_srtp against packets made by hand ---- */

static gw_srtp *make(gw_srtp_suite suite, const gw_srtp_master *local,
                     const gw_srtp_master *remote) {
  gw_srtp *s = NULL;
  gw_why why = {""};
  int rc = gw_srtp_new(&s, suite, local, remote, &why);
  if (rc != GW_OK) g_error("gw_srtp_new: %s", why.msg);
  return s;
}

static void test_kat_aes_cm(gconstpointer data) {
  gw_srtp_suite suite = (gw_srtp_suite)GPOINTER_TO_INT(data);
  size_t tag = suite == GW_SRTP_AES_CM_128_HMAC_SHA1_80 ? 10 : 4;
  gw_srtp_master m = {.len = 30}, other = {.len = 30};
  unhex("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6", m.bytes, 30);
  gw_srtp *tx = make(suite, &m, &other), *rx = make(suite, &other, &m);

  uint8_t rtp[128], buf[160], want[160];
  size_t n = unhex(rfc7714_rtp, rtp, sizeof rtp);
  session_keys k;
  derive(&m, 14, 0, &k);
  size_t wn = hand_srtp_cm(&k, rtp, n, 0, tag, want);
  memcpy(buf, rtp, n);
  size_t len = n;
  g_assert_cmpint(gw_srtp_protect_rtp(tx, buf, &len, sizeof buf, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, want, wn);
  g_assert_cmpint(gw_srtp_unprotect_rtp(rx, buf, &len, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, rtp, n);

  /* SRTCP: libsrtp numbers its first packet 1; the tag is 80 bits for both suites. */
  n = unhex(rfc7714_rtcp, rtp, sizeof rtp);
  derive(&m, 14, 1, &k);
  wn = hand_srtcp_cm(&k, rtp, n, 1, want);
  memcpy(buf, rtp, n);
  len = n;
  g_assert_cmpint(gw_srtp_protect_rtcp(tx, buf, &len, sizeof buf, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, want, wn);
  g_assert_cmpint(gw_srtp_unprotect_rtcp(rx, buf, &len, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, rtp, n);
  gw_srtp_free(tx);
  gw_srtp_free(rx);
}

static void test_kat_gcm(void) {
  gw_srtp_master m = {.len = 28}, other = {.len = 28};
  unhex("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3A", m.bytes, 28);
  gw_srtp *tx = make(GW_SRTP_AEAD_AES_128_GCM, &m, &other);
  gw_srtp *rx = make(GW_SRTP_AEAD_AES_128_GCM, &other, &m);

  uint8_t rtp[128], buf[160], want[160];
  size_t n = unhex(rfc7714_rtp, rtp, sizeof rtp);
  session_keys k;
  derive(&m, 12, 0, &k);
  size_t wn = hand_srtp_gcm(k.enc, k.salt, rtp, n, 0, want);
  memcpy(buf, rtp, n);
  size_t len = n;
  g_assert_cmpint(gw_srtp_protect_rtp(tx, buf, &len, sizeof buf, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, want, wn);
  g_assert_cmpint(gw_srtp_unprotect_rtp(rx, buf, &len, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, rtp, n);

  n = unhex(rfc7714_rtcp, rtp, sizeof rtp);
  derive(&m, 12, 1, &k);
  wn = hand_srtcp_gcm(k.enc, k.salt, rtp, n, 1, want);
  memcpy(buf, rtp, n);
  len = n;
  g_assert_cmpint(gw_srtp_protect_rtcp(tx, buf, &len, sizeof buf, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, want, wn);
  g_assert_cmpint(gw_srtp_unprotect_rtcp(rx, buf, &len, NULL), ==, GW_OK);
  g_assert_cmpmem(buf, len, rtp, n);
  gw_srtp_free(tx);
  gw_srtp_free(rx);
}

/* ---- behaviour ---- */

static const gw_srtp_suite all_suites[] = {GW_SRTP_AES_CM_128_HMAC_SHA1_80,
                                           GW_SRTP_AES_CM_128_HMAC_SHA1_32,
                                           GW_SRTP_AEAD_AES_128_GCM};

static size_t make_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, size_t payload) {
  p[0] = 0x80, p[1] = 0;
  p[2] = (uint8_t)(seq >> 8), p[3] = (uint8_t)seq;
  put32(p + 4, seq * 160u);
  put32(p + 8, ssrc);
  for (size_t i = 0; i < payload; i++) p[12 + i] = (uint8_t)(i * 7 + seq);
  return 12 + payload;
}

static size_t make_rtcp(uint8_t *p, uint32_t ssrc) {
  memset(p, 0, 28);
  p[0] = 0x80, p[1] = 200, p[3] = 6; /* SR, no report blocks: 7 words */
  put32(p + 4, ssrc);
  put32(p + 8, 0xdeadbeef);
  return 28;
}

static void pair(gw_srtp_suite suite, gw_srtp **a, gw_srtp **b) {
  gw_srtp_master ka, kb;
  g_assert_cmpint(gw_sdes_generate(suite, &ka, NULL), ==, GW_OK);
  g_assert_cmpint(gw_sdes_generate(suite, &kb, NULL), ==, GW_OK);
  *a = make(suite, &ka, &kb);
  *b = make(suite, &kb, &ka);
}

static void test_round_trips(void) {
  for (size_t s = 0; s < G_N_ELEMENTS(all_suites); s++) {
    gw_srtp *a, *b;
    pair(all_suites[s], &a, &b);
    g_assert_cmpint(gw_srtp_get_suite(a), ==, all_suites[s]);
    for (uint32_t ssrc = 1; ssrc <= 3; ssrc++) { /* several SSRCs, both directions */
      for (unsigned i = 0; i < 50; i++) {
        uint16_t seq = (uint16_t)(65520 + i); /* crosses the ROC roll-over */
        uint8_t plain[200], *buf = g_malloc(200 + gw_srtp_rtp_overhead(all_suites[s]));
        size_t n = make_rtp(plain, seq, ssrc, 160), len = n;
        memcpy(buf, plain, n);
        /* exact capacity: ASan proves libsrtp writes no further than the overhead */
        g_assert_cmpint(gw_srtp_protect_rtp(i % 2 ? a : b, buf, &len,
                                            n + gw_srtp_rtp_overhead(all_suites[s]), NULL),
                        ==, GW_OK);
        g_assert_cmpuint(len, ==, n + gw_srtp_rtp_overhead(all_suites[s]));
        g_assert_cmpint(gw_srtp_unprotect_rtp(i % 2 ? b : a, buf, &len, NULL), ==, GW_OK);
        g_assert_cmpmem(buf, len, plain, n);
        g_free(buf);
      }
      for (unsigned i = 0; i < 5; i++) {
        uint8_t plain[64], *buf = g_malloc(28 + gw_srtp_rtcp_overhead(all_suites[s]));
        size_t n = make_rtcp(plain, ssrc), len = n;
        memcpy(buf, plain, n);
        g_assert_cmpint(gw_srtp_protect_rtcp(a, buf, &len, n + gw_srtp_rtcp_overhead(all_suites[s]),
                                             NULL),
                        ==, GW_OK);
        g_assert_cmpuint(len, ==, n + gw_srtp_rtcp_overhead(all_suites[s]));
        g_assert_cmpint(gw_srtp_unprotect_rtcp(b, buf, &len, NULL), ==, GW_OK);
        g_assert_cmpmem(buf, len, plain, n);
        g_free(buf);
      }
    }
    gw_srtp_free(a);
    gw_srtp_free(b);
  }
}

static void test_tamper_and_replay(void) {
  for (size_t s = 0; s < G_N_ELEMENTS(all_suites); s++) {
    gw_srtp *a, *b;
    pair(all_suites[s], &a, &b);
    uint8_t pkt[256], copy[256];
    gw_why why = {""};
    size_t len = make_rtp(pkt, 100, 42, 160);
    g_assert_cmpint(gw_srtp_protect_rtp(a, pkt, &len, sizeof pkt, NULL), ==, GW_OK);
    size_t slen = len;
    memcpy(copy, pkt, len);

    /* a flipped payload bit, header bit or tag bit is caught */
    size_t spots[] = {1, 20, slen - 1};
    for (size_t i = 0; i < G_N_ELEMENTS(spots); i++) {
      memcpy(pkt, copy, slen);
      pkt[spots[i]] ^= 0x01;
      len = slen;
      g_assert_cmpint(gw_srtp_unprotect_rtp(b, pkt, &len, &why), ==, GW_EPROTO);
      g_assert_nonnull(strstr(why.msg, "authentication"));
    }
    /* the genuine packet then passes once, and its replay is refused */
    memcpy(pkt, copy, slen);
    len = slen;
    g_assert_cmpint(gw_srtp_unprotect_rtp(b, pkt, &len, &why), ==, GW_OK);
    memcpy(pkt, copy, slen);
    len = slen;
    g_assert_cmpint(gw_srtp_unprotect_rtp(b, pkt, &len, &why), ==, GW_EPROTO);
    g_assert_nonnull(strstr(why.msg, "replayed"));

    /* SRTCP likewise */
    len = make_rtcp(pkt, 42);
    g_assert_cmpint(gw_srtp_protect_rtcp(a, pkt, &len, sizeof pkt, NULL), ==, GW_OK);
    slen = len;
    memcpy(copy, pkt, len);
    pkt[10] ^= 0x80;
    g_assert_cmpint(gw_srtp_unprotect_rtcp(b, pkt, &len, &why), ==, GW_EPROTO);
    memcpy(pkt, copy, slen);
    len = slen;
    g_assert_cmpint(gw_srtp_unprotect_rtcp(b, pkt, &len, NULL), ==, GW_OK);
    memcpy(pkt, copy, slen);
    len = slen;
    g_assert_cmpint(gw_srtp_unprotect_rtcp(b, pkt, &len, &why), ==, GW_EPROTO);
    g_assert_nonnull(strstr(why.msg, "replayed"));

    /* sending a sequence number twice is our bug, not the peer's */
    len = make_rtp(pkt, 100, 42, 20);
    g_assert_cmpint(gw_srtp_protect_rtp(a, pkt, &len, sizeof pkt, &why), ==, GW_ESTATE);
    gw_srtp_free(a);
    gw_srtp_free(b);
  }
}

static void test_sizes_and_args(void) {
  gw_srtp *a, *b;
  pair(GW_SRTP_AES_CM_128_HMAC_SHA1_80, &a, &b);
  uint8_t pkt[200], before[200];
  gw_why why = {""};
  size_t n = make_rtp(pkt, 1, 1, 100), len = n;
  memcpy(before, pkt, n);
  g_assert_cmpint(gw_srtp_protect_rtp(a, pkt, &len, n + 9, &why), ==, GW_ETOOBIG);
  g_assert_cmpuint(len, ==, n);
  g_assert_cmpmem(pkt, n, before, n);
  len = 11;
  g_assert_cmpint(gw_srtp_protect_rtp(a, pkt, &len, sizeof pkt, &why), ==, GW_EINVAL);
  len = 5;
  g_assert_cmpint(gw_srtp_unprotect_rtcp(b, pkt, &len, &why), ==, GW_EINVAL);

  gw_srtp *s = NULL;
  gw_srtp_master short_key = {.len = 28}, ok = {.len = 30};
  g_assert_cmpint(gw_srtp_new(&s, GW_SRTP_AES_CM_128_HMAC_SHA1_80, &short_key, &ok, &why), ==,
                  GW_EINVAL);
  g_assert_nonnull(strstr(why.msg, "30 bytes"));
  g_assert_cmpint(gw_srtp_new(&s, (gw_srtp_suite)99, &ok, &ok, &why), ==, GW_EINVAL);
  g_assert_null(s);
  gw_srtp_free(NULL);
  gw_srtp_free(a);
  gw_srtp_free(b);

  g_assert_cmpuint(gw_srtp_master_len(GW_SRTP_AEAD_AES_128_GCM), ==, 28);
  g_assert_cmpuint(gw_srtp_rtp_overhead(GW_SRTP_AES_CM_128_HMAC_SHA1_32), ==, 4);
  g_assert_cmpuint(gw_srtp_rtcp_overhead(GW_SRTP_AES_CM_128_HMAC_SHA1_32), ==, 14);
  g_assert_cmpuint(gw_srtp_rtcp_overhead(GW_SRTP_AEAD_AES_128_GCM), ==, GW_SRTP_MAX_OVERHEAD);
}

static void test_suite_names(void) {
  gw_srtp_suite s;
  for (size_t i = 0; i < G_N_ELEMENTS(all_suites); i++) {
    g_assert_cmpint(gw_srtp_suite_parse(gw_srtp_suite_name(all_suites[i]), &s, NULL), ==, GW_OK);
    g_assert_cmpint(s, ==, all_suites[i]);
  }
  gw_why why = {""};
  g_assert_cmpint(gw_srtp_suite_parse("AES_256_CM_HMAC_SHA1_80", &s, &why), ==, GW_EUNSUPP);
  g_assert_cmpstr(why.msg, ==, "crypto suite AES_256_CM_HMAC_SHA1_80 is not supported");
  g_assert_cmpint(gw_srtp_suite_parse("aes_cm_128_hmac_sha1_80", &s, NULL), ==, GW_EINVAL);
  g_assert_cmpint(gw_srtp_suite_from_dtls_profile(0x0001, &s, NULL), ==, GW_OK);
  g_assert_cmpint(s, ==, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
  g_assert_cmpint(gw_srtp_suite_from_dtls_profile(0x0007, &s, NULL), ==, GW_OK);
  g_assert_cmpint(s, ==, GW_SRTP_AEAD_AES_128_GCM);
  g_assert_cmpint(gw_srtp_suite_from_dtls_profile(0x0008, &s, NULL), ==, GW_EUNSUPP);
}

/* ---- SDES ---- */

/* The key of RFC 4568's own example (section 4). */
static const char rfc4568_key[] = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

static void test_sdes_round_trip(void) {
  for (size_t i = 0; i < G_N_ELEMENTS(all_suites); i++) {
    gw_sdes_crypto c = {.tag = 1 + (unsigned)i, .suite = all_suites[i]}, back;
    g_assert_cmpint(gw_sdes_generate(c.suite, &c.master, NULL), ==, GW_OK);
    char line[GW_SDES_VALUE_MAX];
    g_assert_cmpint(gw_sdes_format(&c, line, sizeof line, NULL), ==, GW_OK);
    g_assert_cmpint(gw_sdes_parse(line, &back, NULL), ==, GW_OK);
    g_assert_cmpuint(back.tag, ==, c.tag);
    g_assert_cmpint(back.suite, ==, c.suite);
    g_assert_cmpmem(back.master.bytes, back.master.len, c.master.bytes, c.master.len);
    g_assert_cmpuint(back.lifetime, ==, 0);
    /* with a lifetime, the longest form, must still fit GW_SDES_VALUE_MAX */
    c.tag = 999999999;
    c.lifetime = UINT64_C(1) << 48;
    g_assert_cmpint(gw_sdes_format(&c, line, sizeof line, NULL), ==, GW_OK);
    g_assert_cmpint(gw_sdes_parse(line, &back, NULL), ==, GW_OK);
    g_assert_cmpuint(back.lifetime, ==, c.lifetime);
  }
  /* two fresh keys differ */
  gw_srtp_master x, y;
  gw_sdes_generate(GW_SRTP_AES_CM_128_HMAC_SHA1_80, &x, NULL);
  gw_sdes_generate(GW_SRTP_AES_CM_128_HMAC_SHA1_80, &y, NULL);
  g_assert_true(memcmp(x.bytes, y.bytes, 30) != 0);
}

static void test_sdes_known_lines(void) {
  gw_sdes_crypto c;
  char line[GW_SDES_VALUE_MAX], want[128];
  g_snprintf(want, sizeof want, "1 AES_CM_128_HMAC_SHA1_80 inline:%s", rfc4568_key);
  g_assert_cmpint(gw_sdes_parse(want, &c, NULL), ==, GW_OK);
  g_assert_cmpuint(c.master.len, ==, 30);
  g_assert_cmpint(gw_sdes_format(&c, line, sizeof line, NULL), ==, GW_OK);
  g_assert_cmpstr(line, ==, want);

  g_snprintf(want, sizeof want, "2 AES_CM_128_HMAC_SHA1_32 inline:%s|2^20\r\n", rfc4568_key);
  g_assert_cmpint(gw_sdes_parse(want, &c, NULL), ==, GW_OK);
  g_assert_cmpuint(c.tag, ==, 2);
  g_assert_cmpuint(c.lifetime, ==, 1u << 20);
  g_assert_cmpint(gw_sdes_format(&c, line, sizeof line, NULL), ==, GW_OK);
  want[strlen(want) - 2] = '\0';
  g_assert_cmpstr(line, ==, want);

  g_snprintf(want, sizeof want, "3 AES_CM_128_HMAC_SHA1_80 inline:%s|1000  WSH=64 KDR=0",
             rfc4568_key);
  g_assert_cmpint(gw_sdes_parse(want, &c, NULL), ==, GW_OK);
  g_assert_cmpuint(c.lifetime, ==, 1000);

  /* GCM: 28 bytes, base64 with "==" padding, and without */
  uint8_t k[28];
  for (int i = 0; i < 28; i++) k[i] = (uint8_t)i;
  gw_sdes_crypto g = {.tag = 7, .suite = GW_SRTP_AEAD_AES_128_GCM, .master.len = 28};
  memcpy(g.master.bytes, k, 28);
  g_assert_cmpint(gw_sdes_format(&g, line, sizeof line, NULL), ==, GW_OK);
  g_assert_cmpstr(line, ==, "7 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==");
  g_assert_cmpint(gw_sdes_parse("7 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw",
                                &c, NULL), ==, GW_OK);
  g_assert_cmpmem(c.master.bytes, c.master.len, k, 28);
}

static void test_sdes_malformed(void) {
  static const struct {
    const char *line;
    int rc;
    const char *says;
  } cases[] = {
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
       GW_EUNSUPP, "MKI"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4", GW_EUNSUPP,
       "MKI"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32;"
       "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:32",
       GW_EUNSUPP, "more than one key"},
      {"1 AEAD_AES_128_GCM inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", GW_EINVAL,
       "must be 28 bytes, got 30"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0m", GW_EINVAL,
       "must be 30 bytes, got 24"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!", GW_EINVAL,
       "base64"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVe=CFCanVmcjkpPywjNWhcYD0mXXtxaVBR", GW_EINVAL,
       "base64"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:", GW_EINVAL, "empty"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^99", GW_EINVAL,
       "lifetime"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|", GW_EINVAL,
       "lifetime"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|20|30",
       GW_EINVAL, "two lifetimes"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR UNENCRYPTED_SRTP",
       GW_EUNSUPP, "UNENCRYPTED_SRTP"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=10",
       GW_EUNSUPP, "KDR=10"},
      {"1 AES_256_CM_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", GW_EUNSUPP,
       "not supported"},
      {"1 NOT_A_SUITE inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", GW_EINVAL, "unknown"},
      {"1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key", GW_EINVAL, "inline:"},
      {"AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", GW_EINVAL, "tag"},
      {"0 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", GW_EINVAL, "tag"},
      {"1234567890 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
       GW_EINVAL, "tag"},
      {"1 AES_CM_128_HMAC_SHA1_80", GW_EINVAL, "no key"},
      {"1", GW_EINVAL, "no crypto suite"},
      {"", GW_EINVAL, "tag"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    gw_sdes_crypto c;
    gw_why why = {""};
    int rc = gw_sdes_parse(cases[i].line, &c, &why);
    if (rc != cases[i].rc || !strstr(why.msg, cases[i].says))
      g_error("\"%s\": got %d \"%s\", want %d containing \"%s\"", cases[i].line, rc, why.msg,
              cases[i].rc, cases[i].says);
  }
  gw_sdes_crypto c = {.tag = 1, .suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80, .master.len = 30};
  char tiny[20];
  gw_why why = {""};
  g_assert_cmpint(gw_sdes_format(&c, tiny, sizeof tiny, &why), ==, GW_ETOOBIG);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  gw_why why = {""};
  if (gw_srtp_global_init(&why) != GW_OK) g_error("%s", why.msg);
  g_test_add_func("/srtp/kat/rfc3711-b2-keystream", test_rfc3711_b2_keystream);
  g_test_add_func("/srtp/kat/rfc3711-b3-kdf", test_rfc3711_b3_kdf);
  g_test_add_func("/srtp/kat/rfc7714-16-17-hand-gcm", test_rfc7714_hand_gcm);
  g_test_add_data_func("/srtp/kat/libsrtp-aes-cm-80",
                       GINT_TO_POINTER(GW_SRTP_AES_CM_128_HMAC_SHA1_80), test_kat_aes_cm);
  g_test_add_data_func("/srtp/kat/libsrtp-aes-cm-32",
                       GINT_TO_POINTER(GW_SRTP_AES_CM_128_HMAC_SHA1_32), test_kat_aes_cm);
  g_test_add_func("/srtp/kat/libsrtp-gcm", test_kat_gcm);
  g_test_add_func("/srtp/round-trips", test_round_trips);
  g_test_add_func("/srtp/tamper-and-replay", test_tamper_and_replay);
  g_test_add_func("/srtp/sizes-and-args", test_sizes_and_args);
  g_test_add_func("/srtp/suite-names", test_suite_names);
  g_test_add_func("/sdes/round-trip", test_sdes_round_trip);
  g_test_add_func("/sdes/known-lines", test_sdes_known_lines);
  g_test_add_func("/sdes/malformed", test_sdes_malformed);
  int rc = g_test_run();
  gw_srtp_global_shutdown();
  return rc;
}
