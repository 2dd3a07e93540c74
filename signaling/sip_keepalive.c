/* OPTIONS keepalive toward the trunk: is the trunk there? One OPTIONS every interval, never two
 * at a time; the state goes to /healthz and /metrics, and each change to the log. */
#include "signaling/sip_priv.h"

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>

#include "gateway/log.h"

const char *gw_sip_trunk_state_name(gw_sip_trunk_state s) {
  static const char *const names[] = {"off", "unknown", "up", "down"};
  return names[s];
}

gw_sip_trunk_state gw_sip_ua_trunk_state(const gw_sip_ua *ua, const char **detail) {
  if (detail) *detail = ua->ka_detail;
  return ua->ka_state;
}

static gboolean ka_send(gpointer data) {
  gw_sip_ua *ua = data;
  if (ua->ka_pending || ua->shutdown_started) return G_SOURCE_CONTINUE; /* the last one is still out */
  ua->ka_pending = true;
  nua_options(ua->ka_nh, TAG_END());
  return G_SOURCE_CONTINUE;
}

int gw_sip_ua_keepalive(gw_sip_ua *ua, const char *target, unsigned interval_s, gw_why *why) {
  if (interval_s == 0) return GW_OK;
  if (ua->ka_nh) return gw_fail(why, GW_ESTATE, "the OPTIONS keepalive is already running");
  ua->ka_nh = nua_handle(ua->nua, NULL, NUTAG_URL(target), SIPTAG_TO_STR(target), TAG_END());
  if (!ua->ka_nh) return gw_fail(why, GW_ENOMEM, "cannot create the OPTIONS handle");
  ua->ka_state = GW_SIP_TRUNK_UNKNOWN;
  g_snprintf(ua->ka_detail, sizeof ua->ka_detail, "no answer yet");
  ua->ka_timer = g_timeout_add_seconds(interval_s, ka_send, ua);
  ka_send(ua);
  GW_INFO(">>> SIP OPTIONS keepalive to %s every %u s", target, interval_s);
  return GW_OK;
}

void gw_sip_keepalive_response(gw_sip_ua *ua, int status, const char *phrase) {
  if (status < 200) return;
  ua->ka_pending = false;
  /* Sofia answers 408 itself when timer F fires and 503 when the transport fails; a trunk that
   * says 503 is not taking calls either. Anything else came from a live trunk (even 404 or 405). */
  gw_sip_trunk_state now = status == 408 || status == 503 ? GW_SIP_TRUNK_DOWN : GW_SIP_TRUNK_UP;
  g_snprintf(ua->ka_detail, sizeof ua->ka_detail, "%d %s", status, phrase ? phrase : "");
  if (now == ua->ka_state) return;
  if (now == GW_SIP_TRUNK_UP)
    GW_INFO("SIP trunk is up: OPTIONS answered %d %s", status, phrase ? phrase : "");
  else
    GW_WARN("SIP trunk is down: OPTIONS got %d %s; calls to it will fail until it answers again", status,
            phrase ? phrase : "");
  ua->ka_state = now;
}

void gw_sip_keepalive_stop(gw_sip_ua *ua) {
  if (ua->ka_timer) g_source_remove(ua->ka_timer);
  ua->ka_timer = 0;
  if (ua->ka_nh) nua_handle_destroy(ua->ka_nh);
  ua->ka_nh = NULL;
}
