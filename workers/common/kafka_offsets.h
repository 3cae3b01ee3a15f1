/* Internal: in-order offset tracking for a Kafka input (endpoint_kafka.c).
 *
 * A worker may finish the messages of one partition out of order (fetch keeps
 * thousands of jobs in flight; outputs are acknowledged by the broker in any order).
 * Kafka stores one offset per partition meaning "everything before this is done", so
 * the offset may only advance past a message when it and every earlier one are done.
 * This module keeps, per partition, the offsets handed out and not yet stored, in
 * the order they were received, and says how far the stored offset may advance.
 *
 * Partitions are dropped when revoked; each (re)start of a partition gets a new
 * epoch, so a late release of a message from before the drop is recognised and
 * ignored instead of marking a message of the new owner's stream. */
#ifndef WW_KAFKA_OFFSETS_H
#define WW_KAFKA_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ww__koff ww__koff;

/* NULL on ENOMEM.  Caller frees with ww__koff_free (NULL is a no-op). */
ww__koff *ww__koff_new(void);
void ww__koff_free(ww__koff *k);

/* Record that `offset` of (topic, partition) was handed out.  Offsets of a partition
 * must increase; an offset at or below the last one recorded (the consumer was
 * rewound: seek, offset reset) restarts the partition under a new epoch and abandons
 * what was in flight.  *epoch receives the epoch to pass to ww__koff_done.
 * Returns 0 or WW_ENOMEM. */
int ww__koff_add(ww__koff *k, const char *topic, int32_t partition, int64_t offset,
                 uint64_t *epoch);

/* Mark `offset` done.  Returns the offset to store now (one past the last message of
 * the leading run of done messages) when the stored position advances, or -1 when it
 * does not (an earlier message is still in flight, or the offset / epoch is unknown:
 * partition revoked or restarted since). */
int64_t ww__koff_done(ww__koff *k, const char *topic, int32_t partition, int64_t offset,
                      uint64_t epoch);

/* Forget a partition (revoked) / all partitions.  In-flight messages are abandoned:
 * their offsets are never stored, so the next owner processes them again. */
void ww__koff_drop(ww__koff *k, const char *topic, int32_t partition);
void ww__koff_drop_all(ww__koff *k);

/* Messages handed out and not yet done, over all partitions. */
size_t ww__koff_inflight(const ww__koff *k);

#endif
