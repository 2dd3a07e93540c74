/* RFC 3550 A.1 (sequence validation), A.3 (loss), A.8 (jitter). */
#include "media/rtp/recv_stats.h"

#define SEQ_MOD (1u << 16)

static void seq_reset(gw_rtp_seq *s, uint16_t seq) {
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
  s->cycles = 0;
  s->received = 0;
  s->received_prior = 0;
  s->expected_prior = 0;
}

void gw_rtp_seq_start(gw_rtp_seq *s, uint16_t seq) {
  seq_reset(s, seq);
  s->max_seq = (uint16_t)(seq - 1);
  s->probation = GW_RTP_MIN_SEQUENTIAL;
}

bool gw_rtp_seq_update(gw_rtp_seq *s, uint16_t seq) {
  uint16_t udelta = (uint16_t)(seq - s->max_seq);
  if (s->probation) {
    if (seq == (uint16_t)(s->max_seq + 1)) {
      s->probation--;
      s->max_seq = seq;
      if (s->probation == 0) {
        seq_reset(s, seq);
        s->received++;
        return true;
      }
    } else {
      s->probation = GW_RTP_MIN_SEQUENTIAL - 1;
      s->max_seq = seq;
    }
    return false;
  }
  if (udelta < GW_RTP_MAX_DROPOUT) {
    if (seq < s->max_seq) s->cycles += SEQ_MOD; /* in order, with permissible gap: wrapped */
    s->max_seq = seq;
  } else if (udelta <= SEQ_MOD - GW_RTP_MAX_MISORDER) {
    /* a very large jump: take it as a restart only when the next packet follows it */
    if (seq == s->bad_seq) {
      seq_reset(s, seq);
    } else {
      s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
      return false;
    }
  }
  /* else: a duplicate or a reordered packet, counted */
  s->received++;
  return true;
}

uint32_t gw_rtp_seq_ext_max(const gw_rtp_seq *s) { return s->cycles + s->max_seq; }

uint32_t gw_rtp_seq_expected(const gw_rtp_seq *s) {
  return gw_rtp_seq_ext_max(s) - s->base_seq + 1;
}

int32_t gw_rtp_seq_lost(const gw_rtp_seq *s) {
  int64_t lost = (int64_t)gw_rtp_seq_expected(s) - (int64_t)s->received;
  if (s->received == 0) lost = 0; /* still on probation: nothing is known */
  if (lost > 0x7fffff) lost = 0x7fffff;
  if (lost < -0x800000) lost = -0x800000;
  return (int32_t)lost;
}

uint8_t gw_rtp_seq_fraction_lost(gw_rtp_seq *s) {
  if (s->received == 0) return 0;
  uint32_t expected = gw_rtp_seq_expected(s);
  uint32_t expected_interval = expected - s->expected_prior;
  s->expected_prior = expected;
  uint32_t received_interval = s->received - s->received_prior;
  s->received_prior = s->received;
  int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
  if (expected_interval == 0 || lost_interval <= 0) return 0;
  return (uint8_t)(((uint64_t)lost_interval << 8) / expected_interval);
}

void gw_rtp_jitter_update(gw_rtp_jitter *j, uint32_t arrival, uint32_t ts) {
  uint32_t transit = arrival - ts;
  if (!j->started) {
    j->started = true;
    j->transit = transit;
    return;
  }
  uint32_t d = transit - j->transit; /* D(i-1, i), modulo 2^32 */
  j->transit = transit;
  uint32_t ad = d < 0x80000000u ? d : 0u - d; /* |D| */
  /* J += (|D| - J) / 16, with J kept times 16: J16 += |D| - round(J16 / 16) */
  j->jitter_q4 += ad - ((j->jitter_q4 + 8) >> 4);
}

uint32_t gw_rtp_jitter_get(const gw_rtp_jitter *j) {
  return j->jitter_q4 >> 4 > UINT32_MAX ? UINT32_MAX : (uint32_t)(j->jitter_q4 >> 4);
}

uint32_t gw_rtp_clock_units(int64_t us, uint32_t clock_rate) {
  if (us < 0) us = 0;
  uint64_t u = (uint64_t)us;
  return (uint32_t)((u / 1000000u) * clock_rate + (u % 1000000u) * clock_rate / 1000000u);
}

void gw_rtp_report_block_fill(gw_rtp_seq *s, const gw_rtp_jitter *j, uint32_t ssrc, uint32_t lsr,
                              uint32_t dlsr, gw_rtcp_report_block *out) {
  out->ssrc = ssrc;
  out->fraction_lost = gw_rtp_seq_fraction_lost(s);
  out->cumulative_lost = gw_rtp_seq_lost(s);
  out->ext_highest_seq = gw_rtp_seq_ext_max(s);
  out->jitter = gw_rtp_jitter_get(j);
  out->lsr = lsr;
  out->dlsr = dlsr;
}
