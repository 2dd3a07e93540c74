#include "gateway/sessions.h"

#include <glib.h>
#include <string.h>

#include "gateway/log.h"

struct gw_sessions {
  const gw_config *cfg;
  GHashTable *by_id; /* id -> gw_session, owned */
  bool draining;
  unsigned next_serial;
};

typedef struct {
  gw_sessions *owner;
  gw_ws_conn *conn; /* NULL once the socket is gone */
  char id[40];
  char *user;       /* set by hello (token) or register */
  bool greeted;
} gw_session;

static void session_free(gpointer p) {
  gw_session *s = p;
  g_free(s->user);
  g_free(s);
}

gw_sessions *gw_sessions_new(const gw_config *cfg) {
  gw_sessions *ss = g_new0(gw_sessions, 1);
  ss->cfg = cfg;
  ss->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, session_free);
  return ss;
}

void gw_sessions_free(gw_sessions *ss) {
  if (!ss) return;
  g_hash_table_destroy(ss->by_id);
  g_free(ss);
}

unsigned gw_sessions_count(const gw_sessions *ss) { return g_hash_table_size(ss->by_id); }
void gw_sessions_set_draining(gw_sessions *ss, bool draining) { ss->draining = draining; }

/* ---- protocol handlers ---- */

static void send_text(void *app, void *session, char *text) {
  gw_session *s = session;
  if (s->conn) {
    GW_DEBUG("ws %s >>> %s", s->id, text);
    gw_ws_send(s->conn, text, strlen(text));
  }
  g_free(text);
}

static int on_hello(void *app, void *session, gw_proto_req *req) {
  gw_session *s = session;
  s->greeted = true;
  req->reply = json_pack("{s:s, s:s, s:n, s:[], s:i}", "type", "welcome", "session", s->id, "user", "iceServers",
                         "version", GW_PROTO_VERSION);
  if (s->user) json_object_set_new(req->reply, "user", json_string(s->user));
  return GW_OK;
}

static int on_ping(void *app, void *session, gw_proto_req *req) {
  req->reply = json_pack("{s:s}", "type", "pong");
  return GW_OK;
}

static const gw_proto_handlers handlers = {
  .send = send_text,
  .hello = on_hello,
  .ping = on_ping,
};

/* ---- transport callbacks ---- */

static void *on_open(void *app, gw_ws_conn *conn, const char *peer, const char *origin) {
  gw_sessions *ss = app;
  gw_session *s = g_new0(gw_session, 1);
  s->owner = ss;
  s->conn = conn;
  /* A random part makes ids unguessable across restarts; the serial keeps them unique. */
  snprintf(s->id, sizeof s->id, "s-%08x%04x", g_random_int(), ++ss->next_serial & 0xffff);
  g_hash_table_insert(ss->by_id, s->id, s);
  GW_INFO("WebSocket connection from %s (origin %s), session %s", peer, *origin ? origin : "none", s->id);
  return s;
}

static void on_message(void *app, void *session, const char *text, size_t len) {
  gw_session *s = session;
  GW_DEBUG("ws %s <<< %.*s", s->id, (int)MIN(len, 2000), text);
  gw_proto_handle(&handlers, app, session, text, len);
}

static void on_close(void *app, void *session) {
  gw_sessions *ss = app;
  gw_session *s = session;
  s->conn = NULL;
  GW_INFO("WebSocket connection closed, session %s", s->id);
  g_hash_table_remove(ss->by_id, s->id);
}

static const gw_ws_callbacks ws_callbacks = {on_open, on_message, on_close};

const gw_ws_callbacks *gw_sessions_ws_callbacks(void) { return &ws_callbacks; }

void gw_sessions_healthz(void *data, const char *path, const char *authorization, gw_http_response *resp) {
  gw_sessions *ss = data;
  json_t *j = json_pack("{s:s, s:i, s:i, s:s}", "status", ss->draining ? "draining" : "ok", "sessions",
                        (int)gw_sessions_count(ss), "calls", 0, "version", GW_VERSION);
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  resp->status = ss->draining ? 503 : 200;
  resp->content_type = "application/json";
  resp->body = g_strdup(text);
  free(text);
}
