/* Politeness: a per-host token bucket (workers/fetch/bucket.c), a function of the
 * times it is given. */
#ifndef WIREWATCH_BUCKET_H
#define WIREWATCH_BUCKET_H

#include <stdint.h>

/* A token bucket: `rate` tokens per second, at most `burst` stored.  rate <= 0 means
 * unlimited. */
typedef struct ww_bucket {
    double rate, burst, tokens;
    int64_t last_us;
} ww_bucket;

void ww_bucket_init(ww_bucket *b, double rate, double burst, int64_t now_us);
/* Take one token at now_us: returns 0 when taken, else the microseconds until one is
 * available (nothing taken). */
int64_t ww_bucket_take(ww_bucket *b, int64_t now_us);
/* Block the bucket until until_us (Retry-After, backoff, Crawl-delay spacing). */
void ww_bucket_hold(ww_bucket *b, int64_t until_us);

#endif
