#include "signaling/ws_server.h"

#include <libwebsockets.h>
#include <string.h>

#include "gateway/log.h"
#include "signaling/http_files.h"

typedef struct {
  char *path;
  bool prefix;
  gw_http_handler fn;
  void *data;
} route;

struct gw_ws_server {
  struct lws_context *ctx;
  gw_ws_callbacks cb;
  void *app;
  char *web_root;
  GArray *routes; /* of route */
  void *foreign_loops[1];
};

struct gw_ws_conn {
  struct lws *wsi;
  gw_ws_server *server;
  void *session;
  GQueue out;       /* of GByteArray, each with LWS_PRE bytes of head room */
  GByteArray *rx;   /* the message being reassembled */
  int close_status; /* non-zero: close once the queue is empty */
  char close_reason[64];
  char peer[64];
};

/* Per-connection storage that libwebsockets allocates; HTTP uses the response fields. */
typedef struct {
  gw_ws_conn *conn;
  char *body;
  size_t body_len;
  size_t body_sent;
} pss_t;

static gw_ws_server *server_of(struct lws *wsi) {
  return lws_context_user(lws_get_context(wsi));
}

static void log_http(struct lws *wsi, const char *method, const char *path, int status) {
  char peer[64] = "?";
  lws_get_peer_simple(wsi, peer, sizeof peer);
  GW_INFO("HTTP %s %s -> %d (%s)", method, path, status, peer);
}

static int send_body(struct lws *wsi, pss_t *pss, int status, const char *ctype, char *body) {
  uint8_t hdr[LWS_PRE + 1024];
  uint8_t *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
  size_t len = body ? strlen(body) : 0;
  if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, (lws_filepos_t)len, &p, end) ||
      lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:", (const unsigned char *)"no-store",
                                  8, &p, end) ||
      lws_finalize_write_http_header(wsi, start, &p, end)) {
    g_free(body);
    return 1;
  }
  pss->body = body;
  pss->body_len = len;
  pss->body_sent = 0;
  lws_callback_on_writable(wsi);
  return 0;
}

static int write_body(struct lws *wsi, pss_t *pss) {
  if (!pss->body) return lws_http_transaction_completed(wsi) ? -1 : 0;
  size_t chunk = MIN(pss->body_len - pss->body_sent, (size_t)4096);
  uint8_t *buf = g_malloc(LWS_PRE + chunk);
  memcpy(buf + LWS_PRE, pss->body + pss->body_sent, chunk);
  bool last = pss->body_sent + chunk == pss->body_len;
  int n = lws_write(wsi, buf + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
  g_free(buf);
  if (n < (int)chunk) return -1;
  pss->body_sent += chunk;
  if (!last) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  g_clear_pointer(&pss->body, g_free);
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static const route *find_route(gw_ws_server *s, const char *path) {
  for (guint i = 0; i < s->routes->len; i++) {
    const route *r = &g_array_index(s->routes, route, i);
    if (r->prefix ? g_str_has_prefix(path, r->path) : strcmp(path, r->path) == 0) return r;
  }
  return NULL;
}

static int on_http(struct lws *wsi, pss_t *pss, const char *path) {
  gw_ws_server *s = server_of(wsi);
  bool is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
  if (!is_get) {
    log_http(wsi, "?", path, 405);
    return send_body(wsi, pss, 405, "application/json", g_strdup("{\"error\":\"method not allowed\"}"));
  }
  const route *r = find_route(s, path);
  if (r) {
    char auth[512] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) < (int)sizeof auth)
      lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
    gw_http_response resp = {500, "application/json", NULL};
    r->fn(r->data, path, auth, &resp);
    log_http(wsi, "GET", path, resp.status);
    return send_body(wsi, pss, resp.status, resp.content_type, resp.body);
  }
  char *fs_path = NULL;
  const char *mime = NULL;
  if (gw_http_resolve(s->web_root, path, &fs_path, &mime) != GW_OK) {
    log_http(wsi, "GET", path, 404);
    return send_body(wsi, pss, 404, "text/plain; charset=utf-8", g_strdup("not found\n"));
  }
  log_http(wsi, "GET", path, 200);
  int n = lws_serve_http_file(wsi, fs_path, mime, NULL, 0);
  g_free(fs_path);
  if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi))) return -1;
  return 0;
}

static gw_ws_conn *conn_new(struct lws *wsi, gw_ws_server *s) {
  gw_ws_conn *c = g_new0(gw_ws_conn, 1);
  c->wsi = wsi;
  c->server = s;
  c->rx = g_byte_array_new();
  g_queue_init(&c->out);
  lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
  return c;
}

static void conn_free(gw_ws_conn *c) {
  GByteArray *b;
  while ((b = g_queue_pop_head(&c->out))) g_byte_array_unref(b);
  g_byte_array_unref(c->rx);
  g_free(c);
}

static int on_receive(struct lws *wsi, gw_ws_conn *c, const void *in, size_t len) {
  if (c->rx->len + len > GW_WS_MAX_MESSAGE) {
    GW_WARN("WebSocket %s: message over %d bytes, closing with 1009", c->peer, GW_WS_MAX_MESSAGE);
    lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"message too large", 17);
    return -1;
  }
  g_byte_array_append(c->rx, in, (guint)len);
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) return 0;
  g_byte_array_append(c->rx, (const guint8 *)"", 1); /* NUL for the parser's convenience */
  c->server->cb.on_message(c->server->app, c->session, (const char *)c->rx->data, c->rx->len - 1);
  g_byte_array_set_size(c->rx, 0);
  return 0;
}

static int on_writable(struct lws *wsi, gw_ws_conn *c) {
  GByteArray *b = g_queue_pop_head(&c->out);
  if (b) {
    size_t len = b->len - LWS_PRE;
    int n = lws_write(wsi, b->data + LWS_PRE, len, LWS_WRITE_TEXT);
    g_byte_array_unref(b);
    if (n < (int)len) return -1;
  }
  if (!g_queue_is_empty(&c->out)) {
    lws_callback_on_writable(wsi);
  } else if (c->close_status) {
    lws_close_reason(wsi, (enum lws_close_status)c->close_status, (unsigned char *)c->close_reason,
                     strlen(c->close_reason));
    return -1;
  }
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  pss_t *pss = user;
  gw_ws_server *s;
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    return on_http(wsi, pss, in ? (const char *)in : "/");
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return write_body(wsi, pss);
  case LWS_CALLBACK_HTTP_FILE_COMPLETION:
    return lws_http_transaction_completed(wsi) ? -1 : 0;
  case LWS_CALLBACK_CLOSED_HTTP:
    if (pss) g_clear_pointer(&pss->body, g_free);
    break;
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    s = server_of(wsi);
    if (!s->cb.filter) break;
    char origin[256] = "", peer[64] = "?";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) < (int)sizeof origin)
      lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    lws_get_peer_simple(wsi, peer, sizeof peer);
    return s->cb.filter(s->app, peer, origin) ? 0 : 1;
  }
  case LWS_CALLBACK_ESTABLISHED: {
    s = server_of(wsi);
    char origin[256] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) < (int)sizeof origin)
      lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    gw_ws_conn *c = conn_new(wsi, s);
    c->session = s->cb.on_open(s->app, c, c->peer, origin);
    if (!c->session) {
      lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"refused", 7);
      conn_free(c);
      return -1;
    }
    pss->conn = c;
    break;
  }
  case LWS_CALLBACK_RECEIVE:
    return pss->conn ? on_receive(wsi, pss->conn, in, len) : -1;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return pss->conn ? on_writable(wsi, pss->conn) : 0;
  case LWS_CALLBACK_CLOSED:
    if (pss && pss->conn) {
      gw_ws_conn *c = pss->conn;
      pss->conn = NULL;
      c->server->cb.on_close(c->server->app, c->session);
      conn_free(c);
    }
    break;
  default:
    break;
  }
  return 0;
}

/* Protocol 0 takes plain HTTP and WebSockets that name no subprotocol; 1 is gateway.v1.
 * Both run the same callback, so a client gets the same service either way. */
static const struct lws_protocols protocols[] = {
  {"http", callback, sizeof(pss_t), GW_WS_MAX_MESSAGE, 0, NULL, 0},
  {GW_WS_SUBPROTOCOL, callback, sizeof(pss_t), GW_WS_MAX_MESSAGE, 0, NULL, 0},
  {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_bridge(int level, const char *line) {
  gchar *l = g_strchomp(g_strdup(line));
  if (level & LLL_ERR) GW_WARN("lws: %s", l);
  else GW_DEBUG("lws: %s", l);
  g_free(l);
}

int gw_ws_server_new(const gw_ws_server_opts *o, const gw_ws_callbacks *cb, void *app, gw_ws_server **out,
                     gw_why *why) {
  gw_ws_server *s = g_new0(gw_ws_server, 1);
  s->cb = *cb;
  s->app = app;
  s->web_root = g_strdup(o->web_root);
  s->routes = g_array_new(FALSE, TRUE, sizeof(route));
  s->foreign_loops[0] = o->loop;

  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_bridge);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = o->port;
  info.iface = o->bind_address;
  info.protocols = protocols;
  info.user = s;
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                 LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
  info.foreign_loops = s->foreign_loops;
  /* Without this lws listens on [::] whatever iface says; an IPv4 bind must stay on that address. */
  if (!strchr(o->bind_address, ':')) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.vhost_name = "gateway";
  info.ka_time = 30;
  info.ka_probes = 3;
  info.ka_interval = 10;
  info.timeout_secs = 20;
  if (o->tls) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.server_ssl_cert_mem = o->cert_pem;
    info.server_ssl_cert_mem_len = (unsigned)strlen(o->cert_pem);
    info.server_ssl_private_key_mem = o->key_pem;
    info.server_ssl_private_key_mem_len = (unsigned)strlen(o->key_pem);
  }
  s->ctx = lws_create_context(&info);
  if (!s->ctx) {
    gw_ws_server_free(s);
    return gw_fail(why, GW_EIO, "cannot listen on %s:%d for WebSocket/HTTP (port in use or address not local?)",
                   o->bind_address, o->port);
  }
  *out = s;
  return GW_OK;
}

void gw_ws_server_add_route(gw_ws_server *s, const char *path, gw_http_handler fn, void *data) {
  route r = {g_strdup(path), g_str_has_suffix(path, "/"), fn, data};
  g_array_append_val(s->routes, r);
}

void gw_ws_server_free(gw_ws_server *s) {
  if (!s) return;
  if (s->ctx) lws_context_destroy(s->ctx);
  for (guint i = 0; i < s->routes->len; i++) g_free(g_array_index(s->routes, route, i).path);
  g_array_free(s->routes, TRUE);
  g_free(s->web_root);
  g_free(s);
}

int gw_ws_send(gw_ws_conn *c, const char *text, size_t len) {
  if (c->close_status) return GW_ESTATE;
  GByteArray *b = g_byte_array_sized_new((guint)(LWS_PRE + len));
  g_byte_array_set_size(b, LWS_PRE);
  g_byte_array_append(b, (const guint8 *)text, (guint)len);
  g_queue_push_tail(&c->out, b);
  lws_callback_on_writable(c->wsi);
  return GW_OK;
}

void gw_ws_close(gw_ws_conn *c, int status, const char *reason) {
  c->close_status = status;
  g_strlcpy(c->close_reason, reason ? reason : "", sizeof c->close_reason);
  lws_callback_on_writable(c->wsi);
}

