/* Endpoints: where a worker's messages come from and go to.  The worker never knows
 * which transport it talks to.
 *
 *   kafka://HOST:PORT[,HOST:PORT]/TOPIC[?group=NAME]   librdkafka consumer / producer
 *   zmq+tcp://HOST:PORT (connect; host "*" binds), zmq+ipc://PATH,
 *   zmq+inproc://NAME                                   PULL on input, PUSH on output
 *   file:PATH      .jsonl = JSON lines, otherwise length-delimited protobuf;
 *                  for FetchRequest input, a text file of URLs (one per line)
 *   -              stdin / stdout, JSON lines
 *
 * Input messages are always handed out as protobuf bytes of the endpoint's type (JSON
 * and URL lines are converted on the way in); output messages are encoded for the
 * endpoint (protobuf on the wire, JSON for .jsonl and stdout). */
#ifndef WIREWATCH_ENDPOINT_H
#define WIREWATCH_ENDPOINT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "wirewatch/config.h"

typedef enum { WW_EP_IN = 0, WW_EP_OUT = 1 } ww_ep_dir;

typedef enum {
    WW_EP_KAFKA = 1,
    WW_EP_ZMQ,
    WW_EP_FILE,
    WW_EP_STDIO,
} ww_ep_kind;

/* A parsed endpoint URI. */
typedef struct ww_uri {
    ww_ep_kind kind;
    char scheme[16]; /* "kafka", "zmq+tcp", "file", "-" */
    char *brokers;   /* kafka: "h1:p1,h2:p2" */
    char *topic;     /* kafka */
    char *group;     /* kafka ?group= ("" when absent) */
    char *zmq_addr;  /* zmq: libzmq address, "tcp://127.0.0.1:5555" */
    int zmq_bind;    /* zmq: 1 = bind ("*" host, ipc/inproc on output), 0 = connect */
    char *path;      /* file */
} ww_uri;

/* Parse uri into *out (fields malloc'd; free with ww_uri_free).  Returns 0 or
 * WW_EINVAL with err naming what is wrong. */
int ww_uri_parse(const char *uri, ww_uri *out, char *err, size_t errlen);
void ww_uri_free(ww_uri *u);

typedef struct ww_endpoint ww_endpoint;

/* One received message.  Everything is borrowed from the endpoint and valid until
 * ww_endpoint_release(ep, msg). */
typedef struct ww_in_msg {
    const uint8_t *data;
    size_t len;
    const char *key;      /* "" when none */
    const char *schema;   /* "" when unknown */
    const char *trace_id; /* "" when none */
    const char *topic;    /* source position for dead letters; "" / -1 when none */
    int32_t partition;
    int64_t offset;
    void *handle;     /* endpoint-private */
    int decode_error; /* 0, or WW_E* when the bytes could not be turned into the
                           * endpoint's type (bad JSON line, oversized frame, bad
                           * envelope): data/len are then the original bytes, and the
                           * worker dead-letters them with error_detail */
    const char *error_detail;
} ww_in_msg;

/* Called once per sent message when it is delivered (err 0) or finally failed. */
typedef void ww_delivery_cb(void *opaque, int err);

/* Open uri for dir, carrying messages of `type`.  type NULL (input only, for
 * `wirewatch inspect`) means "any wirewatch.v1 type": messages are passed through
 * with their schema (Kafka header / ZeroMQ envelope) and not converted.  cfg may be NULL (defaults).  For
 * ZeroMQ endpoints zmq_ctx is the process's one context (NULL for other kinds).
 * Returns NULL with err. */
ww_endpoint *ww_endpoint_open(const char *uri, ww_ep_dir dir,
                              const ProtobufCMessageDescriptor *type,
                              const ww_config *cfg, void *zmq_ctx, const char *stage,
                              char *err, size_t errlen);

/* Wait up to timeout_ms for one message.  Returns 1 (msg filled), 0 (nothing yet),
 * WW_EEOF (input exhausted: file end, or an end-of-stream marker), or another WW_E*.
 * A message that cannot even be decoded (bad JSON line) is still returned with
 * schema "" so the worker can dead-letter its bytes. */
int ww_endpoint_recv(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms);

/* Done with msg.  For Kafka this marks its offset done; offsets are stored in order
 * per partition, only up to the first one still in progress. */
void ww_endpoint_release(ww_endpoint *ep, ww_in_msg *msg);

/* Done with msg WITHOUT acknowledging it (an output of it failed for good): frees
 * what release frees, but for Kafka the offset is never stored past this message, so
 * the group re-delivers it after a restart or rebalance. */
void ww_endpoint_abandon(ww_endpoint *ep, ww_in_msg *msg);

/* Send msg (encoded for the endpoint).  cb (may be NULL) is called with the delivery
 * result, possibly before ww_endpoint_send returns (ZeroMQ, files).  Returns 0,
 * WW_EAGAIN when the output is full (nothing was sent, cb not called: retry after
 * ww_endpoint_poll), or another WW_E* (cb not called). */
/* Protobuf size of the message the last ww_endpoint_send sent (for metrics, so they
 * need not size it again), or 0 when the endpoint does not know. */
size_t ww_endpoint_sent_bytes(const ww_endpoint *ep);
int ww_endpoint_send(ww_endpoint *ep, const char *key, const ProtobufCMessage *msg,
                     const char *trace_id, ww_delivery_cb *cb, void *opaque);

/* Same with bytes already packed as protobuf of the endpoint's type. */
int ww_endpoint_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data,
                         size_t len, const char *trace_id, ww_delivery_cb *cb,
                         void *opaque);

/* Tell consumers the stream has ended (ZeroMQ: an end-of-stream envelope; files: no-op;
 * Kafka: no-op).  Returns 0 or WW_E*. */
int ww_endpoint_send_eos(ww_endpoint *ep);

/* Serve delivery callbacks and background events for up to timeout_ms.  Returns the
 * number of sends not yet delivered. */
int ww_endpoint_poll(ww_endpoint *ep, int timeout_ms);

/* Wait until every send is delivered or timeout_ms passes; returns the number still
 * undelivered. */
int ww_endpoint_flush(ww_endpoint *ep, int timeout_ms);

/* 1 when the transport is connected and not stalled (for /readyz). */
int ww_endpoint_ready(ww_endpoint *ep);

/* Temporarily stop / resume delivering input (backpressure on Kafka). */
void ww_endpoint_pause(ww_endpoint *ep, int paused);

/* From now on no call on ep waits past deadline_us (ww_mono_us() clock; 0 = no
 * deadline): the worker sets it on SIGTERM so that flushing, committing and closing
 * all end by one shutdown deadline, whatever the transport's peer does.  What has
 * not happened by then is left to the transport's own recovery (Kafka: uncommitted
 * offsets are consumed again; an open transaction is aborted by the broker). */
void ww_endpoint_set_deadline(ww_endpoint *ep, int64_t deadline_us);

/* Close: input endpoints commit what is stored; output endpoints flush.  Both within
 * the deadline (ww_endpoint_set_deadline), else within worker.shutdown_timeout_ms.
 * NULL is a no-op. */
void ww_endpoint_close(ww_endpoint *ep);

/* Commit points.  An output may gather what is sent into batches that become visible
 * all at once, together with the input positions that were consumed for them (Kafka
 * with kafka.transactional.id: exactly-once; every other output: no batches).  The
 * worker loop, when ww_endpoint_batched(out):
 *   after opening:  ww_endpoint_batch_bind(out, in)  (in may be any endpoint; a
 *                   Kafka input then hands its positions over at a rebalance too)
 *   between inputs: once every input of the batch is released, and at least every
 *                   worker.txn_interval_ms, ww_endpoint_batch_commit(out, in, ms)
 *   at the end:     one last ww_endpoint_batch_commit.
 * The first send after a commit opens the next batch by itself. */

/* 1 when out commits in batches, 0 otherwise (also for NULL). */
int ww_endpoint_batched(const ww_endpoint *out);

/* Tie in's positions to out's batches.  Returns 0, or WW_EINVAL when out is not
 * batched. */
int ww_endpoint_batch_bind(ww_endpoint *out, ww_endpoint *in);

/* Deliver the open batch with in's done positions and make it visible, within
 * timeout_ms.  No-op when no batch is open.  Returns 0; WW_ETIMEDOUT when it is still
 * open (calling again resumes); WW_ETRANSPORT when it was aborted (its outputs are
 * discarded and in is rewound: its inputs are received again); WW_EINVAL when out is
 * not batched. */
int ww_endpoint_batch_commit(ww_endpoint *out, ww_endpoint *in, int timeout_ms);

/* Discard the open batch and rewind in to its last committed position.  Returns 0,
 * WW_ETRANSPORT (fatal: the worker must exit) or WW_EINVAL (out not batched). */
int ww_endpoint_batch_abort(ww_endpoint *out, ww_endpoint *in);

/* Hand the transport's statistics (Kafka: consumer lag) to m; no-op when the
 * transport has none. */
struct ww_metrics;
void ww_endpoint_set_metrics(ww_endpoint *ep, struct ww_metrics *m);

const char *ww_endpoint_uri(const ww_endpoint *ep);
ww_ep_kind ww_endpoint_kind(const ww_endpoint *ep);

#endif
