/* Building what a fetched body means, shared by every source (HTTP, file, WARC): a
 * feed or sitemap (RSS, Atom, urlset, sitemapindex; gzip-compressed sitemaps too)
 * becomes its article URLs as FetchRequests on WW_OUT_DISCOVERED; the charset hint
 * of a Page comes from its Content-Type.  Feed formats are parsed by feed_parser.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fetch_sink.h"
#include "wirewatch/feed.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/urlnorm.h"

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

int ww__body_discover(const ww__sink *s, freq *r, const ww__body *b, char *detail,
                      size_t dlen, unsigned *limits) {
    const fetch_cfg *c = s->cfg;
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
            s->follow(s->ctx, r, items[i].url, origin);
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
