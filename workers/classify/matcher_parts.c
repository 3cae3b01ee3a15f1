/* Parts of compounds (matcher.h): stems that also match as the head or the modifier of
 * a longer word of their language, in their own hash table, and the search of a word
 * that matched nothing on its own for them. */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "matcher_internal.h"
#include "stem_need.h"
#include "wirewatch/error.h"
#include "wirewatch/utf8.h"

static uint64_t part_hash(const char *key, size_t n, int side) {
    return ww__matcher_fix(
        ww__hash_bytes(key, n) ^
        (side == PART_MOD ? 0x6a09e667f3bcc909ull : 0x3c6ef372fe94f82bull));
}

static const part *part_find(const ww__matcher *m, const char *key, size_t n, int side) {
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

static int part_grow(ww__matcher *m) {
    size_t ncap = m->pslots ? (m->pmask + 1) * 2 : 1024;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return WW_ENOMEM;
    for (size_t i = 0; i < m->nparts; i++) {
        size_t j = m->parts[i].hash & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = (uint32_t)i + 1;
    }
    free(m->pslots);
    m->pslots = ns;
    m->pmask = ncap - 1;
    return 0;
}

/* Add posting q under the stem key as a part on side. */
static int part_add(ww__matcher *m, const char *key, size_t n, int side,
                    const ww__posting *q) {
    part *pt = (part *)part_find(m, key, n, side);
    if (!pt) {
        if (n > UINT16_MAX)
            return WW_ENOMEM;
        if ((!m->pslots || (m->nparts + 1) * 2 > m->pmask + 1) && part_grow(m))
            return WW_ENOMEM;
        if (m->nparts == m->capparts) {
            size_t cap = m->capparts ? m->capparts * 2 : 256;
            part *np = realloc(m->parts, cap * sizeof *np);
            if (!np)
                return WW_ENOMEM;
            m->parts = np;
            m->capparts = cap;
        }
        pt = &m->parts[m->nparts];
        memset(pt, 0, sizeof *pt);
        if (ww__matcher_chars_add(m, key, n, &pt->key))
            return WW_ENOMEM;
        pt->keylen = (uint16_t)n;
        pt->side = (uint8_t)side;
        pt->hash = part_hash(key, n, side);
        size_t j = pt->hash & m->pmask;
        while (m->pslots[j])
            j = (j + 1) & m->pmask;
        m->pslots[j] = (uint32_t)++m->nparts;
    }
    ww__posting c = *q;
    c.cased = 0;
    c.case_sensitive = 0;
    if (ww__matcher_run_push(m, &pt->post, &pt->npost, &c))
        return WW_ENOMEM;
    m->partlangs[q->lang]++;
    if (side == PART_HEAD && m->need[q->lang]) /* a word holding it needs its stem */
        ww__stem_need_add_head(m->need[q->lang], key, n);
    return 0;
}

/* The parts a term written "*Term", "Term*" or "*Term*" asks for (one stemmed word of
 * at least PART_MIN_CPS code points, a topic term): its stem as head and/or modifier. */
int ww__matcher_add_parts(ww__matcher *m, const char *phrase, size_t len,
                          const ww__toks *stem, const ww__posting *q) {
    int head = len > 1 && phrase[0] == '*', mod = len > 1 && phrase[len - 1] == '*';
    if ((!head && !mod) || stem->n != 1 || q->kind != WW__P_TERM ||
        ww_utf8_count(ww__tok_norm(stem, 0), stem->v[0].norm_len) < PART_MIN_CPS)
        return 0;
    int rc = 0;
    if (head)
        rc = part_add(m, ww__tok_norm(stem, 0), stem->v[0].norm_len, PART_HEAD, q);
    if (!rc && mod)
        rc = part_add(m, ww__tok_norm(stem, 0), stem->v[0].norm_len, PART_MOD, q);
    return rc;
}

static void report_part(const ww__matcher *m, const part *pt, int doclang, size_t i,
                        ww__match_cb *cb, void *opaque) {
    for (uint32_t k = 0; k < pt->npost; k++) {
        const ww__posting *p = &m->post[pt->post + k];
        if (!ww__matcher_accept(p, doclang, 1))
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
static const part *modifier_of(const ww__matcher *m, const char *s, size_t n, int lang,
                               struct ww__stem_cache *memo) {
    static const char *const link[] = {"", "s", "es", "n", "en", "e", "er", "ens"};
    struct sb_stemmer *st = m->stemmer[lang];
    for (size_t k = 0; k < sizeof link / sizeof link[0]; k++) {
        size_t l = strlen(link[k]);
        if (n < l + PART_MIN_CPS || memcmp(s + n - l, link[k], l) != 0)
            continue;
        const part *pt = part_find(m, s, n - l, PART_MOD);
        if (!pt && st) {
            size_t rl;
            const char *r = ww__stem_part(st, memo, s, n - l, &rl);
            if (r)
                pt = part_find(m, r, rl, PART_MOD);
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
void ww__matcher_scan_parts(const ww__matcher *m, const ww__toks *toks, size_t i,
                            int doclang, ww__match_cb *cb, void *opaque) {
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
        const part *mod = modifier_of(m, s, at[c], doclang, toks->memo);
        if (!mod && ncp - c < PART_LONG_CPS)
            continue;
        report_part(m, head, doclang, i, cb, opaque);
        if (mod)
            report_part(m, mod, doclang, i, cb, opaque);
        return;
    }
}
