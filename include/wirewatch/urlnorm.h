/* URL normalisation and origin keys for the fetch stage (workers/fetch/urlnorm.c). */
#ifndef WIREWATCH_URLNORM_H
#define WIREWATCH_URLNORM_H

#include <stddef.h>

/* Normalise an absolute http(s) URL: scheme and host lower-case, trailing dot of the
 * host dropped, default port removed, dot segments resolved, empty path -> "/",
 * fragment removed, percent-escapes upper-case, query parameters whose name matches
 * one of `drop_params` removed (an entry ending in '*' is a prefix: "utm_*").  Returns
 * 0 with a malloc'd *out, WW_EINVAL (not an absolute http/https URL; err says why) or
 * WW_ENOMEM. */
int ww_url_normalize(const char *url, const char *const *drop_params, size_t n_drop,
                     char **out, char *err, size_t errlen);

/* What the fetch stage needs of one URL, from one parse: its origin and path+query (as
 * ww_url_origin gives them) and libcurl's parsed handle of it (for CURLOPT_CURLU, so
 * libcurl does not parse the URL again). */
typedef struct ww_url_parts {
    char *origin, *path_query;
    struct Curl_URL *handle;
} ww_url_parts;
/* ww_url_normalize, plus the parts of the result.  On error *parts is all NULL. */
int ww_url_normalize_parts(const char *url, const char *const *drop_params, size_t n_drop,
                           char **out, ww_url_parts *parts, char *err, size_t errlen);
void ww_url_parts_free(ww_url_parts *parts);

/* Origin key "scheme://host:port" (port always present) and the path plus query
 * ("/" when empty) of an absolute http(s) URL, both malloc'd.  Returns 0, WW_EINVAL
 * or WW_ENOMEM. */
int ww_url_origin(const char *url, char **origin, char **path_query);

#endif
