/* RFC 4733 2.3: the event payload, and digit characters. */
#include "media/dtmf/dtmf.h"

#include "media/dtmf/dtmf_priv.h"

static const char digit_chars[GW_DTMF_EVENT_MAX + 1] = "0123456789*#ABCD";

int gw_dtmf_event_parse(const uint8_t *payload, size_t len, gw_dtmf_event *out, gw_why *why) {
  if (!payload || len < GW_DTMF_PAYLOAD_LEN)
    return gw_fail(why, GW_EINVAL, "telephone-event payload of %zu bytes; it needs 4", len);
  if (len % GW_DTMF_PAYLOAD_LEN != 0)
    return gw_fail(why, GW_EINVAL, "telephone-event payload of %zu bytes is not whole 4-byte events", len);
  out->event = payload[0];
  out->end = (payload[1] & 0x80) != 0;
  out->volume = payload[1] & 0x3f; /* bit 6 is R: ignored on receipt */
  out->duration = (uint16_t)((payload[2] << 8) | payload[3]);
  return GW_OK;
}

void gw_dtmf_event_write(const gw_dtmf_event *ev, uint8_t out[GW_DTMF_PAYLOAD_LEN]) {
  out[0] = ev->event;
  out[1] = (uint8_t)((ev->end ? 0x80 : 0) | (ev->volume & 0x3f));
  out[2] = (uint8_t)(ev->duration >> 8);
  out[3] = (uint8_t)(ev->duration & 0xff);
}

int gw_dtmf_event_from_char(char c, uint8_t *event) {
  if (c >= 'a' && c <= 'd') c = (char)(c - 'a' + 'A');
  for (uint8_t i = 0; i <= GW_DTMF_EVENT_MAX; i++) {
    if (c != '\0' && digit_chars[i] == c) {
      *event = i;
      return GW_OK;
    }
  }
  return GW_EINVAL;
}

int gw_dtmf_digits_check(const char *digits, gw_why *why) {
  if (!digits) return gw_fail(why, GW_EINVAL, "no digits");
  for (const char *p = digits; *p; p++) {
    uint8_t ev;
    if (*p != ',' && gw_dtmf_event_from_char(*p, &ev) != GW_OK)
      return gw_fail(why, GW_EINVAL, "'%c' is not a DTMF digit (0-9 * # A-D, ',' for a pause)", *p);
  }
  return GW_OK;
}

char gw_dtmf_event_to_char(uint8_t event) {
  return event <= GW_DTMF_EVENT_MAX ? digit_chars[event] : '\0';
}

int gw_dtmf_check_clock(uint32_t clock_hz, const char *what, gw_why *why) {
  if (clock_hz < 8000 || clock_hz > 48000)
    return gw_fail(why, GW_EINVAL, "%s clock rate %u Hz: telephone-event here is 8000-48000 Hz",
                   what, (unsigned)clock_hz);
  return GW_OK;
}
