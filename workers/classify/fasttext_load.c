/* fastText 0.9.2 supervised models (.bin, and .ftz from `fasttext quantize`): loading and
 * checking the file (prediction: fasttext_predict.c).
 *
 * Written from fastText's format and algorithms (args.cc, dictionary.cc,
 * densematrix.cc, quantmatrix.cc, productquantizer.cc, model.cc, loss.cc), reproducing
 * its float arithmetic step by step (float accumulators, the 512-entry sigmoid table
 * of the one-vs-all loss, log(p + 1e-5) scores) so probabilities agree to the last
 * printed digit.  Differences: the whole text is one line (a newline is whitespace,
 * not the end of the example), and predictions with exactly equal scores are ordered
 * by label index (fastText's heap leaves ties in an unspecified order).
 *
 * Every size in the file is checked against the bytes present and against the ids
 * prediction can produce, so a corrupt file is an error, never an out-of-bounds read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fasttext_internal.h"
#include "wirewatch/error.h"

/* ---- reading ---- */

typedef struct rd {
    const uint8_t *p;
    size_t n, off;
    int bad;
} rd;

static void rd_bytes(rd *r, void *dst, size_t n) {
    if (r->bad || n > r->n - r->off) {
        r->bad = 1;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p + r->off, n);
    r->off += n;
}

static int32_t rd_i32(rd *r) {
    int32_t v;
    rd_bytes(r, &v, 4);
    return v;
}

static int64_t rd_i64(rd *r) {
    int64_t v;
    rd_bytes(r, &v, 8);
    return v;
}

static uint8_t rd_u8(rd *r) {
    uint8_t v;
    rd_bytes(r, &v, 1);
    return v;
}

/* n elements of size sz, malloc'd; NULL (and r->bad) when not all present. */
static void *rd_array(rd *r, uint64_t n, size_t sz) {
    if (r->bad || n > (r->n - r->off) / sz) {
        r->bad = 1;
        return NULL;
    }
    void *v = malloc(n ? (size_t)n * sz : 1);
    if (!v) {
        r->bad = 2;
        return NULL;
    }
    rd_bytes(r, v, (size_t)n * sz);
    return v;
}

int ww__fasttext_magic(const uint8_t *data, size_t len) {
    int32_t magic;
    if (len < 4)
        return 0;
    memcpy(&magic, data, 4);
    return magic == FT_MAGIC;
}

static int pq_load(rd *r, pq *q) {
    q->dim = rd_i32(r);
    q->nsubq = rd_i32(r);
    q->dsub = rd_i32(r);
    q->lastdsub = rd_i32(r);
    if (r->bad || q->dim < 1 || q->dim > MAX_DIM || q->nsubq < 1 || q->dsub < 1 ||
        q->lastdsub < 1 || q->lastdsub > q->dsub ||
        (int64_t)(q->nsubq - 1) * q->dsub + q->lastdsub != q->dim)
        return -1;
    q->centroids = rd_array(r, (uint64_t)q->dim * KSUB, sizeof(float));
    return q->centroids ? 0 : -1;
}

static int matrix_load(rd *r, matrix *mx, int quant) {
    mx->quant = quant;
    if (!quant) {
        mx->m = rd_i64(r);
        mx->n = rd_i64(r);
        /* bound m by the bytes left first, so m * n cannot wrap */
        if (r->bad || mx->m < 0 || mx->n < 1 || mx->n > MAX_DIM ||
            (uint64_t)mx->m > (r->n - r->off) / 4)
            return -1;
        mx->data = rd_array(r, (uint64_t)mx->m * (uint64_t)mx->n, sizeof(float));
        return mx->data ? 0 : -1;
    }
    uint8_t qn = rd_u8(r);
    mx->qnorm = qn;
    mx->m = rd_i64(r);
    mx->n = rd_i64(r);
    int32_t codesize = rd_i32(r);
    if (r->bad || qn > 1 || mx->m < 0 || mx->n < 1 || mx->n > MAX_DIM || codesize < 0 ||
        (uint64_t)mx->m > r->n - r->off) /* every row takes at least one code byte */
        return -1;
    mx->codes = rd_array(r, (uint64_t)codesize, 1);
    if (!mx->codes || pq_load(r, &mx->pq))
        return -1;
    if (mx->pq.dim != mx->n || (int64_t)codesize != mx->m * mx->pq.nsubq)
        return -1;
    if (qn) {
        mx->norm_codes = rd_array(r, (uint64_t)mx->m, 1);
        if (!mx->norm_codes || pq_load(r, &mx->npq) || mx->npq.dim != 1)
            return -1;
    }
    return 0;
}

static void matrix_free(matrix *mx) {
    free(mx->data);
    free(mx->codes);
    free(mx->pq.centroids);
    free(mx->norm_codes);
    free(mx->npq.centroids);
}

/* Huffman tree over label counts, exactly as HierarchicalSoftmaxLoss::buildTree. */
static int build_tree(ww__fasttext *ft) {
    int32_t osz = ft->nlabels;
    ft->tree = malloc((size_t)(2 * osz - 1) * sizeof *ft->tree);
    if (!ft->tree)
        return WW_ENOMEM;
    for (int32_t i = 0; i < 2 * osz - 1; i++)
        ft->tree[i] = (node){-1, -1, -1, 1000000000000000LL, 0};
    for (int32_t i = 0; i < osz; i++)
        ft->tree[i].count = ft->counts[ft->nwords + i];
    int32_t leaf = osz - 1, nd = osz;
    for (int32_t i = osz; i < 2 * osz - 1; i++) {
        int32_t mini[2];
        for (int j = 0; j < 2; j++) {
            /* nd < i always holds here, so tree[nd] is initialised */
            if (leaf >= 0 && ft->tree[leaf].count < ft->tree[nd].count)
                mini[j] = leaf--;
            else
                mini[j] = nd++;
        }
        ft->tree[i].left = mini[0];
        ft->tree[i].right = mini[1];
        ft->tree[i].count = ft->tree[mini[0]].count + ft->tree[mini[1]].count;
        ft->tree[mini[0]].parent = i;
        ft->tree[mini[1]].parent = i;
        ft->tree[mini[1]].binary = 1;
    }
    return 0;
}

void ww__fasttext_free(ww__fasttext *ft) {
    if (!ft)
        return;
    free(ft->words);
    free(ft->blob);
    free(ft->whash);
    free(ft->types);
    free(ft->counts);
    free(ft->word2int);
    free(ft->pruneidx);
    matrix_free(&ft->in);
    matrix_free(&ft->out);
    free(ft->tree);
    free(ft);
}

static const char *loss_name(int32_t l) {
    switch (l) {
    case LOSS_HS: return "hs";
    case LOSS_NS: return "ns";
    case LOSS_SOFTMAX: return "softmax";
    default: return "ova";
    }
}

/* The parse steps below return 0, BAD (malformed: the reason is in *why), NOMEM, or a
 * negative WW_E* code with err already set. */
enum { BAD = 1, NOMEM = 2 };

/* The training arguments; *version gets the file's format version. */
static int read_args(rd *r, ww__fasttext *ft, int32_t *version, const char **why,
                     char *err, size_t errlen) {
    *version = rd_i32(r);
    if (!r->bad && (*version < 11 || *version > FT_VERSION))
        return ww_seterr(err, errlen, WW_EUNSUPPORTED,
                         "fastText model version %d not supported (11..%d)", *version,
                         FT_VERSION);
    ft->dim = rd_i32(r);
    ft->ws = rd_i32(r);
    ft->epoch = rd_i32(r);
    ft->min_count = rd_i32(r);
    ft->neg = rd_i32(r);
    ft->word_ngrams = rd_i32(r);
    ft->loss = rd_i32(r);
    ft->model = rd_i32(r);
    ft->bucket = rd_i32(r);
    ft->minn = rd_i32(r);
    ft->maxn = rd_i32(r);
    ft->lr_update_rate = rd_i32(r);
    rd_bytes(r, &ft->t, 8);
    if (r->bad)
        return BAD;
    if (ft->model != MODEL_SUP)
        return ww_seterr(err, errlen, WW_EUNSUPPORTED,
                         "fastText model is not supervised (word vectors only); "
                         "cannot classify with it");
    if (*version == 11)
        ft->maxn = 0; /* as fastText: old supervised models have no char n-grams */
    *why = "arguments out of range";
    if (ft->dim < 1 || ft->dim > MAX_DIM || ft->loss < LOSS_HS || ft->loss > LOSS_OVA ||
        ft->bucket < 0 || ft->word_ngrams < 0 || ft->word_ngrams > 64 || ft->minn < 0 ||
        ft->maxn < 0 || ft->maxn > 64 ||
        (ft->bucket == 0 && (ft->word_ngrams > 1 || ft->maxn > 0)))
        return BAD;
    return 0;
}

/* The dictionary's entries: words, then labels, each with its hash and count. */
static int read_entries(rd *r, ww__fasttext *ft, const char **why) {
    size_t nent = (size_t)ft->size;
    ft->words = calloc(nent, sizeof *ft->words);
    ft->whash = malloc(nent * sizeof *ft->whash);
    ft->types = malloc(nent);
    ft->counts = malloc(nent * sizeof *ft->counts);
    /* the strings, NULs included, fit in what is left of the file */
    ft->blob = malloc(r->n - r->off);
    if (!ft->words || !ft->whash || !ft->types || !ft->counts || !ft->blob)
        return NOMEM;
    size_t boff = 0;
    *why = "dictionary entry malformed";
    for (size_t i = 0; i < nent; i++) {
        const uint8_t *s = r->p + r->off;
        const uint8_t *z = memchr(s, 0, r->n - r->off);
        if (!z)
            return BAD;
        size_t wl = (size_t)(z - s);
        memcpy(ft->blob + boff, s, wl + 1);
        ft->words[i] = ft->blob + boff;
        boff += wl + 1;
        r->off += wl + 1;
        ft->whash[i] = ww__ft_hash(ft->words[i], wl);
        ft->counts[i] = rd_i64(r);
        ft->types[i] = (int8_t)rd_u8(r);
        /* fastText sorts words before labels */
        if (r->bad || ft->types[i] != (i < (size_t)ft->nwords ? 0 : 1))
            return BAD;
    }
    return 0;
}

/* The dictionary: sizes, entries, the pruned-bucket index of a quantized model. */
static int read_dictionary(rd *r, ww__fasttext *ft, const char **why) {
    ft->size = rd_i32(r);
    ft->nwords = rd_i32(r);
    ft->nlabels = rd_i32(r);
    ft->ntokens = rd_i64(r);
    ft->pruneidx_size = rd_i64(r);
    *why = "dictionary sizes out of range";
    if (r->bad || ft->size < 1 || ft->nwords < 0 || ft->nlabels < 1 ||
        (int64_t)ft->nwords + ft->nlabels != ft->size || ft->pruneidx_size < -1 ||
        (uint64_t)ft->size > (r->n - r->off) / 10) /* each entry takes >= 10 bytes */
        return BAD;
    int rc = read_entries(r, ft, why);
    if (rc || ft->pruneidx_size <= 0)
        return rc;
    *why = "pruned index out of range";
    ft->pruneidx = rd_array(r, (uint64_t)ft->pruneidx_size, sizeof(prune));
    if (!ft->pruneidx)
        return BAD;
    qsort(ft->pruneidx, (size_t)ft->pruneidx_size, sizeof(prune), ww__ft_cmp_prune);
    for (int64_t i = 0; i < ft->pruneidx_size; i++)
        if (ft->pruneidx[i].first < 0 || ft->pruneidx[i].second < 0 ||
            (i && ft->pruneidx[i].first == ft->pruneidx[i - 1].first))
            return BAD;
    return 0;
}

/* word -> id table (first entry wins on duplicates, like fastText's find) */
static int index_words(ww__fasttext *ft) {
    size_t nent = (size_t)ft->size;
    uint64_t tsize = 16;
    while (tsize < nent * 2)
        tsize *= 2;
    ft->word2int = malloc((size_t)tsize * sizeof *ft->word2int);
    if (!ft->word2int)
        return NOMEM;
    memset(ft->word2int, 0xff, (size_t)tsize * sizeof *ft->word2int);
    ft->w2i_mask = (uint32_t)(tsize - 1);
    for (size_t i = 0; i < nent; i++) {
        size_t wl = strlen(ft->words[i]);
        if (ww__ft_dict_find(ft, ft->words[i], wl, ft->whash[i]) >= 0)
            continue;
        uint32_t h = ft->whash[i] & ft->w2i_mask;
        while (ft->word2int[h] >= 0)
            h = (h + 1) & ft->w2i_mask;
        ft->word2int[h] = (int32_t)i;
    }
    return 0;
}

/* The input and output matrices, checked against the dictionary; nothing may follow.
 * *quant_in: the input matrix is quantized (.ftz). */
static int read_matrices(rd *r, ww__fasttext *ft, uint8_t *quant_in, const char **why) {
    *why = "input matrix malformed";
    *quant_in = rd_u8(r);
    if (r->bad || *quant_in > 1 || matrix_load(r, &ft->in, *quant_in))
        return BAD;
    if (!*quant_in && ft->pruneidx_size >= 0)
        return BAD; /* fastText refuses a pruned dictionary without a quantized input */
    *why = "input matrix too small for the dictionary";
    int64_t need = ft->nwords;
    if (ft->pruneidx_size < 0)
        need += ft->bucket;
    else
        for (int64_t i = 0; i < ft->pruneidx_size; i++)
            if (ft->nwords + (int64_t)ft->pruneidx[i].second + 1 > need)
                need = ft->nwords + (int64_t)ft->pruneidx[i].second + 1;
    if (ft->in.m < need || ft->in.n != ft->dim)
        return BAD;
    *why = "output matrix malformed";
    uint8_t qout = rd_u8(r);
    if (r->bad || qout > 1 || matrix_load(r, &ft->out, *quant_in && qout))
        return BAD;
    if (ft->out.m != ft->nlabels || ft->out.n != ft->dim)
        return BAD;
    *why = "trailing bytes after the model";
    return r->off != r->n ? BAD : 0;
}

/* What prediction needs beyond the file: the Huffman tree (hs loss), the sigmoid
 * table, the label names without fastText's prefix, the version string. */
static int prepare(ww_model *m, ww__fasttext *ft, int32_t version, uint8_t quant_in,
                   const uint8_t *data, size_t len, const char **why) {
    if (ft->nlabels < 1 || ft->nlabels > ft->size)
        return BAD; /* read_dictionary checked; said again for the compiler's sizes */
    if (ft->loss == LOSS_HS) {
        /* Huffman construction stays well-formed only while every count stays below
         * the 1e15 fastText gives nodes not built yet */
        *why = "label counts out of range";
        int64_t sum = 0;
        for (int32_t i = 0; i < ft->nlabels; i++) {
            int64_t c = ft->counts[ft->nwords + i];
            if (c < 0 || c >= 1000000000000000LL - sum)
                return BAD;
            sum += c;
        }
        if (build_tree(ft))
            return NOMEM;
    }
    for (int i = 0; i <= 512; i++) {
        float x = (float)(i * 2 * 8) / 512 - 8;
        ft->t_sigmoid[i] = (float)(1.0 / (1.0 + expf(-x)));
    }
    /* labels without fastText's prefix, as wirewatch JSON lines carry them */
    m->labels = calloc((size_t)ft->nlabels, sizeof *m->labels);
    if (!m->labels)
        return NOMEM;
    m->nlabels = ft->nlabels;
    size_t pl = strlen(LABEL_PREFIX);
    for (int32_t i = 0; i < ft->nlabels; i++) {
        const char *w = ft->words[ft->nwords + i];
        if (strncmp(w, LABEL_PREFIX, pl) == 0)
            w += pl;
        if (!(m->labels[i] = strdup(w)))
            return NOMEM;
    }
    m->multilabel = ft->loss == LOSS_OVA;
    char v[128];
    snprintf(v, sizeof v, "fasttext-v%d-%s%s-dim%d-%08x", version, loss_name(ft->loss),
             quant_in ? "-quant" : "", ft->dim, ww__ft_hash((const char *)data, len));
    return (m->version = strdup(v)) ? 0 : NOMEM;
}

int ww__fasttext_parse(ww_model *m, const uint8_t *data, size_t len, char *err,
                       size_t errlen) {
    rd r = {data, len, 4, 0};
    const char *why = "truncated";
    int32_t version = 0;
    uint8_t quant_in = 0;
    ww__fasttext *ft = calloc(1, sizeof *ft);
    if (!ft)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    m->ft = ft;
    m->kind = WW__MODEL_FASTTEXT;
    int rc = read_args(&r, ft, &version, &why, err, errlen);
    if (!rc)
        rc = read_dictionary(&r, ft, &why);
    if (!rc)
        rc = index_words(ft);
    if (!rc)
        rc = read_matrices(&r, ft, &quant_in, &why);
    if (!rc)
        rc = prepare(m, ft, version, quant_in, data, len, &why);
    if (rc < 0 || rc == 0)
        return rc;
    if (rc == NOMEM || r.bad == 2)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory loading fastText model");
    return ww_seterr(err, errlen, WW_EMALFORMED,
                     "fastText model: %s (at byte %zu of %zu)", why, r.off, len);
}
