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

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "warc_internal.h"
#include "wirewatch/error.h"

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
    ww__warc_win_consume(r, r->wend - r->wstart);
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
        long avail = ww__warc_win_need(r, 6);
        if (avail < 0) {
            r->resync_ls = 1;
            return -1;
        }
        if (avail < 6) {
            ww__warc_win_consume(r, (size_t)avail);
            return 0;
        }
        const uint8_t *p = r->win + r->wstart;
        size_t i;
        for (i = 0; i + 6 <= (size_t)avail; i++) {
            if (ls && is_warc_magic(p + i)) {
                ww__warc_win_consume(r, i);
                return 1;
            }
            ls = p[i] == '\n';
        }
        ww__warc_win_consume(r, i);
    }
}

/* Skip CR and LF.  1 = a non-blank byte is next, 0 = end of stream, -1 = stream error. */
static int skip_blank(ww_warc_reader *r) {
    for (;;) {
        long avail = ww__warc_win_need(r, 1);
        if (avail <= 0)
            return avail < 0 ? -1 : 0;
        const uint8_t *p = r->win + r->wstart;
        size_t i = 0;
        while (i < (size_t)avail && (p[i] == '\r' || p[i] == '\n'))
            i++;
        ww__warc_win_consume(r, i);
        if (i < (size_t)avail)
            return 1;
    }
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
    ww__warc_src_fill(r, 3);
    if (r->io_error)
        return ww_seterr(err, errlen, WW_EIO, "read: %s", strerror(r->io_error));
    if (r->in_avail >= 3 && ww__warc_is_gzip_magic(r->in_next)) {
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

/* What a step returns (besides 0 and a negative WW_E* code) when the stream below it
 * failed: the caller reports it with stream_fail, naming where. */
enum { FAIL_STREAM = 1, FAIL_HEADER = 2, FAIL_RECORD = 3 };

/* Framing failed at the record being read: resync from the next line start. */
static void lose_frame(ww_warc_reader *r) {
    r->need_resync = 1;
    r->resync_ls = 0;
}

/* Step 1: get to the first byte of the next record - report an I/O error or a stream
 * error left over from the last call, resync after bad input, skip blank lines.
 * 1 = there; 0 with *res the call's result otherwise. */
static int seek_record(ww_warc_reader *r, ww_warc_record *rec, char *err, size_t errlen,
                       int *res) {
    if (r->io_error) {
        int e = r->io_error;
        r->io_error = 0;
        r->stream_eof = 1;
        r->src_eof = 1;
        r->need_resync = 0;
        r->wstart = r->wend;
        *res = rec_error(r, err, errlen, WW_EIO, "WARC read error: %s", strerror(e));
        return 0;
    }
    if (r->serr_pending) {
        r->serr_pending = 0;
        *res = stream_fail(r, err, errlen, "stream");
        return 0;
    }
    int rc = 1;
    if (r->need_resync) {
        rc = resync(r);
        if (rc == 1)
            r->need_resync = 0;
    }
    if (rc == 1)
        rc = skip_blank(r);
    if (rc < 0)
        *res = stream_fail(r, err, errlen, "stream");
    else if (rc == 0)
        *res = r->io_error ? ww_warc_next(r, rec, err, errlen) : 0;
    return rc == 1;
}

/* Step 2: the record's "WARC/<digit>" line and its header up to the empty line, copied
 * into r->hdr; *offp is the record's offset in the file.  0, WW_EMALFORMED (garbage, a header too long or cut off), or
 * FAIL_STREAM / FAIL_HEADER for a stream error (r->serr). */
static int read_header(ww_warc_reader *r, int64_t *offp, char *err, size_t errlen) {
    int64_t start = r->wupos;
    long avail = ww__warc_win_need(r, 6);
    if (avail < 0)
        return FAIL_STREAM;
    /* after the read: a gzip member starting here is only known once it is read */
    int64_t off = *offp = ww__warc_offset_of(r, start);
    if (avail < 6 || !is_warc_magic(r->win + r->wstart)) {
        char pv[24];
        ww__warc_preview(r->win + r->wstart, (size_t)avail < 16 ? (size_t)avail : 16, pv,
                         sizeof pv);
        ww__warc_win_consume(r, 1);
        lose_frame(r);
        return rec_error(
            r, err, errlen, WW_EMALFORMED,
            "garbage between WARC records at offset %" PRId64
            " (expected \"WARC/\", found \"%s\"); skipped to the next record",
            off, pv);
    }
    size_t hlen = 0, searched = 0;
    while (!(hlen = ww__warc_header_end(r->win + r->wstart, (size_t)avail, searched))) {
        searched = (size_t)avail > 2 ? (size_t)avail - 2 : 0;
        if ((size_t)avail > WW_WARC_MAX_HEADER || r->stream_eof) {
            ww__warc_win_consume(r, 1);
            lose_frame(r);
            if (r->stream_eof && (size_t)avail <= WW_WARC_MAX_HEADER)
                return rec_error(r, err, errlen, WW_EMALFORMED,
                                 "WARC record at offset %" PRId64
                                 " truncated inside its header (end of file)",
                                 off);
            return rec_error(r, err, errlen, WW_EMALFORMED,
                             "WARC header at offset %" PRId64 " is longer than %zu bytes",
                             off, WW_WARC_MAX_HEADER);
        }
        avail = ww__warc_win_need(r, (size_t)avail + 1);
        if (avail < 0)
            return FAIL_HEADER;
    }
    if (hlen > WW_WARC_MAX_HEADER) {
        ww__warc_win_consume(r, 1);
        lose_frame(r);
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
    ww__warc_win_consume(r, hlen);
    return 0;
}

/* Step 3: the named fields of the header into rec (pointing into r->hdr). */
static void fill_record(ww_warc_record *rec, const ww__warc_fields *f, int64_t off) {
    rec->offset = off;
    rec->type = f->type ? f->type : "";
    rec->target_uri = f->uri ? f->uri : "";
    if (rec->target_uri[0] == '<') { /* WARC/1.0 drafts wrote <uri> */
        char *u = (char *)rec->target_uri + 1;
        size_t ul = strlen(u);
        if (ul && u[ul - 1] == '>')
            u[ul - 1] = '\0';
        rec->target_uri = u;
    }
    rec->date = f->date ? f->date : "";
    rec->payload_digest = f->digest ? f->digest : "";
    rec->record_id = f->id ? f->id : "";
    rec->content_type = f->ctype ? f->ctype : "";
}

/* Step 4: the block of clen bytes into r->block (NUL-terminated); a block over
 * max_record is streamed past.  0, WW_E* with err, or FAIL_RECORD for a stream
 * error. */
static int read_block(ww_warc_reader *r, int64_t clen, int64_t off, const char *what,
                      char *err, size_t errlen) {
    uint64_t got = 0;
    int rc;
    if ((uint64_t)clen > r->max_record) {
        rc = ww__warc_stream_take(r, NULL, (uint64_t)clen, &got);
        if (rc < 0)
            return FAIL_RECORD;
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
            lose_frame(r);
            return rec_error(r, err, errlen, WW_ENOMEM,
                             "out of memory for a %" PRId64 "-byte WARC record", clen);
        }
        r->block = p;
        r->block_cap = cap;
    }
    rc = ww__warc_stream_take(r, r->block, (uint64_t)clen, &got);
    if (rc < 0)
        return FAIL_RECORD;
    if (rc == 0)
        return rec_error(r, err, errlen, WW_EMALFORMED,
                         "WARC record at offset %" PRId64
                         " (%s) truncated: Content-Length %" PRId64 " but only %" PRIu64
                         " bytes before end of file",
                         off, what, clen, got);
    r->block[clen] = '\0';
    return 0;
}

/* Step 5: the block must end at a record boundary: CRLF CRLF, or failing that any
 * blank run followed by the next record or end of file.  Otherwise Content-Length is
 * wrong and the block cannot be trusted.  A stream error while looking belongs to
 * what follows, not to this complete record: it is reported by the next call. */
static int check_boundary(ww_warc_reader *r, int64_t clen, int64_t off, const char *what,
                          char *err, size_t errlen) {
    long avail = ww__warc_win_need(r, 4);
    if (avail < 0) {
        r->serr_pending = 1;
        return 0;
    }
    if (avail >= 4 && !memcmp(r->win + r->wstart, "\r\n\r\n", 4)) {
        ww__warc_win_consume(r, 4);
        return 0;
    }
    int rc = skip_blank(r);
    if (rc == 1)
        avail = ww__warc_win_need(r, 6);
    if (rc < 0 || (rc == 1 && avail < 0)) {
        r->serr_pending = 1;
    } else if (rc == 1 && (avail < 6 || !is_warc_magic(r->win + r->wstart))) {
        char pv[24];
        ww__warc_preview(r->win + r->wstart, (size_t)avail < 16 ? (size_t)avail : 16, pv,
                         sizeof pv);
        lose_frame(r);
        return rec_error(
            r, err, errlen, WW_EMALFORMED,
            "WARC record at offset %" PRId64 " (%s): Content-Length %" PRId64
            " does not end at a record boundary (followed by \"%s\"); skipped",
            off, what, clen, pv);
    }
    return 0;
}

int ww_warc_next(ww_warc_reader *r, ww_warc_record *rec, char *err, size_t errlen) {
    char msg[160];
    int res = 0;
    memset(rec, 0, sizeof *rec);
    if (!seek_record(r, rec, err, errlen, &res))
        return res;
    int64_t off = 0;
    int rc = read_header(r, &off, err, errlen);
    if (rc > 0)
        return stream_fail(r, err, errlen, rc == FAIL_STREAM ? "stream" : "header");
    if (rc < 0)
        return rc;
    ww__warc_fields f = {0};
    ww__warc_parse_fields(r->hdr, &f);
    fill_record(rec, &f, off);
    const char *what = rec->target_uri[0] ? rec->target_uri : rec->record_id;
    int64_t clen = ww__warc_parse_len(f.clen);
    if (clen < 0) {
        lose_frame(r);
        return rec_error(r, err, errlen, WW_EMALFORMED,
                         "WARC record at offset %" PRId64 " (%s): %s Content-Length", off,
                         what, f.clen ? "bad" : "no");
    }
    rc = read_block(r, clen, off, what, err, errlen);
    if (rc > 0)
        return stream_fail(r, err, errlen, "record");
    if (rc < 0)
        return rc;
    if ((rc = check_boundary(r, clen, off, what, err, errlen)) < 0)
        return rc;
    rec->payload = r->block;
    rec->payload_len = (size_t)clen;
    int is_response = !strcasecmp(rec->type, "response");
    int is_revisit = !strcasecmp(rec->type, "revisit");
    if ((is_response || is_revisit) &&
        !strncasecmp(rec->content_type, "application/http", 16)) {
        rc = ww__warc_parse_http(r, rec, (size_t)clen, is_revisit, f.truncated != NULL,
                                 msg, sizeof msg);
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
