/* The fetch stage: FetchRequest in, Page out, on one libcurl multi handle.
 *
 * submit() normalises the URL, checks the seen-set and queues the request on its
 * host (origin "scheme://host:port").  poll() hands requests to libcurl when their
 * host allows it — robots.txt known and permitting, fewer than K transfers to the
 * host, a token in the host's bucket — then drives libcurl's socket interface over
 * epoll and turns every finished transfer into exactly one terminal StatusEvent (plus
 * a Page, or discovered FetchRequests for a feed).  Everything runs on the caller's thread.
 *
 * Safety: every connection is vetted in the OPENSOCKET callback against the SSRF
 * policy (so redirects and rebinding DNS are covered), only http/https are allowed on
 * any hop, proxies from the environment are ignored (the guard must see the real
 * peer), and each transfer is capped in time, speed, redirects, header bytes, wire
 * bytes and decoded bytes.
 *
 * This file is the wiring: the stage ops, and dispatch - handing queued requests to
 * libcurl as their hosts allow.  The jobs live beside it: fetch_config.c (fetch.*
 * keys), fetch_intake.c (submit, routing, feed polls), fetch_hosts.c (queues and
 * politeness), fetch_transfer.c (libcurl), fetch_transfer_done.c (finished
 * transfers), fetch_report.c (status events, pages), fetch_body.c (feeds and
 * sitemaps in a body), fetch_file.c (file:// and WARC input). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_stage.h"
#include "wirewatch/message.h"

/* How long each WARC input file is read per loop turn: transfers in flight are
 * served between slices. */
#define WARC_SLICE_US 2000

static void start_robots(fetch_ctx *ctx, fhost *h) {
    size_t n = strlen(h->origin) + sizeof "/robots.txt";
    freq *r = ww__req_new(NULL, "", 0, 0, NULL, NULL, NULL);
    if (!r || !(r->url = malloc(n))) {
        ww__req_free(r);
        return;
    }
    snprintf(r->url, n, "%s/robots.txt", h->origin);
    r->robots = 1;
    r->host = h;
    if (ww__transfer_start(ctx, r) < 0) {
        ww__req_free(r);
        return;
    }
    h->robots_state = ROBOTS_FETCHING;
}

/* Start whatever may start now; returns microseconds until something else may
 * (-1: nothing waits on time). */
static int64_t dispatch(fetch_ctx *ctx) {
    const fetch_cfg *c = &ctx->cfg;
    int64_t now = ctx->loop.now_us, wake = -1;
#define WAKE(t)                                                                          \
    do {                                                                                 \
        int64_t t_ = (t);                                                                \
        if (wake < 0 || t_ < wake)                                                       \
            wake = t_;                                                                   \
    } while (0)
    for (fhost *h = ctx->hosts.pend_head, *hn; h; h = hn) {
        hn = h->pnext;
        while (h->qhead) {
            freq *r = h->qhead;
            if (r->not_before_mono_us > now) {
                WAKE(r->not_before_mono_us - now);
                break;
            }
            if (c->obey_robots) {
                if (h->robots_state == ROBOTS_HAVE && h->robots_expiry_us <= now)
                    h->robots_state = ROBOTS_NONE;
                if (h->robots_state == ROBOTS_FETCHING)
                    break;
                if (h->robots_state == ROBOTS_NONE) {
                    if (ctx->active >= c->max_in_flight)
                        goto out;
                    int64_t w = ww_bucket_take(&h->bucket, now);
                    if (w) {
                        WAKE(w);
                        break;
                    }
                    start_robots(ctx, h);
                    break;
                }
                if (!ww_robots_allowed(h->robots, r->path_query)) {
                    ww__host_pop(&ctx->hosts, h);
                    if (h->robots_ssrf) {
                        char d[96];
                        snprintf(d, sizeof d, "refused %s address", h->robots_ssrf);
                        ww__fetch_finish(ctx, r, WW__ST_SSRF_DENIED, 0, d, 0, 0, 0);
                    } else {
                        ww__fetch_finish(ctx, r, WW__ST_ROBOTS_DENIED, 0,
                                         h->robots_why[0] ? h->robots_why
                                                          : "disallowed by robots.txt",
                                         0, 0, 0);
                    }
                    continue;
                }
            }
            if (h->active >= c->max_host_conns)
                break;
            if (ctx->active >= c->max_in_flight)
                goto out;
            int64_t w = ww_bucket_take(&h->bucket, now);
            if (w) {
                WAKE(w);
                break;
            }
            ww__host_pop(&ctx->hosts, h);
            if (ww__transfer_start(ctx, r) < 0)
                ww__fetch_finish(ctx, r, WW__ST_ERROR, 0,
                                 "out of memory starting transfer", 0, 0, 0);
        }
        if (!h->qhead)
            ww__host_unpend(&ctx->hosts, h);
    }
out:
    return wake;
#undef WAKE
}

static void reap(fetch_ctx *ctx) {
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(ctx->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = m->data.result;
        ww__transfer_done(ctx, x, rc);
        ww__transfer_free(x);
    }
}

/* ---- stage ops ---------------------------------------------------------------------- */

/* The request headers every transfer sends, formatted once.  Accept-Encoding is one
 * of them although CURLOPT_ACCEPT_ENCODING "" (which libcurl still needs, to decode)
 * would send it: libcurl 7.88 leaves its own line out when the list has one, and its
 * own line cost an aprintf per request - 1.8% of the stage's instructions (callgrind,
 * docs/benchmarks.md).  The list names only what this libcurl can decode. */
static int base_headers(fetch_ctx *ctx) {
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    char line[512];
    snprintf(line, sizeof line, "Accept-Encoding: %s%s%s",
             (v->features & CURL_VERSION_LIBZ) ? "deflate, gzip" : "identity",
             (v->features & CURL_VERSION_BROTLI) ? ", br" : "",
             (v->features & CURL_VERSION_ZSTD) ? ", zstd" : "");
    struct curl_slist *l = curl_slist_append(NULL, line);
    if (!l)
        return -1;
    ctx->base_hdrs = l;
    if (*ctx->cfg.user_agent) {
        size_t n = strlen(ctx->cfg.user_agent) + 16;
        char *ua = malloc(n);
        if (!ua)
            return -1;
        snprintf(ua, n, "User-Agent: %s", ctx->cfg.user_agent);
        l = curl_slist_append(ctx->base_hdrs, ua);
        free(ua);
        if (!l)
            return -1;
    }
    return 0;
}

static void fetch_destroy(void *vctx);

static void *fetch_create(const ww_config *cfg, char *err, size_t errlen) {
    fetch_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    ctx->loop.epfd = -1;
    if (ww__fetch_cfg_load(&ctx->cfg, cfg, err, errlen) < 0)
        goto err;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ww_seterr(err, errlen, WW_EIO, "curl_global_init failed");
        goto err;
    }
    ww__hosts_init(&ctx->hosts);
    ctx->multi = curl_multi_init();
    if (ctx->multi && ww__loop_init(&ctx->loop, ctx->multi) < 0) {
        ww_seterr(err, errlen, WW_EIO, "epoll_create1: %s", strerror(errno));
        goto err;
    }
    ctx->pool = calloc((size_t)ctx->cfg.max_in_flight, sizeof *ctx->pool);
    ctx->validators = ww__validators_new((size_t)ctx->cfg.validators_max);
    if (ctx->cfg.seen_ttl_us > 0)
        ctx->seen = ww__seen_new((size_t)ctx->cfg.seen_max, ctx->cfg.seen_ttl_us);
    ctx->sink = (ww__sink){
        .ctx = ctx,
        .cfg = &ctx->cfg,
        .finish = ww__fetch_finish,
        .status_only = ww__fetch_status_only,
        .emit_page = ww__fetch_emit_page,
        .follow = ww__fetch_follow,
    };
    ctx->files = ww__files_new(&ctx->sink);
    if (!ctx->hosts.htab || !ctx->files || !ctx->multi || !ctx->pool ||
        !ctx->validators || (ctx->cfg.seen_ttl_us > 0 && !ctx->seen)) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto err;
    }
    if (*ctx->cfg.warc_dir &&
        !(ctx->warc =
              ww__warcw_new(ctx->cfg.warc_dir, ctx->cfg.warc_max_bytes, err, errlen)))
        goto err;
    if (ww__fetch_feeds_load(ctx, cfg, err, errlen) < 0)
        goto err;
    curl_multi_setopt(ctx->multi, CURLMOPT_MAX_HOST_CONNECTIONS, ctx->cfg.max_host_conns);
    curl_multi_setopt(ctx->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, ctx->cfg.max_in_flight);
    curl_multi_setopt(ctx->multi, CURLMOPT_MAXCONNECTS, ctx->cfg.max_in_flight);
    if (base_headers(ctx) < 0) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto err;
    }
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETFUNCTION, ww__loop_on_socket);
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETDATA, &ctx->loop);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERFUNCTION, ww__loop_on_timer);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERDATA, &ctx->loop);
    return ctx;
err:
    fetch_destroy(ctx);
    return NULL;
}

static void fetch_destroy(void *vctx) {
    fetch_ctx *ctx = vctx;
    if (!ctx)
        return;
    if (ctx->multi) {
        /* Transfers still running are dropped (the runtime drains before destroy). */
        while (ctx->xfers) {
            xfer *x = ctx->xfers;
            ww__req_free(x->req);
            x->req = NULL;
            ww__transfer_free(x);
        }
        curl_multi_cleanup(ctx->multi);
    }
    for (int i = 0; i < ctx->npool; i++) {
        curl_easy_cleanup(ctx->pool[i].easy);
        free(ctx->pool[i].body);
    }
    free(ctx->pool);
    ww__files_free(ctx->files);
    /* Owners of requests a forced stop cut short: their jobs are the runtime's to
     * abandon; only the owners are ours. */
    ww__owners_drop(&ctx->owners);
    ww__hosts_free(&ctx->hosts);
    ww__loop_free(&ctx->loop);
    curl_slist_free_all(ctx->base_hdrs);
    ww__seen_free(ctx->seen);
    ww__validators_free(ctx->validators);
    ww__warcw_free(ctx->warc);
    ww__feeds_free(ctx->feeds);
    ww__fetch_cfg_free(&ctx->cfg);
    free(ctx);
}

static int fetch_poll(void *vctx, int timeout_ms) {
    fetch_ctx *ctx = vctx;
    ww__loop_clock(&ctx->loop);
    if (ww__files_busy(ctx->files) && ww__files_step(ctx->files, WARC_SLICE_US) > 0)
        timeout_ms = 0; /* files still being read: no sleeping */
    int64_t wake = dispatch(ctx);
    int wait = timeout_ms;
    if (wake >= 0 && wake / 1000 + 1 < wait)
        wait = (int)(wake / 1000 + 1);
    if (ctx->active > 0 || ctx->hosts.queued > 0) {
        /* transfers just added are due at once: their requests go out before we wait */
        ww__loop_timeouts(&ctx->loop);
        reap(ctx);
        ww__loop_run(&ctx->loop, ww__loop_wait_ms(&ctx->loop, wait));
        reap(ctx);
        dispatch(ctx);
        ww__loop_timeouts(&ctx->loop);
    }
    return ctx->owners.jobs;
}

static int fetch_capacity(void *vctx) {
    fetch_ctx *ctx = vctx;
    return (int)ctx->cfg.max_in_flight;
}

const ww_stage_ops ww_fetch_stage = {
    .name = "fetch",
    .in_type = &wirewatch__v1__fetch_request__descriptor,
    .out_type = &wirewatch__v1__page__descriptor,
    .config_keys = ww__fetch_keys,
    .create = fetch_create,
    .destroy = fetch_destroy,
    .submit = ww__fetch_submit,
    .poll = fetch_poll,
    .capacity = fetch_capacity,
    .reload = NULL,
    .timer = ww__fetch_timer,
    .timer_ms = 100,
};
