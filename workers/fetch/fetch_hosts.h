/* Hosts (origins "scheme://host:port") and politeness: each host's queue of requests,
 * its token bucket, robots.txt state and error backoff, in a hash table with a list of
 * the hosts that have requests waiting.  Knows requests and the configuration, not
 * the stage.  Internal to workers/fetch. */
#ifndef WW_FETCH_HOSTS_H
#define WW_FETCH_HOSTS_H

#include <stddef.h>
#include <stdint.h>

#include "fetch_config.h"
#include "fetch_request.h"
#include "wirewatch/bucket.h"
#include "wirewatch/robots.h"

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

typedef struct ww__hosts {
    fhost **htab;
    size_t hcap, nhosts;
    fhost *pend_head; /* hosts with queued requests */
    long queued;      /* requests waiting in host queues */
    int64_t next_trim_us;
} ww__hosts;

/* An empty table.  0 or WW_ENOMEM. */
int ww__hosts_init(ww__hosts *hs);
/* Free every host and the requests still queued on them. */
void ww__hosts_free(ww__hosts *hs);
/* The host of origin, made (spaced delay_us apart) if new.  NULL on ENOMEM. */
fhost *ww__host_get(ww__hosts *hs, const char *origin, int64_t delay_us, int64_t now);
/* Forget idle hosts when there are more than max_hosts: bounded memory on an endless
 * crawl. */
void ww__hosts_trim(ww__hosts *hs, long max_hosts, int64_t now);
/* Queue r on h (at the front: a retry), marking h pending. */
void ww__host_push(ww__hosts *hs, fhost *h, freq *r, int front);
/* Take the first queued request of h (there is one). */
freq *ww__host_pop(ww__hosts *hs, fhost *h);
/* h has no queued request left: off the pending list. */
void ww__host_unpend(ww__hosts *hs, fhost *h);
/* Spacing for h: the configured delay or robots.txt Crawl-delay (bounded), whichever
 * is longer. */
void ww__host_set_delay(const fetch_cfg *c, fhost *h);
/* One more consecutive error: hold h's bucket for the doubling backoff. */
void ww__host_error(const fetch_cfg *c, fhost *h, int64_t now);

#endif
