#include <glib.h>
#include <string.h>

#include "signaling/proto.h"

/* What the protocol layer sent, parsed back. */
static GPtrArray *sent;
static int calls_seen;

static void capture(void *app, void *session, char *text) {
  json_t *j = json_loads(text, 0, NULL);
  g_assert_nonnull(j);
  g_ptr_array_add(sent, j);
  g_free(text);
}

static int h_ping(void *app, void *session, gw_proto_req *req) {
  req->reply = json_pack("{s:s}", "type", "pong");
  return GW_OK;
}

static int h_hangup(void *app, void *session, gw_proto_req *req) {
  calls_seen++;
  if (strcmp(req->call, "nope") == 0) {
    req->err = GW_PE_NOT_FOUND;
    return gw_fail(&req->why, GW_ENOTFOUND, "no call \"%s\"", req->call);
  }
  return GW_OK;
}

static int h_call(void *app, void *session, gw_proto_req *req) {
  req->deferred = true;
  return GW_OK;
}

static const gw_proto_handlers H = {.send = capture, .ping = h_ping, .hangup = h_hangup, .call = h_call};

static json_t *one(const char *text) {
  g_ptr_array_set_size(sent, 0);
  gw_proto_handle(&H, NULL, NULL, text, strlen(text));
  g_assert_cmpuint(sent->len, ==, 1);
  return sent->pdata[0];
}

static void expect_error(const char *text, const char *code, const char *fragment) {
  json_t *j = one(text);
  g_test_message("%s -> %s", text, json_string_value(json_object_get(j, "message")));
  g_assert_cmpstr(json_string_value(json_object_get(j, "type")), ==, "error");
  g_assert_cmpstr(json_string_value(json_object_get(j, "code")), ==, code);
  g_assert_nonnull(strstr(json_string_value(json_object_get(j, "message")), fragment));
}

static void test_rid_echo(void) {
  json_t *j = one("{\"type\":\"ping\",\"rid\":\"r1\"}");
  g_assert_cmpstr(json_string_value(json_object_get(j, "type")), ==, "pong");
  g_assert_cmpstr(json_string_value(json_object_get(j, "rid")), ==, "r1");
  j = one("{\"type\":\"ping\",\"rid\":42}");
  g_assert_cmpint(json_integer_value(json_object_get(j, "rid")), ==, 42);
  j = one("{\"type\":\"ping\"}");
  g_assert_null(json_object_get(j, "rid"));
  j = one("{\"type\":\"hangup\",\"call\":\"c1\",\"rid\":7}");
  g_assert_cmpstr(json_string_value(json_object_get(j, "type")), ==, "ok");
  g_assert_cmpint(json_integer_value(json_object_get(j, "rid")), ==, 7);
}

static void test_errors(void) {
  expect_error("{\"type\":", "bad-request", "malformed JSON");
  expect_error("[1,2]", "bad-request", "must be a JSON object");
  expect_error("{\"rid\":1}", "bad-request", "\"type\"");
  expect_error("{\"type\":5}", "bad-request", "\"type\"");
  expect_error("{\"type\":\"dance\"}", "bad-request", "unknown message type \"dance\"");
  expect_error("{\"type\":\"ping\",\"rid\":[1]}", "bad-request", "\"rid\" must be a string or a number");
  expect_error("{\"type\":\"hangup\"}", "bad-request", "member \"call\" is required");
  expect_error("{\"type\":\"hangup\",\"call\":7}", "bad-request", "member \"call\" must be a string");
  expect_error("{\"type\":\"hangup\",\"call\":\"a b\"}", "bad-request", "may only hold");
  expect_error("{\"type\":\"dtmf\",\"call\":\"c\",\"digits\":\"12x\"}", "bad-request", "may only hold");
  expect_error("{\"type\":\"candidate\",\"call\":\"c\",\"candidate\":\"x\"}", "bad-request", "object or null");
  expect_error("{\"type\":\"hangup\",\"call\":\"nope\"}", "not-found", "no call \"nope\"");
  expect_error("{\"type\":\"register\",\"user\":\"a\"}", "unavailable", "not available");
  expect_error("{\"type\":\"ping\",\"type\":\"pong\"}", "bad-request", "malformed JSON");
  json_t *j = one("{\"type\":\"hangup\",\"call\":\"nope\",\"rid\":\"x\"}");
  g_assert_cmpstr(json_string_value(json_object_get(j, "rid")), ==, "x");
  g_assert_cmpstr(json_string_value(json_object_get(j, "call")), ==, "nope");
}

static void test_deferred(void) {
  g_ptr_array_set_size(sent, 0);
  const char *t = "{\"type\":\"call\",\"call\":\"c1\",\"to\":\"echo\",\"sdp\":\"v=0\",\"rid\":3}";
  gw_proto_handle(&H, NULL, NULL, t, strlen(t));
  g_assert_cmpuint(sent->len, ==, 0);
  json_t *rid = json_integer(3);
  gw_proto_reply_later(&H, NULL, NULL, rid, NULL, GW_PE_BUSY, "all lines busy", "c1");
  json_decref(rid);
  g_assert_cmpuint(sent->len, ==, 1);
  json_t *j = sent->pdata[0];
  g_assert_cmpstr(json_string_value(json_object_get(j, "code")), ==, "busy");
  g_assert_cmpint(json_integer_value(json_object_get(j, "rid")), ==, 3);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  sent = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
  g_test_add_func("/proto/rid-echo", test_rid_echo);
  g_test_add_func("/proto/errors", test_errors);
  g_test_add_func("/proto/deferred", test_deferred);
  int rc = g_test_run();
  g_ptr_array_free(sent, TRUE);
  return rc;
}
