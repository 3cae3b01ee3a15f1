/* Metrics, the status page and the HTTP server: the Prometheus text, histograms from
 * trace stamps, named counters and error kinds, Kafka lag from librdkafka statistics,
 * readiness and stall detection, HTML escaping, and a live worker (test stage) scraped
 * over HTTP while it runs, reloaded with POST /reload (accepted and refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/http.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/metrics.h"
#include "wirewatch/worker.h"

/* ---- helpers ------------------------------------------------------------------------ */

/* Value of the sample line that starts with `prefix ` in a Prometheus text; -1 when
 * absent. */
static double sample(const char *text, const char *prefix) {
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, prefix, pl) == 0 && p[pl] == ' ')
            return strtod(p + pl + 1, NULL);
    }
    return -1;
}

static Wirewatch__V1__Trace *trace_with(const char *const *keys, const int64_t *vals,
                                        int n) {
    Wirewatch__V1__Trace *t = NULL;
    for (int i = 0; i < n; i++) {
        assert_int_equal(ww_trace_stamp(&t, keys[i]), 0);
        t->stamps[t->n_stamps - 1]->value = vals[i];
    }
    return t;
}

typedef struct {
    char *buf;
    size_t len;
} body;

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
    body *b = ud;
    char *nb = realloc(b->buf, b->len + sz * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + b->len, p, sz * n);
    b->buf = nb;
    b->len += sz * n;
    b->buf[b->len] = 0;
    return sz * n;
}

/* HTTP request to 127.0.0.1:port; returns the status, body in *out (caller frees). */
static long http(int port, const char *method, const char *path, char **out) {
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    body b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (out)
        *out = b.buf ? b.buf : strdup("");
    else
        free(b.buf);
    return status;
}

/* ---- pure metrics -------------------------------------------------------------------- */

static void test_render_counters_and_kinds(void **state) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("parse", &st);
    assert_non_null(m);
    st.in = 7;
    st.out[WW_OUT_MAIN] = 5;
    st.out[WW_OUT_DEAD] = 2;
    st.dead_lettered = 2;
    st.in_flight = 1;
    ww_metrics_count(m, "limit_body_bytes", 3);
    ww_metrics_count(m, "limit_body_bytes", 1);
    ww_metrics_count(m, "odd-name.x", 1);
    ww_metrics_error(m, "malformed", "bad bytes");
    ww_metrics_error(m, "malformed", "bad bytes again");
    ww_metrics_error(m, "oversized", "too big");
    ww_metrics_bytes(m, -1, 100);
    ww_metrics_bytes(m, WW_OUT_MAIN, 40);
    size_t len;
    char *t = ww_metrics_render(m, &len);
    assert_non_null(t);
    assert_int_equal(strlen(t), len);
    assert_true(sample(t, "wirewatch_parse_messages_in_total") == 7);
    assert_true(sample(t, "wirewatch_parse_messages_out_total{output=\"main\"}") == 5);
    assert_true(sample(t, "wirewatch_parse_messages_out_total{output=\"dead\"}") == 2);
    assert_true(sample(t, "wirewatch_parse_dead_lettered_total") == 2);
    assert_true(sample(t, "wirewatch_parse_in_flight") == 1);
    assert_true(sample(t, "wirewatch_parse_limit_body_bytes_total") == 4);
    assert_true(sample(t, "wirewatch_parse_odd_name_x_total") == 1);
    assert_true(sample(t, "wirewatch_parse_errors_total{kind=\"malformed\"}") == 2);
    assert_true(sample(t, "wirewatch_parse_errors_total{kind=\"oversized\"}") == 1);
    assert_true(sample(t, "wirewatch_parse_bytes_in_total") == 100);
    assert_true(sample(t, "wirewatch_parse_bytes_out_total{output=\"main\"}") == 40);
    assert_non_null(strstr(t, "# TYPE wirewatch_parse_messages_in_total counter\n"));
    assert_non_null(strstr(t, "# TYPE wirewatch_parse_in_flight gauge\n"));
    assert_non_null(strstr(t, "# TYPE wirewatch_parse_latency_seconds histogram\n"));
    /* every line is a comment or "name[{labels}] value" */
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (line[0] != '#') {
            char *sp = memchr(line, ' ', (size_t)(nl - line));
            assert_non_null(sp);
            assert_true(strncmp(line, "wirewatch_", 10) == 0);
        }
        line = nl + 1;
    }
    free(t);
    ww_metrics_free(m);
}

static void test_histograms_from_trace(void **state) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("classify", &st);
    int64_t now = 1700000000000000LL; /* 2023-11-14T22:13:20Z */
    const char *keys[] = {"submitted", "fetch", "parse", "classify"};
    int64_t vals[] = {now - 3000000, now - 2000000, now - 30000, now};
    Wirewatch__V1__Classified c = WIREWATCH__V1__CLASSIFIED__INIT;
    c.trace = trace_with(keys, vals, 4);
    c.id = "doc-1";
    c.title = "A <b>title</b>";
    c.published = "2023-11-14T22:08:20Z"; /* 300 s before classify */
    Wirewatch__V1__Label l = WIREWATCH__V1__LABEL__INIT, *lp = &l;
    l.name = "politics";
    l.code = "medtop:11000000";
    l.score = 0.75f;
    c.n_labels = 1;
    c.labels = &lp;
    c.taxonomy_version = "iptc-2024";
    ww_metrics_observe(m, &c.base, now + 5);
    /* a Document has no end-to-end or freshness; its latency is parse - fetch */
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.trace = trace_with(keys, vals, 2);
    d.published = "2023-11-14T23:13:20+01:00"; /* same instant as now, with an offset */
    ww_metrics_observe(m, &d.base, now);

    char *t = ww_metrics_render(m, NULL);
    /* classify: 30 ms after parse -> first bucket >= 0.05 */
    assert_true(sample(t, "wirewatch_classify_latency_seconds_bucket{le=\"0.025\"}") ==
                0);
    assert_true(sample(t, "wirewatch_classify_latency_seconds_bucket{le=\"0.05\"}") == 1);
    /* the Document (stamps submitted, fetch; its "classify" stamp missing = now): 2 s */
    assert_true(sample(t, "wirewatch_classify_latency_seconds_bucket{le=\"2.5\"}") == 2);
    assert_true(sample(t, "wirewatch_classify_latency_seconds_count") == 2);
    assert_true(sample(t, "wirewatch_end_to_end_seconds_count") == 1);
    assert_true(sample(t, "wirewatch_end_to_end_seconds_bucket{le=\"2.5\"}") == 0);
    assert_true(sample(t, "wirewatch_end_to_end_seconds_bucket{le=\"5\"}") == 1);
    assert_true(sample(t, "wirewatch_end_to_end_seconds_sum") == 3.0);
    assert_true(sample(t, "wirewatch_freshness_seconds_count") == 1);
    assert_true(sample(t, "wirewatch_freshness_seconds_bucket{le=\"60\"}") == 0);
    assert_true(sample(t, "wirewatch_freshness_seconds_bucket{le=\"300\"}") == 1);
    assert_true(sample(t, "wirewatch_freshness_seconds_sum") == 300.0);
    free(t);

    ww_metrics_snap s;
    ww_metrics_snapshot(m, now, &s);
    assert_int_equal(s.n_docs, 2);
    assert_string_equal(s.docs[1].id, "doc-1"); /* newest first */
    assert_string_equal(s.docs[1].labels, "politics (0.75)");
    assert_string_equal(s.docs[1].version, "iptc-2024");
    char *html = ww_status_page_html(&s, NULL);
    assert_non_null(strstr(html, "A &lt;b&gt;title&lt;/b&gt;"));
    assert_null(strstr(html, "<b>title"));
    assert_null(strstr(html, "<script"));
    free(html);
    char *js = ww_status_page_json(&s, NULL);
    json_error_t je;
    json_t *j = json_loads(js, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "stage")), "classify");
    assert_int_equal(json_array_size(json_object_get(j, "recent_documents")), 2);
    json_decref(j);
    free(js);
    protobuf_c_message_free_unpacked(&c.trace->base, NULL);
    protobuf_c_message_free_unpacked(&d.trace->base, NULL);
    ww_metrics_free(m);
}

static void test_kafka_lag(void **state) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("parse", &st);
    /* the shape of librdkafka's statistics JSON (STATISTICS.md), trimmed */
    const char *js =
        "{\"name\":\"rdkafka#consumer-1\",\"type\":\"consumer\",\"topics\":{"
        "\"ww.pages\":{\"topic\":\"ww.pages\",\"partitions\":{"
        "\"0\":{\"partition\":0,\"consumer_lag\":42,\"hi_offset\":100},"
        "\"1\":{\"partition\":1,\"consumer_lag\":-1},"
        "\"-1\":{\"partition\":-1,\"consumer_lag\":-1}}},"
        "\"ww\\\"odd\":{\"partitions\":{\"3\":{\"partition\":3,\"consumer_lag\":7}}}}}";
    assert_int_equal(ww_metrics_kafka_stats(m, js, strlen(js)), 0);
    char *t = ww_metrics_render(m, NULL);
    assert_true(
        sample(
            t,
            "wirewatch_parse_kafka_consumer_lag{topic=\"ww.pages\",partition=\"0\"}") ==
        42);
    assert_null(strstr(t, "partition=\"1\""));
    assert_null(strstr(t, "partition=\"-1\""));
    assert_true(
        sample(
            t,
            "wirewatch_parse_kafka_consumer_lag{topic=\"ww\\\"odd\",partition=\"3\"}") ==
        7);
    free(t);
    assert_int_equal(ww_metrics_kafka_stats(m, "{not json", 9), WW_EMALFORMED);
    ww_metrics_free(m);
}

static void test_readiness_and_stall(void **state) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("fetch", &st);
    char why[200];
    int64_t now = ww_now_us();
    assert_int_equal(ww_metrics_ready(m, now, why, sizeof why), 0);
    assert_non_null(strstr(why, "not started"));
    ww_metrics_set_stall_ms(m, 1000);
    ww_metrics_tick(m, now);
    ww_metrics_set_ready(m, 0, "input kafka://x/y not connected");
    assert_int_equal(ww_metrics_ready(m, now, why, sizeof why), 0);
    assert_non_null(strstr(why, "kafka://x/y"));
    ww_metrics_set_ready(m, 1, "");
    assert_int_equal(ww_metrics_ready(m, now, why, sizeof why), 1);
    /* loop silent for longer than the stall timeout */
    assert_int_equal(ww_metrics_ready(m, now + 2000000, why, sizeof why), 0);
    assert_non_null(strstr(why, "stalled"));
    /* loop turning but one input stuck in flight */
    st.in = 1;
    st.in_flight = 1;
    ww_metrics_tick(m, now + 100);
    ww_metrics_tick(m, now + 900000);
    assert_int_equal(ww_metrics_ready(m, now + 900000, why, sizeof why), 1);
    ww_metrics_tick(m, now + 2500000);
    assert_int_equal(ww_metrics_ready(m, now + 2500000, why, sizeof why), 0);
    assert_non_null(strstr(why, "none finished"));
    st.in_flight = 0; /* it finished */
    ww_metrics_tick(m, now + 2600000);
    assert_int_equal(ww_metrics_ready(m, now + 2600000, why, sizeof why), 1);
    ww_metrics_set_stopped(m);
    assert_int_equal(ww_metrics_ready(m, now + 2600000, why, sizeof why), 0);
    ww_metrics_free(m);
}

static void test_rates(void **state) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("parse", &st);
    int64_t t0 = 1700000000000000LL;
    for (int s = 0; s <= 90; s++) {
        st.in = s * 10;
        st.out[WW_OUT_MAIN] = s * 5;
        ww_metrics_tick(m, t0 + (int64_t)s * 1000000);
    }
    ww_metrics_snap snap;
    ww_metrics_snapshot(m, t0 + 90 * 1000000LL, &snap);
    assert_int_equal(snap.rate_window_s, 60);
    assert_true(snap.rate_in > 9.99 && snap.rate_in < 10.01);
    assert_true(snap.rate_out > 4.99 && snap.rate_out < 5.01);
    ww_metrics_free(m);
}

/* ---- HTTP server ------------------------------------------------------------------ */

static void test_http_endpoints(void **state) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("parse", &st);
    char err[256];
    ww_http_opts o = {.listen = "127.0.0.1:0", .metrics = m};
    ww_http *h = ww_http_start(&o, err, sizeof err);
    assert_non_null(h);
    int port = ww_http_port(h);
    assert_true(port > 0);
    char *b;
    assert_int_equal(http(port, "GET", "/healthz", &b), 200);
    free(b);
    assert_int_equal(http(port, "GET", "/readyz", &b), 503);
    assert_non_null(strstr(b, "not started"));
    free(b);
    ww_metrics_tick(m, ww_now_us());
    ww_metrics_set_ready(m, 1, "");
    assert_int_equal(http(port, "GET", "/readyz", &b), 200);
    free(b);
    st.in = 3;
    assert_int_equal(http(port, "GET", "/metrics", &b), 200);
    assert_true(sample(b, "wirewatch_parse_messages_in_total") == 3);
    assert_true(sample(b, "wirewatch_parse_ready") == 1);
    free(b);
    assert_int_equal(http(port, "GET", "/", &b), 200);
    assert_non_null(strstr(b, "<!DOCTYPE html>"));
    free(b);
    assert_int_equal(http(port, "GET", "/status.json", &b), 200);
    free(b);
    assert_int_equal(http(port, "GET", "/nope", NULL), 404);
    assert_int_equal(http(port, "POST", "/metrics", NULL), 405);
    assert_int_equal(http(port, "POST", "/reload", NULL), 404); /* no reload flag given */
    assert_int_equal(http(port, "POST", "/loglevel?level=debug", &b), 200);
    assert_string_equal(b, "debug\n");
    free(b);
    assert_int_equal(atomic_load(&ww_log_level_current), WW_LOG_DEBUG);
    assert_int_equal(http(port, "POST", "/loglevel?level=loud", NULL), 400);
    assert_int_equal(http(port, "POST", "/loglevel?level=warn", NULL), 200);
    assert_int_equal(http(port, "GET", "/loglevel", &b), 200);
    assert_string_equal(b, "warn\n");
    free(b);

    /* the same port again cannot be bound; a bad address is refused */
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    ww_http_opts o2 = {.listen = listen, .metrics = m};
    assert_null(ww_http_start(&o2, err, sizeof err));
    assert_non_null(strstr(err, listen));
    o2.listen = "no-port";
    assert_null(ww_http_start(&o2, err, sizeof err));
    assert_non_null(strstr(err, "HOST:PORT"));
    ww_http_stop(h);
    ww_http_stop(NULL);
    ww_metrics_free(m);
}

/* ---- a live worker ---------------------------------------------------------------- */

/* Test stage: Document -> Classified, stamping "classify"; its "taxonomy" is the first
 * line of a file named by the global below, re-read on reload ("bad" is refused). */
static char tax_path[128];
typedef struct {
    char version[64];
} tctx;
static int read_tax(tctx *c, char *err, size_t errlen) {
    FILE *f = fopen(tax_path, "r");
    if (!f)
        return ww_seterr(err, errlen, WW_ENOTFOUND, "%s: cannot open", tax_path);
    char line[64] = "";
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    line[strcspn(line, "\n")] = 0;
    if (!ok || strcmp(line, "bad") == 0)
        return ww_seterr(err, errlen, WW_EMALFORMED, "%s: broken taxonomy", tax_path);
    snprintf(c->version, sizeof c->version, "%s", line);
    return 0;
}
static void *t_create(const ww_config *cfg, char *err, size_t errlen) {
    tctx *c = calloc(1, sizeof *c);
    if (c && read_tax(c, err, errlen)) {
        free(c);
        return NULL;
    }
    return c;
}
static void t_destroy(void *ctx) { free(ctx); }
static int t_reload(void *ctx, const ww_config *cfg, char *err, size_t errlen) {
    tctx n;
    int rc = read_tax(&n, err, errlen);
    if (rc == 0)
        *(tctx *)ctx = n;
    return rc;
}
static void t_submit(void *ctx, ww_job *job) {
    tctx *c = ctx;
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    char err[128];
    int code;
    Wirewatch__V1__Document *d = (Wirewatch__V1__Document *)ww_msg_unpack(
        &wirewatch__v1__document__descriptor, data, len, 0, &code, err, sizeof err);
    if (!d) {
        ww_job_dead_letter(job, code, err);
        ww_job_done(job);
        return;
    }
    Wirewatch__V1__Classified o = WIREWATCH__V1__CLASSIFIED__INIT;
    o.id = d->id;
    o.title = d->title;
    o.published = d->published;
    o.taxonomy_version = c->version;
    Wirewatch__V1__Trace *t = ww_trace_copy(d->trace);
    ww_trace_stamp(&t, "classify");
    o.trace = t;
    ww_job_count(job, "documents_seen", 1);
    ww_job_emit(job, WW_OUT_MAIN, d->id, &o.base);
    protobuf_c_message_free_unpacked(&t->base, NULL);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    ww_job_done(job);
}
static const ww_stage_ops test_stage = {
    .name = "classify",
    .in_type = &wirewatch__v1__document__descriptor,
    .out_type = &wirewatch__v1__classified__descriptor,
    .create = t_create,
    .destroy = t_destroy,
    .submit = t_submit,
    .reload = t_reload,
};

typedef struct {
    ww_worker_opts o;
    ww_worker_stats *stats;
    int rc;
    char err[256];
} run_arg;
static void *run_thr(void *p) {
    run_arg *a = p;
    a->rc = ww_worker_run(&a->o, a->stats, a->err, sizeof a->err);
    return NULL;
}

static void send_doc(ww_endpoint *ep, int i) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    char id[32];
    snprintf(id, sizeof id, "doc-%d", i);
    d.id = id;
    d.title = "title";
    d.published = "2020-01-01T00:00:00Z";
    const char *keys[] = {"submitted", "parse"};
    int64_t now = ww_now_us();
    int64_t vals[] = {now - 100000, now - 1000};
    d.trace = trace_with(keys, vals, 2);
    int rc;
    while ((rc = ww_endpoint_send(ep, id, &d.base, "", NULL, NULL)) == WW_EAGAIN)
        ww_endpoint_poll(ep, 10);
    assert_int_equal(rc, 0);
    protobuf_c_message_free_unpacked(&d.trace->base, NULL);
}

static void wait_for(int port, const char *metric, double want) {
    for (int i = 0; i < 200; i++) {
        char *b;
        if (http(port, "GET", "/metrics", &b) == 200 && sample(b, metric) >= want) {
            free(b);
            return;
        }
        free(b);
        usleep(20000);
    }
    fail_msg("%s never reached %g", metric, want);
}

static void test_live_worker_scrape_and_reload(void **state) {
    char dir[] = "/tmp/ww-metrics-test-XXXXXX", err[256], out_uri[160], in_uri[64];
    assert_non_null(mkdtemp(dir));
    snprintf(tax_path, sizeof tax_path, "%s/tax.txt", dir);
    FILE *f = fopen(tax_path, "w");
    fputs("tax-v1\n", f);
    fclose(f);
    snprintf(out_uri, sizeof out_uri, "file:%s/out.jsonl", dir);
    snprintf(in_uri, sizeof in_uri, "zmq+inproc://metrics-test-%d", (int)getpid());

    static const ww_config_key *const tables[] = {ww_runtime_config_keys, NULL};
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    assert_non_null(cfg);
    void *z = zmq_ctx_new();
    /* the test is the upstream producer: an output endpoint on inproc binds */
    ww_endpoint *src =
        ww_endpoint_open(in_uri, WW_EP_OUT, &wirewatch__v1__document__descriptor, cfg, z,
                         "test", err, sizeof err);
    assert_non_null(src);

    static ww_worker_stats stats;
    ww_metrics *m = ww_metrics_new("classify", &stats);
    static _Atomic int stop, reload;
    ww_http_opts ho = {.listen = "127.0.0.1:0",
                       .metrics = m,
                       .reload = &reload,
                       .reload_wait_ms = 10000};
    ww_http *h = ww_http_start(&ho, err, sizeof err);
    assert_non_null(h);
    int port = ww_http_port(h);

    run_arg a = {.stats = &stats};
    a.o = (ww_worker_opts){.stage = &test_stage,
                           .cfg = cfg,
                           .in_uri = in_uri,
                           .zmq_ctx = z,
                           .stop = &stop,
                           .reload = &reload,
                           .metrics = m};
    a.o.out_uri[WW_OUT_MAIN] = out_uri;
    pthread_t th;
    pthread_create(&th, NULL, run_thr, &a);

    for (int i = 0; i < 20; i++)
        send_doc(src, i);
    wait_for(port, "wirewatch_classify_messages_out_total{output=\"main\"}", 20);
    char *b;
    assert_int_equal(http(port, "GET", "/metrics", &b), 200);
    assert_true(sample(b, "wirewatch_classify_messages_in_total") == 20);
    assert_true(sample(b, "wirewatch_classify_documents_seen_total") == 20);
    assert_true(sample(b, "wirewatch_classify_latency_seconds_count") == 20);
    assert_true(sample(b, "wirewatch_end_to_end_seconds_count") == 20);
    assert_true(sample(b, "wirewatch_freshness_seconds_count") == 20);
    assert_true(sample(b, "wirewatch_classify_bytes_in_total") > 0);
    assert_true(sample(b, "wirewatch_classify_bytes_out_total{output=\"main\"}") > 0);
    free(b);
    assert_int_equal(http(port, "GET", "/readyz", NULL), 200);
    assert_int_equal(http(port, "GET", "/", &b), 200);
    assert_non_null(strstr(b, "doc-19"));
    assert_non_null(strstr(b, "tax-v1"));
    free(b);

    /* a broken taxonomy is refused and the old one stays */
    f = fopen(tax_path, "w");
    fputs("bad\n", f);
    fclose(f);
    assert_int_equal(http(port, "POST", "/reload", &b), 422);
    assert_non_null(strstr(b, "broken taxonomy"));
    free(b);
    for (int i = 20; i < 25; i++)
        send_doc(src, i);
    wait_for(port, "wirewatch_classify_messages_out_total{output=\"main\"}", 25);
    /* a good one is taken, and later documents carry it */
    f = fopen(tax_path, "w");
    fputs("tax-v2\n", f);
    fclose(f);
    assert_int_equal(http(port, "POST", "/reload", &b), 200);
    free(b);
    for (int i = 25; i < 30; i++)
        send_doc(src, i);
    wait_for(port, "wirewatch_classify_messages_out_total{output=\"main\"}", 30);
    assert_int_equal(http(port, "GET", "/metrics", &b), 200);
    assert_true(sample(b, "wirewatch_classify_reloads_total{result=\"ok\"}") == 1);
    assert_true(sample(b, "wirewatch_classify_reloads_total{result=\"error\"}") == 1);
    assert_true(sample(b, "wirewatch_classify_errors_total{kind=\"reload\"}") == 1);
    free(b);

    assert_int_equal(ww_endpoint_send_eos(src), 0);
    pthread_join(th, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(http(port, "GET", "/readyz", &b), 503);
    assert_non_null(strstr(b, "stopped"));
    free(b);

    /* nothing lost across the reloads; versions switch at the good reload only */
    char path[160], line[4096];
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    int n = 0, v1 = 0, v2 = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        if (strstr(line, "\"tax-v1\""))
            v1++;
        if (strstr(line, "\"tax-v2\""))
            v2++;
    }
    fclose(f);
    assert_int_equal(n, 30);
    assert_int_equal(v1, 25);
    assert_int_equal(v2, 5);

    ww_http_stop(h);
    ww_metrics_free(m);
    ww_endpoint_close(src);
    zmq_ctx_term(z);
    ww_config_destroy(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_counters_and_kinds),
        cmocka_unit_test(test_histograms_from_trace),
        cmocka_unit_test(test_kafka_lag),
        cmocka_unit_test(test_readiness_and_stall),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_http_endpoints),
        cmocka_unit_test(test_live_worker_scrape_and_reload),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
