/* gw_sdp -> text: CRLF lines in the order of RFC 8866 section 5 (v o s c b t a, then m c b a). */
#include <inttypes.h>
#include <stdarg.h>

#include "media/sdp/sdp_priv.h"

typedef struct {
  GString *out;
  gw_why *why;
  int rc; /* the first failure; later output is skipped */
} writer;

static const char *or_(const char *s, const char *dflt) { return s ? s : dflt; }

/* One line. A field holding a control character (CR, LF, ...) would split it or smuggle in
 * another line: refuse to write rather than inject. */
static void put(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(writer *w, const char *fmt, ...) {
  va_list ap;
  size_t start = w->out->len;
  if (w->rc) return;
  va_start(ap, fmt);
  g_string_append_vprintf(w->out, fmt, ap);
  va_end(ap);
  for (size_t i = start; i < w->out->len; i++) {
    unsigned char c = (unsigned char)w->out->str[i];
    if (c < 0x20 || c == 0x7f) {
      int shown = (int)MIN(i - start, 24);
      w->rc = gw_fail(w->why, GW_EINVAL, "the line starting '%.*s' would hold a control character (0x%02x)",
                      shown, w->out->str + start, c);
      return;
    }
  }
  g_string_append(w->out, "\r\n");
}

static bool need(writer *w, const void *field, const char *what) {
  if (!field && !w->rc) w->rc = gw_fail(w->why, GW_EINVAL, "cannot write the SDP: %s is missing", what);
  return field != NULL;
}

static void put_conn(writer *w, const gw_sdp_conn *c) {
  if (c->addr) put(w, "c=IN %s %s", c->ip6 ? "IP6" : "IP4", c->addr);
}

static void put_bw(writer *w, const gw_sdp_attr *bw, size_t n) {
  for (size_t i = 0; i < n; i++) put(w, "b=%s:%s", or_(bw[i].name, "AS"), or_(bw[i].value, "0"));
}

static void put_attrs(writer *w, const gw_sdp_attr *a, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!need(w, a[i].name, "an attribute name")) return;
    if (a[i].value) put(w, "a=%s:%s", a[i].name, a[i].value);
    else put(w, "a=%s", a[i].name);
  }
}

static void put_ice_dtls(writer *w, const gw_sdp_ice *ice, const gw_sdp_fingerprint *fp, gw_sdp_setup setup) {
  if (ice->ufrag) put(w, "a=ice-ufrag:%s", ice->ufrag);
  if (ice->pwd) put(w, "a=ice-pwd:%s", ice->pwd);
  if (ice->options) put(w, "a=ice-options:%s", ice->options);
  if (fp->alg && need(w, fp->value, "the fingerprint value")) put(w, "a=fingerprint:%s %s", fp->alg, fp->value);
  if (setup) put(w, "a=setup:%s", gw_sdp_setup_name(setup));
}

static void put_dir(writer *w, gw_sdp_dir dir) {
  if (dir) put(w, "a=%s", gw_sdp_dir_name(dir));
}

static void put_session(writer *w, const gw_sdp *s) {
  const gw_sdp_origin *o = &s->origin;
  put(w, "v=0");
  put(w, "o=%s %s %" PRIu64 " IN %s %s", or_(o->username, "-"), or_(o->sess_id, "0"), o->sess_version,
      o->addr.ip6 ? "IP6" : "IP4", or_(o->addr.addr, "0.0.0.0"));
  put(w, "s=%s", or_(s->name, "-"));
  put_conn(w, &s->conn);
  put_bw(w, s->bw, s->n_bw);
  put(w, "t=%" PRIu64 " %" PRIu64, s->t_start, s->t_stop);
  for (size_t i = 0; i < s->n_groups; i++) {
    GString *g = g_string_new(or_(s->groups[i].semantics, "BUNDLE"));
    for (size_t j = 0; j < s->groups[i].n_mids; j++) g_string_append_printf(g, " %s", s->groups[i].mids[j]);
    put(w, "a=group:%s", g->str);
    g_string_free(g, TRUE);
  }
  if (s->extmap_allow_mixed) put(w, "a=extmap-allow-mixed");
  if (s->msid_semantic) put(w, "a=msid-semantic:%s", s->msid_semantic);
  put_ice_dtls(w, &s->ice, &s->fingerprint, s->setup);
  put_dir(w, s->dir);
  put_attrs(w, s->attrs, s->n_attrs);
}

static void put_m_line(writer *w, const gw_sdp_media *m) {
  GString *f = g_string_new(NULL);
  for (size_t i = 0; i < m->n_codecs; i++) g_string_append_printf(f, " %u", m->codecs[i].pt);
  for (size_t i = 0; i < m->n_fmts; i++) g_string_append_printf(f, " %s", m->fmts[i]);
  if (!f->len) need(w, NULL, "an m= line's format");
  else if (m->n_ports) put(w, "m=%s %u/%u %s%s", m->type, m->port, m->n_ports, m->proto, f->str);
  else put(w, "m=%s %u %s%s", m->type, m->port, m->proto, f->str);
  g_string_free(f, TRUE);
}

static void put_candidates(writer *w, const gw_sdp_media *m) {
  GString *c = g_string_new(NULL);
  for (size_t i = 0; i < m->n_cands; i++) {
    g_string_truncate(c, 0);
    if (need(w, sdp_candidate_append(c, &m->cands[i]) ? c : NULL, "a candidate's foundation or address"))
      put(w, "a=%s", c->str);
  }
  g_string_free(c, TRUE);
  if (m->end_of_candidates) put(w, "a=end-of-candidates");
}

static void put_codecs(writer *w, const gw_sdp_media *m) {
  for (size_t i = 0; i < m->n_codecs; i++) {
    const gw_sdp_codec *c = &m->codecs[i];
    if (c->name && c->channels) put(w, "a=rtpmap:%u %s/%" PRIu32 "/%u", c->pt, c->name, c->clock, c->channels);
    else if (c->name) put(w, "a=rtpmap:%u %s/%" PRIu32, c->pt, c->name, c->clock);
    for (size_t j = 0; j < c->n_rtcp_fb; j++) put(w, "a=rtcp-fb:%u %s", c->pt, c->rtcp_fb[j]);
    if (c->fmtp) put(w, "a=fmtp:%u %s", c->pt, c->fmtp);
  }
}

static void put_media(writer *w, const gw_sdp_media *m) {
  if (!need(w, m->type, "a media type") || !need(w, m->proto, "a media protocol")) return;
  put_m_line(w, m);
  put_conn(w, &m->conn);
  put_bw(w, m->bw, m->n_bw);
  if (m->rtcp_port && m->rtcp_conn.addr)
    put(w, "a=rtcp:%u IN %s %s", m->rtcp_port, m->rtcp_conn.ip6 ? "IP6" : "IP4", m->rtcp_conn.addr);
  else if (m->rtcp_port) put(w, "a=rtcp:%u", m->rtcp_port);
  put_candidates(w, m);
  put_ice_dtls(w, &m->ice, &m->fingerprint, m->setup);
  if (m->mid) put(w, "a=mid:%s", m->mid);
  if (m->extmap_allow_mixed) put(w, "a=extmap-allow-mixed");
  for (size_t i = 0; i < m->n_extmaps; i++) {
    const gw_sdp_extmap *e = &m->extmaps[i];
    put(w, "a=extmap:%u%s%s %s%s%s", e->id, e->dir ? "/" : "", gw_sdp_dir_name(e->dir), or_(e->uri, ""),
        e->ext_attrs ? " " : "", or_(e->ext_attrs, ""));
  }
  put_dir(w, m->dir);
  if (m->msid) put(w, "a=msid:%s", m->msid);
  if (m->rtcp_mux) put(w, "a=rtcp-mux");
  if (m->rtcp_rsize) put(w, "a=rtcp-rsize");
  put_codecs(w, m);
  if (m->ptime) put(w, "a=ptime:%" PRIu32, m->ptime);
  if (m->maxptime) put(w, "a=maxptime:%" PRIu32, m->maxptime);
  for (size_t i = 0; i < m->n_cryptos; i++) {
    char *c = gw_sdp_crypto_to_string(&m->cryptos[i]);
    if (need(w, c, "a crypto suite or key")) put(w, "a=crypto:%s", c);
    g_free(c);
  }
  for (size_t i = 0; i < m->n_ssrcs; i++) {
    const gw_sdp_ssrc *s = &m->ssrcs[i];
    put(w, "a=ssrc:%" PRIu32 " %s%s%s", s->ssrc, or_(s->attr, "cname"), s->value ? ":" : "", or_(s->value, ""));
  }
  put_attrs(w, m->attrs, m->n_attrs);
}

int gw_sdp_write(const gw_sdp *sdp, char **out, size_t *out_len, gw_why *why) {
  writer w = {g_string_sized_new(1024), why, GW_OK};
  *out = NULL;
  if (out_len) *out_len = 0;
  put_session(&w, sdp);
  for (size_t i = 0; i < sdp->n_media; i++) put_media(&w, &sdp->media[i]);
  if (w.rc) {
    g_string_free(w.out, TRUE);
    return w.rc;
  }
  if (out_len) *out_len = w.out->len;
  *out = g_string_free(w.out, FALSE);
  return GW_OK;
}

char *gw_sdp_crypto_to_string(const gw_sdp_crypto *c) {
  if (!c->suite || !c->key_params) return NULL;
  return g_strdup_printf("%" PRIu32 " %s %s%s%s", c->tag, c->suite, c->key_params, c->session_params ? " " : "",
                         or_(c->session_params, ""));
}
