/* The E-model of ITU-T G.107, simplified (see mos.h). */
#include "media/stats/mos.h"

#include <math.h>
#include <strings.h>

/* G.107 default values used by Id. */
#define TELR 65.0  /* talker echo loudness rating, dB */
#define WEPL 110.0 /* weighted echo path loss, dB */
#define NO (-61.18) /* noise floor at the listener's side, dBm0p: Ro = 15 - 1.5 (SLR + No) */
#define MT 100.0   /* delay below which Idd is 0, ms */

static const gw_mos_codec_params codecs[GW_MOS_CODEC_COUNT] = {
    [GW_MOS_CODEC_G711] = {"G.711", 0.0, 4.3, 20.0},
    [GW_MOS_CODEC_G711_PLC] = {"G.711+PLC", 0.0, 25.1, 20.0},
    [GW_MOS_CODEC_OPUS] = {"Opus", 0.0, 20.0, 26.5}, /* 20 ms frames + 6.5 ms look-ahead */
};

const gw_mos_codec_params *gw_mos_codec_params_of(gw_mos_codec codec) {
  return (unsigned)codec < GW_MOS_CODEC_COUNT ? &codecs[codec] : NULL;
}

int gw_mos_codec_from_name(const char *name, gw_mos_codec *out) {
  if (!name) return GW_EUNSUPP;
  if (strcasecmp(name, "PCMU") == 0 || strcasecmp(name, "PCMA") == 0) {
    *out = GW_MOS_CODEC_G711;
    return GW_OK;
  }
  if (strcasecmp(name, "opus") == 0) {
    *out = GW_MOS_CODEC_OPUS;
    return GW_OK;
  }
  return GW_EUNSUPP;
}

double gw_mos_ie_eff(double ie, double bpl, double ppl_pct, double burst_r) {
  if (!(ppl_pct > 0)) ppl_pct = 0; /* also NAN */
  if (ppl_pct > 100) ppl_pct = 100;
  if (!(burst_r >= 1)) burst_r = 1;
  return ie + (95.0 - ie) * ppl_pct / (ppl_pct / burst_r + bpl);
}

double gw_mos_id(double ta_ms) {
  if (!(ta_ms > 0)) ta_ms = 0;
  double t = ta_ms, tr = 2 * ta_ms;
  double ro = GW_MOS_RO;
  /* Talker echo. */
  double terv = TELR - 40.0 * log10((1 + t / 10) / (1 + t / 150)) + 6.0 * exp(-0.3 * t * t);
  double roe = -1.5 * (NO - 2);
  double re = 80.0 + 2.5 * (terv - 14);
  double idte = ((roe - re) / 2 + sqrt((roe - re) * (roe - re) / 4 + 100) - 1) * (1 - exp(-t));
  /* Listener echo. */
  double rle = 10.5 * (WEPL + 7) * pow(tr + 1, -0.25);
  double idle = (ro - rle) / 2 + sqrt((ro - rle) * (ro - rle) / 4 + 169);
  /* Pure delay. */
  double idd = 0;
  if (ta_ms > MT) {
    double x = log10(ta_ms / MT) / log10(2.0);
    idd = 25.0 * (pow(1 + pow(x, 6), 1.0 / 6) - 3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2);
  }
  return idte + idle + idd;
}

static double known(double v) { return v > 0 ? v : 0; } /* NAN and negatives: 0 */

double gw_mos_one_way_ms(const gw_mos_input *in) {
  const gw_mos_codec_params *c = gw_mos_codec_params_of(in->codec);
  return known(in->rtt_ms) / 2 + 2 * known(in->jitter_ms) + (c ? c->frame_ms : 0);
}

double gw_mos_r_from(double ta_ms, double ie_eff, double advantage) {
  return GW_MOS_RO - GW_MOS_IS - gw_mos_id(ta_ms) - ie_eff + advantage;
}

double gw_mos_r(const gw_mos_input *in) {
  const gw_mos_codec_params *c = gw_mos_codec_params_of(in->codec);
  if (!c) return NAN;
  double ie_eff = gw_mos_ie_eff(c->ie, c->bpl, in->loss_pct, 1.0);
  return gw_mos_r_from(gw_mos_one_way_ms(in), ie_eff, known(in->advantage));
}

double gw_mos_from_r(double r) {
  if (isnan(r)) return NAN;
  if (r <= 0) return 1.0;
  if (r >= 100) return 4.5;
  double mos = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
  return mos < 1 ? 1 : mos; /* the polynomial dips just below 1 for R under 6.5 */
}

double gw_mos_estimate(const gw_mos_input *in) { return gw_mos_from_r(gw_mos_r(in)); }
