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

/* How many keys ahead find_all asks for a key's home slot: 16 rather than 8 gave
 * whole predict runs 0.95 (10kGNAD char), 0.96-0.99 (BBC, Reuters, 10kGNAD word) of
 * the time; 32 no better than 16 (docs/benchmarks.md). */
#define PF_AHEAD 16

/* 1 + ln(tf) for the small counts nearly every feature has */
static const float SUBLIN[16] = {0.f,        1.f,        1.6931472f, 2.0986123f,
                                 2.3862944f, 2.6094379f, 2.7917595f, 2.9459101f,
                                 3.0794415f, 3.1972246f, 3.3025851f, 3.3978953f,
                                 3.4849066f, 3.5649494f, 3.6390573f, 3.7080502f};

/* The row update: mg[l] += w[l] * v for the n labels of a record, n rounded up to 4 (a
 * record's weights are zero-padded to that, ww__rec_size), the inner loop of
 * prediction.  Written with intrinsics because GCC 12's vectoriser made poor code of
 * it (2 labels per instruction and a scalar remainder; a loop to the exact count
 * spent more instructions on its remainder than on the 90 labels of the Reuters
 * model): 8 labels per step with AVX2 (picked at run time), 4 with SSE2.  Each
 * label's product and sum are rounded as in the scalar loop (no fused multiply-add),
 * so every path gives the same bits. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx2"))) static void
add_row_avx2(float *restrict mg, const int8_t *restrict row, float v, int n) {
    __m256 vv = _mm256_set1_ps(v);
    int l = 0;
    for (; l + 8 <= n; l += 8) {
        __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(row + l));
        __m256 w = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
        _mm256_storeu_ps(mg + l,
                         _mm256_add_ps(_mm256_loadu_ps(mg + l), _mm256_mul_ps(w, vv)));
    }
    if (l < n) {
        int32_t b4;
        memcpy(&b4, row + l, 4);
        __m128 w = _mm_cvtepi32_ps(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(b4)));
        _mm_storeu_ps(mg + l, _mm_add_ps(_mm_loadu_ps(mg + l),
                                         _mm_mul_ps(w, _mm256_castps256_ps128(vv))));
    }
}

/* SSE2: sign-extend bytes by unpacking each with itself and shifting arithmetically */
static void add_row_sse2(float *restrict mg, const int8_t *restrict row, float v, int n) {
    __m128 vv = _mm_set1_ps(v);
    for (int l = 0; l < n; l += 4) {
        int32_t b4;
        memcpy(&b4, row + l, 4);
        __m128i b = _mm_cvtsi32_si128(b4);
        b = _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
        b = _mm_srai_epi32(_mm_unpacklo_epi16(b, b), 16);
        _mm_storeu_ps(
            mg + l, _mm_add_ps(_mm_loadu_ps(mg + l), _mm_mul_ps(_mm_cvtepi32_ps(b), vv)));
    }
}

static inline void add_row(float *restrict mg, const int8_t *restrict row, float v,
                           int n) {
    if (__builtin_cpu_supports("avx2"))
        add_row_avx2(mg, row, v, n);
    else
        add_row_sse2(mg, row, v, n);
}
#else
static inline void add_row(float *restrict mg, const int8_t *restrict row, float v,
                           int n) {
    for (int l = 0; l < n; l++)
        mg[l] += (float)row[l] * v;
}
#endif

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

static inline float sublin(uint32_t n) {
    return n < 16 ? SUBLIN[n] : (float)(1.0 + log((double)n));
}

/* Replace keys[j * stride] (j < n) by the key's position in x + 1, 0 = not there.
 * The model's tables are bigger than the caches and a document touches them at random,
 * so without prefetching the time goes to waiting for memory (the Reuters model ran
 * at 0.7x fastText's docs/s): the home slot of the key PF_AHEAD places on is
 * requested before it is needed.  The records of the keys found are not: asked for
 * here (or 8 entries before the loops that read them), whole predict runs took
 * 1.07-1.09x the time on the 10kGNAD char model and 1.01-1.02x on the others
 * (docs/benchmarks.md). */
static void find_all(const ww__index *x, uint32_t *keys, size_t stride, size_t n) {
    for (size_t j = 0; j < n && j < PF_AHEAD; j++)
        __builtin_prefetch(&x->slots[ww__index_home(x, keys[j * stride])]);
    for (size_t j = 0; j < n; j++) {
        if (j + PF_AHEAD < n)
            __builtin_prefetch(
                &x->slots[ww__index_home(x, keys[(j + PF_AHEAD) * stride])]);
        keys[j * stride] = (uint32_t)(ww__index_find(x, keys[j * stride]) + 1);
    }
}

/* Grow the per-word scratch (runs, wix) of fc to n words.  0 or WW_ENOMEM. */
static int words_reserve(ww__featctx *fc, size_t n) {
    if (fc->rcap >= n)
        return 0;
    ww__feat *r = realloc(fc->runs, n * sizeof *r);
    if (!r)
        return WW_ENOMEM;
    fc->runs = r;
    uint32_t *x = realloc(fc->wix, n * sizeof *x);
    if (!x)
        return WW_ENOMEM;
    fc->wix = x;
    fc->rcap = n;
    return 0;
}

/* The known words of the char n-gram block: each adds a(count) x its stored row to u
 * and a(count)^2 x its sum of idf^2 to *q.  The unknown ones get their n-grams'
 * keys appended to fc->gbuf (fc->ng of them in all) and a run (word, number of
 * n-grams) each in fc->runs[0..*nr).  0 or WW_ENOMEM. */
static int known_words(const ww__linear *lin, int n4, ww__featctx *fc, float *u,
                       double *q, size_t *nr, size_t *ng) {
    const ww__fword *w = fc->wout;
    size_t nw = fc->nwout;
    uint32_t *wix = fc->wix;
    for (size_t k = 0; k < nw; k++)
        wix[k] = (uint32_t)w[k].h;
    find_all(&lin->widx, wix, 1, nw);
    *nr = *ng = 0;
    for (size_t k = 0; k < nw; k++) {
        float a = sublin(w[k].n);
        if (wix[k]) {
            const ww__rec *e = ww__rec_at(lin->wrec, lin->recsz, wix[k] - 1);
            *q += (double)a * a * e->x;
            add_row(u, e->w, a * e->scale, n4);
            continue;
        }
        if (*ng + WW__CHAR_MAX > fc->gcap) {
            size_t cap = fc->gcap ? fc->gcap * 2 : 16384;
            while (cap < *ng + WW__CHAR_MAX)
                cap *= 2;
            uint32_t *g = realloc(fc->gbuf, cap * sizeof *g);
            if (!g)
                return WW_ENOMEM;
            fc->gbuf = g;
            fc->gcap = cap;
        }
        size_t m =
            ww__char_grams(ww__tok_norm(&fc->toks, w[k].tok),
                           fc->toks.v[w[k].tok].norm_len, &lin->fo, fc->gbuf + *ng);
        fc->runs[*nr].key = (uint32_t)k;
        fc->runs[*nr].n = (uint32_t)m;
        (*nr)++;
        *ng += m;
    }
    return 0;
}

/* The char n-gram block (model_train.c): the sum over the document's distinct words
 * of a(count) x the word's row, divided by sqrt(sum of a(count)^2 x the word's sum
 * of idf^2).  A known word's row and sum come from the word table in one look-up;
 * another word's are composed from its n-grams, an unknown n-gram adding idf_unk^2
 * to the sum.  Unseen words (a fifth of a German article's distinct words, long
 * compounds with ~40 n-grams each) make most of the look-ups. */
static int char_block(const ww__linear *lin, int n4, ww__featctx *fc, float *mg,
                      float *u) {
    size_t nr, ng;
    double q = 0, unk2 = (double)lin->idf_unk * lin->idf_unk;
    for (int l = 0; l < n4; l++)
        u[l] = 0;
    if (words_reserve(fc, fc->nwout) || known_words(lin, n4, fc, u, &q, &nr, &ng))
        return WW_ENOMEM;
    /* unknown words: their n-grams, looked up all at once */
    const uint32_t *g = fc->gbuf;
    find_all(&lin->fidx, fc->gbuf, 1, ng);
    for (size_t r = 0, j = 0; r < nr; r++) {
        float a = sublin(fc->wout[fc->runs[r].key].n);
        double qw = 0;
        for (size_t end = j + fc->runs[r].n; j < end; j++) {
            if (!g[j]) {
                qw += unk2;
                continue;
            }
            const ww__rec *e = ww__rec_at(lin->rec, lin->recsz, g[j] - 1);
            qw += (double)e->x * e->x;
            add_row(u, e->w, a * e->x * e->scale, n4);
        }
        q += (double)a * a * qw;
    }
    if (q > 0) {
        float inv = (float)(1.0 / sqrt(q));
        for (int l = 0; l < n4; l++)
            mg[l] += u[l] * inv;
    }
    return 0;
}

#define FC_KEEP_SLOTS (1u << 16) /* bigger tables are freed after the document */
#define FC_KEEP_BYTES (1u << 20)

/* Give the thread's scratch back after an unusually large document (or an error, or
 * when it was the caller's own). */
static void fc_trim(ww__featctx *fc, const ww__featctx *own, int rc) {
    if (fc == own || rc || fc->tabcap > FC_KEEP_SLOTS || fc->wcap > FC_KEEP_SLOTS ||
        fc->toks.norm_cap > FC_KEEP_BYTES || fc->toks.cap > FC_KEEP_SLOTS ||
        fc->gcap > FC_KEEP_SLOTS || fc->labcap > FC_KEEP_SLOTS ||
        fc->pcap > FC_KEEP_SLOTS)
        ww__featctx_free(fc); /* fc itself stays this thread's, empty */
}

/* ww__linear_margins with the scratch fc, which it leaves as it is. */
static int margins_in(const ww__linear *lin, int nlabels, const char *text, size_t len,
                      float *margins, ww__featctx *fc) {
    int rc = WW_ENOMEM, n4 = (nlabels + 3) & ~3;
    if (fc->labcap < 2 * (size_t)n4) {
        float *lab = realloc(fc->lab, 2 * (size_t)n4 * sizeof *lab);
        if (!lab)
            goto out;
        fc->lab = lab;
        fc->labcap = 2 * (size_t)n4;
    }
    float *mg = fc->lab; /* n4 lanes; those past nlabels stay 0 */
    for (int l = 0; l < n4; l++)
        mg[l] = l < nlabels ? lin->bias[l] : 0.f;
    if ((rc = ww__features(fc, text, len, &lin->fo)))
        goto out;
    /* Each distinct feature of the document once (ww__features summed the counts);
     * the known ones are compacted to the front of fc->out as (record, tf-idf). */
    ww__feat *f = fc->out;
    size_t nf = fc->nout, nk = 0, recsz = lin->recsz;
    find_all(&lin->fidx, &f[0].key, 2, nf);
    double n2 = 0;
    for (size_t i = 0; i < nf; i++) {
        if (!f[i].key)
            continue;
        float v = sublin(f[i].n) * ww__rec_at(lin->rec, recsz, f[i].key - 1)->x;
        n2 += (double)v * v;
        f[nk].key = f[i].key - 1;
        memcpy(&f[nk].n, &v, sizeof v); /* the count is no longer needed */
        nk++;
    }
    if (n2 > 0) {
        float inv = (float)(1.0 / sqrt(n2));
        for (size_t k = 0; k < nk; k++) {
            const ww__rec *e = ww__rec_at(lin->rec, recsz, f[k].key);
            float v;
            memcpy(&v, &f[k].n, sizeof v);
            add_row(mg, e->w, v * inv * e->scale, n4);
        }
    }
    if (lin->fo.char_minn > 0 && fc->nwout > 0)
        rc = char_block(lin, n4, fc, mg, mg + n4);
    if (!rc)
        memcpy(margins, mg, (size_t)nlabels * sizeof *margins);
out:
    return rc;
}

int ww__linear_margins(const ww__linear *lin, int nlabels, const char *text, size_t len,
                       float *margins) {
    ww__featctx own = {0}, *fc = fc_get();
    if (!fc)
        fc = &own;
    int rc = margins_in(lin, nlabels, text, len, margins, fc);
    fc_trim(fc, &own, rc);
    return rc;
}

static int cmp_pred_desc(const void *a, const void *b) {
    float x = ((const ww_prediction *)a)->score, y = ((const ww_prediction *)b)->score;
    if (x != y)
        return (x < y) - (x > y);
    return strcmp(((const ww_prediction *)a)->label, ((const ww_prediction *)b)->label);
}

void ww__linear_scores(const ww__linear *lin, int nl, int multilabel, float *mg) {
    if (multilabel) {
        for (int l = 0; l < nl; l++)
            mg[l] = 1.f / (1.f + expf(-lin->scale * (mg[l] - lin->thr[l])));
        return;
    }
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

#define CAND_MAX 16 /* the shortcut below is for the few best labels */

/* The labels that can be given out (among the best max_out, score >= threshold), with
 * their scores, into all[] in label order; returns their number.  The others may be
 * left out.  A multi-label model's score is 1 / (1 + exp(t)), t = -scale (m - thr),
 * falling with t: with t_k the max_out-th smallest t, a label whose t passes t_k +
 * 0.01 scores below the max_out labels at or under t_k (by at least 1e-5 of their
 * score where 1e-30 < score < 0.999, far more than expf's and the division's
 * rounding), so its exp is not needed: 5 of the Reuters model's 90 per document.
 * Near 0 and 1 a float score has plateaus (equal scores, ordered by name) and every
 * label is scored as before. */
static int candidates(const ww_model *m, float *mg, int max_out, float threshold,
                      ww_prediction *all) {
    const ww__linear *lin = m->lin;
    int nl = m->nlabels, n = 0,
        fast = m->multilabel && max_out <= CAND_MAX && max_out < nl;
    float tk = 0;
    if (fast) {
        float best[CAND_MAX] = {0}; /* the max_out smallest t so far, ascending */
        int k = 0;
        for (int l = 0; l < nl; l++) {
            float t = -lin->scale * (mg[l] - lin->thr[l]);
            mg[l] = t;
            if (k == max_out && t >= best[k - 1])
                continue;
            int j = k < max_out ? k++ : k - 1;
            for (; j > 0 && t < best[j - 1]; j--)
                best[j] = best[j - 1];
            best[j] = t;
        }
        tk = best[max_out - 1];
        fast = tk >= -6.9f && tk <= 80.f;
        if (!fast)
            for (int l = 0; l < nl; l++)
                mg[l] = 1.f / (1.f + expf(mg[l]));
    } else {
        ww__linear_scores(lin, nl, m->multilabel, mg);
    }
    for (int l = 0; l < nl; l++) {
        if (fast && mg[l] > tk + 0.01f)
            continue;
        float s = fast ? 1.f / (1.f + expf(mg[l])) : mg[l];
        if (s >= threshold) {
            all[n].label = m->labels[l];
            all[n].score = s;
            all[n].confidence = 0; /* set for those given out */
            n++;
        }
    }
    return n;
}

static int linear_predict(const ww_model *m, const char *text, size_t len,
                          ww_prediction *out, int max_out, float threshold) {
    int nl = m->nlabels, rc = WW_ENOMEM, n = 0;
    const ww__linear *lin = m->lin;
    float stack_m[256], *mg = stack_m;
    ww_prediction stack_p[256], *all = stack_p;
    ww__featctx own = {0}, *fc = fc_get();
    if (!fc)
        fc = &own;
    if (nl > 256) { /* the thread's, kept from one document to the next */
        if (fc->pcap < (size_t)nl) {
            float *p = realloc(fc->pmg, (size_t)nl * sizeof *p);
            if (p)
                fc->pmg = p;
            ww_prediction *q = p ? realloc(fc->pall, (size_t)nl * sizeof *q) : NULL;
            if (!q)
                goto out;
            fc->pall = q;
            fc->pcap = (size_t)nl;
        }
        mg = fc->pmg;
        all = fc->pall;
    }
    if ((rc = margins_in(lin, nl, text, len, mg, fc)))
        goto out;
    n = candidates(m, mg, max_out, threshold, all);
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
    /* for the labels given out only, an exp each; out[0] is the document's best (the
     * best label passes any threshold another does); never above a better label's */
    for (int i = 0; i < rc; i++) {
        out[i].confidence = ww__confidence(lin, out[i].score, i == 0);
        if (i > 0 && out[i].confidence > out[i - 1].confidence)
            out[i].confidence = out[i - 1].confidence;
    }
out:
    fc_trim(fc, &own, rc < 0 ? rc : 0);
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
    if (m->kind == WW__MODEL_FASTTEXT) {
        int n = ww__fasttext_predict(m, text, len, out, max_out, threshold);
        for (int i = 0; i < n; i++) /* no calibration: its own probability */
            out[i].confidence = out[i].score;
        return n;
    }
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
