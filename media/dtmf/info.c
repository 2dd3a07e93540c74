/* application/dtmf-relay bodies for SIP INFO. */
#include "media/dtmf/info.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "media/dtmf/dtmf.h"

int gw_dtmf_info_format(char digit, uint32_t duration_ms, char *buf, size_t cap, gw_why *why) {
  uint8_t ev;
  if (gw_dtmf_event_from_char(digit, &ev) != GW_OK)
    return gw_fail(why, GW_EINVAL, "'%c' is not a DTMF digit", digit);
  if (duration_ms == 0 || duration_ms > GW_DTMF_INFO_MAX_DURATION)
    return gw_fail(why, GW_EINVAL, "a DTMF duration of %u ms is outside 1-%d", (unsigned)duration_ms,
                   GW_DTMF_INFO_MAX_DURATION);
  int n = snprintf(buf, cap, "Signal=%c\r\nDuration=%u\r\n", gw_dtmf_event_to_char(ev), (unsigned)duration_ms);
  if (n < 0 || (size_t)n >= cap) return gw_fail(why, GW_ETOOBIG, "a dtmf-relay body needs %d bytes", n + 1);
  return GW_OK;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static void trim(const char **s, const char **e) {
  while (*s < *e && is_blank(**s)) (*s)++;
  while (*e > *s && is_blank((*e)[-1])) (*e)--;
}

static bool key_is(const char *s, const char *e, const char *key) {
  size_t n = strlen(key);
  return (size_t)(e - s) == n && strncasecmp(s, key, n) == 0;
}

/* Decimal, no sign, at most 9 digits. */
static bool parse_uint(const char *s, const char *e, uint32_t *out) {
  if (s == e || e - s > 9) return false;
  uint32_t v = 0;
  for (; s < e; s++) {
    if (*s < '0' || *s > '9') return false;
    v = v * 10 + (uint32_t)(*s - '0');
  }
  *out = v;
  return true;
}

static int parse_signal(const char *s, const char *e, gw_dtmf_info *out, gw_why *why) {
  uint32_t num;
  if (e - s == 1 && gw_dtmf_event_from_char(*s, &out->event) == GW_OK) {
    out->digit = gw_dtmf_event_to_char(out->event);
    return GW_OK;
  }
  if (e - s == 1 && *s == '!') return gw_fail(why, GW_EUNSUPP, "dtmf-relay Signal '!' (flash) is not relayed");
  if (parse_uint(s, e, &num)) {
    if (num == 10 || num == 11) { /* the telephone-event codes of * and # */
      out->event = (uint8_t)num;
      out->digit = gw_dtmf_event_to_char(out->event);
      return GW_OK;
    }
    if (num == 16) return gw_fail(why, GW_EUNSUPP, "dtmf-relay Signal 16 (flash) is not relayed");
  }
  return gw_fail(why, GW_EINVAL, "dtmf-relay Signal '%.*s' is not a DTMF digit", (int)(e - s > 16 ? 16 : e - s), s);
}

static int parse_body(const char *body, size_t len, gw_dtmf_info *out, gw_why *why) {
  if (len > GW_DTMF_INFO_MAX_BODY) return gw_fail(why, GW_ETOOBIG, "dtmf-relay body of %zu bytes", len);
  if (memchr(body, '\0', len)) return gw_fail(why, GW_EINVAL, "dtmf-relay body holds a NUL byte");
  bool have_signal = false;
  const char *p = body, *end = body + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    const char *next = nl ? nl + 1 : end;
    if (le > p && le[-1] == '\r') le--;
    size_t line_len = le > p ? (size_t)(le - p) : 0;
    const char *eq = line_len ? memchr(p, '=', line_len) : NULL;
    const char *ks = p, *ke = eq ? eq : le;
    trim(&ks, &ke);
    if (!eq) {
      if (ks != ke) return gw_fail(why, GW_EINVAL, "dtmf-relay line without '='");
      p = next; /* blank line */
      continue;
    }
    const char *vs = eq + 1, *ve = le;
    trim(&vs, &ve);
    if (key_is(ks, ke, "Signal")) {
      if (have_signal) return gw_fail(why, GW_EINVAL, "dtmf-relay Signal given twice");
      int rc = parse_signal(vs, ve, out, why);
      if (rc) return rc;
      have_signal = true;
    } else if (key_is(ks, ke, "Duration")) {
      if (out->has_duration) return gw_fail(why, GW_EINVAL, "dtmf-relay Duration given twice");
      if (!parse_uint(vs, ve, &out->duration_ms) || out->duration_ms == 0 ||
          out->duration_ms > GW_DTMF_INFO_MAX_DURATION)
        return gw_fail(why, GW_EINVAL, "dtmf-relay Duration is not 1-%d ms", GW_DTMF_INFO_MAX_DURATION);
      out->has_duration = true;
    } else if (ks == ke) {
      return gw_fail(why, GW_EINVAL, "dtmf-relay line with an empty key");
    }
    p = next;
  }
  if (!have_signal) return gw_fail(why, GW_EINVAL, "dtmf-relay body without Signal");
  return GW_OK;
}

int gw_dtmf_info_parse(const char *body, size_t len, gw_dtmf_info *out, gw_why *why) {
  gw_dtmf_info v;
  memset(&v, 0, sizeof v);
  memset(out, 0, sizeof *out);
  if (!body && len) return gw_fail(why, GW_EINVAL, "no dtmf-relay body");
  int rc = parse_body(body ? body : "", len, &v, why);
  if (rc == GW_OK) *out = v;
  return rc;
}
