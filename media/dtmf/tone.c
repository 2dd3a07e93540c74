/* ITU-T Q.23 dual tones as PCM, and a player of digit strings and relayed key presses. */
#include "media/dtmf/tone.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtmf/dtmf.h"

/* 16-bit peak of a 0 dBm0 sine on the G.711 mu-law scale (full scale is +3.17 dBm0). */
#define DBM0_PEAK 22654.0
#define RAMP_MS 4

static const unsigned low_group[4] = {697, 770, 852, 941};
static const unsigned high_group[4] = {1209, 1336, 1477, 1633};
/* Row and column of events 0-15 (0-9, *, #, A-D) on the keypad above. */
static const uint8_t key_row[16] = {3, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 0, 1, 2, 3};
static const uint8_t key_col[16] = {1, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 3, 3, 3, 3};

int gw_dtmf_tone_freqs(uint8_t event, unsigned *low_hz, unsigned *high_hz) {
  if (event > GW_DTMF_EVENT_MAX) return GW_EINVAL;
  *low_hz = low_group[key_row[event]];
  *high_hz = high_group[key_col[event]];
  return GW_OK;
}

static void osc_init(double freq, uint32_t rate, double *c, double *y1, double *y2) {
  double w = 2.0 * M_PI * freq / rate;
  *c = 2.0 * cos(w);
  *y1 = sin(-w);     /* y[-1] */
  *y2 = sin(-2 * w); /* y[-2]: the next output is sin(0) */
}

int gw_dtmf_tone_start(gw_dtmf_tone *t, uint32_t rate_hz, uint8_t event, uint8_t volume, gw_why *why) {
  unsigned lo, hi;
  if (gw_dtmf_tone_freqs(event, &lo, &hi) != GW_OK)
    return gw_fail(why, GW_EINVAL, "event %u is not a DTMF digit", event);
  if (rate_hz < 8000 || rate_hz > 48000)
    return gw_fail(why, GW_EINVAL, "tone sample rate %u Hz: 8000-48000 Hz", (unsigned)rate_hz);
  if (volume > 63) return gw_fail(why, GW_EINVAL, "volume %u is above 63", volume);
  memset(t, 0, sizeof *t);
  osc_init(lo, rate_hz, &t->c_lo, &t->lo1, &t->lo2);
  osc_init(hi, rate_hz, &t->c_hi, &t->hi1, &t->hi2);
  t->amp = DBM0_PEAK * pow(10.0, -(volume + 3.0103) / 20.0);
  t->ramp = rate_hz * RAMP_MS / 1000;
  t->on = true;
  return GW_OK;
}

void gw_dtmf_tone_stop(gw_dtmf_tone *t) {
  if (!t->on || t->stopping) return;
  t->stopping = true;
  /* Fade out from the level reached so far (a tone stopped during its fade in ends sooner). */
  t->release = t->pos < t->ramp ? t->pos : t->ramp;
  if (t->release == 0) t->on = false;
}

bool gw_dtmf_tone_active(const gw_dtmf_tone *t) { return t->on; }

void gw_dtmf_tone_fill(gw_dtmf_tone *t, int16_t *pcm, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!t->on) {
      pcm[i] = 0;
      continue;
    }
    double lo = t->c_lo * t->lo1 - t->lo2;
    double hi = t->c_hi * t->hi1 - t->hi2;
    t->lo2 = t->lo1;
    t->lo1 = lo;
    t->hi2 = t->hi1;
    t->hi1 = hi;
    double gain = 1.0;
    if (t->stopping) {
      gain = (double)t->release / t->ramp;
      if (--t->release == 0) t->on = false;
    } else if (t->pos < t->ramp) {
      gain = (double)t->pos / t->ramp;
      t->pos++;
    }
    double v = t->amp * gain * (lo + hi);
    if (v > 32767.0) v = 32767.0;
    if (v < -32768.0) v = -32768.0;
    pcm[i] = (int16_t)lrint(v);
  }
}

/* ---- player ---- */

typedef struct {
  bool pause;      /* ',' */
  bool held;       /* a key press: plays until key_up */
  uint8_t event, volume;
  uint32_t samples; /* timed items */
} player_item;

typedef enum { PL_IDLE = 0, PL_TONE, PL_GAP } player_phase;

struct gw_dtmf_player {
  gw_dtmf_player_opts o;
  player_item queue[GW_DTMF_PLAYER_MAX_QUEUE];
  size_t head, len;
  player_phase phase;
  gw_dtmf_tone tone;
  bool held;         /* the playing tone waits for key_up */
  uint32_t played;   /* samples of the playing tone */
  uint32_t left;     /* PL_TONE (not held): samples until the fade out starts; PL_GAP: until idle */
};

static uint32_t ms_to_samples(const gw_dtmf_player *p, uint32_t ms) {
  return (uint32_t)((uint64_t)ms * p->o.rate_hz / 1000);
}

int gw_dtmf_player_new(gw_dtmf_player **out, const gw_dtmf_player_opts *opts, gw_why *why) {
  *out = NULL;
  if (!opts) return gw_fail(why, GW_EINVAL, "no player options");
  gw_dtmf_player_opts o = *opts;
  if (o.rate_hz < 8000 || o.rate_hz > 48000)
    return gw_fail(why, GW_EINVAL, "tone sample rate %u Hz: 8000-48000 Hz", (unsigned)o.rate_hz);
  if (o.tone_ms == 0) o.tone_ms = 100;
  if (o.gap_ms == 0) o.gap_ms = 50;
  if (o.pause_ms == 0) o.pause_ms = 2000;
  if (o.min_tone_ms == 0) o.min_tone_ms = 40;
  if (o.volume == 0) o.volume = 10;
  if (o.volume > 63) return gw_fail(why, GW_EINVAL, "volume %u is above 63", o.volume);
  if (o.tone_ms < 2 * RAMP_MS || o.min_tone_ms < 2 * RAMP_MS || o.tone_ms > 60000 ||
      o.min_tone_ms > 60000 || o.gap_ms > 60000 || o.pause_ms > 60000)
    return gw_fail(why, GW_EINVAL, "tones are %d ms to 60 s, gaps and pauses at most 60 s", 2 * RAMP_MS);
  gw_dtmf_player *p = calloc(1, sizeof *p);
  if (!p) return gw_fail(why, GW_ENOMEM, "out of memory");
  p->o = o;
  *out = p;
  return GW_OK;
}

void gw_dtmf_player_free(gw_dtmf_player *p) { free(p); }

static player_item *item_at(gw_dtmf_player *p, size_t i) {
  return &p->queue[(p->head + i) % GW_DTMF_PLAYER_MAX_QUEUE];
}

int gw_dtmf_player_queue(gw_dtmf_player *p, const char *digits, gw_why *why) {
  int rc = gw_dtmf_digits_check(digits, why);
  if (rc != GW_OK) return rc;
  size_t n = strlen(digits);
  if (n > GW_DTMF_PLAYER_MAX_QUEUE - p->len)
    return gw_fail(why, GW_ETOOBIG, "%zu digits would pass the queue of %d", p->len + n, GW_DTMF_PLAYER_MAX_QUEUE);
  for (size_t i = 0; i < n; i++) {
    player_item *it = item_at(p, p->len++);
    memset(it, 0, sizeof *it);
    if (digits[i] == ',') {
      it->pause = true;
      it->samples = ms_to_samples(p, p->o.pause_ms);
    } else {
      (void)gw_dtmf_event_from_char(digits[i], &it->event);
      it->volume = p->o.volume;
      it->samples = ms_to_samples(p, p->o.tone_ms);
    }
  }
  return GW_OK;
}

/* A held tone gets its remaining time: what is left of min_tone_ms, or at once. */
static void release_playing(gw_dtmf_player *p) {
  uint32_t min = ms_to_samples(p, p->o.min_tone_ms);
  uint32_t ramp = p->tone.ramp;
  uint32_t total = p->played + ramp < min ? min : p->played + ramp;
  p->left = total - ramp - p->played; /* the fade out then takes the last ramp samples */
  p->held = false;
}

int gw_dtmf_player_key_down(gw_dtmf_player *p, uint8_t event, uint8_t volume, gw_why *why) {
  if (event > GW_DTMF_EVENT_MAX) return gw_fail(why, GW_EINVAL, "event %u is not a DTMF digit", event);
  if (volume > 63) return gw_fail(why, GW_EINVAL, "volume %u is above 63", volume);
  if (p->len >= GW_DTMF_PLAYER_MAX_QUEUE) return gw_fail(why, GW_ETOOBIG, "the tone queue is full");
  gw_dtmf_player_key_up(p); /* one key at a time */
  player_item *it = item_at(p, p->len++);
  memset(it, 0, sizeof *it);
  it->held = true;
  it->event = event;
  it->volume = volume;
  return GW_OK;
}

void gw_dtmf_player_key_up(gw_dtmf_player *p) {
  if (p->phase == PL_TONE && p->held) release_playing(p);
  for (size_t i = 0; i < p->len; i++) {
    player_item *it = item_at(p, i);
    if (it->held) { /* released before its turn: it plays for min_tone_ms */
      it->held = false;
      it->samples = ms_to_samples(p, p->o.min_tone_ms);
    }
  }
}

void gw_dtmf_player_cancel(gw_dtmf_player *p) {
  p->len = 0;
  if (p->phase == PL_TONE) {
    p->held = false;
    p->left = 0;
  }
}

bool gw_dtmf_player_busy(const gw_dtmf_player *p) { return p->phase != PL_IDLE || p->len > 0; }

static void begin_next(gw_dtmf_player *p) {
  player_item it = *item_at(p, 0);
  p->head = (p->head + 1) % GW_DTMF_PLAYER_MAX_QUEUE;
  p->len--;
  if (it.pause) {
    p->phase = PL_GAP;
    p->left = it.samples;
    return;
  }
  (void)gw_dtmf_tone_start(&p->tone, p->o.rate_hz, it.event, it.volume, NULL); /* checked */
  p->phase = PL_TONE;
  p->held = it.held;
  p->played = 0;
  p->left = it.held ? 0 : (it.samples > p->tone.ramp ? it.samples - p->tone.ramp : 0);
}

bool gw_dtmf_player_fill(gw_dtmf_player *p, int16_t *pcm, size_t n) {
  if (!gw_dtmf_player_busy(p)) return false;
  size_t i = 0;
  while (i < n) {
    if (p->phase == PL_IDLE) {
      if (p->len == 0) {
        memset(pcm + i, 0, (n - i) * sizeof *pcm);
        break;
      }
      begin_next(p);
      continue;
    }
    if (p->phase == PL_GAP) {
      size_t k = n - i < p->left ? n - i : p->left;
      memset(pcm + i, 0, k * sizeof *pcm);
      i += k;
      p->left -= (uint32_t)k;
      if (p->left == 0) p->phase = PL_IDLE;
      continue;
    }
    /* PL_TONE */
    if (!p->held && p->left == 0) gw_dtmf_tone_stop(&p->tone);
    if (!gw_dtmf_tone_active(&p->tone)) {
      p->phase = PL_GAP;
      p->left = ms_to_samples(p, p->o.gap_ms);
      continue;
    }
    size_t k = n - i;
    if (!p->held && !p->tone.stopping && k > p->left) k = p->left;
    if (p->tone.stopping && k > p->tone.release) k = p->tone.release;
    gw_dtmf_tone_fill(&p->tone, pcm + i, k);
    i += k;
    p->played += (uint32_t)k;
    if (!p->held && !p->tone.stopping) p->left -= (uint32_t)k;
  }
  return true;
}
