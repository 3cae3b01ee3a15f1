/* Internal to workers/fetch: the self-contained pieces the stage is built from -
 * seen-set and validators (fetch_cache.c), limit bits, feed re-poll schedule
 * (feed_schedule.c), libcurl's event loop (curl_loop.c) and WARC output
 * (warc_writer.c).  None of them knows the stage context.  Not a public header. */
#ifndef WW_FETCH_INTERNAL_H
#define WW_FETCH_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "wirewatch/error.h"

/* ---- caches (fetch_cache.c) ------------------------------------------------------- */

uint64_t ww__fetch_hash(const char *s);

typedef struct ww__seen ww__seen;
ww__seen *ww__seen_new(size_t max, int64_t ttl_us);
void ww__seen_free(ww__seen *s);
/* 1 when url was seen within the TTL; otherwise records it and returns 0. */
int ww__seen_check_add(ww__seen *s, const char *url, int64_t now_us);
size_t ww__seen_size(const ww__seen *s);

typedef struct ww__validators ww__validators;
ww__validators *ww__validators_new(size_t max);
void ww__validators_free(ww__validators *c);
/* 1 and borrowed pointers (either may be NULL) when url has validators; else 0. */
int ww__validators_get(ww__validators *c, const char *url, const char **etag,
                       const char **lastmod);
/* Remember (or, with both empty, forget) url's validators.  0 or WW_ENOMEM. */
int ww__validators_put(ww__validators *c, const char *url, const char *etag,
                       const char *lastmod);
size_t ww__validators_size(const ww__validators *c);

/* ---- limits, as bits and as the names StatusEvent.limits_hit carries ------------- */

enum {
    WW__LIM_CONNECT_TIMEOUT = 1 << 0,
    WW__LIM_TOTAL_TIMEOUT = 1 << 1,
    WW__LIM_LOW_SPEED = 1 << 2,
    WW__LIM_REDIRECTS = 1 << 3,
    WW__LIM_WIRE_BYTES = 1 << 4,
    WW__LIM_DECODED_BYTES = 1 << 5,
    WW__LIM_HEADER_BYTES = 1 << 6,
    WW__LIM_RETRIES = 1 << 7,
    WW__LIM_DEPTH = 1 << 8,
    WW__LIM_COUNT = 9
};
extern const char *const ww__limit_names[WW__LIM_COUNT];

/* ---- feeds re-polled on an adaptive schedule (feed_schedule.c) --------------------- */

typedef struct ww__feed_opts {
    int64_t min_us, max_us, initial_us; /* interval bounds and the first interval */
    double jitter;                      /* next poll = interval * (1 +- jitter) */
    long items_max;                     /* item URLs remembered per feed */
} ww__feed_opts;

typedef struct ww__feed {
    char *url;
    size_t index;        /* in fetch.feeds */
    int64_t interval_us; /* current */
    int64_t next_us;     /* monotonic time of the next poll */
    int in_flight;
    unsigned long polls;
    size_t new_items; /* of the poll in flight */
    ww__seen *items;  /* item URLs already emitted */
} ww__feed;

typedef struct ww__feeds {
    ww__feed *v;
    size_t n;
    ww__feed_opts opts;
    uint64_t rng;
} ww__feeds;

/* Halve cur when the poll found new items, else double it; within [min, max]. */
int64_t ww__feed_next_interval(int64_t cur, int found_new, int64_t min_us,
                               int64_t max_us);
/* interval scaled by a random factor in [1 - jitter, 1 + jitter]. */
int64_t ww__feed_jitter(int64_t interval_us, double jitter, uint64_t *rng);
/* The feeds of urls[0..n), each due at now_us.  NULL with err (WW_EINVAL: bad opts;
 * WW_ENOMEM).  Free with ww__feeds_free (NULL ok). */
ww__feeds *ww__feeds_new(const char *const *urls, size_t n, const ww__feed_opts *o,
                         int64_t now_us, char *err, size_t errlen);
void ww__feeds_free(ww__feeds *fs);
/* The next feed at or after *cursor that is due and not being polled (advances
 * *cursor past it); NULL when none.  Start with *cursor = 0. */
ww__feed *ww__feeds_due(ww__feeds *fs, size_t *cursor, int64_t now_us);
/* A poll of f starts. */
void ww__feed_started(ww__feed *f);
/* 1 (and counted as new in this poll) when f never listed url before, else 0. */
int ww__feed_item_is_new(ww__feed *f, const char *url, int64_t now_us);
/* The poll of f ended (ok: the feed was fetched or not modified).  Sets the next
 * poll time and returns the delay until it. */
int64_t ww__feed_done(ww__feeds *fs, ww__feed *f, int ok, int64_t now_us);

/* ---- curl_loop.c: libcurl's socket interface over epoll ---- */
typedef struct ww__loop {
    CURLM *multi;
    int epfd;
    int64_t deadline_us; /* when libcurl wants its timeout action (-1: never) */
    int64_t now_us;      /* the loop's clock, read when a turn starts and on waking */
    uint8_t *st;         /* per descriptor: what the loop knows of it */
    size_t nst;
} ww__loop;
int ww__loop_init(ww__loop *l, CURLM *multi);
void ww__loop_free(ww__loop *l);
/* open_socket made fd / fd is about to be closed */
void ww__loop_opened(ww__loop *l, int fd);
void ww__loop_closing(ww__loop *l, int fd);
int ww__loop_on_socket(CURL *e, curl_socket_t fd, int what, void *ud, void *sockp);
int ww__loop_on_timer(CURLM *m, long timeout_ms, void *ud);
/* Read the clock into l->now_us and return it.  Timers, politeness and TTLs use this
 * per-turn clock: libcurl alone asked the time ~40 times a page and the stage ~15
 * more, ~4% of the CPU on a virtual machine where a clock read costs ~35 ns; being a
 * turn (microseconds) late on a timer changes nothing.  Durations that are reported
 * still read the clock themselves. */
int64_t ww__loop_clock(ww__loop *l);
/* libcurl's timeout action, if it is due */
void ww__loop_timeouts(ww__loop *l);
/* max_ms, or less if libcurl's timer is due sooner */
int ww__loop_wait_ms(const ww__loop *l, int max_ms);
/* wait up to wait_ms for sockets, act on them and on the timer */
void ww__loop_run(ww__loop *l, int wait_ms);

/* ---- WARC output (warc_writer.c) -------------------------------------------------- */

typedef struct ww__warcw ww__warcw;
/* Start writing WARC files into dir (rotated past max_bytes; 0 = never).  NULL with
 * err when dir is not a writable directory. */
ww__warcw *ww__warcw_new(const char *dir, int64_t max_bytes, char *err, size_t errlen);
void ww__warcw_free(ww__warcw *w);
/* Append a response record for url (raw_headers: the final response's status line and
 * headers as received; body decoded).  On 0, *file (borrowed, valid until the next
 * call), *offset and digest40 ("sha1:BASE32") say where it went.  WW_EIO/WW_ENOMEM. */
int ww__warcw_response(ww__warcw *w, const char *url, const char *ip,
                       const char *raw_headers, size_t hlen, const uint8_t *body,
                       size_t blen, int truncated, char **file, int64_t *offset,
                       char *digest40);

#endif
