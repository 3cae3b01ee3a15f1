/* Internal: one multi-phrase matcher for every taxonomy term and every gazetteer name.
 *
 * Phrases are stored by the normal forms of their tokens in one open-addressing hash
 * table keyed by a rolling hash of the token sequence; every proper prefix of a phrase
 * is stored too (without postings), so a scan extends an n-gram only while some phrase
 * still starts with it.  The work per document is (tokens x a few lookups) whatever
 * the number of phrases: the cost measured in MEASURED.md to grow with rule count
 * (Hyperscan with many hitting literals) does not arise.
 *
 * A phrase can carry several postings (the same word in two topics, or a topic term
 * and a country alias).  A case-sensitive posting matches only when the original text,
 * NFKC-normalised but not case-folded, equals the phrase's own NFKC form token by
 * token ("US" the country, not "us"). */
#ifndef WW_CLASSIFY_MATCHER_H
#define WW_CLASSIFY_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"

enum { WW__P_TERM = 0, WW__P_EXCLUDE = 1, WW__P_ENTITY = 2 };

typedef struct ww__posting {
    uint8_t kind;           /* WW__P_* */
    uint8_t case_sensitive;
    uint32_t owner;         /* taxonomy index (terms), unused for entities */
    uint32_t item;          /* topic index or entity index */
    uint32_t term;          /* term index within the topic (for repeat damping) */
    float weight;
    char *cased;            /* NFKC tokens joined by ' ' (case-sensitive only) */
} ww__posting;

typedef struct ww__matcher ww__matcher;

ww__matcher *ww__matcher_new(void);
void ww__matcher_free(ww__matcher *m);

/* Add phrase with posting p (copied).  Returns 0, WW_EINVAL when the phrase has no
 * word token or more than WW_TAX_MAX_PHRASE_TOKENS, or WW_ENOMEM. */
int ww__matcher_add(ww__matcher *m, const char *phrase, size_t len, const ww__posting *p);

size_t ww__matcher_phrases(const ww__matcher *m);

/* Called for every posting of every phrase found at tokens [first, first + n). */
typedef void ww__match_cb(void *opaque, const ww__posting *p, size_t first, size_t n);

/* Report every match in toks (tokens of text, case-folded). */
void ww__matcher_scan(const ww__matcher *m, const char *text, const ww__toks *toks,
                      ww__match_cb *cb, void *opaque);

#endif
