/* The language packs' person titles written in Han or kana (部长, 秘书长, 首相, 官房長官),
 * found by their characters rather than by ICU's words.
 *
 * ICU's dictionary segmentation sometimes joins a title's last character to the name's
 * first (秘书长安东尼奥·古特雷斯 is segmented 秘书|长安|东尼|奥…): a title looked up
 * by words is then never seen.  Here every Han or kana character of the text is looked
 * up in a bit set of the titles' first characters (one test: most characters stop
 * there), then in buckets of the titles that begin with it; the longest title at the
 * leftmost place wins (国家安全部部长, not its 部长), and the scan goes on after it.
 *
 * ICU's words still say how sure the title is.  A title whose ends are word boundaries
 * (部长|陈|一新, 发言|人|毛|宁) takes any name persons_han.c finds next to it; a title
 * inside one longer word is none (大使馆 "embassy", 总统府 "presidential office"); a
 * title ICU joined to a neighbour (秘书|长安, 中国|王…) takes only a name that cannot
 * be read as ordinary words: a transliterated foreign name of three or more characters
 * or with a middle dot, or a katakana name. */
#include <stdlib.h>
#include <string.h>

#include "han_names.h"
#include "han_titles.h"
#include "persons_han.h"
#include "persons_kana.h"
#include "wirewatch/error.h"

#define TITLE_MAX 15 /* characters of one title */

typedef struct title {
    int32_t cp[TITLE_MAX]; /* folded to Simplified */
    uint8_t n, lang;
    uint8_t sides; /* bit 0: written before the name, bit 1: after it */
    int32_t next;  /* the next title in the same first-character bucket, or -1 */
} title;

#define CP_LO 0x3000 /* kana and Han: the characters a title is written in */
#define CP_HI 0x9FFF

struct ww__han_titles {
    title *v;
    size_t n, cap;
    int32_t head[256]; /* by the first character's low byte; -1: none */
    /* The characters as written (Traditional too) whose Simplified form begins a title:
     * most characters of a text are told by one bit test, without folding. */
    uint64_t first[(CP_HI - CP_LO + 64) / 64];
    ww__han_names *names[256]; /* by language: surnames and the shape of a name */
    /* Languages with a title: a document of any other (Spanish, English...) has none
     * to find, and its every token's first byte was a test (1.7% of classifying
     * Spanish stories with the default options). */
    uint8_t has[256];
};

ww__han_titles *ww__han_titles_new(void) {
    ww__han_titles *ht = calloc(1, sizeof *ht);
    if (ht)
        memset(ht->head, 0xff, sizeof ht->head);
    return ht;
}

void ww__han_titles_free(ww__han_titles *ht) {
    if (!ht)
        return;
    for (size_t i = 0; i < 256; i++)
        ww__han_names_free(ht->names[i]);
    free(ht->v);
    free(ht);
}

int ww__han_titles_set_names(ww__han_titles *ht, int lang, ww__han_names *hn) {
    if (lang < 1 || lang > 255 || ht->names[lang]) {
        ww__han_names_free(hn);
        return WW_EINVAL;
    }
    ht->names[lang] = hn;
    return 0;
}

static int han_or_kana(int32_t cp) {
    return ww__is_han(cp) || (cp >= 0x3040 && cp <= 0x30FF);
}

int ww__han_title_written(const char *title) {
    size_t k;
    return han_or_kana(ww__cp_at(title, strlen(title), 0, &k));
}

int ww__han_titles_add(ww__han_titles *ht, const char *s, int lang, int after) {
    title t = {.lang = (uint8_t)lang, .sides = (uint8_t)(after ? 2 : 1)};
    size_t len = strlen(s), k;
    for (size_t i = 0; i < len; i += k) {
        int32_t cp = ww__han_simplified(ww__cp_at(s, len, i, &k));
        if (cp < CP_LO || cp > CP_HI || t.n == TITLE_MAX)
            return WW_EINVAL; /* title_at reads three bytes a character */
        t.cp[t.n++] = cp;
    }
    if (t.n == 0 || lang < 1 || lang > 255)
        return WW_EINVAL;
    for (size_t i = 0; i < ht->n; i++) /* the same title on both sides: one entry */
        if (ht->v[i].lang == t.lang && ht->v[i].n == t.n &&
            memcmp(ht->v[i].cp, t.cp, t.n * sizeof t.cp[0]) == 0) {
            ht->v[i].sides |= t.sides;
            return 0;
        }
    if (ht->n == ht->cap) {
        size_t cap = ht->cap ? ht->cap * 2 : 64;
        title *v = realloc(ht->v, cap * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        ht->v = v;
        ht->cap = cap;
    }
    t.next = ht->head[t.cp[0] & 255];
    ht->head[t.cp[0] & 255] = (int32_t)ht->n;
    ht->v[ht->n++] = t;
    ht->has[t.lang] = 1;
    return 0;
}

void ww__han_titles_index(ww__han_titles *ht) {
    /* each language's names borrow those of the first language of the other shape
     * (Chinese and Japanese): names of one written in the other's text */
    for (size_t a = 0; a < 256; a++)
        for (size_t b = 0; ht->names[a] && b < 256; b++)
            if (ht->names[b] && ww__han_names_whole_run(ht->names[b]) !=
                                    ww__han_names_whole_run(ht->names[a])) {
                ww__han_names_set_other(ht->names[a], ht->names[b]);
                break;
            }
    memset(ht->first, 0, sizeof ht->first);
    for (int32_t c = CP_LO; c <= CP_HI; c++) {
        int32_t f = ww__han_simplified(c);
        for (int32_t x = ht->head[f & 255]; x >= 0; x = ht->v[x].next)
            if (ht->v[x].cp[0] == f) {
                ht->first[(c - CP_LO) / 64] |= 1ull << ((c - CP_LO) % 64);
                break;
            }
    }
}

/* The code point of the kana or Han character at byte p (3 bytes in UTF-8), or -1:
 * decoded here, as this runs for every character of every Han run. */
static int32_t cp3(const char *text, size_t len, size_t p) {
    const unsigned char *u = (const unsigned char *)text + p;
    if (p + 3 > len || u[0] < 0xE3 || u[0] > 0xE9)
        return -1;
    return (u[0] & 0x0F) << 12 | (u[1] & 0x3F) << 6 | (u[2] & 0x3F);
}

/* 1 when title t is written at byte p of text (its end in *end); a character is
 * folded only when it differs from the title's as written. */
static int title_at(const title *t, const char *text, size_t len, size_t p, size_t *end) {
    for (size_t c = 1; c < t->n; c++) {
        int32_t cp = cp3(text, len, p + 3 * c);
        if (cp != t->cp[c] && (cp < 0 || ww__han_simplified(cp) != t->cp[c]))
            return 0;
    }
    *end = p + 3 * t->n;
    return 1;
}

/* Where a name after a title at byte e ends at the latest: the end of the run of Han
 * characters there, or the start of a title inside it (首相岸田文雄氏).  At most
 * NAME_RUN characters are looked at. */
#define NAME_RUN 8
static int longest_at(const ww__han_titles *ht, int doclang, const char *text, size_t len,
                      size_t p, int32_t cp, size_t *end, int *lang);

static size_t name_limit(const ww__han_titles *ht, int doclang, const char *text,
                         size_t len, size_t e) {
    size_t p = e, te;
    int lang;
    for (int n = 0; n < NAME_RUN; n++, p += 3) {
        int32_t cp = cp3(text, len, p);
        if (cp < 0x3400 && cp != 0x3005) /* not Han (kana, punctuation, other) */
            return p;
        if (n > 0 && (ht->first[(cp - CP_LO) / 64] >> ((cp - CP_LO) % 64) & 1) &&
            longest_at(ht, doclang, text, len, p, ww__han_simplified(cp), &te, &lang))
            return p;
    }
    return p;
}

/* The name next to the title at bytes [s, e) of text, token i holding s; sides as in
 * title.sides; hn: the name data of the title's language, or NULL.  See the top of
 * the file for what ICU's boundaries decide. */
static int title_persons(const ww__han_titles *ht, int doclang, const char *text,
                         size_t len, const ww__toks *toks, size_t i, size_t s, size_t e,
                         int sides, const ww__han_names *hn, ww__person_span_cb *cb,
                         void *arg) {
    size_t k = i;
    while (k + 1 < toks->n && toks->v[k].end < e)
        k++;
    int start_ok = s == toks->v[i].start, end_ok = toks->v[k].end == e, rc = 0;
    int run = ww__han_names_whole_run(hn);
    const ww__han_words *w = ww__han_names_words_of(hn);
    if (k == i && !end_ok)
        return 0; /* inside a longer word */
    /* a name after the title: the title ends a word and begins one, or is the end of
     * one (前总统 "former president"), not 中国|王… for 国王 "king"; in a language
     * whose names fill a run (Japanese), a kanji name by its surname only */
    if (sides & 1) {
        int sure = end_ok && (start_ok || k == i);
        size_t end = run ? 0 : ww__kana_name_from(w, text, len, e);
        if (!end && sure && hn)
            end = ww__han_names_from(hn, text, len, toks, e,
                                     name_limit(ht, doclang, text, len, e));
        else if (!end && !run)
            end = sure ? ww__han_name_from(w, text, len, e)
                       : ww__han_foreign_name_from(w, text, len, e);
        if (end)
            rc = cb(arg, (uint32_t)e, (uint32_t)end);
    }
    if (!rc && (sides & 2) && s > 0) {
        size_t start = ww__kana_name_until(text, s);
        /* a name before it: the title begins a word; Japanese names by their surname
         * first (東京都の小池百合子知事), else as a run of two to four characters
         * (岸田首相: a surname alone).  A full Japanese name by its surname is taken
         * before a title ICU joined to it too (安倍|晋|三元|首相 for 元首相). */
        if (start == SIZE_MAX && hn && (start_ok || run))
            start = ww__han_names_until(hn, text, len, toks, s);
        else if (start == SIZE_MAX && !start_ok)
            start = ww__han_foreign_name_until(w, text, len, s);
        if (start == SIZE_MAX && start_ok && (!hn || run)) {
            start = ww__han_name_until(w, text, len, s);
            /* Japanese: that run begins with a surname (岸田首相, 李強首相: the other
             * language's too), else it names an office (経済産業大臣, 外務大臣) */
            if (start != SIZE_MAX && run &&
                !ww__han_names_surname_at(hn, text, len, start))
                start = SIZE_MAX;
        }
        if (start != SIZE_MAX)
            rc = cb(arg, (uint32_t)start, (uint32_t)s);
    }
    return rc;
}

/* The longest title of doclang at byte p (its end in *end, its sides returned), or 0.
 * Without a document language, titles of every language: their sides add up. */
static int longest_at(const ww__han_titles *ht, int doclang, const char *text, size_t len,
                      size_t p, int32_t cp, size_t *end, int *lang) {
    size_t best = 0, e;
    int sides = 0;
    for (int32_t x = ht->head[cp & 255]; x >= 0; x = ht->v[x].next) {
        const title *t = &ht->v[x];
        if (t->cp[0] != cp || t->n < best || (doclang >= 0 && t->lang != doclang) ||
            !title_at(t, text, len, p, &e))
            continue;
        sides = t->n > best ? t->sides : sides | t->sides;
        if (t->n > best)
            *lang = t->lang;
        best = t->n;
        *end = e;
    }
    return sides;
}

int ww__han_titles_persons(const ww__han_titles *ht, int doclang, const char *text,
                           const ww__toks *toks, ww__person_span_cb *cb, void *arg) {
    if (!ht || ht->n == 0 || (doclang >= 0 && doclang < 256 && !ht->has[doclang]))
        return 0; /* (longest_at would find no title of doclang) */
    size_t len = 0, next = 0, k;
    const unsigned char *u = (const unsigned char *)text;
    for (size_t i = 0; i < toks->n; i++) {
        const ww__tok *t = &toks->v[i];
        if ((unsigned)u[t->start] - 0xE3u > 6u) /* U+3000..U+9FFF: kana and Han */
            continue;
        /* every character of every Han run comes here: decoded inline (a token holds
         * whole characters of valid UTF-8), one bit test for most */
        for (size_t p = t->start > next ? t->start : next; p < t->end; p += k) {
            if ((unsigned)u[p] - 0xE3u > 6u) {
                k = u[p] < 0xE0 ? (u[p] < 0xC0 ? 1 : 2) : (u[p] < 0xF0 ? 3 : 4);
                continue;
            }
            k = 3;
            unsigned c =
                ((u[p] & 0x0Fu) << 12 | (u[p + 1] & 0x3Fu) << 6 | (u[p + 2] & 0x3Fu)) -
                CP_LO;
            if (!(ht->first[c / 64] >> (c % 64) & 1))
                continue;
            if (!len)
                len = strlen(text);
            int32_t cp = (int32_t)c + CP_LO;
            size_t e = p;
            int lang = 0;
            int sides =
                longest_at(ht, doclang, text, len, p, ww__han_simplified(cp), &e, &lang);
            if (!sides)
                continue;
            int rc = title_persons(ht, doclang, text, len, toks, i, p, e, sides,
                                   ht->names[lang], cb, arg);
            if (rc)
                return rc;
            next = e; /* a title inside this one is not one of its own */
            if (e >= t->end)
                break; /* on from the token that holds e */
            p = e;
            k = 0;
        }
    }
    return 0;
}
