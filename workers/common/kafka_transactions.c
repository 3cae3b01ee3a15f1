/* Kafka endpoint, exactly-once (endpoint_kafka.h): commit a batch of outputs together
 * with the input offsets it consumed, or abort it and rewind the consumer so the batch
 * is consumed again.  Uses the producer (kafka_producer.c) and the consumer's state;
 * the consumer's rebalance callback calls in here, never the other way round. */
#include "endpoint_kafka.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

/* After an aborted transaction: forget tracked offsets and seek every assigned
 * partition back to its committed offset, so the aborted batch is consumed again. */
static void cons_rewind(kcons *c, int timeout_ms, const char *stage) {
    rd_kafka_topic_partition_list_t *a = NULL;
    ww__koff_drop_all(c->offs);
    ww__kwake_forget(c); /* the seek below sets other positions */
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
        rd_kafka_error_t *se =
            rd_kafka_seek_partitions(c->rk, a, ww__kafka_left_ms(end, 0));
        if (se) {
            WW_ERROR(stage, "kafka rewind after abort: %s", rd_kafka_error_string(se));
            rd_kafka_error_destroy(se);
        }
    }
    rd_kafka_topic_partition_list_destroy(a);
}

/* timeout_ms bounds the abort and the rewind together. */
int ww__ktxn_abort(kprod *p, kcons *c, int timeout_ms, const char *stage) {
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
        cons_rewind(c, ww__kafka_left_ms(end, 0), stage);
    return WW_ETRANSPORT;
}

/* Commit the open transaction within timeout_ms (flush, offsets and commit together).
 * WW_ETIMEDOUT leaves it open: calling again resumes the commit where it stopped. */
int ww__ktxn_commit(kprod *p, kcons *c, int timeout_ms, const char *stage) {
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
            te = rd_kafka_send_offsets_to_transaction(p->rk, c->done, gm,
                                                      ww__kafka_left_ms(end, 0));
            rd_kafka_consumer_group_metadata_destroy(gm);
            if (te)
                goto fail;
        }
    }
    /* resumable: once called, the offsets are in and a retry only resumes this */
    p->committing = 1;
    te = rd_kafka_commit_transaction(p->rk, ww__kafka_left_ms(end, 0));
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
    return ww__ktxn_abort(p, c, ww__kafka_left_ms(p->deadline_us, TXN_TIMEOUT_MS), stage);
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
    pthread_mutex_lock(&ww__kprod_lock);
    if (c->txn_prod)
        ww__kprod_put(c->txn_prod);
    p->refs++; /* the consumer's revoke callback may commit through it */
    c->txn_prod = p;
    pthread_mutex_unlock(&ww__kprod_lock);
    return 0;
}

int ww__kafka_txn_begin(ww_endpoint *out) {
    if (!ww__kafka_txn_enabled(out))
        return WW_EINVAL;
    return ww__kprod_txn_begin(((kep *)out->impl)->p);
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
    ww__kprod_deadline(p, out);
    return ww__ktxn_commit(p, c, timeout_ms, out->stage);
}

int ww__kafka_txn_abort(ww_endpoint *out, ww_endpoint *in) {
    if (!ww__kafka_txn_enabled(out))
        return WW_EINVAL;
    kprod *p = ((kep *)out->impl)->p;
    kcons *c = NULL;
    if (in && in->uri.kind == WW_EP_KAFKA && in->dir == WW_EP_IN)
        c = ((kep *)in->impl)->c;
    ww__kprod_deadline(p, out);
    int ms = ww__kafka_left_ms(p->deadline_us, TXN_TIMEOUT_MS);
    if (!p->txn_open) {
        if (c)
            cons_rewind(c, ms, out->stage);
        return 0;
    }
    ww__ktxn_abort(p, c, ms, out->stage);
    return p->fatal ? WW_ETRANSPORT : 0;
}
