/* What a body source hands its results to.  HTTP transfers, local files and WARC
 * records all end the same way - a Page, discovered FetchRequests, a StatusEvent - so
 * the stage passes its sources a sink: the few stage services a source may use, and
 * nothing else of the stage (whose context stays an incomplete type here).  Also the
 * body building every source shares: feed/sitemap discovery and the charset hint.
 * Internal to workers/fetch. */
#ifndef WW_FETCH_SINK_H
#define WW_FETCH_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "fetch_config.h"
#include "fetch_request.h"
#include "fetch_status.h"

typedef struct fetch_ctx fetch_ctx;

typedef struct ww__sink {
    fetch_ctx *ctx; /* passed back to every call; opaque to sources */
    const fetch_cfg *cfg;
    /* The terminal StatusEvent of r; releases r (and maybe its job). */
    void (*finish)(fetch_ctx *ctx, freq *r, ww__fetch_status st, int http_status,
                   const char *detail, unsigned limits, int64_t bytes,
                   int64_t duration_us);
    /* One StatusEvent for a URL that is not a request of its own (a WARC record). */
    void (*status_only)(fetch_ctx *ctx, freq *r, const char *url, ww__fetch_status st,
                        int http_status, const char *detail, int64_t bytes);
    /* Emit page on WW_OUT_MAIN for r (counted).  0 or the emit's WW_E* code. */
    int (*emit_page)(fetch_ctx *ctx, freq *r, Wirewatch__V1__Page *page);
    /* Queue a request found in a feed/sitemap under parent's job. */
    void (*follow)(fetch_ctx *ctx, freq *parent, const char *url, int origin);
} ww__sink;

/* One fetched body, whatever brought it. */
typedef struct ww__body {
    const uint8_t *data;
    size_t len;
    const char *content_type; /* may be NULL */
    const char *final_url;
} ww__body;

/* If b is a feed or sitemap (possibly gzip-compressed), emit its items as discovered
 * FetchRequests (and have the sink follow them with fetch.follow_discovered) and
 * return 1 with a detail line; 0 when it is not a feed; <0 (WW_EMALFORMED, detail
 * says why) when it looks like one but does not parse. */
int ww__body_discover(const ww__sink *s, freq *r, const ww__body *b, char *detail,
                      size_t dlen, unsigned *limits);

/* "text/html; charset=UTF-8" -> "UTF-8" in buf (cap bytes, "" when none or longer
 * than fits); returns buf. */
const char *ww__charset_of(const char *content_type, char *buf, size_t cap);

#endif
