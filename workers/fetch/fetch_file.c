/* What a fetched body means, for http and for local files:
 *   - a feed or sitemap (RSS, Atom, urlset, sitemapindex; gzip-compressed sitemaps
 *     too) -> its article URLs as FetchRequests on WW_OUT_DISCOVERED;
 *   - a WARC file (file:// .warc / .warc.gz) -> one Page per response/resource
 *     record, each record a URL with its own status event;
 *   - anything else -> one Page.
 * Formats come from the formats module (warc_reader.c, feed_parser.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "fetch_internal.h"
#include "wirewatch/feed.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/warc.h"

const char *ww__charset_of(const char *ct, char *buf, size_t cap) {
    const char *p = ct ? strcasestr(ct, "charset=") : NULL;
    size_t n = 0;
    if (p) {
        p += 8;
        if (*p == '"' || *p == '\'')
            p++;
        n = strcspn(p, "\"'; \t");
        if (n >= cap)
            n = 0; /* no charset name is that long: not one */
        memcpy(buf, p, n);
    }
    buf[n] = '\0';
    return buf;
}

/* Inflate a gzip body (a sitemap.xml.gz served as a file, not content-encoded) up to
 * cap bytes.  NULL when it is not gzip, is corrupt, or exceeds the cap. */
static uint8_t *gunzip(const uint8_t *in, size_t len, size_t cap, size_t *outlen) {
    z_stream z = {0};
    size_t size = len * 4 < cap ? len * 4 + 1024 : cap;
    uint8_t *out = malloc(size);
    if (!out || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (z.total_out == size) {
            if (size >= cap)
                break;
            size = size * 2 > cap ? cap : size * 2;
            uint8_t *n = realloc(out, size);
            if (!n)
                break;
            out = n;
        }
        z.next_out = out + z.total_out;
        z.avail_out = (uInt)(size - z.total_out);
        rc = inflate(&z, Z_NO_FLUSH);
    } while (rc == Z_OK);
    *outlen = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static char *origin_key(const char *url) {
    char *o = NULL;
    return ww_url_origin(url, &o, NULL) == 0 ? o : strdup("");
}

int ww__fetch_discover(fetch_ctx *ctx, freq *r, const ww__body *b, char *detail,
                       size_t dlen, unsigned *limits) {
    const fetch_cfg *c = ww__fetch_cfg(ctx);
    const uint8_t *data = b->data;
    size_t len = b->len, zlen = 0;
    uint8_t *z = NULL;
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b &&
        (z = gunzip(data, len, (size_t)c->max_body_bytes, &zlen))) {
        data = z;
        len = zlen;
    }
    ww_feed_kind kind = ww_feed_sniff(data, len);
    if (kind == WW_FEED_NONE) {
        free(z);
        return 0;
    }
    ww_feed_item *items = NULL;
    size_t n = 0;
    char err[256] = "";
    int rc = ww_feed_parse(data, len, b->final_url, &kind, &items, &n, err, sizeof err);
    free(z);
    if (rc < 0) {
        snprintf(detail, dlen, "%s: %s",
                 ww_feed_kind_name(ww_feed_sniff(b->data, b->len)), err);
        ww_job_count(r->own->job, "feeds_malformed", 1);
        return WW_EMALFORMED;
    }
    int origin = (kind == WW_FEED_RSS || kind == WW_FEED_ATOM)
                     ? WIREWATCH__V1__FETCH_REQUEST__ORIGIN__FEED
                     : WIREWATCH__V1__FETCH_REQUEST__ORIGIN__SITEMAP;
    unsigned depth = r->depth + 1;
    size_t emitted = 0, dropped = 0, known = 0;
    int64_t now = ww_mono_us();
    for (size_t i = 0; i < n; i++) {
        if ((long)depth > c->max_depth) {
            dropped++;
            continue;
        }
        if (r->feed) {
            /* A scheduled re-poll emits only what this feed never listed before; the
             * normalised URL so a changed tracking parameter is not a new item. */
            char *norm = NULL, e2[8];
            ww_url_normalize(items[i].url, (const char *const *)c->drop_params, c->n_drop,
                             &norm, e2, sizeof e2);
            int fresh = ww__feed_item_is_new(r->feed, norm ? norm : items[i].url, now);
            free(norm);
            if (!fresh) {
                known++;
                continue;
            }
        }
        Wirewatch__V1__FetchRequest d = WIREWATCH__V1__FETCH_REQUEST__INIT;
        char rid[256];
        snprintf(rid, sizeof rid, "%s%s%zu", r->request_id ? r->request_id : "",
                 r->request_id && *r->request_id ? "." : "", i);
        d.url = items[i].url;
        d.origin = origin;
        d.depth = depth;
        d.parent_url = (char *)b->final_url;
        d.request_id = rid;
        d.trace = r->trace;
        char *key = origin_key(items[i].url);
        int erc = ww_job_emit(r->own->job, WW_OUT_DISCOVERED, key, &d.base);
        free(key);
        if (erc)
            WW_WARN("fetch", "discovered %s not emitted: %s", items[i].url,
                    ww_strerror(erc));
        if (c->follow_discovered)
            ww__fetch_follow(ctx, r, items[i].url, origin);
        emitted++;
    }
    ww_job_count(r->own->job, "discovered", (long long)emitted);
    if (dropped)
        *limits |= WW__LIM_DEPTH;
    if (r->feed)
        snprintf(detail, dlen,
                 "%s: %zu items, %zu discovered, %zu known, %zu beyond max_depth",
                 ww_feed_kind_name(kind), n, emitted, known, dropped);
    else
        snprintf(detail, dlen, "%s: %zu items, %zu discovered, %zu beyond max_depth",
                 ww_feed_kind_name(kind), n, emitted, dropped);
    ww_feed_items_free(items, n);
    return 1;
}

/* ---- file:// ------------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static const char *type_of(const char *path) {
    if (ends_with(path, ".html") || ends_with(path, ".htm") || ends_with(path, ".xhtml"))
        return "text/html";
    if (ends_with(path, ".xml") || ends_with(path, ".rss") || ends_with(path, ".atom"))
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
 * worth per loop turn (ww__fetch_warc_step), so the transfers in flight keep moving
 * while a large file is read: in one go, a 1 GB .warc.gz held every other transfer of
 * the worker for tens of seconds - past their low-speed and total time limits. */
struct ww__warc_job {
    ww__warc_job *next;
    ww_warc_reader *w;
    freq *r;
    char *path;
    int64_t t0;
    size_t records, pages, bad, skipped;
    int64_t bytes;
};

/* Read and emit one record of j: 1 = more may follow, 0 = the file is done. */
static int warc_one(fetch_ctx *ctx, ww__warc_job *j) {
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
        ww__fetch_status_only(ctx, r, where,
                              rc == WW_ETOOBIG ? "too-large" : "malformed-record", 0, err,
                              0);
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
        ww__fetch_status_only(ctx, r, url, "http-error", status, detail,
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
    int erc = ww__fetch_emit_page(ctx, r, &pg);
    ww__fetch_status_only(ctx, r, url, erc ? "error" : "fetched", status,
                          erc ? ww_strerror(erc) : "", (int64_t)rec.payload_len);
    j->bytes += (int64_t)rec.payload_len;
    j->pages++;
    return 1;
}

/* Close j and free it; returns its request, not finished. */
static freq *warc_job_close(ww__warc_job *j) {
    freq *r = j->r;
    ww_warc_close(j->w);
    free(j->path);
    free(j);
    return r;
}

freq *ww__fetch_warc_pop(fetch_ctx *ctx) {
    ww__warc_job **pp = ww__fetch_warc_jobs(ctx), *j = *pp;
    if (!j)
        return NULL;
    *pp = j->next;
    return warc_job_close(j);
}

int ww__fetch_warc_step(fetch_ctx *ctx, int64_t budget_us) {
    ww__warc_job **pp = ww__fetch_warc_jobs(ctx);
    int active = 0;
    while (*pp) {
        ww__warc_job *j = *pp;
        int64_t end = ww_mono_us() + budget_us;
        int more;
        do
            more = warc_one(ctx, j);
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
        ww__fetch_finish(ctx, r, "fetched", 0, detail, 0, bytes, dur);
    }
    return active;
}

/* Open the WARC file and queue it for ww__fetch_warc_step (which finishes r). */
static void fetch_warc(fetch_ctx *ctx, freq *r, const char *path, int64_t t0) {
    const fetch_cfg *c = ww__fetch_cfg(ctx);
    char err[256] = "";
    ww__warc_job *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path))) {
        free(j);
        ww__fetch_finish(ctx, r, "error", 0, "out of memory", 0, 0, 0);
        return;
    }
    /* Records larger than the body cap are reported and skipped by the reader. */
    if (!(j->w = ww_warc_open(path, (size_t)c->max_body_bytes, err, sizeof err))) {
        free(j->path);
        free(j);
        ww__fetch_finish(ctx, r, "error", 0, err, 0, 0, 0);
        return;
    }
    j->r = r;
    j->t0 = t0;
    ww__warc_job **pp = ww__fetch_warc_jobs(ctx); /* to the end: files in arrival order */
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
}

void ww__fetch_file(fetch_ctx *ctx, freq *r) {
    const fetch_cfg *c = ww__fetch_cfg(ctx);
    int64_t t0 = ww_mono_us();
    char err[256] = "";
    char *path = file_path(r->req_url, err, sizeof err);
    uint8_t *buf = NULL;
    FILE *f = NULL;
    if (!path) {
        ww__fetch_finish(ctx, r, "invalid-url", 0, err[0] ? err : "out of memory", 0, 0,
                         0);
        return;
    }
    if (ends_with(path, ".warc") || ends_with(path, ".warc.gz")) {
        fetch_warc(ctx, r, path, t0);
        goto out;
    }
    if (!(f = fopen(path, "rb"))) {
        snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
        ww__fetch_finish(ctx, r, errno == ENOENT ? "not-found" : "error", 0, err, 0, 0,
                         0);
        goto out;
    }
    size_t cap = (size_t)c->max_body_bytes;
    if (!(buf = malloc(cap + 1))) {
        ww__fetch_finish(ctx, r, "error", 0, "out of memory", 0, 0, 0);
        goto out;
    }
    size_t len = fread(buf, 1, cap + 1, f);
    if (ferror(f)) {
        snprintf(err, sizeof err, "%s: read error", path);
        ww__fetch_finish(ctx, r, "error", 0, err, 0, 0, 0);
        goto out;
    }
    int truncated = len > cap;
    if (truncated) {
        len = cap;
        if (!c->keep_truncated) {
            snprintf(err, sizeof err, "file over %zu bytes", cap);
            ww__fetch_finish(ctx, r, "too-large", 0, err, WW__LIM_DECODED_BYTES,
                             (int64_t)len, ww_mono_us() - t0);
            goto out;
        }
    }
    char detail[256] = "";
    unsigned lim = truncated ? WW__LIM_DECODED_BYTES : 0;
    ww__body b = {buf, len, type_of(path), r->req_url};
    int fk = truncated ? 0 : ww__fetch_discover(ctx, r, &b, detail, sizeof detail, &lim);
    if (fk != 0) {
        ww__fetch_finish(ctx, r, fk > 0 ? "fetched" : "error", 0, detail, lim,
                         (int64_t)len, ww_mono_us() - t0);
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
    int erc = ww__fetch_emit_page(ctx, r, &pg);
    ww__fetch_finish(ctx, r, erc ? "error" : "fetched", 0, erc ? ww_strerror(erc) : "",
                     lim, (int64_t)len, ww_mono_us() - t0);
out:
    if (f)
        fclose(f);
    free(buf);
    free(path);
}
