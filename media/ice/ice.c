#include "media/ice/ice.h"

#include <nice/agent.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/log.h"

struct gw_ice {
  NiceAgent *agent;
  guint stream;
  gw_ice_callbacks cb;
  void *user;
  gw_ice_state state;
  gchar *ufrag, *pwd;
  char *bind_address, *public_address;
  gulong handlers[4];
};

static const char *type_name(NiceCandidateType t) {
  switch (t) {
  case NICE_CANDIDATE_TYPE_HOST: return "host";
  case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
  case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
  case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "none";
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer data) {
  gw_ice *ice = data;
  gchar *sdp = nice_agent_generate_local_candidate_sdp(agent, c); /* "a=candidate:..." */
  if (!sdp) return;
  const char *line = g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp;
  gchar *out = NULL;
  /* 1:1 NAT: the browser must reach the public address; the NAT maps it to ours. */
  if (ice->public_address && c->type == NICE_CANDIDATE_TYPE_HOST) {
    gchar **f = g_strsplit(line, " ", -1);
    if (g_strv_length(f) > 5 && strcmp(f[4], ice->bind_address) == 0) {
      g_free(f[4]);
      f[4] = g_strdup(ice->public_address);
      out = g_strjoinv(" ", f);
    }
    g_strfreev(f);
  }
  ice->cb.on_candidate(ice->user, out ? out : line);
  g_free(out);
  g_free(sdp);
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data) {
  gw_ice *ice = data;
  ice->cb.on_gathering_done(ice->user);
}

static void set_state(gw_ice *ice, gw_ice_state st) {
  if (st == ice->state) return;
  ice->state = st;
  ice->cb.on_state(ice->user, st);
}

static void on_state_changed(NiceAgent *agent, guint stream, guint component, guint state, gpointer data) {
  gw_ice *ice = data;
  switch (state) {
  case NICE_COMPONENT_STATE_CONNECTING: set_state(ice, GW_ICE_CHECKING); break;
  case NICE_COMPONENT_STATE_CONNECTED:
  case NICE_COMPONENT_STATE_READY: set_state(ice, GW_ICE_CONNECTED); break;
  case NICE_COMPONENT_STATE_FAILED: set_state(ice, GW_ICE_FAILED); break;
  default: break;
  }
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf, gpointer data) {
  gw_ice *ice = data;
  ice->cb.on_recv(ice->user, (uint8_t *)buf, len);
}

static int parse_hostport(const char *s, char **host, int *port) {
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s) return GW_EINVAL;
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || p < 1 || p > 65535) return GW_EINVAL;
  *host = g_strndup(s, (gsize)(colon - s));
  *port = (int)p;
  return GW_OK;
}

int gw_ice_new(const gw_ice_opts *o, const gw_ice_callbacks *cb, void *user, gw_ice **out, gw_why *why) {
  /* Full mode is libnice's default (no NICE_AGENT_OPTION_LITE_MODE). */
  NiceAgent *agent = nice_agent_new_full(o->context, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  if (!agent) return gw_fail(why, GW_EIO, "cannot create an ICE agent");
  g_object_set(agent, "controlling-mode", o->controlling, "upnp", FALSE, "ice-tcp", FALSE, "keepalive-conncheck",
               TRUE, NULL);
  if (o->stun_server) {
    char *host = NULL;
    int port = 0;
    if (parse_hostport(o->stun_server, &host, &port) != GW_OK) {
      g_object_unref(agent);
      return gw_fail(why, GW_EINVAL, "STUN server '%s' is not host:port", o->stun_server);
    }
    g_object_set(agent, "stun-server", host, "stun-server-port", port, NULL);
    g_free(host);
  }
  NiceAddress addr;
  if (!nice_address_set_from_string(&addr, o->bind_address)) {
    g_object_unref(agent);
    return gw_fail(why, GW_EINVAL, "media address '%s' is not an IP address", o->bind_address);
  }
  nice_agent_add_local_address(agent, &addr);

  gw_ice *ice = g_new0(gw_ice, 1);
  ice->agent = agent;
  ice->cb = *cb;
  ice->user = user;
  ice->bind_address = g_strdup(o->bind_address);
  ice->public_address = o->public_address ? g_strdup(o->public_address) : NULL;
  ice->stream = nice_agent_add_stream(agent, 1);
  nice_agent_set_stream_name(agent, ice->stream, "audio");
  nice_agent_set_port_range(agent, ice->stream, 1, (guint)o->port_min, (guint)o->port_max);
  nice_agent_get_local_credentials(agent, ice->stream, &ice->ufrag, &ice->pwd);
  ice->handlers[0] = g_signal_connect(agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
  ice->handlers[1] = g_signal_connect(agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
  ice->handlers[2] = g_signal_connect(agent, "component-state-changed", G_CALLBACK(on_state_changed), ice);
  nice_agent_attach_recv(agent, ice->stream, 1, o->context, on_recv, ice);
  *out = ice;
  return GW_OK;
}

void gw_ice_free(gw_ice *ice) {
  if (!ice) return;
  nice_agent_attach_recv(ice->agent, ice->stream, 1, NULL, NULL, NULL);
  for (int i = 0; i < 3; i++) g_signal_handler_disconnect(ice->agent, ice->handlers[i]);
  nice_agent_remove_stream(ice->agent, ice->stream);
  g_object_unref(ice->agent);
  g_free(ice->ufrag);
  g_free(ice->pwd);
  g_free(ice->bind_address);
  g_free(ice->public_address);
  g_free(ice);
}

const char *gw_ice_ufrag(const gw_ice *ice) { return ice->ufrag; }
const char *gw_ice_pwd(const gw_ice *ice) { return ice->pwd; }

int gw_ice_gather(gw_ice *ice, gw_why *why) {
  if (!nice_agent_gather_candidates(ice->agent, ice->stream))
    return gw_fail(why, GW_EIO, "ICE could not gather candidates (no usable port in the RTP range?)");
  return GW_OK;
}

static int check_credentials(const char *ufrag, const char *pwd, gw_why *why) {
  static const char ice_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (!ufrag || !pwd || strlen(ufrag) < 4 || strlen(pwd) < 22 || strlen(ufrag) > 256 || strlen(pwd) > 256)
    return gw_fail(why, GW_EINVAL, "ice-ufrag must have 4..256 and ice-pwd 22..256 characters");
  if (strspn(ufrag, ice_chars) != strlen(ufrag) || strspn(pwd, ice_chars) != strlen(pwd))
    return gw_fail(why, GW_EINVAL, "ice-ufrag and ice-pwd may only hold letters, digits, + and /");
  return GW_OK;
}

int gw_ice_set_local_credentials(gw_ice *ice, const char *ufrag, const char *pwd, gw_why *why) {
  int rc = check_credentials(ufrag, pwd, why);
  if (rc != GW_OK) return rc;
  if (!nice_agent_set_local_credentials(ice->agent, ice->stream, ufrag, pwd))
    return gw_fail(why, GW_EINVAL, "the ICE agent refused the local credentials");
  g_free(ice->ufrag);
  g_free(ice->pwd);
  ice->ufrag = g_strdup(ufrag);
  ice->pwd = g_strdup(pwd);
  return GW_OK;
}

int gw_ice_set_remote_credentials(gw_ice *ice, const char *ufrag, const char *pwd, gw_why *why) {
  int rc = check_credentials(ufrag, pwd, why);
  if (rc != GW_OK) return rc;
  if (!nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd))
    return gw_fail(why, GW_EINVAL, "the ICE agent refused the remote credentials");
  return GW_OK;
}

int gw_ice_add_remote_candidate(gw_ice *ice, const char *candidate, gw_why *why) {
  gchar *line = g_str_has_prefix(candidate, "a=") ? g_strdup(candidate) : g_strconcat("a=", candidate, NULL);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, line);
  g_free(line);
  if (!c) {
    if (strstr(candidate, ".local "))
      return gw_fail(why, GW_EUNSUPP, "mDNS candidate skipped (the browser hides its address)");
    return gw_fail(why, GW_EINVAL, "candidate not understood: %.80s", candidate);
  }
  int rc = GW_OK;
  if (c->component_id != 1) {
    rc = gw_fail(why, GW_EUNSUPP, "candidate for component %u skipped (rtcp-mux)", c->component_id);
  } else if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP) {
    rc = gw_fail(why, GW_EUNSUPP, "TCP candidate skipped");
  } else {
    GSList *l = g_slist_append(NULL, c);
    if (nice_agent_set_remote_candidates(ice->agent, ice->stream, 1, l) < 1)
      rc = gw_fail(why, GW_EINVAL, "the ICE agent refused candidate %.80s", candidate);
    g_slist_free(l);
  }
  nice_candidate_free(c);
  return rc;
}

void gw_ice_remote_gathering_done(gw_ice *ice) { nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream); }

int gw_ice_send(gw_ice *ice, const uint8_t *buf, size_t len) {
  gint n = nice_agent_send(ice->agent, ice->stream, 1, (guint)len, (const gchar *)buf);
  return n == (gint)len ? GW_OK : GW_EIO;
}

gw_ice_state gw_ice_get_state(const gw_ice *ice) { return ice->state; }

void gw_ice_selected_types(gw_ice *ice, const char **local, const char **remote) {
  NiceCandidate *l = NULL, *r = NULL;
  if (nice_agent_get_selected_pair(ice->agent, ice->stream, 1, &l, &r)) {
    *local = type_name(l->type);
    *remote = type_name(r->type);
  } else {
    *local = *remote = "none";
  }
}
