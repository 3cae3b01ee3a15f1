/* Internal: Kafka's exactly-once batches (kafka_transactions.c).  The worker loop
 * reaches them only through the generic batch calls of wirewatch/endpoint.h
 * (ww_endpoint_batched, _batch_bind, _batch_commit, _batch_abort), which the Kafka
 * output's vtable maps onto these; tests call them directly.
 *
 * Exactly-once is on when the configuration has kafka.transactional.id (give each
 * worker process its own id, stable across restarts: "parse-0", "parse-1", so a
 * restarted worker fences its dead predecessor at once).  Then every output endpoint
 * of the process shares one transactional producer, the input consumer reads with
 * isolation.level=read_committed and does not auto-commit: input offsets are
 * committed inside the producer's transaction instead.
 *
 * The worker loop (worker.c) does, when ww_endpoint_batched(out) (here:
 * ww__kafka_txn_enabled(out)):
 *   after opening:    bind(out, in)   (in may be a non-Kafka endpoint)
 *   every batch:      when no job is in flight (every input of the batch released),
 *                     and at least every worker.txn_interval_ms (or N jobs):
 *                       rc = commit(out, in, timeout_ms);
 *                     rc == WW_ETRANSPORT means the batch was aborted: its outputs
 *                     are discarded by Kafka and its inputs will be delivered again
 *                     (the consumer was rewound); the worker goes on.
 *   on drain (SIGTERM) after the last job is done: commit once more.
 * The first send after a commit opens the next transaction by itself
 * (ww__kafka_txn_begin is only needed to open one explicitly). */
#ifndef WW_ENDPOINT_KAFKA_H
#define WW_ENDPOINT_KAFKA_H

#include "wirewatch/endpoint.h"

/* 1 when ep is a Kafka output endpoint with a transactional producer. */
int ww__kafka_txn_enabled(const ww_endpoint *out);

/* Tie the input's consumer to the output's transactions, so that a rebalance
 * commits the open transaction (with the offsets done so far) before partitions are
 * given away.  Returns 0, or WW_EINVAL when out is not transactional. */
int ww__kafka_txn_bind(ww_endpoint *out, ww_endpoint *in);

/* Open a transaction if none is open.  Returns 0 or WW_ETRANSPORT. */
int ww__kafka_txn_begin(ww_endpoint *out);

/* Flush out's producer, send in's done offsets (when in is a Kafka input) to the
 * transaction and commit it.  No-op when no transaction is open.  Returns 0;
 * WW_ETRANSPORT when the transaction had to be aborted (outputs discarded, in's
 * consumer rewound to its committed offsets); WW_ETIMEDOUT when it may be retried. */
int ww__kafka_txn_commit(ww_endpoint *out, ww_endpoint *in, int timeout_ms);

/* Abort the open transaction (its outputs are discarded) and rewind in's consumer to
 * its committed offsets, so the batch's inputs are consumed again.  Returns 0 or
 * WW_ETRANSPORT (fatal producer error: the worker must exit). */
int ww__kafka_txn_abort(ww_endpoint *out, ww_endpoint *in);

/* Fetcher wake-ups an input endpoint has sent so far (worker.kafka_fetch_wake,
 * kafka_fetch_wake.c); 0 for anything else.  For tests. */
long long ww__kafka_fetch_wakes(const ww_endpoint *in);

#endif
