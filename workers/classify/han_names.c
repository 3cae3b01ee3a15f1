/* Chinese and Japanese names next to a title, known by their surnames.
 *
 * Han characters have no capitals: a name after a title (部长陈一新, 首相岸田文雄) is
 * told from the words that follow a title (部长会议 "ministerial meeting", 首相官邸
 * "the prime minister's residence") by its first character or two: a common surname
 * (the language pack's "person_names": 百家姓 for Chinese, the most common Japanese
 * surnames).  The rest of the name is a few characters, ending
 *   - in Chinese, before a particle or a verb (陈一新表示) or where ICU's dictionary
 *     begins a word of two or more characters (李强|主持), at two given characters;
 *   - in Japanese, at the end of the kanji run: a kana particle, punctuation or a
 *     title (首相岸田文雄は, 首相岸田文雄氏), with one of ICU's word boundaries right
 *     after the surname (首相|原案|通り: 原 is a surname, 原案 "draft" a word).
 * A candidate ICU reads as one word is a word (曾任 "once served as", 高级 "senior",
 * 张家口 a city), not a name, but for a word of three characters right before a title
 * (周恩来总理: whole_word_until).  A Japanese name in Chinese text after a title is
 * known by the Japanese surnames (hn->other: 日本首相岸田文雄).  In Chinese a foreign name is taken too: a
 * transliteration of three or more characters (persons_han.c), or of two that ICU or a
 * particle sets apart from their neighbours (会见了|普|京|总统, 部长|安娜|表示). */
#include <stdlib.h>
#include <string.h>

#include "han_names.h"
#include "codepoint.h"
#include "persons_han.h"
#include "wirewatch/error.h"

#define SURNAME_MAX 3  /* characters */
#define HAN_NAME_MAX 6 /* characters of a name, surname included */

typedef struct surname {
    int32_t cp[SURNAME_MAX]; /* folded to Simplified, as the text is when compared */
    uint8_t n;
} surname;

#define NOT_LAST_MAX 64

/* The surnames that begin with one character: v[at .. at + n), longest first. */
typedef struct first_slot {
    int32_t cp; /* 0: an empty slot (no surname begins with U+0000) */
    uint16_t at, n;
} first_slot;

struct ww__han_names {
    surname *v; /* grouped by first character, each group longest first */
    size_t n, cap;
    first_slot *first; /* open addressing over the groups' first characters */
    size_t first_mask; /* slots - 1, a power of two minus one */
    int32_t not_last[NOT_LAST_MAX]; /* characters that end places and bodies (県, 省) */
    ww__han_words words; /* transliteration characters, particles, words next to names */
    size_t nnot_last;
    /* the other language's names (borrowed, han_titles.c owns both): Japanese surnames
     * for Japanese names in Chinese text, Chinese ones for Chinese names in Japanese */
    const ww__han_names *other;
    uint8_t given_min, given_max, chars_min, chars_max, whole_run;
};

ww__han_names *ww__han_names_new(void) {
    ww__han_names *hn = calloc(1, sizeof *hn);
    if (hn) {
        hn->given_min = 1;
        hn->given_max = 2;
        hn->chars_min = 2;
        hn->chars_max = 4;
    }
    return hn;
}

void ww__han_names_free(ww__han_names *hn) {
    if (!hn)
        return;
    free(hn->v);
    free(hn->first);
    free(hn);
}

/* A character of a name: Han, or the iteration mark of 佐々木. */
static int name_char(int32_t cp) { return ww__is_han(cp) || cp == 0x3005; }

/* Fibonacci hashing: neighbouring code points (one radical block) spread out. */
static size_t first_hash(int32_t cp, size_t mask) {
    return ((uint32_t)cp * 2654435761u >> 7) & mask;
}

/* The group of surnames beginning with cp, or NULL. */
static const first_slot *first_of(const ww__han_names *hn, int32_t cp) {
    if (!hn->first)
        return NULL;
    for (size_t h = first_hash(cp, hn->first_mask);; h = (h + 1) & hn->first_mask) {
        if (hn->first[h].cp == cp)
            return &hn->first[h];
        if (hn->first[h].cp == 0)
            return NULL;
    }
}

/* Rebuilds the index of first characters over hn->v (a few hundred surnames, once per
 * pack: rebuilt whole on every add).  Returns 0 or WW_ENOMEM (the old index kept). */
static int index_first(ww__han_names *hn) {
    size_t slots = 64;
    while (slots < 2 * hn->n) /* at most half full: short probes */
        slots *= 2;
    first_slot *t = calloc(slots, sizeof *t);
    if (!t)
        return WW_ENOMEM;
    for (size_t i = 0, e; i < hn->n; i = e) {
        for (e = i + 1; e < hn->n && hn->v[e].cp[0] == hn->v[i].cp[0]; e++)
            ;
        size_t h = first_hash(hn->v[i].cp[0], slots - 1);
        while (t[h].cp != 0)
            h = (h + 1) & (slots - 1);
        t[h] = (first_slot){hn->v[i].cp[0], (uint16_t)i, (uint16_t)(e - i)};
    }
    free(hn->first);
    hn->first = t;
    hn->first_mask = slots - 1;
    return 0;
}

int ww__han_names_add_surname(ww__han_names *hn, const char *s) {
    surname sn = {0};
    size_t len = strlen(s), k;
    for (size_t i = 0; i < len; i += k) {
        int32_t cp = ww__cp_at(s, len, i, &k);
        if (!name_char(cp) || sn.n == SURNAME_MAX)
            return WW_EINVAL;
        sn.cp[sn.n++] = ww__han_simplified(cp);
    }
    if (sn.n == 0 || hn->n == UINT16_MAX) /* first_slot counts in 16 bits */
        return WW_EINVAL;
    if (hn->n == hn->cap) {
        size_t cap = hn->cap ? 2 * hn->cap : 128;
        surname *v = realloc(hn->v, cap * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        hn->v = v;
        hn->cap = cap;
    }
    /* into its group, after the longer ones and those of its length added before */
    size_t at = 0;
    while (at < hn->n && hn->v[at].cp[0] != sn.cp[0])
        at++;
    while (at < hn->n && hn->v[at].cp[0] == sn.cp[0] && hn->v[at].n >= sn.n)
        at++;
    memmove(hn->v + at + 1, hn->v + at, (hn->n - at) * sizeof *hn->v);
    hn->v[at] = sn;
    hn->n++;
    int rc = index_first(hn);
    if (rc) { /* as it was: the old index still fits */
        hn->n--;
        memmove(hn->v + at, hn->v + at + 1, (hn->n - at) * sizeof *hn->v);
    }
    return rc;
}

int ww__han_names_add_not_last(ww__han_names *hn, const char *chars) {
    size_t len = strlen(chars), k;
    for (size_t i = 0; i < len; i += k) {
        int32_t cp = ww__cp_at(chars, len, i, &k);
        if (!ww__is_han(cp) || hn->nnot_last == NOT_LAST_MAX)
            return WW_EINVAL;
        hn->not_last[hn->nnot_last++] = ww__han_simplified(cp);
    }
    return 0;
}

/* The name [at[0], at[n]) ends in a character that ends places and bodies (千葉県). */
static int ends_badly(const ww__han_names *hn, const char *text, size_t len,
                      const size_t *at, size_t n) {
    size_t k;
    int32_t cp = ww__han_simplified(ww__cp_at(text, len, at[n - 1], &k));
    for (size_t i = 0; i < hn->nnot_last; i++)
        if (hn->not_last[i] == cp)
            return 1;
    return 0;
}

int ww__han_names_shape(ww__han_names *hn, int given_min, int given_max, int chars_min,
                        int chars_max, int whole_run) {
    if (given_min < 1 || given_min > given_max || given_max > HAN_NAME_MAX - 1 ||
        chars_min < 2 || chars_min > chars_max || chars_max > HAN_NAME_MAX)
        return WW_EINVAL;
    hn->given_min = (uint8_t)given_min;
    hn->given_max = (uint8_t)given_max;
    hn->chars_min = (uint8_t)chars_min;
    hn->chars_max = (uint8_t)chars_max;
    hn->whole_run = (uint8_t)(whole_run != 0);
    return 0;
}

int ww__han_names_whole_run(const ww__han_names *hn) { return hn && hn->whole_run; }

ww__han_words *ww__han_names_words(ww__han_names *hn) { return &hn->words; }

const ww__han_words *ww__han_names_words_of(const ww__han_names *hn) {
    static const ww__han_words none; /* a language without person_names: no words */
    return hn ? &hn->words : &none;
}

/* The characters of text from byte start: their offsets in at[0..n] (at[n]: the end of
 * the last), n returned; up to max name characters, stopping before limit. */
static size_t chars_from(const char *text, size_t len, size_t start, size_t limit,
                         size_t at[HAN_NAME_MAX + 1], size_t max) {
    size_t n = 0, i = start, k;
    while (n < max && i < limit && i < len && name_char(ww__cp_at(text, len, i, &k))) {
        at[n++] = i;
        i += k;
    }
    at[n] = i;
    return n;
}

/* The lengths (characters) of the surnames written at at[0..], longest first, in
 * out; their number returned.  Only the surnames that begin with the first character
 * are tried (first_of), each group longest first. */
static size_t surnames_at(const ww__han_names *hn, const char *text, size_t len,
                          const size_t *at, size_t n, uint8_t out[SURNAME_MAX]) {
    int32_t cp[SURNAME_MAX];
    size_t k, nc = n < SURNAME_MAX ? n : SURNAME_MAX, m = 0;
    if (nc == 0)
        return 0;
    cp[0] = ww__han_simplified(ww__cp_at(text, len, at[0], &k));
    const first_slot *g = first_of(hn, cp[0]);
    if (!g)
        return 0;
    for (size_t c = 1; c < nc; c++)
        cp[c] = ww__han_simplified(ww__cp_at(text, len, at[c], &k));
    for (size_t s = g->at; s < (size_t)g->at + g->n; s++) {
        const surname *sn = &hn->v[s];
        size_t c = 1;
        if (sn->n > nc || (m > 0 && out[m - 1] == sn->n))
            continue;
        while (c < sn->n && cp[c] == sn->cp[c])
            c++;
        if (c == sn->n)
            out[m++] = sn->n;
    }
    return m;
}

/* The index of the token holding byte b, or toks->n (tokens are in text order). */
static size_t tok_at(const ww__toks *toks, size_t b) {
    size_t lo = 0, hi = toks->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (toks->v[mid].end <= b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < toks->n && toks->v[lo].start <= b ? lo : toks->n;
}

/* A token begins at byte b. */
static int word_begins(const ww__toks *toks, size_t b) {
    size_t t = tok_at(toks, b);
    return t < toks->n && toks->v[t].start == b;
}

/* A token of two or more characters begins at byte b (its first is at b). */
static int longer_word_begins(const ww__toks *toks, size_t b) {
    size_t t = tok_at(toks, b);
    return t < toks->n && toks->v[t].start == b && toks->v[t].end > b + 3;
}

/* Bytes [s, e) are one token: a word of the dictionary. */
static int one_word(const ww__toks *toks, size_t s, size_t e) {
    size_t t = tok_at(toks, s);
    return t < toks->n && toks->v[t].start == s && toks->v[t].end == e;
}

/* Japanese: the whole run [at[0], at[n]) is the name. */
static size_t run_name(const ww__han_names *hn, const char *text, size_t len,
                       const ww__toks *toks, const size_t *at, size_t n) {
    uint8_t sl[SURNAME_MAX];
    size_t m = surnames_at(hn, text, len, at, n, sl);
    if (n < hn->chars_min || n > hn->chars_max || ends_badly(hn, text, len, at, n))
        return 0;
    for (size_t s = 0; s < m; s++)
        if (n - sl[s] >= hn->given_min && n - sl[s] <= hn->given_max &&
            word_begins(toks, at[sl[s]]) && !one_word(toks, at[0], at[n]))
            return at[n];
    return 0;
}

/* Chinese: a surname of sn's and sn's given_min..given_max characters, up to a
 * particle or a word (hn's).  sn is hn, or for a Japanese name in Chinese text
 * (首相岸田文雄表示) the Japanese names: then the surname must be two or more
 * characters that ICU reads as one word (岸田|文雄, not 中西部 or 大西洋), as one
 * character or a word cut short is too often an ordinary Chinese word. */
static size_t word_name(const ww__han_names *hn, const ww__han_names *sn,
                        const char *text, size_t len, const ww__toks *toks,
                        const size_t *at, size_t n) {
    uint8_t sl[SURNAME_MAX];
    size_t m = surnames_at(sn, text, len, at, n, sl), k;
    for (size_t s = 0; s < m; s++) {
        size_t c = sl[s];
        if (sn != hn && (c < 2 || !one_word(toks, at[0], at[c])))
            continue;
        /* the first given character may be one that also begins a verb (李强, 王在) */
        while (
            c < n && c - sl[s] < sn->given_max &&
            !(c > sl[s] && ww__han_stop(&hn->words, ww__cp_at(text, len, at[c], &k))) &&
            !(c - sl[s] >= sn->given_min &&
              (ww__han_word_starts(&hn->words, text, len, at[c]) ||
               longer_word_begins(toks, at[c]))))
            c++;
        if (c - sl[s] >= sn->given_min && c >= sn->chars_min && c <= sn->chars_max &&
            !one_word(toks, at[0], at[c]) && !ends_badly(hn, text, len, at, c))
            return at[c];
    }
    return 0;
}

/* Two transliteration characters set apart from what follows (a particle, a word ICU
 * begins, or no Han character): 普京|举行, 安娜表示, 耶伦。 */
static size_t short_foreign_from(const ww__han_names *hn, const char *text, size_t len,
                                 const ww__toks *toks, const size_t *at, size_t n) {
    size_t k;
    if (n < 2 || !ww__han_translit(&hn->words, ww__cp_at(text, len, at[0], &k)) ||
        !ww__han_translit(&hn->words, ww__cp_at(text, len, at[1], &k)))
        return 0;
    if (n > 2 && !ww__han_stop(&hn->words, ww__cp_at(text, len, at[2], &k)) &&
        !ww__han_word_starts(&hn->words, text, len, at[2]) &&
        !longer_word_begins(toks, at[2]))
        return 0;
    return at[2];
}

size_t ww__han_names_from(const ww__han_names *hn, const char *text, size_t len,
                          const ww__toks *toks, size_t start, size_t limit) {
    size_t at[HAN_NAME_MAX + 2];
    if (hn->whole_run) {
        /* one character more than a name: a longer run is no name */
        size_t n = chars_from(text, len, start, limit, at, hn->chars_max + 1);
        return at[n] != limit ? 0 : run_name(hn, text, len, toks, at, n);
    }
    if (ww__han_no_name_at(&hn->words, text, len, start))
        return 0;
    size_t end = ww__han_foreign_name_from(&hn->words, text, len, start);
    if (end)
        return end;
    size_t n = chars_from(text, len, start, limit, at, hn->chars_max);
    end = word_name(hn, hn, text, len, toks, at, n);
    if (!end)
        end = short_foreign_from(hn, text, len, toks, at, n);
    if (!end && hn->other && hn->other->whole_run) { /* 日本首相岸田文雄 */
        n = chars_from(text, len, start, limit, at, hn->other->chars_max);
        end = word_name(hn, hn->other, text, len, toks, at, n);
    }
    return end;
}

/* Japanese: the longest name by its surname that begins a word and ends at end
 * (小池百合子知事 in 東京都の小池百合子知事, 森山裕 in 自民党森山裕幹事長). */
static size_t run_name_until(const ww__han_names *hn, const char *text, size_t len,
                             const ww__toks *toks, size_t end) {
    size_t back[HAN_NAME_MAX], n = 0, i = end, k;
    while (i > 0 && n < hn->chars_max) {
        size_t b = ww__cp_before(text, i);
        if (!name_char(ww__cp_at(text, len, b, &k)))
            break;
        back[n++] = i = b;
    }
    for (size_t l = n; l >= hn->chars_min; l--) {
        size_t at[HAN_NAME_MAX + 1];
        if (word_begins(toks, back[l - 1]) &&
            chars_from(text, len, back[l - 1], end, at, l) == l &&
            run_name(hn, text, len, toks, at, l) == end)
            return back[l - 1];
    }
    return SIZE_MAX;
}

/* Chinese: a name ICU's dictionary holds as one word of three characters right before
 * the title (周恩来|总理, 胡锦涛|主席), by its surname.  Not a word with a particle or
 * a character that ends places and bodies (国务院), one ending in 国 (该国, 韩国: a
 * country), nor one whose two last characters are both transliteration characters
 * (卢|旺达, 苏里南: a country's name; a whole transliterated run is taken before).
 * Two-character words are left out: those beginning with a surname character are
 * mostly ministries and places before 部长 (林业, 石油, 江苏). */
static size_t whole_word_until(const ww__han_names *hn, const char *text, size_t len,
                               const ww__toks *toks, size_t end) {
    size_t at[HAN_NAME_MAX + 1], k;
    uint8_t sl[SURNAME_MAX];
    size_t t = end > 0 ? tok_at(toks, end - 1) : toks->n;
    if (t == toks->n || toks->v[t].end != end ||
        chars_from(text, len, toks->v[t].start, end, at, 4) != 3 || at[3] != end ||
        surnames_at(hn, text, len, at, 3, sl) == 0 || sl[0] > 2 ||
        ends_badly(hn, text, len, at, 3) ||
        ww__han_simplified(ww__cp_at(text, len, at[2], &k)) == 0x56FD /* 国 */)
        return SIZE_MAX;
    for (size_t c = 0; c < 3; c++)
        if (ww__han_stop(&hn->words, ww__cp_at(text, len, at[c], &k)))
            return SIZE_MAX;
    if (ww__han_translit(&hn->words, ww__cp_at(text, len, at[1], &k)) &&
        ww__han_translit(&hn->words, ww__cp_at(text, len, at[2], &k)))
        return SIZE_MAX;
    return at[0];
}

size_t ww__han_names_until(const ww__han_names *hn, const char *text, size_t len,
                           const ww__toks *toks, size_t end) {
    if (hn->whole_run)
        return run_name_until(hn, text, len, toks, end);
    size_t start = ww__han_foreign_name_until(&hn->words, text, len, end), k;
    if (start != SIZE_MAX)
        return start;
    /* the characters before the title, nearest first (a particle among them is no
     * surname: 会见了普京总统) */
    size_t back[HAN_NAME_MAX], n = 0, i = end;
    while (i > 0 && n < hn->chars_max) {
        size_t b = ww__cp_before(text, i);
        if (!name_char(ww__cp_at(text, len, b, &k)))
            break;
        back[n++] = i = b;
    }
    /* the longest name that begins a word and ends at the title */
    for (size_t l = n; l >= hn->chars_min && l >= 2; l--) {
        size_t at[HAN_NAME_MAX + 1];
        if (!word_begins(toks, back[l - 1]) ||
            chars_from(text, len, back[l - 1], end, at, l) != l)
            continue;
        if (word_name(hn, hn, text, len, toks, at, l) == end)
            return back[l - 1];
        if (l == 2 && short_foreign_from(hn, text, len, toks, at, 2) == end)
            return back[1];
    }
    return whole_word_until(hn, text, len, toks, end);
}

void ww__han_names_set_other(ww__han_names *hn, const ww__han_names *other) {
    hn->other = other;
}

int ww__han_names_surname_at(const ww__han_names *hn, const char *text, size_t len,
                             size_t at) {
    size_t a[HAN_NAME_MAX + 1];
    uint8_t sl[SURNAME_MAX];
    size_t n = chars_from(text, len, at, len, a, SURNAME_MAX);
    return surnames_at(hn, text, len, a, n, sl) > 0 ||
           (hn->other && surnames_at(hn->other, text, len, a, n, sl) > 0);
}
