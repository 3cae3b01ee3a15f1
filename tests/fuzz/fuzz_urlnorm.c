/* Fuzz URL normalisation and origin splitting; a normalised URL must normalise to
 * itself (idempotence), or the seen-set would hold two keys for one URL; the one-parse
 * ww_url_normalize_parts must agree with normalise-then-split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "wirewatch/urlnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const drop[] = {"utm_*", "fbclid", "gclid"};
    char *s = malloc(size + 1), *out = NULL, *out2 = NULL, *o = NULL, *pq = NULL;
    char err[128];
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (ww_url_normalize(s, drop, 3, &out, err, sizeof err) == 0) {
        if (ww_url_normalize(out, drop, 3, &out2, err, sizeof err) != 0 ||
            strcmp(out, out2) != 0)
            abort();
        if (ww_url_origin(out, &o, &pq) != 0)
            abort();
        /* one parse must give what normalising and then splitting gives, and a handle
         * that prints the same URL (it is what libcurl fetches) */
        char *out3 = NULL, *hu = NULL;
        ww_url_parts parts;
        if (ww_url_normalize_parts(s, drop, 3, &out3, &parts, err, sizeof err) != 0 ||
            strcmp(out3, out) != 0 || strcmp(parts.origin, o) != 0 ||
            strcmp(parts.path_query, pq) != 0 ||
            curl_url_get(parts.handle, CURLUPART_URL, &hu, CURLU_NO_DEFAULT_PORT) != 0 ||
            strcmp(hu, out) != 0)
            abort();
        curl_free(hu);
        free(out3);
        ww_url_parts_free(&parts);
    }
    free(o);
    free(pq);
    free(out);
    free(out2);
    free(s);
    return 0;
}
