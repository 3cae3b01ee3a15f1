/* The terminal outcome of a fetch request, as an enum: a misspelt outcome does not
 * compile.  One table (fetch_status.c) gives each its StatusEvent.status string and
 * its counter (wirewatch_fetch_status_<name>_total).  Also the limit bits' names
 * and counters.  Internal to workers/fetch. */
#ifndef WW_FETCH_STATUS_H
#define WW_FETCH_STATUS_H

#include "wirewatch/stage.h"

typedef enum ww__fetch_status {
    WW__ST_FETCHED,            /* "fetched" */
    WW__ST_NOT_MODIFIED,       /* "not-modified" (304 to a conditional GET) */
    WW__ST_ROBOTS_DENIED,      /* "robots-denied" */
    WW__ST_SSRF_DENIED,        /* "ssrf-denied" */
    WW__ST_TOO_LARGE,          /* "too-large" */
    WW__ST_TIMEOUT,            /* "timeout" */
    WW__ST_TOO_MANY_REDIRECTS, /* "too-many-redirects" */
    WW__ST_HTTP_ERROR,         /* "http-error" */
    WW__ST_DNS_ERROR,          /* "dns-error" */
    WW__ST_TLS_ERROR,          /* "tls-error" */
    WW__ST_ERROR,              /* "error" */
    WW__ST_DENIED,             /* "denied" (scheme or file:// not allowed) */
    WW__ST_DUPLICATE,          /* "duplicate" (seen-set) */
    WW__ST_INVALID_URL,        /* "invalid-url" */
    WW__ST_NOT_FOUND,          /* "not-found" (file://) */
    WW__ST_MALFORMED_RECORD,   /* "malformed-record" (WARC input) */
    WW__ST_MALFORMED_REQUEST,  /* "malformed-request" (FetchRequest does not decode) */
    WW__ST_COUNT
} ww__fetch_status;

/* The StatusEvent.status string of st (a literal). */
const char *ww__status_name(ww__fetch_status st);
/* The counter st is counted under (a literal: the runtime keeps the pointer). */
const char *ww__status_counter(ww__fetch_status st);

/* Point ev->limits_hit at the names of the bits in limits; buf has WW__LIM_COUNT
 * slots and must outlive ev. */
void ww__limits_to_event(Wirewatch__V1__StatusEvent *ev, unsigned limits, char **buf);
/* Count each limit bit of limits on job (limit_<name>). */
void ww__limits_count(ww_job *job, unsigned limits);

#endif
