/* Stems already computed: see stem_cache.h. */
#include "stem_cache.h"

#include "tokenize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SETS WW__STEM_CACHE_SETS
#define NONE_SETS WW__STEM_CACHE_NONE
#define ROOM WW__STEM_CACHE_MAX
typedef ww__stem_slot slot;

_Static_assert(sizeof(slot) == 64, "a stem cache slot is one cache line");

/* Zeroed and aligned so that each entry is one cache line, not two (calloc gives 16
 * bytes): calloc'd with a line to spare, the block's own address kept just before the
 * cache.  Not aligned_alloc + memset: a block this large comes from mmap already zero,
 * and its pages become resident only when a word is cached in them -- the memset made
 * all 2.3 MB resident in every classify thread whatever the language (English stems
 * nothing), +2 MB on the Kafka classify worker's peak (docs/benchmarks.md, "Round 8"). */
ww__stem_cache *ww__stem_cache_new(void) {
    _Static_assert(sizeof(ww__stem_cache) % 64 == 0, "whole cache lines");
    char *raw = calloc(1, sizeof(ww__stem_cache) + 64);
    if (!raw)
        return NULL;
    /* raw is 16-aligned, so at least 16 bytes lie between it and c */
    ww__stem_cache *c = (ww__stem_cache *)(raw + 64 - ((uintptr_t)raw & 63));
    memcpy((char *)c - sizeof raw, &raw, sizeof raw);
    return c;
}

void ww__stem_cache_free(ww__stem_cache *c) {
    if (!c)
        return;
    char *raw;
    memcpy(&raw, (char *)c - sizeof raw, sizeof raw);
    free(raw);
}

static size_t set_of(uint64_t whash, int tm) {
    return (size_t)((whash ^ (uint64_t)tm) & (SETS - 1));
}

void ww__stem_cache_put(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                        const char *w, size_t wl, const char *stem, size_t sl,
                        uint64_t shash) {
    int start = sl <= wl && memcmp(stem, w, sl) == 0; /* the word's own start */
    if (wl > ROOM || (!start && wl + sl > ROOM))
        return;
    size_t k = set_of(whash, tm);
    slot *s = &c->none[k & (NONE_SETS - 1)];
    if (sl) {
        int i = c->lru[k];
        s = &c->v[k][i];
        c->lru[k] = (uint8_t)(i ^ 1);
    }
    s->st = st;
    s->shash = shash;
    s->tag = (uint32_t)(whash >> 32);
    s->wl = (uint8_t)wl;
    s->sl = (uint8_t)sl;
    s->tm = (uint8_t)(tm | (start ? 2 : 0));
    memcpy(s->b, w, wl);
    if (!start)
        memcpy(s->b + wl, stem, sl);
}
