/* File and stdio endpoints.
 *
 * Input formats: JSON lines (.jsonl, and stdin), length-delimited protobuf (varint
 * length + bytes, like protobuf's writeDelimitedTo), and for FetchRequest input a text
 * file of URLs or paths (one per line, '#' comments).  On stdin a FetchRequest line
 * that does not start with '{' is taken as a URL.  Reads go through poll(2) with the
 * caller's timeout so an async stage keeps working while stdin is idle.
 *
 * Every received message gets its own malloc'd block (handle), freed on release: an
 * async stage may hold many messages at once. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint_impl.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/request.h"
#include "wirewatch/strutil.h"

typedef enum { FMT_JSON, FMT_LDP, FMT_URLS } file_fmt;

typedef struct {
    int fd;
    int own_fd;
    FILE *out;
    file_fmt fmt;
    int is_stdio;
    uint8_t *buf; /* input buffer: [start, end) unread */
    size_t cap, start, end;
    int eof;
    int skipping; /* discarding the rest of an oversized line */
    long long line_no;
} file_ep;

typedef struct {
    uint8_t *data; /* protobuf bytes (or original bytes on decode error) */
    char err[256];
} file_msg;

/* Fill the buffer: returns 1 if bytes were added, 0 on timeout, WW_EEOF, or WW_EIO. */
static int fill(file_ep *f, int timeout_ms) {
    if (f->eof)
        return WW_EEOF;
    if (f->start > 0 && f->start == f->end)
        f->start = f->end = 0;
    if (f->end == f->cap) {
        if (f->start > 0) {
            memmove(f->buf, f->buf + f->start, f->end - f->start);
            f->end -= f->start;
            f->start = 0;
        } else {
            size_t ncap = f->cap ? f->cap * 2 : 65536;
            uint8_t *n = realloc(f->buf, ncap);
            if (!n)
                return WW_ENOMEM;
            f->buf = n;
            f->cap = ncap;
        }
    }
    struct pollfd p = {.fd = f->fd, .events = POLLIN};
    int pr = poll(&p, 1, timeout_ms);
    if (pr == 0)
        return 0;
    if (pr < 0)
        return errno == EINTR ? 0 : WW_EIO;
    ssize_t r = read(f->fd, f->buf + f->end, f->cap - f->end);
    if (r < 0)
        return (errno == EINTR || errno == EAGAIN) ? 0 : WW_EIO;
    if (r == 0) {
        f->eof = 1;
        return f->end > f->start ? 1 : WW_EEOF;
    }
    f->end += (size_t)r;
    return 1;
}

static int set_error(ww_in_msg *msg, file_msg *fm, int code, const uint8_t *orig,
                     size_t len, const char *detail) {
    fm->data = malloc(len ? len : 1);
    if (!fm->data) {
        free(fm);
        return WW_ENOMEM;
    }
    memcpy(fm->data, orig, len);
    msg->data = fm->data;
    msg->len = len;
    msg->decode_error = code;
    snprintf(fm->err, sizeof fm->err, "%s", detail);
    msg->error_detail = fm->err;
    return 1;
}

/* Turn one text line into a message for the endpoint's type. */
static int decode_line(ww_endpoint *ep, file_ep *f, const uint8_t *line, size_t len,
                       ww_in_msg *msg) {
    file_msg *fm = calloc(1, sizeof *fm);
    if (!fm)
        return WW_ENOMEM;
    msg->handle = fm;
    msg->offset = f->line_no;
    char err[200];
    int as_url = f->fmt == FMT_URLS ||
                 (f->is_stdio && ep->type == &wirewatch__v1__fetch_request__descriptor &&
                  len && line[0] != '{');
    ProtobufCMessage *m = NULL;
    if (as_url) {
        char *text = strndup((const char *)line, len);
        if (!text) {
            free(fm);
            return WW_ENOMEM;
        }
        Wirewatch__V1__FetchRequest *r = ww_request_from_input(text, err, sizeof err);
        free(text);
        if (!r)
            return set_error(msg, fm, WW_EMALFORMED, line, len, err);
        m = &r->base;
    } else {
        json_error_t je;
        json_t *j = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &je);
        if (!j) {
            snprintf(err, sizeof err, "line %lld: invalid JSON: %s", f->line_no, je.text);
            return set_error(msg, fm, WW_EMALFORMED, line, len, err);
        }
        if (!ep->type) { /* inspect: pass the JSON line through */
            json_decref(j);
            int rc = set_error(msg, fm, 0, line, len, "");
            msg->schema = "json";
            return rc;
        }
        m = ww_msg_from_json(ep->type, j, err, sizeof err);
        json_decref(j);
        if (!m) {
            char e2[256];
            snprintf(e2, sizeof e2, "line %lld: %s", f->line_no, err);
            return set_error(msg, fm, WW_EMALFORMED, line, len, e2);
        }
    }
    size_t plen;
    fm->data = ww_msg_pack(m, &plen);
    protobuf_c_message_free_unpacked(m, NULL);
    if (!fm->data) {
        free(fm);
        return WW_ENOMEM;
    }
    msg->data = fm->data;
    msg->len = plen;
    msg->schema = ep->type->name;
    return 1;
}

static int recv_line(ww_endpoint *ep, file_ep *f, ww_in_msg *msg, int timeout_ms) {
    for (;;) {
        uint8_t *nl =
            f->end > f->start ? memchr(f->buf + f->start, '\n', f->end - f->start) : NULL;
        size_t avail = f->end - f->start;
        if (!nl && f->eof && avail)
            nl = f->buf + f->end; /* last line without newline */
        if (nl) {
            const uint8_t *line = f->buf + f->start;
            size_t len = (size_t)(nl - line);
            f->start += len + (nl < f->buf + f->end ? 1 : 0);
            f->line_no++;
            if (f->skipping) {
                f->skipping = 0;
                continue;
            }
            while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
                len--;
            size_t lead = 0;
            while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
                lead++;
            if (lead == len)
                continue; /* blank */
            if (f->fmt == FMT_URLS && line[lead] == '#')
                continue; /* comment */
            return decode_line(ep, f, line + lead, len - lead, msg);
        }
        if (avail > ep->max_msg_bytes && !f->skipping) {
            /* Oversized line: hand out its head for the dead letter, drop the rest. */
            file_msg *fm = calloc(1, sizeof *fm);
            if (!fm)
                return WW_ENOMEM;
            msg->handle = fm;
            char detail[128];
            snprintf(detail, sizeof detail, "line %lld longer than %zu bytes",
                     f->line_no + 1, ep->max_msg_bytes);
            int rc = set_error(msg, fm, WW_ETOOBIG, f->buf + f->start,
                               avail < 4096 ? avail : 4096, detail);
            f->start = f->end;
            f->skipping = 1;
            return rc;
        }
        if (f->skipping)
            f->start = f->end;
        int rc = fill(f, timeout_ms);
        if (rc <= 0)
            return rc;
        timeout_ms = 0;
    }
}

static int recv_ldp(ww_endpoint *ep, file_ep *f, ww_in_msg *msg, int timeout_ms) {
    for (;;) {
        /* varint length */
        uint64_t len = 0;
        size_t i = f->start;
        int shift = 0, complete = 0;
        while (i < f->end && shift < 64) {
            uint8_t b = f->buf[i++];
            len |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80)) {
                complete = 1;
                break;
            }
        }
        if (!complete && shift >= 64) {
            f->start = f->end = 0;
            f->eof = 1;
            return ww_seterr(NULL, 0, WW_EMALFORMED, "bad varint");
        }
        if (complete && len > ep->max_msg_bytes) {
            /* cannot resync inside an oversized frame safely: report and stop */
            WW_ERROR(ep->stage, "%s: frame of %llu bytes exceeds %zu; stopping this file",
                     ep->uri.path ? ep->uri.path : "-", (unsigned long long)len,
                     ep->max_msg_bytes);
            f->eof = 1;
            f->start = f->end;
            return WW_ETOOBIG;
        }
        if (complete && f->end - i >= len) {
            file_msg *fm = calloc(1, sizeof *fm);
            if (!fm)
                return WW_ENOMEM;
            fm->data = malloc(len ? len : 1);
            if (!fm->data) {
                free(fm);
                return WW_ENOMEM;
            }
            memcpy(fm->data, f->buf + i, len);
            f->start = i + len;
            f->line_no++;
            msg->handle = fm;
            msg->data = fm->data;
            msg->len = len;
            msg->offset = f->line_no;
            msg->schema = ep->type ? ep->type->name : "";
            return 1;
        }
        int rc = fill(f, timeout_ms);
        if (rc == WW_EEOF && f->end > f->start) {
            WW_WARN(ep->stage, "%s: truncated frame at end of file",
                    ep->uri.path ? ep->uri.path : "-");
            f->start = f->end;
        }
        if (rc <= 0)
            return rc;
        timeout_ms = 0;
    }
}

static int file_recv(ww_endpoint *ep, ww_in_msg *msg, int timeout_ms) {
    file_ep *f = ep->impl;
    msg->topic = ep->uri.path ? ep->uri.path : "stdin";
    return f->fmt == FMT_LDP ? recv_ldp(ep, f, msg, timeout_ms)
                             : recv_line(ep, f, msg, timeout_ms);
}

static void file_release(ww_endpoint *ep, ww_in_msg *msg) {
    file_msg *fm = msg->handle;
    if (!fm)
        return;
    free(fm->data);
    free(fm);
    msg->handle = NULL;
}

static int write_all(file_ep *f, const void *data, size_t len) {
    if (len && fwrite(data, 1, len, f->out) != len)
        return WW_EIO;
    return 0;
}

static int file_send_msg(ww_endpoint *ep, const char *key, const ProtobufCMessage *msg,
                         const char *trace_id, ww_delivery_cb *cb, void *opaque) {
    file_ep *f = ep->impl;
    int rc;
    if (f->fmt == FMT_JSON) {
        size_t n;
        char *s = ww_msg_to_json_text(msg, &n);
        if (!s)
            return WW_ENOMEM;
        rc = write_all(f, s, n);
        if (!rc)
            rc = write_all(f, "\n", 1);
        free(s);
        if (!rc && fflush(f->out) != 0)
            rc = WW_EIO;
    } else {
        /* A protobuf endpoint never writes through stdio (the format is the
         * endpoint's), so the message goes straight to the descriptor. */
        rc = ww_msg_write_delimited(fileno(f->out), msg, &ep->sent_bytes);
    }
    if (rc)
        return rc;
    if (cb)
        cb(opaque, 0);
    return 0;
}

static int file_send_raw(ww_endpoint *ep, const char *key, const uint8_t *data,
                         size_t len, const char *trace_id, ww_delivery_cb *cb,
                         void *opaque) {
    ProtobufCMessage *m = protobuf_c_message_unpack(ep->type, NULL, len, data);
    if (!m)
        return WW_EMALFORMED;
    int rc = file_send_msg(ep, key, m, trace_id, cb, opaque);
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

static int file_flush(ww_endpoint *ep, int timeout_ms) {
    file_ep *f = ep->impl;
    if (f->out)
        fflush(f->out);
    return 0;
}

static void file_close(ww_endpoint *ep) {
    file_ep *f = ep->impl;
    if (!f)
        return;
    if (f->out) {
        fflush(f->out);
        if (!f->is_stdio)
            fclose(f->out);
    }
    if (f->own_fd && f->fd >= 0)
        close(f->fd);
    free(f->buf);
    free(f);
    ep->impl = NULL;
}

static const ww__ep_ops file_ops = {
    .recv = file_recv,
    .release = file_release,
    .send_msg = file_send_msg,
    .send_raw = file_send_raw,
    .flush = file_flush,
    .close = file_close,
};

int ww__ep_file_open(ww_endpoint *ep, const ww_config *cfg, char *err, size_t errlen) {
    file_ep *f = calloc(1, sizeof *f);
    if (!f)
        return WW_ENOMEM;
    f->fd = -1;
    f->is_stdio = ep->uri.kind == WW_EP_STDIO;
    const char *path = ep->uri.path;
    if (f->is_stdio || ww_ends_with(path, ".jsonl") || ww_ends_with(path, ".json"))
        f->fmt = FMT_JSON;
    else if (ep->dir == WW_EP_IN &&
             ep->type == &wirewatch__v1__fetch_request__descriptor &&
             !ww_ends_with(path, ".pb") && !ww_ends_with(path, ".ldp"))
        f->fmt = FMT_URLS;
    else
        f->fmt = FMT_LDP;
    if (ep->dir == WW_EP_IN) {
        if (f->is_stdio) {
            f->fd = STDIN_FILENO;
        } else {
            f->fd = open(path, O_RDONLY | O_CLOEXEC);
            f->own_fd = 1;
            if (f->fd < 0) {
                free(f);
                return ww_seterr(err, errlen, WW_EIO, "%s: %s", path, strerror(errno));
            }
        }
    } else {
        if (f->is_stdio) {
            f->out = stdout;
        } else {
            f->out = fopen(path, f->fmt == FMT_JSON ? "a" : "ab");
            if (!f->out) {
                free(f);
                return ww_seterr(err, errlen, WW_EIO, "%s: %s", path, strerror(errno));
            }
        }
    }
    ep->impl = f;
    ep->ops = &file_ops;
    return 0;
}
