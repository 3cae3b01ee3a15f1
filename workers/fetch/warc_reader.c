/* WARC reader, in three layers:
 *
 *   source  - a FILE or caller memory, read into `in` (64 KiB) or pointed at directly;
 *   stream  - the decompressed bytes: copied through (plain .warc) or inflated member
 *             after member (.warc.gz), recording where each gzip member starts so a
 *             record can report the offset of its member;
 *   window  - up to WIN_CAP decompressed bytes the record parser looks at.
 *
 * Memory is bounded: the window, one copy of the WARC header, the record's block
 * (<= max_record_bytes) and its decoded payload (<= max_record_bytes).  A record over
 * the limit is streamed past, never buffered.
 *
 * Error policy: an error is reported once (ww_warc_next < 0) and the reader moves on.
 * Errors inside a well-framed record (bad HTTP, bad chunking, bad gzip payload) lose
 * only that record; framing errors (garbage, bad header, a Content-Length that does not
 * end at a record boundary, a corrupt gzip member) set need_resync, and the next call
 * scans for "WARC/<digit>" at a line start (the gzip layer has already skipped to the
 * next member when the compressed data itself was bad). */
#include "wirewatch/warc.h"

#include <brotli/decode.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "wirewatch/error.h"

#define IN_CAP ((size_t)64 << 10)
#define WIN_CAP (WW_WARC_MAX_HEADER + ((size_t)64 << 10))
#define MARKS 64 /* gzip member starts remembered for offset lookup */

struct member_mark {
    int64_t upos; /* decompressed position where the member starts */
    int64_t coff; /* its offset in the file */
};

struct ww_warc_reader {
    /* source */
    FILE *f;
    int own_f;
    const uint8_t *mem;
    size_t mem_len;
    uint8_t *in;            /* file mode buffer (IN_CAP) */
    const uint8_t *in_next; /* next unread source byte */
    size_t in_avail;
    int64_t in_next_off; /* file offset of *in_next */
    int src_eof;
    int io_error;
    /* gzip layer */
    int gz;
    z_stream zs;
    int zs_init;
    int member_active;
    int64_t member_coff;
    struct member_mark marks[MARKS];
    uint64_t nmarks;
    /* window of decompressed bytes */
    uint8_t *win;
    size_t wstart, wend;
    int64_t wupos; /* stream position of win[wstart] */
    int stream_eof;
    char serr[200]; /* message of the stream error being returned */
    /* records */
    size_t max_record;
    char *hdr;
    uint8_t *block;
    size_t block_cap;
    uint8_t *dec;
    size_t dec_cap;
    int need_resync;
    int resync_ls;    /* resync may match at its very first byte */
    int last;         /* last byte consumed from the window (-1: none) */
    int serr_pending; /* a stream error seen after a complete record, reported next */
    uint64_t n_records, n_errors;
};

/* ---- source --------------------------------------------------------------------- */

/* Make at least `want` source bytes available if the source has them (keeping unread
 * ones).  Returns in_avail. */
static size_t src_fill(ww_warc_reader *r, size_t want) {
    if (r->in_avail >= want || r->src_eof)
        return r->in_avail;
    if (r->mem) {
        /* the whole rest of the memory is already in view */
        r->src_eof = 1;
        return r->in_avail;
    }
    if (r->in_next != r->in && r->in_avail)
        memmove(r->in, r->in_next, r->in_avail);
    r->in_next = r->in;
    while (r->in_avail < want && !r->src_eof) {
        size_t n = fread(r->in + r->in_avail, 1, IN_CAP - r->in_avail, r->f);
        r->in_avail += n;
        if (n == 0) {
            if (ferror(r->f))
                r->io_error = errno ? errno : EIO;
            r->src_eof = 1;
        }
    }
    return r->in_avail;
}

static void src_skip(ww_warc_reader *r, size_t n) {
    r->in_next += n;
    r->in_avail -= n;
    r->in_next_off += (int64_t)n;
}

/* Reposition the source at file offset `off` (used to rescan a corrupt gzip member
 * for the next member).  Within the buffer or memory this always works; a file is
 * seeked; a pipe cannot go back, and then we simply continue where we are. */
static void src_seek(ww_warc_reader *r, int64_t off) {
    if (r->mem) {
        if (off < 0 || (uint64_t)off > r->mem_len)
            return;
        r->in_next = r->mem + off;
        r->in_avail = r->mem_len - (size_t)off;
        r->in_next_off = off;
        return;
    }
    int64_t buf_start = r->in_next_off - (int64_t)(r->in_next - r->in);
    int64_t buf_end = r->in_next_off + (int64_t)r->in_avail;
    if (off >= buf_start && off <= buf_end) {
        r->in_next = r->in + (off - buf_start);
        r->in_avail = (size_t)(buf_end - off);
        r->in_next_off = off;
        return;
    }
    if (fseeko(r->f, (off_t)off, SEEK_SET) == 0) {
        r->in_next = r->in;
        r->in_avail = 0;
        r->in_next_off = off;
        r->src_eof = 0;
    }
}

/* ---- stream: plain or gzip -------------------------------------------------------- */

static int is_gzip_magic(const uint8_t *p) {
    return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

/* Advance the source to the next gzip magic.  1 = found, 0 = end of input. */
static int scan_gzip_magic(ww_warc_reader *r) {
    for (;;) {
        if (src_fill(r, 3) < 3) {
            src_skip(r, r->in_avail);
            return 0;
        }
        const uint8_t *p = r->in_next;
        size_t i, n = r->in_avail;
        for (i = 0; i + 3 <= n; i++)
            if (is_gzip_magic(p + i)) {
                src_skip(r, i);
                return 1;
            }
        src_skip(r, i); /* keep the last two bytes: a magic may straddle refills */
    }
}

static long stream_error(ww_warc_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static long stream_error(ww_warc_reader *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->serr, sizeof r->serr, fmt, ap);
    va_end(ap);
    return -1;
}

/* Next decompressed bytes into out: > 0 bytes, 0 at end of input, -1 with r->serr
 * set when the compressed data was bad (the source is then at the next member). */
static long gz_produce(ww_warc_reader *r, uint8_t *out, size_t outlen) {
    if (outlen > UINT32_MAX)
        outlen = UINT32_MAX;
    for (;;) {
        if (!r->member_active) {
            if (src_fill(r, 3) == 0)
                return 0;
            if (r->in_avail < 3 || !is_gzip_magic(r->in_next)) {
                int64_t at = r->in_next_off;
                int found = scan_gzip_magic(r);
                if (found)
                    return stream_error(r,
                                        "%" PRId64
                                        " bytes of non-gzip data at offset %" PRId64
                                        " skipped to the next gzip member",
                                        r->in_next_off - at, at);
                return stream_error(r,
                                    "%" PRId64
                                    " bytes of non-gzip data at offset %" PRId64
                                    " up to end of file",
                                    r->in_next_off - at, at);
            }
            if (inflateReset2(&r->zs, 15 + 32) != Z_OK)
                return stream_error(r, "zlib reset failed");
            r->member_active = 1;
            r->member_coff = r->in_next_off;
            struct member_mark *m = &r->marks[r->nmarks++ % MARKS];
            m->upos = r->wupos + (int64_t)(r->wend - r->wstart);
            m->coff = r->member_coff;
        }
        if (r->in_avail == 0 && src_fill(r, 1) == 0) {
            r->member_active = 0;
            return stream_error(
                r, "gzip member at offset %" PRId64 " truncated at end of file",
                r->member_coff);
        }
        size_t in_now = r->in_avail > UINT32_MAX ? UINT32_MAX : r->in_avail;
        r->zs.next_in = (Bytef *)r->in_next;
        r->zs.avail_in = (uInt)in_now;
        r->zs.next_out = out;
        r->zs.avail_out = (uInt)outlen;
        int rc = inflate(&r->zs, Z_NO_FLUSH);
        size_t used = in_now - r->zs.avail_in;
        size_t got = outlen - r->zs.avail_out;
        src_skip(r, used);
        if (rc == Z_STREAM_END) {
            r->member_active = 0;
            if (got)
                return (long)got;
            continue;
        }
        if (rc == Z_OK || (rc == Z_BUF_ERROR && r->in_avail == 0)) {
            if (got)
                return (long)got;
            if (used == 0 && r->in_avail > 0)
                rc = Z_DATA_ERROR; /* no progress with input in hand: give up */
            else
                continue;
        }
        /* corrupt member: look for the next member from just after this one's start */
        int64_t bad = r->member_coff;
        const char *why = r->zs.msg ? r->zs.msg : "inflate failed";
        char whybuf[80];
        snprintf(whybuf, sizeof whybuf, "%s", why);
        r->member_active = 0;
        src_seek(r, bad + 1);
        if (scan_gzip_magic(r))
            return stream_error(r,
                                "corrupt gzip member at offset %" PRId64
                                " (%s); resumed at offset %" PRId64,
                                bad, whybuf, r->in_next_off);
        return stream_error(
            r, "corrupt gzip member at offset %" PRId64 " (%s); no member after it", bad,
            whybuf);
    }
}

static long plain_produce(ww_warc_reader *r, uint8_t *out, size_t outlen) {
    if (r->in_avail == 0 && src_fill(r, 1) == 0)
        return 0;
    size_t n = r->in_avail < outlen ? r->in_avail : outlen;
    memcpy(out, r->in_next, n);
    src_skip(r, n);
    return (long)n;
}

/* ---- window ------------------------------------------------------------------------ */

/* Make at least `need` (<= WIN_CAP) bytes available in the window; fewer only at end of
 * stream.  Returns the bytes available or -1 for a stream error (r->serr). */
static long win_need(ww_warc_reader *r, size_t need) {
    if (need > WIN_CAP)
        need = WIN_CAP;
    while (r->wend - r->wstart < need && !r->stream_eof) {
        size_t avail = r->wend - r->wstart;
        if (r->wstart > 0 &&
            (WIN_CAP - r->wend < need - avail || WIN_CAP - r->wend < 4096)) {
            memmove(r->win, r->win + r->wstart, avail);
            r->wstart = 0;
            r->wend = avail;
        }
        long n = r->gz ? gz_produce(r, r->win + r->wend, WIN_CAP - r->wend)
                       : plain_produce(r, r->win + r->wend, WIN_CAP - r->wend);
        if (n < 0)
            return -1;
        if (n == 0)
            r->stream_eof = 1;
        r->wend += (size_t)n;
    }
    return (long)(r->wend - r->wstart);
}

static void win_consume(ww_warc_reader *r, size_t n) {
    if (n)
        r->last = r->win[r->wstart + n - 1];
    r->wstart += n;
    r->wupos += (int64_t)n;
}

/* File offset of the record starting at stream position upos: itself for plain
 * files, the start of the gzip member holding it otherwise. */
static int64_t offset_of(const ww_warc_reader *r, int64_t upos) {
    if (!r->gz)
        return upos;
    uint64_t n = r->nmarks < MARKS ? r->nmarks : MARKS;
    int64_t best = -1;
    for (uint64_t k = 0; k < n; k++) {
        const struct member_mark *m = &r->marks[(r->nmarks - 1 - k) % MARKS];
        best = m->coff;
        if (m->upos <= upos)
            return m->coff;
    }
    return best < 0 ? 0 : best;
}

/* Copy (dst != NULL) or drop n stream bytes.  1 = done, 0 = end of stream first
 * (*got says how far), -1 = stream error. */
static int stream_take(ww_warc_reader *r, uint8_t *dst, uint64_t n, uint64_t *got) {
    *got = 0;
    while (n) {
        long avail = win_need(r, 1);
        if (avail < 0)
            return -1;
        if (avail == 0)
            return 0;
        size_t take = (uint64_t)avail < n ? (size_t)avail : (size_t)n;
        if (dst)
            memcpy(dst + *got, r->win + r->wstart, take);
        win_consume(r, take);
        n -= take;
        *got += take;
    }
    return 1;
}

/* ---- errors ------------------------------------------------------------------------ */

static int rec_error(ww_warc_reader *r, char *err, size_t errlen, int code,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int rec_error(ww_warc_reader *r, char *err, size_t errlen, int code,
                     const char *fmt, ...) {
    r->n_errors++;
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* A stream error surfaced while reading at `where`: report it and rescan from the
 * next gzip member (which starts at a line start by construction).  What the window
 * still holds is the start of a record whose rest was in the bad member: dropped, so
 * one bad member gives one error. */
static int stream_fail(ww_warc_reader *r, char *err, size_t errlen, const char *where) {
    win_consume(r, r->wend - r->wstart);
    r->need_resync = 1;
    r->resync_ls = 1;
    return rec_error(r, err, errlen, WW_EMALFORMED, "WARC %s: %s", where, r->serr);
}

/* ---- record framing ---------------------------------------------------------------- */

static int is_warc_magic(const uint8_t *p) {
    return memcmp(p, "WARC/", 5) == 0 && p[5] >= '0' && p[5] <= '9';
}

/* Scan for "WARC/<digit>" at a line start.  1 = positioned on it, 0 = end of stream,
 * -1 = stream error. */
static int resync(ww_warc_reader *r) {
    int ls = r->resync_ls || r->last == '\n' || r->last < 0;
    for (;;) {
        long avail = win_need(r, 6);
        if (avail < 0) {
            r->resync_ls = 1;
            return -1;
        }
        if (avail < 6) {
            win_consume(r, (size_t)avail);
            return 0;
        }
        const uint8_t *p = r->win + r->wstart;
        size_t i;
        for (i = 0; i + 6 <= (size_t)avail; i++) {
            if (ls && is_warc_magic(p + i)) {
                win_consume(r, i);
                return 1;
            }
            ls = p[i] == '\n';
        }
        win_consume(r, i);
    }
}

/* Skip CR and LF.  1 = a non-blank byte is next, 0 = end of stream, -1 = stream error. */
static int skip_blank(ww_warc_reader *r) {
    for (;;) {
        long avail = win_need(r, 1);
        if (avail <= 0)
            return avail < 0 ? -1 : 0;
        const uint8_t *p = r->win + r->wstart;
        size_t i = 0;
        while (i < (size_t)avail && (p[i] == '\r' || p[i] == '\n'))
            i++;
        win_consume(r, i);
        if (i < (size_t)avail)
            return 1;
    }
}

/* Printable preview of the next bytes, for error messages. */
static void preview(const uint8_t *p, size_t n, char *out, size_t outlen) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outlen; i++)
        out[k++] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? (char)p[i] : '.';
    out[k] = '\0';
}

/* Length of the header ending with an empty line in p[0..n), or 0 when not complete.
 * `from` lets a caller resume a search. */
static size_t header_end(const uint8_t *p, size_t n, size_t from) {
    for (size_t i = from; i < n; i++) {
        if (p[i] != '\n')
            continue;
        if (i + 1 < n && p[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static char *trim(char *s, char *end) {
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

struct warc_fields {
    const char *type, *uri, *date, *digest, *id, *ctype, *clen, *truncated;
};

/* Next "Name: value" line of a NUL-terminated header block, split in place; *cursor
 * starts at the block (its first line — the WARC version or HTTP status line — is
 * skipped).  Continuation lines and lines without a colon carry nothing we use and are
 * skipped.  Returns 0 when the block ends.  Shared by WARC and HTTP headers. */
static int next_field(char **cursor, char **name, char **value) {
    char *line = *cursor ? strchr(*cursor, '\n') : NULL;
    while (line && *++line) {
        char *eol = strchr(line, '\n');
        char *end = eol ? eol : line + strlen(line);
        char *colon = memchr(line, ':', (size_t)(end - line));
        if (colon && line[0] != ' ' && line[0] != '\t') {
            *colon = '\0';
            trim(line, colon);
            *name = line;
            *value = trim(colon + 1, end);
            *cursor = eol;
            return 1;
        }
        line = eol;
    }
    *cursor = NULL;
    return 0;
}

/* Split the NUL-terminated header (lines after the version line) in place. */
static void parse_fields(char *h, struct warc_fields *f) {
    char *line, *val, *cur = h;
    while (next_field(&cur, &line, &val)) {
        const char **slot = NULL;
        if (!strcasecmp(line, "WARC-Type"))
            slot = &f->type;
        else if (!strcasecmp(line, "WARC-Target-URI"))
            slot = &f->uri;
        else if (!strcasecmp(line, "WARC-Date"))
            slot = &f->date;
        else if (!strcasecmp(line, "WARC-Payload-Digest"))
            slot = &f->digest;
        else if (!strcasecmp(line, "WARC-Record-ID"))
            slot = &f->id;
        else if (!strcasecmp(line, "Content-Type"))
            slot = &f->ctype;
        else if (!strcasecmp(line, "Content-Length"))
            slot = &f->clen;
        else if (!strcasecmp(line, "WARC-Truncated"))
            slot = &f->truncated;
        if (slot && !*slot)
            *slot = val;
    }
}

/* Strict decimal; -1 when not a number that fits. */
static int64_t parse_len(const char *s) {
    int64_t v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

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
            if (zs.avail_in >= 3 && is_gzip_magic(zs.next_in) && !raw) {
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
static int parse_http(ww_warc_reader *r, ww_warc_record *rec, size_t blen, int is_revisit,
                      int truncated_ok, char *msg, size_t msglen) {
    uint8_t *b = r->block;
    size_t hlen = header_end(b, blen, 0);
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
    while (next_field(&cur, &line, &val)) {
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
            preview((const uint8_t *)ce, strlen(ce), enc, sizeof enc);
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

/* ---- public API -------------------------------------------------------------------- */

static ww_warc_reader *reader_new(size_t max_record, char *err, size_t errlen) {
    ww_warc_reader *r = calloc(1, sizeof *r);
    if (!r)
        goto nomem;
    r->max_record = max_record ? max_record : WW_WARC_DEFAULT_MAX_RECORD;
    r->win = malloc(WIN_CAP);
    r->hdr = malloc(WW_WARC_MAX_HEADER + 1);
    if (!r->win || !r->hdr)
        goto nomem;
    r->resync_ls = 1;
    r->last = -1;
    return r;
nomem:
    ww_warc_close(r);
    ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    return NULL;
}

/* Decide plain or gzip from the first bytes and set up zlib. */
static int reader_start(ww_warc_reader *r, char *err, size_t errlen) {
    src_fill(r, 3);
    if (r->io_error)
        return ww_seterr(err, errlen, WW_EIO, "read: %s", strerror(r->io_error));
    if (r->in_avail >= 3 && is_gzip_magic(r->in_next)) {
        r->gz = 1;
        if (inflateInit2(&r->zs, 15 + 32) != Z_OK)
            return ww_seterr(err, errlen, WW_ENOMEM, "zlib init failed");
        r->zs_init = 1;
    }
    /* memory sources must not be marked exhausted by the probe */
    if (r->mem)
        r->src_eof = 0;
    return 0;
}

ww_warc_reader *ww_warc_open(const char *path, size_t max_record_bytes, char *err,
                             size_t errlen) {
    ww_warc_reader *r = reader_new(max_record_bytes, err, errlen);
    if (!r)
        return NULL;
    r->in = malloc(IN_CAP);
    if (!r->in) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto fail;
    }
    r->in_next = r->in;
    if (!strcmp(path, "-")) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        if (!r->f) {
            ww_seterr(err, errlen, errno == ENOENT ? WW_ENOTFOUND : WW_EIO, "%s: %s",
                      path, strerror(errno));
            goto fail;
        }
        r->own_f = 1;
    }
    if (reader_start(r, err, errlen) < 0)
        goto fail;
    return r;
fail:
    ww_warc_close(r);
    return NULL;
}

ww_warc_reader *ww_warc_open_mem(const uint8_t *data, size_t len, size_t max_record_bytes,
                                 char *err, size_t errlen) {
    static const uint8_t empty[1];
    ww_warc_reader *r = reader_new(max_record_bytes, err, errlen);
    if (!r)
        return NULL;
    r->mem = data ? data : empty;
    r->mem_len = data ? len : 0;
    r->in_next = r->mem;
    r->in_avail = r->mem_len;
    if (reader_start(r, err, errlen) < 0) {
        ww_warc_close(r);
        return NULL;
    }
    return r;
}

int ww_warc_next(ww_warc_reader *r, ww_warc_record *rec, char *err, size_t errlen) {
    char msg[160];
    memset(rec, 0, sizeof *rec);
    if (r->io_error) {
        int e = r->io_error;
        r->io_error = 0;
        r->stream_eof = 1;
        r->src_eof = 1;
        r->need_resync = 0;
        r->wstart = r->wend;
        return rec_error(r, err, errlen, WW_EIO, "WARC read error: %s", strerror(e));
    }
    if (r->serr_pending) {
        r->serr_pending = 0;
        return stream_fail(r, err, errlen, "stream");
    }
    if (r->need_resync) {
        int rc = resync(r);
        if (rc < 0)
            return stream_fail(r, err, errlen, "stream");
        if (rc == 0)
            return r->io_error ? ww_warc_next(r, rec, err, errlen) : 0;
        r->need_resync = 0;
    }
    int rc = skip_blank(r);
    if (rc < 0)
        return stream_fail(r, err, errlen, "stream");
    if (rc == 0)
        return r->io_error ? ww_warc_next(r, rec, err, errlen) : 0;

    int64_t start = r->wupos;
    long avail = win_need(r, 6);
    if (avail < 0)
        return stream_fail(r, err, errlen, "stream");
    int64_t off = offset_of(r, start);
    if (avail < 6 || !is_warc_magic(r->win + r->wstart)) {
        char pv[24];
        preview(r->win + r->wstart, (size_t)avail < 16 ? (size_t)avail : 16, pv,
                sizeof pv);
        win_consume(r, 1);
        r->need_resync = 1;
        r->resync_ls = 0;
        return rec_error(
            r, err, errlen, WW_EMALFORMED,
            "garbage between WARC records at offset %" PRId64
            " (expected \"WARC/\", found \"%s\"); skipped to the next record",
            off, pv);
    }

    /* header: up to the empty line */
    size_t hlen = 0, searched = 0;
    for (;;) {
        hlen = header_end(r->win + r->wstart, (size_t)avail, searched);
        if (hlen)
            break;
        searched = (size_t)avail > 2 ? (size_t)avail - 2 : 0;
        if ((size_t)avail > WW_WARC_MAX_HEADER || r->stream_eof) {
            win_consume(r, 1);
            r->need_resync = 1;
            r->resync_ls = 0;
            if (r->stream_eof && (size_t)avail <= WW_WARC_MAX_HEADER)
                return rec_error(r, err, errlen, WW_EMALFORMED,
                                 "WARC record at offset %" PRId64
                                 " truncated inside its header (end of file)",
                                 off);
            return rec_error(r, err, errlen, WW_EMALFORMED,
                             "WARC header at offset %" PRId64 " is longer than %zu bytes",
                             off, WW_WARC_MAX_HEADER);
        }
        avail = win_need(r, (size_t)avail + 1);
        if (avail < 0)
            return stream_fail(r, err, errlen, "header");
    }
    if (hlen > WW_WARC_MAX_HEADER) {
        win_consume(r, 1);
        r->need_resync = 1;
        r->resync_ls = 0;
        return rec_error(r, err, errlen, WW_EMALFORMED,
                         "WARC header at offset %" PRId64 " is longer than %zu bytes",
                         off, WW_WARC_MAX_HEADER);
    }
    memcpy(r->hdr, r->win + r->wstart, hlen);
    r->hdr[hlen] = '\0';
    /* a NUL inside the header would cut fields short; make it visible instead */
    for (size_t i = 0; i < hlen; i++)
        if (r->hdr[i] == '\0')
            r->hdr[i] = ' ';
    win_consume(r, hlen);

    struct warc_fields f = {0};
    parse_fields(r->hdr, &f);
    rec->offset = off;
    rec->type = f.type ? f.type : "";
    rec->target_uri = f.uri ? f.uri : "";
    if (rec->target_uri[0] == '<') { /* WARC/1.0 drafts wrote <uri> */
        char *u = (char *)rec->target_uri + 1;
        size_t ul = strlen(u);
        if (ul && u[ul - 1] == '>')
            u[ul - 1] = '\0';
        rec->target_uri = u;
    }
    rec->date = f.date ? f.date : "";
    rec->payload_digest = f.digest ? f.digest : "";
    rec->record_id = f.id ? f.id : "";
    rec->content_type = f.ctype ? f.ctype : "";
    const char *what = rec->target_uri[0] ? rec->target_uri : rec->record_id;

    int64_t clen = parse_len(f.clen);
    if (clen < 0) {
        r->need_resync = 1;
        r->resync_ls = 0;
        return rec_error(r, err, errlen, WW_EMALFORMED,
                         "WARC record at offset %" PRId64 " (%s): %s Content-Length", off,
                         what, f.clen ? "bad" : "no");
    }
    uint64_t got = 0;
    if ((uint64_t)clen > r->max_record) {
        rc = stream_take(r, NULL, (uint64_t)clen, &got);
        if (rc < 0)
            return stream_fail(r, err, errlen, "record");
        return rec_error(r, err, errlen, WW_ETOOBIG,
                         "WARC record at offset %" PRId64 " (%s) is %" PRId64
                         " bytes, over the limit of %zu; skipped%s",
                         off, what, clen, r->max_record,
                         rc == 0 ? " (and truncated at end of file)" : "");
    }
    if ((size_t)clen + 1 > r->block_cap) {
        size_t cap = (size_t)clen + 1 < 65536 ? 65536 : (size_t)clen + 1;
        uint8_t *p = realloc(r->block, cap);
        if (!p) {
            r->need_resync = 1;
            r->resync_ls = 0;
            return rec_error(r, err, errlen, WW_ENOMEM,
                             "out of memory for a %" PRId64 "-byte WARC record", clen);
        }
        r->block = p;
        r->block_cap = cap;
    }
    rc = stream_take(r, r->block, (uint64_t)clen, &got);
    if (rc < 0)
        return stream_fail(r, err, errlen, "record");
    if (rc == 0)
        return rec_error(r, err, errlen, WW_EMALFORMED,
                         "WARC record at offset %" PRId64
                         " (%s) truncated: Content-Length %" PRId64 " but only %" PRIu64
                         " bytes before end of file",
                         off, what, clen, got);
    r->block[clen] = '\0';

    /* The block must end at a record boundary: CRLF CRLF, or failing that any blank
     * run followed by the next record or end of file.  Otherwise Content-Length is
     * wrong and the block cannot be trusted.  A stream error while looking belongs to
     * what follows, not to this complete record: it is reported by the next call. */
    avail = win_need(r, 4);
    if (avail < 0) {
        r->serr_pending = 1;
    } else if (avail >= 4 && !memcmp(r->win + r->wstart, "\r\n\r\n", 4)) {
        win_consume(r, 4);
    } else {
        rc = skip_blank(r);
        if (rc == 1)
            avail = win_need(r, 6);
        if (rc < 0 || (rc == 1 && avail < 0)) {
            r->serr_pending = 1;
        } else if (rc == 1 && (avail < 6 || !is_warc_magic(r->win + r->wstart))) {
            char pv[24];
            preview(r->win + r->wstart, (size_t)avail < 16 ? (size_t)avail : 16, pv,
                    sizeof pv);
            r->need_resync = 1;
            r->resync_ls = 0;
            return rec_error(
                r, err, errlen, WW_EMALFORMED,
                "WARC record at offset %" PRId64 " (%s): Content-Length %" PRId64
                " does not end at a record boundary (followed by \"%s\"); skipped",
                off, what, clen, pv);
        }
    }

    rec->payload = r->block;
    rec->payload_len = (size_t)clen;
    int is_response = !strcasecmp(rec->type, "response");
    int is_revisit = !strcasecmp(rec->type, "revisit");
    if ((is_response || is_revisit) &&
        !strncasecmp(rec->content_type, "application/http", 16)) {
        rc = parse_http(r, rec, (size_t)clen, is_revisit, f.truncated != NULL, msg,
                        sizeof msg);
        if (rc < 0)
            return rec_error(r, err, errlen, rc,
                             "WARC record at offset %" PRId64 " (%s): %s", off, what,
                             msg);
    }
    r->n_records++;
    return 1;
}

void ww_warc_stats(const ww_warc_reader *r, uint64_t *records, uint64_t *errors) {
    if (records)
        *records = r ? r->n_records : 0;
    if (errors)
        *errors = r ? r->n_errors : 0;
}

void ww_warc_close(ww_warc_reader *r) {
    if (!r)
        return;
    if (r->zs_init)
        inflateEnd(&r->zs);
    if (r->own_f && r->f)
        fclose(r->f);
    free(r->in);
    free(r->win);
    free(r->hdr);
    free(r->block);
    free(r->dec);
    free(r);
}
