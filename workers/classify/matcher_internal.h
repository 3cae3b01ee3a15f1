/* Internal to the matcher (matcher.c, matcher_parts.c): its storage, shared by the
 * phrase table and the parts of compounds, which have a file of their own. */
#ifndef WW_CLASSIFY_MATCHER_INTERNAL_H
#define WW_CLASSIFY_MATCHER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "matcher.h"

/* Storage (docs/benchmarks.md, "Classifier memory"): 131k phrases and their prefixes
 * live in a few large arrays, not in one malloc per key and per posting list.  Keys (a
 * phrase's prefixes point into its own key) and case-sensitive forms are strings in
 * one arena (m->chars), postings are runs in one array (m->post), and entries and parts
 * refer to both by 32-bit offsets: 20 bytes an entry instead of 48 plus two allocations
 * (its hash's high half is its slot's tag), and no pointer for the allocator to keep. */
typedef struct entry {
    uint32_t hashlo; /* low half of the hash (the slot's tag is the high half) */
    uint32_t key;    /* offset in chars: normal forms joined by ' ' */
    uint32_t post;   /* first posting in post */
    uint32_t npost;  /* postings of this phrase (0: only a prefix of longer ones) */
    uint16_t keylen; /* bytes */
    uint8_t ntok;
    uint8_t extends; /* next_bit of each token that some longer phrase continues with */
} entry;

/* The probed array holds only a 32-bit tag of the hash and the entry index (8 bytes),
 * so a probe touches one cache line and the table stays small as phrases grow; the
 * entry (low half of the hash, key) is read only when the tag matches. */
typedef struct slot {
    uint32_t tag;  /* high half of the hash */
    uint32_t idx1; /* entry index + 1; 0 = empty */
} slot;

/* A stem that also matches as the head (last part) or the modifier (first part) of a
 * compound word of its language. */
enum { PART_HEAD = 0, PART_MOD = 1 };
typedef struct part {
    uint64_t hash;  /* of key, seeded by side */
    uint32_t key;   /* offset in chars: the stem */
    uint32_t post;  /* first posting in post */
    uint32_t npost; /* postings */
    uint16_t keylen;
    uint8_t side; /* PART_HEAD or PART_MOD */
} part;

/* A part is at least this many code points: shorter stems start or end too many
 * unrelated words (Bürger stems to "burg": Hamburg, Salzburg; Berge to "berg").  A head
 * of PART_LONG_CPS or more needs no known modifier before it. */
#define PART_MIN_CPS 5
#define PART_LONG_CPS 7
/* Words longer than this (bytes) are not searched for parts: URLs, not compounds. */
#define PART_MAX_WORD 64
/* A part of a compound counts this much of its term's weight: the compound can mean
 * more, or something else, than its part (Kunststoff is not art). */
#define PART_WEIGHT 0.5f

struct ww__matcher {
    slot *slots;
    size_t mask, used, phrases;
    entry *ents;
    size_t nents, capents;
    /* Bit filter over one-word keys: a word that starts no phrase is rejected after
     * one bit test in a table small enough to stay in cache. */
    uint64_t *filter;
    size_t fbits, unigrams;
    /* The same per language (the posting's, 0 = every language) over the first words
     * of phrases only, LANG_FBITS bits each, made on first use: a document in a known
     * language looks its words up only when some phrase of its language, or of every
     * language, starts with them (English news used to look up every word that starts
     * a phrase of any of nine languages: "la", "die", "de"). */
    uint64_t *langfilter[2][256]; /* [1]: of stemmed phrases, for the stem pass */
    /* The same as filter over keys of two or more words: a phrase's next word is
     * looked up in the table (a cache miss) only when some key of that length may
     * continue it. */
    uint64_t *nfilter;
    size_t nfbits, ngrams;
    int maxtok;
    /* Every key, stem and case-sensitive form, NUL-ended, by offset. */
    char *chars;
    size_t nchars, capchars;
    /* Every posting list as a run of post: while building, a run of n postings has
     * room for run_room(n) (the next power of two), so appending to it is amortised
     * O(1); a run that outgrows its room moves to the end and leaves a hole, which
     * ww__matcher_compact closes.  After compact, runs have no spare room (packed). */
    ww__posting *post;
    size_t npost, cappost;
    int packed;
    /* Parts of compounds ("*Debatte", "Haushalt*"): stems looked up inside a word
     * that matched nothing on its own, in their own table (matcher_parts.c). */
    part *parts;
    size_t nparts, capparts;
    uint32_t *pslots; /* part index + 1; 0 = empty */
    size_t pmask;
    uint32_t partlangs[256];         /* parts per language index */
    struct sb_stemmer *stemmer[256]; /* each language's, from add_stemmed (not owned) */
    /* Each stemmed language's filter of the words whose stems can matter (stem_need.h;
     * NULL: none, every word is stemmed), tried once on its first stemmed phrase. */
    struct ww__stem_need *need[256];
    uint8_t need_tried[256];
};

/* A hash as stored: 0 marks nothing, so a zero hash becomes 1. */
static inline uint64_t ww__matcher_fix(uint64_t h) { return h ? h : 1; }

/* May posting p be reported by the pass (stem_pass: the stem pass) over a document of
 * language doclang (-1: unknown)? */
static inline int ww__matcher_accept(const ww__posting *p, int doclang, int stem_pass) {
    if (stem_pass)
        return p->stem && p->lang == doclang;
    if (p->stem)
        return 0;
    if (p->lang == 0 || doclang < 0)
        return 1;
    return p->lang == doclang && !p->twin;
}

/* matcher_store.c: copy s[0..n) and a NUL into the arena (offset in *off); append q to the
 * run (*post, *npost) of the posting array.  0 or WW_ENOMEM. */
int ww__matcher_chars_add(ww__matcher *m, const char *s, size_t n, uint32_t *off);
int ww__matcher_run_push(ww__matcher *m, uint32_t *post, uint32_t *npost,
                         const ww__posting *q);

/* matcher_parts.c: the parts a stemmed one-word term written "*Term", "Term*" or
 * "*Term*" asks for (stem: its stem token); token i of toks (a stem that matched
 * nothing on its own) searched for parts, reported to cb. */
int ww__matcher_add_parts(ww__matcher *m, const char *phrase, size_t len,
                          const ww__toks *stem, const ww__posting *q);
void ww__matcher_scan_parts(const ww__matcher *m, const ww__toks *toks, size_t i,
                            int doclang, ww__match_cb *cb, void *opaque);

#endif
