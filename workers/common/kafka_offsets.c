/* In-order offset tracking per partition; see kafka_offsets.h for why.
 *
 * Each partition holds a ring of (offset, done) in the order received.  Offsets of a
 * partition increase but are not contiguous (compaction, transaction markers), so a
 * release finds its entry by binary search over the ring.  Completing the head pops
 * the leading run of done entries; the stored offset is then one past the last one
 * popped.  Partitions are few (the assignment of one worker): a flat array searched
 * linearly is the simplest structure that is fast enough. */
#include "kafka_offsets.h"

#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"

typedef struct koff_ent {
    int64_t offset;
    int done;
} koff_ent;

typedef struct koff_part {
    char *topic;
    int32_t partition;
    uint64_t epoch;
    koff_ent *ring; /* capacity cap (a power of two), entries [head, head+len) */
    size_t cap, head, len;
    int64_t last_added; /* -1 before the first message of this epoch */
} koff_part;

struct ww__koff {
    koff_part *parts;
    size_t nparts, capparts;
    uint64_t next_epoch;
    size_t inflight;
};

ww__koff *ww__koff_new(void) {
    ww__koff *k = calloc(1, sizeof *k);
    if (k)
        k->next_epoch = 1;
    return k;
}

static void part_clear(ww__koff *k, koff_part *p) {
    k->inflight -= p->len;
    p->head = p->len = 0;
    p->last_added = -1;
    p->epoch = k->next_epoch++;
}

void ww__koff_free(ww__koff *k) {
    if (!k)
        return;
    for (size_t i = 0; i < k->nparts; i++) {
        free(k->parts[i].topic);
        free(k->parts[i].ring);
    }
    free(k->parts);
    free(k);
}

static koff_part *find(const ww__koff *k, const char *topic, int32_t partition) {
    for (size_t i = 0; i < k->nparts; i++)
        if (k->parts[i].partition == partition && strcmp(k->parts[i].topic, topic) == 0)
            return &k->parts[i];
    return NULL;
}

static koff_part *find_or_add(ww__koff *k, const char *topic, int32_t partition) {
    koff_part *p = find(k, topic, partition);
    if (p)
        return p;
    if (k->nparts == k->capparts) {
        size_t ncap = k->capparts ? k->capparts * 2 : 8;
        koff_part *np = realloc(k->parts, ncap * sizeof *np);
        if (!np)
            return NULL;
        k->parts = np;
        k->capparts = ncap;
    }
    p = &k->parts[k->nparts];
    memset(p, 0, sizeof *p);
    p->topic = strdup(topic);
    if (!p->topic)
        return NULL;
    p->partition = partition;
    p->last_added = -1;
    p->epoch = k->next_epoch++;
    k->nparts++;
    return p;
}

static koff_ent *at(const koff_part *p, size_t i) {
    return &p->ring[(p->head + i) & (p->cap - 1)];
}

static int grow(koff_part *p) {
    size_t ncap = p->cap ? p->cap * 2 : 64;
    koff_ent *nr = malloc(ncap * sizeof *nr);
    if (!nr)
        return WW_ENOMEM;
    for (size_t i = 0; i < p->len; i++)
        nr[i] = *at(p, i);
    free(p->ring);
    p->ring = nr;
    p->cap = ncap;
    p->head = 0;
    return 0;
}

int ww__koff_add(ww__koff *k, const char *topic, int32_t partition, int64_t offset,
                 uint64_t *epoch) {
    koff_part *p = find_or_add(k, topic, partition);
    if (!p)
        return WW_ENOMEM;
    if (p->last_added >= 0 && offset <= p->last_added)
        part_clear(k, p); /* rewound */
    if (p->len == p->cap && grow(p))
        return WW_ENOMEM;
    koff_ent *e = at(p, p->len);
    e->offset = offset;
    e->done = 0;
    p->len++;
    p->last_added = offset;
    k->inflight++;
    *epoch = p->epoch;
    return 0;
}

int64_t ww__koff_done(ww__koff *k, const char *topic, int32_t partition, int64_t offset,
                      uint64_t epoch) {
    koff_part *p = find(k, topic, partition);
    if (!p || p->epoch != epoch || p->len == 0)
        return -1;
    size_t lo = 0, hi = p->len; /* binary search: offsets increase along the ring */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at(p, mid)->offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->len || at(p, lo)->offset != offset || at(p, lo)->done)
        return -1;
    at(p, lo)->done = 1;
    if (lo != 0)
        return -1;
    int64_t store = -1;
    while (p->len && at(p, 0)->done) {
        store = at(p, 0)->offset + 1;
        p->head = (p->head + 1) & (p->cap - 1);
        p->len--;
        k->inflight--;
    }
    return store;
}

void ww__koff_drop(ww__koff *k, const char *topic, int32_t partition) {
    koff_part *p = find(k, topic, partition);
    if (p)
        part_clear(k, p);
}

void ww__koff_drop_all(ww__koff *k) {
    for (size_t i = 0; i < k->nparts; i++)
        part_clear(k, &k->parts[i]);
}

size_t ww__koff_inflight(const ww__koff *k) { return k->inflight; }
