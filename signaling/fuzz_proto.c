/* libFuzzer: any WebSocket text goes through validation and dispatch without crashing. */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "gateway/log.h"
#include "signaling/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drop(void *app, void *session, char *text) { g_free(text); }

static int accept_all(void *app, void *session, gw_proto_req *req) { return GW_OK; }

static const gw_proto_handlers H = {
  .send = drop, .hello = accept_all, .ping = accept_all, .call = accept_all, .candidate = accept_all,
  .hangup = accept_all, .dtmf = accept_all, .accept = accept_all, .reject = accept_all,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gw_log_set_level(GW_LOG_ERROR);
  gw_proto_handle(&H, NULL, NULL, (const char *)data, size);
  return 0;
}
