/* Metrics of one worker: what /metrics, /readyz and the status page show.
 *
 * Two sides, two threads:
 *   - the worker thread records (counters, histograms, rings, readiness): atomics, or
 *     a mutex held only for a memcpy — it never waits on the network;
 *   - the HTTP thread reads (ww_metrics_render, ww_metrics_snapshot, ww_metrics_ready).
 *
 * Counter names follow wirewatch_<stage>_<thing>_total, histograms _seconds:
 *   wirewatch_<stage>_messages_in_total, _messages_out_total{output},
 *   _dropped_total{output}, _dead_lettered_total, _errors_total{kind},
 *   _bytes_in_total, _bytes_out_total{output}, _delivery_failed_total,
 *   _backpressure_waits_total, _reloads_total{result}, _in_flight (gauge),
 *   _ready (gauge), _kafka_consumer_lag{topic,partition} (gauge), one
 *   wirewatch_<stage>_<name>_total per stage-named counter (ww_job_count), and the
 *   histograms wirewatch_<stage>_latency_seconds (this stage's stamp - the previous
 *   stage's), wirewatch_end_to_end_seconds (classify - submitted) and
 *   wirewatch_freshness_seconds (classify - the article's published time). */
#ifndef WIREWATCH_METRICS_H
#define WIREWATCH_METRICS_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "wirewatch/worker.h"

typedef struct ww_metrics ww_metrics;

/* stats is borrowed and must outlive the metrics (the worker's counters).  Returns
 * NULL on ENOMEM.  Free with ww_metrics_free (NULL is a no-op). */
ww_metrics *ww_metrics_new(const char *stage, ww_worker_stats *stats);
void ww_metrics_free(ww_metrics *m);
const char *ww_metrics_stage(const ww_metrics *m);
ww_worker_stats *ww_metrics_stats(ww_metrics *m);

/* ---- worker thread ---------------------------------------------------------------- */

/* A stage-named counter ("robots_denied"); the name is copied the first time. */
void ww_metrics_count(ww_metrics *m, const char *name, long long delta);
/* Bytes read (out < 0) or written to output `out` (ww_out). */
void ww_metrics_bytes(ww_metrics *m, int out, size_t n);
/* One error of a kind ("malformed", "delivery", "reload"): counted, and kept with its
 * detail among the last errors shown on the status page. */
void ww_metrics_error(ww_metrics *m, const char *kind, const char *detail);
/* An output message of the stage (main output): reads its Trace and published time
 * for the histograms and keeps it among the recent documents. */
void ww_metrics_observe(ww_metrics *m, const ProtobufCMessage *msg, int64_t now_us);
/* Called every loop turn (cheap): rate samples, heartbeat, progress. */
void ww_metrics_tick(ww_metrics *m, int64_t now_us);
/* Endpoint readiness as the worker last saw it; why (may be NULL) says what is not
 * ready. */
void ww_metrics_set_ready(ww_metrics *m, int ready, const char *why);
/* The worker has finished: /readyz turns unready. */
void ww_metrics_set_stopped(ww_metrics *m);
/* A reload (SIGHUP or POST /reload) finished: rc 0 or WW_E*, err says why. */
void ww_metrics_reload_done(ww_metrics *m, int rc, const char *err);
/* librdkafka statistics JSON (the stats_cb payload): records consumer_lag per
 * topic/partition of the consumer.  Returns 0 or WW_EMALFORMED. */
int ww_metrics_kafka_stats(ww_metrics *m, const char *json, size_t len);

/* Longest time without loop heartbeat or, with input in flight, without any input
 * finishing, before /readyz reports "stalled".  Default 60000. */
void ww_metrics_set_stall_ms(ww_metrics *m, long long ms);

/* ---- any thread ------------------------------------------------------------------- */

/* Prometheus text exposition format 0.0.4.  Caller frees; NULL on ENOMEM. */
char *ww_metrics_render(ww_metrics *m, size_t *len);

/* 1 when ready; else 0 with the reason in why. */
int ww_metrics_ready(ww_metrics *m, int64_t now_us, char *why, size_t whylen);

/* Reload generation: incremented by every ww_metrics_reload_done; the HTTP thread waits
 * for it to move after raising the reload flag. */
long long ww_metrics_reload_gen(ww_metrics *m);
/* Result of the last reload: rc, and its error copied into err. */
int ww_metrics_reload_result(ww_metrics *m, char *err, size_t errlen);

#define WW_METRICS_RECENT 10
#define WW_METRICS_ERRORS 10

typedef struct ww_metrics_doc {
    int64_t at_us;
    char id[72];
    char title[160];
    char url[256];
    char labels[320]; /* "name (0.83), name (0.41)" */
    char version[64]; /* taxonomy version, when the message has one */
} ww_metrics_doc;

typedef struct ww_metrics_err {
    int64_t at_us;
    char kind[32];
    char detail[256];
} ww_metrics_err;

/* A consistent copy of everything the status page shows. */
typedef struct ww_metrics_snap {
    char stage[32];
    int64_t now_us, started_us;
    long long in, out, dead_lettered, errors, in_flight;
    double rate_in, rate_out, rate_dead; /* per second over the last minute */
    int rate_window_s;                   /* seconds the rates cover (< 60 at start) */
    int ready;
    char not_ready[160];
    int n_docs, n_errs;
    ww_metrics_doc docs[WW_METRICS_RECENT]; /* newest first */
    ww_metrics_err errs[WW_METRICS_ERRORS]; /* newest first */
} ww_metrics_snap;

void ww_metrics_snapshot(ww_metrics *m, int64_t now_us, ww_metrics_snap *s);

/* The status page (HTML, no script, no external resource) and its JSON twin.  Caller
 * frees; NULL on ENOMEM. */
char *ww_status_page_html(const ww_metrics_snap *s, size_t *len);
char *ww_status_page_json(const ww_metrics_snap *s, size_t *len);

#endif
