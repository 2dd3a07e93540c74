#include "signaling/http_files.h"

#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *ext, *mime;
} mime_types[] = {
  {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
  {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
  {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
  {".ico", "image/x-icon"}, {".wav", "audio/wav"}, {".txt", "text/plain; charset=utf-8"},
  {".md", "text/markdown; charset=utf-8"},
};

static const char *mime_for(const char *path) {
  for (size_t i = 0; i < G_N_ELEMENTS(mime_types); i++)
    if (g_str_has_suffix(path, mime_types[i].ext)) return mime_types[i].mime;
  return "application/octet-stream";
}

/* Each segment must be a plain name: no "..", no ".", no hidden files, no backslashes or NULs. */
static bool safe_segments(const char *p) {
  gchar **segs = g_strsplit(p, "/", -1);
  bool ok = true;
  for (gchar **s = segs; *s && ok; s++) {
    if (!**s) continue;
    ok = (*s)[0] != '.' && !strchr(*s, '\\') && !strchr(*s, '%');
  }
  g_strfreev(segs);
  return ok;
}

int gw_http_resolve(const char *web_root, const char *url_path, char **fs_path, const char **mime) {
  if (!url_path || url_path[0] != '/' || strlen(url_path) > 1024 || !safe_segments(url_path))
    return GW_ENOTFOUND;
  char root[PATH_MAX];
  if (!realpath(web_root, root)) return GW_ENOTFOUND;
  gchar *joined = g_build_filename(root, url_path, NULL);
  if (g_file_test(joined, G_FILE_TEST_IS_DIR)) {
    gchar *idx = g_build_filename(joined, "index.html", NULL);
    g_free(joined);
    joined = idx;
  }
  char real[PATH_MAX];
  int rc = GW_ENOTFOUND;
  /* realpath resolves symbolic links too: the result must still lie below the root. */
  if (realpath(joined, real) && g_str_has_prefix(real, root) && real[strlen(root)] == '/' &&
      g_file_test(real, G_FILE_TEST_IS_REGULAR)) {
    *fs_path = g_strdup(real);
    *mime = mime_for(real);
    rc = GW_OK;
  }
  g_free(joined);
  return rc;
}
