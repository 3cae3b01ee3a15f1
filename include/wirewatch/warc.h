/* WARC reader: .warc and .warc.gz (one gzip member per record, members split anywhere,
 * or the whole file as one gzip stream), WARC/1.0 and 1.1.
 *
 * Records come out one at a time with bounded memory (about 2 x max_record_bytes plus
 * 256 KiB).  Response and revisit records whose Content-Type is application/http are
 * parsed as HTTP: status, Content-Type, chunked transfer coding removed and a gzip,
 * deflate or br Content-Encoding decoded, so `payload` is the entity body a browser would
 * see.  Every other record's payload is its block.
 *
 * Bad input never stops the reader: a malformed or truncated record, garbage between
 * records or a corrupt gzip member makes ww_warc_next return < 0 with a message, and
 * the next call continues with the next record it can find. */
#ifndef WIREWATCH_WARC_H
#define WIREWATCH_WARC_H

#include <stddef.h>
#include <stdint.h>

/* max_record_bytes used when the caller passes 0. */
#define WW_WARC_DEFAULT_MAX_RECORD ((size_t)64 << 20)
/* A WARC header (the named fields before the block) longer than this is malformed. */
#define WW_WARC_MAX_HEADER ((size_t)64 << 10)

typedef struct ww_warc_record {
    const char *type;           /* "response", "resource", "request", "warcinfo", ... */
    const char *target_uri;     /* WARC-Target-URI ("" when absent; <> stripped) */
    const char *date;           /* WARC-Date ("" when absent) */
    const char *payload_digest; /* WARC-Payload-Digest ("" when absent) */
    const char *record_id;      /* WARC-Record-ID ("" when absent) */
    int http_status;            /* response records: parsed HTTP status; else 0 */
    const char *content_type;   /* HTTP Content-Type for responses, record's otherwise */
    const uint8_t *payload; /* HTTP body for responses (de-chunked), block otherwise */
    size_t payload_len;
    int64_t offset; /* byte offset of the record in the file (of its gzip member) */
} ww_warc_record;

typedef struct ww_warc_reader ww_warc_reader;

/* Open a WARC file ("-" reads stdin); gzip is recognised by its magic bytes, not the
 * name.  max_record_bytes caps a record's block and its decoded payload (0 = default).
 * Returns NULL with err on failure (missing file, ENOMEM).  Close with ww_warc_close. */
ww_warc_reader *ww_warc_open(const char *path, size_t max_record_bytes, char *err,
                             size_t errlen);

/* Same over memory the caller owns and keeps alive until ww_warc_close. */
ww_warc_reader *ww_warc_open_mem(const uint8_t *data, size_t len, size_t max_record_bytes,
                                 char *err, size_t errlen);

/* 1 = record filled (its pointers are valid until the next call or close), 0 = end of
 * file, <0 = WW_E* for a malformed/truncated record (err says why; the reader resyncs
 * to the next record, so calling again continues).  WW_ETOOBIG: the record exceeds
 * max_record_bytes (skipped without buffering it); WW_EUNSUPPORTED: a payload in a
 * Content-Encoding we cannot decode (compress, zstd, stacked codings); WW_EMALFORMED: everything else bad in the
 * input; WW_EIO: the file could not be read (further calls return 0). */
int ww_warc_next(ww_warc_reader *r, ww_warc_record *rec, char *err, size_t errlen);

/* Counters since open: records returned (1) and errors reported (<0). */
void ww_warc_stats(const ww_warc_reader *r, uint64_t *records, uint64_t *errors);

/* Frees everything; NULL is a no-op. */
void ww_warc_close(ww_warc_reader *r);

#endif
