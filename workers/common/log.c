/* JSON-lines logger on stderr.  One write(2) per line so lines from threads and from
 * librdkafka's threads never interleave. */
#include "wirewatch/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wirewatch/error.h"

_Atomic int ww_log_level_current = WW_LOG_INFO;
static _Atomic int log_plain = 0;

static const char *level_names[] = {"error", "warn", "info", "debug"};

void ww_log_set_level(ww_log_level lvl) { atomic_store(&ww_log_level_current, (int)lvl); }

int ww_log_set_level_name(const char *name) {
    for (int i = 0; i < 4; i++) {
        if (name && strcmp(name, level_names[i]) == 0) {
            ww_log_set_level((ww_log_level)i);
            return 0;
        }
    }
    return WW_EINVAL;
}

void ww_log_set_plain(int plain) { atomic_store(&log_plain, plain); }

void ww_log_kv(ww_log_level lvl, const char *stage, const char *const *kv,
               const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);

    const char *lname = (lvl >= 0 && lvl <= WW_LOG_DEBUG) ? level_names[lvl] : "info";
    char *line = NULL;
    if (atomic_load(&log_plain)) {
        size_t cap = strlen(msg) + 128;
        line = malloc(cap);
        if (line)
            snprintf(line, cap, "%s %-5s %s%s%s\n", when, lname, stage ? stage : "",
                     stage ? ": " : "", msg);
    } else {
        json_t *o = json_object();
        if (!o)
            return;
        json_object_set_new(o, "ts", json_string(when));
        json_object_set_new(o, "level", json_string(lname));
        if (stage)
            json_object_set_new(o, "stage", json_string(stage));
        json_object_set_new(o, "msg", json_string(msg));
        for (; kv && kv[0] && kv[1]; kv += 2)
            json_object_set_new(o, kv[0], json_string(kv[1]));
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (s) {
            size_t len = strlen(s);
            line = malloc(len + 2);
            if (line) {
                memcpy(line, s, len);
                line[len] = '\n';
                line[len + 1] = '\0';
            }
            free(s);
        }
    }
    if (!line)
        return;
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t w = write(STDERR_FILENO, line + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    free(line);
}
