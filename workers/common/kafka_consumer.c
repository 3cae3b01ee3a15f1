/* Kafka endpoint, input side: one consumer in group ?group= (default
 * "wirewatch-<stage>") subscribed to the topic.  enable.auto.offset.store=false: an
 * offset is stored only when the worker releases the message and every earlier message
 * of its partition has been released too (kafka_offsets.c), so the auto-commit never
 * moves past work that is not finished: at-least-once.  A rebalance commits what is
 * stored (or the open transaction, kafka_transactions.c) and forgets the revoked
 * partitions; their in-flight messages are abandoned (the next owner gets them again).
 * Pause/resume act on the whole assignment (backpressure).
 *
 * Close is bounded by the endpoint's deadline: librdkafka's own close waits for the
 * group coordinator for up to session.timeout.ms, and when the broker stopped answering
 * without closing its connections, for every request in flight to time out; so the
 * consumer is closed asynchronously and served only until the deadline, and one not
 * closed by then is left to the process's exit (see ww__kafka_cons_close). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

/* Consumers whose close did not finish by the deadline, left to the process's exit
 * (ww__kafka_cons_close); listed so they stay reachable (for leak checkers too).
 * Guarded by ww__kprod_lock. */
static kcons *left_open;

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
        ww__kwake_forget(c);
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
         * (ww__kprod_put) or by the broker.  Committing here could also block past the
         * deadline: librdkafka 2.0.2's send_offsets_to_transaction waits for the
         * coordinator's answer up to socket.timeout.ms (60 s), whatever its timeout. */
    } else if (rd_kafka_assignment_lost(rk) && c->txn && c->txn_prod &&
               c->txn_prod->txn_open) {
        /* Lost (session timed out, e.g. the broker was away): the group may already
         * have given these partitions to another member, so neither their offsets nor
         * the outputs made from them may be committed.  Abort; the next owner (maybe
         * this worker again) starts from the committed offsets. */
        WW_WARN(ep->stage, "kafka: partitions lost; aborting the open transaction");
        ww__ktxn_abort(c->txn_prod, NULL, txn_ms, ep->stage);
    } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
               !rd_kafka_assignment_lost(rk)) {
        if (c->txn && c->txn_prod) {
            ww__ktxn_commit(c->txn_prod, c, txn_ms, ep->stage);
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
    ww__kwake_forget(c);
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
    ww__kwake_polled(c, m);
    return m;
}

int ww__kafka_recv(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms) {
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

void ww__kafka_release(ww_endpoint *ep, ww_in_msg *msg) {
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
void ww__kafka_abandon(ww_endpoint *ep, ww_in_msg *msg) {
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
int ww__kafka_cons_poll(ww_endpoint *ep, int timeout_ms) {
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

void ww__kafka_pause(ww_endpoint *ep, int paused) {
    kcons *c = ((kep *)ep->impl)->c;
    if (c->paused == !!paused)
        return;
    c->paused = !!paused;
    WW_DEBUG(ep->stage, "kafka %s %s", paused ? "pause" : "resume", ep->uri.topic);
    set_pause(c, ep->stage, c->paused);
    if (!c->paused)
        ww__kwake_resumed(c);
}

int ww__kafka_cons_ready(ww_endpoint *ep) {
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
        while (!rd_kafka_consumer_closed(c->rk) &&
               (ms = ww__kafka_left_ms(end_us, 0)) > 0) {
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
    ww__kwake_free(c); /* its queue reference goes before the handle */
    if (c->rk)
        rd_kafka_destroy(c->rk);
    ww__koff_free(c->offs);
    if (c->done)
        rd_kafka_topic_partition_list_destroy(c->done);
    free(c->stage);
    free(c);
}

void ww__kafka_cons_close(ww_endpoint *ep) {
    kep *k = ep->impl;
    if (!k)
        return;
    kcons *c = k->c;
    int64_t end =
        ep->deadline_us ? ep->deadline_us : ww_mono_us() + (int64_t)c->shutdown_ms * 1000;
    int64_t t0 = ww_mono_us();
    c->closing = 1;
    if (c->wake.n_wakes)
        WW_INFO(ep->stage, "kafka: %lld fetch wake-up(s) (worker.kafka_fetch_wake)",
                c->wake.n_wakes);
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
        pthread_mutex_lock(&ww__kprod_lock);
        ww__kprod_put(c->txn_prod);
        pthread_mutex_unlock(&ww__kprod_lock);
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
        pthread_mutex_lock(&ww__kprod_lock);
        c->next_left = left_open;
        left_open = c;
        pthread_mutex_unlock(&ww__kprod_lock);
    }
    free(k);
    ep->impl = NULL;
}

int ww__kafka_open_consumer(ww_endpoint *ep, const ww_config *cfg, char *err,
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
    c->shutdown_ms = ww__kafka_shutdown_ms(cfg);
    c->offs = ww__koff_new();
    c->done = rd_kafka_topic_partition_list_new(8);
    if (!c->stage || !c->offs || !c->done)
        goto fail;
    c->txn = ww__kafka_cfg_get(cfg, "transactional.id") != NULL;
    rc = WW_EINVAL;
    conf = ww__kafka_make_conf(ep, cfg, 0, err, errlen);
    if (!conf)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_error_cb(conf, cons_error_cb);
    rd_kafka_conf_set_stats_cb(conf, ww__kafka_stats_cb);
    if (!ww__kafka_cfg_get(cfg, "statistics.interval.ms") &&
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
    if (ww__kwake_init(c, cfg)) {
        rc = WW_ENOMEM;
        goto fail;
    }
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
