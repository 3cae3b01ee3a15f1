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
 * every other callback runs inside our poll calls, on the worker's thread.
 *
 * This file only wires the transport into ww_endpoint (endpoint_impl.h); the work is
 * in kafka_conf.c, kafka_producer.c, kafka_stats.c, kafka_transactions.c and
 * kafka_consumer.c (kafka_internal.h says how they depend on each other). */
#include "endpoint_kafka.h"

#include "kafka_internal.h"
#include "wirewatch/error.h"

static const ww__ep_ops kafka_in_ops = {
    .recv = ww__kafka_recv,
    .release = ww__kafka_release,
    .abandon = ww__kafka_abandon,
    .poll = ww__kafka_cons_poll,
    .ready = ww__kafka_cons_ready,
    .pause = ww__kafka_pause,
    .set_metrics = ww__kafka_set_metrics,
    .close = ww__kafka_cons_close,
};

/* Batches are Kafka transactions (kafka.transactional.id): endpoint_kafka.h. */
static const ww__ep_ops kafka_out_ops = {
    .send_raw = ww__kafka_send_raw,
    .poll = ww__kafka_prod_poll,
    .flush = ww__kafka_prod_flush,
    .ready = ww__kafka_prod_ready,
    .batched = ww__kafka_txn_enabled,
    .batch_bind = ww__kafka_txn_bind,
    .batch_commit = ww__kafka_txn_commit,
    .batch_abort = ww__kafka_txn_abort,
    .close = ww__kafka_prod_close,
};

int ww__ep_kafka_open(ww_endpoint *ep, const ww_config *cfg, char *err, size_t errlen) {
    if (err && errlen)
        err[0] = 0;
    if (!ep->uri.brokers || !*ep->uri.brokers || !ep->uri.topic || !*ep->uri.topic)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "kafka endpoint needs brokers and a topic");
    if (ep->dir == WW_EP_IN) {
        ep->ops = &kafka_in_ops;
        return ww__kafka_open_consumer(ep, cfg, err, errlen);
    }
    ep->ops = &kafka_out_ops;
    return ww__kafka_open_producer(ep, cfg, err, errlen);
}
