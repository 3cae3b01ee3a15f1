/* Text classification models: wirewatch's own linear model (train + predict) and
 * fastText .bin/.ftz models (predict only), behind one handle.
 *
 * A loaded model is immutable: ww_model_predict() may be called from several threads
 * on the same model at once.  Label strings returned by predict are owned by the
 * model and live until ww_model_free(). */
#ifndef WIREWATCH_MODEL_H
#define WIREWATCH_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ww_model ww_model;

typedef struct ww_prediction {
    const char *label; /* owned by the model */
    float score;       /* 0..1 (fastText: its printed probability, p + 1e-5) */
    float confidence;  /* 0..1: of labels given confidence p, about a fraction p are
                          right (wirewatch models: calibrated at training time, see
                          docs/model.md; fastText: its probability, uncalibrated) */
} ww_prediction;

/* Load a wirewatch model file or a fastText .bin/.ftz file, detected by magic.
 * NULL with a message in err when the file cannot be read, is not a model, is
 * truncated, fails its checksum or holds inconsistent sizes.  Free with ww_model_free. */
ww_model *ww_model_load(const char *path, char *err, size_t errlen);

/* Same, with the file mapped (read-only, private) rather than read into memory of the
 * process's own: no copy and no zeroed pages to fill, for a command that loads a model
 * once and exits (`wirewatch predict`).  The file must then not be truncated or
 * rewritten in place while the model is in use (replaced by rename, as `wirewatch
 * train` does, is fine): a long-running worker uses ww_model_load. */
ww_model *ww_model_load_mapped(const char *path, char *err, size_t errlen);

/* Same from bytes in memory (copied as needed; data may be freed after the call). */
ww_model *ww_model_load_mem(const void *data, size_t len, char *err, size_t errlen);

/* Classify text (UTF-8, any bytes accepted).  Writes up to max_out predictions with
 * score >= threshold into out, best first, and returns their count (0..max_out), or a
 * negative WW_E* code (WW_EINVAL for bad arguments, WW_ENOMEM).
 * For fastText models the text is one line: every whitespace byte, newlines included,
 * separates tokens and one end-of-sentence token "</s>" ends it, as in
 * `fasttext predict-prob` on that text as a single line. */
int ww_model_predict(const ww_model *m, const char *text, size_t len, ww_prediction *out,
                     int max_out, float threshold);

/* Labels a multi-label model returns for text: every label whose score is >= 0.5
 * (the per-label thresholds tuned at training map to 0.5), and the best one when none
 * passes.  Multi-class models and fastText softmax/hs models: the best label only.
 * fastText ova models: labels with probability >= 0.5, else the best.
 * Returns the count or a negative WW_E* code, like ww_model_predict. */
int ww_model_predict_labels(const ww_model *m, const char *text, size_t len,
                            ww_prediction *out, int max_out);

/* Version string naming the model (kind, format and a content checksum); owned by m. */
const char *ww_model_version(const ww_model *m);

/* Number of labels and the i-th label name (owned by m; NULL when out of range). */
int ww_model_nlabels(const ww_model *m);
const char *ww_model_label(const ww_model *m, int i);

/* 1 for a multi-label model (wirewatch --multilabel, fastText -loss ova), else 0. */
int ww_model_multilabel(const ww_model *m);

void ww_model_free(ww_model *m);

/* ---- training (wirewatch linear model) ---- */

typedef struct ww_train_doc {
    const char *text; /* title and body joined as the caller likes */
    size_t len;
    const char *const *labels;
    int nlabels;
} ww_train_doc;

typedef struct ww_train_opts {
    uint64_t seed;   /* shuffling and internal folds; same seed, same model bytes */
    int epochs;      /* max passes of dual coordinate descent (default 1000) */
    int multilabel;  /* one-vs-rest with per-label thresholds */
    int word_ngrams; /* 1..3, default 2 (unigrams + bigrams) */
    int char_minn;   /* char n-grams of words, 0 = off (default) */
    int char_maxn;
    double c;            /* SVM cost C (default 1.0, as LinearSVC) */
    double tol;          /* dual CD stopping tolerance (default 0.1, as liblinear) */
    int tune_folds;      /* internal folds for thresholds and score scale (default 3) */
    const char *version; /* model version string; NULL = "wwlinear-<checksum>" */
} ww_train_opts;

/* Defaults described above. */
void ww_train_opts_init(ww_train_opts *o);

/* Train a model on docs and write it to path.  Returns 0 or a negative WW_E* code
 * with a message in err (no documents, no labels, write failure). */
int ww_model_train(const ww_train_doc *docs, size_t ndocs, const ww_train_opts *opts,
                   const char *path, char *err, size_t errlen);

/* Same, returning the model file bytes (malloc'd, caller frees) in *out / *outlen. */
int ww_model_train_mem(const ww_train_doc *docs, size_t ndocs, const ww_train_opts *opts,
                       uint8_t **out, size_t *outlen, char *err, size_t errlen);

#endif
