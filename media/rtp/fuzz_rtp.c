/* libFuzzer: the RTP header parser and the RTCP compound walker on untrusted bytes.
 * Whatever parses must account for every byte; nothing may be read outside the input.
 * Seeds: tests/fuzz/corpus/rtp/ (run: fuzz_rtp NEW_CORPUS_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/rtp). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp/rtcp.h"
#include "media/rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every byte handed out is read into this, so that ASan checks each one. */
static volatile uint32_t sink;

static void fuzz_rtp(const uint8_t *data, size_t size) {
  gw_rtp_header h;
  size_t hl = 0;
  int clear = gw_rtp_check_clear_header(data, size, &hl, NULL);
  if (gw_rtp_parse(data, size, &h, NULL) != GW_OK) return;
  if (clear != GW_OK || hl != h.header_len) abort();
  if (h.header_len + h.payload_len + h.pad_len != size) abort();
  if (h.payload != data + h.header_len) abort();
  gw_rtp_ext_iter it;
  if (gw_rtp_ext_iter_init(&it, &h) == GW_OK) {
    uint8_t id;
    const uint8_t *d;
    size_t n, seen = 0;
    while (gw_rtp_ext_next(&it, &id, &d, &n)) {
      if (d < h.ext || d + n > h.ext + h.ext_len || id == 0) abort();
      for (size_t i = 0; i < n; i++) sink ^= d[i];
      if (++seen > h.ext_len) abort(); /* each element takes at least one byte */
    }
  }
}

static void fuzz_rtcp(const uint8_t *data, size_t size) {
  gw_rtcp_iter it;
  if (gw_rtcp_iter_init(&it, data, size, NULL) != GW_OK) return;
  gw_rtcp_packet p;
  size_t total = 0;
  while (gw_rtcp_iter_next(&it, &p)) {
    if (p.data != data + total || p.len < 4 || p.len % 4 || p.pad_len > p.len - 4) abort();
    if (p.body < p.data + 4 || p.body + p.body_len != p.data + p.len - p.pad_len) abort();
    total += p.len;
    if (p.type == GW_RTCP_SR || p.type == GW_RTCP_RR) {
      for (unsigned i = 0; i < p.count; i++) {
        gw_rtcp_report_block rb;
        gw_rtcp_report_block_at(&p, i, &rb);
        sink ^= rb.ssrc ^ rb.dlsr;
      }
    } else if (p.type == GW_RTCP_SDES) {
      gw_rtcp_sdes_iter si;
      uint32_t ssrc;
      uint8_t type;
      const uint8_t *text;
      size_t n;
      gw_rtcp_sdes_iter_init(&si, &p);
      while (gw_rtcp_sdes_next(&si, &ssrc, &type, &text, &n)) {
        if (text < p.data || text + n > p.data + p.len) abort();
        for (size_t i = 0; i < n; i++) sink ^= text[i];
      }
    }
  }
  if (total != size) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size copy, so that ASan sees any read past the end. */
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  fuzz_rtp(copy, size);
  fuzz_rtcp(copy, size);
  free(copy);
  return 0;
}
