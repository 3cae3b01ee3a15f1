/* Growable string used by the extractor (doubling, one NUL kept after the data). */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"
#include "wirewatch/error.h"

int ww__sb_put(ww__sb *b, const char *s, size_t n) {
    if (b->oom)
        return WW_ENOMEM;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return WW_ENOMEM;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
    return 0;
}

char *ww__sb_take(ww__sb *b, size_t *len) {
    char *s = b->s;
    if (b->oom) {
        ww__sb_free(b);
        return NULL;
    }
    if (!s)
        s = calloc(1, 1);
    if (len)
        *len = s ? b->len : 0;
    memset(b, 0, sizeof *b);
    return s;
}

void ww__sb_free(ww__sb *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

int ww__icontains(const char *hay, const char *needle) {
    return hay && strcasestr(hay, needle) != NULL;
}
