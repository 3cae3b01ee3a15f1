/* The wirewatch model file, and loading any model (ours or fastText's) by magic.
 *
 * Layout, little-endian, every size checked on load against the bytes present:
 *   magic "WWMODEL\x1a" | u32 format (3) | u32 file length | u32 flags (1 = multi-label)
 *   u32 word_ngrams | u32 char_minn | u32 char_maxn | u32 nlabels | u32 nfeat
 *   u32 nwords | f32 score scale | f32 idf of an unknown char n-gram
 *   f32 cal_a | f32 cal_b | f32 cal_c | f32 cal_d (confidence, model_calibrate.c)
 *   str version | nlabels x str label                         (str = u32 length + bytes)
 *   zero bytes up to a multiple of 4 | f32 thr[nlabels] | f32 bias[nlabels]
 *   u32 keys[nfeat] (strictly increasing) | u32 wkeys[nwords] (strictly increasing)
 *   nfeat + nwords records of 8 + nlabels bytes rounded up to 4 (ww__rec):
 *     f32 x (feature: idf; word: its n-grams' sum of idf^2) | f32 scale
 *     i8 w[nlabels] (weight = w * scale, |w| <= 127) | zero bytes
 *   u32 crc32 (zlib) of everything before it
 * nwords is 0 without char n-grams; with them, each word record holds the word's
 * composed char n-gram row (model_train.c).
 * Formats 1 (before features came from the matcher's tokenizer) and 2 (before the
 * confidence calibration) are refused by name.
 * Weights are stored as 8-bit integers with one scale per feature row: a prediction
 * reads one row per feature of the document at random places in the table, so the
 * table's size is the cost (fp32 rows made the Reuters model 28 MB and prediction
 * memory-bound at 0.7x fastText's speed); the rounding moves a margin by ~1e-4.
 * A row sits in one record with its idf and scale, so a look-up touches one cache
 * line of the records (three separate arrays cost three misses).
 * The arrays are used in place (the padding keeps them aligned), so loading is one
 * read, a CRC, a finiteness scan and the index build (one sequential pass). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "model_internal.h"
#include "wirewatch/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model files are little-endian; add byte swapping for this host"
#endif

#define MAX_LABELS (1u << 20)
#define MAX_STR 65536u
#define HDR_LEN 68u

/* A big block (>= 1 MB) in its own zeroed mapping rounded to 2 MB and offered to the
 * kernel for transparent huge pages: prediction reads model weights and index slots
 * at random places, one per feature of a document; with 4 KB pages nearly every
 * look-up in a multi-megabyte model also missed the TLB, and filling it took one page
 * fault per 4 KB.  NULL when len is smaller or the mapping fails (the caller then
 * allocates from the heap); *map = the mapped size, 0 then. */
#define HUGE_PAGE (2u << 20)
static void *huge_alloc(size_t len, size_t *map) {
    *map = 0;
    if (len < HUGE_PAGE / 2)
        return NULL;
    size_t n = (len + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE); /* a hint: without it, 4 KB pages */
#endif
    *map = n;
    return p;
}

/* Zeroed memory for n index slots (huge_alloc, else the heap).  *map as there. */
static ww__slot *slots_alloc(size_t n, size_t *map) {
    ww__slot *p = huge_alloc(n * sizeof(ww__slot), map);
    return p ? p : calloc(n, sizeof(ww__slot));
}

static void slots_free(ww__index *x) {
    if (x->map)
        munmap(x->slots, x->map);
    else
        free(x->slots);
    x->slots = NULL;
    x->map = 0;
}

/* The index of n strictly increasing keys (model_internal.h): 2n to 4n home slots
 * and a tail for the keys pushed past the last one, ending in an empty slot. */
static int build_index(const uint32_t *keys, uint32_t n, ww__index *x) {
    uint32_t bits = 4;
    while (bits < 31 && (1u << bits) < 2 * (uint64_t)n)
        bits++;
    size_t home = (size_t)1 << bits, cap = home + 64;
    for (;;) {
        slots_free(x);
        x->slots = slots_alloc(cap + WW__INDEX_PAD, &x->map);
        if (!x->slots)
            return WW_ENOMEM;
        x->shift = 32 - bits;
        size_t pos = 0;
        for (uint32_t i = 0; i < n; i++) {
            size_t h = ww__index_home(x, keys[i]);
            pos = h > pos ? h : pos;
            if (pos + 1 >= cap)
                break;
            x->slots[pos].key = keys[i];
            x->slots[pos].idx1 = i + 1;
            pos++;
        }
        if (pos + 1 < cap)
            return 0; /* slots[pos..cap) are empty: every probe stops */
        cap += home;  /* a run longer than 64 past the end: a bigger tail */
    }
}

int ww__linear_index(ww__linear *lin) {
    int rc = build_index(lin->keys, lin->nfeat, &lin->fidx);
    if (!rc)
        rc = build_index(lin->wkeys, lin->nwords, &lin->widx);
    return rc;
}

void ww__linear_free(ww__linear *lin) {
    if (!lin)
        return;
    if (!lin->borrowed) {
        free(lin->keys);
        free(lin->bias);
        free(lin->thr);
        free(lin->wkeys);
    }
    free(lin->idf); /* training arrays, never borrowed */
    free(lin->w);
    free(lin->wnorm);
    free(lin->wu);
    slots_free(&lin->fidx);
    slots_free(&lin->widx);
    memset(lin, 0, sizeof *lin);
}

/* CRC-32 (zlib's) of a model image: the whole file is checked at every load, and
 * zlib's table-driven crc32 took 2.5 ms of the Reuters model's (7.8 MB) 4 ms load.
 * Carry-less multiplication folds 64 bytes a step, ~4x faster (Intel, "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ Instruction", 2009; code and
 * constants as in Chromium's zlib, crc32_simd.c, zlib licence); zlib does the last
 * < 16 bytes, and all of it on CPUs without PCLMUL.  Same value as crc32_z. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("pclmul,sse4.1"))) static uint32_t
crc_fold(const uint8_t *buf, size_t len, uint32_t crc) {
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4),
                  k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0),
                  k5k0 = _mm_set_epi64x(0, 0x0163cd6124),
                  poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8;
    x1 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x00));
    x2 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x10));
    x3 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x20));
    x4 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    x0 = k1k2;
    buf += 64;
    len -= 64;
    for (; len >= 64; buf += 64, len -= 64) { /* four lanes of 16 bytes */
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
        x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
        x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
        x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
        x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5),
                           _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x00)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6),
                           _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x10)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7),
                           _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x20)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8),
                           _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x30)));
    }
    x0 = k3k4; /* the four lanes into one */
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x11), x2), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x11), x3), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x11), x4), x5);
    for (; len >= 16; buf += 16, len -= 16) {
        x2 = _mm_loadu_si128((const __m128i *)(const void *)buf);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x11), x2), x5);
    }
    /* 128 bits to 64, then Barrett's reduction to 32 */
    x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
    x3 = _mm_setr_epi32(~0, 0, ~0, 0);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
    x0 = k5k0;
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, x3), x0, 0x00), x2);
    x0 = poly;
    x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, x3), x0, 0x10);
    x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, x3), x0, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}
#endif

/* zlib's crc32 of buf[0..len). */
static uint32_t image_crc(const uint8_t *buf, size_t len) {
    uLong crc = crc32(0L, Z_NULL, 0);
#if defined(__x86_64__) && defined(__GNUC__)
    if (len >= 64 && __builtin_cpu_supports("pclmul") &&
        __builtin_cpu_supports("sse4.1")) {
        size_t n = len & ~(size_t)15;
        crc = ~crc_fold(buf, n, ~(uint32_t)crc);
        buf += n;
        len -= n;
    }
#endif
    return (uint32_t)crc32_z(crc, buf, len);
}

/* ---- writing ---- */

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *b, const void *src, size_t n) {
    if (b->oom || n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u32(wbuf *b, uint32_t v) { put(b, &v, 4); }

static void put_str(wbuf *b, const char *s) {
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}

/* Records (ww__rec) of nrows rows of nl floats: x[i], then the row as 8-bit integers
 * with one scale (|q| <= 127), zero-padded. */
static void put_recs(wbuf *b, const float *x, const float *w, size_t nrows, int nl) {
    size_t recsz = ww__rec_size(nl);
    uint8_t stack[8 + 260], *rec = recsz <= sizeof stack ? stack : malloc(recsz);
    if (!rec) {
        b->oom = 1;
        return;
    }
    for (size_t f = 0; f < nrows; f++) {
        const float *row = w + f * (size_t)nl;
        float mx = 0, scale;
        for (int l = 0; l < nl; l++)
            if (fabsf(row[l]) > mx)
                mx = fabsf(row[l]);
        scale = mx / 127.f;
        memset(rec, 0, recsz);
        memcpy(rec, &x[f], 4);
        memcpy(rec + 4, &scale, 4);
        for (int l = 0; l < nl; l++) {
            long v = mx > 0 ? lrintf(row[l] / scale) : 0;
            rec[8 + l] = (uint8_t)(int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
        put(b, rec, recsz);
    }
    if (rec != stack)
        free(rec);
}

int ww__linear_serialize(const ww__linear *lin, char *const *labels, int nlabels,
                         int multilabel, const char *version, uint8_t **out,
                         size_t *outlen) {
    wbuf body = {0}, b = {0};
    char vbuf[64];
    int rc = WW_ENOMEM;
    put(&body, lin->thr, (size_t)nlabels * 4);
    put(&body, lin->bias, (size_t)nlabels * 4);
    put(&body, lin->keys, (size_t)lin->nfeat * 4);
    put(&body, lin->wkeys, (size_t)lin->nwords * 4);
    put_recs(&body, lin->idf, lin->w, lin->nfeat, nlabels);
    put_recs(&body, lin->wnorm, lin->wu, lin->nwords, nlabels);
    if (body.oom)
        goto out;
    if (!version) {
        /* a content checksum names the model: same data + seed, same name */
        uLong c = crc32(0L, Z_NULL, 0);
        for (int l = 0; l < nlabels; l++)
            c = crc32(c, (const Bytef *)labels[l], (uInt)strlen(labels[l]) + 1);
        c = crc32_z(c, body.p, body.n);
        snprintf(vbuf, sizeof vbuf, "wwlinear-%u-%08lx", WW__MODEL_FORMAT,
                 (unsigned long)c);
        version = vbuf;
    }
    rc = WW_EINVAL;
    if (strlen(version) >= MAX_STR)
        goto out;
    put(&b, WW__MODEL_MAGIC, 8);
    put_u32(&b, WW__MODEL_FORMAT);
    put_u32(&b, 0); /* length, patched below */
    put_u32(&b, multilabel ? 1u : 0u);
    put_u32(&b, (uint32_t)lin->fo.word_ngrams);
    put_u32(&b, (uint32_t)lin->fo.char_minn);
    put_u32(&b, (uint32_t)lin->fo.char_maxn);
    put_u32(&b, (uint32_t)nlabels);
    put_u32(&b, lin->nfeat);
    put_u32(&b, lin->nwords);
    put(&b, &lin->scale, 4);
    put(&b, &lin->idf_unk, 4);
    put(&b, &lin->cal_a, 4);
    put(&b, &lin->cal_b, 4);
    put(&b, &lin->cal_c, 4);
    put(&b, &lin->cal_d, 4);
    put_str(&b, version);
    for (int l = 0; l < nlabels; l++)
        put_str(&b, labels[l]);
    static const uint8_t zeros[4];
    put(&b, zeros, (4 - b.n % 4) % 4);
    put(&b, body.p, body.n);
    rc = WW_ENOMEM;
    if (b.oom)
        goto out;
    rc = WW_ETOOBIG;
    if (b.n + 4 > UINT32_MAX)
        goto out;
    uint32_t total = (uint32_t)(b.n + 4);
    memcpy(b.p + 12, &total, 4);
    put_u32(&b, image_crc(b.p, b.n));
    rc = WW_ENOMEM;
    if (b.oom)
        goto out;
    *out = b.p;
    *outlen = b.n;
    b.p = NULL;
    rc = 0;
out:
    free(body.p);
    free(b.p);
    return rc;
}

/* ---- reading ---- */

typedef struct rbuf {
    const uint8_t *p;
    size_t n, off;
} rbuf;

static int get(rbuf *r, void *dst, size_t n) {
    if (n > r->n - r->off)
        return -1;
    memcpy(dst, r->p + r->off, n);
    r->off += n;
    return 0;
}

static int get_u32(rbuf *r, uint32_t *v) { return get(r, v, 4); }

static char *get_str(rbuf *r) {
    uint32_t n;
    if (get_u32(r, &n) || n >= MAX_STR || n > r->n - r->off)
        return NULL;
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, r->p + r->off, n);
    s[n] = 0;
    r->off += n;
    if (strlen(s) != n) { /* embedded NUL */
        free(s);
        return NULL;
    }
    return s;
}

static int finite_all(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* n floats in place (the image is 4-byte aligned there); NULL when short or not finite. */
static float *get_floats(rbuf *r, size_t n) {
    if (n > (r->n - r->off) / 4 || r->off % 4)
        return NULL;
    float *v = (float *)(void *)(r->p + r->off);
    r->off += n * 4;
    return finite_all(v, n) ? v : NULL;
}

/* Index of the first of n records whose x or scale is negative or not finite, or
 * that holds the weight -128 (|w| <= 127 keeps negation exact); n when all are good.
 * The weights (zero-padded to a multiple of 4) are read four at a time, a byte 0x80
 * found with the has-zero-byte trick on w ^ 0x80808080: a test per weight was a
 * third of the time of loading a model with many labels. */
static size_t records_check(const uint8_t *base, size_t n, size_t recsz) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = base + i * recsz;
        float x, scale;
        memcpy(&x, r, 4);
        memcpy(&scale, r + 4, 4);
        if (!(x >= 0 && x <= FLT_MAX) || !(scale >= 0 && scale <= FLT_MAX))
            return i;
        uint32_t bad = 0;
        for (size_t k = 8; k < recsz; k += 4) {
            uint32_t w;
            memcpy(&w, r + k, 4);
            w ^= 0x80808080u;
            bad |= (w - 0x01010101u) & ~w & 0x80808080u;
        }
        if (bad)
            return i;
    }
    return n;
}

/* Why a file of an older format is refused: what it lacks, and what to do. */
static const char *const OLD_FORMAT[] = {
    NULL,
    "model file format 1 was written by an older wirewatch, whose features differ "
    "from this one's (words now come from the rule matcher's tokenizer): train the "
    "model again with `wirewatch train`",
    "model file format 2 was written by an older wirewatch and has no confidence "
    "calibration (format 3 stores it; every label now carries a confidence): train "
    "the model again with `wirewatch train`"};

/* The frame of a wirewatch model image: format, length and checksum.  0 or an error
 * with its message. */
static int check_frame(const uint8_t *data, size_t len, char *err, size_t errlen) {
    uint32_t fmt, total, crc;
    if (len >= 12) {
        memcpy(&fmt, data + 8, 4);
        if (fmt >= 1 && fmt < WW__MODEL_FORMAT)
            return ww_seterr(err, errlen, WW_EUNSUPPORTED, "%s", OLD_FORMAT[fmt]);
    }
    if (len < HDR_LEN + 8)
        return ww_seterr(err, errlen, WW_EMALFORMED, "model file truncated (%zu bytes)",
                         len);
    memcpy(&fmt, data + 8, 4);
    memcpy(&total, data + 12, 4);
    if (fmt != WW__MODEL_FORMAT)
        return ww_seterr(err, errlen, WW_EUNSUPPORTED,
                         "model file format %u is not supported (this build reads %u)",
                         fmt, WW__MODEL_FORMAT);
    if (total != len)
        return ww_seterr(err, errlen, WW_EMALFORMED,
                         "model file truncated or padded: header says %u bytes, have %zu",
                         total, len);
    memcpy(&crc, data + len - 4, 4);
    if (image_crc(data, len - 4) != crc)
        return ww_seterr(err, errlen, WW_EMALFORMED,
                         "model file checksum mismatch (corrupt)");
    return 0;
}

/* A strictly increasing u32 array of n in place at r; NULL (and r unmoved) when short
 * or out of order. */
static const uint32_t *get_keys(rbuf *r, uint32_t n) {
    if ((uint64_t)n * 4 > r->n - r->off)
        return NULL;
    const uint32_t *k = (const uint32_t *)(const void *)(r->p + r->off);
    for (uint32_t i = 1; i < n; i++)
        if (k[i] <= k[i - 1])
            return NULL;
    r->off += (size_t)n * 4;
    return k;
}

/* The header's counts and options into m and a new m->lin; 0, WW_EMALFORMED (out of
 * range) or WW_ENOMEM. */
static int parse_header(ww_model *m, rbuf *r, uint32_t *nl) {
    /* the frame was checked to hold them all (zeros only quiet the compiler) */
    uint32_t flags = 0, ng = 0, minn = 0, maxn = 0, nf = 0, nw = 0;
    *nl = 0;
    get_u32(r, &flags);
    get_u32(r, &ng);
    get_u32(r, &minn);
    get_u32(r, &maxn);
    get_u32(r, nl);
    get_u32(r, &nf);
    get_u32(r, &nw);
    if (flags > 1 || ng < 1 || ng > 3 || minn > 16 || maxn > 16 ||
        (minn && maxn < minn) || *nl < 1 || *nl > MAX_LABELS || (nw && !minn))
        return WW_EMALFORMED;
    ww__linear *lin = calloc(1, sizeof *lin);
    if (!lin)
        return WW_ENOMEM;
    lin->borrowed = 1;
    m->lin = lin;
    m->kind = WW__MODEL_LINEAR;
    m->multilabel = (int)flags;
    lin->fo.word_ngrams = (int)ng;
    lin->fo.char_minn = (int)minn;
    lin->fo.char_maxn = (int)maxn;
    lin->nfeat = nf;
    lin->nwords = nw;
    float *f[6] = {&lin->scale, &lin->idf_unk, &lin->cal_a,
                   &lin->cal_b, &lin->cal_c,   &lin->cal_d};
    for (int i = 0; i < 6; i++)
        if (get(r, f[i], 4) || !isfinite(*f[i]))
            return WW_EMALFORMED;
    return lin->idf_unk < 0 ? WW_EMALFORMED : 0;
}

int ww__linear_parse(ww_model *m, const uint8_t *data, size_t len, char *err,
                     size_t errlen) {
    rbuf r = {data, len - 4, 16};
    uint32_t nl;
    int rc = check_frame(data, len, err, errlen);
    if (rc)
        return rc;
    if ((rc = parse_header(m, &r, &nl)) == WW_ENOMEM)
        goto nomem;
    if (rc || !(m->version = get_str(&r)))
        goto bad;
    ww__linear *lin = m->lin;
    if (!(m->labels = calloc(nl, sizeof *m->labels)))
        goto nomem;
    m->nlabels = (int)nl;
    for (uint32_t l = 0; l < nl; l++)
        if (!(m->labels[l] = get_str(&r)))
            goto bad;
    for (; r.off % 4; r.off++)
        if (r.off >= r.n || r.p[r.off] != 0)
            goto bad;
    if (!(lin->thr = get_floats(&r, nl)) || !(lin->bias = get_floats(&r, nl)) ||
        !(lin->keys = (uint32_t *)get_keys(&r, lin->nfeat)) ||
        !(lin->wkeys = (uint32_t *)get_keys(&r, lin->nwords)))
        goto bad;
    if (!lin->nwords)
        lin->wkeys = NULL;
    lin->recsz = ww__rec_size((int)nl);
    if ((uint64_t)(lin->nfeat + (uint64_t)lin->nwords) * lin->recsz != r.n - r.off)
        goto bad;
    lin->rec = r.p + r.off;
    lin->wrec = r.p + r.off + (size_t)lin->nfeat * lin->recsz;
    r.off += records_check(lin->rec, (size_t)lin->nfeat + lin->nwords, lin->recsz) *
             lin->recsz;
    if (r.off != r.n)
        goto bad;
    if (ww__linear_index(lin))
        goto nomem;
    return 0;
bad:
    return ww_seterr(err, errlen, WW_EMALFORMED,
                     "model file inconsistent at byte %zu (sizes or values out of range)",
                     r.off);
nomem:
    return ww_seterr(err, errlen, WW_ENOMEM, "out of memory loading model");
}

/* ---- any model ---- */

/* Memory for a file image of len bytes (huge_alloc, else the heap).  *map as there. */
static uint8_t *image_alloc(size_t len, size_t *map) {
    uint8_t *p = huge_alloc(len, map);
    return p ? p : malloc(len ? len : 1); /* malloc'd: aligned for the float arrays */
}

static void image_free(uint8_t *p, size_t map) {
    if (map)
        munmap(p, map);
    else
        free(p);
}

void ww_model_free(ww_model *m) {
    if (!m)
        return;
    for (int l = 0; l < m->nlabels && m->labels; l++)
        free(m->labels[l]);
    free(m->labels);
    free(m->version);
    if (m->lin) {
        ww__linear_free(m->lin);
        free(m->lin);
    }
    ww__fasttext_free(m->ft);
    if (m->image)
        image_free(m->image, m->image_map);
    free(m);
}

/* Load from an image the model takes over (freed on failure too). */
static ww_model *load_owned(uint8_t *p, size_t len, size_t map, char *err,
                            size_t errlen) {
    int rc;
    ww_model *m = calloc(1, sizeof *m);
    if (!m) {
        image_free(p, map);
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    if (len >= 8 && memcmp(p, WW__MODEL_MAGIC, 8) == 0) {
        m->image = p; /* the weights stay in it */
        m->image_map = map;
        rc = ww__linear_parse(m, p, len, err, errlen);
    } else {
        rc = ww__fasttext_magic(p, len)
                 ? ww__fasttext_parse(m, p, len, err, errlen)
                 : ww_seterr(err, errlen, WW_EUNSUPPORTED,
                             "not a model file (neither wirewatch nor fastText magic)");
        image_free(p, map); /* fastText arrays are copied out */
    }
    if (rc) {
        ww_model_free(m);
        return NULL;
    }
    return m;
}

ww_model *ww_model_load_mem(const void *data, size_t len, char *err, size_t errlen) {
    size_t map;
    uint8_t *p = image_alloc(len, &map);
    if (!p) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    if (len)
        memcpy(p, data, len);
    return load_owned(p, len, map, err, errlen);
}

/* The file's bytes mapped read-only (MAP_POPULATE: all its pages entered in one call);
 * NULL when mmap fails (an empty file, a file system without mmap), and the caller
 * reads the file instead.  Against reading into huge pages: the 7.8 MB Reuters model
 * loaded in 3.3 ms instead of 8 (no pages to zero, no copy; docs/benchmarks.md), and
 * the 4 KB pages' TLB misses cost prediction no measurable time on these models. */
static uint8_t *image_map_file(int fd, size_t len) {
    if (len == 0)
        return NULL;
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* ww_model_load, mapping the file when mapped is set. */
static ww_model *load_path(const char *path, int mapped, char *err, size_t errlen) {
    ww_model *m = NULL;
    uint8_t *buf = NULL;
    size_t map = 0, got = 0;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) {
        ww_seterr(err, errlen, errno == ENOENT ? WW_ENOTFOUND : WW_EIO, "%s: %s", path,
                  strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        ww_seterr(err, errlen, WW_EIO, "%s: not a regular file", path);
        goto out;
    }
    if (mapped && (buf = image_map_file(fileno(f), (size_t)st.st_size)) != NULL) {
        map = got = (size_t)st.st_size; /* image_free unmaps map bytes */
    } else if (!(buf = image_alloc((size_t)st.st_size, &map))) {
        ww_seterr(err, errlen, WW_ENOMEM, "%s: out of memory (%lld bytes)", path,
                  (long long)st.st_size);
        goto out;
    }
    /* read(2) straight into the image: stdio would copy it once more */
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fileno(f), buf + got, (size_t)st.st_size - got);
        if (r <= 0 && !(r < 0 && errno == EINTR)) {
            ww_seterr(err, errlen, WW_EIO, "%s: read error", path);
            goto out;
        }
        got += r > 0 ? (size_t)r : 0;
    }
    char e2[512] = "";
    m = load_owned(buf, (size_t)st.st_size, map, e2, sizeof e2);
    buf = NULL; /* owned by load_owned */
    if (!m)
        ww_seterr(err, errlen, WW_EMALFORMED, "%s: %s", path, e2);
out:
    if (buf)
        image_free(buf, map);
    fclose(f);
    return m;
}

ww_model *ww_model_load(const char *path, char *err, size_t errlen) {
    return load_path(path, 0, err, errlen);
}

ww_model *ww_model_load_mapped(const char *path, char *err, size_t errlen) {
    return load_path(path, 1, err, errlen);
}

const char *ww_model_version(const ww_model *m) {
    return m && m->version ? m->version : "";
}

int ww_model_nlabels(const ww_model *m) { return m ? m->nlabels : 0; }

const char *ww_model_label(const ww_model *m, int i) {
    return m && i >= 0 && i < m->nlabels ? m->labels[i] : NULL;
}

int ww_model_multilabel(const ww_model *m) { return m ? m->multilabel : 0; }
