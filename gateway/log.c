#include "gateway/log.h"
#include "gateway/err.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static atomic_int log_level = GW_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void gw_log_set_level(gw_log_level level) { atomic_store(&log_level, (int)level); }
gw_log_level gw_log_get_level(void) { return (gw_log_level)atomic_load(&log_level); }

int gw_log_level_parse(const char *s, gw_log_level *out) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++) {
    if (strcasecmp(s, names[i]) == 0) {
      *out = (gw_log_level)i;
      return GW_OK;
    }
  }
  return GW_EINVAL;
}

void gw_log(gw_log_level level, const char *fmt, ...) {
  if ((int)level > atomic_load(&log_level)) return;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char ts[32];
  strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  /* One fprintf per line: stdio locks the stream, so lines from workers never interleave. */
  fprintf(stderr, "[%s.%03d] %-5s %s\n", ts, (int)(tv.tv_usec / 1000), level_names[level], line);
}

int gw_fail(gw_why *why, int rc, const char *fmt, ...) {
  if (why) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof why->msg, fmt, ap);
    va_end(ap);
  }
  return rc;
}

const char *gw_rc_name(int rc) {
  switch (rc) {
  case GW_OK: return "ok";
  case GW_EINVAL: return "invalid";
  case GW_ENOMEM: return "out of memory";
  case GW_EIO: return "i/o error";
  case GW_ENOTFOUND: return "not found";
  case GW_ETOOBIG: return "too large";
  case GW_EPROTO: return "protocol error";
  case GW_ESTATE: return "wrong state";
  case GW_EUNSUPP: return "unsupported";
  case GW_EAUTH: return "not authorized";
  default: return "unknown error";
  }
}
