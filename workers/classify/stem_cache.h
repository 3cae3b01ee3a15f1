/* Internal: the stems a classifier thread has already computed, word -> Snowball stem.
 *
 * Snowball was half of classifying German, Russian or Arabic text (a German word
 * costs it ~4,000 instructions), and news vocabulary is Zipfian: most of a document's
 * words were seen in it or in the documents before.  A bounded table, set-associative
 * by the word's hash, keeps the most recent words of at most WW__STEM_CACHE_MAX bytes;
 * a key is compared in full (word, teh marbuta flag, stemmer), so a hit is exactly
 * what the stemmer would return.  One per classifier thread, shared by the title and
 * the text (classify_score.c), owned by the classifier; not thread-safe. */
#ifndef WW_CLASSIFY_STEM_CACHE_H
#define WW_CLASSIFY_STEM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"

/* Longest word kept, in bytes (with its stem, when the stem is not the word's start). */
#define WW__STEM_CACHE_MAX 41
/* Sets (of 2 entries; the set is the word's hash modulo this).  8,192: with 4,096 (8,192
 * words) a quarter of the words of 10kGNAD missed and went to Snowball, half of
 * classifying real German text, though only a sixth are a document set's first
 * occurrences; twice the entries made classifying it 9% faster for 850 KB more a
 * thread (docs/benchmarks.md, "Rules throughput", round 5).  16,384 since round 8, in
 * 64-byte entries (stem_cache.c): 2 MB, where 8,192 sets took 1.7 MB; empty stems
 * apart, in 4,096 more (256 KB). */
#define WW__STEM_CACHE_SETS 16384

/* WW__STEM_CACHE_SETS sets of 2 ways.  Direct-mapped (one way, the first version, in
 * tokenize.c) missed on a tenth of German words even when the same dozen stories came
 * round again: two frequent words that share a slot evict each other on every
 * document.  With two ways and the least recent one replaced, a set holds both. */
#define WW__STEM_CACHE_WAYS 2

/* 64 bytes, one cache line, where a word and a stem of up to 40 bytes each took 104:
 * the word and the stem share WW__STEM_CACHE_MAX bytes, and a stem that is the word's
 * own start (most of them: Snowball deletes endings) is not copied at all.  Twice the
 * entries in 18% more bytes: on 10kGNAD, where a pass's words did not fit, 15% fewer
 * instructions (docs/benchmarks.md, "Round 8"). */
typedef struct ww__stem_slot {
    const void *st; /* NULL: empty */
    uint64_t shash; /* ww__hash_bytes of the stem */
    uint32_t tag;   /* the word's hash, high bits: most misses end here */
    uint8_t wl, sl; /* word and stem lengths */
    uint8_t tm;     /* the teh marbuta flag (bit 0); bit 1: the stem is b[0..sl) */
    char
        b[WW__STEM_CACHE_MAX]; /* the word, then the stem unless it is the word's start */
} ww__stem_slot;

/* Empty stems (words the stem pass ruled out, stem_need.h) have a direct-mapped table
 * of their own: kept among the stems they took a third of the entries on 10kGNAD and
 * pushed out words that need their stem (docs/benchmarks.md, "Round 8"). */
#define WW__STEM_CACHE_NONE 4096

/* In this header so that the stem pass asks it inline (ww__stem_cache_get): with the
 * call a word and push_stem's, the hits were a tenth of matching Spanish stories
 * (docs/benchmarks.md, "Round 11"). */
typedef struct ww__stem_cache {
    ww__stem_slot v[WW__STEM_CACHE_SETS][WW__STEM_CACHE_WAYS];
    uint8_t lru[WW__STEM_CACHE_SETS]; /* the way to replace next */
    ww__stem_slot none[WW__STEM_CACHE_NONE];
} ww__stem_cache;

/* A new, empty cache (about 2.3 MB), or NULL when out of memory.  Free with
 * ww__stem_cache_free (NULL is a no-op). */
ww__stem_cache *ww__stem_cache_new(void);
void ww__stem_cache_free(ww__stem_cache *c);

/* Does slot s hold word w[0..wl) (tag: its hash's high half) of stemmer st? */
static inline int ww__stem_slot_holds(const ww__stem_slot *s, const void *st,
                                      uint32_t tag, int tm, const char *w, size_t wl) {
    return s->tag == tag && s->st == st && s->wl == wl && (s->tm & 1) == tm &&
           ww__same_bytes(s->b, w, wl);
}

/* The stem of word w[0..wl) (whash: its ww__hash_bytes; tm: the token's teh marbuta
 * flag) under stemmer st, or NULL when not kept.  On a hit *sl is the stem's length
 * and *shash its ww__hash_bytes; the stem stays valid until the next put.  Its bytes
 * lie inside the cache, which goes on for at least 8 bytes after them (a caller may
 * copy them by 8-byte words). */
static inline __attribute__((always_inline)) const char *
ww__stem_cache_get(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                   const char *w, size_t wl, size_t *sl, uint64_t *shash) {
    if (wl > WW__STEM_CACHE_MAX)
        return NULL;
    size_t k = (size_t)((whash ^ (uint64_t)tm) & (WW__STEM_CACHE_SETS - 1));
    uint32_t tag = (uint32_t)(whash >> 32);
    for (int i = 0; i < WW__STEM_CACHE_WAYS; i++) {
        ww__stem_slot *s = &c->v[k][i];
        if (ww__stem_slot_holds(s, st, tag, tm, w, wl)) {
            c->lru[k] = (uint8_t)(i ^ 1);
            *sl = s->sl;
            *shash = s->shash;
            return s->tm & 2 ? s->b : s->b + wl;
        }
    }
    ww__stem_slot *s = &c->none[k & (WW__STEM_CACHE_NONE - 1)];
    if (!ww__stem_slot_holds(s, st, tag, tm, w, wl))
        return NULL;
    *sl = 0;
    *shash = s->shash;
    return s->b;
}

/* Keep w's stem s[0..sl) (hash shash), replacing the set's least recent entry; a word
 * longer than WW__STEM_CACHE_MAX, or a word and a stem that is not its start longer
 * together, is not kept. */
void ww__stem_cache_put(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                        const char *w, size_t wl, const char *s, size_t sl,
                        uint64_t shash);

#endif
