/* Unit tests for media/sdp: real browser and SIP captures, round trips, the builder, trickle
 * candidates and every kind of malformed input. Fixtures: tests/fixtures/sdp/ (see its README). */
#include <glib.h>
#include <string.h>

#include "media/sdp/sdp.h"

#define ASSERT_HAS(hay, needle)                                                        \
  do {                                                                                 \
    if (!strstr((hay), (needle))) g_error("expected \"%s\" in \"%s\"", (needle), (hay)); \
  } while (0)

static char *fixture(const char *name, size_t *len) {
  char *path = g_test_build_filename(G_TEST_DIST, "tests", "fixtures", "sdp", name, NULL);
  char *text = NULL;
  GError *err = NULL;
  if (!g_file_get_contents(path, &text, len, &err)) g_error("%s: %s", path, err->message);
  g_free(path);
  return text;
}

static gw_sdp *parse_ok(const char *text, size_t len) {
  gw_sdp *s = NULL;
  gw_why why = {""};
  int rc = gw_sdp_parse(text, len, &s, &why);
  if (rc) g_error("parse failed (%d): %s", rc, why.msg);
  return s;
}

static char *write_ok(const gw_sdp *s, size_t *len) {
  char *out = NULL;
  gw_why why = {""};
  int rc = gw_sdp_write(s, &out, len, &why);
  if (rc) g_error("write failed (%d): %s", rc, why.msg);
  return out;
}

/* Runs check on the fixture as parsed, and again after write -> parse, then asserts that a
 * second write gives the same text (the writer's form is stable). */
static void with_roundtrip(const char *name, void (*check)(const gw_sdp *s)) {
  size_t len, len1, len2;
  char *text = fixture(name, &len);
  gw_sdp *a = parse_ok(text, len);
  check(a);
  char *w1 = write_ok(a, &len1);
  gw_sdp *b = parse_ok(w1, len1);
  check(b);
  char *w2 = write_ok(b, &len2);
  g_assert_cmpstr(w1, ==, w2);
  g_assert_true(g_str_has_prefix(w1, "v=0\r\no="));
  for (const char *p = w1; (p = strchr(p, '\n')); p++) g_assert_cmpint(p[-1], ==, '\r');
  gw_sdp_free(a);
  gw_sdp_free(b);
  g_free(text);
  g_free(w1);
  g_free(w2);
}

static const gw_sdp_attr *find_attr(const gw_sdp_attr *a, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(a[i].name, name) == 0) return &a[i];
  return NULL;
}

static void assert_fp32(const gw_sdp_fingerprint *fp, uint8_t first, uint8_t last) {
  uint8_t bytes[64];
  size_t n = 0;
  g_assert_nonnull(fp);
  g_assert_cmpstr(fp->alg, ==, "sha-256");
  g_assert_cmpint(gw_sdp_fingerprint_bytes(fp, bytes, &n, NULL), ==, GW_OK);
  g_assert_cmpuint(n, ==, 32);
  g_assert_cmpuint(bytes[0], ==, first);
  g_assert_cmpuint(bytes[31], ==, last);
}

/* ---- Chromium 156 ------------------------------------------------------------------------ */

static void check_chromium_offer(const gw_sdp *s) {
  static const unsigned pts[] = {111, 63, 9, 0, 8, 13, 110, 126};
  g_assert_cmpstr(s->origin.username, ==, "-");
  g_assert_cmpstr(s->origin.sess_id, ==, "2966953758469971036");
  g_assert_cmpuint(s->origin.sess_version, ==, 2);
  g_assert_cmpstr(s->origin.addr.addr, ==, "127.0.0.1");
  g_assert_cmpstr(s->name, ==, "-");
  g_assert_cmpuint(s->n_groups, ==, 1);
  g_assert_cmpstr(s->groups[0].semantics, ==, "BUNDLE");
  g_assert_cmpuint(s->groups[0].n_mids, ==, 1);
  g_assert_cmpstr(s->groups[0].mids[0], ==, "0");
  g_assert_true(s->extmap_allow_mixed);
  g_assert_cmpstr(s->msid_semantic, ==, "WMS 2acaffbb-3749-471d-ae59-2f682b985b49");
  g_assert_cmpuint(s->n_media, ==, 1);

  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_true(m == &s->media[0]);
  g_assert_cmpuint(m->port, ==, 58243);
  g_assert_cmpstr(m->proto, ==, "UDP/TLS/RTP/SAVPF");
  g_assert_cmpint(gw_sdp_media_profile(m), ==, GW_SDP_DTLS_SAVPF);
  g_assert_cmpstr(gw_sdp_conn_of(s, m)->addr, ==, "127.0.0.1");
  g_assert_cmpuint(m->n_codecs, ==, G_N_ELEMENTS(pts));
  for (size_t i = 0; i < G_N_ELEMENTS(pts); i++) g_assert_cmpuint(m->codecs[i].pt, ==, pts[i]);

  const gw_sdp_codec *opus = gw_sdp_find_codec(m, "OPUS", 48000);
  g_assert_nonnull(opus);
  g_assert_cmpuint(opus->pt, ==, 111);
  g_assert_cmpuint(opus->channels, ==, 2);
  g_assert_cmpstr(opus->fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_cmpuint(opus->n_rtcp_fb, ==, 1);
  g_assert_cmpstr(opus->rtcp_fb[0], ==, "transport-cc");
  g_assert_cmpuint(gw_sdp_find_codec(m, "telephone-event", 48000)->pt, ==, 110);
  g_assert_cmpuint(gw_sdp_find_codec(m, "telephone-event", 8000)->pt, ==, 126);
  g_assert_cmpuint(gw_sdp_find_codec(m, "pcmu", 8000)->pt, ==, 0);
  g_assert_cmpstr(gw_sdp_codec_by_pt(m, 63)->fmtp, ==, "111/111");
  g_assert_cmpstr(gw_sdp_codec_by_pt(m, 8)->name, ==, "PCMA");

  g_assert_cmpstr(gw_sdp_ice_ufrag(s, m), ==, "rgWc");
  g_assert_cmpstr(gw_sdp_ice_pwd(s, m), ==, "PL5Pkgx5vxwFc2qJhAvt/VTo");
  g_assert_cmpstr(gw_sdp_ice_options(s, m), ==, "trickle");
  assert_fp32(gw_sdp_fingerprint_of(s, m), 0x3C, 0x7E);
  g_assert_cmpint(gw_sdp_setup_of(s, m), ==, GW_SDP_ACTPASS);
  g_assert_cmpint(gw_sdp_dir_of(s, m), ==, GW_SDP_SENDRECV);
  g_assert_cmpstr(m->mid, ==, "0");
  g_assert_true(m->rtcp_mux && m->rtcp_rsize && !m->end_of_candidates);
  g_assert_cmpuint(m->rtcp_port, ==, 9);
  g_assert_cmpstr(m->rtcp_conn.addr, ==, "0.0.0.0");

  g_assert_cmpuint(m->n_cands, ==, 2);
  const gw_sdp_candidate *c = &m->cands[0];
  g_assert_cmpstr(c->foundation, ==, "554119391");
  g_assert_cmpuint(c->component, ==, 1);
  g_assert_cmpint(c->transport, ==, GW_SDP_UDP);
  g_assert_cmpuint(c->priority, ==, 2122260223u);
  g_assert_cmpstr(c->addr, ==, "127.0.0.1");
  g_assert_cmpuint(c->port, ==, 58243);
  g_assert_cmpint(c->type, ==, GW_SDP_HOST);
  g_assert_cmpstr(c->ext, ==, "generation 0 network-id 1 network-cost 50");
  g_assert_true(g_str_has_prefix(c->raw, "candidate:554119391 1 udp 2122260223 127.0.0.1 58243 typ host"));
  c = &m->cands[1];
  g_assert_cmpint(c->transport, ==, GW_SDP_TCP);
  g_assert_cmpint(c->tcptype, ==, GW_SDP_TCP_ACTIVE);
  g_assert_cmpuint(c->port, ==, 9);

  g_assert_cmpuint(m->n_extmaps, ==, 4);
  g_assert_cmpuint(m->extmaps[0].id, ==, 1);
  g_assert_cmpstr(m->extmaps[0].uri, ==, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  g_assert_cmpstr(m->msid, ==, "2acaffbb-3749-471d-ae59-2f682b985b49 d80b3d5a-f318-46d3-b0c1-bfd1edddba5f");
  g_assert_cmpuint(m->n_ssrcs, ==, 2);
  g_assert_cmpuint(m->ssrcs[0].ssrc, ==, 3961239324u);
  g_assert_cmpstr(m->ssrcs[0].attr, ==, "cname");
  g_assert_cmpstr(m->ssrcs[0].value, ==, "3lZvsrW4TKfsmDFu");
  g_assert_cmpstr(find_attr(m->attrs, m->n_attrs, "rtcp-xr")->value, ==, "rcvr-rtt=all");
  g_assert_cmpuint(m->n_attrs, ==, 1);
}

static void check_chromium_pcmu(const gw_sdp *s) {
  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_cmpuint(m->n_codecs, ==, 1);
  g_assert_cmpuint(gw_sdp_find_codec(m, "PCMU", 8000)->pt, ==, 0);
  g_assert_null(gw_sdp_find_codec(m, "opus", 0));
  g_assert_null(gw_sdp_find_codec(m, "telephone-event", 0));
  g_assert_cmpuint(m->port, ==, 37138);
  g_assert_cmpuint(m->n_cands, ==, 2);
  g_assert_cmpstr(gw_sdp_ice_ufrag(s, m), ==, "wMXK");
}

static void check_chromium_av_dc(const gw_sdp *s) {
  static const char *const fbs[] = {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"};
  g_assert_cmpuint(s->n_media, ==, 3);
  g_assert_cmpuint(s->groups[0].n_mids, ==, 3);
  g_assert_cmpstr(s->groups[0].mids[2], ==, "2");
  const gw_sdp_media *a = gw_sdp_first_audio(s), *v = gw_sdp_first_media(s, "video");
  const gw_sdp_media *d = gw_sdp_first_media(s, "application");
  g_assert_true(a == &s->media[0] && v == &s->media[1] && d == &s->media[2]);

  g_assert_cmpuint(v->n_codecs, ==, 23);
  const gw_sdp_codec *vp8 = gw_sdp_find_codec(v, "vp8", 90000);
  g_assert_cmpuint(vp8->pt, ==, 96);
  g_assert_cmpuint(vp8->n_rtcp_fb, ==, G_N_ELEMENTS(fbs));
  for (size_t i = 0; i < G_N_ELEMENTS(fbs); i++) g_assert_cmpstr(vp8->rtcp_fb[i], ==, fbs[i]);
  g_assert_cmpstr(gw_sdp_codec_by_pt(v, 97)->name, ==, "rtx");
  g_assert_cmpstr(gw_sdp_codec_by_pt(v, 97)->fmtp, ==, "apt=96");
  g_assert_cmpstr(gw_sdp_codec_by_pt(v, 102)->fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
  g_assert_cmpuint(gw_sdp_find_codec(v, "AV1", 0)->pt, ==, 45);
  g_assert_cmpuint(v->n_extmaps, ==, 11);
  g_assert_cmpuint(v->n_ssrcs, ==, 4);
  g_assert_cmpstr(find_attr(v->attrs, v->n_attrs, "ssrc-group")->value, ==, "FID 978770200 13870691");
  g_assert_cmpstr(v->mid, ==, "1");

  g_assert_cmpstr(d->proto, ==, "UDP/DTLS/SCTP");
  g_assert_false(gw_sdp_media_is_rtp(d));
  g_assert_cmpint(gw_sdp_media_profile(d), ==, GW_SDP_DTLS_SCTP);
  g_assert_cmpuint(d->n_codecs, ==, 0);
  g_assert_cmpuint(d->n_fmts, ==, 1);
  g_assert_cmpstr(d->fmts[0], ==, "webrtc-datachannel");
  g_assert_cmpstr(find_attr(d->attrs, d->n_attrs, "sctp-port")->value, ==, "5000");
  g_assert_cmpstr(find_attr(d->attrs, d->n_attrs, "max-message-size")->value, ==, "262144");
  for (size_t i = 0; i < 3; i++) {
    g_assert_cmpstr(gw_sdp_ice_ufrag(s, &s->media[i]), ==, "+z4S");
    g_assert_cmpuint(s->media[i].n_cands, ==, 2);
    assert_fp32(gw_sdp_fingerprint_of(s, &s->media[i]), 0x5D, 0xE2);
  }
}

static void check_chromium_answer(const gw_sdp *s) {
  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_cmpint(gw_sdp_setup_of(s, m), ==, GW_SDP_ACTIVE);
  g_assert_cmpuint(m->n_cands, ==, 1);
  g_assert_cmpuint(m->cands[0].port, ==, m->port);
  g_assert_cmpstr(gw_sdp_ice_ufrag(s, m), ==, "KWNl");
  g_assert_cmpuint(gw_sdp_find_codec(m, "opus", 48000)->pt, ==, 111);
  assert_fp32(gw_sdp_fingerprint_of(s, m), 0x41, 0x18);
}

static void test_chromium_offer(void) { with_roundtrip("chromium_audio_offer.sdp", check_chromium_offer); }
static void test_chromium_pcmu(void) { with_roundtrip("chromium_pcmu_offer.sdp", check_chromium_pcmu); }
static void test_chromium_av_dc(void) { with_roundtrip("chromium_av_dc_offer.sdp", check_chromium_av_dc); }
static void test_chromium_answer(void) { with_roundtrip("chromium_audio_answer.sdp", check_chromium_answer); }

/* ---- Firefox ESR 153: session-level fingerprint and ICE options, fmtp before rtpmap ---------- */

static void check_firefox_offer(const gw_sdp *s) {
  g_assert_cmpstr(s->origin.username, ==, "mozilla...THIS_IS_SDPARTA-99.0");
  g_assert_cmpuint(s->origin.sess_version, ==, 0);
  g_assert_cmpint(s->dir, ==, GW_SDP_SENDRECV);
  g_assert_cmpstr(s->msid_semantic, ==, "WMS *");
  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_null(m->fingerprint.alg);
  g_assert_true(gw_sdp_fingerprint_of(s, m) == &s->fingerprint);
  assert_fp32(gw_sdp_fingerprint_of(s, m), 0x86, 0x6F);
  g_assert_null(m->ice.options);
  g_assert_cmpstr(gw_sdp_ice_options(s, m), ==, "trickle");
  g_assert_cmpstr(gw_sdp_ice_ufrag(s, m), ==, "5bef58ea");
  g_assert_cmpstr(gw_sdp_ice_pwd(s, m), ==, "a57907a1449d6a9e466c69d0c76ac460");
  g_assert_cmpint(gw_sdp_setup_of(s, m), ==, GW_SDP_ACTPASS);

  const gw_sdp_codec *opus = gw_sdp_find_codec(m, "opus", 48000);
  g_assert_cmpuint(opus->pt, ==, 109);
  g_assert_cmpstr(opus->fmtp, ==, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  g_assert_cmpstr(opus->rtcp_fb[0], ==, "transport-cc");
  g_assert_cmpuint(gw_sdp_find_codec(m, "G722", 8000)->channels, ==, 1);
  const gw_sdp_codec *te = gw_sdp_find_codec(m, "telephone-event", 8000);
  g_assert_cmpuint(te->pt, ==, 101);
  g_assert_cmpstr(te->fmtp, ==, "0-15");
  g_assert_null(gw_sdp_find_codec(m, "telephone-event", 48000));

  unsigned v6 = 0, rtcp = 0, tcp = 0;
  g_assert_cmpuint(m->n_cands, ==, 8);
  for (size_t i = 0; i < m->n_cands; i++) {
    v6 += strcmp(m->cands[i].addr, "::1") == 0;
    rtcp += m->cands[i].component == 2;
    tcp += m->cands[i].transport == GW_SDP_TCP && m->cands[i].tcptype == GW_SDP_TCP_ACTIVE;
  }
  g_assert_cmpuint(v6, ==, 4);
  g_assert_cmpuint(rtcp, ==, 4);
  g_assert_cmpuint(tcp, ==, 4);
  g_assert_true(m->end_of_candidates && m->rtcp_mux && m->extmap_allow_mixed);
  g_assert_cmpuint(m->rtcp_port, ==, 50360);
  g_assert_cmpstr(m->rtcp_conn.addr, ==, "127.0.0.1");
  g_assert_cmpuint(m->extmaps[1].id, ==, 2);
  g_assert_cmpint(m->extmaps[1].dir, ==, GW_SDP_RECVONLY);
  g_assert_cmpstr(m->extmaps[1].uri, ==, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
}

static void test_firefox_offer(void) { with_roundtrip("firefox_audio_offer.sdp", check_firefox_offer); }

/* ---- SIP side ------------------------------------------------------------------------------ */

static void check_trunk_offer(const gw_sdp *s) {
  static const char *const suites[] = {"AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"};
  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_cmpstr(s->origin.username, ==, "FreeSWITCH");
  g_assert_cmpuint(s->origin.sess_version, ==, 1700000001u);
  g_assert_cmpint(gw_sdp_media_profile(m), ==, GW_SDP_RTP_SAVP);
  g_assert_true(gw_sdp_conn_of(s, m) == &s->conn);
  g_assert_cmpstr(gw_sdp_conn_of(s, m)->addr, ==, "203.0.113.10");
  g_assert_cmpuint(m->port, ==, 24580);
  g_assert_cmpuint(m->n_codecs, ==, 3);
  g_assert_cmpuint(gw_sdp_find_codec(m, "PCMU", 8000)->pt, ==, 0);
  g_assert_cmpuint(gw_sdp_find_codec(m, "PCMA", 8000)->pt, ==, 8);
  g_assert_cmpstr(gw_sdp_find_codec(m, "telephone-event", 8000)->fmtp, ==, "0-16");
  g_assert_cmpuint(m->ptime, ==, 20);
  g_assert_cmpuint(m->rtcp_port, ==, 24581);
  g_assert_null(gw_sdp_ice_ufrag(s, m));
  g_assert_null(gw_sdp_fingerprint_of(s, m));
  g_assert_cmpuint(m->n_cryptos, ==, 3);
  for (size_t i = 0; i < 3; i++) {
    g_assert_cmpuint(m->cryptos[i].tag, ==, i + 1);
    g_assert_cmpstr(m->cryptos[i].suite, ==, suites[i]);
    g_assert_true(g_str_has_prefix(m->cryptos[i].key_params, "inline:"));
  }
  g_assert_cmpuint(strlen(m->cryptos[0].key_params), ==, 7 + 40); /* 28 bytes of key and salt */
  g_assert_true(g_str_has_suffix(m->cryptos[1].key_params, "|2^31"));
  g_assert_null(m->cryptos[1].session_params);
  g_assert_cmpstr(m->cryptos[2].session_params, ==, "UNENCRYPTED_SRTCP");
  char *value = gw_sdp_crypto_to_string(&m->cryptos[2]);
  g_assert_true(g_str_has_prefix(value, "3 AES_CM_128_HMAC_SHA1_32 inline:"));
  g_assert_true(g_str_has_suffix(value, "|2^31 UNENCRYPTED_SRTCP"));
  g_free(value);
}

static void check_baresip_offer(const gw_sdp *s) {
  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_cmpstr(find_attr(s->attrs, s->n_attrs, "tool")->value, ==, "baresip 1.0.0");
  g_assert_cmpint(gw_sdp_media_profile(m), ==, GW_SDP_RTP_SAVP);
  g_assert_cmpuint(gw_sdp_find_codec(m, "opus", 48000)->pt, ==, 96);
  g_assert_cmpstr(gw_sdp_find_codec(m, "opus", 48000)->fmtp, ==, "stereo=1;sprop-stereo=1");
  g_assert_cmpuint(gw_sdp_find_codec(m, "telephone-event", 8000)->pt, ==, 101);
  g_assert_cmpuint(m->n_cryptos, ==, 1);
  g_assert_cmpstr(m->cryptos[0].suite, ==, "AES_CM_128_HMAC_SHA1_80");
  g_assert_cmpuint(strlen(m->cryptos[0].key_params), ==, 7 + 40);
  g_assert_cmpuint(m->ptime, ==, 20);
  g_assert_true(m->rtcp_rsize && !m->rtcp_mux);
  g_assert_cmpint(m->dir, ==, GW_SDP_SENDRECV);
  g_assert_cmpstr(m->ssrcs[0].attr, ==, "cname");
  g_assert_cmpstr(m->ssrcs[0].value, ==, "sip:alice@127.0.0.1:5082");
  g_assert_cmpstr(find_attr(m->attrs, m->n_attrs, "minptime")->value, ==, "20");
  g_assert_cmpstr(find_attr(m->attrs, m->n_attrs, "label")->value, ==, "1");
}

static void check_phone_two_mlines(const gw_sdp *s) {
  g_assert_cmpuint(s->n_media, ==, 2);
  g_assert_cmpint(gw_sdp_media_profile(&s->media[0]), ==, GW_SDP_RTP_SAVP);
  g_assert_cmpint(gw_sdp_media_profile(&s->media[1]), ==, GW_SDP_RTP_AVP);
  for (size_t i = 0; i < 2; i++) {
    const gw_sdp_media *m = &s->media[i];
    g_assert_cmpuint(m->port, ==, 2226);
    g_assert_cmpuint(m->n_codecs, ==, 5);
    /* PT 0 and 8 come without a=rtpmap: their names are the static ones. */
    g_assert_cmpuint(gw_sdp_find_codec(m, "PCMU", 8000)->pt, ==, 0);
    g_assert_cmpuint(gw_sdp_find_codec(m, "PCMA", 8000)->pt, ==, 8);
    g_assert_cmpstr(gw_sdp_find_codec(m, "G729", 8000)->fmtp, ==, "annexb=no");
    g_assert_cmpuint(m->n_bw, ==, 1);
    g_assert_cmpstr(m->bw[0].name, ==, "AS");
    g_assert_cmpstr(m->bw[0].value, ==, "84");
  }
  g_assert_cmpuint(s->media[0].n_cryptos, ==, 2);
  g_assert_cmpstr(s->media[0].cryptos[1].suite, ==, "AES_256_CM_HMAC_SHA1_80");
  g_assert_cmpuint(strlen(s->media[0].cryptos[1].key_params), ==, 7 + 64); /* 46 bytes */
  g_assert_cmpuint(s->media[1].n_cryptos, ==, 0);
}

static void check_hold_reinvite(const gw_sdp *s) {
  const gw_sdp_media *m = gw_sdp_first_audio(s);
  g_assert_null(s->conn.addr);
  g_assert_cmpstr(gw_sdp_conn_of(s, m)->addr, ==, "203.0.113.77");
  g_assert_cmpint(gw_sdp_dir_of(s, m), ==, GW_SDP_SENDONLY);
  g_assert_cmpuint(s->origin.sess_version, ==, 1700000002u);
}

static void test_trunk_offer(void) { with_roundtrip("sip_trunk_offer.sdp", check_trunk_offer); }
static void test_baresip_offer(void) { with_roundtrip("baresip_srtp_offer.sdp", check_baresip_offer); }
static void test_phone_two_mlines(void) { with_roundtrip("phone_savp_avp_offer.sdp", check_phone_two_mlines); }
static void test_hold_reinvite(void) { with_roundtrip("sip_trunk_hold_reinvite.sdp", check_hold_reinvite); }

/* LF and CRLF give the same model. */
static void test_lf_crlf(void) {
  size_t len, l1, l2;
  char *crlf = fixture("chromium_audio_offer.sdp", &len);
  GString *lf = g_string_new(NULL);
  for (size_t i = 0; i < len; i++)
    if (crlf[i] != '\r') g_string_append_c(lf, crlf[i]);
  gw_sdp *a = parse_ok(crlf, len), *b = parse_ok(lf->str, lf->len);
  char *wa = write_ok(a, &l1), *wb = write_ok(b, &l2);
  g_assert_cmpstr(wa, ==, wb);
  /* No final line end, and the text need not be NUL-terminated. */
  gw_sdp *c = parse_ok(lf->str, lf->len - 1);
  g_assert_cmpuint(c->media[0].n_ssrcs, ==, 2);
  gw_sdp_free(a), gw_sdp_free(b), gw_sdp_free(c);
  g_free(wa), g_free(wb), g_free(crlf);
  g_string_free(lf, TRUE);
}

/* ---- the builder --------------------------------------------------------------------------- */

static const char fp_hex[] =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

static void test_build_browser_answer(void) {
  gw_why why = {""};
  gw_sdp_media *m;
  gw_sdp_codec *opus;
  gw_sdp *s = gw_sdp_new();
  gw_sdp_set_str(&s->origin.sess_id, "4611731400430051336");
  s->origin.sess_version = 2;
  gw_sdp_set_conn(&s->origin.addr, "198.51.100.7");
  g_assert_cmpint(gw_sdp_add_attr(s, NULL, "group", "BUNDLE 0", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, NULL, "msid-semantic", "WMS *", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, NULL, "ice-lite", NULL, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_media(s, "audio", 9, "UDP/TLS/RTP/SAVPF", &m, &why), ==, GW_OK);
  gw_sdp_set_conn(&m->conn, "198.51.100.7");
  gw_sdp_candidate c = {.foundation = "1", .component = 1, .transport = GW_SDP_UDP, .priority = 2130706431,
                        .addr = "198.51.100.7", .port = 40000, .type = GW_SDP_HOST};
  g_assert_cmpint(gw_sdp_add_candidate(m, &c, &why), ==, GW_OK);
  m->end_of_candidates = true;
  gw_sdp_set_str(&m->ice.ufrag, "gwUf");
  gw_sdp_set_str(&m->ice.pwd, "gatewaypassword0123456789");
  char *fp = g_strdup_printf("sha-256 %s", fp_hex);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "fingerprint", fp, &why), ==, GW_OK);
  g_free(fp);
  m->setup = GW_SDP_PASSIVE;
  gw_sdp_set_str(&m->mid, "0");
  m->dir = GW_SDP_SENDRECV;
  m->rtcp_mux = true;
  g_assert_cmpint(gw_sdp_add_codec(m, 111, "opus", 48000, 2, "minptime=10;useinbandfec=1", &opus, &why), ==, 0);
  gw_sdp_codec_add_rtcp_fb(opus, "transport-cc");
  g_assert_cmpint(gw_sdp_add_codec(m, 126, "telephone-event", 8000, 0, "0-16", NULL, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "ssrc", "1234 cname:gw", &why), ==, GW_OK);

  size_t len;
  char *text = write_ok(s, &len);
  char *expect = g_strconcat("v=0\r\n"
                             "o=- 4611731400430051336 2 IN IP4 198.51.100.7\r\n"
                             "s=-\r\n"
                             "t=0 0\r\n"
                             "a=group:BUNDLE 0\r\n"
                             "a=msid-semantic:WMS *\r\n"
                             "a=ice-lite\r\n"
                             "m=audio 9 UDP/TLS/RTP/SAVPF 111 126\r\n"
                             "c=IN IP4 198.51.100.7\r\n"
                             "a=candidate:1 1 udp 2130706431 198.51.100.7 40000 typ host\r\n"
                             "a=end-of-candidates\r\n"
                             "a=ice-ufrag:gwUf\r\n"
                             "a=ice-pwd:gatewaypassword0123456789\r\n"
                             "a=fingerprint:sha-256 ", fp_hex, "\r\n"
                             "a=setup:passive\r\n"
                             "a=mid:0\r\n"
                             "a=sendrecv\r\n"
                             "a=rtcp-mux\r\n"
                             "a=rtpmap:111 opus/48000/2\r\n"
                             "a=rtcp-fb:111 transport-cc\r\n"
                             "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                             "a=rtpmap:126 telephone-event/8000\r\n"
                             "a=fmtp:126 0-16\r\n"
                             "a=ssrc:1234 cname:gw\r\n", NULL);
  g_assert_cmpstr(text, ==, expect);
  g_assert_cmpuint(len, ==, strlen(expect));
  gw_sdp *back = parse_ok(text, len);
  g_assert_cmpint(gw_sdp_setup_of(back, &back->media[0]), ==, GW_SDP_PASSIVE);
  g_assert_nonnull(find_attr(back->attrs, back->n_attrs, "ice-lite"));
  gw_sdp_free(back);
  gw_sdp_free(s);
  g_free(text);
  g_free(expect);
}

static void test_build_trunk_offer(void) {
  gw_why why = {""};
  gw_sdp_media *m;
  gw_sdp *s = gw_sdp_new();
  gw_sdp_set_str(&s->origin.sess_id, "77");
  gw_sdp_set_conn(&s->origin.addr, "2001:db8::7");
  gw_sdp_set_conn(&s->conn, "2001:db8::7");
  g_assert_cmpint(gw_sdp_add_media(s, "audio", 30000, "RTP/SAVP", &m, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_codec(m, 0, "PCMU", 8000, 0, NULL, NULL, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_codec(m, 8, "PCMA", 8000, 0, NULL, NULL, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_codec(m, 101, "telephone-event", 8000, 0, "0-16", NULL, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "crypto", "1 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA==", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "crypto", "2 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "ptime", "20", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "sendrecv", NULL, &why), ==, GW_OK);
  size_t len;
  char *text = write_ok(s, &len);
  g_assert_cmpstr(text, ==,
                  "v=0\r\n"
                  "o=- 77 0 IN IP6 2001:db8::7\r\n"
                  "s=-\r\n"
                  "c=IN IP6 2001:db8::7\r\n"
                  "t=0 0\r\n"
                  "m=audio 30000 RTP/SAVP 0 8 101\r\n"
                  "a=sendrecv\r\n"
                  "a=rtpmap:0 PCMU/8000\r\n"
                  "a=rtpmap:8 PCMA/8000\r\n"
                  "a=rtpmap:101 telephone-event/8000\r\n"
                  "a=fmtp:101 0-16\r\n"
                  "a=ptime:20\r\n"
                  "a=crypto:1 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA==\r\n"
                  "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw\r\n");
  gw_sdp_free(s);
  g_free(text);
}

static void test_build_errors(void) {
  gw_why why = {""};
  gw_sdp_media *m, *dc;
  gw_sdp *s = gw_sdp_new();
  g_assert_cmpint(gw_sdp_add_media(s, "audio", 9, "RTP/AVP", &m, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_media(s, "application", 9, "UDP/DTLS/SCTP", &dc, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_codec(m, 128, "x", 8000, 0, NULL, NULL, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "payload type 128");
  g_assert_cmpint(gw_sdp_add_codec(m, 0, "PCMU", 8000, 0, NULL, NULL, &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_codec(m, 0, "PCMU", 8000, 0, NULL, NULL, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "already");
  g_assert_cmpint(gw_sdp_add_codec(dc, 96, "opus", 48000, 2, NULL, NULL, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "UDP/DTLS/SCTP");
  g_assert_cmpint(gw_sdp_add_fmt(dc, "webrtc-datachannel", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_fmt(m, "webrtc-datachannel", &why), ==, GW_EINVAL);
  g_assert_cmpint(gw_sdp_add_media(s, "audio video", 9, "RTP/AVP", NULL, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "not one word");
  /* Attributes go through the parser's checks. */
  g_assert_cmpint(gw_sdp_add_attr(s, m, "crypto", "1 AES_CM_128_HMAC_SHA1_80 key", &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "inline:");
  g_assert_cmpint(gw_sdp_add_attr(s, m, "setup", "sideways", &why), ==, GW_EINVAL);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "x-evil", "1\r\na=injected", &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "control character");
  g_assert_cmpint(gw_sdp_add_attr(s, m, "candidate", "1 1 udp 1 192.0.2.1 5000 typ relay raddr 0.0.0.0 rport 0", &why), ==, GW_OK);
  g_assert_cmpuint(m->n_cands, ==, 1);
  g_assert_cmpint(m->cands[0].type, ==, GW_SDP_RELAY);
  g_assert_cmpint(gw_sdp_add_attr(s, m, "ice-ufrag", "bad ufrag", &why), ==, GW_EINVAL);
  g_assert_null(m->ice.ufrag);
  g_assert_cmpint(gw_sdp_add_attr(s, NULL, "group", "BUNDLE 0", &why), ==, GW_OK);
  g_assert_cmpint(gw_sdp_add_attr(s, NULL, "rtcp-mux", NULL, &why), ==, GW_OK); /* wrong level: kept as is */
  g_assert_cmpstr(s->attrs[0].name, ==, "rtcp-mux");
  /* The writer refuses a field that would inject a line. */
  gw_sdp_set_str(&m->mid, "0\r\na=injected");
  char *out = (char *)"untouched";
  g_assert_cmpint(gw_sdp_write(s, &out, NULL, &why), ==, GW_EINVAL);
  g_assert_null(out);
  ASSERT_HAS(why.msg, "control character");
  gw_sdp_set_str(&m->mid, NULL);
  gw_sdp_set_str(&m->type, NULL);
  g_assert_cmpint(gw_sdp_write(s, &out, NULL, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "media type");
  gw_sdp_free(s);
  for (int i = 0; i < GW_SDP_MAX_MEDIA; i++) {
    s = i ? s : gw_sdp_new();
    g_assert_cmpint(gw_sdp_add_media(s, "audio", 9, "RTP/AVP", NULL, &why), ==, GW_OK);
  }
  g_assert_cmpint(gw_sdp_add_media(s, "audio", 9, "RTP/AVP", NULL, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "at most 16");
  gw_sdp_free(s);
}

/* ---- trickle candidates -------------------------------------------------------------------- */

static void cand_ok(const char *text, gw_sdp_candidate *c) {
  gw_why why = {""};
  if (gw_sdp_parse_candidate(text, strlen(text), c, &why)) g_error("candidate '%s': %s", text, why.msg);
}

static void test_trickle(void) {
  gw_sdp_candidate c;
  cand_ok("candidate:554119391 1 udp 2122260223 192.168.1.10 58243 typ host generation 0 ufrag rgWc "
          "network-id 1", &c);
  g_assert_cmpstr(c.foundation, ==, "554119391");
  g_assert_cmpint(c.transport, ==, GW_SDP_UDP);
  g_assert_cmpint(c.type, ==, GW_SDP_HOST);
  g_assert_cmpstr(c.addr, ==, "192.168.1.10");
  g_assert_cmpuint(c.port, ==, 58243);
  g_assert_null(c.raddr);
  g_assert_cmpstr(c.ext, ==, "generation 0 ufrag rgWc network-id 1");
  char *back = gw_sdp_candidate_to_string(&c);
  g_assert_cmpstr(back, ==, c.raw);
  g_free(back);
  gw_sdp_candidate_clear(&c);

  cand_ok("candidate:842163049 1 udp 1677729535 203.0.113.5 61665 typ srflx raddr 192.168.1.10 rport 58243 "
          "generation 0 network-cost 999", &c);
  g_assert_cmpint(c.type, ==, GW_SDP_SRFLX);
  g_assert_cmpstr(c.raddr, ==, "192.168.1.10");
  g_assert_cmpuint(c.rport, ==, 58243);
  g_assert_cmpuint(c.priority, ==, 1677729535u);
  back = gw_sdp_candidate_to_string(&c);
  g_assert_cmpstr(back, ==, c.raw);
  g_free(back);
  gw_sdp_candidate_clear(&c);

  cand_ok("a=candidate:1606996551 1 TCP 1518280447 127.0.0.1 9 typ host tcptype active generation 0\r\n", &c);
  g_assert_cmpint(c.transport, ==, GW_SDP_TCP);
  g_assert_cmpint(c.tcptype, ==, GW_SDP_TCP_ACTIVE);
  g_assert_cmpuint(c.port, ==, 9);
  g_assert_cmpstr(c.raw, ==, "candidate:1606996551 1 TCP 1518280447 127.0.0.1 9 typ host tcptype active generation 0");
  back = gw_sdp_candidate_to_string(&c);
  g_assert_cmpstr(back, ==, "candidate:1606996551 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0");
  g_free(back);
  gw_sdp_candidate_clear(&c);

  cand_ok("candidate:3 2 udp 41885438 198.51.100.9 50001 typ relay raddr 203.0.113.5 rport 61666", &c);
  g_assert_cmpint(c.type, ==, GW_SDP_RELAY);
  g_assert_cmpuint(c.component, ==, 2);
  g_assert_null(c.ext);
  gw_sdp_candidate_clear(&c);

  cand_ok("candidate:1 1 udp 2113937151 4b1e2f0a-1234-4c5d-8e9f-0123456789ab.local 54321 typ host", &c);
  g_assert_cmpstr(c.addr, ==, "4b1e2f0a-1234-4c5d-8e9f-0123456789ab.local");
  gw_sdp_candidate_clear(&c);
  cand_ok("candidate:1 1 UDP 2122252543 ::1 52860 typ host", &c);
  g_assert_cmpstr(c.addr, ==, "::1");
  gw_sdp_candidate_clear(&c);
  cand_ok("candidate:9 1 udp 1 192.0.2.1 7 typ prflx", &c);
  g_assert_cmpint(c.type, ==, GW_SDP_PRFLX);
  gw_sdp_candidate_clear(&c);
}

static void test_trickle_bad(void) {
  static const struct { const char *text, *says; } bad[] = {
      {"", "must start with 'candidate:'"},
      {"1 1 udp 2122260223 127.0.0.1 5000 typ host", "must start with 'candidate:'"},
      {"candidate:", "foundation is missing"},
      {"candidate:1 1 udp 2122260223 127.0.0.1 5000 host", "'host' where 'typ' belongs"},
      {"candidate:1 1 udp 2122260223 127.0.0.1 5000 typ", "type is missing"},
      {"candidate:1 1 udp 2122260223 127.0.0.1 5000 typ bogus", "type 'bogus'"},
      {"candidate:1 1 udp 1 192.0.2.1 5 typ srflx raddr 192.0.2.2", "raddr without rport"},
      {"candidate:1 1 udp 1 192.0.2.1 5 typ srflx rport 5", "rport without raddr"},
      {"candidate:1 1 sctp 1 192.0.2.1 5 typ host", "transport 'sctp'"},
      {"candidate:123456789012345678901234567890123 1 udp 1 192.0.2.1 5 typ host", "foundation"},
      {"candidate:a=b 1 udp 1 192.0.2.1 5 typ host", "foundation 'a=b'"},
      {"candidate:1 0 udp 1 192.0.2.1 5 typ host", "component 0 is out of range"},
      {"candidate:1 1 udp 4294967296 192.0.2.1 5 typ host", "priority 4294967296 is out of range"},
      {"candidate:1 1 udp 99999999999999999999999 192.0.2.1 5 typ host", "out of range"},
      {"candidate:1 1 udp 1 192.0.2.1 65536 typ host", "port 65536 is out of range"},
      {"candidate:1 1 udp 1 192.0.2.1 x5 typ host", "port 'x5' is not a number"},
      {"candidate:1 1 udp 1 192.0.2.1 5 typ host generation", "'generation' has no value"},
      {"candidate:1 1 tcp 1 192.0.2.1 5 typ host tcptype sideways", "tcptype 'sideways'"},
      {"candidate:1 1 udp 1 192.0.2.1\t5 typ host", "control character"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    gw_sdp_candidate c;
    gw_why why = {""};
    g_assert_cmpint(gw_sdp_parse_candidate(bad[i].text, strlen(bad[i].text), &c, &why), ==, GW_EINVAL);
    ASSERT_HAS(why.msg, bad[i].says);
    g_assert_null(c.foundation);
    g_assert_null(c.addr);
  }
}

/* ---- malformed SDP ------------------------------------------------------------------------- */

static void expect_bad(const char *text, size_t len, const char *says) {
  gw_sdp *s = (gw_sdp *)&s; /* must be reset to NULL */
  gw_why why = {""};
  g_assert_cmpint(gw_sdp_parse(text, len, &s, &why), ==, GW_EINVAL);
  g_assert_null(s);
  ASSERT_HAS(why.msg, says);
  g_test_message("%s", why.msg);
}

static void test_malformed_fixtures(void) {
  static const struct { const char *file, *says; } bad[] = {
      {"bad_no_version.sdp", "line 1: expected v= here, found o="},
      {"bad_no_origin.sdp", "line 2: expected o= here, found s="},
      {"bad_port.sdp", "line 6: m= port 'abc' is not a number"},
      {"bad_port_range.sdp", "line 6: m= port 70000 is out of range (0-65535)"},
      {"bad_pt.sdp", "line 6: m= payload type 'x8' is not a number"},
      {"bad_rtpmap_unknown_pt.sdp", "line 7: a=rtpmap for payload type 96, which is not on the m= line"},
      {"bad_t_after_m.sdp", "line 6: t= belongs before the first m= line"},
      {"bad_control_char.sdp", "line 7: the line has a control character (0x01)"},
      {"bad_nul.sdp", "line 7: the line has a control character (0x00)"},
      {"bad_long_token.sdp", "line 7: a=ice-ufrag value is longer than 256 bytes"},
      {"bad_candidate.sdp", "line 7: candidate port 'notaport' is not a number"},
      {"bad_fingerprint.sdp", "line 7: a=fingerprint value 'ZZ:01:02' is not"},
      {"bad_setup.sdp", "line 7: a=setup role 'sideways'"},
      {"bad_no_conn.sdp", "line 5: m=audio has no c= line"},
      {"bad_crypto.sdp", "line 7: a=crypto key-params 'key=abc' do not start with 'inline:"},
      {"bad_no_formats.sdp", "line 6: m=audio line has no formats"},
      {"bad_dup_pt.sdp", "line 6: m= payload type 0 is listed twice"},
      {"bad_too_many_media.sdp", "line 22: more than 16 m= lines"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    size_t len;
    char *text = fixture(bad[i].file, &len);
    expect_bad(text, len, bad[i].says);
    g_free(text);
  }
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define AUDIO HEAD "m=audio 4000 RTP/AVP 0 96\r\n"
#define WEBRTC HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

static void bad_str(const char *text, const char *says) { expect_bad(text, strlen(text), says); }

static void test_malformed_lines(void) {
  bad_str("", "the SDP is empty");
  bad_str("\r\n\r\n", "the SDP is empty");
  bad_str("v=0\r\n", "no o= line");
  bad_str("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", "no s= line");
  bad_str("v=1\r\n", "v= must be 0, not '1'");
  bad_str("\xef\xbb\xbfv=0\r\n", "line 1: '???v=0' does not start with a lowercase letter and '='");
  bad_str("V=0\r\n", "does not start with a lowercase letter");
  bad_str("v=0\ro=- 1 1 IN IP4 192.0.2.1\r\n", "line 1: the line has a control character (0x0d)");
  bad_str(HEAD "x=what\r\n", "line 6: unknown line type 'x='");
  bad_str(HEAD "s=again\r\n", "line 6: s= may appear only once, at the top");
  bad_str("v=0\r\no=- abc 1 IN IP4 192.0.2.1\r\n", "o= session id 'abc' is not a number");
  bad_str("v=0\r\no=- 1 x IN IP4 192.0.2.1\r\n", "o= session version 'x' is not a number");
  bad_str("v=0\r\no=- 1 1 IN IP4\r\n", "o= address is missing");
  bad_str("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IPX 1.2.3.4\r\n", "c= address type 'IPX'");
  bad_str("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=ATM NSAP x\r\n", "c= network type 'ATM' is not IN");
  bad_str("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 1.2.3.4 extra\r\n", "unexpected 'extra' at the end of the c= line");
  bad_str(HEAD "c=IN IP4 192.0.2.2\r\n", "a second c= line");
  bad_str(HEAD "b=AS\r\n", "b= 'AS' is not TYPE:BANDWIDTH");
  bad_str(HEAD "b=AS:lots\r\n", "b= bandwidth 'lots' is not a number");
  bad_str(HEAD "t=x 0\r\n", "t= start time 'x' is not a number");
  bad_str(HEAD "m=audio 4000/0 RTP/AVP 0\r\n", "m= port count 0 is out of range");
  bad_str(HEAD "m=audio 4000\r\n", "m= protocol is missing");
  bad_str(HEAD "m=audio 4000 RTP/AVP 128\r\n", "m= payload type 128 is out of range (0-127)");
  bad_str(AUDIO "a=rtpmap:96 opus\r\n", "a=rtpmap encoding 'opus' is not NAME/CLOCK[/CHANNELS]");
  bad_str(AUDIO "a=rtpmap:96 opus/0/2\r\n", "a=rtpmap clock rate 0 is out of range");
  bad_str(AUDIO "a=rtpmap:96 opus/48000/x\r\n", "a=rtpmap channel count 'x' is not a number");
  bad_str(AUDIO "a=rtpmap:96 opus/48000/2 extra\r\n", "unexpected 'extra' at the end of the a=rtpmap line");
  bad_str(AUDIO "a=rtpmap:x PCMU/8000\r\n", "a=rtpmap payload type 'x' is not a number");
  bad_str(AUDIO "a=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMU/8000\r\n", "line 8: a second a=rtpmap for payload type 0");
  bad_str(AUDIO "a=fmtp:96 a=1\r\na=fmtp:96 a=2\r\n", "a second a=fmtp for payload type 96");
  bad_str(AUDIO "a=fmtp:one x\r\n", "a=fmtp payload type 'one' is not a number");
  bad_str(AUDIO "a=rtcp-fb:96\r\n", "a=rtcp-fb for payload type 96 has no feedback type");
  bad_str(AUDIO "a=rtpmap\r\n", "a=rtpmap needs a value");
  bad_str(AUDIO "a=:x\r\n", "attribute name '' is not one word");
  bad_str(AUDIO "a=sendonly\r\na=recvonly\r\n", "a=recvonly follows a=sendonly in the same section");
  bad_str(AUDIO "a=ptime:20\r\na=ptime:30\r\n", "a=ptime appears twice in one section");
  bad_str(AUDIO "a=ptime:0\r\n", "a=ptime value 0 is out of range");
  bad_str(AUDIO "a=maxptime:20.5\r\n", "a=maxptime value '20.5' is not a number");
  bad_str(AUDIO "a=rtcp:0\r\n", "a=rtcp port 0 is out of range");
  bad_str(AUDIO "a=rtcp:9 IN IP4\r\n", "a=rtcp address is missing");
  bad_str(AUDIO "a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:abc\r\n", "a=crypto tag 0 is out of range");
  bad_str(AUDIO "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:a\r\na=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:b\r\n",
          "a=crypto tag 1 appears twice");
  bad_str(AUDIO "a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n", "a=crypto key-params is missing");
  bad_str(AUDIO "a=ssrc:abc cname:x\r\n", "a=ssrc id 'abc' is not a number");
  bad_str(AUDIO "a=ssrc:1\r\n", "a=ssrc 1 has no attribute");
  bad_str(AUDIO "a=ssrc:1 two words\r\n", "a=ssrc attribute 'two words' is not one word");
  bad_str(AUDIO "a=extmap:0 urn:x\r\n", "a=extmap id 0 is out of range");
  bad_str(AUDIO "a=extmap:1/sideways urn:x\r\n", "a=extmap direction 'sideways'");
  bad_str(AUDIO "a=extmap:1\r\n", "a=extmap URI is missing");
  bad_str(AUDIO "a=msid:\r\n", "a=msid has no value");
  bad_str(AUDIO "a=mid:0\r\na=mid:1\r\n", "a=mid appears twice in one section");
  bad_str(AUDIO "a=mid:0 1\r\n", "unexpected '1' at the end of the a=mid line");
  bad_str(WEBRTC "a=ice-ufrag:ab_c\r\n", "a=ice-ufrag 'ab_c' may only have letters, digits");
  bad_str(WEBRTC "a=ice-pwd:abc\r\na=ice-pwd:abc\r\n", "a=ice-pwd appears twice");
  bad_str(WEBRTC "a=ice-options:trickle\r\na=ice-options:trickle\r\n", "a=ice-options appears twice");
  bad_str(WEBRTC "a=fingerprint:sha-256\r\n", "a=fingerprint value is missing");
  bad_str(WEBRTC "a=fingerprint:sha-256 AB:\r\n", "is not 1-64 hex bytes");
  bad_str(WEBRTC "a=setup:active\r\na=setup:passive\r\n", "a=setup appears twice");
  bad_str(WEBRTC "a=candidate:1 1 udp 1 192.0.2.1 5 typ host raddr\r\n", "line 7: candidate extension 'raddr' has no value");
  bad_str(HEAD "a=group\r\n", "a=group needs a value");
  bad_str(HEAD "a=msid-semantic:\r\na=x\r\n", "a=msid-semantic has no value");
  bad_str(HEAD "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:97 VP8/90000\r\n",
          "line 9: a=rtpmap for payload type 97");
}

static void test_limits(void) {
  GString *t = g_string_new(NULL);
  /* Size. */
  g_string_append(t, AUDIO);
  while (t->len <= GW_SDP_MAX_SIZE) g_string_append(t, "a=x-padding:0123456789abcdef0123456789abcdef\r\n");
  expect_bad(t->str, t->len, "more than the limit of 65536");
  /* A long line, and a long but acceptable one. */
  g_string_assign(t, AUDIO "a=x-long:");
  for (int i = 0; i < GW_SDP_MAX_LINE; i++) g_string_append_c(t, 'y');
  expect_bad(t->str, t->len, "line 7: the line is longer than 2048 bytes");
  g_string_truncate(t, strlen(AUDIO) + GW_SDP_MAX_LINE);
  gw_sdp_free(parse_ok(t->str, t->len));
  /* Formats. */
  g_string_assign(t, HEAD "m=audio 4000 RTP/AVP");
  for (int i = 0; i < GW_SDP_MAX_FORMATS; i++) g_string_append_printf(t, " %d", i);
  gw_sdp *s = parse_ok(t->str, t->len);
  g_assert_cmpuint(s->media[0].n_codecs, ==, 64);
  gw_sdp_free(s);
  g_string_append(t, " 100");
  expect_bad(t->str, t->len, "line 6: m= line has more than 64 formats");
  /* Candidates. */
  g_string_assign(t, WEBRTC);
  for (int i = 0; i < GW_SDP_MAX_CANDIDATES; i++)
    g_string_append_printf(t, "a=candidate:%d 1 udp 1 192.0.2.1 %d typ host\r\n", i, 5000 + i);
  s = parse_ok(t->str, t->len);
  g_assert_cmpuint(s->media[0].n_cands, ==, 64);
  gw_sdp_free(s);
  g_string_append(t, "a=candidate:x 1 udp 1 192.0.2.1 4999 typ host\r\n");
  expect_bad(t->str, t->len, "line 71: more than 64 candidates in one media section");
  /* Attribute lines, per section: the session and each m= count separately. */
  g_string_assign(t, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n");
  for (int i = 0; i < GW_SDP_MAX_ATTRS; i++) g_string_append_printf(t, "a=x-s%d\r\n", i);
  g_string_append(t, "m=audio 4000 RTP/AVP 0\r\n");
  for (int i = 0; i < GW_SDP_MAX_ATTRS; i++) g_string_append_printf(t, "a=ssrc:%d cname:x\r\n", i);
  s = parse_ok(t->str, t->len);
  g_assert_cmpuint(s->n_attrs, ==, 256);
  g_assert_cmpuint(s->media[0].n_ssrcs, ==, 256);
  gw_sdp_free(s);
  g_string_append(t, "b=AS:1\r\n");
  expect_bad(t->str, t->len, "line 518: more than 256 a= and b= lines in one section");
  /* Long words. */
  g_string_assign(t, HEAD "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 ");
  for (int i = 0; i < 300; i++) g_string_append_c(t, 'P');
  g_string_append(t, "/8000\r\n");
  expect_bad(t->str, t->len, "a=rtpmap encoding is longer than 256 bytes");
  g_string_free(t, TRUE);
  /* NULL text. */
  expect_bad(NULL, 5, "no SDP text");
}

/* Every prefix of a real offer either parses or fails with a message: no crash, no leak. */
static void test_prefixes(void) {
  size_t len;
  char *text = fixture("chromium_av_dc_offer.sdp", &len);
  unsigned ok = 0;
  for (size_t n = 0; n <= len; n++) {
    char *copy = g_memdup2(text, n); /* exactly n bytes: ASan catches any read past the end */
    gw_sdp *s = NULL;
    gw_why why = {""};
    int rc = gw_sdp_parse(copy, n, &s, &why);
    g_assert_true(rc == GW_OK || (rc == GW_EINVAL && why.msg[0]));
    ok += rc == GW_OK;
    gw_sdp_free(s);
    g_free(copy);
  }
  g_assert_cmpuint(ok, >, 0);
  g_free(text);
}

/* ---- lookups and odd but valid input ------------------------------------------------------- */

static void test_lookups(void) {
  const char *text = HEAD "a=recvonly\r\na=setup:active\r\na=ice-ufrag:sess\r\n"
                          "m=video 0 RTP/AVP 96\r\n"
                          "m=audio 5000 RTP/AVP 0 101 96\r\n"
                          "a=rtpmap:101 TELEPHONE-EVENT/8000\r\n"
                          "a=fmtp:101 0-16\r\n"
                          "a=fmtp:99 ignored\r\n"
                          "a=rtcp-fb:* nack\r\n"
                          "a=ice-ufrag:media\r\n"
                          "a=x-flag\r\n"
                          "a=x-empty:\r\n"
                          "i=media title\r\n"
                          "a=msid:s1 t1\r\na=msid:s2 t1\r\n"
                          "a=fingerprint:sha-1 01:02\r\na=fingerprint:sha-256 03:04\r\n"
                          "a=rtpmap:0 pcmu/8000/1\r\n"
                          "a=sendrecv:ignored\r\n"
                          "a=rtcp-mux \r\n"
                          "\r\n";
  gw_sdp *s = parse_ok(text, strlen(text));
  const gw_sdp_media *v = &s->media[0], *a = gw_sdp_first_audio(s);
  g_assert_true(a == &s->media[1]);
  g_assert_null(gw_sdp_first_media(s, "text"));
  g_assert_cmpuint(v->port, ==, 0);
  g_assert_null(v->codecs[0].name); /* dynamic, no rtpmap */
  g_assert_cmpint(gw_sdp_dir_of(s, v), ==, GW_SDP_RECVONLY);
  g_assert_cmpint(gw_sdp_dir_of(s, a), ==, GW_SDP_SENDRECV);
  g_assert_cmpint(gw_sdp_setup_of(s, v), ==, GW_SDP_ACTIVE);
  g_assert_cmpstr(gw_sdp_ice_ufrag(s, v), ==, "sess");
  g_assert_cmpstr(gw_sdp_ice_ufrag(s, a), ==, "media");
  g_assert_cmpstr(gw_sdp_ice_ufrag(s, NULL), ==, "sess");
  g_assert_null(gw_sdp_ice_pwd(s, a));
  g_assert_cmpuint(gw_sdp_find_codec(a, "telephone-event", 0)->pt, ==, 101);
  g_assert_null(gw_sdp_find_codec(a, "telephone-event", 48000));
  g_assert_cmpuint(gw_sdp_find_codec(a, "PCMU", 8000)->channels, ==, 1);
  g_assert_null(gw_sdp_codec_by_pt(a, 8));
  g_assert_cmpstr(a->msid, ==, "s1 t1");
  g_assert_cmpstr(a->fingerprint.alg, ==, "sha-1");
  g_assert_true(a->rtcp_mux);
  g_assert_cmpint(a->dir, ==, GW_SDP_SENDRECV);
  /* Kept as unknown, in order: the fmtp for a pt not on the m= line, rtcp-fb:*, flags, repeats. */
  static const char *const kept[][2] = {{"fmtp", "99 ignored"}, {"rtcp-fb", "* nack"}, {"x-flag", NULL},
                                        {"x-empty", ""}, {"msid", "s2 t1"}, {"fingerprint", "sha-256 03:04"}};
  g_assert_cmpuint(a->n_attrs, ==, G_N_ELEMENTS(kept));
  for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
    g_assert_cmpstr(a->attrs[i].name, ==, kept[i][0]);
    g_assert_cmpstr(a->attrs[i].value, ==, kept[i][1]);
  }
  uint8_t bytes[64];
  size_t n;
  gw_why why = {""};
  g_assert_cmpint(gw_sdp_fingerprint_bytes(gw_sdp_fingerprint_of(s, a), bytes, &n, &why), ==, GW_OK);
  g_assert_cmpuint(n, ==, 2);
  g_assert_cmpint(gw_sdp_fingerprint_bytes(gw_sdp_fingerprint_of(s, v), bytes, &n, &why), ==, GW_EINVAL);
  ASSERT_HAS(why.msg, "no fingerprint");
  g_assert_cmpstr(gw_sdp_dir_name(GW_SDP_INACTIVE), ==, "inactive");
  g_assert_cmpstr(gw_sdp_setup_name(GW_SDP_HOLDCONN), ==, "holdconn");
  g_assert_cmpstr(gw_sdp_cand_type_name(GW_SDP_PRFLX), ==, "prflx");
  /* And it survives a round trip unchanged. */
  size_t l1, l2;
  char *w1 = write_ok(s, &l1);
  gw_sdp *b = parse_ok(w1, l1);
  char *w2 = write_ok(b, &l2);
  g_assert_cmpstr(w1, ==, w2);
  ASSERT_HAS(w1, "a=fmtp:99 ignored\r\na=rtcp-fb:* nack\r\na=x-flag\r\na=x-empty:\r\n");
  ASSERT_HAS(w1, "a=rtpmap:0 pcmu/8000/1\r\n");
  gw_sdp_free(b);
  gw_sdp_free(s);
  g_free(w1);
  g_free(w2);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/chromium/audio-offer", test_chromium_offer);
  g_test_add_func("/sdp/chromium/pcmu-offer", test_chromium_pcmu);
  g_test_add_func("/sdp/chromium/av-datachannel-offer", test_chromium_av_dc);
  g_test_add_func("/sdp/chromium/answer", test_chromium_answer);
  g_test_add_func("/sdp/firefox/audio-offer", test_firefox_offer);
  g_test_add_func("/sdp/sip/trunk-offer", test_trunk_offer);
  g_test_add_func("/sdp/sip/baresip-offer", test_baresip_offer);
  g_test_add_func("/sdp/sip/phone-savp-avp", test_phone_two_mlines);
  g_test_add_func("/sdp/sip/hold-reinvite", test_hold_reinvite);
  g_test_add_func("/sdp/parse/lf-and-crlf", test_lf_crlf);
  g_test_add_func("/sdp/parse/lookups", test_lookups);
  g_test_add_func("/sdp/build/browser-answer", test_build_browser_answer);
  g_test_add_func("/sdp/build/trunk-offer", test_build_trunk_offer);
  g_test_add_func("/sdp/build/errors", test_build_errors);
  g_test_add_func("/sdp/candidate/trickle", test_trickle);
  g_test_add_func("/sdp/candidate/trickle-bad", test_trickle_bad);
  g_test_add_func("/sdp/malformed/fixtures", test_malformed_fixtures);
  g_test_add_func("/sdp/malformed/lines", test_malformed_lines);
  g_test_add_func("/sdp/malformed/limits", test_limits);
  g_test_add_func("/sdp/malformed/prefixes", test_prefixes);
  return g_test_run();
}
