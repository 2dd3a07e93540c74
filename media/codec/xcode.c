/* One direction of a transcoded call: Opus <-> (resampler) <-> G.711, 20 ms a call. */
#include "media/codec/xcode.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "media/codec/opus.h"

#define RATE_8K 8000
#define RATE_48K 48000
#define FRAME_48K 960

struct gw_xcode {
  gw_xcode_dir dir;
  gw_xcode_cfg cfg;
  int opus_rate;    /* 8000 (opus-native) or 48000 (libsamplerate) */
  size_t opus_frame; /* samples of 20 ms at opus_rate */
  gw_opus_dec *dec;  /* OPUS_TO_G711 */
  gw_opus_enc *enc;  /* G711_TO_OPUS */
  gw_resampler *rs;  /* SAMPLERATE path only: 48k->8k or 8k->48k */
  gw_xcode_stats stats;
  int16_t pcm[FRAME_48K];
  int16_t pcm8[GW_G711_FRAME];
};

void gw_xcode_cfg_init(gw_xcode_cfg *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->law = GW_G711_PCMU;
  cfg->path = GW_XCODE_OPUS_NATIVE;
  cfg->converter = GW_SRC_SINC_MEDIUM;
  cfg->complexity = 5;
  cfg->loss_pct = 10;
  cfg->bitrate = 0;
}

const char *gw_xcode_path_name(gw_xcode_path path) {
  switch (path) {
  case GW_XCODE_OPUS_NATIVE: return "opus";
  case GW_XCODE_SAMPLERATE: return "samplerate";
  }
  return NULL;
}

int gw_xcode_path_parse(const char *name, gw_xcode_path *out, gw_why *why) {
  if (strcasecmp(name, "opus") == 0) {
    *out = GW_XCODE_OPUS_NATIVE;
    return GW_OK;
  }
  if (strcasecmp(name, "samplerate") == 0) {
    *out = GW_XCODE_SAMPLERATE;
    return GW_OK;
  }
  return gw_fail(why, GW_EINVAL, "unknown transcoding path \"%.32s\" (opus or samplerate)", name);
}

int gw_xcode_new(gw_xcode **out, gw_xcode_dir dir, const gw_xcode_cfg *cfg, gw_why *why) {
  *out = NULL;
  if (dir != GW_XCODE_OPUS_TO_G711 && dir != GW_XCODE_G711_TO_OPUS)
    return gw_fail(why, GW_EINVAL, "unknown transcoding direction %d", (int)dir);
  if (!gw_g711_law_name(cfg->law))
    return gw_fail(why, GW_EINVAL, "unknown G.711 law %d", (int)cfg->law);
  if (!gw_xcode_path_name(cfg->path))
    return gw_fail(why, GW_EINVAL, "unknown transcoding path %d", (int)cfg->path);
  gw_xcode *x = calloc(1, sizeof *x);
  if (!x) return gw_fail(why, GW_ENOMEM, "out of memory for a transcoder");
  x->dir = dir;
  x->cfg = *cfg;
  x->opus_rate = cfg->path == GW_XCODE_OPUS_NATIVE ? RATE_8K : RATE_48K;
  x->opus_frame = GW_OPUS_FRAME(x->opus_rate);
  int rc = GW_OK;
  if (cfg->path == GW_XCODE_SAMPLERATE) {
    rc = dir == GW_XCODE_OPUS_TO_G711
             ? gw_resampler_new(&x->rs, RATE_48K, RATE_8K, cfg->converter, why)
             : gw_resampler_new(&x->rs, RATE_8K, RATE_48K, cfg->converter, why);
  }
  if (rc == GW_OK) {
    if (dir == GW_XCODE_OPUS_TO_G711) {
      rc = gw_opus_dec_new(&x->dec, x->opus_rate, why);
    } else {
      gw_opus_enc_cfg ec = {.rate = x->opus_rate,
                            .complexity = cfg->complexity,
                            .loss_pct = cfg->loss_pct,
                            .bitrate = cfg->bitrate};
      rc = gw_opus_enc_new(&x->enc, &ec, why);
    }
  }
  if (rc != GW_OK) {
    gw_xcode_free(x);
    return rc;
  }
  *out = x;
  return GW_OK;
}

void gw_xcode_free(gw_xcode *x) {
  if (!x) return;
  gw_opus_dec_free(x->dec);
  gw_opus_enc_free(x->enc);
  gw_resampler_free(x->rs);
  free(x);
}

/* Decodes (or recovers, or conceals) one 20 ms frame at opus_rate into x->pcm. */
static int opus_frame(gw_xcode *x, const uint8_t *opus, size_t len, const uint8_t *next,
                      size_t next_len, gw_xcode_frame_kind *kind, gw_why *why) {
  if (opus && len > 0) {
    int n = gw_opus_packet_samples(opus, len, x->opus_rate);
    int rc;
    if (n < 0) {
      rc = gw_fail(why, GW_EPROTO, "malformed Opus packet of %zu bytes", len);
    } else if ((size_t)n != x->opus_frame) {
      rc = gw_fail(why, GW_EUNSUPP, "Opus packet of %d ms (only 20 ms is supported)",
                   n * 1000 / x->opus_rate);
    } else {
      size_t got = 0;
      rc = gw_opus_dec_decode(x->dec, opus, len, x->pcm, x->opus_frame, &got, why);
      if (rc == GW_OK) {
        *kind = GW_XCODE_DECODED;
        return GW_OK;
      }
    }
    x->stats.errors++;
    *kind = GW_XCODE_PLC;
    int rc2 = gw_opus_dec_conceal(x->dec, x->pcm, x->opus_frame, NULL);
    if (rc2 != GW_OK) memset(x->pcm, 0, sizeof x->pcm);
    return rc;
  }
  bool used_fec = false;
  int rc = (next && next_len > 0)
               ? gw_opus_dec_recover(x->dec, next, next_len, x->pcm, x->opus_frame, &used_fec,
                                     why)
               : gw_opus_dec_conceal(x->dec, x->pcm, x->opus_frame, why);
  if (rc != GW_OK && !used_fec) {
    /* recover() conceals when next is corrupt; only a failing libopus leaves nothing. */
    if (rc == GW_EIO) memset(x->pcm, 0, sizeof x->pcm);
    x->stats.errors++;
  }
  *kind = used_fec ? GW_XCODE_FEC : GW_XCODE_PLC;
  return rc;
}

int gw_xcode_opus_to_g711(gw_xcode *x, const uint8_t *opus, size_t len, const uint8_t *next,
                          size_t next_len, uint8_t g711_out[GW_G711_FRAME],
                          gw_xcode_frame_kind *kind, gw_why *why) {
  gw_xcode_frame_kind k = GW_XCODE_PLC;
  if (kind) *kind = k;
  if (x->dir != GW_XCODE_OPUS_TO_G711) {
    memset(g711_out, gw_g711_silence(x->cfg.law), GW_G711_FRAME);
    return gw_fail(why, GW_ESTATE, "this transcoder goes from G.711 to Opus");
  }
  int rc = opus_frame(x, opus, len, next, next_len, &k, why);
  x->stats.frames++;
  if (k == GW_XCODE_DECODED) x->stats.decoded++;
  else if (k == GW_XCODE_FEC) x->stats.fec++;
  else x->stats.plc++;
  if (kind) *kind = k;

  const int16_t *pcm8 = x->pcm;
  if (x->rs) {
    int rc2 = gw_resampler_frame(x->rs, x->pcm, x->opus_frame, x->pcm8, why);
    if (rc2 != GW_OK) {
      memset(g711_out, gw_g711_silence(x->cfg.law), GW_G711_FRAME);
      return rc2;
    }
    pcm8 = x->pcm8;
  }
  gw_g711_encode(x->cfg.law, pcm8, g711_out, GW_G711_FRAME);
  return rc;
}

int gw_xcode_g711_to_opus(gw_xcode *x, const uint8_t g711[GW_G711_FRAME], uint8_t *opus_out,
                          size_t cap, size_t *out_len, gw_why *why) {
  *out_len = 0;
  if (x->dir != GW_XCODE_G711_TO_OPUS)
    return gw_fail(why, GW_ESTATE, "this transcoder goes from Opus to G.711");
  x->stats.frames++;
  const int16_t *pcm = x->pcm8;
  gw_g711_decode(x->cfg.law, g711, x->pcm8, GW_G711_FRAME);
  if (x->rs) {
    int rc = gw_resampler_frame(x->rs, x->pcm8, GW_G711_FRAME, x->pcm, why);
    if (rc != GW_OK) return rc;
    pcm = x->pcm;
  }
  return gw_opus_enc_encode(x->enc, pcm, opus_out, cap, out_len, why);
}

int gw_xcode_set_loss(gw_xcode *x, int loss_pct, gw_why *why) {
  if (x->dir != GW_XCODE_G711_TO_OPUS)
    return gw_fail(why, GW_ESTATE, "only the G.711 to Opus direction encodes Opus");
  int rc = gw_opus_enc_set_loss(x->enc, loss_pct, why);
  if (rc == GW_OK) x->cfg.loss_pct = loss_pct;
  return rc;
}

int gw_xcode_set_complexity(gw_xcode *x, int complexity, gw_why *why) {
  if (x->dir != GW_XCODE_G711_TO_OPUS)
    return gw_fail(why, GW_ESTATE, "only the G.711 to Opus direction encodes Opus");
  int rc = gw_opus_enc_set_complexity(x->enc, complexity, why);
  if (rc == GW_OK) x->cfg.complexity = complexity;
  return rc;
}

void gw_xcode_get_stats(const gw_xcode *x, gw_xcode_stats *out) { *out = x->stats; }
