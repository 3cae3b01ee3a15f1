/* worker.threads: N threads that run a stage's per-input work (ww_stage_parallel's
 * process) behind one worker, and hand the results back in input order.
 *
 * The worker's own thread keeps everything a transport promises something about: it
 * receives, settles trace ids, puts each job here in the order it arrived, takes the
 * results back in that same order and finishes them (emits, dead letters, counts,
 * ww_job_done), then acknowledges and commits as with one thread.  Outputs therefore
 * leave in input order — per key and per partition, as ZeroMQ, files and Kafka
 * promise — and the commit points (Kafka offsets in order, transactions) see exactly
 * what they see with one thread.  Only process, a pure function of one input, runs
 * here, on as many inputs at once as there are threads.
 *
 * The queue is a ring of slots in arrival order: [head, next) are taken by a thread
 * (running or done), [next, tail) wait for one.  A result that is done while an older
 * one still runs waits in its slot (head of line): the ring holds RING_PER_THREAD
 * inputs per thread so that one slow input (a huge page) does not idle the others.
 * Items are opaque here: this file knows the stage's hooks, not jobs. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"
#include "worker_internal.h"

#define RING_PER_THREAD 8

enum { SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };
enum { WAIT_HEAD = 1, WAIT_IDLE }; /* ww__pool_take, ww__pool_quiesce */

typedef struct slot {
    void *item; /* the job */
    void *result;
    int state;
    int processed; /* 0: passed through without process (see ww__pool_put) */
} slot;

typedef struct pool_thread {
    struct ww__pool *p;
    pthread_t tid;
    void *ts; /* the stage's state of this thread (thread_new) */
    int started;
} pool_thread;

struct ww__pool {
    const ww_stage_parallel *par;
    void *ctx;
    pthread_mutex_t mu;   /* guards the ring and the flags below */
    pthread_cond_t work;  /* a slot was queued, or stop */
    pthread_cond_t ready; /* the oldest slot is done (the worker waits for it) */
    slot *ring;
    size_t cap;
    size_t head, next, tail; /* counters; slot of counter i is ring[i % cap] */
    int running;             /* items being processed */
    int stop;
    int worker_waiting; /* WAIT_HEAD or WAIT_IDLE: the worker sleeps on ready */
    int nthreads;
    pool_thread *threads;
};

static void *pool_thread_main(void *arg) {
    pool_thread *t = arg;
    struct ww__pool *p = t->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next == p->tail)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        size_t i = p->next++;
        slot *s = &p->ring[i % p->cap];
        if (!s->processed)
            continue; /* only keeps its place in the order */
        s->state = SLOT_RUNNING;
        p->running++;
        void *item = s->item;
        pthread_mutex_unlock(&p->mu);
        /* the slot is not reused before the worker took its result: head <= i */
        void *result = p->par->process(p->ctx, t->ts, item);
        pthread_mutex_lock(&p->mu);
        s->result = result;
        s->state = SLOT_DONE;
        p->running--;
        if ((p->worker_waiting == WAIT_HEAD && i == p->head) ||
            (p->worker_waiting == WAIT_IDLE && p->next == p->tail && !p->running))
            pthread_cond_signal(&p->ready);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The threads and their states.  NULL with err (the stage's thread_new failed, or
 * no thread could be started). */
ww__pool *ww__pool_new(const ww_stage_parallel *par, void *ctx, int nthreads, char *err,
                       size_t errlen) {
    ww__pool *p = calloc(1, sizeof *p);
    if (!p) {
        ww_seterr(err, errlen, WW_ENOMEM, "worker.threads: out of memory");
        return NULL;
    }
    p->par = par;
    p->ctx = ctx;
    p->cap = (size_t)nthreads * RING_PER_THREAD;
    p->ring = calloc(p->cap, sizeof *p->ring);
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->ready, NULL);
    if (!p->ring || !p->threads) {
        ww_seterr(err, errlen, WW_ENOMEM, "worker.threads: out of memory");
        ww__pool_free(p);
        return NULL;
    }
    for (int k = 0; k < nthreads; k++) {
        pool_thread *t = &p->threads[k];
        t->p = p;
        p->nthreads = k + 1;
        if (par->thread_new && !(t->ts = par->thread_new(ctx, err, errlen))) {
            ww__pool_free(p);
            return NULL;
        }
        int rc = pthread_create(&t->tid, NULL, pool_thread_main, t);
        if (rc) {
            ww_seterr(err, errlen, WW_ENOMEM,
                      "worker.threads: cannot start thread %d: %s", k + 1, strerror(rc));
            ww__pool_free(p);
            return NULL;
        }
        t->started = 1;
    }
    return p;
}

/* Stop the threads: each finishes the input it is processing (process is bounded:
 * parse.max_time_ms and friends), none takes another.  Results never taken are
 * discarded; their jobs stay the worker's, unacknowledged. */
void ww__pool_free(ww__pool *p) {
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int k = 0; k < p->nthreads; k++) {
        pool_thread *t = &p->threads[k];
        if (t->started)
            pthread_join(t->tid, NULL);
        if (t->ts && p->par->thread_free)
            p->par->thread_free(p->ctx, t->ts);
    }
    for (size_t i = p->head; p->ring && i < p->next; i++) {
        slot *s = &p->ring[i % p->cap];
        if (s->state == SLOT_DONE && s->processed && p->par->discard)
            p->par->discard(p->ctx, s->result);
    }
    pthread_cond_destroy(&p->ready);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p->ring);
    free(p);
}

/* Inputs the ring holds: the worker's backpressure stops taking input there. */
int ww__pool_capacity(const ww__pool *p) { return (int)p->cap; }

/* Queue item behind every earlier one.  process = 0: no thread touches it, it only
 * keeps its place in the order (an input the transport could not decode, which the
 * worker dead-letters when its turn comes).  The caller keeps fewer than capacity
 * items in the ring. */
void ww__pool_put(ww__pool *p, void *item, int process) {
    pthread_mutex_lock(&p->mu);
    slot *s = &p->ring[p->tail % p->cap];
    s->item = item;
    s->result = NULL;
    s->processed = process;
    s->state = process ? SLOT_QUEUED : SLOT_DONE;
    if (!process && p->next == p->tail)
        p->next++; /* every earlier item is taken: no thread comes by to step over it */
    p->tail++;
    if (process)
        pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

/* The oldest item, once it is done: 1 with *item, *result and *processed, 0 when the
 * oldest is not done within wait_ms (or there is none). */
int ww__pool_take(ww__pool *p, int wait_ms, void **item, void **result, int *processed) {
    pthread_mutex_lock(&p->mu);
    if (wait_ms > 0 && p->head < p->tail &&
        p->ring[p->head % p->cap].state != SLOT_DONE) {
        struct timespec until = ww_timespec_after_ms(CLOCK_REALTIME, wait_ms);
        p->worker_waiting = WAIT_HEAD;
        while (p->ring[p->head % p->cap].state != SLOT_DONE)
            if (pthread_cond_timedwait(&p->ready, &p->mu, &until) == ETIMEDOUT)
                break;
        p->worker_waiting = 0;
    }
    int got = 0;
    if (p->head < p->tail && p->ring[p->head % p->cap].state == SLOT_DONE) {
        slot *s = &p->ring[p->head % p->cap];
        *item = s->item;
        *result = s->result;
        *processed = s->processed;
        p->head++;
        got = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}

/* Wait until the threads have processed everything put so far (a reload: inputs
 * before it are processed with the old state, inputs after it with the new, in input
 * order as with one thread).  Results stay in the ring for ww__pool_take. */
void ww__pool_quiesce(ww__pool *p) {
    pthread_mutex_lock(&p->mu);
    p->worker_waiting = WAIT_IDLE;
    while (p->next != p->tail || p->running)
        pthread_cond_wait(&p->ready, &p->mu);
    p->worker_waiting = 0;
    pthread_mutex_unlock(&p->mu);
}
