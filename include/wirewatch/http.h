/* The HTTP server of a worker (libmicrohttpd, its own threads).
 *
 *   GET  /metrics          Prometheus text format (metrics.h)
 *   GET  /healthz          200 "ok" while the process runs
 *   GET  /readyz           200 when input and outputs are connected and the worker is
 *                          not stalled, else 503 with the reason
 *   GET  /                 status page (HTML);  GET /status.json  the same as JSON
 *   POST /reload           same as SIGHUP; waits for the result: 200, or 422 with the
 *                          reason the new taxonomy / watch-lists / model were refused
 *   GET|POST /loglevel[?level=debug]   read or change the log level at run time
 *
 * The admin endpoints (POST /reload, POST /loglevel) need "Authorization: Bearer
 * <token>" when a token is set (http.admin_token_file), compared in constant time;
 * with no token they answer only on a server that listens on loopback, and 403
 * elsewhere.  Every GET stays open: probes and scrapers carry no secret.
 *
 * Floods: one thread per connection (a /healthz never waits behind another request,
 * and a POST /reload that waits for the worker holds only its own thread), at most
 * http.max_connections in all and http.max_connections_per_ip from one address, and a
 * connection idle for http.timeout_s seconds (a request that does not arrive whole)
 * is closed.  So one client holding half-open connections cannot starve the kubelet's
 * probes, which come from another address.
 *
 * The server only reads the metrics (atomics, short copies) and raises the reload flag:
 * the worker thread never waits on it. */
#ifndef WIREWATCH_HTTP_H
#define WIREWATCH_HTTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "wirewatch/metrics.h"

typedef struct ww_http ww_http;

typedef struct ww_http_opts {
    const char *listen;      /* "127.0.0.1:9100", "0.0.0.0:9100", "[::1]:9100", ":9100";
                          * port 0 = any free port (see ww_http_port) */
    ww_metrics *metrics;     /* borrowed; must outlive the server */
    _Atomic int *reload;     /* raised by POST /reload (the SIGHUP flag); NULL = 404 */
    int reload_wait_ms;      /* how long POST /reload waits for the result (0 = 30000) */
    const char *admin_token; /* bearer token for the admin endpoints; NULL/"" = none */
    int max_connections;     /* 0 = 256 */
    int max_per_ip;          /* 0 = 32 */
    int timeout_s;           /* idle connection timeout, 0 = 10 */
} ww_http_opts;

/* Read a token file (http.admin_token_file): its content without trailing white space,
 * at least 16 bytes.  Returns a malloc'd string, or NULL with err. */
char *ww_http_read_token(const char *path, char *err, size_t errlen);

/* Start serving.  Returns NULL with err (bad address, port in use).  Stop with
 * ww_http_stop (NULL is a no-op). */
ww_http *ww_http_start(const ww_http_opts *o, char *err, size_t errlen);
/* The bound port (useful with port 0). */
int ww_http_port(const ww_http *h);
void ww_http_stop(ww_http *h);

#endif
