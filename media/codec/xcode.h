/* Transcoding between the browser leg (Opus, 48 kHz clock, 20 ms packets) and the trunk leg
 * (G.711 PCMU/PCMA, 8 kHz, 20 ms = 160 samples). One gw_xcode per call direction, used from the
 * call's media worker thread only.
 *
 * Two paths:
 *  - GW_XCODE_OPUS_NATIVE: no resampler. Opus is decoded straight to 8 kHz and encoded from
 *    8 kHz input (libopus's own API); the browser decodes the narrowband stream at 48 kHz.
 *  - GW_XCODE_SAMPLERATE: Opus decoded/encoded at 48 kHz, converted to/from 8 kHz by
 *    libsamplerate with the configured sinc converter (state kept across frames).
 *
 * Browser -> trunk, lost packets: the caller (the jitter/reorder step) calls once per 20 ms
 * output frame, in sequence order. For packet N it passes N. When N is missing it passes
 * len 0 and, if it already holds packet N+1, that packet as `next`: the frame is then rebuilt
 * from N+1's in-band FEC when N+1 carries it, and concealed (PLC) otherwise. The caller then
 * passes N+1 itself as usual on the next call. */
#ifndef GW_MEDIA_CODEC_XCODE_H
#define GW_MEDIA_CODEC_XCODE_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/codec/g711.h"
#include "media/codec/resample.h"

typedef enum {
  GW_XCODE_OPUS_TO_G711 = 1, /* browser -> trunk */
  GW_XCODE_G711_TO_OPUS = 2, /* trunk -> browser */
} gw_xcode_dir;

typedef enum {
  GW_XCODE_OPUS_NATIVE = 1,
  GW_XCODE_SAMPLERATE = 2,
} gw_xcode_path;

typedef struct {
  gw_g711_law law;
  gw_xcode_path path;
  gw_src_converter converter; /* GW_XCODE_SAMPLERATE only */
  int complexity;             /* G711_TO_OPUS: Opus encoder complexity 0..10 */
  int loss_pct;               /* G711_TO_OPUS: expected loss on the browser leg, 0..100 */
  int bitrate;                /* G711_TO_OPUS: Opus bit/s; 0 = GW_OPUS_DEFAULT_BITRATE */
} gw_xcode_cfg;

/* The defaults, chosen from tests/bench/bench_media: PCMU; opus-native (4-6 times cheaper than
 * any libsamplerate path, as good or better on every quality figure, least delay); complexity 5
 * (c10 doubles the encoder's cost for no measured gain; c0 is 3 times cheaper, kept for load
 * shedding with gw_xcode_set_complexity); 10 % expected loss; 24 kbit/s. If the path is
 * switched to libsamplerate, SINC_MEDIUM (SINC_FASTEST loses 9 dB at 3.4 kHz). */
void gw_xcode_cfg_init(gw_xcode_cfg *cfg);
/* "opus" / "samplerate"; NULL for anything else. */
const char *gw_xcode_path_name(gw_xcode_path path);
int gw_xcode_path_parse(const char *name, gw_xcode_path *out, gw_why *why);

/* How a browser -> trunk frame was produced. */
typedef enum {
  GW_XCODE_DECODED = 0, /* from its own packet */
  GW_XCODE_FEC = 1,     /* lost; rebuilt from the next packet's in-band FEC */
  GW_XCODE_PLC = 2,     /* lost (or corrupt); concealed */
} gw_xcode_frame_kind;

typedef struct {
  uint64_t frames, decoded, fec, plc, errors; /* errors: corrupt or unsupported packets */
} gw_xcode_stats;

typedef struct gw_xcode gw_xcode;

int gw_xcode_new(gw_xcode **out, gw_xcode_dir dir, const gw_xcode_cfg *cfg, gw_why *why);
void gw_xcode_free(gw_xcode *x);

/* Browser -> trunk: one 20 ms Opus packet (len 0: packet lost) to 160 G.711 bytes.
 * next/next_len: when the packet is lost, the following packet if the caller holds it (used for
 * FEC), else NULL/0; ignored when len > 0. *kind (may be NULL) says how the frame was made.
 * g711_out is always filled with a frame to send, also on failure: a corrupt packet, or one
 * that is not 20 ms long (GW_EUNSUPP), is concealed and reported (GW_EPROTO/GW_EUNSUPP).
 * GW_ESTATE if x transcodes the other direction. */
int gw_xcode_opus_to_g711(gw_xcode *x, const uint8_t *opus, size_t len, const uint8_t *next,
                          size_t next_len, uint8_t g711_out[GW_G711_FRAME],
                          gw_xcode_frame_kind *kind, gw_why *why);

/* Trunk -> browser: 160 G.711 bytes to one 20 ms Opus packet in opus_out (cap bytes;
 * GW_OPUS_MAX_PACKET is always enough), *out_len its size. A missing trunk packet is passed
 * as a frame of gw_g711_silence(). GW_ESTATE if x transcodes the other direction. */
int gw_xcode_g711_to_opus(gw_xcode *x, const uint8_t g711[GW_G711_FRAME], uint8_t *opus_out,
                          size_t cap, size_t *out_len, gw_why *why);

/* Trunk -> browser: follow the loss the browser reports in RTCP (0..100). */
int gw_xcode_set_loss(gw_xcode *x, int loss_pct, gw_why *why);
/* Trunk -> browser: change the Opus complexity (0..10) mid-call, e.g. drop to 0 when the
 * worker runs out of time (the encoder is then about 3 times cheaper; see bench_media). */
int gw_xcode_set_complexity(gw_xcode *x, int complexity, gw_why *why);

void gw_xcode_get_stats(const gw_xcode *x, gw_xcode_stats *out);

#endif
