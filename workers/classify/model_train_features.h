/* Training's features (model_train_features.c): the TF-IDF rows of the training
 * documents and, after training, the table of known words.  model_train.c trains on
 * the rows; nothing here knows about labels or the solver. */
#ifndef WW_MODEL_TRAIN_FEATURES_H
#define WW_MODEL_TRAIN_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "model_internal.h"

/* Documents as sparse TF-IDF rows (CSR).  Row i is ptr[i]..ptr[i+1]: its word block
 * first, up to wend[i], then its char n-gram block. */
typedef struct ww__csr {
    size_t nrows;
    size_t *ptr, *wend;
    uint32_t *col;
    float *val;
} ww__csr;

void ww__csr_free(ww__csr *x);

/* The distinct words of the training documents (the char n-gram block): key and
 * char n-gram keys (g[goff..goff+glen)). */
typedef struct ww__wtypes {
    uint32_t *key, *goff, *glen;
    size_t n, kcap, ocap, lcap;
    uint32_t *g;
    size_t ng, gcap;
    ww__slot *slots; /* key -> index + 1 */
    uint32_t mask;
} ww__wtypes;

void ww__wtypes_free(ww__wtypes *t);

/* Feature vocabulary (lin->keys, lin->idf, lin->wnorm with char n-grams) and the
 * TF-IDF rows x of every document; wt collects the word types for the word table.
 * Returns 0 or WW_ENOMEM (or ww__features' error). */
int ww__train_features(const ww_train_doc *docs, size_t ndocs, ww__linear *lin,
                       ww__csr *x, ww__wtypes *wt);

/* After training (lin->w set): the table of known words (lin->wkeys, wnorm, wu).
 * Returns 0 or WW_ENOMEM. */
int ww__train_word_table(ww__linear *lin, const ww__wtypes *wt, int nl);

#endif
