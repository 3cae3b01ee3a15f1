/* Token n-gram matcher: see matcher.h for why a hash of token sequences.  This file
 * scans text with it; matcher_build.c builds it, matcher_internal.h is their storage. */
#include "matcher.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "wirewatch/error.h"
#include "wirewatch/taxonomy.h"
#include "matcher_internal.h"

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
    for (int l = 0; l < 256; l++)
        free(m->langfilter[l]);
    free(m->nfilter);
    free(m);
}

size_t ww__matcher_phrases(const ww__matcher *m) { return m->phrases; }

size_t ww__matcher_bytes(const ww__matcher *m) {
    return sizeof *m + (m->mask + 1) * sizeof *m->slots + m->capents * sizeof *m->ents +
           m->fbits / 8 + m->capchars + m->cappost * sizeof *m->post +
           m->capparts * sizeof *m->parts +
           (m->pslots ? (m->pmask + 1) * sizeof *m->pslots : 0);
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
        if (left < tk->norm_len || memcmp(k, t->norm + tk->norm_off, tk->norm_len) != 0)
            return 0;
        k += tk->norm_len;
        left -= tk->norm_len;
    }
    return left == 0;
}

/* Does the original text of tokens [first, first+n), NFKC without case folding, equal
 * cased (segments joined by ' ')?  Rare (only case-sensitive postings), so utf8proc_map
 * allocating per non-ASCII token is fine here. */
static int cased_equals(const char *cased, const char *text, const ww__toks *t,
                        size_t first, size_t n) {
    const char *k = cased;
    for (size_t i = 0; i < n; i++) {
        const ww__tok *tk = &t->v[first + i];
        const uint8_t *s = (const uint8_t *)text + tk->start;
        size_t sl = tk->end - tk->start;
        int ascii = 1;
        for (size_t j = 0; j < sl; j++)
            if (s[j] >= 0x80) {
                ascii = 0;
                break;
            }
        if (i) {
            if (*k != ' ')
                return 0;
            k++;
        }
        size_t kl = strcspn(k, " ");
        if (ascii) {
            if (kl != sl || memcmp(k, s, sl) != 0)
                return 0;
        } else {
            utf8proc_uint8_t *mapped = NULL;
            utf8proc_ssize_t r =
                utf8proc_map(s, (utf8proc_ssize_t)sl, &mapped,
                             UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE);
            int eq = r >= 0 && (size_t)r == kl && memcmp(k, mapped, kl) == 0;
            free(mapped);
            if (!eq)
                return 0;
        }
        k += kl;
    }
    return *k == 0;
}

/* Does token t of text start with an upper-case (or caseless) letter? */
static int initial_upper(const char *text, const ww__tok *t) {
    utf8proc_int32_t cp;
    if (utf8proc_iterate((const uint8_t *)text + t->start,
                         (utf8proc_ssize_t)(t->end - t->start), &cp) <= 0)
        return 0;
    utf8proc_category_t c = utf8proc_category(cp);
    return c != UTF8PROC_CATEGORY_LL;
}

static int accept(const ww__posting *p, int doclang, int stem_pass) {
    if (stem_pass)
        return p->stem && p->lang == doclang;
    if (p->stem)
        return 0;
    if (p->lang == 0 || doclang < 0)
        return 1;
    return p->lang == doclang && !p->twin;
}

void ww__matcher_scan(const ww__matcher *m, const char *text, const ww__toks *toks,
                      ww__match_cb *cb, void *opaque) {
    ww__matcher_scan_lang(m, text, toks, -1, 0, cb, opaque);
}

/* Report the phrases that start at token i; 1 when one of one token was reported. */
static int scan_at(const ww__matcher *m, const char *text, const ww__toks *toks, size_t i,
                   int doclang, int stem_pass, ww__match_cb *cb, void *opaque) {
    uint64_t h = 0;
    int single = 0;
    for (size_t n = 1; n <= (size_t)m->maxtok && i + n <= toks->n; n++) {
        h = ww__hash_next(h, toks->v[i + n - 1].hash);
        uint64_t fh = fix(h);
        if (n == 1) {
            size_t b = fbit(m, fh);
            if (!(m->filter[b / 64] & (1ull << (b % 64))) ||
                (doclang >= 0 && !lang_may_start(m, doclang, fh)))
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
                if (c->hash == fh && c->ntok == n && key_equals(m, c, toks, i, n)) {
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
            if (!accept(p, doclang, stem_pass))
                continue;
            if (p->case_sensitive &&
                !(p->stem ? initial_upper(text, &toks->v[i])
                          : cased_equals(m->chars + p->cased - 1, text, toks, i, n)))
                continue;
            single |= n == 1;
            cb(opaque, p, i, n);
        }
        if (!e->extends)
            break;
    }
    return single;
}

static void report_part(const ww__matcher *m, const part *pt, int doclang, size_t i,
                        ww__match_cb *cb, void *opaque) {
    for (uint32_t k = 0; k < pt->npost; k++) {
        const ww__posting *p = &m->post[pt->post + k];
        if (!accept(p, doclang, 1))
            continue;
        ww__posting q = *p;
        q.weight *= PART_WEIGHT;
        cb(opaque, &q, i, 1);
    }
}

/* The modifier that s[0..n) (the start of a compound's stem: the modifier as written,
 * umlauts folded, then maybe a linking element) is, or NULL: the stem of the word with
 * or without a linking element, looked up among the modifiers.  "regierungs" is
 * Regierung (stem "regier") + s. */
static const part *modifier_of(const ww__matcher *m, const char *s, size_t n, int lang) {
    static const char *const link[] = {"", "s", "es", "n", "en", "e", "er", "ens"};
    struct sb_stemmer *st = m->stemmer[lang];
    for (size_t k = 0; k < sizeof link / sizeof link[0]; k++) {
        size_t l = strlen(link[k]);
        if (n < l + PART_MIN_CPS || memcmp(s + n - l, link[k], l) != 0)
            continue;
        const part *pt = part_find(m, s, n - l, PART_MOD);
        if (!pt && st) {
            const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)s, (int)(n - l));
            if (r)
                pt = part_find(m, (const char *)r, (size_t)sb_stemmer_length(st),
                               PART_MOD);
        }
        if (pt)
            return pt;
    }
    return NULL;
}

/* Token i (a stem) matched nothing on its own: split it into a known head that ends it
 * (the longest that works) and what comes before.  A head of PART_LONG_CPS code points
 * or more counts alone ("Jahrhundert|hochwass"); a shorter one only when the rest is a
 * known modifier too ("Haushalt|s|debatt") -- short stems end many unrelated words
 * (gemeinsam, Vergleich, Hamburg).  Both parts then count.  A few hash lookups per
 * unmatched long word, and a stem of the rest when a head fits, whatever the number of
 * rules. */
static void scan_parts(const ww__matcher *m, const ww__toks *toks, size_t i, int doclang,
                       ww__match_cb *cb, void *opaque) {
    const char *s = ww__tok_norm(toks, i);
    size_t n = toks->v[i].norm_len, ncp = 0;
    uint8_t at[PART_MAX_WORD + 1]; /* byte offset of each code point */
    if (n > PART_MAX_WORD || n < PART_MIN_CPS * 2)
        return;
    for (size_t k = 0; k < n; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            at[ncp++] = (uint8_t)k;
    for (size_t c = PART_MIN_CPS; c + PART_MIN_CPS <= ncp; c++) {
        const part *head = part_find(m, s + at[c], n - at[c], PART_HEAD);
        if (!head)
            continue;
        const part *mod = modifier_of(m, s, at[c], doclang);
        if (!mod && ncp - c < PART_LONG_CPS)
            continue;
        report_part(m, head, doclang, i, cb, opaque);
        if (mod)
            report_part(m, mod, doclang, i, cb, opaque);
        return;
    }
}

void ww__matcher_scan_lang(const ww__matcher *m, const char *text, const ww__toks *toks,
                           int doclang, int stem_pass, ww__match_cb *cb, void *opaque) {
    int parts = stem_pass && doclang > 0 && doclang < 256 && m->partlangs[doclang];
    for (size_t i = 0; i < toks->n; i++)
        if (!scan_at(m, text, toks, i, doclang, stem_pass, cb, opaque) && parts)
            scan_parts(m, toks, i, doclang, cb, opaque);
}
