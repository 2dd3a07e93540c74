/* G.711 µ-law and A-law: decode tables and clz-based encoders (see g711.h for the conventions). */
#include "media/codec/g711.h"

#include <strings.h>

/* Generated from the G.191 expansion rule and checked by test_g711 against the G.711 tables. */
static const int16_t ulaw_to_linear[256] = {
    -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
    -23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
    -15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
    -11900, -11388, -10876, -10364,  -9852,  -9340,  -8828,  -8316,
     -7932,  -7676,  -7420,  -7164,  -6908,  -6652,  -6396,  -6140,
     -5884,  -5628,  -5372,  -5116,  -4860,  -4604,  -4348,  -4092,
     -3900,  -3772,  -3644,  -3516,  -3388,  -3260,  -3132,  -3004,
     -2876,  -2748,  -2620,  -2492,  -2364,  -2236,  -2108,  -1980,
     -1884,  -1820,  -1756,  -1692,  -1628,  -1564,  -1500,  -1436,
     -1372,  -1308,  -1244,  -1180,  -1116,  -1052,   -988,   -924,
      -876,   -844,   -812,   -780,   -748,   -716,   -684,   -652,
      -620,   -588,   -556,   -524,   -492,   -460,   -428,   -396,
      -372,   -356,   -340,   -324,   -308,   -292,   -276,   -260,
      -244,   -228,   -212,   -196,   -180,   -164,   -148,   -132,
      -120,   -112,   -104,    -96,    -88,    -80,    -72,    -64,
       -56,    -48,    -40,    -32,    -24,    -16,     -8,      0,
     32124,  31100,  30076,  29052,  28028,  27004,  25980,  24956,
     23932,  22908,  21884,  20860,  19836,  18812,  17788,  16764,
     15996,  15484,  14972,  14460,  13948,  13436,  12924,  12412,
     11900,  11388,  10876,  10364,   9852,   9340,   8828,   8316,
      7932,   7676,   7420,   7164,   6908,   6652,   6396,   6140,
      5884,   5628,   5372,   5116,   4860,   4604,   4348,   4092,
      3900,   3772,   3644,   3516,   3388,   3260,   3132,   3004,
      2876,   2748,   2620,   2492,   2364,   2236,   2108,   1980,
      1884,   1820,   1756,   1692,   1628,   1564,   1500,   1436,
      1372,   1308,   1244,   1180,   1116,   1052,    988,    924,
       876,    844,    812,    780,    748,    716,    684,    652,
       620,    588,    556,    524,    492,    460,    428,    396,
       372,    356,    340,    324,    308,    292,    276,    260,
       244,    228,    212,    196,    180,    164,    148,    132,
       120,    112,    104,     96,     88,     80,     72,     64,
        56,     48,     40,     32,     24,     16,      8,      0,
};

static const int16_t alaw_to_linear[256] = {
     -5504,  -5248,  -6016,  -5760,  -4480,  -4224,  -4992,  -4736,
     -7552,  -7296,  -8064,  -7808,  -6528,  -6272,  -7040,  -6784,
     -2752,  -2624,  -3008,  -2880,  -2240,  -2112,  -2496,  -2368,
     -3776,  -3648,  -4032,  -3904,  -3264,  -3136,  -3520,  -3392,
    -22016, -20992, -24064, -23040, -17920, -16896, -19968, -18944,
    -30208, -29184, -32256, -31232, -26112, -25088, -28160, -27136,
    -11008, -10496, -12032, -11520,  -8960,  -8448,  -9984,  -9472,
    -15104, -14592, -16128, -15616, -13056, -12544, -14080, -13568,
      -344,   -328,   -376,   -360,   -280,   -264,   -312,   -296,
      -472,   -456,   -504,   -488,   -408,   -392,   -440,   -424,
       -88,    -72,   -120,   -104,    -24,     -8,    -56,    -40,
      -216,   -200,   -248,   -232,   -152,   -136,   -184,   -168,
     -1376,  -1312,  -1504,  -1440,  -1120,  -1056,  -1248,  -1184,
     -1888,  -1824,  -2016,  -1952,  -1632,  -1568,  -1760,  -1696,
      -688,   -656,   -752,   -720,   -560,   -528,   -624,   -592,
      -944,   -912,  -1008,   -976,   -816,   -784,   -880,   -848,
      5504,   5248,   6016,   5760,   4480,   4224,   4992,   4736,
      7552,   7296,   8064,   7808,   6528,   6272,   7040,   6784,
      2752,   2624,   3008,   2880,   2240,   2112,   2496,   2368,
      3776,   3648,   4032,   3904,   3264,   3136,   3520,   3392,
     22016,  20992,  24064,  23040,  17920,  16896,  19968,  18944,
     30208,  29184,  32256,  31232,  26112,  25088,  28160,  27136,
     11008,  10496,  12032,  11520,   8960,   8448,   9984,   9472,
     15104,  14592,  16128,  15616,  13056,  12544,  14080,  13568,
       344,    328,    376,    360,    280,    264,    312,    296,
       472,    456,    504,    488,    408,    392,    440,    424,
        88,     72,    120,    104,     24,      8,     56,     40,
       216,    200,    248,    232,    152,    136,    184,    168,
      1376,   1312,   1504,   1440,   1120,   1056,   1248,   1184,
      1888,   1824,   2016,   1952,   1632,   1568,   1760,   1696,
       688,    656,    752,    720,    560,    528,    624,    592,
       944,    912,   1008,    976,    816,    784,    880,    848,
};

/* Index of the highest set bit of v (v > 0). */
static inline unsigned top_bit(unsigned v) { return 31u - (unsigned)__builtin_clz(v); }

/* Branch-free: the sign of speech is random, and a mispredicted branch a sample costs more
 * than the whole encoding. neg is 0 or -1 (arithmetic shift); x ^ neg is the one's complement
 * magnitude G.191 uses for negative values. */
uint8_t gw_g711_ulaw_encode(int16_t x) {
  int32_t neg = (int32_t)x >> 15;
  unsigned mag = (unsigned)((int32_t)x ^ neg) >> 2; /* 14-bit magnitude */
  unsigned biased = mag + 33;                       /* the µ-law bias */
  biased = biased > 0x1FFF ? 0x1FFF : biased;       /* overload: the last interval */
  unsigned seg = top_bit(biased) - 5;               /* biased >= 33, so 0..7 */
  unsigned mant = (biased >> (seg + 1)) & 0xF;
  unsigned code = (seg << 4) | mant | ((unsigned)~neg & 0x80);
  return (uint8_t)(code ^ 0x7F); /* all bits but the sign are sent inverted */
}

int16_t gw_g711_ulaw_decode(uint8_t code) { return ulaw_to_linear[code]; }

uint8_t gw_g711_alaw_encode(int16_t x) {
  int32_t neg = (int32_t)x >> 15;
  unsigned mag = (unsigned)((int32_t)x ^ neg) >> 4; /* 12-bit magnitude */
  /* Segments 0 and 1 share a step: with mag | 16 both give top bit 4, so seg = top - 3 is
   * 1 for both, and segment 0 is told apart by mag < 16 (then the shift below is 0). */
  unsigned top = top_bit(mag | 16);       /* 4..10 */
  unsigned seg = (top - 3) & -(unsigned)(mag >= 16); /* 0..7 */
  unsigned shift = top - 4;               /* segment s > 0: s - 1; segment 0: 0 */
  unsigned code = (seg << 4) | ((mag >> shift) & 0xF) | ((unsigned)~neg & 0x80);
  return (uint8_t)(code ^ 0x55); /* even bits inverted */
}

int16_t gw_g711_alaw_decode(uint8_t code) { return alaw_to_linear[code]; }

uint8_t gw_g711_silence(gw_g711_law law) { return law == GW_G711_PCMA ? 0xD5 : 0xFF; }

void gw_g711_encode(gw_g711_law law, const int16_t *in, uint8_t *out, size_t n) {
  switch (law) {
  case GW_G711_PCMU:
    for (size_t i = 0; i < n; i++) out[i] = gw_g711_ulaw_encode(in[i]);
    return;
  case GW_G711_PCMA:
    for (size_t i = 0; i < n; i++) out[i] = gw_g711_alaw_encode(in[i]);
    return;
  }
  for (size_t i = 0; i < n; i++) out[i] = gw_g711_silence(law);
}

void gw_g711_decode(gw_g711_law law, const uint8_t *in, int16_t *out, size_t n) {
  const int16_t *t = law == GW_G711_PCMU ? ulaw_to_linear
                     : law == GW_G711_PCMA ? alaw_to_linear
                                           : NULL;
  if (!t) {
    for (size_t i = 0; i < n; i++) out[i] = 0;
    return;
  }
  for (size_t i = 0; i < n; i++) out[i] = t[in[i]];
}

const char *gw_g711_law_name(gw_g711_law law) {
  switch (law) {
  case GW_G711_PCMU: return "PCMU";
  case GW_G711_PCMA: return "PCMA";
  }
  return NULL;
}

int gw_g711_law_parse(const char *name, gw_g711_law *out, gw_why *why) {
  if (strcasecmp(name, "PCMU") == 0) {
    *out = GW_G711_PCMU;
    return GW_OK;
  }
  if (strcasecmp(name, "PCMA") == 0) {
    *out = GW_G711_PCMA;
    return GW_OK;
  }
  return gw_fail(why, GW_EINVAL, "unknown G.711 law \"%.32s\" (expected PCMU or PCMA)", name);
}
