/* The wirewatch model file, and loading any model (ours or fastText's) by magic.
 *
 * Layout, little-endian, every size checked on load against the bytes present:
 *   magic "WWMODEL\x1a" | u32 format (1) | u32 file length | u32 flags (1 = multi-label)
 *   u32 word_ngrams | u32 char_minn | u32 char_maxn | u32 nlabels | u32 nfeat
 *   f32 score scale | str version | nlabels x str label      (str = u32 length + bytes)
 *   zero bytes up to a multiple of 4 | f32 thr[nlabels] | f32 bias[nlabels]
 *   u32 keys[nfeat] (strictly increasing) | f32 idf[nfeat] | f32 wscale[nfeat]
 *   i8 wq[nfeat][nlabels] (weight = wq * wscale of its row, |wq| <= 127)
 *   u32 crc32 (zlib) of everything before it
 * Weights are stored as 8-bit integers with one scale per feature row: a prediction
 * reads one row per feature of the document at random places in the table, so the
 * table's size is the cost (fp32 rows made the Reuters model 28 MB and prediction
 * memory-bound at 0.7x fastText's speed); the rounding moves a margin by ~1e-4.
 * The arrays are used in place (the padding keeps them aligned), so loading is one
 * read, a CRC, a finiteness scan and the index build. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "model_internal.h"
#include "wirewatch/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model files are little-endian; add byte swapping for this host"
#endif

#define MAX_LABELS (1u << 20)
#define MAX_STR 65536u
#define HDR_LEN 44u

int ww__linear_index(ww__linear *lin)
{
    uint64_t size = 16;
    while (size < (uint64_t)lin->nfeat * 2)
        size *= 2;
    free(lin->slots);
    lin->slots = calloc((size_t)size, sizeof *lin->slots);
    if (!lin->slots)
        return WW_ENOMEM;
    lin->mask = (uint32_t)(size - 1);
    for (uint32_t i = 0; i < lin->nfeat; i++) {
        uint32_t h = (lin->keys[i] * 2654435761u) & lin->mask;
        while (lin->slots[h].idx1)
            h = (h + 1) & lin->mask;
        lin->slots[h].key = lin->keys[i];
        lin->slots[h].idx1 = i + 1;
    }
    return 0;
}

void ww__linear_free(ww__linear *lin)
{
    if (!lin)
        return;
    if (!lin->borrowed) {
        free(lin->keys);
        free(lin->idf);
        free(lin->w);
        free(lin->wq);
        free(lin->wscale);
        free(lin->bias);
        free(lin->thr);
    }
    free(lin->slots);
    memset(lin, 0, sizeof *lin);
}

/* ---- writing ---- */

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *b, const void *src, size_t n)
{
    if (b->oom)
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

static void put_u32(wbuf *b, uint32_t v)
{
    put(b, &v, 4);
}

static void put_str(wbuf *b, const char *s)
{
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}

int ww__linear_serialize(const ww__linear *lin, char *const *labels, int nlabels,
                         int multilabel, const char *version, uint8_t **out,
                         size_t *outlen)
{
    wbuf b = {0};
    size_t nw = (size_t)lin->nfeat * (size_t)nlabels;
    char vbuf[64];
    int8_t *wq = malloc(nw ? nw : 1);
    float *wscale = malloc(lin->nfeat ? (size_t)lin->nfeat * 4 : 1);
    if (!wq || !wscale) {
        free(wq);
        free(wscale);
        return WW_ENOMEM;
    }
    for (uint32_t f = 0; f < lin->nfeat; f++) {
        const float *row = lin->w + (size_t)f * (size_t)nlabels;
        float mx = 0;
        for (int l = 0; l < nlabels; l++)
            if (fabsf(row[l]) > mx)
                mx = fabsf(row[l]);
        wscale[f] = mx / 127.f;
        for (int l = 0; l < nlabels; l++) {
            long q = mx > 0 ? lrintf(row[l] / wscale[f]) : 0;
            wq[(size_t)f * (size_t)nlabels + (size_t)l] =
                (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
        }
    }
    if (!version) {
        /* a content checksum names the model: same data + seed, same name */
        uLong c = crc32(0L, Z_NULL, 0);
        for (int l = 0; l < nlabels; l++)
            c = crc32(c, (const Bytef *)labels[l], (uInt)strlen(labels[l]) + 1);
        c = crc32(c, (const Bytef *)lin->thr, (uInt)(nlabels * 4));
        c = crc32(c, (const Bytef *)lin->bias, (uInt)(nlabels * 4));
        c = crc32_z(c, (const Bytef *)lin->keys, (size_t)lin->nfeat * 4);
        c = crc32_z(c, (const Bytef *)wscale, (size_t)lin->nfeat * 4);
        c = crc32_z(c, (const Bytef *)wq, nw);
        snprintf(vbuf, sizeof vbuf, "wwlinear-%u-%08lx", WW__MODEL_FORMAT, (unsigned long)c);
        version = vbuf;
    }
    if (strlen(version) >= MAX_STR) {
        free(wq);
        free(wscale);
        return WW_EINVAL;
    }
    put(&b, WW__MODEL_MAGIC, 8);
    put_u32(&b, WW__MODEL_FORMAT);
    put_u32(&b, 0); /* length, patched below */
    put_u32(&b, multilabel ? 1u : 0u);
    put_u32(&b, (uint32_t)lin->fo.word_ngrams);
    put_u32(&b, (uint32_t)lin->fo.char_minn);
    put_u32(&b, (uint32_t)lin->fo.char_maxn);
    put_u32(&b, (uint32_t)nlabels);
    put_u32(&b, lin->nfeat);
    put(&b, &lin->scale, 4);
    put_str(&b, version);
    for (int l = 0; l < nlabels; l++)
        put_str(&b, labels[l]);
    static const uint8_t zeros[4];
    put(&b, zeros, (4 - b.n % 4) % 4);
    put(&b, lin->thr, (size_t)nlabels * 4);
    put(&b, lin->bias, (size_t)nlabels * 4);
    put(&b, lin->keys, (size_t)lin->nfeat * 4);
    put(&b, lin->idf, (size_t)lin->nfeat * 4);
    put(&b, wscale, (size_t)lin->nfeat * 4);
    put(&b, wq, nw);
    free(wq);
    free(wscale);
    if (!b.oom && b.n + 4 > UINT32_MAX) {
        free(b.p);
        return WW_ETOOBIG;
    }
    if (!b.oom) {
        uint32_t total = (uint32_t)(b.n + 4);
        memcpy(b.p + 12, &total, 4);
        put_u32(&b, (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), b.p, b.n));
    }
    if (b.oom) {
        free(b.p);
        return WW_ENOMEM;
    }
    *out = b.p;
    *outlen = b.n;
    return 0;
}

/* ---- reading ---- */

typedef struct rbuf {
    const uint8_t *p;
    size_t n, off;
} rbuf;

static int get(rbuf *r, void *dst, size_t n)
{
    if (n > r->n - r->off)
        return -1;
    memcpy(dst, r->p + r->off, n);
    r->off += n;
    return 0;
}

static int get_u32(rbuf *r, uint32_t *v)
{
    return get(r, v, 4);
}

static char *get_str(rbuf *r)
{
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

static int finite_all(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* n floats in place (the image is 4-byte aligned there); NULL when short or not finite. */
static float *get_floats(rbuf *r, size_t n)
{
    if (n > (r->n - r->off) / 4 || r->off % 4)
        return NULL;
    float *v = (float *)(void *)(r->p + r->off);
    r->off += n * 4;
    return finite_all(v, n) ? v : NULL;
}

int ww__linear_parse(ww_model *m, const uint8_t *data, size_t len, char *err,
                     size_t errlen)
{
    rbuf r = {data, len, 8};
    uint32_t fmt, total, flags, ng, minn, maxn, nl, nf, crc;
    ww__linear *lin = NULL;
    if (len < HDR_LEN + 8)
        return ww_seterr(err, errlen, WW_EMALFORMED, "model file truncated (%zu bytes)", len);
    get_u32(&r, &fmt);
    get_u32(&r, &total);
    if (fmt != WW__MODEL_FORMAT)
        return ww_seterr(err, errlen, WW_EUNSUPPORTED,
                         "model file format %u is not supported (this build reads %u)", fmt,
                         WW__MODEL_FORMAT);
    if (total != len)
        return ww_seterr(err, errlen, WW_EMALFORMED,
                         "model file truncated or padded: header says %u bytes, have %zu",
                         total, len);
    memcpy(&crc, data + len - 4, 4);
    if ((uint32_t)crc32_z(crc32(0L, Z_NULL, 0), data, len - 4) != crc)
        return ww_seterr(err, errlen, WW_EMALFORMED, "model file checksum mismatch (corrupt)");
    r.n = len - 4;
    get_u32(&r, &flags);
    get_u32(&r, &ng);
    get_u32(&r, &minn);
    get_u32(&r, &maxn);
    get_u32(&r, &nl);
    get_u32(&r, &nf);
    if (flags > 1 || ng < 1 || ng > 3 || minn > 16 || maxn > 16 || (minn && maxn < minn) ||
        nl < 1 || nl > MAX_LABELS)
        return ww_seterr(err, errlen, WW_EMALFORMED, "model file header out of range");
    lin = calloc(1, sizeof *lin);
    if (!lin)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    lin->borrowed = 1;
    m->lin = lin;
    m->kind = WW__MODEL_LINEAR;
    m->multilabel = (int)flags;
    lin->fo.word_ngrams = (int)ng;
    lin->fo.char_minn = (int)minn;
    lin->fo.char_maxn = (int)maxn;
    lin->nfeat = nf;
    if (get(&r, &lin->scale, 4) || !isfinite(lin->scale) || !(m->version = get_str(&r)))
        goto bad;
    m->labels = calloc(nl, sizeof *m->labels);
    if (!m->labels)
        goto nomem;
    m->nlabels = (int)nl;
    for (uint32_t l = 0; l < nl; l++)
        if (!(m->labels[l] = get_str(&r)))
            goto bad;
    for (; r.off % 4; r.off++)
        if (r.off >= r.n || r.p[r.off] != 0)
            goto bad;
    if (!(lin->thr = get_floats(&r, nl)) || !(lin->bias = get_floats(&r, nl)))
        goto bad;
    if ((uint64_t)nf * 4 > r.n - r.off)
        goto bad;
    lin->keys = (uint32_t *)(void *)(r.p + r.off);
    r.off += (size_t)nf * 4;
    for (uint32_t i = 1; i < nf; i++)
        if (lin->keys[i] <= lin->keys[i - 1])
            goto bad;
    if (!(lin->idf = get_floats(&r, nf)))
        goto bad;
    if (!(lin->wscale = get_floats(&r, nf)))
        goto bad;
    for (uint32_t f = 0; f < nf; f++)
        if (lin->wscale[f] < 0)
            goto bad;
    if ((uint64_t)nf * nl != r.n - r.off)
        goto bad;
    lin->wq = (int8_t *)(void *)(r.p + r.off);
    r.off += (size_t)nf * nl;
    for (size_t i = 0; i < (size_t)nf * nl; i++)
        if (lin->wq[i] == -128)
            goto bad;
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

void ww_model_free(ww_model *m)
{
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
    free(m->image);
    free(m);
}

/* Load from an image the model takes over (freed on failure too). */
static ww_model *load_owned(uint8_t *p, size_t len, char *err, size_t errlen)
{
    int rc;
    ww_model *m = calloc(1, sizeof *m);
    if (!m) {
        free(p);
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    if (len >= 8 && memcmp(p, WW__MODEL_MAGIC, 8) == 0) {
        m->image = p; /* the weights stay in it */
        rc = ww__linear_parse(m, p, len, err, errlen);
    } else {
        rc = ww__fasttext_magic(p, len)
                 ? ww__fasttext_parse(m, p, len, err, errlen)
                 : ww_seterr(err, errlen, WW_EUNSUPPORTED,
                             "not a model file (neither wirewatch nor fastText magic)");
        free(p); /* fastText arrays are copied out */
    }
    if (rc) {
        ww_model_free(m);
        return NULL;
    }
    return m;
}

ww_model *ww_model_load_mem(const void *data, size_t len, char *err, size_t errlen)
{
    uint8_t *p = malloc(len ? len : 1); /* malloc'd: aligned for the float arrays */
    if (!p) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    if (len)
        memcpy(p, data, len);
    return load_owned(p, len, err, errlen);
}

ww_model *ww_model_load(const char *path, char *err, size_t errlen)
{
    ww_model *m = NULL;
    uint8_t *buf = NULL;
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
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        ww_seterr(err, errlen, WW_ENOMEM, "%s: out of memory (%lld bytes)", path,
                  (long long)st.st_size);
        goto out;
    }
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        ww_seterr(err, errlen, WW_EIO, "%s: read error", path);
        goto out;
    }
    char e2[512] = "";
    m = load_owned(buf, (size_t)st.st_size, e2, sizeof e2);
    buf = NULL; /* owned by load_owned */
    if (!m)
        ww_seterr(err, errlen, WW_EMALFORMED, "%s: %s", path, e2);
out:
    free(buf);
    fclose(f);
    return m;
}

const char *ww_model_version(const ww_model *m)
{
    return m && m->version ? m->version : "";
}

int ww_model_nlabels(const ww_model *m)
{
    return m ? m->nlabels : 0;
}

const char *ww_model_label(const ww_model *m, int i)
{
    return m && i >= 0 && i < m->nlabels ? m->labels[i] : NULL;
}

int ww_model_multilabel(const ww_model *m)
{
    return m ? m->multilabel : 0;
}
