/* The fetch stage's context and the functions its files share.  Included only by
 * the stage's own files; the sources (fetch_file.c) and body building (fetch_body.c)
 * see the stage only through the ww__sink it hands them (fetch_sink.h).
 *
 * Who calls whom (never back up the list):
 *   fetch_stage.c         ops, dispatch -> intake, transfer, transfer_done, hosts
 *   fetch_intake.c        submit, routing, feed polls -> file source, hosts, report
 *   fetch_transfer_done.c finished transfers -> body, hosts, report
 *   fetch_transfer.c      libcurl options and callbacks (calls no stage file)
 *   fetch_file.c          file:// and WARC -> body; the stage only via the sink
 *   fetch_body.c          feeds in a body; the stage only via the sink
 *   fetch_report.c        status events, pages -> request, status
 *   fetch_hosts.c, fetch_request.c, fetch_status.c, fetch_config.c: leaves
 * Internal to workers/fetch. */
#ifndef WW_FETCH_STAGE_H
#define WW_FETCH_STAGE_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch_config.h"
#include "fetch_file.h"
#include "fetch_hosts.h"
#include "fetch_internal.h"
#include "fetch_request.h"
#include "fetch_sink.h"
#include "fetch_status.h"

#define STAGE "fetch"

/* One running transfer. */
typedef struct xfer {
    struct xfer *xnext, *xprev; /* every running transfer, for teardown */
    fetch_ctx *ctx;
    freq *req;
    CURL *easy;
    struct curl_slist *hdrs_out;
    uint8_t *body;
    size_t len, cap, body_cap;
    size_t hdr_bytes; /* of the current response */
    unsigned limits;
    const char *ssrf;
    /* redirect chain: URL of each response, in order */
    char **hops;
    size_t n_hops;
    /* selected headers of the current (last) response; each one allocation with its
     * value behind it */
    Wirewatch__V1__Header *hv[32];
    size_t n_hv;
    char *etag, *lastmod, *retry_after; /* borrowed from hv */
    char *rawh; /* the current response's header block, kept only for WARC output */
    size_t rawh_len;
    int64_t start_mono_us;
    char errbuf[CURL_ERROR_SIZE];
} xfer;

struct fetch_ctx {
    fetch_cfg cfg;
    CURLM *multi;
    ww__loop loop;                /* libcurl's sockets and timer (curl_loop.c) */
    struct curl_slist *base_hdrs; /* request headers every transfer sends (User-Agent) */
    ww__hosts hosts;
    int active;  /* curl transfers running */
    xfer *xfers; /* the running transfers */
    /* Idle easy handles kept for reuse with their constant options set and a body
     * buffer each: a transfer then costs no option setup and, usually, no allocation
     * or page faults for its body. */
    struct pooled {
        CURL *easy;
        uint8_t *body;
        size_t cap;
    } * pool;
    int npool;
    size_t pool_bytes; /* body buffers held by the pool */
    ww__owners owners; /* the runtime jobs not yet done */
    ww__sink sink;     /* what sources and body building report to */
    ww__files *files;  /* file:// and WARC input (fetch_file.c) */
    ww__seen *seen;
    ww__validators *validators;
    ww__warcw *warc;  /* NULL unless fetch.warc_dir */
    ww__feeds *feeds; /* NULL unless fetch.feeds */
};

/* ---- fetch_report.c: what leaves the stage for a request ---- */
/* Emit the terminal StatusEvent of r and release it (and maybe its job); a scheduled
 * feed poll also sets the feed's next poll. */
void ww__fetch_finish(fetch_ctx *ctx, freq *r, ww__fetch_status st, int http_status,
                      const char *detail, unsigned limits, int64_t bytes,
                      int64_t duration_us);
/* Emit one StatusEvent for a URL that is not a request of its own (a WARC record). */
void ww__fetch_status_only(fetch_ctx *ctx, freq *r, const char *url, ww__fetch_status st,
                           int http_status, const char *detail, int64_t bytes);
/* Emit a page on WW_OUT_MAIN for r (counted), with r's trace stamped. */
int ww__fetch_emit_page(fetch_ctx *ctx, freq *r, Wirewatch__V1__Page *page);

/* ---- fetch_transfer.c: libcurl transfers ---- */
/* Hand r to libcurl.  0, or WW_ENOMEM with r still the caller's. */
int ww__transfer_start(fetch_ctx *ctx, freq *r);
/* Remove x from libcurl and free it; its easy handle (and a small body buffer) goes
 * back to the pool.  x->req must already be finished, requeued or freed. */
void ww__transfer_free(xfer *x);
/* The options every transfer shares, set once per easy handle. */
void ww__transfer_setup(fetch_ctx *ctx, CURL *e);

/* ---- fetch_transfer_done.c: a finished transfer ---- */
/* Map a finished transfer to its one terminal status (or a retry, or the robots.txt
 * of its host); x->req is consumed. */
void ww__transfer_done(fetch_ctx *ctx, xfer *x, CURLcode rc);

/* ---- fetch_intake.c: requests coming in ---- */
/* Route a new request: local file, invalid, duplicate, or onto its host's queue.
 * Always consumes r (finished or queued). */
void ww__fetch_enqueue(fetch_ctx *ctx, freq *r);
/* Queue a request found in a feed/sitemap under parent's job (the sink's follow). */
void ww__fetch_follow(fetch_ctx *ctx, freq *parent, const char *url, int origin);
/* Read fetch.feeds (the feeds re-polled on a schedule) into ctx->feeds. */
int ww__fetch_feeds_load(fetch_ctx *ctx, const ww_config *cfg, char *err, size_t errlen);
/* The stage's submit and timer ops. */
void ww__fetch_submit(void *vctx, ww_job *job);
void ww__fetch_timer(void *vctx, ww_job *job);

#endif
