/* libFuzzer: number normalization (the "to" of every call) never crashes, and what it accepts is
 * short, starts with + or a digit/'*'/'#', and normalizes to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 80) return 0; /* the protocol caps "to" at 64 bytes */
  char in[81];
  memcpy(in, data, size);
  in[size] = '\0';
  static const char *const ccs[] = {"1", "44", NULL};
  for (size_t i = 0; i < 3; i++) {
    char out[GW_NUMBER_MAX], again[GW_NUMBER_MAX];
    gw_why why;
    if (gw_number_normalize(in, ccs[i], out, &why) != GW_OK) continue;
    if (strlen(out) >= GW_NUMBER_MAX || !out[0]) abort();
    if (gw_number_normalize(out, ccs[i], again, &why) != GW_OK || strcmp(out, again) != 0) abort();
  }
  return 0;
}
