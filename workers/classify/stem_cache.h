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

typedef struct ww__stem_cache ww__stem_cache;

/* A new, empty cache (about 2.3 MB), or NULL when out of memory.  Free with
 * ww__stem_cache_free (NULL is a no-op). */
ww__stem_cache *ww__stem_cache_new(void);
void ww__stem_cache_free(ww__stem_cache *c);

/* The stem of word w[0..wl) (whash: its ww__hash_bytes; tm: the token's teh marbuta
 * flag) under stemmer st, or NULL when not kept.  On a hit *sl is the stem's length
 * and *shash its ww__hash_bytes; the stem stays valid until the next put. */
const char *ww__stem_cache_get(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                               const char *w, size_t wl, size_t *sl, uint64_t *shash);
/* Keep w's stem s[0..sl) (hash shash), replacing the set's least recent entry; a word
 * longer than WW__STEM_CACHE_MAX, or a word and a stem that is not its start longer
 * together, is not kept. */
void ww__stem_cache_put(ww__stem_cache *c, const void *st, uint64_t whash, int tm,
                        const char *w, size_t wl, const char *s, size_t sl,
                        uint64_t shash);

#endif
