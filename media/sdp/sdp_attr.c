/* Attributes: one handler per a= name, dispatched from a table (RFC 8866 section 6 and friends). */
#include <stdio.h>

#include "media/sdp/sdp_priv.h"

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
  if (strcmp(name, "extmap-allow-mixed") == 0)
    *(p->m ? &p->m->extmap_allow_mixed : &p->sdp->extmap_allow_mixed) = true;
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

/* The payload type that starts rtpmap/fmtp/rtcp-fb; *c is NULL when the m= line lacks it. */
static int codec_of(sdp_parser *p, const char *name, sdp_slice *v, gw_sdp_codec **c, uint64_t *pt) {
  sdp_slice w;
  char what[24];
  snprintf(what, sizeof what, "a=%s", name);
  SDP_TRY(sdp_need_word(p, v, &w, what, "payload type"));
  SDP_TRY(sdp_number(p, w, 0, 127, what, "payload type", pt));
  *c = sdp_find_pt(p->m, *pt);
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
