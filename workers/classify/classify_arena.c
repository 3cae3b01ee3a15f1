/* The blocks behind ww__arena (classify_arena.h): a first block that heads the chain,
 * and more blocks, each at least twice the last, when a classification outgrows it. */
#include <stdlib.h>

#include "classify_arena.h"
#include "wirewatch/error.h"

/* 16 bytes: the data after it keeps malloc's alignment */
struct ww__arena_block {
    ww__arena_block *next; /* in the first block: the newest other block */
    size_t size;           /* bytes of data after this header */
};

static ww__arena_block *block_new(size_t size) {
    ww__arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    return b;
}

static void use_block(ww__arena *a, ww__arena_block *b) {
    a->p = (char *)(b + 1);
    a->end = a->p + b->size;
}

int ww__arena_open(ww__arena *a, size_t size) {
    ww__arena_block *b = block_new(size);
    if (!b)
        return WW_ENOMEM;
    a->first = b;
    use_block(a, b);
    return 0;
}

void *ww__arena_grow(ww__arena *a, size_t n, size_t align) {
    if (!a->first)
        return ww__arena_open(a, n + align + 4096) ? NULL : ww__arena_alloc(a, n);
    /* twice the newest block (the first when it is alone), and room for n */
    ww__arena_block *last = a->first->next ? a->first->next : a->first;
    size_t size = last->size * 2;
    if (size < n + align)
        size = n + align;
    ww__arena_block *b = block_new(size);
    if (!b)
        return NULL;
    b->next = a->first->next;
    a->first->next = b;
    use_block(a, b);
    char *p = (char *)(((uintptr_t)a->p + (align - 1)) & ~(uintptr_t)(align - 1));
    a->p = p + n;
    return p;
}

static void free_chain(ww__arena_block *first) {
    if (!first)
        return;
    ww__arena_block *b = first->next;
    while (b) {
        ww__arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(first);
}

void ww__arena_drop(ww__arena *a) {
    free_chain(a->first);
    a->first = NULL;
    a->p = a->end = NULL;
}

void ww__arena_free_first(void *first) {
    if (first)
        free_chain((ww__arena_block *)first - 1);
}
