/* The contract between the worker runtime (workers/common) and a stage
 * (workers/fetch, workers/parse, workers/classify).
 *
 * The runtime reads input messages from an endpoint and hands each one to the stage
 * as a job.  The stage emits zero or more outputs for the job, then marks it done,
 * now (parse, classify) or later from its poll function (fetch, which keeps
 * thousands of transfers in flight).  The runtime acknowledges the input (stores the
 * Kafka offset) only when the job is done AND every output it emitted has been
 * delivered: that is at-least-once.  A stage never knows which transport it uses. */
#ifndef WIREWATCH_STAGE_H
#define WIREWATCH_STAGE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "wirewatch/config.h"
#include "wirewatch/v1/wirewatch.pb-c.h"

typedef enum {
    WW_OUT_MAIN = 0,   /* the stage's product: Page, Document or Classified */
    WW_OUT_DEAD,       /* DeadLetter: input that could not be processed */
    WW_OUT_STATUS,     /* StatusEvent: one terminal event per URL / document */
    WW_OUT_DISCOVERED, /* FetchRequest found in feeds and sitemaps (fetch) */
    WW_OUT_ALERTS,     /* Classified documents routed by watch-list rules (classify) */
    WW_OUT__COUNT
} ww_out;

typedef struct ww_job ww_job;

/* The input bytes (protobuf of the stage's in_type).  Borrowed, valid until
 * ww_job_done.  *len may be 0 (an all-default message). */
const uint8_t *ww_job_data(const ww_job *job, size_t *len);
/* Message key ("" when none) and trace id ("" when none).  Borrowed. */
const char *ww_job_key(const ww_job *job);
const char *ww_job_trace_id(const ww_job *job);
/* 1 when the worker was told (ww_worker_opts.trusted_input) that this process made
 * the input itself from its own command line - `wirewatch run`'s inputs - and 0 for
 * every other input: Kafka, ZeroMQ, a file or stdin, whose content whoever wrote it
 * chose.  A stage acts on what only the operator may ask for (reading local files)
 * only for trusted input. */
int ww_job_input_trusted(const ww_job *job);

/* Emit one output for this job.  msg is encoded before return; the caller keeps
 * ownership.  key may be NULL.  An output kind with no endpoint configured is counted
 * and dropped.  Returns 0 or WW_E*. */
int ww_job_emit(ww_job *job, ww_out out, const char *key, const ProtobufCMessage *msg);

/* Dead-letter this job's input: emits a DeadLetter with the stage, ww_errname(code)
 * as reason, detail, the original bytes and the source topic/partition/offset, and
 * counts it.  Does not finish the job: call ww_job_done after. */
int ww_job_dead_letter(ww_job *job, int code, const char *detail);

/* What became of this job's input, for the status event the runtime emits per input
 * on the --status output (docs/messages.md, "Status events").  Without a call the
 * runtime decides: "dead-lettered" when ww_job_dead_letter was called, else "ok" when
 * a main output was emitted, else "filtered".  detail (copied; NULL = none) says why.
 * A dead letter wins over what is set here.  A stage that emits its own status event
 * for an input (ww_job_emit to WW_OUT_STATUS: fetch) gets none from the runtime. */
typedef enum { WW_JOB_OK = 1, WW_JOB_FILTERED, WW_JOB_DUPLICATE } ww_job_outcome;
void ww_job_set_outcome(ww_job *job, ww_job_outcome outcome, const char *detail);

/* The job is finished; call exactly once.  The job must not be used afterwards. */
void ww_job_done(ww_job *job);

/* Per-stage counter for metrics/status ("limit_body_bytes", "robots_denied"); the
 * name is copied, any lifetime is fine. */
void ww_job_count(ww_job *job, const char *counter, long long delta);

/* A stage whose work on one input depends on no other input (parse, classify) splits
 * its submit in two, so that worker.threads threads can do that work while the
 * worker's own thread keeps the endpoints, intake, outputs and commits
 * (worker_threads.c):
 *   process  on any of the threads, several at once: decode and compute.  It may read
 *            the job (ww_job_data, ww_job_key, ww_job_trace_id, ww_job_input_trusted)
 *            and nothing else of the runtime: no emit, count, outcome or done.  It
 *            returns its result (NULL is a result too).
 *   finish   on the worker's thread, once per job, in input order: emits, dead letters,
 *            counts, ww_job_done; owns and frees the result.  Ordered state (parse's
 *            near-duplicate ring) lives here.
 *   discard  frees a result that will never be finished (a stop forced by the
 *            deadline).
 *   reload   (ww_stage_ops) runs on the worker's thread once the threads have
 *            processed every input taken so far and before they take the next: it
 *            falls between two inputs in input order, as with one thread.  A thread's
 *            own state made from the old one (classify's per-thread classifier) is
 *            let go at that thread's next input.
 *   thread_new / thread_free: one processing thread's own state, passed to process
 *            (NULL hooks = none).  With worker.threads = 1 there are no threads: the
 *            worker calls submit, which is process (with ts NULL) then finish. */
typedef struct ww_stage_parallel {
    void *(*thread_new)(void *ctx, char *err, size_t errlen);
    void (*thread_free)(void *ctx, void *ts);
    void *(*process)(void *ctx, void *ts, ww_job *job);
    void (*finish)(void *ctx, ww_job *job, void *result);
    void (*discard)(void *ctx, void *result);
} ww_stage_parallel;

typedef struct ww_stage_ops {
    const char *name; /* "fetch", "parse", "classify" */
    const ProtobufCMessageDescriptor *in_type;
    const ProtobufCMessageDescriptor *out_type;
    const ww_config_key *config_keys; /* this stage's keys, NULL-key-terminated */

    /* Build the stage's context from configuration.  NULL with err on failure. */
    void *(*create)(const ww_config *cfg, char *err, size_t errlen);
    void (*destroy)(void *ctx);

    /* Take a job.  The stage calls ww_job_done on it exactly once, in submit or in a
     * later poll. */
    void (*submit)(void *ctx, ww_job *job);

    /* Async stages: make progress for at most timeout_ms and return the number of
     * jobs still in flight.  NULL for stages that finish every job in submit. */
    int (*poll)(void *ctx, int timeout_ms);

    /* Jobs in flight the stage accepts before the runtime stops reading input
     * (backpressure).  NULL = 1. */
    int (*capacity)(void *ctx);

    /* Re-read taxonomy, watch-lists, model (SIGHUP).  On error the old state stays
     * and err says why.  NULL when the stage has nothing to reload. */
    int (*reload)(void *ctx, const ww_config *cfg, char *err, size_t errlen);

    /* Work of the stage's own, not driven by input (fetch re-polls the feeds in its
     * config): called about every timer_ms with an internal job that carries no input
     * (ww_job_data gives 0 bytes).  The stage may emit on it and must finish it with
     * ww_job_done, now or later; nothing is acknowledged when it completes.  Not
     * called once the worker is stopping or its input has ended.  NULL = none. */
    void (*timer)(void *ctx, ww_job *job);
    int timer_ms;

    /* Work that worker.threads threads may share (see above); NULL = the stage runs on
     * the worker's thread whatever worker.threads says (fetch: I/O-bound, with its own
     * concurrency). */
    const ww_stage_parallel *parallel;
} ww_stage_ops;

/* The three stages, defined in workers/<stage>/<stage>_stage.c. */
extern const ww_stage_ops ww_fetch_stage;
extern const ww_stage_ops ww_parse_stage;
extern const ww_stage_ops ww_classify_stage;

#endif
