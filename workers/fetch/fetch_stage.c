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
 * bytes and decoded bytes. */
#include <ctype.h>
#include <errno.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fetch_internal.h"
#include "wirewatch/feed.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

#define STAGE "fetch"

const char *const ww__limit_names[WW__LIM_COUNT] = {
    "connect_timeout",  "total_timeout",  "low_speed",
    "max_redirects",    "max_wire_bytes", "max_decoded_bytes",
    "max_header_bytes", "max_retries",    "max_depth",
};

/* ---- configuration ---------------------------------------------------------------- */

static const ww_config_key fetch_keys[] = {
    {"fetch.user_agent", WW_CFG_STR, "\"wirewatch/0.1 (+https://github.com/wirewatch)\"",
     "User-Agent header sent with every request."},
    {"fetch.robots_agent", WW_CFG_STR, "\"wirewatch\"",
     "Product token matched against robots.txt User-agent lines."},
    {"fetch.obey_robots", WW_CFG_BOOL, "true", "Fetch and obey robots.txt (RFC 9309)."},
    {"fetch.max_in_flight", WW_CFG_INT, "256",
     "Transfers in flight at once (1 to thousands); also the job capacity."},
    {"fetch.max_host_connections", WW_CFG_INT, "2",
     "At most this many transfers to one host (scheme://host:port) at once."},
    {"fetch.host_delay_ms", WW_CFG_INT, "1000",
     "Minimum delay between requests to one host, and after one finishes (0 = none)."},
    {"fetch.max_crawl_delay_s", WW_CFG_INT, "30",
     "robots.txt Crawl-delay is honoured up to this many seconds."},
    {"fetch.connect_timeout_ms", WW_CFG_INT, "10000", "Connect timeout per transfer."},
    {"fetch.timeout_ms", WW_CFG_INT, "30000", "Total time limit per transfer."},
    {"fetch.low_speed_bytes", WW_CFG_INT, "100",
     "Abort a transfer slower than this many bytes/s for low_speed_time_s."},
    {"fetch.low_speed_time_s", WW_CFG_INT, "10", "Window of the low-speed abort."},
    {"fetch.max_redirects", WW_CFG_INT, "5", "Redirects followed per request."},
    {"fetch.max_wire_bytes", WW_CFG_INT, "16777216",
     "Cap on bytes received on the wire (compressed) per response."},
    {"fetch.max_body_bytes", WW_CFG_INT, "8388608",
     "Cap on decoded body bytes per response (a gzip bomb stops here)."},
    {"fetch.max_header_bytes", WW_CFG_INT, "65536", "Cap on response header bytes."},
    {"fetch.recv_buffer_bytes", WW_CFG_INT, "0",
     "libcurl's receive buffer per transfer (0 = 8 MiB shared by max_in_flight, 16-128 KiB)."},
    {"fetch.keep_truncated", WW_CFG_BOOL, "false",
     "Emit a Page (truncated=true) when the decoded-bytes cap is hit."},
    {"fetch.http2", WW_CFG_BOOL, "true",
     "Use HTTP/2 over TLS when the server offers it."},
    {"fetch.allow_private", WW_CFG_BOOL, "false",
     "Allow loopback, private and link-local targets (SSRF guard off; for tests)."},
    {"fetch.allow_cidrs", WW_CFG_JSON, "[]",
     "CIDRs the SSRF guard allows even though they are private (\"10.1.0.0/16\")."},
    {"fetch.robots_ttl_s", WW_CFG_INT, "86400",
     "How long a fetched robots.txt is cached."},
    {"fetch.robots_error_ttl_s", WW_CFG_INT, "600",
     "How long an unreachable/5xx robots.txt (disallow all) is cached."},
    {"fetch.robots_max_bytes", WW_CFG_INT, "524288", "Bytes of robots.txt parsed."},
    {"fetch.max_retries", WW_CFG_INT, "2",
     "Retries after 429/503/502/504 or a failed connection."},
    {"fetch.max_retry_after_s", WW_CFG_INT, "300",
     "A longer Retry-After ends the request as http-error instead of waiting."},
    {"fetch.backoff_base_ms", WW_CFG_INT, "1000",
     "Delay added to a host after an error, doubled per consecutive error."},
    {"fetch.backoff_max_ms", WW_CFG_INT, "60000", "Upper bound of the error backoff."},
    {"fetch.seen_ttl_s", WW_CFG_INT, "86400",
     "A discovered URL is fetched at most once per this many seconds (0 = no seen-set)."},
    {"fetch.seen_max", WW_CFG_INT, "1000000",
     "Entries in the seen-set (oldest dropped)."},
    {"fetch.dedupe_seeds", WW_CFG_BOOL, "false",
     "Apply the seen-set to SEED requests too (feeds re-polled as seeds then wait)."},
    {"fetch.validators_max", WW_CFG_INT, "100000",
     "URLs whose ETag/Last-Modified are remembered for conditional GET (LRU)."},
    {"fetch.drop_params", WW_CFG_JSON,
     "[\"utm_*\",\"fbclid\",\"gclid\",\"dclid\",\"msclkid\",\"yclid\",\"mc_cid\","
     "\"mc_eid\",\"_ga\",\"igshid\"]",
     "Query parameters removed when normalising URLs (trailing * = prefix)."},
    {"fetch.follow_discovered", WW_CFG_BOOL, "false",
     "Also fetch what feeds and sitemaps list (embedded mode), up to max_depth."},
    {"fetch.max_depth", WW_CFG_INT, "2",
     "Discovered requests deeper than this are dropped."},
    {"fetch.allow_file", WW_CFG_BOOL, "false",
     "Read file:// URLs from any request: the worker's input (Kafka, ZeroMQ, a file, "
     "stdin), URLs found in feeds and sitemaps, fetch.feeds.  Off, only the inputs given "
     "to `wirewatch run` on its command line are read as files."},
    {"fetch.max_hosts", WW_CFG_INT, "100000",
     "Idle hosts (and their robots.txt) beyond this many are forgotten."},
    {"fetch.ca_file", WW_CFG_STR, "\"\"",
     "PEM file of CA certificates to trust instead of the system's (\"\" = system)."},
    {"fetch.warc_dir", WW_CFG_STR, "\"\"",
     "Write every fetched page as a WARC response record into this directory (\"\" = off)."},
    {"fetch.warc_max_bytes", WW_CFG_INT, "1073741824",
     "Start a new WARC file when the current one passes this size."},
    {"fetch.feeds", WW_CFG_JSON, "[]",
     "Feed/sitemap URLs re-polled on an adaptive schedule while the worker's input is "
     "open (stdin, ZeroMQ, Kafka); each item is emitted on --discovered once."},
    {"fetch.feed_interval_s", WW_CFG_NUM, "600", "First re-poll interval of each feed."},
    {"fetch.feed_min_interval_s", WW_CFG_NUM, "60",
     "Shortest re-poll interval: a poll that found new items halves the interval."},
    {"fetch.feed_max_interval_s", WW_CFG_NUM, "3600",
     "Longest re-poll interval: a poll with nothing new (or an error) doubles it."},
    {"fetch.feed_jitter", WW_CFG_NUM, "0.1",
     "Each re-poll interval is scaled by a random factor in [1-jitter, 1+jitter]."},
    {"fetch.feed_items_max", WW_CFG_INT, "2000",
     "Item URLs remembered per feed so each is emitted once (more than a feed lists)."},
    {NULL, 0, NULL, NULL},
};

static void cfg_free(fetch_cfg *c) {
    free(c->user_agent);
    free(c->robots_agent);
    free(c->warc_dir);
    free(c->ca_file);
    for (size_t i = 0; i < c->n_drop; i++)
        free(c->drop_params[i]);
    free(c->drop_params);
    ww_cidr_list_free(c->allow);
}

static int cfg_load(fetch_cfg *c, const ww_config *cfg, char *err, size_t errlen) {
#define I(k) ww_config_int(cfg, "fetch." k)
#define B(k) ww_config_bool(cfg, "fetch." k)
    memset(c, 0, sizeof *c);
    c->user_agent = strdup(ww_config_str(cfg, "fetch.user_agent"));
    c->robots_agent = strdup(ww_config_str(cfg, "fetch.robots_agent"));
    c->obey_robots = B("obey_robots");
    c->http2 = B("http2");
    c->allow_private = B("allow_private");
    c->keep_truncated = B("keep_truncated");
    c->follow_discovered = B("follow_discovered");
    c->allow_file = B("allow_file");
    c->dedupe_seeds = B("dedupe_seeds");
    c->max_in_flight = (long)I("max_in_flight");
    c->max_host_conns = (long)I("max_host_connections");
    c->max_redirects = (long)I("max_redirects");
    c->max_retries = (long)I("max_retries");
    c->max_depth = (long)I("max_depth");
    c->max_hosts = (long)I("max_hosts");
    c->host_delay_us = I("host_delay_ms") * 1000;
    c->max_crawl_delay_us = I("max_crawl_delay_s") * 1000000;
    c->connect_timeout_ms = I("connect_timeout_ms");
    c->timeout_ms = I("timeout_ms");
    c->low_speed_bytes = (long)I("low_speed_bytes");
    c->low_speed_time_s = (long)I("low_speed_time_s");
    c->max_wire_bytes = I("max_wire_bytes");
    c->max_body_bytes = I("max_body_bytes");
    c->max_header_bytes = I("max_header_bytes");
    c->recv_buffer_bytes = (long)I("recv_buffer_bytes");
    c->robots_max_bytes = I("robots_max_bytes");
    c->robots_ttl_us = I("robots_ttl_s") * 1000000;
    c->robots_error_ttl_us = I("robots_error_ttl_s") * 1000000;
    c->max_retry_after_us = I("max_retry_after_s") * 1000000;
    c->backoff_base_us = I("backoff_base_ms") * 1000;
    c->backoff_max_us = I("backoff_max_ms") * 1000;
    c->seen_ttl_us = I("seen_ttl_s") * 1000000;
    c->seen_max = (long)I("seen_max");
    c->validators_max = (long)I("validators_max");
    c->warc_max_bytes = I("warc_max_bytes");
    c->warc_dir = strdup(ww_config_str(cfg, "fetch.warc_dir"));
    c->ca_file = strdup(ww_config_str(cfg, "fetch.ca_file"));
#undef I
#undef B
    if (!c->recv_buffer_bytes) {
        /* A bigger buffer means fewer recv calls per page, and libcurl 7.88 follows
         * every recv that fills the buffer with a poll(2) to see if more is waiting:
         * a 50 KB page costs 4 recv + 3 poll with the 16 KiB default, 1 + 0 with 128
         * KiB (docs/benchmarks.md).  libcurl allocates it per transfer, so the total
         * is bounded by sharing a budget among the transfers in flight. */
        long b = (8L << 20) / c->max_in_flight;
        c->recv_buffer_bytes = b < 16384 ? 16384 : b > 131072 ? 131072 : b;
    }
    if (!c->user_agent || !c->robots_agent || !c->warc_dir || !c->ca_file)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    if (c->max_in_flight < 1 || c->max_host_conns < 1 || c->max_redirects < 0 ||
        c->max_retries < 0 || c->max_depth < 0 || c->host_delay_us < 0 ||
        c->connect_timeout_ms < 1 || c->timeout_ms < 1 || c->max_wire_bytes < 1 ||
        c->max_body_bytes < 1 || c->max_header_bytes < 1 || c->robots_max_bytes < 1 ||
        c->seen_max < 1 || c->validators_max < 1 || c->max_hosts < 1 ||
        c->recv_buffer_bytes < 0 || c->recv_buffer_bytes > CURL_MAX_READ_SIZE)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "fetch: a limit is out of range (counts >= 1, times > 0)");
    if (!*c->robots_agent)
        return ww_seterr(err, errlen, WW_EINVAL, "fetch.robots_agent is empty");

    json_t *dp = ww_config_json(cfg, "fetch.drop_params");
    json_t *ac = ww_config_json(cfg, "fetch.allow_cidrs");
    if (!json_is_array(dp) || !json_is_array(ac))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "fetch.drop_params and fetch.allow_cidrs must be arrays");
    c->drop_params = calloc(json_array_size(dp) + 1, sizeof *c->drop_params);
    if (!c->drop_params)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(dp); i++) {
        const char *s = json_string_value(json_array_get(dp, i));
        if (!s)
            return ww_seterr(err, errlen, WW_EINVAL,
                             "fetch.drop_params[%zu] is not a string", i);
        if (!(c->drop_params[c->n_drop] = strdup(s)))
            return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        c->n_drop++;
    }
    size_t na = json_array_size(ac);
    const char **cidrs = calloc(na + 1, sizeof *cidrs);
    if (!cidrs)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    for (size_t i = 0; i < na; i++)
        cidrs[i] = json_string_value(json_array_get(ac, i));
    char e2[160] = "";
    c->allow = ww_cidr_list_new(cidrs, na, e2, sizeof e2);
    free(cidrs);
    if (!c->allow)
        return ww_seterr(err, errlen, WW_EINVAL, "fetch.allow_cidrs: %s", e2);
    return 0;
}

/* ---- hosts ------------------------------------------------------------------------ */

enum { ROBOTS_NONE = 0, ROBOTS_FETCHING, ROBOTS_HAVE };

struct fhost {
    char *origin;
    fhost *hnext;         /* hash chain */
    fhost *pnext, *pprev; /* pending list (hosts with queued requests) */
    int pending;
    freq *qhead, *qtail;
    size_t qlen;
    int active; /* transfers running (robots included) */
    ww_bucket bucket;
    int64_t delay_us; /* current spacing (host delay or Crawl-delay) */
    ww_robots *robots;
    int robots_state;
    int64_t robots_expiry_us;
    const char *robots_ssrf; /* robots.txt fetch was refused by the SSRF guard */
    char robots_why[96];     /* why everything is disallowed ("" = robots.txt says so) */
    int errors;              /* consecutive */
    int64_t last_used_us;
};

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
    fhost **htab;
    size_t hcap, nhosts;
    fhost *pend_head;
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
    int jobs;          /* runtime jobs not yet done */
    fowner *owners;    /* their owners */
    long queued;       /* requests waiting in host queues */
    int64_t next_trim_us;
    ww__seen *seen;
    ww__validators *validators;
    ww__warcw *warc;         /* NULL unless fetch.warc_dir */
    ww__warc_job *warc_jobs; /* WARC input files being read (fetch_file.c) */
    ww__feeds *feeds;        /* NULL unless fetch.feeds */
};

const fetch_cfg *ww__fetch_cfg(const fetch_ctx *ctx) { return &ctx->cfg; }
ww__warc_job **ww__fetch_warc_jobs(fetch_ctx *ctx) { return &ctx->warc_jobs; }

/* How long each WARC input file is read per loop turn: transfers in flight are
 * served between slices. */
#define WARC_SLICE_US 2000

/* Double the host table; on ENOMEM keep the old one (longer chains, still correct). */
static void host_rehash(fetch_ctx *ctx) {
    size_t ncap = ctx->hcap * 2;
    fhost **nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return;
    for (size_t i = 0; i < ctx->hcap; i++)
        for (fhost *h = ctx->htab[i], *hn; h; h = hn) {
            hn = h->hnext;
            size_t j = ww__fetch_hash(h->origin) & (ncap - 1);
            h->hnext = nt[j];
            nt[j] = h;
        }
    free(ctx->htab);
    ctx->htab = nt;
    ctx->hcap = ncap;
}

static fhost *host_get(fetch_ctx *ctx, const char *origin, int64_t now) {
    size_t i = ww__fetch_hash(origin) & (ctx->hcap - 1);
    for (fhost *h = ctx->htab[i]; h; h = h->hnext)
        if (strcmp(h->origin, origin) == 0)
            return h;
    fhost *h = calloc(1, sizeof *h);
    if (!h || !(h->origin = strdup(origin))) {
        free(h);
        return NULL;
    }
    h->delay_us = ctx->cfg.host_delay_us;
    ww_bucket_init(&h->bucket, h->delay_us > 0 ? 1e6 / (double)h->delay_us : 0, 1, now);
    h->hnext = ctx->htab[i];
    ctx->htab[i] = h;
    ctx->nhosts++;
    if (ctx->nhosts > ctx->hcap * 2)
        host_rehash(ctx);
    return h;
}

static void host_free(fhost *h) {
    ww_robots_free(h->robots);
    free(h->origin);
    free(h);
}

/* Forget idle hosts when there are too many: bounded memory on an endless crawl. */
static void hosts_trim(fetch_ctx *ctx, int64_t now) {
    if ((long)ctx->nhosts <= ctx->cfg.max_hosts || now < ctx->next_trim_us)
        return;
    ctx->next_trim_us = now + 1000000;      /* a full scan at most once a second */
    int64_t horizon = now - 60 * 1000000ll; /* keep anything used in the last minute */
    for (size_t i = 0; i < ctx->hcap; i++)
        for (fhost **pp = &ctx->htab[i]; *pp;) {
            fhost *h = *pp;
            if (!h->pending && !h->active && !h->qhead && h->last_used_us < horizon) {
                *pp = h->hnext;
                host_free(h);
                ctx->nhosts--;
            } else {
                pp = &h->hnext;
            }
        }
}

static void pend_add(fetch_ctx *ctx, fhost *h) {
    if (h->pending)
        return;
    h->pending = 1;
    h->pprev = NULL;
    h->pnext = ctx->pend_head;
    if (ctx->pend_head)
        ctx->pend_head->pprev = h;
    ctx->pend_head = h;
}

static void pend_del(fetch_ctx *ctx, fhost *h) {
    if (!h->pending)
        return;
    h->pending = 0;
    if (h->pprev)
        h->pprev->pnext = h->pnext;
    else
        ctx->pend_head = h->pnext;
    if (h->pnext)
        h->pnext->pprev = h->pprev;
}

static void host_push(fetch_ctx *ctx, fhost *h, freq *r, int front) {
    r->host = h;
    if (front) {
        r->next = h->qhead;
        h->qhead = r;
        if (!h->qtail)
            h->qtail = r;
    } else {
        r->next = NULL;
        if (h->qtail)
            h->qtail->next = r;
        else
            h->qhead = r;
        h->qtail = r;
    }
    h->qlen++;
    ctx->queued++;
    pend_add(ctx, h);
}

static freq *host_pop(fetch_ctx *ctx, fhost *h) {
    freq *r = h->qhead;
    h->qhead = r->next;
    if (!h->qhead)
        h->qtail = NULL;
    r->next = NULL;
    h->qlen--;
    ctx->queued--;
    return r;
}

/* Spacing for the host: the configured delay or robots.txt Crawl-delay (bounded),
 * whichever is longer. */
static void host_set_delay(fetch_ctx *ctx, fhost *h) {
    int64_t d = ctx->cfg.host_delay_us;
    if (h->robots) {
        double cd = ww_robots_crawl_delay(h->robots);
        if (cd > 0) {
            int64_t cdus = (int64_t)(cd * 1e6);
            if (cdus > ctx->cfg.max_crawl_delay_us)
                cdus = ctx->cfg.max_crawl_delay_us;
            if (cdus > d)
                d = cdus;
        }
    }
    if (d != h->delay_us) {
        h->delay_us = d;
        h->bucket.rate = d > 0 ? 1e6 / (double)d : 0;
    }
}

/* ---- requests and jobs ------------------------------------------------------------ */

static void req_free(freq *r) {
    if (!r)
        return;
    free(r->url);
    free(r->path_query);
    curl_url_cleanup(r->curlu);
    if (r->trace && (!r->src || r->trace != r->src->trace))
        protobuf_c_message_free_unpacked(&r->trace->base, NULL);
    if (r->src) {
        wirewatch__v1__fetch_request__free_unpacked(r->src, NULL);
    } else {
        free(r->req_url);
        free(r->request_id);
        free(r->parent_url);
    }
    free(r);
}

/* The owner of a runtime job, holding one reference (released by owner_release). */
static fowner *owner_new(fetch_ctx *ctx, ww_job *job) {
    fowner *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->job = job;
    o->refs = 1;
    o->next = ctx->owners;
    if (ctx->owners)
        ctx->owners->prev = o;
    ctx->owners = o;
    ctx->jobs++;
    return o;
}

static void owner_unlink(fetch_ctx *ctx, fowner *o) {
    if (o->prev)
        o->prev->next = o->next;
    else
        ctx->owners = o->next;
    if (o->next)
        o->next->prev = o->prev;
}

static void owner_release(fetch_ctx *ctx, fowner *o) {
    if (o && --o->refs == 0) {
        owner_unlink(ctx, o);
        ww_job_done(o->job);
        ctx->jobs--;
        free(o);
    }
}

static void add_limits(Wirewatch__V1__StatusEvent *ev, unsigned limits, char **buf) {
    size_t n = 0;
    for (int i = 0; i < WW__LIM_COUNT; i++)
        if (limits & (1u << i))
            buf[n++] = (char *)ww__limit_names[i];
    ev->limits_hit = buf;
    ev->n_limits_hit = n;
}

/* Counter names are literals: the runtime keeps the pointer it is given. */
static const char *const limit_counters[WW__LIM_COUNT] = {
    "limit_connect_timeout",  "limit_total_timeout",  "limit_low_speed",
    "limit_max_redirects",    "limit_max_wire_bytes", "limit_max_decoded_bytes",
    "limit_max_header_bytes", "limit_max_retries",    "limit_max_depth",
};

static void count_limits(ww_job *job, unsigned limits) {
    for (int i = 0; i < WW__LIM_COUNT; i++)
        if (limits & (1u << i))
            ww_job_count(job, limit_counters[i], 1);
}

static const char *status_counter(const char *status) {
    static const char *const names[][2] = {
        {"fetched", "status_fetched"},
        {"not-modified", "status_not_modified"},
        {"robots-denied", "status_robots_denied"},
        {"ssrf-denied", "status_ssrf_denied"},
        {"too-large", "status_too_large"},
        {"timeout", "status_timeout"},
        {"too-many-redirects", "status_too_many_redirects"},
        {"http-error", "status_http_error"},
        {"dns-error", "status_dns_error"},
        {"tls-error", "status_tls_error"},
        {"error", "status_error"},
        {"denied", "status_denied"},
        {"duplicate", "status_duplicate"},
        {"invalid-url", "status_invalid_url"},
        {"not-found", "status_not_found"},
        {"malformed-record", "status_malformed_record"},
        {"malformed-request", "status_malformed_request"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(status, names[i][0]) == 0)
            return names[i][1];
    return "status_other";
}

static void emit_status(fetch_ctx *ctx, freq *r, const char *url, const char *status,
                        int http_status, const char *detail, unsigned limits,
                        int64_t bytes, int64_t duration_us) {
    if (!r->own)
        return;
    Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
    char *lim[WW__LIM_COUNT];
    ev.stage = STAGE;
    ev.url = (char *)(url ? url : r->req_url);
    ev.request_id = r->request_id ? r->request_id : "";
    ev.status = (char *)status;
    ev.http_status = http_status;
    ev.detail = (char *)(detail ? detail : "");
    add_limits(&ev, limits, lim);
    ev.at_us = ww_now_us();
    ev.bytes = bytes;
    ev.duration_us = duration_us;
    ww_job_count(r->own->job, status_counter(status), 1);
    count_limits(r->own->job, limits);
    int rc = ww_job_emit(r->own->job, WW_OUT_STATUS, ev.url, &ev.base);
    if (rc)
        WW_WARN(STAGE, "status for %s not emitted: %s", ev.url, ww_strerror(rc));
    (void)ctx;
}

void ww__fetch_status_only(fetch_ctx *ctx, freq *r, const char *url, const char *status,
                           int http_status, const char *detail, int64_t bytes) {
    emit_status(ctx, r, url, status, http_status, detail, 0, bytes, 0);
}

void ww__fetch_finish(fetch_ctx *ctx, freq *r, const char *status, int http_status,
                      const char *detail, unsigned limits, int64_t bytes,
                      int64_t duration_us) {
    char fdetail[384];
    if (r->feed && ctx->feeds) {
        /* A scheduled feed poll: its outcome sets the next poll, which the status
         * event reports. */
        ww__feed *f = r->feed;
        int ok = strcmp(status, "fetched") == 0 || strcmp(status, "not-modified") == 0;
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
    emit_status(ctx, r, r->req_url, status, http_status, detail, limits, bytes,
                duration_us);
    owner_release(ctx, r->own);
    req_free(r);
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

static freq *req_new(fowner *own, const char *url, int origin, unsigned depth,
                     const char *parent, const char *request_id,
                     const Wirewatch__V1__Trace *trace) {
    freq *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->own = own;
    r->origin = origin;
    r->depth = depth;
    r->req_url = strdup(url ? url : "");
    r->parent_url = strdup(parent ? parent : "");
    r->request_id = strdup(request_id ? request_id : "");
    r->trace = trace ? ww_trace_copy(trace) : NULL;
    if (!r->req_url || !r->parent_url || !r->request_id || (trace && !r->trace)) {
        req_free(r);
        return NULL;
    }
    if (own)
        own->refs++;
    return r;
}

/* A request made from a decoded FetchRequest, which it keeps (NULL: out of memory,
 * fr is still the caller's).  An empty request id becomes the input's key. */
static freq *req_adopt(fowner *own, Wirewatch__V1__FetchRequest *fr, const char *key) {
    freq *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if ((!fr->request_id || !*fr->request_id) && key && *key) {
        /* protobuf-c frees a string field that is not its default: this one is ours */
        char *k = strdup(key);
        if (!k) {
            free(r);
            return NULL;
        }
        fr->request_id = k;
    }
    r->src = fr;
    r->own = own;
    r->origin = fr->origin;
    r->depth = fr->depth;
    r->req_url = fr->url ? fr->url : (char *)"";
    r->parent_url = fr->parent_url ? fr->parent_url : (char *)"";
    r->request_id = fr->request_id ? fr->request_id : (char *)"";
    r->trace = fr->trace;
    if (own)
        own->refs++;
    return r;
}

/* Route a new request: local file, invalid, duplicate, or onto its host's queue.
 * Always consumes r (finished or queued). */
static void enqueue(fetch_ctx *ctx, freq *r) {
    char err[256] = "";
    int64_t now = ctx->loop.now_us;
    if (strncasecmp(r->req_url, "file:", 5) == 0) {
        /* Only the operator may name local files: `wirewatch run`'s own inputs (a
         * trusted request, not what it leads to), or anything when fetch.allow_file
         * says so.  Otherwise whoever can write to the input topic, socket or file, or
         * to a feed, could publish file:///proc/self/environ (docs/security.md). */
        if (!ctx->cfg.allow_file && !r->trusted) {
            ww__fetch_finish(ctx, r, "denied", 0,
                             "file:// URLs are read only from wirewatch run's own inputs "
                             "or with fetch.allow_file=true",
                             0, 0, 0);
            return;
        }
        ww__fetch_file(ctx, r);
        return;
    }
    ww_url_parts parts;
    int rc = ww_url_normalize_parts(r->req_url, (const char *const *)ctx->cfg.drop_params,
                                    ctx->cfg.n_drop, &r->url, &parts, err, sizeof err);
    if (rc) {
        ww__fetch_finish(ctx, r, rc == WW_ENOMEM ? "error" : "invalid-url", 0, err, 0, 0,
                         0);
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
        ww__fetch_finish(ctx, r, "duplicate", 0, "fetched within fetch.seen_ttl_s", 0, 0,
                         0);
        return;
    }
    fhost *h = host_get(ctx, origin, now);
    free(origin);
    if (!h) {
        ww__fetch_finish(ctx, r, "error", 0, "out of memory", 0, 0, 0);
        return;
    }
    h->last_used_us = now;
    host_push(ctx, h, r, 0);
}

/* ---- libcurl callbacks ------------------------------------------------------------ */

static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
                                 struct curl_sockaddr *a) {
    xfer *x = clientp;
    (void)purpose;
    const char *why =
        ww_ssrf_check(&a->addr, x->ctx->cfg.allow_private, x->ctx->cfg.allow);
    if (why) {
        x->ssrf = why;
        return CURL_SOCKET_BAD;
    }
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd != CURL_SOCKET_BAD)
        ww__loop_opened(&x->ctx->loop, fd);
    return fd;
}

/* Every socket open_socket made is closed here (libcurl keeps the callback with the
 * connection), so the event loop knows a descriptor number is free again. */
static int close_socket(void *clientp, curl_socket_t fd) {
    ww__loop_closing(clientp, fd);
    return close(fd);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    xfer *x = ud;
    size_t len = size * n;
    if (x->len + len > x->body_cap) {
        len = x->body_cap - x->len;
        x->limits |= WW__LIM_DECODED_BYTES;
    }
    if (x->len + len > x->cap) {
        size_t cap = x->cap ? x->cap : 16384;
        curl_off_t cl = -1;
        if (!x->cap &&
            curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
                CURLE_OK &&
            cl > 0 && (size_t)cl <= x->body_cap)
            /* Usually right first time for identity encoding; a claimed length is not
             * trusted beyond 1 MiB up front (slow senders would pin it for nothing). */
            cap = (size_t)cl < ((size_t)1 << 20) ? (size_t)cl : ((size_t)1 << 20);
        while (cap < x->len + len)
            cap *= 2;
        if (cap > x->body_cap)
            cap = x->body_cap;
        uint8_t *nb = realloc(x->body, cap);
        if (!nb)
            return 0;
        x->body = nb;
        x->cap = cap;
    }
    memcpy(x->body + x->len, p, len);
    x->len += len;
    /* Returning short aborts the transfer: this is where a gzip bomb stops. */
    return (x->limits & WW__LIM_DECODED_BYTES) ? 0 : size * n;
}

static void hv_clear(xfer *x) {
    /* a header's name is one of kept_headers (static); its value is ours */
    for (size_t i = 0; i < x->n_hv; i++)
        free(x->hv[i]); /* the value is in the same block */
    x->n_hv = 0;
    x->etag = x->lastmod = x->retry_after = NULL; /* they point into hv */
}

#define KEPT(name)                                                                       \
    { name, sizeof name - 1 }
static const struct {
    const char *name;
    size_t len;
} kept_headers[] = {
    KEPT("content-type"),  KEPT("content-language"),
    KEPT("etag"),          KEPT("last-modified"),
    KEPT("date"),          KEPT("link"),
    KEPT("x-robots-tag"),  KEPT("expires"),
    KEPT("cache-control"), KEPT("retry-after"),
};
#undef KEPT

/* Trim blanks off both ends of [*v, *v + *n). */
static void trim(const char **v, size_t *n) {
    while (*n && isspace((unsigned char)**v)) {
        (*v)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*v)[*n - 1]))
        (*n)--;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* A new response (first, or after a redirect): record its URL. */
        char *eff = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
        char **nh = realloc(x->hops, (x->n_hops + 1) * sizeof *nh);
        if (!nh)
            return 0;
        x->hops = nh;
        if (!(x->hops[x->n_hops] = strdup(eff ? eff : "")))
            return 0;
        x->n_hops++;
        x->hdr_bytes = 0;
        x->rawh_len = 0;
        hv_clear(x);
    }
    x->hdr_bytes += len;
    if ((int64_t)x->hdr_bytes > x->ctx->cfg.max_header_bytes) {
        x->limits |= WW__LIM_HEADER_BYTES;
        return 0;
    }
    if (x->ctx->warc) {
        char *nb = realloc(x->rawh, x->rawh_len + len + 1);
        if (!nb)
            return 0;
        x->rawh = nb;
        memcpy(x->rawh + x->rawh_len, p, len);
        x->rawh_len += len;
        x->rawh[x->rawh_len] = '\0';
    }
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return len;
    size_t nl = (size_t)(colon - p);
    for (size_t k = 0; k < sizeof kept_headers / sizeof *kept_headers; k++) {
        if (kept_headers[k].len != nl || strncasecmp(p, kept_headers[k].name, nl) != 0)
            continue;
        if (x->n_hv >= sizeof x->hv / sizeof *x->hv)
            break; /* a hostile server repeating a header gets no more memory */
        const char *v = colon + 1;
        size_t vn = len - nl - 1;
        trim(&v, &vn);
        Wirewatch__V1__Header *h = malloc(sizeof *h + vn + 1);
        if (!h)
            return 0;
        wirewatch__v1__header__init(h);
        char *val = (char *)(h + 1);
        memcpy(val, v, vn);
        val[vn] = '\0';
        h->name = (char *)kept_headers[k].name;
        h->value = val;
        x->hv[x->n_hv++] = h;
        char **slot = k == 2   ? &x->etag
                      : k == 3 ? &x->lastmod
                      : k == 9 ? &x->retry_after
                               : NULL;
        if (slot && !*slot)
            *slot = val;
        break;
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    xfer *x = ud;
    (void)dltotal, (void)ultotal, (void)ulnow;
    /* dlnow counts bytes as received, before content decoding: the wire cap. */
    if (dlnow > x->ctx->cfg.max_wire_bytes) {
        x->limits |= WW__LIM_WIRE_BYTES;
        return 1;
    }
    return 0;
}

/* ---- starting and finishing transfers -------------------------------------------- */

/* Body buffers up to this size stay with a pooled handle for the next transfer. */
#define POOL_BODY_MAX ((size_t)1 << 20)
#define POOL_BYTES_MAX ((size_t)16 << 20)

static void xfer_free(xfer *x) {
    if (!x)
        return;
    if (x->xprev)
        x->xprev->xnext = x->xnext;
    else if (x->ctx->xfers == x)
        x->ctx->xfers = x->xnext;
    if (x->xnext)
        x->xnext->xprev = x->xprev;
    if (x->easy) {
        fetch_ctx *ctx = x->ctx;
        curl_multi_remove_handle(ctx->multi, x->easy);
        if (ctx->pool && ctx->npool < ctx->cfg.max_in_flight) {
            /* No curl_easy_reset: the constant options stay; drop the pointers into x. */
            curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, NULL);
            curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, NULL);
            curl_easy_setopt(x->easy, CURLOPT_CURLU, NULL); /* it wins over CURLOPT_URL */
            struct pooled *pe = &ctx->pool[ctx->npool++];
            pe->easy = x->easy;
            pe->body = NULL;
            pe->cap = 0;
            /* bounded: a big buffer, or many, are not pinned while idle */
            if (x->body && x->cap <= POOL_BODY_MAX &&
                ctx->pool_bytes + x->cap <= POOL_BYTES_MAX) {
                pe->body = x->body;
                pe->cap = x->cap;
                ctx->pool_bytes += x->cap;
                x->body = NULL;
            }
        } else {
            curl_easy_cleanup(x->easy);
        }
    }
    curl_slist_free_all(x->hdrs_out);
    free(x->body);
    for (size_t i = 0; i < x->n_hops; i++)
        free(x->hops[i]);
    free(x->hops);
    hv_clear(x);
    free(x->rawh);
    free(x);
}

/* The options every transfer shares, set once per easy handle (a pooled handle keeps
 * them: setting ~25 options per request, several of them string copies, was a
 * measurable part of a request's cost). */
static void easy_setup(fetch_ctx *ctx, CURL *e) {
    const fetch_cfg *c = &ctx->cfg;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, c->recv_buffer_bytes);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, &ctx->loop);
    /* Never a proxy, whatever the environment says: the guard must see the real peer.
     * (NOPROXY "*" also spares libcurl 7.88 two getenv calls per request.) */
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    if (c->low_speed_bytes > 0 && c->low_speed_time_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, c->low_speed_bytes);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->low_speed_time_s);
    }
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_wire_bytes);
    /* Decode all libcurl can (gzip, br, ...); the header itself is in base_hdrs. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     c->http2 ? (long)CURL_HTTP_VERSION_2TLS
                              : (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    /* User-Agent goes in base_hdrs: as CURLOPT_USERAGENT libcurl would format the
     * header anew for every request. */
    if (*c->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
}

/* Append a header line; out of memory leaves the list as it was (the request goes
 * without it). */
static void hdr_add(struct curl_slist **list, const char *line) {
    struct curl_slist *s = curl_slist_append(*list, line);
    if (s)
        *list = s;
}

static int start_transfer(fetch_ctx *ctx, freq *r) {
    const fetch_cfg *c = &ctx->cfg;
    xfer *x = calloc(1, sizeof *x);
    if (!x)
        return WW_ENOMEM;
    x->ctx = ctx;
    x->req = r;
    x->body_cap = (size_t)(r->robots ? c->robots_max_bytes : c->max_body_bytes);
    x->start_mono_us = ww_mono_us();
    CURL *e;
    if (ctx->npool) {
        struct pooled *pe = &ctx->pool[--ctx->npool];
        e = x->easy = pe->easy;
        x->body = pe->body;
        x->cap = pe->cap;
        ctx->pool_bytes -= pe->cap;
    } else {
        if (!(e = x->easy = curl_easy_init()))
            goto nomem;
        easy_setup(ctx, e);
    }
    if (!r->robots) {
        const char *etag, *lm;
        if (ww__validators_get(ctx->validators, r->url, &etag, &lm)) {
            char line[1024];
            /* this transfer's own list: the shared headers, then the validators */
            for (struct curl_slist *b = ctx->base_hdrs; b; b = b->next)
                hdr_add(&x->hdrs_out, b->data);
            if (etag) {
                snprintf(line, sizeof line, "If-None-Match: %s", etag);
                hdr_add(&x->hdrs_out, line);
            }
            if (lm) {
                snprintf(line, sizeof line, "If-Modified-Since: %s", lm);
                hdr_add(&x->hdrs_out, line);
            }
        }
    }
    /* Per transfer: what points into x, and what differs between requests.
     * Both the string and the parsed handle of the same URL: with the handle libcurl
     * need not parse the URL, with the string it need not print it again (libcurl
     * 7.88 renders a CURLOPT_CURLU handle only when it holds no URL string - which
     * also means the string must be set every time, or a pooled handle would report
     * the previous transfer's URL as this one's effective URL). */
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    if (r->curlu)
        curl_easy_setopt(e, CURLOPT_CURLU, r->curlu);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, r->robots ? 5L : c->max_redirects);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs_out ? x->hdrs_out : ctx->base_hdrs);
    if (curl_multi_add_handle(ctx->multi, e) != CURLM_OK)
        goto nomem;
    r->host->active++;
    ctx->active++;
    x->xnext = ctx->xfers;
    if (ctx->xfers)
        ctx->xfers->xprev = x;
    ctx->xfers = x;
    return 0;
nomem:
    if (x->easy) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    xfer_free(x);
    return WW_ENOMEM;
}

static int64_t parse_retry_after(const char *v, int64_t now_real_us) {
    if (!v || !*v)
        return -1;
    char *end;
    long long s = strtoll(v, &end, 10);
    if (end != v && *end == '\0')
        return s < 0 ? -1 : s * 1000000;
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t * 1000000 - now_real_us;
    return d < 0 ? 0 : d;
}

static void host_error(fetch_ctx *ctx, fhost *h, int64_t now) {
    h->errors++;
    int64_t b = ctx->cfg.backoff_base_us;
    for (int i = 1; i < h->errors && b < ctx->cfg.backoff_max_us; i++)
        b *= 2;
    if (b > ctx->cfg.backoff_max_us)
        b = ctx->cfg.backoff_max_us;
    ww_bucket_hold(&h->bucket, now + b);
}

static void robots_done(fetch_ctx *ctx, xfer *x, CURLcode rc, long code, int64_t now) {
    fhost *h = x->req->host;
    const fetch_cfg *c = &ctx->cfg;
    ww_robots *rb = NULL;
    int64_t ttl = c->robots_ttl_us;
    h->robots_ssrf = NULL;
    h->robots_why[0] = '\0';
    if (rc == CURLE_OK && code >= 200 && code < 300) {
        rb = ww_robots_parse((const char *)x->body, x->len, c->robots_agent,
                             (size_t)c->robots_max_bytes);
    } else if ((rc == CURLE_OK || rc == CURLE_WRITE_ERROR) &&
               (x->limits & WW__LIM_DECODED_BYTES) && code >= 200 && code < 300) {
        /* Larger than we parse: RFC 9309 lets us use the first part. */
        rb = ww_robots_parse((const char *)x->body, x->len, c->robots_agent,
                             (size_t)c->robots_max_bytes);
    } else if (rc == CURLE_OK && code >= 400 && code < 500 && code != 429) {
        rb = ww_robots_new_all(1); /* "unavailable": no restrictions */
    } else {
        /* 5xx, 429, unreachable, redirect loop: "unreachable", assume disallow all. */
        rb = ww_robots_new_all(0);
        ttl = c->robots_error_ttl_us;
        if (rc != CURLE_OK && x->ssrf)
            h->robots_ssrf = x->ssrf;
        if (rc != CURLE_OK)
            snprintf(h->robots_why, sizeof h->robots_why, "robots.txt unreachable: %s",
                     curl_easy_strerror(rc));
        else
            snprintf(h->robots_why, sizeof h->robots_why,
                     "robots.txt answered HTTP %ld: disallow all", code);
        WW_DEBUG(STAGE, "robots.txt of %s unavailable (%s, HTTP %ld): disallow all",
                 h->origin, rc ? curl_easy_strerror(rc) : "ok", code);
    }
    ww_robots_free(h->robots);
    h->robots = rb; /* NULL on ENOMEM: the next request refetches */
    h->robots_state = rb ? ROBOTS_HAVE : ROBOTS_NONE;
    h->robots_expiry_us = now + ttl;
    host_set_delay(ctx, h);
    req_free(x->req);
    x->req = NULL;
}

static void page_done(fetch_ctx *ctx, xfer *x, long code, int64_t dur) {
    freq *r = x->req;
    char *final_url = NULL, *ct = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &final_url);
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (x->etag || x->lastmod)
        ww__validators_put(ctx->validators, r->url, x->etag, x->lastmod);
    char detail[256] = "";
    ww__body b = {x->body, x->len, ct, final_url ? final_url : r->url};
    unsigned dlim = 0;
    int fk = ww__fetch_discover(ctx, r, &b, detail, sizeof detail, &dlim);
    if (fk != 0) {
        ww__fetch_finish(ctx, r, fk > 0 ? "fetched" : "error", (int)code, detail, dlim,
                         (int64_t)x->len, dur);
        x->req = NULL;
        return;
    }
    Wirewatch__V1__Page pg = WIREWATCH__V1__PAGE__INIT;
    curl_off_t t_conn = 0, t_first = 0;
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &t_conn);
    curl_easy_getinfo(x->easy, CURLINFO_STARTTRANSFER_TIME_T, &t_first);
    char charset[64];
    ww__charset_of(ct, charset, sizeof charset);
    pg.requested_url = r->req_url;
    pg.final_url = (char *)b.final_url;
    pg.redirects = x->hops;
    pg.n_redirects = x->n_hops ? x->n_hops - 1 : 0;
    pg.status = (int32_t)code;
    pg.headers = x->hv;
    pg.n_headers = x->n_hv;
    pg.body.data = x->body;
    pg.body.len = x->len;
    pg.content_type = ct ? ct : "";
    pg.charset_hint = charset;
    pg.truncated = (x->limits & WW__LIM_DECODED_BYTES) != 0;
    pg.source = WIREWATCH__V1__PAGE__SOURCE__HTTP;
    pg.fetched_at_us = ww_now_us();
    pg.connect_us = (int64_t)t_conn;
    pg.first_byte_us = (int64_t)t_first;
    pg.total_us = dur;
    long hv = 0;
    curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &hv);
    pg.http_version = hv == CURL_HTTP_VERSION_2_0   ? "2"
                      : hv == CURL_HTTP_VERSION_3   ? "3"
                      : hv == CURL_HTTP_VERSION_1_0 ? "1.0"
                      : hv == CURL_HTTP_VERSION_1_1 ? "1.1"
                                                    : "";
    char digest[40];
    if (ctx->warc) {
        char *ip = NULL, *wfile = NULL;
        int64_t woff = 0;
        curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip);
        int wrc =
            ww__warcw_response(ctx->warc, pg.final_url, ip, x->rawh, x->rawh_len, x->body,
                               x->len, pg.truncated, &wfile, &woff, digest);
        if (wrc == 0) {
            pg.warc_file = wfile;
            pg.warc_offset = woff;
            pg.payload_digest = digest;
            ww_job_count(r->own->job, "warc_records_written", 1);
        } else {
            ww_job_count(r->own->job, "warc_write_errors", 1);
            WW_WARN(STAGE, "WARC record for %s not written: %s", pg.final_url,
                    ww_strerror(wrc));
        }
    }
    int rc = ww__fetch_emit_page(ctx, r, &pg);
    ww__fetch_finish(ctx, r, rc ? "error" : "fetched", (int)code,
                     rc ? ww_strerror(rc) : "", x->limits, (int64_t)x->len, dur);
    x->req = NULL;
}

/* Map a finished transfer to its one terminal status (or a retry). */
static void transfer_done(fetch_ctx *ctx, xfer *x, CURLcode rc) {
    freq *r = x->req;
    fhost *h = r->host;
    const fetch_cfg *c = &ctx->cfg;
    int64_t now = ww_mono_us(), dur = now - x->start_mono_us;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    h->active--;
    ctx->active--;
    h->last_used_us = now;
    /* Politeness counts from the end of a request too: the server sees requests no
     * closer than the delay even when connection set-up times differ. */
    ww_bucket_hold(&h->bucket, now);

    if (r->robots) {
        robots_done(ctx, x, rc, code, now);
        return;
    }
    const char *status = NULL;
    char detail[CURL_ERROR_SIZE + 64] = "";
    int retry = 0;
    if (rc != CURLE_OK && x->ssrf) {
        status = "ssrf-denied";
        snprintf(detail, sizeof detail, "refused %s address", x->ssrf);
    } else if (x->limits & WW__LIM_HEADER_BYTES) {
        status = "too-large";
        snprintf(detail, sizeof detail, "response headers over %lld bytes",
                 (long long)c->max_header_bytes);
    } else if ((x->limits & WW__LIM_WIRE_BYTES) || rc == CURLE_FILESIZE_EXCEEDED) {
        x->limits |= WW__LIM_WIRE_BYTES;
        status = "too-large";
        snprintf(detail, sizeof detail, "more than %lld bytes on the wire",
                 (long long)c->max_wire_bytes);
    } else if (x->limits & WW__LIM_DECODED_BYTES) {
        if (c->keep_truncated && code >= 200 && code < 300) {
            page_done(ctx, x, code, dur);
            return;
        }
        status = "too-large";
        snprintf(detail, sizeof detail, "body over %lld decoded bytes",
                 (long long)c->max_body_bytes);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t tconn = 0;
        curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &tconn);
        if (tconn == 0 && x->n_hops == 0)
            x->limits |= WW__LIM_CONNECT_TIMEOUT;
        else if (dur >= c->timeout_ms * 1000 - 50000)
            x->limits |= WW__LIM_TOTAL_TIMEOUT;
        else
            x->limits |= WW__LIM_LOW_SPEED;
        status = "timeout";
        snprintf(detail, sizeof detail, "%s",
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
        host_error(ctx, h, now);
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
        x->limits |= WW__LIM_REDIRECTS;
        status = "too-many-redirects";
        snprintf(detail, sizeof detail, "more than %ld redirects", c->max_redirects);
    } else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
        status = "dns-error";
        snprintf(detail, sizeof detail, "%s",
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
               rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE) {
        status = "tls-error";
        snprintf(detail, sizeof detail, "%s",
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
        status = "denied";
        snprintf(detail, sizeof detail, "scheme not allowed: %s", x->errbuf);
    } else if (rc != CURLE_OK) {
        status = "error";
        snprintf(detail, sizeof detail, "%s",
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
        retry = rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING;
        host_error(ctx, h, now);
    } else if (code == 304) {
        status = "not-modified";
        h->errors = 0;
    } else if (code == 429 || code == 503 || code == 502 || code == 504) {
        int64_t ra = parse_retry_after(x->retry_after, ww_now_us());
        if (ra > c->max_retry_after_us) {
            status = "http-error";
            snprintf(detail, sizeof detail,
                     "Retry-After %lld s is beyond fetch.max_retry_after_s",
                     (long long)(ra / 1000000));
        } else {
            if (ra >= 0)
                ww_bucket_hold(&h->bucket, now + ra);
            else
                host_error(ctx, h, now);
            retry = 1;
            status = "http-error";
            snprintf(detail, sizeof detail, "HTTP %ld", code);
        }
    } else if (code >= 200 && code < 300) {
        h->errors = 0;
        page_done(ctx, x, code, dur);
        return;
    } else {
        status = "http-error";
        snprintf(detail, sizeof detail, "HTTP %ld", code);
        if (code >= 500)
            host_error(ctx, h, now);
    }
    if (retry) {
        if (r->retries < c->max_retries) {
            r->retries++;
            if (r->own)
                ww_job_count(r->own->job, "retries", 1);
            host_push(ctx, h, r, 1);
            x->req = NULL;
            return;
        }
        x->limits |= WW__LIM_RETRIES;
    }
    ww__fetch_finish(ctx, r, status, (int)code, detail, x->limits, (int64_t)x->len, dur);
    x->req = NULL;
}

static void start_robots(fetch_ctx *ctx, fhost *h) {
    size_t n = strlen(h->origin) + sizeof "/robots.txt";
    freq *r = req_new(NULL, "", 0, 0, NULL, NULL, NULL);
    if (!r || !(r->url = malloc(n))) {
        req_free(r);
        return;
    }
    snprintf(r->url, n, "%s/robots.txt", h->origin);
    r->robots = 1;
    r->host = h;
    if (start_transfer(ctx, r) < 0) {
        req_free(r);
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
    for (fhost *h = ctx->pend_head, *hn; h; h = hn) {
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
                    host_pop(ctx, h);
                    if (h->robots_ssrf) {
                        char d[96];
                        snprintf(d, sizeof d, "refused %s address", h->robots_ssrf);
                        ww__fetch_finish(ctx, r, "ssrf-denied", 0, d, 0, 0, 0);
                    } else {
                        ww__fetch_finish(ctx, r, "robots-denied", 0,
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
            host_pop(ctx, h);
            if (start_transfer(ctx, r) < 0)
                ww__fetch_finish(ctx, r, "error", 0, "out of memory starting transfer", 0,
                                 0, 0);
        }
        if (!h->qhead)
            pend_del(ctx, h);
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
        transfer_done(ctx, x, rc);
        xfer_free(x);
    }
}

/* ---- feeds re-polled on a schedule ------------------------------------------------ */

static int feeds_load(fetch_ctx *ctx, const ww_config *cfg, char *err, size_t errlen) {
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
static void fetch_timer(void *vctx, ww_job *job) {
    fetch_ctx *ctx = vctx;
    int64_t now = ww_mono_us();
    fowner *own = NULL;
    size_t cur = 0;
    for (ww__feed *f; ctx->feeds && (f = ww__feeds_due(ctx->feeds, &cur, now));) {
        if (!own && !(own = owner_new(ctx, job))) /* its reference is released below */
            break;
        char rid[64];
        snprintf(rid, sizeof rid, "feed%zu.%lu", f->index, f->polls + 1);
        freq *r = req_new(own, f->url, WIREWATCH__V1__FETCH_REQUEST__ORIGIN__SEED, 0,
                          NULL, rid, NULL);
        if (!r)
            break; /* out of memory: the feed stays due, the next tick retries */
        ww__feed_started(f);
        r->feed = f;
        enqueue(ctx, r); /* may finish at once (file://): ww__fetch_finish reschedules */
    }
    if (own)
        owner_release(ctx, own);
    else
        ww_job_done(job);
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
    if (cfg_load(&ctx->cfg, cfg, err, errlen) < 0)
        goto err;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ww_seterr(err, errlen, WW_EIO, "curl_global_init failed");
        goto err;
    }
    ctx->hcap = 1024;
    ctx->htab = calloc(ctx->hcap, sizeof *ctx->htab);
    ctx->multi = curl_multi_init();
    if (ctx->multi && ww__loop_init(&ctx->loop, ctx->multi) < 0) {
        ww_seterr(err, errlen, WW_EIO, "epoll_create1: %s", strerror(errno));
        goto err;
    }
    ctx->pool = calloc((size_t)ctx->cfg.max_in_flight, sizeof *ctx->pool);
    ctx->validators = ww__validators_new((size_t)ctx->cfg.validators_max);
    if (ctx->cfg.seen_ttl_us > 0)
        ctx->seen = ww__seen_new((size_t)ctx->cfg.seen_max, ctx->cfg.seen_ttl_us);
    if (!ctx->htab || !ctx->multi || !ctx->pool || !ctx->validators ||
        (ctx->cfg.seen_ttl_us > 0 && !ctx->seen)) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto err;
    }
    if (*ctx->cfg.warc_dir &&
        !(ctx->warc =
              ww__warcw_new(ctx->cfg.warc_dir, ctx->cfg.warc_max_bytes, err, errlen)))
        goto err;
    if (feeds_load(ctx, cfg, err, errlen) < 0)
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
            req_free(x->req);
            x->req = NULL;
            xfer_free(x);
        }
        curl_multi_cleanup(ctx->multi);
    }
    for (int i = 0; i < ctx->npool; i++) {
        curl_easy_cleanup(ctx->pool[i].easy);
        free(ctx->pool[i].body);
    }
    free(ctx->pool);
    for (freq *r; (r = ww__fetch_warc_pop(ctx));)
        req_free(r);
    /* Owners of requests a forced stop cut short: their jobs are the runtime's to
     * abandon; only the owners are ours. */
    while (ctx->owners) {
        fowner *o = ctx->owners;
        owner_unlink(ctx, o);
        free(o);
    }
    for (size_t i = 0; ctx->htab && i < ctx->hcap; i++)
        for (fhost *h = ctx->htab[i], *hn; h; h = hn) {
            hn = h->hnext;
            for (freq *r = h->qhead, *rn; r; r = rn) {
                rn = r->next;
                req_free(r);
            }
            host_free(h);
        }
    free(ctx->htab);
    ww__loop_free(&ctx->loop);
    curl_slist_free_all(ctx->base_hdrs);
    ww__seen_free(ctx->seen);
    ww__validators_free(ctx->validators);
    ww__warcw_free(ctx->warc);
    ww__feeds_free(ctx->feeds);
    cfg_free(&ctx->cfg);
    free(ctx);
}

static void fetch_submit(void *vctx, ww_job *job) {
    fetch_ctx *ctx = vctx;
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    Wirewatch__V1__FetchRequest *fr =
        wirewatch__v1__fetch_request__unpack(NULL, len, data);
    if (!fr) {
        ww_job_dead_letter(job, WW_EMALFORMED, "FetchRequest does not decode");
        Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
        ev.stage = STAGE;
        ev.status = "malformed-request";
        ev.detail = "FetchRequest does not decode";
        ev.at_us = ww_now_us();
        ww_job_count(job, status_counter("malformed-request"), 1);
        ww_job_emit(job, WW_OUT_STATUS, NULL, &ev.base);
        ww_job_done(job);
        return;
    }
    fowner *own = owner_new(ctx, job); /* submit's own reference, released below */
    if (!own) {
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory");
        ww_job_done(job);
        wirewatch__v1__fetch_request__free_unpacked(fr, NULL);
        return;
    }
    freq *r = req_adopt(own, fr, ww_job_key(job));
    if (!r) {
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory");
        wirewatch__v1__fetch_request__free_unpacked(fr, NULL);
    } else {
        r->trusted = ww_job_input_trusted(job);
        if (fr->not_before_us > 0) {
            int64_t wait = fr->not_before_us - ww_now_us();
            r->not_before_mono_us = wait > 0 ? ww_mono_us() + wait : 0;
        }
        enqueue(ctx, r); /* consumes r, and fr with it */
    }
    owner_release(ctx, own);
    hosts_trim(ctx, ctx->loop.now_us);
}

void ww__fetch_follow(fetch_ctx *ctx, freq *parent, const char *url, int origin) {
    freq *r = req_new(parent->own, url, origin, parent->depth + 1, parent->req_url,
                      parent->request_id, parent->trace);
    if (r)
        enqueue(ctx, r);
}

static int fetch_poll(void *vctx, int timeout_ms) {
    fetch_ctx *ctx = vctx;
    ww__loop_clock(&ctx->loop);
    if (ctx->warc_jobs && ww__fetch_warc_step(ctx, WARC_SLICE_US) > 0)
        timeout_ms = 0; /* files still being read: no sleeping */
    int64_t wake = dispatch(ctx);
    int wait = timeout_ms;
    if (wake >= 0 && wake / 1000 + 1 < wait)
        wait = (int)(wake / 1000 + 1);
    if (ctx->active > 0 || ctx->queued > 0) {
        /* transfers just added are due at once: their requests go out before we wait */
        ww__loop_timeouts(&ctx->loop);
        reap(ctx);
        ww__loop_run(&ctx->loop, ww__loop_wait_ms(&ctx->loop, wait));
        reap(ctx);
        dispatch(ctx);
        ww__loop_timeouts(&ctx->loop);
    }
    return ctx->jobs;
}

static int fetch_capacity(void *vctx) {
    fetch_ctx *ctx = vctx;
    return (int)ctx->cfg.max_in_flight;
}

const ww_stage_ops ww_fetch_stage = {
    .name = "fetch",
    .in_type = &wirewatch__v1__fetch_request__descriptor,
    .out_type = &wirewatch__v1__page__descriptor,
    .config_keys = fetch_keys,
    .create = fetch_create,
    .destroy = fetch_destroy,
    .submit = fetch_submit,
    .poll = fetch_poll,
    .capacity = fetch_capacity,
    .reload = NULL,
    .timer = fetch_timer,
    .timer_ms = 100,
};
