/* Training's features: TF-IDF rows of the training documents (word and word n-gram
 * block, char n-gram block) and, once trained, the table of known words that lets
 * prediction skip n-gram look-ups (model_predict.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_train_features.h"
#include "wirewatch/error.h"

void ww__csr_free(ww__csr *x) {
    free(x->ptr);
    free(x->wend);
    free(x->col);
    free(x->val);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_feat(const void *a, const void *b) {
    uint32_t x = ((const ww__feat *)a)->key, y = ((const ww__feat *)b)->key;
    return (x > y) - (x < y);
}

typedef struct gpair {
    uint32_t key;
    float s;
} gpair;

static int cmp_gpair(const void *a, const void *b) {
    uint32_t x = ((const gpair *)a)->key, y = ((const gpair *)b)->key;
    return (x > y) - (x < y);
}

static double sublin(uint32_t n) { return 1.0 + log((double)n); }

/* Growing arrays: *v has *cap elements of size sz; make room for need. */
static int reserve(void **v, size_t *cap, size_t need, size_t sz) {
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *p = realloc(*v, c * sz);
    if (!p)
        return WW_ENOMEM;
    *v = p;
    *cap = c;
    return 0;
}

void ww__wtypes_free(ww__wtypes *t) {
    free(t->key);
    free(t->goff);
    free(t->glen);
    free(t->g);
    free(t->slots);
}

/* Index of word key in t, adding it (with its n-grams) when new; -1 on ENOMEM. */
static int64_t wtype_of(ww__wtypes *t, uint32_t key, const char *norm, size_t len,
                        const ww__feat_opts *o) {
    if ((t->n + 1) * 2 > (size_t)t->mask + 1 || !t->slots) {
        size_t size = t->slots ? ((size_t)t->mask + 1) * 2 : 4096;
        ww__slot *ns = calloc(size, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < t->n; i++) {
            uint32_t h = (t->key[i] * 2654435761u) & (uint32_t)(size - 1);
            while (ns[h].idx1)
                h = (h + 1) & (uint32_t)(size - 1);
            ns[h].key = t->key[i];
            ns[h].idx1 = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = ns;
        t->mask = (uint32_t)(size - 1);
    }
    uint32_t h = (key * 2654435761u) & t->mask;
    while (t->slots[h].idx1) {
        if (t->slots[h].key == key)
            return t->slots[h].idx1 - 1;
        h = (h + 1) & t->mask;
    }
    size_t i = t->n;
    if (reserve((void **)&t->key, &t->kcap, i + 1, sizeof *t->key) ||
        reserve((void **)&t->goff, &t->ocap, i + 1, sizeof *t->goff) ||
        reserve((void **)&t->glen, &t->lcap, i + 1, sizeof *t->glen))
        return -1;
    if (reserve((void **)&t->g, &t->gcap, t->ng + WW__CHAR_MAX, sizeof *t->g))
        return -1;
    size_t n = ww__char_grams(norm, len, o, t->g + t->ng);
    if (t->ng + n > UINT32_MAX)
        return -1;
    t->key[i] = key;
    t->goff[i] = (uint32_t)t->ng;
    t->glen[i] = (uint32_t)n;
    t->ng += n;
    t->n++;
    t->slots[h].key = key;
    t->slots[h].idx1 = (uint32_t)i + 1;
    return (int64_t)i;
}

/* Every document's features, one document after another: its distinct word features
 * (all), and with char n-grams its distinct words (dw) and distinct n-grams with the
 * sum of their words' a(c) (gall).  *start[i] is where document i begins. */
typedef struct doc_feats {
    ww__feat *all;
    gpair *gall;
    ww__feat *dw; /* (word type, count) */
    size_t nall, capall, ngall, capg, ndw, capdw;
    size_t *dstart, *gstart, *wstart;
} doc_feats;

static void doc_feats_free(doc_feats *d) {
    free(d->all);
    free(d->gall);
    free(d->dw);
    free(d->dstart);
    free(d->gstart);
    free(d->wstart);
}

/* One document's distinct words and their char n-grams, merged: one entry per
 * distinct n-gram. */
static int add_doc_chars(doc_feats *d, const ww__featctx *fc, ww__wtypes *wt,
                         const ww__feat_opts *fo) {
    size_t g0 = d->ngall;
    if (reserve((void **)&d->dw, &d->capdw, d->ndw + fc->nwout, sizeof *d->dw))
        return WW_ENOMEM;
    for (size_t k = 0; k < fc->nwout; k++) {
        const ww__fword *w = &fc->wout[k];
        int64_t t = wtype_of(wt, (uint32_t)w->h, ww__tok_norm(&fc->toks, w->tok),
                             fc->toks.v[w->tok].norm_len, fo);
        if (t < 0)
            return WW_ENOMEM;
        d->dw[d->ndw].key = (uint32_t)t;
        d->dw[d->ndw].n = w->n;
        d->ndw++;
        if (reserve((void **)&d->gall, &d->capg, d->ngall + wt->glen[t], sizeof *d->gall))
            return WW_ENOMEM;
        float a = (float)sublin(w->n);
        for (uint32_t q = 0; q < wt->glen[t]; q++) {
            d->gall[d->ngall].key = wt->g[wt->goff[t] + q];
            d->gall[d->ngall].s = a;
            d->ngall++;
        }
    }
    if (d->ngall > g0)
        qsort(d->gall + g0, d->ngall - g0, sizeof *d->gall, cmp_gpair);
    size_t u = g0;
    for (size_t k = g0; k < d->ngall; k++) {
        if (u > g0 && d->gall[u - 1].key == d->gall[k].key)
            d->gall[u - 1].s += d->gall[k].s;
        else
            d->gall[u++] = d->gall[k];
    }
    d->ngall = u;
    return 0;
}

static int collect_docs(const ww_train_doc *docs, size_t ndocs, const ww__feat_opts *fo,
                        doc_feats *d, ww__wtypes *wt) {
    int rc = WW_ENOMEM;
    ww__featctx fc = {0};
    d->dstart = calloc(ndocs + 1, sizeof *d->dstart);
    d->gstart = calloc(ndocs + 1, sizeof *d->gstart);
    d->wstart = calloc(ndocs + 1, sizeof *d->wstart);
    if (!d->dstart || !d->gstart || !d->wstart)
        goto out;
    for (size_t i = 0; i < ndocs; i++) {
        d->dstart[i] = d->nall;
        d->gstart[i] = d->ngall;
        d->wstart[i] = d->ndw;
        if ((rc = ww__features(&fc, docs[i].text, docs[i].len, fo)))
            goto out;
        rc = WW_ENOMEM;
        if (reserve((void **)&d->all, &d->capall, d->nall + fc.nout, sizeof *d->all))
            goto out;
        if (fc.nout)
            memcpy(d->all + d->nall, fc.out, fc.nout * sizeof *d->all);
        d->nall += fc.nout;
        if (fo->char_minn > 0 && (rc = add_doc_chars(d, &fc, wt, fo)))
            goto out;
    }
    d->dstart[ndocs] = d->nall;
    d->gstart[ndocs] = d->ngall;
    d->wstart[ndocs] = d->ndw;
    rc = 0;
out:
    ww__featctx_free(&fc);
    return rc;
}

/* The vocabulary: sorted distinct keys of both blocks, indexed for look-up. */
static int build_vocab(const doc_feats *d, ww__linear *lin) {
    size_t n = d->nall + d->ngall;
    uint32_t *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return WW_ENOMEM;
    for (size_t i = 0; i < d->nall; i++)
        keys[i] = d->all[i].key;
    for (size_t i = 0; i < d->ngall; i++)
        keys[d->nall + i] = d->gall[i].key;
    if (n)
        qsort(keys, n, sizeof *keys, cmp_u32);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (nf == 0 || keys[nf - 1] != keys[i])
            keys[nf++] = keys[i];
    lin->keys = keys;
    lin->nfeat = (uint32_t)nf;
    return ww__linear_index(lin);
}

/* Keys -> feature indices; smoothed idf (as scikit-learn's TfidfVectorizer); every
 * word type's sum of idf^2 over its n-grams (tq). */
static int compute_idf(doc_feats *d, size_t ndocs, ww__linear *lin, const ww__wtypes *wt,
                       double *tq) {
    uint32_t nf = lin->nfeat;
    uint32_t *df = calloc(nf ? nf : 1, sizeof *df);
    lin->idf = malloc((nf ? nf : 1) * sizeof *lin->idf);
    if (!df || !lin->idf) {
        free(df);
        return WW_ENOMEM;
    }
    for (size_t k = 0; k < d->nall; k++) {
        d->all[k].key = (uint32_t)ww__linear_find(lin, d->all[k].key);
        df[d->all[k].key]++;
    }
    for (size_t k = 0; k < d->ngall; k++) {
        d->gall[k].key = (uint32_t)ww__linear_find(lin, d->gall[k].key);
        df[d->gall[k].key]++;
    }
    for (size_t f = 0; f < nf; f++)
        lin->idf[f] = (float)(log((1.0 + (double)ndocs) / (1.0 + df[f])) + 1.0);
    lin->idf_unk = (float)(log(1.0 + (double)ndocs) + 1.0);
    for (size_t t = 0; t < wt->n; t++) {
        double q = 0;
        for (uint32_t k = 0; k < wt->glen[t]; k++) {
            double v = lin->idf[ww__linear_find(lin, wt->g[wt->goff[t] + k])];
            q += v * v;
        }
        tq[t] = q;
    }
    free(df);
    return 0;
}

/* Row i of x: the word block (sublinear tf x idf, L2-normalised), then the char
 * n-gram block divided by its norm as if words' n-gram vectors did not overlap. */
static void fill_row(doc_feats *d, size_t i, const ww__linear *lin, const double *tq,
                     ww__csr *x, size_t *nnzp) {
    size_t nnz = *nnzp, b = d->dstart[i], e = d->dstart[i + 1];
    if (e > b)
        qsort(d->all + b, e - b, sizeof *d->all, cmp_feat);
    x->ptr[i] = nnz;
    double n2 = 0;
    for (size_t k = b; k < e; k++) {
        double v = sublin(d->all[k].n) * lin->idf[d->all[k].key];
        x->col[nnz] = d->all[k].key;
        x->val[nnz++] = (float)v;
        n2 += v * v;
    }
    float inv = n2 > 0 ? (float)(1.0 / sqrt(n2)) : 0.f;
    for (size_t k = x->ptr[i]; k < nnz; k++)
        x->val[k] *= inv;
    x->wend[i] = nnz;
    double q = 0;
    for (size_t k = d->wstart[i]; k < d->wstart[i + 1]; k++) {
        double a = sublin(d->dw[k].n);
        q += a * a * tq[d->dw[k].key];
    }
    double invq = q > 0 ? 1.0 / sqrt(q) : 0;
    b = d->gstart[i];
    e = d->gstart[i + 1];
    if (e > b)
        qsort(d->gall + b, e - b, sizeof *d->gall, cmp_gpair);
    for (size_t k = b; k < e; k++) {
        x->col[nnz] = d->gall[k].key;
        x->val[nnz++] = (float)(d->gall[k].s * lin->idf[d->gall[k].key] * invq);
    }
    *nnzp = nnz;
}

/* Feature vocabulary (sorted keys, idf) and the TF-IDF rows of every document.
 *
 * Word block: each word and word n-gram, sublinear tf x idf, L2-normalised.
 * Char n-gram block (o->char_minn > 0): a word w occurring c times adds
 * a(c) * psi(w), a(c) = 1 + ln c and psi(w) = the sum of idf(g) e_g over the char
 * n-grams g of "<w>"; the block is divided by sqrt(sum over distinct words of
 * a(c)^2 |psi(w)|^2), its norm if the words' n-gram vectors did not overlap.  Both
 * parts of a document's margin are then sums over its distinct words, so prediction
 * keeps one precomputed row per known word instead of looking up every n-gram
 * (model_predict.c).  On 5-fold CV of the German dev set this matched one joint
 * TF-IDF vector of words and n-grams (0.79 either way) at a fraction of the cost. */
int ww__train_features(const ww_train_doc *docs, size_t ndocs, ww__linear *lin,
                       ww__csr *x, ww__wtypes *wt) {
    doc_feats d = {0};
    double *tq = NULL;
    int rc = collect_docs(docs, ndocs, &lin->fo, &d, wt);
    if (rc || (rc = build_vocab(&d, lin)))
        goto out;
    rc = WW_ENOMEM;
    size_t n = d.nall + d.ngall;
    x->nrows = ndocs;
    x->ptr = calloc(ndocs + 1, sizeof *x->ptr);
    x->wend = calloc(ndocs + 1, sizeof *x->wend);
    x->col = malloc((n ? n : 1) * sizeof *x->col);
    x->val = malloc((n ? n : 1) * sizeof *x->val);
    tq = calloc(wt->n ? wt->n : 1, sizeof *tq);
    if (!x->ptr || !x->wend || !x->col || !x->val || !tq ||
        compute_idf(&d, ndocs, lin, wt, tq))
        goto out;
    size_t nnz = 0;
    for (size_t i = 0; i < ndocs; i++)
        fill_row(&d, i, lin, tq, x, &nnz);
    x->ptr[ndocs] = nnz;
    if (lin->fo.char_minn > 0) {
        /* every word type's sum of idf^2, for the word table built after training */
        if (!(lin->wnorm = malloc((wt->n ? wt->n : 1) * sizeof *lin->wnorm)))
            goto out;
        for (size_t t = 0; t < wt->n; t++)
            lin->wnorm[t] = (float)tq[t];
    }
    rc = 0;
out:
    doc_feats_free(&d);
    free(tq);
    return rc;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* After training: the table of known words, every word of the training documents
 * (an unknown word costs its ~10-40 n-gram look-ups; the table costs 8 + nlabels bytes
 * a word): key, sum of idf^2, and the row sum over its n-grams of idf x w.
 * lin->wnorm holds every word type's sum of idf^2 on entry (from ww__train_features) and
 * the table's, in key order, on return. */
int ww__train_word_table(ww__linear *lin, const ww__wtypes *wt, int nl) {
    size_t nk = wt->n;
    /* sorted by key (distinct: wtype_of keeps one type per key) */
    uint64_t *kv = malloc((nk ? nk : 1) * sizeof *kv);
    uint32_t *wkeys = malloc((nk ? nk : 1) * sizeof *wkeys);
    float *wnorm = malloc((nk ? nk : 1) * sizeof *wnorm);
    float *wu = calloc(nk * (size_t)nl + 1, sizeof *wu);
    if (!kv || !wkeys || !wnorm || !wu) {
        free(kv);
        free(wkeys);
        free(wnorm);
        free(wu);
        return WW_ENOMEM;
    }
    for (size_t i = 0; i < nk; i++)
        kv[i] = (uint64_t)wt->key[i] << 32 | i;
    qsort(kv, nk, sizeof *kv, cmp_u64);
    for (size_t i = 0; i < nk; i++) {
        uint32_t t = (uint32_t)kv[i];
        wkeys[i] = (uint32_t)(kv[i] >> 32);
        wnorm[i] = lin->wnorm[t];
        float *row = wu + i * (size_t)nl;
        for (uint32_t k = 0; k < wt->glen[t]; k++) {
            int64_t f = ww__linear_find(lin, wt->g[wt->goff[t] + k]);
            const float *w = lin->w + (size_t)f * (size_t)nl;
            float v = lin->idf[f];
            for (int l = 0; l < nl; l++)
                row[l] += v * w[l];
        }
    }
    free(kv);
    free(lin->wnorm);
    lin->wnorm = wnorm;
    lin->wkeys = wkeys;
    lin->wu = wu;
    lin->nwords = (uint32_t)nk;
    return 0;
}
