/* Two real ICE agents on loopback find each other and carry a datagram both ways. */
#include <glib.h>
#include <string.h>

#include "media/ice/ice.h"

typedef struct side {
  gw_ice *ice;
  struct side *peer;
  GPtrArray *cands;
  gboolean gathered;
  gw_ice_state state;
  GByteArray *got;
} side;

static void on_candidate(void *u, const char *c) {
  side *s = u;
  g_assert_true(g_str_has_prefix(c, "candidate:"));
  g_assert_nonnull(strstr(c, " typ host"));
  g_ptr_array_add(s->cands, g_strdup(c));
}
static void on_done(void *u) { ((side *)u)->gathered = TRUE; }
static void on_state(void *u, gw_ice_state st) { ((side *)u)->state = st; }
static void on_recv(void *u, uint8_t *buf, size_t len) { g_byte_array_append(((side *)u)->got, buf, (guint)len); }

static const gw_ice_callbacks cbs = {on_candidate, on_done, on_state, on_recv};

static void spin_until(gboolean *flag, int ms) {
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (!*flag && g_get_monotonic_time() < end) g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

static void test_connect(void) {
  side a = {.cands = g_ptr_array_new_with_free_func(g_free), .got = g_byte_array_new()};
  side b = {.cands = g_ptr_array_new_with_free_func(g_free), .got = g_byte_array_new()};
  gw_ice_opts oa = {NULL, true, "127.0.0.1", NULL, 31000, 31099, NULL};
  gw_ice_opts ob = {NULL, false, "127.0.0.1", "192.0.2.10", 31100, 31199, NULL};
  g_assert_cmpint(gw_ice_new(&oa, &cbs, &a, &a.ice, NULL), ==, GW_OK);
  g_assert_cmpint(gw_ice_new(&ob, &cbs, &b, &b.ice, NULL), ==, GW_OK);
  /* The gateway sets its own credentials: any ICE characters, '+' and '/' included. */
  g_assert_cmpint(gw_ice_set_local_credentials(a.ice, "Ab+/cd9Z", "Zx+/0123456789abcdefghij", NULL), ==, GW_OK);
  g_assert_cmpstr(gw_ice_ufrag(a.ice), ==, "Ab+/cd9Z");
  g_assert_cmpint(gw_ice_gather(a.ice, NULL), ==, GW_OK);
  g_assert_cmpint(gw_ice_gather(b.ice, NULL), ==, GW_OK);
  spin_until(&a.gathered, 2000);
  spin_until(&b.gathered, 2000);
  g_assert_true(a.gathered && b.gathered);
  g_assert_cmpuint(a.cands->len, >=, 1);
  /* b advertises its 1:1 NAT address instead of the bound one. */
  g_assert_nonnull(strstr(b.cands->pdata[0], " 192.0.2.10 "));

  gw_why why = {""};
  g_assert_cmpint(gw_ice_set_remote_credentials(a.ice, gw_ice_ufrag(b.ice), gw_ice_pwd(b.ice), &why), ==, GW_OK);
  g_assert_cmpint(gw_ice_set_remote_credentials(b.ice, gw_ice_ufrag(a.ice), gw_ice_pwd(a.ice), &why), ==, GW_OK);
  /* b learns a's real candidates; a learns b's only through its checks (prflx), as with a NAT. */
  for (guint i = 0; i < a.cands->len; i++) g_assert_cmpint(gw_ice_add_remote_candidate(b.ice, a.cands->pdata[i], &why), ==, GW_OK);
  gw_ice_remote_gathering_done(b.ice);

  g_assert_cmpint(gw_ice_add_remote_candidate(a.ice, "candidate:1 1 udp 2122260223 abcd.local 5000 typ host", &why), ==,
                  GW_EUNSUPP);
  g_assert_cmpint(gw_ice_add_remote_candidate(a.ice, "candidate:1 2 udp 2122260223 127.0.0.1 5000 typ host", &why), ==,
                  GW_EUNSUPP);
  g_assert_cmpint(gw_ice_add_remote_candidate(a.ice, "candidate:garbage", &why), !=, GW_OK);
  g_assert_cmpint(gw_ice_set_remote_credentials(a.ice, "ab", "short", &why), ==, GW_EINVAL);

  gboolean both = FALSE;
  gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!both && g_get_monotonic_time() < end) {
    g_main_context_iteration(NULL, FALSE);
    g_usleep(1000);
    both = a.state == GW_ICE_CONNECTED && b.state == GW_ICE_CONNECTED;
  }
  g_assert_true(both);
  g_assert_cmpint(gw_ice_send(b.ice, (const uint8_t *)"hello", 5), ==, GW_OK);
  g_assert_cmpint(gw_ice_send(a.ice, (const uint8_t *)"world", 5), ==, GW_OK);
  end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while ((a.got->len < 5 || b.got->len < 5) && g_get_monotonic_time() < end) g_main_context_iteration(NULL, FALSE), g_usleep(500);
  g_assert_cmpmem(a.got->data, a.got->len, "hello", 5);
  g_assert_cmpmem(b.got->data, b.got->len, "world", 5);
  const char *l, *r;
  gw_ice_selected_types(b.ice, &l, &r);
  g_assert_cmpstr(l, ==, "host");

  gw_ice_free(a.ice);
  gw_ice_free(b.ice);
  g_ptr_array_free(a.cands, TRUE);
  g_ptr_array_free(b.cands, TRUE);
  g_byte_array_free(a.got, TRUE);
  g_byte_array_free(b.got, TRUE);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ice/connect-loopback", test_connect);
  return g_test_run();
}
