/* Internal: split UTF-8 text into word tokens, normalised for lookup.
 *
 * A token is a maximal run of code points whose Unicode category is a letter, a
 * number or a mark (so "China's" is "china" + "s", "U.S." is "u" + "s", "anti-spy" is
 * "anti" + "spy"): for every script written with spaces this is what Unicode word
 * segmentation (UAX #29) gives, minus its joining of words across apostrophes and dots,
 * which a keyword matcher does not want.  A run that holds characters of a script
 * written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) is split
 * further by ICU's dictionary-based word break iterator ("数据安全法" -> 数据 安全 法).
 *
 * Each token keeps its byte span in the ORIGINAL text (evidence points there) and its
 * normal form: NFKC, case-folded when asked, Traditional Chinese folded to Simplified
 * (ICU's Traditional-Simplified transliterator, per character; not with keep_han,
 * for Japanese), and Arabic with alef
 * forms unified, alef maqsura as yeh, teh marbuta as heh, tatweel and harakat removed,
 * so spelling variants meet.  ASCII tokens take a fast path; others go through
 * utf8proc.  Invalid UTF-8 bytes separate tokens and are otherwise ignored. */
#ifndef WW_CLASSIFY_TOKENIZE_H
#define WW_CLASSIFY_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ww__tok {
    uint32_t start, end;         /* byte span in the original text, end exclusive */
    uint32_t norm_off, norm_len; /* normal form in ww__toks.norm */
    uint64_t hash;               /* ww__hash_bytes of the normal form */
    uint64_t hash2; /* FNV-1a of the normal form from offset ww__toks.seed2, if set */
} ww__tok;

typedef struct ww__toks {
    ww__tok *v;
    size_t n, cap;
    /* Nonzero: every token also gets hash2, an FNV-1a of its normal form from this
     * offset basis (the linear model's feature hash, model_features.c).  Computed in
     * the same pass as hash, where the chain of multiplies of one hides behind the
     * other's: hashed again afterwards, it was a tenth of a model prediction. */
    uint64_t seed2;
    /* Nonzero: Han characters are not folded Traditional -> Simplified (Japanese, set
     * by the caller: its kanji are not Traditional Chinese — 後 "after" is not 后
     * "empress", 沖 not 冲 — and ICU's dictionary knows Japanese words in their own
     * characters).  Kept by ww__toks_clear. */
    int keep_han;
    char *norm; /* all normal forms, each followed by a NUL */
    size_t norm_len, norm_cap;
    void *seg;        /* ICU word break iterator, opened on the first CJK/Thai run */
    int seg_set;      /* seg points into u16 (until ww__tokenize returns) */
    uint16_t *u16;    /* scratch for ICU: the run in UTF-16 ... */
    uint32_t *u16off; /* ... and each UTF-16 unit's byte offset in the run */
    size_t u16cap;
    /* Tokens (indexes, ascending) whose final heh was a teh marbuta before folding:
     * ww__toks_stem gives the stemmer the ة back (it strips ة, not always ه). */
    uint32_t *tm;
    size_t ntm, captm;
    /* Stems already computed (stem_cache.h), borrowed: set by the owner of the
     * cache, never freed here; NULL = stem every token. */
    struct ww__stem_cache *memo;
    /* Which words can need a stem (stem_need.h), borrowed like memo: a word it rules
     * out gets an empty stem, which no key matches, as its own stem would not; NULL =
     * stem every token. */
    const struct ww__stem_need *need;
} ww__toks;

/* Append the tokens of text to out (out->n is not reset: call ww__toks_clear).
 * Text longer than 4 GiB is cut there.  Returns 0 or WW_ENOMEM. */
int ww__tokenize(const char *text, size_t len, int casefold, ww__toks *out);
void ww__toks_clear(ww__toks *t);
/* 1 when s[0..n) (valid UTF-8) has a Han character that Traditional -> Simplified
 * folding changes, i.e. when keep_han can change its tokens. */
int ww__han_folds(const char *s, size_t n);
/* The Simplified form of a Han code point (ICU's Traditional-Simplified, one code
 * point each), cp itself when it has none (or for any other code point). */
int32_t ww__han_simplified(int32_t cp);
void ww__toks_free(ww__toks *t);

/* out = in with every normal form replaced by its Snowball stem (spans unchanged);
 * out is cleared first.  st is a struct sb_stemmer (libstemmer), used by one thread.
 * An Arabic word is stemmed with its teh marbuta restored and its article (with a
 * clitic before it) removed first, and its stem folded again (ة as ه).  With
 * out->memo set, a word the cache holds is not stemmed again; with out->need set, a
 * word whose stem can match nothing gets an empty one, unstemmed. */
struct sb_stemmer;
int ww__toks_stem(struct sb_stemmer *st, const ww__toks *in, ww__toks *out);
/* The stem of s[0..n) (part of a word: a compound's modifier) as sb_stemmer_stem
 * gives it, from memo (a ww__toks's, may be NULL) when memo holds it, kept there when
 * not: German scans looked up the same modifiers pass after pass, Snowball at ~2,400
 * instructions each.  *len is its length; valid until the next stem or cache put;
 * NULL when the stemmer fails. */
struct ww__stem_cache;
const char *ww__stem_part(struct sb_stemmer *st, struct ww__stem_cache *memo,
                          const char *s, size_t n, size_t *len);

static inline const char *ww__tok_norm(const ww__toks *t, size_t i) {
    return t->norm + t->v[i].norm_off;
}

/* Room for add more bytes and a NUL in t->norm.  0 or WW_ENOMEM.  Inline: every
 * token asks (tokenize.c, tokenize_stem.c), and it rarely grows. */
int ww__norm_grow(ww__toks *t, size_t add);
static inline int ww__norm_reserve(ww__toks *t, size_t add) {
    return t->norm_len + add + 1 <= t->norm_cap ? 0 : ww__norm_grow(t, add);
}

/* 1 when a[0..n) and b[0..n) are the same bytes, else 0: memcmp inline, for the
 * short words the stem cache and the matcher compare (a call to memcmp each was a
 * thirtieth of classifying German text).  Reads nothing outside the n bytes. */
static inline int ww__same_bytes(const char *a, const char *b, size_t n) {
    uint64_t x, y;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return 0;
        }
        memcpy(&x, a + n - 8, 8); /* the last 8, overlapping the loop's */
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t u, v, p, q;
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        memcpy(&p, a + n - 4, 4);
        memcpy(&q, b + n - 4, 4);
        return u == v && p == q;
    }
    /* 1 to 3 bytes (Spanish "de", "la", "los": a byte loop was 3% of matching its
     * stories): the first, middle and last are all of them */
    return n == 0 || (a[0] == b[0] && a[n >> 1] == b[n >> 1] && a[n - 1] == b[n - 1]);
}

/* FNV-1a of s[0..n) from offset basis h (hash2; ww__hash_inline's short words). */
#define WW__FNV_OFF 0xcbf29ce484222325ull
#define WW__FNV_PRIME 0x100000001b3ull
static inline uint64_t ww__fnv_from(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= WW__FNV_PRIME;
    }
    return h;
}

/* 64-bit hash of a token's normal form, and of an n-gram: h(n-gram) =
 * ww__hash_next(h(first n-1 tokens), h(last token)).  ww__hash_inline is the same
 * function inline, for the tokenizer's every word.
 *
 * FNV-1a and a finaliser for the low bits, as before, but for a word of 4 bytes or
 * more that are not all ASCII: eight bytes a multiply.  FNV-1a is a chain of one
 * multiply a byte, a tenth of tokenizing Russian or Arabic (two bytes a letter); an
 * ASCII word keeps it, since the tokenizer computes it as it copies the word (by
 * blocks after the copy, English classified 2-4% slower).  Only this process keeps
 * these hashes (matcher keys, the stem cache, name lists: all made with this
 * function), never a file, so their values may change between builds; the model's
 * feature hash (hash2, FNV-1a from its own seed) is another. */
uint64_t ww__hash_bytes(const char *s, size_t n);
static inline uint64_t ww__hash_final(uint64_t h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}
/* s[0..n), n > 8, by 8-byte blocks (the last one overlapping the one before). */
static inline uint64_t ww__hash_long(const char *s, size_t n) {
    uint64_t h = WW__FNV_OFF ^ (n * 0x9e3779b97f4a7c15ull), w;
    for (size_t i = 0;; i += 8) {
        memcpy(&w, i + 8 < n ? s + i : s + n - 8, 8);
        h = (h ^ w) * 0x9fb21c651e98df25ull;
        h ^= h >> 28;
        if (i + 8 >= n)
            break;
    }
    return ww__hash_final(h);
}
/* 1 when s[0..n), n > 8, has a byte from 0x80 on. */
static inline int ww__hash_high(const char *s, size_t n) {
    uint64_t w, any = 0;
    for (size_t i = 0;; i += 8) {
        memcpy(&w, i + 8 < n ? s + i : s + n - 8, 8);
        any |= w;
        if (i + 8 >= n)
            break;
    }
    return (any & 0x8080808080808080ull) != 0;
}
/* 4 to 8 bytes with a byte from 0x80 on (a 2- to 4-letter Arabic or Russian word):
 * one block of the two overlapping 4-byte halves, which for a given n is all the
 * bytes, one multiply where FNV-1a chained eight (~54 instructions a token before). */
static inline uint64_t ww__hash_short(uint64_t w, size_t n) {
    uint64_t h =
        ((WW__FNV_OFF ^ (n * 0x9e3779b97f4a7c15ull)) ^ w) * 0x9fb21c651e98df25ull;
    return ww__hash_final(h ^ (h >> 28));
}
static inline uint64_t ww__hash_inline(const char *s, size_t n) {
    if (n >= 4 && n <= 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        uint64_t w = a | (uint64_t)b << 32;
        if (w & 0x8080808080808080ull)
            return ww__hash_short(w, n);
    } else if (n > 8 && ww__hash_high(s, n))
        return ww__hash_long(s, n);
    return ww__hash_final(ww__fnv_from(WW__FNV_OFF, s, n));
}
static inline uint64_t ww__hash_next(uint64_t h, uint64_t tok) {
    h ^= tok + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

#endif
