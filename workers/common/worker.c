/* The worker loop (see worker.h): reads input, hands jobs to the stage, delivers what
 * the stage emits, and acknowledges an input only once it is done AND every output it
 * produced was delivered.  Single-threaded per worker: delivery callbacks run from
 * ww_endpoint_poll/send on this thread, so job counters need no locks. */
#include "wirewatch/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/metrics.h"

const ww_config_key ww_runtime_config_keys[] = {
    {"worker.max_message_bytes", WW_CFG_INT, "16777216",
     "Largest input message accepted; larger ones are dead-lettered as oversized."},
    {"worker.max_open_jobs", WW_CFG_INT, "10000",
     "Inputs in flight (in the stage or awaiting output delivery) before the worker "
     "stops reading input: bounds memory when outputs are slow."},
    {"worker.shutdown_timeout_ms", WW_CFG_INT, "30000",
     "On SIGTERM: the time to finish in-flight work, flush outputs, commit and close "
     "(all together, whatever the broker does).  What is not done by then is logged, "
     "its inputs stay unacknowledged (consumed again), and the worker exits 0; a "
     "watchdog ends the process 1 s later whatever it is waiting for."},
    {"zmq.hwm", WW_CFG_INT, "1000",
     "ZeroMQ high-water mark (messages) of every socket; a full output pauses input."},
    {"zmq.linger_ms", WW_CFG_INT, "5000",
     "How long closing a ZeroMQ socket waits to hand over queued messages."},
    {"zmq.eos_count", WW_CFG_INT, "1",
     "End-of-stream markers (one per upstream producer) a ZeroMQ input waits for "
     "before it ends."},
    {"log.level", WW_CFG_STR, "\"info\"", "error, warn, info or debug."},
    {"worker.txn_interval_ms", WW_CFG_INT, "200",
     "With kafka.transactional.id (exactly-once): how often the worker ends a batch: "
     "stops taking input, lets in-flight work finish and commits the transaction with "
     "the input offsets."},
    {"worker.stall_timeout_ms", WW_CFG_INT, "60000",
     "/readyz reports \"stalled\" when the worker loop has not turned, or inputs are in "
     "flight and none has finished, for this long."},
    {"http.listen", WW_CFG_STR, "\"127.0.0.1:9100\"",
     "Address of the worker's HTTP server (/metrics, /healthz, /readyz, status page): "
     "HOST:PORT, port 0 = any free port, \"\" = no HTTP server.  In a container use "
     "\"0.0.0.0:9100\".  Not used by embedded mode (wirewatch run)."},
    {"http.admin_token_file", WW_CFG_STR, "\"\"",
     "File holding the bearer token (one line, 16+ bytes) that POST /reload and POST "
     "/loglevel require (\"Authorization: Bearer TOKEN\").  \"\" = no token: the admin "
     "endpoints then answer only when http.listen is a loopback address (403 "
     "elsewhere).  GET endpoints never need it.  The token is never logged."},
    {"http.max_connections", WW_CFG_INT, "256",
     "Connections the HTTP server holds at once (one thread each)."},
    {"http.max_connections_per_ip", WW_CFG_INT, "32",
     "Connections from one client address at once: a client holding half-open "
     "connections cannot starve probes that come from elsewhere."},
    {"http.timeout_s", WW_CFG_INT, "10",
     "An HTTP connection idle this long (a request that has not arrived whole) is "
     "closed."},
    {NULL, 0, NULL, NULL},
};

typedef struct worker {
    const ww_worker_opts *o;
    const ww_stage_ops *st;
    void *ctx;
    ww_endpoint *in;
    ww_endpoint *out[WW_OUT__COUNT];
    ww_worker_stats *stats;
    ww_worker_stats own_stats;
    long long in_stage;  /* submitted, not yet done */
    long long open_jobs; /* not yet acknowledged */
    int fatal;
    int stopping;
    int64_t deadline;  /* once stopping: everything ends by then (ww_mono_us) */
    int64_t drain_end; /* ... draining a little earlier, to leave time to commit */
    int64_t flush_end; /* ... flushing and the last transaction, to leave time to close */
    long long shutdown_failed; /* outputs that failed after the stop (not fatal) */
    int in_trusted;            /* ww_worker_opts.trusted_input */
    struct ww_job *jobs; /* open jobs: those a forced stop leaves are freed at the end */
    char fatal_err[256];
    /* the loop's state (ww_worker_run) */
    long long max_open; /* worker.max_open_jobs */
    int input_ended;
    int paused;            /* input paused for backpressure */
    int64_t next_health;   /* update_health */
    int64_t next_timer;    /* run_timer */
    long long undelivered; /* outputs left at the shutdown deadline */
    /* batches (ww_endpoint_batched: Kafka exactly-once) */
    ww_endpoint *batch_out; /* the main output when it commits in batches, else NULL */
    int64_t batch_every;    /* worker.txn_interval_ms, in us */
    int64_t batch_last;     /* when the last batch ended */
    int batch_retry;        /* 1 = a commit timed out, resume it; 2 = ... and warned */
    int64_t batch_retry_since;
} worker;

struct ww_job {
    worker *w;
    struct ww_job *prev, *next; /* worker.jobs */
    int internal;               /* from the stage's timer: no input to acknowledge */
    ww_in_msg msg;
    int pending; /* outputs not yet delivered */
    int done;
    int failed;
    int abandoned; /* left by a forced stop: its input is no longer ours to touch */
};

const uint8_t *ww_job_data(const ww_job *job, size_t *len) {
    *len = job->msg.len;
    return job->msg.data;
}
const char *ww_job_key(const ww_job *job) { return job->msg.key ? job->msg.key : ""; }
int ww_job_input_trusted(const ww_job *job) { return job->w->in_trusted; }
const char *ww_job_trace_id(const ww_job *job) {
    return job->msg.trace_id ? job->msg.trace_id : "";
}

static void job_link(worker *w, ww_job *job) {
    job->prev = NULL;
    job->next = w->jobs;
    if (w->jobs)
        w->jobs->prev = job;
    w->jobs = job;
}

static void job_unlink(worker *w, ww_job *job) {
    if (job->prev)
        job->prev->next = job->next;
    else
        w->jobs = job->next;
    if (job->next)
        job->next->prev = job->prev;
}

static void job_complete(ww_job *job) {
    worker *w = job->w;
    job_unlink(w, job);
    if (atomic_load_explicit(&ww_log_level_current, memory_order_relaxed) >=
            WW_LOG_DEBUG &&
        !job->internal) {
        const char *kv[] = {"key", ww_job_key(job), "trace_id", ww_job_trace_id(job),
                            NULL};
        ww_log_kv(WW_LOG_DEBUG, w->st->name, kv, "input %s:%d:%lld %s", job->msg.topic,
                  job->msg.partition, (long long)job->msg.offset,
                  job->failed ? "abandoned (an output failed)"
                              : "done, outputs delivered");
    }
    if (job->internal) {
        /* nothing to acknowledge; a failed output is still fatal: stop */
        if (job->failed && !w->fatal) {
            w->fatal = 1;
            snprintf(w->fatal_err, sizeof w->fatal_err,
                     "an output of the stage's own work could not be delivered");
        }
    } else if (job->abandoned || !w->in) {
        /* already abandoned at a forced stop (a late delivery report): nothing to do */
    } else if (!job->failed) {
        ww_endpoint_release(w->in, &job->msg);
    } else {
        /* An output failed for good.  Not acknowledging the input keeps its offset
         * uncommitted; the worker stops so a restart re-delivers it (at-least-once).
         * After a stop that is what happens anyway: counted, not an error. */
        if (w->stopping) {
            w->shutdown_failed++;
        } else if (!w->fatal) {
            w->fatal = 1;
            snprintf(w->fatal_err, sizeof w->fatal_err,
                     "an output of input %s:%d:%lld could not be delivered; stopping so "
                     "the input is re-delivered",
                     job->msg.topic, job->msg.partition, (long long)job->msg.offset);
        }
        ww_endpoint_abandon(w->in, &job->msg);
    }
    w->open_jobs--;
    atomic_store(&w->stats->in_flight, w->open_jobs);
    free(job);
}

static void on_delivered(void *opaque, int err) {
    ww_job *job = opaque;
    job->w->stats->out_pending--;
    if (err) {
        job->failed = 1;
        job->w->stats->delivery_failed++;
        if (job->w->o->metrics)
            ww_metrics_error(job->w->o->metrics, "delivery", ww_strerror(err));
        /* after a stop, failures are summed up once at the end */
        if (!job->w->stopping)
            WW_ERROR(job->w->st->name, "delivery failed: %s", ww_strerror(err));
    }
    if (--job->pending == 0 && job->done)
        job_complete(job);
}

void ww_job_done(ww_job *job) {
    worker *w = job->w;
    job->done = 1;
    w->in_stage--;
    if (job->pending == 0)
        job_complete(job);
}

/* Stage counters live in the metrics (which copy the name); without metrics (tests,
 * embedded mode) there is nobody to read them. */
void ww_job_count(ww_job *job, const char *counter, long long delta) {
    worker *w = job->w;
    if (w->o->metrics)
        ww_metrics_count(w->o->metrics, counter, delta);
}

const char *ww_worker_phase_name(int phase) {
    static const char *const names[] = {
        [WW_PHASE_RUNNING] = "running",
        [WW_PHASE_DRAINING] = "finishing in-flight inputs",
        [WW_PHASE_FLUSHING] = "waiting for outputs to be acknowledged",
        [WW_PHASE_COMMITTING] = "committing the last transaction",
        [WW_PHASE_CLOSING_INPUT] = "closing the input (final commit, leaving the group)",
        [WW_PHASE_CLOSING_OUTPUTS] = "closing the outputs",
        [WW_PHASE_STOPPED] = "stopped",
    };
    return phase >= 0 && phase <= WW_PHASE_STOPPED ? names[phase] : "?";
}

static void set_deadlines(worker *w, int64_t deadline) {
    ww_endpoint_set_deadline(w->in, deadline);
    for (int i = 0; i < WW_OUT__COUNT; i++)
        ww_endpoint_set_deadline(w->out[i], deadline);
}

/* Stop asked (SIGTERM): from now on one deadline bounds everything — draining,
 * flushing, the last commit and closing the endpoints (which are told it, so no
 * transport call waits past it).  Draining ends a little earlier (a quarter of the
 * time, at most 5 s: R), so that what finished can still be committed: flushing and
 * the last transaction get R/2, closing (the consumer's final commit) the rest.  With
 * a healthy broker those take milliseconds; with a broker gone each phase waits its
 * whole share and the worker exits at the deadline. */
static void begin_stop(worker *w) {
    int64_t ms = ww_config_int(w->o->cfg, "worker.shutdown_timeout_ms");
    if (ms < 0)
        ms = 0;
    int64_t reserve = ms / 4 < 5000 ? ms / 4 : 5000;
    w->stopping = 1;
    w->deadline = ww_mono_us() + ms * 1000;
    w->drain_end = w->deadline - reserve * 1000;
    w->flush_end = w->deadline - reserve / 2 * 1000;
    set_deadlines(w, w->deadline);
    atomic_store(&w->stats->phase, WW_PHASE_DRAINING);
    WW_INFO(w->st->name,
            "stopping: draining %lld in-flight input(s); exit within %lld ms",
            w->open_jobs, (long long)ms);
}

static int ms_until(int64_t t) {
    int64_t left = (t - ww_mono_us()) / 1000;
    return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

int ww_job_emit(ww_job *job, ww_out out, const char *key, const ProtobufCMessage *msg) {
    worker *w = job->w;
    if (out < 0 || out >= WW_OUT__COUNT)
        return WW_EINVAL;
    ww_endpoint *ep = w->out[out];
    if (!ep) {
        w->stats->dropped[out]++;
        return 0;
    }
    job->pending++;
    w->stats->out_pending++; /* before the send: ZeroMQ and files call back inside it */
    for (;;) {
        int rc = ww_endpoint_send(ep, key, msg, ww_job_trace_id(job), on_delivered, job);
        if (rc == 0)
            break;
        if (rc != WW_EAGAIN) {
            job->pending--;
            w->stats->out_pending--;
            job->failed = 1;
            w->stats->delivery_failed++;
            WW_ERROR(w->st->name, "sending to %s failed: %s", ww_endpoint_uri(ep),
                     ww_strerror(rc));
            if (w->o->metrics)
                ww_metrics_error(w->o->metrics, "delivery", ww_strerror(rc));
            return rc;
        }
        /* Output full: wait here (the stage, and so the input, waits too). */
        w->stats->backpressure_waits++;
        ww_endpoint_poll(ep, 10);
        if (!w->stopping && w->o->stop && atomic_load(w->o->stop))
            begin_stop(w);
        if (w->stopping && ww_mono_us() > w->drain_end) {
            job->pending--;
            w->stats->out_pending--;
            job->failed = 1;
            return WW_ETIMEDOUT;
        }
    }
    w->stats->out[out]++;
    if (w->o->metrics) {
        /* metrics: bytes, and for the product its trace stamps and labels */
        size_t n = ww_endpoint_sent_bytes(ep);
        ww_metrics_bytes(w->o->metrics, out,
                         n ? n : protobuf_c_message_get_packed_size(msg));
        if (out == WW_OUT_MAIN)
            ww_metrics_observe(w->o->metrics, msg, ww_now_us());
    }
    return 0;
}

int ww_job_dead_letter(ww_job *job, int code, const char *detail) {
    worker *w = job->w;
    w->stats->dead_lettered++;
    if (w->o->metrics)
        ww_metrics_error(w->o->metrics, ww_errname(code),
                         detail ? detail : ww_strerror(code));
    if (atomic_load_explicit(&ww_log_level_current, memory_order_relaxed) >=
        WW_LOG_WARN) {
        /* the key and trace id let an operator follow this input across stages */
        const char *kv[] = {"key", ww_job_key(job), "trace_id", ww_job_trace_id(job),
                            NULL};
        ww_log_kv(WW_LOG_WARN, w->st->name, kv, "dead letter (%s) from %s:%d:%lld: %s",
                  ww_errname(code), job->msg.topic ? job->msg.topic : "",
                  job->msg.partition, (long long)job->msg.offset,
                  detail ? detail : ww_strerror(code));
    }
    Wirewatch__V1__DeadLetter dl = WIREWATCH__V1__DEAD_LETTER__INIT;
    dl.stage = (char *)w->st->name;
    dl.reason = (char *)ww_errname(code);
    dl.detail = (char *)(detail ? detail : ww_strerror(code));
    dl.source_topic = (char *)(job->msg.topic ? job->msg.topic : "");
    dl.source_partition = job->msg.partition;
    dl.source_offset = job->msg.offset;
    dl.original.data = (uint8_t *)job->msg.data;
    dl.original.len = job->msg.len;
    dl.schema = (char *)(w->st->in_type ? w->st->in_type->name : "");
    dl.at_us = ww_now_us();
    return ww_job_emit(job, WW_OUT_DEAD, ww_job_key(job), &dl.base);
}

static int open_all(worker *w, char *err, size_t errlen) {
    const ww_worker_opts *o = w->o;
    static const ProtobufCMessageDescriptor *const fixed[WW_OUT__COUNT] = {
        [WW_OUT_DEAD] = &wirewatch__v1__dead_letter__descriptor,
        [WW_OUT_STATUS] = &wirewatch__v1__status_event__descriptor,
        [WW_OUT_DISCOVERED] = &wirewatch__v1__fetch_request__descriptor,
        [WW_OUT_ALERTS] = &wirewatch__v1__classified__descriptor,
    };
    for (int i = 0; i < WW_OUT__COUNT; i++) {
        if (!o->out_uri[i])
            continue;
        const ProtobufCMessageDescriptor *t =
            i == WW_OUT_MAIN ? w->st->out_type : fixed[i];
        w->out[i] = ww_endpoint_open(o->out_uri[i], WW_EP_OUT, t, o->cfg, o->zmq_ctx,
                                     w->st->name, err, errlen);
        if (!w->out[i])
            return WW_EINVAL;
    }
    w->in = ww_endpoint_open(o->in_uri, WW_EP_IN, w->st->in_type, o->cfg, o->zmq_ctx,
                             w->st->name, err, errlen);
    if (!w->in)
        return WW_EINVAL;
    w->in_trusted = o->trusted_input != 0;
    if (o->metrics)
        ww_endpoint_set_metrics(w->in, o->metrics); /* Kafka: consumer lag */
    return 0;
}

static void handle_input(worker *w, ww_in_msg *m) {
    ww_job *job = calloc(1, sizeof *job);
    if (!job) {
        /* cannot even track it: leave it unacknowledged and stop */
        w->fatal = 1;
        snprintf(w->fatal_err, sizeof w->fatal_err, "out of memory");
        return;
    }
    job->w = w;
    job->msg = *m;
    job_link(w, job);
    w->stats->in++;
    if (w->o->metrics)
        ww_metrics_bytes(w->o->metrics, -1, m->len);
    w->open_jobs++;
    w->in_stage++;
    atomic_store(&w->stats->in_flight, w->open_jobs);
    if (m->decode_error) {
        ww_job_dead_letter(job, m->decode_error, m->error_detail);
        ww_job_done(job);
        return;
    }
    w->st->submit(w->ctx, job);
}

/* The stage's own periodic work (stage.h: timer). */
static void run_timer(worker *w, int64_t *next) {
    if (!w->st->timer)
        return;
    int64_t now = ww_mono_us();
    if (now < *next)
        return;
    *next = now + (int64_t)(w->st->timer_ms > 0 ? w->st->timer_ms : 1000) * 1000;
    ww_job *job = calloc(1, sizeof *job);
    if (!job)
        return;
    job->w = w;
    job->internal = 1;
    job_link(w, job);
    job->msg.key = job->msg.schema = job->msg.trace_id = job->msg.topic = "";
    job->msg.error_detail = "";
    job->msg.partition = -1;
    job->msg.offset = -1;
    w->open_jobs++;
    w->in_stage++;
    w->st->timer(w->ctx, job);
}

/* metrics: heartbeat every turn; endpoint readiness (for /readyz) every 250 ms. */
static void update_health(worker *w, int64_t *next_check) {
    ww_metrics *m = w->o->metrics;
    if (!m)
        return;
    int64_t now = ww_now_us();
    ww_metrics_tick(m, now);
    if (now < *next_check)
        return;
    *next_check = now + 250000;
    char why[160] = "";
    int ready = ww_endpoint_ready(w->in);
    if (!ready)
        snprintf(why, sizeof why, "input %s not connected", ww_endpoint_uri(w->in));
    for (int i = 0; ready && i < WW_OUT__COUNT; i++) {
        if (w->out[i] && !ww_endpoint_ready(w->out[i])) {
            ready = 0;
            snprintf(why, sizeof why, "output %s not connected",
                     ww_endpoint_uri(w->out[i]));
        }
    }
    ww_metrics_set_ready(m, ready, why);
}

static void poll_outputs(worker *w, int timeout_ms) {
    int waited = 0;
    for (int i = 0; i < WW_OUT__COUNT; i++) {
        if (!w->out[i])
            continue;
        ww_endpoint_poll(w->out[i], waited ? 0 : timeout_ms);
        waited = 1;
    }
    if (w->in)
        ww_endpoint_poll(w->in, 0);
}

/* ---- the loop, one named step per phase (libuv's uv_run is the model) ---------- */

/* Create the stage, open the endpoints, tie the input to the output's batches.
 * Returns 0 or WW_E* with err. */
static int worker_start(worker *w, char *err, size_t errlen) {
    const ww_worker_opts *o = w->o;
    w->ctx = w->st->create(o->cfg, err, errlen);
    if (!w->ctx)
        return WW_EINVAL;
    int rc = open_all(w, err, errlen);
    if (rc)
        return rc;
    /* Exactly-once (Kafka transactions): outputs share one transactional producer;
     * batches are committed together with the input offsets (commit_batch). */
    if (ww_endpoint_batched(w->out[WW_OUT_MAIN])) {
        w->batch_out = w->out[WW_OUT_MAIN];
        ww_endpoint_batch_bind(w->batch_out, w->in);
        w->batch_every = ww_config_int(o->cfg, "worker.txn_interval_ms") * 1000;
    }
    w->batch_last = ww_mono_us();
    WW_INFO(w->st->name, "worker started: in %s, out %s", o->in_uri,
            o->out_uri[WW_OUT_MAIN] ? o->out_uri[WW_OUT_MAIN] : "(none)");
    w->max_open = ww_config_int(o->cfg, "worker.max_open_jobs");
    if (o->metrics)
        ww_metrics_set_stall_ms(o->metrics,
                                ww_config_int(o->cfg, "worker.stall_timeout_ms"));
    return 0;
}

/* POST /reload (or SIGHUP) asked: the stage rebuilds its state or keeps the old. */
static void reload_if_asked(worker *w) {
    const ww_worker_opts *o = w->o;
    if (!o->reload || !atomic_exchange(o->reload, 0))
        return;
    char rerr[256] = "";
    int rrc = 0;
    if (w->st->reload) {
        rrc = w->st->reload(w->ctx, o->cfg, rerr, sizeof rerr);
        if (rrc == 0)
            WW_INFO(w->st->name, "reloaded");
        else
            WW_ERROR(w->st->name, "reload refused, keeping the old state: %s", rerr);
    }
    if (o->metrics)
        ww_metrics_reload_done(o->metrics, rrc, rerr);
}

/* Backpressure: stop fetching input while outputs or the stage are full.  Returns 1
 * when the worker may take an input this turn. */
static int apply_backpressure(worker *w) {
    int cap = w->st->capacity ? w->st->capacity(w->ctx) : 1;
    int can_take = !w->input_ended && !w->stopping && !w->fatal && w->in_stage < cap &&
                   w->open_jobs < w->max_open;
    if (can_take != !w->paused) {
        ww_endpoint_pause(w->in, !can_take);
        w->paused = !can_take;
    }
    return can_take;
}

/* A batch is due: take no input until it is committed (not a pause: that would drop
 * what the consumer has already fetched). */
static int batch_is_due(const worker *w) {
    return w->batch_out &&
           (w->batch_retry || ww_mono_us() - w->batch_last >= w->batch_every);
}

/* Read at most one input and hand it to the stage.  Returns 1 when there was none
 * to read (the input is idle). */
static int read_input(worker *w) {
    ww_in_msg m;
    int t = (w->in_stage > 0 || w->open_jobs > 0) ? 0 : 50;
    int r = ww_endpoint_recv(w->in, &m, t);
    if (r == 1) {
        handle_input(w, &m);
    } else if (r == 0) {
        return 1;
    } else if (r == WW_EEOF) {
        w->input_ended = 1;
        WW_DEBUG(w->st->name, "input ended");
    } else if (ww_err_retryable(r)) {
        WW_WARN(w->st->name, "input %s: %s; retrying", w->o->in_uri, ww_strerror(r));
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    } else {
        w->fatal = 1;
        snprintf(w->fatal_err, sizeof w->fatal_err, "input %s: %s", w->o->in_uri,
                 ww_strerror(r));
    }
    return 0;
}

/* Serve the stage (fetch transfers) and the outputs' delivery reports; with nothing
 * to read, wait in their poll for busy_wait ms instead of spinning. */
static void serve_stage_and_outputs(worker *w, int busy_wait) {
    if (w->st->poll && w->in_stage > 0)
        w->st->poll(w->ctx, busy_wait);
    else if (busy_wait)
        poll_outputs(w, busy_wait);
    poll_outputs(w, 0);
}

/* A commit that did not finish (WW_ETIMEDOUT) is resumed next turn; after 30 s the
 * worker says so once. */
static void note_commit_timeout(worker *w) {
    if (!w->batch_retry)
        w->batch_retry_since = ww_mono_us();
    if (w->batch_retry != 2 && ww_mono_us() - w->batch_retry_since > 30 * 1000000LL) {
        WW_WARN(w->st->name, "transaction commit not done after 30 s; "
                             "still trying (broker slow or away?)");
        w->batch_retry = 2;
    } else if (!w->batch_retry) {
        w->batch_retry = 1;
    }
}

/* Commit the due batch once every input of it is done. */
static void commit_batch(worker *w) {
    if (w->open_jobs || w->in_stage || w->fatal ||
        (w->stopping && ms_until(w->flush_end) == 0))
        return;
    /* In slices of at most 1 s (a timed-out commit is resumed by the next call, input
     * stays stopped meanwhile), so that a stop is seen while a broker is slow or gone;
     * after a stop, within the deadline. */
    int slice = w->stopping ? ms_until(w->flush_end) : 1000;
    int tr = ww_endpoint_batch_commit(w->batch_out, w->in, slice < 1000 ? slice : 1000);
    if (tr == WW_ETIMEDOUT) {
        note_commit_timeout(w);
        return;
    }
    w->batch_retry = 0;
    if (tr == WW_ETRANSPORT && !ww_endpoint_ready(w->batch_out) && !w->stopping) {
        w->fatal = 1;
        snprintf(w->fatal_err, sizeof w->fatal_err, "kafka transaction failed");
    } else if (tr) {
        WW_WARN(w->st->name,
                "transaction not committed (%s); its inputs will be consumed again",
                ww_strerror(tr));
    }
    w->batch_last = ww_mono_us();
}

/* 1 when the loop is over: input ended, stopped or failed, and nothing is left to
 * wait for (or the drain deadline passed). */
static int loop_is_over(worker *w) {
    if (w->fatal && w->in_stage == 0)
        return 1;
    if ((w->input_ended || w->stopping || w->fatal) && w->in_stage == 0 &&
        w->open_jobs == 0)
        return 1;
    if (w->stopping && ww_mono_us() > w->drain_end) {
        WW_WARN(w->st->name,
                "shutdown: %lld input(s) still in flight at the deadline; "
                "they stay unacknowledged and are consumed again",
                w->open_jobs);
        return 1;
    }
    return 0;
}

/* One turn of the loop.  Returns 1 when the loop is over. */
static int worker_turn(worker *w) {
    if (!w->stopping && w->o->stop && atomic_load(w->o->stop))
        begin_stop(w);
    reload_if_asked(w);
    update_health(w, &w->next_health);
    if (!w->stopping && !w->input_ended && !w->fatal)
        run_timer(w, &w->next_timer);
    int can_take = apply_backpressure(w);
    int batch_due = batch_is_due(w);
    int input_idle = can_take && !batch_due ? read_input(w) : 0;
    serve_stage_and_outputs(
        w, !can_take || batch_due || input_idle || w->input_ended ? 10 : 0);
    if (batch_due)
        commit_batch(w);
    return loop_is_over(w);
}

/* After the loop: end the stream, then flush every output by the flush deadline.
 * Without a stop (input ended, fatal error) the close gets the same bound. */
static void flush_outputs(worker *w) {
    if (w->input_ended && !w->fatal && w->out[WW_OUT_MAIN])
        ww_endpoint_send_eos(w->out[WW_OUT_MAIN]);
    if (!w->stopping) {
        int64_t ms = ww_config_int(w->o->cfg, "worker.shutdown_timeout_ms");
        w->deadline = ww_mono_us() + ms * 1000;
        w->flush_end = w->deadline - (ms / 4 < 5000 ? ms / 4 : 5000) / 2 * 1000;
        set_deadlines(w, w->deadline);
    }
    atomic_store(&w->stats->phase, WW_PHASE_FLUSHING);
    for (int i = 0; i < WW_OUT__COUNT; i++) {
        if (!w->out[i])
            continue;
        int left = ww_endpoint_flush(w->out[i], ms_until(w->flush_end));
        if (left <= 0)
            continue;
        w->undelivered += left;
        WW_ERROR(w->st->name,
                 "%d message(s) to %s not delivered by the shutdown deadline", left,
                 ww_endpoint_uri(w->out[i]));
        if (!w->fatal && !w->stopping) {
            w->fatal = 1;
            snprintf(w->fatal_err, sizeof w->fatal_err, "undelivered output at shutdown");
        }
    }
}

/* The last batch: only one whose inputs are all done.  One with outputs of unfinished
 * inputs is aborted (at close, or by the broker), as they are processed again. */
static void commit_last_batch(worker *w) {
    if (!w->batch_out || w->fatal)
        return;
    atomic_store(&w->stats->phase, WW_PHASE_COMMITTING);
    int tr = w->open_jobs
                 ? WW_ETIMEDOUT
                 : ww_endpoint_batch_commit(w->batch_out, w->in, ms_until(w->flush_end));
    if (tr && w->stopping) {
        WW_WARN(w->st->name,
                "last transaction not committed (%s): aborted, its inputs "
                "are consumed again",
                w->open_jobs ? "inputs unfinished" : ww_strerror(tr));
    } else if (tr) {
        w->fatal = 1;
        snprintf(w->fatal_err, sizeof w->fatal_err,
                 "last kafka transaction not committed");
    }
}

/* A stop forced by the shutdown deadline leaves jobs open: the stage lets go of them
 * first, then they are abandoned (never acknowledged: their inputs are consumed
 * again).  They are freed only after the endpoints are closed (close_all): until an
 * output is closed its delivery reports may still name them.  Returns how many. */
static long long abandon_open_jobs(worker *w) {
    if (w->ctx)
        w->st->destroy(w->ctx);
    w->ctx = NULL;
    long long unacked = 0;
    for (ww_job *job = w->jobs; job; job = job->next) {
        if (job->internal)
            continue;
        unacked++;
        if (w->in)
            ww_endpoint_abandon(w->in, &job->msg);
        job->abandoned = 1;
    }
    return unacked;
}

/* Close the input (it commits stored offsets), then the outputs, then free the jobs
 * left open. */
static void close_all(worker *w) {
    atomic_store(&w->stats->phase, WW_PHASE_CLOSING_INPUT);
    ww_endpoint_close(w->in);
    w->in = NULL;
    atomic_store(&w->stats->phase, WW_PHASE_CLOSING_OUTPUTS);
    for (int i = 0; i < WW_OUT__COUNT; i++) {
        ww_endpoint_close(w->out[i]);
        w->out[i] = NULL;
    }
    while (w->jobs) {
        ww_job *job = w->jobs;
        job_unlink(w, job);
        free(job);
    }
    atomic_store(&w->stats->phase, WW_PHASE_STOPPED);
}

/* Tear down whatever worker_start got to (started: the loop ran). */
static void worker_stop(worker *w, int started) {
    const ww_worker_opts *o = w->o;
    if (o->metrics)
        ww_metrics_set_stopped(o->metrics);
    long long unacked = abandon_open_jobs(w);
    if (w->stopping && o->metrics) {
        /* the last chance to count them: scraped while the pod terminates */
        ww_metrics_count(o->metrics, "shutdown_unacknowledged", unacked);
        ww_metrics_count(o->metrics, "shutdown_undelivered", w->undelivered);
    }
    if (started)
        WW_INFO(w->st->name,
                "worker stopped: in %lld, out %lld, dead-lettered %lld; "
                "left unacknowledged %lld, undelivered %lld, failed after the stop %lld",
                (long long)w->stats->in, (long long)w->stats->out[WW_OUT_MAIN],
                (long long)w->stats->dead_lettered, unacked, w->undelivered,
                w->shutdown_failed);
    close_all(w);
}

int ww_worker_run(const ww_worker_opts *o, ww_worker_stats *stats, char *err,
                  size_t errlen) {
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return WW_ENOMEM;
    w->o = o;
    w->st = o->stage;
    w->stats = stats ? stats : &w->own_stats;
    int rc = worker_start(w, err, errlen);
    int started = rc == 0;
    if (started) {
        while (!worker_turn(w))
            ;
        flush_outputs(w);
        commit_last_batch(w);
        if (w->fatal) {
            rc = ww_seterr(err, errlen, WW_ETRANSPORT, "%s", w->fatal_err);
            WW_ERROR(w->st->name, "%s", w->fatal_err);
        }
    }
    worker_stop(w, started);
    free(w);
    return rc;
}
