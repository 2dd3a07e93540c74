/* Call quality estimate with the E-model of ITU-T G.107 (narrowband), simplified for a gateway that
 * knows loss, jitter and round-trip time but nothing of the handsets or rooms at either end:
 *
 *   R = Ro - Is - Id - Ie,eff + A
 *
 * - Ro - Is: the G.107 default values (Ro = 94.77, Is = 1.41).
 * - Id from the one-way mouth-to-ear delay Ta, with T = Ta and Tr = 2 Ta: talker echo Idte
 *   (TELR 65 dB), listener echo Idle (WEPL 110 dB) and pure delay Idd, all G.107 defaults.
 *   Ta = RTT/2 + a jitter buffer allowance (twice the interarrival jitter) + the codec's frame.
 *   With Ta = 0 this gives the familiar R = 93.2 (MOS 4.41) of G.711 without loss.
 * - Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl), random loss (BurstR = 1).
 * - MOS from R as in G.107: 1 below R = 0, 4.5 above R = 100, else
 *   1 + 0.035 R + R (R - 60) (100 - R) 7e-6, kept at 1 or more (it dips below 1 for R < 6.5,
 *   which would make MOS rise with falling R there).
 *
 * Codec values (Ie, Bpl): G.711 0 / 4.3 (G.113 Appendix I, no packet loss concealment) and
 * 0 / 25.1 with concealment. G.113 gives none for Opus: we take Ie = 0 (at the bit rates used it
 * is transparent on this narrowband scale) and Bpl = 20 (its concealment and in-band FEC, a little
 * below G.711 with concealment to stay on the cautious side). An estimate, not a measurement. */
#ifndef GW_MEDIA_STATS_MOS_H
#define GW_MEDIA_STATS_MOS_H

#include "gateway/err.h"

typedef enum {
  GW_MOS_CODEC_G711 = 0,   /* PCMU, PCMA */
  GW_MOS_CODEC_G711_PLC,   /* G.711 with packet loss concealment */
  GW_MOS_CODEC_OPUS,
  GW_MOS_CODEC_COUNT,
} gw_mos_codec;

typedef struct {
  const char *name;
  double ie;       /* equipment impairment without loss */
  double bpl;      /* packet-loss robustness */
  double frame_ms; /* packetization and look-ahead added to the delay */
} gw_mos_codec_params;

/* Default values of G.107 used here. */
#define GW_MOS_RO 94.77
#define GW_MOS_IS 1.41

const gw_mos_codec_params *gw_mos_codec_params_of(gw_mos_codec codec); /* NULL if out of range */
/* "PCMU" / "PCMA" -> G711, "opus" -> OPUS (any case); GW_EUNSUPP otherwise. */
int gw_mos_codec_from_name(const char *name, gw_mos_codec *out);

typedef struct {
  gw_mos_codec codec;
  double loss_pct;  /* Ppl, 0-100; clamped */
  double rtt_ms;    /* NAN or negative: unknown, taken as 0 */
  double jitter_ms; /* NAN or negative: unknown, taken as 0 */
  double advantage; /* A: 0 for wired telephony */
} gw_mos_input;

/* The parts, for tests and for reading an estimate. */
double gw_mos_ie_eff(double ie, double bpl, double ppl_pct, double burst_r);
double gw_mos_id(double ta_ms);
double gw_mos_one_way_ms(const gw_mos_input *in);
/* R from its parts: Ro - Is - Id(ta_ms) - Ie,eff + A. */
double gw_mos_r_from(double ta_ms, double ie_eff, double advantage);

double gw_mos_r(const gw_mos_input *in);
double gw_mos_from_r(double r);
/* gw_mos_from_r(gw_mos_r(in)); NAN for a codec out of range. */
double gw_mos_estimate(const gw_mos_input *in);

#endif
