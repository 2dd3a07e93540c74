/* The browser leg of a call: ICE (libnice) + DTLS-SRTP + SRTP, on one media worker.
 *
 * Datagrams from ICE are demultiplexed by their first byte (RFC 7983): 20..63 DTLS, 128..191
 * RTP/RTCP (RTCP when the second byte is 192..223, RFC 5761). The leg hands decrypted RTP and
 * RTCP to its owner and protects what the owner sends. Worker thread only. */
#ifndef GW_WEBRTC_LEG_H
#define GW_WEBRTC_LEG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/dtls/dtls.h"
#include "media/ice/ice.h"

typedef struct gw_webrtc_leg gw_webrtc_leg;

typedef enum {
  GW_LEG_EV_CANDIDATE,      /* text: "candidate:..." */
  GW_LEG_EV_GATHERING_DONE,
  GW_LEG_EV_ICE_CONNECTED,  /* text: selected pair "host/host" */
  GW_LEG_EV_DTLS_CONNECTED, /* text: SRTP suite name */
  GW_LEG_EV_FAILED,         /* text: reason for a person; word: "ice-failed" or "dtls-failed" */
} gw_leg_event;

typedef struct {
  void (*on_event)(void *user, gw_leg_event ev, const char *word, const char *text);
  /* Decrypted RTP; buf may be modified and has room for SRTP overhead (cap). */
  void (*on_rtp)(void *user, uint8_t *buf, size_t len, size_t cap);
  void (*on_rtcp)(void *user, uint8_t *buf, size_t len);
} gw_leg_callbacks;

typedef struct {
  gw_ice_opts ice;
  gw_dtls_ctx *dtls_ctx;         /* shared; the leg takes its own reference */
  gw_dtls_role dtls_role;
  const char *remote_ufrag, *remote_pwd;
  const char *fingerprint_alg, *fingerprint;
  const char *local_ufrag, *local_pwd; /* NULL: libnice makes them */
  unsigned connect_timeout_ms;   /* ICE + DTLS must complete within this */
} gw_leg_opts;

int gw_webrtc_leg_new(const gw_leg_opts *o, const gw_leg_callbacks *cb, void *user, gw_webrtc_leg **out, gw_why *why);
void gw_webrtc_leg_free(gw_webrtc_leg *leg);

int gw_webrtc_leg_add_candidate(gw_webrtc_leg *leg, const char *candidate, gw_why *why);
void gw_webrtc_leg_end_of_candidates(gw_webrtc_leg *leg);

/* Protects and sends one RTP packet in place; buf must have room for the SRTP tag (cap). */
int gw_webrtc_leg_send_rtp(gw_webrtc_leg *leg, uint8_t *buf, size_t len, size_t cap);
int gw_webrtc_leg_send_rtcp(gw_webrtc_leg *leg, uint8_t *buf, size_t len, size_t cap);
bool gw_webrtc_leg_ready(const gw_webrtc_leg *leg); /* SRTP keys in place */
/* The selected pair's candidate types, local/remote ("host/relay"): it can change after connecting
 * (a peer-reflexive candidate later signalled as relay, a better pair nominated). */
void gw_webrtc_leg_pair(gw_webrtc_leg *leg, char *out, size_t cap);

#endif
