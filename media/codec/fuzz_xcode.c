/* libFuzzer: untrusted Opus packets from the browser into the browser -> trunk transcoder.
 *
 * Input: one byte of set-up (bit 0: path, bit 1: law, bits 2-3: converter), then packets, each
 * one length byte followed by that many bytes; length 0 is a lost packet, recovered from the
 * packet after it. Exercises the TOC/LBRR reader, decode, FEC, PLC and the resampler. */
#include <stddef.h>
#include <stdint.h>

#include "media/codec/opus.h"
#include "media/codec/xcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  gw_xcode_cfg cfg;
  gw_xcode_cfg_init(&cfg);
  cfg.path = (data[0] & 1) ? GW_XCODE_SAMPLERATE : GW_XCODE_OPUS_NATIVE;
  cfg.law = (data[0] & 2) ? GW_G711_PCMA : GW_G711_PCMU;
  cfg.converter = (gw_src_converter)((data[0] >> 2) % 3);
  gw_xcode *x = NULL;
  if (gw_xcode_new(&x, GW_XCODE_OPUS_TO_G711, &cfg, NULL) != GW_OK) return 0;
  size_t pos = 1;
  while (pos < size) {
    size_t len = data[pos++];
    if (len > size - pos) len = size - pos;
    const uint8_t *pkt = data + pos;
    pos += len;
    const uint8_t *next = NULL;
    size_t next_len = 0;
    if (len == 0 && pos < size) {
      next_len = data[pos];
      next = data + pos + 1;
      if (next_len > size - pos - 1) next_len = size - pos - 1;
    }
    (void)gw_opus_packet_has_fec(pkt, len);
    (void)gw_opus_packet_samples(pkt, len, 8000);
    uint8_t g711[GW_G711_FRAME];
    gw_xcode_frame_kind kind;
    (void)gw_xcode_opus_to_g711(x, len ? pkt : NULL, len, next, next_len, g711, &kind, NULL);
  }
  gw_xcode_free(x);
  return 0;
}
