/* Stems already computed: see stem_cache.h. */
#include "stem_cache.h"

#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

/* WW__STEM_CACHE_SETS sets of 2 ways.  Direct-mapped (one way, the first version, in
 * tokenize.c) missed on a tenth of German words even when the same dozen stories came
 * round again: two frequent words that share a slot evict each other on every
 * document.  With two ways and the least recent one replaced, a set holds both. */
#define SETS WW__STEM_CACHE_SETS
#define WAYS 2

typedef struct slot {
    const void *st; /* NULL: empty */
    uint64_t shash; /* ww__hash_bytes of the stem */
    uint32_t tag;   /* the word's hash, high bits: most misses end here */
    uint8_t wl, sl, tm;
    char w[WW__STEM_CACHE_MAX], s[WW__STEM_CACHE_MAX];
} slot;

struct ww__stem_cache {
    slot v[SETS][WAYS];
    uint8_t lru[SETS]; /* the way to replace next */
};

ww__stem_cache *ww__stem_cache_new(void) { return calloc(1, sizeof(ww__stem_cache)); }

void ww__stem_cache_free(ww__stem_cache *c) { free(c); }

static size_t set_of(uint64_t whash, int tm) {
    return (size_t)((whash ^ (uint64_t)tm) & (SETS - 1));
}

const char *ww__stem_cache_get(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                               const char *w, size_t wl, size_t *sl, uint64_t *shash) {
    if (wl > WW__STEM_CACHE_MAX)
        return NULL;
    size_t k = set_of(whash, tm);
    uint32_t tag = (uint32_t)(whash >> 32);
    for (int i = 0; i < WAYS; i++) {
        slot *s = &c->v[k][i];
        if (s->tag == tag && s->st == st && s->wl == wl && s->tm == tm &&
            ww__same_bytes(s->w, w, wl)) {
            c->lru[k] = (uint8_t)(i ^ 1);
            *sl = s->sl;
            *shash = s->shash;
            return s->s;
        }
    }
    return NULL;
}

void ww__stem_cache_put(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                        const char *w, size_t wl, const char *stem, size_t sl,
                        uint64_t shash) {
    if (wl > WW__STEM_CACHE_MAX || sl > WW__STEM_CACHE_MAX)
        return;
    size_t k = set_of(whash, tm);
    int i = c->lru[k];
    slot *s = &c->v[k][i];
    c->lru[k] = (uint8_t)(i ^ 1);
    s->st = st;
    s->shash = shash;
    s->tag = (uint32_t)(whash >> 32);
    s->wl = (uint8_t)wl;
    s->sl = (uint8_t)sl;
    s->tm = (uint8_t)tm;
    memcpy(s->w, w, wl);
    memcpy(s->s, stem, sl);
}
