/* fastText 0.9.2 supervised models: predict exactly as `fasttext predict-prob` does
 * (the model is loaded by fasttext_load.c; what is reproduced and where it differs
 * is described there). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fasttext_internal.h"
#include "wirewatch/error.h"

static const float *centroid(const pq *q, int32_t m, uint8_t i) {
    if (m == q->nsubq - 1)
        return &q->centroids[(size_t)m * KSUB * (size_t)q->dsub +
                             (size_t)i * (size_t)q->lastdsub];
    return &q->centroids[((size_t)m * KSUB + i) * (size_t)q->dsub];
}

static void add_row(const matrix *mx, float *x, int64_t i) {
    if (!mx->quant) {
        const float *row = mx->data + (size_t)i * (size_t)mx->n;
        for (int64_t j = 0; j < mx->n; j++)
            x[j] += row[j];
        return;
    }
    float alpha = 1;
    if (mx->qnorm)
        alpha = centroid(&mx->npq, 0, mx->norm_codes[i])[0];
    const pq *q = &mx->pq;
    const uint8_t *code = mx->codes + (size_t)q->nsubq * (size_t)i;
    int32_t d = q->dsub;
    for (int32_t m = 0; m < q->nsubq; m++) {
        const float *c = centroid(q, m, code[m]);
        if (m == q->nsubq - 1)
            d = q->lastdsub;
        for (int32_t n = 0; n < d; n++)
            x[m * q->dsub + n] += alpha * c[n];
    }
}

static float dot_row(const matrix *mx, const float *x, int64_t i) {
    if (!mx->quant) {
        const float *row = mx->data + (size_t)i * (size_t)mx->n;
        float d = 0;
        for (int64_t j = 0; j < mx->n; j++)
            d += row[j] * x[j];
        return d;
    }
    float alpha = 1;
    if (mx->qnorm)
        alpha = centroid(&mx->npq, 0, mx->norm_codes[i])[0];
    const pq *q = &mx->pq;
    const uint8_t *code = mx->codes + (size_t)q->nsubq * (size_t)i;
    int32_t d = q->dsub;
    float res = 0;
    for (int32_t m = 0; m < q->nsubq; m++) {
        const float *c = centroid(q, m, code[m]);
        if (m == q->nsubq - 1)
            d = q->lastdsub;
        for (int32_t n = 0; n < d; n++)
            res += x[m * q->dsub + n] * c[n];
    }
    return res * alpha;
}

/* ---- prediction ---- */

typedef struct ibuf {
    int32_t *v;
    size_t n, cap;
    int oom;
} ibuf;

static void ipush(ibuf *b, int32_t x) {
    if (b->oom)
        return;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        int32_t *v = realloc(b->v, cap * sizeof *v);
        if (!v) {
            b->oom = 1;
            return;
        }
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = x;
}

static void push_hash(const ww__fasttext *ft, ibuf *line, int32_t id) {
    if (ft->pruneidx_size == 0 || id < 0)
        return;
    if (ft->pruneidx_size > 0) {
        prune key = {id, 0};
        const prune *p = bsearch(&key, ft->pruneidx, (size_t)ft->pruneidx_size, sizeof *p,
                                 ww__ft_cmp_prune);
        if (!p)
            return;
        id = p->second;
    }
    ipush(line, ft->nwords + id);
}

/* Char n-grams of "<" + tok + ">" (Dictionary::computeSubwords), without building it. */
static void subwords(const ww__fasttext *ft, ibuf *line, const char *tok, size_t n) {
    size_t wl = n + 2;
#define WB(p) ((p) == 0 ? '<' : (p) == wl - 1 ? '>' : tok[(p)-1])
    for (size_t i = 0; i < wl; i++) {
        if ((WB(i) & 0xC0) == 0x80)
            continue;
        uint32_t h = 2166136261u;
        for (size_t j = i, k = 1; j < wl && k <= (size_t)ft->maxn; k++) {
            do {
                h ^= (uint32_t)(int32_t)(int8_t)WB(j);
                h *= 16777619u;
                j++;
            } while (j < wl && (WB(j) & 0xC0) == 0x80);
            if (k >= (size_t)ft->minn && !(k == 1 && (i == 0 || j == wl)))
                push_hash(ft, line, (int32_t)(h % (uint32_t)ft->bucket));
        }
    }
#undef WB
}

/* One token of the line; returns 1 when it was "</s>", which ends a line in fastText. */
static int add_token(const ww__fasttext *ft, ibuf *line, ibuf *hashes, const char *tok,
                     size_t n) {
    uint32_t h = ww__ft_hash(tok, n);
    int32_t wid = ww__ft_dict_find(ft, tok, n, h);
    int is_eos = n == 4 && memcmp(tok, EOS, 4) == 0;
    int type = wid >= 0 ? ft->types[wid]
                        : (strlen(LABEL_PREFIX) <= n &&
                           memcmp(tok, LABEL_PREFIX, strlen(LABEL_PREFIX)) == 0);
    if (type != 0)
        return is_eos; /* labels in the text are ignored, as in predict */
    if (wid < 0) {
        if (!is_eos)
            subwords(ft, line, tok, n);
    } else {
        ipush(line, wid);
        if (ft->maxn > 0 && !is_eos)
            subwords(ft, line, tok, n);
    }
    ipush(hashes, (int32_t)h);
    return is_eos;
}

static float sigmoid_tab(const ww__fasttext *ft, float x) {
    if (x < -8)
        return 0.0f;
    if (x > 8)
        return 1.0f;
    if (x != x)
        return 0.0f; /* NaN from a corrupt model: fastText would throw */
    return ft->t_sigmoid[(int64_t)((x + 8) * 512 / 8 / 2)];
}

static float std_log(float x) { return (float)log((double)x + 1e-5); }

typedef struct cand {
    float score; /* log-prob */
    int32_t label;
} cand;

static int cmp_cand(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->score != y->score)
        return (x->score < y->score) - (x->score > y->score);
    return (x->label > y->label) - (x->label < y->label);
}

/* k-best min-heap on score. */
typedef struct heap {
    cand *v;
    int n, k;
} heap;

static int worse(cand a, cand b) {
    return a.score < b.score || (a.score == b.score && a.label > b.label);
}

static void heap_push(heap *h, cand c) {
    if (h->n == h->k) {
        if (!worse(h->v[0], c))
            return;
        h->v[0] = c; /* replace the worst and sift down */
        int i = 0;
        for (;;) {
            int l = 2 * i + 1, r = l + 1, s = i;
            if (l < h->n && worse(h->v[l], h->v[s]))
                s = l;
            if (r < h->n && worse(h->v[r], h->v[s]))
                s = r;
            if (s == i)
                break;
            cand t = h->v[i];
            h->v[i] = h->v[s];
            h->v[s] = t;
            i = s;
        }
        return;
    }
    int i = h->n++;
    h->v[i] = c;
    while (i > 0 && worse(h->v[i], h->v[(i - 1) / 2])) {
        cand t = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int hs_predict(const ww__fasttext *ft, const float *hidden, heap *hp,
                      float threshold) {
    int32_t osz = ft->nlabels;
    float lthr = std_log(threshold);
    typedef struct item {
        int32_t node;
        float score;
    } item;
    item *st = malloc((size_t)(2 * osz) * sizeof *st);
    if (!st)
        return WW_ENOMEM;
    int sp = 0;
    st[sp++] = (item){2 * osz - 2, 0.0f};
    while (sp) {
        item it = st[--sp];
        if (it.score < lthr)
            continue;
        if (hp->n == hp->k && it.score < hp->v[0].score)
            continue;
        const node *nd = &ft->tree[it.node];
        if (nd->left == -1 && nd->right == -1) {
            heap_push(hp, (cand){it.score, it.node});
            continue;
        }
        float f = dot_row(&ft->out, hidden, it.node - osz);
        f = (float)(1. / (1 + expf(-f)));
        /* right pushed first so left is explored first, as fastText's recursion */
        st[sp++] = (item){nd->right, it.score + std_log(f)};
        st[sp++] = (item){nd->left, it.score + std_log((float)(1.0 - f))};
    }
    free(st);
    return 0;
}

int ww__fasttext_predict(const ww_model *m, const char *text, size_t len,
                         ww_prediction *out, int max_out, float threshold) {
    const ww__fasttext *ft = m->ft;
    ibuf line = {0}, hashes = {0};
    float *hidden = NULL, *output = NULL;
    cand *cv = NULL;
    int rc = WW_ENOMEM, k = max_out < ft->nlabels ? max_out : ft->nlabels;
    size_t i = 0;
    int eos = 0;
    while (i < len && !eos) {
        char c = text[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' ||
            c == '\0') {
            i++;
            continue;
        }
        size_t b = i;
        while (i < len && !(text[i] == ' ' || text[i] == '\n' || text[i] == '\r' ||
                            text[i] == '\t' || text[i] == '\v' || text[i] == '\f' ||
                            text[i] == '\0'))
            i++;
        eos = add_token(ft, &line, &hashes, text + b, i - b);
    }
    if (!eos)
        add_token(ft, &line, &hashes, EOS, 4);
    for (size_t a = 0; a < hashes.n; a++) {
        uint64_t h = (uint64_t)(int64_t)hashes.v[a]; /* int32 widened, as fastText */
        for (size_t j = a + 1; j < hashes.n && j < a + (size_t)ft->word_ngrams; j++) {
            h = h * 116049371u + (uint64_t)(int64_t)hashes.v[j];
            push_hash(ft, &line, (int32_t)(h % (uint64_t)ft->bucket));
        }
    }
    if (line.oom || hashes.oom)
        goto out;
    if (line.n == 0) { /* fastText predicts nothing for an empty line */
        rc = 0;
        goto out;
    }
    hidden = calloc((size_t)ft->dim, sizeof *hidden);
    output = malloc((size_t)ft->nlabels * sizeof *output);
    cv = malloc((size_t)k * sizeof *cv);
    if (!hidden || !output || !cv)
        goto out;
    for (size_t a = 0; a < line.n; a++)
        add_row(&ft->in, hidden, line.v[a]);
    float inv = (float)(1.0 / (double)line.n);
    for (int32_t j = 0; j < ft->dim; j++)
        hidden[j] *= inv;
    heap hp = {cv, 0, k};
    if (ft->loss == LOSS_HS) {
        if ((rc = hs_predict(ft, hidden, &hp, threshold)))
            goto out;
    } else {
        for (int32_t l = 0; l < ft->nlabels; l++)
            output[l] = dot_row(&ft->out, hidden, l);
        if (ft->loss == LOSS_SOFTMAX) {
            float mx = output[0], z = 0;
            for (int32_t l = 0; l < ft->nlabels; l++)
                if (output[l] > mx)
                    mx = output[l];
            for (int32_t l = 0; l < ft->nlabels; l++) {
                output[l] = (float)exp((double)(output[l] - mx));
                z += output[l];
            }
            for (int32_t l = 0; l < ft->nlabels; l++)
                output[l] /= z;
        } else { /* ova and ns: independent sigmoids from the table */
            for (int32_t l = 0; l < ft->nlabels; l++)
                output[l] = sigmoid_tab(ft, output[l]);
        }
        for (int32_t l = 0; l < ft->nlabels; l++) {
            if (output[l] < threshold)
                continue;
            heap_push(&hp, (cand){std_log(output[l]), l});
        }
    }
    qsort(cv, (size_t)hp.n, sizeof *cv, cmp_cand);
    for (int a = 0; a < hp.n; a++) {
        out[a].label = m->labels[cv[a].label];
        out[a].score = expf(cv[a].score);
    }
    rc = hp.n;
out:
    free(line.v);
    free(hashes.v);
    free(hidden);
    free(output);
    free(cv);
    return rc;
}
