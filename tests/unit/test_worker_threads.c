/* worker.threads (workers/common/worker_threads.c) driven by a test stage whose
 * process takes a different time per input, so results are done out of order: the
 * outputs still leave in input order, undecodable inputs and refused ones are
 * dead-lettered in their place, the work really runs on several threads and never
 * calls back into the worker from them, a stop forced by the deadline frees every
 * result, and worker.threads outside 1..64 is refused.  Run again under ASan/UBSan by
 * make test (and by hand under ThreadSanitizer: docs/benchmarks.md, worker.threads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"
#include "wirewatch/worker.h"

#define MAX_SEEN 16

/* what the stage saw: threads that ran process, results made and let go */
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t seen[MAX_SEEN];
static int nseen;
static atomic_int made, finished, discarded, ts_alive, on_main_thread;
static pthread_t main_thread;
static atomic_int slow_us; /* process's base delay */

static void note_thread(void) {
    pthread_t me = pthread_self();
    if (pthread_equal(me, main_thread))
        atomic_fetch_add(&on_main_thread, 1);
    pthread_mutex_lock(&seen_mu);
    int known = 0;
    for (int i = 0; i < nseen; i++)
        known |= pthread_equal(seen[i], me);
    if (!known && nseen < MAX_SEEN)
        seen[nseen++] = me;
    pthread_mutex_unlock(&seen_mu);
}

typedef struct result {
    Wirewatch__V1__Document *d;
} result;

static void *t_create(const ww_config *cfg, char *err, size_t errlen) {
    return (void *)1;
}
static void t_destroy(void *ctx) {}

static void *t_thread_new(void *ctx, char *err, size_t errlen) {
    atomic_fetch_add(&ts_alive, 1);
    return malloc(16); /* under ASan a state not freed is a leak */
}
static void t_thread_free(void *ctx, void *ts) {
    atomic_fetch_sub(&ts_alive, 1);
    free(ts);
}

/* Inputs take 0..3 units of time by their id, so later ones often finish first. */
static void *t_process(void *ctx, void *ts, ww_job *job) {
    note_thread();
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    result *r = calloc(1, sizeof *r);
    r->d = wirewatch__v1__document__unpack(NULL, len, data);
    unsigned h = 0;
    for (const char *p = r->d ? r->d->id : ""; *p; p++)
        h = h * 31 + (unsigned char)*p;
    struct timespec pause = {0, (long)(h % 4) * atomic_load(&slow_us) * 1000L};
    nanosleep(&pause, NULL);
    atomic_fetch_add(&made, 1);
    return r;
}

static void t_free(void *ctx, void *res) {
    result *r = res;
    if (r->d)
        wirewatch__v1__document__free_unpacked(r->d, NULL);
    free(r);
}

static void t_discard(void *ctx, void *res) {
    atomic_fetch_add(&discarded, 1);
    t_free(ctx, res);
}

static void t_finish(void *ctx, ww_job *job, void *res) {
    result *r = res;
    assert_true(pthread_equal(pthread_self(), main_thread));
    atomic_fetch_add(&finished, 1);
    if (!r->d || strcmp(r->d->title, "poison") == 0) {
        ww_job_dead_letter(job, WW_EMALFORMED, "poison title");
    } else {
        Wirewatch__V1__Classified c = WIREWATCH__V1__CLASSIFIED__INIT;
        c.id = r->d->id;
        c.title = r->d->title;
        ww_job_emit(job, WW_OUT_MAIN, r->d->id, &c.base);
    }
    t_free(ctx, r);
    ww_job_done(job);
}

static void t_submit(void *ctx, ww_job *job) {
    t_finish(ctx, job, t_process(ctx, NULL, job));
}

static const ww_stage_parallel t_parallel = {
    .thread_new = t_thread_new,
    .thread_free = t_thread_free,
    .process = t_process,
    .finish = t_finish,
    .discard = t_discard,
};
static const ww_stage_ops t_stage = {
    .name = "threads-test",
    .in_type = &wirewatch__v1__document__descriptor,
    .out_type = &wirewatch__v1__classified__descriptor,
    .create = t_create,
    .destroy = t_destroy,
    .submit = t_submit,
    .parallel = &t_parallel,
};

static const ww_config_key *const tables[] = {ww_runtime_config_keys, NULL};
static char tmpdir[64];

static int setup(void **state) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ww-threads-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    main_thread = pthread_self();
    return 0;
}
static int teardown(void **state) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void reset_counts(int us) {
    nseen = 0;
    atomic_store(&made, 0);
    atomic_store(&finished, 0);
    atomic_store(&discarded, 0);
    atomic_store(&on_main_thread, 0);
    atomic_store(&slow_us, us);
}

/* n documents, every 7th poisoned, a line that is not JSON after every 50th. */
static void write_input(const char *path, int n) {
    FILE *f = fopen(path, "w");
    for (int i = 0; i < n; i++) {
        fprintf(f, "{\"id\":\"d%d\",\"title\":\"%s\"}\n", i,
                i % 7 == 3 ? "poison" : "ok");
        if (i % 50 == 49)
            fprintf(f, "not json %d\n", i);
    }
    fclose(f);
}

/* Runs the test stage over in.jsonl with the given settings; returns ww_worker_run's
 * code, err and stats filled. */
static int run(const char *threads, const char *extra, ww_worker_stats *st, char *err,
               size_t errlen, _Atomic int *stop) {
    char in[128], out[128], dead[128], set[64];
    snprintf(in, sizeof in, "file:%s/in.jsonl", tmpdir);
    snprintf(out, sizeof out, "file:%s/out.jsonl", tmpdir);
    snprintf(dead, sizeof dead, "file:%s/dead.jsonl", tmpdir);
    unlink(out + 5); /* file outputs append */
    unlink(dead + 5);
    ww_config *cfg = ww_config_load(NULL, tables, err, errlen);
    assert_non_null(cfg);
    snprintf(set, sizeof set, "worker.threads=%s", threads);
    assert_int_equal(ww_config_set(cfg, set, err, errlen), 0);
    if (extra)
        assert_int_equal(ww_config_set(cfg, extra, err, errlen), 0);
    ww_worker_opts o = {.stage = &t_stage, .cfg = cfg, .in_uri = in, .stop = stop};
    o.out_uri[WW_OUT_MAIN] = out;
    o.out_uri[WW_OUT_DEAD] = dead;
    int rc = ww_worker_run(&o, st, err, errlen);
    ww_config_destroy(cfg);
    return rc;
}

/* The ids on out.jsonl, in order, as one string "d0 d1 ..."; the dead letters' source
 * offsets likewise. */
static void read_order(const char *name, const char *field, char *buf, size_t cap) {
    char path[128], line[4096];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    buf[0] = 0;
    size_t n = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, field);
        assert_non_null(p);
        p += strlen(field);
        size_t k = strcspn(p, "\",");
        n += (size_t)snprintf(buf + n, cap - n, "%.*s ", (int)k, p);
        assert_true(n < cap);
    }
    if (f)
        fclose(f);
}

static void test_order_kept(void **state) {
    char in[128], err[256];
    snprintf(in, sizeof in, "%s/in.jsonl", tmpdir);
    write_input(in, 400);
    static char out1[16384], dead1[4096], out4[16384], dead4[4096];
    ww_worker_stats st1 = {0}, st4 = {0};
    reset_counts(0);
    assert_int_equal(run("1", NULL, &st1, err, sizeof err, NULL), 0);
    assert_int_equal(nseen, 1); /* no threads: the worker's own */
    assert_int_equal(atomic_load(&on_main_thread), atomic_load(&made));
    read_order("out.jsonl", "\"id\":\"", out1, sizeof out1);
    read_order("dead.jsonl", "\"source_offset\":\"", dead1, sizeof dead1);

    reset_counts(300);
    assert_int_equal(run("4", NULL, &st4, err, sizeof err, NULL), 0);
    read_order("out.jsonl", "\"id\":\"", out4, sizeof out4);
    read_order("dead.jsonl", "\"source_offset\":\"", dead4, sizeof dead4);
    assert_string_equal(out4, out1);
    assert_string_equal(dead4, dead1);
    assert_int_equal(st4.in, 408);
    assert_int_equal(st4.out[WW_OUT_MAIN], st1.out[WW_OUT_MAIN]);
    assert_int_equal(st4.dead_lettered, 57 + 8); /* poison + not JSON */
    assert_int_equal(st4.dead_lettered, st1.dead_lettered);
    assert_int_equal(atomic_load(&on_main_thread), 0); /* process never on the worker's */
    assert_true(nseen >= 2);                           /* ... but on several threads */
    assert_int_equal(atomic_load(&finished), 400);
    assert_int_equal(atomic_load(&discarded), 0);
    assert_int_equal(atomic_load(&ts_alive), 0);
}

/* A stop whose deadline has passed leaves results unfinished: each is discarded,
 * none leaks, the thread states are freed, the worker still returns 0. */
static void *stop_later(void *arg) {
    struct timespec t = {0, 30 * 1000000L};
    nanosleep(&t, NULL);
    atomic_store((_Atomic int *)arg, 1);
    return NULL;
}

static void test_forced_stop_frees_results(void **state) {
    char in[128], err[256];
    snprintf(in, sizeof in, "%s/in.jsonl", tmpdir);
    write_input(in, 2000);
    reset_counts(2000);
    _Atomic int stop = 0;
    pthread_t t;
    pthread_create(&t, NULL, stop_later, &stop);
    ww_worker_stats st = {0};
    int rc = run("3", "worker.shutdown_timeout_ms=0", &st, err, sizeof err, &stop);
    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    assert_true(st.in < 2040);
    assert_int_equal(atomic_load(&made),
                     atomic_load(&finished) + atomic_load(&discarded));
    assert_int_equal(atomic_load(&ts_alive), 0);
}

static void test_threads_bounds(void **state) {
    char in[128], err[256];
    snprintf(in, sizeof in, "%s/in.jsonl", tmpdir);
    write_input(in, 3);
    ww_worker_stats st = {0};
    assert_int_equal(run("0", NULL, &st, err, sizeof err, NULL), WW_EINVAL);
    assert_non_null(strstr(err, "worker.threads"));
    assert_int_equal(run("65", NULL, &st, err, sizeof err, NULL), WW_EINVAL);
    reset_counts(0);
    assert_int_equal(run("64", NULL, &st, err, sizeof err, NULL), 0);
    assert_int_equal(atomic_load(&finished), 3);
    assert_int_equal(atomic_load(&ts_alive), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_kept),
        cmocka_unit_test(test_forced_stop_frees_results),
        cmocka_unit_test(test_threads_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
