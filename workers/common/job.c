/* One input's life in the worker (worker_internal.h): taken in with its trace id
 * settled, handed to the stage, its outputs sent (waiting while an output is full),
 * a status event emitted for it, and acknowledged only once it is done AND every
 * output it produced was delivered.  The stage API of wirewatch/stage.h (ww_job_*).
 * Single-threaded per worker: delivery callbacks run from ww_endpoint_poll/send on
 * this thread, so job counters need no locks; with worker.threads only a stage's
 * process runs elsewhere, and it only reads its job (on_worker_thread). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_ids.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/metrics.h"
#include "worker_internal.h"

/* Everything that changes a job or the worker runs on the worker's thread; with
 * worker.threads a stage's process runs elsewhere and may only read its job
 * (stage.h).  A stage that breaks that would race the worker's state silently: it
 * stops here, loudly, instead. */
static void on_worker_thread(const ww_job *job, const char *fn) {
    if (!pthread_equal(pthread_self(), job->w->thread)) {
        WW_ERROR(job->w->st->name,
                 "%s called off the worker's thread (a stage's process may only read "
                 "its job: stage.h)",
                 fn);
        abort();
    }
}

const uint8_t *ww_job_data(const ww_job *job, size_t *len) {
    *len = job->msg.len;
    return job->msg.data;
}
const char *ww_job_key(const ww_job *job) { return job->msg.key ? job->msg.key : ""; }
int ww_job_input_trusted(const ww_job *job) { return job->w->in_trusted; }
const char *ww_job_trace_id(const ww_job *job) { return job->trace; }

static void job_link(worker *w, ww_job *job) {
    job->prev = NULL;
    job->next = w->jobs;
    if (w->jobs)
        w->jobs->prev = job;
    w->jobs = job;
}

void ww__job_unlink(worker *w, ww_job *job) {
    if (job->prev)
        job->prev->next = job->next;
    else
        w->jobs = job->next;
    if (job->next)
        job->next->prev = job->prev;
}

void ww__job_free(ww_job *job) {
    free(job->out_url);
    free(job->out_id);
    free(job);
}

static void job_complete(ww_job *job) {
    worker *w = job->w;
    ww__job_unlink(w, job);
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
    if (!job->internal)
        w->open_bytes -= (long long)job->msg.len;
    atomic_store(&w->stats->in_flight, w->open_jobs);
    ww__job_free(job);
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

void ww__worker_set_deadlines(worker *w, int64_t deadline) {
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
void ww__worker_begin_stop(worker *w) {
    int64_t ms = ww_config_int(w->o->cfg, "worker.shutdown_timeout_ms");
    if (ms < 0)
        ms = 0;
    int64_t reserve = ms / 4 < 5000 ? ms / 4 : 5000;
    w->stopping = 1;
    w->deadline = ww_mono_us() + ms * 1000;
    w->drain_end = w->deadline - reserve * 1000;
    w->flush_end = w->deadline - reserve / 2 * 1000;
    ww__worker_set_deadlines(w, w->deadline);
    atomic_store(&w->stats->phase, WW_PHASE_DRAINING);
    WW_INFO(w->st->name,
            "stopping: draining %lld in-flight input(s); exit within %lld ms",
            w->open_jobs, (long long)ms);
}

/* ww_endpoint_send, retried while the output is full.  Returns 0 or WW_E* (the job
 * has failed then; its pending count is back where it was). */
static int send_waiting(ww_job *job, ww_endpoint *ep, const char *key,
                        const ProtobufCMessage *msg) {
    worker *w = job->w;
    for (;;) {
        int rc = ww_endpoint_send(ep, key, msg, ww_job_trace_id(job), on_delivered, job);
        if (rc == 0)
            return 0;
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
            ww__worker_begin_stop(w);
        if (w->stopping && ww_mono_us() > w->drain_end) {
            job->pending--;
            w->stats->out_pending--;
            job->failed = 1;
            return WW_ETIMEDOUT;
        }
    }
}

/* Send one output of job, waiting while the output is full. */
static int job_send(ww_job *job, ww_out out, const char *key,
                    const ProtobufCMessage *msg) {
    worker *w = job->w;
    ww_endpoint *ep = w->out[out];
    if (!ep) {
        w->stats->dropped[out]++;
        return 0;
    }
    job->pending++;
    w->stats->out_pending++; /* before the send: ZeroMQ and files call back inside it */
    /* the output carries the input's trace id in its own Trace too (trace_ids.h);
     * the stage's message is changed for the time of the send only */
    ww__trace_loan loan;
    ww__trace_lend((ProtobufCMessage *)msg, job->trace, &loan);
    int rc = send_waiting(job, ep, key, msg);
    if (rc == 0) {
        w->stats->out[out]++;
        if (w->o->metrics) {
            /* metrics: bytes, and for the product its trace stamps and labels */
            size_t n = ww_endpoint_sent_bytes(ep);
            ww_metrics_bytes(w->o->metrics, out,
                             n ? n : protobuf_c_message_get_packed_size(msg));
            if (out == WW_OUT_MAIN)
                ww_metrics_observe(w->o->metrics, msg, ww_now_us());
        }
    }
    ww__trace_lend_undo(&loan);
    return rc;
}

/* ---- status events: one per input (docs/messages.md, "Status events") ---------- */

/* The main output's url and id, kept for the input's status event. */
static void note_main_output(ww_job *job, const ProtobufCMessage *msg) {
    const char *s;
    if (!job->out_url && (s = ww__msg_string(msg, "url")) && *s)
        job->out_url = strdup(s);
    if (!job->out_id && (s = ww__msg_string(msg, "id")) && *s)
        job->out_id = strdup(s);
}

static const char *outcome_name(const ww_job *job) {
    if (job->dead)
        return "dead-lettered";
    switch (job->outcome) {
    case WW_JOB_OK: return "ok";
    case WW_JOB_FILTERED: return "filtered";
    case WW_JOB_DUPLICATE: return "duplicate";
    }
    return job->emitted_main ? "ok" : "filtered";
}

/* The runtime's status event for a finished input, keyed by the input's key: one per
 * input, unless the stage emitted its own for it (fetch: one terminal event per URL,
 * with the HTTP details only it knows) — then those are the input's events. */
static void emit_status(ww_job *job) {
    worker *w = job->w;
    if (job->internal || job->own_status || !w->out[WW_OUT_STATUS])
        return;
    const ProtobufCMessageDescriptor *in = w->st->in_type;
    char url[2048] = "", id[256] = "", req[128] = "";
    if (!job->out_url &&
        ww__wire_string(job->msg.data, job->msg.len, in, "url", url, sizeof url) < 0)
        ww__wire_string(job->msg.data, job->msg.len, in, "final_url", url, sizeof url);
    if (!job->out_id)
        ww__wire_string(job->msg.data, job->msg.len, in, "id", id, sizeof id);
    ww__wire_string(job->msg.data, job->msg.len, in, "request_id", req, sizeof req);
    Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
    ev.stage = (char *)w->st->name;
    ev.url = job->out_url ? job->out_url : url;
    ev.document_id = job->out_id ? job->out_id : id;
    ev.request_id = req;
    ev.status = (char *)outcome_name(job);
    ev.detail = job->detail;
    ev.at_us = ww_now_us();
    ev.bytes = (int64_t)job->msg.len;
    ev.duration_us = ww_mono_us() - job->t0_us;
    job_send(job, WW_OUT_STATUS, ww_job_key(job), &ev.base);
}

void ww_job_set_outcome(ww_job *job, ww_job_outcome outcome, const char *detail) {
    on_worker_thread(job, "ww_job_set_outcome");
    job->outcome = outcome;
    if (detail && !job->dead)
        snprintf(job->detail, sizeof job->detail, "%s", detail);
}

int ww_job_emit(ww_job *job, ww_out out, const char *key, const ProtobufCMessage *msg) {
    on_worker_thread(job, "ww_job_emit");
    if (out < 0 || out >= WW_OUT__COUNT)
        return WW_EINVAL;
    if (out == WW_OUT_STATUS)
        job->own_status = 1; /* the stage reports this input itself (fetch) */
    if (out == WW_OUT_MAIN) {
        job->emitted_main = 1;
        if (job->w->out[WW_OUT_STATUS])
            note_main_output(job, msg);
    }
    return job_send(job, out, key, msg);
}

void ww_job_done(ww_job *job) {
    on_worker_thread(job, "ww_job_done");
    worker *w = job->w;
    emit_status(job); /* an output of the input: acknowledged only once delivered */
    job->done = 1;
    w->in_stage--;
    if (job->pending == 0)
        job_complete(job);
}

/* Stage counters live in the metrics (which copy the name); without metrics (tests,
 * embedded mode) there is nobody to read them. */
void ww_job_count(ww_job *job, const char *counter, long long delta) {
    on_worker_thread(job, "ww_job_count");
    worker *w = job->w;
    if (w->o->metrics)
        ww_metrics_count(w->o->metrics, counter, delta);
}

int ww_job_dead_letter(ww_job *job, int code, const char *detail) {
    on_worker_thread(job, "ww_job_dead_letter");
    worker *w = job->w;
    w->stats->dead_lettered++;
    job->dead = 1;
    snprintf(job->detail, sizeof job->detail, "%s: %s", ww_errname(code),
             detail ? detail : ww_strerror(code));
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

/* The input's trace id, settled once at intake (trace_ids.h): the transport's
 * (header, envelope), else the payload's Trace, else a new one — the message entered
 * the pipeline here. */
static void settle_trace(ww_job *job) {
    const ww_in_msg *m = &job->msg;
    worker *w = job->w;
    if (m->trace_id && *m->trace_id) {
        snprintf(job->trace, sizeof job->trace, "%s", m->trace_id);
        return;
    }
    if (!m->decode_error && ww__wire_trace_id(m->data, m->len, w->st->in_type, job->trace,
                                              sizeof job->trace) > 0)
        return;
    char *id = ww_trace_new_id();
    if (id)
        snprintf(job->trace, sizeof job->trace, "%s", id);
    free(id);
    if (w->o->metrics)
        ww_metrics_count(w->o->metrics, "trace_ids_assigned", 1);
}

ww_job *ww__job_intake(worker *w, ww_in_msg *m) {
    ww_job *job = calloc(1, sizeof *job);
    if (!job) {
        /* cannot even track it: leave it unacknowledged and stop */
        w->fatal = 1;
        snprintf(w->fatal_err, sizeof w->fatal_err, "out of memory");
        return NULL;
    }
    job->w = w;
    job->msg = *m;
    job->t0_us = ww_mono_us();
    settle_trace(job);
    job_link(w, job);
    w->stats->in++;
    if (w->o->metrics)
        ww_metrics_bytes(w->o->metrics, -1, m->len);
    w->open_jobs++;
    w->open_bytes += (long long)m->len;
    w->in_stage++;
    atomic_store(&w->stats->in_flight, w->open_jobs);
    return job;
}

void ww__job_reject(ww_job *job) {
    ww_job_dead_letter(job, job->msg.decode_error, job->msg.error_detail);
    ww_job_done(job);
}

/* The stage's own periodic work (stage.h: timer). */
void ww__job_timer(worker *w, int64_t *next) {
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
