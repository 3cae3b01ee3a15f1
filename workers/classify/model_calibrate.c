/* Confidence of the linear model's labels: Platt scaling of its scores.
 *
 * A score is the model's own probability (sigmoid of the margin past the label's
 * threshold, or a softmax), its scale fitted for log-loss over all labels at once; a
 * consumer reading one label needs more: among labels given confidence p, a fraction
 * p right.  Confidence = 1 / (1 + exp(A * logit(score) + B)), with one (A, B) for a
 * document's best label and one for the others: the best label of a multi-class
 * model is right more often than its softmax share says, and one map for both left
 * 10kGNAD's best labels 0.07 off (expected calibration error) where two leave 0.05.
 * A and B are fitted at training time on out-of-fold scores (the tuning folds of
 * model_train.c: every training document scored by a model that did not see it),
 * over the labels predict shows for a document: its best CAL_TOP.  Parametric rather
 * than an isotonic map: the dev sets give a few hundred documents per fold, too few
 * for a step function to carry over to new ones.  Fitting follows Lin, Lin and Weng,
 * "A note on Platt's probabilistic outputs for support vector machines" (2007):
 * targets pulled in from 0 and 1 by the class counts, Newton's method with a
 * backtracking line search. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "wirewatch/error.h"

#define CAL_TOP 5 /* labels of a document fitted: the best 5, as predict prints */

/* Platt's objective: the cross-entropy of targets t against 1/(1+exp(A x + B)). */
static double platt_loss(const double *x, const double *t, size_t n, double A, double B) {
    double f = 0;
    for (size_t i = 0; i < n; i++) {
        double z = A * x[i] + B;
        f += z >= 0 ? t[i] * z + log1p(exp(-z)) : (t[i] - 1) * z + log1p(exp(z));
    }
    return f;
}

/* A and B minimising platt_loss; t holds the targets. */
static void platt_fit(const double *x, const double *t, size_t n, double npos, double *A,
                      double *B) {
    double a = 0, b = log((n - npos + 1) / (npos + 1)), f = platt_loss(x, t, n, a, b);
    for (int it = 0; it < 100; it++) {
        double h11 = 1e-12, h22 = 1e-12, h21 = 0, g1 = 0, g2 = 0;
        for (size_t i = 0; i < n; i++) {
            double z = a * x[i] + b, p, q; /* p = P(y = 1), q = 1 - p */
            if (z >= 0) {
                p = exp(-z) / (1 + exp(-z));
                q = 1 / (1 + exp(-z));
            } else {
                p = 1 / (1 + exp(z));
                q = exp(z) / (1 + exp(z));
            }
            double d2 = p * q, d1 = t[i] - p;
            h11 += x[i] * x[i] * d2;
            h22 += d2;
            h21 += x[i] * d2;
            g1 += x[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < 1e-5 && fabs(g2) < 1e-5)
            break;
        double det = h11 * h22 - h21 * h21;
        double da = -(h22 * g1 - h21 * g2) / det, db = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * da + g2 * db, step = 1;
        while (step >= 1e-10) {
            double nf = platt_loss(x, t, n, a + step * da, b + step * db);
            if (nf < f + 1e-4 * step * gd) {
                a += step * da;
                b += step * db;
                f = nf;
                break;
            }
            step /= 2;
        }
        if (step < 1e-10)
            break;
    }
    *A = a;
    *B = b;
}

/* Indices of the k best of n scores, best first (ties: lower index first). */
static int top_k(const float *s, int n, int k, int *out) {
    int m = 0;
    for (int l = 0; l < n; l++) {
        if (m == k && s[l] <= s[out[m - 1]])
            continue;
        int j = m < k ? m++ : m - 1;
        while (j > 0 && s[l] > s[out[j - 1]]) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = l;
    }
    return m;
}

/* Platt's A and B for the labels of ranks [r0, r1) among each document's best
 * (out-of-fold scores oof, gold as in ww__calibrate); x, t, y: scratch for ndocs x k
 * labels.  No labels: A = -1, B = 0, confidence = score. */
static void fit_ranks(const ww__linear *lin, const float *oof, const unsigned char *gold,
                      size_t ndocs, int nl, int multilabel, int r0, int r1, float *s,
                      double *x, double *t, unsigned char *y, float *A, float *B) {
    int top[CAL_TOP], k = nl < CAL_TOP ? nl : CAL_TOP;
    size_t n = 0;
    double npos = 0, a = -1, b = 0;
    for (size_t i = 0; i < ndocs; i++) {
        memcpy(s, oof + i * (size_t)nl, (size_t)nl * sizeof *s);
        ww__linear_scores(lin, nl, multilabel, s);
        int m = top_k(s, nl, k, top);
        for (int j = r0; j < r1 && j < m; j++) {
            x[n] = ww__logit(s[top[j]]);
            y[n] = gold[i * (size_t)nl + (size_t)top[j]] != 0;
            npos += y[n];
            n++;
        }
    }
    /* Platt's targets: 1 and 0 pulled in by the class counts (no infinite odds) */
    for (size_t i = 0; i < n; i++)
        t[i] = y[i] ? (npos + 1) / (npos + 2) : 1 / ((double)n - npos + 2);
    if (n > 0)
        platt_fit(x, t, n, npos, &a, &b);
    *A = (float)a;
    *B = (float)b;
}

int ww__calibrate(ww__linear *lin, const float *oof, const unsigned char *gold,
                  size_t ndocs, int nl, int multilabel) {
    size_t k = (size_t)(nl < CAL_TOP ? nl : CAL_TOP);
    int rc = WW_ENOMEM;
    float *s = malloc((size_t)nl * sizeof *s);
    double *x = malloc((ndocs * k + 1) * sizeof *x);
    double *t = malloc((ndocs * k + 1) * sizeof *t);
    unsigned char *y = malloc(ndocs * k + 1);
    if (!s || !x || !t || !y)
        goto out;
    fit_ranks(lin, oof, gold, ndocs, nl, multilabel, 0, 1, s, x, t, y, &lin->cal_a,
              &lin->cal_b);
    fit_ranks(lin, oof, gold, ndocs, nl, multilabel, 1, CAL_TOP, s, x, t, y, &lin->cal_c,
              &lin->cal_d);
    rc = 0;
out:
    free(s);
    free(x);
    free(t);
    free(y);
    return rc;
}
