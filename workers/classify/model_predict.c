/* Prediction with the linear model, and the ww_model_predict entry point for any
 * model kind.
 *
 * A document's features are counted in a small open-addressing table (no sort), the
 * sublinear-tf x idf vector is L2-normalised over the features the model knows (as
 * scikit-learn's fixed-vocabulary TfidfVectorizer does), and every known feature adds
 * its row of per-label weights.  Scores: multi-label sigmoid(scale * (margin - thr))
 * so 0.5 sits on each label's tuned threshold; multi-class softmax(scale * margin). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "wirewatch/error.h"

typedef struct cnt {
    uint32_t idx1; /* feature index + 1, 0 = empty */
    uint32_t n;
} cnt;

#define STACK_SLOTS 4096
#define PF_AHEAD 8

/* 1 + ln(tf) for the small counts nearly every feature has */
static const float SUBLIN[16] = {0.f,         1.f,         1.6931472f, 2.0986123f,
                                 2.3862944f,  2.6094379f,  2.7917595f, 2.9459101f,
                                 3.0794415f,  3.1972246f,  3.3025851f, 3.3978953f,
                                 3.4849066f,  3.5649494f,  3.6390573f, 3.7080502f};

/* The row update below is the inner loop of prediction: GCC's -O2 cost model leaves it
 * scalar, -O3's vectorizer makes it 4-8 labels per instruction. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
static void add_row(float *restrict mg, const int8_t *restrict row, float v, int n)
{
    for (int l = 0; l < n; l++)
        mg[l] += (float)row[l] * v;
}

int ww__linear_margins(const ww__linear *lin, int nlabels, const char *text, size_t len,
                       float *margins)
{
    float *restrict mg = margins;
    int rc;
    ww__u32buf f = {0};
    cnt stack_tab[STACK_SLOTS], *tab = stack_tab;
    for (int l = 0; l < nlabels; l++)
        margins[l] = lin->bias[l];
    if ((rc = ww__features(text, len, &lin->fo, &f)))
        goto out;
    size_t size = 16;
    while (size < f.n * 2)
        size *= 2;
    if (size > STACK_SLOTS && !(tab = malloc(size * sizeof *tab))) {
        rc = WW_ENOMEM;
        goto out;
    }
    memset(tab, 0, size * sizeof *tab);
    size_t mask = size - 1, nuniq = 0;
    size_t rowbytes = (size_t)nlabels;
    /* The model's tables are far bigger than the caches and a document touches them
     * at random: without prefetching, time goes to waiting for memory (measured: the
     * Reuters model, 28 MB, ran at 0.7x fastText's docs/s).  So the slot of the key
     * PF_AHEAD places on, and the weight row and idf of each feature found, are
     * requested before they are needed. */
    for (size_t i = 0; i < f.n; i++) {
        if (i + PF_AHEAD < f.n)
            __builtin_prefetch(&lin->slots[(f.v[i + PF_AHEAD] * 2654435761u) & lin->mask]);
        int64_t ix = ww__linear_find(lin, f.v[i]);
        if (ix < 0)
            continue;
        const char *row = (const char *)(lin->wq + (size_t)ix * (size_t)nlabels);
        for (size_t b = 0; b < rowbytes; b += 64)
            __builtin_prefetch(row + b);
        __builtin_prefetch(&lin->idf[ix]);
        __builtin_prefetch(&lin->wscale[ix]);
        size_t h = ((uint32_t)ix * 2654435761u) & mask;
        while (tab[h].idx1 && tab[h].idx1 != (uint32_t)ix + 1)
            h = (h + 1) & mask;
        if (!tab[h].idx1) {
            tab[h].idx1 = (uint32_t)ix + 1;
            f.v[nuniq++] = (uint32_t)h; /* reuse the key buffer: slots in use */
        }
        tab[h].n++;
    }
    double n2 = 0;
    for (size_t k = 0; k < nuniq; k++) {
        cnt *c = &tab[f.v[k]];
        float v = (c->n < 16 ? SUBLIN[c->n] : (float)(1.0 + log((double)c->n))) *
                  lin->idf[c->idx1 - 1];
        n2 += (double)v * v;
        /* stash the value in n's place: the count is no longer needed */
        memcpy(&c->n, &v, sizeof v);
    }
    if (n2 > 0) {
        float inv = (float)(1.0 / sqrt(n2));
        for (size_t k = 0; k < nuniq; k++) {
            const cnt *c = &tab[f.v[k]];
            float v;
            memcpy(&v, &c->n, sizeof v);
            v *= inv * lin->wscale[c->idx1 - 1];
            add_row(mg, lin->wq + (size_t)(c->idx1 - 1) * (size_t)nlabels, v, nlabels);
        }
    }
out:
    if (tab != stack_tab)
        free(tab);
    ww__u32buf_free(&f);
    return rc;
}

static int cmp_pred_desc(const void *a, const void *b)
{
    float x = ((const ww_prediction *)a)->score, y = ((const ww_prediction *)b)->score;
    if (x != y)
        return (x < y) - (x > y);
    return strcmp(((const ww_prediction *)a)->label, ((const ww_prediction *)b)->label);
}

static int linear_predict(const ww_model *m, const char *text, size_t len,
                          ww_prediction *out, int max_out, float threshold)
{
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
                     int max_out, float threshold)
{
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
                            ww_prediction *out, int max_out)
{
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
