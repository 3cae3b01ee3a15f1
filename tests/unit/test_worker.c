/* The worker loop and the file / ZeroMQ endpoints, driven by a tiny test stage:
 * every input reaches the output or the dead-letter output, end-of-stream travels
 * across a ZeroMQ hop, malformed and oversized input is dead-lettered with its bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/message.h"
#include "wirewatch/worker.h"

/* Test stage: Document -> Classified copying id and title; title "poison" is refused. */
static void *echo_create(const ww_config *cfg, char *err, size_t errlen) {
    return (void *)1;
}
static void echo_destroy(void *ctx) {}
/* what the echo stage was told about where its inputs came from */
static atomic_int trusted_jobs, untrusted_jobs;

static void echo_submit(void *ctx, ww_job *job) {
    atomic_fetch_add(ww_job_input_trusted(job) ? &trusted_jobs : &untrusted_jobs, 1);
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    char err[128];
    int code;
    Wirewatch__V1__Document *d = (Wirewatch__V1__Document *)ww_msg_unpack(
        &wirewatch__v1__document__descriptor, data, len, 0, &code, err, sizeof err);
    if (!d) {
        ww_job_dead_letter(job, code, err);
    } else if (strcmp(d->title, "poison") == 0) {
        ww_job_dead_letter(job, WW_EMALFORMED, "poison title");
    } else {
        Wirewatch__V1__Classified c = WIREWATCH__V1__CLASSIFIED__INIT;
        c.id = d->id;
        c.title = d->title;
        ww_job_emit(job, WW_OUT_MAIN, d->id, &c.base);
    }
    if (d)
        protobuf_c_message_free_unpacked(&d->base, NULL);
    ww_job_done(job);
}
static const ww_stage_ops echo_stage = {
    .name = "echo",
    .in_type = &wirewatch__v1__document__descriptor,
    .out_type = &wirewatch__v1__classified__descriptor,
    .create = echo_create,
    .destroy = echo_destroy,
    .submit = echo_submit,
};

/* Forwarder: Document -> the same Document. */
static void fwd_submit(void *ctx, ww_job *job) {
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    ProtobufCMessage *d =
        protobuf_c_message_unpack(&wirewatch__v1__document__descriptor, NULL, len, data);
    if (d) {
        ww_job_emit(job, WW_OUT_MAIN, NULL, d);
        protobuf_c_message_free_unpacked(d, NULL);
    } else {
        ww_job_dead_letter(job, WW_EMALFORMED, "bad document");
    }
    ww_job_done(job);
}
static const ww_stage_ops fwd_stage = {
    .name = "fwd",
    .in_type = &wirewatch__v1__document__descriptor,
    .out_type = &wirewatch__v1__document__descriptor,
    .create = echo_create,
    .destroy = echo_destroy,
    .submit = fwd_submit,
};

static const ww_config_key *const tables[] = {ww_runtime_config_keys, NULL};

static char tmpdir[64];
static int setup(void **state) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ww-worker-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}
static int teardown(void **state) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int count_lines(const char *path, const char *needle) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[65536];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (!needle || strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

static void write_docs(const char *path, int n, int with_bad) {
    FILE *f = fopen(path, "w");
    for (int i = 0; i < n; i++) {
        fprintf(f, "{\"id\":\"d%d\",\"title\":\"%s\"}\n", i, i == 3 ? "poison" : "ok");
        if (with_bad && i == 5)
            fprintf(f, "this is not json\n{\"id\":\"x\",\"bogus\":1}\n");
    }
    fclose(f);
}

static void test_file_to_file(void **state) {
    char in[128], out[128], dead[128], err[256];
    snprintf(in, sizeof in, "%s/in.jsonl", tmpdir);
    snprintf(out, sizeof out, "file:%s/out.jsonl", tmpdir);
    snprintf(dead, sizeof dead, "file:%s/dead.jsonl", tmpdir);
    write_docs(in, 50, 1);
    char in_uri[140];
    snprintf(in_uri, sizeof in_uri, "file:%s", in);
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    ww_worker_opts o = {.stage = &echo_stage, .cfg = cfg, .in_uri = in_uri};
    o.out_uri[WW_OUT_MAIN] = out;
    o.out_uri[WW_OUT_DEAD] = dead;
    ww_worker_stats st = {0};
    atomic_store(&trusted_jobs, 0);
    atomic_store(&untrusted_jobs, 0);
    assert_int_equal(ww_worker_run(&o, &st, err, sizeof err), 0);
    assert_int_equal(st.in, 52);
    assert_int_equal(st.out[WW_OUT_MAIN], 49);
    assert_int_equal(st.dead_lettered, 3);
    assert_int_equal(count_lines(out + 5, "\"title\":\"ok\""), 49);
    assert_int_equal(count_lines(dead + 5, "\"reason\":\"malformed\""), 3);
    assert_int_equal(count_lines(dead + 5, "\"original\""), 3);
    ww_config_destroy(cfg);
    /* a file's lines are whatever its writer chose: not trusted unless the worker is
     * told (test_trusted_input) */
    assert_int_equal(atomic_load(&trusted_jobs), 0);
    assert_true(atomic_load(&untrusted_jobs) > 0);
}

static void test_oversized_line(void **state) {
    char in[128], out[128], dead[128], err[256];
    snprintf(in, sizeof in, "%s/big.jsonl", tmpdir);
    snprintf(out, sizeof out, "file:%s/bigout.jsonl", tmpdir);
    snprintf(dead, sizeof dead, "file:%s/bigdead.jsonl", tmpdir);
    FILE *f = fopen(in, "w");
    fprintf(f, "{\"id\":\"a\",\"title\":\"ok\"}\n{\"id\":\"big\",\"title\":\"");
    for (int i = 0; i < 300000; i++)
        fputc('x', f);
    fprintf(f, "\"}\n{\"id\":\"c\",\"title\":\"ok\"}\n");
    fclose(f);
    char in_uri[140];
    snprintf(in_uri, sizeof in_uri, "file:%s", in);
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    assert_int_equal(
        ww_config_set(cfg, "worker.max_message_bytes=100000", err, sizeof err), 0);
    ww_worker_opts o = {.stage = &echo_stage, .cfg = cfg, .in_uri = in_uri};
    o.out_uri[WW_OUT_MAIN] = out;
    o.out_uri[WW_OUT_DEAD] = dead;
    ww_worker_stats st = {0};
    assert_int_equal(ww_worker_run(&o, &st, err, sizeof err), 0);
    assert_int_equal(st.out[WW_OUT_MAIN], 2);
    assert_int_equal(count_lines(dead + 5, "\"reason\":\"oversized\""), 1);
    ww_config_destroy(cfg);
}

typedef struct {
    ww_worker_opts o;
    ww_worker_stats st;
    int rc;
    char err[256];
} thr;
static void *run_thr(void *a) {
    thr *t = a;
    t->rc = ww_worker_run(&t->o, &t->st, t->err, sizeof t->err);
    return NULL;
}

/* Two workers joined by ZeroMQ tcp on 127.0.0.1: the second ends when the first's
 * end-of-stream arrives, with every message delivered. */
static void test_zmq_hop_with_eos(void **state) {
    char in[128], in_uri[140], out[128], err[256];
    snprintf(in, sizeof in, "%s/zin.jsonl", tmpdir);
    snprintf(in_uri, sizeof in_uri, "file:%s", in);
    snprintf(out, sizeof out, "file:%s/zout.jsonl", tmpdir);
    write_docs(in, 2000, 0);
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    assert_int_equal(ww_config_set(cfg, "zmq.hwm=50", err, sizeof err),
                     0); /* exercise HWM */
    void *z = zmq_ctx_new();
    int port = 20000 + (int)(getpid() % 20000);
    char bind[64], conn[64];
    snprintf(bind, sizeof bind, "zmq+tcp://*:%d", port);
    snprintf(conn, sizeof conn, "zmq+tcp://127.0.0.1:%d", port);

    thr a = {0}, b = {0};
    b.o =
        (ww_worker_opts){.stage = &echo_stage, .cfg = cfg, .in_uri = conn, .zmq_ctx = z};
    b.o.out_uri[WW_OUT_MAIN] = out;
    a.o =
        (ww_worker_opts){.stage = &fwd_stage, .cfg = cfg, .in_uri = in_uri, .zmq_ctx = z};
    a.o.out_uri[WW_OUT_MAIN] = bind;
    pthread_t ta, tb;
    atomic_store(&trusted_jobs, 0);
    atomic_store(&untrusted_jobs, 0);
    pthread_create(&tb, NULL, run_thr, &b);
    pthread_create(&ta, NULL, run_thr, &a);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.st.out[WW_OUT_MAIN], 2000);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.st.in, 2000);
    assert_int_equal(b.st.out[WW_OUT_MAIN], 1999); /* one poison, no dead-letter output */
    assert_int_equal(b.st.dead_lettered, 1);
    /* ZeroMQ over tcp is a network input: whoever reaches the socket chose it */
    assert_int_equal(atomic_load(&untrusted_jobs), 2000);
    assert_int_equal(atomic_load(&trusted_jobs), 0);
    assert_int_equal(count_lines(out + 5, "\"title\":\"ok\""), 1999);
    zmq_ctx_term(z);
    ww_config_destroy(cfg);
}

/* ww_worker_opts.trusted_input is the only way to trusted jobs: with it every input is
 * trusted; an in-process socket without it is not (embedded mode sets it on its fetch
 * thread alone, whose only writer is the command line). */
static void test_trusted_input(void **state) {
    char in[128], in_uri[140], out[128], err[256];
    snprintf(in, sizeof in, "%s/tin.jsonl", tmpdir);
    snprintf(in_uri, sizeof in_uri, "file:%s", in);
    snprintf(out, sizeof out, "file:%s/tout.jsonl", tmpdir);
    write_docs(in, 20, 0);
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    ww_worker_opts o = {
        .stage = &echo_stage, .cfg = cfg, .in_uri = in_uri, .trusted_input = 1};
    o.out_uri[WW_OUT_MAIN] = out;
    atomic_store(&trusted_jobs, 0);
    atomic_store(&untrusted_jobs, 0);
    assert_int_equal(ww_worker_run(&o, NULL, err, sizeof err), 0);
    assert_int_equal(atomic_load(&trusted_jobs), 20);
    assert_int_equal(atomic_load(&untrusted_jobs), 0);

    void *z = zmq_ctx_new();
    thr a = {0}, b = {0};
    b.o = (ww_worker_opts){
        .stage = &echo_stage, .cfg = cfg, .in_uri = "zmq+inproc://trust", .zmq_ctx = z};
    b.o.out_uri[WW_OUT_MAIN] = out;
    /* a's trust is not passed on */
    a.o = (ww_worker_opts){.stage = &fwd_stage,
                           .cfg = cfg,
                           .in_uri = in_uri,
                           .zmq_ctx = z,
                           .trusted_input = 1};
    a.o.out_uri[WW_OUT_MAIN] = "zmq+inproc://trust";
    atomic_store(&trusted_jobs, 0);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_thr, &a); /* the output binds: start it first */
    usleep(50 * 1000);
    pthread_create(&tb, NULL, run_thr, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    assert_int_equal(atomic_load(&untrusted_jobs), 20);
    assert_int_equal(atomic_load(&trusted_jobs), 0);
    zmq_ctx_term(z);
    ww_config_destroy(cfg);
}

/* Timer stage: every tick emits one Classified on an internal job. */
static void tick_timer(void *ctx, ww_job *job) {
    size_t len;
    ww_job_data(job, &len);
    assert_int_equal(len, 0); /* internal jobs carry no input */
    Wirewatch__V1__Classified c = WIREWATCH__V1__CLASSIFIED__INIT;
    c.id = "tick";
    ww_job_emit(job, WW_OUT_MAIN, NULL, &c.base);
    ww_job_done(job);
}

static void test_stage_timer(void **state) {
    char out[128], err[256];
    snprintf(out, sizeof out, "file:%s/ticks.jsonl", tmpdir);
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    void *z = zmq_ctx_new();
    static ww_stage_ops ticker;
    ticker = echo_stage;
    ticker.name = "ticker";
    ticker.timer = tick_timer;
    ticker.timer_ms = 50;
    static _Atomic int stop;
    atomic_store(&stop, 0);
    thr a = {0};
    /* an input that never ends: a PULL socket nobody sends to */
    a.o = (ww_worker_opts){.stage = &ticker,
                           .cfg = cfg,
                           .in_uri = "zmq+inproc://ticks-in?bind",
                           .zmq_ctx = z,
                           .stop = &stop};
    a.o.out_uri[WW_OUT_MAIN] = out;
    pthread_t t;
    pthread_create(&t, NULL, run_thr, &a);
    usleep(400 * 1000);
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, 0);
    int n = count_lines(out + 5, "\"tick\"");
    assert_true(n >= 3 && n <= 10);
    assert_int_equal(a.st.in, 0); /* timer work is not input */
    zmq_ctx_term(z);
    ww_config_destroy(cfg);
}

static void test_uri_parse(void **state) {
    ww_uri u;
    char err[256];
    assert_int_equal(
        ww_uri_parse("kafka://h1:9092,h2:9092/pages?group=g1", &u, err, sizeof err), 0);
    assert_int_equal(u.kind, WW_EP_KAFKA);
    assert_string_equal(u.brokers, "h1:9092,h2:9092");
    assert_string_equal(u.topic, "pages");
    assert_string_equal(u.group, "g1");
    ww_uri_free(&u);
    assert_int_equal(ww_uri_parse("zmq+tcp://*:5555", &u, err, sizeof err), 0);
    assert_int_equal(u.zmq_bind, 1);
    assert_string_equal(u.zmq_addr, "tcp://*:5555");
    ww_uri_free(&u);
    assert_int_equal(ww_uri_parse("zmq+tcp://127.0.0.1:5555", &u, err, sizeof err), 0);
    assert_int_equal(u.zmq_bind, 0);
    ww_uri_free(&u);
    assert_int_equal(ww_uri_parse("zmq+ipc:///tmp/x.sock?bind", &u, err, sizeof err), 0);
    assert_int_equal(u.zmq_bind, 1);
    ww_uri_free(&u);
    assert_int_equal(ww_uri_parse("file:/tmp/a.jsonl", &u, err, sizeof err), 0);
    assert_string_equal(u.path, "/tmp/a.jsonl");
    ww_uri_free(&u);
    assert_int_equal(ww_uri_parse("-", &u, err, sizeof err), 0);
    assert_int_equal(u.kind, WW_EP_STDIO);
    const char *bad[] = {"",
                         "kafka://h:1",
                         "kafka://h:1/",
                         "kafka://h:1/t?grp=x",
                         "kafka://h:1/bad topic",
                         "zmq+udp://x:1",
                         "zmq+tcp://nohost",
                         "http://x/",
                         "file:",
                         "zmq+ipc:///x?sideways"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_not_equal(ww_uri_parse(bad[i], &u, err, sizeof err), 0);
        assert_true(strlen(err) > 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_parse),
        cmocka_unit_test_setup_teardown(test_file_to_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zmq_hop_with_eos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
