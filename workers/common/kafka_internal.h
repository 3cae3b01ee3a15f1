/* Internal to the Kafka endpoint: the state its files share and the functions they
 * call across files.  Not included outside the kafka_*.c / endpoint_kafka.c files.
 *
 * The files depend one way, each only on those above it:
 *   kafka_conf.c          librdkafka configuration, logging, error mapping, clocks
 *   kafka_producer.c      the process's shared producers: registry, send, delivery
 *   kafka_stats.c         librdkafka statistics (consumer lag) to /metrics
 *   kafka_fetch_wake.c    waking librdkafka's fetcher after a full prefetch drained
 *   kafka_transactions.c  exactly-once: commit / abort a batch with input offsets
 *   kafka_consumer.c      the group consumer: receive, release, rebalance, close
 *   endpoint_kafka.c      the transport's vtables and ww__ep_kafka_open
 * (kafka_offsets.c, the in-order offset store, depends on nothing of these.) */
#ifndef WW_KAFKA_INTERNAL_H
#define WW_KAFKA_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>

#include "endpoint_impl.h"
#include "kafka_offsets.h"
#include "wirewatch/config.h"

#define HDR_SCHEMA "ww-schema"
#define HDR_VERSION "ww-schema-version"
#define HDR_TRACE "ww-trace-id"
#define TXN_TIMEOUT_MS 30000

struct ww_metrics;

/* ---- the shared producer (kafka_producer.c) ------------------------------------ */

/* Undelivered count of one output endpoint.  Owned by the producer and freed with it,
 * so a delivery report arriving after its endpoint closed finds valid memory (and
 * does not call back into a closed worker). */
typedef struct kslot {
    int pending;
    int closed;
    struct kslot *next;
} kslot;

/* Every librdkafka opaque (kprod, kcons) starts with the stage name, which is all
 * log_cb needs. */
typedef struct kprod {
    char *stage; /* first: see log_cb */
    rd_kafka_t *rk;
    char *key; /* brokers + config identity */
    const ww_config *cfg;
    int refs;
    int txn;      /* transactional.id configured */
    int txn_open; /* a transaction is open */
    int fatal;
    int down;       /* all brokers down (for /readyz) */
    int committing; /* commit_transaction timed out: the next commit resumes it */
    int shutdown_ms;
    int64_t deadline_us; /* set by a closing endpoint: ww__kprod_put ends by it */
    kslot *slots;
    struct kprod *next;
} kprod;

/* Per sent message, the sender's callback. */
typedef struct kdr {
    ww_delivery_cb *cb;
    void *opaque;
    kslot *slot;
} kdr;

/* ---- the consumer (kafka_consumer.c) ------------------------------------------ */

/* One handed-out message: the librdkafka message (its payload is what the worker
 * reads) plus NUL-terminated copies of key and headers. */
typedef struct kmsg {
    rd_kafka_message_t *rkm;
    uint64_t epoch;
    struct kmsg *prev, *next; /* outstanding list, so close can free leftovers */
    char schema[128];
    char trace[80];
    char key[]; /* key bytes + NUL */
} kmsg;

/* worker.kafka_fetch_wake (kafka_fetch_wake.c); q == NULL: off. */
typedef struct kwake {
    rd_kafka_queue_t *q;                  /* the consumer queue: its length */
    rd_kafka_topic_partition_list_t *pos; /* next offset of each partition read */
    long long bound;                      /* queued.max.messages.kbytes, in bytes */
    long long bound_msgs;                 /* queued.min.messages */
    double mean;                          /* mean size of the messages polled */
    int armed;                            /* the queue neared the bound: fetcher asleep */
    long long n_wakes;
} kwake;

typedef struct kcons {
    char *stage; /* first: see log_cb; a copy, as it may outlive the endpoint (close) */
    ww_endpoint *ep;
    rd_kafka_t *rk;
    ww__koff *offs;
    kmsg *outstanding;
    rd_kafka_message_t *stash; /* polled while paused (or by poll()): next recv gets it */
    int paused;
    int txn; /* read_committed, offsets go through the producer's transaction */
    kprod *txn_prod;
    rd_kafka_topic_partition_list_t *done; /* txn: next offsets to commit */
    int fatal;
    int down;
    int shutdown_ms; /* close without a deadline: worker.shutdown_timeout_ms */
    int closing;     /* in ww__kafka_cons_close: the worker has made its last commit */
    long long n_abandoned;
    kwake wake;
    struct ww_metrics *_Atomic metrics; /* consumer lag goes here (set after open) */
    struct kcons *next_left;            /* left_open */
} kcons;

/* ep->impl of a Kafka endpoint: the consumer (input) or a producer slot (output). */
typedef struct kep {
    kcons *c;
    kprod *p;
    kslot *slot;
    rd_kafka_topic_t *rkt; /* output: the topic handle, looked up once */
} kep;

/* ---- kafka_conf.c ------------------------------------------------------------- */

/* librdkafka error -> WW_E* code. */
int ww__kafka_map_err(rd_kafka_resp_err_t e);

/* String value of kafka.<k> in cfg, or NULL (cfg may be NULL). */
const char *ww__kafka_cfg_get(const ww_config *cfg, const char *k);

/* Our defaults, then every kafka.* key of the configuration (the user wins), then the
 * settings correctness depends on.  Returns NULL with err. */
rd_kafka_conf_t *ww__kafka_make_conf(ww_endpoint *ep, const ww_config *cfg, int producer,
                                     char *err, size_t errlen);

/* worker.shutdown_timeout_ms (its declared default without cfg). */
int ww__kafka_shutdown_ms(const ww_config *cfg);

/* Milliseconds left until deadline_us (0 when passed), or dflt when there is none. */
int ww__kafka_left_ms(int64_t deadline_us, int dflt);

/* ---- kafka_producer.c --------------------------------------------------------- */

/* Guards the producer registry, producer reference counts and the consumers left
 * open at close (kafka_consumer.c). */
extern pthread_mutex_t ww__kprod_lock;

/* Drop one reference; the last one aborts an open transaction, flushes within the
 * producer's deadline and destroys it.  Called with ww__kprod_lock. */
void ww__kprod_put(kprod *p);

/* The producer's waits end by the earliest deadline set on one of its endpoints. */
void ww__kprod_deadline(kprod *p, const ww_endpoint *ep);

/* Open a transaction if none is open (no-op without transactional.id).  Returns 0 or
 * WW_ETRANSPORT. */
int ww__kprod_txn_begin(kprod *p);

int ww__kafka_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data, size_t len,
                       const char *trace_id, ww_delivery_cb *cb, void *opaque);
int ww__kafka_prod_poll(ww_endpoint *ep, int timeout_ms);
int ww__kafka_prod_flush(ww_endpoint *ep, int timeout_ms);
int ww__kafka_prod_ready(ww_endpoint *ep);
void ww__kafka_prod_close(ww_endpoint *ep);
int ww__kafka_open_producer(ww_endpoint *ep, const ww_config *cfg, char *err,
                            size_t errlen);

/* ---- kafka_stats.c ------------------------------------------------------------ */

/* librdkafka's stats_cb for a consumer (opaque = kcons). */
int ww__kafka_stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque);

/* Send the consumer's statistics (lag per partition) to m; no-op for a producer. */
void ww__kafka_set_metrics(ww_endpoint *ep, struct ww_metrics *m);

/* ---- kafka_fetch_wake.c ------------------------------------------------------ */

/* Set up c->wake after rd_kafka_new (off when worker.kafka_fetch_wake is false).
 * 0, or -1 when out of memory. */
int ww__kwake_init(kcons *c, const ww_config *cfg);
void ww__kwake_free(kcons *c);
/* A data message m was polled: track its partition's position; wake the fetcher when
 * the queue, full since the last wake, is now empty. */
void ww__kwake_polled(kcons *c, const rd_kafka_message_t *m);
/* The assignment was resumed: wake the fetcher. */
void ww__kwake_resumed(kcons *c);
/* Positions are no longer the fetcher's (rebalance, rewind): forget them all. */
void ww__kwake_forget(kcons *c);

/* ---- kafka_transactions.c ----------------------------------------------------- */

/* Commit p's open transaction with c's done offsets (c may be NULL) within
 * timeout_ms.  0; WW_ETIMEDOUT leaves it open (calling again resumes the commit);
 * WW_ETRANSPORT when it was aborted (c rewound). */
int ww__ktxn_commit(kprod *p, kcons *c, int timeout_ms, const char *stage);

/* Abort p's open transaction and rewind c (may be NULL) to its committed offsets,
 * within timeout_ms.  Returns WW_ETRANSPORT (the batch is lost). */
int ww__ktxn_abort(kprod *p, kcons *c, int timeout_ms, const char *stage);

/* ---- kafka_consumer.c --------------------------------------------------------- */

int ww__kafka_recv(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms);
void ww__kafka_release(ww_endpoint *ep, ww_in_msg *msg);
void ww__kafka_abandon(ww_endpoint *ep, ww_in_msg *msg);
int ww__kafka_cons_poll(ww_endpoint *ep, int timeout_ms);
void ww__kafka_pause(ww_endpoint *ep, int paused);
int ww__kafka_cons_ready(ww_endpoint *ep);
void ww__kafka_cons_close(ww_endpoint *ep);
int ww__kafka_open_consumer(ww_endpoint *ep, const ww_config *cfg, char *err,
                            size_t errlen);

#endif
