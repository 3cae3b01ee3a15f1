/* One table maps WW_E* codes to messages and metric-friendly names. */
#include "wirewatch/error.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name, *msg;
} errtab[WW__ECOUNT] = {
    {"ok", "success"},
    {"nomem", "out of memory"},
    {"invalid", "invalid argument"},
    {"malformed", "malformed input"},
    {"oversized", "input exceeds limit"},
    {"io", "input/output error"},
    {"again", "resource temporarily unavailable"},
    {"timeout", "timed out"},
    {"transport", "transport unavailable"},
    {"denied", "denied by policy"},
    {"notfound", "not found"},
    {"unsupported", "unsupported"},
    {"eof", "end of stream"},
};

static int idx(int code) { return (code <= 0 && -code < WW__ECOUNT) ? -code : -1; }

const char *ww_strerror(int code) {
    int i = idx(code);
    return i < 0 ? "unknown error" : errtab[i].msg;
}

const char *ww_errname(int code) {
    int i = idx(code);
    return i < 0 ? "unknown" : errtab[i].name;
}

int ww_err_retryable(int code) {
    return code == WW_EAGAIN || code == WW_ETIMEDOUT || code == WW_ETRANSPORT;
}

int ww_seterr(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}
