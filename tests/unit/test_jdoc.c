/* Unit tests: JSON-lines documents of `wirewatch train` / `predict` (workers/cli/jdoc.c).
 * The scanner in front of jansson must give exactly jansson's pieces for every line
 * it accepts, and leave every other line (and every malformed one) to jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../workers/cli/cmd_model.h"

/* Both paths on line: same success, same pieces, same message. */
static void same(const char *line, size_t len) {
    ww__jdoc a, b;
    char wa[256] = "", wb[256] = "";
    int ra = ww__jdoc_parse(line, len, &a, wa, sizeof wa);
    int rb = ww__jdoc_parse_jansson(line, len, &b, wb, sizeof wb);
    if (ra != rb)
        fail_msg("paths disagree (%d vs %d) on: %.*s", ra, rb, (int)len, line);
    if (ra) {
        assert_string_equal(wa, wb);
        return;
    }
    assert_string_equal(a.id_json, b.id_json);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.text, b.text, a.len + 1);
    assert_int_equal(a.nlabels, b.nlabels);
    for (int i = 0; i < a.nlabels; i++)
        assert_string_equal(a.labels[i], b.labels[i]);
    ww__jdoc_free(&a);
    ww__jdoc_free(&b);
}

static void same_s(const char *line) { same(line, strlen(line)); }

static void test_lines(void **state) {
    (void)state;
    static const char *L[] = {
        "{\"id\": \"a1\", \"title\": \"Hello\", \"text\": \"World\", \"labels\": [\"x\", \"y\"]}",
        "{\"id\":7,\"text\":\"only text\"}",
        "{\"id\":-0,\"title\":\"only title\"}",
        "{\"id\":-12,\"title\":\"\",\"text\":\"t\"}",
        "{\"title\":\"t\",\"text\":\"\"}",
        "{\"title\":null,\"text\":\"x\",\"labels\":null}",
        "{\"text\":\"x\",\"labels\":[]}",
        "{\"text\":\"x\",\"labels\":[\"a\",\"b\",\"a\"]}", /* duplicate label kept once */
        "  {\"text\" : \"x\" , \"url\" : \"http://e/\" , \"n\" : 3, \"ok\": true}  \r\n",
        "{\"text\":\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t end\"}",
        "{\"text\":\"\\u00e9t\\u00C9 \\u4e2d\\u6587 \\ud83d\\ude00 \\u0041\"}",
        "{\"id\":\"\\u00e9\\n\\\"q\\\"/\",\"text\":\"x\"}", /* id re-encoded */
        "{\"text\":\"UTF-8 raw: Straße 日本語 😀\"}",
        "{\"id\":123456789012345678,\"text\":\"x\"}",
        "{\"text\":\"x\",\"labels\":[\"\\u00e9conomie\",\"sport\"]}",
        /* left to jansson, same result either way */
        "{\"id\":1234567890123456789,\"text\":\"x\"}",
        "{\"id\":1.5,\"text\":\"x\"}",
        "{\"id\":null,\"text\":\"x\"}",
        "{\"id\":true,\"text\":\"x\"}",
        "{\"text\":\"x\",\"meta\":{\"a\":[1,2]}}",
        "{\"text\":\"x\",\"n\":1e999}",
        "{\"text\":\"x\",\"n\":99999999999999999999999}",
        "{\"te\\u0078t\":\"x\"}",
        /* malformed: jansson's messages */
        "{\"text\":\"x\",\"text\":\"y\"}",
        "{\"text\":\"x\",\"u\":1,\"u\":2}",
        "{\"text\":\"x\"} trailing",
        "{\"text\":\"x\"",
        "{\"text\":\"x\\u0000y\"}",
        "{\"text\":\"\\ud800\"}",
        "{\"text\":\"\\udc00\"}",
        "{\"text\":\"\\ud800\\u0041\"}",
        "{\"text\":\"\\x\"}",
        "{\"text\":\"\\u12G4\"}",
        "{\"text\":\"tab\there\"}",
        "{\"text\":\"bad \xff utf8\"}",
        "{\"text\":\"overlong \xc0\xaf\"}",
        "{\"text\":\"surrogate \xed\xa0\x80\"}",
        "{\"text\":\"cut \xe6\x97\"}",
        "{\"text\":5}",
        "{\"title\":[\"a\"]}",
        "{\"labels\":[\"a\"]}",
        "{}",
        "[1,2]",
        "\"text\"",
        "",
        "{\"text\":\"x\",\"labels\":\"sport\"}",
        "{\"text\":\"x\",\"labels\":[\"\"]}",
        "{\"text\":\"x\",\"labels\":[1]}",
        "{\"text\":\"x\",\"labels\":[\"a\",]}",
        "{\"text\":\"x\",}",
        "{,\"text\":\"x\"}",
        "{\"text\" \"x\"}",
        "{\"id\":01,\"text\":\"x\"}",
        "{\"id\":-,\"text\":\"x\"}",
        "{\"text\":\"x\",\"b\":tru}",
        "\xef\xbb\xbf{\"text\":\"bom\"}",
    };
    for (size_t i = 0; i < sizeof L / sizeof *L; i++) {
        same_s(L[i]);
        /* the first 15 are the scanner's, the rest jansson's */
        ww__jdoc d;
        int rc = ww__jdoc_scan(L[i], strlen(L[i]), &d);
        if ((rc == 0) != (i < 15))
            fail_msg("scanner %s line %zu: %s", rc ? "refused" : "took", i, L[i]);
        if (!rc)
            ww__jdoc_free(&d);
    }
    same("{\"text\":\"nul\0inside\"}", 21); /* a raw NUL byte */
}

/* Random lines: pieces of valid and invalid JSON put together, so that both paths
 * meet many shapes; every line must come out the same. */
static void test_random(void **state) {
    (void)state;
    static const char *K[] = {"\"id\"",     "\"title\"", "\"text\"",
                              "\"labels\"", "\"url\"",   "\"x\""};
    static const char *V[] = {"\"plain\"",
                              "\"\"",
                              "\"\\u00fc\\u00e4\"",
                              "\"\\ud834\\udd1e\"",
                              "\"a\\\"b\"",
                              "\"日本 Straße\"",
                              "42",
                              "-7",
                              "0.5",
                              "null",
                              "true",
                              "[\"s\",\"t\"]",
                              "[]",
                              "{\"k\":1}",
                              "\"\\q\"",
                              "\"\xc3\"",
                              "[\"\"]",
                              "\"\\u0000\"",
                              "1e5",
                              "[1]"};
    uint64_t r = 12345;
    char line[512];
    for (int n = 0; n < 20000; n++) {
        size_t len = 0;
        int fields = (int)(r % 5);
        len += (size_t)snprintf(line + len, sizeof line - len, "{");
        for (int f = 0; f < fields; f++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const char *k = K[(r >> 33) % 6], *v = V[(r >> 45) % 20];
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%s:%s",
                                    f ? "," : "", k, v);
        }
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        len += (size_t)snprintf(line + len, sizeof line - len, "%s",
                                (r >> 60) ? "}" : "} x");
        same(line, len);
    }
}

/* Every escape and UTF-8 case the scanner decodes itself (taken) or leaves to jansson
 * (refused), at every offset from a 16-byte block boundary, in each field and with
 * the text before the title: both paths give the same, and the scanner takes
 * exactly the lines it should. */
static void test_escapes(void **state) {
    (void)state;
    static const char *TAKEN[] = {
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u0001",
        "\\u001f",
        "\\u0041",
        "\\u007f",
        "\\u0080",
        "\\u07ff",
        "\\u0800",
        "\\uffff",
        "\\uFFFD",
        "\\uAbCd",
        "\\u00fc\\u00e4\\u00f6\\u00df\\u00DC",
        "\\ud800\\udc00",
        "\\udbff\\udfff",
        "\\ud83d\\ude00",
        "\\uD834\\uDD1E",
        "\x7f",
        "Stra\xc3\x9f\x65", /* \x65 'e': a plain e would extend the \x9f escape */
        "\xe6\x97\xa5",
        "\xf0\x9f\x98\x80",
        "a\\u00fcb\\nc",
    };
    static const char *REFUSED[] = {
        "\\u0000",
        "a\\u0000b",
        "\\ud800",
        "\\ud800x",
        "\\ud800\\n",
        "\\ud800\\ud800",
        "\\ud800\\u0041",
        "\\udc00",
        "\\udfff",
        "\\udc00\\ud800",
        "\\ud800\\uDC0G",
        "\\ud800\\u",
        "\\u12G4",
        "\\u00g0",
        "\\u 123",
        "\\u12",
        "\\u",
        "\\x",
        "\\U00fc",
        "\\'",
        "\\\xc3\xbc",
        "\x01",
        "\x1f",
        "\t",
        "\xc3",
        "\xc0\xaf",
        "\xed\xa0\x80",
        "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80",
        "\x80",
    };
    /* a line: [0] pad body pad [1] pad body [2] */
    static const char *SHAPE[][3] = {
        {"{\"id\":\"i\",\"title\":\"", "\",\"text\":\"", "\"}"},
        {"{\"text\":\"", "\",\"title\":\"", "\",\"labels\":[\"l\"]}"},
        {"{\"id\":\"", "\",\"text\":\"", "\"}"},
        {"{\"text\":\"t", "\",\"labels\":[\"", "\",\"x\"]}"},
    };
    const char *pad = "0123456789abcdef0123456789abcdef0123";
    char line[512];
    for (int taken = 0; taken < 2; taken++) {
        const char **B = taken ? TAKEN : REFUSED;
        size_t nb =
            taken ? sizeof TAKEN / sizeof *TAKEN : sizeof REFUSED / sizeof *REFUSED;
        for (size_t b = 0; b < nb; b++)
            for (int k = 0; k <= 33; k++)
                for (size_t s = 0; s < sizeof SHAPE / sizeof *SHAPE; s++) {
                    const char *const *S = SHAPE[s];
                    int n = snprintf(line, sizeof line, "%s%s%s%s%s%s%s%s", S[0],
                                     pad + 36 - k, B[b], pad + 20, S[1], pad + 36 - k,
                                     B[b], S[2]);
                    same(line, (size_t)n);
                    ww__jdoc d;
                    int rc = ww__jdoc_scan(line, (size_t)n, &d);
                    if ((rc == 0) != taken)
                        fail_msg("scanner %s: %s", rc ? "refused" : "took", line);
                    if (!rc)
                        ww__jdoc_free(&d);
                }
    }
}

/* The decoded bytes themselves, not only agreement with jansson. */
static void test_decoded(void **state) {
    (void)state;
    static const char *L =
        "{\"text\":\"\\u00fc \\u20ac \\ud83d\\ude00 \\udbff\\udfff \\/\\b\\f\\n\\r\\t\\\"\\\\\","
        "\"title\":\"T\\u00C4\"}";
    static const char want[] = "T\xc3\x84\n\xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80 "
                               "\xf4\x8f\xbf\xbf /\b\f\n\r\t\"\\";
    ww__jdoc d;
    assert_int_equal(ww__jdoc_scan(L, strlen(L), &d), 0);
    assert_int_equal(d.len, sizeof want - 1);
    assert_memory_equal(d.text, want, sizeof want);
    ww__jdoc_free(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
