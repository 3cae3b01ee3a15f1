/* Kafka endpoint, input side: waking librdkafka's fetcher when the worker has drained
 * a full prefetch queue (worker.kafka_fetch_wake).
 *
 * Why (librdkafka 2.0.2, rdkafka_fetcher.c rd_kafka_toppar_fetch_decide): a partition
 * whose consumer queue holds queued.max.messages.kbytes or more is taken off the fetch
 * list with no backoff time ("queued.max.messages.kbytes exceeded", ts_backoff =
 * RD_TS_MAX), and its broker thread then sleeps in rd_kafka_broker_ops_io_serve until
 * an op, socket IO or the end of its serve period (rd_kafka_max_block_ms, 1000 ms,
 * rdkafka_broker.c).  The application taking messages off the queue wakes nothing,
 * so with a prefetch smaller than about a second of input the worker waits up to a
 * second at each refill (fetch.queue.backoff.ms, the setting for this, exists from
 * 2.1.0 on).  Pause/resume does not help: resume only clears the flag (rdkafka_
 * partition.c rd_kafka_toppar_pause_resume) and wakes no broker thread.  A seek does:
 * rd_kafka_toppar_seek to a concrete offset sets the fetch position, marks the
 * partition active and calls rd_kafka_broker_wakeup, whose broker thread then decides
 * again for all its partitions.
 *
 * So: after each message polled, the consumer queue's length times the mean message
 * size estimates the prefetched bytes; once that reached 3/4 of the bound (or the
 * length 3/4 of queued.min.messages, the other bound of the same test) the fetcher may
 * be asleep ("armed"), and when the queue is then empty one partition per broker its
 * messages came from is sought, asynchronously (timeout 0: rd_kafka_seek_partitions
 * returns at once), to its own next offset: the offset after the last message polled
 * from it, which is where the fetcher stands when nothing of it is queued.  Nothing is
 * skipped or delivered twice; a seek discards messages of the partition fetched since
 * (a race of microseconds, or a fetch still in flight) and librdkafka fetches them
 * again.  Partitions not read from yet in this assignment are left alone (their start
 * offset may still be looked up); positions are forgotten on every rebalance and on
 * the rewind after an aborted transaction (their seeks set other positions).
 *
 * After a resume (backpressure) the same wake is sent: 2.0.2 would otherwise fetch
 * the resumed partitions only at the broker thread's next wake-up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint_kafka.h"
#include "kafka_internal.h"
#include "wirewatch/log.h"
#include "wirewatch/worker.h"

#define WAKE_KEY "worker.kafka_fetch_wake"

static int wake_enabled(const ww_config *cfg) {
    if (cfg)
        return ww_config_bool(cfg, WAKE_KEY);
    for (const ww_config_key *k = ww_runtime_config_keys; k->key; k++)
        if (strcmp(k->key, WAKE_KEY) == 0)
            return strcmp(k->def, "true") == 0;
    return 0;
}

int ww__kwake_init(kcons *c, const ww_config *cfg) {
    kwake *w = &c->wake;
    memset(w, 0, sizeof *w);
    if (!wake_enabled(cfg))
        return 0;
    char v[64];
    size_t vlen = sizeof v;
    /* the consumer's effective bound: our default, or the user's kafka.* setting */
    if (rd_kafka_conf_get(rd_kafka_conf(c->rk), "queued.max.messages.kbytes", v, &vlen) !=
        RD_KAFKA_CONF_OK)
        return 0;
    w->bound = strtoll(v, NULL, 10) * 1024;
    vlen = sizeof v; /* the other bound: messages (small ones hit this one first) */
    if (rd_kafka_conf_get(rd_kafka_conf(c->rk), "queued.min.messages", v, &vlen) !=
        RD_KAFKA_CONF_OK)
        return 0;
    w->bound_msgs = strtoll(v, NULL, 10);
    w->pos = rd_kafka_topic_partition_list_new(8);
    w->q = rd_kafka_queue_get_consumer(c->rk);
    if (!w->pos || !w->q) {
        ww__kwake_free(c);
        return -1;
    }
    return 0;
}

void ww__kwake_free(kcons *c) {
    kwake *w = &c->wake;
    if (w->q)
        rd_kafka_queue_destroy(w->q);
    if (w->pos)
        rd_kafka_topic_partition_list_destroy(w->pos);
    w->q = NULL;
    w->pos = NULL;
}

/* Seek one partition of each broker read from in this assignment to its next offset
 * (asynchronous).  One is enough: the woken broker thread decides again for all its
 * partitions; a fetch it already had in flight loses only that partition's part. */
static void wake(kcons *c, const char *why) {
    kwake *w = &c->wake;
    if (!w->pos->cnt)
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(w->pos->cnt);
    if (!l)
        return;
    for (int i = 0; i < w->pos->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &w->pos->elems[i];
        int dup = 0; /* a broker already in l (an unknown one, -1, never is) */
        for (int j = 0; j < l->cnt && !dup; j++)
            dup = (intptr_t)p->opaque >= 0 && l->elems[j].opaque == p->opaque;
        if (dup)
            continue;
        rd_kafka_topic_partition_t *t =
            rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
        t->offset = p->offset;
        t->opaque = p->opaque;
    }
    rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, l, 0);
    if (e) {
        WW_DEBUG(c->stage, "kafka fetch wake (%s): %s", why, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(l);
    w->armed = 0;
    w->n_wakes++;
}

void ww__kwake_polled(kcons *c, const rd_kafka_message_t *m) {
    kwake *w = &c->wake;
    if (!w->q)
        return;
    const char *topic = rd_kafka_topic_name(m->rkt);
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(w->pos, topic, m->partition);
    if (!tp)
        tp = rd_kafka_topic_partition_list_add(w->pos, topic, m->partition);
    tp->offset = m->offset + 1;
    tp->opaque = (void *)(intptr_t)rd_kafka_message_broker_id(m); /* -1: not known */
    /* mean size of the last messages (1/16 each): what the queued ones weigh */
    w->mean = w->mean ? w->mean + ((double)m->len - w->mean) / 16 : (double)m->len;
    size_t n = rd_kafka_queue_length(w->q);
    if ((double)n * w->mean >= (double)w->bound * 0.75 ||
        (double)n >= (double)w->bound_msgs * 0.75)
        w->armed = 1;
    else if (w->armed && n == 0 && !c->paused)
        wake(c, "queue drained");
}

void ww__kwake_resumed(kcons *c) {
    if (c->wake.q)
        wake(c, "resume");
}

void ww__kwake_forget(kcons *c) {
    kwake *w = &c->wake;
    if (!w->pos)
        return;
    rd_kafka_topic_partition_list_destroy(w->pos);
    w->pos = rd_kafka_topic_partition_list_new(8);
    w->armed = 0;
    if (!w->pos)
        ww__kwake_free(c); /* out of memory: no more wake-ups, nothing else lost */
}

long long ww__kafka_fetch_wakes(const ww_endpoint *in) {
    const kep *k =
        in && in->uri.kind == WW_EP_KAFKA && in->dir == WW_EP_IN ? in->impl : NULL;
    return k && k->c ? k->c->wake.n_wakes : 0;
}
