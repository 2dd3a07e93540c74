/* The browser side of SDP offer/answer: what the gateway accepts from a WebRTC offer, and the
 * answer it writes back (ICE full, DTLS-SRTP, rtcp-mux, one audio stream; other m-lines refused
 * with port 0). Never puts a=crypto toward a browser. */
#ifndef GW_BROWSER_SDP_H
#define GW_BROWSER_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway/err.h"
#include "media/dtls/dtls.h"
#include "media/sdp/sdp.h"

/* What the gateway took from a browser's offer. Pointers borrow from the parsed offer. */
typedef struct {
  size_t audio_index;          /* which m= line is the audio we answer */
  const gw_sdp_media *audio;
  const gw_sdp_codec *codec;   /* the codec chosen: opus/48000/2, PCMU/8000 or PCMA/8000 */
  const gw_sdp_codec *dtmf;    /* telephone-event at the codec's clock, or NULL */
  const char *ufrag, *pwd;
  const gw_sdp_fingerprint *fingerprint;
  gw_dtls_role our_role;       /* server (a=setup:passive) unless the browser insists on passive */
  gw_sdp_dir their_dir;
} gw_browser_offer;

/* Checks a parsed offer and picks the codec (the browser's order among those we support).
 * Failure reasons are for a person: "the offer has no audio m= line", ... */
int gw_browser_offer_inspect(const gw_sdp *offer, gw_browser_offer *out, gw_why *why);

typedef struct {
  const char *ufrag, *pwd;
  const char *fingerprint;      /* our sha-256 */
  const char *address;          /* c= address */
  uint32_t ssrc;
  const char *cname;
  char *const *candidates;      /* "candidate:..." (may be NULL) */
  bool end_of_candidates;
} gw_browser_answer_params;

/* Writes the answer SDP (g_malloc'd text). */
int gw_browser_answer_write(const gw_sdp *offer, const gw_browser_offer *sel, const gw_browser_answer_params *p,
                            char **out, gw_why *why);

/* The gateway as offerer toward the browser (inbound calls): one audio m= line with Opus, PCMU,
 * PCMA and telephone-event, ICE with trickle (candidates follow as messages), DTLS actpass. */
typedef struct {
  const char *ufrag, *pwd, *fingerprint, *address, *cname;
  uint32_t ssrc;
  uint64_t sess_id;
} gw_browser_offer_params;

int gw_browser_offer_write(const gw_browser_offer_params *p, char **out, gw_why *why);

/* Reads the browser's answer to that offer into sel (as inspect does for offers); the browser's
 * a=setup (active or passive) decides our DTLS role. */
int gw_browser_answer_inspect(const gw_sdp *answer, gw_browser_offer *sel, gw_why *why);

#endif
