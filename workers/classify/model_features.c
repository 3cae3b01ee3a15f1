/* Text -> hashed features for the linear model.
 *
 * Words are the tokens of the rule matcher's tokenizer (ww__tokenize, case-folded):
 * the same segmentation and normal form as the keyword rules see — letters, marks and
 * numbers, NFKC and case-folded, Chinese/Japanese/Thai runs split into dictionary
 * words by the tokenizer — so a model and the rules agree on what a word is.  A token
 * that is a single ASCII character ("a", the "s" of "it's", "5") is dropped before
 * n-grams are formed, as scikit-learn's default token pattern does; a lone non-ASCII
 * character (a CJK word) stays.
 *
 * Features of a document, each a 32-bit key mixed from 64-bit FNV-1a hashes (with
 * ~10^6 distinct features a collision touches a handful of rare features, which a
 * linear model shrugs off): every word, and every word n-gram up to word_ngrams.
 * Counts are summed per key in a document-local table: the result is each distinct
 * key once with its count, so training and prediction look a key up in the model
 * once per document, not once per occurrence.  The distinct words come out too,
 * with their counts, for the char n-gram block (ww__char_grams; how the block is
 * weighted is in model_train.c). */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "wirewatch/error.h"

#define FNV64_OFF 1469598103934665603ull
#define FNV64_PRIME 1099511628211ull

/* murmur3's 64-bit finaliser: spreads FNV's weak low bits before we keep 32. */
static uint32_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

uint32_t ww__word_key(uint64_t h) {
    uint32_t k = mix(h ^ 1);
    return k | (k == 0);
}

static uint64_t fnv(uint64_t h, const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= FNV64_PRIME;
    }
    return h;
}

void ww__featctx_free(ww__featctx *c) {
    if (!c)
        return;
    ww__toks_free(&c->toks);
    free(c->tab);
    free(c->used);
    free(c->words);
    free(c->wused);
    free(c->out);
    free(c->wout);
    free(c->gbuf);
    free(c->runs);
    free(c->wix);
    free(c->lab);
    free(c->pmg);
    free(c->pall);
    free(c->tw);
    memset(c, 0, sizeof *c);
}

/* ---- document-local key -> count table (open addressing, key 0 = empty) ---- */

/* A table twice the size in use (never needed when tabs_fit sized it for the
 * document; kept so a table can never fill). */
static int tab_grow(ww__featctx *c) {
    uint32_t cap = (c->tabmask + 1) * 2;
    ww__feat *t = calloc(cap, sizeof *t);
    uint32_t *u = realloc(c->used, (size_t)(cap / 2) * sizeof *u);
    if (!t || !u) {
        free(t);
        if (u)
            c->used = u;
        return WW_ENOMEM;
    }
    c->used = u;
    /* re-insert in the order of first insertion, so the output order (and with it
     * a trained model's bytes) does not depend on when the table grew */
    for (size_t k = 0; k < c->nused; k++) {
        ww__feat f = c->tab[c->used[k]];
        uint32_t h = (f.key * 2654435761u) & (cap - 1);
        while (t[h].key)
            h = (h + 1) & (cap - 1);
        t[h] = f;
        c->used[k] = h;
    }
    free(c->tab);
    c->tab = t;
    c->tabcap = cap;
    c->tabmask = cap - 1;
    return 0;
}

static inline int add(ww__featctx *c, uint32_t key, uint32_t n) {
    key |= key == 0; /* 0 marks an empty slot */
    uint32_t mask = c->tabmask, h = (key * 2654435761u) & mask;
    while (c->tab[h].key) {
        if (c->tab[h].key == key) {
            c->tab[h].n += n;
            return 0;
        }
        h = (h + 1) & mask;
    }
    c->tab[h].key = key;
    c->tab[h].n = n;
    c->used[c->nused++] = h;
    if (c->nused * 2 >= (size_t)c->tabmask + 1)
        return tab_grow(c);
    return 0;
}

/* ---- distinct words of the document (64-bit hash -> first token, count) ---- */

static int words_grow(ww__featctx *c) {
    uint32_t cap = (c->wmask + 1) * 2;
    ww__fword *t = calloc(cap, sizeof *t);
    uint32_t *u = realloc(c->wused, (size_t)(cap / 2) * sizeof *u);
    if (!t || !u) {
        free(t);
        if (u)
            c->wused = u;
        return WW_ENOMEM;
    }
    c->wused = u;
    for (size_t k = 0; k < c->nwords; k++) {
        ww__fword w = c->words[c->wused[k]];
        uint32_t h = (uint32_t)(w.h >> 32) & (cap - 1);
        while (t[h].h)
            h = (h + 1) & (cap - 1);
        t[h] = w;
        c->wused[k] = h;
    }
    free(c->words);
    c->words = t;
    c->wcap = cap;
    c->wmask = cap - 1;
    return 0;
}

/* Size both tables for a document of n tokens, at most load 1/2 (words: n distinct,
 * features: word_ngrams per token), out of the memory kept from earlier documents.
 * A table sized for the longest document so far spread a short one's probes over
 * 100 KB or more; sized for this one they stay in the first-level cache.  The
 * tables are empty between documents, so a smaller mask over the same memory is a
 * table as good as new. */
static int tabs_fit(ww__featctx *c, size_t n, int ngrams) {
    uint32_t need = 1024, wneed = 512;
    if (n > (1u << 26))
        return WW_ENOMEM;
    while (need < 2 * (uint64_t)ngrams * n + 2)
        need *= 2;
    while (wneed < 2 * (uint64_t)n + 2)
        wneed *= 2;
    if (c->tabcap < need) {
        ww__feat *t = calloc(need, sizeof *t);
        uint32_t *u = realloc(c->used, (size_t)(need / 2) * sizeof *u);
        if (u)
            c->used = u;
        if (!t || !u) {
            free(t);
            return WW_ENOMEM;
        }
        free(c->tab);
        c->tab = t;
        c->tabcap = need;
    }
    if (c->wcap < wneed) {
        ww__fword *t = calloc(wneed, sizeof *t);
        uint32_t *u = realloc(c->wused, (size_t)(wneed / 2) * sizeof *u);
        if (u)
            c->wused = u;
        if (!t || !u) {
            free(t);
            return WW_ENOMEM;
        }
        free(c->words);
        c->words = t;
        c->wcap = wneed;
    }
    c->tabmask = need - 1;
    c->wmask = wneed - 1;
    return 0;
}

/* The index in c->wout of the word whose tokenizer hash is th (its first token tok),
 * added with count 0 when new; -1 on ENOMEM.  The table maps the tokenizer's 64-bit
 * hash of the normal form to the word, so a word's own FNV hash is computed once per
 * distinct word (hash_words) rather than once per occurrence. */
static inline int64_t word_of(ww__featctx *c, uint64_t th, uint32_t tok) {
    th |= th == 0;
    uint32_t mask = c->wmask, h = (uint32_t)(th >> 32) & mask;
    while (c->words[h].h) {
        if (c->words[h].h == th)
            return c->words[h].tok;
        h = (h + 1) & mask;
    }
    uint32_t k = (uint32_t)c->nwords;
    c->words[h].h = th;
    c->words[h].tok = k;
    c->wout[k].h = 0;
    c->wout[k].tok = tok;
    c->wout[k].n = 0;
    c->wused[c->nwords++] = h;
    if (c->nwords * 2 >= (size_t)c->wmask + 1 && words_grow(c))
        return -1;
    return k;
}

/* wout[k].h = FNV-1a of word k's normal form, k < nw: the tokenizer made it
 * (ww__toks.seed2), in the same pass as its own hash. */
static void hash_words(ww__featctx *c, size_t nw) {
    ww__fword *w = c->wout;
    for (size_t k = 0; k < nw; k++)
        w[k].h = c->toks.v[w[k].tok].hash2;
}

/* The key of a char n-gram from its FNV-1a hash. */
static inline uint32_t gram_key(uint64_t h) {
    uint32_t key = mix(h ^ 3);
    return key | (key == 0);
}

#define GRAM_START (FNV64_OFF ^ 0x3c3c3c3cull) /* FNV basis of the char n-grams */

/* ww__char_grams of "<word>" in w[0..wl), all ASCII: a code point is a byte.  Each
 * n-gram's hash starts afresh (FNV-1a cannot roll), through its first minn - 1 bytes,
 * then one step and one key per length; the lengths and bounds held in locals, not
 * re-read from *o past every store to out (a third of the instructions of the loop
 * that tested them per byte). */
static size_t grams_ascii(const unsigned char *w, size_t wl, size_t minn, size_t maxn,
                          uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i + minn <= wl; i++) {
        const unsigned char *p = w + i;
        size_t kmax = wl - i < maxn ? wl - i : maxn, k = 0;
        uint64_t h = GRAM_START;
        for (; k + 1 < minn; k++)
            h = (h ^ p[k]) * FNV64_PRIME;
        for (; k < kmax; k++) {
            h = (h ^ p[k]) * FNV64_PRIME;
            if (k == 0 && (i == 0 || i == wl - 1))
                continue; /* "<" or ">" alone says nothing */
            out[n++] = gram_key(h);
        }
    }
    return n;
}

size_t ww__char_grams(const char *str, size_t len, const ww__feat_opts *o,
                      uint32_t *out) {
    const unsigned char *s = (const unsigned char *)str;
    unsigned char w[WW__CHAR_KEEP + 2];
    uint16_t starts[WW__CHAR_KEEP + 3];
    size_t ncp = 0, wl = 0, n = 0;
    if (o->char_minn <= 0)
        return 0;
    size_t minn = (size_t)o->char_minn, maxn = (size_t)o->char_maxn;
    if (len > WW__CHAR_KEEP) { /* cut at a code point boundary */
        len = WW__CHAR_KEEP;
        while (len > 0 && (s[len] & 0xC0) == 0x80)
            len--;
    }
    w[wl++] = '<';
    memcpy(w + wl, s, len);
    wl += len;
    w[wl++] = '>';
    unsigned char high = 0;
    for (size_t i = 0; i < len; i++)
        high |= s[i];
    if (high < 0x80) /* most unknown words */
        return grams_ascii(w, wl, minn, maxn, out);
    for (size_t i = 0; i < wl; i++)
        if ((w[i] & 0xC0) != 0x80)
            starts[ncp++] = (uint16_t)i;
    starts[ncp] = (uint16_t)wl;
    for (size_t i = 0; i + minn <= ncp; i++) {
        /* one running hash per start position: the n-gram of length k+1 extends the
         * one of length k by a code point */
        size_t kmax = ncp - i < maxn ? ncp - i : maxn;
        uint64_t h = GRAM_START;
        for (size_t k = 0; k < kmax; k++) {
            h = fnv(h, w + starts[i + k], (size_t)(starts[i + k + 1] - starts[i + k]));
            if (k + 1 < minn || (k == 0 && (i == 0 || i == ncp - 1)))
                continue; /* "<" or ">" alone says nothing */
            out[n++] = gram_key(h);
        }
    }
    return n;
}

/* Room for n tokens' worth of per-token and per-word scratch.  0 or WW_ENOMEM. */
static int scratch_reserve(ww__featctx *c, size_t n) {
    if (c->twcap < n) {
        uint32_t *tw = realloc(c->tw, n * sizeof *tw);
        if (!tw)
            return WW_ENOMEM;
        c->tw = tw;
        c->twcap = n;
    }
    if (c->wocap < n) {
        ww__fword *v = realloc(c->wout, n * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        c->wout = v;
        c->wocap = n;
    }
    return 0;
}

#define NOT_A_WORD UINT32_MAX

/* Word n-grams in token order, from each word's FNV hash (wout[tw[i]].h). */
static int add_ngrams(ww__featctx *c, const ww__feat_opts *o) {
    uint64_t prev[2] = {0, 0};
    int nprev = 0, rc;
    for (size_t i = 0; i < c->toks.n; i++) {
        if (c->tw[i] == NOT_A_WORD)
            continue;
        uint64_t h = c->wout[c->tw[i]].h;
        if (o->word_ngrams >= 2 && nprev >= 1 &&
            (rc = add(c, mix(prev[0] * 0x9E3779B97F4A7C15ull + h + 2), 1)))
            return rc;
        if (o->word_ngrams >= 3 && nprev >= 2 &&
            (rc = add(
                 c,
                 mix((prev[1] * 0x9E3779B97F4A7C15ull + prev[0]) * 0xC2B2AE3D27D4EB4Full +
                     h + 5),
                 1)))
            return rc;
        prev[1] = prev[0];
        prev[0] = h;
        if (nprev < 2)
            nprev++;
    }
    return 0;
}

int ww__features(ww__featctx *c, const char *text, size_t len, const ww__feat_opts *o) {
    int rc;
    c->nout = 0;
    c->nwout = 0;
    ww__toks_clear(&c->toks);
    c->toks.seed2 = FNV64_OFF; /* the tokenizer hashes words the model's way too */
    if ((rc = ww__tokenize(text, len, 1, &c->toks)))
        return rc;
    if ((rc = tabs_fit(c, c->toks.n, o->word_ngrams)) ||
        (rc = scratch_reserve(c, c->toks.n)))
        return rc;
    /* the distinct words, and each token's word */
    for (size_t i = 0; i < c->toks.n; i++) {
        const unsigned char *s = (const unsigned char *)ww__tok_norm(&c->toks, i);
        size_t n = c->toks.v[i].norm_len;
        c->tw[i] = NOT_A_WORD;
        if (n == 0 || (n == 1 && s[0] < 0x80))
            continue;
        int64_t k = word_of(c, c->toks.v[i].hash, (uint32_t)i);
        if (k < 0) {
            rc = WW_ENOMEM;
            goto out;
        }
        c->wout[k].n++;
        c->tw[i] = (uint32_t)k;
    }
    hash_words(c, c->nwords);
    if (o->word_ngrams >= 2 && (rc = add_ngrams(c, o)))
        goto out;
    for (size_t k = 0; k < c->nwords; k++) {
        ww__fword *w = &c->wout[k];
        w->h = ww__word_key(w->h | (w->h == 0));
        if ((rc = add(c, (uint32_t)w->h, w->n)))
            goto out;
    }
    c->nwout = c->nwords;
    if (c->outcap < c->nused) {
        ww__feat *v = realloc(c->out, c->tabcap / 2 * sizeof *v);
        if (!v) {
            rc = WW_ENOMEM;
            goto out;
        }
        c->out = v;
        c->outcap = c->tabcap / 2;
    }
    for (size_t k = 0; k < c->nused; k++)
        c->out[k] = c->tab[c->used[k]];
    c->nout = c->nused;
out:
    /* leave both tables empty for the next document: clear only the slots used */
    for (size_t k = 0; k < c->nused; k++)
        c->tab[c->used[k]].key = 0;
    c->nused = 0;
    for (size_t k = 0; k < c->nwords; k++)
        c->words[c->wused[k]].h = 0;
    c->nwords = 0;
    return rc;
}
