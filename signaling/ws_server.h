/* The control thread's HTTP + WebSocket listener (libwebsockets on the GLib main loop).
 *
 * It knows nothing of the JSON protocol: it hands complete text messages to on_message, serves
 * static files from web_root, and routes other GET paths to registered handlers. */
#ifndef GW_WS_SERVER_H
#define GW_WS_SERVER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "gateway/err.h"

#define GW_WS_MAX_MESSAGE (64 * 1024)
#define GW_WS_SUBPROTOCOL "gateway.v1"

typedef struct gw_ws_server gw_ws_server;
typedef struct gw_ws_conn gw_ws_conn;

typedef struct {
  /* Before the upgrade is accepted: false refuses it (the client sees the handshake fail). May be NULL. */
  bool (*filter)(void *app, const char *peer, const char *origin);
  /* A WebSocket was opened. Returns the session to pass to the other callbacks; NULL refuses. */
  void *(*on_open)(void *app, gw_ws_conn *conn, const char *peer, const char *origin);
  void (*on_message)(void *app, void *session, const char *text, size_t len);
  /* The connection is gone; the conn must not be used after this returns. */
  void (*on_close)(void *app, void *session);
} gw_ws_callbacks;

typedef struct {
  int status;
  const char *content_type;
  char *body; /* g_malloc'd; the server takes it */
} gw_http_response;

typedef void (*gw_http_handler)(void *data, const char *path, const char *authorization, gw_http_response *resp);

typedef struct {
  const char *bind_address;
  int port;
  bool tls;
  const char *cert_pem; /* with tls: certificate and key as PEM text */
  const char *key_pem;
  const char *web_root;
  GMainLoop *loop;
} gw_ws_server_opts;

int gw_ws_server_new(const gw_ws_server_opts *opts, const gw_ws_callbacks *cb, void *app, gw_ws_server **out,
                     gw_why *why);
/* Exact-path or, with a trailing '/', prefix route for GET. */
void gw_ws_server_add_route(gw_ws_server *s, const char *path, gw_http_handler fn, void *data);
void gw_ws_server_free(gw_ws_server *s);

/* Queues one text message; it is written when the socket is writable. */
int gw_ws_send(gw_ws_conn *conn, const char *text, size_t len);
/* Closes the WebSocket with a status code (RFC 6455) after what is queued. */
void gw_ws_close(gw_ws_conn *conn, int status, const char *reason);

#endif
