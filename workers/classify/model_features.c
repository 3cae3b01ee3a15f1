/* Text -> hashed features for the linear model.
 *
 * Words are maximal runs of letters, marks and numbers (Unicode general categories
 * L*, M*, N* via utf8proc) other than a single ASCII character, case-folded with utf8proc so "STRASSE", "Straße" and
 * "strasse" meet.  Each word is hashed once (64-bit FNV-1a over its folded UTF-8);
 * unigram, word n-gram and char n-gram keys are mixed from those hashes, so nothing
 * is allocated per word.  Keys are 32 bits: with ~10^6 distinct features a collision
 * touches a handful of rare features, which a linear model shrugs off. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "model_internal.h"
#include "wirewatch/error.h"

#define FNV64_OFF 1469598103934665603ull
#define FNV64_PRIME 1099511628211ull
#define TOK_KEEP 128 /* bytes of a word kept for char n-grams */

int ww__u32buf_push(ww__u32buf *b, uint32_t x)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        uint32_t *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = x;
    return 0;
}

void ww__u32buf_free(ww__u32buf *b)
{
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

/* murmur3's 64-bit finaliser: spreads FNV's weak low bits before we keep 32. */
static uint32_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint64_t fnv(uint64_t h, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= FNV64_PRIME;
    }
    return h;
}

typedef struct tokstate {
    uint64_t h;                   /* running hash of the current word */
    unsigned char buf[TOK_KEEP];  /* its first bytes, for char n-grams */
    size_t n;                     /* bytes in the word (may exceed TOK_KEEP) */
    uint64_t prev[2];             /* hashes of the previous two words */
    int nprev;
} tokstate;

static int char_ngrams(const tokstate *t, const ww__feat_opts *o, ww__u32buf *out)
{
    /* "<word>" split into code points; n-grams of minn..maxn code points. */
    unsigned char w[TOK_KEEP + 2];
    size_t starts[TOK_KEEP + 3], ncp = 0, wl = 0;
    size_t n = t->n < TOK_KEEP ? t->n : TOK_KEEP;
    w[wl++] = '<';
    memcpy(w + wl, t->buf, n);
    wl += n;
    w[wl++] = '>';
    for (size_t i = 0; i < wl; i++)
        if ((w[i] & 0xC0) != 0x80)
            starts[ncp++] = i;
    starts[ncp] = wl;
    for (size_t i = 0; i < ncp; i++) {
        for (int len = o->char_minn; len <= o->char_maxn && i + (size_t)len <= ncp; len++) {
            if (len == 1 && (i == 0 || i == ncp - 1))
                continue; /* "<" or ">" alone says nothing */
            size_t b = starts[i], e = starts[i + (size_t)len];
            uint64_t h = fnv(FNV64_OFF ^ 0x3c3c3c3cull, w + b, e - b);
            int rc = ww__u32buf_push(out, mix(h ^ 3));
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int emit(tokstate *t, const ww__feat_opts *o, ww__u32buf *out)
{
    int rc;
    uint64_t h = t->h;
    if (t->n == 1) {
        /* one ASCII letter or digit ("a", the "s" of "it's", "5"): dropped before
         * n-grams are formed, as scikit-learn's default token pattern does; a lone
         * non-ASCII character (a CJK word) stays */
        t->h = FNV64_OFF;
        t->n = 0;
        return 0;
    }
    if ((rc = ww__u32buf_push(out, mix(h ^ 1))))
        return rc;
    if (o->word_ngrams >= 2 && t->nprev >= 1 &&
        (rc = ww__u32buf_push(out, mix(t->prev[0] * 0x9E3779B97F4A7C15ull + h + 2))))
        return rc;
    if (o->word_ngrams >= 3 && t->nprev >= 2 &&
        (rc = ww__u32buf_push(
             out, mix((t->prev[1] * 0x9E3779B97F4A7C15ull + t->prev[0]) * 0xC2B2AE3D27D4EB4Full +
                      h + 5))))
        return rc;
    if (o->char_minn > 0 && (rc = char_ngrams(t, o, out)))
        return rc;
    t->prev[1] = t->prev[0];
    t->prev[0] = h;
    if (t->nprev < 2)
        t->nprev++;
    t->h = FNV64_OFF;
    t->n = 0;
    return 0;
}

static void add_bytes(tokstate *t, const unsigned char *s, size_t n)
{
    t->h = fnv(t->h, s, n);
    for (size_t i = 0; i < n; i++, t->n++)
        if (t->n < TOK_KEEP)
            t->buf[t->n] = s[i];
}

int ww__features(const char *text, size_t len, const ww__feat_opts *o, ww__u32buf *out)
{
    const unsigned char *s = (const unsigned char *)text;
    tokstate t = {.h = FNV64_OFF};
    size_t i = 0;
    int rc;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                add_bytes(&t, &c, 1);
            } else if (c >= 'A' && c <= 'Z') {
                unsigned char l = (unsigned char)(c + 32);
                add_bytes(&t, &l, 1);
            } else if (t.n && (rc = emit(&t, o, out))) {
                return rc;
            }
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t adv = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (adv <= 0) { /* invalid UTF-8: a separator, one byte at a time */
            if (t.n && (rc = emit(&t, o, out)))
                return rc;
            i++;
            continue;
        }
        i += (size_t)adv;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_NO) {
            if (t.n && (rc = emit(&t, o, out)))
                return rc;
            continue;
        }
        utf8proc_int32_t folded[4];
        int bc = 0;
        utf8proc_ssize_t nf = utf8proc_decompose_char(cp, folded, 4, UTF8PROC_CASEFOLD, &bc);
        if (nf <= 0 || nf > 4) {
            folded[0] = cp;
            nf = 1;
        }
        for (utf8proc_ssize_t k = 0; k < nf; k++) {
            utf8proc_uint8_t enc[4];
            utf8proc_ssize_t ne = utf8proc_encode_char(folded[k], enc);
            add_bytes(&t, enc, (size_t)ne);
        }
    }
    if (t.n && (rc = emit(&t, o, out)))
        return rc;
    return 0;
}
