/* Maps a URL path to a file below the web root, refusing anything that would leave it. */
#ifndef GW_HTTP_FILES_H
#define GW_HTTP_FILES_H

#include "gateway/err.h"

/* On success *fs_path is a g_malloc'd path of a regular file inside web_root and *mime its content
 * type. GW_ENOTFOUND for a missing file, a directory without index.html, or any escape attempt. */
int gw_http_resolve(const char *web_root, const char *url_path, char **fs_path, const char **mime);

#endif
