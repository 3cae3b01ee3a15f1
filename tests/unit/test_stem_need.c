/* The filter of words that can need a stem (stem_need.h) against libstemmer itself: a
 * word whose German stem is a kept key, or holds a kept head where the matcher looks
 * for one, is always let through (the filter may only err towards stemming). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libstemmer.h>

#include "../../workers/classify/stem_need.h"

/* Word shapes German Snowball treats specially: umlauts, ß, ae/oe/ue, u and y
 * between vowels, qu, and every chain of the suffixes its three steps delete. */
static const char *const head[] = {"k",    "ver",  "bäu", "straß", "qu",  "bay",
                                   "mauy", "isra", "ö",   "über",  "grü", "a"};
static const char *const mid[] = {"",   "ae",   "ue", "oe", "u",   "ß",   "nis", "syst",
                                  "ig", "lich", "e",  "er", "end", "ung", "st",  "heit"};
static const char *const tail[] = {
    "",       "e",      "en",    "es",     "s",        "em",     "ern",       "er",
    "nisse",  "nissen", "ungen", "igung",  "igend",    "isch",   "ik",        "lich",
    "lichen", "heiten", "keit",  "keiten", "lichkeit", "igkeit", "est",       "st",
    "erlich", "enheit", "ln",    "lns",    "tes",      "ten",    "lichkeiten"};

#define NH (sizeof head / sizeof head[0])
#define NM (sizeof mid / sizeof mid[0])
#define NT (sizeof tail / sizeof tail[0])

static size_t word(size_t i, char *buf) {
    size_t n = (size_t)snprintf(buf, 64, "%s%s%s%s", head[i % NH], mid[i / NH % NM],
                                mid[i / NH / NM % NM], tail[i / NH / NM / NM % NT]);
    return n;
}

static void test_only_german(void **state) {
    (void)state;
    struct sb_stemmer *de = sb_stemmer_new("german", "UTF_8"),
                      *en = sb_stemmer_new("english", "UTF_8");
    ww__stem_need *f = ww__stem_need_new(de, 5);
    assert_non_null(f);
    assert_null(ww__stem_need_new(en, 5));
    assert_null(ww__stem_need_new(NULL, 5));
    ww__stem_need_free(f);
    ww__stem_need_free(NULL);
    sb_stemmer_delete(de);
    sb_stemmer_delete(en);
}

/* Keep the stems of every third word; each of those words must be let through, and
 * most others (in this list of look-alikes, many) need not be. */
static void test_keys_let_through(void **state) {
    (void)state;
    struct sb_stemmer *st = sb_stemmer_new("german", "UTF_8");
    ww__stem_need *f = ww__stem_need_new(st, 5);
    size_t total = NH * NM * NM * NT, skipped = 0;
    char w[64];
    for (size_t i = 0; i < total; i += 3) {
        size_t n = word(i, w);
        const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)w, (int)n);
        ww__stem_need_add_word(f, (const char *)r, (size_t)sb_stemmer_length(st));
    }
    for (size_t i = 0; i < total; i++) {
        size_t n = word(i, w);
        int need = ww__stem_needed(f, w, n);
        if (i % 3 == 0 && !need)
            fail_msg("%s: its stem is a key, yet not needed", w);
        skipped += !need;
    }
    assert_true(skipped > 0);
    ww__stem_need_free(f);
    sb_stemmer_delete(st);
}

/* Keep, as a head, the end of some words' stems from their 5th code point on (where
 * the matcher looks for heads): each such word must be let through. */
static void test_heads_let_through(void **state) {
    (void)state;
    struct sb_stemmer *st = sb_stemmer_new("german", "UTF_8");
    ww__stem_need *f = ww__stem_need_new(st, 5);
    ww__stem_need_add_word(f, "zzzzz", 5); /* no word is a key */
    size_t total = NH * NM * NM * NT, checked = 0;
    char w[64], s[64];
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < total; i += 7) {
            size_t n = word(i, w);
            const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)w, (int)n);
            size_t sl = (size_t)sb_stemmer_length(st), cp = 0, at = 0;
            memcpy(s, r, sl);
            for (size_t k = 0; k < sl && cp <= 5; k++)
                if (((unsigned char)s[k] & 0xC0) != 0x80 && cp++ == 5)
                    at = k;
            size_t ncp = 0;
            for (size_t k = 0; k < sl; k++)
                ncp += ((unsigned char)s[k] & 0xC0) != 0x80;
            if (sl < 10 || ncp < 10)
                continue;
            if (pass == 0) {
                ww__stem_need_add_head(f, s + at, sl - at);
                continue;
            }
            checked++;
            if (!ww__stem_needed(f, w, n))
                fail_msg("%s: its stem holds a head, yet not needed", w);
        }
    assert_true(checked > 100);
    ww__stem_need_free(f);
    sb_stemmer_delete(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_german),
        cmocka_unit_test(test_keys_let_through),
        cmocka_unit_test(test_heads_let_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
