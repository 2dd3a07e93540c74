/* Sample-rate conversion between the legs (48000 <-> 8000 Hz) with libsamplerate.
 *
 * This is one of the transcoder's two paths. The other, "opus-native", has no resampler at all:
 * libopus decodes straight to 8000 Hz and encodes from 8000 Hz (see opus.h and xcode.h).
 *
 * A gw_resampler converts one stream, frame by frame, keeping libsamplerate's filter state
 * across frames. It always returns exactly in * out_rate / in_rate samples a frame: the first
 * frames are preceded by zeros covering the filter's delay, so the output is a continuous,
 * delayed copy of the input with no gap or jump. Used from one thread. */
#ifndef GW_MEDIA_CODEC_RESAMPLE_H
#define GW_MEDIA_CODEC_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

/* libsamplerate's band-limited sinc converters (bandwidth 97 %, 90 %, 80 % of Nyquist). */
typedef enum {
  GW_SRC_SINC_BEST = 0,
  GW_SRC_SINC_MEDIUM = 1,
  GW_SRC_SINC_FASTEST = 2,
} gw_src_converter;

/* The longest frame one call takes, in milliseconds. */
#define GW_RESAMPLE_MAX_MS 40

/* "SINC_BEST", "SINC_MEDIUM", "SINC_FASTEST"; NULL for anything else. */
const char *gw_src_converter_name(gw_src_converter c);
/* Parses those names, case-insensitive, with or without the "SINC_" prefix. */
int gw_src_converter_parse(const char *name, gw_src_converter *out, gw_why *why);

typedef struct gw_resampler gw_resampler;

/* Rates in Hz, 8000..192000. */
int gw_resampler_new(gw_resampler **out, int in_rate, int out_rate, gw_src_converter conv,
                     gw_why *why);
void gw_resampler_free(gw_resampler *r);

/* Converts in_n samples (up to GW_RESAMPLE_MAX_MS long, in_n * out_rate divisible by in_rate,
 * e.g. 960 <-> 160) into exactly in_n * out_rate / in_rate samples at out. */
int gw_resampler_frame(gw_resampler *r, const int16_t *in, size_t in_n, int16_t *out,
                       gw_why *why);
/* Forgets the stream: the next frame starts a new one (with the delay's zeros again). */
void gw_resampler_reset(gw_resampler *r);
/* The delay the converter adds, in output samples (known after the first frame). */
size_t gw_resampler_delay(const gw_resampler *r);

#endif
