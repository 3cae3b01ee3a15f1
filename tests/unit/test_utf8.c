/* wirewatch/utf8.h, the one UTF-8 test of every stage, against three readings of the
 * RFC it replaces or must agree with: jansson's (the JSON writer promises jansson's
 * bytes), utf8proc's (the classify stage's test before) and glibc iconv's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <jansson.h>
#include <string.h>
#include <utf8proc.h>

#include "wirewatch/utf8.h"

static int by_jansson(const uint8_t *s, size_t n) {
    json_t *j = json_stringn((const char *)s, n);
    json_decref(j);
    return j != NULL;
}

static int by_utf8proc(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

static int by_iconv(const uint8_t *s, size_t n) {
    iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char out[4 * 64 + 16], *in = (char *)s, *o = out;
    size_t inl = n, ol = sizeof out;
    size_t r = iconv(cd, &in, &inl, &o, &ol);
    iconv_close(cd);
    return r != (size_t)-1 && inl == 0;
}

static void agree(const uint8_t *s, size_t n) {
    int v = ww_utf8_valid(s, n);
    if (v != by_jansson(s, n) || v != by_utf8proc(s, n) || v != by_iconv(s, n)) {
        char hex[3 * 64 + 1] = "";
        for (size_t i = 0; i < n && i < 64; i++)
            snprintf(hex + 3 * i, 4, "%02x ", s[i]);
        fail_msg("ww_utf8_valid=%d jansson=%d utf8proc=%d iconv=%d on %s", v,
                 by_jansson(s, n), by_utf8proc(s, n), by_iconv(s, n), hex);
    }
    /* the prefix is valid, and one more sequence from where it stops is not */
    size_t p = ww_utf8_valid_prefix(s, n);
    assert_true(p <= n && ww_utf8_valid(s, p));
    if (p < n)
        assert_int_equal(ww_utf8_seq(s + p, n - p), 0);
}

static void test_edges(void **state) {
    (void)state;
    static const char *const cases[] = {
        "",
        "plain ascii",
        "caf\xc3\xa9",
        "\xe4\xb8\xad\xe5\x9b\xbd",
        "\xf0\x9f\x98\x80",
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xc0\x80",
        "\xc1\xbf", /* overlong two-byte forms */
        "\xe0\x80\x80",
        "\xe0\x9f\xbf", /* overlong three-byte */
        "\xf0\x80\x80\x80",
        "\xf0\x8f\xbf\xbf", /* overlong four-byte */
        "\xed\x9f\xbf",     /* U+D7FF */
        "\xed\xa0\x80",
        "\xed\xbf\xbf", /* surrogates */
        "\xee\x80\x80", /* U+E000 */
        "\xf5\x80\x80\x80",
        "\xff",
        "\x80",
        "\xbf",
        "\xc3",
        "\xe4\xb8",
        "\xf0\x9f\x98", /* cut short */
        "\xc3\x28",
        "\xe4\x28\xad",
        "abcdefg\xc3",
        "abcdefgh\xc3\xa9",
        "abcdefghijklmnop\x80",
        "1234567\xe4\xb8\xad-1234567", /* a sequence across an 8-byte boundary */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        agree((const uint8_t *)cases[i], strlen(cases[i]));
    uint8_t nul[3] = {'a', 0,
                      'b'}; /* NUL is U+0000: valid, and jansson's json_stringn agrees */
    agree(nul, sizeof nul);
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Strings mostly of plausible pieces (ASCII, lead bytes, continuation bytes) so that
 * valid and invalid ones are both common. */
static void test_random(void **state) {
    (void)state;
    static const uint8_t pieces[] = {'a',  ' ',  0x7f, 0xc2, 0xc3, 0xdf, 0xe0, 0xe4,
                                     0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x80, 0x8f, 0x90,
                                     0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xff};
    size_t valid = 0;
    for (int t = 0; t < 200000; t++) {
        uint8_t s[24];
        size_t n = rnd() % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = rnd() % 4 ? pieces[rnd() % sizeof pieces] : (uint8_t)rnd();
        agree(s, n);
        valid += ww_utf8_valid(s, n);
    }
    assert_true(valid > 1000); /* the valid side was reached too */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
