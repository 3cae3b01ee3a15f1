/* Fuzz the robots.txt parser and matcher: the input is split at the first NUL into a
 * robots.txt body and a path to match against it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t blen = nul ? (size_t)(nul - data) : size;
    ww_robots *r = ww_robots_parse((const char *)data, blen, "wirewatch", 512 * 1024);
    if (!r)
        return 0;
    char path[512] = "/";
    if (nul) {
        size_t plen = size - blen - 1;
        if (plen >= sizeof path)
            plen = sizeof path - 1;
        memcpy(path, nul + 1, plen);
        path[plen] = '\0';
        path[strnlen(path, plen)] = '\0';
    }
    (void)ww_robots_allowed(r, path);
    (void)ww_robots_allowed(r, "/");
    (void)ww_robots_crawl_delay(r);
    ww_robots_free(r);
    return 0;
}
