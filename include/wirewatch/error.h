/* Error codes shared by every module.
 *
 * Functions return 0 on success or a negative WW_E* code; constructors return NULL
 * and write detail into a caller's (char *err, size_t errlen).  Retryable errors
 * (WW_EAGAIN, WW_ETIMEDOUT, WW_ETRANSPORT) are distinct from fatal ones so a worker
 * loop can decide to retry or to dead-letter without parsing strings. */
#ifndef WIREWATCH_ERROR_H
#define WIREWATCH_ERROR_H

#include <stddef.h>

enum {
    WW_OK = 0,
    WW_ENOMEM = -1,        /* allocation failed (fatal) */
    WW_EINVAL = -2,        /* bad argument or configuration (fatal) */
    WW_EMALFORMED = -3,    /* input bytes are not what they claim (dead-letter) */
    WW_ETOOBIG = -4,       /* input exceeds a configured limit (dead-letter) */
    WW_EIO = -5,           /* file or socket error (fatal for that file) */
    WW_EAGAIN = -6,        /* try again later: queue full, HWM reached (retryable) */
    WW_ETIMEDOUT = -7,     /* deadline passed (retryable) */
    WW_ETRANSPORT = -8,    /* broker / peer unavailable (retryable) */
    WW_EDENIED = -9,       /* refused by policy: SSRF guard, robots.txt (terminal) */
    WW_ENOTFOUND = -10,    /* no such file, topic, key (fatal for that item) */
    WW_EUNSUPPORTED = -11, /* valid but not handled: unknown scheme, format (terminal) */
    WW_EEOF = -12,         /* end of stream: no more input will come */
    WW__ECOUNT = 13
};

/* Message for a WW_E* code; never NULL (unknown codes give "unknown error"). */
const char *ww_strerror(int code);

/* Short stable token for metrics labels and dead-letter reasons ("malformed"). */
const char *ww_errname(int code);

/* 1 when a retry may succeed (EAGAIN, ETIMEDOUT, ETRANSPORT), else 0. */
int ww_err_retryable(int code);

/* snprintf into err (if err && errlen), always NUL-terminated; returns code. */
int ww_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
