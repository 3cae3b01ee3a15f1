/* Stems already computed: see stem_cache.h. */
#include "stem_cache.h"

#include "tokenize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* WW__STEM_CACHE_SETS sets of 2 ways.  Direct-mapped (one way, the first version, in
 * tokenize.c) missed on a tenth of German words even when the same dozen stories came
 * round again: two frequent words that share a slot evict each other on every
 * document.  With two ways and the least recent one replaced, a set holds both. */
#define SETS WW__STEM_CACHE_SETS
#define WAYS 2

/* 64 bytes, one cache line, where a word and a stem of up to 40 bytes each took 104:
 * the word and the stem share ROOM bytes, and a stem that is the word's own start
 * (most of them: Snowball deletes endings) is not copied at all.  Twice the entries in
 * 18% more bytes: on 10kGNAD, where a pass's words did not fit, 15% fewer
 * instructions (docs/benchmarks.md, "Round 8"). */
#define ROOM WW__STEM_CACHE_MAX
typedef struct slot {
    const void *st; /* NULL: empty */
    uint64_t shash; /* ww__hash_bytes of the stem */
    uint32_t tag;   /* the word's hash, high bits: most misses end here */
    uint8_t wl, sl; /* word and stem lengths */
    uint8_t tm;     /* the teh marbuta flag (bit 0); bit 1: the stem is b[0..sl) */
    char b[ROOM];   /* the word, then the stem unless it is the word's start */
} slot;

_Static_assert(sizeof(slot) == 64, "a stem cache slot is one cache line");

/* Empty stems (words the stem pass ruled out, stem_need.h) have a direct-mapped table
 * of their own: kept among the stems they took a third of the entries on 10kGNAD and
 * pushed out words that need their stem (docs/benchmarks.md, "Round 8"). */
#define NONE_SETS 4096

struct ww__stem_cache {
    slot v[SETS][WAYS];
    uint8_t lru[SETS]; /* the way to replace next */
    slot none[NONE_SETS];
};

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

static int holds(const slot *s, const void *st, uint32_t tag, int tm, const char *w,
                 size_t wl) {
    return s->tag == tag && s->st == st && s->wl == wl && (s->tm & 1) == tm &&
           ww__same_bytes(s->b, w, wl);
}

const char *ww__stem_cache_get(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                               const char *w, size_t wl, size_t *sl, uint64_t *shash) {
    if (wl > ROOM)
        return NULL;
    size_t k = set_of(whash, tm);
    uint32_t tag = (uint32_t)(whash >> 32);
    for (int i = 0; i < WAYS; i++) {
        slot *s = &c->v[k][i];
        if (holds(s, st, tag, tm, w, wl)) {
            c->lru[k] = (uint8_t)(i ^ 1);
            *sl = s->sl;
            *shash = s->shash;
            return s->tm & 2 ? s->b : s->b + wl;
        }
    }
    slot *s = &c->none[k & (NONE_SETS - 1)];
    if (!holds(s, st, tag, tm, w, wl))
        return NULL;
    *sl = 0;
    *shash = s->shash;
    return s->b;
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
