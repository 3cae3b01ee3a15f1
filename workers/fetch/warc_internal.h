/* Internal to the WARC reader (warc_reader.c, warc_stream.c, warc_header.c,
 * warc_http.c): the reader's state and the functions its layers share.
 *
 *   warc_stream.c - source (a FILE or caller memory), the decompressed stream (plain,
 *                   or gzip member after member, remembering where each starts) and
 *                   the window of decompressed bytes the record parser looks at;
 *   warc_header.c - "Name: value" header blocks, WARC and HTTP alike;
 *   warc_http.c   - a response record's HTTP message: status, chunking, encodings;
 *   warc_reader.c - records: framing, resync after bad input, the public API. */
#ifndef WW_WARC_INTERNAL_H
#define WW_WARC_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "wirewatch/warc.h"

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

/* ---- warc_stream.c ---- */
/* Make at least `want` source bytes available if the source has them (keeping unread
 * ones).  Returns in_avail. */
size_t ww__warc_src_fill(ww_warc_reader *r, size_t want);
/* The three bytes of a gzip member header at p. */
int ww__warc_is_gzip_magic(const uint8_t *p);
/* Make at least `need` (<= WIN_CAP) bytes available in the window; fewer only at end of
 * stream.  Returns the bytes available or -1 for a stream error (r->serr). */
long ww__warc_win_need(ww_warc_reader *r, size_t need);
void ww__warc_win_consume(ww_warc_reader *r, size_t n);
/* File offset of the record starting at stream position upos: itself for plain
 * files, the start of the gzip member holding it otherwise. */
int64_t ww__warc_offset_of(const ww_warc_reader *r, int64_t upos);
/* Copy (dst != NULL) or drop n stream bytes.  1 = done, 0 = end of stream first
 * (*got says how far), -1 = stream error. */
int ww__warc_stream_take(ww_warc_reader *r, uint8_t *dst, uint64_t n, uint64_t *got);

/* ---- warc_header.c ---- */
typedef struct ww__warc_fields {
    const char *type, *uri, *date, *digest, *id, *ctype, *clen, *truncated;
} ww__warc_fields;
/* Printable preview of the next bytes, for error messages. */
void ww__warc_preview(const uint8_t *p, size_t n, char *out, size_t outlen);
/* Length of the header ending with an empty line in p[0..n), or 0 when not complete.
 * `from` lets a caller resume a search. */
size_t ww__warc_header_end(const uint8_t *p, size_t n, size_t from);
/* Next "Name: value" line of a NUL-terminated header block, split in place; *cursor
 * starts at the block (its first line is skipped).  0 when the block ends. */
int ww__warc_next_field(char **cursor, char **name, char **value);
/* Split the NUL-terminated WARC header (lines after the version line) in place. */
void ww__warc_parse_fields(char *h, ww__warc_fields *f);
/* Strict decimal; -1 when not a number that fits. */
int64_t ww__warc_parse_len(const char *s);

/* ---- warc_http.c ---- */
/* Parse r->block (blen bytes) as an HTTP response and set rec's status, content type
 * and payload (de-chunked, decoded).  0 or WW_E* with msg. */
int ww__warc_parse_http(ww_warc_reader *r, ww_warc_record *rec, size_t blen,
                        int is_revisit, int truncated_ok, char *msg, size_t msglen);

#endif
