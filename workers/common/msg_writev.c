/* Write one length-delimited protobuf message to a file descriptor in one writev,
 * without copying its large fields.
 *
 * Top-level bytes and string fields of at least DETACH_MIN bytes (a page body, an
 * article text) are lent out of the message while protobuf_c_message_pack packs the
 * rest into a small buffer, then written after it, each with its own tag and length,
 * straight from where they are.  Protobuf readers accept fields in any order, and
 * protobuf promises no canonical byte order anyway (tests compare decoded messages).
 * For the fetch stage's file output this removed a malloc, a 20-80 KB memcpy and a
 * free per page, and a second write(2) for the length prefix; lending the fields out
 * costs a third of protobuf-c's pack_to_buffer, which hands every tag and length to a
 * callback (docs/benchmarks.md). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"

#define DETACH_MIN 4096
#define DETACH_MAX 4
#define IOV_PER_CALL 64 /* well under IOV_MAX */

typedef struct {
    void *slot;   /* the field in the message */
    int is_bytes; /* ProtobufCBinaryData, else char * */
    const uint8_t *data;
    size_t len;
    uint8_t hdr[20]; /* tag + length varints */
    size_t hlen;
} lent;

static size_t put_varint(uint8_t *o, uint64_t x) {
    size_t k = 0;
    do {
        o[k++] = (uint8_t)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
        x >>= 7;
    } while (x);
    return k;
}

/* Lend out the big top-level fields with implicit presence (proto3: an empty value is
 * not written, so the packed rest simply lacks them). */
static int lend_fields(ProtobufCMessage *m, lent *out) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    int n = 0;
    for (unsigned i = 0; i < d->n_fields && n < DETACH_MAX; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_NONE || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        void *slot = (char *)m + f->offset;
        lent *l = &out[n];
        if (f->type == PROTOBUF_C_TYPE_BYTES) {
            ProtobufCBinaryData *bd = slot;
            if (bd->len < DETACH_MIN)
                continue;
            l->data = bd->data;
            l->len = bd->len;
            l->is_bytes = 1;
            bd->len = 0;
        } else if (f->type == PROTOBUF_C_TYPE_STRING) {
            char **s = slot;
            size_t len = *s ? strlen(*s) : 0;
            if (len < DETACH_MIN)
                continue;
            l->data = (const uint8_t *)*s;
            l->len = len;
            l->is_bytes = 0;
            *s = (char *)"";
        } else {
            continue;
        }
        l->slot = slot;
        l->hlen = put_varint(l->hdr, ((uint64_t)f->id << 3) | 2); /* wire type 2 */
        l->hlen += put_varint(l->hdr + l->hlen, l->len);
        n++;
    }
    return n;
}

static void return_fields(lent *l, int n) {
    for (int i = 0; i < n; i++) {
        if (l[i].is_bytes)
            ((ProtobufCBinaryData *)l[i].slot)->len = l[i].len;
        else
            *(const char **)l[i].slot = (const char *)l[i].data;
    }
}

/* writev until everything is out: short writes (pipes), EINTR and EAGAIN (a
 * non-blocking descriptor) are carried on from where they stopped. */
static int writev_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        int k = n < IOV_PER_CALL ? n : IOV_PER_CALL;
        ssize_t w = writev(fd, iov, k);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd p = {.fd = fd, .events = POLLOUT};
                poll(&p, 1, 1000);
                continue;
            }
            return WW_EIO;
        }
        size_t done = (size_t)w;
        while (n > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return 0;
}

int ww_msg_write_delimited(int fd, const ProtobufCMessage *msg, size_t *packed_len) {
    /* The message is the caller's and is not shared while we write it: its big
     * fields are lent out and put back before this returns. */
    ProtobufCMessage *m = (ProtobufCMessage *)msg;
    lent l[DETACH_MAX];
    int nl = lend_fields(m, l);
    uint8_t small[4096];
    size_t rest = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = rest <= sizeof small ? small : malloc(rest);
    if (buf)
        protobuf_c_message_pack(m, buf);
    return_fields(l, nl);
    if (!buf)
        return WW_ENOMEM;

    size_t total = rest;
    for (int i = 0; i < nl; i++)
        total += l[i].hlen + l[i].len;
    if (packed_len)
        *packed_len = total;
    uint8_t prefix[10];
    struct iovec iov[2 + 2 * DETACH_MAX];
    int n = 0;
    iov[n++] = (struct iovec){prefix, put_varint(prefix, total)};
    if (rest)
        iov[n++] = (struct iovec){buf, rest};
    for (int i = 0; i < nl; i++) {
        iov[n++] = (struct iovec){l[i].hdr, l[i].hlen};
        iov[n++] = (struct iovec){(void *)l[i].data, l[i].len};
    }
    int rc = writev_all(fd, iov, n);
    if (buf != small)
        free(buf);
    return rc;
}
