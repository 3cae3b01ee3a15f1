/* Prediction with the linear model, and the ww_model_predict entry point for any
 * model kind.
 *
 * A document's distinct features come with their counts from ww__features; the
 * sublinear-tf x idf vector is L2-normalised over the features the model knows (as
 * scikit-learn's fixed-vocabulary TfidfVectorizer does), and every known feature adds
 * its row of per-label weights.  Scores: multi-label sigmoid(scale * (margin - thr))
 * so 0.5 sits on each label's tuned threshold; multi-class softmax(scale * margin). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "wirewatch/error.h"

#define PF_AHEAD 8
#define PF_FAR 32 /* for loops that do little besides the look-up */

/* 1 + ln(tf) for the small counts nearly every feature has */
static const float SUBLIN[16] = {0.f,        1.f,        1.6931472f, 2.0986123f,
                                 2.3862944f, 2.6094379f, 2.7917595f, 2.9459101f,
                                 3.0794415f, 3.1972246f, 3.3025851f, 3.3978953f,
                                 3.4849066f, 3.5649494f, 3.6390573f, 3.7080502f};

/* The row update below is the inner loop of prediction: GCC's -O2 cost model leaves it
 * scalar, -O3's vectorizer makes it 4-8 labels per instruction. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
static void
add_row(float *restrict mg, const int8_t *restrict row, float v, int n) {
    for (int l = 0; l < n; l++)
        mg[l] += (float)row[l] * v;
}

/* Feature scratch space, one per thread, kept from one document to the next: built
 * afresh per document, its tables grew through several rehashes for every text (a
 * third of the time of a char n-gram model's prediction went to allocating and
 * growing them).  A loaded model stays read-only and shareable between threads.  The
 * space is freed when its thread exits, and given back after an unusually large
 * document. */
static pthread_key_t fc_key;
static pthread_once_t fc_once = PTHREAD_ONCE_INIT;
static int fc_key_ok;

static void fc_destroy(void *p) {
    ww__featctx_free(p);
    free(p);
}

static void fc_init(void) { fc_key_ok = pthread_key_create(&fc_key, fc_destroy) == 0; }

/* This thread's context, or NULL (then the caller uses one of its own). */
static ww__featctx *fc_get(void) {
    pthread_once(&fc_once, fc_init);
    if (!fc_key_ok)
        return NULL;
    ww__featctx *c = pthread_getspecific(fc_key);
    if (!c && (c = calloc(1, sizeof *c)) && pthread_setspecific(fc_key, c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

/* The char n-gram block (model_train.c): the sum over the document's distinct words
 * of a(count) x the word's row, divided by sqrt(sum of a(count)^2 x the word's sum
 * of idf^2).  A known word's row and sum come from the word table in one look-up;
 * another word's are composed from its n-grams, an unknown n-gram adding idf_unk^2
 * to the sum.  Look-ups go in batches, each requested PF_AHEAD places before it is
 * used and the rows found requested before they are added: unseen words (a fifth of
 * a German article's distinct words, long compounds with ~40 n-grams each) make
 * most of the look-ups, and each would otherwise wait on memory. */
static int char_block(const ww__linear *lin, int nl, ww__featctx *fc, float *mg) {
    float stack_u[256], *u = stack_u;
    const ww__fword *w = fc->wout;
    size_t nw = fc->nwout, nr = 0, ng = 0;
    double q = 0, unk2 = (double)lin->idf_unk * lin->idf_unk;
    int rc = WW_ENOMEM;
    if (nl > 256 && !(u = malloc((size_t)nl * sizeof *u)))
        return WW_ENOMEM;
    for (int l = 0; l < nl; l++)
        u[l] = 0;
    if (fc->rcap < nw) {
        ww__feat *r = realloc(fc->runs, nw * sizeof *r);
        uint32_t *x = r ? realloc(fc->wix, nw * sizeof *x) : NULL;
        if (r)
            fc->runs = r;
        if (!x)
            goto out;
        fc->wix = x;
        fc->rcap = nw;
    }
    /* the words: record index + 1 in the word table, 0 = not there */
    uint32_t *wix = fc->wix;
    for (size_t k = 0; k < nw && k < PF_AHEAD; k++)
        __builtin_prefetch(&lin->wslots[((uint32_t)w[k].h * 2654435761u) & lin->wmask]);
    for (size_t k = 0; k < nw; k++) {
        if (k + PF_AHEAD < nw)
            __builtin_prefetch(
                &lin->wslots[((uint32_t)w[k + PF_AHEAD].h * 2654435761u) & lin->wmask]);
        int64_t ix = ww__slot_find(lin->wslots, lin->wmask, (uint32_t)w[k].h);
        if (ix >= 0)
            __builtin_prefetch(lin->wrec + (size_t)ix * lin->recsz);
        wix[k] = (uint32_t)(ix + 1);
    }
    /* known words: their rows; unknown ones: their n-grams into gbuf, and a run
     * (word, number of n-grams) each */
    ww__feat *runs = fc->runs;
    for (size_t k = 0; k < nw; k++) {
        uint32_t n = w[k].n;
        float a = n < 16 ? SUBLIN[n] : (float)(1.0 + log((double)n));
        if (wix[k]) {
            const ww__rec *e = ww__rec_at(lin->wrec, lin->recsz, wix[k] - 1);
            q += (double)a * a * e->x;
            add_row(u, e->w, a * e->scale, nl);
            continue;
        }
        if (ng + WW__CHAR_MAX > fc->gcap) {
            size_t cap = fc->gcap ? fc->gcap * 2 : 16384;
            while (cap < ng + WW__CHAR_MAX)
                cap *= 2;
            uint32_t *g = realloc(fc->gbuf, cap * sizeof *g);
            if (!g)
                goto out;
            fc->gbuf = g;
            fc->gcap = cap;
        }
        size_t m = ww__char_grams(ww__tok_norm(&fc->toks, w[k].tok),
                                  fc->toks.v[w[k].tok].norm_len, &lin->fo, fc->gbuf + ng);
        runs[nr].key = (uint32_t)k;
        runs[nr].n = (uint32_t)m;
        nr++;
        ng += m;
    }
    /* unknown words' n-grams: feature index + 1 in place of each key, 0 = unknown */
    uint32_t *g = fc->gbuf;
    for (size_t j = 0; j < ng && j < PF_FAR; j++)
        __builtin_prefetch(&lin->slots[(g[j] * 2654435761u) & lin->mask]);
    for (size_t j = 0; j < ng; j++) {
        if (j + PF_FAR < ng)
            __builtin_prefetch(&lin->slots[(g[j + PF_FAR] * 2654435761u) & lin->mask]);
        int64_t f = ww__linear_find(lin, g[j]);
        if (f >= 0)
            __builtin_prefetch(lin->rec + (size_t)f * lin->recsz);
        g[j] = (uint32_t)(f + 1);
    }
    for (size_t r = 0, j = 0; r < nr; r++) {
        uint32_t n = w[runs[r].key].n;
        float a = n < 16 ? SUBLIN[n] : (float)(1.0 + log((double)n));
        double qw = 0;
        for (size_t end = j + runs[r].n; j < end; j++) {
            if (!g[j]) {
                qw += unk2;
                continue;
            }
            const ww__rec *e = ww__rec_at(lin->rec, lin->recsz, g[j] - 1);
            qw += (double)e->x * e->x;
            add_row(u, e->w, a * e->x * e->scale, nl);
        }
        q += (double)a * a * qw;
    }
    if (q > 0) {
        float inv = (float)(1.0 / sqrt(q));
        for (int l = 0; l < nl; l++)
            mg[l] += u[l] * inv;
    }
    rc = 0;
out:
    if (u != stack_u)
        free(u);
    return rc;
}

#define FC_KEEP_SLOTS (1u << 16) /* bigger tables are freed after the document */
#define FC_KEEP_BYTES (1u << 20)

int ww__linear_margins(const ww__linear *lin, int nlabels, const char *text, size_t len,
                       float *margins) {
    float *restrict mg = margins;
    int rc;
    ww__featctx own = {0}, *fc = fc_get();
    if (!fc)
        fc = &own;
    for (int l = 0; l < nlabels; l++)
        margins[l] = lin->bias[l];
    if ((rc = ww__features(fc, text, len, &lin->fo)))
        goto out;
    /* Each distinct feature of the document once (ww__features summed the counts).
     * The model's tables are bigger than the caches and a document touches them at
     * random: without prefetching, time goes to waiting for memory (measured: the
     * Reuters model, 28 MB, ran at 0.7x fastText's docs/s).  So the slot of the key
     * PF_AHEAD places on, and the record (idf, scale, weights) of each feature
     * found, are requested before they are needed.  Known features are compacted to the
     * front of fc.out as (index, value). */
    ww__feat *f = fc->out;
    size_t nf = fc->nout, nk = 0;
    size_t recsz = lin->recsz;
    for (size_t i = 0; i < nf; i++) {
        if (i + PF_AHEAD < nf)
            __builtin_prefetch(
                &lin->slots[(f[i + PF_AHEAD].key * 2654435761u) & lin->mask]);
        int64_t ix = ww__linear_find(lin, f[i].key);
        if (ix < 0)
            continue;
        const uint8_t *rec = lin->rec + (size_t)ix * recsz;
        for (size_t b = 0; b < recsz; b += 64)
            __builtin_prefetch(rec + b);
        f[nk].key = (uint32_t)ix;
        f[nk].n = f[i].n;
        nk++;
    }
    double n2 = 0;
    for (size_t k = 0; k < nk; k++) {
        uint32_t n = f[k].n;
        float v = (n < 16 ? SUBLIN[n] : (float)(1.0 + log((double)n))) *
                  ww__rec_at(lin->rec, recsz, f[k].key)->x;
        n2 += (double)v * v;
        memcpy(&f[k].n, &v, sizeof v); /* the count is no longer needed */
    }
    if (n2 > 0) {
        float inv = (float)(1.0 / sqrt(n2));
        for (size_t k = 0; k < nk; k++) {
            const ww__rec *e = ww__rec_at(lin->rec, recsz, f[k].key);
            float v;
            memcpy(&v, &f[k].n, sizeof v);
            add_row(mg, e->w, v * inv * e->scale, nlabels);
        }
    }
    if (lin->fo.char_minn > 0 && fc->nwout > 0)
        rc = char_block(lin, nlabels, fc, mg);
out:
    if (fc == &own || rc || fc->tabcap > FC_KEEP_SLOTS || fc->wcap > FC_KEEP_SLOTS ||
        fc->toks.norm_cap > FC_KEEP_BYTES || fc->toks.cap > FC_KEEP_SLOTS ||
        fc->gcap > FC_KEEP_SLOTS)
        ww__featctx_free(fc); /* fc itself stays this thread's, empty */
    return rc;
}

static int cmp_pred_desc(const void *a, const void *b) {
    float x = ((const ww_prediction *)a)->score, y = ((const ww_prediction *)b)->score;
    if (x != y)
        return (x < y) - (x > y);
    return strcmp(((const ww_prediction *)a)->label, ((const ww_prediction *)b)->label);
}

static int linear_predict(const ww_model *m, const char *text, size_t len,
                          ww_prediction *out, int max_out, float threshold) {
    int nl = m->nlabels, rc, n = 0;
    const ww__linear *lin = m->lin;
    float stack_m[256], *mg = stack_m;
    ww_prediction stack_p[256], *all = stack_p;
    if (nl > 256) {
        mg = malloc((size_t)nl * sizeof *mg);
        all = malloc((size_t)nl * sizeof *all);
        if (!mg || !all) {
            rc = WW_ENOMEM;
            goto out;
        }
    }
    if ((rc = ww__linear_margins(lin, nl, text, len, mg)))
        goto out;
    if (m->multilabel) {
        for (int l = 0; l < nl; l++)
            mg[l] = 1.f / (1.f + expf(-lin->scale * (mg[l] - lin->thr[l])));
    } else {
        float mx = mg[0];
        double z = 0;
        for (int l = 1; l < nl; l++)
            if (mg[l] > mx)
                mx = mg[l];
        for (int l = 0; l < nl; l++) {
            mg[l] = expf(lin->scale * (mg[l] - mx));
            z += mg[l];
        }
        for (int l = 0; l < nl; l++)
            mg[l] = (float)(mg[l] / z);
    }
    for (int l = 0; l < nl; l++)
        if (mg[l] >= threshold) {
            all[n].label = m->labels[l];
            all[n].score = mg[l];
            n++;
        }
    if (n <= max_out) {
        qsort(all, (size_t)n, sizeof *all, cmp_pred_desc);
        memcpy(out, all, (size_t)n * sizeof *out);
        rc = n;
    } else { /* the best max_out only: insertion into a short sorted list */
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (k == max_out && cmp_pred_desc(&all[i], &out[k - 1]) >= 0)
                continue;
            int j = k < max_out ? k++ : k - 1;
            while (j > 0 && cmp_pred_desc(&all[i], &out[j - 1]) < 0) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = all[i];
        }
        rc = k;
    }
out:
    if (mg != stack_m)
        free(mg);
    if (all != stack_p)
        free(all);
    return rc;
}

int ww_model_predict(const ww_model *m, const char *text, size_t len, ww_prediction *out,
                     int max_out, float threshold) {
    if (!m || (!text && len) || (!out && max_out > 0) || max_out < 0)
        return WW_EINVAL;
    if (!text)
        text = "";
    if (max_out == 0)
        return 0;
    if (m->kind == WW__MODEL_FASTTEXT)
        return ww__fasttext_predict(m, text, len, out, max_out, threshold);
    return linear_predict(m, text, len, out, max_out, threshold);
}

int ww_model_predict_labels(const ww_model *m, const char *text, size_t len,
                            ww_prediction *out, int max_out) {
    if (!m || max_out < 0)
        return WW_EINVAL;
    if (max_out == 0)
        return 0;
    int n = 0;
    if (m->multilabel)
        n = ww_model_predict(m, text, len, out, max_out, 0.5f);
    if (n == 0)
        n = ww_model_predict(m, text, len, out, 1, 0.f);
    return n;
}
