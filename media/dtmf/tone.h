/* In-band DTMF: the dual tones of ITU-T Q.23 as linear PCM, for trunks without telephone-event.
 *
 *            1209 Hz  1336 Hz  1477 Hz  1633 Hz
 *   697 Hz      1        2        3        A
 *   770 Hz      4        5        6        B
 *   852 Hz      7        8        9        C
 *   941 Hz      *        0        #        D
 *
 * Level: `volume` as in RFC 4733 (the tone pair's total power is -volume dBm0, each frequency 3 dB
 * below), on the G.711 scale where a 0 dBm0 sine peaks at 22654 in 16-bit PCM. Tones fade in and
 * out over 4 ms so the edges do not click. Durations follow Q.24 (tone and pause at least 40 ms).
 * gw_dtmf_tone is one tone pair; gw_dtmf_player plays digit strings and relayed key presses into
 * the 20 ms frames a worker sends. Both are plain state used from one thread. */
#ifndef GW_MEDIA_DTMF_TONE_H
#define GW_MEDIA_DTMF_TONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

/* Low and high group frequency of event 0-15; GW_EINVAL above 15. */
int gw_dtmf_tone_freqs(uint8_t event, unsigned *low_hz, unsigned *high_hz);

typedef struct {
  double c_lo, c_hi;         /* 2 cos(w) of each oscillator */
  double lo1, lo2, hi1, hi2; /* their last two outputs */
  double amp;                /* peak of each frequency */
  uint32_t ramp;             /* samples in a fade */
  uint32_t pos;              /* samples since start, stops counting at ramp */
  uint32_t release;          /* samples left in the fade out */
  bool on, stopping;
} gw_dtmf_tone;

/* rate_hz: 8000-48000; volume 0-63. */
int gw_dtmf_tone_start(gw_dtmf_tone *t, uint32_t rate_hz, uint8_t event, uint8_t volume, gw_why *why);
/* Begins the 4 ms fade out. */
void gw_dtmf_tone_stop(gw_dtmf_tone *t);
/* True until the fade out has finished. */
bool gw_dtmf_tone_active(const gw_dtmf_tone *t);
/* Writes n samples: the tone while active, silence after. */
void gw_dtmf_tone_fill(gw_dtmf_tone *t, int16_t *pcm, size_t n);

/* ---- player ---- */

#define GW_DTMF_PLAYER_MAX_QUEUE 64

typedef struct {
  uint32_t rate_hz;     /* of the PCM the worker encodes (8000 for G.711) */
  uint32_t tone_ms;     /* queued digits; 0: 100 */
  uint32_t gap_ms;      /* silence after each tone; 0: 50 */
  uint32_t pause_ms;    /* ',' in the digits; 0: 2000 */
  uint32_t min_tone_ms; /* a relayed key press lasts at least this; 0: 40 */
  uint8_t volume;       /* queued digits, 1-63; 0: 10 */
} gw_dtmf_player_opts;

typedef struct gw_dtmf_player gw_dtmf_player;

int gw_dtmf_player_new(gw_dtmf_player **out, const gw_dtmf_player_opts *o, gw_why *why);
void gw_dtmf_player_free(gw_dtmf_player *p);
/* Same digits as gw_dtmf_gen_queue: all or nothing, GW_EINVAL / GW_ETOOBIG. */
int gw_dtmf_player_queue(gw_dtmf_player *p, const char *digits, gw_why *why);
/* A relayed key press (a gw_dtmf_rx START): the tone plays from its turn until key_up.
 * A key_down while another key is held releases that one first. */
int gw_dtmf_player_key_down(gw_dtmf_player *p, uint8_t event, uint8_t volume, gw_why *why);
/* The relayed END: the held tone stops (after min_tone_ms at least), then gap_ms of silence. */
void gw_dtmf_player_key_up(gw_dtmf_player *p);
/* Drops what is queued; a tone playing fades out, then its gap. */
void gw_dtmf_player_cancel(gw_dtmf_player *p);
bool gw_dtmf_player_busy(const gw_dtmf_player *p);
/* When busy: writes n samples (tone, or silence between digits) to send instead of the call's
 * audio, and returns true. When idle: returns false and leaves pcm alone. */
bool gw_dtmf_player_fill(gw_dtmf_player *p, int16_t *pcm, size_t n);

#endif
