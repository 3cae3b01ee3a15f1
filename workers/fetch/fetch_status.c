/* The one table of fetch outcomes and limit names: the strings on the wire
 * (StatusEvent.status, StatusEvent.limits_hit) and the counters beside them. */
#include "fetch_status.h"

#include "fetch_internal.h"

static const struct {
    const char *name, *counter;
} statuses[WW__ST_COUNT] = {
    [WW__ST_FETCHED] = {"fetched", "status_fetched"},
    [WW__ST_NOT_MODIFIED] = {"not-modified", "status_not_modified"},
    [WW__ST_ROBOTS_DENIED] = {"robots-denied", "status_robots_denied"},
    [WW__ST_SSRF_DENIED] = {"ssrf-denied", "status_ssrf_denied"},
    [WW__ST_TOO_LARGE] = {"too-large", "status_too_large"},
    [WW__ST_TIMEOUT] = {"timeout", "status_timeout"},
    [WW__ST_TOO_MANY_REDIRECTS] = {"too-many-redirects", "status_too_many_redirects"},
    [WW__ST_HTTP_ERROR] = {"http-error", "status_http_error"},
    [WW__ST_DNS_ERROR] = {"dns-error", "status_dns_error"},
    [WW__ST_TLS_ERROR] = {"tls-error", "status_tls_error"},
    [WW__ST_ERROR] = {"error", "status_error"},
    [WW__ST_DENIED] = {"denied", "status_denied"},
    [WW__ST_DUPLICATE] = {"duplicate", "status_duplicate"},
    [WW__ST_INVALID_URL] = {"invalid-url", "status_invalid_url"},
    [WW__ST_NOT_FOUND] = {"not-found", "status_not_found"},
    [WW__ST_MALFORMED_RECORD] = {"malformed-record", "status_malformed_record"},
    [WW__ST_MALFORMED_REQUEST] = {"malformed-request", "status_malformed_request"},
};

const char *ww__status_name(ww__fetch_status st) { return statuses[st].name; }

const char *ww__status_counter(ww__fetch_status st) { return statuses[st].counter; }

const char *const ww__limit_names[WW__LIM_COUNT] = {
    "connect_timeout",  "total_timeout",  "low_speed",
    "max_redirects",    "max_wire_bytes", "max_decoded_bytes",
    "max_header_bytes", "max_retries",    "max_depth",
};

/* Counter names are literals: the runtime keeps the pointer it is given. */
static const char *const limit_counters[WW__LIM_COUNT] = {
    "limit_connect_timeout",  "limit_total_timeout",  "limit_low_speed",
    "limit_max_redirects",    "limit_max_wire_bytes", "limit_max_decoded_bytes",
    "limit_max_header_bytes", "limit_max_retries",    "limit_max_depth",
};

void ww__limits_to_event(Wirewatch__V1__StatusEvent *ev, unsigned limits, char **buf) {
    size_t n = 0;
    for (int i = 0; i < WW__LIM_COUNT; i++)
        if (limits & (1u << i))
            buf[n++] = (char *)ww__limit_names[i];
    ev->limits_hit = buf;
    ev->n_limits_hit = n;
}

void ww__limits_count(ww_job *job, unsigned limits) {
    for (int i = 0; i < WW__LIM_COUNT; i++)
        if (limits & (1u << i))
            ww_job_count(job, limit_counters[i], 1);
}
