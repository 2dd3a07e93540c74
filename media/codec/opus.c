/* Opus decoder and encoder over libopus, and the two packet inspections the transcoder needs. */
#include "media/codec/opus.h"

#include <stdint.h>
#include <stdlib.h>

#include <opus/opus.h>

struct gw_opus_dec {
  OpusDecoder *st;
  int rate;
};

struct gw_opus_enc {
  OpusEncoder *st;
  int rate;
};

static bool valid_rate(int rate) {
  return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

/* ---- packets ---- */

int gw_opus_packet_samples(const uint8_t *pkt, size_t len, int rate) {
  if (!pkt || len == 0 || len > GW_OPUS_MAX_PACKET || !valid_rate(rate)) return GW_EPROTO;
  int n = opus_packet_get_nb_samples(pkt, (opus_int32)len, rate);
  return n > 0 ? n : GW_EPROTO;
}

bool gw_opus_packet_has_fec(const uint8_t *pkt, size_t len) {
  if (!pkt || len == 0 || len > GW_OPUS_MAX_PACKET) return false;
  unsigned config = pkt[0] >> 3;
  if (config >= 16) return false; /* CELT-only: no SILK layer, no LBRR */
  /* SILK frames (of 10 or 20 ms) in one Opus frame: SILK-only configs code 10/20/40/60 ms in
   * their two low bits; hybrid ones are always 10 or 20 ms, one SILK frame. */
  unsigned silk_frames = 1;
  if (config < 12) {
    unsigned dur = config & 3;
    silk_frames = dur == 2 ? 2 : dur == 3 ? 3 : 1;
  }
  const unsigned char *frames[48];
  opus_int16 sizes[48];
  unsigned char toc;
  if (opus_packet_parse(pkt, (opus_int32)len, &toc, frames, sizes, NULL) < 1) return false;
  if (sizes[0] < 1) return false;
  /* The SILK layer opens with one VAD flag per SILK frame then the LBRR flag (mid channel
   * first), each a bit of probability 1/2: the first range-coded symbols, i.e. the top bits of
   * the frame's first byte. */
  return (frames[0][0] >> (7 - silk_frames)) & 1;
}

/* ---- decoder ---- */

int gw_opus_dec_new(gw_opus_dec **out, int rate, gw_why *why) {
  *out = NULL;
  if (!valid_rate(rate))
    return gw_fail(why, GW_EINVAL, "Opus cannot decode at %d Hz (8000, 12000, 16000, 24000 "
                                   "or 48000)", rate);
  gw_opus_dec *d = calloc(1, sizeof *d);
  if (!d) return gw_fail(why, GW_ENOMEM, "out of memory for an Opus decoder");
  int err = OPUS_OK;
  d->st = opus_decoder_create(rate, 1, &err);
  if (!d->st || err != OPUS_OK) {
    free(d);
    return gw_fail(why, err == OPUS_ALLOC_FAIL ? GW_ENOMEM : GW_EIO,
                   "opus_decoder_create failed: %s", opus_strerror(err));
  }
  d->rate = rate;
  *out = d;
  return GW_OK;
}

void gw_opus_dec_free(gw_opus_dec *d) {
  if (!d) return;
  opus_decoder_destroy(d->st);
  free(d);
}

int gw_opus_dec_rate(const gw_opus_dec *d) { return d->rate; }

static int decode_rc(int n, const char *what, gw_why *why) {
  if (n == OPUS_INVALID_PACKET)
    return gw_fail(why, GW_EPROTO, "corrupt Opus packet (%s)", what);
  return gw_fail(why, GW_EIO, "opus_decode (%s) failed: %s", what, opus_strerror(n));
}

int gw_opus_dec_decode(gw_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm, size_t cap,
                       size_t *n, gw_why *why) {
  *n = 0;
  int want = gw_opus_packet_samples(pkt, len, d->rate);
  if (want < 0) return gw_fail(why, GW_EPROTO, "malformed Opus packet of %zu bytes", len);
  if ((size_t)want > cap)
    return gw_fail(why, GW_ETOOBIG, "Opus packet of %d samples exceeds the %zu-sample buffer",
                   want, cap);
  int got = opus_decode(d->st, pkt, (opus_int32)len, pcm, want, 0);
  if (got < 0) return decode_rc(got, "packet", why);
  *n = (size_t)got;
  return GW_OK;
}

static int check_lost_size(const gw_opus_dec *d, size_t samples, gw_why *why) {
  /* libopus conceals in multiples of 2.5 ms, up to 120 ms. */
  size_t quantum = (size_t)d->rate / 400;
  if (samples == 0 || samples % quantum != 0 || samples > (size_t)d->rate * 12 / 100)
    return gw_fail(why, GW_EINVAL, "cannot conceal %zu samples at %d Hz (a multiple of 2.5 ms "
                                   "up to 120 ms)", samples, d->rate);
  return GW_OK;
}

int gw_opus_dec_conceal(gw_opus_dec *d, int16_t *pcm, size_t samples, gw_why *why) {
  int rc = check_lost_size(d, samples, why);
  if (rc != GW_OK) return rc;
  int got = opus_decode(d->st, NULL, 0, pcm, (int)samples, 0);
  if (got < 0) return decode_rc(got, "concealment", why);
  return GW_OK;
}

int gw_opus_dec_recover(gw_opus_dec *d, const uint8_t *next, size_t next_len, int16_t *pcm,
                        size_t samples, bool *used_fec, gw_why *why) {
  if (used_fec) *used_fec = false;
  int rc = check_lost_size(d, samples, why);
  if (rc != GW_OK) return rc;
  if (!gw_opus_packet_has_fec(next, next_len)) return gw_opus_dec_conceal(d, pcm, samples, why);
  int got = opus_decode(d->st, next, (opus_int32)next_len, pcm, (int)samples, 1);
  if (got < 0) {
    /* A corrupt next packet: conceal instead, and say so. */
    int rc2 = gw_opus_dec_conceal(d, pcm, samples, NULL);
    return rc2 != GW_OK ? rc2 : decode_rc(got, "in-band FEC", why);
  }
  if (used_fec) *used_fec = true;
  return GW_OK;
}

/* ---- encoder ---- */

#define ENC_CTL(e, req, what)                                                                   \
  do {                                                                                          \
    int ctl_rc_ = opus_encoder_ctl((e), req);                                                   \
    if (ctl_rc_ != OPUS_OK)                                                                     \
      return gw_fail(why, GW_EIO, "opus_encoder_ctl(%s) failed: %s", what,                      \
                     opus_strerror(ctl_rc_));                                                   \
  } while (0)

static int configure(OpusEncoder *st, const gw_opus_enc_cfg *cfg, gw_why *why) {
  ENC_CTL(st, OPUS_SET_COMPLEXITY(cfg->complexity), "complexity");
  ENC_CTL(st, OPUS_SET_BITRATE(cfg->bitrate ? cfg->bitrate : GW_OPUS_DEFAULT_BITRATE), "bitrate");
  ENC_CTL(st, OPUS_SET_INBAND_FEC(1), "in-band FEC");
  ENC_CTL(st, OPUS_SET_PACKET_LOSS_PERC(cfg->loss_pct), "packet loss");
  ENC_CTL(st, OPUS_SET_DTX(0), "DTX");
  return GW_OK;
}

int gw_opus_enc_new(gw_opus_enc **out, const gw_opus_enc_cfg *cfg, gw_why *why) {
  *out = NULL;
  if (!valid_rate(cfg->rate))
    return gw_fail(why, GW_EINVAL, "Opus cannot encode from %d Hz (8000, 12000, 16000, 24000 "
                                   "or 48000)", cfg->rate);
  if (cfg->complexity < 0 || cfg->complexity > 10)
    return gw_fail(why, GW_EINVAL, "Opus complexity %d is outside 0..10", cfg->complexity);
  if (cfg->loss_pct < 0 || cfg->loss_pct > 100)
    return gw_fail(why, GW_EINVAL, "expected loss %d%% is outside 0..100", cfg->loss_pct);
  if (cfg->bitrate != 0 && (cfg->bitrate < 6000 || cfg->bitrate > 510000))
    return gw_fail(why, GW_EINVAL, "Opus bitrate %d is outside 6000..510000", cfg->bitrate);
  gw_opus_enc *e = calloc(1, sizeof *e);
  if (!e) return gw_fail(why, GW_ENOMEM, "out of memory for an Opus encoder");
  int err = OPUS_OK;
  e->st = opus_encoder_create(cfg->rate, 1, OPUS_APPLICATION_VOIP, &err);
  if (!e->st || err != OPUS_OK) {
    free(e);
    return gw_fail(why, err == OPUS_ALLOC_FAIL ? GW_ENOMEM : GW_EIO,
                   "opus_encoder_create failed: %s", opus_strerror(err));
  }
  e->rate = cfg->rate;
  int rc = configure(e->st, cfg, why);
  if (rc != GW_OK) {
    gw_opus_enc_free(e);
    return rc;
  }
  *out = e;
  return GW_OK;
}

void gw_opus_enc_free(gw_opus_enc *e) {
  if (!e) return;
  opus_encoder_destroy(e->st);
  free(e);
}

int gw_opus_enc_encode(gw_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap,
                       size_t *out_len, gw_why *why) {
  *out_len = 0;
  if (cap > GW_OPUS_MAX_PACKET) cap = GW_OPUS_MAX_PACKET;
  int n = opus_encode(e->st, pcm, (int)GW_OPUS_FRAME(e->rate), out, (opus_int32)cap);
  if (n < 0)
    return gw_fail(why, n == OPUS_BUFFER_TOO_SMALL ? GW_ETOOBIG : GW_EIO, "opus_encode failed: %s",
                   opus_strerror(n));
  *out_len = (size_t)n;
  return GW_OK;
}

int gw_opus_enc_set_loss(gw_opus_enc *e, int loss_pct, gw_why *why) {
  if (loss_pct < 0 || loss_pct > 100)
    return gw_fail(why, GW_EINVAL, "expected loss %d%% is outside 0..100", loss_pct);
  ENC_CTL(e->st, OPUS_SET_PACKET_LOSS_PERC(loss_pct), "packet loss");
  return GW_OK;
}

int gw_opus_enc_set_complexity(gw_opus_enc *e, int complexity, gw_why *why) {
  if (complexity < 0 || complexity > 10)
    return gw_fail(why, GW_EINVAL, "Opus complexity %d is outside 0..10", complexity);
  ENC_CTL(e->st, OPUS_SET_COMPLEXITY(complexity), "complexity");
  return GW_OK;
}
