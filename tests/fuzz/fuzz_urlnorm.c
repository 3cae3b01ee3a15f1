/* Fuzz URL normalisation and origin splitting; a normalised URL must normalise to
 * itself (idempotence), or the seen-set would hold two keys for one URL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/fetch.h"

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
    }
    free(o);
    free(pq);
    free(out);
    free(out2);
    free(s);
    return 0;
}
