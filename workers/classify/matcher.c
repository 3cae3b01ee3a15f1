/* Token n-gram matcher: see matcher.h for why a hash of token sequences. */
#include "matcher.h"
#include "matcher_internal.h"
#include "stem_need.h"

#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/taxonomy.h"

ww__matcher *ww__matcher_new(void) {
    ww__matcher *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slots = calloc(1024, sizeof *m->slots);
    m->fbits = 1u << 16;
    m->filter = calloc(m->fbits / 64, sizeof *m->filter);
    if (!m->slots || !m->filter) {
        free(m->slots);
        free(m->filter);
        free(m);
        return NULL;
    }
    m->mask = 1023;
    return m;
}

void ww__matcher_free(ww__matcher *m) {
    if (!m)
        return;
    free(m->ents);
    free(m->slots);
    free(m->filter);
    free(m->chars);
    free(m->post);
    free(m->parts);
    free(m->pslots);
    for (int l = 0; l < 256; l++) {
        free(m->langfilter[0][l]);
        free(m->langfilter[1][l]);
    }
    for (int l = 0; l < 256; l++)
        ww__stem_need_free(m->need[l]);
    free(m->nfilter);
    free(m);
}

size_t ww__matcher_phrases(const ww__matcher *m) { return m->phrases; }

size_t ww__matcher_bytes(const ww__matcher *m) {
    size_t need = 0;
    for (int l = 0; l < 256; l++)
        need += ww__stem_need_bytes(m->need[l]);
    return need + sizeof *m + (m->mask + 1) * sizeof *m->slots +
           m->capents * sizeof *m->ents + m->fbits / 8 + m->capchars +
           m->cappost * sizeof *m->post + m->capparts * sizeof *m->parts +
           (m->pslots ? (m->pmask + 1) * sizeof *m->pslots : 0);
}

/* One of 8 bits per token hash: an entry's extends holds those of the words its longer
 * phrases continue with, so a scan stops before the next word's filter and table probes
 * (cache misses) unless its bit is there: most prefixes have one or two continuations. */
static uint8_t next_bit(uint64_t tokhash) { return (uint8_t)(1u << (tokhash >> 61)); }

static size_t fbit(const ww__matcher *m, uint64_t h) {
    return (size_t)(h >> 40) &
           (m->fbits - 1); /* high bits: the table uses the low ones */
}

#define LANG_FBITS (1u << 18)

static size_t lbit(uint64_t h) { return (size_t)(h >> 40) & (LANG_FBITS - 1); }

/* Mark the first-word key h (fixed) as starting a phrase of language lang, stemmed
 * (found by the stem pass only) or not.  A language's filter of unstemmed phrases holds
 * the bits of every language's (0) too, so a document asks one filter, not two
 * (lang_filter); stemmed phrases have a filter of their own, so the stem pass does not
 * look up the stems that only start unstemmed phrases (names, Arabic raw phrases:
 * stems of common words) and the raw pass not the words that only start stemmed ones. */
static int langfilter_add(ww__matcher *m, int stem, int lang, uint64_t h) {
    uint64_t **f = m->langfilter[stem];
    if (!f[lang]) {
        if (!(f[lang] = calloc(LANG_FBITS / 64, sizeof *f[lang])))
            return WW_ENOMEM;
        if (!stem && lang && f[0])
            memcpy(f[lang], f[0], LANG_FBITS / 64 * sizeof *f[lang]);
    }
    for (int l = lang || stem ? lang : 255; l >= lang; l--)
        if (f[l])
            f[l][lbit(h) / 64] |= 1ull << (lbit(h) % 64);
    return 0;
}

/* The filter of first words whose phrases the pass (stem_pass: the stem pass) can
 * report to a document of language doclang (0 <= doclang < 256): its own and, unstemmed,
 * every language's; NULL when there are none. */
static const uint64_t *lang_filter(const ww__matcher *m, int doclang, int stem_pass) {
    if (stem_pass)
        return m->langfilter[1][doclang];
    return m->langfilter[0][doclang] ? m->langfilter[0][doclang] : m->langfilter[0][0];
}

static int grow(ww__matcher *m) {
    size_t ncap = (m->mask + 1) * 2;
    slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return WW_ENOMEM;
    for (size_t i = 0; i <= m->mask; i++) {
        if (!m->slots[i].idx1)
            continue;
        size_t j = m->ents[m->slots[i].idx1 - 1].hashlo & (ncap - 1);
        while (ns[j].idx1)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->mask = ncap - 1;
    return 0;
}

/* The whole hash of the entry in slot sl: its tag and the entry's low half. */
static uint64_t slot_hash(const ww__matcher *m, const slot *sl) {
    return (uint64_t)sl->tag << 32 | m->ents[sl->idx1 - 1].hashlo;
}

static size_t nbit(const ww__matcher *m, uint64_t h) {
    return (size_t)(h >> 40) & (m->nfbits - 1);
}

/* Add key h to filter (one-word keys) or, when multi, to nfilter (keys of two or more
 * words), keeping it at >= 16 bits per key (about 5% false positives at most): past
 * that it doubles and is refilled from the table's keys of its kind. */
static int keyfilter_add(ww__matcher *m, int multi, uint64_t h) {
    uint64_t **f = multi ? &m->nfilter : &m->filter;
    size_t *bits = multi ? &m->nfbits : &m->fbits,
           *keys = multi ? &m->ngrams : &m->unigrams;
    if (++*keys * 16 > *bits) {
        size_t nb = *bits ? *bits * 2 : (size_t)1 << 16;
        uint64_t *nf = calloc(nb / 64, sizeof *nf);
        if (!nf)
            return WW_ENOMEM;
        free(*f);
        *f = nf;
        *bits = nb;
        for (size_t i = 0; i <= m->mask; i++) {
            if (!m->slots[i].idx1)
                continue;
            int ntok = m->ents[m->slots[i].idx1 - 1].ntok;
            if (multi ? ntok > 1 : ntok == 1) {
                uint64_t sh = slot_hash(m, &m->slots[i]);
                size_t sb = multi ? nbit(m, sh) : fbit(m, sh);
                nf[sb / 64] |= 1ull << (sb % 64);
            }
        }
    }
    size_t kb = multi ? nbit(m, h) : fbit(m, h);
    (*f)[kb / 64] |= 1ull << (kb % 64);
    return 0;
}

/* Find or insert the entry for key[0..keylen), a prefix of a phrase's key of fulllen
 * bytes, stored once at *at (UINT32_MAX: not yet) for all its new prefixes; NULL on
 * ENOMEM (or a key over 64 KiB, which no phrase of WW_TAX_MAX_TEXT bytes gives). */
static entry *upsert(ww__matcher *m, uint64_t h, const char *key, size_t keylen,
                     size_t fulllen, uint32_t *at, int ntok) {
    /* load <= 2/3: 2 MB of slots, not 4, for the default rules' 167k keys; most
     * misses stop at the bit filters first (docs/benchmarks.md, "Classifier memory") */
    if ((m->used + 1) * 3 > (m->mask + 1) * 2 && grow(m))
        return NULL;
    if (m->nents >= UINT32_MAX - 1 || keylen > UINT16_MAX)
        return NULL;
    size_t j = h & m->mask;
    while (m->slots[j].idx1) {
        entry *e = &m->ents[m->slots[j].idx1 - 1];
        if (m->slots[j].tag == (uint32_t)(h >> 32) && e->hashlo == (uint32_t)h &&
            e->keylen == keylen && memcmp(m->chars + e->key, key, keylen) == 0)
            return e;
        j = (j + 1) & m->mask;
    }
    if (m->nents == m->capents) {
        size_t cap = m->capents ? m->capents * 2 : 1024;
        entry *ne = realloc(m->ents, cap * sizeof *ne);
        if (!ne)
            return NULL;
        m->ents = ne;
        m->capents = cap;
    }
    entry *e = &m->ents[m->nents];
    memset(e, 0, sizeof *e);
    if (*at == UINT32_MAX && ww__matcher_chars_add(m, key, fulllen, at))
        return NULL;
    e->key = *at;
    e->keylen = (uint16_t)keylen;
    e->ntok = (uint8_t)ntok;
    e->hashlo = (uint32_t)h;
    m->slots[j].tag = (uint32_t)(h >> 32);
    m->slots[j].idx1 = (uint32_t)++m->nents;
    m->used++;
    if (ntok == 1 && keyfilter_add(m, 0, h))
        return NULL;
    if (ntok > 1 && keyfilter_add(m, 1, h))
        return NULL;
    return e;
}

/* Shrink an array to its length (realloc to a smaller size may move it; failing to
 * shrink is no error: the larger block stays). */
static void *shrink(void *p, size_t n, size_t size, size_t *cap) {
    void *np = realloc(p, (n ? n : 1) * size);
    if (!np)
        return p;
    *cap = n;
    return np;
}

/* Close the holes of the posting array in place: runs move down in the order they lie
 * in the array, found through a map of where each run starts (4 bytes a slot, freed
 * at once; copying the live runs to a new array instead made the copy the start-up
 * peak).  Without memory for the map the array stays as it is. */
static void pack_postings(ww__matcher *m) {
    uint32_t *at = calloc(m->npost ? m->npost : 1, sizeof *at); /* owner + 1 */
    if (!at)
        return;
    for (size_t i = 0; i < m->nents; i++)
        if (m->ents[i].npost)
            at[m->ents[i].post] = (uint32_t)i + 1;
    for (size_t i = 0; i < m->nparts; i++)
        if (m->parts[i].npost)
            at[m->parts[i].post] = (uint32_t)(m->nents + i) + 1;
    size_t o = 0;
    for (size_t pos = 0; pos < m->npost; pos++) {
        if (!at[pos])
            continue;
        size_t w = at[pos] - 1;
        uint32_t *post = w < m->nents ? &m->ents[w].post : &m->parts[w - m->nents].post;
        uint32_t n = w < m->nents ? m->ents[w].npost : m->parts[w - m->nents].npost;
        memmove(m->post + o, m->post + pos, n * sizeof *m->post);
        *post = (uint32_t)o;
        o += n;
    }
    free(at);
    m->npost = o;
    m->post = shrink(m->post, o, sizeof *m->post, &m->cappost);
    m->packed = 1;
}

void ww__matcher_compact(ww__matcher *m) {
    pack_postings(m);
    m->ents = shrink(m->ents, m->nents, sizeof *m->ents, &m->capents);
    m->chars = shrink(m->chars, m->nchars, 1, &m->capchars);
    m->parts = shrink(m->parts, m->nparts, sizeof *m->parts, &m->capparts);
}

/* Tokens joined by ' ' into a malloc'd string. */
static char *join(const ww__toks *t, size_t n, size_t *len) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += t->v[i].norm_len + 1;
    char *s = malloc(total ? total : 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[o++] = ' ';
        memcpy(s + o, ww__tok_norm(t, i), t->v[i].norm_len);
        o += t->v[i].norm_len;
    }
    s[o] = 0;
    *len = o;
    return s;
}

int ww__matcher_add(ww__matcher *m, const char *phrase, size_t len,
                    const ww__posting *p) {
    return ww__matcher_add_stemmed(m, phrase, len, p, NULL);
}

const ww__stem_need *ww__matcher_stem_need(const ww__matcher *m, int lang) {
    return lang > 0 && lang < 256 ? m->need[lang] : NULL;
}

/* Keep the words of a stemmed phrase of language lang (stems) in its filter of words
 * that need a stem, made on its first phrase (none when the stemmer is not one it
 * can serve, or without memory: every word is then stemmed). */
static void need_add(ww__matcher *m, int lang, struct sb_stemmer *st,
                     const ww__toks *stems) {
    if (!m->need_tried[lang]) {
        m->need_tried[lang] = 1;
        m->need[lang] = ww__stem_need_new(st, PART_MIN_CPS);
    }
    for (size_t i = 0; m->need[lang] && i < stems->n; i++)
        ww__stem_need_add_word(m->need[lang], ww__tok_norm(stems, i),
                               stems->v[i].norm_len);
}

/* Add phrase keyed by its tokens as ww__tokenize gives them, Han folded to Simplified
 * or kept as written (keep_han: the key of a Japanese document's tokens). */
static int add_keyed(ww__matcher *m, const char *phrase, size_t len, const ww__posting *p,
                     struct sb_stemmer *st, int keep_han) {
    ww__toks folded = {.keep_han = keep_han}, cased = {.keep_han = keep_han},
             raw = {.keep_han = keep_han};
    char *key = NULL, *fkey = NULL, *cs = NULL;
    int rc = WW_ENOMEM;
    if ((rc = ww__tokenize(phrase, len, 1, st ? &raw : &folded)))
        goto out;
    if (st && (rc = ww__toks_stem(st, &raw, &folded)))
        goto out;
    if (folded.n == 0 || folded.n > WW_TAX_MAX_PHRASE_TOKENS) {
        rc = WW_EINVAL;
        goto out;
    }
    if (st)
        need_add(m, p->lang, st, &folded);
    rc = WW_ENOMEM;
    uint64_t h = 0;
    entry *e = NULL;
    /* (a raw twin of a stemmed phrase is reported only to documents of unknown
     * language, which no language filter serves) */
    if ((st || !p->twin || !p->lang) &&
        langfilter_add(m, st != NULL, p->lang,
                       ww__matcher_fix(ww__hash_next(0, folded.v[0].hash))))
        goto out;
    size_t fulllen, keylen = 0;
    uint32_t at = UINT32_MAX;
    if (!(key = join(&folded, folded.n, &fulllen)))
        goto out;
    for (size_t n = 1; n <= folded.n; n++) {
        h = ww__hash_next(h, folded.v[n - 1].hash);
        keylen += (n > 1) + folded.v[n - 1].norm_len;
        if (!(e = upsert(m, ww__matcher_fix(h), key, keylen, fulllen, &at, (int)n)))
            goto out;
        if (n < folded.n)
            e->extends |= next_bit(folded.v[n].hash);
    }
    ww__posting q = *p;
    q.cased = 0;
    q.stem = st != NULL;
    if (q.case_sensitive) {
        size_t cl, fl;
        if ((rc = ww__tokenize(phrase, len, 0, &cased)))
            goto out;
        rc = WW_ENOMEM;
        if (!(cs = join(&cased, cased.n, &cl)) ||
            !(fkey = join(st ? &raw : &folded, st ? raw.n : folded.n, &fl)))
            goto out;
        if (cl == fl && memcmp(cs, fkey, cl) == 0) /* nothing has case */
            q.case_sensitive = 0;
        else if (!st) { /* (stems: only the initial capital is checked, no form kept) */
            uint32_t off;
            if (ww__matcher_chars_add(m, cs, cl, &off))
                goto out;
            q.cased = off + 1;
        }
    }
    uint32_t had = e->npost;
    if (ww__matcher_run_push(m, &e->post, &e->npost, &q))
        goto out;
    m->phrases += had == 0;
    if ((int)folded.n > m->maxtok)
        m->maxtok = (int)folded.n;
    if (st)
        m->stemmer[q.lang] = st;
    rc = st ? ww__matcher_add_parts(m, phrase, len, &folded, &q) : 0;
out:
    free(key);
    free(fkey);
    free(cs);
    ww__toks_free(&folded);
    ww__toks_free(&cased);
    ww__toks_free(&raw);
    return rc;
}

/* Does phrase's key change when Han is kept as written?  Only a phrase with a Han
 * character that folding changes can (ww__han_folds: not a Simplified Chinese one);
 * its two keys are compared. */
static int han_key_differs(const char *phrase, size_t len) {
    if (!ww__han_folds(phrase, len))
        return 0;
    ww__toks a = {0}, b = {.keep_han = 1};
    int differs = -1;
    if (ww__tokenize(phrase, len, 1, &a) == 0 && ww__tokenize(phrase, len, 1, &b) == 0) {
        size_t la, lb;
        char *ka = join(&a, a.n, &la), *kb = join(&b, b.n, &lb);
        if (ka && kb)
            differs = la != lb || memcmp(ka, kb, la) != 0;
        free(ka);
        free(kb);
    }
    ww__toks_free(&a);
    ww__toks_free(&b);
    return differs;
}

/* Every phrase is keyed by its tokens with Han folded Traditional -> Simplified, as
 * Chinese (and every other) document's tokens are.  A Japanese document keeps its kanji
 * as written (classify_score.c sets keep_han): a phrase whose key then differs (連立:
 * 连立 folded) gets that key too, with the same posting, so a Japanese rule, a
 * watch-list term or a name meets Japanese text written and segmented alike.  A
 * document has one form, so it meets one of the two keys. */
int ww__matcher_add_stemmed(ww__matcher *m, const char *phrase, size_t len,
                            const ww__posting *p, struct sb_stemmer *st) {
    int rc = add_keyed(m, phrase, len, p, st, 0);
    if (rc || st) /* no stemmer segments Han */
        return rc;
    int d = han_key_differs(phrase, len);
    if (d < 0)
        return WW_ENOMEM;
    return d ? add_keyed(m, phrase, len, p, NULL, 1) : 0;
}

/* key_equals for one word (most lookups: a phrase's first word), inline in scan_at */
static inline int key1_equals(const ww__matcher *m, const entry *e, const ww__toks *t,
                              size_t i) {
    return e->keylen == t->v[i].norm_len &&
           ww__same_bytes(m->chars + e->key, t->norm + t->v[i].norm_off, e->keylen);
}

static int key_equals(const ww__matcher *m, const entry *e, const ww__toks *t,
                      size_t first, size_t n) {
    const char *k = m->chars + e->key;
    size_t left = e->keylen;
    for (size_t i = 0; i < n; i++) {
        const ww__tok *tk = &t->v[first + i];
        if (i) {
            if (left == 0 || *k != ' ')
                return 0;
            k++;
            left--;
        }
        if (left < tk->norm_len ||
            !ww__same_bytes(k, t->norm + tk->norm_off, tk->norm_len))
            return 0;
        k += tk->norm_len;
        left -= tk->norm_len;
    }
    return left == 0;
}

void ww__matcher_scan(const ww__matcher *m, const char *text, const ww__toks *toks,
                      ww__match_cb *cb, void *opaque) {
    ww__matcher_scan_lang(m, text, toks, -1, 0, cb, opaque);
}

/* Report the phrases that start at token i (h1: its one-word key, ww__hash_next(0, its
 * hash), as the caller made it for the language filter); 1 when one of one token was
 * reported. */
static int scan_at(const ww__matcher *m, const char *text, const ww__toks *toks, size_t i,
                   uint64_t h1, int doclang, int stem_pass, ww__match_cb *cb,
                   void *opaque) {
    uint64_t h = h1;
    int single = 0;
    for (size_t n = 1; n <= (size_t)m->maxtok && i + n <= toks->n; n++) {
        if (n > 1)
            h = ww__hash_next(h, toks->v[i + n - 1].hash);
        uint64_t fh = ww__matcher_fix(h);
        if (n == 1) { /* (the language filter was asked by the caller) */
            size_t b = fbit(m, fh);
            if (!(m->filter[b / 64] & (1ull << (b % 64))))
                break;
        } else {
            size_t b = nbit(m, fh);
            if (!(m->nfilter[b / 64] & (1ull << (b % 64))))
                break;
        }
        size_t j = fh & m->mask;
        uint32_t tag = (uint32_t)(fh >> 32);
        const entry *e = NULL;
        while (m->slots[j].idx1) {
            if (m->slots[j].tag == tag) {
                const entry *c = &m->ents[m->slots[j].idx1 - 1];
                if (c->hashlo == (uint32_t)fh && c->ntok == n &&
                    (n == 1 ? key1_equals(m, c, toks, i)
                            : key_equals(m, c, toks, i, n))) {
                    e = c;
                    break;
                }
            }
            j = (j + 1) & m->mask;
        }
        if (!e)
            break;
        for (uint32_t k = 0; k < e->npost; k++) {
            const ww__posting *p = &m->post[e->post + k];
            if (!ww__matcher_accept(p, doclang, stem_pass))
                continue;
            if (p->case_sensitive &&
                !(p->stem ? ww__initial_upper(text, &toks->v[i])
                          : ww__cased_equals(m->chars + p->cased - 1, text, toks, i, n)))
                continue;
            single |= n == 1;
            cb(opaque, p, i, n);
        }
        if (i + n >= toks->n || !(e->extends & next_bit(toks->v[i + n].hash)))
            break;
    }
    return single;
}

void ww__matcher_scan_lang(const ww__matcher *m, const char *text, const ww__toks *toks,
                           int doclang, int stem_pass, ww__match_cb *cb, void *opaque) {
    int parts = stem_pass && doclang > 0 && doclang < 256 && m->partlangs[doclang];
    /* A document of a known language: a word that starts no phrase of its language or
     * of every language is passed over after one bit test (most words), before
     * scan_at's n-gram set-up */
    const uint64_t *lf =
        doclang >= 0 && doclang < 256 ? lang_filter(m, doclang, stem_pass) : NULL;
    for (size_t i = 0; i < toks->n; i++) {
        uint64_t h1 = ww__hash_next(0, toks->v[i].hash);
        if (doclang >= 0) {
            size_t b = lbit(ww__matcher_fix(h1));
            if (!lf || !(lf[b / 64] >> (b % 64) & 1)) {
                if (parts)
                    ww__matcher_scan_parts(m, toks, i, doclang, cb, opaque);
                continue;
            }
        }
        if (!scan_at(m, text, toks, i, h1, doclang, stem_pass, cb, opaque) && parts)
            ww__matcher_scan_parts(m, toks, i, doclang, cb, opaque);
    }
}
