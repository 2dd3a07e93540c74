/* SDP text -> gw_sdp: one function per line type, dispatched from a table; a= lines go to sdp_attr.c. */
#include <stdio.h>

#include "media/sdp/sdp_priv.h"

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
  if (sdp_find_pt(m, pt)) return sdp_fail(p, "m= payload type %u is listed twice", (unsigned)pt);
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
