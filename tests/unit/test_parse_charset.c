/* Charset detection and transcoding: header hints, BOMs, <meta>, uchardet, and bytes
 * that are not what they claim (always valid UTF-8 out, U+FFFD for bad bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/parse.h"

/* Encode UTF-8 text in `cs` with iconv, so the test builds its own byte strings. */
static size_t encode(const char *utf8, const char *cs, char *out, size_t cap) {
    iconv_t cd = iconv_open(cs, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *in = (char *)utf8, *o = out;
    size_t inl = strlen(utf8), ol = cap;
    assert_true(iconv(cd, &in, &inl, &o, &ol) != (size_t)-1);
    iconv_close(cd);
    return cap - ol;
}

static int valid_utf8(const char *s, size_t n) {
    iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
    char buf[8192], *in = (char *)s, *o = buf;
    size_t inl = n, ol = sizeof buf;
    size_t r = iconv(cd, &in, &inl, &o, &ol);
    iconv_close(cd);
    return r != (size_t)-1;
}

static void test_windows1252(void **st) {
    (void)st;
    const uint8_t b[] = "Caf\xe9 \x93quoted\x94 \x96 dash";
    char cs[32];
    assert_int_equal(
        ww_charset_detect(b, sizeof b - 1, "ISO-8859-1", NULL, cs, sizeof cs),
        WW_CS_HINT);
    assert_string_equal(cs, "WINDOWS-1252"); /* latin1 means windows-1252 on the web */
    size_t n, bad;
    char *u = ww_to_utf8(b, sizeof b - 1, cs, &n, &bad);
    assert_non_null(u);
    assert_string_equal(u, "Café “quoted” – dash");
    assert_int_equal(bad, 0);
    free(u);
}

static void test_meta_and_content_type(void **st) {
    (void)st;
    const char *html = "<html><head><meta http-equiv=\"Content-Type\" "
                       "content=\"text/html; charset=windows-1252\"></head>\xe9";
    char cs[32];
    assert_int_equal(
        ww_charset_detect((const uint8_t *)html, strlen(html), NULL, NULL, cs, sizeof cs),
        WW_CS_META);
    assert_string_equal(cs, "WINDOWS-1252");
    const char *h5 = "<meta charset='Shift_JIS'>";
    assert_int_equal(
        ww_charset_detect((const uint8_t *)h5, strlen(h5), NULL, NULL, cs, sizeof cs),
        WW_CS_META);
    assert_string_equal(cs, "CP932");
    /* the HTTP header wins over <meta> */
    assert_int_equal(ww_charset_detect((const uint8_t *)h5, strlen(h5), NULL,
                                       "text/html; charset=\"utf-8\"", cs, sizeof cs),
                     WW_CS_HINT);
    assert_string_equal(cs, "UTF-8");
}

static void test_gbk(void **st) {
    (void)st;
    const char *text =
        "中华人民共和国国务院新闻办公室今天举行新闻发布会，介绍经济运行情况。"
        "国家统计局发言人表示，今年以来国民经济持续恢复，主要指标好于预期。";
    char gbk[1024];
    size_t n = encode(text, "GBK", gbk, sizeof gbk);
    char cs[32];
    /* with the header */
    assert_int_equal(ww_charset_detect((uint8_t *)gbk, n, "gb2312", NULL, cs, sizeof cs),
                     WW_CS_HINT);
    size_t on, bad;
    char *u = ww_to_utf8((uint8_t *)gbk, n, cs, &on, &bad);
    assert_string_equal(u, text);
    free(u);
    /* without any hint: uchardet */
    assert_int_equal(ww_charset_detect((uint8_t *)gbk, n, NULL, NULL, cs, sizeof cs),
                     WW_CS_DETECT);
    u = ww_to_utf8((uint8_t *)gbk, n, cs, &on, &bad);
    assert_string_equal(u, text);
    assert_int_equal(bad, 0);
    free(u);
}

static void test_shift_jis(void **st) {
    (void)st;
    const char *text =
        "東京都は今日、新しい感染症対策を発表しました。専門家によると、"
        "この対策は来月から実施される予定です。詳しい内容は後日公開されます。";
    char sj[1024];
    size_t n = encode(text, "SHIFT_JIS", sj, sizeof sj);
    char cs[32];
    assert_int_equal(ww_charset_detect((uint8_t *)sj, n, NULL, NULL, cs, sizeof cs),
                     WW_CS_DETECT);
    size_t on, bad;
    char *u = ww_to_utf8((uint8_t *)sj, n, cs, &on, &bad);
    assert_string_equal(u, text);
    free(u);
    /* CP932 label decodes the same bytes */
    u = ww_to_utf8((uint8_t *)sj, n, "CP932", &on, &bad);
    assert_string_equal(u, text);
    free(u);
}

static void test_broken_utf8(void **st) {
    (void)st;
    const uint8_t b[] =
        "ok \xff\xfe bad \xc3\x28 overlong \xc0\xaf surrogate \xed\xa0\x80 cut \xe2\x82";
    char cs[32];
    ww_charset_detect(b, sizeof b - 1, "utf-8", NULL, cs, sizeof cs);
    size_t n, bad;
    char *u = ww_to_utf8(b, sizeof b - 1, cs, &n, &bad);
    assert_non_null(u);
    assert_true(valid_utf8(u, n));
    assert_non_null(strstr(u, "ok \xEF\xBF\xBD\xEF\xBF\xBD bad \xEF\xBF\xBD( overlong"));
    assert_true(bad >= 8);
    free(u);
    /* bad bytes in a legacy charset go through iconv's error path */
    const uint8_t sj[] = "\x82\xa0\xff\x82\xa2"; /* あ, invalid, い */
    u = ww_to_utf8(sj, sizeof sj - 1, "CP932", &n, &bad);
    assert_true(valid_utf8(u, n));
    assert_string_equal(u, "あ\xEF\xBF\xBDい");
    free(u);
}

static void test_boms(void **st) {
    (void)st;
    const uint8_t b8[] = "\xEF\xBB\xBFhello";
    char cs[32];
    size_t n, bad;
    assert_int_equal(ww_charset_detect(b8, 8, "windows-1252", NULL, cs, sizeof cs),
                     WW_CS_BOM);
    char *u = ww_to_utf8(b8, 8, cs, &n, &bad);
    assert_string_equal(u, "hello");
    free(u);
    const uint8_t b16[] = {0xFF, 0xFE, 'h', 0, 'i', 0};
    assert_int_equal(ww_charset_detect(b16, 6, NULL, NULL, cs, sizeof cs), WW_CS_BOM);
    u = ww_to_utf8(b16, 6, cs, &n, &bad);
    assert_string_equal(u, "hi");
    free(u);
    /* unknown label: decodes as UTF-8 rather than failing */
    u = ww_to_utf8((const uint8_t *)"plain", 5, "x-no-such-charset", &n, &bad);
    assert_string_equal(u, "plain");
    free(u);
    assert_int_not_equal(ww_charset_normalize("x-no-such-charset", cs, sizeof cs), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows1252), cmocka_unit_test(test_meta_and_content_type),
        cmocka_unit_test(test_gbk),         cmocka_unit_test(test_shift_jis),
        cmocka_unit_test(test_broken_utf8), cmocka_unit_test(test_boms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
