/* The SDP model: building, lookups and teardown. */
#include "media/sdp/sdp_priv.h"

static const char *const dir_names[] = {"", "sendrecv", "sendonly", "recvonly", "inactive"};
static const char *const setup_names[] = {"", "actpass", "active", "passive", "holdconn"};

const char *gw_sdp_dir_name(gw_sdp_dir d) { return (unsigned)d < G_N_ELEMENTS(dir_names) ? dir_names[d] : ""; }

const char *gw_sdp_setup_name(gw_sdp_setup s) {
  return (unsigned)s < G_N_ELEMENTS(setup_names) ? setup_names[s] : "";
}

/* ---- teardown -------------------------------------------------------------------------- */

static void attrs_free(gw_sdp_attr *a, size_t n) {
  for (size_t i = 0; i < n; i++) g_free(a[i].name), g_free(a[i].value);
  g_free(a);
}

static void strv_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) g_free(v[i]);
  g_free(v);
}

static void ice_fp_clear(gw_sdp_ice *ice, gw_sdp_fingerprint *fp) {
  g_free(ice->ufrag), g_free(ice->pwd), g_free(ice->options);
  g_free(fp->alg), g_free(fp->value);
}

void sdp_codec_clear(gw_sdp_codec *c) {
  g_free(c->name);
  g_free(c->fmtp);
  strv_free(c->rtcp_fb, c->n_rtcp_fb);
}

void sdp_media_clear(gw_sdp_media *m) {
  g_free(m->type), g_free(m->proto), g_free(m->mid), g_free(m->msid);
  g_free(m->conn.addr), g_free(m->rtcp_conn.addr);
  for (size_t i = 0; i < m->n_codecs; i++) sdp_codec_clear(&m->codecs[i]);
  g_free(m->codecs);
  strv_free(m->fmts, m->n_fmts);
  attrs_free(m->bw, m->n_bw);
  ice_fp_clear(&m->ice, &m->fingerprint);
  for (size_t i = 0; i < m->n_cands; i++) gw_sdp_candidate_clear(&m->cands[i]);
  g_free(m->cands);
  for (size_t i = 0; i < m->n_cryptos; i++) {
    gw_sdp_crypto *c = &m->cryptos[i];
    g_free(c->suite), g_free(c->key_params), g_free(c->session_params);
  }
  g_free(m->cryptos);
  for (size_t i = 0; i < m->n_ssrcs; i++) g_free(m->ssrcs[i].attr), g_free(m->ssrcs[i].value);
  g_free(m->ssrcs);
  for (size_t i = 0; i < m->n_extmaps; i++) g_free(m->extmaps[i].uri), g_free(m->extmaps[i].ext_attrs);
  g_free(m->extmaps);
  attrs_free(m->attrs, m->n_attrs);
  memset(m, 0, sizeof *m);
}

void gw_sdp_free(gw_sdp *s) {
  if (!s) return;
  g_free(s->origin.username), g_free(s->origin.sess_id), g_free(s->origin.addr.addr);
  g_free(s->name), g_free(s->conn.addr), g_free(s->msid_semantic);
  attrs_free(s->bw, s->n_bw);
  for (size_t i = 0; i < s->n_groups; i++) {
    g_free(s->groups[i].semantics);
    strv_free(s->groups[i].mids, s->groups[i].n_mids);
  }
  g_free(s->groups);
  ice_fp_clear(&s->ice, &s->fingerprint);
  attrs_free(s->attrs, s->n_attrs);
  for (size_t i = 0; i < s->n_media; i++) sdp_media_clear(&s->media[i]);
  g_free(s->media);
  g_free(s);
}

/* ---- building -------------------------------------------------------------------------- */

gw_sdp *gw_sdp_new(void) {
  gw_sdp *s = g_new0(gw_sdp, 1);
  s->origin.username = g_strdup("-");
  s->origin.sess_id = g_strdup("0");
  s->origin.addr.addr = g_strdup("0.0.0.0");
  s->name = g_strdup("-");
  return s;
}

void gw_sdp_set_str(char **field, const char *value) {
  char *old = *field;
  *field = g_strdup(value);
  g_free(old);
}

void gw_sdp_set_conn(gw_sdp_conn *conn, const char *addr) {
  gw_sdp_set_str(&conn->addr, addr);
  conn->ip6 = addr && strchr(addr, ':');
}

static int check_word(const char *s, const char *what, gw_why *why) {
  size_t n = s ? strlen(s) : 0;
  if (!n || n > GW_SDP_MAX_TOKEN)
    return gw_fail(why, GW_EINVAL, "%s must be 1-%d bytes", what, GW_SDP_MAX_TOKEN);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
      return gw_fail(why, GW_EINVAL, "%s is not one word (no spaces or control characters)", what);
  return GW_OK;
}

int gw_sdp_add_media(gw_sdp *s, const char *type, uint16_t port, const char *proto, gw_sdp_media **out,
                     gw_why *why) {
  if (out) *out = NULL;
  SDP_TRY(check_word(type, "media type", why));
  SDP_TRY(check_word(proto, "protocol", why));
  if (s->n_media >= GW_SDP_MAX_MEDIA)
    return gw_fail(why, GW_EINVAL, "an SDP holds at most %d media sections", GW_SDP_MAX_MEDIA);
  if (!s->media) s->media = g_new0(gw_sdp_media, GW_SDP_MAX_MEDIA);
  gw_sdp_media *m = &s->media[s->n_media++];
  m->type = g_strdup(type);
  m->port = port;
  m->proto = g_strdup(proto);
  if (out) *out = m;
  return GW_OK;
}

static int room_for_format(const gw_sdp_media *m, bool rtp, gw_why *why) {
  if (sdp_is_rtp_proto(m->proto) != rtp)
    return gw_fail(why, GW_EINVAL, "%s belong to %s sections, and %s is %s", rtp ? "codecs" : "plain formats",
                   rtp ? "RTP" : "non-RTP", m->proto ? m->proto : "(none)", rtp ? "not" : "RTP");
  if (m->n_codecs + m->n_fmts >= GW_SDP_MAX_FORMATS)
    return gw_fail(why, GW_EINVAL, "an m= line holds at most %d formats", GW_SDP_MAX_FORMATS);
  return GW_OK;
}

int gw_sdp_add_codec(gw_sdp_media *m, unsigned pt, const char *name, uint32_t clock, unsigned channels,
                     const char *fmtp, gw_sdp_codec **out, gw_why *why) {
  if (out) *out = NULL;
  SDP_TRY(room_for_format(m, true, why));
  SDP_TRY(check_word(name, "codec name", why));
  if (strchr(name, '/')) return gw_fail(why, GW_EINVAL, "codec name '%s' has a '/'", name);
  if (pt > 127) return gw_fail(why, GW_EINVAL, "payload type %u is out of range (0-127)", pt);
  if (gw_sdp_codec_by_pt(m, pt))
    return gw_fail(why, GW_EINVAL, "payload type %u is already in the section", pt);
  if (!clock || channels > 255)
    return gw_fail(why, GW_EINVAL, "codec %s needs a clock rate and at most 255 channels", name);
  gw_sdp_codec *c = SDP_PUSH(m->codecs, m->n_codecs);
  c->pt = (uint8_t)pt;
  c->name = g_strdup(name);
  c->clock = clock;
  c->channels = (uint8_t)channels;
  c->fmtp = g_strdup(fmtp);
  if (out) *out = c;
  return GW_OK;
}

void gw_sdp_codec_add_rtcp_fb(gw_sdp_codec *c, const char *fb) {
  if (fb) *SDP_PUSH(c->rtcp_fb, c->n_rtcp_fb) = g_strdup(fb);
}

int gw_sdp_add_fmt(gw_sdp_media *m, const char *fmt, gw_why *why) {
  SDP_TRY(room_for_format(m, false, why));
  SDP_TRY(check_word(fmt, "format", why));
  *SDP_PUSH(m->fmts, m->n_fmts) = g_strdup(fmt);
  return GW_OK;
}

int gw_sdp_add_candidate(gw_sdp_media *m, const gw_sdp_candidate *c, gw_why *why) {
  if (m->n_cands >= GW_SDP_MAX_CANDIDATES)
    return gw_fail(why, GW_EINVAL, "a media section holds at most %d candidates", GW_SDP_MAX_CANDIDATES);
  SDP_TRY(check_word(c->foundation, "candidate foundation", why));
  SDP_TRY(check_word(c->addr, "candidate address", why));
  sdp_candidate_copy(SDP_PUSH(m->cands, m->n_cands), c);
  return GW_OK;
}

int gw_sdp_add_attr(gw_sdp *sdp, gw_sdp_media *m, const char *name, const char *value, gw_why *why) {
  sdp_parser p = {.sdp = sdp, .m = m, .why = why};
  sdp_slice v = {value, value ? strlen(value) : 0};
  SDP_TRY(check_word(name, "attribute name", why));
  if (strchr(name, ':')) return gw_fail(why, GW_EINVAL, "attribute name '%s' has a ':'", name);
  if (v.n > GW_SDP_MAX_LINE)
    return gw_fail(why, GW_EINVAL, "a=%s value is longer than %d bytes", name, GW_SDP_MAX_LINE);
  SDP_TRY(sdp_check_text(&p, v, "the attribute value"));
  return sdp_parse_attr(&p, (sdp_slice){name, strlen(name)}, value ? &v : NULL);
}

/* ---- lookups --------------------------------------------------------------------------- */

bool sdp_is_rtp_proto(const char *proto) {
  for (const char *s = proto; s && *s; s++)
    if (g_ascii_strncasecmp(s, "RTP/", 4) == 0) return true;
  return false;
}

bool gw_sdp_media_is_rtp(const gw_sdp_media *m) { return sdp_is_rtp_proto(m->proto); }

gw_sdp_profile gw_sdp_media_profile(const gw_sdp_media *m) {
  static const struct { const char *proto; gw_sdp_profile profile; } table[] = {
      {"RTP/AVP", GW_SDP_RTP_AVP},
      {"RTP/AVPF", GW_SDP_RTP_AVPF},
      {"RTP/SAVP", GW_SDP_RTP_SAVP},
      {"RTP/SAVPF", GW_SDP_RTP_SAVPF},
      {"UDP/TLS/RTP/SAVPF", GW_SDP_DTLS_SAVPF},
      {"TCP/TLS/RTP/SAVPF", GW_SDP_DTLS_SAVPF},
      {"TCP/DTLS/RTP/SAVPF", GW_SDP_DTLS_SAVPF},
      {"UDP/DTLS/SCTP", GW_SDP_DTLS_SCTP},
      {"TCP/DTLS/SCTP", GW_SDP_DTLS_SCTP},
  };
  for (size_t i = 0; m->proto && i < G_N_ELEMENTS(table); i++)
    if (g_ascii_strcasecmp(m->proto, table[i].proto) == 0) return table[i].profile;
  return GW_SDP_PROFILE_OTHER;
}

const gw_sdp_media *gw_sdp_first_media(const gw_sdp *sdp, const char *type) {
  for (size_t i = 0; i < sdp->n_media; i++)
    if (sdp->media[i].type && g_ascii_strcasecmp(sdp->media[i].type, type) == 0) return &sdp->media[i];
  return NULL;
}

const gw_sdp_media *gw_sdp_first_audio(const gw_sdp *sdp) { return gw_sdp_first_media(sdp, "audio"); }

const gw_sdp_codec *gw_sdp_find_codec(const gw_sdp_media *m, const char *name, uint32_t clock) {
  for (size_t i = 0; i < m->n_codecs; i++) {
    const gw_sdp_codec *c = &m->codecs[i];
    if (c->name && g_ascii_strcasecmp(c->name, name) == 0 && (!clock || c->clock == clock)) return c;
  }
  return NULL;
}

gw_sdp_codec *sdp_find_pt(gw_sdp_media *m, unsigned pt) {
  for (size_t i = 0; i < m->n_codecs; i++)
    if (m->codecs[i].pt == pt) return &m->codecs[i];
  return NULL;
}

const gw_sdp_codec *gw_sdp_codec_by_pt(const gw_sdp_media *m, unsigned pt) {
  return sdp_find_pt((gw_sdp_media *)m, pt);
}

const char *gw_sdp_ice_ufrag(const gw_sdp *sdp, const gw_sdp_media *m) {
  return m && m->ice.ufrag ? m->ice.ufrag : sdp->ice.ufrag;
}

const char *gw_sdp_ice_pwd(const gw_sdp *sdp, const gw_sdp_media *m) {
  return m && m->ice.pwd ? m->ice.pwd : sdp->ice.pwd;
}

const char *gw_sdp_ice_options(const gw_sdp *sdp, const gw_sdp_media *m) {
  return m && m->ice.options ? m->ice.options : sdp->ice.options;
}

const gw_sdp_fingerprint *gw_sdp_fingerprint_of(const gw_sdp *sdp, const gw_sdp_media *m) {
  if (m && m->fingerprint.alg) return &m->fingerprint;
  return sdp->fingerprint.alg ? &sdp->fingerprint : NULL;
}

gw_sdp_setup gw_sdp_setup_of(const gw_sdp *sdp, const gw_sdp_media *m) {
  return m && m->setup ? m->setup : sdp->setup;
}

gw_sdp_dir gw_sdp_dir_of(const gw_sdp *sdp, const gw_sdp_media *m) {
  if (m && m->dir) return m->dir;
  return sdp->dir ? sdp->dir : GW_SDP_SENDRECV;
}

const gw_sdp_conn *gw_sdp_conn_of(const gw_sdp *sdp, const gw_sdp_media *m) {
  if (m && m->conn.addr) return &m->conn;
  return sdp->conn.addr ? &sdp->conn : NULL;
}

int gw_sdp_fingerprint_bytes(const gw_sdp_fingerprint *fp, uint8_t out[64], size_t *len, gw_why *why) {
  if (!fp || !fp->value) return gw_fail(why, GW_EINVAL, "there is no fingerprint");
  if (!sdp_hex_pairs((sdp_slice){fp->value, strlen(fp->value)}, out, len))
    return gw_fail(why, GW_EINVAL, "fingerprint '%.40s' is not 1-64 hex bytes separated by ':'", fp->value);
  return GW_OK;
}
