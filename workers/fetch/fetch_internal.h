/* Internal to workers/fetch: the stage context and the pieces shared between
 * fetch_stage.c (scheduling, libcurl), fetch_file.c (file:// and WARC input) and
 * fetch_cache.c (seen-set, validators).  Not a public header. */
#ifndef WW_FETCH_INTERNAL_H
#define WW_FETCH_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "wirewatch/error.h"
#include "wirewatch/fetch.h"
#include "wirewatch/stage.h"

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

/* ---- the stage context ------------------------------------------------------------ */

typedef struct fhost fhost;

/* A job from the runtime; every request it spawns (its own, retries, followed
 * discoveries) holds a reference, and the job is done when the last one is. */
typedef struct fowner {
    ww_job *job;
    int refs;
    struct fowner *prev, *next; /* the stage's live owners, freed at teardown */
} fowner;

/* One URL to fetch. */
typedef struct freq {
    struct freq *next; /* host queue */
    fowner *own;       /* NULL for robots.txt requests */
    fhost *host;
    char *url;              /* normalised: what is fetched and remembered */
    char *path_query;       /* of url, for robots.txt matching */
    struct Curl_URL *curlu; /* url parsed once (by normalisation), given to libcurl */
    char *req_url;          /* as requested */
    char *request_id;
    char *parent_url;
    int origin; /* Wirewatch__V1__FetchRequest__Origin */
    unsigned depth;
    int64_t not_before_mono_us;
    int retries;
    int robots;     /* this is the robots.txt fetch of host */
    int trusted;    /* the request is a trusted input itself (ww_job_input_trusted), not
                  * one found in it: it may name a local file.  Never inherited. */
    ww__feed *feed; /* this is a scheduled poll of a fetch.feeds entry */
    Wirewatch__V1__Trace *trace;
    /* The decoded request this one was made from, kept instead of copied: req_url,
     * request_id, parent_url and (until stamped anew) trace point into it. */
    Wirewatch__V1__FetchRequest *src;
} freq;

typedef struct fetch_cfg {
    char *user_agent, *robots_agent;
    int obey_robots, http2, allow_private, keep_truncated, follow_discovered, allow_file,
        dedupe_seeds;
    long max_in_flight, max_host_conns, max_redirects, max_retries, max_depth, max_hosts;
    int64_t host_delay_us, max_crawl_delay_us, connect_timeout_ms, timeout_ms;
    long low_speed_bytes, low_speed_time_s, recv_buffer_bytes;
    int64_t max_wire_bytes, max_body_bytes, max_header_bytes, robots_max_bytes;
    int64_t robots_ttl_us, robots_error_ttl_us, max_retry_after_us;
    int64_t backoff_base_us, backoff_max_us, seen_ttl_us;
    long seen_max, validators_max;
    char *ca_file;
    char *warc_dir;
    int64_t warc_max_bytes;
    char **drop_params;
    size_t n_drop;
    ww_cidr_list *allow;
} fetch_cfg;

typedef struct fetch_ctx fetch_ctx;

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

/* Build and emit what one fetched body means: a Page, or (a feed/sitemap) discovered
 * FetchRequests.  Shared by http and file input.  Returns the status to report
 * ("fetched" or "error") and writes detail. */
typedef struct ww__body {
    const uint8_t *data;
    size_t len;
    const char *content_type; /* may be NULL */
    const char *final_url;
} ww__body;

/* fetch_stage.c services used by fetch_file.c. */
const fetch_cfg *ww__fetch_cfg(const fetch_ctx *ctx);
/* Emit the terminal StatusEvent of r and release it (and maybe its job). */
void ww__fetch_finish(fetch_ctx *ctx, freq *r, const char *status, int http_status,
                      const char *detail, unsigned limits, int64_t bytes,
                      int64_t duration_us);
/* If body is a feed or sitemap (possibly gzip-compressed), emit its items as discovered
 * FetchRequests (and queue them when following) and return 1 with a detail line;
 * 0 when it is not a feed; <0 (WW_EMALFORMED, detail says why) when it looks like one
 * but does not parse. */
int ww__fetch_discover(fetch_ctx *ctx, freq *r, const ww__body *b, char *detail,
                       size_t dlen, unsigned *limits);
/* Queue a request found in a feed/sitemap under r's job (fetch.follow_discovered). */
void ww__fetch_follow(fetch_ctx *ctx, freq *parent, const char *url, int origin);
/* Emit one StatusEvent for a URL that is not a request of its own (a WARC record). */
void ww__fetch_status_only(fetch_ctx *ctx, freq *r, const char *url, const char *status,
                           int http_status, const char *detail, int64_t bytes);
/* Emit a page on WW_OUT_MAIN for r (counted). */
int ww__fetch_emit_page(fetch_ctx *ctx, freq *r, Wirewatch__V1__Page *page);

/* fetch_file.c: read a file:// URL (plain file, feed/sitemap) and finish r; a WARC
 * file is opened and queued, its records read by ww__fetch_warc_step. */
void ww__fetch_file(fetch_ctx *ctx, freq *r);
typedef struct ww__warc_job ww__warc_job;
/* The stage's list of WARC files being read (fetch_stage.c keeps the head). */
ww__warc_job **ww__fetch_warc_jobs(fetch_ctx *ctx);
/* Read records of every queued WARC file for up to budget_us each, finishing the
 * files that end; returns how many are still being read. */
int ww__fetch_warc_step(fetch_ctx *ctx, int64_t budget_us);
/* Teardown: close the first WARC file being read and return its request unfinished
 * (NULL when none is left). */
freq *ww__fetch_warc_pop(fetch_ctx *ctx);

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

/* "text/html; charset=UTF-8" -> "UTF-8" in buf (cap bytes, "" when none or longer
 * than fits); returns buf. */
const char *ww__charset_of(const char *content_type, char *buf, size_t cap);

#endif
