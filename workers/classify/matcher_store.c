/* The matcher's storage while it is built: the character arena that holds the keys,
 * and the runs of postings, each grown by doubling at the end of one array.  Used by
 * matcher.c (phrases) and matcher_parts.c (parts of compounds); apart from both so
 * neither calls into the other. */
#include "matcher_internal.h"

#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"

/* Copy s[0..n) and a NUL into the arena; its offset in *off.  WW_ENOMEM when the
 * arena cannot grow or would pass 4 GiB (offsets are 32-bit). */
int ww__matcher_chars_add(ww__matcher *m, const char *s, size_t n, uint32_t *off) {
    if (m->nchars + n + 1 > m->capchars) {
        size_t cap = m->capchars ? m->capchars : 1 << 16;
        while (cap < m->nchars + n + 1)
            cap *= 2;
        char *nc = cap <= UINT32_MAX ? realloc(m->chars, cap) : NULL;
        if (!nc)
            return WW_ENOMEM;
        m->chars = nc;
        m->capchars = cap;
    }
    memcpy(m->chars + m->nchars, s, n);
    m->chars[m->nchars + n] = 0;
    *off = (uint32_t)m->nchars;
    m->nchars += n + 1;
    return 0;
}

/* Room of a run of n postings while building: n rounded up to a power of two. */
static uint32_t run_room(const ww__matcher *m, uint32_t n) {
    if (m->packed || n < 2)
        return n;
    uint32_t r = 1;
    while (r < n)
        r <<= 1;
    return r;
}

/* Append q to the run (*post, *npost) of the posting array. */
int ww__matcher_run_push(ww__matcher *m, uint32_t *post, uint32_t *npost,
                         const ww__posting *q) {
    uint32_t n = *npost;
    if (n == UINT32_MAX)
        return WW_ENOMEM;
    if (n == 0 || n == run_room(m, n)) { /* full: a new run at the end, twice the room */
        size_t room = n ? (size_t)n * 2 : 1;
        if (m->npost + room > m->cappost) {
            size_t cap = m->cappost ? m->cappost : 4096;
            while (cap < m->npost + room)
                cap *= 2;
            ww__posting *np =
                cap <= UINT32_MAX ? realloc(m->post, cap * sizeof *np) : NULL;
            if (!np)
                return WW_ENOMEM;
            m->post = np;
            m->cappost = cap;
        }
        if (n)
            memcpy(m->post + m->npost, m->post + *post, n * sizeof *m->post);
        *post = (uint32_t)m->npost;
        m->npost += room;
    }
    m->post[*post + n] = *q;
    *npost = n + 1;
    return 0;
}
