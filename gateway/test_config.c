#include <glib.h>
#include <string.h>

#include "gateway/config.h"

static gw_config *load(const char *text, int *rc, gw_why *why) {
  gw_config *c = gw_config_new();
  *rc = gw_config_load_data(c, text, strlen(text), "t.conf", why);
  if (*rc == GW_OK) *rc = gw_config_validate(c, why);
  return c;
}

static void test_defaults(void) {
  gw_config *c = gw_config_new();
  gw_why why = {""};
  g_assert_cmpint(gw_config_validate(c, &why), ==, GW_OK);
  g_assert_cmpint(c->ws_port, ==, 8443);
  g_assert_cmpint(c->sip_port, ==, 5060);
  g_assert_cmpstr(c->bind_address, ==, "127.0.0.1");
  g_assert_true(c->tls_enabled);
  g_assert_false(gw_config_has_trunk(c));
  g_assert_cmpstr(c->trunk_codecs[0], ==, "PCMU");
  g_assert_cmpstr(c->trunk_codecs[1], ==, "PCMA");
  g_assert_null(c->trunk_codecs[2]);
  g_assert_cmpint(gw_config_srtp_policy(c), ==, GW_SRTP_MANDATORY);
  g_assert_cmpfloat(c->max_worker_cpu, ==, 0);
  gw_config_free(c);
}

static void test_good_file(void) {
  int rc;
  gw_why why = {""};
  gw_config *c = load("# comment\n[server]\nws_port = 9443\nbind_address=0.0.0.0\n[auth]\njwt_secret=s3cret\n"
                      "[trunk]\nproxy=sip:trunk.example.net;transport=tcp\nsrtp=optional\n"
                      "srtp_suites=AEAD_AES_128_GCM; AES_CM_128_HMAC_SHA1_32\nregister=yes\n"
                      "[media]\nrtp_port_min=30000\nrtp_port_max=30100\n"
                      "[limits]\nmax_worker_cpu_percent = 85.5\n"
                      "[routes]\n+15551230000 = alice\n442071838750=bob\n",
                      &rc, &why);
  g_assert_cmpint(rc, ==, GW_OK);
  g_assert_cmpint(c->ws_port, ==, 9443);
  g_assert_cmpfloat(c->max_worker_cpu, ==, 85.5);
  g_assert_true(gw_config_has_trunk(c));
  g_assert_true(c->trunk_register);
  g_assert_cmpint(gw_config_srtp_policy(c), ==, GW_SRTP_OPTIONAL);
  g_assert_cmpstr(c->trunk_srtp_suites[1], ==, "AES_CM_128_HMAC_SHA1_32");
  g_assert_cmpstr(gw_config_route(c, "+15551230000"), ==, "alice");
  g_assert_cmpstr(gw_config_route(c, "442071838750"), ==, "bob");
  g_assert_null(gw_config_route(c, "123"));
  gw_config_free(c);
}

/* Each bad file must name the file, the section, the key and the reason. */
static const struct {
  const char *text, *expect;
} bad[] = {
  {"[server]\nws_port=70000\n", "t.conf: [server] ws_port: 70000 is out of range 1..65535"},
  {"[server]\nws_port=eighty\n", "t.conf: [server] ws_port: 'eighty' is not a whole number"},
  {"[limits]\nmax_worker_cpu_percent=high\n", "t.conf: [limits] max_worker_cpu_percent: 'high' is not a number"},
  {"[limits]\nmax_worker_cpu_percent=100.5\n", "t.conf: [limits] max_worker_cpu_percent: 100.5 is out of range 0..100"},
  {"[limits]\nmax_worker_cpu_percent=nan\n", "t.conf: [limits] max_worker_cpu_percent: 'nan' is not a number"},
  {"[trunk]\ncountry_code=\n", "t.conf: [trunk] country_code: '' is not a country calling code"},
  {"[trunk]\ncountry_code=+44\n", "t.conf: [trunk] country_code: '+44' is not a country calling code"},
  {"[server]\nwsport=80\n", "t.conf: [server] wsport: unknown key"},
  {"[serve]\nws_port=80\n", "t.conf: [serve]: unknown section"},
  {"[tls]\nenabled=perhaps\n", "t.conf: [tls] enabled: 'perhaps' is not a boolean"},
  {"[trunk]\nsrtp=sometimes\n", "t.conf: [trunk] srtp: 'sometimes' is not one of mandatory|optional|off"},
  {"[trunk]\ncodecs=PCMU;G729\n", "t.conf: [trunk] codecs: 'G729' is not one of"},
  {"[trunk]\nproxy=http://x\n", "t.conf: [trunk] proxy: 'http://x' is not a sip: or sips: URI"},
  {"[trunk]\nha1=xyz\n", "t.conf: [trunk] ha1: must be 32 hex digits"},
  {"[trunk]\nusername=u\npassword=p\nha1=939e7578ed9e3c518a452acee763bce9\n", "t.conf: [trunk] ha1: set either ha1 or password"},
  {"[trunk]\nha1=939e7578ed9e3c518a452acee763bce9\n", "t.conf: [trunk] ha1: needs [trunk] username"},
  {"[sip]\nblock_after_failures=-1\n", "t.conf: [sip] block_after_failures: -1 is out of range"},
  {"[media]\nrtp_port_min=40000\nrtp_port_max=30000\n", "t.conf: [media] rtp_port_min: 40000 is above"},
  {"[tls]\ncert=/nonexistent/cert.pem\nkey=/nonexistent/key.pem\n", "t.conf: [tls] cert: cannot read '/nonexistent/cert.pem'"},
  {"[tls]\ncert=/etc/hostname\nkey=/etc/hostname\n", "t.conf: [tls] cert: '/etc/hostname' holds no PEM"},
  {"[tls]\ncert=/etc/hostname\n", "t.conf: [tls] key: cert and key go together"},
  {"[server]\nbind_address=0.0.0.0\n", "t.conf: [server] bind_address: '0.0.0.0' is not loopback while authentication is off"},
  {"[turn]\nservers=turn:127.0.0.1:3478\n", "t.conf: [turn] secret: needed when servers are set"},
  {"[routes]\nalice=+1555\n", "t.conf: [routes] alice: a DID is digits"},
  {"[routes]\n+1555=al ice\n", "t.conf: [routes] +1555: 'al ice' is not a user name"},
  {"[server\nws_port=1\n", "t.conf: "},
};

static void test_bad_files(void) {
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    int rc;
    gw_why why = {""};
    gw_config *c = load(bad[i].text, &rc, &why);
    g_test_message("case %zu: %s", i, why.msg);
    g_assert_cmpint(rc, !=, GW_OK);
    g_assert_nonnull(strstr(why.msg, bad[i].expect));
    gw_config_free(c);
  }
}

static void test_override(void) {
  gw_config *c = gw_config_new();
  gw_why why = {""};
  g_assert_cmpint(gw_config_set(c, "server", "ws_port", "0", "--ws-port", &why), ==, GW_EINVAL);
  g_assert_cmpstr(why.msg, ==, "--ws-port: [server] ws_port: 0 is out of range 1..65535");
  g_assert_cmpint(gw_config_set(c, "server", "ws_port", " 9000 ", "--ws-port", &why), ==, GW_OK);
  g_assert_cmpint(c->ws_port, ==, 9000);
  gw_config_free(c);
}

static void test_reference(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  gw_config_write_reference(f);
  fclose(f);
  g_assert_nonnull(strstr(buf, "### [trunk]"));
  g_assert_nonnull(strstr(buf, "| `ws_port` | `8443` |"));
  free(buf);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/good-file", test_good_file);
  g_test_add_func("/config/bad-files", test_bad_files);
  g_test_add_func("/config/override", test_override);
  g_test_add_func("/config/reference", test_reference);
  return g_test_run();
}
