#include "gateway/number.h"

#include <stdbool.h>
#include <string.h>

#define E164_MAX_DIGITS 15
#define NATIONAL_MIN_DIGITS 7 /* below this, a number is a short code */

static bool decoration(char c) { return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'; }

/* out = prefix cc rest (each may be NULL); the callers have checked the lengths. */
static void join(char out[GW_NUMBER_MAX], const char *prefix, const char *cc, const char *rest) {
  const char *parts[] = {prefix, cc, rest};
  size_t n = 0;
  for (size_t i = 0; i < 3; i++)
    for (const char *s = parts[i]; s && *s && n + 1 < GW_NUMBER_MAX; s++) out[n++] = *s;
  out[n] = '\0';
}

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

int gw_number_normalize(const char *dialed, const char *country_code, char out[GW_NUMBER_MAX], gw_why *why) {
  char d[64]; /* digits, '*', '#', and a leading '+' */
  size_t n = 0, digits = 0;
  bool plus = false;
  for (const char *p = dialed; *p; p++) {
    if (decoration(*p)) continue;
    if (*p == '+' && n == 0 && !plus) {
      plus = true;
      continue;
    }
    if (!((*p >= '0' && *p <= '9') || *p == '*' || *p == '#'))
      return gw_fail(why, GW_EINVAL, "\"%s\" is not a phone number (digits, optionally with a leading +)", dialed);
    if (n + 1 >= sizeof d) return gw_fail(why, GW_EINVAL, "\"%s\" is too long for a phone number", dialed);
    if (*p >= '0' && *p <= '9') digits++;
    d[n++] = *p;
  }
  d[n] = '\0';
  if (digits == 0) return gw_fail(why, GW_EINVAL, "\"%s\" has no digits", dialed);
  bool symbols = digits != n;
  const char *cc = country_code && *country_code ? country_code : NULL;
  const char *intl = NULL; /* the digits after an international prefix */
  if (plus) intl = d;
  else if (!symbols && starts(d, "00")) intl = d + 2;
  else if (!symbols && cc && strcmp(cc, "1") == 0 && starts(d, "011")) intl = d + 3;
  if (plus && symbols) return gw_fail(why, GW_EINVAL, "\"%s\": * and # have no place in a +number", dialed);
  if (intl) {
    size_t len = strlen(intl);
    if (len == 0 || len > E164_MAX_DIGITS || intl[0] == '0')
      return gw_fail(why, GW_EINVAL, "\"%s\" is not an international number (1 to 15 digits after the +)", dialed);
    join(out, "+", NULL, intl);
    return GW_OK;
  }
  if (!symbols && cc && strcmp(cc, "1") == 0) { /* North American Numbering Plan */
    if (n == 10 && d[0] >= '2') {
      join(out, "+1", NULL, d);
      return GW_OK;
    }
    if (n == 11 && d[0] == '1' && d[1] >= '2') {
      join(out, "+", NULL, d);
      return GW_OK;
    }
  } else if (!symbols && cc && d[0] == '0' && d[1] != '0' && n >= NATIONAL_MIN_DIGITS) {
    if (strlen(cc) + n - 1 > E164_MAX_DIGITS) return gw_fail(why, GW_EINVAL, "\"%s\" is too long for a phone number", dialed);
    join(out, "+", cc, d + 1); /* national: the trunk prefix 0 gives way to the country code */
    return GW_OK;
  }
  /* What is left may only be a short number: emergency, service and feature codes. Anything longer
   * could go anywhere once the trunk reads it (an E.164 number without its +, a local number
   * without its area code, an operator or feature code in front of a number): refused, not guessed,
   * so that the policy never judges a number it cannot place. */
  if (digits >= NATIONAL_MIN_DIGITS)
    return gw_fail(why, GW_EINVAL, "\"%s\": dial the whole number, with + and the country code", dialed);
  if (n >= GW_NUMBER_MAX) return gw_fail(why, GW_EINVAL, "\"%s\" is too long for a short number", dialed);
  join(out, NULL, NULL, d);
  return GW_OK;
}
