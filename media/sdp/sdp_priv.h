/* Internals shared by the SDP files: a slice tokenizer, the parser state and list helpers. */
#ifndef GW_MEDIA_SDP_PRIV_H
#define GW_MEDIA_SDP_PRIV_H

#include <glib.h>
#include <string.h>

#include "media/sdp/sdp.h"

/* A piece of the input: not NUL-terminated. */
typedef struct {
  const char *p;
  size_t n;
} sdp_slice;

/* At most this many bytes of an offending word are quoted in a message. */
#define SDP_QUOTE_MAX 40
#define SDP_Q(s) (int)((s).n > SDP_QUOTE_MAX ? SDP_QUOTE_MAX : (s).n), (s).p

/* Returned by an attribute handler that wants its line kept as an unknown attribute. */
#define SDP_KEEP 1

#define SDP_TRY(expr)    \
  do {                   \
    int rc_ = (expr);    \
    if (rc_) return rc_; \
  } while (0)

typedef struct {
  gw_sdp *sdp;
  gw_sdp_media *m;  /* the current media section; NULL at session level */
  unsigned line;    /* 1-based; 0 outside a document (trickle, builder): no "line N: " prefix */
  unsigned m_line;  /* line of the current m= */
  unsigned n_lines; /* non-empty lines so far */
  unsigned n_attrs; /* a= and b= lines in the current section */
  bool seen_t;
  gw_why *why;
} sdp_parser;

int sdp_fail(sdp_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tokenizer. Words are separated by spaces (control characters never get this far). */
bool sdp_word(sdp_slice *rest, sdp_slice *out);
sdp_slice sdp_trim(sdp_slice s);
bool sdp_eq(sdp_slice s, const char *lit); /* ASCII case-insensitive */
bool sdp_starts(sdp_slice s, const char *prefix);
char *sdp_dup(sdp_slice s);
bool sdp_split(sdp_slice s, char sep, sdp_slice *left, sdp_slice *right); /* false when sep is absent */
bool sdp_ice_chars(sdp_slice s);
/* Checked steps: each fails with "<what> <field> ..." (e.g. "m= port 'abc' is not a number"). */
int sdp_need_word(sdp_parser *p, sdp_slice *rest, sdp_slice *out, const char *what, const char *field);
int sdp_need_end(sdp_parser *p, sdp_slice rest, const char *what);
int sdp_number(sdp_parser *p, sdp_slice w, uint64_t min, uint64_t max, const char *what, const char *field,
               uint64_t *out);
int sdp_check_text(sdp_parser *p, sdp_slice s, const char *what); /* no control characters */

int sdp_parse_candidate_value(sdp_parser *p, sdp_slice v, gw_sdp_candidate *c);
int sdp_parse_attr(sdp_parser *p, sdp_slice name, const sdp_slice *value); /* value NULL: a flag */
bool sdp_hex_pairs(sdp_slice s, uint8_t out[64], size_t *len);
bool sdp_is_rtp_proto(const char *proto);
gw_sdp_codec *sdp_find_pt(gw_sdp_media *m, unsigned pt);
void sdp_candidate_copy(gw_sdp_candidate *dst, const gw_sdp_candidate *src);
/* Appends "candidate:..." to out; false when a required field is NULL. */
bool sdp_candidate_append(GString *out, const gw_sdp_candidate *c);

/* Growable arrays without a capacity field: capacity is 4, 8, 16, ... so a list grows when its
 * length is 0 or a power of two from 4 up. SDP_PUSH appends a zeroed element and points at it. */
void *sdp_grow(void *arr, size_t n, size_t size);
#define SDP_PUSH(arr, n)                                                                      \
  ((arr) = sdp_grow((arr), (n), sizeof *(arr)), memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

void sdp_codec_clear(gw_sdp_codec *c);
void sdp_media_clear(gw_sdp_media *m);

#endif
