/* SDP text -> gw_sdp: one function per line type, one per attribute, dispatched from tables. */
#include <stdio.h>

#include "media/sdp/sdp_priv.h"

/* ---- attributes ------------------------------------------------------------------------ */

static gw_sdp_ice *cur_ice(sdp_parser *p) { return p->m ? &p->m->ice : &p->sdp->ice; }
static gw_sdp_attr **cur_attrs(sdp_parser *p, size_t **n) {
  *n = p->m ? &p->m->n_attrs : &p->sdp->n_attrs;
  return p->m ? &p->m->attrs : &p->sdp->attrs;
}

/* A single-valued text attribute: one word, set at most once per section. */
static int set_word(sdp_parser *p, char **field, const char *name, sdp_slice v) {
  sdp_slice w;
  char what[24];
  snprintf(what, sizeof what, "a=%s", name);
  if (*field) return sdp_fail(p, "%s appears twice in one section", what);
  SDP_TRY(sdp_need_word(p, &v, &w, what, "value"));
  SDP_TRY(sdp_need_end(p, v, what));
  *field = sdp_dup(w);
  return GW_OK;
}

static int a_ice_cred(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_ice *ice = cur_ice(p);
  sdp_slice w = sdp_trim(v);
  if (!sdp_ice_chars(w))
    return sdp_fail(p, "a=%s '%.*s' may only have letters, digits, '+' and '/'", name, SDP_Q(w));
  return set_word(p, name[4] == 'u' ? &ice->ufrag : &ice->pwd, name, v);
}

static int a_ice_options(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_ice *ice = cur_ice(p);
  if (ice->options) return sdp_fail(p, "a=%s appears twice in one section", name);
  ice->options = sdp_dup(sdp_trim(v));
  return GW_OK;
}

static int a_fingerprint(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_fingerprint *fp = p->m ? &p->m->fingerprint : &p->sdp->fingerprint;
  sdp_slice alg, hex;
  uint8_t bytes[64];
  size_t n;
  SDP_TRY(sdp_need_word(p, &v, &alg, "a=fingerprint", "hash function"));
  SDP_TRY(sdp_need_word(p, &v, &hex, "a=fingerprint", "value"));
  SDP_TRY(sdp_need_end(p, v, "a=fingerprint"));
  if (!sdp_hex_pairs(hex, bytes, &n))
    return sdp_fail(p, "a=fingerprint value '%.*s' is not 1-64 hex bytes separated by ':'", SDP_Q(hex));
  if (fp->alg) return SDP_KEEP; /* RFC 8122 allows several; the first one is the model's */
  fp->alg = sdp_dup(alg);
  fp->value = sdp_dup(hex);
  return GW_OK;
}

static int a_setup(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_setup *setup = p->m ? &p->m->setup : &p->sdp->setup;
  sdp_slice w;
  SDP_TRY(sdp_need_word(p, &v, &w, "a=setup", "role"));
  SDP_TRY(sdp_need_end(p, v, "a=setup"));
  if (*setup) return sdp_fail(p, "a=setup appears twice in one section");
  for (int s = GW_SDP_ACTPASS; s <= GW_SDP_HOLDCONN; s++)
    if (sdp_eq(w, gw_sdp_setup_name((gw_sdp_setup)s))) {
      *setup = (gw_sdp_setup)s;
      return GW_OK;
    }
  return sdp_fail(p, "a=setup role '%.*s' is not actpass, active, passive or holdconn", SDP_Q(w));
}

static int a_dir(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_dir *dir = p->m ? &p->m->dir : &p->sdp->dir;
  if (*dir) return sdp_fail(p, "a=%s follows a=%s in the same section", name, gw_sdp_dir_name(*dir));
  for (int d = GW_SDP_SENDRECV; d <= GW_SDP_INACTIVE; d++)
    if (strcmp(name, gw_sdp_dir_name((gw_sdp_dir)d)) == 0) *dir = (gw_sdp_dir)d;
  return GW_OK;
}

static int a_flag(sdp_parser *p, const char *name, sdp_slice v) {
  if (strcmp(name, "extmap-allow-mixed") == 0) *(p->m ? &p->m->extmap_allow_mixed : &p->sdp->extmap_allow_mixed) = true;
  else if (strcmp(name, "rtcp-mux") == 0) p->m->rtcp_mux = true;
  else if (strcmp(name, "rtcp-rsize") == 0) p->m->rtcp_rsize = true;
  else p->m->end_of_candidates = true;
  return GW_OK;
}

static int a_mid(sdp_parser *p, const char *name, sdp_slice v) { return set_word(p, &p->m->mid, name, v); }

static int a_msid_semantic(sdp_parser *p, const char *name, sdp_slice v) {
  v = sdp_trim(v);
  if (p->sdp->msid_semantic) return sdp_fail(p, "a=%s appears twice", name);
  if (!v.n) return sdp_fail(p, "a=%s has no value", name);
  p->sdp->msid_semantic = sdp_dup(v);
  return GW_OK;
}

static int a_msid(sdp_parser *p, const char *name, sdp_slice v) {
  v = sdp_trim(v);
  if (!v.n) return sdp_fail(p, "a=msid has no value");
  if (p->m->msid) return SDP_KEEP; /* a track in several streams: the first one is the model's */
  p->m->msid = sdp_dup(v);
  return GW_OK;
}

static int a_group(sdp_parser *p, const char *name, sdp_slice v) {
  sdp_slice sem, w, mids;
  SDP_TRY(sdp_need_word(p, &v, &sem, "a=group", "semantics"));
  for (mids = v; sdp_word(&v, &w);)
    if (w.n > GW_SDP_MAX_TOKEN) return sdp_fail(p, "a=group mid is longer than %d bytes", GW_SDP_MAX_TOKEN);
  gw_sdp_group *g = SDP_PUSH(p->sdp->groups, p->sdp->n_groups);
  g->semantics = sdp_dup(sem);
  while (sdp_word(&mids, &w)) *SDP_PUSH(g->mids, g->n_mids) = sdp_dup(w);
  return GW_OK;
}

static int a_rtcp(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_media *m = p->m;
  sdp_slice w, net, type, addr;
  uint64_t port;
  if (m->rtcp_port) return sdp_fail(p, "a=rtcp appears twice in one section");
  SDP_TRY(sdp_need_word(p, &v, &w, "a=rtcp", "port"));
  SDP_TRY(sdp_number(p, w, 1, 65535, "a=rtcp", "port", &port));
  if (sdp_word(&v, &net)) {
    if (!sdp_eq(net, "IN")) return sdp_fail(p, "a=rtcp network type '%.*s' is not IN", SDP_Q(net));
    SDP_TRY(sdp_need_word(p, &v, &type, "a=rtcp", "address type"));
    if (!sdp_eq(type, "IP4") && !sdp_eq(type, "IP6"))
      return sdp_fail(p, "a=rtcp address type '%.*s' is not IP4 or IP6", SDP_Q(type));
    SDP_TRY(sdp_need_word(p, &v, &addr, "a=rtcp", "address"));
    SDP_TRY(sdp_need_end(p, v, "a=rtcp"));
    m->rtcp_conn.ip6 = sdp_eq(type, "IP6");
    m->rtcp_conn.addr = sdp_dup(addr);
  }
  m->rtcp_port = (uint16_t)port;
  return GW_OK;
}

static int a_candidate(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_candidate c;
  if (p->m->n_cands >= GW_SDP_MAX_CANDIDATES)
    return sdp_fail(p, "more than %d candidates in one media section", GW_SDP_MAX_CANDIDATES);
  SDP_TRY(sdp_parse_candidate_value(p, sdp_trim(v), &c));
  *SDP_PUSH(p->m->cands, p->m->n_cands) = c;
  return GW_OK;
}

static gw_sdp_codec *find_pt(gw_sdp_media *m, uint64_t pt) {
  for (size_t i = 0; i < m->n_codecs; i++)
    if (m->codecs[i].pt == pt) return &m->codecs[i];
  return NULL;
}

/* The payload type that starts rtpmap/fmtp/rtcp-fb; *c is NULL when the m= line lacks it. */
static int codec_of(sdp_parser *p, const char *name, sdp_slice *v, gw_sdp_codec **c, uint64_t *pt) {
  sdp_slice w;
  char what[24];
  snprintf(what, sizeof what, "a=%s", name);
  SDP_TRY(sdp_need_word(p, v, &w, what, "payload type"));
  SDP_TRY(sdp_number(p, w, 0, 127, what, "payload type", pt));
  *c = find_pt(p->m, *pt);
  return GW_OK;
}

static int a_rtpmap(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_codec *c;
  sdp_slice enc, codec, clock, rest;
  uint64_t pt, hz, ch = 0;
  SDP_TRY(codec_of(p, name, &v, &c, &pt));
  if (!c) return sdp_fail(p, "a=rtpmap for payload type %u, which is not on the m= line", (unsigned)pt);
  if (c->name) return sdp_fail(p, "a second a=rtpmap for payload type %u", (unsigned)pt);
  SDP_TRY(sdp_need_word(p, &v, &enc, "a=rtpmap", "encoding"));
  SDP_TRY(sdp_need_end(p, v, "a=rtpmap"));
  if (!sdp_split(enc, '/', &codec, &rest) || !codec.n)
    return sdp_fail(p, "a=rtpmap encoding '%.*s' is not NAME/CLOCK[/CHANNELS]", SDP_Q(enc));
  bool has_ch = sdp_split(rest, '/', &clock, &rest);
  SDP_TRY(sdp_number(p, clock, 1, UINT32_MAX, "a=rtpmap", "clock rate", &hz));
  if (has_ch) SDP_TRY(sdp_number(p, rest, 1, 255, "a=rtpmap", "channel count", &ch));
  c->name = sdp_dup(codec);
  c->clock = (uint32_t)hz;
  c->channels = (uint8_t)ch;
  return GW_OK;
}

static int a_fmtp(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_codec *c;
  uint64_t pt;
  SDP_TRY(codec_of(p, name, &v, &c, &pt));
  if (!c) return SDP_KEEP;
  if (c->fmtp) return sdp_fail(p, "a second a=fmtp for payload type %u", (unsigned)pt);
  c->fmtp = sdp_dup(sdp_trim(v));
  return GW_OK;
}

static int a_rtcp_fb(sdp_parser *p, const char *name, sdp_slice v) {
  gw_sdp_codec *c;
  uint64_t pt;
  if (sdp_starts(sdp_trim(v), "*")) return SDP_KEEP; /* feedback for every payload type */
  SDP_TRY(codec_of(p, name, &v, &c, &pt));
  v = sdp_trim(v);
  if (!v.n) return sdp_fail(p, "a=rtcp-fb for payload type %u has no feedback type", (unsigned)pt);
  if (!c) return SDP_KEEP;
  *SDP_PUSH(c->rtcp_fb, c->n_rtcp_fb) = sdp_dup(v);
  return GW_OK;
}

static int a_crypto(sdp_parser *p, const char *name, sdp_slice v) {
  sdp_slice tag, suite, key;
  uint64_t t;
  SDP_TRY(sdp_need_word(p, &v, &tag, "a=crypto", "tag"));
  SDP_TRY(sdp_number(p, tag, 1, 999999999, "a=crypto", "tag", &t));
  SDP_TRY(sdp_need_word(p, &v, &suite, "a=crypto", "suite"));
  SDP_TRY(sdp_need_word(p, &v, &key, "a=crypto", "key-params"));
  if (!sdp_starts(key, "inline:") || key.n == 7)
    return sdp_fail(p, "a=crypto key-params '%.*s' do not start with 'inline:KEY'", SDP_Q(key));
  for (size_t i = 0; i < p->m->n_cryptos; i++)
    if (p->m->cryptos[i].tag == t) return sdp_fail(p, "a=crypto tag %u appears twice", (unsigned)t);
  gw_sdp_crypto *c = SDP_PUSH(p->m->cryptos, p->m->n_cryptos);
  c->tag = (uint32_t)t;
  c->suite = sdp_dup(suite);
  c->key_params = sdp_dup(key);
  v = sdp_trim(v);
  if (v.n) c->session_params = sdp_dup(v);
  return GW_OK;
}

static int a_ptime(sdp_parser *p, const char *name, sdp_slice v) {
  uint32_t *field = name[0] == 'p' ? &p->m->ptime : &p->m->maxptime;
  sdp_slice w;
  uint64_t ms;
  char what[16];
  snprintf(what, sizeof what, "a=%s", name);
  if (*field) return sdp_fail(p, "%s appears twice in one section", what);
  SDP_TRY(sdp_need_word(p, &v, &w, what, "value"));
  SDP_TRY(sdp_number(p, w, 1, 65535, what, "value", &ms));
  SDP_TRY(sdp_need_end(p, v, what));
  *field = (uint32_t)ms;
  return GW_OK;
}

static int a_ssrc(sdp_parser *p, const char *name, sdp_slice v) {
  sdp_slice id, attr, val;
  uint64_t ssrc;
  SDP_TRY(sdp_need_word(p, &v, &id, "a=ssrc", "id"));
  SDP_TRY(sdp_number(p, id, 0, UINT32_MAX, "a=ssrc", "id", &ssrc));
  bool has_val = sdp_split(sdp_trim(v), ':', &attr, &val);
  if (!attr.n) return sdp_fail(p, "a=ssrc %u has no attribute", (unsigned)ssrc);
  if (attr.n > GW_SDP_MAX_TOKEN || memchr(attr.p, ' ', attr.n))
    return sdp_fail(p, "a=ssrc attribute '%.*s' is not one word", SDP_Q(attr));
  gw_sdp_ssrc *s = SDP_PUSH(p->m->ssrcs, p->m->n_ssrcs);
  s->ssrc = (uint32_t)ssrc;
  s->attr = sdp_dup(attr);
  s->value = has_val ? sdp_dup(val) : NULL;
  return GW_OK;
}

static int a_extmap(sdp_parser *p, const char *name, sdp_slice v) {
  sdp_slice w, id, dir, uri;
  uint64_t n;
  gw_sdp_dir d = GW_SDP_DIR_NONE;
  SDP_TRY(sdp_need_word(p, &v, &w, "a=extmap", "id"));
  if (sdp_split(w, '/', &id, &dir)) {
    for (int i = GW_SDP_SENDRECV; i <= GW_SDP_INACTIVE; i++)
      if (sdp_eq(dir, gw_sdp_dir_name((gw_sdp_dir)i))) d = (gw_sdp_dir)i;
    if (!d) return sdp_fail(p, "a=extmap direction '%.*s' is not a direction", SDP_Q(dir));
  }
  SDP_TRY(sdp_number(p, id, 1, 255, "a=extmap", "id", &n));
  SDP_TRY(sdp_need_word(p, &v, &uri, "a=extmap", "URI"));
  gw_sdp_extmap *e = SDP_PUSH(p->m->extmaps, p->m->n_extmaps);
  e->id = (uint16_t)n;
  e->dir = d;
  e->uri = sdp_dup(uri);
  v = sdp_trim(v);
  if (v.n) e->ext_attrs = sdp_dup(v);
  return GW_OK;
}

enum { AT_S = 1, AT_M = 2, AT_RTP = 4, AT_VALUE = 8 }; /* where allowed; needs a value */

static const struct {
  const char *name;
  unsigned flags;
  int (*fn)(sdp_parser *p, const char *name, sdp_slice v);
} attr_table[] = {
    {"group", AT_S | AT_VALUE, a_group},
    {"msid-semantic", AT_S | AT_VALUE, a_msid_semantic},
    {"extmap-allow-mixed", AT_S | AT_M, a_flag},
    {"ice-ufrag", AT_S | AT_M | AT_VALUE, a_ice_cred},
    {"ice-pwd", AT_S | AT_M | AT_VALUE, a_ice_cred},
    {"ice-options", AT_S | AT_M | AT_VALUE, a_ice_options},
    {"fingerprint", AT_S | AT_M | AT_VALUE, a_fingerprint},
    {"setup", AT_S | AT_M | AT_VALUE, a_setup},
    {"sendrecv", AT_S | AT_M, a_dir},
    {"sendonly", AT_S | AT_M, a_dir},
    {"recvonly", AT_S | AT_M, a_dir},
    {"inactive", AT_S | AT_M, a_dir},
    {"mid", AT_M | AT_VALUE, a_mid},
    {"rtcp", AT_M | AT_VALUE, a_rtcp},
    {"rtcp-mux", AT_M, a_flag},
    {"rtcp-rsize", AT_M, a_flag},
    {"candidate", AT_M | AT_VALUE, a_candidate},
    {"end-of-candidates", AT_M, a_flag},
    {"rtpmap", AT_M | AT_RTP | AT_VALUE, a_rtpmap},
    {"fmtp", AT_M | AT_RTP | AT_VALUE, a_fmtp},
    {"rtcp-fb", AT_M | AT_RTP | AT_VALUE, a_rtcp_fb},
    {"crypto", AT_M | AT_VALUE, a_crypto},
    {"ptime", AT_M | AT_VALUE, a_ptime},
    {"maxptime", AT_M | AT_VALUE, a_ptime},
    {"ssrc", AT_M | AT_VALUE, a_ssrc},
    {"msid", AT_M | AT_VALUE, a_msid},
    {"extmap", AT_M | AT_VALUE, a_extmap},
};

int sdp_parse_attr(sdp_parser *p, sdp_slice name, const sdp_slice *value) {
  int rc = SDP_KEEP;
  for (size_t i = 0; i < G_N_ELEMENTS(attr_table); i++) {
    unsigned f = attr_table[i].flags;
    if (!sdp_eq(name, attr_table[i].name)) continue;
    if (!(f & (p->m ? AT_M : AT_S)) || ((f & AT_RTP) && !sdp_is_rtp_proto(p->m->proto))) break;
    if ((f & AT_VALUE) && !value) return sdp_fail(p, "a=%s needs a value", attr_table[i].name);
    rc = attr_table[i].fn(p, attr_table[i].name, value ? *value : (sdp_slice){"", 0});
    break;
  }
  if (rc != SDP_KEEP) return rc;
  size_t *n;
  gw_sdp_attr **attrs = cur_attrs(p, &n);
  gw_sdp_attr *a = SDP_PUSH(*attrs, *n);
  a->name = sdp_dup(name);
  a->value = value ? sdp_dup(*value) : NULL;
  return GW_OK;
}

/* ---- lines ----------------------------------------------------------------------------- */

static int parse_conn(sdp_parser *p, sdp_slice *v, gw_sdp_conn *c, const char *what) {
  sdp_slice net, type, addr;
  SDP_TRY(sdp_need_word(p, v, &net, what, "network type"));
  if (!sdp_eq(net, "IN")) return sdp_fail(p, "%s network type '%.*s' is not IN", what, SDP_Q(net));
  SDP_TRY(sdp_need_word(p, v, &type, what, "address type"));
  if (!sdp_eq(type, "IP4") && !sdp_eq(type, "IP6"))
    return sdp_fail(p, "%s address type '%.*s' is not IP4 or IP6", what, SDP_Q(type));
  SDP_TRY(sdp_need_word(p, v, &addr, what, "address"));
  c->ip6 = sdp_eq(type, "IP6");
  c->addr = sdp_dup(addr);
  return GW_OK;
}

static int line_v(sdp_parser *p, sdp_slice v) {
  if (!sdp_eq(v, "0")) return sdp_fail(p, "v= must be 0, not '%.*s'", SDP_Q(v));
  return GW_OK;
}

static int line_o(sdp_parser *p, sdp_slice v) {
  gw_sdp_origin *o = &p->sdp->origin;
  sdp_slice user, id, ver;
  SDP_TRY(sdp_need_word(p, &v, &user, "o=", "username"));
  SDP_TRY(sdp_need_word(p, &v, &id, "o=", "session id"));
  for (size_t i = 0; i < id.n; i++)
    if (!g_ascii_isdigit(id.p[i])) return sdp_fail(p, "o= session id '%.*s' is not a number", SDP_Q(id));
  SDP_TRY(sdp_need_word(p, &v, &ver, "o=", "session version"));
  SDP_TRY(sdp_number(p, ver, 0, UINT64_MAX, "o=", "session version", &o->sess_version));
  o->username = sdp_dup(user);
  o->sess_id = sdp_dup(id);
  SDP_TRY(parse_conn(p, &v, &o->addr, "o="));
  return sdp_need_end(p, v, "o=");
}

static int line_s(sdp_parser *p, sdp_slice v) {
  p->sdp->name = sdp_dup(v);
  return GW_OK;
}

static int line_c(sdp_parser *p, sdp_slice v) {
  gw_sdp_conn *c = p->m ? &p->m->conn : &p->sdp->conn;
  if (c->addr) return sdp_fail(p, "a second c= line in the same section");
  SDP_TRY(parse_conn(p, &v, c, "c="));
  return sdp_need_end(p, v, "c=");
}

static int count_attr(sdp_parser *p) {
  if (++p->n_attrs > GW_SDP_MAX_ATTRS)
    return sdp_fail(p, "more than %d a= and b= lines in one section", GW_SDP_MAX_ATTRS);
  return GW_OK;
}

static int line_b(sdp_parser *p, sdp_slice v) {
  sdp_slice type, bw;
  uint64_t n;
  SDP_TRY(count_attr(p));
  if (!sdp_split(v, ':', &type, &bw) || !type.n || type.n > GW_SDP_MAX_TOKEN || memchr(type.p, ' ', type.n))
    return sdp_fail(p, "b= '%.*s' is not TYPE:BANDWIDTH", SDP_Q(v));
  SDP_TRY(sdp_number(p, bw, 0, UINT32_MAX, "b=", "bandwidth", &n));
  gw_sdp_attr *a = p->m ? SDP_PUSH(p->m->bw, p->m->n_bw) : SDP_PUSH(p->sdp->bw, p->sdp->n_bw);
  a->name = sdp_dup(type);
  a->value = g_strdup_printf("%u", (unsigned)n);
  return GW_OK;
}

static int line_t(sdp_parser *p, sdp_slice v) {
  sdp_slice start, stop;
  uint64_t t0, t1;
  if (p->m) return sdp_fail(p, "t= belongs before the first m= line");
  SDP_TRY(sdp_need_word(p, &v, &start, "t=", "start time"));
  SDP_TRY(sdp_number(p, start, 0, UINT64_MAX, "t=", "start time", &t0));
  SDP_TRY(sdp_need_word(p, &v, &stop, "t=", "stop time"));
  SDP_TRY(sdp_number(p, stop, 0, UINT64_MAX, "t=", "stop time", &t1));
  SDP_TRY(sdp_need_end(p, v, "t="));
  if (!p->seen_t) p->sdp->t_start = t0, p->sdp->t_stop = t1; /* repeats: the first is enough for a call */
  p->seen_t = true;
  return GW_OK;
}

/* RFC 3551 static payload types: what a=rtpmap may leave out. */
static const struct { uint8_t pt; const char *name; uint32_t clock; } static_pts[] = {
    {0, "PCMU", 8000},  {3, "GSM", 8000},   {4, "G723", 8000},  {5, "DVI4", 8000},  {6, "DVI4", 16000},
    {7, "LPC", 8000},   {8, "PCMA", 8000},  {9, "G722", 8000},  {10, "L16", 44100}, {11, "L16", 44100},
    {12, "QCELP", 8000}, {13, "CN", 8000},  {14, "MPA", 90000}, {15, "G728", 8000}, {16, "DVI4", 11025},
    {17, "DVI4", 22050}, {18, "G729", 8000}, {25, "CelB", 90000}, {26, "JPEG", 90000}, {28, "nv", 90000},
    {31, "H261", 90000}, {32, "MPV", 90000}, {33, "MP2T", 90000}, {34, "H263", 90000},
};

static int finish_media(sdp_parser *p) {
  gw_sdp_media *m = p->m;
  if (!m) return GW_OK;
  for (size_t i = 0; i < m->n_codecs; i++)
    for (size_t j = 0; j < G_N_ELEMENTS(static_pts) && !m->codecs[i].name; j++)
      if (static_pts[j].pt == m->codecs[i].pt) {
        m->codecs[i].name = g_strdup(static_pts[j].name);
        m->codecs[i].clock = static_pts[j].clock;
        m->codecs[i].channels = m->codecs[i].pt == 10 ? 2 : 0;
      }
  if (m->port && !m->conn.addr && !p->sdp->conn.addr)
    return gw_fail(p->why, GW_EINVAL, "line %u: m=%s has no c= line and there is no session-level c=",
                   p->m_line, m->type);
  return GW_OK;
}

static int media_format(sdp_parser *p, gw_sdp_media *m, sdp_slice w) {
  uint64_t pt;
  if (m->n_codecs + m->n_fmts >= GW_SDP_MAX_FORMATS)
    return sdp_fail(p, "m= line has more than %d formats", GW_SDP_MAX_FORMATS);
  if (!sdp_is_rtp_proto(m->proto)) {
    *SDP_PUSH(m->fmts, m->n_fmts) = sdp_dup(w);
    return GW_OK;
  }
  SDP_TRY(sdp_number(p, w, 0, 127, "m=", "payload type", &pt));
  if (find_pt(m, pt)) return sdp_fail(p, "m= payload type %u is listed twice", (unsigned)pt);
  SDP_PUSH(m->codecs, m->n_codecs)->pt = (uint8_t)pt;
  return GW_OK;
}

static int line_m(sdp_parser *p, sdp_slice v) {
  gw_sdp *s = p->sdp;
  sdp_slice type, ports, port, count, proto, w;
  uint64_t n;
  SDP_TRY(finish_media(p));
  if (s->n_media >= GW_SDP_MAX_MEDIA) return sdp_fail(p, "more than %d m= lines", GW_SDP_MAX_MEDIA);
  if (!s->media) s->media = g_new0(gw_sdp_media, GW_SDP_MAX_MEDIA);
  gw_sdp_media *m = p->m = &s->media[s->n_media++];
  p->m_line = p->line;
  p->n_attrs = 0;
  SDP_TRY(sdp_need_word(p, &v, &type, "m=", "media type"));
  m->type = sdp_dup(type);
  SDP_TRY(sdp_need_word(p, &v, &ports, "m=", "port"));
  bool has_count = sdp_split(ports, '/', &port, &count);
  SDP_TRY(sdp_number(p, port, 0, 65535, "m=", "port", &n));
  m->port = (uint16_t)n;
  if (has_count) SDP_TRY(sdp_number(p, count, 1, 65535, "m=", "port count", &n));
  m->n_ports = has_count ? (uint16_t)n : 0;
  SDP_TRY(sdp_need_word(p, &v, &proto, "m=", "protocol"));
  m->proto = sdp_dup(proto);
  while (sdp_word(&v, &w)) {
    if (w.n > GW_SDP_MAX_TOKEN) return sdp_fail(p, "m= format is longer than %d bytes", GW_SDP_MAX_TOKEN);
    SDP_TRY(media_format(p, m, w));
  }
  if (!m->n_codecs && !m->n_fmts) return sdp_fail(p, "m=%s line has no formats", m->type);
  return GW_OK;
}

static int line_a(sdp_parser *p, sdp_slice v) {
  sdp_slice name, value;
  SDP_TRY(count_attr(p));
  bool has_value = sdp_split(v, ':', &name, &value);
  if (!name.n || name.n > GW_SDP_MAX_TOKEN || memchr(name.p, ' ', name.n))
    return sdp_fail(p, "attribute name '%.*s' is not one word of 1-%d bytes", SDP_Q(name), GW_SDP_MAX_TOKEN);
  return sdp_parse_attr(p, name, has_value ? &value : NULL);
}

static int line_ignored(sdp_parser *p, sdp_slice v) { return GW_OK; }

static const struct {
  char type;
  int (*fn)(sdp_parser *p, sdp_slice v);
} line_table[] = {
    {'v', line_v}, {'o', line_o}, {'s', line_s}, {'c', line_c}, {'b', line_b}, {'t', line_t},
    {'m', line_m}, {'a', line_a}, {'i', line_ignored}, {'u', line_ignored}, {'e', line_ignored},
    {'p', line_ignored}, {'r', line_ignored}, {'z', line_ignored}, {'k', line_ignored},
};

static int parse_line(sdp_parser *p, sdp_slice line) {
  static const char top[] = "vos";
  if (line.n > GW_SDP_MAX_LINE) return sdp_fail(p, "the line is longer than %d bytes", GW_SDP_MAX_LINE);
  SDP_TRY(sdp_check_text(p, line, "the line"));
  while (line.n && line.p[line.n - 1] == ' ') line.n--;
  if (!line.n) return GW_OK;
  if (line.n < 2 || line.p[1] != '=' || !g_ascii_islower(line.p[0]))
    return sdp_fail(p, "'%.*s' does not start with a lowercase letter and '='", SDP_Q(line));
  char t = line.p[0];
  p->n_lines++;
  if (p->n_lines <= 3 && t != top[p->n_lines - 1])
    return sdp_fail(p, "expected %c= here, found %c=", top[p->n_lines - 1], t);
  if (p->n_lines > 3 && strchr(top, t)) return sdp_fail(p, "%c= may appear only once, at the top", t);
  for (size_t i = 0; i < G_N_ELEMENTS(line_table); i++)
    if (line_table[i].type == t) return line_table[i].fn(p, (sdp_slice){line.p + 2, line.n - 2});
  return sdp_fail(p, "unknown line type '%c='", t);
}

int gw_sdp_parse(const char *text, size_t len, gw_sdp **out, gw_why *why) {
  static const char *const missing[] = {"the SDP is empty", "the SDP has no o= line", "the SDP has no s= line"};
  sdp_parser p = {.why = why};
  int rc = GW_OK;
  *out = NULL;
  if (!text && len) return gw_fail(why, GW_EINVAL, "no SDP text");
  if (!text) text = "";
  if (len > GW_SDP_MAX_SIZE)
    return gw_fail(why, GW_EINVAL, "the SDP is %zu bytes, more than the limit of %d", len, GW_SDP_MAX_SIZE);
  p.sdp = g_new0(gw_sdp, 1);
  for (const char *pos = text, *end = text + len; pos < end && !rc;) {
    const char *nl = memchr(pos, '\n', (size_t)(end - pos));
    const char *eol = nl ? nl : end;
    if (eol > pos && eol[-1] == '\r') eol--;
    p.line++;
    rc = parse_line(&p, (sdp_slice){pos, (size_t)(eol - pos)});
    pos = nl ? nl + 1 : end;
  }
  if (!rc) rc = finish_media(&p);
  if (!rc && p.n_lines < 3) rc = gw_fail(why, GW_EINVAL, "%s", missing[p.n_lines]);
  if (rc) {
    gw_sdp_free(p.sdp);
    return rc;
  }
  *out = p.sdp;
  return GW_OK;
}
