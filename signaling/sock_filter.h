/* A kernel drop list for this process's own listening sockets: a classic BPF socket filter
 * (SO_ATTACH_FILTER, no privilege needed) that drops packets whose IPv4 source is listed.
 *
 * Used by the SIP guard to drop blocked sources silently before Sofia-SIP parses or answers
 * anything (Sofia's nua has no hook to leave a request unanswered). The sockets are found by
 * what they are bound to, since Sofia does not hand them out. IPv6 sources are not filtered in
 * the kernel (the UA still refuses their requests); at most GW_SOCK_FILTER_MAX addresses are. */
#ifndef GW_SOCK_FILTER_H
#define GW_SOCK_FILTER_H

#include "gateway/err.h"

#define GW_SOCK_FILTER_MAX 250

typedef struct gw_sock_filter gw_sock_filter;

/* Finds this process's UDP sockets and listening TCP sockets bound to port (on bind_address or
 * on the wildcard address). GW_ENOTFOUND when there are none. */
int gw_sock_filter_new(const char *bind_address, int port, gw_sock_filter **out, gw_why *why);
/* Drops packets from these IPv4 addresses from now on (NULL-terminated; an empty list or only
 * IPv6 addresses removes the filter). Returns how many addresses the kernel filter holds, or a
 * negative gw_rc. */
int gw_sock_filter_set(gw_sock_filter *f, const char *const *addrs, gw_why *why);
unsigned gw_sock_filter_sockets(const gw_sock_filter *f);
/* Removes the filter from the sockets and frees f. */
void gw_sock_filter_free(gw_sock_filter *f);

#endif
