/* Internals shared by the receiver and the mapper (which holds a receiver). Not for other modules. */
#ifndef GW_MEDIA_DTMF_PRIV_H
#define GW_MEDIA_DTMF_PRIV_H

#include "media/dtmf/dtmf.h"

/* Late packets older than the current event are ignored for this long after its last packet;
 * past it, an older timestamp is taken as a sender that restarted its clock. */
#define GW_DTMF_RX_STALE_MS 5000

typedef enum {
  GW_DTMF_RX_IDLE = 0, /* nothing seen on this stream yet */
  GW_DTMF_RX_OPEN,     /* an event started and not ended */
  GW_DTMF_RX_CLOSED,   /* the last event ended; its late packets are still recognised */
} gw_dtmf_rx_state;

struct gw_dtmf_rx {
  gw_dtmf_rx_opts o;
  gw_dtmf_rx_state state;
  bool have_ssrc;
  uint32_t ssrc;
  uint8_t event, volume;
  uint32_t clock_hz; /* of the current event */
  uint32_t ts;       /* the event's first segment */
  uint32_t seg_ts;   /* its current segment */
  uint64_t seg_base; /* clock units in the segments before the current one */
  uint16_t seg_dur;  /* the longest duration seen in the current segment */
  uint64_t last_ms;  /* when the current event last took a packet */
  gw_dtmf_rx_counters c;
};

/* Initialises an embedded receiver (validates the options). */
int gw_dtmf_rx_init(gw_dtmf_rx *rx, const gw_dtmf_rx_opts *o, gw_why *why);
/* The open or last event's duration so far, in its clock units. */
uint64_t gw_dtmf_rx_total(const gw_dtmf_rx *rx);
/* Checks a clock rate (8000-48000 Hz). */
int gw_dtmf_check_clock(uint32_t clock_hz, const char *what, gw_why *why);

#endif
