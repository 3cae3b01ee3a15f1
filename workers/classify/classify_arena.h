/* The memory of one Classified: every label, span, entity, array and string of a
 * classification is carved out of a few large blocks, freed together by
 * ww_classified_free (classify.h).  With one malloc per string (the contract of
 * protobuf_c_message_free_unpacked) the output's mallocs and protobuf-c's field-by-field
 * free were a third of classifying an English news story (docs/benchmarks.md).
 *
 * The Classified itself is the first object of the first block, so the message alone
 * finds its blocks: the first block heads the chain of the others.  Nothing in an
 * arena is freed on its own; a string may be shared by several fields (a taxonomy's
 * name in each of its labels). */
#ifndef WW_CLASSIFY_ARENA_H
#define WW_CLASSIFY_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ww__arena_block ww__arena_block;

typedef struct ww__arena {
    ww__arena_block *first; /* NULL until ww__arena_open */
    char *p, *end;          /* free room of the newest block */
} ww__arena;

/* Take a first block with room for at least size bytes (more blocks come as needed).
 * Returns 0 or WW_ENOMEM. */
int ww__arena_open(ww__arena *a, size_t size);
/* Free every block of a (an arena never handed to a Classified); a is then closed. */
void ww__arena_drop(ww__arena *a);
/* The blocks of the arena whose first object is first (the Classified): freed. */
void ww__arena_free_first(void *first);
/* Slow path of the allocators below: a new block of at least n + align bytes. */
void *ww__arena_grow(ww__arena *a, size_t n, size_t align);

/* n bytes aligned for any protobuf-c struct (8), uninitialised; NULL on ENOMEM. */
static inline void *ww__arena_alloc(ww__arena *a, size_t n) {
    char *p = (char *)(((uintptr_t)a->p + 7) & ~(uintptr_t)7);
    if (p > a->end || (size_t)(a->end - p) < n)
        return ww__arena_grow(a, n, 8);
    a->p = p + n;
    return p;
}

/* n zeroed bytes, aligned as above. */
static inline void *ww__arena_zalloc(ww__arena *a, size_t n) {
    void *p = ww__arena_alloc(a, n);
    return p ? memset(p, 0, n) : NULL;
}

/* A NUL-terminated copy of s[0, n) (strings need no alignment). */
static inline char *ww__arena_strndup(ww__arena *a, const char *s, size_t n) {
    char *p;
    if ((size_t)(a->end - a->p) > n) {
        p = a->p;
        a->p += n + 1;
    } else if (!(p = ww__arena_grow(a, n + 1, 1))) {
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static inline char *ww__arena_strdup(ww__arena *a, const char *s) {
    return ww__arena_strndup(a, s, strlen(s));
}

#endif
