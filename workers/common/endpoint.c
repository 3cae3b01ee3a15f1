/* Endpoint URIs and the generic half of ww_endpoint: parse the URI, pick the
 * transport, and forward calls through its vtable (endpoint_impl.h). */
#include "wirewatch/endpoint.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint_impl.h"
#include "wirewatch/error.h"
#include "wirewatch/message.h"
#include "wirewatch/strutil.h"
#include "wirewatch/worker.h"

void ww_uri_free(ww_uri *u) {
    if (!u)
        return;
    free(u->brokers);
    free(u->topic);
    free(u->group);
    free(u->zmq_addr);
    free(u->path);
    memset(u, 0, sizeof *u);
}

/* Value of `name` in a "?a=b&c=d" query, malloc'd, or NULL when absent. */
static char *query_get(const char *q, const char *name) {
    size_t nl = strlen(name);
    while (q && *q) {
        if (*q == '?' || *q == '&')
            q++;
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (len >= nl && strncmp(q, name, nl) == 0 && (len == nl || q[nl] == '='))
            return len == nl ? strdup("") : ww_dupn(q + nl + 1, len - nl - 1);
        q = end;
    }
    return NULL;
}

static int parse_kafka(const char *rest, ww_uri *u, char *err, size_t errlen) {
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "kafka endpoint needs kafka://HOST:PORT[,HOST:PORT]/TOPIC");
    const char *q = strchr(slash, '?');
    size_t tlen = q ? (size_t)(q - slash - 1) : strlen(slash + 1);
    if (tlen == 0)
        return ww_seterr(err, errlen, WW_EINVAL, "kafka endpoint has no topic");
    u->brokers = ww_dupn(rest, (size_t)(slash - rest));
    u->topic = ww_dupn(slash + 1, tlen);
    u->group = q ? query_get(q, "group") : NULL;
    if (!u->group)
        u->group = strdup("");
    for (const char *p = u->topic; p && *p; p++) {
        /* Kafka's legal topic characters */
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            return ww_seterr(err, errlen, WW_EINVAL,
                             "kafka topic \"%s\" has an invalid character", u->topic);
    }
    for (const char *p = q; p && *p;) {
        /* only ?group= is defined; anything else is a typo worth reporting */
        p++;
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len < 6 || strncmp(p, "group=", 6) != 0)
            return ww_seterr(err, errlen, WW_EINVAL,
                             "kafka endpoint: unknown parameter \"%.*s\"", (int)len, p);
        p = end;
    }
    return (u->brokers && u->topic && u->group) ? 0 : WW_ENOMEM;
}

static int parse_zmq(const char *scheme, const char *rest, ww_uri *u, char *err,
                     size_t errlen) {
    const char *transport = scheme + 4; /* after "zmq+" */
    if (strcmp(transport, "tcp") && strcmp(transport, "ipc") &&
        strcmp(transport, "inproc"))
        return ww_seterr(err, errlen, WW_EINVAL, "unknown ZeroMQ transport \"%s\"",
                         transport);
    const char *q = strchr(rest, '?');
    size_t alen = q ? (size_t)(q - rest) : strlen(rest);
    if (alen == 0)
        return ww_seterr(err, errlen, WW_EINVAL, "%s endpoint has no address", scheme);
    char *addr = ww_dupn(rest, alen);
    if (!addr)
        return WW_ENOMEM;
    size_t cap = strlen(transport) + alen + 4;
    u->zmq_addr = malloc(cap);
    if (!u->zmq_addr) {
        free(addr);
        return WW_ENOMEM;
    }
    snprintf(u->zmq_addr, cap, "%s://%s", transport, addr);
    /* tcp: "*" or 0.0.0.0 binds, a host connects.  ipc/inproc: the output side binds
     * unless ?connect, the input side connects unless ?bind (set in ww_endpoint_open). */
    u->zmq_bind = -1;
    if (strcmp(transport, "tcp") == 0) {
        if (!strchr(addr, ':')) {
            free(addr);
            return ww_seterr(err, errlen, WW_EINVAL, "zmq+tcp endpoint needs HOST:PORT");
        }
        u->zmq_bind = (addr[0] == '*' || strncmp(addr, "0.0.0.0:", 8) == 0) ? 1 : 0;
    }
    free(addr);
    if (q) {
        char *b = query_get(q, "bind"), *c = query_get(q, "connect");
        if (b)
            u->zmq_bind = 1;
        if (c)
            u->zmq_bind = 0;
        int unknown = !b && !c;
        free(b);
        free(c);
        if (unknown)
            return ww_seterr(
                err, errlen, WW_EINVAL,
                "zmq endpoint: unknown parameter \"%s\" (use ?bind or ?connect)", q + 1);
    }
    return 0;
}

int ww_uri_parse(const char *uri, ww_uri *u, char *err, size_t errlen) {
    memset(u, 0, sizeof *u);
    if (!uri || !*uri)
        return ww_seterr(err, errlen, WW_EINVAL, "empty endpoint");
    int rc;
    if (strcmp(uri, "-") == 0) {
        u->kind = WW_EP_STDIO;
        snprintf(u->scheme, sizeof u->scheme, "-");
        return 0;
    }
    if (strncmp(uri, "file:", 5) == 0) {
        const char *p = uri + 5;
        if (strncmp(p, "//", 2) == 0)
            p += 2; /* file:///abs/path */
        if (!*p)
            return ww_seterr(err, errlen, WW_EINVAL, "file endpoint has no path");
        u->kind = WW_EP_FILE;
        snprintf(u->scheme, sizeof u->scheme, "file");
        u->path = strdup(p);
        return u->path ? 0 : WW_ENOMEM;
    }
    const char *sep = strstr(uri, "://");
    if (!sep || (size_t)(sep - uri) >= sizeof u->scheme)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "endpoint \"%s\" is not kafka://, zmq+tcp://, zmq+ipc://, "
                         "zmq+inproc://, file: or -",
                         uri);
    memcpy(u->scheme, uri, (size_t)(sep - uri));
    u->scheme[sep - uri] = '\0';
    const char *rest = sep + 3;
    if (strcmp(u->scheme, "kafka") == 0) {
        u->kind = WW_EP_KAFKA;
        rc = parse_kafka(rest, u, err, errlen);
    } else if (strncmp(u->scheme, "zmq+", 4) == 0) {
        u->kind = WW_EP_ZMQ;
        rc = parse_zmq(u->scheme, rest, u, err, errlen);
    } else {
        rc = ww_seterr(err, errlen, WW_EINVAL, "unknown endpoint scheme \"%s\"",
                       u->scheme);
    }
    if (rc)
        ww_uri_free(u);
    return rc;
}

ww_endpoint *ww_endpoint_open(const char *uri, ww_ep_dir dir,
                              const ProtobufCMessageDescriptor *type,
                              const ww_config *cfg, void *zmq_ctx, const char *stage,
                              char *err, size_t errlen) {
    ww_endpoint *ep = calloc(1, sizeof *ep);
    if (!ep)
        return NULL;
    if (ww_uri_parse(uri, &ep->uri, err, errlen)) {
        free(ep);
        return NULL;
    }
    ep->uri_str = strdup(uri);
    ep->stage = strdup(stage ? stage : "wirewatch");
    ep->dir = dir;
    ep->type = type;
    ep->max_msg_bytes = (size_t)ww__ep_cfg_int(cfg, "worker.max_message_bytes");
    if (!ep->uri_str || !ep->stage)
        goto fail;
    if (!type && dir == WW_EP_OUT) {
        ww_seterr(err, errlen, WW_EINVAL, "an output endpoint needs a message type");
        goto fail;
    }
    if (ep->uri.kind == WW_EP_ZMQ && ep->uri.zmq_bind < 0)
        ep->uri.zmq_bind = dir == WW_EP_OUT;
    int rc;
    switch (ep->uri.kind) {
    case WW_EP_KAFKA: rc = ww__ep_kafka_open(ep, cfg, err, errlen); break;
    case WW_EP_ZMQ: rc = ww__ep_zmq_open(ep, zmq_ctx, cfg, err, errlen); break;
    case WW_EP_FILE:
    case WW_EP_STDIO: rc = ww__ep_file_open(ep, cfg, err, errlen); break;
    default: rc = ww_seterr(err, errlen, WW_EINVAL, "unsupported endpoint");
    }
    if (rc)
        goto fail;
    return ep;
fail:
    ww_uri_free(&ep->uri);
    free(ep->uri_str);
    free(ep->stage);
    free(ep);
    return NULL;
}

int ww_endpoint_recv(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms) {
    if (ep->dir != WW_EP_IN)
        return WW_EINVAL;
    memset(msg, 0, sizeof *msg);
    msg->key = msg->schema = msg->trace_id = msg->topic = msg->error_detail = "";
    msg->partition = -1;
    msg->offset = -1;
    return ep->ops->recv(ep, msg, timeout_ms);
}

void ww_endpoint_release(ww_endpoint *ep, ww_in_msg *msg) {
    if (ep->ops->release)
        ep->ops->release(ep, msg);
}

void ww_endpoint_abandon(ww_endpoint *ep, ww_in_msg *msg) {
    if (ep->ops->abandon)
        ep->ops->abandon(ep, msg);
    else if (ep->ops->release)
        ep->ops->release(ep, msg);
}

int ww_endpoint_send(ww_endpoint *ep, const char *key, const ProtobufCMessage *msg,
                     const char *trace_id, ww_delivery_cb *cb, void *opaque) {
    if (ep->dir != WW_EP_OUT)
        return WW_EINVAL;
    ep->sent_bytes = 0;
    if (ep->ops->send_msg)
        return ep->ops->send_msg(ep, key, msg, trace_id, cb, opaque);
    size_t len;
    uint8_t *buf = ww_msg_pack(msg, &len);
    if (!buf)
        return WW_ENOMEM;
    ep->sent_bytes = len;
    int rc = ep->ops->send_raw(ep, key, buf, len, trace_id, cb, opaque);
    free(buf);
    return rc;
}

size_t ww_endpoint_sent_bytes(const ww_endpoint *ep) { return ep->sent_bytes; }

int ww_endpoint_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data,
                         size_t len, const char *trace_id, ww_delivery_cb *cb,
                         void *opaque) {
    if (ep->dir != WW_EP_OUT)
        return WW_EINVAL;
    return ep->ops->send_raw(ep, key, data, len, trace_id, cb, opaque);
}

int ww_endpoint_send_eos(ww_endpoint *ep) {
    return ep->ops->send_eos ? ep->ops->send_eos(ep) : 0;
}

int ww_endpoint_poll(ww_endpoint *ep, int timeout_ms) {
    return ep->ops->poll ? ep->ops->poll(ep, timeout_ms) : 0;
}

int ww_endpoint_flush(ww_endpoint *ep, int timeout_ms) {
    return ep->ops->flush ? ep->ops->flush(ep, timeout_ms) : 0;
}

int ww_endpoint_ready(ww_endpoint *ep) { return ep->ops->ready ? ep->ops->ready(ep) : 1; }

void ww_endpoint_pause(ww_endpoint *ep, int paused) {
    if (ep->ops->pause)
        ep->ops->pause(ep, paused);
}

void ww_endpoint_set_deadline(ww_endpoint *ep, int64_t deadline_us) {
    if (ep)
        ep->deadline_us = deadline_us;
}

void ww_endpoint_close(ww_endpoint *ep) {
    if (!ep)
        return;
    if (ep->ops && ep->ops->close)
        ep->ops->close(ep);
    ww_uri_free(&ep->uri);
    free(ep->uri_str);
    free(ep->stage);
    free(ep);
}

int ww_endpoint_batched(const ww_endpoint *out) {
    return out && out->ops->batched && out->ops->batched(out);
}

int ww_endpoint_batch_bind(ww_endpoint *out, ww_endpoint *in) {
    return ww_endpoint_batched(out) ? out->ops->batch_bind(out, in) : WW_EINVAL;
}

int ww_endpoint_batch_commit(ww_endpoint *out, ww_endpoint *in, int timeout_ms) {
    return ww_endpoint_batched(out) ? out->ops->batch_commit(out, in, timeout_ms)
                                    : WW_EINVAL;
}

int ww_endpoint_batch_abort(ww_endpoint *out, ww_endpoint *in) {
    return ww_endpoint_batched(out) ? out->ops->batch_abort(out, in) : WW_EINVAL;
}

void ww_endpoint_set_metrics(ww_endpoint *ep, struct ww_metrics *m) {
    if (ep && ep->ops->set_metrics)
        ep->ops->set_metrics(ep, m);
}

const char *ww_endpoint_uri(const ww_endpoint *ep) { return ep->uri_str; }
ww_ep_kind ww_endpoint_kind(const ww_endpoint *ep) { return ep->uri.kind; }
