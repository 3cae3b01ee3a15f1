/* Fuzz target: endpoint URI parsing (operator input, but also config files). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    ww_uri u;
    char err[256];
    if (ww_uri_parse(s, &u, err, sizeof err) == 0)
        ww_uri_free(&u);
    free(s);
    return 0;
}
