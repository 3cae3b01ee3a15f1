/* Tokeniser for the matcher: see tokenize.h for what a token is. */
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "wirewatch/error.h"

uint64_t ww__hash_bytes(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a finaliser for the low bits */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

static int is_word(utf8proc_int32_t cp) {
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               (cp >= '0' && cp <= '9');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

static int norm_reserve(ww__toks *t, size_t add) {
    if (t->norm_len + add + 1 <= t->norm_cap)
        return 0;
    size_t cap = t->norm_cap ? t->norm_cap : 4096;
    while (cap < t->norm_len + add + 1)
        cap *= 2;
    char *n = realloc(t->norm, cap);
    if (!n)
        return WW_ENOMEM;
    t->norm = n;
    t->norm_cap = cap;
    return 0;
}

/* Append the normal form of s[0..n) to t->norm; set *off / *outlen. */
static int normalise(ww__toks *t, const uint8_t *s, size_t n, int ascii, int casefold,
                     uint32_t *off, uint32_t *outlen) {
    if (ascii) {
        if (norm_reserve(t, n))
            return WW_ENOMEM;
        char *d = t->norm + t->norm_len;
        for (size_t i = 0; i < n; i++)
            d[i] = (char)((casefold && s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        *off = (uint32_t)t->norm_len;
        *outlen = (uint32_t)n;
        t->norm_len += n;
        t->norm[t->norm_len++] = 0;
        return 0;
    }
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                            (casefold ? UTF8PROC_CASEFOLD : 0);
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t r = utf8proc_map(s, (utf8proc_ssize_t)n, &m, opt);
    if (r < 0) { /* cannot happen for text utf8proc_iterate accepted; keep raw bytes */
        free(m);
        return normalise(t, s, n, 1, 0, off, outlen);
    }
    if (norm_reserve(t, (size_t)r)) {
        free(m);
        return WW_ENOMEM;
    }
    memcpy(t->norm + t->norm_len, m, (size_t)r);
    free(m);
    *off = (uint32_t)t->norm_len;
    *outlen = (uint32_t)r;
    t->norm_len += (size_t)r;
    t->norm[t->norm_len++] = 0;
    return 0;
}

static int push(ww__toks *t, const uint8_t *text, size_t start, size_t end, int ascii,
                int casefold) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        ww__tok *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    ww__tok *k = &t->v[t->n];
    k->start = (uint32_t)start;
    k->end = (uint32_t)end;
    int rc = normalise(t, text + start, end - start, ascii, casefold, &k->norm_off,
                       &k->norm_len);
    if (rc)
        return rc;
    k->hash = ww__hash_bytes(t->norm + k->norm_off, k->norm_len);
    t->n++;
    return 0;
}

int ww__tokenize(const char *text, size_t len, int casefold, ww__toks *out) {
    const uint8_t *s = (const uint8_t *)text;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    size_t i = 0, start = 0;
    int in = 0, ascii = 1;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k;
        if (s[i] < 0x80) {
            cp = s[i];
            k = 1;
        } else {
            k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
            if (k <= 0) { /* invalid byte: a separator */
                cp = -1;
                k = 1;
            }
        }
        int w = cp >= 0 && is_word(cp);
        if (w && !in) {
            in = 1;
            start = i;
            ascii = 1;
        } else if (!w && in) {
            in = 0;
            int rc = push(out, s, start, i, ascii, casefold);
            if (rc)
                return rc;
        }
        if (w && cp >= 0x80)
            ascii = 0;
        i += (size_t)k;
    }
    if (in)
        return push(out, s, start, len, ascii, casefold);
    return 0;
}

void ww__toks_clear(ww__toks *t) {
    t->n = 0;
    t->norm_len = 0;
}

void ww__toks_free(ww__toks *t) {
    if (!t)
        return;
    free(t->v);
    free(t->norm);
    memset(t, 0, sizeof *t);
}

int ww__utf8_valid(const char *s, size_t len) {
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}
