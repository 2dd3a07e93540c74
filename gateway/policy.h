/* Toll-fraud policy: may this user call this destination? One function, one place. */
#ifndef GW_POLICY_H
#define GW_POLICY_H

#include "gateway/auth.h"
#include "gateway/config.h"
#include "gateway/err.h"

/* GW_OK, or GW_EAUTH with a reason for the caller. claims may be NULL (authentication off).
 * Order: emergency numbers are refused; a token's "dial" list, when present, must match; then a
 * [auth] dial_deny pattern refuses unless the token named the number; international numbers
 * (+ not followed by [trunk] country_code, and with country code 1 the NANP areas abroad such as
 * +1 876 Jamaica) need allow_international or the token; last,
 * [auth] dial_allow must match. */
int gw_policy_check(const gw_config *cfg, const gw_auth_claims *claims, const char *number, gw_why *why);

#endif
