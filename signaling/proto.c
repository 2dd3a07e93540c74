#include "signaling/proto.h"

#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "gateway/log.h"

static const char *const perr_words[] = {
  "bad-request", "unauthorized", "forbidden", "not-found", "conflict",
  "busy", "rate-limited", "too-large", "unavailable", "internal",
};

const char *gw_perr_word(gw_perr e) { return perr_words[e]; }

/* Member kinds: what JSON a member may hold. */
typedef enum { M_STRING, M_INT, M_OBJECT, M_OBJECT_OR_NULL } member_kind;

typedef struct {
  const char *name;
  member_kind kind;
  bool required;
  size_t max_len;      /* strings: bytes */
  const char *charset; /* strings: allowed characters, or NULL */
} member;

typedef struct {
  const char *type;
  size_t handler; /* offset of the handler in gw_proto_handlers */
  bool has_call;  /* carries "call" */
  member members[6];
} msg_spec;

#define H(f) offsetof(gw_proto_handlers, f)
#define CALL_ID {"call", M_STRING, true, 64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:"}
#define SDP_MAX 60000

/* The protocol, one line per request type (protocol.md). */
static const msg_spec specs[] = {
  {"hello", H(hello), false, {{"token", M_STRING, false, 4096, NULL}}},
  {"ping", H(ping), false, {{0}}},
  {"register", H(register_user), false, {{"user", M_STRING, true, 64, NULL}}},
  {"call", H(call), true,
   {CALL_ID, {"to", M_STRING, true, 64, NULL}, {"sdp", M_STRING, true, SDP_MAX, NULL},
    {"from", M_STRING, false, 64, NULL}, {"headers", M_OBJECT, false, 0, NULL}}},
  {"candidate", H(candidate), true, {CALL_ID, {"candidate", M_OBJECT_OR_NULL, true, 0, NULL}}},
  {"hangup", H(hangup), true, {CALL_ID}},
  {"dtmf", H(dtmf), true, {CALL_ID, {"digits", M_STRING, true, 32, "0123456789*#ABCDabcd"}}},
  {"accept", H(accept), true, {CALL_ID, {"sdp", M_STRING, true, SDP_MAX, NULL}}},
  {"reject", H(reject), true, {CALL_ID, {"code", M_INT, false, 0, NULL}}},
};

static const msg_spec *find_spec(const char *type) {
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++)
    if (strcmp(specs[i].type, type) == 0) return &specs[i];
  return NULL;
}

static int check_member(const member *m, json_t *v, gw_why *why) {
  if (!v) return m->required ? gw_fail(why, GW_EINVAL, "member \"%s\" is required", m->name) : GW_OK;
  switch (m->kind) {
  case M_STRING: {
    if (!json_is_string(v)) return gw_fail(why, GW_EINVAL, "member \"%s\" must be a string", m->name);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > m->max_len) return gw_fail(why, GW_EINVAL, "member \"%s\" is longer than %zu bytes", m->name, m->max_len);
    if (m->required && n == 0) return gw_fail(why, GW_EINVAL, "member \"%s\" must not be empty", m->name);
    if (strlen(s) != n) return gw_fail(why, GW_EINVAL, "member \"%s\" holds a NUL character", m->name);
    if (m->charset && strspn(s, m->charset) != n)
      return gw_fail(why, GW_EINVAL, "member \"%s\" may only hold the characters %s", m->name, m->charset);
    return GW_OK;
  }
  case M_INT:
    return json_is_integer(v) ? GW_OK : gw_fail(why, GW_EINVAL, "member \"%s\" must be an integer", m->name);
  case M_OBJECT:
    return json_is_object(v) ? GW_OK : gw_fail(why, GW_EINVAL, "member \"%s\" must be an object", m->name);
  case M_OBJECT_OR_NULL:
    return json_is_object(v) || json_is_null(v)
               ? GW_OK
               : gw_fail(why, GW_EINVAL, "member \"%s\" must be an object or null", m->name);
  }
  return GW_EINVAL;
}

static void send_json(const gw_proto_handlers *h, void *app, void *session, json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  /* json_dumps uses malloc; the send contract is g_malloc'd text. */
  char *copy = g_strdup(text);
  free(text);
  h->send(app, session, copy);
}

static json_t *error_msg(json_t *rid, gw_perr err, const char *message, const char *call) {
  json_t *e = json_pack("{s:s, s:s, s:s}", "type", "error", "code", gw_perr_word(err), "message", message);
  if (call) json_object_set_new(e, "call", json_string(call));
  if (rid) json_object_set(e, "rid", rid);
  return e;
}

void gw_proto_reply_later(const gw_proto_handlers *h, void *app, void *session, json_t *rid, json_t *reply,
                          gw_perr err, const char *message, const char *call) {
  json_t *m = reply ? reply : error_msg(rid, err, message, call);
  if (reply && rid) json_object_set(m, "rid", rid);
  send_json(h, app, session, m);
}

void gw_proto_send(const gw_proto_handlers *h, void *app, void *session, json_t *msg) {
  send_json(h, app, session, msg);
}

void gw_proto_handle(const gw_proto_handlers *h, void *app, void *session, const char *text, size_t len) {
  json_error_t jerr;
  gw_proto_req req;
  memset(&req, 0, sizeof req);
  json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!msg) {
    gw_fail(&req.why, GW_EINVAL, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    goto fail;
  }
  if (!json_is_object(msg)) {
    gw_fail(&req.why, GW_EINVAL, "a message must be a JSON object");
    goto fail;
  }
  req.msg = msg;
  json_t *rid = json_object_get(msg, "rid");
  if (rid && !json_is_string(rid) && !json_is_integer(rid) && !json_is_real(rid)) {
    gw_fail(&req.why, GW_EINVAL, "member \"rid\" must be a string or a number");
    goto fail;
  }
  req.rid = rid;
  json_t *type = json_object_get(msg, "type");
  if (!json_is_string(type)) {
    gw_fail(&req.why, GW_EINVAL, "member \"type\" (a string) is required");
    goto fail;
  }
  req.type = json_string_value(type);
  const msg_spec *spec = find_spec(req.type);
  if (!spec) {
    gw_fail(&req.why, GW_EINVAL, "unknown message type \"%.40s\"", req.type);
    goto fail;
  }
  for (const member *m = spec->members; m->name; m++) {
    if (check_member(m, json_object_get(msg, m->name), &req.why) != GW_OK) goto fail;
  }
  if (spec->has_call) req.call = json_string_value(json_object_get(msg, "call"));
  gw_proto_fn fn = *(const gw_proto_fn *)((const char *)h + spec->handler);
  if (!fn) {
    req.err = GW_PE_UNAVAILABLE;
    gw_fail(&req.why, GW_EUNSUPP, "\"%s\" is not available on this gateway yet", req.type);
    goto fail_coded;
  }
  if (fn(app, session, &req) != GW_OK) goto fail_coded;
  if (!req.deferred) {
    json_t *reply = req.reply ? req.reply : json_pack("{s:s}", "type", "ok");
    if (req.rid) json_object_set(reply, "rid", req.rid);
    send_json(h, app, session, reply);
  }
  json_decref(msg);
  return;
fail:
  req.err = GW_PE_BAD_REQUEST;
fail_coded:
  GW_DEBUG("request refused: %s: %s", gw_perr_word(req.err), req.why.msg);
  send_json(h, app, session, error_msg(req.rid, req.err, req.why.msg, req.call));
  json_decref(msg);
}

void gw_proto_write_reference(FILE *out) {
  static const char *const kinds[] = {"string", "integer", "object", "object or null"};
  fprintf(out, "| type | member | JSON type | required | limit |\n|---|---|---|---|---|\n");
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
    if (!specs[i].members[0].name) fprintf(out, "| `%s` | | | | |\n", specs[i].type);
    for (const member *m = specs[i].members; m->name; m++) {
      fprintf(out, "| `%s` | `%s` | %s | %s | ", specs[i].type, m->name, kinds[m->kind], m->required ? "yes" : "no");
      if (m->max_len) fprintf(out, "%zu bytes", m->max_len);
      if (m->charset) fprintf(out, "; characters `%s`", m->charset);
      fprintf(out, " |\n");
    }
  }
}
