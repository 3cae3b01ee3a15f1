/* Kafka endpoints against a REAL broker (KAFKA_BOOTSTRAP=host:port).
 *
 * Without KAFKA_BOOTSTRAP every test is skipped; tests/integration/kafka_endpoint.sh
 * runs this binary with the broker that tests/run-all.sh starts, so in `make test`
 * the tests always run.  Each test uses its own topics and groups (pid in the name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../workers/common/endpoint_kafka.h"
#include "wirewatch/config.h"
#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/worker.h"

static const char *bootstrap;
static char err[512];

static void skip_without_broker(void) {
    if (!bootstrap)
        skip();
}

static ww_config *cfg_with(const char *const *sets) {
    static const ww_config_key *const tables[] = {ww_runtime_config_keys, NULL};
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    assert_non_null(cfg);
    for (; sets && *sets; sets++)
        assert_int_equal(ww_config_set(cfg, *sets, err, sizeof err), 0);
    return cfg;
}

static char *uri(const char *topic, const char *group) {
    static char buf[4][512];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, 512, "kafka://%s/ww-test-%d-%s%s%s", bootstrap, (int)getpid(), topic,
             group ? "?group=" : "", group ? group : "");
    return b;
}

static ww_endpoint *open_ep(const char *u, ww_ep_dir dir, const ww_config *cfg) {
    ww_endpoint *ep = ww_endpoint_open(u, dir, &wirewatch__v1__document__descriptor, cfg,
                                       NULL, "test", err, sizeof err);
    if (!ep)
        fprintf(stderr, "open %s: %s\n", u, err);
    assert_non_null(ep);
    return ep;
}

static void on_delivered(void *opaque, int e) {
    int *counts = opaque; /* [0] ok, [1] failed */
    counts[e ? 1 : 0]++;
}

/* Send docs "doc-<first..first+n-1>"; all with key `key` when not NULL (one
 * partition), else keyed by id.  Waits until all are delivered. */
static void produce(ww_endpoint *out, int first, int n, const char *key) {
    int counts[2] = {0, 0};
    for (int i = first; i < first + n; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        char id[32], trace[40];
        snprintf(id, sizeof id, "doc-%d", i);
        snprintf(trace, sizeof trace, "trace-%d", i);
        d.id = id;
        int rc;
        while ((rc = ww_endpoint_send(out, key ? key : id, &d.base, trace, on_delivered,
                                      counts)) == WW_EAGAIN)
            ww_endpoint_poll(out, 10);
        assert_int_equal(rc, 0);
    }
    for (int t = 0; t < 600 && counts[0] + counts[1] < n; t++)
        ww_endpoint_poll(out, 50);
    assert_int_equal(counts[1], 0);
    assert_int_equal(counts[0], n);
}

/* Receive until `want` messages arrived or `ms` passed without any.  Each message's
 * doc number is counted in seen[]; messages are released unless keep is set. */
static int consume(ww_endpoint *in, int *seen, int nseen, int want, int ms, int release) {
    int got = 0, idle = 0;
    while (got < want && idle < ms) {
        ww_in_msg m;
        int rc = ww_endpoint_recv(in, &m, 100);
        assert_true(rc >= 0);
        if (rc == 0) {
            idle += 100;
            continue;
        }
        idle = 0;
        Wirewatch__V1__Document *d = wirewatch__v1__document__unpack(NULL, m.len, m.data);
        assert_non_null(d);
        int num = (int)strtol(d->id + 4, NULL, 10);
        assert_true(num >= 0 && num < nseen);
        seen[num]++;
        assert_string_equal(m.schema, "wirewatch.v1.Document");
        char trace[40];
        snprintf(trace, sizeof trace, "trace-%d", num);
        assert_string_equal(m.trace_id, trace);
        assert_int_equal(m.decode_error, 0);
        assert_true(m.partition >= 0 && m.offset >= 0);
        wirewatch__v1__document__free_unpacked(d, NULL);
        if (release)
            ww_endpoint_release(in, &m);
        got++;
    }
    return got;
}

/* N documents out and back in, with key, headers and trace; a second consumer of the
 * same group afterwards gets nothing: the offsets were committed on close. */
static void produce_then_consume_all(void **state) {
    skip_without_broker();
    enum { N = 1000 };
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(uri("all", NULL), WW_EP_OUT, cfg);
    produce(out, 0, N, NULL);
    ww_endpoint_close(out);

    static int seen[N];
    ww_endpoint *in = open_ep(uri("all", "g-all"), WW_EP_IN, cfg);
    assert_int_equal(consume(in, seen, N, N, 20000, 1), N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    ww_endpoint_close(in);

    in = open_ep(uri("all", "g-all"), WW_EP_IN, cfg);
    assert_int_equal(consume(in, seen, N, 1, 6000, 1), 0);
    ww_endpoint_close(in);
    ww_config_destroy(cfg);
}

/* Release everything but one message in the middle of a partition: after a restart
 * the group resumes AT that message (not after the last released one). */
static void offsets_stored_in_order(void **state) {
    skip_without_broker();
    enum { N = 100, HOLD = 40 };
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(uri("order", NULL), WW_EP_OUT, cfg);
    produce(out, 0, N, "one-key"); /* one partition, offsets 0..N-1 in doc order */
    ww_endpoint_close(out);

    ww_endpoint *in = open_ep(uri("order", "g-order"), WW_EP_IN, cfg);
    ww_in_msg held;
    int got = 0, idle = 0;
    while (got < N && idle < 20000) {
        ww_in_msg m;
        int rc = ww_endpoint_recv(in, &m, 100);
        if (rc == 0) {
            idle += 100;
            continue;
        }
        assert_int_equal(rc, 1);
        if (m.offset == HOLD)
            held = m;
        else
            ww_endpoint_release(in, &m);
        got++;
    }
    assert_int_equal(got, N);
    ww_endpoint_abandon(in, &held); /* never acknowledged */
    ww_endpoint_close(in);

    static int seen[N];
    in = open_ep(uri("order", "g-order"), WW_EP_IN, cfg);
    assert_int_equal(consume(in, seen, N, N, 6000, 1), N - HOLD);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], i >= HOLD ? 1 : 0);
    ww_endpoint_close(in);
    ww_config_destroy(cfg);
}

/* A tiny producer queue fills: send says WW_EAGAIN (nothing sent), and after poll the
 * same message goes through; nothing is lost. */
static void queue_full_is_eagain(void **state) {
    skip_without_broker();
    enum { N = 300 };
    const char *sets[] = {"kafka.queue.buffering.max.messages=5", "kafka.linger.ms=50",
                          NULL};
    ww_config *cfg = cfg_with(sets);
    ww_endpoint *out = open_ep(uri("full", NULL), WW_EP_OUT, cfg);
    int counts[2] = {0, 0}, eagain = 0;
    for (int i = 0; i < N; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        char id[32], trace[40];
        snprintf(id, sizeof id, "doc-%d", i);
        snprintf(trace, sizeof trace, "trace-%d", i);
        d.id = id;
        int rc;
        while ((rc = ww_endpoint_send(out, id, &d.base, trace, on_delivered, counts)) ==
               WW_EAGAIN) {
            eagain++;
            ww_endpoint_poll(out, 10);
        }
        assert_int_equal(rc, 0);
        assert_true(ww_endpoint_poll(out, 0) <= 5); /* bounded: never more queued */
    }
    assert_int_equal(ww_endpoint_flush(out, 30000), 0);
    assert_int_equal(counts[0], N);
    assert_true(eagain > 0);
    ww_endpoint_close(out);

    static int seen[N];
    ww_endpoint *in = open_ep(uri("full", "g-full"), WW_EP_IN, cfg);
    assert_int_equal(consume(in, seen, N, N, 20000, 1), N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    ww_endpoint_close(in);
    ww_config_destroy(cfg);
}

/* Paused input hands out nothing (while serving the group); resumed, it delivers
 * everything exactly once. */
static void pause_and_resume(void **state) {
    skip_without_broker();
    enum { N = 200 };
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(uri("pause", NULL), WW_EP_OUT, cfg);
    produce(out, 0, N, NULL);
    static int seen[N];
    ww_endpoint *in = open_ep(uri("pause", "g-pause"), WW_EP_IN, cfg);
    int got = consume(in, seen, N, 20, 20000, 1);
    assert_int_equal(got, 20);
    ww_endpoint_pause(in, 1);
    int during = 0;
    for (int t = 0; t < 30; t++) { /* 3 s */
        ww_in_msg m;
        int rc = ww_endpoint_recv(in, &m, 100);
        assert_true(rc >= 0);
        if (rc == 1) {
            during++;
            ww_endpoint_release(in, &m);
        }
        ww_endpoint_poll(in, 0);
    }
    assert_int_equal(during, 0);
    ww_endpoint_pause(in, 0);
    got += consume(in, seen, N, N - got, 20000, 1);
    assert_int_equal(got, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    ww_endpoint_close(in);
    ww_endpoint_close(out);
    ww_config_destroy(cfg);
}

/* Oversized message and a message whose ww-schema names another type are handed out
 * flagged, with their bytes, for the worker to dead-letter. */
static void poison_is_flagged(void **state) {
    skip_without_broker();
    const char *sets[] = {"worker.max_message_bytes=1000", NULL};
    ww_config *cfg = cfg_with(sets);
    ww_endpoint *out = open_ep(uri("poison", NULL), WW_EP_OUT, cfg);
    ww_endpoint *out_page =
        ww_endpoint_open(uri("poison", NULL), WW_EP_OUT, &wirewatch__v1__page__descriptor,
                         cfg, NULL, "test", err, sizeof err);
    assert_non_null(out_page);
    static uint8_t big[5000];
    memset(big, 'x', sizeof big);
    int counts[2] = {0, 0};
    assert_int_equal(
        ww_endpoint_send_raw(out, "k", big, sizeof big, "t-big", on_delivered, counts),
        0);
    Wirewatch__V1__Page p = WIREWATCH__V1__PAGE__INIT;
    p.final_url = "file:///x";
    assert_int_equal(
        ww_endpoint_send(out_page, "k", &p.base, "t-page", on_delivered, counts), 0);
    assert_int_equal(ww_endpoint_flush(out, 20000), 0);
    assert_int_equal(counts[0], 2);
    ww_endpoint *in = open_ep(uri("poison", "g-poison"), WW_EP_IN, cfg);
    int got = 0, big_seen = 0, page_seen = 0;
    for (int t = 0; t < 200 && got < 2; t++) {
        ww_in_msg m;
        if (ww_endpoint_recv(in, &m, 100) != 1)
            continue;
        got++;
        if (strcmp(m.trace_id, "t-big") == 0) {
            assert_int_equal(m.decode_error, WW_ETOOBIG);
            assert_int_equal(m.len, sizeof big);
            big_seen = 1;
        } else {
            assert_string_equal(m.schema, "wirewatch.v1.Page");
            assert_int_equal(m.decode_error, WW_EMALFORMED);
            page_seen = 1;
        }
        ww_endpoint_release(in, &m);
    }
    assert_true(big_seen && page_seen);
    ww_endpoint_close(in);
    ww_endpoint_close(out_page);
    ww_endpoint_close(out);
    ww_config_destroy(cfg);
}

/* Two consumers of one group: the second one takes partitions within seconds, and
 * together they see every message (at-least-once across the rebalance). */
static void second_consumer_joins(void **state) {
    skip_without_broker();
    enum { N = 400 };
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(uri("join", NULL), WW_EP_OUT, cfg);
    produce(out, 0, N / 2, NULL);
    static int seen[N];
    ww_endpoint *a = open_ep(uri("join", "g-join"), WW_EP_IN, cfg);
    int got = consume(a, seen, N, 50, 20000, 1);
    ww_endpoint *b = open_ep(uri("join", "g-join"), WW_EP_IN, cfg);
    /* the second half arrives in small batches over ~10 s, while both poll: once the
     * group has rebalanced, b must get its share */
    int got_b = 0, idle = 0, sent = N / 2;
    int64_t t0 = ww_mono_us(), b_first = -1;
    while (idle < 5000) {
        if (sent < N) {
            produce(out, sent, 10, NULL);
            sent += 10;
        }
        int ga = consume(a, seen, N, 10, 100, 1);
        int gb = consume(b, seen, N, 10, 100, 1);
        if (gb && b_first < 0)
            b_first = ww_mono_us() - t0;
        got += ga;
        got_b += gb;
        idle = ga || gb || sent < N ? 0 : idle + 200;
    }
    fprintf(stderr, "# second consumer: first message after %.1f s; a=%d b=%d\n",
            b_first / 1e6, got, got_b);
    assert_true(got_b > 0);
    assert_true(b_first < 15000000);
    for (int i = 0; i < N; i++)
        assert_true(seen[i] >= 1);
    ww_endpoint_close(a);
    ww_endpoint_close(b);
    ww_endpoint_close(out);
    ww_config_destroy(cfg);
}

/* Transactions: committed output is visible to read_committed consumers, aborted
 * output never; consume-transform-produce commits the input offsets in the
 * transaction, so a restarted group does not re-read them. */
static void transactions(void **state) {
    skip_without_broker();
    char tid[64];
    snprintf(tid, sizeof tid, "kafka.transactional.id=ww-test-%d", (int)getpid());
    const char *sets[] = {tid, NULL};
    ww_config *plain = cfg_with(NULL);
    ww_config *cfg = cfg_with(sets);
    /* source topic, written without transactions */
    ww_endpoint *src = open_ep(uri("txn-src", NULL), WW_EP_OUT, plain);
    produce(src, 0, 50, NULL);
    ww_endpoint_close(src);

    ww_endpoint *in = open_ep(uri("txn-src", "g-txn"), WW_EP_IN, cfg);
    ww_endpoint *out = open_ep(uri("txn-dst", NULL), WW_EP_OUT, cfg);
    assert_true(ww__kafka_txn_enabled(out));
    assert_int_equal(ww__kafka_txn_bind(out, in), 0);
    /* batch 1: copy 50 inputs, commit */
    int copied = 0, idle = 0, counts[2] = {0, 0};
    while (copied < 50 && idle < 20000) {
        ww_in_msg m;
        if (ww_endpoint_recv(in, &m, 100) != 1) {
            idle += 100;
            continue;
        }
        assert_int_equal(ww_endpoint_send_raw(out, m.key, m.data, m.len, m.trace_id,
                                              on_delivered, counts),
                         0);
        ww_endpoint_flush(out, 10000);
        ww_endpoint_release(in, &m);
        copied++;
    }
    assert_int_equal(copied, 50);
    assert_int_equal(ww__kafka_txn_commit(out, in, 30000), 0);
    /* batch 2: 20 more outputs, aborted */
    produce(out, 1000, 20, NULL);
    assert_int_equal(ww__kafka_txn_abort(out, in), 0);
    ww_endpoint_close(out);
    ww_endpoint_close(in);

    /* the group's committed offsets cover all 50 inputs */
    static int seen[2000];
    in = open_ep(uri("txn-src", "g-txn"), WW_EP_IN, cfg);
    assert_int_equal(consume(in, seen, 2000, 1, 6000, 1), 0);
    ww_endpoint_close(in);
    /* read_committed (transactional.id in cfg) sees the 50, not the aborted 20 */
    memset(seen, 0, sizeof seen);
    in = open_ep(uri("txn-dst", "g-txn-check"), WW_EP_IN, cfg);
    assert_int_equal(consume(in, seen, 2000, 70, 8000, 1), 50);
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    for (int i = 1000; i < 1020; i++)
        assert_int_equal(seen[i], 0);
    ww_endpoint_close(in);
    ww_config_destroy(cfg);
    ww_config_destroy(plain);
}

/* A prefetch queue far smaller than the input (4 messages of 64 KB), with small
 * fetches: librdkafka 2.0.2 fetches a partition whose queue was full again only at
 * its broker thread's next wake-up, up to a second later, so ~60 refills took tens of
 * seconds before worker.kafka_fetch_wake.  With it they take a few; every message
 * arrives exactly once, also across a pause (2.0.2 drops the prefetch on pause and
 * wakes nothing on resume). */
static void small_prefetch_keeps_pace(void **state) {
    skip_without_broker();
    enum { N = 240, BIG = 64 * 1024 };
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(uri("prefetch", NULL), WW_EP_OUT, cfg);
    char *text = malloc(BIG + 1);
    assert_non_null(text);
    memset(text, 'x', BIG);
    text[BIG] = 0;
    int counts[2] = {0, 0};
    for (int i = 0; i < N; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        char id[32], trace[40];
        snprintf(id, sizeof id, "doc-%d", i);
        snprintf(trace, sizeof trace, "trace-%d", i);
        d.id = id;
        d.text = text;
        int rc;
        while ((rc = ww_endpoint_send(out, id, &d.base, trace, on_delivered, counts)) ==
               WW_EAGAIN)
            ww_endpoint_poll(out, 10);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(ww_endpoint_flush(out, 30000), 0);
    assert_int_equal(counts[0], N);
    ww_endpoint_close(out);
    free(text);

    const char *sets[] = {"kafka.queued.max.messages.kbytes=256",
                          "kafka.max.partition.fetch.bytes=131072",
                          "kafka.fetch.max.bytes=1048576", NULL};
    ww_config *small = cfg_with(sets);
    static int seen[N];
    ww_endpoint *in = open_ep(uri("prefetch", "g-prefetch"), WW_EP_IN, small);
    int got = consume(in, seen, N, 1, 20000, 1); /* group joined, fetching */
    int64_t t0 = ww_mono_us();
    got += consume(in, seen, N, N / 2 - got, 20000, 1);
    int64_t paused = ww_mono_us();
    ww_endpoint_pause(in, 1);
    for (int t = 0; t < 5; t++)
        ww_endpoint_poll(in, 100);
    ww_endpoint_pause(in, 0);
    paused = ww_mono_us() - paused;
    got += consume(in, seen, N, N - got, 20000, 1);
    double secs = (double)(ww_mono_us() - t0 - paused) / 1e6;
    long long wakes = ww__kafka_fetch_wakes(in);
    fprintf(stderr,
            "# %d messages of 64 KB through a 256 KB prefetch: %.2f s, %lld "
            "fetcher wake-up(s)\n",
            got - 1, secs, wakes);
    assert_int_equal(got, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_true(wakes > 0);
    assert_true(secs < 10.0);
    ww_endpoint_close(in);
    ww_config_destroy(small);
    ww_config_destroy(cfg);
}

int main(void) {
    bootstrap = getenv("KAFKA_BOOTSTRAP");
    if (bootstrap && !*bootstrap)
        bootstrap = NULL;
    if (!bootstrap)
        fprintf(stderr, "# KAFKA_BOOTSTRAP not set: skipping (run by "
                        "tests/integration/kafka_endpoint.sh)\n");
    if (!getenv("WW_TEST_VERBOSE"))
        ww_log_set_level(WW_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(produce_then_consume_all),
        cmocka_unit_test(offsets_stored_in_order),
        cmocka_unit_test(queue_full_is_eagain),
        cmocka_unit_test(pause_and_resume),
        cmocka_unit_test(poison_is_flagged),
        cmocka_unit_test(second_consumer_joins),
        cmocka_unit_test(transactions),
        cmocka_unit_test(small_prefetch_keeps_pace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
