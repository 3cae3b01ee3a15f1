/* Internal: the transport vtable behind ww_endpoint (not a public header).
 * endpoint.c holds the generic part; endpoint_kafka.c, endpoint_zmq.c and
 * endpoint_file.c each fill in one ww__ep_ops and set ep->impl. */
#ifndef WW_ENDPOINT_IMPL_H
#define WW_ENDPOINT_IMPL_H

#include "wirewatch/endpoint.h"

struct ww_metrics;

typedef struct ww__ep_ops {
    int (*recv)(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms);
    void (*release)(ww_endpoint *ep, ww_in_msg *msg);
    /* Optional: free msg without acknowledging it; NULL = release (nothing to ack). */
    void (*abandon)(ww_endpoint *ep, ww_in_msg *msg);
    /* Optional: send a message object (JSON endpoints convert instead of packing).
     * When NULL the generic code packs and calls send_raw. */
    int (*send_msg)(ww_endpoint *ep, const char *key, const ProtobufCMessage *msg,
                    const char *trace_id, ww_delivery_cb *cb, void *opaque);
    int (*send_raw)(ww_endpoint *ep, const char *key, const uint8_t *data, size_t len,
                    const char *trace_id, ww_delivery_cb *cb, void *opaque);
    int (*send_eos)(ww_endpoint *ep);             /* NULL = no-op */
    int (*poll)(ww_endpoint *ep, int timeout_ms); /* returns undelivered sends */
    int (*flush)(ww_endpoint *ep, int timeout_ms);
    int (*ready)(ww_endpoint *ep);              /* NULL = always ready */
    void (*pause)(ww_endpoint *ep, int paused); /* NULL = no-op */
    /* Optional, outputs that commit in batches (endpoint.h: ww_endpoint_batched).
     * batched NULL or 0 = every send stands alone; the other three are then unused. */
    int (*batched)(const ww_endpoint *out);
    int (*batch_bind)(ww_endpoint *out, ww_endpoint *in);
    int (*batch_commit)(ww_endpoint *out, ww_endpoint *in, int timeout_ms);
    int (*batch_abort)(ww_endpoint *out, ww_endpoint *in);
    /* Optional: hand transport statistics to the worker's metrics. NULL = none. */
    void (*set_metrics)(ww_endpoint *ep, struct ww_metrics *m);
    void (*close)(ww_endpoint *ep); /* frees ep->impl */
} ww__ep_ops;

struct ww_endpoint {
    const ww__ep_ops *ops;
    ww_uri uri;
    char *uri_str;
    ww_ep_dir dir;
    const ProtobufCMessageDescriptor *type;
    char *stage;          /* for logs and the Kafka client.id */
    size_t max_msg_bytes; /* worker.max_message_bytes */
    size_t sent_bytes;    /* protobuf size of the last message sent, 0 = not known */
    int64_t deadline_us;  /* ww_endpoint_set_deadline (ww_mono_us clock), 0 = none */
    void *impl;
};

/* Runtime key (runtime_config.c) from cfg, or its declared default
 * when cfg is NULL (endpoints opened without a configuration: benches, tests). */
long long ww__ep_cfg_int(const ww_config *cfg, const char *key);

/* Milliseconds left until ep's deadline (0 when passed), or dflt without one. */
int ww__ep_budget_ms(const ww_endpoint *ep, int dflt);

int ww__ep_kafka_open(ww_endpoint *ep, const ww_config *cfg, char *err, size_t errlen);
int ww__ep_zmq_open(ww_endpoint *ep, void *zmq_ctx, const ww_config *cfg, char *err,
                    size_t errlen);
int ww__ep_file_open(ww_endpoint *ep, const ww_config *cfg, char *err, size_t errlen);

#endif
