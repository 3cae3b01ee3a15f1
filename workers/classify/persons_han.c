/* Chinese person names next to a title (persons.c finds the titles' other scripts).
 *
 * A Chinese name is a surname and one or two characters (陈一新, 王毅): two or three
 * characters up to a particle or verb that follows names (表示, 在, 说).  A foreign name
 * is written in a small set of characters chosen for their sound (Xinhua's
 * transliteration tables: 古特雷斯 Guterres, 内塔尼亚胡 Netanyahu, 泽连斯基 Zelensky),
 * its parts joined by a middle dot (安东尼奥·古特雷斯), and is as long as it needs to
 * be: a run of three or more such characters is taken whole.  Two-character runs (拜登,
 * 普京) are left to the Chinese rule: many Chinese names begin with two of them (林达光).
 * Traditional characters are looked up by their Simplified form (馬克宏, 澤倫斯基).
 * The characters and words are the language pack's (person_names, ww__han_words). */
#include <string.h>

#include "codepoint.h"
#include "persons_han.h"
#include "tokenize.h"
#include "wirewatch/error.h"

#include <utf8proc.h>

#define TRANSLIT_MAX 16 /* characters of one transliterated name, dots included */

int32_t ww__cp_at(const char *text, size_t len, size_t i, size_t *k) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n =
        utf8proc_iterate((const uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
    *k = n > 0 ? (size_t)n : 1;
    return n > 0 ? cp : -1;
}

int ww__is_han(int32_t cp) {
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* 1 when Han character cp (folded) is in bit set bits. */
static int in_chars(const uint64_t *bits, int32_t cp) {
    return cp >= WW__HAN_WORDS_LO && cp <= WW__HAN_WORDS_HI &&
           (bits[(cp - WW__HAN_WORDS_LO) >> 6] >> ((cp - WW__HAN_WORDS_LO) & 63) & 1);
}

int ww__han_words_add_chars(ww__han_words *w, int kind, const char *chars) {
    size_t len = strlen(chars), k;
    if (len == 0 || (kind != WW__HAN_TRANSLIT && kind != WW__HAN_STOP))
        return WW_EINVAL;
    for (size_t i = 0; i < len; i += k) {
        int32_t cp = ww__han_simplified(ww__cp_at(chars, len, i, &k));
        if (cp < WW__HAN_WORDS_LO || cp > WW__HAN_WORDS_HI)
            return WW_EINVAL;
        w->chars[kind][(cp - WW__HAN_WORDS_LO) >> 6] |= 1ull
                                                        << ((cp - WW__HAN_WORDS_LO) & 63);
    }
    return 0;
}

/* The slot of word key (first << 21 | second) in w's open-addressed table: where it
 * is, or the empty slot where it goes. */
static size_t word_slot(const ww__han_words *w, uint64_t key) {
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 55) & (WW__HAN_WORDS_SLOTS - 1);
    while (w->word[i] && w->word[i] != key)
        i = (i + 1) & (WW__HAN_WORDS_SLOTS - 1);
    return i;
}

int ww__han_words_add_word(ww__han_words *w, int kind, const char *word) {
    size_t len = strlen(word), k, n = 0;
    int32_t cp[2];
    for (size_t i = 0; i < len; i += k) {
        int32_t c = ww__han_simplified(ww__cp_at(word, len, i, &k));
        if (n == 2 || c < WW__HAN_WORDS_LO || c > WW__HAN_WORDS_HI)
            return WW_EINVAL;
        cp[n++] = c;
    }
    if (n != 2 || (kind != WW__HAN_AFTER_NAME && kind != WW__HAN_AFTER_TITLE &&
                   kind != WW__HAN_BEFORE_NAME))
        return WW_EINVAL;
    uint64_t key = (uint64_t)cp[0] << 21 | (uint64_t)cp[1];
    size_t i = word_slot(w, key);
    if (!w->word[i]) {
        if (w->nwords == WW__HAN_WORDS_SLOTS / 2)
            return WW_EINVAL;
        w->word[i] = key;
        w->nwords++;
    }
    w->word_kinds[i] |= (uint8_t)kind;
    return 0;
}

int ww__han_words_add_kana_not_name(ww__han_words *w, const char *word) {
    size_t len = strlen(word), k;
    if (len == 0 || len > WW__HAN_KANA_BYTES || w->nkana_not_names == WW__HAN_KANA_WORDS)
        return WW_EINVAL;
    for (size_t i = 0; i < len; i += k) {
        int32_t cp = ww__cp_at(word, len, i, &k);
        if (cp < 0x30A0 || cp > 0x30FF)
            return WW_EINVAL;
    }
    memcpy(w->kana_not_names[w->nkana_not_names++], word, len + 1);
    return 0;
}

/* 1 when a, b (as written) are a word of one of kinds (the text's characters are
 * looked up by their Simplified form, as the words were added). */
static int is_word(const ww__han_words *w, int kinds, int32_t a, int32_t b) {
    if (!w->nwords || a < 0 || b < 0)
        return 0;
    a = ww__han_simplified(a);
    b = ww__han_simplified(b);
    size_t i = word_slot(w, (uint64_t)a << 21 | (uint64_t)b);
    return w->word[i] && (w->word_kinds[i] & kinds);
}

int ww__han_translit(const ww__han_words *w, int32_t cp) {
    return in_chars(w->chars[WW__HAN_TRANSLIT], ww__han_simplified(cp));
}

/* The middle dots that join the parts of a foreign name. */
static int name_dot(int32_t cp) {
    return cp == 0x00B7 || cp == 0x2022 || cp == 0x2027 || cp == 0x30FB || cp == 0xFF65;
}

/* Characters that do not end a Chinese name: particles and verbs that follow one
 * ("陈一新表示", "王毅在"), and the nouns that make a title a place or a body
 * (大使馆 "embassy", 总统府 "presidential office", 主席团 "presidium", 部长级
 * "ministerial"); a name stops before them and never starts with one. */
int ww__han_stop(const ww__han_words *w, int32_t cp) {
    return in_chars(w->chars[WW__HAN_STOP], ww__han_simplified(cp));
}

int ww__han_word_starts(const ww__han_words *w, const char *text, size_t len, size_t i) {
    size_t k, k2;
    int32_t a = ww__cp_at(text, len, i, &k);
    int32_t b = i + k < len ? ww__cp_at(text, len, i + k, &k2) : -1;
    return is_word(w, WW__HAN_AFTER_NAME | WW__HAN_AFTER_TITLE, a, b);
}

/* The end of a foreign name starting at start, or 0: three or more transliteration
 * characters, or parts joined by middle dots (a part before a dot may hold other
 * characters too, 本雅明·内塔尼亚胡: the dot says it is a name) whose last part begins
 * with one. */
static size_t translit_from(const ww__han_words *w, const char *text, size_t len,
                            size_t start) {
    size_t i = start, end = start, k, k2;
    int n = 0, total = 0, run = 1, ok = 0, dots = 0;
    while (i < len && total < TRANSLIT_MAX) {
        int32_t cp = ww__cp_at(text, len, i, &k);
        if (ww__is_han(cp) && !ww__han_stop(w, cp)) {
            if (run && ww__han_translit(w, cp) &&
                !(n >= 2 && ww__han_word_starts(w, text, len, i))) {
                end = i + k; /* the name so far: its part up to here is transliterated */
                ok++;
            } else
                run = 0;
            i += k;
            n++;
            total++;
        } else if (name_dot(cp) && n > 0 && i + k < len &&
                   ww__is_han(ww__cp_at(text, len, i + k, &k2))) {
            i += k;
            total++;
            dots++;
            run = 1;
            ok = 0;
        } else
            break;
    }
    return (dots ? ok >= 1 : ok >= 3) ? end : 0;
}

int ww__han_no_name_at(const ww__han_words *w, const char *text, size_t len,
                       size_t start) {
    size_t k, k2;
    int32_t cp = ww__cp_at(text, len, start, &k);
    if (!ww__is_han(cp) || ww__han_stop(w, cp))
        return 1;
    return start + k < len &&
           is_word(w, WW__HAN_AFTER_TITLE, cp, ww__cp_at(text, len, start + k, &k2));
}

size_t ww__han_foreign_name_from(const ww__han_words *w, const char *text, size_t len,
                                 size_t start) {
    return ww__han_no_name_at(w, text, len, start) ? 0
                                                   : translit_from(w, text, len, start);
}

size_t ww__han_name_from(const ww__han_words *w, const char *text, size_t len,
                         size_t start) {
    size_t k;
    int32_t cp;
    if (ww__han_no_name_at(w, text, len, start))
        return 0;
    size_t end = translit_from(w, text, len, start);
    if (end)
        return end;
    /* a Chinese name: two or three characters */
    size_t i = start, n = 0;
    end = start;
    while (n < 3 && i < len && ww__is_han(cp = ww__cp_at(text, len, i, &k))) {
        if (n == 2 && (ww__han_stop(w, cp) || ww__han_word_starts(w, text, len, i)))
            break;
        i += k;
        end = i;
        n++;
    }
    return n >= 2 ? end : 0;
}

/* The start of a run of three or more transliteration characters ending at end, or
 * SIZE_MAX. */
static size_t translit_until(const ww__han_words *w, const char *text, size_t len,
                             size_t end) {
    size_t i = end, start = SIZE_MAX, k;
    int n = 0, total = 0;
    while (i > 0 && total < TRANSLIT_MAX) {
        size_t b = ww__cp_before(text, i);
        int32_t cp = ww__cp_at(text, len, b, &k);
        if (ww__han_translit(w, cp) && !ww__han_stop(w, cp)) {
            if (b > 0 && n > 0) { /* 感谢古特雷斯: the 谢 is 感谢's */
                size_t a = ww__cp_before(text, b);
                if (is_word(w, WW__HAN_BEFORE_NAME, ww__cp_at(text, len, a, &k), cp))
                    break;
            }
            start = i = b;
            n++;
            total++;
        } else if (name_dot(cp) && n > 0 && b > 0 &&
                   ww__han_translit(w,
                                    ww__cp_at(text, len, ww__cp_before(text, b), &k))) {
            i = b;
            total++;
        } else
            break;
    }
    return n >= 3 ? start : SIZE_MAX;
}

size_t ww__han_foreign_name_until(const ww__han_words *w, const char *text, size_t len,
                                  size_t end) {
    return translit_until(w, text, len, end);
}

size_t ww__han_name_until(const ww__han_words *w, const char *text, size_t len,
                          size_t end) {
    size_t k, start = translit_until(w, text, len, end);
    if (start != SIZE_MAX)
        return start;
    /* walk back over the Han characters right before the title (at most 5) */
    size_t starts[6], n = 0, i = end;
    while (i > 0 && n < 5) {
        size_t b = ww__cp_before(text, i);
        if (!ww__is_han(ww__cp_at(text, len, b, &k)))
            break;
        starts[n++] = b;
        i = b;
    }
    if (n < 2)
        return SIZE_MAX;
    /* a run of two to four is the name (岸田首相, 岸田文雄首相); a longer run is part of
     * a sentence: its last three characters are the likeliest name (陈一新部长) */
    size_t take = n <= 4 ? n : 3;
    /* the first character is no particle; in a sentence, none is (讨论了总统) — a whole
     * run may hold one (植田和男総裁) */
    for (size_t c = n <= 4 ? take - 1 : 0; c < take; c++)
        if (ww__han_stop(w, ww__cp_at(text, len, starts[c], &k)))
            return SIZE_MAX;
    return starts[take - 1];
}
