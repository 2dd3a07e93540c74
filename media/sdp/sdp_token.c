/* The tokenizer: slices of the input, words, numbers, and the messages for what is wrong. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "media/sdp/sdp_priv.h"

int sdp_fail(sdp_parser *p, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *c = msg; *c; c++) /* quoted input may hold any byte: keep the sentence printable ASCII */
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
  if (p->line) return gw_fail(p->why, GW_EINVAL, "line %u: %s", p->line, msg);
  return gw_fail(p->why, GW_EINVAL, "%s", msg);
}

bool sdp_word(sdp_slice *rest, sdp_slice *out) {
  size_t i = 0, j;
  while (i < rest->n && rest->p[i] == ' ') i++;
  for (j = i; j < rest->n && rest->p[j] != ' '; j++) {}
  *out = (sdp_slice){rest->p + i, j - i};
  *rest = (sdp_slice){rest->p + j, rest->n - j};
  return out->n > 0;
}

sdp_slice sdp_trim(sdp_slice s) {
  while (s.n && s.p[0] == ' ') s.p++, s.n--;
  while (s.n && s.p[s.n - 1] == ' ') s.n--;
  return s;
}

bool sdp_eq(sdp_slice s, const char *lit) {
  return strlen(lit) == s.n && g_ascii_strncasecmp(s.p, lit, s.n) == 0;
}

bool sdp_starts(sdp_slice s, const char *prefix) {
  size_t n = strlen(prefix);
  return s.n >= n && g_ascii_strncasecmp(s.p, prefix, n) == 0;
}

char *sdp_dup(sdp_slice s) { return g_strndup(s.p, s.n); }

bool sdp_split(sdp_slice s, char sep, sdp_slice *left, sdp_slice *right) {
  const char *at = s.n ? memchr(s.p, sep, s.n) : NULL;
  if (!at) {
    *left = s;
    *right = (sdp_slice){s.p + s.n, 0};
    return false;
  }
  *left = (sdp_slice){s.p, (size_t)(at - s.p)};
  *right = (sdp_slice){at + 1, s.n - (size_t)(at - s.p) - 1};
  return true;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839). */
bool sdp_ice_chars(sdp_slice s) {
  for (size_t i = 0; i < s.n; i++)
    if (!g_ascii_isalnum(s.p[i]) && s.p[i] != '+' && s.p[i] != '/') return false;
  return s.n > 0;
}

int sdp_need_word(sdp_parser *p, sdp_slice *rest, sdp_slice *out, const char *what, const char *field) {
  if (!sdp_word(rest, out)) return sdp_fail(p, "%s %s is missing", what, field);
  if (out->n > GW_SDP_MAX_TOKEN)
    return sdp_fail(p, "%s %s is longer than %d bytes", what, field, GW_SDP_MAX_TOKEN);
  return GW_OK;
}

int sdp_need_end(sdp_parser *p, sdp_slice rest, const char *what) {
  sdp_slice extra = sdp_trim(rest);
  if (extra.n) return sdp_fail(p, "unexpected '%.*s' at the end of the %s line", SDP_Q(extra), what);
  return GW_OK;
}

int sdp_number(sdp_parser *p, sdp_slice w, uint64_t min, uint64_t max, const char *what, const char *field,
               uint64_t *out) {
  uint64_t v = 0;
  bool big = false;
  if (w.n == 0) return sdp_fail(p, "%s %s is missing", what, field);
  for (size_t i = 0; i < w.n; i++) {
    if (!g_ascii_isdigit(w.p[i])) return sdp_fail(p, "%s %s '%.*s' is not a number", what, field, SDP_Q(w));
    unsigned d = (unsigned)(w.p[i] - '0');
    if (v > (UINT64_MAX - d) / 10) big = true;
    else v = v * 10 + d;
  }
  if (big || v < min || v > max)
    return sdp_fail(p, "%s %s %.*s is out of range (%" PRIu64 "-%" PRIu64 ")", what, field, SDP_Q(w), min, max);
  *out = v;
  return GW_OK;
}

int sdp_check_text(sdp_parser *p, sdp_slice s, const char *what) {
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (c < 0x20 || c == 0x7f)
      return sdp_fail(p, "%s has a control character (0x%02x) at byte %zu", what, c, i + 1);
  }
  return GW_OK;
}

bool sdp_hex_pairs(sdp_slice s, uint8_t out[64], size_t *len) {
  size_t n = 0;
  if (s.n % 3 != 2 || s.n > 64 * 3 - 1) return false; /* "AB", "AB:CD", ... up to 64 bytes */
  for (size_t i = 0; i < s.n; i += 3) {
    int hi = g_ascii_xdigit_value(s.p[i]), lo = g_ascii_xdigit_value(s.p[i + 1]);
    if (hi < 0 || lo < 0 || (i + 2 < s.n && s.p[i + 2] != ':')) return false;
    out[n++] = (uint8_t)(hi << 4 | lo);
  }
  *len = n;
  return true;
}

void *sdp_grow(void *arr, size_t n, size_t size) {
  if (n == 0) return g_realloc(arr, 4 * size);
  if (n >= 4 && (n & (n - 1)) == 0) return g_realloc(arr, 2 * n * size);
  return arr;
}
