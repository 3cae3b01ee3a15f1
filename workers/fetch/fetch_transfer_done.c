/* A finished transfer, in named steps: give the host its slot back, then judge the
 * outcome - a refusal or a cap hit, a libcurl error, or the server's answer - and
 * either build the Page, retry the request, or finish it with its status.  A
 * robots.txt transfer sets its host's policy instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch_stage.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

/* The judgement of a finished transfer. */
typedef struct outcome {
    ww__fetch_status st;
    int retry; /* retryable: the request goes back to its host while retries remain */
    int page;  /* build and emit the Page (2xx, or truncated with keep_truncated) */
    char detail[CURL_ERROR_SIZE + 64];
} outcome;

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
    ww__host_set_delay(c, h);
    ww__req_free(x->req);
    x->req = NULL;
}

/* The WARC response record of a page about to be emitted (fetch.warc_dir): where it
 * went is written into pg (digest is pg's payload_digest buffer, 40 bytes). */
static void page_warc(fetch_ctx *ctx, xfer *x, Wirewatch__V1__Page *pg, char *digest) {
    freq *r = x->req;
    char *ip = NULL, *wfile = NULL;
    int64_t woff = 0;
    curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip);
    int wrc = ww__warcw_response(ctx->warc, pg->final_url, ip, x->rawh, x->rawh_len,
                                 x->body, x->len, pg->truncated, &wfile, &woff, digest);
    if (wrc == 0) {
        pg->warc_file = wfile;
        pg->warc_offset = woff;
        pg->payload_digest = digest;
        ww_job_count(r->own->job, "warc_records_written", 1);
    } else {
        ww_job_count(r->own->job, "warc_write_errors", 1);
        WW_WARN(STAGE, "WARC record for %s not written: %s", pg->final_url,
                ww_strerror(wrc));
    }
}

/* Fill pg from the transfer: URLs, redirects, headers, body, timings, HTTP version.
 * charset (64 bytes) holds the charset hint pg points at. */
static void page_fill(xfer *x, Wirewatch__V1__Page *pg, long code, const char *ct,
                      const char *final_url, int64_t dur, char *charset) {
    curl_off_t t_conn = 0, t_first = 0;
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &t_conn);
    curl_easy_getinfo(x->easy, CURLINFO_STARTTRANSFER_TIME_T, &t_first);
    ww__charset_of(ct, charset, 64);
    pg->requested_url = x->req->req_url;
    pg->final_url = (char *)final_url;
    pg->redirects = x->hops;
    pg->n_redirects = x->n_hops ? x->n_hops - 1 : 0;
    pg->status = (int32_t)code;
    pg->headers = x->hv;
    pg->n_headers = x->n_hv;
    pg->body.data = x->body;
    pg->body.len = x->len;
    pg->content_type = (char *)(ct ? ct : "");
    pg->charset_hint = charset;
    pg->truncated = (x->limits & WW__LIM_DECODED_BYTES) != 0;
    pg->source = WIREWATCH__V1__PAGE__SOURCE__HTTP;
    pg->fetched_at_us = ww_now_us();
    pg->connect_us = (int64_t)t_conn;
    pg->first_byte_us = (int64_t)t_first;
    pg->total_us = dur;
    long hv = 0;
    curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &hv);
    pg->http_version = hv == CURL_HTTP_VERSION_2_0   ? "2"
                       : hv == CURL_HTTP_VERSION_3   ? "3"
                       : hv == CURL_HTTP_VERSION_1_0 ? "1.0"
                       : hv == CURL_HTTP_VERSION_1_1 ? "1.1"
                                                     : "";
}

/* A body arrived: remember its validators, then emit what it means - discovered
 * requests (a feed or sitemap) or a Page - and finish the request. */
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
    int fk = ww__body_discover(&ctx->sink, r, &b, detail, sizeof detail, &dlim);
    if (fk != 0) {
        ww__fetch_finish(ctx, r, fk > 0 ? WW__ST_FETCHED : WW__ST_ERROR, (int)code,
                         detail, dlim, (int64_t)x->len, dur);
        x->req = NULL;
        return;
    }
    Wirewatch__V1__Page pg = WIREWATCH__V1__PAGE__INIT;
    char charset[64], digest[40];
    page_fill(x, &pg, code, ct, b.final_url, dur, charset);
    if (ctx->warc)
        page_warc(ctx, x, &pg, digest);
    int rc = ww__fetch_emit_page(ctx, r, &pg);
    ww__fetch_finish(ctx, r, rc ? WW__ST_ERROR : WW__ST_FETCHED, (int)code,
                     rc ? ww_strerror(rc) : "", x->limits, (int64_t)x->len, dur);
    x->req = NULL;
}

static const char *curl_why(const xfer *x, CURLcode rc) {
    return x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
}

/* The transfer is over: its host and the stage have a slot free again.  Politeness
 * counts from the end of a request too: the server sees requests no closer than the
 * delay even when connection set-up times differ. */
static void release_slot(fetch_ctx *ctx, fhost *h, int64_t now) {
    h->active--;
    ctx->active--;
    h->last_used_us = now;
    ww_bucket_hold(&h->bucket, now);
}

/* The SSRF guard refused a connection, or a cap on headers, wire bytes or decoded
 * bytes was hit: 1 with o filled, else 0. */
static int judge_refusal(const fetch_cfg *c, xfer *x, CURLcode rc, long code,
                         outcome *o) {
    if (rc != CURLE_OK && x->ssrf) {
        o->st = WW__ST_SSRF_DENIED;
        snprintf(o->detail, sizeof o->detail, "refused %s address", x->ssrf);
    } else if (x->limits & WW__LIM_HEADER_BYTES) {
        o->st = WW__ST_TOO_LARGE;
        snprintf(o->detail, sizeof o->detail, "response headers over %lld bytes",
                 (long long)c->max_header_bytes);
    } else if ((x->limits & WW__LIM_WIRE_BYTES) || rc == CURLE_FILESIZE_EXCEEDED) {
        x->limits |= WW__LIM_WIRE_BYTES;
        o->st = WW__ST_TOO_LARGE;
        snprintf(o->detail, sizeof o->detail, "more than %lld bytes on the wire",
                 (long long)c->max_wire_bytes);
    } else if (x->limits & WW__LIM_DECODED_BYTES) {
        if (c->keep_truncated && code >= 200 && code < 300) {
            o->page = 1;
            return 1;
        }
        o->st = WW__ST_TOO_LARGE;
        snprintf(o->detail, sizeof o->detail, "body over %lld decoded bytes",
                 (long long)c->max_body_bytes);
    } else {
        return 0;
    }
    return 1;
}

/* Which time limit ended a timed-out transfer. */
static unsigned timeout_limit(const fetch_cfg *c, const xfer *x, int64_t dur) {
    curl_off_t tconn = 0;
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &tconn);
    if (tconn == 0 && x->n_hops == 0)
        return WW__LIM_CONNECT_TIMEOUT;
    if (dur >= c->timeout_ms * 1000 - 50000)
        return WW__LIM_TOTAL_TIMEOUT;
    return WW__LIM_LOW_SPEED;
}

/* libcurl failed (rc != CURLE_OK): a timeout, too many redirects, DNS, TLS, a scheme
 * not allowed, or another error (retried when the connection failed). */
static void judge_curl_error(const fetch_cfg *c, xfer *x, CURLcode rc, int64_t dur,
                             int64_t now, outcome *o) {
    fhost *h = x->req->host;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        x->limits |= timeout_limit(c, x, dur);
        o->st = WW__ST_TIMEOUT;
        snprintf(o->detail, sizeof o->detail, "%s", curl_why(x, rc));
        ww__host_error(c, h, now);
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
        x->limits |= WW__LIM_REDIRECTS;
        o->st = WW__ST_TOO_MANY_REDIRECTS;
        snprintf(o->detail, sizeof o->detail, "more than %ld redirects",
                 c->max_redirects);
    } else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
        o->st = WW__ST_DNS_ERROR;
        snprintf(o->detail, sizeof o->detail, "%s", curl_why(x, rc));
    } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
               rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE) {
        o->st = WW__ST_TLS_ERROR;
        snprintf(o->detail, sizeof o->detail, "%s", curl_why(x, rc));
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
        o->st = WW__ST_DENIED;
        snprintf(o->detail, sizeof o->detail, "scheme not allowed: %s", x->errbuf);
    } else {
        o->st = WW__ST_ERROR;
        snprintf(o->detail, sizeof o->detail, "%s", curl_why(x, rc));
        o->retry = rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING;
        ww__host_error(c, h, now);
    }
}

/* The server answered: 304, a retryable 429/502/503/504 (honouring Retry-After up to
 * fetch.max_retry_after_s), a 2xx page, or another HTTP error. */
static void judge_http(const fetch_cfg *c, xfer *x, long code, int64_t now, outcome *o) {
    fhost *h = x->req->host;
    if (code == 304) {
        o->st = WW__ST_NOT_MODIFIED;
        h->errors = 0;
    } else if (code == 429 || code == 503 || code == 502 || code == 504) {
        int64_t ra = parse_retry_after(x->retry_after, ww_now_us());
        o->st = WW__ST_HTTP_ERROR;
        if (ra > c->max_retry_after_us) {
            snprintf(o->detail, sizeof o->detail,
                     "Retry-After %lld s is beyond fetch.max_retry_after_s",
                     (long long)(ra / 1000000));
            return;
        }
        if (ra >= 0)
            ww_bucket_hold(&h->bucket, now + ra);
        else
            ww__host_error(c, h, now);
        o->retry = 1;
        snprintf(o->detail, sizeof o->detail, "HTTP %ld", code);
    } else if (code >= 200 && code < 300) {
        h->errors = 0;
        o->page = 1;
    } else {
        o->st = WW__ST_HTTP_ERROR;
        snprintf(o->detail, sizeof o->detail, "HTTP %ld", code);
        if (code >= 500)
            ww__host_error(c, h, now);
    }
}

/* A retryable outcome: back to the front of its host's queue while retries remain
 * (1, x->req handed over), else 0 with max_retries counted as a limit hit. */
static int requeue(fetch_ctx *ctx, xfer *x) {
    freq *r = x->req;
    if (r->retries >= ctx->cfg.max_retries) {
        x->limits |= WW__LIM_RETRIES;
        return 0;
    }
    r->retries++;
    if (r->own)
        ww_job_count(r->own->job, "retries", 1);
    ww__host_push(&ctx->hosts, r->host, r, 1);
    x->req = NULL;
    return 1;
}

void ww__transfer_done(fetch_ctx *ctx, xfer *x, CURLcode rc) {
    freq *r = x->req;
    const fetch_cfg *c = &ctx->cfg;
    int64_t now = ww_mono_us(), dur = now - x->start_mono_us;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    release_slot(ctx, r->host, now);
    if (r->robots) {
        robots_done(ctx, x, rc, code, now);
        return;
    }
    outcome o = {.st = WW__ST_ERROR};
    if (!judge_refusal(c, x, rc, code, &o)) {
        if (rc != CURLE_OK)
            judge_curl_error(c, x, rc, dur, now, &o);
        else
            judge_http(c, x, code, now, &o);
    }
    if (o.page) {
        page_done(ctx, x, code, dur);
        return;
    }
    if (o.retry && requeue(ctx, x))
        return;
    ww__fetch_finish(ctx, r, o.st, (int)code, o.detail, x->limits, (int64_t)x->len, dur);
    x->req = NULL;
}
