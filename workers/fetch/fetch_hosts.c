/* Hosts and politeness: the table of origins, each with its request queue, token
 * bucket, robots.txt and error backoff, and the list of hosts with requests waiting
 * (what the dispatcher walks). */
#include <stdlib.h>
#include <string.h>

#include "fetch_hosts.h"

int ww__hosts_init(ww__hosts *hs) {
    memset(hs, 0, sizeof *hs);
    hs->hcap = 1024;
    hs->htab = calloc(hs->hcap, sizeof *hs->htab);
    return hs->htab ? 0 : WW_ENOMEM;
}

static void host_free(fhost *h) {
    ww_robots_free(h->robots);
    free(h->origin);
    free(h);
}

void ww__hosts_free(ww__hosts *hs) {
    for (size_t i = 0; hs->htab && i < hs->hcap; i++)
        for (fhost *h = hs->htab[i], *hn; h; h = hn) {
            hn = h->hnext;
            for (freq *r = h->qhead, *rn; r; r = rn) {
                rn = r->next;
                ww__req_free(r);
            }
            host_free(h);
        }
    free(hs->htab);
    hs->htab = NULL;
}

/* Double the host table; on ENOMEM keep the old one (longer chains, still correct). */
static void host_rehash(ww__hosts *hs) {
    size_t ncap = hs->hcap * 2;
    fhost **nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return;
    for (size_t i = 0; i < hs->hcap; i++)
        for (fhost *h = hs->htab[i], *hn; h; h = hn) {
            hn = h->hnext;
            size_t j = ww__fetch_hash(h->origin) & (ncap - 1);
            h->hnext = nt[j];
            nt[j] = h;
        }
    free(hs->htab);
    hs->htab = nt;
    hs->hcap = ncap;
}

fhost *ww__host_get(ww__hosts *hs, const char *origin, int64_t delay_us, int64_t now) {
    size_t i = ww__fetch_hash(origin) & (hs->hcap - 1);
    for (fhost *h = hs->htab[i]; h; h = h->hnext)
        if (strcmp(h->origin, origin) == 0)
            return h;
    fhost *h = calloc(1, sizeof *h);
    if (!h || !(h->origin = strdup(origin))) {
        free(h);
        return NULL;
    }
    h->delay_us = delay_us;
    ww_bucket_init(&h->bucket, h->delay_us > 0 ? 1e6 / (double)h->delay_us : 0, 1, now);
    h->hnext = hs->htab[i];
    hs->htab[i] = h;
    hs->nhosts++;
    if (hs->nhosts > hs->hcap * 2)
        host_rehash(hs);
    return h;
}

void ww__hosts_trim(ww__hosts *hs, long max_hosts, int64_t now) {
    if ((long)hs->nhosts <= max_hosts || now < hs->next_trim_us)
        return;
    hs->next_trim_us = now + 1000000;       /* a full scan at most once a second */
    int64_t horizon = now - 60 * 1000000ll; /* keep anything used in the last minute */
    for (size_t i = 0; i < hs->hcap; i++)
        for (fhost **pp = &hs->htab[i]; *pp;) {
            fhost *h = *pp;
            if (!h->pending && !h->active && !h->qhead && h->last_used_us < horizon) {
                *pp = h->hnext;
                host_free(h);
                hs->nhosts--;
            } else {
                pp = &h->hnext;
            }
        }
}

static void pend_add(ww__hosts *hs, fhost *h) {
    if (h->pending)
        return;
    h->pending = 1;
    h->pprev = NULL;
    h->pnext = hs->pend_head;
    if (hs->pend_head)
        hs->pend_head->pprev = h;
    hs->pend_head = h;
}

void ww__host_unpend(ww__hosts *hs, fhost *h) {
    if (!h->pending)
        return;
    h->pending = 0;
    if (h->pprev)
        h->pprev->pnext = h->pnext;
    else
        hs->pend_head = h->pnext;
    if (h->pnext)
        h->pnext->pprev = h->pprev;
}

void ww__host_push(ww__hosts *hs, fhost *h, freq *r, int front) {
    r->host = h;
    if (front) {
        r->next = h->qhead;
        h->qhead = r;
        if (!h->qtail)
            h->qtail = r;
    } else {
        r->next = NULL;
        if (h->qtail)
            h->qtail->next = r;
        else
            h->qhead = r;
        h->qtail = r;
    }
    h->qlen++;
    hs->queued++;
    pend_add(hs, h);
}

freq *ww__host_pop(ww__hosts *hs, fhost *h) {
    freq *r = h->qhead;
    h->qhead = r->next;
    if (!h->qhead)
        h->qtail = NULL;
    r->next = NULL;
    h->qlen--;
    hs->queued--;
    return r;
}

void ww__host_set_delay(const fetch_cfg *c, fhost *h) {
    int64_t d = c->host_delay_us;
    if (h->robots) {
        double cd = ww_robots_crawl_delay(h->robots);
        if (cd > 0) {
            int64_t cdus = (int64_t)(cd * 1e6);
            if (cdus > c->max_crawl_delay_us)
                cdus = c->max_crawl_delay_us;
            if (cdus > d)
                d = cdus;
        }
    }
    if (d != h->delay_us) {
        h->delay_us = d;
        h->bucket.rate = d > 0 ? 1e6 / (double)d : 0;
    }
}

void ww__host_error(const fetch_cfg *c, fhost *h, int64_t now) {
    h->errors++;
    int64_t b = c->backoff_base_us;
    for (int i = 1; i < h->errors && b < c->backoff_max_us; i++)
        b *= 2;
    if (b > c->backoff_max_us)
        b = c->backoff_max_us;
    ww_bucket_hold(&h->bucket, now + b);
}
