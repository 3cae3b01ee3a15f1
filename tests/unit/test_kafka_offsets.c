/* In-order offset tracking (workers/common/kafka_offsets.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../workers/common/kafka_offsets.h"

static void in_order(void **state) {
    ww__koff *k = ww__koff_new();
    uint64_t ep;
    for (int64_t o = 10; o < 13; o++)
        assert_int_equal(ww__koff_add(k, "t", 0, o, &ep), 0);
    assert_int_equal(ww__koff_inflight(k), 3);
    assert_int_equal(ww__koff_done(k, "t", 0, 10, ep), 11);
    assert_int_equal(ww__koff_done(k, "t", 0, 11, ep), 12);
    assert_int_equal(ww__koff_done(k, "t", 0, 12, ep), 13);
    assert_int_equal(ww__koff_inflight(k), 0);
    ww__koff_free(k);
}

static void out_of_order_waits_for_the_first(void **state) {
    ww__koff *k = ww__koff_new();
    uint64_t ep;
    for (int64_t o = 0; o < 4; o++)
        ww__koff_add(k, "t", 3, o, &ep);
    assert_int_equal(ww__koff_done(k, "t", 3, 2, ep), -1);
    assert_int_equal(ww__koff_done(k, "t", 3, 1, ep), -1);
    assert_int_equal(ww__koff_done(k, "t", 3, 0, ep), 3); /* 0,1,2 done: store 3 */
    assert_int_equal(ww__koff_done(k, "t", 3, 3, ep), 4);
    ww__koff_free(k);
}

static void gaps_in_offsets(void **state) {
    /* compaction and transaction markers leave holes in a partition's offsets */
    ww__koff *k = ww__koff_new();
    uint64_t ep;
    ww__koff_add(k, "t", 0, 5, &ep);
    ww__koff_add(k, "t", 0, 9, &ep);
    ww__koff_add(k, "t", 0, 20, &ep);
    assert_int_equal(ww__koff_done(k, "t", 0, 9, ep), -1);
    assert_int_equal(ww__koff_done(k, "t", 0, 7, ep), -1); /* never handed out */
    assert_int_equal(ww__koff_done(k, "t", 0, 5, ep), 10);
    assert_int_equal(ww__koff_done(k, "t", 0, 20, ep), 21);
    ww__koff_free(k);
}

static void partitions_are_independent(void **state) {
    ww__koff *k = ww__koff_new();
    uint64_t e0, e1, e2;
    ww__koff_add(k, "t", 0, 0, &e0);
    ww__koff_add(k, "t", 1, 0, &e1);
    ww__koff_add(k, "u", 0, 0, &e2);
    assert_int_equal(ww__koff_done(k, "t", 1, 0, e1), 1);
    assert_int_equal(ww__koff_done(k, "u", 0, 0, e2), 1);
    assert_int_equal(ww__koff_inflight(k), 1);
    assert_int_equal(ww__koff_done(k, "t", 0, 0, e0), 1);
    ww__koff_free(k);
}

static void double_release_is_ignored(void **state) {
    ww__koff *k = ww__koff_new();
    uint64_t ep;
    ww__koff_add(k, "t", 0, 0, &ep);
    ww__koff_add(k, "t", 0, 1, &ep);
    assert_int_equal(ww__koff_done(k, "t", 0, 1, ep), -1);
    assert_int_equal(ww__koff_done(k, "t", 0, 1, ep), -1);
    assert_int_equal(ww__koff_inflight(k), 2);
    assert_int_equal(ww__koff_done(k, "t", 0, 0, ep), 2);
    ww__koff_free(k);
}

static void revoked_partition_abandons_in_flight(void **state) {
    ww__koff *k = ww__koff_new();
    uint64_t old, neu;
    ww__koff_add(k, "t", 0, 100, &old);
    ww__koff_add(k, "t", 0, 101, &old);
    ww__koff_drop(k, "t", 0);
    assert_int_equal(ww__koff_inflight(k), 0);
    /* the new assignment starts again from the committed offset, 100 */
    ww__koff_add(k, "t", 0, 100, &neu);
    assert_true(neu != old);
    /* a late release of the old 100 must not complete the new 100 */
    assert_int_equal(ww__koff_done(k, "t", 0, 100, old), -1);
    assert_int_equal(ww__koff_inflight(k), 1);
    assert_int_equal(ww__koff_done(k, "t", 0, 100, neu), 101);
    ww__koff_free(k);
}

static void rewind_starts_a_new_epoch(void **state) {
    ww__koff *k = ww__koff_new();
    uint64_t old, neu;
    ww__koff_add(k, "t", 0, 50, &old);
    ww__koff_add(k, "t", 0, 40, &neu); /* seek back */
    assert_true(neu != old);
    assert_int_equal(ww__koff_inflight(k), 1);
    assert_int_equal(ww__koff_done(k, "t", 0, 50, old), -1);
    assert_int_equal(ww__koff_done(k, "t", 0, 40, neu), 41);
    ww__koff_free(k);
}

/* Random completion order over many messages and a wrapping ring, against a model:
 * the stored offset is always one past the longest done prefix, and never moves
 * backwards. */
static void random_order_matches_model(void **state) {
    enum { N = 5000 };
    ww__koff *k = ww__koff_new();
    static char done[N];
    uint64_t ep = 0;
    int64_t prefix = 0, stored = 0;
    srand(12345);
    int64_t added = 0;
    int nrel = 0;
    while (nrel < N) {
        /* add a few, then release a random pending one: keeps the ring wrapping */
        for (int j = 0; j < 3 && added < N; j++, added++) {
            assert_int_equal(ww__koff_add(k, "t", 7, added * 2, &ep), 0);
        }
        int64_t pick;
        do
            pick = rand() % added;
        while (done[pick] && nrel < N);
        done[pick] = 1;
        nrel++;
        int64_t r = ww__koff_done(k, "t", 7, pick * 2, ep);
        int64_t oldprefix = prefix;
        while (prefix < added && done[prefix])
            prefix++;
        if (prefix != oldprefix) {
            assert_int_equal(r, (prefix - 1) * 2 + 1);
            assert_true(r > stored);
            stored = r;
        } else {
            assert_int_equal(r, -1);
        }
        assert_int_equal(ww__koff_inflight(k), (size_t)(added - prefix));
    }
    assert_int_equal(stored, (N - 1) * 2 + 1);
    ww__koff_free(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order),
        cmocka_unit_test(out_of_order_waits_for_the_first),
        cmocka_unit_test(gaps_in_offsets),
        cmocka_unit_test(partitions_are_independent),
        cmocka_unit_test(double_release_is_ignored),
        cmocka_unit_test(revoked_partition_abandons_in_flight),
        cmocka_unit_test(rewind_starts_a_new_epoch),
        cmocka_unit_test(random_order_matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
