/* What a user dialed, made into the one form that the toll-fraud policy judges and the trunk gets:
 * E.164 with a leading + where the number is a full one, the digits alone for short numbers
 * (emergency, service codes). Decoration (spaces, dashes, dots, slashes, parentheses) is dropped.
 *
 *   "+44 20 7183 8750"  -> "+442071838750"
 *   "00 44 20 7183 8750" or, with country code 1, "011 44 20 7183 8750" -> "+442071838750"
 *   country code 1:  "(555) 867-5309" -> "+15558675309", "1 900 555 0000" -> "+19005550000"
 *   other countries: "020 7183 8750" (national, trunk prefix 0) -> "+442071838750" with code 44
 *   "911", "112", "*67" (shorter than a national number) -> kept as digits
 *   anything else of 7 digits or more ("44 20 7183 8750", "*67 1 900 555 1234", "01 44 ...") is
 *   refused: the trunk could route it anywhere, so the policy could not judge it
 *
 * Judging the normalized form closes the hole where "1 900..." or "011 44..." slips past
 * patterns written for "+1900*" or a "+" that marks international calls. */
#ifndef GW_NUMBER_H
#define GW_NUMBER_H

#include <stddef.h>

#include "gateway/err.h"

#define GW_NUMBER_MAX 20 /* "+" and up to 15 digits (E.164), or a short code, and the NUL */

/* GW_EINVAL with a reason for letters or other characters, a '+' not in front, no digit, more than
 * 15 digits, or a long number in no form above. country_code: digits of the gateway's own country
 * ("1", "44"); without one, only +numbers, international prefixes and short numbers pass. */
int gw_number_normalize(const char *dialed, const char *country_code, char out[GW_NUMBER_MAX], gw_why *why);

#endif
