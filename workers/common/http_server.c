/* The worker's HTTP server (see http.h) on libmicrohttpd: a thread per connection, so
 * a POST /reload that waits for the worker does not hold up a Prometheus scrape.
 * Connections are few (a scraper, a probe, a person): a small limit and a short
 * timeout keep a misbehaving client from tying threads up. */
#include "wirewatch/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

struct ww_http {
    struct MHD_Daemon *d;
    ww_http_opts o;
    char *token;  /* our copy of o.admin_token */
    int loopback; /* the listening address is 127.0.0.0/8 or ::1 */
    int port;
};

/* libmicrohttpd hands us its printf-style format (clang checks it as one). */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt,
                                                          va_list ap) {
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    WW_WARN("http", "%s", buf);
}

/* Queue body (malloc'd, taken) with a status and a content type. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len) {
    if (!body) {
        static const char oom[] = "out of memory\n";
        body = strdup(oom);
        len = body ? strlen(body) : 0;
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        type = "text/plain; charset=utf-8";
        if (!body)
            return MHD_NO;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *fmt,
                            ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *fmt,
                            ...) {
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *body = strdup(buf);
    return reply(c, status, "text/plain; charset=utf-8", body, body ? strlen(body) : 0);
}

static enum MHD_Result do_reload(ww_http *h, struct MHD_Connection *c) {
    if (!h->o.reload)
        return text(c, MHD_HTTP_NOT_FOUND, "reload is not available here\n");
    ww_metrics *m = h->o.metrics;
    long long gen = ww_metrics_reload_gen(m);
    atomic_store(h->o.reload, 1);
    int wait_ms = h->o.reload_wait_ms > 0 ? h->o.reload_wait_ms : 30000;
    int64_t deadline = ww_mono_us() + (int64_t)wait_ms * 1000;
    while (ww_metrics_reload_gen(m) == gen) {
        if (ww_mono_us() > deadline)
            return text(c, MHD_HTTP_GATEWAY_TIMEOUT,
                        "reload requested; no result within %d ms (see the log)\n",
                        wait_ms);
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    char err[256];
    if (ww_metrics_reload_result(m, err, sizeof err) == 0)
        return text(c, MHD_HTTP_OK, "reloaded\n");
    return text(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "reload refused, old state kept: %s\n",
                err);
}

static enum MHD_Result do_loglevel(struct MHD_Connection *c, int post) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (post) {
        const char *lvl = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "level");
        if (!lvl || ww_log_set_level_name(lvl) != 0)
            return text(c, MHD_HTTP_BAD_REQUEST,
                        "use POST /loglevel?level=error|warn|info|debug\n");
        WW_INFO("http", "log level set to %s", lvl);
    }
    int cur = atomic_load(&ww_log_level_current);
    return text(c, MHD_HTTP_OK, "%s\n", cur >= 0 && cur <= 3 ? names[cur] : "?");
}

/* Constant time in the token's content: a wrong guess learns nothing from timing but
 * the length of what it sent. */
static int token_equal(const char *given, const char *want) {
    size_t gl = strlen(given), wl = strlen(want);
    unsigned char d = (unsigned char)(gl != wl);
    for (size_t i = 0; i < wl; i++)
        d |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
    return d == 0;
}

/* 0 when the admin request may go on, else 1 with the refusal queued in *ret. */
static int admin_refused(ww_http *h, struct MHD_Connection *c, enum MHD_Result *ret) {
    if (!h->o.admin_token || !*h->o.admin_token) {
        if (h->loopback)
            return 0;
        *ret = text(c, MHD_HTTP_FORBIDDEN,
                    "admin endpoints are off: set http.admin_token_file, or listen on "
                    "loopback only\n");
        return 1;
    }
    const char *auth =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0 &&
        token_equal(auth + 7, h->o.admin_token))
        return 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen("bearer token required\n"), (void *)"bearer token required\n",
        MHD_RESPMEM_PERSISTENT);
    if (!r) {
        *ret = MHD_NO;
        return 1;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                            "Bearer realm=\"wirewatch\"");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    *ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return 1;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
    static int first;
    ww_http *h = cls;
    /* MHD calls once for the headers, then for any body: answer after the body */
    if (!*con_cls) {
        *con_cls = &first;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* no endpoint takes a body: discard it */
        return MHD_YES;
    }
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;
    ww_metrics *m = h->o.metrics;
    int64_t now = ww_now_us();
    size_t len = 0;

    enum MHD_Result ret;
    if (strcmp(url, "/reload") == 0) {
        if (!post)
            return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST /reload\n");
        if (admin_refused(h, c, &ret))
            return ret;
        return do_reload(h, c);
    }
    if (strcmp(url, "/loglevel") == 0) {
        if (!get && !post)
            return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST\n");
        if (post && admin_refused(h, c, &ret))
            return ret;
        return do_loglevel(c, post);
    }
    if (!get)
        return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    if (strcmp(url, "/metrics") == 0) {
        char *b = ww_metrics_render(m, &len);
        return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b, len);
    }
    if (strcmp(url, "/healthz") == 0)
        return text(c, MHD_HTTP_OK, "ok\n");
    if (strcmp(url, "/readyz") == 0) {
        char why[200];
        if (ww_metrics_ready(m, now, why, sizeof why))
            return text(c, MHD_HTTP_OK, "ready\n");
        return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready: %s\n", why);
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/status.json") == 0) {
        ww_metrics_snap *s = malloc(sizeof *s);
        if (!s)
            return reply(c, 0, NULL, NULL, 0);
        ww_metrics_snapshot(m, now, s);
        int html = url[1] == 0;
        char *b = html ? ww_status_page_html(s, &len) : ww_status_page_json(s, &len);
        free(s);
        return reply(c, MHD_HTTP_OK,
                     html ? "text/html; charset=utf-8" : "application/json", b, len);
    }
    return text(c, MHD_HTTP_NOT_FOUND,
                "not found; try /metrics /healthz /readyz / /status.json\n");
}

/* Only this machine can reach the address (127.0.0.0/8, ::1). */
static int is_loopback(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    return 0;
}

char *ww_http_read_token(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        ww_seterr(err, errlen, WW_ENOTFOUND, "http.admin_token_file %s: %s", path,
                  strerror(errno));
        return NULL;
    }
    char buf[4097];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int bad = ferror(f) || (!feof(f) && fgetc(f) != EOF);
    fclose(f);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                 buf[n - 1] == '\t'))
        n--;
    buf[n] = 0;
    if (bad || n < 16 || memchr(buf, 0, n) || strpbrk(buf, "\r\n")) {
        explicit_bzero(buf, sizeof buf);
        ww_seterr(err, errlen, WW_EINVAL,
                  "http.admin_token_file %s: want one line of 16 to 4096 bytes", path);
        return NULL;
    }
    char *t = strdup(buf);
    explicit_bzero(buf, sizeof buf);
    if (!t)
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    return t;
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" ("" or "*" host = every interface). */
static int resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                   int *v6, char *err, size_t errlen) {
    char host[256], port[16];
    const char *colon = strrchr(listen, ':');
    if (!colon || !colon[1] || strlen(colon + 1) >= sizeof port)
        return ww_seterr(err, errlen, WW_EINVAL, "http.listen \"%s\": want HOST:PORT",
                         listen);
    const char *hs = listen;
    size_t hl = (size_t)(colon - listen);
    if (hl >= 2 && hs[0] == '[' && hs[hl - 1] == ']')
        hs++, hl -= 2;
    if (hl >= sizeof host)
        return ww_seterr(err, errlen, WW_EINVAL, "http.listen \"%s\": host too long",
                         listen);
    memcpy(host, hs, hl);
    host[hl] = 0;
    snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int no_host = !host[0] || strcmp(host, "*") == 0;
    if (no_host)
        hints.ai_family = AF_INET;
    int rc = getaddrinfo(no_host ? NULL : host, port, &hints, &res);
    if (rc != 0 || !res)
        return ww_seterr(err, errlen, WW_EINVAL, "http.listen \"%s\": %s", listen,
                         gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

ww_http *ww_http_start(const ww_http_opts *o, char *err, size_t errlen) {
    struct sockaddr_storage ss;
    socklen_t sslen;
    int v6 = 0;
    if (!o->metrics) {
        ww_seterr(err, errlen, WW_EINVAL, "http: no metrics");
        return NULL;
    }
    if (resolve(o->listen ? o->listen : "", &ss, &sslen, &v6, err, errlen))
        return NULL;
    ww_http *h = calloc(1, sizeof *h);
    if (!h) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    h->o = *o;
    h->o.admin_token = NULL;
    if (o->admin_token && *o->admin_token &&
        !(h->o.admin_token = h->token = strdup(o->admin_token))) {
        free(h);
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    h->loopback = is_loopback(&ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    /* small stacks: a handler needs a few KB, and 256 connections x 8 MB of address
     * space would be 2 GB of it */
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(o->max_connections > 0 ? o->max_connections : 256),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(o->max_per_ip > 0 ? o->max_per_ip : 32), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(o->timeout_s > 0 ? o->timeout_s : 10), MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)(256 * 1024), MHD_OPTION_END);
    if (!h->d) {
        ww_seterr(err, errlen, WW_EIO,
                  "http.listen \"%s\": cannot listen (address in use or not local?)",
                  o->listen);
        free(h->token);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : 0;
    return h;
}

int ww_http_port(const ww_http *h) { return h ? h->port : 0; }

void ww_http_stop(ww_http *h) {
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    if (h->token) { /* a secret: not left in freed memory */
        explicit_bzero(h->token, strlen(h->token));
        free(h->token);
    }
    free(h);
}
