/* What leaves the fetch stage for a request: its one terminal StatusEvent (counted,
 * with the limits it hit), the status events of WARC records, and Pages with the
 * request's trace stamped.  Finishing a request releases it and maybe its job. */
#include <stdio.h>
#include <string.h>

#include "fetch_stage.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

static void emit_status(fetch_ctx *ctx, freq *r, const char *url, ww__fetch_status st,
                        int http_status, const char *detail, unsigned limits,
                        int64_t bytes, int64_t duration_us) {
    if (!r->own)
        return;
    Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
    char *lim[WW__LIM_COUNT];
    ev.stage = STAGE;
    ev.url = (char *)(url ? url : r->req_url);
    ev.request_id = r->request_id ? r->request_id : "";
    ev.status = (char *)ww__status_name(st);
    ev.http_status = http_status;
    ev.detail = (char *)(detail ? detail : "");
    ww__limits_to_event(&ev, limits, lim);
    ev.at_us = ww_now_us();
    ev.bytes = bytes;
    ev.duration_us = duration_us;
    ww_job_count(r->own->job, ww__status_counter(st), 1);
    ww__limits_count(r->own->job, limits);
    int rc = ww_job_emit(r->own->job, WW_OUT_STATUS, ev.url, &ev.base);
    if (rc)
        WW_WARN(STAGE, "status for %s not emitted: %s", ev.url, ww_strerror(rc));
    (void)ctx;
}

void ww__fetch_status_only(fetch_ctx *ctx, freq *r, const char *url, ww__fetch_status st,
                           int http_status, const char *detail, int64_t bytes) {
    emit_status(ctx, r, url, st, http_status, detail, 0, bytes, 0);
}

void ww__fetch_finish(fetch_ctx *ctx, freq *r, ww__fetch_status st, int http_status,
                      const char *detail, unsigned limits, int64_t bytes,
                      int64_t duration_us) {
    char fdetail[384];
    if (r->feed && ctx->feeds) {
        /* A scheduled feed poll: its outcome sets the next poll, which the status
         * event reports. */
        ww__feed *f = r->feed;
        int ok = st == WW__ST_FETCHED || st == WW__ST_NOT_MODIFIED;
        size_t nnew = f->new_items;
        int64_t d = ww__feed_done(ctx->feeds, f, ok, ww_mono_us());
        snprintf(fdetail, sizeof fdetail,
                 "%s%sfeed poll %lu: %zu new; next poll in %.3f s", detail ? detail : "",
                 detail && *detail ? "; " : "", f->polls, nnew, (double)d / 1e6);
        detail = fdetail;
        ww_job_count(r->own->job, "feed_polls", 1);
        ww_job_count(r->own->job, "feed_items_new", (long long)nnew);
        r->feed = NULL;
    }
    emit_status(ctx, r, r->req_url, st, http_status, detail, limits, bytes, duration_us);
    ww__owner_release(&ctx->owners, r->own);
    ww__req_free(r);
}

int ww__fetch_emit_page(fetch_ctx *ctx, freq *r, Wirewatch__V1__Page *page) {
    (void)ctx;
    /* The request's own trace goes out with the page, stamped, instead of a copy: the
     * emit has packed the page when it returns, and a request's next page (a WARC
     * file holds many) just stamps it again. */
    ww_trace_stamp(&r->trace, STAGE);
    page->trace = r->trace;
    page->request_id = r->request_id ? r->request_id : (char *)"";
    int rc = ww_job_emit(r->own->job, WW_OUT_MAIN, page->final_url, &page->base);
    ww_job_count(r->own->job, "pages", 1);
    page->trace = NULL;
    return rc;
}
