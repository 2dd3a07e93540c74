#include "gateway/sessions.h"

#include <glib.h>
#include <string.h>

#include "gateway/calls.h"
#include "gateway/auth.h"
#include "gateway/log.h"
#include "gateway/number.h"
#include "gateway/policy.h"
#include "gateway/turn_creds.h"
#include "media/worker/worker.h"

struct gw_sessions {
  const gw_config *cfg;
  gw_calls *calls;
  gw_sip_ua *sip;
  gw_workers *workers;  /* not owned */
  GHashTable *per_ip;   /* peer address -> open WebSockets (GINT_TO_POINTER) */
  GHashTable *attempts; /* user key -> GQueue of call start times (us), for calls per minute */
  GHashTable *by_id; /* id -> gw_session, owned */
  bool draining;
  unsigned next_serial;
};

typedef struct {
  gw_sessions *owner;
  gw_ws_conn *conn; /* NULL once the socket is gone */
  char id[40];
  char *user;       /* set by hello (token) or register */
  bool registered, authed;
  gw_auth_claims claims; /* with authentication on, from the hello token */
  char peer[64];
  double tokens;         /* messages-per-second bucket */
  gint64 refill_us;
  GHashTable *calls; /* client call id -> call_ref, owned */
} gw_session;

/* The session's view of one of its calls. */
typedef struct {
  gw_call *call;
  json_t *rid;  /* of the call request, until the answer is sent */
  bool ringing; /* an inbound call not yet accepted here */
} call_ref;

static void call_ref_free(gpointer p) {
  call_ref *r = p;
  if (r->rid) json_decref(r->rid);
  g_free(r);
}

static void session_free(gpointer p) {
  gw_session *s = p;
  g_hash_table_destroy(s->calls);
  gw_auth_claims_clear(&s->claims);
  g_free(s->user);
  g_free(s);
}

static const gw_call_sink call_sink;


gw_sessions *gw_sessions_new(const gw_config *cfg, gw_sip_ua *sip, gw_workers *workers, gw_dtls_ctx *dtls) {
  gw_sessions *ss = g_new0(gw_sessions, 1);
  ss->cfg = cfg;
  ss->workers = workers;
  ss->calls = gw_calls_new(cfg, sip, workers, dtls, &call_sink, ss);
  ss->sip = sip;
  ss->per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  ss->attempts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_queue_free);
  ss->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, session_free);
  return ss;
}

void gw_sessions_free(gw_sessions *ss) {
  if (!ss) return;
  g_hash_table_destroy(ss->by_id);
  gw_calls_free(ss->calls);
  g_hash_table_destroy(ss->per_ip);
  g_hash_table_destroy(ss->attempts);
  g_free(ss);
}

unsigned gw_sessions_count(const gw_sessions *ss) { return g_hash_table_size(ss->by_id); }
void gw_sessions_set_draining(gw_sessions *ss, bool draining) {
  ss->draining = draining;
  gw_calls_set_draining(ss->calls, draining);
}

unsigned gw_sessions_calls(const gw_sessions *ss) { return gw_calls_active(ss->calls); }

void gw_sessions_end_calls(gw_sessions *ss) { gw_calls_end_all(ss->calls, "unavailable", "the gateway is shutting down"); }

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
  gw_sessions *ss0 = app;
  if (ss0->cfg->jwt_secret) {
    gw_auth_claims_clear(&s->claims);
    s->authed = false;
    const char *token = json_string_value(json_object_get(req->msg, "token"));
    if (gw_auth_verify(token, ss0->cfg->jwt_secret, g_get_real_time() / G_USEC_PER_SEC, &s->claims, &req->why) != GW_OK) {
      GW_WARN("session %s (%s): hello refused: %s", s->id, s->peer, req->why.msg);
      req->err = GW_PE_UNAUTHORIZED;
      return GW_EAUTH;
    }
    s->authed = true;
    g_free(s->user);
    s->user = g_strdup(s->claims.sub);
  }
  gw_sessions *ss = app;
  req->reply = json_pack("{s:s, s:s, s:n, s:o, s:i}", "type", "welcome", "session", s->id, "user", "iceServers",
                         gw_turn_ice_servers(ss->cfg, s->user ? s->user : s->id, g_get_real_time() / G_USEC_PER_SEC),
                         "version", GW_PROTO_VERSION);
  if (s->user) json_object_set_new(req->reply, "user", json_string(s->user));
  return GW_OK;
}

static int on_ping(void *app, void *session, gw_proto_req *req) {
  req->reply = json_pack("{s:s}", "type", "pong");
  return GW_OK;
}

/* With authentication on, everything but hello and ping needs a good token first. */
static bool authorized(const gw_sessions *ss, const gw_session *s, gw_proto_req *req) {
  if (!ss->cfg->jwt_secret || s->authed) return true;
  req->err = GW_PE_UNAUTHORIZED;
  gw_fail(&req->why, GW_EAUTH, "send hello with a valid token first");
  return false;
}

/* The key limits are counted under: the user, or the address when nobody is signed in. */
static const char *limit_key(const gw_session *s) { return s->user ? s->user : s->peer; }

static unsigned user_calls(gw_sessions *ss, const char *key) {
  unsigned n = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, ss->by_id);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (strcmp(limit_key(v), key) == 0) n += g_hash_table_size(((gw_session *)v)->calls);
  return n;
}

/* Admission: total and per-user concurrency (busy), attempts per minute (rate-limited). */
static int admit_call(gw_sessions *ss, gw_session *s, gw_proto_req *req) {
  const gw_config *cfg = ss->cfg;
  const char *key = limit_key(s);
  char who[96];
  g_snprintf(who, sizeof who, "session %s (%s)", s->id, key);
  int rc = gw_calls_admit(ss->calls, who, &req->why);
  if (rc != GW_OK) {
    req->err = rc == GW_ETOOBIG ? GW_PE_BUSY : GW_PE_UNAVAILABLE;
    return GW_ESTATE;
  }
  int per_user = cfg->max_calls_per_user;
  if (s->claims.max_calls > 0 && s->claims.max_calls < per_user) per_user = s->claims.max_calls;
  if (user_calls(ss, key) >= (unsigned)per_user) {
    req->err = GW_PE_BUSY;
    return gw_fail(&req->why, GW_ESTATE, "at most %d concurrent calls per user", per_user);
  }
  GQueue *q = g_hash_table_lookup(ss->attempts, key);
  if (!q) {
    q = g_queue_new();
    g_hash_table_insert(ss->attempts, g_strdup(key), q);
  }
  gint64 now = g_get_monotonic_time();
  while (!g_queue_is_empty(q) && now - GPOINTER_TO_SIZE(g_queue_peek_head(q)) * (gint64)1000 > 60 * G_USEC_PER_SEC)
    g_queue_pop_head(q);
  if (g_queue_get_length(q) >= (unsigned)cfg->calls_per_minute) {
    req->err = GW_PE_RATE_LIMITED;
    GW_WARN("session %s (%s): call refused: more than %d attempts per minute", s->id, key, cfg->calls_per_minute);
    return gw_fail(&req->why, GW_ESTATE, "more than %d call attempts per minute", cfg->calls_per_minute);
  }
  g_queue_push_tail(q, GSIZE_TO_POINTER((gsize)(now / 1000)));
  return GW_OK;
}

static call_ref *find_call(gw_session *s, gw_proto_req *req) {
  call_ref *r = g_hash_table_lookup(s->calls, req->call);
  if (!r) {
    req->err = GW_PE_NOT_FOUND;
    gw_fail(&req->why, GW_ENOTFOUND, "no call \"%s\" in this session", req->call);
  }
  return r;
}

/* The call message's "headers": X- names only, printable values, at most 16. */
static int x_headers(json_t *obj, char **out, gw_why *why) {
  if (!obj) return GW_OK;
  if (json_object_size(obj) > 16) return gw_fail(why, GW_EINVAL, "at most 16 headers");
  GString *h = g_string_new(NULL);
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    const char *val = json_string_value(v);
    bool name_ok = (k[0] == 'X' || k[0] == 'x') && k[1] == '-' && strlen(k) <= 64 &&
                   strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == strlen(k);
    bool val_ok = val && strlen(val) <= 256;
    for (const char *p = val; val_ok && *p; p++) val_ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
    if (!name_ok || !val_ok) {
      g_string_free(h, TRUE);
      return gw_fail(why, GW_EINVAL, "header \"%.64s\" must be an X- name with a printable string value", k);
    }
    g_string_append_printf(h, "%s%s: %s", h->len ? "\r\n" : "", k, val);
  }
  *out = g_string_free(h, FALSE);
  return GW_OK;
}

static int on_call(void *app, void *session, gw_proto_req *req) {
  gw_sessions *ss = app;
  gw_session *s = session;
  if (ss->draining) {
    req->err = GW_PE_UNAVAILABLE;
    return gw_fail(&req->why, GW_ESTATE, "the gateway is shutting down");
  }
  if (!authorized(ss, s, req)) return GW_EAUTH;
  const char *to0 = json_string_value(json_object_get(req->msg, "to"));
  /* The policy judges the number as the trunk will get it (gateway/number.h). */
  char number[GW_NUMBER_MAX];
  if (strcmp(to0, "echo") == 0) {
    g_strlcpy(number, to0, sizeof number);
  } else if (gw_number_normalize(to0, ss->cfg->trunk_country_code, number, &req->why) != GW_OK) {
    req->err = GW_PE_BAD_REQUEST;
    return GW_EINVAL;
  }
  if (gw_policy_check(ss->cfg, s->authed ? &s->claims : NULL, number, &req->why) != GW_OK) {
    GW_WARN("session %s (%s): call to %s (%s) refused: %s", s->id, limit_key(s), number, to0, req->why.msg);
    req->err = GW_PE_FORBIDDEN;
    return GW_EAUTH;
  }
  if (g_hash_table_contains(s->calls, req->call)) {
    req->err = GW_PE_CONFLICT;
    return gw_fail(&req->why, GW_ESTATE, "call id \"%s\" is already in use in this session", req->call);
  }
  if (admit_call(ss, s, req) != GW_OK) return GW_ESTATE;
  const char *to = number;
  const char *sdp = json_string_value(json_object_get(req->msg, "sdp"));
  char *headers = NULL;
  if (x_headers(json_object_get(req->msg, "headers"), &headers, &req->why) != GW_OK) {
    req->err = GW_PE_BAD_REQUEST;
    return GW_EINVAL;
  }
  gw_call *call = NULL;
  int rc = gw_call_start(ss->calls, s, req->call, to, sdp, headers, &call, &req->why);
  g_free(headers);
  if (rc != GW_OK) {
    req->err = rc == GW_EUNSUPP ? GW_PE_UNAVAILABLE : GW_PE_BAD_REQUEST;
    return rc;
  }
  call_ref *r = g_new0(call_ref, 1);
  r->call = call;
  r->rid = req->rid ? json_incref(req->rid) : NULL;
  g_hash_table_insert(s->calls, g_strdup(req->call), r);
  req->deferred = true; /* the answer follows from call control */
  return GW_OK;
}

static int on_candidate(void *app, void *session, gw_proto_req *req) {
  if (!authorized(app, session, req)) return GW_EAUTH;
  call_ref *r = find_call(session, req);
  if (!r) return GW_ENOTFOUND;
  json_t *cand = json_object_get(req->msg, "candidate");
  const char *line = NULL;
  if (json_is_object(cand)) {
    line = json_string_value(json_object_get(cand, "candidate"));
    if (!line) {
      req->err = GW_PE_BAD_REQUEST;
      return gw_fail(&req->why, GW_EINVAL, "member \"candidate.candidate\" must be a string");
    }
  }
  int rc = gw_call_add_candidate(r->call, line, &req->why);
  if (rc != GW_OK) req->err = GW_PE_BAD_REQUEST;
  return rc;
}

static int on_hangup(void *app, void *session, gw_proto_req *req) {
  if (!authorized(app, session, req)) return GW_EAUTH;
  call_ref *r = find_call(session, req);
  if (!r) return GW_ENOTFOUND;
  if (r->ringing) gw_call_reject(r->call, session, 480); /* ended() removes the ref */
  else gw_call_hangup(r->call, "normal");
  return GW_OK;
}

static int on_dtmf(void *app, void *session, gw_proto_req *req) {
  if (!authorized(app, session, req)) return GW_EAUTH;
  call_ref *r = find_call(session, req);
  if (!r) return GW_ENOTFOUND;
  int rc = gw_call_send_dtmf(r->call, json_string_value(json_object_get(req->msg, "digits")), &req->why);
  if (rc != GW_OK) req->err = GW_PE_CONFLICT;
  return rc;
}

static bool valid_user(const char *u) {
  return *u && strlen(u) <= 64 &&
         strspn(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-+") == strlen(u);
}

static int on_register(void *app, void *session, gw_proto_req *req) {
  gw_session *s = session;
  gw_sessions *ss = app;
  if (!authorized(ss, s, req)) return GW_EAUTH;
  const char *user = json_string_value(json_object_get(req->msg, "user"));
  if (ss->cfg->jwt_secret && (!s->claims.may_register || strcmp(user, s->claims.sub) != 0)) {
    req->err = GW_PE_FORBIDDEN;
    return gw_fail(&req->why, GW_EAUTH, "your token does not allow registering as %s", user);
  }
  if (!valid_user(user)) {
    req->err = GW_PE_BAD_REQUEST;
    return gw_fail(&req->why, GW_EINVAL, "a user name is 1..64 letters, digits or ._-+");
  }
  g_free(s->user);
  s->user = g_strdup(user);
  s->registered = true;
  GW_INFO("session %s registered as %s", s->id, user);
  req->reply = json_pack("{s:s, s:s}", "type", "registered", "user", user);
  return GW_OK;
}

/* The session's ringing inbound call the request names, or NULL with the error set. */
static call_ref *ringing_call(gw_session *s, gw_proto_req *req) {
  call_ref *r = find_call(s, req);
  if (r && !r->ringing) {
    req->err = GW_PE_CONFLICT;
    gw_fail(&req->why, GW_ESTATE, "call \"%s\" is not ringing", req->call);
    return NULL;
  }
  return r;
}

static int on_accept(void *app, void *session, gw_proto_req *req) {
  if (!authorized(app, session, req)) return GW_EAUTH;
  call_ref *r = ringing_call(session, req);
  if (!r) return GW_ESTATE;
  int rc = gw_call_accept(r->call, session, json_string_value(json_object_get(req->msg, "sdp")), &req->why);
  if (rc != GW_OK) {
    req->err = rc == GW_ESTATE ? GW_PE_CONFLICT : GW_PE_BAD_REQUEST;
    return rc;
  }
  r->ringing = false;
  return GW_OK;
}

static int on_reject(void *app, void *session, gw_proto_req *req) {
  if (!authorized(app, session, req)) return GW_EAUTH;
  call_ref *r = ringing_call(session, req);
  if (!r) return GW_ESTATE;
  json_t *code = json_object_get(req->msg, "code");
  gw_call_reject(r->call, session, code && json_integer_value(code) == 603 ? 603 : 486);
  return GW_OK;
}

static const gw_proto_handlers handlers = {
  .send = send_text,
  .hello = on_hello,
  .ping = on_ping,
  .call = on_call,
  .candidate = on_candidate,
  .hangup = on_hangup,
  .register_user = on_register,
  .dtmf = on_dtmf,
  .accept = on_accept,
  .reject = on_reject,
};

/* ---- call control -> browser ---- */

static void send_event(gw_session *s, json_t *msg) { gw_proto_send(&handlers, s->owner, s, msg); }

static void sink_answer(void *owner, gw_call *call, const char *sdp) {
  gw_session *s = owner;
  call_ref *r = g_hash_table_lookup(s->calls, gw_call_client_id(call));
  json_t *m = json_pack("{s:s, s:s, s:s}", "type", "answer", "call", gw_call_client_id(call), "sdp", sdp);
  gw_proto_reply_later(&handlers, s->owner, s, r ? r->rid : NULL, m, 0, NULL, NULL);
  if (r && r->rid) g_clear_pointer(&r->rid, json_decref);
}

static void sink_candidate(void *owner, gw_call *call, const char *candidate) {
  json_t *c = candidate ? json_pack("{s:s, s:s, s:i}", "candidate", candidate, "sdpMid", "0", "sdpMLineIndex", 0)
                        : json_null();
  send_event(owner, json_pack("{s:s, s:s, s:o}", "type", "candidate", "call", gw_call_client_id(call), "candidate", c));
}

static void sink_progress(void *owner, gw_call *call, const char *status) {
  send_event(owner, json_pack("{s:s, s:s, s:s}", "type", "progress", "call", gw_call_client_id(call), "status", status));
}

static void sink_answered(void *owner, gw_call *call) {
  send_event(owner, json_pack("{s:s, s:s}", "type", "answered", "call", gw_call_client_id(call)));
}

static void sink_hold(void *owner, gw_call *call, bool held) {
  send_event(owner, held ? json_pack("{s:s, s:s, s:s}", "type", "held", "call", gw_call_client_id(call), "by", "remote")
                         : json_pack("{s:s, s:s}", "type", "resumed", "call", gw_call_client_id(call)));
}

static void sink_ended(void *owner, gw_call *call, const char *by, int code, const char *reason, const char *detail) {
  gw_session *s = owner;
  const char *id = gw_call_client_id(call);
  call_ref *r = g_hash_table_lookup(s->calls, id);
  if (r && r->rid) {
    /* Still unanswered: the request itself fails, as exactly one reply per rid is due. */
    gw_proto_reply_later(&handlers, s->owner, s, r->rid, NULL, GW_PE_UNAVAILABLE, detail ? detail : reason, id);
    g_clear_pointer(&r->rid, json_decref);
  }
  if (strcmp(by, "local") != 0 || strcmp(reason, "normal") != 0) {
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "type", "hangup", "call", id, "by", by, "reason", reason);
    if (code) json_object_set_new(m, "code", json_integer(code));
    if (detail) json_object_set_new(m, "message", json_string(detail));
    if (s->conn) send_event(s, m);
    else json_decref(m);
  }
  g_hash_table_remove(s->calls, id);
}

static void sink_ring(void *app, const char *user, gw_call *call, const char *from, const char *to, const char *sdp) {
  gw_sessions *ss = app;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, ss->by_id);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    gw_session *s = v;
    if (!s->registered || !s->conn || strcmp(s->user, user) != 0) continue;
    call_ref *r = g_new0(call_ref, 1);
    r->call = call;
    r->ringing = true;
    g_hash_table_insert(s->calls, g_strdup(gw_call_client_id(call)), r);
    gw_call_add_ringing(call, s);
    send_event(s, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "incoming", "call", gw_call_client_id(call), "from",
                            from, "to", to, "sdp", sdp));
  }
}

static void sink_dtmf(void *owner, gw_call *call, const char *digit) {
  send_event(owner, json_pack("{s:s, s:s, s:s}", "type", "dtmf", "call", gw_call_client_id(call), "digit", digit));
}

static const gw_call_sink call_sink = {sink_answer, sink_candidate, sink_progress, sink_answered, sink_hold,
                                       sink_dtmf, sink_ring, sink_ended};

/* ---- transport callbacks ---- */

static bool origin_allowed(const gw_config *cfg, const char *origin) {
  if (!cfg->allowed_origins || !cfg->allowed_origins[0]) return true;
  for (char **o = cfg->allowed_origins; *o; o++)
    if (strcmp(*o, origin) == 0) return true;
  return false;
}

static bool on_filter(void *app, const char *peer, const char *origin) {
  gw_sessions *ss = app;
  if (!origin_allowed(ss->cfg, origin)) {
    GW_WARN("WebSocket from %s refused: origin '%s' is not in [auth] allowed_origins", peer, origin);
    return false;
  }
  int open_here = GPOINTER_TO_INT(g_hash_table_lookup(ss->per_ip, peer));
  if (open_here >= ss->cfg->ws_per_ip) {
    GW_WARN("WebSocket from %s refused: %d connections already open from there ([limits] ws_per_ip)", peer, open_here);
    return false;
  }
  return true;
}

static void *on_open(void *app, gw_ws_conn *conn, const char *peer, const char *origin) {
  gw_sessions *ss = app;
  int open_here = GPOINTER_TO_INT(g_hash_table_lookup(ss->per_ip, peer));
  g_hash_table_insert(ss->per_ip, g_strdup(peer), GINT_TO_POINTER(open_here + 1));
  gw_session *s = g_new0(gw_session, 1);
  g_strlcpy(s->peer, peer, sizeof s->peer);
  s->tokens = ss->cfg->msgs_per_second;
  s->refill_us = g_get_monotonic_time();
  s->owner = ss;
  s->conn = conn;
  s->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, call_ref_free);
  /* A random part makes ids unguessable across restarts; the serial keeps them unique. */
  snprintf(s->id, sizeof s->id, "s-%08x%04x", g_random_int(), ++ss->next_serial & 0xffff);
  g_hash_table_insert(ss->by_id, s->id, s);
  GW_INFO("WebSocket connection from %s (origin %s), session %s", peer, *origin ? origin : "none", s->id);
  return s;
}

static void on_message(void *app, void *session, const char *text, size_t len) {
  gw_session *s = session;
  gw_sessions *ss = app;
  /* A token bucket: messages_per_second, with a burst of as many. */
  gint64 now = g_get_monotonic_time();
  s->tokens = MIN((double)ss->cfg->msgs_per_second,
                  s->tokens + (double)(now - s->refill_us) * ss->cfg->msgs_per_second / G_USEC_PER_SEC);
  s->refill_us = now;
  if (s->tokens < 1) {
    gw_proto_reply_later(&handlers, app, s, NULL, NULL, GW_PE_RATE_LIMITED, "too many messages: slow down", NULL);
    return;
  }
  s->tokens -= 1;
  GW_DEBUG("ws %s <<< %.*s", s->id, (int)MIN(len, 2000), text);
  gw_proto_handle(&handlers, app, session, text, len);
}

static void on_close(void *app, void *session) {
  gw_sessions *ss = app;
  gw_session *s = session;
  s->conn = NULL;
  GW_INFO("WebSocket connection closed, session %s", s->id);
  int open_here = GPOINTER_TO_INT(g_hash_table_lookup(ss->per_ip, s->peer));
  if (open_here <= 1) g_hash_table_remove(ss->per_ip, s->peer);
  else g_hash_table_insert(ss->per_ip, g_strdup(s->peer), GINT_TO_POINTER(open_here - 1));
  /* Until calls survive a reconnect, a closed session hangs up what it owns. */
  GList *refs = g_hash_table_get_values(s->calls);
  for (GList *l = refs; l; l = l->next) {
    call_ref *r = l->data;
    if (r->ringing) gw_call_reject(r->call, s, 480);
    else gw_call_hangup(r->call, "normal");
  }
  g_list_free(refs);
  g_hash_table_remove(ss->by_id, s->id);
}

static const gw_ws_callbacks ws_callbacks = {on_filter, on_open, on_message, on_close};

const gw_ws_callbacks *gw_sessions_ws_callbacks(void) { return &ws_callbacks; }

void gw_sessions_healthz(void *data, const char *path, const char *authorization, gw_http_response *resp) {
  gw_sessions *ss = data;
  const char *reg_detail = NULL;
  gw_sip_reg_state reg = gw_sip_ua_reg_state(ss->sip, &reg_detail);
  const char *ka_detail = NULL;
  gw_sip_trunk_state ka = gw_sip_ua_trunk_state(ss->sip, &ka_detail);
  json_t *j = json_pack("{s:s, s:i, s:i, s:s, s:{s:s, s:s, s:s, s:s}}", "status", ss->draining ? "draining" : "ok",
                        "sessions", (int)gw_sessions_count(ss), "calls", (int)gw_calls_active(ss->calls), "version",
                        GW_VERSION, "trunk", "registration", gw_sip_reg_state_name(reg), "detail",
                        reg_detail ? reg_detail : "", "options", gw_sip_trunk_state_name(ka), "options_detail",
                        ka_detail ? ka_detail : "");
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  resp->status = ss->draining ? 503 : 200;
  resp->content_type = "application/json";
  resp->body = g_strdup(text);
  free(text);
}

/* ---- operators' endpoints ---- */

/* With an admin token configured, the request must carry "Bearer <token>" (compared in constant time). */
static bool admin_ok(const gw_sessions *ss, const char *authorization, gw_http_response *resp) {
  const char *tok = ss->cfg->admin_token;
  if (!tok) return true;
  bool ok = g_str_has_prefix(authorization, "Bearer ") && strlen(authorization + 7) == strlen(tok);
  if (ok) {
    unsigned char diff = 0;
    for (size_t i = 0; tok[i]; i++) diff |= (unsigned char)(authorization[7 + i] ^ tok[i]);
    ok = diff == 0;
  }
  if (!ok) {
    resp->status = 401;
    resp->content_type = "application/json";
    resp->body = g_strdup("{\"error\":\"unauthorized\",\"message\":\"send Authorization: Bearer <admin token>\"}");
  }
  return ok;
}

static char *dump(json_t *j) {
  char *t = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
  char *copy = g_strdup(t);
  free(t);
  json_decref(j);
  return copy;
}

void gw_sessions_api_calls(void *data, const char *path, const char *authorization, gw_http_response *resp) {
  gw_sessions *ss = data;
  if (!admin_ok(ss, authorization, resp)) return;
  resp->content_type = "application/json";
  const char *id = g_str_has_prefix(path, "/api/calls/") ? path + strlen("/api/calls/") : NULL;
  json_t *j = gw_calls_json(ss->calls, id && *id ? id : NULL);
  if (!j) {
    resp->status = 404;
    resp->body = g_strdup("{\"error\":\"not-found\",\"message\":\"no such call\"}");
    return;
  }
  resp->status = 200;
  resp->body = dump(j);
}

void gw_sessions_metrics(void *data, const char *path, const char *authorization, gw_http_response *resp) {
  gw_sessions *ss = data;
  if (!admin_ok(ss, authorization, resp)) return;
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "# HELP gw_sessions Browser sessions connected.\n# TYPE gw_sessions gauge\ngw_sessions %u\n",
                         gw_sessions_count(ss));
  g_string_append_printf(out, "# HELP gw_draining 1 while the gateway refuses new calls.\n# TYPE gw_draining gauge\n"
                              "gw_draining %d\n", ss->draining ? 1 : 0);
  gw_sip_reg_state reg = gw_sip_ua_reg_state(ss->sip, NULL);
  g_string_append(out, "# HELP gw_trunk_registered 1 while the trunk registration is in force.\n"
                       "# TYPE gw_trunk_registered gauge\n");
  g_string_append_printf(out, "gw_trunk_registered %d\n", reg == GW_SIP_REG_REGISTERED ? 1 : 0);
  gw_sip_trunk_state ka = gw_sip_ua_trunk_state(ss->sip, NULL);
  if (ka != GW_SIP_TRUNK_OFF)
    g_string_append_printf(out, "# HELP gw_trunk_up 1 while the trunk answers the OPTIONS keepalive.\n"
                                "# TYPE gw_trunk_up gauge\ngw_trunk_up %d\n", ka == GW_SIP_TRUNK_UP ? 1 : 0);
  g_string_append(out, "# HELP gw_worker_cpu_percent CPU use of each media worker thread over the last second "
                       "(percent of one core).\n# TYPE gw_worker_cpu_percent gauge\n");
  for (unsigned i = 0; i < gw_workers_count(ss->workers); i++)
    g_string_append_printf(out, "gw_worker_cpu_percent{worker=\"%u\"} %.3f\n", i,
                           gw_worker_cpu_percent(gw_workers_at(ss->workers, i)));
  g_string_append(out, "# HELP gw_worker_calls Calls whose media each worker carries.\n# TYPE gw_worker_calls gauge\n");
  for (unsigned i = 0; i < gw_workers_count(ss->workers); i++)
    g_string_append_printf(out, "gw_worker_calls{worker=\"%u\"} %u\n", i, gw_worker_calls(gw_workers_at(ss->workers, i)));
  gw_calls_prometheus(ss->calls, out);
  resp->status = 200;
  resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
  resp->body = g_string_free(out, FALSE);
}
