/* Tokeniser + matcher: word boundaries, case rules, Unicode normalisation, spans into
 * the original bytes, multi-word phrases, cost independent of unrelated phrases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libstemmer.h>
#include <utf8proc.h>

#include "../../workers/classify/codepoint.h"
#include "../../workers/classify/matcher.h"
#include "../../workers/classify/stem_cache.h"
#include "../../workers/classify/tokenize.h"

typedef struct {
    uint32_t item[32], start[32], end[32];
    int n;
} found;

static const char *g_text;
static const ww__toks *g_toks;

static void cb(void *opaque, const ww__posting *p, size_t first, size_t n) {
    found *f = opaque;
    if (f->n < 32) {
        f->item[f->n] = p->item;
        f->start[f->n] = g_toks->v[first].start;
        f->end[f->n] = g_toks->v[first + n - 1].end;
        f->n++;
    }
}

static found scan(ww__matcher *m, const char *text) {
    found f = {0};
    ww__toks t = {0};
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    g_text = text;
    g_toks = &t;
    ww__matcher_scan(m, text, &t, cb, &f);
    ww__toks_free(&t);
    return f;
}

static void add(ww__matcher *m, const char *phrase, uint32_t item, int cs) {
    ww__posting p = {
        .kind = WW__P_TERM, .case_sensitive = (uint8_t)cs, .item = item, .weight = 1};
    assert_int_equal(ww__matcher_add(m, phrase, strlen(phrase), &p), 0);
}

static void test_tokens(void **state) {
    (void)state;
    ww__toks t = {0};
    const char *s = "China\xe2\x80\x99s U.S.-based anti-spy 05:29 caf\xc3\xa9";
    assert_int_equal(ww__tokenize(s, strlen(s), 1, &t), 0);
    const char *want[] = {"china", "s",   "u",  "s",  "based",
                          "anti",  "spy", "05", "29", "caf\xc3\xa9"};
    assert_int_equal(t.n, 10);
    for (size_t i = 0; i < t.n; i++)
        assert_string_equal(ww__tok_norm(&t, i), want[i]);
    /* spans are byte offsets into the original */
    assert_int_equal(t.v[0].start, 0);
    assert_int_equal(t.v[0].end, 5);
    assert_int_equal(t.v[1].start, 8); /* after the 3-byte apostrophe */
    ww__toks_free(&t);
}

static void test_word_boundaries(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    add(m, "us", 1, 0);
    add(m, "spy", 2, 0);
    found f = scan(m, "thus the spyware, unused; a spy told us");
    assert_int_equal(f.n, 2); /* "spy" and "us" as words only */
    assert_int_equal(f.item[0], 2);
    assert_int_equal(f.start[0], 28);
    assert_int_equal(f.item[1], 1);
    assert_int_equal(f.start[1], 37);
    ww__matcher_free(m);
}

static void test_case_sensitive(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    add(m, "US", 1, 1); /* the country: case matters */
    add(m, "U.S.", 1, 1);
    add(m, "spies", 2, 0); /* an ordinary term: case does not */
    found f = scan(m, "Give us the US view; SPIES and Spies in the U.S. but not u.s.");
    int us = 0, spies = 0;
    for (int i = 0; i < f.n; i++) {
        us += f.item[i] == 1;
        spies += f.item[i] == 2;
    }
    assert_int_equal(us, 2); /* "US" and "U.S.", not "us" nor "u.s." */
    assert_int_equal(spies, 2);
    ww__matcher_free(m);
}

static void test_unicode(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    add(m, "espionage", 1, 0);
    add(m, "caf\xc3\xa9 society", 2, 0); /* NFC é */
    add(m, "strasse", 3, 0);
    /* fullwidth letters (NFKC), decomposed e + combining acute (NFC), sharp s (fold) */
    const char *s =
        "\xef\xbd\x85\xef\xbd\x93\xef\xbd\x90\xef\xbd\x89\xef\xbd\x8f\xef\xbd\x8e"
        "\xef\xbd\x81\xef\xbd\x87\xef\xbd\x85 at the CAFE\xcc\x81 Society on "
        "Stra\xc3\x9f"
        "e";
    found f = scan(m, s);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.item[0], 1);
    assert_int_equal(f.start[0], 0);
    assert_int_equal(f.end[0], 27); /* nine 3-byte fullwidth letters */
    assert_int_equal(f.item[1], 2);
    assert_int_equal(f.item[2], 3);
    ww__matcher_free(m);
}

/* The tokenizer normalises tokens of 2-byte code points and of kana and CJK symbols
 * one code point at a time from tables: every normal form must be utf8proc_map's of
 * the whole token (NFKC, case-folded or not).  Every code point below U+0800 and from
 * U+3000 to U+33FF alone (but the Arabic letters the tokenizer folds after NFKC, and
 * Han, which it folds to Simplified), then random tokens
 * mixing ASCII, those code points and combining marks (which take utf8proc_map). */
static void expect_map(const char *s, size_t n, int casefold) {
    ww__toks t = {0};
    assert_int_equal(ww__tokenize(s, n, casefold, &t), 0);
    for (size_t i = 0; i < t.n; i++) {
        utf8proc_uint8_t *m = NULL;
        utf8proc_ssize_t r = utf8proc_map(
            (const utf8proc_uint8_t *)s + t.v[i].start, t.v[i].end - t.v[i].start, &m,
            UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                (casefold ? UTF8PROC_CASEFOLD : 0));
        assert_true(r >= 0);
        if ((size_t)r != t.v[i].norm_len ||
            memcmp(m, ww__tok_norm(&t, i), (size_t)r) != 0)
            fail_msg("token %.*s (casefold %d): %.*s, utf8proc_map says %.*s",
                     (int)(t.v[i].end - t.v[i].start), s + t.v[i].start, casefold,
                     (int)t.v[i].norm_len, ww__tok_norm(&t, i), (int)r, m);
        free(m);
    }
    ww__toks_free(&t);
}

static void test_normal_forms(void **state) {
    (void)state;
    char buf[64];
    for (int cf = 0; cf < 2; cf++)
        for (utf8proc_int32_t cp = 0x80; cp < 0x3400; cp++) {
            if ((cp >= 0x622 && cp <= 0x670) || (cp >= 0x800 && cp < 0x3000))
                continue; /* Arabic spelling folded after NFKC; no table */
            size_t n = (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)buf + 1);
            buf[0] = 'x'; /* after a letter, so a mark has something to sit on */
            expect_map(buf, n + 1, cf);
            expect_map(buf + 1, n, cf);
        }
    uint64_t r = 99;
    for (int k = 0; k < 20000; k++) {
        size_t n = 0;
        int len = 1 + (int)((r >> 40) % 8);
        for (int j = 0; j < len; j++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            unsigned x = (unsigned)(r >> 33);
            utf8proc_int32_t cp = x % 4 == 0   ? (utf8proc_int32_t)('A' + x / 4 % 58)
                                  : x % 4 == 1 ? (utf8proc_int32_t)(0x300 + x / 4 % 0x70)
                                               : (utf8proc_int32_t)(0xC0 + x / 4 % 0x4D0);
            n += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)buf + n);
        }
        expect_map(buf, n, (int)(r >> 63));
    }
}

/* codepoint.h decodes 1- to 3-byte sequences itself: every such byte sequence (and
 * the same cut short) must give what utf8proc_iterate gives, and the word bits what
 * the Unicode category says, for every code point. */
static void test_codepoints(void **state) {
    (void)state;
    uint8_t s[3];
    for (uint32_t v = 0; v < 1u << 24; v++) {
        s[0] = (uint8_t)(v >> 16);
        s[1] = (uint8_t)(v >> 8);
        s[2] = (uint8_t)v;
        for (size_t n = 1; n <= 3; n++) {
            int32_t a = -7;
            utf8proc_int32_t b = -7;
            long ka = ww__cp_next(s, n, &a);
            utf8proc_ssize_t kb = utf8proc_iterate(s, (utf8proc_ssize_t)n, &b);
            if ((ka > 0) != (kb > 0) || (kb > 0 && (ka != kb || a != b)))
                fail_msg("%02x %02x %02x (n %zu): %ld U+%04X, utf8proc %ld U+%04X", s[0],
                         s[1], s[2], n, ka, (unsigned)a, (long)kb, (unsigned)b);
            if (kb > 0) {
                uint8_t d[4];
                assert_int_equal(ww__cp_put(a, d), (size_t)kb);
                assert_memory_equal(d, s, (size_t)kb);
            }
        }
    }
    ww__cp_init();
    for (int32_t cp = 0; cp < 0x110000; cp++) {
        utf8proc_category_t c = utf8proc_category(cp);
        int w = cp < 0x80 ? (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                                (cp >= '0' && cp <= '9')
                          : (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO);
        if (ww__cp_word(cp) != w)
            fail_msg("U+%04X: word %d, category %d", (unsigned)cp, ww__cp_word(cp), c);
    }
}

/* The stem cache returns exactly what was put under the same key (word, teh marbuta
 * flag, stemmer), keeps two words that share a set, and replaces the least recent. */
static void test_stem_cache(void **state) {
    (void)state;
    ww__stem_cache *c = ww__stem_cache_new();
    assert_non_null(c);
    int st1, st2; /* stand-ins for two stemmers: only the addresses count */
    size_t sl;
    uint64_t sh;
    assert_null(ww__stem_cache_get(c, &st1, 5, 0, "haus", 4, &sl, &sh));
    ww__stem_cache_put(c, &st1, 5, 0, "hauses", 6, "haus", 4, 77);
    const char *r = ww__stem_cache_get(c, &st1, 5, 0, "hauses", 6, &sl, &sh);
    assert_non_null(r);
    assert_int_equal(sl, 4);
    assert_int_equal(sh, 77);
    assert_memory_equal(r, "haus", 4);
    assert_null(ww__stem_cache_get(c, &st2, 5, 0, "hauses", 6, &sl, &sh));
    assert_null(ww__stem_cache_get(c, &st1, 5, 1, "hauses", 6, &sl, &sh));
    assert_null(ww__stem_cache_get(c, &st1, 5, 0, "hausen", 6, &sl, &sh));
    /* the same set (hash 5 + sets * k): two fit, a third replaces the least recent */
    const uint64_t sets = WW__STEM_CACHE_SETS;
    ww__stem_cache_put(c, &st1, 5 + sets, 0, "baum", 4, "baum", 4, 1);
    assert_non_null(ww__stem_cache_get(c, &st1, 5, 0, "hauses", 6, &sl, &sh));
    ww__stem_cache_put(c, &st1, 5 + 2 * sets, 0, "wald", 4, "wald", 4, 2);
    assert_non_null(ww__stem_cache_get(c, &st1, 5, 0, "hauses", 6, &sl, &sh));
    assert_null(ww__stem_cache_get(c, &st1, 5 + sets, 0, "baum", 4, &sl, &sh));
    assert_non_null(ww__stem_cache_get(c, &st1, 5 + 2 * sets, 0, "wald", 4, &sl, &sh));
    /* an empty stem is kept apart: it replaces neither of the set's two words */
    ww__stem_cache_put(c, &st1, 5 + 3 * sets, 0, "und", 3, "", 0, 4);
    assert_non_null(r = ww__stem_cache_get(c, &st1, 5 + 3 * sets, 0, "und", 3, &sl, &sh));
    assert_int_equal(sl, 0);
    assert_int_equal(sh, 4);
    assert_non_null(ww__stem_cache_get(c, &st1, 5, 0, "hauses", 6, &sl, &sh));
    assert_non_null(ww__stem_cache_get(c, &st1, 5 + 2 * sets, 0, "wald", 4, &sl, &sh));
    assert_null(ww__stem_cache_get(c, &st2, 5 + 3 * sets, 0, "und", 3, &sl, &sh));
    /* longer than WW__STEM_CACHE_MAX: not kept */
    char longw[WW__STEM_CACHE_MAX + 1];
    memset(longw, 'a', sizeof longw);
    ww__stem_cache_put(c, &st1, 9, 0, longw, sizeof longw, "a", 1, 3);
    assert_null(ww__stem_cache_get(c, &st1, 9, 0, longw, sizeof longw, &sl, &sh));
    ww__stem_cache_free(c);
    ww__stem_cache_free(NULL);
}

/* ww__same_bytes says what memcmp says, for every length up to 40 and a difference at
 * every position (the 8-byte loop, its overlapping last word, the 4-byte pair and the
 * byte loop). */
static void test_same_bytes(void **state) {
    (void)state;
    char a[48], b[48];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = b[i] = (char)('a' + i % 26);
    for (size_t n = 0; n <= 40; n++) {
        assert_int_equal(ww__same_bytes(a, b, n), 1);
        for (size_t at = 0; at < n; at++) {
            b[at] ^= 0x20;
            assert_int_equal(ww__same_bytes(a, b, n), 0);
            b[at] ^= 0x20;
        }
        b[n] ^= 0x20; /* a byte after the n compared does not count */
        assert_int_equal(ww__same_bytes(a, b, n), 1);
        b[n] ^= 0x20;
    }
}

/* Every token's hash is ww__hash_bytes of its normal form, whichever path of the
 * tokenizer made it (ASCII words hashed as they are copied, words of 2-byte code
 * points, the general path, stems), for words of every length around the 8 bytes
 * where the hash changes method; words one byte apart hash apart. */
static void test_token_hashes(void **state) {
    (void)state;
    static const char *const words[] = {
        "a",
        "of",
        "the",
        "news",
        "Berlin",
        "quarterly",
        "parliamentary",
        "internationalisation",
        "\xd0\xbc\xd0\xb8\xd1\x80", /* мир */
        "\xd0\x9f\xd1\x80\xd0\xb0\xd0\xb2\xd0\xb8\xd1\x82\xd0\xb5\xd0\xbb"
        "\xd1\x8c\xd1\x81\xd1\x82\xd0\xb2\xd0\xbe", /* Правительство */
        "\xd8\xa7\xd9\x84\xd8\xad\xd9\x83\xd9\x88\xd9\x85\xd8\xa9", /* الحكومة */
        "Stra\xc3\x9f"
        "enbahn",
        "caf\xc3\xa9",
        "e\xcc\x81t\xc3\xa9",
        "na\xc3\xafve"};
    static const char *const seps[] = {" ", ", ", "\xc2\xbb ", "\xe2\x80\x99s ",
                                       "\xe2\x80\x94"};
    char text[4096];
    size_t n = 0;
    for (size_t k = 0; k < 5 * sizeof words / sizeof words[0]; k++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
                              words[k % (sizeof words / sizeof words[0])],
                              seps[k % (sizeof seps / sizeof seps[0])]);
    }
    for (int cf = 0; cf < 2; cf++) {
        ww__toks t = {0};
        assert_int_equal(ww__tokenize(text, n, cf, &t), 0);
        assert_true(t.n >= 5 * sizeof words / sizeof words[0]);
        for (size_t i = 0; i < t.n; i++)
            assert_true(t.v[i].hash ==
                        ww__hash_bytes(ww__tok_norm(&t, i), t.v[i].norm_len));
        ww__toks_free(&t);
    }
    char a[40], b[40];
    for (size_t len = 1; len <= sizeof a; len++)
        for (size_t at = 0; at < len; at++) {
            memset(a, 0xd0, len); /* non-ASCII: the 8-byte paths from 4 bytes on */
            memcpy(b, a, len);
            b[at] ^= 1;
            assert_true(ww__hash_bytes(a, len) != ww__hash_bytes(b, len));
            memset(a, 'x', len);
            memcpy(b, a, len);
            b[at] ^= 1;
            assert_true(ww__hash_bytes(a, len) != ww__hash_bytes(b, len));
        }
}

static void test_phrases(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    add(m, "national security", 1, 0);
    add(m, "national", 2, 0);
    add(m, "Ministry of State Security", 3, 0);
    add(m, "state", 4, 0);
    const char *s = "A national\n\nsecurity threat, said the ministry of state-security.";
    found f = scan(m, s);
    /* national, national security, state, ministry of state security */
    assert_int_equal(f.n, 4);
    int seen[5] = {0};
    for (int i = 0; i < f.n; i++)
        seen[f.item[i]]++;
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
    assert_int_equal(seen[3], 1);
    assert_int_equal(seen[4], 1);
    for (int i = 0; i < f.n; i++)
        if (f.item[i] == 3) {
            assert_int_equal(f.start[i], (uint32_t)(strstr(s, "ministry") - s));
            assert_int_equal(f.end[i], (uint32_t)strlen(s) - 1);
        }
    /* a phrase prefix alone is no match */
    f = scan(m, "the ministry of state");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.item[0], 4);
    ww__matcher_free(m);
}

static void test_rejects(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    ww__posting p = {0};
    assert_int_equal(ww__matcher_add(m, "  --  ", 6, &p), -2 /* WW_EINVAL */);
    const char *nine = "a b c d e f g h i";
    assert_int_equal(ww__matcher_add(m, nine, strlen(nine), &p), -2);
    /* invalid UTF-8 in text is a separator, not a crash */
    add(m, "ab", 1, 0);
    found f = scan(m, "ab\xff\xfe"
                      "ab\xc3");
    assert_int_equal(f.n, 2);
    ww__matcher_free(m);
}

/* Many unrelated phrases do not change what is found nor need a rescan. */
static void test_many_phrases(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(buf, sizeof buf, "word%d other%d", i, i % 97);
        add(m, buf, 100 + (uint32_t)i, 0);
    }
    add(m, "needle", 1, 0);
    assert_int_equal(ww__matcher_phrases(m), 20001);
    found f = scan(m, "a needle and word5 other5 and word5 other6");
    assert_int_equal(f.n, 2);
    assert_int_equal(f.item[0], 1);
    assert_int_equal(f.item[1], 105);
    ww__matcher_free(m);
}

/* A case-sensitive phrase with a non-ASCII letter: the text as the phrase's own NFKC
 * form is equal without being mapped (matcher_case.c), decomposed text is mapped and
 * equal too, another case is not. */
static void test_case_sensitive_nfkc(void **state) {
    (void)state;
    ww__matcher *m = ww__matcher_new();
    add(m, "M\xc3\xbcller", 1, 1); /* NFC u-umlaut */
    found f = scan(m, "M\xc3\xbcller, Mu\xcc\x88ller, M\xc3\x9cLLER and m\xc3\xbcller");
    assert_int_equal(f.n, 2);
    assert_int_equal(f.start[0], 0);
    assert_int_equal(f.start[1], 9); /* after "M\xc3\xbcller, " */
    ww__matcher_free(m);
}

/* ww__stem_part gives what Snowball gives, with no cache, on a miss and on a hit; an
 * Arabic word is not taken from the cache (its entries there are of the word made
 * ready for the stemmer). */
static void test_stem_part(void **state) {
    (void)state;
    struct sb_stemmer *st = sb_stemmer_new("german", "UTF_8");
    assert_non_null(st);
    ww__stem_cache *c = ww__stem_cache_new();
    assert_non_null(c);
    const char *w = "regierungs";
    size_t n = strlen(w), l0, l1, l2;
    char want[64];
    const char *r = (const char *)sb_stemmer_stem(st, (const sb_symbol *)w, (int)n);
    assert_non_null(r);
    l0 = (size_t)sb_stemmer_length(st);
    memcpy(want, r, l0);
    assert_non_null(r = ww__stem_part(st, NULL, w, n, &l1));
    assert_int_equal(l1, l0);
    assert_memory_equal(r, want, l0);
    assert_non_null(r = ww__stem_part(st, c, w, n, &l1)); /* miss: stemmed, kept */
    assert_int_equal(l1, l0);
    assert_memory_equal(r, want, l0);
    size_t sl;
    uint64_t sh;
    assert_non_null(ww__stem_cache_get(c, st, ww__hash_bytes(w, n), 0, w, n, &sl, &sh));
    assert_non_null(r = ww__stem_part(st, c, w, n, &l2)); /* hit */
    assert_int_equal(l2, l0);
    assert_memory_equal(r, want, l0);
    const char *ar = "\xd9\x88\xd8\xb2\xd9\x8a\xd8\xb1"; /* Arabic letters */
    size_t an = strlen(ar);
    ww__stem_cache_put(c, st, ww__hash_bytes(ar, an), 0, ar, an, "x", 1, 1);
    assert_non_null(r = ww__stem_part(st, c, ar, an, &l2));
    assert_false(l2 == 1 && r[0] == 'x');
    /* an empty stem kept for a word the stem pass ruled out (stem_need.h) is a miss
     * here: a compound's modifier needs its real stem */
    const char *m = "regierung";
    size_t mn = strlen(m);
    ww__stem_cache_put(c, st, ww__hash_bytes(m, mn), 0, m, mn, "", 0, 1);
    assert_non_null(r = ww__stem_part(st, c, m, mn, &l2));
    assert_int_equal(l2, 6);
    assert_memory_equal(r, "regier", 6);
    ww__stem_cache_free(c);
    sb_stemmer_delete(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_word_boundaries),
        cmocka_unit_test(test_case_sensitive),
        cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_many_phrases),
        cmocka_unit_test(test_normal_forms),
        cmocka_unit_test(test_codepoints),
        cmocka_unit_test(test_stem_cache),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_token_hashes),
        cmocka_unit_test(test_case_sensitive_nfkc),
        cmocka_unit_test(test_stem_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
