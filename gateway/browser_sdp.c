#include "gateway/browser_sdp.h"

#include <glib.h>
#include <string.h>

/* Codecs the gateway takes from a browser, in no particular order: the browser's order wins. */
static bool supported(const gw_sdp_codec *c) {
  if (!c->name) return false;
  return (g_ascii_strcasecmp(c->name, "opus") == 0 && c->clock == 48000) ||
         (g_ascii_strcasecmp(c->name, "PCMU") == 0 && c->clock == 8000) ||
         (g_ascii_strcasecmp(c->name, "PCMA") == 0 && c->clock == 8000);
}

static int inspect(const gw_sdp *offer, gw_browser_offer *out, bool is_answer, gw_why *why) {
  memset(out, 0, sizeof *out);
  const gw_sdp_media *m = NULL;
  for (size_t i = 0; i < offer->n_media && !m; i++) {
    if (strcmp(offer->media[i].type, "audio") == 0 && offer->media[i].port != 0) {
      m = &offer->media[i];
      out->audio_index = i;
    }
  }
  if (!m) return gw_fail(why, GW_EINVAL, "the offer has no active audio m= line");
  if (gw_sdp_media_profile(m) != GW_SDP_DTLS_SAVPF)
    return gw_fail(why, GW_EINVAL, "the audio m= line uses %s; a browser offers UDP/TLS/RTP/SAVPF", m->proto);
  out->audio = m;
  out->ufrag = gw_sdp_ice_ufrag(offer, m);
  out->pwd = gw_sdp_ice_pwd(offer, m);
  if (!out->ufrag || !out->pwd) return gw_fail(why, GW_EINVAL, "the offer has no a=ice-ufrag/a=ice-pwd");
  out->fingerprint = gw_sdp_fingerprint_of(offer, m);
  if (!out->fingerprint) return gw_fail(why, GW_EINVAL, "the offer has no a=fingerprint (DTLS-SRTP is required)");
  if (!m->rtcp_mux) return gw_fail(why, GW_EINVAL, "the offer lacks a=rtcp-mux, which the gateway requires");
  gw_sdp_setup setup = gw_sdp_setup_of(offer, m);
  if (setup == GW_SDP_HOLDCONN) return gw_fail(why, GW_EINVAL, "a=setup:holdconn is not supported");
  if (is_answer && setup == GW_SDP_ACTPASS) return gw_fail(why, GW_EINVAL, "an answer must not say a=setup:actpass");
  /* They actpass or active -> we are the DTLS server (passive); they passive -> we connect. */
  out->our_role = setup == GW_SDP_PASSIVE ? GW_DTLS_CLIENT : GW_DTLS_SERVER;
  out->their_dir = gw_sdp_dir_of(offer, m);
  for (size_t i = 0; i < m->n_codecs && !out->codec; i++)
    if (supported(&m->codecs[i])) out->codec = &m->codecs[i];
  if (!out->codec) return gw_fail(why, GW_EINVAL, "the offer has none of opus/48000, PCMU/8000, PCMA/8000");
  out->dtmf = gw_sdp_find_codec(m, "telephone-event", out->codec->clock);
  return GW_OK;
}

int gw_browser_offer_inspect(const gw_sdp *offer, gw_browser_offer *out, gw_why *why) {
  return inspect(offer, out, false, why);
}

int gw_browser_answer_inspect(const gw_sdp *answer, gw_browser_offer *out, gw_why *why) {
  return inspect(answer, out, true, why);
}

int gw_browser_offer_write(const gw_browser_offer_params *p, char **out, gw_why *why) {
  gw_sdp *o = gw_sdp_new();
  char tmp[160];
  gw_sdp_set_str(&o->name, "webrtc-sip-gateway");
  gw_sdp_set_conn(&o->origin.addr, p->address);
  g_snprintf(tmp, sizeof tmp, "%" G_GUINT64_FORMAT, p->sess_id);
  gw_sdp_set_str(&o->origin.sess_id, tmp);
  o->origin.sess_version = 1;
  gw_sdp_media *m = NULL;
  int rc = gw_sdp_add_attr(o, NULL, "group", "BUNDLE 0", why);
  if (rc == GW_OK) rc = gw_sdp_add_attr(o, NULL, "msid-semantic", "WMS gw", why);
  if (rc == GW_OK) rc = gw_sdp_add_media(o, "audio", 9, "UDP/TLS/RTP/SAVPF", &m, why);
  if (rc == GW_OK) {
    gw_sdp_set_conn(&m->conn, p->address);
    rc = gw_sdp_add_codec(m, 111, "opus", 48000, 2, "minptime=10;useinbandfec=1", NULL, why);
  }
  if (rc == GW_OK) rc = gw_sdp_add_codec(m, 0, "PCMU", 8000, 0, NULL, NULL, why);
  if (rc == GW_OK) rc = gw_sdp_add_codec(m, 8, "PCMA", 8000, 0, NULL, NULL, why);
  if (rc == GW_OK) rc = gw_sdp_add_codec(m, 110, "telephone-event", 48000, 0, "0-16", NULL, why);
  if (rc == GW_OK) rc = gw_sdp_add_codec(m, 126, "telephone-event", 8000, 0, "0-16", NULL, why);
  char fp[200], ssrc[96], ssrc2[96], msid[64];
  g_snprintf(tmp, sizeof tmp, "9 IN IP4 %s", p->address);
  g_snprintf(fp, sizeof fp, "sha-256 %s", p->fingerprint);
  g_snprintf(msid, sizeof msid, "gw audio-%u", p->ssrc);
  g_snprintf(ssrc, sizeof ssrc, "%u cname:%s", p->ssrc, p->cname);
  g_snprintf(ssrc2, sizeof ssrc2, "%u msid:gw audio-%u", p->ssrc, p->ssrc);
  const struct { const char *name, *value; } attrs[] = {
    {"rtcp", tmp}, {"ice-ufrag", p->ufrag}, {"ice-pwd", p->pwd}, {"ice-options", "trickle"},
    {"fingerprint", fp}, {"setup", "actpass"}, {"mid", "0"}, {"sendrecv", NULL}, {"rtcp-mux", NULL},
    {"msid", msid}, {"ssrc", ssrc}, {"ssrc", ssrc2},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(attrs) && rc == GW_OK; k++) rc = gw_sdp_add_attr(o, m, attrs[k].name, attrs[k].value, why);
  if (rc == GW_OK) rc = gw_sdp_write(o, out, NULL, why);
  gw_sdp_free(o);
  return rc;
}

static gw_sdp_dir answer_dir(gw_sdp_dir theirs) {
  switch (theirs) {
  case GW_SDP_SENDONLY: return GW_SDP_RECVONLY;
  case GW_SDP_RECVONLY: return GW_SDP_SENDONLY;
  case GW_SDP_INACTIVE: return GW_SDP_INACTIVE;
  default: return GW_SDP_SENDRECV;
  }
}

/* A refused m= line: same type and proto, port 0, its first format, and its mid. */
static int add_refused(gw_sdp *a, const gw_sdp_media *om, gw_why *why) {
  gw_sdp_media *m = NULL;
  int rc = gw_sdp_add_media(a, om->type, 0, om->proto, &m, why);
  if (rc != GW_OK) return rc;
  gw_sdp_set_conn(&m->conn, "0.0.0.0");
  if (om->n_codecs) rc = gw_sdp_add_codec(m, om->codecs[0].pt, om->codecs[0].name, om->codecs[0].clock,
                                          om->codecs[0].channels, NULL, NULL, why);
  else if (om->n_fmts) rc = gw_sdp_add_fmt(m, om->fmts[0], why);
  if (rc == GW_OK && om->mid) rc = gw_sdp_add_attr(a, m, "mid", om->mid, why);
  if (rc == GW_OK) rc = gw_sdp_add_attr(a, m, "inactive", NULL, why);
  return rc;
}

static int add_codec(gw_sdp_media *m, const gw_sdp_codec *c, gw_why *why) {
  return gw_sdp_add_codec(m, c->pt, c->name, c->clock, c->channels, c->fmtp, NULL, why);
}

int gw_browser_answer_write(const gw_sdp *offer, const gw_browser_offer *sel, const gw_browser_answer_params *p,
                            char **out, gw_why *why) {
  gw_sdp *a = gw_sdp_new();
  gw_sdp_set_str(&a->name, "webrtc-sip-gateway");
  gw_sdp_set_conn(&a->origin.addr, p->address);
  gw_sdp_set_str(&a->origin.sess_id, offer->origin.sess_id ? offer->origin.sess_id : "1");
  a->origin.sess_version = 2;
  const char *mid = sel->audio->mid;
  char tmp[160];
  int rc = GW_OK;
  if (mid) rc = gw_sdp_add_attr(a, NULL, "group", (g_snprintf(tmp, sizeof tmp, "BUNDLE %s", mid), tmp), why);
  if (rc == GW_OK) rc = gw_sdp_add_attr(a, NULL, "msid-semantic", " WMS gw", why);
  for (size_t i = 0; i < offer->n_media && rc == GW_OK; i++) {
    const gw_sdp_media *om = &offer->media[i];
    if (i != sel->audio_index) {
      rc = add_refused(a, om, why);
      continue;
    }
    gw_sdp_media *m = NULL;
    rc = gw_sdp_add_media(a, "audio", 9, om->proto, &m, why);
    if (rc != GW_OK) break;
    gw_sdp_set_conn(&m->conn, p->address);
    rc = add_codec(m, sel->codec, why);
    if (rc == GW_OK && sel->dtmf) rc = add_codec(m, sel->dtmf, why);
    g_snprintf(tmp, sizeof tmp, "9 IN IP4 %s", p->address);
    struct { const char *name, *value; } attrs[] = {
      {"rtcp", tmp},
      {"ice-ufrag", p->ufrag},
      {"ice-pwd", p->pwd},
      {"ice-options", "trickle"},
      {"fingerprint", NULL},
      {"setup", sel->our_role == GW_DTLS_SERVER ? "passive" : "active"},
      {"mid", mid},
      {gw_sdp_dir_name(answer_dir(sel->their_dir)), NULL},
      {"rtcp-mux", NULL},
    };
    char fp[200];
    g_snprintf(fp, sizeof fp, "sha-256 %s", p->fingerprint);
    attrs[4].value = fp;
    for (size_t k = 0; k < G_N_ELEMENTS(attrs) && rc == GW_OK; k++) {
      if (strcmp(attrs[k].name, "mid") == 0 && !mid) continue;
      rc = gw_sdp_add_attr(a, m, attrs[k].name, attrs[k].value, why);
    }
    char ssrc[96];
    g_snprintf(ssrc, sizeof ssrc, "gw audio-%u", p->ssrc);
    if (rc == GW_OK) rc = gw_sdp_add_attr(a, m, "msid", ssrc, why);
    g_snprintf(ssrc, sizeof ssrc, "%u cname:%s", p->ssrc, p->cname);
    if (rc == GW_OK) rc = gw_sdp_add_attr(a, m, "ssrc", ssrc, why);
    g_snprintf(ssrc, sizeof ssrc, "%u msid:gw audio-%u", p->ssrc, p->ssrc);
    if (rc == GW_OK) rc = gw_sdp_add_attr(a, m, "ssrc", ssrc, why);
    for (size_t k = 0; p->candidates && p->candidates[k] && rc == GW_OK; k++) {
      const char *c = p->candidates[k];
      rc = gw_sdp_add_attr(a, m, "candidate", g_str_has_prefix(c, "candidate:") ? c + 10 : c, why);
    }
    if (rc == GW_OK && p->end_of_candidates) rc = gw_sdp_add_attr(a, m, "end-of-candidates", NULL, why);
  }
  if (rc == GW_OK) rc = gw_sdp_write(a, out, NULL, why);
  gw_sdp_free(a);
  return rc;
}
