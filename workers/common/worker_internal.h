/* Internal to the worker loop: the state worker.c (the loop, shutdown) and job.c (one
 * input's life: intake, outputs, status event, acknowledgement) share. */
#ifndef WW_WORKER_INTERNAL_H
#define WW_WORKER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "wirewatch/endpoint.h"
#include "wirewatch/worker.h"

typedef struct ww__pool ww__pool; /* worker_threads.c */

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
    long long max_open;       /* worker.max_open_jobs */
    long long open_bytes;     /* input bytes of the open jobs */
    long long max_open_bytes; /* worker.max_open_bytes, 0 = no bound */
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
    /* worker.threads > 1 and a stage with ww_stage_parallel: the processing threads */
    ww__pool *pool;
    pthread_t thread; /* the worker's own: the only one that may finish jobs */
} worker;

struct ww_job {
    worker *w;
    struct ww_job *prev, *next; /* worker.jobs */
    int internal;               /* from the stage's timer: no input to acknowledge */
    ww_in_msg msg;
    int pending; /* outputs not yet delivered */
    int done;
    int failed;
    int abandoned;  /* left by a forced stop: its input is no longer ours to touch */
    char trace[80]; /* the input's trace id, settled at intake (trace_ids.h) */
    int64_t t0_us;  /* intake (ww_mono_us), for the status event's duration */
    /* for the input's status event (job.c) */
    int dead;         /* ww_job_dead_letter was called */
    int outcome;      /* ww_job_outcome set by the stage, 0 = not said */
    int own_status;   /* the stage emitted a status event for this input itself */
    int emitted_main; /* the stage emitted a main output */
    char *out_url;    /* the main output's url / id (malloc'd), when --status */
    char *out_id;
    char detail[256]; /* dead-letter reason or the stage's outcome detail */
};

/* ---- job.c -------------------------------------------------------------------- */

/* Take one received input: a job with its trace id settled, counted in flight, for
 * the worker to hand to the stage.  NULL when out of memory (the worker is fatal). */
ww_job *ww__job_intake(worker *w, ww_in_msg *m);

/* An input the transport could not decode (msg.decode_error): dead-lettered, done. */
void ww__job_reject(ww_job *job);

/* The stage's own periodic work (stage.h: timer), when *next is due. */
void ww__job_timer(worker *w, int64_t *next);

void ww__job_unlink(worker *w, ww_job *job);
void ww__job_free(ww_job *job);

/* Tell every endpoint the shutdown deadline. */
void ww__worker_set_deadlines(worker *w, int64_t deadline);

/* Stop asked (SIGTERM): set the deadlines of draining, flushing and closing.  Called
 * by the loop, and by an emit waiting on a full output, whichever sees the stop
 * first. */
void ww__worker_begin_stop(worker *w);

/* ---- worker_threads.c: worker.threads ------------------------------------------ */

ww__pool *ww__pool_new(const ww_stage_parallel *par, void *ctx, int nthreads, char *err,
                       size_t errlen);
void ww__pool_free(ww__pool *p);
int ww__pool_capacity(const ww__pool *p);
void ww__pool_put(ww__pool *p, void *item, int process);
int ww__pool_take(ww__pool *p, int wait_ms, void **item, void **result, int *processed);
void ww__pool_quiesce(ww__pool *p);

#endif
