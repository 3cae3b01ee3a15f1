/* Token bucket for per-host politeness: `rate` requests per second with at most
 * `burst` in a row.  A bucket can also be held shut until a time (Retry-After,
 * error backoff), which just moves its clock forward with no tokens. */
#include "wirewatch/bucket.h"

void ww_bucket_init(ww_bucket *b, double rate, double burst, int64_t now_us) {
    b->rate = rate;
    b->burst = burst < 1 ? 1 : burst;
    b->tokens = b->burst;
    b->last_us = now_us;
}

int64_t ww_bucket_take(ww_bucket *b, int64_t now_us) {
    if (now_us < b->last_us)
        /* Held, or the caller's clock is behind ours: wait for the hold to end and for
         * whatever is missing of a token after it. */
        return b->last_us - now_us +
               (b->tokens >= 1 || b->rate <= 0
                    ? 0
                    : (int64_t)((1 - b->tokens) / b->rate * 1e6) + 1);
    if (b->rate <= 0) {
        b->last_us = now_us;
        return 0;
    }
    b->tokens += (double)(now_us - b->last_us) * b->rate / 1e6;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last_us = now_us;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 0;
    }
    /* +1 so the caller, waking at exactly that time, finds a whole token. */
    return (int64_t)((1 - b->tokens) / b->rate * 1e6) + 1;
}

void ww_bucket_hold(ww_bucket *b, int64_t until_us) {
    if (until_us > b->last_us) {
        b->last_us = until_us;
        b->tokens = 0;
    }
}
