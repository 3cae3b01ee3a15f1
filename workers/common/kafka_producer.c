/* Kafka endpoint, output side: every output endpoint of a process with the same
 * brokers and configuration shares one producer (so one transaction can hold the main
 * output, dead letters and status events).  Idempotent, acks=all; a delivery report
 * calls the sender's callback; a full local queue is WW_EAGAIN (the caller polls and
 * retries).  Headers: ww-schema (full protobuf name), ww-schema-version, ww-trace-id.
 *
 * The registry is process-wide (ww__kprod_lock); a producer lives while an endpoint
 * or a transactional consumer (kafka_transactions.c) holds a reference.  The last
 * reference aborts a transaction still open and flushes within the deadline. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

pthread_mutex_t ww__kprod_lock = PTHREAD_MUTEX_INITIALIZER;
static kprod *producers;

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
        d->cb(d->opaque, ww__kafka_map_err(m->err));
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

/* Find or create the process's producer for (brokers, cfg).  Called with ww__kprod_lock. */
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
    p->shutdown_ms = ww__kafka_shutdown_ms(cfg);
    p->txn = ww__kafka_cfg_get(cfg, "transactional.id") != NULL;
    if (!p->stage)
        goto fail;
    conf = ww__kafka_make_conf(ep, cfg, 1, err, errlen);
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

void ww__kprod_put(kprod *p) {
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
        rd_kafka_error_t *te =
            rd_kafka_abort_transaction(p->rk, ww__kafka_left_ms(end, 0));
        if (te) {
            WW_WARN(p->stage,
                    "kafka: transaction not aborted at close (%s); the broker "
                    "aborts it",
                    rd_kafka_error_string(te));
            rd_kafka_error_destroy(te);
        }
        p->txn_open = 0;
    }
    rd_kafka_flush(p->rk, ww__kafka_left_ms(end, 0));
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

int ww__kprod_txn_begin(kprod *p) {
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

int ww__kafka_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data, size_t len,
                       const char *trace_id, ww_delivery_cb *cb, void *opaque) {
    kep *k = ep->impl;
    kprod *p = k->p;
    if (p->fatal)
        return WW_ETRANSPORT;
    if (p->txn && !p->txn_open && ww__kprod_txn_begin(p))
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
        return ww__kafka_map_err(e);
    }
    k->slot->pending++;
    return 0;
}

int ww__kafka_prod_poll(ww_endpoint *ep, int timeout_ms) {
    kep *k = ep->impl;
    rd_kafka_poll(k->p->rk, timeout_ms);
    return k->slot->pending;
}

int ww__kafka_prod_flush(ww_endpoint *ep, int timeout_ms) {
    kep *k = ep->impl;
    rd_kafka_flush(k->p->rk, timeout_ms);
    return k->slot->pending;
}

int ww__kafka_prod_ready(ww_endpoint *ep) {
    kep *k = ep->impl;
    return !k->p->fatal && !k->p->down;
}

void ww__kafka_prod_close(ww_endpoint *ep) {
    kep *k = ep->impl;
    if (!k)
        return;
    pthread_mutex_lock(&ww__kprod_lock);
    ww__kprod_deadline(k->p, ep);
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
    ww__kprod_put(k->p);
    pthread_mutex_unlock(&ww__kprod_lock);
    free(k);
    ep->impl = NULL;
}

/* The producer's waits end by the earliest deadline set on one of its endpoints. */
void ww__kprod_deadline(kprod *p, const ww_endpoint *ep) {
    if (ep->deadline_us && (!p->deadline_us || ep->deadline_us < p->deadline_us))
        p->deadline_us = ep->deadline_us;
}

int ww__kafka_open_producer(ww_endpoint *ep, const ww_config *cfg, char *err,
                            size_t errlen) {
    kep *k = calloc(1, sizeof *k);
    kslot *s = calloc(1, sizeof *s);
    if (!k || !s) {
        free(k);
        free(s);
        return WW_ENOMEM;
    }
    pthread_mutex_lock(&ww__kprod_lock);
    kprod *p = prod_get(ep, cfg, err, errlen);
    if (p) {
        s->next = p->slots;
        p->slots = s;
    }
    pthread_mutex_unlock(&ww__kprod_lock);
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
        ww__kafka_prod_close(ep);
        return WW_EINVAL;
    }
    return 0;
}
