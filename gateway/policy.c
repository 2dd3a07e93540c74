#include "gateway/policy.h"

#include <glib.h>
#include <string.h>

/* +1 numbers outside the US and Canada: the other members of the North American Numbering Plan
 * bill as international and are the classic toll-fraud destinations (Caribbean "one-ring" scams). */
static const char *const nanp_abroad[] = {"242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664",
                                          "721", "758", "767", "784", "809", "829", "849", "868", "869", "876"};

static bool international(const gw_config *cfg, const char *number) {
  const char *cc = cfg->trunk_country_code;
  if (number[0] != '+') return false;
  if (!cc || !g_str_has_prefix(number + 1, cc)) return true;
  if (strcmp(cc, "1") == 0)
    for (size_t i = 0; i < G_N_ELEMENTS(nanp_abroad); i++)
      if (strncmp(number + 2, nanp_abroad[i], 3) == 0) return true;
  return false;
}

static bool any_match(char *const *patterns, const char *number) {
  for (char *const *p = patterns; p && *p; p++)
    if (gw_auth_pattern_match(*p, number)) return true;
  return false;
}

int gw_policy_check(const gw_config *cfg, const gw_auth_claims *claims, const char *number, gw_why *why) {
  if (any_match(cfg->emergency_numbers, number))
    return gw_fail(why, GW_EAUTH, "emergency numbers cannot be called from this web phone: call from a phone");
  bool token_named = claims && claims->dial && any_match(claims->dial, number);
  if (claims && claims->dial && !token_named)
    return gw_fail(why, GW_EAUTH, "your token does not allow calling %s", number);
  if (!token_named && any_match(cfg->dial_deny, number))
    return gw_fail(why, GW_EAUTH, "calls to %s are not allowed (denied destination)", number);
  if (!token_named && !cfg->allow_international && international(cfg, number))
    return gw_fail(why, GW_EAUTH, "international calls are not allowed (%s)", number);
  if (!token_named && !any_match(cfg->dial_allow, number))
    return gw_fail(why, GW_EAUTH, "calls to %s are not allowed", number);
  return GW_OK;
}
