/* The adaptive re-poll schedule of fetch.feeds: halve on new items, double on none,
 * within bounds, jitter within its band, each item new once per feed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../workers/fetch/fetch_internal.h"

#define S 1000000ll

static void test_next_interval(void **state) {
    (void)state;
    assert_int_equal(ww__feed_next_interval(600 * S, 1, 60 * S, 3600 * S), 300 * S);
    assert_int_equal(ww__feed_next_interval(600 * S, 0, 60 * S, 3600 * S), 1200 * S);
    assert_int_equal(ww__feed_next_interval(100 * S, 1, 60 * S, 3600 * S), 60 * S);
    assert_int_equal(ww__feed_next_interval(60 * S, 1, 60 * S, 3600 * S), 60 * S);
    assert_int_equal(ww__feed_next_interval(3000 * S, 0, 60 * S, 3600 * S), 3600 * S);
    assert_int_equal(ww__feed_next_interval(3600 * S, 0, 60 * S, 3600 * S), 3600 * S);
    /* no overflow near the top of int64 */
    assert_int_equal(ww__feed_next_interval(INT64_MAX / 2 + 10, 0, 1, INT64_MAX),
                     INT64_MAX);
}

static void test_jitter_band(void **state) {
    (void)state;
    uint64_t rng = 12345;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t d = ww__feed_jitter(1000 * S, 0.1, &rng);
        assert_true(d >= 900 * S && d <= 1100 * S);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    /* it does spread over the band, not a constant */
    assert_true(lo < 920 * S && hi > 1080 * S);
    assert_int_equal(ww__feed_jitter(1000 * S, 0, &rng), 1000 * S);
}

static void test_feeds_cycle(void **state) {
    (void)state;
    const char *urls[] = {"http://a.test/rss", "http://b.test/atom"};
    ww__feed_opts o = {.min_us = 10 * S,
                       .max_us = 80 * S,
                       .initial_us = 40 * S,
                       .jitter = 0,
                       .items_max = 100};
    char err[128] = "";
    ww__feeds *fs = ww__feeds_new(urls, 2, &o, 1000 * S, err, sizeof err);
    assert_non_null(fs);
    size_t cur = 0;
    /* both due at start */
    ww__feed *f = ww__feeds_due(fs, &cur, 1000 * S);
    assert_non_null(f);
    assert_string_equal(f->url, urls[0]);
    ww__feed_started(f);
    ww__feed *g = ww__feeds_due(fs, &cur, 1000 * S);
    assert_non_null(g);
    assert_string_equal(g->url, urls[1]);
    ww__feed_started(g);
    assert_null(ww__feeds_due(fs, &cur, 1000 * S));
    cur = 0;
    assert_null(ww__feeds_due(fs, &cur, 5000 * S)); /* in flight: not due again */

    /* f lists two items, both new; a later poll lists them again plus one */
    assert_int_equal(ww__feed_item_is_new(f, "http://a.test/1", 1000 * S), 1);
    assert_int_equal(ww__feed_item_is_new(f, "http://a.test/2", 1000 * S), 1);
    assert_int_equal(f->new_items, 2);
    assert_int_equal(ww__feed_done(fs, f, 1, 1001 * S), 20 * S);
    assert_int_equal(f->next_us, 1021 * S);
    /* g failed: doubles */
    assert_int_equal(ww__feed_done(fs, g, 0, 1001 * S), 80 * S);

    cur = 0;
    assert_null(ww__feeds_due(fs, &cur, 1020 * S));
    cur = 0;
    assert_ptr_equal(ww__feeds_due(fs, &cur, 1021 * S), f);
    ww__feed_started(f);
    assert_int_equal(f->new_items, 0);
    assert_int_equal(ww__feed_item_is_new(f, "http://a.test/1", 1021 * S), 0);
    assert_int_equal(ww__feed_item_is_new(f, "http://a.test/3", 1021 * S), 1);
    assert_int_equal(ww__feed_item_is_new(f, "http://a.test/3", 1021 * S), 0);
    /* an item g lists is new for g even though f listed it */
    assert_int_equal(ww__feed_item_is_new(g, "http://a.test/1", 1021 * S), 1);
    assert_int_equal(ww__feed_done(fs, f, 1, 1022 * S), 10 * S);
    /* nothing new: 20, 40, 80, 80 */
    int64_t want[] = {20 * S, 40 * S, 80 * S, 80 * S};
    for (int i = 0; i < 4; i++) {
        ww__feed_started(f);
        assert_int_equal(ww__feed_item_is_new(f, "http://a.test/3", 2000 * S), 0);
        assert_int_equal(ww__feed_done(fs, f, 1, 2000 * S), want[i]);
    }
    assert_int_equal(f->polls, 6);
    ww__feeds_free(fs);
    ww__feeds_free(NULL);
}

static void test_bad_opts(void **state) {
    (void)state;
    const char *urls[] = {"http://a.test/rss"};
    char err[160] = "";
    ww__feed_opts o = {.min_us = 10 * S,
                       .max_us = 5 * S,
                       .initial_us = 8 * S,
                       .jitter = 0.1,
                       .items_max = 10};
    assert_null(ww__feeds_new(urls, 1, &o, 0, err, sizeof err));
    assert_true(strstr(err, "fetch.feed_") != NULL);
    o.max_us = 20 * S;
    o.jitter = 1.5;
    assert_null(ww__feeds_new(urls, 1, &o, 0, err, sizeof err));
    o.jitter = 0.1;
    o.initial_us = 30 * S;
    assert_null(ww__feeds_new(urls, 1, &o, 0, err, sizeof err));
    o.initial_us = 10 * S;
    ww__feeds *fs = ww__feeds_new(urls, 1, &o, 0, err, sizeof err);
    assert_non_null(fs);
    /* jittered delays stay within the bounds */
    for (int i = 0; i < 50; i++) {
        ww__feed_started(&fs->v[0]);
        int64_t d = ww__feed_done(fs, &fs->v[0], 1, 0);
        assert_true(d >= 10 * S && d <= 20 * S);
    }
    ww__feeds_free(fs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_interval),
        cmocka_unit_test(test_jitter_band),
        cmocka_unit_test(test_feeds_cycle),
        cmocka_unit_test(test_bad_opts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
