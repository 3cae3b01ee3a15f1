/* The fetch stage's event loop: libcurl's socket interface (curl_multi_socket_action)
 * over epoll.
 *
 * Why not curl_multi_poll + curl_multi_perform: perform walks every transfer on each
 * call and polls their sockets again; socket_action touches only the transfers whose
 * socket is ready or whose timer expired, and tells libcurl what is ready.
 *
 * Why sockets stay registered between transfers: on a kept-alive connection libcurl
 * says "remove" when a response ends and "watch for input" when the next request on
 * the same socket has been sent — an EPOLL_CTL_DEL and an EPOLL_CTL_ADD per page, ~3%
 * of the stage's CPU (docs/benchmarks.md).  So a socket we opened (OPENSOCKETFUNCTION)
 * stays in the epoll set until it is closed (CLOSESOCKETFUNCTION, which epoll follows
 * by itself) or wakes up while libcurl does not want it (then it is removed).  Sockets
 * we did not open (the resolver's) are removed when libcurl says so, because libcurl
 * closes those itself and their descriptor numbers come back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fetch_internal.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

#define STAGE "fetch"

enum {
    S_OURS = 1,       /* opened by open_socket, closed by close_socket */
    S_REGISTERED = 2, /* in the epoll set ... */
    S_IN = 4,         /* ... for these events */
    S_OUT = 8,
    S_WANTED = 16, /* libcurl is waiting on it */
};

int ww__loop_init(ww__loop *l, CURLM *multi) {
    memset(l, 0, sizeof *l);
    l->multi = multi;
    l->deadline_us = -1;
    l->now_us = ww_mono_us();
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    return l->epfd < 0 ? -1 : 0;
}

void ww__loop_free(ww__loop *l) {
    if (l->epfd >= 0)
        close(l->epfd);
    l->epfd = -1;
    free(l->st);
    l->st = NULL;
    l->nst = 0;
}

static uint8_t *state_of(ww__loop *l, int fd) {
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= l->nst) {
        size_t n = l->nst ? l->nst : 256;
        while (n <= (size_t)fd)
            n *= 2;
        uint8_t *s = realloc(l->st, n);
        if (!s)
            return NULL;
        memset(s + l->nst, 0, n - l->nst);
        l->st = s;
        l->nst = n;
    }
    return &l->st[fd];
}

void ww__loop_opened(ww__loop *l, int fd) {
    uint8_t *s = state_of(l, fd);
    if (s)
        *s = S_OURS;
}

void ww__loop_closing(ww__loop *l, int fd) {
    /* close() takes the descriptor out of the epoll set by itself */
    if (fd >= 0 && (size_t)fd < l->nst)
        l->st[fd] = 0;
}

static int ctl(ww__loop *l, int op, int fd, unsigned events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(l->epfd, op, fd, &ev) == 0)
        return 0;
    if (op == EPOLL_CTL_DEL)
        return 0; /* already gone */
    /* a descriptor closed and reopened behind our back: try the other operation */
    op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(l->epfd, op, fd, &ev) == 0)
        return 0;
    WW_WARN(STAGE, "epoll_ctl on socket %d: %s", fd, strerror(errno));
    return -1;
}

/* CURLMOPT_SOCKETFUNCTION */
int ww__loop_on_socket(CURL *e, curl_socket_t fd, int what, void *ud, void *sockp) {
    ww__loop *l = ud;
    (void)e, (void)sockp;
    unsigned events =
        ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    uint8_t want = (uint8_t)(((what & CURL_POLL_IN) ? S_IN : 0) |
                             ((what & CURL_POLL_OUT) ? S_OUT : 0));
    uint8_t *s = state_of(l, fd);
    if (!s) {
        /* out of memory for the table: fall back to plain add/remove */
        ctl(l, what == CURL_POLL_REMOVE ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, fd, events);
        return 0;
    }
    if (what == CURL_POLL_REMOVE) {
        *s &= (uint8_t)~S_WANTED;
        if (!(*s & S_OURS) && (*s & S_REGISTERED)) {
            ctl(l, EPOLL_CTL_DEL, fd, 0);
            *s = 0;
        }
        return 0;
    }
    if (!(*s & S_REGISTERED) || (*s & (S_IN | S_OUT)) != want) {
        if (ctl(l, (*s & S_REGISTERED) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, events) < 0)
            return 0;
    }
    *s = (uint8_t)((*s & S_OURS) | S_REGISTERED | want | S_WANTED);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION */
int ww__loop_on_timer(CURLM *m, long timeout_ms, void *ud) {
    ww__loop *l = ud;
    (void)m;
    l->deadline_us = timeout_ms < 0 ? -1 : l->now_us + (int64_t)timeout_ms * 1000;
    return 0;
}

int64_t ww__loop_clock(ww__loop *l) { return l->now_us = ww_mono_us(); }

void ww__loop_timeouts(ww__loop *l) {
    if (l->deadline_us >= 0 && l->now_us >= l->deadline_us) {
        int running;
        l->deadline_us = -1;
        curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}

int ww__loop_wait_ms(const ww__loop *l, int max_ms) {
    if (l->deadline_us < 0)
        return max_ms;
    int64_t left = l->deadline_us - l->now_us;
    int ms = left <= 0 ? 0 : (int)((left + 999) / 1000);
    return ms < max_ms ? ms : max_ms;
}

void ww__loop_run(ww__loop *l, int wait_ms) {
    struct epoll_event ev[256];
    int running;
    int n = epoll_wait(l->epfd, ev, (int)(sizeof ev / sizeof *ev), wait_ms);
    if (wait_ms != 0 || n > 0)
        ww__loop_clock(l);
    for (int i = 0; i < n; i++) {
        int fd = ev[i].data.fd;
        if (fd >= 0 && (size_t)fd < l->nst && (l->st[fd] & S_REGISTERED) &&
            !(l->st[fd] & S_WANTED)) {
            /* an idle kept-alive connection woke (the server closed it, say): stop
             * watching; libcurl checks a connection before it reuses one */
            ctl(l, EPOLL_CTL_DEL, fd, 0);
            l->st[fd] &= S_OURS;
            continue;
        }
        int flags = ((ev[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                    ((ev[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                    ((ev[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(l->multi, fd, flags, &running);
    }
    ww__loop_timeouts(l);
}
