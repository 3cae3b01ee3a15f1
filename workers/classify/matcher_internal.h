/* The matcher's storage, shared by the code that builds it (matcher_build.c) and the
 * code that scans text with it (matcher.c).  Nothing outside those two files includes
 * this: the rest of classify sees the opaque ww__matcher of matcher.h. */
#ifndef WW_CLASSIFY_MATCHER_INTERNAL_H
#define WW_CLASSIFY_MATCHER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "matcher.h"

/* Storage (docs/benchmarks.md, "Classifier memory"): 131k phrases and their prefixes
 * live in a few large arrays, not in one malloc per key and per posting list.  Keys
 * and case-sensitive forms are strings in one arena (m->chars), postings are runs in
 * one array (m->post), and the entries and parts refer to both by 32-bit offsets:
 * 24 bytes an entry instead of 48 plus two allocations, and no pointer left for the
 * allocator to keep pages of. */
typedef struct entry {
    uint64_t hash;
    uint32_t key;    /* offset in chars: normal forms joined by ' ', NUL-ended */
    uint32_t post;   /* first posting in post */
    uint32_t npost;  /* postings of this phrase (0: only a prefix of longer ones) */
    uint16_t keylen; /* bytes */
    uint8_t ntok;
    uint8_t extends; /* some longer phrase starts with this one */
} entry;

/* The probed array holds only a 32-bit tag of the hash and the entry index (8 bytes),
 * so a probe touches one cache line and the table stays small as phrases grow; the
 * entry (full hash, key) is read only when the tag matches. */
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
    uint64_t *langfilter[256];
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
     * that matched nothing on its own, in their own table (see scan_parts). */
    part *parts;
    size_t nparts, capparts;
    uint32_t *pslots; /* part index + 1; 0 = empty */
    size_t pmask;
    uint32_t partlangs[256];         /* parts per language index */
    struct sb_stemmer *stemmer[256]; /* each language's, from add_stemmed (not owned) */
};

static inline uint64_t fix(uint64_t h) { return h ? h : 1; }

static inline size_t fbit(const ww__matcher *m, uint64_t h) {
    return (size_t)(h >> 40) &
           (m->fbits - 1); /* high bits: the table uses the low ones */
}

#define LANG_FBITS (1u << 18)

static inline size_t lbit(uint64_t h) { return (size_t)(h >> 40) & (LANG_FBITS - 1); }

/* Can a phrase that starts with the word of key h (fixed) be reported to a document
 * of language doclang (>= 0)?  No when neither doclang's filter nor that of every
 * language has it. */
static inline int lang_may_start(const ww__matcher *m, int doclang, uint64_t h) {
    size_t b = lbit(h);
    const uint64_t *f0 = m->langfilter[0], *fl = m->langfilter[doclang];
    return (f0 && (f0[b / 64] >> (b % 64) & 1)) || (fl && (fl[b / 64] >> (b % 64) & 1));
}

static inline size_t nbit(const ww__matcher *m, uint64_t h) {
    return (size_t)(h >> 40) & (m->nfbits - 1);
}

static inline uint64_t part_hash(const char *key, size_t n, int side) {
    return fix(ww__hash_bytes(key, n) ^
               (side == PART_MOD ? 0x6a09e667f3bcc909ull : 0x3c6ef372fe94f82bull));
}

static inline const part *part_find(const ww__matcher *m, const char *key, size_t n,
                                    int side) {
    if (!m->pslots)
        return NULL;
    uint64_t h = part_hash(key, n, side);
    for (size_t j = h & m->pmask; m->pslots[j]; j = (j + 1) & m->pmask) {
        const part *pt = &m->parts[m->pslots[j] - 1];
        if (pt->hash == h && pt->side == side && pt->keylen == n &&
            memcmp(m->chars + pt->key, key, n) == 0)
            return pt;
    }
    return NULL;
}

#endif
