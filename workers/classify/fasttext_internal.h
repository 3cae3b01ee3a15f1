/* fastText models inside: the format's constants and the loaded model, shared by
 * loading (fasttext_load.c) and prediction (fasttext_predict.c). */
#ifndef WW_FASTTEXT_INTERNAL_H
#define WW_FASTTEXT_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "model_internal.h"

#define FT_MAGIC 793712314
#define FT_VERSION 12
#define LABEL_PREFIX "__label__"
#define EOS "</s>"
#define MAX_DIM 100000
#define KSUB 256

enum { LOSS_HS = 1, LOSS_NS = 2, LOSS_SOFTMAX = 3, LOSS_OVA = 4 };
enum { MODEL_SUP = 3 };

typedef struct pq {
    int32_t dim, nsubq, dsub, lastdsub;
    float *centroids; /* dim * KSUB */
} pq;

typedef struct matrix {
    int quant;
    int64_t m, n;
    float *data; /* dense: m * n */
    int qnorm;
    uint8_t *codes; /* quantized: m * pq.nsubq */
    pq pq;
    uint8_t *norm_codes; /* qnorm: m */
    pq npq;
} matrix;

typedef struct node {
    int32_t parent, left, right;
    int64_t count;
    int binary;
} node;

typedef struct prune {
    int32_t first, second;
} prune;

struct ww__fasttext {
    int32_t dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
        lr_update_rate;
    double t;
    int32_t size, nwords, nlabels;
    int64_t ntokens, pruneidx_size;
    char **words; /* point into blob */
    char *blob;
    uint32_t *whash; /* fastText hash of each word */
    int8_t *types;
    int64_t *counts;
    int32_t *word2int; /* open addressing: id, -1 empty */
    uint32_t w2i_mask;
    prune *pruneidx; /* sorted by first */
    matrix in, out;
    node *tree; /* hs */
    float t_sigmoid[513];
};

static inline uint32_t ww__ft_hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int32_t)(int8_t)s[i]; /* fastText hashes signed chars */
        h *= 16777619u;
    }
    return h;
}

static inline int32_t ww__ft_dict_find(const ww__fasttext *ft, const char *w, size_t n,
                                       uint32_t h) {
    uint32_t i = h & ft->w2i_mask;
    for (;;) {
        int32_t id = ft->word2int[i];
        if (id < 0)
            return -1;
        if (ft->whash[id] == h && strlen(ft->words[id]) == n &&
            memcmp(ft->words[id], w, n) == 0)
            return id;
        i = (i + 1) & ft->w2i_mask;
    }
}

/* pruned-bucket index entries by their bucket (sorted on load, searched at predict) */
static inline int ww__ft_cmp_prune(const void *a, const void *b) {
    int32_t x = ((const prune *)a)->first, y = ((const prune *)b)->first;
    return (x > y) - (x < y);
}

#endif
