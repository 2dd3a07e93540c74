/* RTCP reporting for one leg: schedule, compound SR/RR + SDES, and the peer's reports (RFC 3550 6). */
#include "media/rtp/rtcp_session.h"

#include <math.h>
#include <string.h>

int gw_rtcp_session_init(gw_rtcp_session *s, const char *cname, gw_why *why) {
  size_t n = cname ? strlen(cname) : 0;
  if (n == 0 || n >= GW_RTCP_CNAME_MAX)
    return gw_fail(why, GW_EINVAL, "an RTCP CNAME of %zu bytes: 1 to %d", n, GW_RTCP_CNAME_MAX - 1);
  memset(s, 0, sizeof *s);
  memcpy(s->cname, cname, n + 1);
  return GW_OK;
}

static double clamp01(double r) { return r >= 0 && r < 1 ? r : 0.5; } /* NAN too */

void gw_rtcp_session_schedule(gw_rtcp_session *s, int64_t now_us, double rand01) {
  s->next_us = now_us + (int64_t)(GW_RTCP_INTERVAL_US * (0.5 + clamp01(rand01)));
}

bool gw_rtcp_session_due(gw_rtcp_session *s, int64_t now_us, double rand01) {
  if (s->next_us == 0) {
    /* 6.2: the first report after half the minimum interval, randomized like the others. */
    s->next_us = now_us + (int64_t)(GW_RTCP_INTERVAL_US / 2 * (0.5 + clamp01(rand01)));
    if (s->next_us == 0) s->next_us = 1;
    return false;
  }
  return now_us >= s->next_us;
}

int gw_rtcp_session_build(gw_rtcp_session *s, const gw_rtcp_tx *tx, const gw_rtcp_rx *rx,
                          int64_t now_wall_us, uint8_t *buf, size_t cap, size_t *len, gw_why *why) {
  gw_rtcp_report_block block = {0};
  gw_rtp_seq seq = {0};
  unsigned n = 0;
  if (rx && rx->seq && rx->seq->received > 0) {
    uint32_t lsr = 0, dlsr = 0;
    if (s->have_sr && s->sr_ssrc == rx->ssrc) {
      lsr = s->lsr;
      dlsr = gw_ntp_short_from_us(now_wall_us - s->sr_arrival_wall_us);
    }
    /* On a copy: the fraction-lost interval moves only once the report is written. */
    seq = *rx->seq;
    gw_rtp_report_block_fill(&seq, rx->jitter, rx->ssrc, lsr, dlsr, &block);
    n = 1;
  }
  /* 6.4: an SR when we sent RTP since the report before last. */
  bool sr = tx->packets > s->packets_at_prior;
  size_t off = 0;
  int rc;
  if (sr) {
    gw_rtcp_sender_info si = {
        .ntp = gw_ntp_from_unix_us(now_wall_us),
        .rtp_ts = tx->rtp_ts,
        .packet_count = (uint32_t)tx->packets, /* the 32-bit counts wrap, as 6.4.1 allows */
        .octet_count = (uint32_t)tx->octets,
    };
    rc = gw_rtcp_write_sr(buf, cap, &off, tx->ssrc, &si, &block, n);
  } else {
    rc = gw_rtcp_write_rr(buf, cap, &off, tx->ssrc, &block, n);
  }
  if (rc == GW_OK) rc = gw_rtcp_write_sdes_cname(buf, cap, &off, tx->ssrc, s->cname);
  if (rc != GW_OK) return gw_fail(why, rc, "the RTCP report does not fit in %zu bytes", cap);
  if (n) *rx->seq = seq;
  s->packets_at_prior = s->packets_at_last;
  s->packets_at_last = tx->packets;
  s->last_sr = sr;
  s->reports_sent++;
  *len = off;
  return GW_OK;
}

bool gw_rtcp_session_last_was_sr(const gw_rtcp_session *s) { return s->last_sr; }

int gw_rtcp_session_receive(gw_rtcp_session *s, uint32_t our_ssrc, const uint8_t *buf, size_t len,
                            int64_t now_wall_us, bool *rtt_updated, gw_why *why) {
  if (rtt_updated) *rtt_updated = false;
  gw_rtcp_iter it;
  int rc = gw_rtcp_iter_init(&it, buf, len, why);
  if (rc != GW_OK) return rc;
  uint32_t arrival = gw_ntp_mid32(gw_ntp_from_unix_us(now_wall_us));
  gw_rtcp_packet p;
  while (gw_rtcp_iter_next(&it, &p)) {
    if (p.type != GW_RTCP_SR && p.type != GW_RTCP_RR) continue;
    s->reports_received++;
    if (p.type == GW_RTCP_SR) {
      s->have_sr = true;
      s->sr_ssrc = p.ssrc;
      s->lsr = gw_ntp_mid32(p.sender.ntp);
      s->sr_arrival_wall_us = now_wall_us;
    }
    for (unsigned i = 0; i < p.count; i++) {
      gw_rtcp_report_block b;
      gw_rtcp_report_block_at(&p, i, &b);
      if (b.ssrc != our_ssrc) continue;
      s->have_remote = true;
      s->remote_fraction_lost = b.fraction_lost;
      s->remote_cumulative_lost = b.cumulative_lost;
      s->remote_jitter = b.jitter;
      uint32_t rtt;
      if (gw_rtcp_rtt(arrival, b.lsr, b.dlsr, &rtt) == GW_OK) {
        s->have_rtt = true;
        s->rtt = rtt;
        if (rtt_updated) *rtt_updated = true;
      }
    }
  }
  return GW_OK;
}

double gw_rtcp_session_rtt_ms(const gw_rtcp_session *s) {
  return s->have_rtt ? (double)gw_ntp_short_to_us(s->rtt) / 1000.0 : NAN;
}

double gw_rtcp_session_remote_loss_pct(const gw_rtcp_session *s) {
  return s->have_remote ? s->remote_fraction_lost * 100.0 / 256.0 : NAN;
}

double gw_rtcp_session_remote_jitter_ms(const gw_rtcp_session *s, uint32_t clock_rate) {
  return s->have_remote && clock_rate ? s->remote_jitter * 1000.0 / clock_rate : NAN;
}
