/* The SIP-trunk side of SDP offer/answer: the gateway's offer (RTP/SAVP with a=crypto, or
 * RTP/AVP, per trunk policy; PCMU/PCMA; telephone-event/8000) and the trunk's answer; and the
 * reverse for offers from the trunk (inbound calls, re-INVITEs). Never writes ICE or DTLS. */
#ifndef GW_TRUNK_SDP_H
#define GW_TRUNK_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway/config.h"
#include "gateway/err.h"
#include "media/sdp/sdp.h"
#include "media/srtp/sdes.h"

#define GW_TRUNK_MAX_CRYPTO 3
#define GW_TRUNK_DTMF_PT 101

/* What the gateway offers (or answers) on the trunk leg. */
typedef struct {
  const char *address; /* c= */
  uint16_t port;       /* our RTP port; RTCP is port+1 */
  uint64_t sess_id, sess_version;
  gw_srtp_policy policy;
  gw_sdes_crypto crypto[GW_TRUNK_MAX_CRYPTO]; /* our keys, one per suite offered */
  unsigned n_crypto;
  char *const *codecs; /* "PCMU", "PCMA", in order */
  gw_sdp_dir dir;
} gw_trunk_local;

/* What was agreed with the trunk. */
typedef struct {
  char address[64];
  uint16_t port, rtcp_port;
  char codec[8];  /* "PCMU" or "PCMA" */
  uint8_t pt;
  int dtmf_pt;    /* -1: none */
  bool srtp;
  gw_sdes_crypto local;  /* our key for what we send (from our offer, the tag they chose) */
  gw_sdes_crypto remote; /* their key for what we receive */
  gw_sdp_dir dir;        /* their direction */
} gw_trunk_media;

/* Fills local->crypto with fresh keys for the configured suites (when policy is not off). */
int gw_trunk_local_init(gw_trunk_local *local, const gw_config *cfg, const char *address, uint16_t port,
                        gw_why *why);
int gw_trunk_offer_write(const gw_trunk_local *local, char **out, gw_why *why);
/* Reads the trunk's answer to our offer. */
int gw_trunk_answer_read(const gw_trunk_local *local, const char *sdp, gw_trunk_media *out, gw_why *why);
/* Reads an offer from the trunk and picks codec and crypto; local->crypto[0] becomes our key for
 * the chosen suite, then gw_trunk_answer_write() writes the answer. */
int gw_trunk_offer_read(gw_trunk_local *local, const char *sdp, gw_trunk_media *out, gw_why *why);
int gw_trunk_answer_write(const gw_trunk_local *local, const gw_trunk_media *agreed, char **out, gw_why *why);

#endif
