/* ZeroMQ endpoints: PULL on input, PUSH on output; tcp, ipc, inproc.
 *
 * A message is two frames: an Envelope (schema, version, key, trace id, or an
 * end-of-stream flag) and the protobuf payload.  Sends never block: when the peer's
 * high-water mark is reached ww_endpoint_send returns WW_EAGAIN and the worker stops
 * reading its input until the output drains (backpressure).
 *
 * Bytes: zmq.hwm counts messages; on inproc hops (sender and receiver in this process)
 * zmq.hwm_bytes bounds the bytes queued and not yet released too (zmq_hop_bytes.h).
 *
 * Delivery: ZeroMQ hands a message to its queue, not to the peer's application, so a
 * "delivered" callback here means "queued"; a crash loses what is queued (LINGER
 * bounds how long close waits).  Use Kafka where that matters (docs/architecture.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "endpoint_impl.h"
#include "zmq_hop_bytes.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

typedef struct {
    void *sock;
    int eos_seen, eos_expected;
    int connected;
    int linger;       /* zmq.linger_ms */
    ww__hop *hop;     /* inproc with zmq.hwm_bytes: the hop's open bytes, else NULL */
    size_t hwm_bytes; /* zmq.hwm_bytes */
    size_t want;      /* output: bytes of the send that did not fit (0 = none) */
} zmq_ep;

typedef struct {
    uint8_t *data;
    Wirewatch__V1__Envelope *env;
    size_t hop_bytes; /* counted on the inproc hop until released */
    char err[160];
} zmq_msg_rec;

static void rec_free(zmq_msg_rec *rec) {
    free(rec->data);
    if (rec->env)
        wirewatch__v1__envelope__free_unpacked(rec->env, NULL);
    free(rec);
}

/* Read every frame of one waiting message, keeping the first two in frames.
 * Returns 1 (read; *nframes kept, *total seen), 0 (nothing after all) or WW_E*. */
static int read_frames(zmq_ep *z, zmq_msg_t frames[2], int *nframes, size_t *total) {
    int more = 0;
    *nframes = 0;
    *total = 0;
    do {
        zmq_msg_t f;
        zmq_msg_init(&f);
        if (zmq_msg_recv(&f, z->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f);
            for (int i = 0; i < *nframes; i++)
                zmq_msg_close(&frames[i]);
            if (errno == EAGAIN || errno == EINTR)
                return 0;
            return errno == ETERM ? WW_EEOF : WW_ETRANSPORT;
        }
        more = zmq_msg_more(&f);
        if (*nframes < 2)
            frames[(*nframes)++] = f;
        else
            zmq_msg_close(&f);
        (*total)++;
    } while (more);
    return 1;
}

/* The envelope unpacked and the payload (or, for a bad message, whatever bytes it
 * had) copied, so the message lives until release independently of libzmq's
 * buffers.  Closes the frames.  NULL on ENOMEM. */
static zmq_msg_rec *make_record(zmq_msg_t frames[2], int nframes, size_t *plen) {
    zmq_msg_rec *rec = calloc(1, sizeof *rec);
    zmq_msg_t *pf = nframes == 2 ? &frames[1] : &frames[0];
    *plen = zmq_msg_size(pf);
    if (rec) {
        rec->env = nframes >= 1
                       ? wirewatch__v1__envelope__unpack(NULL, zmq_msg_size(&frames[0]),
                                                         zmq_msg_data(&frames[0]))
                       : NULL;
        rec->data = malloc(*plen ? *plen : 1);
        if (rec->data)
            memcpy(rec->data, zmq_msg_data(pf), *plen);
    }
    for (int i = 0; i < nframes; i++)
        zmq_msg_close(&frames[i]);
    if (rec && !rec->data) {
        rec_free(rec);
        rec = NULL;
    }
    return rec;
}

/* Key, schema and trace id from the envelope; poison (oversized, another type) is
 * marked for the worker to dead-letter. */
static void describe_message(ww_endpoint *ep, zmq_msg_rec *rec, ww_in_msg *msg) {
    msg->schema = rec->env->schema;
    msg->trace_id = rec->env->trace_id;
    /* key bytes are used as a string: keys are URLs, hosts and ids */
    static const char empty[] = "";
    msg->key = empty;
    if (rec->env->key.len && memchr(rec->env->key.data, 0, rec->env->key.len) == NULL) {
        char *k = realloc(rec->env->key.data, rec->env->key.len + 1);
        if (k) {
            k[rec->env->key.len] = '\0';
            rec->env->key.data = (uint8_t *)k;
            msg->key = k;
        }
    }
    if (msg->len > ep->max_msg_bytes) {
        msg->decode_error = WW_ETOOBIG;
        snprintf(rec->err, sizeof rec->err, "message of %zu bytes exceeds %zu", msg->len,
                 ep->max_msg_bytes);
        msg->error_detail = rec->err;
    } else if (ep->type && *msg->schema && strcmp(msg->schema, ep->type->name) != 0) {
        msg->decode_error = WW_EMALFORMED;
        snprintf(rec->err, sizeof rec->err, "schema %s where %s was expected",
                 msg->schema, ep->type->name);
        msg->error_detail = rec->err;
    }
}

static int zmq_recv_frames(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms) {
    zmq_ep *z = ep->impl;
    for (;;) {
        zmq_pollitem_t it = {.socket = z->sock, .events = ZMQ_POLLIN};
        int pr = zmq_poll(&it, 1, timeout_ms);
        if (pr < 0)
            return (errno == EINTR) ? 0 : (errno == ETERM ? WW_EEOF : WW_ETRANSPORT);
        if (pr == 0)
            return 0;
        zmq_msg_t frames[2];
        int nframes;
        size_t total_frames, plen;
        int rc = read_frames(z, frames, &nframes, &total_frames);
        if (rc != 1)
            return rc;
        zmq_msg_rec *rec = make_record(frames, nframes, &plen);
        if (!rec)
            return WW_ENOMEM;
        if (rec->env && rec->env->end_of_stream) {
            rec_free(rec);
            if (++z->eos_seen >= z->eos_expected)
                return WW_EEOF;
            continue; /* wait for the other producers' end of stream */
        }
        msg->handle = rec;
        msg->topic = ep->uri.zmq_addr;
        if (z->hop)
            rec->hop_bytes = plen;
        msg->data = rec->data;
        msg->len = plen;
        if (total_frames != 2 || !rec->env) {
            msg->decode_error = WW_EMALFORMED;
            snprintf(rec->err, sizeof rec->err,
                     "ZeroMQ message with %zu frame(s) %s; expected envelope + payload",
                     total_frames, rec->env ? "" : "and no valid envelope");
            msg->error_detail = rec->err;
            return 1;
        }
        describe_message(ep, rec, msg);
        return 1;
    }
}

static void zmq_release(ww_endpoint *ep, ww_in_msg *msg) {
    zmq_msg_rec *rec = msg->handle;
    if (!rec)
        return;
    zmq_ep *z = ep->impl;
    if (z->hop && rec->hop_bytes)
        ww__hop_release(z->hop, rec->hop_bytes);
    rec_free(rec);
    msg->handle = NULL;
}

static int send_envelope_and(ww_endpoint *ep, Wirewatch__V1__Envelope *env,
                             const uint8_t *data, size_t len, int with_payload) {
    zmq_ep *z = ep->impl;
    size_t elen = wirewatch__v1__envelope__get_packed_size(env);
    uint8_t stackbuf[512];
    uint8_t *ebuf = elen <= sizeof stackbuf ? stackbuf : malloc(elen);
    if (!ebuf)
        return WW_ENOMEM;
    wirewatch__v1__envelope__pack(env, ebuf);
    int rc = 0;
    /* Both frames or none: with ZMQ_DONTWAIT the first frame fails with EAGAIN at the
     * HWM and then nothing is queued; once the first frame is in, the second is
     * accepted too (multipart messages are atomic). */
    if (zmq_send(z->sock, ebuf, elen, ZMQ_DONTWAIT | (with_payload ? ZMQ_SNDMORE : 0)) <
        0) {
        rc = errno == EAGAIN ? WW_EAGAIN : errno == EINTR ? WW_EAGAIN : WW_ETRANSPORT;
    } else if (with_payload && zmq_send(z->sock, data, len, 0) < 0) {
        rc = WW_ETRANSPORT;
    }
    if (ebuf != stackbuf)
        free(ebuf);
    return rc;
}

static int zmq_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data, size_t len,
                        const char *trace_id, ww_delivery_cb *cb, void *opaque) {
    if (len > ep->max_msg_bytes)
        return WW_ETOOBIG;
    Wirewatch__V1__Envelope env = WIREWATCH__V1__ENVELOPE__INIT;
    env.schema = (char *)ep->type->name;
    env.schema_version = WW_SCHEMA_VERSION;
    env.key.data = (uint8_t *)(key ? key : "");
    env.key.len = key ? strlen(key) : 0;
    env.trace_id = (char *)(trace_id ? trace_id : "");
    zmq_ep *z = ep->impl;
    if (z->hop && !ww__hop_reserve(z->hop, len, z->hwm_bytes)) {
        z->want = len; /* the receiver has not released enough yet: wait in poll */
        return WW_EAGAIN;
    }
    z->want = 0;
    int rc = send_envelope_and(ep, &env, data, len, 1);
    if (rc && z->hop)
        ww__hop_release(z->hop, len); /* not queued after all */
    if (rc == 0 && cb)
        cb(opaque, 0);
    return rc;
}

static int zmq_send_eos(ww_endpoint *ep) {
    Wirewatch__V1__Envelope env = WIREWATCH__V1__ENVELOPE__INIT;
    env.schema = (char *)ep->type->name;
    env.schema_version = WW_SCHEMA_VERSION;
    env.end_of_stream = 1;
    /* the end of stream must not be lost to a full queue: retry briefly */
    for (int i = 0; i < 3000; i++) {
        int rc = send_envelope_and(ep, &env, NULL, 0, 0);
        if (rc != WW_EAGAIN)
            return rc;
        zmq_pollitem_t it = {.socket = ((zmq_ep *)ep->impl)->sock, .events = ZMQ_POLLOUT};
        zmq_poll(&it, 1, 10);
    }
    return WW_ETIMEDOUT;
}

static int zmq_poll_out(ww_endpoint *ep, int timeout_ms) {
    zmq_ep *z = ep->impl;
    if (timeout_ms > 0 && ep->dir == WW_EP_OUT && z->hop && z->want) {
        ww__hop_wait(z->hop, z->want, z->hwm_bytes, timeout_ms);
    } else if (timeout_ms > 0 && ep->dir == WW_EP_OUT) {
        zmq_pollitem_t it = {.socket = ((zmq_ep *)ep->impl)->sock, .events = ZMQ_POLLOUT};
        zmq_poll(&it, 1, timeout_ms);
    }
    return 0;
}

static void zmq_close_ep(ww_endpoint *ep) {
    zmq_ep *z = ep->impl;
    if (!z)
        return;
    /* queued messages may hold zmq_ctx_term up to LINGER: not past the deadline */
    int linger = ww__ep_budget_ms(ep, z->linger);
    if (z->sock && linger < z->linger)
        zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (z->sock)
        zmq_close(z->sock);
    ww__hop_put(z->hop);
    free(z);
    ep->impl = NULL;
}

static const ww__ep_ops zmq_ops = {
    .recv = zmq_recv_frames,
    .release = zmq_release,
    .send_raw = zmq_send_raw,
    .send_eos = zmq_send_eos,
    .poll = zmq_poll_out,
    .close = zmq_close_ep,
};

int ww__ep_zmq_open(ww_endpoint *ep, void *zmq_ctx, const ww_config *cfg, char *err,
                    size_t errlen) {
    if (!zmq_ctx)
        return ww_seterr(err, errlen, WW_EINVAL, "no ZeroMQ context");
    zmq_ep *z = calloc(1, sizeof *z);
    if (!z)
        return WW_ENOMEM;
    z->eos_expected = (int)ww__ep_cfg_int(cfg, "zmq.eos_count");
    if (z->eos_expected < 1)
        z->eos_expected = 1;
    z->sock = zmq_socket(zmq_ctx, ep->dir == WW_EP_IN ? ZMQ_PULL : ZMQ_PUSH);
    if (!z->sock) {
        free(z);
        return ww_seterr(err, errlen, WW_ETRANSPORT, "zmq_socket: %s",
                         zmq_strerror(errno));
    }
    int hwm = (int)ww__ep_cfg_int(cfg, "zmq.hwm");
    long long hwm_bytes = ww__ep_cfg_int(cfg, "zmq.hwm_bytes");
    if (hwm_bytes > 0 && strncmp(ep->uri.zmq_addr, "inproc://", 9) == 0) {
        z->hwm_bytes = (size_t)hwm_bytes;
        if (!(z->hop = ww__hop_get(ep->uri.zmq_addr))) {
            zmq_close(z->sock);
            free(z);
            return WW_ENOMEM;
        }
    }
    int linger = (int)ww__ep_cfg_int(cfg, "zmq.linger_ms");
    z->linger = linger;
    int64_t maxsz = (int64_t)ep->max_msg_bytes + 4096; /* envelope room */
    int immediate = 1; /* queue only to completed connections */
    if (zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(z->sock, ep->dir == WW_EP_IN ? ZMQ_RCVHWM : ZMQ_SNDHWM, &hwm,
                       sizeof hwm) ||
        (ep->dir == WW_EP_IN &&
         zmq_setsockopt(z->sock, ZMQ_MAXMSGSIZE, &maxsz, sizeof maxsz)) ||
        (ep->dir == WW_EP_OUT &&
         zmq_setsockopt(z->sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate))) {
        ww_seterr(err, errlen, WW_ETRANSPORT, "zmq_setsockopt: %s", zmq_strerror(errno));
        goto fail;
    }
    int rc = ep->uri.zmq_bind ? zmq_bind(z->sock, ep->uri.zmq_addr)
                              : zmq_connect(z->sock, ep->uri.zmq_addr);
    if (rc != 0) {
        ww_seterr(err, errlen, WW_ETRANSPORT, "%s %s: %s",
                  ep->uri.zmq_bind ? "bind" : "connect", ep->uri.zmq_addr,
                  zmq_strerror(errno));
        goto fail;
    }
    ep->impl = z;
    ep->ops = &zmq_ops;
    return 0;
fail:
    zmq_close(z->sock);
    ww__hop_put(z->hop);
    free(z);
    return WW_ETRANSPORT;
}
