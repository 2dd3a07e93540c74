#include "gateway/policy.h"

#include <glib.h>
#include <string.h>

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
  if (number[0] == '+' && !token_named && !cfg->allow_international && cfg->trunk_country_code &&
      !g_str_has_prefix(number + 1, cfg->trunk_country_code))
    return gw_fail(why, GW_EAUTH, "international calls are not allowed (%s)", number);
  if (!token_named && !any_match(cfg->dial_allow, number))
    return gw_fail(why, GW_EAUTH, "calls to %s are not allowed", number);
  return GW_OK;
}
