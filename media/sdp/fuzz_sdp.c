/* libFuzzer: parse untrusted SDP; whatever parses must write, reparse, and write the same text.
 * Seeds: tests/fixtures/sdp/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "media/sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gw_sdp *a = NULL, *b = NULL;
  char *w1 = NULL, *w2 = NULL;
  size_t n1, n2;
  gw_why why;
  gw_sdp_candidate c;

  if (gw_sdp_parse_candidate((const char *)data, size, &c, &why) == GW_OK) {
    char *s = gw_sdp_candidate_to_string(&c);
    gw_sdp_candidate d;
    if (!s || gw_sdp_parse_candidate(s, strlen(s), &d, &why) != GW_OK) abort();
    gw_sdp_candidate_clear(&d);
    g_free(s);
  }
  gw_sdp_candidate_clear(&c);

  if (gw_sdp_parse((const char *)data, size, &a, &why) != GW_OK) {
    if (a || !why.msg[0]) abort();
    return 0;
  }
  if (gw_sdp_write(a, &w1, &n1, &why) != GW_OK) abort();
  /* Static payload types gain an a=rtpmap and LF becomes CRLF: the text may outgrow the limit. */
  if (n1 <= GW_SDP_MAX_SIZE) {
    if (gw_sdp_parse(w1, n1, &b, &why) != GW_OK) abort();
    if (gw_sdp_write(b, &w2, &n2, &why) != GW_OK || n1 != n2 || memcmp(w1, w2, n1) != 0) abort();
  }
  gw_sdp_free(a);
  gw_sdp_free(b);
  g_free(w1);
  g_free(w2);
  return 0;
}
