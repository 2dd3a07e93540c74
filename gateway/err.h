/* The one error convention of the gateway.
 *
 * A function that can fail returns int: 0 (GW_OK) on success, a negative gw_rc on failure.
 * Where a person needs to know why, it also takes a gw_why* (may be NULL) and writes one
 * sentence into it. Nothing else carries error state: no errno-style globals, no GError. */
#ifndef GW_ERR_H
#define GW_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
  GW_OK = 0,
  GW_EINVAL = -1,    /* malformed or out-of-range input */
  GW_ENOMEM = -2,
  GW_EIO = -3,       /* a system call or a library failed */
  GW_ENOTFOUND = -4,
  GW_ETOOBIG = -5,
  GW_EPROTO = -6,    /* the peer broke the protocol */
  GW_ESTATE = -7,    /* not allowed in the current state */
  GW_EUNSUPP = -8,   /* understood but not supported */
  GW_EAUTH = -9,     /* authentication or authorization failed */
} gw_rc;

typedef struct {
  char msg[256];
} gw_why;

/* Formats into why (if not NULL) and returns rc, so that `return gw_fail(why, GW_EINVAL, ...)` works. */
int gw_fail(gw_why *why, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *gw_rc_name(int rc);

#endif
