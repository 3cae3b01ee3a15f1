/* Write one length-delimited protobuf message to a file descriptor in one writev,
 * without packing it into a buffer first.
 *
 * protobuf-c's pack_to_buffer hands every piece of the encoding to an append callback:
 * tags and short fields are gathered in a small scratch buffer, and pieces of at least
 * GATHER_REF_MIN bytes (a page body, a long text) are pointed at where they already
 * are.  For the fetch stage's file output this removed a malloc, a 20-80 KB memcpy and
 * a free per page, and a second write(2) for the length prefix (docs/benchmarks.md). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"

#define GATHER_REF_MIN 1024
#define GATHER_IOV_MAX 64 /* per writev call; well under IOV_MAX */

typedef struct {
    const uint8_t *ptr; /* NULL: bytes [off, off+len) of the scratch buffer */
    size_t off, len;
} segment;

typedef struct {
    ProtobufCBuffer base; /* first: protobuf-c calls append(&base, ...) */
    uint8_t *scratch;
    size_t slen, scap;
    segment *seg;
    size_t nseg, segcap;
    int oom;
    /* most messages fit here, so most writes allocate nothing */
    uint8_t scratch0[2048];
    segment seg0[32];
} gather;

/* Grow *buf (which starts as the inline array first) to hold at least need items. */
static void *grow(void *buf, const void *first, size_t *cap, size_t need, size_t size) {
    size_t ncap = *cap;
    while (ncap < need) ncap *= 2;
    void *n = buf == first ? malloc(ncap * size) : realloc(buf, ncap * size);
    if (!n) return NULL;
    if (buf == first) memcpy(n, buf, *cap * size);
    *cap = ncap;
    return n;
}

static int add_segment(gather *g, const uint8_t *ptr, size_t off, size_t len) {
    if (g->nseg && !ptr && !g->seg[g->nseg - 1].ptr) {
        g->seg[g->nseg - 1].len += len; /* scratch bytes follow scratch bytes */
        return 0;
    }
    if (g->nseg == g->segcap) {
        segment *n = grow(g->seg, g->seg0, &g->segcap, g->nseg + 1, sizeof *n);
        if (!n) return -1;
        g->seg = n;
    }
    g->seg[g->nseg++] = (segment){ptr, off, len};
    return 0;
}

static void gather_append(ProtobufCBuffer *b, size_t len, const uint8_t *data) {
    gather *g = (gather *)b;
    if (g->oom || !len) return;
    if (len >= GATHER_REF_MIN) {
        if (add_segment(g, data, 0, len)) g->oom = 1;
        return;
    }
    if (g->slen + len > g->scap) {
        uint8_t *n = grow(g->scratch, g->scratch0, &g->scap, g->slen + len, 1);
        if (!n) {
            g->oom = 1;
            return;
        }
        g->scratch = n;
    }
    memcpy(g->scratch + g->slen, data, len);
    if (add_segment(g, NULL, g->slen, len)) g->oom = 1;
    g->slen += len;
}

/* writev until everything is out: short writes (pipes), EINTR and EAGAIN (a
 * non-blocking descriptor) are carried on from where they stopped. */
static int writev_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        int k = n < GATHER_IOV_MAX ? n : GATHER_IOV_MAX;
        ssize_t w = writev(fd, iov, k);
        if (w < 0) {
            if (errno == EINTR) continue;
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
    gather g;
    g.base = (ProtobufCBuffer){.append = gather_append};
    g.scratch = g.scratch0;
    g.scap = sizeof g.scratch0;
    g.seg = g.seg0;
    g.segcap = sizeof g.seg0 / sizeof *g.seg0;
    g.slen = g.nseg = 0;
    g.oom = 0;
    uint8_t v[10];
    size_t k = 0, x = protobuf_c_message_get_packed_size(msg);
    if (packed_len)
        *packed_len = x;
    do {
        v[k++] = (uint8_t)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
        x >>= 7;
    } while (x);
    gather_append(&g.base, k, v);
    protobuf_c_message_pack_to_buffer(msg, &g.base);
    int rc = WW_ENOMEM;
    struct iovec iov0[32];
    struct iovec *iov = g.nseg <= 32 ? iov0 : malloc(g.nseg * sizeof *iov);
    if (!g.oom && iov) {
        /* scratch may have moved while growing: resolve offsets only now */
        for (size_t i = 0; i < g.nseg; i++) {
            iov[i].iov_base = (void *)(g.seg[i].ptr ? g.seg[i].ptr : g.scratch + g.seg[i].off);
            iov[i].iov_len = g.seg[i].len;
        }
        rc = writev_all(fd, iov, (int)g.nseg);
    }
    if (iov != iov0) free(iov);
    if (g.seg != g.seg0) free(g.seg);
    if (g.scratch != g.scratch0) free(g.scratch);
    return rc;
}
