/* Kafka endpoint, configuration: the librdkafka settings of a consumer or producer
 * (our defaults, the user's kafka.* keys, what correctness needs), librdkafka's log
 * routed through ours, its error codes mapped to WW_E*, and deadline arithmetic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

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

int ww__kafka_map_err(rd_kafka_resp_err_t e) {
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

const char *ww__kafka_cfg_get(const ww_config *cfg, const char *k) {
    if (!cfg)
        return NULL;
    json_t *v = json_object_get(ww_config_kafka(cfg), k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Our defaults, then every kafka.* key of the configuration (the user wins), then the
 * settings correctness depends on.  Returns NULL with err. */
rd_kafka_conf_t *ww__kafka_make_conf(ww_endpoint *ep, const ww_config *cfg, int producer,
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
        /* memory in bytes, not only messages: librdkafka 2.0.2's producer queue may
         * hold 1 GB and one fetch 50 MB.  16 MB of produce queue (past it the producer
         * says "full": WW_EAGAIN, the worker waits) and 8 MB fetches cost no speed
         * (docs/benchmarks.md, "Memory").  8 MB of consumer prefetch instead of 64:
         * parse over Kafka peaks at ~39 MB instead of ~93 at the same speed, since
         * kafka_fetch_wake.c wakes 2.0.2's fetcher when the queue is drained (without
         * it a full queue is looked at again up to a second later: 2-4x slower). */
        {producer ? "queue.buffering.max.kbytes" : NULL, "16384"},
        {producer ? NULL : "fetch.max.bytes", "8388608"},
        {producer ? NULL : "queued.max.messages.kbytes", "8192"},
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
            group = ww__kafka_cfg_get(cfg, "group.id");
        if (!group) {
            snprintf(defgroup, sizeof defgroup, "wirewatch-%s", ep->stage);
            group = defgroup;
        }
        if (conf_set(conf, "group.id", group, err, errlen))
            goto fail;
        if (ww__kafka_cfg_get(cfg, "transactional.id")) {
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

int ww__kafka_shutdown_ms(const ww_config *cfg) {
    return (int)ww__ep_cfg_int(cfg, "worker.shutdown_timeout_ms");
}

/* Milliseconds left until deadline_us (0 when passed), or dflt when there is none. */
int ww__kafka_left_ms(int64_t deadline_us, int dflt) {
    if (!deadline_us)
        return dflt;
    int64_t left = (deadline_us - ww_mono_us()) / 1000;
    return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}
