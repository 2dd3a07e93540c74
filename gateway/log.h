/* Timestamped, levelled log lines on stderr, one line per call, safe from any thread. */
#ifndef GW_LOG_H
#define GW_LOG_H

typedef enum { GW_LOG_ERROR = 0, GW_LOG_WARN, GW_LOG_INFO, GW_LOG_DEBUG } gw_log_level;

/* The process-wide threshold. Set once at start-up from the configuration. */
void gw_log_set_level(gw_log_level level);
gw_log_level gw_log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns 0 or GW_EINVAL. */
int gw_log_level_parse(const char *s, gw_log_level *out);

void gw_log(gw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define GW_ERROR(...) gw_log(GW_LOG_ERROR, __VA_ARGS__)
#define GW_WARN(...) gw_log(GW_LOG_WARN, __VA_ARGS__)
#define GW_INFO(...) gw_log(GW_LOG_INFO, __VA_ARGS__)
#define GW_DEBUG(...) \
  do { if (gw_log_get_level() >= GW_LOG_DEBUG) gw_log(GW_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
