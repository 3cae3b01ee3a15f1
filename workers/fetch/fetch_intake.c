/* Requests coming into the fetch stage: FetchRequests from the runtime (submit),
 * discoveries followed from feeds and sitemaps, and scheduled polls of fetch.feeds
 * (the timer).  Each is routed once: a local file to the file source, an invalid or
 * already-seen URL finished at once, anything else onto its host's queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch_stage.h"
#include "wirewatch/message.h"
#include "wirewatch/urlnorm.h"

void ww__fetch_enqueue(fetch_ctx *ctx, freq *r) {
    char err[256] = "";
    int64_t now = ctx->loop.now_us;
    if (strncasecmp(r->req_url, "file:", 5) == 0) {
        /* Only the operator may name local files: `wirewatch run`'s own inputs (a
         * trusted request, not what it leads to), or anything when fetch.allow_file
         * says so.  Otherwise whoever can write to the input topic, socket or file, or
         * to a feed, could publish file:///proc/self/environ (docs/security.md). */
        if (!ctx->cfg.allow_file && !r->trusted) {
            ww__fetch_finish(ctx, r, WW__ST_DENIED, 0,
                             "file:// URLs are read only from wirewatch run's own inputs "
                             "or with fetch.allow_file=true",
                             0, 0, 0);
            return;
        }
        ww__files_read(ctx->files, r);
        return;
    }
    ww_url_parts parts;
    int rc = ww_url_normalize_parts(r->req_url, (const char *const *)ctx->cfg.drop_params,
                                    ctx->cfg.n_drop, &r->url, &parts, err, sizeof err);
    if (rc) {
        ww__fetch_finish(ctx, r, rc == WW_ENOMEM ? WW__ST_ERROR : WW__ST_INVALID_URL, 0,
                         err, 0, 0, 0);
        return;
    }
    char *origin = parts.origin;
    r->path_query = parts.path_query;
    r->curlu = parts.handle;
    /* Seeds are explicit requests (a feed re-polled on purpose): the seen-set is for
     * what feeds and sitemaps keep listing, unless fetch.dedupe_seeds says otherwise. */
    int discovered =
        r->origin != WIREWATCH__V1__FETCH_REQUEST__ORIGIN__SEED &&
        r->origin != WIREWATCH__V1__FETCH_REQUEST__ORIGIN__ORIGIN_UNSPECIFIED;
    if (ctx->seen && !r->feed && (discovered || ctx->cfg.dedupe_seeds) &&
        ww__seen_check_add(ctx->seen, r->url, now)) {
        free(origin);
        ww__fetch_finish(ctx, r, WW__ST_DUPLICATE, 0, "fetched within fetch.seen_ttl_s",
                         0, 0, 0);
        return;
    }
    fhost *h = ww__host_get(&ctx->hosts, origin, ctx->cfg.host_delay_us, now);
    free(origin);
    if (!h) {
        ww__fetch_finish(ctx, r, WW__ST_ERROR, 0, "out of memory", 0, 0, 0);
        return;
    }
    h->last_used_us = now;
    ww__host_push(&ctx->hosts, h, r, 0);
}

void ww__fetch_submit(void *vctx, ww_job *job) {
    fetch_ctx *ctx = vctx;
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    Wirewatch__V1__FetchRequest *fr =
        wirewatch__v1__fetch_request__unpack(NULL, len, data);
    if (!fr) {
        ww_job_dead_letter(job, WW_EMALFORMED, "FetchRequest does not decode");
        Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
        ev.stage = STAGE;
        ev.status = (char *)ww__status_name(WW__ST_MALFORMED_REQUEST);
        ev.detail = "FetchRequest does not decode";
        ev.at_us = ww_now_us();
        ww_job_count(job, ww__status_counter(WW__ST_MALFORMED_REQUEST), 1);
        ww_job_emit(job, WW_OUT_STATUS, NULL, &ev.base);
        ww_job_done(job);
        return;
    }
    fowner *own =
        ww__owner_new(&ctx->owners, job); /* submit's own reference, released below */
    if (!own) {
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory");
        ww_job_done(job);
        wirewatch__v1__fetch_request__free_unpacked(fr, NULL);
        return;
    }
    freq *r = ww__req_adopt(own, fr, ww_job_key(job));
    if (!r) {
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory");
        wirewatch__v1__fetch_request__free_unpacked(fr, NULL);
    } else {
        r->trusted = ww_job_input_trusted(job);
        if (fr->not_before_us > 0) {
            int64_t wait = fr->not_before_us - ww_now_us();
            r->not_before_mono_us = wait > 0 ? ww_mono_us() + wait : 0;
        }
        ww__fetch_enqueue(ctx, r); /* consumes r, and fr with it */
    }
    ww__owner_release(&ctx->owners, own);
    ww__hosts_trim(&ctx->hosts, ctx->cfg.max_hosts, ctx->loop.now_us);
}

void ww__fetch_follow(fetch_ctx *ctx, freq *parent, const char *url, int origin) {
    freq *r = ww__req_new(parent->own, url, origin, parent->depth + 1, parent->req_url,
                          parent->request_id, parent->trace);
    if (r)
        ww__fetch_enqueue(ctx, r);
}

int ww__fetch_feeds_load(fetch_ctx *ctx, const ww_config *cfg, char *err, size_t errlen) {
    json_t *a = ww_config_json(cfg, "fetch.feeds");
    if (!json_is_array(a))
        return ww_seterr(err, errlen, WW_EINVAL, "fetch.feeds must be an array of URLs");
    size_t n = json_array_size(a);
    if (n == 0)
        return 0;
    const char **urls = calloc(n, sizeof *urls);
    if (!urls)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        urls[i] = json_string_value(json_array_get(a, i));
        char *norm = NULL, e2[160] = "";
        if (!urls[i]) {
            rc = ww_seterr(err, errlen, WW_EINVAL, "fetch.feeds[%zu] is not a string", i);
        } else if (strncasecmp(urls[i], "file:", 5) == 0) {
            if (!ctx->cfg.allow_file)
                rc = ww_seterr(
                    err, errlen, WW_EINVAL,
                    "fetch.feeds[%zu]: file:// URLs are disabled (fetch.allow_file)", i);
        } else if (ww_url_normalize(urls[i], NULL, 0, &norm, e2, sizeof e2) < 0) {
            rc = ww_seterr(err, errlen, WW_EINVAL, "fetch.feeds[%zu] \"%s\": %s", i,
                           urls[i], e2);
        }
        free(norm);
    }
    ww__feed_opts o = {
        .min_us = (int64_t)(ww_config_num(cfg, "fetch.feed_min_interval_s") * 1e6),
        .max_us = (int64_t)(ww_config_num(cfg, "fetch.feed_max_interval_s") * 1e6),
        .initial_us = (int64_t)(ww_config_num(cfg, "fetch.feed_interval_s") * 1e6),
        .jitter = ww_config_num(cfg, "fetch.feed_jitter"),
        .items_max = (long)ww_config_int(cfg, "fetch.feed_items_max"),
    };
    if (rc == 0 && !(ctx->feeds = ww__feeds_new(urls, n, &o, ww_mono_us(), err, errlen)))
        rc = WW_EINVAL;
    free(urls);
    return rc;
}

/* The runtime's timer: start a poll of every feed that is due.  The polls hold the
 * timer's job (as a FetchRequest's requests hold its job), so what they emit is
 * delivered before the job completes. */
void ww__fetch_timer(void *vctx, ww_job *job) {
    fetch_ctx *ctx = vctx;
    int64_t now = ww_mono_us();
    fowner *own = NULL;
    size_t cur = 0;
    for (ww__feed *f; ctx->feeds && (f = ww__feeds_due(ctx->feeds, &cur, now));) {
        if (!own && !(own = ww__owner_new(&ctx->owners,
                                          job))) /* its reference is released below */
            break;
        char rid[64];
        snprintf(rid, sizeof rid, "feed%zu.%lu", f->index, f->polls + 1);
        freq *r = ww__req_new(own, f->url, WIREWATCH__V1__FETCH_REQUEST__ORIGIN__SEED, 0,
                              NULL, rid, NULL);
        if (!r)
            break; /* out of memory: the feed stays due, the next tick retries */
        ww__feed_started(f);
        r->feed = f;
        ww__fetch_enqueue(
            ctx, r); /* may finish at once (file://): ww__fetch_finish reschedules */
    }
    if (own)
        ww__owner_release(&ctx->owners, own);
    else
        ww_job_done(job);
}
