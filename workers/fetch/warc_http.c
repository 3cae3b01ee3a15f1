/* The HTTP message inside a response (or revisit) record: status line, Content-Type,
 * chunked transfer coding removed and a gzip, deflate or br Content-Encoding decoded,
 * so the payload is the entity body a browser would see. */
#include <brotli/decode.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warc_internal.h"
#include "wirewatch/error.h"

/* ---- HTTP payload ------------------------------------------------------------------ */

/* Remove chunked transfer coding in place.  0 = ok (*n updated), 1 = the body does not
 * start with a chunk-size line: a crawler that stored the decoded body but kept the
 * header (warcio treats it the same way), <0 = malformed with err. */
static int dechunk(uint8_t *b, size_t *n, int truncated_ok, char *msg, size_t msglen) {
    size_t in = 0, out = 0, len = *n;
    for (int first = 1;; first = 0) {
        uint64_t size = 0;
        size_t digits = 0;
        while (in < len) {
            int c = b[in], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                d = (c | 0x20) - 'a' + 10;
            else
                break;
            if (size > (UINT64_MAX >> 4))
                return ww_seterr(msg, msglen, WW_EMALFORMED, "chunk size overflows");
            size = size * 16 + (uint64_t)d;
            digits++;
            in++;
        }
        if (digits == 0) {
            if (first)
                return 1;
            if (in >= len && truncated_ok)
                break;
            return ww_seterr(msg, msglen, WW_EMALFORMED,
                             in >= len ? "chunked body ends without its last chunk"
                                       : "bad chunk size line at body byte %zu",
                             in);
        }
        while (in < len && b[in] != '\n') /* chunk extensions */
            in++;
        if (in >= len) {
            if (truncated_ok)
                break;
            return ww_seterr(msg, msglen, WW_EMALFORMED, "truncated chunk size line");
        }
        in++;
        if (size == 0)
            break; /* trailers, if any, are not payload */
        if (size > len - in) {
            if (!truncated_ok)
                return ww_seterr(
                    msg, msglen, WW_EMALFORMED,
                    "chunk of %" PRIu64 " bytes runs past the end of the record", size);
            size = len - in;
        }
        memmove(b + out, b + in, (size_t)size);
        out += (size_t)size;
        in += (size_t)size;
        if (in < len && b[in] == '\r')
            in++;
        if (in < len && b[in] == '\n')
            in++;
        else if (in < len || !truncated_ok)
            return ww_seterr(msg, msglen, WW_EMALFORMED,
                             "chunk data not followed by CRLF at body byte %zu", in);
    }
    *n = out;
    return 0;
}

/* Room for more decoded bytes in r->dec (which holds `used`), up to max_record. */
static int grow_dec(ww_warc_reader *r, size_t used, size_t in_len, char *msg,
                    size_t msglen) {
    if (used < r->dec_cap)
        return 0;
    if (r->dec_cap >= r->max_record)
        return ww_seterr(msg, msglen, WW_ETOOBIG,
                         "decoded payload exceeds the limit of %zu bytes", r->max_record);
    size_t cap = r->dec_cap ? r->dec_cap * 2 : (in_len * 4 > 65536 ? in_len * 4 : 65536);
    if (cap > r->max_record)
        cap = r->max_record;
    uint8_t *p = realloc(r->dec, cap);
    if (!p)
        return ww_seterr(msg, msglen, WW_ENOMEM, "out of memory decoding payload");
    r->dec = p;
    r->dec_cap = cap;
    return 0;
}

/* Decode a gzip/zlib (or raw deflate when raw) payload into r->dec. */
static int inflate_payload(ww_warc_reader *r, const uint8_t *src, size_t len, int raw,
                           int truncated_ok, size_t *outlen, char *msg, size_t msglen) {
    z_stream zs;
    int rc, ret = 0;
    size_t out = 0;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, raw ? -15 : 15 + 32) != Z_OK)
        return ww_seterr(msg, msglen, WW_ENOMEM, "zlib init failed");
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    for (;;) {
        if ((ret = grow_dec(r, out, len, msg, msglen)) < 0)
            goto out;
        size_t room = r->dec_cap - out;
        zs.next_out = r->dec + out;
        zs.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
        size_t before = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        out += before - zs.avail_out;
        if (rc == Z_STREAM_END) {
            /* concatenated gzip members are one body; anything else after is ignored,
             * as browsers do */
            if (zs.avail_in >= 3 && ww__warc_is_gzip_magic(zs.next_in) && !raw) {
                inflateReset(&zs);
                continue;
            }
            break;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && zs.avail_out == 0)
            continue;
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            if (truncated_ok)
                break;
            ret =
                ww_seterr(msg, msglen, WW_EMALFORMED, "compressed payload is truncated");
            goto out;
        }
        ret = ww_seterr(msg, msglen, WW_EMALFORMED, "compressed payload is corrupt (%s)",
                        zs.msg ? zs.msg : "inflate failed");
        goto out;
    }
    *outlen = out;
out:
    inflateEnd(&zs);
    return ret;
}

/* Decode a brotli payload (browser-based crawlers store br bodies) into r->dec. */
static int brotli_payload(ww_warc_reader *r, const uint8_t *src, size_t len,
                          int truncated_ok, size_t *outlen, char *msg, size_t msglen) {
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    const uint8_t *next_in = src;
    size_t avail_in = len, out = 0;
    int ret = 0;
    if (!st)
        return ww_seterr(msg, msglen, WW_ENOMEM, "brotli init failed");
    for (;;) {
        if ((ret = grow_dec(r, out, len, msg, msglen)) < 0)
            goto out;
        size_t avail_out = r->dec_cap - out;
        uint8_t *next_out = r->dec + out;
        BrotliDecoderResult res = BrotliDecoderDecompressStream(
            st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        out = (size_t)(next_out - r->dec);
        if (res == BROTLI_DECODER_RESULT_SUCCESS)
            break;
        if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            continue;
        if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            if (truncated_ok)
                break;
            ret = ww_seterr(msg, msglen, WW_EMALFORMED, "brotli payload is truncated");
            goto out;
        }
        ret = ww_seterr(msg, msglen, WW_EMALFORMED, "brotli payload is corrupt (%s)",
                        BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st)));
        goto out;
    }
    *outlen = out;
out:
    BrotliDecoderDestroyInstance(st);
    return ret;
}

/* Does the comma-separated header value contain token (case-insensitive)? */
static int has_token(const char *v, const char *token) {
    size_t tl = strlen(token);
    while (v && *v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *e = v;
        while (*e && *e != ',' && *e != ' ' && *e != '\t' && *e != ';')
            e++;
        if ((size_t)(e - v) == tl && !strncasecmp(v, token, tl))
            return 1;
        v = strchr(e, ',');
    }
    return 0;
}

/* Parse the block as an HTTP response and set status, content type and payload. */
int ww__warc_parse_http(ww_warc_reader *r, ww_warc_record *rec, size_t blen,
                        int is_revisit, int truncated_ok, char *msg, size_t msglen) {
    uint8_t *b = r->block;
    size_t hlen = ww__warc_header_end(b, blen, 0);
    if (hlen == 0) {
        if (!is_revisit)
            return ww_seterr(msg, msglen, WW_EMALFORMED,
                             "HTTP headers are not terminated");
        hlen = blen; /* a revisit may store the headers alone */
    }
    /* The header bytes are ours: NUL-terminate values in place (a separate copy of the
     * header area keeps the payload bytes untouched). */
    uint8_t *body = b + hlen;
    size_t body_len = blen - hlen;
    char *h = (char *)b;
    h[hlen - 1] = '\0';
    if (strncmp(h, "HTTP/", 5) != 0)
        return ww_seterr(msg, msglen, WW_EMALFORMED, "no HTTP status line");
    const char *s = h + 5;
    while (*s && *s != ' ' && *s != '\n')
        s++;
    while (*s == ' ')
        s++;
    if (!(s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
          s[2] <= '9' && (s[3] == ' ' || s[3] == '\r' || s[3] == '\n' || s[3] == '\0')))
        return ww_seterr(msg, msglen, WW_EMALFORMED, "bad HTTP status line");
    rec->http_status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');

    const char *ctype = NULL, *te = NULL, *ce = NULL;
    char *line, *val, *cur = h;
    while (ww__warc_next_field(&cur, &line, &val)) {
        if (!ctype && !strcasecmp(line, "Content-Type"))
            ctype = val;
        else if (!te && !strcasecmp(line, "Transfer-Encoding"))
            te = val;
        else if (!ce && !strcasecmp(line, "Content-Encoding"))
            ce = val;
    }
    rec->content_type = ctype ? ctype : "";

    if (te && has_token(te, "chunked") && body_len) {
        int rc = dechunk(body, &body_len, truncated_ok, msg, msglen);
        if (rc < 0)
            return rc;
    }
    if (ce && body_len && !has_token(ce, "identity")) {
        size_t out = 0;
        int rc;
        if (has_token(ce, "gzip") || has_token(ce, "x-gzip")) {
            rc = inflate_payload(r, body, body_len, 0, truncated_ok, &out, msg, msglen);
        } else if (has_token(ce, "deflate")) {
            /* "deflate" is zlib-wrapped by the RFC and raw deflate in practice */
            rc = inflate_payload(r, body, body_len, 0, truncated_ok, &out, msg, msglen);
            if (rc == WW_EMALFORMED)
                rc = inflate_payload(r, body, body_len, 1, truncated_ok, &out, msg,
                                     msglen);
        } else if (has_token(ce, "br")) {
            rc = brotli_payload(r, body, body_len, truncated_ok, &out, msg, msglen);
        } else {
            char enc[40];
            ww__warc_preview((const uint8_t *)ce, strlen(ce), enc, sizeof enc);
            return ww_seterr(msg, msglen, WW_EUNSUPPORTED,
                             "payload Content-Encoding \"%s\" is not supported", enc);
        }
        if (rc < 0)
            return rc;
        rec->payload = r->dec;
        rec->payload_len = out;
        return 0;
    }
    rec->payload = body;
    rec->payload_len = body_len;
    return 0;
}
