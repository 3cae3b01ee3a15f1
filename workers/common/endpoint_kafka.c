/* Kafka endpoints (librdkafka): a high-level consumer on input, a producer on output.
 *
 * Input: one consumer in group ?group= (default "wirewatch-<stage>") subscribed to
 * the topic.  enable.auto.offset.store=false: an offset is stored only when the
 * worker releases the message and every earlier message of its partition has been
 * released too (kafka_offsets.c), so the auto-commit never moves past work that is
 * not finished: at-least-once.  A rebalance commits what is stored and forgets the
 * revoked partitions; their in-flight messages are abandoned (the next owner gets
 * them again).  Pause/resume act on the whole assignment (backpressure).
 *
 * Output: every output endpoint of a process with the same brokers and configuration
 * shares one producer (so one transaction can hold the main output, dead letters and
 * status events).  Idempotent, acks=all; a delivery report calls the sender's
 * callback; a full local queue is WW_EAGAIN (the caller polls and retries).
 *
 * Headers: ww-schema (full protobuf name), ww-schema-version, ww-trace-id.
 *
 * Shutdown is bounded: every wait on the broker at close (flush, transaction abort,
 * the consumer's final commit and leaving the group) ends by the endpoint's deadline
 * (ww_endpoint_set_deadline; else worker.shutdown_timeout_ms from the start of the
 * close).  librdkafka's own close waits for the group coordinator for up to
 * session.timeout.ms and, when the broker stopped answering without closing its
 * connections, for every request in flight to time out (socket.timeout.ms, 60 s, then
 * retries): so the consumer is closed asynchronously and served only until the
 * deadline, and a consumer that has not closed by then is not destroyed either
 * (rd_kafka_destroy would wait for the same group termination): the process is
 * ending, and what it did not commit is consumed again by the group.
 *
 * Threads: librdkafka calls log_cb from its own threads (ww_log is thread-safe);
 * every other callback runs inside our poll calls, on the worker's thread. */
#include "endpoint_kafka.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint_impl.h"
#include "kafka_offsets.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/metrics.h"
#include "wirewatch/message.h"

#define HDR_SCHEMA "ww-schema"
#define HDR_VERSION "ww-schema-version"
#define HDR_TRACE "ww-trace-id"
#define DEFAULT_SHUTDOWN_MS 10000
#define TXN_TIMEOUT_MS 30000

/* ---- shared producer ---------------------------------------------------------- */

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
    int64_t deadline_us; /* set by a closing endpoint: prod_put ends by it */
    kslot *slots;
    struct kprod *next;
} kprod;

static pthread_mutex_t prod_lock = PTHREAD_MUTEX_INITIALIZER;
static kprod *producers;

/* Per sent message, the sender's callback. */
typedef struct kdr {
    ww_delivery_cb *cb;
    void *opaque;
    kslot *slot;
} kdr;

/* ---- consumer ------------------------------------------------------------------ */

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
    int closing;     /* in k_cons_close: the worker has made its last commit */
    long long n_abandoned;
    struct ww_metrics *_Atomic metrics; /* consumer lag goes here (set after open) */
    struct kcons *next_left;            /* left_open */
} kcons;

/* Consumers whose close did not finish by the deadline, left to the process's exit
 * (k_cons_close); listed so they stay reachable (for leak checkers too). */
static kcons *left_open;

typedef struct kep {
    kcons *c;
    kprod *p;
    kslot *slot;
    rd_kafka_topic_t *rkt; /* output: the topic handle, looked up once */
} kep;

/* ---- logging ------------------------------------------------------------------- */

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    const char *stage = *(const char *const *)rd_kafka_opaque(rk);
    ww_log_level lvl = level <= 3   ? WW_LOG_ERROR
                       : level == 4 ? WW_LOG_WARN
                       : level <= 6 ? WW_LOG_INFO
                                    : WW_LOG_DEBUG;
    if ((int)lvl > atomic_load_explicit(&ww_log_level_current, memory_order_relaxed))
        return;
    const char *kv[] = {"component", "librdkafka", "client", rd_kafka_name(rk),
                        "facility",  fac,          NULL};
    ww_log_kv(lvl, stage, kv, "%s", buf);
}

static int map_err(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: return 0;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL: return WW_EAGAIN;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: return WW_ETOOBIG;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT: return WW_ETIMEDOUT;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return WW_ENOTFOUND;
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG: return WW_EINVAL;
    default: return WW_ETRANSPORT;
    }
}

/* ---- configuration ------------------------------------------------------------- */

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err,
                    size_t errlen) {
    char e[256];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof e) != RD_KAFKA_CONF_OK)
        return ww_seterr(err, errlen, WW_EINVAL, "kafka.%s: %s", k, e);
    return 0;
}

/* Keys that make sense for one client kind only; passing them to the other makes
 * librdkafka log a warning per client, which would only be noise. */
static int skip_for(int producer, const char *k) {
    static const char *const consumer_only[] = {"group.id",
                                                "group.instance.id",
                                                "isolation.level",
                                                "auto.offset.reset",
                                                "enable.auto.commit",
                                                "auto.commit.interval.ms",
                                                "session.timeout.ms",
                                                "heartbeat.interval.ms",
                                                "max.poll.interval.ms",
                                                "partition.assignment.strategy",
                                                "fetch.wait.max.ms",
                                                "fetch.min.bytes",
                                                "fetch.max.bytes",
                                                "queued.min.messages",
                                                "queued.max.messages.kbytes",
                                                "enable.partition.eof",
                                                "allow.auto.create.topics",
                                                NULL};
    static const char *const producer_only[] = {"transactional.id",
                                                "transaction.timeout.ms",
                                                "enable.idempotence",
                                                "acks",
                                                "linger.ms",
                                                "queue.buffering.max.ms",
                                                "queue.buffering.max.messages",
                                                "queue.buffering.max.kbytes",
                                                "batch.num.messages",
                                                "batch.size",
                                                "message.timeout.ms",
                                                "compression.codec",
                                                "compression.type",
                                                "retries",
                                                "message.send.max.retries",
                                                "retry.backoff.ms",
                                                "request.required.acks",
                                                "max.in.flight.requests.per.connection",
                                                "max.in.flight",
                                                NULL};
    const char *const *list = producer ? consumer_only : producer_only;
    for (; *list; list++)
        if (strcmp(*list, k) == 0)
            return 1;
    return 0;
}

static const char *kcfg_get(const ww_config *cfg, const char *k) {
    if (!cfg)
        return NULL;
    json_t *v = json_object_get(ww_config_kafka(cfg), k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Our defaults, then every kafka.* key of the configuration (the user wins), then the
 * settings correctness depends on.  Returns NULL with err. */
static rd_kafka_conf_t *make_conf(ww_endpoint *ep, const ww_config *cfg, int producer,
                                  char *err, size_t errlen) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char client_id[128];
    snprintf(client_id, sizeof client_id, "wirewatch-%s", ep->stage);
    const char *defaults[][2] = {
        {"client.id", client_id},
        {"log.connection.close", "false"},
        {"socket.keepalive.enable", "true"},
        {"reconnect.backoff.max.ms", "2000"},
        {producer ? "enable.idempotence" : "enable.auto.commit", "true"},
        {producer ? "acks" : "auto.offset.reset", producer ? "all" : "earliest"},
        {producer ? "linger.ms" : "auto.commit.interval.ms", producer ? "5" : "1000"},
        /* a killed worker's partitions move after this long (the broker default of
         * 45 s is too slow for a pipeline; the broker's minimum is 6 s) */
        {producer ? NULL : "session.timeout.ms", "10000"},
        /* a consumer of a topic nobody has written yet asks the broker to create it;
         * the first answer still says "unknown topic", and librdkafka only looks again
         * at the next metadata refresh (default 5 minutes): refresh every 5 s so a
         * worker started before its input topic exists picks it up within seconds */
        {producer ? NULL : "allow.auto.create.topics", "true"},
        {producer ? NULL : "topic.metadata.refresh.interval.ms", "5000"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (defaults[i][0] && conf_set(conf, defaults[i][0], defaults[i][1], err, errlen))
            goto fail;
    if (conf_set(conf, "bootstrap.servers", ep->uri.brokers, err, errlen))
        goto fail;
    if (cfg) {
        const char *k;
        json_t *v;
        json_object_foreach(ww_config_kafka(cfg), k, v) {
            if (!json_is_string(v) || skip_for(producer, k))
                continue;
            if (strcmp(k, "bootstrap.servers") == 0)
                continue; /* the URI names them */
            if (conf_set(conf, k, json_string_value(v), err, errlen))
                goto fail;
        }
    }
    if (!producer) {
        /* correctness: the offset is stored by release(), never on delivery to us */
        if (conf_set(conf, "enable.auto.offset.store", "false", err, errlen))
            goto fail;
        /* group: ?group= in the URI, else kafka.group.id, else wirewatch-<stage> */
        const char *group = ep->uri.group && *ep->uri.group ? ep->uri.group : NULL;
        char defgroup[128];
        if (!group)
            group = kcfg_get(cfg, "group.id");
        if (!group) {
            snprintf(defgroup, sizeof defgroup, "wirewatch-%s", ep->stage);
            group = defgroup;
        }
        if (conf_set(conf, "group.id", group, err, errlen))
            goto fail;
        if (kcfg_get(cfg, "transactional.id")) {
            if (conf_set(conf, "isolation.level", "read_committed", err, errlen) ||
                conf_set(conf, "enable.auto.commit", "false", err, errlen))
                goto fail;
        }
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static int shutdown_ms(const ww_config *cfg) {
    return cfg ? (int)ww_config_int(cfg, "worker.shutdown_timeout_ms")
               : DEFAULT_SHUTDOWN_MS;
}

/* Milliseconds left until deadline_us (0 when passed), or dflt when there is none. */
static int left_ms(int64_t deadline_us, int dflt) {
    if (!deadline_us)
        return dflt;
    int64_t left = (deadline_us - ww_mono_us()) / 1000;
    return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* ---- producer ------------------------------------------------------------------ */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    kprod *p = opaque;
    kdr *d = m->_private;
    if (m->err) {
        /* purged: by an abort or at close, which say so once */
        int purged = m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                     m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
        ww_log_level lvl = purged ? WW_LOG_DEBUG : WW_LOG_WARN;
        const char *kv[] = {"topic", rd_kafka_topic_name(m->rkt), NULL};
        if ((int)lvl <= atomic_load_explicit(&ww_log_level_current, memory_order_relaxed))
            ww_log_kv(lvl, p->stage, kv, "kafka delivery failed: %s",
                      rd_kafka_err2str(m->err));
    } else {
        p->down = 0;
    }
    if (!d)
        return;
    d->slot->pending--;
    if (!d->slot->closed && d->cb)
        d->cb(d->opaque, map_err(m->err));
    free(d);
}

static void prod_error_cb(rd_kafka_t *rk, int e, const char *reason, void *opaque) {
    kprod *p = opaque;
    if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        p->down = 1;
    if (e == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
        p->fatal = 1;
        WW_ERROR(p->stage, "kafka producer fatal error: %s: %s", rd_kafka_err2name(orig),
                 buf);
        return;
    }
    /* transport errors were already logged by librdkafka (log_cb) */
    if (e == RD_KAFKA_RESP_ERR__TRANSPORT)
        WW_DEBUG(p->stage, "kafka producer: %s: %s", rd_kafka_err2name(e), reason);
    else
        WW_WARN(p->stage, "kafka producer: %s: %s", rd_kafka_err2name(e), reason);
}

static void prod_free(kprod *p) {
    if (!p)
        return;
    if (p->rk)
        rd_kafka_destroy(p->rk);
    for (kslot *s = p->slots, *n; s; s = n) {
        n = s->next;
        free(s);
    }
    free(p->key);
    free(p->stage);
    free(p);
}

/* Find or create the process's producer for (brokers, cfg).  Called with prod_lock. */
static kprod *prod_get(ww_endpoint *ep, const ww_config *cfg, char *err, size_t errlen) {
    size_t klen = strlen(ep->uri.brokers) + 32;
    char *key = malloc(klen);
    if (!key)
        return NULL;
    snprintf(key, klen, "%s|%p", ep->uri.brokers, (const void *)cfg);
    for (kprod *p = producers; p; p = p->next)
        if (strcmp(p->key, key) == 0 && !p->fatal) {
            free(key);
            p->refs++;
            return p;
        }
    kprod *p = calloc(1, sizeof *p);
    rd_kafka_conf_t *conf = NULL;
    if (!p)
        goto fail;
    p->key = key;
    key = NULL;
    p->cfg = cfg;
    p->stage = strdup(ep->stage);
    p->shutdown_ms = shutdown_ms(cfg);
    p->txn = kcfg_get(cfg, "transactional.id") != NULL;
    if (!p->stage)
        goto fail;
    conf = make_conf(ep, cfg, 1, err, errlen);
    if (!conf)
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_error_cb(conf, prod_error_cb);
    rd_kafka_conf_set_opaque(conf, p);
    char e[512];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!p->rk) {
        ww_seterr(err, errlen, WW_EINVAL, "kafka producer: %s", e);
        goto fail;
    }
    conf = NULL; /* owned by rk */
    if (p->txn) {
        rd_kafka_error_t *te = rd_kafka_init_transactions(p->rk, TXN_TIMEOUT_MS);
        if (te) {
            ww_seterr(err, errlen, WW_ETRANSPORT, "kafka init_transactions: %s",
                      rd_kafka_error_string(te));
            rd_kafka_error_destroy(te);
            goto fail;
        }
    }
    p->refs = 1;
    p->next = producers;
    producers = p;
    return p;
fail:
    free(key);
    if (conf)
        rd_kafka_conf_destroy(conf);
    prod_free(p);
    return NULL;
}

static void prod_put(kprod *p) {
    if (--p->refs > 0)
        return;
    for (kprod **pp = &producers; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    /* one deadline for the abort and the flush together */
    int64_t end =
        p->deadline_us ? p->deadline_us : ww_mono_us() + (int64_t)p->shutdown_ms * 1000;
    if (p->txn_open) {
        /* Never committed: its inputs were not committed either, so aborting loses
         * nothing (they are consumed again).  When the broker cannot be reached by
         * the deadline, the transaction stays open there until the broker aborts it
         * (transaction.timeout.ms) or the next producer with this transactional.id
         * fences it: its outputs are never visible to read_committed consumers. */
        WW_WARN(p->stage, "kafka: aborting the open transaction at close");
        rd_kafka_error_t *te = rd_kafka_abort_transaction(p->rk, left_ms(end, 0));
        if (te) {
            WW_WARN(p->stage,
                    "kafka: transaction not aborted at close (%s); the broker "
                    "aborts it",
                    rd_kafka_error_string(te));
            rd_kafka_error_destroy(te);
        }
        p->txn_open = 0;
    }
    rd_kafka_flush(p->rk, left_ms(end, 0));
    int left = rd_kafka_outq_len(p->rk);
    if (left > 0) {
        /* Their inputs were never acknowledged, so they are consumed again.  Purge
         * and serve the delivery reports (which frees their kdr) rather than leave
         * rd_kafka_destroy to wait for them. */
        WW_ERROR(p->stage,
                 "kafka: %d message(s) undelivered at the shutdown deadline, "
                 "dropped; their inputs were not acknowledged and are consumed again",
                 left);
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(p->rk, 0);
    }
    prod_free(p);
}

static void prod_deadline(kprod *p, const ww_endpoint *ep);

static int txn_begin(kprod *p) {
    if (!p->txn || p->txn_open)
        return 0;
    rd_kafka_error_t *te = rd_kafka_begin_transaction(p->rk);
    if (te) {
        WW_ERROR(p->stage, "kafka begin_transaction: %s", rd_kafka_error_string(te));
        if (rd_kafka_error_is_fatal(te))
            p->fatal = 1;
        rd_kafka_error_destroy(te);
        return WW_ETRANSPORT;
    }
    p->txn_open = 1;
    return 0;
}

static int k_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data, size_t len,
                      const char *trace_id, ww_delivery_cb *cb, void *opaque) {
    kep *k = ep->impl;
    kprod *p = k->p;
    if (p->fatal)
        return WW_ETRANSPORT;
    if (p->txn && !p->txn_open && txn_begin(p))
        return WW_ETRANSPORT;
    kdr *d = malloc(sizeof *d);
    if (!d)
        return WW_ENOMEM;
    d->cb = cb;
    d->opaque = opaque;
    d->slot = k->slot;
    char ver[16];
    snprintf(ver, sizeof ver, "%u", WW_SCHEMA_VERSION);
    const char *schema = ep->type ? ep->type->name : "";
    size_t klen = key ? strlen(key) : 0;
    size_t tlen = trace_id ? strlen(trace_id) : 0;
    /* librdkafka copies value, key and headers (F_COPY): the caller's buffer is free
     * again on return */
    rd_kafka_headers_t *h = rd_kafka_headers_new(3);
    rd_kafka_header_add(h, HDR_SCHEMA, -1, schema, -1);
    rd_kafka_header_add(h, HDR_VERSION, -1, ver, -1);
    if (tlen)
        rd_kafka_header_add(h, HDR_TRACE, -1, trace_id, (ssize_t)tlen);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p->rk, RD_KAFKA_V_RKT(k->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE((void *)data, len), RD_KAFKA_V_KEY(klen ? key : NULL, klen),
        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
    if (e) {
        rd_kafka_headers_destroy(h); /* not taken over on failure */
        free(d);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            WW_WARN(ep->stage, "kafka produce to %s: %s", ep->uri.topic,
                    rd_kafka_err2str(e));
        return map_err(e);
    }
    k->slot->pending++;
    return 0;
}

static int k_prod_poll(ww_endpoint *ep, int timeout_ms) {
    kep *k = ep->impl;
    rd_kafka_poll(k->p->rk, timeout_ms);
    return k->slot->pending;
}

static int k_prod_flush(ww_endpoint *ep, int timeout_ms) {
    kep *k = ep->impl;
    rd_kafka_flush(k->p->rk, timeout_ms);
    return k->slot->pending;
}

static int k_prod_ready(ww_endpoint *ep) {
    kep *k = ep->impl;
    return !k->p->fatal && !k->p->down;
}

static void k_prod_close(ww_endpoint *ep) {
    kep *k = ep->impl;
    if (!k)
        return;
    pthread_mutex_lock(&prod_lock);
    prod_deadline(k->p, ep);
    if (k->p->refs > 1) { /* others still use the producer: deliver ours first */
        int64_t end = k->p->deadline_us
                          ? k->p->deadline_us
                          : ww_mono_us() + (int64_t)k->p->shutdown_ms * 1000;
        while (k->slot->pending > 0 && ww_mono_us() < end)
            rd_kafka_poll(k->p->rk, 50);
        if (k->slot->pending > 0)
            WW_ERROR(ep->stage, "kafka: %d message(s) to %s undelivered at close",
                     k->slot->pending, ep->uri.topic);
    }
    k->slot->closed = 1;
    if (k->rkt)
        rd_kafka_topic_destroy(k->rkt);
    prod_put(k->p);
    pthread_mutex_unlock(&prod_lock);
    free(k);
    ep->impl = NULL;
}

/* ---- consumer ------------------------------------------------------------------ */

static void kmsg_free(kcons *c, kmsg *m) {
    if (m->prev)
        m->prev->next = m->next;
    else
        c->outstanding = m->next;
    if (m->next)
        m->next->prev = m->prev;
    rd_kafka_message_destroy(m->rkm);
    free(m);
}

/* Remember the next offset to commit for (topic, partition) in c->done (txn mode). */
static void done_set(kcons *c, const char *topic, int32_t part, int64_t off) {
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(c->done, topic, part);
    if (!tp)
        tp = rd_kafka_topic_partition_list_add(c->done, topic, part);
    tp->offset = off;
}

static void done_drop(kcons *c, const rd_kafka_topic_partition_list_t *parts) {
    for (int i = 0; i < parts->cnt; i++)
        rd_kafka_topic_partition_list_del(c->done, parts->elems[i].topic,
                                          parts->elems[i].partition);
}

static int txn_commit(kprod *p, kcons *c, int timeout_ms, const char *stage);
static int txn_abort(kprod *p, kcons *c, int timeout_ms, const char *stage);

static void set_pause(kcons *c, const char *stage, int paused) {
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(c->rk, &a) || !a)
        return;
    if (a->cnt) {
        rd_kafka_resp_err_t e = paused ? rd_kafka_pause_partitions(c->rk, a)
                                       : rd_kafka_resume_partitions(c->rk, a);
        if (e)
            WW_WARN(stage, "kafka %s: %s", paused ? "pause" : "resume",
                    rd_kafka_err2str(e));
    }
    rd_kafka_topic_partition_list_destroy(a);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    kcons *c = opaque;
    ww_endpoint *ep = c->ep;
    int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        WW_INFO(ep->stage, "kafka: assigned %d partition(s) of %s", parts->cnt,
                ep->uri.topic);
        if (coop) {
            rd_kafka_error_t *ae = rd_kafka_incremental_assign(rk, parts);
            if (ae) {
                WW_ERROR(ep->stage, "kafka assign: %s", rd_kafka_error_string(ae));
                rd_kafka_error_destroy(ae);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        /* backpressure holds across rebalances: new partitions start paused */
        if (c->paused)
            rd_kafka_pause_partitions(rk, parts);
        return;
    }
    /* Revoked (or lost): hand over cleanly.  With transactions, commit the open one
     * with the offsets done so far; otherwise commit the stored offsets.  In-flight
     * messages of these partitions are abandoned, never stored: the new owner
     * re-processes them, no gap. */
    size_t before = ww__koff_inflight(c->offs);
    /* while closing, within the shutdown deadline */
    int txn_ms = ww__ep_budget_ms(ep, TXN_TIMEOUT_MS);
    if (c->closing && c->txn) {
        /* The worker made its last commit (or chose not to: outputs of unfinished
         * inputs are in it).  What is still open is aborted when the producer closes
         * (prod_put) or by the broker.  Committing here could also block past the
         * deadline: librdkafka 2.0.2's send_offsets_to_transaction waits for the
         * coordinator's answer up to socket.timeout.ms (60 s), whatever its timeout. */
    } else if (rd_kafka_assignment_lost(rk) && c->txn && c->txn_prod &&
               c->txn_prod->txn_open) {
        /* Lost (session timed out, e.g. the broker was away): the group may already
         * have given these partitions to another member, so neither their offsets nor
         * the outputs made from them may be committed.  Abort; the next owner (maybe
         * this worker again) starts from the committed offsets. */
        WW_WARN(ep->stage, "kafka: partitions lost; aborting the open transaction");
        txn_abort(c->txn_prod, NULL, txn_ms, ep->stage);
    } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
               !rd_kafka_assignment_lost(rk)) {
        if (c->txn && c->txn_prod) {
            txn_commit(c->txn_prod, c, txn_ms, ep->stage);
        } else if (!c->txn) {
            /* Asynchronous: librdkafka commits the stored offsets of revoked
             * partitions again itself (auto-commit on unassign) and holds the
             * rebalance until that commit is answered.  A synchronous commit here
             * waited without any limit for a coordinator that stopped answering
             * (request timeouts and retries: over ten minutes in consumer close,
             * issue 18). */
            rd_kafka_resp_err_t ce = rd_kafka_commit(rk, NULL, 1);
            if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
                WW_WARN(ep->stage, "kafka commit on revoke: %s", rd_kafka_err2str(ce));
        }
    }
    for (int i = 0; i < parts->cnt; i++)
        ww__koff_drop(c->offs, parts->elems[i].topic, parts->elems[i].partition);
    done_drop(c, parts);
    size_t abandoned = before - ww__koff_inflight(c->offs);
    c->n_abandoned += (long long)abandoned;
    if (c->stash) { /* fetched before the revoke; the next owner reads it again */
        rd_kafka_message_destroy(c->stash);
        c->stash = NULL;
    }
    WW_INFO(ep->stage,
            "kafka: %s %d partition(s) of %s; %zu in-flight message(s) abandoned",
            rd_kafka_assignment_lost(rk) ? "lost" : "revoked", parts->cnt, ep->uri.topic,
            abandoned);
    if (coop) {
        rd_kafka_error_t *ue = rd_kafka_incremental_unassign(rk, parts);
        if (ue)
            rd_kafka_error_destroy(ue);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static void cons_error_cb(rd_kafka_t *rk, int e, const char *reason, void *opaque) {
    kcons *c = opaque;
    if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        c->down = 1;
    if (e == RD_KAFKA_RESP_ERR__FATAL) {
        c->fatal = 1;
        WW_ERROR(c->stage, "kafka consumer fatal error: %s", reason);
        return;
    }
    if (e == RD_KAFKA_RESP_ERR__TRANSPORT)
        WW_DEBUG(c->stage, "kafka consumer: %s: %s", rd_kafka_err2name(e), reason);
    else
        WW_WARN(c->stage, "kafka consumer: %s: %s", rd_kafka_err2name(e), reason);
}

static void hdr_copy(rd_kafka_headers_t *h, const char *name, char *dst, size_t dstlen) {
    const void *v;
    size_t vlen;
    dst[0] = 0;
    if (!h || rd_kafka_header_get_last(h, name, &v, &vlen) || !v)
        return;
    if (vlen >= dstlen)
        vlen = dstlen - 1;
    memcpy(dst, v, vlen);
    dst[vlen] = 0;
}

/* Poll once; returns a data message, or NULL (nothing, or an event that was
 * handled).  *rc gets WW_ETRANSPORT on a fatal consumer error. */
static rd_kafka_message_t *cons_poll(ww_endpoint *ep, int timeout_ms, int *rc) {
    kcons *c = ((kep *)ep->impl)->c;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
    *rc = 0;
    if (!m)
        return NULL;
    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            WW_WARN(ep->stage, "kafka consume %s: %s", ep->uri.topic,
                    rd_kafka_message_errstr(m));
        if (m->err == RD_KAFKA_RESP_ERR__FATAL || c->fatal)
            *rc = WW_ETRANSPORT;
        rd_kafka_message_destroy(m);
        return NULL;
    }
    c->down = 0;
    return m;
}

static int k_recv(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms) {
    kep *k = ep->impl;
    kcons *c = k->c;
    int rc = 0;
    rd_kafka_message_t *m = NULL;
    if (c->fatal)
        return WW_ETRANSPORT;
    if (c->stash && !c->paused) {
        m = c->stash;
        c->stash = NULL;
    } else if (c->paused) {
        /* keep serving the group (heartbeats, rebalances) but hand nothing out */
        m = cons_poll(ep, timeout_ms, &rc);
        if (m && !c->stash)
            c->stash = m;
        else if (m)
            rd_kafka_message_destroy(m); /* cannot happen: paused = no fetch */
        return rc;
    } else {
        m = cons_poll(ep, timeout_ms, &rc);
    }
    if (!m)
        return rc;
    size_t klen = m->key ? m->key_len : 0;
    kmsg *km = malloc(sizeof *km + klen + 1);
    if (!km) {
        rd_kafka_message_destroy(m);
        return WW_ENOMEM;
    }
    km->rkm = m;
    if (klen)
        memcpy(km->key, m->key, klen);
    km->key[klen] = 0;
    rd_kafka_headers_t *h = NULL;
    rd_kafka_message_headers(m, &h);
    hdr_copy(h, HDR_SCHEMA, km->schema, sizeof km->schema);
    hdr_copy(h, HDR_TRACE, km->trace, sizeof km->trace);
    const char *topic = rd_kafka_topic_name(m->rkt);
    if (ww__koff_add(c->offs, topic, m->partition, m->offset, &km->epoch)) {
        rd_kafka_message_destroy(m);
        free(km);
        return WW_ENOMEM;
    }
    km->prev = NULL;
    km->next = c->outstanding;
    if (km->next)
        km->next->prev = km;
    c->outstanding = km;

    msg->data = m->payload ? m->payload : (const uint8_t *)"";
    msg->len = m->len;
    msg->key = km->key;
    msg->schema = km->schema;
    msg->trace_id = km->trace;
    msg->topic = topic;
    msg->partition = m->partition;
    msg->offset = m->offset;
    msg->handle = km;
    /* poison the worker must dead-letter rather than decode */
    if (ep->max_msg_bytes && m->len > ep->max_msg_bytes) {
        msg->decode_error = WW_ETOOBIG;
        msg->error_detail = "message larger than worker.max_message_bytes";
    } else if (ep->type && km->schema[0] && strcmp(km->schema, ep->type->name) != 0) {
        msg->decode_error = WW_EMALFORMED;
        msg->error_detail = "ww-schema header names another message type";
    }
    return 1;
}

static void k_release(ww_endpoint *ep, ww_in_msg *msg) {
    kep *k = ep->impl;
    kcons *c = k->c;
    kmsg *km = msg->handle;
    if (!km)
        return;
    const char *topic = rd_kafka_topic_name(km->rkm->rkt);
    int32_t part = km->rkm->partition;
    int64_t store = ww__koff_done(c->offs, topic, part, km->rkm->offset, km->epoch);
    if (store >= 0) {
        if (c->txn) {
            done_set(c, topic, part, store);
        } else {
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, topic, part)->offset = store;
            /* fails only when the partition was revoked meanwhile: then the offset
             * must not be stored, which is what happens */
            rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);
            if (e)
                WW_DEBUG(ep->stage, "kafka offsets_store: %s", rd_kafka_err2str(e));
            rd_kafka_topic_partition_list_destroy(l);
        }
    }
    kmsg_free(c, km);
    msg->handle = NULL;
}

/* Done with msg without acknowledging it (its outputs failed for good): the entry
 * stays in progress, so the partition's stored offset never passes it and the message
 * is consumed again after a restart or rebalance. */
static void k_abandon(ww_endpoint *ep, ww_in_msg *msg) {
    kep *k = ep->impl;
    kmsg *km = msg->handle;
    if (!km)
        return;
    /* debug: the worker logs why (and `inspect` abandons every message it shows) */
    WW_DEBUG(ep->stage,
             "kafka: %s[%d]@%lld not acknowledged; its partition's offset stops "
             "there until a restart or rebalance",
             rd_kafka_topic_name(km->rkm->rkt), (int)km->rkm->partition,
             (long long)km->rkm->offset);
    kmsg_free(k->c, km);
    msg->handle = NULL;
}

/* Input side of ww_endpoint_poll: serve group events while the worker does not call
 * recv (paused, or busy); a message that arrives is kept for the next recv. */
static int k_cons_poll(ww_endpoint *ep, int timeout_ms) {
    kcons *c = ((kep *)ep->impl)->c;
    int rc;
    /* One message is kept at most: until recv takes it, do not poll (heartbeats run
     * on librdkafka's threads; rebalances wait for the next poll).  Never
     * rd_kafka_poll here: after rd_kafka_poll_set_consumer it would be handed fetch
     * ops it cannot serve (librdkafka asserts). */
    if (c->stash)
        return 0;
    rd_kafka_message_t *m = cons_poll(ep, timeout_ms, &rc);
    if (m)
        c->stash = m;
    return 0;
}

static void k_pause(ww_endpoint *ep, int paused) {
    kcons *c = ((kep *)ep->impl)->c;
    if (c->paused == !!paused)
        return;
    c->paused = !!paused;
    WW_DEBUG(ep->stage, "kafka %s %s", paused ? "pause" : "resume", ep->uri.topic);
    set_pause(c, ep->stage, c->paused);
}

static int k_cons_ready(ww_endpoint *ep) {
    kcons *c = ((kep *)ep->impl)->c;
    return !c->fatal && !c->down;
}

/* Leave the group: revoke (the rebalance callback commits the stored offsets, or the
 * open transaction), commit, LeaveGroup — served here, asynchronously, until it is
 * done or end_us passes.  Returns 1 when the consumer closed. */
static int cons_close_by(kcons *c, const char *stage, int64_t end_us) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_error_t *e = rd_kafka_consumer_close_queue(c->rk, q);
    if (e) {
        WW_WARN(stage, "kafka consumer close: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    } else {
        /* Events, not rd_kafka_queue_poll_callback: the queue also carries ops that
         * have no callback (consumer errors, fetched messages), which that asserts on. */
        int ms;
        while (!rd_kafka_consumer_closed(c->rk) && (ms = left_ms(end_us, 0)) > 0) {
            rd_kafka_event_t *ev = rd_kafka_queue_poll(q, ms < 100 ? ms : 100);
            if (!ev)
                continue;
            if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
                rebalance_cb(c->rk, rd_kafka_event_error(ev),
                             (rd_kafka_topic_partition_list_t *)
                                 rd_kafka_event_topic_partition_list(ev),
                             c);
            else if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_ERROR)
                WW_DEBUG(stage, "kafka consumer close: %s",
                         rd_kafka_event_error_string(ev));
            rd_kafka_event_destroy(ev);
        }
    }
    int closed = rd_kafka_consumer_closed(c->rk);
    /* the group handler holds its own reference while it forwards to q */
    rd_kafka_queue_destroy(q);
    return closed;
}

static void cons_free(kcons *c) {
    if (!c)
        return;
    if (c->rk)
        rd_kafka_destroy(c->rk);
    ww__koff_free(c->offs);
    if (c->done)
        rd_kafka_topic_partition_list_destroy(c->done);
    free(c->stage);
    free(c);
}

static void k_cons_close(ww_endpoint *ep) {
    kep *k = ep->impl;
    if (!k)
        return;
    kcons *c = k->c;
    int64_t end =
        ep->deadline_us ? ep->deadline_us : ww_mono_us() + (int64_t)c->shutdown_ms * 1000;
    int64_t t0 = ww_mono_us();
    c->closing = 1;
    int closed = cons_close_by(c, ep->stage, end);
    int n = 0;
    while (c->outstanding) { /* the worker should have released all; be safe */
        kmsg_free(c, c->outstanding);
        n++;
    }
    if (n)
        WW_WARN(ep->stage, "kafka: %d unreleased message(s) at close", n);
    if (c->stash)
        rd_kafka_message_destroy(c->stash);
    c->stash = NULL;
    if (c->txn_prod) {
        pthread_mutex_lock(&prod_lock);
        prod_put(c->txn_prod);
        pthread_mutex_unlock(&prod_lock);
        c->txn_prod = NULL;
    }
    if (closed) {
        cons_free(c);
    } else {
        /* The group coordinator did not answer by the deadline.  rd_kafka_destroy would
         * wait for the same group termination (up to session.timeout.ms, and for every
         * request in flight to a broker that stopped answering: 58 s in
         * test_kafka_mock's frozen cluster, with RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE
         * too), so the handle is left to the process's exit, with what its threads use
         * (c, c->stage).  Offsets not
         * committed are consumed again by the group; the group drops this member when
         * its session times out. */
        WW_WARN(ep->stage,
                "kafka: consumer of %s not closed after %lld ms (group "
                "coordinator unreachable): left to the session timeout; uncommitted "
                "offsets are consumed again",
                ep->uri.topic, (long long)(ww_mono_us() - t0) / 1000);
        c->ep = NULL;
        pthread_mutex_lock(&prod_lock);
        c->next_left = left_open;
        left_open = c;
        pthread_mutex_unlock(&prod_lock);
    }
    free(k);
    ep->impl = NULL;
}

/* ---- transactions -------------------------------------------------------------- */

/* After an aborted transaction: forget tracked offsets and seek every assigned
 * partition back to its committed offset, so the aborted batch is consumed again. */
static void cons_rewind(kcons *c, int timeout_ms, const char *stage) {
    rd_kafka_topic_partition_list_t *a = NULL;
    ww__koff_drop_all(c->offs);
    if (c->done)
        rd_kafka_topic_partition_list_destroy(c->done);
    c->done = rd_kafka_topic_partition_list_new(8);
    if (c->stash) {
        rd_kafka_message_destroy(c->stash);
        c->stash = NULL;
    }
    if (rd_kafka_assignment(c->rk, &a) || !a)
        return;
    int64_t end = ww_mono_us() + (int64_t)timeout_ms * 1000;
    if (a->cnt && !rd_kafka_committed(c->rk, a, timeout_ms)) {
        for (int i = 0; i < a->cnt; i++)
            if (a->elems[i].offset < 0)
                a->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_error_t *se = rd_kafka_seek_partitions(c->rk, a, left_ms(end, 0));
        if (se) {
            WW_ERROR(stage, "kafka rewind after abort: %s", rd_kafka_error_string(se));
            rd_kafka_error_destroy(se);
        }
    }
    rd_kafka_topic_partition_list_destroy(a);
}

/* timeout_ms bounds the abort and the rewind together. */
static int txn_abort(kprod *p, kcons *c, int timeout_ms, const char *stage) {
    int64_t end = ww_mono_us() + (int64_t)timeout_ms * 1000;
    rd_kafka_error_t *te = rd_kafka_abort_transaction(p->rk, timeout_ms);
    if (te) {
        WW_ERROR(stage, "kafka abort_transaction: %s", rd_kafka_error_string(te));
        if (rd_kafka_error_is_fatal(te))
            p->fatal = 1;
        rd_kafka_error_destroy(te);
    }
    p->txn_open = 0;
    p->committing = 0;
    if (c)
        cons_rewind(c, left_ms(end, 0), stage);
    return WW_ETRANSPORT;
}

/* Commit the open transaction within timeout_ms (flush, offsets and commit together).
 * WW_ETIMEDOUT leaves it open: calling again resumes the commit where it stopped. */
static int txn_commit(kprod *p, kcons *c, int timeout_ms, const char *stage) {
    if (!p->txn_open)
        return 0;
    rd_kafka_error_t *te = NULL;
    int64_t end = ww_mono_us() + (int64_t)timeout_ms * 1000;
    if (p->down && p->deadline_us) {
        /* Stopping with every broker down: librdkafka 2.0.2 would wait for the
         * coordinator up to socket.timeout.ms (60 s) in send_offsets_to_transaction,
         * whatever timeout_ms says.  Left open, the transaction is aborted at close or
         * by the broker; its inputs are consumed again. */
        WW_WARN(stage, "kafka: brokers down at shutdown; transaction not committed");
        return WW_ETIMEDOUT;
    }
    if (!p->committing) {
        /* every output of the batch must be acknowledged before offsets go in */
        rd_kafka_flush(p->rk, timeout_ms);
        if (c && c->done->cnt) {
            rd_kafka_consumer_group_metadata_t *gm =
                rd_kafka_consumer_group_metadata(c->rk);
            te =
                rd_kafka_send_offsets_to_transaction(p->rk, c->done, gm, left_ms(end, 0));
            rd_kafka_consumer_group_metadata_destroy(gm);
            if (te)
                goto fail;
        }
    }
    /* resumable: once called, the offsets are in and a retry only resumes this */
    p->committing = 1;
    te = rd_kafka_commit_transaction(p->rk, left_ms(end, 0));
    if (te)
        goto fail;
    p->txn_open = 0;
    p->committing = 0;
    if (c) {
        rd_kafka_topic_partition_list_destroy(c->done);
        c->done = rd_kafka_topic_partition_list_new(8);
    }
    return 0;
fail:
    WW_WARN(stage, "kafka transaction commit: %s", rd_kafka_error_string(te));
    if (rd_kafka_error_is_fatal(te)) {
        p->fatal = 1;
        rd_kafka_error_destroy(te);
        return WW_ETRANSPORT;
    }
    if (rd_kafka_error_is_retriable(te)) { /* same call again later commits it */
        rd_kafka_error_destroy(te);
        return WW_ETIMEDOUT;
    }
    rd_kafka_error_destroy(te);
    return txn_abort(p, c, left_ms(p->deadline_us, TXN_TIMEOUT_MS), stage);
}

int ww__kafka_txn_enabled(const ww_endpoint *out) {
    return out && out->uri.kind == WW_EP_KAFKA && out->dir == WW_EP_OUT && out->impl &&
           ((const kep *)out->impl)->p->txn;
}

int ww__kafka_txn_bind(ww_endpoint *out, ww_endpoint *in) {
    if (!ww__kafka_txn_enabled(out))
        return WW_EINVAL;
    if (!in || in->uri.kind != WW_EP_KAFKA || in->dir != WW_EP_IN)
        return 0;
    kcons *c = ((kep *)in->impl)->c;
    kprod *p = ((kep *)out->impl)->p;
    if (c->txn_prod == p)
        return 0;
    pthread_mutex_lock(&prod_lock);
    if (c->txn_prod)
        prod_put(c->txn_prod);
    p->refs++; /* the consumer's revoke callback may commit through it */
    c->txn_prod = p;
    pthread_mutex_unlock(&prod_lock);
    return 0;
}

int ww__kafka_txn_begin(ww_endpoint *out) {
    if (!ww__kafka_txn_enabled(out))
        return WW_EINVAL;
    return txn_begin(((kep *)out->impl)->p);
}

/* The producer's waits end by the earliest deadline set on one of its endpoints. */
static void prod_deadline(kprod *p, const ww_endpoint *ep) {
    if (ep->deadline_us && (!p->deadline_us || ep->deadline_us < p->deadline_us))
        p->deadline_us = ep->deadline_us;
}

int ww__kafka_txn_commit(ww_endpoint *out, ww_endpoint *in, int timeout_ms) {
    if (!ww__kafka_txn_enabled(out))
        return WW_EINVAL;
    kcons *c = NULL;
    kprod *p = ((kep *)out->impl)->p;
    if (in && in->uri.kind == WW_EP_KAFKA && in->dir == WW_EP_IN) {
        ww__kafka_txn_bind(out, in);
        c = ((kep *)in->impl)->c;
    }
    prod_deadline(p, out);
    return txn_commit(p, c, timeout_ms, out->stage);
}

int ww__kafka_txn_abort(ww_endpoint *out, ww_endpoint *in) {
    if (!ww__kafka_txn_enabled(out))
        return WW_EINVAL;
    kprod *p = ((kep *)out->impl)->p;
    kcons *c = NULL;
    if (in && in->uri.kind == WW_EP_KAFKA && in->dir == WW_EP_IN)
        c = ((kep *)in->impl)->c;
    prod_deadline(p, out);
    int ms = left_ms(p->deadline_us, TXN_TIMEOUT_MS);
    if (!p->txn_open) {
        if (c)
            cons_rewind(c, ms, out->stage);
        return 0;
    }
    txn_abort(p, c, ms, out->stage);
    return p->fatal ? WW_ETRANSPORT : 0;
}

/* ---- open ---------------------------------------------------------------------- */

static const ww__ep_ops kafka_in_ops = {
    .recv = k_recv,
    .release = k_release,
    .abandon = k_abandon,
    .poll = k_cons_poll,
    .ready = k_cons_ready,
    .pause = k_pause,
    .close = k_cons_close,
};

static const ww__ep_ops kafka_out_ops = {
    .send_raw = k_send_raw,
    .poll = k_prod_poll,
    .flush = k_prod_flush,
    .ready = k_prod_ready,
    .close = k_prod_close,
};

/* librdkafka's statistics (every statistics.interval.ms, served by consumer_poll on
 * the worker's thread) carry the consumer lag per partition: hand them to /metrics. */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    kcons *c = opaque;
    struct ww_metrics *m = atomic_load(&c->metrics);
    if (m)
        ww_metrics_kafka_stats(m, json, len);
    return 0; /* librdkafka frees json */
}

void ww__ep_kafka_set_metrics(ww_endpoint *ep, struct ww_metrics *m) {
    kep *k = ep->impl;
    if (k && k->c)
        atomic_store(&k->c->metrics, m);
}

static int open_consumer(ww_endpoint *ep, const ww_config *cfg, char *err,
                         size_t errlen) {
    kep *k = calloc(1, sizeof *k);
    kcons *c = calloc(1, sizeof *c);
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_topic_partition_list_t *sub = NULL;
    int rc = WW_ENOMEM;
    if (!k || !c)
        goto fail;
    k->c = c;
    c->stage = strdup(ep->stage);
    c->ep = ep;
    c->shutdown_ms = shutdown_ms(cfg);
    c->offs = ww__koff_new();
    c->done = rd_kafka_topic_partition_list_new(8);
    if (!c->stage || !c->offs || !c->done)
        goto fail;
    c->txn = kcfg_get(cfg, "transactional.id") != NULL;
    rc = WW_EINVAL;
    conf = make_conf(ep, cfg, 0, err, errlen);
    if (!conf)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_error_cb(conf, cons_error_cb);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    if (!kcfg_get(cfg, "statistics.interval.ms") &&
        rd_kafka_conf_set(conf, "statistics.interval.ms", "5000", NULL, 0) !=
            RD_KAFKA_CONF_OK)
        goto fail;
    rd_kafka_conf_set_opaque(conf, c);
    ep->impl = k;
    char e[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!c->rk) {
        rc = ww_seterr(err, errlen, WW_EINVAL, "kafka consumer: %s", e);
        goto fail;
    }
    conf = NULL;
    rd_kafka_poll_set_consumer(c->rk); /* errors and logs come through consumer_poll */
    sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, ep->uri.topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(c->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (se) {
        rc = ww_seterr(err, errlen, WW_ETRANSPORT, "kafka subscribe %s: %s",
                       ep->uri.topic, rd_kafka_err2str(se));
        goto fail;
    }
    WW_INFO(ep->stage, "kafka: consuming %s from %s", ep->uri.topic, ep->uri.brokers);
    return 0;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    cons_free(c);
    free(k);
    ep->impl = NULL;
    return rc;
}

static int open_producer(ww_endpoint *ep, const ww_config *cfg, char *err,
                         size_t errlen) {
    kep *k = calloc(1, sizeof *k);
    kslot *s = calloc(1, sizeof *s);
    if (!k || !s) {
        free(k);
        free(s);
        return WW_ENOMEM;
    }
    pthread_mutex_lock(&prod_lock);
    kprod *p = prod_get(ep, cfg, err, errlen);
    if (p) {
        s->next = p->slots;
        p->slots = s;
    }
    pthread_mutex_unlock(&prod_lock);
    if (!p) {
        free(k);
        free(s);
        return err && *err ? WW_EINVAL : WW_ENOMEM;
    }
    k->p = p;
    k->slot = s;
    k->rkt = rd_kafka_topic_new(p->rk, ep->uri.topic, NULL);
    ep->impl = k;
    if (!k->rkt) {
        ww_seterr(err, errlen, WW_EINVAL, "kafka topic %s: %s", ep->uri.topic,
                  rd_kafka_err2str(rd_kafka_last_error()));
        k_prod_close(ep);
        return WW_EINVAL;
    }
    return 0;
}

int ww__ep_kafka_open(ww_endpoint *ep, const ww_config *cfg, char *err, size_t errlen) {
    if (err && errlen)
        err[0] = 0;
    if (!ep->uri.brokers || !*ep->uri.brokers || !ep->uri.topic || !*ep->uri.topic)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "kafka endpoint needs brokers and a topic");
    if (ep->dir == WW_EP_IN) {
        ep->ops = &kafka_in_ops;
        return open_consumer(ep, cfg, err, errlen);
    }
    ep->ops = &kafka_out_ops;
    return open_producer(ep, cfg, err, errlen);
}
