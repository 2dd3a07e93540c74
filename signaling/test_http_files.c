#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "signaling/http_files.h"

static char *root;

static void setup_tree(void) {
  root = g_dir_make_tmp("gwweb-XXXXXX", NULL);
  gchar *p = g_build_filename(root, "index.html", NULL);
  g_file_set_contents(p, "<html></html>", -1, NULL);
  g_free(p);
  p = g_build_filename(root, "js", NULL);
  g_mkdir(p, 0755);
  g_free(p);
  p = g_build_filename(root, "js", "client.js", NULL);
  g_file_set_contents(p, "//", -1, NULL);
  g_free(p);
  p = g_build_filename(root, "escape.html", NULL);
  g_assert_cmpint(symlink("/etc/passwd", p), ==, 0);
  g_free(p);
}

static void expect(const char *url, int rc, const char *mime) {
  char *fs = NULL;
  const char *m = NULL;
  g_assert_cmpint(gw_http_resolve(root, url, &fs, &m), ==, rc);
  if (rc == GW_OK) {
    g_assert_true(g_str_has_prefix(fs, root) || g_str_has_prefix(fs, "/tmp"));
    g_assert_cmpstr(m, ==, mime);
  }
  g_free(fs);
}

static void test_resolve(void) {
  expect("/", GW_OK, "text/html; charset=utf-8");
  expect("/index.html", GW_OK, "text/html; charset=utf-8");
  expect("/js/client.js", GW_OK, "text/javascript; charset=utf-8");
  expect("/js/", GW_ENOTFOUND, NULL);
  expect("/missing.html", GW_ENOTFOUND, NULL);
  expect("/../../etc/passwd", GW_ENOTFOUND, NULL);
  expect("/js/../../etc/passwd", GW_ENOTFOUND, NULL);
  expect("/%2e%2e/etc/passwd", GW_ENOTFOUND, NULL);
  expect("/.hidden", GW_ENOTFOUND, NULL);
  expect("/escape.html", GW_ENOTFOUND, NULL); /* a symlink out of the root */
  expect("relative", GW_ENOTFOUND, NULL);
  expect("/js\\..\\..\\etc", GW_ENOTFOUND, NULL);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  setup_tree();
  g_test_add_func("/http-files/resolve", test_resolve);
  int rc = g_test_run();
  gchar *cmd = g_strdup_printf("rm -rf '%s'", root);
  g_assert_cmpint(system(cmd), ==, 0);
  g_free(cmd);
  g_free(root);
  return rc;
}
