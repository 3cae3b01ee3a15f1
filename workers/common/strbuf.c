/* Growable string (include/wirewatch/strbuf.h). */
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/strbuf.h"

int ww_sb_put(ww_sb *b, const char *s, size_t n) {
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

char *ww_sb_take(ww_sb *b, size_t *len) {
    char *s = b->s;
    if (b->oom) {
        ww_sb_free(b);
        return NULL;
    }
    if (!s)
        s = calloc(1, 1);
    if (len)
        *len = s ? b->len : 0;
    memset(b, 0, sizeof *b);
    return s;
}

void ww_sb_free(ww_sb *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}
