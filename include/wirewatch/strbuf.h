/* A growable string (doubling, one NUL kept after the data); oom sticks, so a run of
 * puts can be checked once at the end. */
#ifndef WIREWATCH_STRBUF_H
#define WIREWATCH_STRBUF_H

#include <stddef.h>

typedef struct ww_sb {
    char *s;
    size_t len, cap;
    int oom;
} ww_sb;

/* Append n bytes; returns 0 or WW_ENOMEM (and every later put fails too). */
int ww_sb_put(ww_sb *b, const char *s, size_t n);
static inline int ww_sb_puts(ww_sb *b, const char *s) {
    size_t n = 0;
    while (s[n])
        n++;
    return ww_sb_put(b, s, n);
}
/* Take the string (NUL-terminated, "" if empty); the builder is reset. NULL on OOM. */
char *ww_sb_take(ww_sb *b, size_t *len);
void ww_sb_free(ww_sb *b);

#endif
