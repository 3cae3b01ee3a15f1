/* Boilerplate cues (boilerplate_cues.def) matched against short texts: labels,
 * link texts, a teaser's or a promo's few lines.  Texts are folded to lower case into
 * a stack buffer first; the lists are short and only small blocks are asked about, so
 * a plain scan is fast enough (extract_content.c asks only for blocks under a size). */
#include <pthread.h>
#include <string.h>

#include "cue_match.h"

typedef struct cue {
    ww__cue_kind kind;
    const char *s;
} cue;

static const cue cues[] = {
#define WW__CUE(kind, phrase) {WW_CUE_##kind, phrase},
#include "boilerplate_cues.def"
#undef WW__CUE
};

/* Fold s[0..n) into out (at most cap-1 bytes, NUL-terminated): ASCII and Latin-1
 * capitals, Cyrillic capitals (А-Я, Ѐ-Џ) to lower case; returns the length.  A
 * character cut at the end of the buffer is left out. */
static size_t fold(const char *s, size_t n, char *out, size_t cap) {
    const unsigned char *u = (const unsigned char *)s;
    size_t w = 0;
    for (size_t k = 0; k < n && w + 4 < cap; k++) {
        unsigned char c = u[k];
        if (c < 0x80) {
            out[w++] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
        } else if (c == 0xC3 && k + 1 < n && u[k + 1] >= 0x80 && u[k + 1] <= 0x9E &&
                   u[k + 1] != 0x97) {
            out[w++] = (char)c;
            out[w++] = (char)(u[++k] + 0x20);
        } else if (c == 0xD0 && k + 1 < n && u[k + 1] >= 0x90 && u[k + 1] <= 0x9F) {
            out[w++] = (char)0xD0;
            out[w++] = (char)(u[++k] + 0x20);
        } else if (c == 0xD0 && k + 1 < n && u[k + 1] >= 0xA0 && u[k + 1] <= 0xAF) {
            out[w++] = (char)0xD1;
            out[w++] = (char)(u[++k] - 0x20);
        } else if (c == 0xD0 && k + 1 < n && u[k + 1] >= 0x80 && u[k + 1] <= 0x8F) {
            out[w++] = (char)0xD1;
            out[w++] = (char)(u[++k] + 0x10);
        } else {
            out[w++] = (char)c;
        }
    }
    while (w > 0 && ((unsigned char)out[w - 1] & 0xC0) == 0x80) {
        /* drop a trailing partial character */
        size_t b = w - 1;
        while (b > 0 && ((unsigned char)out[b] & 0xC0) == 0x80)
            b--;
        size_t need = ((unsigned char)out[b] >= 0xF0)   ? 4
                      : ((unsigned char)out[b] >= 0xE0) ? 3
                                                        : 2;
        if (w - b >= need)
            break;
        w = b;
    }
    out[w] = 0;
    return w;
}

/* Leading white space and punctuation: ASCII non-alphanumerics, and the common
 * typographic marks (no-break space, guillemets, arrows, bullets, squares). */
static size_t skip_punct(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    while (k < n) {
        unsigned char c = u[k];
        if (c < 0x80 &&
            !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
            k++;
        else if (c == 0xC2 && k + 1 < n &&
                 (u[k + 1] == 0xA0 || u[k + 1] == 0xAB || u[k + 1] == 0xBB))
            k += 2;
        else if (c == 0xE2 && k + 2 < n &&
                 (u[k + 1] == 0x80 || u[k + 1] == 0x86 || u[k + 1] == 0x96 ||
                  u[k + 1] == 0x97 || u[k + 1] == 0x9E))
            k += 3; /* quotes, dashes, bullets, arrows, geometric shapes */
        else
            break;
    }
    return k;
}

/* Cues of each kind: [first[kind], first[kind + 1]) of cues[] (the .def is grouped by
 * kind), and the longest one, computed once. */
static size_t first[WW_CUE__COUNT + 1], longest[WW_CUE__COUNT];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void build_index(void) {
    size_t n = sizeof cues / sizeof cues[0];
    for (int k = 0; k <= WW_CUE__COUNT; k++)
        first[k] = n;
    for (size_t k = n; k-- > 0;) {
        first[cues[k].kind] = k;
        if (strlen(cues[k].s) > longest[cues[k].kind])
            longest[cues[k].kind] = strlen(cues[k].s);
    }
    for (int k = WW_CUE__COUNT; k-- > 0;) /* a kind with no cue: an empty range */
        if (first[k] > first[k + 1])
            first[k] = first[k + 1];
}

size_t ww__cue_prefix(ww__cue_kind kind, const char *s, size_t n) {
    pthread_once(&index_once, build_index);
    size_t lead = skip_punct(s, n);
    char buf[256];
    size_t want = longest[kind] + 4 < n - lead ? longest[kind] + 4 : n - lead;
    size_t fl = fold(s + lead, want, buf, sizeof buf);
    for (size_t k = first[kind]; k < first[kind + 1]; k++) {
        size_t cl = strlen(cues[k].s);
        if (cl <= fl && memcmp(buf, cues[k].s, cl) == 0)
            return lead + cl; /* folding keeps byte lengths */
    }
    return 0;
}

int ww__cue_whole(ww__cue_kind kind, const char *s, size_t n) {
    size_t p = ww__cue_prefix(kind, s, n);
    if (!p)
        return 0;
    return skip_punct(s + p, n - p) == n - p;
}

/* 1 when needle (NUL-terminated, short) occurs in h[0..n): memchr for its first byte,
 * then a compare.  (strstr prepares a two-way search per call, which costs more than
 * the search itself for these short texts and needles.) */
static int occurs(const char *h, size_t n, const char *needle) {
    size_t nl = strlen(needle);
    for (const char *p = h, *end = h + n; (size_t)(end - p) >= nl;) {
        p = memchr(p, needle[0], (size_t)(end - p) - nl + 1);
        if (!p)
            return 0;
        if (memcmp(p, needle, nl) == 0)
            return 1;
        p++;
    }
    return 0;
}

int ww__cue_count(ww__cue_kind kind, const char *s, size_t n) {
    char buf[4096];
    size_t fl = fold(s, n, buf, sizeof buf);
    int hits = 0;
    pthread_once(&index_once, build_index);
    for (size_t k = first[kind]; k < first[kind + 1]; k++)
        if (occurs(buf, fl, cues[k].s))
            hits++;
    return hits;
}
