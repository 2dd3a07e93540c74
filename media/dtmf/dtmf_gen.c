/* The generator: queued digits -> telephone-event packets, one call per worker tick. */
#include <stdlib.h>
#include <string.h>

#include "media/dtmf/dtmf.h"
#include "media/dtmf/dtmf_priv.h"

typedef enum { GEN_IDLE = 0, GEN_TONE, GEN_ENDS, GEN_GAP } gen_phase;

struct gw_dtmf_gen {
  gw_dtmf_gen_opts o;
  uint32_t tone_ticks, gap_ticks, pause_ticks;
  uint32_t units_per_tick; /* clock units in one tick */
  char queue[GW_DTMF_GEN_MAX_QUEUE];
  size_t head, len;
  gen_phase phase;
  uint8_t event;
  uint32_t ts;       /* the digit's event timestamp */
  uint32_t k;        /* TONE: packets sent; ENDS: end packets sent; GAP: ticks left */
  uint16_t end_dur;  /* the end packets' duration */
  bool cut;          /* cancelled mid-tone: end at the next tick */
};

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

int gw_dtmf_gen_new(gw_dtmf_gen **out, const gw_dtmf_gen_opts *opts, gw_why *why) {
  *out = NULL;
  if (!opts) return gw_fail(why, GW_EINVAL, "no generator options");
  gw_dtmf_gen_opts o = *opts;
  if (o.pt > 127) return gw_fail(why, GW_EINVAL, "telephone-event payload type %u is above 127", o.pt);
  int rc = gw_dtmf_check_clock(o.clock_hz, "telephone-event", why);
  if (rc) return rc;
  if (o.tick_ms == 0) o.tick_ms = 20;
  if (o.tone_ms == 0) o.tone_ms = 100;
  if (o.gap_ms == 0) o.gap_ms = 50;
  if (o.pause_ms == 0) o.pause_ms = 2000;
  if (o.volume == 0) o.volume = 10;
  if (o.tick_ms > 1000 || (uint64_t)o.tick_ms * o.clock_hz % 1000 != 0)
    return gw_fail(why, GW_EINVAL, "a tick of %u ms is not a whole number of %u Hz samples",
                   (unsigned)o.tick_ms, (unsigned)o.clock_hz);
  if (o.volume > 63) return gw_fail(why, GW_EINVAL, "volume %u is above 63", o.volume);
  if (o.gap_ms > 60000 || o.pause_ms > 60000)
    return gw_fail(why, GW_EINVAL, "gaps and pauses are at most 60 s");
  gw_dtmf_gen *g = calloc(1, sizeof *g);
  if (!g) return gw_fail(why, GW_ENOMEM, "out of memory");
  g->o = o;
  g->units_per_tick = o.tick_ms * o.clock_hz / 1000;
  g->tone_ticks = o.tone_ms < o.tick_ms ? 0 : ceil_div(o.tone_ms, o.tick_ms);
  if (g->tone_ticks == 0 || (uint64_t)g->tone_ticks * g->units_per_tick > GW_DTMF_DURATION_MAX) {
    free(g);
    return gw_fail(why, GW_EINVAL, "a tone of %u ms must be at least one tick and at most 0xFFFF "
                   "units of %u Hz", (unsigned)o.tone_ms, (unsigned)o.clock_hz);
  }
  g->gap_ticks = ceil_div(o.gap_ms, o.tick_ms);
  g->pause_ticks = ceil_div(o.pause_ms, o.tick_ms);
  *out = g;
  return GW_OK;
}

void gw_dtmf_gen_free(gw_dtmf_gen *g) { free(g); }

int gw_dtmf_gen_queue(gw_dtmf_gen *g, const char *digits, gw_why *why) {
  int rc = gw_dtmf_digits_check(digits, why);
  if (rc != GW_OK) return rc;
  size_t n = strlen(digits);
  if (n > GW_DTMF_GEN_MAX_QUEUE - g->len)
    return gw_fail(why, GW_ETOOBIG, "%zu digits would pass the queue of %d", g->len + n, GW_DTMF_GEN_MAX_QUEUE);
  for (size_t i = 0; i < n; i++) g->queue[(g->head + g->len++) % GW_DTMF_GEN_MAX_QUEUE] = digits[i];
  return GW_OK;
}

void gw_dtmf_gen_cancel(gw_dtmf_gen *g) {
  g->len = 0;
  if (g->phase == GEN_TONE) g->cut = true;
}

bool gw_dtmf_gen_busy(const gw_dtmf_gen *g) { return g->phase != GEN_IDLE || g->len > 0; }

static void packet(gw_dtmf_gen *g, gw_dtmf_dst *dst, gw_dtmf_packet *out, bool marker, uint16_t dur, bool end) {
  memset(out, 0, sizeof *out);
  out->rtp.pt = g->o.pt;
  out->rtp.marker = marker;
  out->rtp.seq = dst->seq++;
  out->rtp.ts = g->ts;
  out->ev.event = g->event;
  out->ev.end = end;
  out->ev.volume = g->o.volume;
  out->ev.duration = dur;
}

bool gw_dtmf_gen_next(gw_dtmf_gen *g, gw_dtmf_dst *dst, gw_dtmf_packet *out) {
  for (;;) {
    switch (g->phase) {
    case GEN_IDLE: {
      if (g->len == 0) return false;
      char c = g->queue[g->head];
      g->head = (g->head + 1) % GW_DTMF_GEN_MAX_QUEUE;
      g->len--;
      if (c == ',') {
        g->phase = GEN_GAP;
        g->k = g->pause_ticks;
        continue; /* this tick is the pause's first */
      }
      (void)gw_dtmf_event_from_char(c, &g->event); /* checked when queued */
      g->phase = GEN_TONE;
      g->ts = dst->ts_now;
      g->k = 0;
      g->cut = false;
      continue;
    }
    case GEN_TONE: {
      bool first = g->k == 0;
      g->k++;
      bool end = g->k >= g->tone_ticks || g->cut;
      uint16_t dur = (uint16_t)(g->k * g->units_per_tick);
      packet(g, dst, out, first, dur, end);
      if (end) {
        g->phase = GEN_ENDS;
        g->end_dur = dur;
        g->k = 1;
      }
      return true;
    }
    case GEN_ENDS:
      packet(g, dst, out, false, g->end_dur, true);
      if (++g->k == 3) {
        g->phase = GEN_GAP;
        g->k = g->gap_ticks;
      }
      return true;
    case GEN_GAP:
      if (g->k > 0) {
        g->k--;
        return false;
      }
      g->phase = GEN_IDLE;
      continue;
    }
    return false;
  }
}
