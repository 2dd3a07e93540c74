/* The built-in demo far end: with no trunk configured, calls go to a SIP endpoint inside the
 * gateway (its own UA on a loopback port) that answers, plays a tone for a few seconds, then
 * echoes what it hears. It exercises the whole SIP leg, SDES-SRTP included, and it can reach
 * nothing else: there is no trunk in this configuration. */
#ifndef GW_DEMO_H
#define GW_DEMO_H

#include "gateway/config.h"
#include "gateway/err.h"
#include "media/worker/worker.h"

typedef struct gw_demo gw_demo;

/* Listens on 127.0.0.1:port; calls for any number are answered. */
int gw_demo_new(const gw_config *cfg, gw_workers *workers, int port, gw_demo **out, gw_why *why);
void gw_demo_free(gw_demo *d);

#endif
