/* Per-host token bucket: spacing, bursts, holds — on a synthetic clock, and once on
 * the real one to show the waits it returns are the waits that work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "wirewatch/bucket.h"

static void test_spacing(void **state) {
    (void)state;
    ww_bucket b;
    ww_bucket_init(&b, 5.0, 1, 1000000); /* 200 ms between requests */
    assert_int_equal(ww_bucket_take(&b, 1000000), 0);
    int64_t w = ww_bucket_take(&b, 1000000);
    assert_true(w >= 200000 && w <= 200002);
    w = ww_bucket_take(&b, 1100000);
    assert_true(w >= 100000 && w <= 100002);
    assert_int_equal(ww_bucket_take(&b, 1200001), 0);
    assert_true(ww_bucket_take(&b, 1300000) > 0);
}

static void test_burst_and_unlimited(void **state) {
    (void)state;
    ww_bucket b;
    ww_bucket_init(&b, 1.0, 3, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ww_bucket_take(&b, 0), 0);
    assert_true(ww_bucket_take(&b, 0) > 0);
    /* Idle for a minute: at most `burst` tokens accrue. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(ww_bucket_take(&b, 60000000), 0);
    assert_true(ww_bucket_take(&b, 60000000) > 0);

    ww_bucket_init(&b, 0, 1, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ww_bucket_take(&b, i), 0);
}

static void test_hold(void **state) {
    (void)state;
    ww_bucket b;
    ww_bucket_init(&b, 10.0, 1, 0); /* 100 ms */
    ww_bucket_hold(&b, 5000000);    /* Retry-After: 5 s */
    int64_t w = ww_bucket_take(&b, 1000000);
    assert_true(w >= 4000000 + 100000 && w <= 4000000 + 100002);
    assert_true(ww_bucket_take(&b, 5050000) > 0);
    assert_int_equal(ww_bucket_take(&b, 5100001), 0);
    ww_bucket_hold(&b, 0); /* a hold in the past changes nothing */
    assert_true(ww_bucket_take(&b, 5100002) > 0);
}

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void test_real_clock(void **state) {
    (void)state;
    ww_bucket b;
    int64_t t0 = mono_us(), last = -1;
    ww_bucket_init(&b, 50.0, 1, t0); /* 20 ms */
    for (int got = 0; got < 5;) {
        int64_t now = mono_us(), w = ww_bucket_take(&b, now);
        if (w == 0) {
            if (last >= 0)
                assert_true(now - last >= 20000);
            last = now;
            got++;
        } else {
            struct timespec ts = {0, (long)w * 1000};
            nanosleep(&ts, NULL);
        }
    }
    int64_t el = mono_us() - t0;
    assert_true(el >= 80000 && el < 1000000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spacing),
        cmocka_unit_test(test_burst_and_unlimited),
        cmocka_unit_test(test_hold),
        cmocka_unit_test(test_real_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
