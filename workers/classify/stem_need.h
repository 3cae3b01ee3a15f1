/* Internal: which words of a document can need their stem at all (stem_need.c).
 *
 * The stem pass looks a token's stem up as a phrase's word (first or later) and, for a
 * language with compound parts, as a part's head inside it; a stem that is no such
 * key matches nothing.  On real German news (10kGNAD) a sixth of the words are a
 * document set's first occurrences, and Snowball (~4,000 instructions a word) was most
 * of matching them.  German Snowball (libstemmer 2.2) only deletes at a word's end and
 * folds ä ö ü to a o u and ß to ss, so a stem is a prefix of the word so folded: a word
 * whose folded prefixes start no key word, and none of whose folded middles starts a
 * head, needs no stem -- decided from a few bytes, before the cache and the stemmer.
 *
 * The filter holds every stemmed key word of one language and the last bytes of every
 * head (a head ends the stem), as bits of a hash, and asks them for each prefix of the
 * folded word that leaves an end the stemmer could have deleted: false positives only
 * stem a word for nothing, so the stem pass's output is unchanged.  It is made
 * only for a stemmer proved to behave so (ww__stem_need_new probes it); a stemmer
 * that does not (another language, another Snowball version: Snowball 3 folds "ae"
 * to "a") gets none and every word is stemmed as before.  Owned by the matcher. */
#ifndef WW_CLASSIFY_STEM_NEED_H
#define WW_CLASSIFY_STEM_NEED_H

#include <stddef.h>
#include <stdint.h>

struct sb_stemmer;
typedef struct ww__stem_need ww__stem_need;

/* An empty filter for stemmer st, or NULL when st is not German Snowball as the
 * filter assumes, or when out of memory.  head_min: code points of the shortest head
 * and of what comes before it (PART_MIN_CPS): a shorter stem is not searched. */
ww__stem_need *ww__stem_need_new(struct sb_stemmer *st, size_t head_min);
void ww__stem_need_free(ww__stem_need *f);
/* Bytes f holds (0 for NULL), for ww__matcher_bytes. */
size_t ww__stem_need_bytes(const ww__stem_need *f);
/* Keep s[0..n), a stem that is a word of a stemmed phrase or a compound's head. */
void ww__stem_need_add_word(ww__stem_need *f, const char *s, size_t n);
void ww__stem_need_add_head(ww__stem_need *f, const char *s, size_t n);
/* 0 when the stem of word w[0..n) (a normal form) is certainly none of the kept keys
 * and ends with none of the kept heads; 1 when it may. */
int ww__stem_needed(const ww__stem_need *f, const char *w, size_t n);

#endif
