/* ICE candidates (RFC 8839 section 5.1, tcptype from RFC 6544): parse, print, copy, clear. */
#include <inttypes.h>

#include "media/sdp/sdp_priv.h"

static const char *const cand_types[] = {"host", "srflx", "prflx", "relay"};
static const char *const tcp_types[] = {"", "active", "passive", "so"};

static int lookup(sdp_slice w, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (sdp_eq(w, names[i])) return i;
  return -1;
}

const char *gw_sdp_cand_type_name(gw_sdp_cand_type t) {
  return (unsigned)t <= GW_SDP_RELAY ? cand_types[t] : "?";
}

static int parse_pair(sdp_parser *p, sdp_slice name, sdp_slice val, gw_sdp_candidate *c, bool *has_rport,
                      GString *ext) {
  uint64_t n;
  if (sdp_eq(name, "raddr")) {
    if (c->raddr) return sdp_fail(p, "candidate gives raddr twice");
    c->raddr = sdp_dup(val);
  } else if (sdp_eq(name, "rport")) {
    if (*has_rport) return sdp_fail(p, "candidate gives rport twice");
    SDP_TRY(sdp_number(p, val, 0, 65535, "candidate", "rport", &n));
    c->rport = (uint16_t)n;
    *has_rport = true;
  } else if (sdp_eq(name, "tcptype")) {
    int t = lookup(val, tcp_types, G_N_ELEMENTS(tcp_types));
    if (t <= 0) return sdp_fail(p, "candidate tcptype '%.*s' is not active, passive or so", SDP_Q(val));
    if (c->tcptype) return sdp_fail(p, "candidate gives tcptype twice");
    c->tcptype = (gw_sdp_tcptype)t;
  } else {
    g_string_append_printf(ext, "%s%.*s %.*s", ext->len ? " " : "", (int)name.n, name.p, (int)val.n, val.p);
  }
  return GW_OK;
}

/* raddr, rport, tcptype and extensions: "name value" pairs after the type. */
static int parse_pairs(sdp_parser *p, sdp_slice rest, gw_sdp_candidate *c) {
  GString *ext = g_string_new(NULL);
  bool has_rport = false;
  sdp_slice name, val;
  int rc = GW_OK;
  while (!rc && sdp_word(&rest, &name)) {
    if (name.n > GW_SDP_MAX_TOKEN)
      rc = sdp_fail(p, "candidate extension name is longer than %d bytes", GW_SDP_MAX_TOKEN);
    else if (!sdp_word(&rest, &val))
      rc = sdp_fail(p, "candidate extension '%.*s' has no value", SDP_Q(name));
    else if (val.n > GW_SDP_MAX_TOKEN)
      rc = sdp_fail(p, "candidate %.*s value is longer than %d bytes", SDP_Q(name), GW_SDP_MAX_TOKEN);
    else
      rc = parse_pair(p, name, val, c, &has_rport, ext);
  }
  if (!rc && c->raddr && !has_rport) rc = sdp_fail(p, "candidate gives raddr without rport");
  if (!rc && !c->raddr && has_rport) rc = sdp_fail(p, "candidate gives rport without raddr");
  if (!rc && ext->len) c->ext = g_strdup(ext->str);
  g_string_free(ext, TRUE);
  return rc;
}

static int parse_fields(sdp_parser *p, sdp_slice rest, gw_sdp_candidate *c) {
  sdp_slice w;
  uint64_t n;
  int t;
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "foundation"));
  if (w.n > 32 || !sdp_ice_chars(w))
    return sdp_fail(p, "candidate foundation '%.*s' is not 1-32 letters, digits, '+' or '/'", SDP_Q(w));
  c->foundation = sdp_dup(w);
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "component"));
  SDP_TRY(sdp_number(p, w, 1, 256, "candidate", "component", &n));
  c->component = (uint16_t)n;
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "transport"));
  if (sdp_eq(w, "udp")) c->transport = GW_SDP_UDP;
  else if (sdp_eq(w, "tcp")) c->transport = GW_SDP_TCP;
  else return sdp_fail(p, "candidate transport '%.*s' is not udp or tcp", SDP_Q(w));
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "priority"));
  SDP_TRY(sdp_number(p, w, 0, UINT32_MAX, "candidate", "priority", &n));
  c->priority = (uint32_t)n;
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "address"));
  c->addr = sdp_dup(w);
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "port"));
  SDP_TRY(sdp_number(p, w, 0, 65535, "candidate", "port", &n));
  c->port = (uint16_t)n;
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "'typ'"));
  if (!sdp_eq(w, "typ")) return sdp_fail(p, "candidate has '%.*s' where 'typ' belongs", SDP_Q(w));
  SDP_TRY(sdp_need_word(p, &rest, &w, "candidate", "type"));
  if ((t = lookup(w, cand_types, G_N_ELEMENTS(cand_types))) < 0)
    return sdp_fail(p, "candidate type '%.*s' is not host, srflx, prflx or relay", SDP_Q(w));
  c->type = (gw_sdp_cand_type)t;
  return parse_pairs(p, rest, c);
}

int sdp_parse_candidate_value(sdp_parser *p, sdp_slice v, gw_sdp_candidate *out) {
  gw_sdp_candidate c = {0};
  int rc = parse_fields(p, v, &c);
  if (rc) {
    gw_sdp_candidate_clear(&c);
    return rc;
  }
  c.raw = g_strdup_printf("candidate:%.*s", (int)v.n, v.p);
  *out = c;
  return GW_OK;
}

int gw_sdp_parse_candidate(const char *text, size_t len, gw_sdp_candidate *out, gw_why *why) {
  sdp_parser p = {.why = why};
  memset(out, 0, sizeof *out);
  if (!text) return sdp_fail(&p, "no candidate text");
  if (len > GW_SDP_MAX_LINE) return sdp_fail(&p, "candidate is longer than %d bytes", GW_SDP_MAX_LINE);
  sdp_slice s = {text, len};
  while (s.n && (s.p[s.n - 1] == '\n' || s.p[s.n - 1] == '\r')) s.n--;
  s = sdp_trim(s);
  SDP_TRY(sdp_check_text(&p, s, "candidate"));
  if (sdp_starts(s, "a=")) s.p += 2, s.n -= 2;
  if (!sdp_starts(s, "candidate:")) return sdp_fail(&p, "a candidate must start with 'candidate:'");
  s.p += 10, s.n -= 10;
  return sdp_parse_candidate_value(&p, sdp_trim(s), out);
}

bool sdp_candidate_append(GString *out, const gw_sdp_candidate *c) {
  if (!c->foundation || !c->addr || (unsigned)c->type > GW_SDP_RELAY || (unsigned)c->tcptype > GW_SDP_TCP_SO)
    return false;
  g_string_append_printf(out, "candidate:%s %u %s %" PRIu32 " %s %u typ %s", c->foundation, c->component,
                         c->transport == GW_SDP_TCP ? "tcp" : "udp", c->priority, c->addr, c->port,
                         cand_types[c->type]);
  if (c->raddr) g_string_append_printf(out, " raddr %s rport %u", c->raddr, c->rport);
  if (c->tcptype) g_string_append_printf(out, " tcptype %s", tcp_types[c->tcptype]);
  if (c->ext && *c->ext) g_string_append_printf(out, " %s", c->ext);
  return true;
}

char *gw_sdp_candidate_to_string(const gw_sdp_candidate *c) {
  GString *s = g_string_new(NULL);
  if (!sdp_candidate_append(s, c)) {
    g_string_free(s, TRUE);
    return NULL;
  }
  return g_string_free(s, FALSE);
}

void sdp_candidate_copy(gw_sdp_candidate *dst, const gw_sdp_candidate *src) {
  *dst = *src;
  dst->foundation = g_strdup(src->foundation);
  dst->addr = g_strdup(src->addr);
  dst->raddr = g_strdup(src->raddr);
  dst->ext = g_strdup(src->ext);
  dst->raw = g_strdup(src->raw);
}

void gw_sdp_candidate_clear(gw_sdp_candidate *c) {
  if (!c) return;
  g_free(c->foundation);
  g_free(c->addr);
  g_free(c->raddr);
  g_free(c->ext);
  g_free(c->raw);
  memset(c, 0, sizeof *c);
}
