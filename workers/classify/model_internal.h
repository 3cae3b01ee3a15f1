/* Internals shared by the model_*.c and fasttext_model.c files (not a public API). */
#ifndef WW_CLASSIFY_MODEL_INTERNAL_H
#define WW_CLASSIFY_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wirewatch/model.h"

enum { WW__MODEL_LINEAR = 1, WW__MODEL_FASTTEXT = 2 };

/* Growing array of 32-bit feature keys. */
typedef struct ww__u32buf {
    uint32_t *v;
    size_t n, cap;
} ww__u32buf;

int ww__u32buf_push(ww__u32buf *b, uint32_t x);
void ww__u32buf_free(ww__u32buf *b);

typedef struct ww__feat_opts {
    int word_ngrams; /* 1..3 */
    int char_minn;   /* 0 = no char n-grams */
    int char_maxn;
} ww__feat_opts;

/* Append the hashed feature keys of text (casefolded words split by Unicode
 * category, their word n-grams and optional char n-grams) to out.  Keys repeat as
 * often as the feature occurs.  Returns 0 or WW_ENOMEM. */
int ww__features(const char *text, size_t len, const ww__feat_opts *o, ww__u32buf *out);

/* One slot of the feature index: the key beside its index, so a probe touches one
 * cache line instead of two. */
typedef struct ww__slot {
    uint32_t key;
    uint32_t idx1; /* index + 1, 0 = empty */
} ww__slot;

/* The trained linear model. */
typedef struct ww__linear {
    ww__feat_opts fo;
    uint32_t nfeat;
    uint32_t *keys; /* strictly increasing feature keys */
    float *idf;     /* per feature */
    float *w;       /* training: nfeat rows of nlabels weights (float) */
    int8_t *wq;     /* loaded: the same rows quantized, w = wq * wscale[row] */
    float *wscale;  /* loaded: per feature row */
    float *bias;    /* nlabels */
    float *thr;     /* nlabels: margin thresholds (multi-label) */
    float scale;    /* score = sigmoid(scale*(m-thr)) or softmax(scale*m) */
    ww__slot *slots; /* open addressing table key -> index+1 (0 = empty) */
    uint32_t mask;
    int borrowed; /* keys..thr point into the model's file image (ww_model.image) */
} ww__linear;

typedef struct ww__fasttext ww__fasttext;

struct ww_model {
    int kind;
    int multilabel;
    int nlabels;
    char **labels;
    char *version;
    uint8_t *image; /* the file bytes, when arrays point into them */
    ww__linear *lin;
    ww__fasttext *ft;
};

/* Index of key in lin, or -1. */
static inline int64_t ww__linear_find(const ww__linear *lin, uint32_t key)
{
    uint32_t h = (key * 2654435761u) & lin->mask;
    for (;;) {
        ww__slot s = lin->slots[h];
        if (s.idx1 == 0)
            return -1;
        if (s.key == key)
            return (int64_t)s.idx1 - 1;
        h = (h + 1) & lin->mask;
    }
}

/* Build lin->slots from lin->keys.  Returns 0 or WW_ENOMEM. */
int ww__linear_index(ww__linear *lin);
void ww__linear_free(ww__linear *lin);

/* Raw margins (nlabels floats) of the linear model for text.  0 or WW_ENOMEM. */
int ww__linear_margins(const ww__linear *lin, int nlabels, const char *text, size_t len,
                       float *margins);

/* Serialise a linear model (labels, hyperparameters, weights) into a checksummed
 * wirewatch model file image; version NULL = derived from the checksum. */
int ww__linear_serialize(const ww__linear *lin, char *const *labels, int nlabels,
                         int multilabel, const char *version, uint8_t **out,
                         size_t *outlen);

/* Parse a wirewatch model file image into m (kind, labels, version, lin).  The big
 * arrays point into data (4-byte aligned, kept alive by the caller as m->image). */
int ww__linear_parse(ww_model *m, const uint8_t *data, size_t len, char *err,
                     size_t errlen);

/* fastText: 1 when data starts with fastText's magic. */
int ww__fasttext_magic(const uint8_t *data, size_t len);
int ww__fasttext_parse(ww_model *m, const uint8_t *data, size_t len, char *err,
                       size_t errlen);
void ww__fasttext_free(ww__fasttext *ft);
/* Predictions like fasttext predict-prob (k = max_out, threshold). */
int ww__fasttext_predict(const ww_model *m, const char *text, size_t len,
                         ww_prediction *out, int max_out, float threshold);

#define WW__MODEL_MAGIC "WWMODEL\x1a"
#define WW__MODEL_FORMAT 1u

#endif
