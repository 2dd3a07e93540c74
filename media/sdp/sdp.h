/* SDP (RFC 8866) for both legs of the gateway: a parsed model, a builder and a writer.
 *
 * Ownership: a gw_sdp owns every string and array inside it, and gw_sdp_free() releases all of
 * it. Strings are NUL-terminated and g_malloc'd; NULL means "not given". Change a string field
 * with gw_sdp_set_str().
 *
 * Input is untrusted (browsers, SIP trunks). gw_sdp_parse() enforces the limits below and
 * reports the first problem as GW_EINVAL, with one sentence naming the line, e.g.
 * "line 7: m= port 'abc' is not a number".
 *
 * Media-level ICE credentials, fingerprint, setup, direction and c= fall back to the session
 * level; use the *_of() accessors to get the effective value. */
#ifndef GW_MEDIA_SDP_H
#define GW_MEDIA_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

enum {
  GW_SDP_MAX_SIZE = 64 * 1024, /* bytes of SDP text */
  GW_SDP_MAX_LINE = 2048,      /* bytes of one line */
  GW_SDP_MAX_TOKEN = 256,      /* bytes of one word: address, ufrag, codec name, ... */
  GW_SDP_MAX_MEDIA = 16,       /* m= lines */
  GW_SDP_MAX_FORMATS = 64,     /* formats on one m= line */
  GW_SDP_MAX_CANDIDATES = 64,  /* per section */
  GW_SDP_MAX_ATTRS = 256,      /* a= and b= lines per section (session or media) */
};

/* NONE: the section does not say; gw_sdp_dir_of() then gives the session's, else SENDRECV. */
typedef enum { GW_SDP_DIR_NONE = 0, GW_SDP_SENDRECV, GW_SDP_SENDONLY, GW_SDP_RECVONLY, GW_SDP_INACTIVE } gw_sdp_dir;
typedef enum { GW_SDP_SETUP_NONE = 0, GW_SDP_ACTPASS, GW_SDP_ACTIVE, GW_SDP_PASSIVE, GW_SDP_HOLDCONN } gw_sdp_setup;
typedef enum { GW_SDP_HOST = 0, GW_SDP_SRFLX, GW_SDP_PRFLX, GW_SDP_RELAY } gw_sdp_cand_type;
typedef enum { GW_SDP_UDP = 0, GW_SDP_TCP } gw_sdp_transport;
typedef enum { GW_SDP_TCP_NONE = 0, GW_SDP_TCP_ACTIVE, GW_SDP_TCP_PASSIVE, GW_SDP_TCP_SO } gw_sdp_tcptype;
typedef enum {
  GW_SDP_PROFILE_OTHER = 0,
  GW_SDP_RTP_AVP,    /* RTP/AVP: plain RTP, or SDES when a=crypto is present */
  GW_SDP_RTP_AVPF,
  GW_SDP_RTP_SAVP,   /* SDES-SRTP */
  GW_SDP_RTP_SAVPF,
  GW_SDP_DTLS_SAVPF, /* UDP/TLS/RTP/SAVPF or TCP/DTLS/RTP/SAVPF: WebRTC */
  GW_SDP_DTLS_SCTP,  /* UDP/DTLS/SCTP or TCP/DTLS/SCTP: data channels */
} gw_sdp_profile;

typedef struct { char *name, *value; } gw_sdp_attr; /* a=name[:value]; value NULL for a flag */
typedef struct { bool ip6; char *addr; } gw_sdp_conn; /* "IN IP4|IP6 addr"; addr NULL = none */
typedef struct { char *alg, *value; } gw_sdp_fingerprint; /* "sha-256", "3C:C9:..."; alg NULL = none */
typedef struct { char *ufrag, *pwd, *options; } gw_sdp_ice;

typedef struct {
  char *username; /* "-" */
  char *sess_id;  /* digits, kept as text */
  uint64_t sess_version;
  gw_sdp_conn addr;
} gw_sdp_origin;

typedef struct {
  uint8_t pt;       /* 0..127 */
  char *name;       /* "opus"; NULL for a dynamic pt with no a=rtpmap */
  uint32_t clock;   /* Hz */
  uint8_t channels; /* 0 = not given */
  char *fmtp;       /* what follows "a=fmtp:PT ", or NULL */
  char **rtcp_fb;   /* what follows "a=rtcp-fb:PT ", one per line */
  size_t n_rtcp_fb;
} gw_sdp_codec;

typedef struct {
  char *foundation;
  uint16_t component; /* 1..256 */
  gw_sdp_transport transport;
  uint32_t priority;
  char *addr;         /* IP address or FQDN (e.g. an mDNS "....local" name) */
  uint16_t port;
  gw_sdp_cand_type type;
  char *raddr;        /* NULL when absent; then rport is 0 */
  uint16_t rport;
  gw_sdp_tcptype tcptype;
  char *ext;          /* the other "name value" pairs, e.g. "generation 0 network-id 1", or NULL */
  char *raw;          /* as received: "candidate:..." without "a="; NULL when built */
} gw_sdp_candidate;

typedef struct {
  uint32_t tag;         /* 1..999999999 */
  char *suite;          /* "AES_CM_128_HMAC_SHA1_80" */
  char *key_params;     /* "inline:KEY[|LIFETIME][|MKI:LEN]", as given */
  char *session_params; /* the rest of the line, or NULL */
} gw_sdp_crypto;

typedef struct { uint32_t ssrc; char *attr, *value; } gw_sdp_ssrc; /* a=ssrc:ID attr[:value] */
typedef struct { uint16_t id; gw_sdp_dir dir; char *uri, *ext_attrs; } gw_sdp_extmap;
typedef struct { char *semantics; char **mids; size_t n_mids; } gw_sdp_group; /* a=group:BUNDLE 0 1 */

typedef struct {
  char *type;          /* "audio", "video", "application", ... */
  uint16_t port;
  uint16_t n_ports;    /* the 2 of "m=video 49170/2 ...", 0 when not given */
  char *proto;         /* "UDP/TLS/RTP/SAVPF", "RTP/SAVP", "RTP/AVP", "UDP/DTLS/SCTP", ... */
  /* RTP profiles: one codec per format, in m= order (they are the format list).
   * Static payload types without a=rtpmap get their RFC 3551 name and clock. */
  gw_sdp_codec *codecs;
  size_t n_codecs;
  char **fmts;         /* other profiles: the format words, e.g. "webrtc-datachannel" */
  size_t n_fmts;
  gw_sdp_conn conn;
  gw_sdp_attr *bw;     /* b=AS:64 is {"AS", "64"} */
  size_t n_bw;
  char *mid;
  gw_sdp_ice ice;
  gw_sdp_fingerprint fingerprint; /* the first one; further ones stay in attrs */
  gw_sdp_setup setup;
  gw_sdp_dir dir;
  bool rtcp_mux, rtcp_rsize, end_of_candidates, extmap_allow_mixed;
  uint16_t rtcp_port;  /* a=rtcp, 0 = absent */
  gw_sdp_conn rtcp_conn;
  gw_sdp_candidate *cands;
  size_t n_cands;
  gw_sdp_crypto *cryptos;
  size_t n_cryptos;
  uint32_t ptime, maxptime; /* ms, 0 = absent */
  gw_sdp_ssrc *ssrcs;
  size_t n_ssrcs;
  char *msid;          /* the first one; further ones stay in attrs */
  gw_sdp_extmap *extmaps;
  size_t n_extmaps;
  gw_sdp_attr *attrs;  /* every other attribute, in order */
  size_t n_attrs;
} gw_sdp_media;

typedef struct {
  gw_sdp_origin origin;
  char *name;          /* s= */
  gw_sdp_conn conn;
  gw_sdp_attr *bw;
  size_t n_bw;
  uint64_t t_start, t_stop;
  gw_sdp_group *groups;
  size_t n_groups;
  char *msid_semantic; /* "WMS *" */
  bool extmap_allow_mixed;
  gw_sdp_ice ice;
  gw_sdp_fingerprint fingerprint;
  gw_sdp_setup setup;
  gw_sdp_dir dir;
  gw_sdp_attr *attrs;  /* every other session attribute, in order */
  size_t n_attrs;
  gw_sdp_media *media; /* room for GW_SDP_MAX_MEDIA: a gw_sdp_media never moves */
  size_t n_media;
} gw_sdp;

/* Parsing. text need not be NUL-terminated; LF or CRLF line ends. *out is NULL on failure. */
int gw_sdp_parse(const char *text, size_t len, gw_sdp **out, gw_why *why);
/* One trickled candidate: "candidate:..." or "a=candidate:...". Free with gw_sdp_candidate_clear(). */
int gw_sdp_parse_candidate(const char *text, size_t len, gw_sdp_candidate *out, gw_why *why);
void gw_sdp_free(gw_sdp *sdp);
void gw_sdp_candidate_clear(gw_sdp_candidate *c);

/* Writing, with CRLF line ends: v o s c b t a, then per m= line: m c b a. *out is g_malloc'd.
 * Fails with GW_EINVAL when a field would break the text (a control character, a missing type). */
int gw_sdp_write(const gw_sdp *sdp, char **out, size_t *out_len, gw_why *why);
char *gw_sdp_candidate_to_string(const gw_sdp_candidate *c); /* "candidate:...", g_free it */
char *gw_sdp_crypto_to_string(const gw_sdp_crypto *c);       /* "1 AES_CM_... inline:...", g_free it */

/* Building. gw_sdp_new() gives "v=0, o=- 0 0 IN IP4 0.0.0.0, s=-, t=0 0". Element pointers
 * handed out (codecs, ...) stay valid until the next addition to the same list. */
gw_sdp *gw_sdp_new(void);
void gw_sdp_set_str(char **field, const char *value);  /* copies value; NULL clears */
void gw_sdp_set_conn(gw_sdp_conn *conn, const char *addr); /* IP6 when addr has a ':' */
int gw_sdp_add_media(gw_sdp *sdp, const char *type, uint16_t port, const char *proto,
                     gw_sdp_media **out, gw_why *why);
int gw_sdp_add_codec(gw_sdp_media *m, unsigned pt, const char *name, uint32_t clock, unsigned channels,
                     const char *fmtp, gw_sdp_codec **out, gw_why *why); /* RTP profiles only */
void gw_sdp_codec_add_rtcp_fb(gw_sdp_codec *c, const char *fb);
int gw_sdp_add_fmt(gw_sdp_media *m, const char *fmt, gw_why *why); /* non-RTP profiles only */
int gw_sdp_add_candidate(gw_sdp_media *m, const gw_sdp_candidate *c, gw_why *why); /* copies c */
/* Adds "a=name[:value]" to m (or to the session when m is NULL), checked and stored exactly as
 * the parser would: gw_sdp_add_attr(s, m, "crypto", "1 AES_CM_128_HMAC_SHA1_80 inline:...") fills
 * m->cryptos, an unknown name lands in attrs. */
int gw_sdp_add_attr(gw_sdp *sdp, gw_sdp_media *m, const char *name, const char *value, gw_why *why);

/* Looking things up. */
const gw_sdp_media *gw_sdp_first_media(const gw_sdp *sdp, const char *type); /* any port */
const gw_sdp_media *gw_sdp_first_audio(const gw_sdp *sdp);
gw_sdp_profile gw_sdp_media_profile(const gw_sdp_media *m);
bool gw_sdp_media_is_rtp(const gw_sdp_media *m);
/* Case-insensitive name; clock 0 matches any clock. NULL when absent. */
const gw_sdp_codec *gw_sdp_find_codec(const gw_sdp_media *m, const char *name, uint32_t clock);
const gw_sdp_codec *gw_sdp_codec_by_pt(const gw_sdp_media *m, unsigned pt);
/* Effective values: the media section's own, else the session's. */
const char *gw_sdp_ice_ufrag(const gw_sdp *sdp, const gw_sdp_media *m);
const char *gw_sdp_ice_pwd(const gw_sdp *sdp, const gw_sdp_media *m);
const char *gw_sdp_ice_options(const gw_sdp *sdp, const gw_sdp_media *m);
const gw_sdp_fingerprint *gw_sdp_fingerprint_of(const gw_sdp *sdp, const gw_sdp_media *m); /* or NULL */
gw_sdp_setup gw_sdp_setup_of(const gw_sdp *sdp, const gw_sdp_media *m);
gw_sdp_dir gw_sdp_dir_of(const gw_sdp *sdp, const gw_sdp_media *m); /* SENDRECV when neither says */
const gw_sdp_conn *gw_sdp_conn_of(const gw_sdp *sdp, const gw_sdp_media *m); /* or NULL */
/* Decodes "3C:C9:..." into out (up to 64 bytes); *len gets the byte count. */
int gw_sdp_fingerprint_bytes(const gw_sdp_fingerprint *fp, uint8_t out[64], size_t *len, gw_why *why);

const char *gw_sdp_dir_name(gw_sdp_dir dir);           /* "sendrecv", ...; "" for NONE */
const char *gw_sdp_setup_name(gw_sdp_setup setup);     /* "actpass", ...; "" for NONE */
const char *gw_sdp_cand_type_name(gw_sdp_cand_type t); /* "host", "srflx", "prflx", "relay" */

#endif
