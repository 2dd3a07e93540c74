/* Per-call, per-leg media statistics, and their outputs: JSON for /api/calls, Prometheus text for
 * /metrics, the one-line log ("Browser side: 247 pkts sent, 245 pkts recv, 0.81% loss, 23ms
 * jitter"). Every field is listed once, in media/stats/stats_fields.inc.
 *
 * A worker owns a live gw_call_stats per call and updates it in place on its hot path (no locks:
 * one thread). About once a second it makes a snapshot, a plain copy with no pointers that can
 * travel to the control thread by value; the snapshot also fills the derived fields (loss %, MOS).
 * The output functions take snapshots and run on the control thread. */
#ifndef GW_MEDIA_STATS_H
#define GW_MEDIA_STATS_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

#define GW_STATS_STR_MAX 32  /* codec names, SRTP suites, ICE pair types (NUL included) */
#define GW_STATS_CALL_MAX 65 /* a call id of the protocol: 64 bytes + NUL */

typedef enum { GW_STATS_LEG_BROWSER = 0, GW_STATS_LEG_TRUNK, GW_STATS_LEGS } gw_stats_leg;

#define GW_STATS_MEMBER_U64(name) uint64_t name;
#define GW_STATS_MEMBER_I64(name) int64_t name;
#define GW_STATS_MEMBER_F64(name) double name;
#define GW_STATS_MEMBER_STR(name) char name[GW_STATS_STR_MAX];

typedef struct {
#define GW_STATS_FIELD(kind, name, prom, prom_name, prom_scale, help, log, log_format) \
  GW_STATS_MEMBER_##kind(name)
#include "media/stats/stats_fields.inc"
#undef GW_STATS_FIELD
} gw_leg_stats;

typedef struct {
  char call[GW_STATS_CALL_MAX]; /* the call's id in the protocol ("c1") */
  int64_t taken_us;             /* monotonic time of the snapshot; 0 in live stats */
  gw_leg_stats leg[GW_STATS_LEGS];
} gw_call_stats;

/* Zero counters, unknown (NAN / "") values. */
void gw_leg_stats_init(gw_leg_stats *s);
/* GW_EINVAL for an empty call id or one longer than GW_STATS_CALL_MAX - 1 bytes. */
int gw_call_stats_init(gw_call_stats *s, const char *call, gw_why *why);
/* Sets a string field (codec, srtp_suite, ice_pair), cut to GW_STATS_STR_MAX - 1 bytes; NULL: "". */
void gw_stats_set_str(char field[GW_STATS_STR_MAX], const char *value);

/* *out = *live, taken_us = now_us, then per leg: loss_pct from packets_lost and packets_received,
 * mos from the codec, loss, RTT and jitter (NAN without received packets or for another codec). */
void gw_call_stats_snapshot(const gw_call_stats *live, int64_t now_us, gw_call_stats *out);

const char *gw_stats_leg_name(gw_stats_leg leg);  /* "browser", "trunk" */
const char *gw_stats_leg_title(gw_stats_leg leg); /* "Browser", "Trunk" */

/* {"packets_sent": 247, ..., "codec": "opus", ...}: one key per field, unknown values null.
 * Reals are rounded to 0.001; dump with JSON_REAL_PRECISION(15) to print them short (Jansson's
 * default of 17 digits writes 0.81 as 0.81000000000000005). */
json_t *gw_leg_stats_to_json(const gw_leg_stats *s);
/* {"call": "c1", "legs": {"browser": {...}, "trunk": {...}}} */
json_t *gw_call_stats_to_json(const gw_call_stats *s);
/* [ one gw_call_stats_to_json per call ] */
json_t *gw_call_stats_array_to_json(const gw_call_stats *calls, size_t n);

/* Appends the Prometheus text exposition of every field for every call and leg: per metric one
 * # HELP and # TYPE, then one sample per call and leg with labels call and leg; the string fields
 * are the labels of gw_leg_info{call,leg,codec,srtp_suite,ice_pair} 1. */
void gw_stats_prometheus(GString *out, const gw_call_stats *calls, size_t n);

/* "Browser side: 247 pkts sent, 245 pkts recv, 0.81% loss, 23ms jitter, 40ms rtt, MOS 4.32, opus"
 * (the LOG fields that are known). Returns the length the whole line needs, as snprintf does. */
int gw_leg_stats_format_line(const gw_leg_stats *s, gw_stats_leg leg, char *buf, size_t cap);
/* One GW_INFO line per leg: "call c1: Browser side: ...". */
void gw_call_stats_log(const gw_call_stats *s);

#endif
