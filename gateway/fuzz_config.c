/* libFuzzer: the configuration parser and validator never crash on any file. */
#include <stddef.h>
#include <stdint.h>

#include "gateway/config.h"
#include "gateway/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gw_log_set_level(GW_LOG_ERROR);
  gw_config *c = gw_config_new();
  gw_why why;
  if (gw_config_load_data(c, (const char *)data, size, "fuzz", &why) == GW_OK) gw_config_validate(c, &why);
  gw_config_free(c);
  return 0;
}
