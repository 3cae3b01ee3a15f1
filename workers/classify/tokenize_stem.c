/* Stems of tokens (ww__toks_stem, tokenize.h): Snowball, with the Arabic word made
 * ready for it first, and the stem cache (stem_cache.h) asked before the stemmer. */
#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stem_cache.h"
#include "stem_need.h"
#include "tokenize.h"
#include "wirewatch/error.h"

/* ---- Arabic before and after the stemmer ---- */

#define AR_HEH "\xd9\x87"
#define AR_TEH_MARBUTA "\xd8\xa9"
#define AR_WORD_MAX 128

static int arabic_letter(const char *s) { /* U+0620..U+064A, 2 bytes */
    const uint8_t *u = (const uint8_t *)s;
    return (u[0] == 0xD8 && u[1] >= 0xA0) || (u[0] == 0xD9 && u[1] <= 0x8A);
}

/* The word the Arabic stemmer should see for normal form s[0..n), in buf (room for
 * AR_WORD_MAX bytes); its length, or 0 when s is not an Arabic word.  The teh marbuta
 * folding took from the word's end comes back (tm), and the article with any clitic
 * before it goes while three letters remain: Snowball removes ال but then stops, so
 * الوزير met وزير's stem only by luck and والحكومة not at all. */
static size_t arabic_stem_input(const char *s, size_t n, int tm, char *buf) {
    static const char *const article[] = {
        "\xd9\x88\xd8\xa8\xd8\xa7\xd9\x84", /* وبال */
        "\xd9\x88\xd9\x84\xd9\x84",         /* ولل */
        "\xd9\x88\xd8\xa7\xd9\x84",         /* وال */
        "\xd9\x81\xd8\xa7\xd9\x84",         /* فال */
        "\xd8\xa8\xd8\xa7\xd9\x84",         /* بال */
        "\xd9\x83\xd8\xa7\xd9\x84",         /* كال */
        "\xd9\x84\xd9\x84",                 /* لل */
        "\xd8\xa7\xd9\x84",                 /* ال */
    };
    if (n < 2 || n > AR_WORD_MAX || !arabic_letter(s))
        return 0;
    memcpy(buf, s, n);
    if (tm && memcmp(buf + n - 2, AR_HEH, 2) == 0)
        memcpy(buf + n - 2, AR_TEH_MARBUTA, 2);
    for (size_t k = 0; k < sizeof article / sizeof article[0]; k++) {
        size_t l = strlen(article[k]);
        if (n >= l + 6 && memcmp(buf, article[k], l) == 0) { /* 3 letters of 2 bytes */
            memmove(buf, buf + l, n - l);
            n -= l;
            break;
        }
    }
    return n;
}

/* Room for need tokens in out (doubling from 256).  0 or WW_ENOMEM. */
static int reserve_toks(ww__toks *out, size_t need) {
    if (out->cap >= need)
        return 0;
    size_t cap = out->cap ? out->cap : 256;
    while (cap < need)
        cap *= 2;
    ww__tok *v = realloc(out->v, cap * sizeof *v);
    if (!v)
        return WW_ENOMEM;
    out->v = v;
    out->cap = cap;
    return 0;
}

/* The next token of out (room reserved) for in's token k, its n-byte normal form to be
 * written at the end of out's norm. */
static inline ww__tok *next_tok(ww__toks *out, const ww__tok *k, size_t n) {
    ww__tok *o = &out->v[out->n++];
    o->start = k->start;
    o->end = k->end;
    o->norm_off = (uint32_t)out->norm_len;
    o->norm_len = (uint32_t)n;
    return o;
}

/* Append a token to out for in's token k with normal form src[0..n): the stem. */
static int push_stem(ww__toks *out, const ww__tok *k, const char *src, size_t n,
                     int arabic, uint64_t hash) {
    if (reserve_toks(out, out->n + 1) || ww__norm_reserve(out, n))
        return WW_ENOMEM;
    ww__tok *o = next_tok(out, k, n);
    char *d = out->norm + out->norm_len;
    memcpy(d, src, n);
    for (size_t b = 0; arabic && b + 1 < n; b++) /* the stem folded like the text */
        if (memcmp(d + b, AR_TEH_MARBUTA, 2) == 0)
            memcpy(d + b, AR_HEH, 2);
    out->norm_len += n;
    out->norm[out->norm_len++] = 0;
    o->hash = hash ? hash : ww__hash_bytes(d, n);
    o->hash2 = out->seed2 ? ww__fnv_from(out->seed2, d, n) : 0;
    return 0;
}

/* Stem of in's token i (tm: its heh was a teh marbuta) appended to out. */
static int stem_token(struct sb_stemmer *st, const ww__toks *in, size_t i, int tm,
                      ww__toks *out) {
    char ar[AR_WORD_MAX];
    const ww__tok *k = &in->v[i];
    const char *w = ww__tok_norm(in, i);
    size_t wl = k->norm_len;
    size_t al = (unsigned char)w[0] >= 0xD8 ? arabic_stem_input(w, wl, tm, ar) : 0;
    if (al) {
        w = ar;
        wl = al;
    }
    const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)w, (int)wl);
    const char *src = r ? (const char *)r : ww__tok_norm(in, i);
    size_t n = r ? (size_t)sb_stemmer_length(st) : k->norm_len;
    return push_stem(out, k, src, n, al != 0, 0);
}

/* Append a token for in's token k whose stem s[0..n) (hash) the cache held: push_stem
 * without its calls and tests a word (the token array has room, no Arabic folding, no
 * hash2), its bytes copied 8 at a time (the cache goes on after them, stem_cache.h).
 * The cache's hits were a third of matching Spanish text, push_stem's half of that. */
static inline int push_hit(ww__toks *out, const ww__tok *k, const char *s, size_t n,
                           uint64_t hash) {
    if (ww__norm_reserve(out, n + 8))
        return WW_ENOMEM;
    ww__tok *o = next_tok(out, k, n);
    o->hash = hash;
    o->hash2 = 0;
    char *d = out->norm + out->norm_len;
    for (size_t b = 0; b < n; b += 8)
        memcpy(d + b, s + b, 8);
    out->norm_len += n;
    out->norm[out->norm_len++] = 0;
    return 0;
}

int ww__toks_stem(struct sb_stemmer *st, const ww__toks *in, ww__toks *out) {
    ww__toks_clear(out);
    /* room for every token at once, so the cache's hits need not ask */
    if (reserve_toks(out, in->n))
        return WW_ENOMEM;
    int fast = !out->seed2; /* (hash2 wanted: push_stem computes it) */
    size_t tmk = 0;         /* next entry of in->tm */
    for (size_t i = 0; i < in->n; i++) {
        const ww__tok *k = &in->v[i];
        const char *w = ww__tok_norm(in, i);
        int tm = tmk < in->ntm && in->tm[tmk] == i;
        tmk += tm;
        size_t sl;
        uint64_t sh;
        const char *hit = out->memo ? ww__stem_cache_get(out->memo, st, k->hash, tm, w,
                                                         k->norm_len, &sl, &sh)
                                    : NULL;
        if (hit) {
            if (fast ? push_hit(out, k, hit, sl, sh) : push_stem(out, k, hit, sl, 0, sh))
                return WW_ENOMEM;
            continue;
        }
        /* (asked after the cache, which holds most words: before it, the filter made
         * German stories, where nearly every word is there, 17% slower).  The empty
         * stem is kept like a stem, so a ruled-out word is not asked again (~220
         * instructions a time: German stories 3% slower).  The cache lives with the
         * classifier, whose matcher, and so the filter, never changes; ww__stem_part
         * takes an empty stem from the cache as a miss (a modifier needs its stem). */
        if (out->need && !ww__stem_needed(out->need, w, k->norm_len)) {
            if (push_stem(out, k, "", 0, 0, 0))
                return WW_ENOMEM;
            if (out->memo)
                ww__stem_cache_put(out->memo, st, k->hash, tm, w, k->norm_len, "", 0,
                                   out->v[out->n - 1].hash);
            continue;
        }
        if (stem_token(st, in, i, tm, out))
            return WW_ENOMEM;
        const ww__tok *o = &out->v[out->n - 1];
        if (out->memo)
            ww__stem_cache_put(out->memo, st, k->hash, tm, w, k->norm_len,
                               ww__tok_norm(out, out->n - 1), o->norm_len, o->hash);
    }
    return 0;
}

const char *ww__stem_part(struct sb_stemmer *st, struct ww__stem_cache *memo,
                          const char *s, size_t n, size_t *len) {
    /* (an Arabic word's cached stem is of the word made ready for the stemmer, not of
     * the word as given: those go to the stemmer) */
    int cached = memo && n && (unsigned char)s[0] < 0xD8;
    uint64_t h = cached ? ww__hash_bytes(s, n) : 0, sh;
    const char *r = cached ? ww__stem_cache_get(memo, st, h, 0, s, n, len, &sh) : NULL;
    if (r && *len) /* (empty: a word ww__toks_stem did not stem) */
        return r;
    r = (const char *)sb_stemmer_stem(st, (const sb_symbol *)s, (int)n);
    if (!r)
        return NULL;
    *len = (size_t)sb_stemmer_length(st);
    if (cached)
        ww__stem_cache_put(memo, st, h, 0, s, n, r, *len, ww__hash_bytes(r, *len));
    return r;
}
