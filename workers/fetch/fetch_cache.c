/* Bounded memory for the fetch stage: the seen-set (URL -> when first seen, expires
 * after a TTL, oldest evicted first when full) and the conditional-GET validators
 * (URL -> ETag / Last-Modified, least recently used evicted first).
 *
 * Both are keyed by a 64-bit hash of the normalised URL rather than the URL itself:
 * a million entries cost ~24 MB instead of ~100+, and a false "seen" needs a 64-bit
 * collision (about 1 in 3e7 at a million URLs). */
#include "fetch_internal.h"

#include <stdlib.h>
#include <string.h>

uint64_t ww__fetch_hash(const char *s) {
    /* FNV-1a then a murmur finaliser so the low bits (the table index) mix well. */
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1; /* 0 marks an empty slot */
}

/* ---- open-addressing map uint64 -> uint32 (index into the caller's array) ------- */

typedef struct hmap {
    uint64_t *keys;
    uint32_t *vals;
    size_t mask; /* capacity - 1, capacity a power of two >= 2 * max entries */
} hmap;

static int hmap_init(hmap *m, size_t max) {
    size_t cap = 16;
    while (cap < max * 2)
        cap <<= 1;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    m->mask = cap - 1;
    return m->keys && m->vals ? 0 : -1;
}

static void hmap_free(hmap *m) {
    free(m->keys);
    free(m->vals);
}

static uint32_t *hmap_find(hmap *m, uint64_t k) {
    for (size_t i = k & m->mask;; i = (i + 1) & m->mask) {
        if (m->keys[i] == k)
            return &m->vals[i];
        if (!m->keys[i])
            return NULL;
    }
}

static void hmap_put(hmap *m, uint64_t k, uint32_t v) {
    size_t i = k & m->mask;
    while (m->keys[i] && m->keys[i] != k)
        i = (i + 1) & m->mask;
    m->keys[i] = k;
    m->vals[i] = v;
}

/* Linear-probing delete with backward shift, so no tombstones pile up. */
static void hmap_del(hmap *m, uint64_t k) {
    size_t i = k & m->mask;
    while (m->keys[i] != k) {
        if (!m->keys[i])
            return;
        i = (i + 1) & m->mask;
    }
    for (size_t j = i;;) {
        m->keys[i] = 0;
        for (;;) {
            j = (j + 1) & m->mask;
            if (!m->keys[j])
                return;
            size_t home = m->keys[j] & m->mask;
            /* Move j back to i unless its home lies cyclically in (i, j]. */
            if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
                continue;
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
            break;
        }
    }
}

/* ---- seen-set: a FIFO ring of (hash, time) + the map ---------------------------- */

struct ww__seen {
    hmap map;
    uint64_t *ring_key;
    int64_t *ring_at;
    size_t cap, head, n; /* head = oldest */
    int64_t ttl_us;
};

ww__seen *ww__seen_new(size_t max, int64_t ttl_us) {
    ww__seen *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cap = max ? max : 1;
    s->ttl_us = ttl_us;
    s->ring_key = calloc(s->cap, sizeof *s->ring_key);
    s->ring_at = calloc(s->cap, sizeof *s->ring_at);
    if (!s->ring_key || !s->ring_at || hmap_init(&s->map, s->cap) < 0) {
        ww__seen_free(s);
        return NULL;
    }
    return s;
}

void ww__seen_free(ww__seen *s) {
    if (!s)
        return;
    hmap_free(&s->map);
    free(s->ring_key);
    free(s->ring_at);
    free(s);
}

static void seen_pop(ww__seen *s) {
    hmap_del(&s->map, s->ring_key[s->head]);
    s->head = (s->head + 1) % s->cap;
    s->n--;
}

int ww__seen_check_add(ww__seen *s, const char *url, int64_t now_us) {
    uint64_t k = ww__fetch_hash(url);
    while (s->n && s->ring_at[s->head] + s->ttl_us <= now_us)
        seen_pop(s); /* expired: oldest first, the ring is in time order */
    if (hmap_find(&s->map, k))
        return 1;
    if (s->n == s->cap)
        seen_pop(s);
    size_t slot = (s->head + s->n) % s->cap;
    s->ring_key[slot] = k;
    s->ring_at[slot] = now_us;
    s->n++;
    hmap_put(&s->map, k, (uint32_t)slot);
    return 0;
}

size_t ww__seen_size(const ww__seen *s) { return s->n; }

/* ---- validators: LRU of (hash, etag, last-modified) ----------------------------- */

typedef struct vent {
    uint64_t key;         /* 0 = free */
    char *etag, *lastmod; /* NULL or in mem */
    char *mem;            /* one block for both */
    uint32_t prev, next;  /* LRU list, UINT32_MAX = none */
} vent;

struct ww__validators {
    hmap map;
    vent *v;
    size_t cap, n;
    uint32_t head, tail; /* head = most recent */
};

#define NONE UINT32_MAX

ww__validators *ww__validators_new(size_t max) {
    ww__validators *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = max ? max : 1;
    c->head = c->tail = NONE;
    c->v = calloc(c->cap, sizeof *c->v);
    if (!c->v || hmap_init(&c->map, c->cap) < 0) {
        ww__validators_free(c);
        return NULL;
    }
    return c;
}

void ww__validators_free(ww__validators *c) {
    if (!c)
        return;
    for (size_t i = 0; c->v && i < c->n; i++) /* used slots are dense: [0, n) */
        free(c->v[i].mem);
    free(c->v);
    hmap_free(&c->map);
    free(c);
}

static void lru_unlink(ww__validators *c, uint32_t i) {
    vent *e = &c->v[i];
    if (e->prev != NONE)
        c->v[e->prev].next = e->next;
    else
        c->head = e->next;
    if (e->next != NONE)
        c->v[e->next].prev = e->prev;
    else
        c->tail = e->prev;
}

static void lru_push_front(ww__validators *c, uint32_t i) {
    vent *e = &c->v[i];
    e->prev = NONE;
    e->next = c->head;
    if (c->head != NONE)
        c->v[c->head].prev = i;
    c->head = i;
    if (c->tail == NONE)
        c->tail = i;
}

int ww__validators_get(ww__validators *c, const char *url, const char **etag,
                       const char **lastmod) {
    uint32_t *pi = hmap_find(&c->map, ww__fetch_hash(url));
    *etag = *lastmod = NULL;
    if (!pi)
        return 0;
    lru_unlink(c, *pi);
    lru_push_front(c, *pi);
    *etag = c->v[*pi].etag;
    *lastmod = c->v[*pi].lastmod;
    return 1;
}

int ww__validators_put(ww__validators *c, const char *url, const char *etag,
                       const char *lastmod) {
    uint64_t k = ww__fetch_hash(url);
    uint32_t *pi = hmap_find(&c->map, k), i;
    size_t el = etag ? strlen(etag) : 0, ll = lastmod ? strlen(lastmod) : 0;
    char *mem = NULL, *e = NULL, *l = NULL;
    if (el || ll) {
        if (!(mem = malloc(el + ll + 2)))
            return WW_ENOMEM;
        if (el)
            e = memcpy(mem, etag, el + 1);
        if (ll)
            l = memcpy(mem + el + 1, lastmod, ll + 1);
    }
    if (pi) {
        i = *pi;
        lru_unlink(c, i);
    } else if (c->n < c->cap) {
        i = (uint32_t)c->n++;
    } else {
        i = c->tail; /* evict the least recently used */
        lru_unlink(c, i);
        hmap_del(&c->map, c->v[i].key);
    }
    vent *ent = &c->v[i];
    free(ent->mem);
    ent->key = k;
    ent->mem = mem;
    ent->etag = e;
    ent->lastmod = l;
    hmap_put(&c->map, k, i);
    lru_push_front(c, i);
    if (!e && !l) { /* nothing to remember: forget the URL */
        lru_unlink(c, i);
        hmap_del(&c->map, k);
        ent->key = 0;
        /* Keep the slot dense: move the last used slot into i. */
        uint32_t last = (uint32_t)--c->n;
        if (last != i) {
            c->v[i] = c->v[last];
            c->v[last] = (vent){0};
            vent *m = &c->v[i];
            if (m->prev != NONE)
                c->v[m->prev].next = i;
            else
                c->head = i;
            if (m->next != NONE)
                c->v[m->next].prev = i;
            else
                c->tail = i;
            hmap_put(&c->map, m->key, i);
        }
    }
    return 0;
}

size_t ww__validators_size(const ww__validators *c) { return c->n; }
