/* Per-leg statistics: every output below is generated from media/stats/stats_fields.inc. */
#include "media/stats/stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gateway/log.h"
#include "media/stats/mos.h"

/* ---- init, strings, snapshot ---- */

#define INIT_U64(s, name) (s)->name = 0;
#define INIT_I64(s, name) (s)->name = 0;
#define INIT_F64(s, name) (s)->name = NAN;
#define INIT_STR(s, name) (s)->name[0] = '\0';

void gw_leg_stats_init(gw_leg_stats *s) {
  memset(s, 0, sizeof *s);
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) INIT_##kind(s, name)
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
}

int gw_call_stats_init(gw_call_stats *s, const char *call, gw_why *why) {
  size_t n = call ? strlen(call) : 0;
  if (n == 0 || n >= GW_STATS_CALL_MAX)
    return gw_fail(why, GW_EINVAL, "a call id of %zu bytes: 1 to %d", n, GW_STATS_CALL_MAX - 1);
  memset(s, 0, sizeof *s);
  memcpy(s->call, call, n + 1);
  for (int l = 0; l < GW_STATS_LEGS; l++) gw_leg_stats_init(&s->leg[l]);
  return GW_OK;
}

void gw_stats_set_str(char field[GW_STATS_STR_MAX], const char *value) {
  g_strlcpy(field, value ? value : "", GW_STATS_STR_MAX);
}

static void derive(gw_leg_stats *l) {
  uint64_t lost = l->packets_lost > 0 ? (uint64_t)l->packets_lost : 0;
  uint64_t expected = l->packets_received + lost;
  l->loss_pct = expected ? 100.0 * (double)lost / (double)expected : 0.0;
  gw_mos_codec codec;
  if (l->packets_received == 0 || gw_mos_codec_from_name(l->codec, &codec) != GW_OK) {
    l->mos = NAN;
    return;
  }
  gw_mos_input in = {.codec = codec, .loss_pct = l->loss_pct, .rtt_ms = l->rtt_ms, .jitter_ms = l->jitter_ms};
  l->mos = gw_mos_estimate(&in);
}

void gw_call_stats_snapshot(const gw_call_stats *live, int64_t now_us, gw_call_stats *out) {
  *out = *live;
  out->taken_us = now_us;
  for (int l = 0; l < GW_STATS_LEGS; l++) derive(&out->leg[l]);
}

const char *gw_stats_leg_name(gw_stats_leg leg) {
  return leg == GW_STATS_LEG_BROWSER ? "browser" : leg == GW_STATS_LEG_TRUNK ? "trunk" : "?";
}

const char *gw_stats_leg_title(gw_stats_leg leg) {
  return leg == GW_STATS_LEG_BROWSER ? "Browser" : leg == GW_STATS_LEG_TRUNK ? "Trunk" : "?";
}

/* ---- JSON ---- */

/* Per-kind helpers are G_GNUC_UNUSED: the table may hold no field of some kind. */

G_GNUC_UNUSED static json_t *json_U64(uint64_t v) { return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v); }
G_GNUC_UNUSED static json_t *json_I64(int64_t v) { return json_integer((json_int_t)v); }
G_GNUC_UNUSED static json_t *json_F64(double v) {
  if (!isfinite(v)) return json_null();
  return json_real(round(v * 1000) / 1000); /* 0.81, not 0.8100000000000001 */
}
G_GNUC_UNUSED static json_t *json_STR(const char *v) {
  json_t *j = v[0] ? json_string(v) : NULL; /* NULL too when not UTF-8 */
  return j ? j : json_null();
}

json_t *gw_leg_stats_to_json(const gw_leg_stats *s) {
  json_t *o = json_object();
  if (!o) return NULL;
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) \
  json_object_set_new(o, #name, json_##kind(s->name));
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
  return o;
}

json_t *gw_call_stats_to_json(const gw_call_stats *s) {
  json_t *legs = json_object();
  for (int l = 0; l < GW_STATS_LEGS; l++)
    json_object_set_new(legs, gw_stats_leg_name((gw_stats_leg)l), gw_leg_stats_to_json(&s->leg[l]));
  return json_pack("{s:s, s:o}", "call", s->call, "legs", legs);
}

json_t *gw_call_stats_array_to_json(const gw_call_stats *calls, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, gw_call_stats_to_json(&calls[i]));
  return a;
}

/* ---- Prometheus ---- */

/* A label value: backslash, double quote and newline escaped. */
static void prom_label(GString *out, const char *key, const char *value) {
  g_string_append_printf(out, "%s=\"", key);
  for (const char *p = value; *p; p++) {
    if (*p == '\\') g_string_append(out, "\\\\");
    else if (*p == '"') g_string_append(out, "\\\"");
    else if (*p == '\n') g_string_append(out, "\\n");
    else g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

static void prom_head(GString *out, const char *metric, const char *type, const char *help) {
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
}

/* {call="c1",leg="browser" and, when close, the closing brace. */
static void prom_labels(GString *out, const gw_call_stats *c, int leg, bool close) {
  g_string_append_c(out, '{');
  prom_label(out, "call", c->call);
  g_string_append_c(out, ',');
  prom_label(out, "leg", gw_stats_leg_name((gw_stats_leg)leg));
  if (close) g_string_append_c(out, '}');
}

/* The shortest of %.15g and %.17g that reads back as v ("0.023", not "0.023000000000000003"),
 * with '.' whatever the locale. */
static void prom_double(GString *out, double v) {
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd(num, sizeof num, "%.15g", v);
  if (g_ascii_strtod(num, NULL) != v) g_ascii_formatd(num, sizeof num, "%.17g", v);
  g_string_append(out, num);
}

G_GNUC_UNUSED static void prom_U64(GString *out, uint64_t v, double scale) {
  if (scale == 1) g_string_append_printf(out, " %" PRIu64 "\n", v);
  else {
    g_string_append_c(out, ' ');
    prom_double(out, (double)v * scale);
    g_string_append_c(out, '\n');
  }
}
G_GNUC_UNUSED static void prom_I64(GString *out, int64_t v, double scale) {
  if (scale == 1) g_string_append_printf(out, " %" PRId64 "\n", v);
  else {
    g_string_append_c(out, ' ');
    prom_double(out, (double)v * scale);
    g_string_append_c(out, '\n');
  }
}
G_GNUC_UNUSED static void prom_F64(GString *out, double v, double scale) {
  g_string_append_c(out, ' ');
  prom_double(out, v * scale);
  g_string_append_c(out, '\n');
}

G_GNUC_UNUSED static bool known_U64(uint64_t v) { (void)v; return true; }
G_GNUC_UNUSED static bool known_I64(int64_t v) { (void)v; return true; }
G_GNUC_UNUSED static bool known_F64(double v) { return isfinite(v); }
G_GNUC_UNUSED static bool known_STR(const char *v) { return v[0] != '\0'; }

/* One metric family: its head, then one sample per call and leg whose value is known. */
#define PROM_FAMILY(kind, name, type, prom_name, prom_scale, help)                      \
  do {                                                                                  \
    prom_head(out, "gw_leg_" #prom_name, type, help);                                   \
    for (size_t i = 0; i < n; i++)                                                      \
      for (int l = 0; l < GW_STATS_LEGS; l++) {                                         \
        if (!known_##kind(calls[i].leg[l].name)) continue;                              \
        g_string_append(out, "gw_leg_" #prom_name);                                     \
        prom_labels(out, &calls[i], l, true);                                           \
        prom_##kind(out, calls[i].leg[l].name, prom_scale);                             \
      }                                                                                 \
  } while (0);
#define PROM_COUNTER(kind, name, prom_name, prom_scale, help) \
  PROM_FAMILY(kind, name, "counter", prom_name, prom_scale, help)
#define PROM_GAUGE(kind, name, prom_name, prom_scale, help) \
  PROM_FAMILY(kind, name, "gauge", prom_name, prom_scale, help)
#define PROM_LABEL(kind, name, prom_name, prom_scale, help)

#define INFO_LABEL_COUNTER(s, name, prom_name)
#define INFO_LABEL_GAUGE(s, name, prom_name)
#define INFO_LABEL_LABEL(s, name, prom_name) \
  g_string_append_c(out, ',');               \
  prom_label(out, #prom_name, (s)->name);
#define INFO_HELP_COUNTER(help)
#define INFO_HELP_GAUGE(help)
#define INFO_HELP_LABEL(help) " " help

void gw_stats_prometheus(GString *out, const gw_call_stats *calls, size_t n) {
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) \
  PROM_##prom(kind, name, prom_name, prom_scale, help)
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD

  static const char info_help[] = "Leg description, as labels:"
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) INFO_HELP_##prom(help)
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
      ;
  prom_head(out, "gw_leg_info", "gauge", info_help);
  for (size_t i = 0; i < n; i++)
    for (int l = 0; l < GW_STATS_LEGS; l++) {
      const gw_leg_stats *s = &calls[i].leg[l];
      g_string_append(out, "gw_leg_info");
      prom_labels(out, &calls[i], l, false);
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) \
  INFO_LABEL_##prom(s, name, prom_name)
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
      g_string_append(out, "} 1\n");
    }
}

/* ---- log line ---- */

typedef struct {
  char *buf;
  size_t cap, len; /* len: what the whole line needs, even past cap */
  bool first;
} line_writer;

static void lw_vappend(line_writer *w, const char *fmt, va_list ap) {
  size_t room = w->len < w->cap ? w->cap - w->len : 0;
  int n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
  if (n > 0) w->len += (size_t)n;
}

static void lw_append(line_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lw_append(line_writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lw_vappend(w, fmt, ap);
  va_end(ap);
}

/* Separator, then the value; known_##kind leaves out what is not known. */
#define LINE_LOG(kind, name, log_format)     \
  if (known_##kind(s->name)) {               \
    lw_append(&w, "%s", w.first ? " " : ", "); \
    w.first = false;                         \
    lw_append(&w, log_format, s->name);      \
  }
#define LINE_NOLOG(kind, name, log_format)

int gw_leg_stats_format_line(const gw_leg_stats *s, gw_stats_leg leg, char *buf, size_t cap) {
  line_writer w = {.buf = buf, .cap = cap, .len = 0, .first = true};
  if (cap) buf[0] = '\0';
  lw_append(&w, "%s side:", gw_stats_leg_title(leg));
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) \
  LINE_##log(kind, name, log_format)
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
  return w.len > INT32_MAX ? INT32_MAX : (int)w.len;
}

void gw_call_stats_log(const gw_call_stats *s) {
  for (int l = 0; l < GW_STATS_LEGS; l++) {
    char line[512];
    gw_leg_stats_format_line(&s->leg[l], (gw_stats_leg)l, line, sizeof line);
    GW_INFO("call %s: %s", s->call, line);
  }
}
