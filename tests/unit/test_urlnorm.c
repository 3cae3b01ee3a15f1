/* URL normalisation and origin keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "wirewatch/error.h"
#include "wirewatch/urlnorm.h"

static const char *const drop[] = {"utm_*", "fbclid", "gclid"};

static void norm(const char *in, const char *want) {
    char err[128] = "", *out = NULL;
    int rc = ww_url_normalize(in, drop, 3, &out, err, sizeof err);
    if (rc)
        fail_msg("%s: rc %d (%s)", in, rc, err);
    if (strcmp(out, want) != 0)
        fail_msg("%s -> %s, want %s", in, out, want);
    /* the one-parse variant agrees, and its handle (what libcurl fetches) says the same */
    char *out2 = NULL, *hu = NULL, *o = NULL, *pq = NULL;
    ww_url_parts parts;
    assert_int_equal(ww_url_normalize_parts(in, drop, 3, &out2, &parts, err, sizeof err),
                     0);
    assert_string_equal(out2, want);
    assert_int_equal(ww_url_origin(want, &o, &pq), 0);
    assert_string_equal(parts.origin, o);
    assert_string_equal(parts.path_query, pq);
    assert_int_equal(
        curl_url_get(parts.handle, CURLUPART_URL, &hu, CURLU_NO_DEFAULT_PORT), 0);
    assert_string_equal(hu, want);
    curl_free(hu);
    free(o);
    free(pq);
    free(out2);
    ww_url_parts_free(&parts);
    free(out);
}

static void test_normalize(void **state) {
    (void)state;
    norm("HTTP://Example.COM/a", "http://example.com/a");
    norm("http://example.com", "http://example.com/");
    norm("http://example.com:80/x", "http://example.com/x");
    norm("https://example.com:443/x", "https://example.com/x");
    norm("https://example.com:8443/x", "https://example.com:8443/x");
    norm("http://example.com/a/./b/../c", "http://example.com/a/c");
    norm("http://example.com/a#frag", "http://example.com/a");
    norm("http://example.com./a", "http://example.com/a");
    norm("http://example.com/%7e%2f", "http://example.com/%7E%2F");
    norm("http://example.com/?utm_source=x&id=5&UTM_Medium=y&fbclid=1",
         "http://example.com/?id=5");
    norm("http://example.com/?utm_source=x&gclid=2", "http://example.com/");
    norm("http://example.com/?a=1&b=2&utm=3", "http://example.com/?a=1&b=2&utm=3");
    norm("http://example.com/p?q&&r=", "http://example.com/p?q&r=");
    norm("http://example.com/x?", "http://example.com/x");
    norm("http://example.com/x?#f", "http://example.com/x");
    norm("http://Example.com./x?utm_source=1#top", "http://example.com/x");
}

static void test_reject(void **state) {
    (void)state;
    const char *bad[] = {"ftp://example.com/",
                         "file:///etc/passwd",
                         "not a url",
                         "javascript:alert(1)",
                         "",
                         "http://"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "", *out = (char *)1;
        assert_int_equal(ww_url_normalize(bad[i], drop, 3, &out, err, sizeof err),
                         WW_EINVAL);
        assert_null(out);
        assert_true(err[0] != '\0');
    }
}

static void test_origin(void **state) {
    (void)state;
    char *o, *pq;
    assert_int_equal(ww_url_origin("http://Example.com/a/b?c=1#f", &o, &pq), 0);
    assert_string_equal(o, "http://example.com:80");
    assert_string_equal(pq, "/a/b?c=1");
    free(o);
    free(pq);
    assert_int_equal(ww_url_origin("https://127.0.0.2:8443", &o, &pq), 0);
    assert_string_equal(o, "https://127.0.0.2:8443");
    assert_string_equal(pq, "/");
    free(o);
    free(pq);
    assert_int_equal(ww_url_origin("ftp://x/", &o, &pq), WW_EINVAL);
    assert_null(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_reject),
        cmocka_unit_test(test_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
