/* Which words can need their stem: see stem_need.h. */
#include "stem_need.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"
long dv_w, dv_h;

#define WORD_BITS (1u << 18) /* 32 KB: 1 bit in 13 set by the default German keys */
#define HEAD_BITS (1u << 12)
#define HEAD_PREFIX 4       /* bytes of a head kept */
#define NEED_WORD_MAX 128   /* longer words are stemmed */

struct ww__stem_need {
    size_t head_min, max_word, heads;
    uint64_t word[WORD_BITS / 64], head[HEAD_BITS / 64];
};

/* German Snowball as in libstemmer 2.2 (Debian 12), known by its stems of these words:
 * umlauts and ß folded, "-nisse", "-ungen", "-keiten"; "ae", "oe", "ue" left as they
 * are (Snowball 3 folds them: its stem of "israel" is "isral", not a prefix). */
static int is_german_snowball(struct sb_stemmer *st) {
    static const char *const probe[][2] = {
        {"häuser", "haus"},          {"straße", "strass"},
        {"israel", "israel"},        {"michael", "michael"},
        {"quelle", "quell"},         {"ergebnisse", "ergebnis"},
        {"bayerischen", "bayer"},    {"bundesregierungen", "bundesregier"},
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

ww__stem_need *ww__stem_need_new(struct sb_stemmer *st, size_t head_min,
                                 size_t max_word) {
    if (!st || !is_german_snowball(st))
        return NULL;
    ww__stem_need *f = calloc(1, sizeof *f);
    if (f) {
        f->head_min = head_min;
        f->max_word = max_word;
    }
    return f;
}

void ww__stem_need_free(ww__stem_need *f) { free(f); }

/* Fold w[0..n) as the stemmer does (ä ö ü -> a o u, ß -> ss) into o (room for n
 * bytes: a fold never grows a word); its length. */
static size_t fold(const char *w, size_t n, char *o) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i], d = i + 1 < n ? (unsigned char)w[i + 1] : 0;
        char to = c != 0xC3       ? 0
                  : d == 0xA4     ? 'a'
                  : d == 0xB6     ? 'o'
                  : d == 0xBC     ? 'u'
                  : d == 0x9F     ? 's'
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
    return k;
}

static uint64_t step(uint64_t h, char c) { return (h ^ (unsigned char)c) * WW__FNV_PRIME; }

static size_t bit_of(uint64_t h, size_t bits) {
    return (size_t)ww__hash_final(h) & (bits - 1);
}

static void set(uint64_t *v, size_t b) { v[b / 64] |= 1ull << (b % 64); }
static int has(const uint64_t *v, size_t b) { return (int)(v[b / 64] >> (b % 64) & 1); }

static uint64_t fnv(const char *s, size_t n) {
    uint64_t h = WW__FNV_OFF;
    for (size_t i = 0; i < n; i++)
        h = step(h, s[i]);
    return h;
}

void ww__stem_need_add_word(ww__stem_need *f, const char *s, size_t n) {
    set(f->word, bit_of(fnv(s, n), WORD_BITS));
}

void ww__stem_need_add_head(ww__stem_need *f, const char *s, size_t n) {
    set(f->head, bit_of(fnv(s, n < HEAD_PREFIX ? n : HEAD_PREFIX), HEAD_BITS));
    f->heads++;
}

/* What German Snowball deletes from a word's end is one of step 3's suffixes (end ung
 * ig ik isch lich heit keit, with ig, er, en, lich before some), then step 2's (en er
 * est st), then step 1's (em ern er e en es s, an s of -nisse): at most CUT_MAX bytes,
 * of the letters in cut_letter, starting with one of cut_start. */
#define CUT_MAX 16
static int cut_letter(char c) { return c && strchr("cdeghiklmnrstu", c) != NULL; }
static int cut_start(char c) { return c && strchr("ehiklnsu", c) != NULL; }

/* May the stem be a kept word: is some prefix of the folded word fw[0..fl) that leaves
 * a deletable end kept? */
static int may_be_word(const ww__stem_need *f, const char *fw, size_t fl) {
    uint64_t h[CUT_MAX + 1]; /* h[k]: FNV of fw[0..fl - k) */
    size_t low = fl > CUT_MAX ? fl - CUT_MAX : 0, k = fl - low;
    uint64_t x = WW__FNV_OFF;
    for (size_t i = 0; i < fl; i++) {
        if (i >= low)
            h[fl - i] = x;
        x = step(x, fw[i]);
    }
    h[0] = x;
    for (size_t c = 0; c <= k && fl - c > 0; c++) {
        if ((c == 0 || cut_start(fw[fl - c])) && has(f->word, bit_of(h[c], WORD_BITS)))
            return 1;
        if (c < k && !cut_letter(fw[fl - c - 1]))
            break;
    }
    return 0;
}

/* May a head start at one of the code points head_min .. (last - head_min) of the
 * folded word (where the stem's heads are: the stem is a prefix of it)? */
static int may_hold_head(const ww__stem_need *f, const char *fw, size_t fl) {
    size_t ncp = 0, at[NEED_WORD_MAX];
    for (size_t i = 0; i < fl; i++)
        if (((unsigned char)fw[i] & 0xC0) != 0x80)
            at[ncp++] = i;
    for (size_t c = f->head_min; c + f->head_min <= ncp; c++)
        if (has(f->head, bit_of(fnv(fw + at[c], HEAD_PREFIX), HEAD_BITS)))
            return 1;
    return 0;
}

int ww__stem_needed(const ww__stem_need *f, const char *w, size_t n) {
    char fw[NEED_WORD_MAX];
    if (n > NEED_WORD_MAX)
        return 1; /* (rare: URLs, not words) */
    size_t fl = fold(w, n, fw);
    if (may_be_word(f, fw, fl))
        return dv_w++, 1;
    dv_h++;
    /* a stem of head_min * 2 code points or more is searched for heads; a head has
     * head_min code points, so HEAD_PREFIX bytes at least */
    return f->heads && n >= 2 * f->head_min &&
           may_hold_head(f, fw, fl);
}
