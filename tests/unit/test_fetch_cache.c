/* The fetch stage's bounded memories: seen-set (TTL, FIFO eviction) and the
 * conditional-GET validators (LRU). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../workers/fetch/fetch_internal.h"

static void test_seen_ttl(void **state) {
    (void)state;
    ww__seen *s = ww__seen_new(100, 1000000);
    assert_non_null(s);
    assert_int_equal(ww__seen_check_add(s, "http://a/1", 0), 0);
    assert_int_equal(ww__seen_check_add(s, "http://a/1", 10), 1);
    assert_int_equal(ww__seen_check_add(s, "http://a/2", 500000), 0);
    assert_int_equal(ww__seen_check_add(s, "http://a/1", 999999), 1);
    /* a/1 expires at 1 s; a/2 at 1.5 s. */
    assert_int_equal(ww__seen_check_add(s, "http://a/1", 1000000), 0);
    assert_int_equal(ww__seen_check_add(s, "http://a/2", 1400000), 1);
    assert_int_equal(ww__seen_check_add(s, "http://a/2", 1500000), 0);
    ww__seen_free(s);
    ww__seen_free(NULL);
}

static void test_seen_bounded(void **state) {
    (void)state;
    char url[64];
    ww__seen *s = ww__seen_new(1000, 3600 * 1000000ll);
    for (int i = 0; i < 5000; i++) {
        snprintf(url, sizeof url, "http://h/%d", i);
        assert_int_equal(ww__seen_check_add(s, url, i), 0);
        assert_true(ww__seen_size(s) <= 1000);
    }
    /* The newest 1000 are remembered, older ones were evicted first. */
    for (int i = 4000; i < 5000; i++) {
        snprintf(url, sizeof url, "http://h/%d", i);
        assert_int_equal(ww__seen_check_add(s, url, 6000), 1);
    }
    snprintf(url, sizeof url, "http://h/%d", 10);
    assert_int_equal(ww__seen_check_add(s, url, 6000), 0);
    ww__seen_free(s);
}

static void test_validators_lru(void **state) {
    (void)state;
    const char *e, *l;
    ww__validators *c = ww__validators_new(3);
    assert_non_null(c);
    assert_int_equal(ww__validators_get(c, "u1", &e, &l), 0);
    ww__validators_put(c, "u1", "\"e1\"", NULL);
    ww__validators_put(c, "u2", NULL, "Mon, 01 Jan 2024 00:00:00 GMT");
    ww__validators_put(c, "u3", "\"e3\"", "x");
    assert_int_equal(ww__validators_get(c, "u1", &e, &l), 1); /* u1 now most recent */
    assert_string_equal(e, "\"e1\"");
    assert_null(l);
    ww__validators_put(c, "u4", "\"e4\"", NULL); /* evicts u2, the least recent */
    assert_int_equal(ww__validators_size(c), 3);
    assert_int_equal(ww__validators_get(c, "u2", &e, &l), 0);
    assert_int_equal(ww__validators_get(c, "u3", &e, &l), 1);
    assert_string_equal(l, "x");
    ww__validators_put(c, "u3", "\"e3b\"", NULL); /* update in place */
    assert_int_equal(ww__validators_get(c, "u3", &e, &l), 1);
    assert_string_equal(e, "\"e3b\"");
    assert_null(l);
    ww__validators_put(c, "u1", NULL, NULL); /* forget */
    assert_int_equal(ww__validators_get(c, "u1", &e, &l), 0);
    assert_int_equal(ww__validators_size(c), 2);
    assert_int_equal(ww__validators_get(c, "u4", &e, &l), 1);
    assert_string_equal(e, "\"e4\"");
    /* Churn far past capacity: stays bounded and consistent. */
    char url[32], et[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(url, sizeof url, "v%d", i);
        snprintf(et, sizeof et, "\"%d\"", i);
        assert_int_equal(ww__validators_put(c, url, et, NULL), 0);
        if (i % 7 == 0)
            ww__validators_put(c, url, NULL, NULL);
    }
    assert_true(ww__validators_size(c) <= 3);
    assert_int_equal(ww__validators_get(c, "v9999", &e, &l), 1);
    assert_string_equal(e, "\"9999\"");
    ww__validators_free(c);
    ww__validators_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seen_ttl),
        cmocka_unit_test(test_seen_bounded),
        cmocka_unit_test(test_validators_lru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
