/* Which words can need their stem: see stem_need.h. */
#include "stem_need.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#define WORD_BITS (1u << 18) /* 32 KB; 16x (512 KB) saved only a tenth more stems */
#define HEAD_BITS (1u << 16) /* 8 KB */
#define HEAD_TAIL 5 /* last bytes of a head kept (a head has 5 code points or more) */
#define NEED_WORD_MAX 128 /* longer words are stemmed */

struct ww__stem_need {
    size_t head_bytes, heads; /* a stem shorter than head_bytes is not searched */
    uint64_t word[WORD_BITS / 64];
    uint64_t head[HEAD_BITS / 64], head1[HEAD_BITS / 64]; /* heads' last, first bytes */
};

/* German Snowball as in libstemmer 2.2 (Debian 12), known by its stems of these words:
 * umlauts and ß folded, "-nisse", "-ungen", "-keiten"; "ae", "oe", "ue" left as they
 * are (Snowball 3 folds them: its stem of "israel" is "isral", not a prefix). */
static int is_german_snowball(struct sb_stemmer *st) {
    static const char *const probe[][2] = {
        {"häuser", "haus"},           {"straße", "strass"},
        {"israel", "israel"},         {"michael", "michael"},
        {"quelle", "quell"},          {"ergebnisse", "ergebnis"},
        {"bayerischen", "bayer"},     {"bundesregierungen", "bundesregier"},
        {"möglichkeiten", "moglich"}, {"systemen", "system"},
    };
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        const char *w = probe[i][0], *want = probe[i][1];
        const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)w, (int)strlen(w));
        if (!r || (size_t)sb_stemmer_length(st) != strlen(want) ||
            memcmp(r, want, strlen(want)) != 0)
            return 0;
    }
    return 1;
}

ww__stem_need *ww__stem_need_new(struct sb_stemmer *st, size_t head_min) {
    if (!st || !is_german_snowball(st))
        return NULL;
    ww__stem_need *f = calloc(1, sizeof *f);
    if (f)
        f->head_bytes = 2 * head_min;
    return f;
}

void ww__stem_need_free(ww__stem_need *f) { free(f); }

size_t ww__stem_need_bytes(const ww__stem_need *f) { return f ? sizeof *f : 0; }

/* Fold w[0..n) as the stemmer does (ä ö ü -> a o u, ß -> ss) into o (room for n
 * bytes and 8 more: a fold never grows a word), then 8 zero bytes; its length.  Most
 * words have no such letter and are copied whole. */
static size_t fold(const char *w, size_t n, char *o) {
    size_t k = 0;
    if (!memchr(w, 0xC3, n)) {
        memcpy(o, w, n);
        k = n;
    } else
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)w[i],
                          d = i + 1 < n ? (unsigned char)w[i + 1] : 0;
            char to = c != 0xC3   ? 0
                      : d == 0xA4 ? 'a'
                      : d == 0xB6 ? 'o'
                      : d == 0xBC ? 'u'
                      : d == 0x9F ? 's'
                                  : 0;
            if (!to) {
                o[k++] = (char)c;
                continue;
            }
            o[k++] = to;
            if (to == 's')
                o[k++] = 's';
            i++;
        }
    memset(o + k, 0, 8);
    return k;
}

static uint64_t load8(const char *s) {
    uint64_t x;
    memcpy(&x, s, 8);
    return x;
}

/* A hash of s[0..n) from its length, first and last 8 bytes (s readable, zero-padded,
 * 8 bytes past n): a few instructions for each possible stem of a word, where a byte
 * hash of each was dearer than the Snowball calls it saved.  Collisions only let a
 * word through. */
static uint64_t key_hash(const char *s, size_t n) {
    static const unsigned char keep[8][8] = {
        {0},
        {0xFF},
        {0xFF, 0xFF},
        {0xFF, 0xFF, 0xFF},
        {0xFF, 0xFF, 0xFF, 0xFF},
        {0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
        {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
        {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
    }; /* the first n bytes of a word, in either byte order */
    uint64_t first = load8(s), last;
    if (n < 8) {
        first &= load8((const char *)keep[n]);
        last = 0;
    } else
        last = load8(s + n - 8);
    uint64_t h = (first ^ (uint64_t)n * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
    h ^= last * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static size_t bit_of(uint64_t h, size_t bits) { return (size_t)(h >> 20) & (bits - 1); }
static void set(uint64_t *v, size_t b) { v[b / 64] |= 1ull << (b % 64); }
static int has(const uint64_t *v, size_t b) { return (int)(v[b / 64] >> (b % 64) & 1); }

void ww__stem_need_add_word(ww__stem_need *f, const char *s, size_t n) {
    char buf[NEED_WORD_MAX + 8] = {0};
    if (n > NEED_WORD_MAX)
        return; /* (words that long are stemmed, never filtered) */
    memcpy(buf, s, n);
    set(f->word, bit_of(key_hash(buf, n), WORD_BITS));
}

void ww__stem_need_add_head(ww__stem_need *f, const char *s, size_t n) {
    char buf[HEAD_TAIL + 8] = {0};
    if (n < HEAD_TAIL)
        return; /* (the matcher keeps no head that short) */
    memcpy(buf, s + n - HEAD_TAIL, HEAD_TAIL);
    set(f->head, bit_of(key_hash(buf, HEAD_TAIL), HEAD_BITS));
    memcpy(buf, s, HEAD_TAIL);
    set(f->head1, bit_of(key_hash(buf, HEAD_TAIL), HEAD_BITS));
    f->heads++;
}

/* What German Snowball deletes from a word's end is one of step 3's suffixes (end ung
 * ig ik isch lich heit keit, with ig, er, en, lich before some), then step 2's (en er
 * est st), then step 1's (em ern er e en es s, an s of -nisse): at most CUT_MAX bytes,
 * of the letters in cut_letter, starting with one of cut_start. */
#define CUT_MAX 16
/* bit 0: a letter of some deleted suffix; bit 1: the first letter of one */
static const uint8_t cut_class[256] = {
    ['c'] = 1, ['d'] = 1, ['e'] = 3, ['g'] = 1, ['h'] = 3, ['i'] = 3, ['k'] = 3,
    ['l'] = 3, ['m'] = 1, ['n'] = 3, ['r'] = 1, ['s'] = 3, ['t'] = 1, ['u'] = 3,
};

/* May a head start at one of the code points head_min .. (last - head_min) of the
 * folded word fw[0..fl) (the stem is a prefix of it)? */
static int may_start_head(const ww__stem_need *f, const char *fw, size_t fl) {
    size_t ncp = 0, at[NEED_WORD_MAX];
    for (size_t i = 0; i < fl; i++)
        if (((unsigned char)fw[i] & 0xC0) != 0x80)
            at[ncp++] = i;
    for (size_t c = f->head_bytes / 2; c + f->head_bytes / 2 <= ncp; c++)
        if (has(f->head1, bit_of(key_hash(fw + at[c], HEAD_TAIL), HEAD_BITS)))
            return 1;
    return 0;
}

/* May the stem be a kept word, or hold a kept head: is some prefix of the folded word
 * fw[0..fl) that leaves a deletable end kept, or long enough to be searched for a
 * head, ending with a head's last bytes (a head ends the stem) while a head's first
 * bytes are found where a head may start?  Both are needed for a head. */
static int may_need(const ww__stem_need *f, const char *fw, size_t fl) {
    int tail = 0;
    for (size_t c = 0; c <= CUT_MAX && c < fl; c++) {
        size_t l = fl - c;
        if (c == 0 || cut_class[(unsigned char)fw[l]] & 2) {
            if (has(f->word, bit_of(key_hash(fw, l), WORD_BITS)))
                return 1;
            tail = tail || (l >= f->head_bytes && f->heads &&
                            has(f->head, bit_of(key_hash(fw + l - HEAD_TAIL, HEAD_TAIL),
                                                HEAD_BITS)));
        }
        if (!(cut_class[(unsigned char)fw[l - 1]] & 1))
            break;
    }
    return tail && may_start_head(f, fw, fl);
}

int ww__stem_needed(const ww__stem_need *f, const char *w, size_t n) {
    char fw[NEED_WORD_MAX + 8];
    if (n > NEED_WORD_MAX)
        return 1; /* (rare: URLs, not words) */
    return may_need(f, fw, fold(w, n, fw));
}
