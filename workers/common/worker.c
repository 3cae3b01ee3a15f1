/* The worker loop (see worker.h): reads input, hands jobs to the stage (job.c: one
 * input's life until it is acknowledged), serves the outputs, commits batches, and
 * shuts down within one deadline.  One named function per phase of a turn
 * (worker_turn), libuv's uv_run being the model. */
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
#include "worker_internal.h"

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

static int ms_until(int64_t t) {
    int64_t left = (t - ww_mono_us()) / 1000;
    return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
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

/* worker.threads > 1: the threads that run the stage's process (worker_threads.c).
 * A stage without ww_stage_parallel (fetch) runs on the worker's thread. */
static int start_threads(worker *w, char *err, size_t errlen) {
    long long n = ww_config_int(w->o->cfg, "worker.threads");
    if (n < 1 || n > WW_WORKER_MAX_THREADS)
        return ww_seterr(err, errlen, WW_EINVAL, "worker.threads must be within 1..%d",
                         WW_WORKER_MAX_THREADS);
    if (n == 1)
        return 0;
    if (!w->st->parallel) {
        WW_INFO(w->st->name, "worker.threads %lld: not used by this stage (one thread)",
                n);
        return 0;
    }
    w->pool = ww__pool_new(w->st->parallel, w->ctx, (int)n, err, errlen);
    if (!w->pool)
        return WW_EINVAL;
    WW_INFO(w->st->name, "%lld processing threads", n);
    return 0;
}

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
    if ((rc = start_threads(w, err, errlen)))
        return rc;
    w->max_open = ww_config_int(o->cfg, "worker.max_open_jobs");
    w->max_open_bytes = ww_config_int(o->cfg, "worker.max_open_bytes");
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
    if (w->st->reload && w->pool)
        ww__pool_quiesce(w->pool); /* the swap falls between two inputs, as with one */
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

/* Backpressure: stop fetching input while outputs or the stage are full, or the open
 * inputs hold worker.max_open_bytes.  Returns 1 when the worker may take an input this
 * turn.  A full ring of worker.threads is not a pause, only a turn without reading: it
 * empties again within one input's processing, and pausing a Kafka input drops what
 * the consumer has fetched (it is fetched again on resume). */
static int apply_backpressure(worker *w) {
    int cap = w->pool           ? ww__pool_capacity(w->pool)
              : w->st->capacity ? w->st->capacity(w->ctx)
                                : 1;
    int bytes_ok =
        w->max_open_bytes <= 0 || w->open_jobs == 0 || w->open_bytes < w->max_open_bytes;
    int stage_full = w->in_stage >= cap;
    int can_take = !w->input_ended && !w->stopping && !w->fatal &&
                   w->open_jobs < w->max_open && bytes_ok;
    int pause = !can_take || (stage_full && !w->pool);
    if (pause != w->paused) {
        ww_endpoint_pause(w->in, pause);
        w->paused = pause;
    }
    return can_take && !stage_full;
}

/* A batch is due: take no input until it is committed (not a pause: that would drop
 * what the consumer has already fetched). */
static int batch_is_due(const worker *w) {
    return w->batch_out &&
           (w->batch_retry || ww_mono_us() - w->batch_last >= w->batch_every);
}

/* A new job to the stage: to its submit, or with worker.threads to the threads in
 * arrival order — an undecodable input too, so that its dead letter keeps its place. */
static void hand_to_stage(worker *w, ww_job *job) {
    int bad = job->msg.decode_error != 0;
    if (w->pool)
        ww__pool_put(w->pool, job, !bad);
    else if (bad)
        ww__job_reject(job);
    else
        w->st->submit(w->ctx, job);
}

/* With worker.threads: finish, in arrival order, the jobs whose processing is done;
 * with nothing done yet, wait up to wait_ms for the oldest. */
static void finish_processed(worker *w, int wait_ms) {
    void *job, *result;
    int processed;
    while (ww__pool_take(w->pool, wait_ms, &job, &result, &processed)) {
        wait_ms = 0;
        if (processed)
            w->st->parallel->finish(w->ctx, job, result);
        else
            ww__job_reject(job);
    }
}

/* Read at most one input and hand it to the stage.  Returns 1 when there was none
 * to read (the input is idle). */
static int read_input(worker *w) {
    ww_in_msg m;
    int t = (w->in_stage > 0 || w->open_jobs > 0) ? 0 : 50;
    int r = ww_endpoint_recv(w->in, &m, t);
    if (r == 1) {
        ww_job *job = ww__job_intake(w, &m);
        if (job)
            hand_to_stage(w, job);
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
    if (w->pool && w->in_stage > 0)
        finish_processed(w, busy_wait);
    else if (w->st->poll && w->in_stage > 0)
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
        ww__worker_begin_stop(w);
    reload_if_asked(w);
    update_health(w, &w->next_health);
    if (!w->stopping && !w->input_ended && !w->fatal)
        ww__job_timer(w, &w->next_timer);
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
        ww__worker_set_deadlines(w, w->deadline);
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
    ww__pool_free(w->pool); /* the threads use the stage: stopped before it goes */
    w->pool = NULL;
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
        ww__job_unlink(w, job);
        ww__job_free(job);
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
    w->thread = pthread_self();
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
