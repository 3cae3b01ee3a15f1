/* Feeds listed in config (fetch.feeds), re-polled on a schedule that adapts to how
 * often they change.
 *
 * Each feed keeps its own interval: a poll that found items the feed never listed
 * before halves it, a poll that found none (a 304, the same items, an error) doubles
 * it, always within [min, max].  The next poll is the interval from the end of this
 * one, scaled by a random factor in [1 - jitter, 1 + jitter] (and kept within the
 * bounds) so feeds configured together drift apart instead of hitting their hosts in
 * lock-step.  This is the
 * shape of Nutch's AdaptiveFetchSchedule, with multiplicative steps because a news
 * feed's rate changes by factors (night/day, breaking news) rather than by offsets.
 *
 * "New" is decided by a per-feed seen-set of item URLs (the same bounded structure
 * as the stage's seen-set, without expiry): an item is emitted once per feed, however
 * many polls list it.  The HTTP side (conditional GET, robots.txt, politeness, SSRF
 * guard) is the ordinary request path in fetch_stage.c. */
#include <stdlib.h>
#include <string.h>

#include "fetch_internal.h"

int64_t ww__feed_next_interval(int64_t cur, int found_new, int64_t min_us,
                               int64_t max_us) {
    int64_t next = found_new ? cur / 2 : (cur > max_us / 2 ? max_us : cur * 2);
    if (next < min_us)
        next = min_us;
    if (next > max_us)
        next = max_us;
    return next;
}

/* xorshift64*: jitter needs spread, not cryptographic quality. */
static double rand01(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

int64_t ww__feed_jitter(int64_t interval_us, double jitter, uint64_t *rng) {
    if (jitter <= 0)
        return interval_us;
    double f = 1.0 + jitter * (2.0 * rand01(rng) - 1.0);
    int64_t d = (int64_t)((double)interval_us * f);
    return d > 0 ? d : 0;
}

ww__feeds *ww__feeds_new(const char *const *urls, size_t n, const ww__feed_opts *o,
                         int64_t now_us, char *err, size_t errlen) {
    if (o->min_us <= 0 || o->max_us < o->min_us || o->initial_us < o->min_us ||
        o->initial_us > o->max_us || o->jitter < 0 || o->jitter >= 1 ||
        o->items_max < 1) {
        ww_seterr(err, errlen, WW_EINVAL,
                  "fetch.feed_*: need 0 < min <= interval <= max, 0 <= jitter < 1, "
                  "items_max >= 1");
        return NULL;
    }
    ww__feeds *fs = calloc(1, sizeof *fs);
    if (!fs || (n && !(fs->v = calloc(n, sizeof *fs->v))))
        goto nomem;
    fs->opts = *o;
    fs->rng = (uint64_t)now_us * 0x9E3779B97F4A7C15ull | 1;
    for (size_t i = 0; i < n; i++) {
        ww__feed *f = &fs->v[i];
        fs->n++;
        f->index = i;
        if (!(f->url = strdup(urls[i])) ||
            !(f->items = ww__seen_new((size_t)o->items_max, INT64_MAX / 4)))
            goto nomem;
        f->interval_us = o->initial_us;
        f->next_us = now_us; /* first poll at start */
    }
    return fs;
nomem:
    ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    ww__feeds_free(fs);
    return NULL;
}

void ww__feeds_free(ww__feeds *fs) {
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->v[i].url);
        ww__seen_free(fs->v[i].items);
    }
    free(fs->v);
    free(fs);
}

ww__feed *ww__feeds_due(ww__feeds *fs, size_t *cursor, int64_t now_us) {
    for (; *cursor < fs->n; (*cursor)++) {
        ww__feed *f = &fs->v[*cursor];
        if (!f->in_flight && f->next_us <= now_us) {
            (*cursor)++;
            return f;
        }
    }
    return NULL;
}

void ww__feed_started(ww__feed *f) {
    f->in_flight = 1;
    f->polls++;
    f->new_items = 0;
}

int ww__feed_item_is_new(ww__feed *f, const char *url, int64_t now_us) {
    if (ww__seen_check_add(f->items, url, now_us))
        return 0;
    f->new_items++;
    return 1;
}

int64_t ww__feed_done(ww__feeds *fs, ww__feed *f, int ok, int64_t now_us) {
    f->in_flight = 0;
    f->interval_us = ww__feed_next_interval(f->interval_us, ok && f->new_items > 0,
                                            fs->opts.min_us, fs->opts.max_us);
    int64_t d = ww__feed_jitter(f->interval_us, fs->opts.jitter, &fs->rng);
    /* the bounds hold after jitter too: at min it only delays, at max only hastens */
    if (d < fs->opts.min_us)
        d = fs->opts.min_us;
    if (d > fs->opts.max_us)
        d = fs->opts.max_us;
    f->next_us = now_us + d;
    return d;
}
