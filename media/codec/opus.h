/* Opus, mono, 20 ms frames: a thin wrapper over libopus 1.3 for the transcoder.
 *
 * A decoder outputs at 48000 Hz (what a browser would) or directly at 8000 Hz (libopus's own
 * rate conversion: no resampler needed towards G.711). It decodes any Opus stream, mono or
 * stereo (stereo is mixed down), and recovers lost packets with in-band FEC or concealment.
 *
 * An encoder takes 20 ms of input at 48000 or 8000 Hz and uses the VOIP application with
 * in-band FEC on and DTX off; the expected loss sizes the FEC.
 *
 * Each object is used from one thread (its media worker). No global state. */
#ifndef GW_MEDIA_CODEC_OPUS_H
#define GW_MEDIA_CODEC_OPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

/* The largest Opus packet we produce or accept (RFC 6716: 1275 bytes a frame, up to 120 ms). */
#define GW_OPUS_MAX_PACKET 1500
/* Samples of 20 ms at rate. */
#define GW_OPUS_FRAME(rate) ((size_t)(rate) / 50)
/* The encoder's bitrate when the configuration leaves it at 0, in bit/s. */
#define GW_OPUS_DEFAULT_BITRATE 24000

/* ---- packets (untrusted input: every function bounds-checks) ---- */

/* Samples the packet decodes to at rate (a libopus rate), or GW_EPROTO for a malformed one. */
int gw_opus_packet_samples(const uint8_t *pkt, size_t len, int rate);
/* True when the packet's first frame carries in-band FEC (SILK LBRR data) for the frame
 * before it, read from its TOC byte and the first SILK header bits (RFC 6716 4.2.3).
 * False for CELT-only packets and malformed ones. */
bool gw_opus_packet_has_fec(const uint8_t *pkt, size_t len);

/* ---- decoder ---- */

typedef struct gw_opus_dec gw_opus_dec;

/* rate: 8000, 12000, 16000, 24000 or 48000 Hz of mono output. */
int gw_opus_dec_new(gw_opus_dec **out, int rate, gw_why *why);
void gw_opus_dec_free(gw_opus_dec *d);
int gw_opus_dec_rate(const gw_opus_dec *d);

/* Decodes one packet into pcm (cap samples); *n = samples written. GW_EPROTO for a corrupt
 * packet, GW_ETOOBIG when it holds more than cap samples (the decoder is left as it was). */
int gw_opus_dec_decode(gw_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm, size_t cap,
                       size_t *n, gw_why *why);
/* Fills pcm with `samples` (a multiple of 2.5 ms) of concealment for a lost packet (PLC). */
int gw_opus_dec_conceal(gw_opus_dec *d, int16_t *pcm, size_t samples, gw_why *why);
/* Recovers the lost packet just before `next` from next's in-band FEC: `samples` is the lost
 * packet's duration. Falls back to concealment when next carries no FEC (*used_fec false; may
 * be NULL). Afterwards decode `next` itself as usual with gw_opus_dec_decode. */
int gw_opus_dec_recover(gw_opus_dec *d, const uint8_t *next, size_t next_len, int16_t *pcm,
                        size_t samples, bool *used_fec, gw_why *why);

/* ---- encoder ---- */

typedef struct {
  int rate;       /* input rate, 8000 or 48000 (any libopus rate) */
  int complexity; /* 0..10 */
  int loss_pct;   /* expected packet loss on the receiving leg, 0..100; sizes the FEC */
  int bitrate;    /* bit/s, 6000..510000; 0 = GW_OPUS_DEFAULT_BITRATE */
} gw_opus_enc_cfg;

typedef struct gw_opus_enc gw_opus_enc;

int gw_opus_enc_new(gw_opus_enc **out, const gw_opus_enc_cfg *cfg, gw_why *why);
void gw_opus_enc_free(gw_opus_enc *e);
/* Encodes GW_OPUS_FRAME(rate) samples into out (cap bytes; GW_OPUS_MAX_PACKET is always
 * enough); *out_len = packet bytes. */
int gw_opus_enc_encode(gw_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap,
                       size_t *out_len, gw_why *why);
/* Adapts the FEC to the loss the far end reports (RTCP), 0..100. */
int gw_opus_enc_set_loss(gw_opus_enc *e, int loss_pct, gw_why *why);
/* Changes the complexity (0..10) from the next frame on, e.g. to shed load. */
int gw_opus_enc_set_complexity(gw_opus_enc *e, int complexity, gw_why *why);

#endif
