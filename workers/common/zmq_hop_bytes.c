/* Open bytes of inproc ZeroMQ hops (zmq_hop_bytes.h says why).  One lock for every hop
 * of the process: a hop sees a few thousand sends a second, each holding it for a few
 * instructions; a condition variable wakes a sender waiting for room. */
#include "zmq_hop_bytes.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirewatch/message.h"

struct ww__hop {
    char *addr;
    int refs;
    long long open; /* bytes queued, not yet released by the receiver */
    pthread_cond_t room;
    struct ww__hop *next;
};

static pthread_mutex_t hops_lock = PTHREAD_MUTEX_INITIALIZER;
static ww__hop *hops;

ww__hop *ww__hop_get(const char *addr) {
    pthread_mutex_lock(&hops_lock);
    ww__hop *h = hops;
    while (h && strcmp(h->addr, addr) != 0)
        h = h->next;
    if (h) {
        h->refs++;
    } else if ((h = calloc(1, sizeof *h)) && (h->addr = strdup(addr))) {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&h->room, &ca);
        pthread_condattr_destroy(&ca);
        h->refs = 1;
        h->next = hops;
        hops = h;
    } else {
        free(h);
        h = NULL;
    }
    pthread_mutex_unlock(&hops_lock);
    return h;
}

void ww__hop_put(ww__hop *h) {
    if (!h)
        return;
    pthread_mutex_lock(&hops_lock);
    if (--h->refs == 0) {
        for (ww__hop **pp = &hops; *pp; pp = &(*pp)->next)
            if (*pp == h) {
                *pp = h->next;
                break;
            }
        pthread_cond_destroy(&h->room);
        free(h->addr);
        free(h);
    }
    pthread_mutex_unlock(&hops_lock);
}

static int fits(const ww__hop *h, size_t n, size_t limit) {
    return h->open <= 0 || h->open + (long long)n <= (long long)limit;
}

int ww__hop_reserve(ww__hop *h, size_t n, size_t limit) {
    pthread_mutex_lock(&hops_lock);
    int ok = fits(h, n, limit);
    if (ok)
        h->open += (long long)n;
    pthread_mutex_unlock(&hops_lock);
    return ok;
}

void ww__hop_release(ww__hop *h, size_t n) {
    pthread_mutex_lock(&hops_lock);
    h->open -= (long long)n;
    pthread_cond_broadcast(&h->room);
    pthread_mutex_unlock(&hops_lock);
}

void ww__hop_wait(ww__hop *h, size_t n, size_t limit, int timeout_ms) {
    struct timespec until = ww_timespec_after_ms(CLOCK_MONOTONIC, timeout_ms);
    pthread_mutex_lock(&hops_lock);
    while (!fits(h, n, limit))
        if (pthread_cond_timedwait(&h->room, &hops_lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&hops_lock);
}

long long ww__hop_open(ww__hop *h) {
    pthread_mutex_lock(&hops_lock);
    long long n = h->open;
    pthread_mutex_unlock(&hops_lock);
    return n;
}
