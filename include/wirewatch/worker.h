/* The worker loop: one stage between one input endpoint and its output endpoints.
 *
 *   input --recv--> job --stage.submit--> outputs --delivered--> input offset stored
 *
 * Used by the long-running `wirewatch fetch|parse|classify` processes and, as threads,
 * by embedded mode (`wirewatch run`). */
#ifndef WIREWATCH_WORKER_H
#define WIREWATCH_WORKER_H

#include <signal.h>
#include <stdatomic.h>

#include "wirewatch/config.h"
#include "wirewatch/stage.h"

struct ww_metrics; /* metrics.h */

/* worker.threads: 1..this. */
#define WW_WORKER_MAX_THREADS 64

/* Keys of the runtime itself ("worker.*", "zmq.*", "log.*"), NULL-key-terminated. */
extern const ww_config_key ww_runtime_config_keys[];

typedef struct ww_worker_opts {
    const ww_stage_ops *stage;
    const ww_config *cfg;
    const char *in_uri;
    const char *out_uri[WW_OUT__COUNT]; /* NULL = that output is not configured */
    void *zmq_ctx;                      /* the process's one ZeroMQ context */
    _Atomic int *stop;                  /* set non-zero to drain and stop (SIGTERM) */
    _Atomic int *reload;        /* set non-zero to reload (SIGHUP); cleared here */
    struct ww_metrics *metrics; /* NULL = none; else fed for /metrics, /readyz,
                                         * the status page (its stats are the ones
                                         * passed to ww_worker_run) */
    int trusted_input;          /* 1 = this process wrote every input message
                                         * from its own command line (embedded mode's
                                         * fetch thread): ww_job_input_trusted */
} ww_worker_opts;

/* Where a worker is in its life; the shutdown watchdog names it. */
typedef enum {
    WW_PHASE_RUNNING = 0,
    WW_PHASE_DRAINING,      /* stop asked: finishing in-flight inputs */
    WW_PHASE_FLUSHING,      /* waiting for outputs to be acknowledged */
    WW_PHASE_COMMITTING,    /* the last Kafka transaction */
    WW_PHASE_CLOSING_INPUT, /* Kafka: final offset commit, leaving the group */
    WW_PHASE_CLOSING_OUTPUTS,
    WW_PHASE_STOPPED,
} ww_worker_phase;

const char *ww_worker_phase_name(int phase);

/* Counters of one worker, read by the status output, /metrics and the shutdown
 * watchdog (from other threads: hence atomics). */
typedef struct ww_worker_stats {
    _Atomic long long in, out[WW_OUT__COUNT], dropped[WW_OUT__COUNT], dead_lettered,
        delivery_failed, backpressure_waits, in_flight;
    _Atomic long long out_pending; /* output messages sent, not yet acknowledged */
    _Atomic int phase;             /* ww_worker_phase */
} ww_worker_stats;

/* Run until the input ends (file, end-of-stream marker) or *stop is set, then drain:
 * finish in-flight jobs, flush outputs, commit, close — all of it within
 * worker.shutdown_timeout_ms of the stop (one deadline, whatever the transports do).
 * stats may be NULL.  Returns 0, or WW_E* with err (cannot open an endpoint, an output
 * failed for good — the input is then not acknowledged, so a restart re-reads it).
 * After a stop, what the deadline left undone is logged and counted but is not an
 * error: its inputs were not acknowledged, so they are consumed again. */
int ww_worker_run(const ww_worker_opts *o, ww_worker_stats *stats, char *err,
                  size_t errlen);

#endif
