/* Internal: the byte bound of a ZeroMQ hop whose sender and receiver share the process
 * (inproc: embedded mode's stage threads, taps), zmq.hwm_bytes (endpoint_zmq.c).
 *
 * ZeroMQ's high-water mark counts messages, and a Page can weigh hundreds of kilobytes:
 * 1,000 queued pages are hundreds of megabytes.  ZeroMQ tells a sender nothing about
 * what its receiver has taken, but on an inproc address both ends are endpoints of this
 * process: the sender adds what it queues to the hop's open bytes, the receiver takes
 * it off when the worker releases the message (its job is done), and a send that would
 * pass the bound waits (WW_EAGAIN, then ww__hop_wait) — backpressure in bytes.  One
 * message is always let through when nothing is open, so a message larger than the
 * bound still passes. */
#ifndef WW_ZMQ_HOP_BYTES_H
#define WW_ZMQ_HOP_BYTES_H

#include <stddef.h>

typedef struct ww__hop ww__hop;

/* The process's hop for an inproc address (shared by its sender and receivers), with
 * a reference.  NULL on ENOMEM.  ww__hop_put(NULL) is a no-op. */
ww__hop *ww__hop_get(const char *addr);
void ww__hop_put(ww__hop *h);

/* Count n bytes as queued when they fit under limit, or when nothing is open.
 * Returns 1 (counted: send them) or 0 (full: wait). */
int ww__hop_reserve(ww__hop *h, size_t n, size_t limit);

/* The receiver is done with n bytes (or a reserved send did not happen). */
void ww__hop_release(ww__hop *h, size_t n);

/* Wait up to timeout_ms until n bytes would fit under limit. */
void ww__hop_wait(ww__hop *h, size_t n, size_t limit, int timeout_ms);

/* Bytes queued and not yet released. */
long long ww__hop_open(ww__hop *h);

#endif
