#include "signaling/sock_filter.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_SOCKETS 8

/* The kernel wants an int-sized option value even for SO_DETACH_FILTER. */
static void detach(int fd) {
  int unused = 0;
  setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof unused);
}

struct gw_sock_filter {
  int fds[MAX_SOCKETS];
  unsigned n;
};

static bool bound_here(int fd, const struct in6_addr *want6, const struct in_addr *want4, bool v6, int port) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return false;
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    if (ntohs(a->sin_port) != port) return false;
    return a->sin_addr.s_addr == htonl(INADDR_ANY) || (!v6 && a->sin_addr.s_addr == want4->s_addr);
  }
  if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
    if (ntohs(a->sin6_port) != port) return false;
    return IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) || (v6 && memcmp(&a->sin6_addr, want6, sizeof *want6) == 0);
  }
  return false;
}

int gw_sock_filter_new(const char *bind_address, int port, gw_sock_filter **out, gw_why *why) {
  struct in_addr a4 = {0};
  struct in6_addr a6 = IN6ADDR_ANY_INIT;
  bool v6 = strchr(bind_address, ':') != NULL;
  if (v6 ? inet_pton(AF_INET6, bind_address, &a6) != 1 : inet_pton(AF_INET, bind_address, &a4) != 1)
    return gw_fail(why, GW_EINVAL, "'%s' is not a numeric address", bind_address);
  DIR *d = opendir("/proc/self/fd");
  if (!d) return gw_fail(why, GW_EIO, "cannot list /proc/self/fd: %s", g_strerror(errno));
  gw_sock_filter *f = g_new0(gw_sock_filter, 1);
  int dfd = dirfd(d);
  for (struct dirent *e; (e = readdir(d)) && f->n < MAX_SOCKETS;) {
    char *end = NULL;
    long fd = strtol(e->d_name, &end, 10);
    if (!*e->d_name || *end || fd == dfd) continue;
    int type = 0, listening = 0;
    socklen_t len = sizeof type;
    if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) continue; /* not a socket */
    if (type == SOCK_STREAM) {
      len = sizeof listening;
      if (getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    } else if (type != SOCK_DGRAM) {
      continue;
    }
    if (bound_here((int)fd, &a6, &a4, v6, port)) f->fds[f->n++] = (int)fd;
  }
  closedir(d);
  if (f->n == 0) {
    g_free(f);
    return gw_fail(why, GW_ENOTFOUND, "no socket of this process is bound to %s port %d", bind_address, port);
  }
  *out = f;
  return GW_OK;
}

unsigned gw_sock_filter_sockets(const gw_sock_filter *f) { return f ? f->n : 0; }

int gw_sock_filter_set(gw_sock_filter *f, const char *const *addrs, gw_why *why) {
  uint32_t v4[GW_SOCK_FILTER_MAX];
  unsigned n = 0;
  for (const char *const *a = addrs; a && *a && n < GW_SOCK_FILTER_MAX; a++) {
    struct in_addr in;
    if (inet_pton(AF_INET, *a, &in) == 1) v4[n++] = ntohl(in.s_addr);
  }
  if (n == 0) {
    for (unsigned i = 0; i < f->n; i++) detach(f->fds[i]);
    return 0;
  }
  /* ldb [ip version]; rsh 4; if != 4 accept; ld [ip src]; jeq each address -> drop; accept; drop.
   * Jump offsets are 8 bits: GW_SOCK_FILTER_MAX keeps them in range. */
  struct sock_filter prog[GW_SOCK_FILTER_MAX + 6];
  unsigned k = 0;
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4);
  prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, (uint8_t)(n + 1));
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12);
  for (unsigned i = 0; i < n; i++)
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v4[i], (uint8_t)(n - i), 0);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu); /* accept all of it */
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);           /* drop */
  struct sock_fprog fp = {.len = (unsigned short)k, .filter = prog};
  for (unsigned i = 0; i < f->n; i++)
    if (setsockopt(f->fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) != 0)
      return gw_fail(why, GW_EIO, "SO_ATTACH_FILTER on socket %d: %s", f->fds[i], g_strerror(errno));
  return (int)n;
}

void gw_sock_filter_free(gw_sock_filter *f) {
  if (!f) return;
  for (unsigned i = 0; i < f->n; i++) detach(f->fds[i]);
  g_free(f);
}
