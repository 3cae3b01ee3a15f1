/* Local sources: a file:// URL is read whole and becomes one Page (or, a feed or
 * sitemap, discovered FetchRequests); a WARC file (.warc / .warc.gz) becomes one Page
 * per response/resource record, each record a URL with its own status event.  WARC
 * records are parsed by warc_reader.c; everything goes out through the stage's sink. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch_file.h"
#include "wirewatch/message.h"
#include "wirewatch/strutil.h"
#include "wirewatch/warc.h"

/* ---- file:// ------------------------------------------------------------------------ */

static const char *type_of(const char *path) {
    if (ww_ends_with_nocase(path, ".html") || ww_ends_with_nocase(path, ".htm") ||
        ww_ends_with_nocase(path, ".xhtml"))
        return "text/html";
    if (ww_ends_with_nocase(path, ".xml") || ww_ends_with_nocase(path, ".rss") ||
        ww_ends_with_nocase(path, ".atom"))
        return "application/xml";
    return "text/plain";
}

/* file:///abs/path (or file://localhost/abs/path) -> malloc'd decoded path. */
static char *file_path(const char *url, char *err, size_t errlen) {
    CURLU *u = curl_url();
    char *host = NULL, *path = NULL, *res = NULL;
    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) ||
        curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE)) {
        ww_seterr(err, errlen, WW_EINVAL, "bad file URL");
        goto out;
    }
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (host && *host && strcasecmp(host, "localhost") != 0) {
        ww_seterr(err, errlen, WW_EINVAL, "file URL names a remote host");
        goto out;
    }
    if (path[0] != '/') {
        ww_seterr(err, errlen, WW_EINVAL, "file URL path is not absolute");
        goto out;
    }
    res = strdup(path);
out:
    curl_free(host);
    curl_free(path);
    curl_url_cleanup(u);
    return res;
}

/* A WARC file being read.  Its records are turned into pages a few milliseconds'
 * worth per loop turn (ww__files_step), so the transfers in flight keep moving
 * while a large file is read: in one go, a 1 GB .warc.gz held every other transfer of
 * the worker for tens of seconds - past their low-speed and total time limits. */
typedef struct warc_job {
    struct warc_job *next;
    ww_warc_reader *w;
    freq *r;
    char *path;
    int64_t t0;
    size_t records, pages, bad, skipped;
    int64_t bytes;
} warc_job;

struct ww__files {
    ww__sink sink;
    warc_job *warc_jobs; /* WARC files being read, in arrival order */
};

ww__files *ww__files_new(const ww__sink *sink) {
    ww__files *fs = calloc(1, sizeof *fs);
    if (fs)
        fs->sink = *sink;
    return fs;
}

int ww__files_busy(const ww__files *fs) { return fs->warc_jobs != NULL; }

/* Read and emit one record of j: 1 = more may follow, 0 = the file is done. */
static int warc_one(ww__files *fs, warc_job *j) {
    freq *r = j->r;
    char err[256] = "", detail[320];
    ww_warc_record rec;
    int rc = ww_warc_next(j->w, &rec, err, sizeof err);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        j->bad++;
        ww_job_count(r->own->job, "warc_records_malformed", 1);
        char where[96];
        snprintf(where, sizeof where, "%s#record%zu", r->req_url, j->records + j->bad);
        fs->sink.status_only(
            fs->sink.ctx, r, where,
            rc == WW_ETOOBIG ? WW__ST_TOO_LARGE : WW__ST_MALFORMED_RECORD, 0, err, 0);
        return rc != WW_EIO;
    }
    j->records++;
    int resp = strcmp(rec.type, "response") == 0, res = strcmp(rec.type, "resource") == 0;
    if (!resp && !res) {
        j->skipped++;
        return 1;
    }
    int status = resp ? rec.http_status : 200;
    const char *url = rec.target_uri && *rec.target_uri ? rec.target_uri : r->req_url;
    if (status < 200 || status >= 300) {
        snprintf(detail, sizeof detail, "WARC record HTTP %d", status);
        fs->sink.status_only(fs->sink.ctx, r, url, WW__ST_HTTP_ERROR, status, detail,
                             (int64_t)rec.payload_len);
        return 1;
    }
    Wirewatch__V1__Page pg = WIREWATCH__V1__PAGE__INIT;
    char charset[64];
    ww__charset_of(rec.content_type, charset, sizeof charset);
    pg.requested_url = (char *)url;
    pg.final_url = (char *)url;
    pg.status = status;
    pg.body.data = (uint8_t *)rec.payload;
    pg.body.len = rec.payload_len;
    pg.content_type = (char *)(rec.content_type ? rec.content_type : "");
    pg.charset_hint = charset;
    pg.source = WIREWATCH__V1__PAGE__SOURCE__WARC;
    pg.fetched_at_us = ww_now_us();
    pg.warc_file = j->path;
    pg.warc_offset = rec.offset;
    pg.payload_digest = (char *)(rec.payload_digest ? rec.payload_digest : "");
    pg.warc_date = (char *)(rec.date ? rec.date : "");
    int erc = fs->sink.emit_page(fs->sink.ctx, r, &pg);
    fs->sink.status_only(fs->sink.ctx, r, url, erc ? WW__ST_ERROR : WW__ST_FETCHED,
                         status, erc ? ww_strerror(erc) : "", (int64_t)rec.payload_len);
    j->bytes += (int64_t)rec.payload_len;
    j->pages++;
    return 1;
}

/* Close j and free it; returns its request, not finished. */
static freq *warc_job_close(warc_job *j) {
    freq *r = j->r;
    ww_warc_close(j->w);
    free(j->path);
    free(j);
    return r;
}

void ww__files_free(ww__files *fs) {
    if (!fs)
        return;
    while (fs->warc_jobs) {
        warc_job *j = fs->warc_jobs;
        fs->warc_jobs = j->next;
        ww__req_free(warc_job_close(j));
    }
    free(fs);
}

int ww__files_step(ww__files *fs, int64_t budget_us) {
    warc_job **pp = &fs->warc_jobs;
    int active = 0;
    while (*pp) {
        warc_job *j = *pp;
        int64_t end = ww_mono_us() + budget_us;
        int more;
        do
            more = warc_one(fs, j);
        while (more && ww_mono_us() < end);
        if (more) {
            active++;
            pp = &j->next;
            continue;
        }
        *pp = j->next;
        char detail[160];
        snprintf(detail, sizeof detail,
                 "warc: %zu records, %zu pages, %zu other records, %zu malformed",
                 j->records, j->pages, j->skipped, j->bad);
        int64_t bytes = j->bytes, dur = ww_mono_us() - j->t0;
        freq *r = warc_job_close(j);
        fs->sink.finish(fs->sink.ctx, r, WW__ST_FETCHED, 0, detail, 0, bytes, dur);
    }
    return active;
}

/* Open the WARC file and queue it for ww__files_step (which finishes r). */
static void fetch_warc(ww__files *fs, freq *r, const char *path, int64_t t0) {
    const fetch_cfg *c = fs->sink.cfg;
    char err[256] = "";
    warc_job *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path))) {
        free(j);
        fs->sink.finish(fs->sink.ctx, r, WW__ST_ERROR, 0, "out of memory", 0, 0, 0);
        return;
    }
    /* Records larger than the body cap are reported and skipped by the reader. */
    if (!(j->w = ww_warc_open(path, (size_t)c->max_body_bytes, err, sizeof err))) {
        free(j->path);
        free(j);
        fs->sink.finish(fs->sink.ctx, r, WW__ST_ERROR, 0, err, 0, 0, 0);
        return;
    }
    j->r = r;
    j->t0 = t0;
    warc_job **pp = &fs->warc_jobs; /* to the end: files in arrival order */
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
}

void ww__files_read(ww__files *fs, freq *r) {
    const fetch_cfg *c = fs->sink.cfg;
    int64_t t0 = ww_mono_us();
    char err[256] = "";
    char *path = file_path(r->req_url, err, sizeof err);
    uint8_t *buf = NULL;
    FILE *f = NULL;
    if (!path) {
        fs->sink.finish(fs->sink.ctx, r, WW__ST_INVALID_URL, 0,
                        err[0] ? err : "out of memory", 0, 0, 0);
        return;
    }
    if (ww_ends_with_nocase(path, ".warc") || ww_ends_with_nocase(path, ".warc.gz")) {
        fetch_warc(fs, r, path, t0);
        goto out;
    }
    if (!(f = fopen(path, "rb"))) {
        snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
        fs->sink.finish(fs->sink.ctx, r,
                        errno == ENOENT ? WW__ST_NOT_FOUND : WW__ST_ERROR, 0, err, 0, 0,
                        0);
        goto out;
    }
    size_t cap = (size_t)c->max_body_bytes;
    if (!(buf = malloc(cap + 1))) {
        fs->sink.finish(fs->sink.ctx, r, WW__ST_ERROR, 0, "out of memory", 0, 0, 0);
        goto out;
    }
    size_t len = fread(buf, 1, cap + 1, f);
    if (ferror(f)) {
        snprintf(err, sizeof err, "%s: read error", path);
        fs->sink.finish(fs->sink.ctx, r, WW__ST_ERROR, 0, err, 0, 0, 0);
        goto out;
    }
    int truncated = len > cap;
    if (truncated) {
        len = cap;
        if (!c->keep_truncated) {
            snprintf(err, sizeof err, "file over %zu bytes", cap);
            fs->sink.finish(fs->sink.ctx, r, WW__ST_TOO_LARGE, 0, err,
                            WW__LIM_DECODED_BYTES, (int64_t)len, ww_mono_us() - t0);
            goto out;
        }
    }
    char detail[256] = "";
    unsigned lim = truncated ? WW__LIM_DECODED_BYTES : 0;
    ww__body b = {buf, len, type_of(path), r->req_url};
    int fk =
        truncated ? 0 : ww__body_discover(&fs->sink, r, &b, detail, sizeof detail, &lim);
    if (fk != 0) {
        fs->sink.finish(fs->sink.ctx, r, fk > 0 ? WW__ST_FETCHED : WW__ST_ERROR, 0,
                        detail, lim, (int64_t)len, ww_mono_us() - t0);
        goto out;
    }
    Wirewatch__V1__Page pg = WIREWATCH__V1__PAGE__INIT;
    pg.requested_url = r->req_url;
    pg.final_url = r->req_url;
    pg.status = 200;
    pg.body.data = buf;
    pg.body.len = len;
    pg.content_type = (char *)type_of(path);
    pg.truncated = truncated;
    pg.source = WIREWATCH__V1__PAGE__SOURCE__FILE;
    pg.fetched_at_us = ww_now_us();
    pg.total_us = ww_mono_us() - t0;
    int erc = fs->sink.emit_page(fs->sink.ctx, r, &pg);
    fs->sink.finish(fs->sink.ctx, r, erc ? WW__ST_ERROR : WW__ST_FETCHED, 0,
                    erc ? ww_strerror(erc) : "", lim, (int64_t)len, ww_mono_us() - t0);
out:
    if (f)
        fclose(f);
    free(buf);
    free(path);
}
