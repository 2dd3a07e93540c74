#include "gateway/trunk_sdp.h"

#include <glib.h>
#include <string.h>

static const struct {
  const char *name;
  uint8_t pt;
} static_codecs[] = {{"PCMU", 0}, {"PCMA", 8}};

static int pt_of(const char *name) {
  for (size_t i = 0; i < G_N_ELEMENTS(static_codecs); i++)
    if (g_ascii_strcasecmp(static_codecs[i].name, name) == 0) return static_codecs[i].pt;
  return -1;
}

int gw_trunk_local_init(gw_trunk_local *l, const gw_config *cfg, const char *address, uint16_t port, gw_why *why) {
  memset(l, 0, sizeof *l);
  l->address = address;
  l->port = port;
  l->sess_id = g_random_int();
  l->sess_version = 1;
  l->policy = gw_config_srtp_policy(cfg);
  l->codecs = cfg->trunk_codecs;
  l->dir = GW_SDP_SENDRECV;
  if (l->policy == GW_SRTP_OFF) return GW_OK;
  for (char **s = cfg->trunk_srtp_suites; s && *s && l->n_crypto < GW_TRUNK_MAX_CRYPTO; s++) {
    gw_sdes_crypto *c = &l->crypto[l->n_crypto];
    int rc = gw_srtp_suite_parse(*s, &c->suite, why);
    if (rc == GW_OK) rc = gw_sdes_generate(c->suite, &c->master, why);
    if (rc != GW_OK) return rc;
    c->tag = ++l->n_crypto;
  }
  return GW_OK;
}

/* One audio m= line with our codecs (or just `only` when answering) and keys. */
static int write_sdp(const gw_trunk_local *l, const char *only, int dtmf_pt, const gw_sdes_crypto *only_crypto,
                     char **out, gw_why *why) {
  gw_sdp *s = gw_sdp_new();
  char num[32];
  g_snprintf(num, sizeof num, "%" G_GUINT64_FORMAT, l->sess_id);
  gw_sdp_set_str(&s->origin.sess_id, num);
  s->origin.sess_version = l->sess_version;
  gw_sdp_set_conn(&s->origin.addr, l->address);
  gw_sdp_set_str(&s->name, "webrtc-sip-gateway");
  gw_sdp_set_conn(&s->conn, l->address);
  bool savp = l->policy == GW_SRTP_MANDATORY;
  gw_sdp_media *m = NULL;
  int rc = gw_sdp_add_media(s, "audio", l->port, savp ? "RTP/SAVP" : "RTP/AVP", &m, why);
  for (char *const *c = l->codecs; c && *c && rc == GW_OK; c++) {
    if (only && g_ascii_strcasecmp(*c, only) != 0) continue;
    int pt = pt_of(*c);
    if (pt >= 0) rc = gw_sdp_add_codec(m, (unsigned)pt, *c, 8000, 0, NULL, NULL, why);
  }
  if (rc == GW_OK && dtmf_pt >= 0) rc = gw_sdp_add_codec(m, (unsigned)dtmf_pt, "telephone-event", 8000, 0, "0-16", NULL, why);
  if (rc == GW_OK) rc = gw_sdp_add_attr(s, m, "ptime", "20", why);
  if (rc == GW_OK) rc = gw_sdp_add_attr(s, m, gw_sdp_dir_name(l->dir), NULL, why);
  if (l->policy != GW_SRTP_OFF) {
    for (unsigned i = 0; i < l->n_crypto && rc == GW_OK; i++) {
      if (only_crypto && l->crypto[i].tag != only_crypto->tag) continue;
      char v[GW_SDES_VALUE_MAX];
      rc = gw_sdes_format(&l->crypto[i], v, sizeof v, why);
      if (rc == GW_OK) rc = gw_sdp_add_attr(s, m, "crypto", v, why);
    }
  }
  if (rc == GW_OK) rc = gw_sdp_write(s, out, NULL, why);
  gw_sdp_free(s);
  return rc;
}

int gw_trunk_offer_write(const gw_trunk_local *l, char **out, gw_why *why) {
  return write_sdp(l, NULL, GW_TRUNK_DTMF_PT, NULL, out, why);
}

/* The first audio m= line we can use: RTP profile, a codec of ours, and keys per policy. */
static int pick(const gw_trunk_local *l, const gw_sdp *sdp, bool answering_our_offer, gw_trunk_media *out,
                gw_why *why) {
  memset(out, 0, sizeof *out);
  out->dtmf_pt = -1;
  const char *first_problem = NULL;
  gw_why tmp = {""};
  for (size_t i = 0; i < sdp->n_media; i++) {
    const gw_sdp_media *m = &sdp->media[i];
    if (strcmp(m->type, "audio") != 0 || m->port == 0) continue;
    gw_sdp_profile prof = gw_sdp_media_profile(m);
    bool savp = prof == GW_SDP_RTP_SAVP || prof == GW_SDP_RTP_SAVPF;
    if (!savp && prof != GW_SDP_RTP_AVP && prof != GW_SDP_RTP_AVPF) {
      first_problem = first_problem ? first_problem : "no RTP/AVP or RTP/SAVP audio line";
      continue;
    }
    if (l->policy == GW_SRTP_MANDATORY && !m->n_cryptos) {
      first_problem = first_problem ? first_problem : "SRTP is mandatory but the audio line has no a=crypto";
      continue;
    }
    /* The codec: the trunk's order when it offers, ours when it answers (it kept what it likes). */
    const gw_sdp_codec *codec = NULL;
    for (size_t k = 0; k < m->n_codecs && !codec; k++)
      if (m->codecs[k].name && m->codecs[k].clock == 8000 && pt_of(m->codecs[k].name) >= 0)
        for (char *const *c = l->codecs; c && *c && !codec; c++)
          if (g_ascii_strcasecmp(*c, m->codecs[k].name) == 0) codec = &m->codecs[k];
    if (!codec) {
      first_problem = first_problem ? first_problem : "none of our codecs (PCMU/PCMA) is in the audio line";
      continue;
    }
    /* Keys: with answers, the line that echoes one of our tags; with offers, the first suite we do. */
    bool keyed = false;
    if (l->policy != GW_SRTP_OFF) {
      for (size_t k = 0; k < m->n_cryptos && !keyed; k++) {
        char *line = gw_sdp_crypto_to_string(&m->cryptos[k]);
        gw_sdes_crypto theirs;
        int rc = gw_sdes_parse(line, &theirs, &tmp);
        g_free(line);
        if (rc != GW_OK) continue;
        for (unsigned j = 0; j < l->n_crypto && !keyed; j++) {
          bool match = answering_our_offer ? l->crypto[j].tag == theirs.tag && l->crypto[j].suite == theirs.suite
                                           : l->crypto[j].suite == theirs.suite;
          if (!match) continue;
          out->remote = theirs;
          out->local = l->crypto[j];
          if (!answering_our_offer) out->local.tag = theirs.tag;
          keyed = true;
        }
      }
      if (!keyed && (savp || l->policy == GW_SRTP_MANDATORY)) {
        first_problem = first_problem ? first_problem : "no crypto suite negotiated (no a=crypto line we support)";
        continue;
      }
    }
    const gw_sdp_conn *conn = gw_sdp_conn_of(sdp, m);
    if (!conn || !conn->addr) return gw_fail(why, GW_EINVAL, "the audio line has no c= address");
    g_strlcpy(out->address, conn->addr, sizeof out->address);
    out->port = m->port;
    out->rtcp_port = m->rtcp_port ? m->rtcp_port : (uint16_t)(m->port + 1);
    g_strlcpy(out->codec, codec->name, sizeof out->codec);
    for (char *p = out->codec; *p; p++) *p = g_ascii_toupper(*p);
    out->pt = codec->pt;
    const gw_sdp_codec *te = gw_sdp_find_codec(m, "telephone-event", 8000);
    out->dtmf_pt = te ? te->pt : -1;
    out->srtp = keyed;
    out->dir = gw_sdp_dir_of(sdp, m);
    return GW_OK;
  }
  return gw_fail(why, GW_EINVAL, "the trunk's SDP is not usable: %s", first_problem ? first_problem : "no audio line");
}

int gw_trunk_answer_read(const gw_trunk_local *l, const char *text, gw_trunk_media *out, gw_why *why) {
  gw_sdp *sdp = NULL;
  int rc = gw_sdp_parse(text, strlen(text), &sdp, why);
  if (rc == GW_OK) rc = pick(l, sdp, true, out, why);
  gw_sdp_free(sdp);
  return rc;
}

int gw_trunk_offer_read(gw_trunk_local *l, const char *text, gw_trunk_media *out, gw_why *why) {
  gw_sdp *sdp = NULL;
  int rc = gw_sdp_parse(text, strlen(text), &sdp, why);
  if (rc == GW_OK) rc = pick(l, sdp, false, out, why);
  gw_sdp_free(sdp);
  return rc;
}

int gw_trunk_answer_write(const gw_trunk_local *l, const gw_trunk_media *agreed, char **out, gw_why *why) {
  gw_trunk_local a = *l;
  /* Answer in the profile the trunk used: SAVP when keyed, else AVP. */
  a.policy = agreed->srtp ? GW_SRTP_MANDATORY : GW_SRTP_OFF;
  if (agreed->srtp) {
    a.crypto[0] = agreed->local;
    a.n_crypto = 1;
  }
  return write_sdp(&a, agreed->codec, agreed->dtmf_pt, agreed->srtp ? &agreed->local : NULL, out, why);
}
