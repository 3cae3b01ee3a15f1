/* Fault injection on librdkafka's mock cluster (rdkafka_mock.h), through the endpoint
 * API: produce request errors and brokers going down must end in retries, no loss,
 * no duplicates (idempotent producer), and clear log lines; a message that cannot be
 * delivered in time is reported to the sender's callback, never dropped silently.
 *
 * The mock is for fault injection only; behaviour against a real broker is tested in
 * test_kafka_endpoint.c and tests/integration/kafka_*. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "wirewatch/config.h"
#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/worker.h"

#define TOPIC "mock-docs"
#define NBROKERS 3

static rd_kafka_t *mock_rk; /* owns the mock cluster; the mock runs on its threads */
static rd_kafka_mock_cluster_t *mc;
static char brokers[512];
static char err[512];
static char logpath[] = "/tmp/ww-test-kafka-mock-XXXXXX";
static int saved_stderr = -1;

/* stderr goes to a file while a test runs, so the test can check what was logged */
static void capture_start(void) {
    int fd = mkstemp(logpath);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}

/* Restores stderr, echoes the captured lines there, returns them (caller frees). */
static char *capture_end(void) {
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(logpath, "r");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    unlink(logpath);
    memcpy(logpath + strlen(logpath) - 6, "XXXXXX", 6);
    fwrite(buf, 1, n, stderr);
    return buf;
}

static int setup(void **state) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[256];
    rd_kafka_conf_set(conf, "log_level", "3", e, sizeof e); /* "no bootstrap.servers" */
    mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!mock_rk)
        return -1;
    mc = rd_kafka_mock_cluster_new(mock_rk, NBROKERS);
    if (!mc)
        return -1;
    snprintf(brokers, sizeof brokers, "%s", rd_kafka_mock_cluster_bootstraps(mc));
    if (rd_kafka_mock_topic_create(mc, TOPIC, 4, NBROKERS))
        return -1;
    /* every broker leads a partition, so every broker sees Produce requests */
    for (int p = 0; p < 4; p++)
        if (rd_kafka_mock_partition_set_leader(mc, TOPIC, p, 1 + p % NBROKERS))
            return -1;
    return 0;
}

static int teardown(void **state) {
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mock_rk);
    return 0;
}

static ww_config *cfg_with(const char *const *sets) {
    static const ww_config_key *const tables[] = {ww_runtime_config_keys, NULL};
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    assert_non_null(cfg);
    for (; sets && *sets; sets++)
        assert_int_equal(ww_config_set(cfg, *sets, err, sizeof err), 0);
    return cfg;
}

static ww_endpoint *open_ep(ww_ep_dir dir, const ww_config *cfg, const char *group) {
    char uri[700];
    snprintf(uri, sizeof uri, "kafka://%s/%s%s%s", brokers, TOPIC, group ? "?group=" : "",
             group ? group : "");
    ww_endpoint *ep = ww_endpoint_open(uri, dir, &wirewatch__v1__document__descriptor,
                                       cfg, NULL, "mocktest", err, sizeof err);
    if (!ep)
        fprintf(stderr, "open %s: %s\n", uri, err);
    assert_non_null(ep);
    return ep;
}

typedef struct counts {
    int ok, failed, last_err;
} counts;

static void on_delivered(void *opaque, int e) {
    counts *c = opaque;
    if (e) {
        c->failed++;
        c->last_err = e;
    } else {
        c->ok++;
    }
}

static void send_docs(ww_endpoint *out, int first, int n, counts *c) {
    for (int i = first; i < first + n; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        char id[32];
        snprintf(id, sizeof id, "doc-%d", i);
        d.id = id;
        int rc;
        while ((rc = ww_endpoint_send(out, id, &d.base, "", on_delivered, c)) ==
               WW_EAGAIN)
            ww_endpoint_poll(out, 10);
        assert_int_equal(rc, 0);
    }
}

static void wait_delivered(ww_endpoint *out, counts *c, int n, int ms) {
    for (int t = 0; t < ms / 50 && c->ok + c->failed < n; t++)
        ww_endpoint_poll(out, 50);
}

enum { N1 = 100, N2 = 100 };

/* Produce requests fail (not leader, timeouts): the idempotent producer retries and
 * every message is delivered once. */
static void produce_errors_are_retried(void **state) {
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(WW_EP_OUT, cfg, NULL);
    /* two retriable errors queued on every broker's next Produce requests */
    for (int b = 1; b <= NBROKERS; b++)
        assert_int_equal(rd_kafka_mock_broker_push_request_error_rtts(
                             mc, b, 0 /* Produce */, 2,
                             RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0,
                             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0),
                         0);
    counts c = {0};
    capture_start();
    send_docs(out, 0, N1, &c);
    wait_delivered(out, &c, N1, 30000);
    char *log = capture_end();
    assert_int_equal(c.failed, 0);
    assert_int_equal(c.ok, N1);
    /* the injected errors were all hit (so the deliveries above are retries) */
    for (int b = 1; b <= NBROKERS; b++) {
        size_t left = 99;
        assert_int_equal(rd_kafka_mock_broker_error_stack_cnt(mc, b, 0, &left), 0);
        assert_int_equal(left, 0);
    }
    free(log);
    ww_endpoint_close(out);
    ww_config_destroy(cfg);
}

/* Every broker goes down: nothing is delivered (and nothing reported failed) while
 * they are down, the outage is logged by librdkafka through our logger; when they
 * come back, everything is delivered. */
static void brokers_down_then_up(void **state) {
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *out = open_ep(WW_EP_OUT, cfg, NULL);
    counts c = {0};
    send_docs(out, N1, 1, &c); /* connect first */
    wait_delivered(out, &c, 1, 10000);
    assert_int_equal(c.ok, 1);
    capture_start();
    for (int b = 1; b <= NBROKERS; b++)
        rd_kafka_mock_broker_set_down(mc, b);
    send_docs(out, N1 + 1, N2 - 1, &c);
    wait_delivered(out, &c, N2, 3000);
    int during_ok = c.ok, during_failed = c.failed;
    int ready_during = ww_endpoint_ready(out);
    for (int b = 1; b <= NBROKERS; b++)
        rd_kafka_mock_broker_set_up(mc, b);
    wait_delivered(out, &c, N2, 60000);
    char *log = capture_end();
    fprintf(stderr, "# during outage: %d delivered, %d failed, ready=%d; after: %d ok\n",
            during_ok - 1, during_failed, ready_during, c.ok);
    assert_int_equal(during_failed, 0);
    assert_int_equal(c.failed, 0);
    assert_int_equal(c.ok, N2);
    /* librdkafka's own account of the outage, as one of our JSON log lines */
    assert_non_null(strstr(log, "\"component\":\"librdkafka\""));
    assert_true(strstr(log, "Disconnected") || strstr(log, "Connection refused") ||
                strstr(log, "brokers are down"));
    free(log);
    ww_endpoint_close(out);
    ww_config_destroy(cfg);
}

/* A message that cannot be delivered within message.timeout.ms is reported to the
 * sender as WW_ETIMEDOUT, with a log line naming the topic: never lost silently. */
static void undeliverable_is_reported(void **state) {
    const char *sets[] = {"kafka.message.timeout.ms=1500", NULL};
    ww_config *cfg = cfg_with(sets);
    ww_endpoint *out = open_ep(WW_EP_OUT, cfg, NULL);
    counts c = {0};
    capture_start();
    for (int b = 1; b <= NBROKERS; b++)
        rd_kafka_mock_broker_set_down(mc, b);
    send_docs(out, 5000, 3, &c);
    wait_delivered(out, &c, 3, 10000);
    for (int b = 1; b <= NBROKERS; b++)
        rd_kafka_mock_broker_set_up(mc, b);
    char *log = capture_end();
    assert_int_equal(c.ok, 0);
    assert_int_equal(c.failed, 3);
    assert_int_equal(c.last_err, WW_ETIMEDOUT);
    assert_non_null(strstr(log, "kafka delivery failed"));
    assert_non_null(strstr(log, TOPIC));
    free(log);
    ww_endpoint_close(out);
    ww_config_destroy(cfg);
}

/* Everything sent by the two tests above is in the topic exactly once. */
static void consume_back_no_loss_no_duplicates(void **state) {
    ww_config *cfg = cfg_with(NULL);
    ww_endpoint *in = open_ep(WW_EP_IN, cfg, "mock-check");
    static int seen[N1 + N2];
    int got = 0, idle = 0, other = 0;
    /* the mock's first group join alone takes 3 s; once all arrived, 2 s for extras */
    while (idle < (got >= N1 + N2 ? 2000 : 15000)) {
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
        long num = strtol(d->id + 4, NULL, 10);
        if (num >= 0 && num < N1 + N2) {
            seen[num]++;
            got++;
        } else {
            other++; /* the timed-out ones must not be here: counted below */
        }
        wirewatch__v1__document__free_unpacked(d, NULL);
        ww_endpoint_release(in, &m);
    }
    fprintf(stderr, "# consumed %d of %d, %d unexpected\n", got, N1 + N2, other);
    for (int i = 0; i < N1 + N2; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(other, 0);
    ww_endpoint_close(in);
    ww_config_destroy(cfg);
}

/* Shutdown is bounded (issue 18).  Every broker freezes: connections stay open, answers
 * come two minutes late — what a stopped broker process or a network dropping packets
 * looks like, and the worst case for a client, which sees nothing fail until its
 * request timeouts (socket.timeout.ms, 60 s).  Closing a consumer with stored offsets
 * (final commit, LeaveGroup) and a producer with messages in flight must still return
 * by the deadline the worker set.  (Before: the consumer's close waited in a
 * synchronous commit for more than ten minutes.)  Runs last: it writes to the topic. */
static void close_is_bounded_when_brokers_freeze(void **state) {
    ww_config *cfg =
        cfg_with((const char *const[]){"kafka.session.timeout.ms=6000", NULL});
    ww_endpoint *in = open_ep(WW_EP_IN, cfg, "mock-freeze");
    ww_endpoint *out = open_ep(WW_EP_OUT, cfg, NULL);
    int got = 0;
    for (int t = 0; t < 200 && got < 10; t++) { /* the group join takes ~3 s */
        ww_in_msg m;
        if (ww_endpoint_recv(in, &m, 100) == 1) {
            ww_endpoint_release(in, &m); /* stored: the close must try to commit it */
            got++;
        }
    }
    assert_true(got > 0);
    for (int b = 1; b <= NBROKERS; b++)
        rd_kafka_mock_broker_set_rtt(mc, b, 120000);
    counts c = {0};
    send_docs(out, 100000, 20, &c);
    ww_endpoint_poll(out, 200);
    int64_t t0 = ww_mono_us();
    ww_endpoint_set_deadline(in, t0 + 1500 * 1000);
    ww_endpoint_set_deadline(out, t0 + 1500 * 1000);
    ww_endpoint_close(in);
    ww_endpoint_close(out);
    long long ms = (long long)(ww_mono_us() - t0) / 1000;
    fprintf(stderr,
            "# consumer and producer closed %lld ms after a 1500 ms deadline was "
            "set (%d delivered, %d failed)\n",
            ms, c.ok, c.failed);
    assert_true(ms < 2500);
    assert_int_equal(c.ok, 0); /* nothing is reported as delivered that was not */
    for (int b = 1; b <= NBROKERS; b++)
        rd_kafka_mock_broker_set_rtt(mc, b, 0);
    ww_config_destroy(cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(produce_errors_are_retried),
        cmocka_unit_test(brokers_down_then_up),
        cmocka_unit_test(undeliverable_is_reported),
        cmocka_unit_test(consume_back_no_loss_no_duplicates),
        cmocka_unit_test(close_is_bounded_when_brokers_freeze),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
