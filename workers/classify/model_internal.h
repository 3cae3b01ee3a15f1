/* Internals shared by the model_*.c and fasttext_model.c files (not a public API). */
#ifndef WW_CLASSIFY_MODEL_INTERNAL_H
#define WW_CLASSIFY_MODEL_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"
#include "wirewatch/model.h"

enum { WW__MODEL_LINEAR = 1, WW__MODEL_FASTTEXT = 2 };

typedef struct ww__feat_opts {
    int word_ngrams; /* 1..3 */
    int char_minn;   /* 0 = no char n-grams */
    int char_maxn;
} ww__feat_opts;

/* A feature of a document: its key and how often it occurs. */
typedef struct ww__feat {
    uint32_t key;
    uint32_t n;
} ww__feat;

/* A distinct word of a document (model_features.c). */
typedef struct ww__fword {
    uint64_t h;   /* hash of the normal form, 0 = empty slot */
    uint32_t tok; /* its first token */
    uint32_t n;   /* occurrences */
} ww__fword;

/* Scratch space of feature extraction, reused from one document to the next by one
 * thread: zero-initialise, free with ww__featctx_free. */
typedef struct ww__featctx {
    ww__toks toks;
    ww__feat *tab;            /* key -> count, open addressing */
    uint32_t tabcap, tabmask; /* allocated slots; this document's mask (tabs_fit) */
    uint32_t *used;           /* slots of tab in use, in order of first insertion */
    size_t nused;
    ww__fword *words; /* tokenizer hash -> index in wout (.tok) */
    uint32_t wcap, wmask;
    uint32_t *tw; /* per token: its index in wout, or UINT32_MAX (not a word) */
    size_t twcap;
    uint32_t *wused;
    size_t nwords;
    ww__feat *out; /* the result: distinct keys with their counts */
    size_t nout, outcap;
    ww__fword *wout; /* and the distinct words: h = the word's feature key */
    size_t nwout, wocap;
    uint32_t *gbuf; /* scratch for prediction's char n-grams of unknown words */
    size_t gcap;
    ww__feat *runs; /* per unknown word: its index in wout, its number of n-grams */
    uint32_t *wix;  /* per word: its record in the word table + 1, 0 = unknown */
    size_t rcap;    /* of runs and wix */
    float *lab;     /* per label (rounded up to 4): margins, and the char block's sum */
    size_t labcap;
    float *pmg;          /* prediction's margins and ...              */
    ww_prediction *pall; /* ... candidates, for models of > 256 labels */
    size_t pcap;
} ww__featctx;

/* The word features of text (see model_features.c): c->out[0..c->nout) gets every
 * distinct key (words and word n-grams) once with its count, and c->wout[0..nwout)
 * every distinct word with its count, its feature key in .h and its first token in
 * .tok (normal form: ww__tok_norm(&c->toks, tok)), each in an order that depends
 * only on the text.  Valid until the next call.  Returns 0 or WW_ENOMEM. */
int ww__features(ww__featctx *c, const char *text, size_t len, const ww__feat_opts *o);
void ww__featctx_free(ww__featctx *c);

/* Feature key of a word from the 64-bit hash of its normal form. */
uint32_t ww__word_key(uint64_t h);

#define WW__CHAR_KEEP 128 /* bytes of a word's normal form used for char n-grams */
#define WW__CHAR_MAX ((WW__CHAR_KEEP + 2) * 16) /* most char n-grams of one word */

/* Keys of the char n-grams (o->char_minn..char_maxn code points) of "<word>", word
 * being a normal form of len bytes (only its first WW__CHAR_KEEP bytes count), into
 * out (room for WW__CHAR_MAX); an n-gram occurring twice is there twice.  Returns
 * their number (0 when char n-grams are off). */
size_t ww__char_grams(const char *word, size_t len, const ww__feat_opts *o,
                      uint32_t *out);

/* One slot of an open-addressing key -> index table (model_train.c's word types). */
typedef struct ww__slot {
    uint32_t key;
    uint32_t idx1; /* index + 1, 0 = empty */
} ww__slot;

/* Index of a strictly increasing key array: an open-addressing table whose home slot
 * for a key is the key's top bits (keys are hashes, spread evenly), filled in key
 * order, so the table is sorted too.  Building it is one sequential pass (a table
 * hashed at random took 1 ms of scattered writes for the Reuters model), and a
 * look-up stops at the first slot holding a bigger key or none: one cache line per
 * key, found or not, at a load of 1/4 to 1/2. */
typedef struct ww__index {
    ww__slot *slots; /* (1 << bits) + tail; idx1 = 0: empty */
    uint32_t shift;  /* 32 - bits */
    size_t map;      /* bytes mapped for slots (model_file.c), 0 = malloc'd */
} ww__index;

static inline uint32_t ww__index_home(const ww__index *x, uint32_t key) {
    return (uint32_t)((uint64_t)key >> x->shift);
}

/* Position of key in the indexed array, or -1.  The filled slots from the home slot
 * on holding smaller keys are a prefix of the probe (slots are in key order, and a
 * key past an empty slot has a later home, so a bigger key), so SSE2 counts them 4
 * slots at a time instead of a loop of one slot a step whose exit mispredicted
 * (whole 10kGNAD char-model predict runs 0.97x, docs/benchmarks.md).  The slot
 * array has room for the WW__INDEX_PAD slots a probe reads past its end. */
#define WW__INDEX_PAD 3
#if defined(__SSE2__)
#include <emmintrin.h>
static inline int64_t ww__index_find(const ww__index *x, uint32_t key) {
    const ww__slot *s = x->slots + ww__index_home(x, key);
    const __m128i flip = _mm_set1_epi32((int)0x80000000u), zero = _mm_setzero_si128();
    const __m128i k = _mm_xor_si128(_mm_set1_epi32((int)key), flip);
    for (;;) {
        __m128 a = _mm_loadu_ps((const float *)(const void *)s),
               b = _mm_loadu_ps((const float *)(const void *)(s + 2));
        __m128i keys = _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
        __m128i idx = _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
        __m128i less = _mm_cmplt_epi32(_mm_xor_si128(keys, flip), k); /* unsigned < */
        __m128i go = _mm_andnot_si128(_mm_cmpeq_epi32(idx, zero), less);
        unsigned m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(go));
        unsigned n = (unsigned)__builtin_ctz(~m); /* leading run of set lanes, 0..4 */
        s += n;
        if (n < 4)
            break;
    }
    return s->idx1 && s->key == key ? (int64_t)s->idx1 - 1 : -1;
}
#else
static inline int64_t ww__index_find(const ww__index *x, uint32_t key) {
    const ww__slot *s = x->slots + ww__index_home(x, key);
    while (s->idx1 && s->key < key)
        s++;
    return s->idx1 && s->key == key ? (int64_t)s->idx1 - 1 : -1;
}
#endif

/* The trained linear model.
 *
 * With char n-grams (fo.char_minn > 0) a document has two blocks of features, each
 * normalised on its own (model_train.c says why): its words and word n-grams, and
 * its words' char n-grams.  For the second block every word of the training
 * documents keeps its precomputed row (the sum over its n-grams of idf x weights) and
 * squared norm, so predicting a known word costs one look-up instead of one per
 * n-gram. */
typedef struct ww__linear {
    ww__feat_opts fo;
    uint32_t nfeat;
    uint32_t *keys; /* strictly increasing feature keys */
    float *bias;    /* nlabels */
    float *thr;     /* nlabels: margin thresholds (multi-label) */
    float scale;    /* score = sigmoid(scale*(m-thr)) or softmax(scale*m) */
    /* confidence = 1 / (1 + exp(A * logit(score) + B)): (A, B) = (cal_a, cal_b) for a
     * document's best label, (cal_c, cal_d) for the others (model_calibrate.c) */
    float cal_a, cal_b, cal_c, cal_d;
    ww__index fidx; /* of keys */
    /* char n-gram block */
    float idf_unk; /* idf of an n-gram the model does not know */
    uint32_t nwords;
    uint32_t *wkeys; /* strictly increasing word keys */
    ww__index widx;  /* of wkeys */
    /* training: idf per feature, weights as nfeat rows of nlabels floats; per word
     * its sum of idf^2 and its row (nwords x nlabels) */
    float *idf, *w, *wnorm, *wu;
    /* loaded: one ww__rec per feature (x = idf) and per word (x = sum of idf^2) */
    const uint8_t *rec, *wrec;
    size_t recsz;
    int borrowed; /* keys, bias, thr, wkeys and the records point into the file image */
} ww__linear;

/* A feature's or a word's record in a loaded model: everything one look-up needs
 * side by side, so it costs one cache line rather than three (model_file.c). */
typedef struct ww__rec {
    float x;     /* feature: idf; word: the sum of its n-grams' idf^2 */
    float scale; /* weight = w[l] * scale */
    int8_t w[];  /* nlabels weights, |w| <= 127, zero-padded to a multiple of 4 bytes */
} ww__rec;

static inline const ww__rec *ww__rec_at(const uint8_t *base, size_t recsz, size_t i) {
    return (const ww__rec *)(const void *)(base + i * recsz);
}

/* Bytes of a record for nlabels labels. */
static inline size_t ww__rec_size(int nlabels) {
    return 8 + (((size_t)nlabels + 3) & ~(size_t)3);
}

typedef struct ww__fasttext ww__fasttext;

struct ww_model {
    int kind;
    int multilabel;
    int nlabels;
    char **labels;
    char *version;
    uint8_t *image;   /* the file bytes, when arrays point into them */
    size_t image_map; /* bytes mapped for image (mmap), 0 = malloc'd */
    ww__linear *lin;
    ww__fasttext *ft;
};

/* Index of a feature key in lin, or -1. */
static inline int64_t ww__linear_find(const ww__linear *lin, uint32_t key) {
    return ww__index_find(&lin->fidx, key);
}

/* Build lin->fidx from lin->keys[0..nfeat) and lin->widx from lin->wkeys[0..nwords)
 * (both strictly increasing).  Returns 0 or WW_ENOMEM. */
int ww__linear_index(ww__linear *lin);
void ww__linear_free(ww__linear *lin);

/* Scores of the labels from their margins mg[0..nl), in place: multi-label
 * sigmoid(scale * (m - thr)), multi-class softmax(scale * m) (model_predict.c). */
void ww__linear_scores(const ww__linear *lin, int nl, int multilabel, float *mg);

/* logit of a score, scores clamped to [1e-7, 1 - 1e-7] (a float score saturates at 0
 * and 1 long before its margin stops growing) */
static inline double ww__logit(float score) {
    double s = score < 1e-7f ? 1e-7 : score > 1 - 1e-7f ? 1 - 1e-7 : (double)score;
    return log(s / (1 - s));
}

/* Calibrated confidence of a label with this score; best: it is the document's best
 * label (the maps are fitted in model_calibrate.c; here so that prediction does not
 * call into the file that calls it). */
static inline float ww__confidence(const ww__linear *lin, float score, int best) {
    double z = best ? (double)lin->cal_a * ww__logit(score) + (double)lin->cal_b
                    : (double)lin->cal_c * ww__logit(score) + (double)lin->cal_d;
    return (float)(z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z)));
}

/* Fit lin->cal_a .. cal_d on out-of-fold margins oof (ndocs x nl) against gold
 * (ndocs x nl, nonzero = the document has the label), scored with lin's scale and
 * thresholds.  0 or WW_ENOMEM. */
int ww__calibrate(ww__linear *lin, const float *oof, const unsigned char *gold,
                  size_t ndocs, int nl, int multilabel);

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
/* Format 3: the confidence calibration in the header.  Format 2 (features from
 * ww__tokenize's tokens, no calibration) and format 1 (its own word splitter) are
 * refused by name, with the advice to train again. */
#define WW__MODEL_FORMAT 3u

#endif
