/* WARC reader: every record of every fixture file read or reported (counts checked
 * against an independent Python decoding of the files), through the file and the
 * memory API, and synthetic damage: garbage, truncation, bad chunking, corrupt gzip
 * members, oversized records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "wirewatch/error.h"
#include "wirewatch/warc.h"

/* ---- helpers --------------------------------------------------------------------- */

static void fixture(const char *name, char *out, size_t outlen) {
    const char *root = getenv("WW_ROOT");
    snprintf(out, outlen, "%s/tests/fixtures/warc/%s", root && *root ? root : ".", name);
}

static uint8_t *slurp(const char *name, size_t *len) {
    char path[512];
    fixture(name, path, sizeof path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* One outcome per ww_warc_next call: a copy of the record or the error. */
struct outcome {
    int rc;
    char type[32], uri[128], ctype[64], digest[64], date[32];
    int status;
    size_t len;
    int64_t offset;
    uint8_t head[24];
    uint8_t tail[16];
    char err[256];
};

#define MAX_OUT 32

static size_t drain(ww_warc_reader *r, struct outcome *o) {
    size_t n = 0;
    for (;;) {
        ww_warc_record rec;
        char err[256] = "";
        assert_true(n < MAX_OUT);
        int rc = ww_warc_next(r, &rec, err, sizeof err);
        if (rc == 0)
            break;
        struct outcome *x = &o[n++];
        memset(x, 0, sizeof *x);
        x->rc = rc;
        if (rc < 0) {
            assert_true(strlen(err) > 10); /* every error says why */
            snprintf(x->err, sizeof x->err, "%s", err);
            continue;
        }
        assert_int_equal(rc, 1);
        snprintf(x->type, sizeof x->type, "%s", rec.type);
        snprintf(x->uri, sizeof x->uri, "%s", rec.target_uri);
        snprintf(x->ctype, sizeof x->ctype, "%s", rec.content_type);
        snprintf(x->digest, sizeof x->digest, "%s", rec.payload_digest);
        snprintf(x->date, sizeof x->date, "%s", rec.date);
        assert_non_null(rec.record_id);
        x->status = rec.http_status;
        x->len = rec.payload_len;
        x->offset = rec.offset;
        memcpy(x->head, rec.payload, rec.payload_len < 24 ? rec.payload_len : 24);
        if (rec.payload_len >= 16)
            memcpy(x->tail, rec.payload + rec.payload_len - 16, 16);
    }
    /* end of file is sticky */
    ww_warc_record rec;
    char err[64];
    assert_int_equal(ww_warc_next(r, &rec, err, sizeof err), 0);
    return n;
}

static size_t read_file(const char *name, size_t max, struct outcome *o) {
    char path[512], err[256];
    fixture(name, path, sizeof path);
    ww_warc_reader *r = ww_warc_open(path, max, err, sizeof err);
    if (!r)
        fail_msg("open %s: %s", path, err);
    size_t n = drain(r, o);
    ww_warc_close(r);
    return n;
}

static size_t read_mem(const uint8_t *data, size_t len, size_t max, struct outcome *o) {
    char err[256];
    ww_warc_reader *r = ww_warc_open_mem(data, len, max, err, sizeof err);
    if (!r)
        fail_msg("open_mem: %s", err);
    size_t n = drain(r, o);
    ww_warc_close(r);
    return n;
}

/* The same bytes through a temporary file: the FILE path (64 KiB reads, seeking back
 * to rescan a corrupt member) must give exactly what the memory path gives. */
static void same_via_file(const uint8_t *data, size_t len, size_t max,
                          const struct outcome *o, size_t n) {
    char path[] = "/tmp/test_warc_XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    ww_warc_reader *r = ww_warc_open(path, max, err, sizeof err);
    assert_non_null(r);
    struct outcome m[MAX_OUT];
    size_t k = drain(r, m);
    ww_warc_close(r);
    unlink(path);
    assert_int_equal(k, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i].rc, o[i].rc);
        assert_string_equal(m[i].type, o[i].type);
        assert_int_equal(m[i].len, o[i].len);
        assert_int_equal(m[i].offset, o[i].offset);
        assert_string_equal(m[i].err, o[i].err);
    }
}

/* The file and memory readers must agree on everything. */
static size_t read_both(const char *name, struct outcome *o) {
    struct outcome m[MAX_OUT];
    size_t n = read_file(name, 0, o), len;
    uint8_t *data = slurp(name, &len);
    assert_int_equal(read_mem(data, len, 0, m), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i].rc, o[i].rc);
        assert_string_equal(m[i].type, o[i].type);
        assert_int_equal(m[i].len, o[i].len);
        assert_int_equal(m[i].offset, o[i].offset);
        assert_memory_equal(m[i].head, o[i].head, sizeof m[i].head);
    }
    free(data);
    return n;
}

static void expect_types(const struct outcome *o, size_t n, const char *const *types) {
    for (size_t i = 0; i < n; i++) {
        if (types[i] == NULL)
            assert_true(o[i].rc < 0);
        else {
            assert_int_equal(o[i].rc, 1);
            assert_string_equal(o[i].type, types[i]);
        }
    }
}

/* gzip member of data appended to *buf */
static void gz_append(uint8_t **buf, size_t *len, const void *data, size_t n) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, n) + 64;
    *buf = realloc(*buf, *len + cap);
    assert_non_null(*buf);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)n;
    zs.next_out = *buf + *len;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *len += cap - zs.avail_out;
    deflateEnd(&zs);
}

/* raw (windowBits) compression of data into a malloc'd buffer */
static uint8_t *zip(const void *data, size_t n, int wbits, size_t *outlen) {
    uint8_t *b = NULL;
    size_t len = 0;
    if (wbits == 31) {
        gz_append(&b, &len, data, n);
    } else {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        size_t cap = deflateBound(&zs, n) + 64;
        b = malloc(cap);
        zs.next_in = (Bytef *)data;
        zs.avail_in = (uInt)n;
        zs.next_out = b;
        zs.avail_out = (uInt)cap;
        assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
        len = cap - zs.avail_out;
        deflateEnd(&zs);
    }
    *outlen = len;
    return b;
}

/* A WARC record with the given extra header lines and block. */
static char *record(const char *type, const char *extra, const void *block, size_t blen,
                    size_t *outlen) {
    char head[1024];
    int h = snprintf(head, sizeof head,
                     "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:%s>\r\n"
                     "WARC-Date: 2024-05-01T10:00:00Z\r\n%sContent-Length: %zu\r\n\r\n",
                     type, type, extra, blen);
    char *out = malloc((size_t)h + blen + 4);
    memcpy(out, head, (size_t)h);
    memcpy(out + h, block, blen);
    memcpy(out + h + blen, "\r\n\r\n", 4);
    *outlen = (size_t)h + blen + 4;
    return out;
}

static void cat(uint8_t **buf, size_t *len, const void *data, size_t n) {
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
}

static void cat_record(uint8_t **buf, size_t *len, const char *type, const char *extra,
                       const void *block, size_t blen) {
    size_t rl;
    char *rec = record(type, extra, block, blen, &rl);
    cat(buf, len, rec, rl);
    free(rec);
}

static const char HTTP_RESP_TYPE[] =
    "Content-Type: application/http; msgtype=response\r\n"
    "WARC-Target-URI: http://example.com/x\r\n";

/* ---- fixture files --------------------------------------------------------------- */

static void test_cc(void **state) {
    struct outcome o[MAX_OUT];
    size_t n = read_both("cc.warc.gz", o);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].rc, 1);
    assert_string_equal(o[0].type, "response");
    assert_string_equal(o[0].uri, "http://commoncrawl.org/");
    assert_string_equal(o[0].date, "2019-12-10T10:00:01Z");
    assert_string_equal(o[0].digest, "sha1:CIBK2YFSVPNDFLXUHSKZG2SPN7UNN65W");
    assert_int_equal(o[0].status, 200);
    assert_string_equal(o[0].ctype, "text/html; charset=UTF-8");
    /* X-Crawler-Transfer-Encoding/-Content-Encoding: the body is stored decoded */
    assert_int_equal(o[0].len, 20289);
    assert_memory_equal(o[0].head, "\n<!DOCTYPE html>", 16);
    assert_int_equal(o[0].offset, 0);
}

static void test_example_multimember(void **state) {
    static const char *const types[] = {"warcinfo", "warcinfo", "response",
                                        "request",  "revisit",  "request"};
    static const int64_t offsets[] = {0, 353, 784, 2012, 2621, 3207};
    struct outcome o[MAX_OUT];
    size_t n = read_both("example.warc.gz", o);
    assert_int_equal(n, 6);
    expect_types(o, n, types);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(o[i].offset, offsets[i]); /* each record's gzip member */
    assert_int_equal(o[0].len, 249);
    assert_string_equal(o[0].ctype, "application/warc-fields");
    assert_int_equal(o[0].status, 0);
    /* response: Content-Encoding gzip decoded (606 bytes on the wire) */
    assert_int_equal(o[2].status, 200);
    assert_string_equal(o[2].ctype, "text/html");
    assert_string_equal(o[2].uri, "http://example.com/");
    assert_int_equal(o[2].len, 1270);
    assert_memory_equal(o[2].head, "<!doctype html>", 15);
    assert_memory_equal(o[2].tail + 16 - 8, "</html>\n", 8);
    /* request records keep their block */
    assert_int_equal(o[3].len, 493);
    assert_memory_equal(o[3].head, "GET / HTTP/1.0", 14);
    /* revisit: HTTP headers only */
    assert_int_equal(o[4].status, 200);
    assert_int_equal(o[4].len, 0);
}

static void test_single_stream_gzip(void **state) {
    static const char *const types[] = {"warcinfo", "warcinfo", "response",
                                        "request",  "revisit",  "request"};
    struct outcome o[MAX_OUT];
    size_t n = read_both("example-bad-non-chunked.warc.gz", o);
    assert_int_equal(n, 6);
    expect_types(o, n, types);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(o[i].offset, 0); /* one member holds every record */
    assert_int_equal(o[2].len, 1270);
    assert_memory_equal(o[2].head, "<!doctype html>", 15);
}

static void test_chunked(void **state) {
    static const char *const types[] = {"warcinfo", "response", "request"};
    struct outcome o[MAX_OUT];
    size_t n = read_both("example-iana.org-chunked.warc", o);
    assert_int_equal(n, 3);
    expect_types(o, n, types);
    assert_int_equal(o[0].offset, 0);
    assert_int_equal(o[1].offset, 405);
    assert_int_equal(o[2].offset, 8379);
    assert_string_equal(o[1].uri, "http://www.iana.org/");
    assert_string_equal(o[1].ctype, "text/html; charset=UTF-8");
    assert_int_equal(o[1].len, 0x1c37); /* the single chunk, de-chunked */
    assert_memory_equal(o[1].head, "<!doctype html>", 15);
    assert_memory_equal(o[1].tail + 16 - 8, "</html>\n", 8);
}

static void test_resource(void **state) {
    static const char *const types[] = {"warcinfo", "warcinfo", "resource"};
    struct outcome o[MAX_OUT];
    size_t n = read_both("example-resource.warc.gz", o);
    assert_int_equal(n, 3);
    expect_types(o, n, types);
    assert_int_equal(o[2].offset, 802);
    assert_int_equal(o[2].status, 0);
    assert_string_equal(o[2].ctype, "text/html; charset=utf-8");
    assert_string_equal(o[2].uri, "http://example.com/");
    assert_int_equal(o[2].len, 1303);
    assert_memory_equal(o[2].head, "<!DOCTYPE html>", 15);
}

static void test_truncated_record(void **state) {
    /* the response's Content-Length is 973 for a 975-byte block: reported, and the
     * request record after it still read */
    static const char *const types[] = {"warcinfo", "warcinfo", NULL, "request"};
    struct outcome o[MAX_OUT];
    size_t n = read_both("example-trunc.warc", o);
    assert_int_equal(n, 4);
    expect_types(o, n, types);
    assert_int_equal(o[2].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[2].err, "offset 1197"));
    assert_non_null(strstr(o[2].err, "Content-Length 973"));
    assert_int_equal(o[3].offset, 2566);
}

static void test_members_across_records(void **state) {
    static const char *const types[] = {"response", "request"};
    struct outcome o[MAX_OUT];
    size_t n = read_both("example-wrong-chunks.warc.gz", o);
    assert_int_equal(n, 2);
    expect_types(o, n, types);
    assert_int_equal(o[0].offset, 0);
    assert_int_equal(o[0].status, 200);
    assert_int_equal(o[0].len, 1270);
    assert_int_equal(o[1].offset, 1130);
}

static void test_stats_and_missing_file(void **state) {
    char err[256], path[512];
    fixture("example-trunc.warc", path, sizeof path);
    ww_warc_reader *r = ww_warc_open(path, 0, err, sizeof err);
    assert_non_null(r);
    struct outcome o[MAX_OUT];
    drain(r, o);
    uint64_t recs, errs;
    ww_warc_stats(r, &recs, &errs);
    assert_int_equal(recs, 3);
    assert_int_equal(errs, 1);
    ww_warc_close(r);
    ww_warc_close(NULL);
    assert_null(ww_warc_open("/nonexistent/x.warc.gz", 0, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.warc.gz"));
}

/* ---- synthetic damage -------------------------------------------------------------- */

static void test_garbage_between_records(void **state) {
    uint8_t *b = NULL;
    size_t len = 0;
    cat_record(&b, &len, "resource", "", "one", 3);
    cat(&b, &len, "junk junk\nmore WARC/1.0 junk\n", 29);
    cat_record(&b, &len, "resource", "", "two", 3);
    struct outcome o[MAX_OUT];
    size_t n = read_mem(b, len, 0, o);
    assert_int_equal(n, 3);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[1].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[1].err, "garbage"));
    assert_int_equal(o[2].rc, 1);
    assert_memory_equal(o[2].head, "two", 3);
    free(b);
}

static void test_content_length_past_eof(void **state) {
    uint8_t *b = NULL;
    size_t len = 0;
    cat_record(&b, &len, "resource", "", "one", 3);
    cat(&b, &len, "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 5000\r\n\r\nshort",
        61);
    struct outcome o[MAX_OUT];
    size_t n = read_mem(b, len, 0, o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[1].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[1].err, "truncated"));
    free(b);
}

static void test_header_problems(void **state) {
    uint8_t *b = NULL;
    size_t len = 0;
    /* no Content-Length, a bad one, a header cut by end of file */
    cat(&b, &len, "WARC/1.0\r\nWARC-Type: resource\r\n\r\nabc\r\n\r\n", 40);
    cat(&b, &len, "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 12x\r\n\r\n", 54);
    cat_record(&b, &len, "metadata", "", "ok", 2);
    cat(&b, &len, "WARC/1.0\r\nWARC-Type: resou", 26);
    struct outcome o[MAX_OUT];
    size_t n = read_mem(b, len, 0, o);
    assert_int_equal(n, 4);
    assert_int_equal(o[0].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[0].err, "no Content-Length"));
    assert_int_equal(o[1].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[1].err, "bad Content-Length"));
    assert_int_equal(o[2].rc, 1);
    assert_string_equal(o[2].type, "metadata");
    assert_int_equal(o[3].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[3].err, "inside its header"));
    free(b);

    /* a header longer than the limit */
    b = NULL;
    len = 0;
    cat(&b, &len, "WARC/1.0\r\n", 10);
    char line[100];
    memset(line, 'a', sizeof line);
    memcpy(line, "X-Pad: ", 7);
    line[98] = '\r';
    line[99] = '\n';
    for (size_t i = 0; i < WW_WARC_MAX_HEADER / 100 + 10; i++)
        cat(&b, &len, line, sizeof line);
    cat(&b, &len, "Content-Length: 0\r\n\r\n\r\n\r\n", 25);
    cat_record(&b, &len, "resource", "", "after", 5);
    n = read_mem(b, len, 0, o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[0].err, "longer than"));
    assert_int_equal(o[1].rc, 1);
    assert_memory_equal(o[1].head, "after", 5);
    free(b);
}

static void test_too_big_is_skipped(void **state) {
    size_t big = 3u << 20;
    uint8_t *block = malloc(big);
    memset(block, 'x', big);
    uint8_t *b = NULL;
    size_t len = 0;
    cat_record(&b, &len, "resource", "", block, big);
    cat_record(&b, &len, "resource", "", "small", 5);
    struct outcome o[MAX_OUT];
    size_t n = read_mem(b, len, 1 << 20, o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].rc, WW_ETOOBIG);
    assert_non_null(strstr(o[0].err, "over the limit"));
    assert_int_equal(o[1].rc, 1);
    assert_memory_equal(o[1].head, "small", 5);
    same_via_file(b, len, 1 << 20, o, n);

    /* and the same through gzip, one member per record */
    uint8_t *g = NULL;
    size_t glen = 0, rl;
    char *r1 = record("resource", "", block, big, &rl);
    gz_append(&g, &glen, r1, rl);
    free(r1);
    r1 = record("resource", "", "small", 5, &rl);
    gz_append(&g, &glen, r1, rl);
    free(r1);
    n = read_mem(g, glen, 1 << 20, o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].rc, WW_ETOOBIG);
    assert_int_equal(o[1].rc, 1);
    assert_true(o[1].offset > 0);
    same_via_file(g, glen, 1 << 20, o, n);
    /* under the limit, the big record is read whole, through both paths */
    n = read_mem(g, glen, 0, o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[0].len, big);
    same_via_file(g, glen, 0, o, n);
    free(g);
    free(b);
    free(block);
}

static void test_http_payloads(void **state) {
    static const char html[] = "<html><body>hello chunked world</body></html>";
    uint8_t *b = NULL;
    size_t len = 0;
    char blk[4096];
    int bl;
    /* 1: two chunks with an extension, trailers after the last */
    bl = snprintf(
        blk, sizeof blk,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
        "5;ext=1\r\n<html\r\n%zx\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n",
        strlen(html) - 5, html + 5);
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl);
    /* 2: bad chunk size in the middle */
    bl = snprintf(
        blk, sizeof blk,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nabc\r\n0\r\n\r\n");
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl);
    /* 3: chunk running past the block */
    bl = snprintf(blk, sizeof blk,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nhello\r\n");
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl);
    /* 4: "chunked" header over a body that was stored decoded: kept as is */
    bl = snprintf(
        blk, sizeof blk,
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n<p>plain</p>");
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl);
    /* 5: deflate as raw deflate, 6: deflate as zlib, 7: br, 8: corrupt gzip */
    size_t zl;
    uint8_t *z = zip(html, strlen(html), -15, &zl);
    bl =
        snprintf(blk, sizeof blk, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n");
    memcpy(blk + bl, z, zl);
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl + zl);
    free(z);
    z = zip(html, strlen(html), 15, &zl);
    memcpy(blk + bl, z, zl);
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl + zl);
    free(z);
    /* brotli.compress(html) by python3-brotli */
    static const char br[] =
        "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n"
        "\x1b\x2c\x00\xf8\x8d\xd4\x4e\x79\xe8\x02\x49\x4f\x96\xea\x53"
        "\xf8\xde\xca\x49\x90\x08\xb4\x1e\x84\x96\x5d\x84\xd1\x2d\x64"
        "\x02\xcc\x38\xc4\x9b\x56\xcc\x50\xfc\x5b\x19\x60\x1c";
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, br, sizeof br - 1);
    static const char badgz[] = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"
                                "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!";
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, badgz, sizeof badgz - 1);
    /* 12: an encoding nobody decodes, 13: br cut short */
    bl = snprintf(blk, sizeof blk,
                  "HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\n(\xb5/\xfd");
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, blk, (size_t)bl);
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, br, sizeof br - 10);
    /* 9: no status line, 10: a dns: response (not HTTP) keeps its block */
    cat_record(&b, &len, "response", HTTP_RESP_TYPE, "hello", 5);
    cat_record(&b, &len, "response",
               "Content-Type: text/dns\r\nWARC-Target-URI: <dns:example.com>\r\n",
               "20240501 example.com. 300 IN A 1.2.3.4\n", 39);
    /* 11: WARC-Truncated: a chunk cut by the crawler is accepted */
    bl = snprintf(blk, sizeof blk,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly 8 b");
    cat_record(
        &b, &len, "response",
        "Content-Type: application/http;msgtype=response\r\nWARC-Truncated: length\r\n",
        blk, (size_t)bl);

    struct outcome o[MAX_OUT];
    size_t n = read_mem(b, len, 0, o);
    assert_int_equal(n, 13);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[0].status, 200);
    assert_string_equal(o[0].ctype, "text/html");
    assert_int_equal(o[0].len, strlen(html));
    assert_memory_equal(o[0].head, html, 24);
    assert_string_equal(o[0].uri, "http://example.com/x");
    assert_int_equal(o[1].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[1].err, "chunk"));
    assert_int_equal(o[2].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[2].err, "past the end"));
    assert_int_equal(o[3].rc, 1);
    assert_int_equal(o[3].status, 404);
    assert_int_equal(o[3].len, 12);
    assert_int_equal(o[4].rc, 1);
    assert_int_equal(o[4].len, strlen(html));
    assert_memory_equal(o[4].head, html, 24);
    assert_int_equal(o[5].rc, 1);
    assert_int_equal(o[5].len, strlen(html));
    assert_int_equal(o[6].rc, 1);
    assert_int_equal(o[6].len, strlen(html));
    assert_memory_equal(o[6].head, html, 24);
    assert_int_equal(o[7].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[7].err, "compressed payload"));
    assert_int_equal(o[8].rc, WW_EUNSUPPORTED);
    assert_non_null(strstr(o[8].err, "\"zstd\""));
    assert_int_equal(o[9].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[9].err, "brotli payload is truncated"));
    assert_int_equal(o[10].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[10].err, "HTTP"));
    assert_int_equal(o[11].rc, 1);
    assert_int_equal(o[11].status, 0);
    assert_string_equal(o[11].uri, "dns:example.com"); /* <> stripped */
    assert_string_equal(o[11].ctype, "text/dns");
    assert_int_equal(o[11].len, 39);
    assert_int_equal(o[12].rc, 1);
    assert_int_equal(o[12].len, 8);
    free(b);
}

static void test_gzip_damage(void **state) {
    size_t len;
    uint8_t *data = slurp("example.warc.gz", &len);
    struct outcome o[MAX_OUT];
    size_t n;

    /* corrupt the deflate data of the 3rd member (offset 784, 1228 bytes long) */
    uint8_t *bad = malloc(len);
    memcpy(bad, data, len);
    for (size_t i = 784 + 100; i < 784 + 140; i++)
        bad[i] ^= 0x5a;
    n = read_mem(bad, len, 0, o);
    /* warcinfo, warcinfo, error, request, revisit, request */
    assert_int_equal(n, 6);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[1].rc, 1);
    assert_int_equal(o[2].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[2].err, "gzip"));
    assert_int_equal(o[n - 1].rc, 1);
    assert_int_equal(o[n - 1].offset, 3207);
    assert_int_equal(o[n - 2].offset, 2621);
    assert_int_equal(o[n - 3].offset, 2012);
    same_via_file(bad, len, 0, o, n);

    /* garbage between gzip members */
    uint8_t *g = malloc(len + 7);
    memcpy(g, data, 784);
    memcpy(g + 784, "GARBAGE", 7);
    memcpy(g + 791, data + 784, len - 784);
    n = read_mem(g, len + 7, 0, o);
    assert_int_equal(n, 7);
    assert_int_equal(o[2].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[2].err, "non-gzip"));
    assert_int_equal(o[3].rc, 1);
    assert_string_equal(o[3].type, "response");
    assert_int_equal(o[3].offset, 791);
    same_via_file(g, len + 7, 0, o, n);

    /* file cut in the middle of the 4th member */
    n = read_mem(data, 2300, 0, o);
    assert_int_equal(n, 4);
    assert_int_equal(o[2].rc, 1);
    assert_int_equal(o[3].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[3].err, "truncated"));
    same_via_file(data, 2300, 0, o, n);

    free(g);
    free(bad);
    free(data);
}

static void test_big_corrupt_member(void **state) {
    /* a 300 KB member (incompressible bytes) corrupt in its middle: the file reader has
     * to seek back past its 64 KiB buffer to look for the next member */
    size_t big = 300000, glen = 0, rl;
    uint8_t *block = malloc(big), *g = NULL;
    uint32_t x = 12345;
    for (size_t i = 0; i < big; i++) {
        x = x * 1103515245u + 12345u;
        block[i] = (uint8_t)(x >> 23);
    }
    char *r1 = record("resource", "", block, big, &rl);
    gz_append(&g, &glen, r1, rl);
    free(r1);
    size_t second = glen;
    r1 = record("resource", "", "next", 4, &rl);
    gz_append(&g, &glen, r1, rl);
    free(r1);
    for (size_t i = second / 2; i < second / 2 + 64; i++)
        g[i] ^= 0xa5;
    struct outcome o[MAX_OUT];
    size_t n = read_mem(g, glen, 0, o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].rc, WW_EMALFORMED);
    assert_non_null(strstr(o[0].err, "corrupt gzip member at offset 0"));
    assert_int_equal(o[1].rc, 1);
    assert_int_equal(o[1].offset, (int64_t)second);
    assert_memory_equal(o[1].head, "next", 4);
    same_via_file(g, glen, 0, o, n);
    free(g);
    free(block);
}

static void test_empty_and_blank(void **state) {
    struct outcome o[MAX_OUT];
    assert_int_equal(read_mem(NULL, 0, 0, o), 0);
    assert_int_equal(read_mem((const uint8_t *)"\r\n\r\n\n", 5, 0, o), 0);
    /* a record without the CRLFCRLF terminator, at end of file, is still whole */
    static const char r[] =
        "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 2\r\n\r\nhi";
    assert_int_equal(read_mem((const uint8_t *)r, sizeof r - 1, 0, o), 1);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[0].len, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cc),
        cmocka_unit_test(test_example_multimember),
        cmocka_unit_test(test_single_stream_gzip),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_resource),
        cmocka_unit_test(test_truncated_record),
        cmocka_unit_test(test_members_across_records),
        cmocka_unit_test(test_stats_and_missing_file),
        cmocka_unit_test(test_garbage_between_records),
        cmocka_unit_test(test_content_length_past_eof),
        cmocka_unit_test(test_header_problems),
        cmocka_unit_test(test_too_big_is_skipped),
        cmocka_unit_test(test_http_payloads),
        cmocka_unit_test(test_gzip_damage),
        cmocka_unit_test(test_big_corrupt_member),
        cmocka_unit_test(test_empty_and_blank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
