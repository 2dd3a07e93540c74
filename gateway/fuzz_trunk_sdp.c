/* libFuzzer: SDP from a trunk (INVITE offers, answers, re-INVITEs) through the gateway's own
 * reading of it: profile, codec and a=crypto selection. Nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "gateway/log.h"
#include "gateway/trunk_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static gw_config *cfg;
  if (!cfg) {
    gw_log_set_level(GW_LOG_ERROR);
    cfg = gw_config_new();
    gw_config_set(cfg, "trunk", "srtp", "optional", "fuzz", NULL);
    gw_config_set(cfg, "trunk", "srtp_suites", "AES_CM_128_HMAC_SHA1_80;AES_CM_128_HMAC_SHA1_32;AEAD_AES_128_GCM",
                  "fuzz", NULL);
  }
  char *text = g_strndup((const char *)data, size);
  gw_trunk_local local;
  gw_trunk_media m;
  if (gw_trunk_local_init(&local, cfg, "127.0.0.1", 20000, NULL) == GW_OK) {
    if (gw_trunk_offer_read(&local, text, &m, NULL) == GW_OK) {
      char *answer = NULL;
      if (gw_trunk_answer_write(&local, &m, &answer, NULL) == GW_OK) g_free(answer);
    }
    gw_trunk_answer_read(&local, text, &m, NULL);
  }
  g_free(text);
  return 0;
}
