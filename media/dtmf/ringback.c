#include "media/dtmf/ringback.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define G711_0DBM0_PEAK 22654.0
#define LEVEL_DBM0 (-16.0)
#define RAMP_MS 4

static const struct {
  const char *name;
  gw_ringback_pattern p;
} patterns[] = {
    {"us", {{440, 480}, {2000, 4000, 0, 0}}},
    {"uk", {{400, 450}, {400, 200, 400, 2000}}},
    {"eu", {{425, 0}, {1000, 4000, 0, 0}}},
    {"fr", {{440, 0}, {1500, 3500, 0, 0}}},
};

int gw_ringback_pattern_parse(const char *name, gw_ringback_pattern *out, bool *enabled, gw_why *why) {
  *enabled = false;
  if (name && strcmp(name, "off") == 0) return GW_OK;
  for (size_t i = 0; name && i < sizeof patterns / sizeof patterns[0]; i++) {
    if (strcmp(patterns[i].name, name) == 0) {
      *out = patterns[i].p;
      *enabled = true;
      return GW_OK;
    }
  }
  return gw_fail(why, GW_EINVAL, "unknown ringback pattern '%s' (one of %s)", name ? name : "", GW_RINGBACK_PATTERNS);
}

static void enter_step(gw_ringback *r, unsigned idx) {
  if (idx >= GW_RINGBACK_MAX_STEPS || r->p.step_ms[idx] == 0) idx = 0;
  r->idx = idx;
  r->pos = 0;
  r->len = (uint32_t)((uint64_t)r->p.step_ms[idx] * r->rate_hz / 1000);
}

int gw_ringback_init(gw_ringback *r, const gw_ringback_pattern *p, uint32_t rate_hz, gw_why *why) {
  if (rate_hz < 8000 || rate_hz > 48000) return gw_fail(why, GW_EINVAL, "ringback rate %u Hz is out of range", rate_hz);
  if (!p->hz[0] || !p->step_ms[0]) return gw_fail(why, GW_EINVAL, "empty ringback pattern");
  memset(r, 0, sizeof *r);
  r->p = *p;
  r->rate_hz = rate_hz;
  for (int i = 0; i < 2; i++) r->step[i] = 2.0 * M_PI * p->hz[i] / rate_hz;
  r->amp = G711_0DBM0_PEAK * pow(10.0, LEVEL_DBM0 / 20.0);
  r->ramp = rate_hz * RAMP_MS / 1000;
  enter_step(r, 0);
  return GW_OK;
}

void gw_ringback_fill(gw_ringback *r, int16_t *pcm, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (r->pos >= r->len) enter_step(r, r->idx + 1);
    double v = 0;
    if (r->idx % 2 == 0) { /* a burst: the tones, faded in and out at its edges */
      double gain = 1.0;
      if (r->pos < r->ramp) gain = (double)r->pos / r->ramp;
      else if (r->len - r->pos <= r->ramp) gain = (double)(r->len - r->pos - 1) / r->ramp;
      for (int k = 0; k < 2; k++) {
        if (!r->p.hz[k]) continue;
        v += sin(r->phase[k]);
        r->phase[k] = fmod(r->phase[k] + r->step[k], 2.0 * M_PI);
      }
      v *= r->amp * gain;
    }
    pcm[i] = (int16_t)lrint(v);
    r->pos++;
  }
}
