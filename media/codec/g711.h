/* G.711 PCMU (µ-law) and PCMA (A-law), bit-exact with ITU-T G.711 as implemented by the ITU-T
 * G.191 software tool library: 16-bit linear PCM is taken as 14-bit (µ-law) or 13-bit (A-law)
 * uniform PCM by dropping the low bits, negative values by one's complement, and decoding gives
 * the G.711 output value of the quantization interval, scaled back to 16 bits.
 *
 * Decoding is a 256-entry table lookup; encoding finds the segment with a count-leading-zeros
 * instruction, with no table. Everything here is pure and reentrant: no state, no init. */
#ifndef GW_MEDIA_CODEC_G711_H
#define GW_MEDIA_CODEC_G711_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

typedef enum {
  GW_G711_PCMU = 0, /* µ-law, RTP payload type 0 */
  GW_G711_PCMA = 8, /* A-law, RTP payload type 8 */
} gw_g711_law;

/* 20 ms at 8 kHz: one RTP packet's payload. */
#define GW_G711_FRAME 160

uint8_t gw_g711_ulaw_encode(int16_t x);
int16_t gw_g711_ulaw_decode(uint8_t code);
uint8_t gw_g711_alaw_encode(int16_t x);
int16_t gw_g711_alaw_decode(uint8_t code);

/* The code for digital silence (decodes to 0): 0xFF for µ-law, 0xD5 for A-law. */
uint8_t gw_g711_silence(gw_g711_law law);

/* n samples, in and out may not overlap. An unknown law encodes/decodes silence. */
void gw_g711_encode(gw_g711_law law, const int16_t *in, uint8_t *out, size_t n);
void gw_g711_decode(gw_g711_law law, const uint8_t *in, int16_t *out, size_t n);

/* "PCMU" / "PCMA"; NULL for anything else. */
const char *gw_g711_law_name(gw_g711_law law);
/* Case-insensitive "PCMU" or "PCMA" (the SDP rtpmap encoding names). */
int gw_g711_law_parse(const char *name, gw_g711_law *out, gw_why *why);

#endif
