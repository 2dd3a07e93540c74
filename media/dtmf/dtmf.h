/* RFC 4733 telephone-event between the two legs of a call.
 *
 * - The 4-byte event payload: parse (untrusted input) and write.
 * - gw_dtmf_rx: one leg's event packets in, digit reports out (start, end, duration in ms).
 * - gw_dtmf_map: one leg's event packets in, the same events out for the other leg: its payload
 *   type, clock rate, timestamps and sequence numbers. It reports digits too (it holds a gw_dtmf_rx).
 * - gw_dtmf_gen: digits to inject (the JSON `dtmf` message), paced by the worker's tick.
 *
 * No RTP header parsing or writing here: the leg's RTP code passes the header fields it parsed
 * (gw_dtmf_rtp) with the payload, and writes the header of each packet produced with the leg's
 * own SSRC, then the payload with gw_dtmf_event_write(). Times are the caller's monotonic clock
 * in ms, so tests choose them. Each object is used from one thread (its call's worker) and does
 * not allocate after _new. In-band tones: media/dtmf/tone.h; SIP INFO bodies: media/dtmf/info.h. */
#ifndef GW_MEDIA_DTMF_H
#define GW_MEDIA_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/err.h"

/* ---- the event payload (RFC 4733 2.3) ---- */

#define GW_DTMF_PAYLOAD_LEN 4
#define GW_DTMF_DURATION_MAX 0xFFFFu /* a longer event is sent as segments (RFC 4733 2.5.1.3) */
#define GW_DTMF_EVENT_MAX 15         /* events 0-15: 0-9 * # A-D; others are ignored here */

typedef struct {
  uint8_t event;     /* 0-255 as on the wire; 0-15 are DTMF */
  bool end;          /* E bit */
  uint8_t volume;    /* 0-63: the tone's power is -volume dBm0 */
  uint16_t duration; /* in timestamp units, since the event (or its segment) began */
} gw_dtmf_event;

/* Reads the first event of a payload: several events packed in one packet (RFC 4733 2.5.1.5)
 * yield the first. GW_EINVAL when len is not a non-zero multiple of 4. The R bit is ignored. */
int gw_dtmf_event_parse(const uint8_t *payload, size_t len, gw_dtmf_event *out, gw_why *why);
/* Writes 4 bytes; volume is masked to 6 bits, R is 0. */
void gw_dtmf_event_write(const gw_dtmf_event *ev, uint8_t out[GW_DTMF_PAYLOAD_LEN]);

/* '0'-'9' '*' '#' 'A'-'D' (also 'a'-'d') <-> events 0-15. */
int gw_dtmf_event_from_char(char c, uint8_t *event);
char gw_dtmf_event_to_char(uint8_t event); /* '\0' above 15 */
/* A digit string to queue: DTMF characters and ',' (a pause); GW_EINVAL naming the first other. */
int gw_dtmf_digits_check(const char *digits, gw_why *why);

/* The RTP header fields that matter here. */
typedef struct {
  uint8_t pt;
  bool marker;
  uint16_t seq;
  uint32_t ts;
  uint32_t ssrc; /* input: a new SSRC is a new stream. Output: 0, the caller writes its own. */
} gw_dtmf_rtp;

typedef struct {
  gw_dtmf_rtp rtp;
  gw_dtmf_event ev;
} gw_dtmf_packet;

/* One telephone-event format of a leg, from its SDP (a=rtpmap:101 telephone-event/8000). */
typedef struct {
  uint8_t pt;        /* 0-127 */
  uint32_t clock_hz; /* 8000-48000 */
} gw_dtmf_format;

#define GW_DTMF_MAX_FORMATS 4 /* a browser offers /48000 and /8000 */

/* The leg a mapper or generator sends on: the caller's own counters, read and advanced here. */
typedef struct {
  uint32_t ts_now; /* the RTP timestamp the leg's next audio packet would carry now */
  uint16_t seq;    /* the leg's next sequence number; each packet produced takes one */
} gw_dtmf_dst;

/* ---- receiver ---- */

typedef enum { GW_DTMF_DIGIT_START, GW_DTMF_DIGIT_END } gw_dtmf_digit_kind;

typedef enum {
  GW_DTMF_END_BIT = 0,  /* a packet with the E bit */
  GW_DTMF_END_TIMEOUT,  /* no end and no packet for opts.timeout_ms */
  GW_DTMF_END_REPLACED, /* a new event (or a new SSRC) began first */
} gw_dtmf_end_how;

typedef struct {
  gw_dtmf_digit_kind kind;
  char digit;            /* '0'-'9' '*' '#' 'A'-'D' */
  uint8_t event;         /* 0-15 */
  uint8_t volume;
  uint32_t ts;           /* the event's RTP timestamp (that of its first segment) */
  uint32_t clock_hz;
  uint32_t duration;     /* timestamp units over all segments; at START, the first packet's */
  uint32_t duration_ms;  /* the same in ms */
  gw_dtmf_end_how how;   /* END only */
} gw_dtmf_digit;

typedef enum {
  GW_DTMF_RX_IGNORED = 0, /* malformed, a duplicate, late, or not DTMF */
  GW_DTMF_RX_STARTED,     /* the first packet of a new event, no E bit */
  GW_DTMF_RX_UPDATED,     /* a later packet of the current event, no E bit */
  GW_DTMF_RX_ENDED,       /* the first packet of the event with the E bit */
} gw_dtmf_rx_verdict;

/* One packet can end the previous event, start a new one and end it: 3 reports at most. */
#define GW_DTMF_RX_MAX_DIGITS 3

typedef struct {
  gw_dtmf_rx_verdict verdict; /* what the packet itself was */
  size_t n;
  gw_dtmf_digit digits[GW_DTMF_RX_MAX_DIGITS]; /* in order */
} gw_dtmf_rx_result;

#define GW_DTMF_RX_TIMEOUT_MS 1000

typedef struct {
  gw_dtmf_format formats[GW_DTMF_MAX_FORMATS];
  size_t n_formats;    /* 1..GW_DTMF_MAX_FORMATS */
  uint32_t timeout_ms; /* 0: GW_DTMF_RX_TIMEOUT_MS */
} gw_dtmf_rx_opts;

typedef struct {
  uint64_t packets;   /* every input */
  uint64_t malformed; /* unknown PT or bad payload */
  uint64_t ignored;   /* duplicates, late packets, events above 15 */
  uint64_t digits;    /* digits ended */
} gw_dtmf_rx_counters;

typedef struct gw_dtmf_rx gw_dtmf_rx;

int gw_dtmf_rx_new(gw_dtmf_rx **out, const gw_dtmf_rx_opts *o, gw_why *why);
void gw_dtmf_rx_free(gw_dtmf_rx *rx);
/* One received telephone-event packet. The rules:
 * - the first packet of a new timestamp starts an event (a previous one still open ends REPLACED);
 * - the E bit ends it; later packets of that timestamp (the repeated end packets) are ignored;
 * - a packet older than the current event, arriving within 5 s of it, is late and ignored;
 * - a new segment of a long event (timestamp = previous segment's + 0xFFFF, same event)
 *   continues it; durations add up;
 * - an open event whose packets stop ends itself after opts.timeout_ms (here or in _poll).
 * GW_EINVAL for an unknown payload type or a malformed payload (res->verdict IGNORED, res->n may
 * still hold a timeout's END). res is always filled. */
int gw_dtmf_rx_input(gw_dtmf_rx *rx, const gw_dtmf_rtp *rtp, const uint8_t *payload, size_t len,
                     uint64_t now_ms, gw_dtmf_rx_result *res, gw_why *why);
/* Call on the worker's tick: ends an open event that has timed out (res->n is 0 or 1). */
void gw_dtmf_rx_poll(gw_dtmf_rx *rx, uint64_t now_ms, gw_dtmf_rx_result *res);
/* True while an event is open (started, not ended). */
bool gw_dtmf_rx_busy(const gw_dtmf_rx *rx);
gw_dtmf_rx_counters gw_dtmf_rx_get_counters(const gw_dtmf_rx *rx);

/* ---- mapper: one leg's events rewritten for the other leg ---- */

typedef struct {
  gw_dtmf_rx_opts src;   /* the source leg's telephone-event formats and timeout */
  uint8_t dst_pt;        /* the destination leg's telephone-event PT (its SDP; often 101) */
  uint32_t dst_clock_hz; /* 8000-48000 */
} gw_dtmf_map_opts;

/* Enough for the worst packet between legs of 8000 and 48000 Hz (the end of a replaced event,
 * segment closes, then a new event's three end packets). */
#define GW_DTMF_MAP_MAX_OUT 24

typedef struct {
  gw_dtmf_rx_result rx; /* what the source packet meant, digit reports included */
  size_t n;
  gw_dtmf_packet pkts[GW_DTMF_MAP_MAX_OUT]; /* to send now, in order */
} gw_dtmf_map_result;

typedef struct gw_dtmf_map gw_dtmf_map;

int gw_dtmf_map_new(gw_dtmf_map **out, const gw_dtmf_map_opts *o, gw_why *why);
void gw_dtmf_map_free(gw_dtmf_map *m);
/* One source packet. Each accepted packet gives one destination packet with:
 * - PT dst_pt; the marker bit on the event's first packet only;
 * - the event timestamp dst->ts_now as read at the event's start, fixed for the whole event
 *   (moved just past the previous event's end if that reaches further, so that two events
 *   begun within one tick never share a timestamp);
 * - the duration converted to the destination clock (48000 -> 8000: divided by 6), as segments
 *   when it passes 0xFFFF;
 * - the sequence number dst->seq, which is advanced.
 * An event's end (E bit, timeout, replacement) gives its end packet three times in a row; the
 * source's own repeats of the end are absorbed. Duplicates and late packets give nothing. */
int gw_dtmf_map_input(gw_dtmf_map *m, const gw_dtmf_rtp *rtp, const uint8_t *payload, size_t len,
                      uint64_t now_ms, gw_dtmf_dst *dst, gw_dtmf_map_result *res, gw_why *why);
/* Call on the worker's tick: a source event that timed out gets its three end packets. */
void gw_dtmf_map_poll(gw_dtmf_map *m, uint64_t now_ms, gw_dtmf_dst *dst, gw_dtmf_map_result *res);
/* True while an event is being relayed: the caller holds back audio to the destination then. */
bool gw_dtmf_map_busy(const gw_dtmf_map *m);
gw_dtmf_rx_counters gw_dtmf_map_get_counters(const gw_dtmf_map *m);

/* ---- generator: injected digits, one call per tick ---- */

#define GW_DTMF_GEN_MAX_QUEUE 64

typedef struct {
  uint8_t pt;        /* the leg's telephone-event PT */
  uint32_t clock_hz; /* its clock, 8000-48000 */
  uint32_t tick_ms;  /* how often gw_dtmf_gen_next is called; 0: 20 */
  uint32_t tone_ms;  /* each digit; 0: 100. At least tick_ms and at most 0xFFFF clock units */
  uint32_t gap_ms;   /* silence after a digit's last end packet; 0: 50 */
  uint32_t pause_ms; /* for ',' in the digits (as RTCDTMFSender); 0: 2000 */
  uint8_t volume;    /* 1-63 (-dBm0); 0: 10 */
} gw_dtmf_gen_opts;

typedef struct gw_dtmf_gen gw_dtmf_gen;

int gw_dtmf_gen_new(gw_dtmf_gen **out, const gw_dtmf_gen_opts *o, gw_why *why);
void gw_dtmf_gen_free(gw_dtmf_gen *g);
/* Appends digits ('0'-'9' '*' '#' 'A'-'D' 'a'-'d', and ',' for a pause). All or nothing:
 * GW_EINVAL for another character, GW_ETOOBIG past GW_DTMF_GEN_MAX_QUEUE queued. */
int gw_dtmf_gen_queue(gw_dtmf_gen *g, const char *digits, gw_why *why);
/* Drops the queued digits; a digit being sent is ended at the next tick (its end packets follow). */
void gw_dtmf_gen_cancel(gw_dtmf_gen *g);
/* True while digits are queued, being sent, or in their trailing gap. */
bool gw_dtmf_gen_busy(const gw_dtmf_gen *g);
/* Called once per tick. With tone_ms = 100 and tick_ms = 20, one digit is five packets with
 * durations 20..100 ms (marker on the first, E on the fifth), two repeats of the end packet, then
 * ceil(gap_ms / tick_ms) ticks of nothing. Returns true with *out to send now (the event timestamp
 * is dst->ts_now at the digit's first tick; dst->seq is advanced), false when there is nothing
 * to send this tick. */
bool gw_dtmf_gen_next(gw_dtmf_gen *g, gw_dtmf_dst *dst, gw_dtmf_packet *out);

#endif
