/* The WARC reader's byte layers: the source (a FILE read into a 64 KiB buffer, or
 * caller memory pointed at), the decompressed stream (copied through for a plain
 * .warc, inflated member after member for .warc.gz, with where each member starts
 * remembered so a record can report its member's offset) and the window of
 * decompressed bytes the record parser looks at. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "warc_internal.h"

/* ---- source --------------------------------------------------------------------- */

/* Make at least `want` source bytes available if the source has them (keeping unread
 * ones).  Returns in_avail. */
size_t ww__warc_src_fill(ww_warc_reader *r, size_t want) {
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

int ww__warc_is_gzip_magic(const uint8_t *p) {
    return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

/* Advance the source to the next gzip magic.  1 = found, 0 = end of input. */
static int scan_gzip_magic(ww_warc_reader *r) {
    for (;;) {
        if (ww__warc_src_fill(r, 3) < 3) {
            src_skip(r, r->in_avail);
            return 0;
        }
        const uint8_t *p = r->in_next;
        size_t i, n = r->in_avail;
        for (i = 0; i + 3 <= n; i++)
            if (ww__warc_is_gzip_magic(p + i)) {
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
            if (ww__warc_src_fill(r, 3) == 0)
                return 0;
            if (r->in_avail < 3 || !ww__warc_is_gzip_magic(r->in_next)) {
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
        if (r->in_avail == 0 && ww__warc_src_fill(r, 1) == 0) {
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
    if (r->in_avail == 0 && ww__warc_src_fill(r, 1) == 0)
        return 0;
    size_t n = r->in_avail < outlen ? r->in_avail : outlen;
    memcpy(out, r->in_next, n);
    src_skip(r, n);
    return (long)n;
}

/* ---- window ------------------------------------------------------------------------ */

/* Make at least `need` (<= WIN_CAP) bytes available in the window; fewer only at end of
 * stream.  Returns the bytes available or -1 for a stream error (r->serr). */
long ww__warc_win_need(ww_warc_reader *r, size_t need) {
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

void ww__warc_win_consume(ww_warc_reader *r, size_t n) {
    if (n)
        r->last = r->win[r->wstart + n - 1];
    r->wstart += n;
    r->wupos += (int64_t)n;
}

/* File offset of the record starting at stream position upos: itself for plain
 * files, the start of the gzip member holding it otherwise. */
int64_t ww__warc_offset_of(const ww_warc_reader *r, int64_t upos) {
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
int ww__warc_stream_take(ww_warc_reader *r, uint8_t *dst, uint64_t n, uint64_t *got) {
    *got = 0;
    while (n) {
        long avail = ww__warc_win_need(r, 1);
        if (avail < 0)
            return -1;
        if (avail == 0)
            return 0;
        size_t take = (uint64_t)avail < n ? (size_t)avail : (size_t)n;
        if (dst)
            memcpy(dst + *got, r->win + r->wstart, take);
        ww__warc_win_consume(r, take);
        n -= take;
        *got += take;
    }
    return 1;
}
