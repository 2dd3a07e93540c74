/* libsamplerate in streaming mode, with a small output FIFO that turns its variable output
 * (short while the filter fills) into fixed frames. */
#include "media/codec/resample.h"

#include <samplerate.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The output FIFO holds one frame of output plus the converter's delay, which is below one
 * 20 ms frame even for SINC_BEST (about 860 input samples going down 6:1, 145 going up): 3 of the
 * longest frames are plenty. */
#define FIFO_FRAMES 3

struct gw_resampler {
  SRC_STATE *src;
  int in_rate, out_rate;
  double ratio;
  size_t delay; /* zeros put in front of the stream, in output samples */
  size_t unit;  /* output samples per whole number of input samples: out / gcd(in, out) */
  size_t max_in;  /* GW_RESAMPLE_MAX_MS at in_rate */
  size_t fifo_cap;
  size_t fifo_len;
  float *in;   /* max_in */
  float *fifo; /* fifo_cap */
};

static const struct {
  gw_src_converter c;
  const char *name;
  int src_type;
} converters[] = {
    {GW_SRC_SINC_BEST, "SINC_BEST", SRC_SINC_BEST_QUALITY},
    {GW_SRC_SINC_MEDIUM, "SINC_MEDIUM", SRC_SINC_MEDIUM_QUALITY},
    {GW_SRC_SINC_FASTEST, "SINC_FASTEST", SRC_SINC_FASTEST},
};

#define N_CONVERTERS (sizeof converters / sizeof converters[0])

const char *gw_src_converter_name(gw_src_converter c) {
  for (size_t i = 0; i < N_CONVERTERS; i++)
    if (converters[i].c == c) return converters[i].name;
  return NULL;
}

int gw_src_converter_parse(const char *name, gw_src_converter *out, gw_why *why) {
  for (size_t i = 0; i < N_CONVERTERS; i++) {
    if (strcasecmp(name, converters[i].name) == 0 ||
        strcasecmp(name, converters[i].name + 5) == 0) {
      *out = converters[i].c;
      return GW_OK;
    }
  }
  return gw_fail(why, GW_EINVAL,
                 "unknown converter \"%.32s\" (SINC_BEST, SINC_MEDIUM or SINC_FASTEST)", name);
}

int gw_resampler_new(gw_resampler **out, int in_rate, int out_rate, gw_src_converter conv,
                     gw_why *why) {
  *out = NULL;
  int type = -1;
  for (size_t i = 0; i < N_CONVERTERS; i++)
    if (converters[i].c == conv) type = converters[i].src_type;
  if (type < 0) return gw_fail(why, GW_EINVAL, "unknown sample-rate converter %d", (int)conv);
  if (in_rate < 8000 || in_rate > 192000 || out_rate < 8000 || out_rate > 192000)
    return gw_fail(why, GW_EINVAL, "cannot convert %d Hz to %d Hz (8000..192000)", in_rate,
                   out_rate);
  gw_resampler *r = calloc(1, sizeof *r);
  if (!r) return gw_fail(why, GW_ENOMEM, "out of memory for a resampler");
  r->max_in = (size_t)in_rate * GW_RESAMPLE_MAX_MS / 1000;
  r->fifo_cap = (size_t)out_rate * GW_RESAMPLE_MAX_MS / 1000 * FIFO_FRAMES;
  r->in = malloc(r->max_in * sizeof r->in[0]);
  r->fifo = malloc(r->fifo_cap * sizeof r->fifo[0]);
  if (!r->in || !r->fifo) {
    gw_resampler_free(r);
    return gw_fail(why, GW_ENOMEM, "out of memory for a resampler");
  }
  int err = 0;
  r->src = src_new(type, 1, &err);
  if (!r->src) {
    gw_resampler_free(r);
    return gw_fail(why, GW_EIO, "libsamplerate: %s", src_strerror(err));
  }
  r->in_rate = in_rate;
  r->out_rate = out_rate;
  r->ratio = (double)out_rate / (double)in_rate;
  size_t a = (size_t)in_rate, b = (size_t)out_rate;
  while (b) {
    size_t t = a % b;
    a = b;
    b = t;
  }
  r->unit = (size_t)out_rate / a;
  if (r->unit > (size_t)out_rate / 1000) r->unit = 1; /* odd ratios: no rounding */
  *out = r;
  return GW_OK;
}

void gw_resampler_free(gw_resampler *r) {
  if (!r) return;
  if (r->src) src_delete(r->src);
  free(r->in);
  free(r->fifo);
  free(r);
}

void gw_resampler_reset(gw_resampler *r) {
  src_reset(r->src);
  r->delay = 0;
  r->fifo_len = 0;
}

size_t gw_resampler_delay(const gw_resampler *r) { return r->delay; }

int gw_resampler_frame(gw_resampler *r, const int16_t *in, size_t in_n, int16_t *out,
                       gw_why *why) {
  if (in_n == 0 || in_n > r->max_in)
    return gw_fail(why, GW_EINVAL, "a resampler frame is 1..%zu samples, not %zu", r->max_in,
                   in_n);
  if ((in_n * (size_t)r->out_rate) % (size_t)r->in_rate != 0)
    return gw_fail(why, GW_EINVAL, "%zu samples at %d Hz are not a whole number at %d Hz", in_n,
                   r->in_rate, r->out_rate);
  size_t want = in_n * (size_t)r->out_rate / (size_t)r->in_rate;

  src_short_to_float_array(in, r->in, (int)in_n);
  SRC_DATA d = {
      .data_in = r->in,
      .data_out = r->fifo + r->fifo_len,
      .input_frames = (long)in_n,
      .output_frames = (long)(r->fifo_cap - r->fifo_len),
      .end_of_input = 0,
      .src_ratio = r->ratio,
  };
  int err = src_process(r->src, &d);
  if (err) return gw_fail(why, GW_EIO, "libsamplerate: %s", src_strerror(err));
  r->fifo_len += (size_t)d.output_frames_gen;
  if (d.input_frames_used != (long)in_n)
    return gw_fail(why, GW_EIO, "libsamplerate took %ld of %zu samples", d.input_frames_used,
                   in_n); /* cannot happen: the FIFO has room for the whole output */

  if (r->fifo_len < want) {
    /* Filling the filter: put the missing samples as zeros in front. After the first frame
     * libsamplerate keeps pace, so this is the stream's constant delay; a later shortfall
     * (it should not happen) is covered the same way rather than by a gap. The delay is
     * rounded up to whole input samples (whole multiples of 6 going 8k -> 48k), so the output
     * stays aligned with the input's sample clock; the extra samples wait in the FIFO. */
    size_t pad = want - r->fifo_len;
    size_t unit = r->unit;
    if ((r->delay + pad) % unit) pad += unit - (r->delay + pad) % unit;
    memmove(r->fifo + pad, r->fifo, r->fifo_len * sizeof r->fifo[0]);
    memset(r->fifo, 0, pad * sizeof r->fifo[0]);
    r->fifo_len += pad;
    r->delay += pad;
  }
  src_float_to_short_array(r->fifo, out, (int)want);
  r->fifo_len -= want;
  memmove(r->fifo, r->fifo + want, r->fifo_len * sizeof r->fifo[0]);
  return GW_OK;
}
