/* Building the token n-gram matcher: phrases keyed by their tokens into the hash table,
 * posting lists, first-word filters, parts of compounds, and the compaction after the
 * last phrase.  Scanning text with it is matcher.c; the storage both share is
 * matcher_internal.h. */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "matcher_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/taxonomy.h"

/* Copy s[0..n) and a NUL into the arena; its offset in *off.  WW_ENOMEM when the
 * arena cannot grow or would pass 4 GiB (offsets are 32-bit). */
static int chars_add(ww__matcher *m, const char *s, size_t n, uint32_t *off) {
    if (m->nchars + n + 1 > m->capchars) {
        size_t cap = m->capchars ? m->capchars : 1 << 16;
        while (cap < m->nchars + n + 1)
            cap *= 2;
        char *nc = cap <= UINT32_MAX ? realloc(m->chars, cap) : NULL;
        if (!nc)
            return WW_ENOMEM;
        m->chars = nc;
        m->capchars = cap;
    }
    memcpy(m->chars + m->nchars, s, n);
    m->chars[m->nchars + n] = 0;
    *off = (uint32_t)m->nchars;
    m->nchars += n + 1;
    return 0;
}

/* Room of a run of n postings while building: n rounded up to a power of two. */
static uint32_t run_room(const ww__matcher *m, uint32_t n) {
    if (m->packed || n < 2)
        return n;
    uint32_t r = 1;
    while (r < n)
        r <<= 1;
    return r;
}

/* Append q to the run (*post, *npost) of the posting array. */
static int run_push(ww__matcher *m, uint32_t *post, uint32_t *npost,
                    const ww__posting *q) {
    uint32_t n = *npost;
    if (n == UINT32_MAX)
        return WW_ENOMEM;
    if (n == 0 || n == run_room(m, n)) { /* full: a new run at the end, twice the room */
        size_t room = n ? (size_t)n * 2 : 1;
        if (m->npost + room > m->cappost) {
            size_t cap = m->cappost ? m->cappost : 4096;
            while (cap < m->npost + room)
                cap *= 2;
            ww__posting *np =
                cap <= UINT32_MAX ? realloc(m->post, cap * sizeof *np) : NULL;
            if (!np)
                return WW_ENOMEM;
            m->post = np;
            m->cappost = cap;
        }
        if (n)
            memcpy(m->post + m->npost, m->post + *post, n * sizeof *m->post);
        *post = (uint32_t)m->npost;
        m->npost += room;
    }
    m->post[*post + n] = *q;
    *npost = n + 1;
    return 0;
}

/* Mark the first-word key h (fixed) as starting a phrase of language lang. */
static int langfilter_add(ww__matcher *m, int lang, uint64_t h) {
    if (!m->langfilter[lang] &&
        !(m->langfilter[lang] = calloc(LANG_FBITS / 64, sizeof *m->langfilter[lang])))
        return WW_ENOMEM;
    m->langfilter[lang][lbit(h) / 64] |= 1ull << (lbit(h) % 64);
    return 0;
}

static int grow(ww__matcher *m) {
    size_t ncap = (m->mask + 1) * 2;
    slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return WW_ENOMEM;
    for (size_t i = 0; i <= m->mask; i++) {
        if (!m->slots[i].idx1)
            continue;
        size_t j = m->ents[m->slots[i].idx1 - 1].hash & (ncap - 1);
        while (ns[j].idx1)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->mask = ncap - 1;
    return 0;
}

/* Keep the filter at >= 16 bits per one-word key (about 5% false positives at most). */
static int filter_add(ww__matcher *m, uint64_t h) {
    if (++m->unigrams * 16 > m->fbits) {
        size_t nb = m->fbits * 2;
        uint64_t *nf = calloc(nb / 64, sizeof *nf);
        if (!nf)
            return WW_ENOMEM;
        free(m->filter);
        m->filter = nf;
        m->fbits = nb;
        for (size_t i = 0; i <= m->mask; i++)
            if (m->slots[i].idx1 && m->ents[m->slots[i].idx1 - 1].ntok == 1) {
                size_t b = fbit(m, m->ents[m->slots[i].idx1 - 1].hash);
                m->filter[b / 64] |= 1ull << (b % 64);
            }
    }
    size_t b = fbit(m, h);
    m->filter[b / 64] |= 1ull << (b % 64);
    return 0;
}

/* Keep nfilter at >= 16 bits per key of two or more words, as filter. */
static int nfilter_add(ww__matcher *m, uint64_t h) {
    if (++m->ngrams * 16 > m->nfbits) {
        size_t nb = m->nfbits ? m->nfbits * 2 : (size_t)1 << 16;
        uint64_t *nf = calloc(nb / 64, sizeof *nf);
        if (!nf)
            return WW_ENOMEM;
        free(m->nfilter);
        m->nfilter = nf;
        m->nfbits = nb;
        for (size_t i = 0; i < m->nents; i++)
            if (m->ents[i].ntok > 1) {
                size_t b = nbit(m, m->ents[i].hash);
                m->nfilter[b / 64] |= 1ull << (b % 64);
            }
    }
    size_t b = nbit(m, h);
    m->nfilter[b / 64] |= 1ull << (b % 64);
    return 0;
}

/* Find or insert the entry for key; NULL on ENOMEM (or a key longer than 64 KiB, which
 * no phrase of at most WW_TAX_MAX_TEXT bytes normalises to). */
static entry *upsert(ww__matcher *m, uint64_t h, const char *key, size_t keylen,
                     int ntok) {
    if ((m->used + 1) * 2 > m->mask + 1 && grow(m))
        return NULL;
    if (m->nents >= UINT32_MAX - 1 || keylen > UINT16_MAX)
        return NULL;
    size_t j = h & m->mask;
    while (m->slots[j].idx1) {
        entry *e = &m->ents[m->slots[j].idx1 - 1];
        if (e->hash == h && e->keylen == keylen &&
            memcmp(m->chars + e->key, key, keylen) == 0)
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
    if (chars_add(m, key, keylen, &e->key))
        return NULL;
    e->keylen = (uint16_t)keylen;
    e->ntok = (uint8_t)ntok;
    e->hash = h;
    m->slots[j].tag = (uint32_t)(h >> 32);
    m->slots[j].idx1 = (uint32_t)++m->nents;
    m->used++;
    if (ntok == 1 && filter_add(m, h))
        return NULL;
    if (ntok > 1 && nfilter_add(m, h))
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

/* ---- parts of compounds ---- */

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
        if (chars_add(m, key, n, &pt->key))
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
    if (run_push(m, &pt->post, &pt->npost, &c))
        return WW_ENOMEM;
    m->partlangs[q->lang]++;
    return 0;
}

static size_t count_cps(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The parts a term written "*Term", "Term*" or "*Term*" asks for (one stemmed word of
 * at least PART_MIN_CPS code points, a topic term): its stem as head and/or modifier. */
static int add_parts(ww__matcher *m, const char *phrase, size_t len, const ww__toks *stem,
                     const ww__posting *q) {
    int head = len > 1 && phrase[0] == '*', mod = len > 1 && phrase[len - 1] == '*';
    if ((!head && !mod) || stem->n != 1 || q->kind != WW__P_TERM ||
        count_cps(ww__tok_norm(stem, 0), stem->v[0].norm_len) < PART_MIN_CPS)
        return 0;
    int rc = 0;
    if (head)
        rc = part_add(m, ww__tok_norm(stem, 0), stem->v[0].norm_len, PART_HEAD, q);
    if (!rc && mod)
        rc = part_add(m, ww__tok_norm(stem, 0), stem->v[0].norm_len, PART_MOD, q);
    return rc;
}

int ww__matcher_add(ww__matcher *m, const char *phrase, size_t len,
                    const ww__posting *p) {
    return ww__matcher_add_stemmed(m, phrase, len, p, NULL);
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
    rc = WW_ENOMEM;
    uint64_t h = 0;
    entry *e = NULL;
    if (langfilter_add(m, p->lang, fix(ww__hash_next(0, folded.v[0].hash))))
        goto out;
    for (size_t n = 1; n <= folded.n; n++) {
        size_t keylen;
        h = ww__hash_next(h, folded.v[n - 1].hash);
        free(key);
        if (!(key = join(&folded, n, &keylen)))
            goto out;
        if (!(e = upsert(m, fix(h), key, keylen, (int)n)))
            goto out;
        if (n < folded.n)
            e->extends = 1;
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
            if (chars_add(m, cs, cl, &off))
                goto out;
            q.cased = off + 1;
        }
    }
    uint32_t had = e->npost;
    if (run_push(m, &e->post, &e->npost, &q))
        goto out;
    m->phrases += had == 0;
    if ((int)folded.n > m->maxtok)
        m->maxtok = (int)folded.n;
    if (st)
        m->stemmer[q.lang] = st;
    rc = st ? add_parts(m, phrase, len, &folded, &q) : 0;
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
