/* libcurl transfers: starting one on a pooled easy handle, the callbacks that vet
 * every connection (SSRF guard) and cap headers, wire bytes and decoded bytes, and
 * giving the handle back to the pool when the transfer is over. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fetch_stage.h"
#include "wirewatch/message.h"

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

void ww__transfer_free(xfer *x) {
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

/* A pooled handle keeps these: setting ~25 options per request, several of them
 * string copies, was a measurable part of a request's cost. */
void ww__transfer_setup(fetch_ctx *ctx, CURL *e) {
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

int ww__transfer_start(fetch_ctx *ctx, freq *r) {
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
        ww__transfer_setup(ctx, e);
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
    ww__transfer_free(x);
    return WW_ENOMEM;
}
