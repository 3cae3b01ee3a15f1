/* Kafka endpoint, statistics: librdkafka's statistics (every statistics.interval.ms,
 * served by consumer_poll on the worker's thread) carry the consumer lag per
 * partition; they are handed to the worker's metrics for /metrics. */
#include "kafka_internal.h"
#include "wirewatch/metrics.h"

int ww__kafka_stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    kcons *c = opaque;
    struct ww_metrics *m = atomic_load(&c->metrics);
    if (m)
        ww_metrics_kafka_stats(m, json, len);
    return 0; /* librdkafka frees json */
}

void ww__kafka_set_metrics(ww_endpoint *ep, struct ww_metrics *m) {
    kep *k = ep->impl;
    if (k && k->c)
        atomic_store(&k->c->metrics, m);
}
