/* The browser <-> gateway JSON protocol, version 1 (docs/protocol.md is the contract).
 *
 * Every incoming message is checked against one table (type -> members, JSON types, limits)
 * before any handler runs, so handlers only see well-formed requests. The rid rule (exactly one
 * reply per request carrying a rid) is enforced here, not by handlers. */
#ifndef GW_PROTO_H
#define GW_PROTO_H

#include <jansson.h>
#include <stdbool.h>

#include "gateway/err.h"

#define GW_PROTO_VERSION 1

typedef enum {
  GW_PE_BAD_REQUEST,
  GW_PE_UNAUTHORIZED,
  GW_PE_FORBIDDEN,
  GW_PE_NOT_FOUND,
  GW_PE_CONFLICT,
  GW_PE_BUSY,
  GW_PE_RATE_LIMITED,
  GW_PE_TOO_LARGE,
  GW_PE_UNAVAILABLE,
  GW_PE_INTERNAL,
} gw_perr;

const char *gw_perr_word(gw_perr e);

/* One request as a handler sees it. */
typedef struct {
  const char *type;
  json_t *msg;     /* borrowed; valid during the handler call */
  json_t *rid;     /* borrowed, or NULL */
  const char *call; /* the "call" member, when the type has one */
  /* Set by the handler on success: the reply (its "type" included), or NULL for {"type":"ok"}. */
  json_t *reply;
  /* Set by the handler to answer later with gw_proto_reply_later(); proto then sends nothing. */
  bool deferred;
  /* Set by the handler on failure. */
  gw_perr err;
  gw_why why;
} gw_proto_req;

/* A handler returns GW_OK (reply or deferred set) or a negative gw_rc (err and why set). */
typedef int (*gw_proto_fn)(void *app, void *session, gw_proto_req *req);

typedef struct {
  /* Sends one JSON text to the session's browser; text is g_malloc'd and taken. */
  void (*send)(void *app, void *session, char *text);
  gw_proto_fn hello, ping, register_user, call, candidate, hangup, dtmf, accept, reject;
} gw_proto_handlers;

/* Parses, validates and dispatches one message; sends the reply or an error through send(). */
void gw_proto_handle(const gw_proto_handlers *h, void *app, void *session, const char *text, size_t len);

/* Builds and sends a message for a request that was deferred: reply, or error when reply is NULL.
 * rid may be NULL. Takes ownership of reply. */
void gw_proto_reply_later(const gw_proto_handlers *h, void *app, void *session, json_t *rid, json_t *reply,
                          gw_perr err, const char *message, const char *call);

/* Serializes an event (no rid) and sends it. Takes ownership of msg. */
void gw_proto_send(const gw_proto_handlers *h, void *app, void *session, json_t *msg);

/* Writes the table of message types and members as a Markdown reference. */
void gw_proto_write_reference(FILE *out);

#endif
