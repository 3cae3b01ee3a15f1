/* Internal: one multi-phrase matcher for every taxonomy term and every gazetteer name.
 *
 * Phrases are stored by the normal forms of their tokens in one open-addressing hash
 * table keyed by a rolling hash of the token sequence; every proper prefix of a phrase
 * is stored too (without postings), so a scan extends an n-gram only while some phrase
 * still starts with it.  The work per document is (tokens x a few lookups) whatever
 * the number of phrases: the cost measured in MEASURED.md to grow with rule count
 * (Hyperscan with many hitting literals) does not arise.
 *
 * Parts of compounds: a stemmed one-word term written "*Term" (or "Term*", or both;
 * language packs mark theirs with "compounds", docs/taxonomy.md) also matches as the
 * head (last part) or modifier (first part) of a longer word of its language that
 * matched nothing on its own: "*Debatte" finds "Haushaltsdebatte".  The stem pass looks
 * such a word up by its suffixes (and the stem of what precedes a head), a few lookups
 * per unmatched word whatever the number of rules; a part counts half its weight.
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
#include "wirewatch/taxonomy.h"

enum { WW__P_TERM = 0, WW__P_EXCLUDE = 1, WW__P_ENTITY = 2, WW__P_TITLE = 3 };

/* 16 bytes, no pointer: the matcher keeps every posting in one array (matcher.c), 190k
 * of them for the default rules; the flags share one word with the language and the
 * term index (at most WW_TAX_MAX_TERMS a topic, checked below). */
typedef struct ww__posting {
    uint32_t item; /* topic index or entity index */
    float weight;
    /* case-sensitive only: 1 + offset of the NFKC tokens joined by ' ' in the matcher's
     * strings (set by the matcher); 0 = none */
    uint32_t cased;
    unsigned term : 16; /* term index within the topic (for repeat damping) */
    unsigned lang : 8;  /* language index (lang_pack.h); 0 = every language */
    unsigned kind : 2;  /* WW__P_* */
    unsigned case_sensitive : 1;
    /* 1: keyed by Snowball stems, found by the stem pass only */
    unsigned stem : 1;
    /* 1: raw copy of a stemmed phrase, for documents whose language is not known (the
     * stem pass does not run) */
    unsigned twin : 1;
} ww__posting;
_Static_assert(WW_TAX_MAX_TERMS <= 1u << 16, "ww__posting.term is 16 bits");

typedef struct ww__matcher ww__matcher;

ww__matcher *ww__matcher_new(void);
void ww__matcher_free(ww__matcher *m);

/* Add phrase with posting p (copied).  Returns 0, WW_EINVAL when the phrase has no
 * word token or more than WW_TAX_MAX_PHRASE_TOKENS, or WW_ENOMEM.  A case-sensitive
 * posting on a phrase that has no case (Han, Arabic) is stored as case-insensitive. */
int ww__matcher_add(ww__matcher *m, const char *phrase, size_t len, const ww__posting *p);
/* The same keyed by the phrase's Snowball stems (p->stem must be 1): a case-sensitive
 * stemmed posting asks only that the text's first matched letter be upper-case.  A
 * topic term of one word marked "*" at its start or end is also a compound part (see
 * above); st is kept (not owned) to stem what comes before a head in the stem pass. */
struct sb_stemmer;
int ww__matcher_add_stemmed(ww__matcher *m, const char *phrase, size_t len,
                            const ww__posting *p, struct sb_stemmer *st);
/* The filter of language lang's words that can need a stem (stem_need.h), for a
 * ww__toks's need; NULL when the language has none.  Owned by m. */
struct ww__stem_need;
const struct ww__stem_need *ww__matcher_stem_need(const ww__matcher *m, int lang);

size_t ww__matcher_phrases(const ww__matcher *m);

/* Give back what building left over (room reserved for more postings, keys and
 * entries, holes left by posting lists that grew): call once the last phrase is added.
 * Phrases may still be added after, at the cost of a copy of the postings of the
 * phrase they join.  Never fails: without memory for its map of the posting lists
 * (4 bytes a posting) it leaves them as they are. */
void ww__matcher_compact(ww__matcher *m);

/* Bytes the matcher holds (its arrays and tables), for docs/benchmarks.md. */
size_t ww__matcher_bytes(const ww__matcher *m);

/* Called for every posting of every phrase found at tokens [first, first + n). */
typedef void ww__match_cb(void *opaque, const ww__posting *p, size_t first, size_t n);

/* Report every match in toks (tokens of text, case-folded), every posting whatever
 * its language (as for a document of unknown language). */
void ww__matcher_scan(const ww__matcher *m, const char *text, const ww__toks *toks,
                      ww__match_cb *cb, void *opaque);

/* The same for a document in language doclang (index, -1 = unknown): the raw pass
 * (stem_pass 0, toks from ww__tokenize) reports postings of every language (0), of
 * doclang, or of any language when doclang is -1; the stem pass (toks stemmed with
 * doclang's stemmer) reports doclang's stemmed postings only, and its compound parts
 * (posting copies at half weight, span = the whole word). */
void ww__matcher_scan_lang(const ww__matcher *m, const char *text, const ww__toks *toks,
                           int doclang, int stem_pass, ww__match_cb *cb, void *opaque);

/* matcher_case.c: does the original text of tokens [first, first+n), NFKC without
 * case folding, equal cased (segments joined by ' ')?  Does token t of text start with
 * an upper-case (or caseless) letter? */
int ww__cased_equals(const char *cased, const char *text, const ww__toks *t, size_t first,
                     size_t n);
int ww__initial_upper(const char *text, const ww__tok *t);

#endif
