/* Fuzz the WARC reader: ww_warc_open_mem + ww_warc_next to the end.
 *
 * First byte: bits 0-1 pick max_record_bytes (tiny limits reach the skip path),
 * bit 2 gzips the rest first, split into members at points taken from the next two
 * bytes (members that cut records anywhere, as some writers do). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "wirewatch/warc.h"

static size_t gz_member(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const size_t limits[] = {0, 16, 300, 4096};
    if (size < 1 || size > (1 << 20))
        return 0;
    uint8_t flags = data[0];
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    uint8_t *gz = NULL;
    if ((flags & 4) && len >= 2) {
        size_t a = body[0] % (len - 1), b = a + body[1] % (len - 1 - a + 1);
        body += 2;
        len -= 2;
        if (a > len)
            a = len;
        if (b > len)
            b = len;
        size_t cap = 3 * (len + 64) + 256, n = 0;
        gz = malloc(cap);
        n += gz_member(body, a, gz + n, cap - n);
        n += gz_member(body + a, b - a, gz + n, cap - n);
        n += gz_member(body + b, len - b, gz + n, cap - n);
        body = gz;
        len = n;
    }
    char err[256];
    ww_warc_reader *r = ww_warc_open_mem(body, len, limits[flags & 3], err, sizeof err);
    if (!r)
        abort(); /* only ENOMEM may fail, and we do not run out */
    /* every call consumes input, so the loop ends; a stuck reader is a bug */
    for (size_t calls = 0;; calls++) {
        ww_warc_record rec;
        int rc = ww_warc_next(r, &rec, err, sizeof err);
        if (rc == 0)
            break;
        if (calls > len + 16)
            abort();
        if (rc == 1) {
            /* touch everything the caller may use */
            volatile size_t sink = strlen(rec.type) + strlen(rec.target_uri) +
                                   strlen(rec.date) + strlen(rec.payload_digest) +
                                   strlen(rec.record_id) + strlen(rec.content_type);
            if (rec.payload_len)
                sink += rec.payload[0] + rec.payload[rec.payload_len - 1];
            (void)sink;
            if (rec.http_status < 0 || rec.http_status > 999)
                abort();
        } else if (err[0] == '\0') {
            abort(); /* every error says why */
        }
    }
    ww_warc_close(r);
    free(gz);
    return 0;
}
