/* SIP INFO with Content-Type application/dtmf-relay: the body "Signal=5\r\nDuration=160\r\n".
 * For trunks that take DTMF only this way. The SIP side sends and receives the INFO; this file
 * only writes and reads the body, which comes from the network and is treated as hostile. */
#ifndef GW_MEDIA_DTMF_INFO_H
#define GW_MEDIA_DTMF_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

#define GW_DTMF_INFO_CONTENT_TYPE "application/dtmf-relay"
#define GW_DTMF_INFO_MAX_BODY 1024     /* longer bodies are refused */
#define GW_DTMF_INFO_MAX_DURATION 60000 /* ms */

typedef struct {
  char digit;           /* '0'-'9' '*' '#' 'A'-'D' */
  uint8_t event;        /* 0-15 */
  bool has_duration;
  uint32_t duration_ms; /* 0 when absent */
} gw_dtmf_info;

/* Writes "Signal=<digit>\r\nDuration=<ms>\r\n" with its NUL. GW_EINVAL for a bad digit or a
 * duration of 0 or above GW_DTMF_INFO_MAX_DURATION, GW_ETOOBIG when cap is too small. */
int gw_dtmf_info_format(char digit, uint32_t duration_ms, char *buf, size_t cap, gw_why *why);

/* Reads a body (not NUL-terminated). Lines end in CRLF or LF; keys are case-insensitive; blanks
 * around '=' are allowed; unknown keys are ignored. Signal is one of 0-9 * # A-D a-d, or 10 / 11
 * for * / # as some equipment sends. Duration is optional, 1 to GW_DTMF_INFO_MAX_DURATION.
 * GW_EINVAL for anything else (no Signal, a repeated key, NUL bytes, a bad number),
 * GW_EUNSUPP for signals that are not DTMF digits (16, flash), GW_ETOOBIG past MAX_BODY. */
int gw_dtmf_info_parse(const char *body, size_t len, gw_dtmf_info *out, gw_why *why);

#endif
