/* Logging: one JSON object per line on stderr (stdout is for data).
 *
 *   WW_INFO("parse", "document %s has no title", id);
 *
 * The macros test the level before evaluating their arguments, so a debug line in a
 * hot path costs one comparison when debug is off.  ww_log_kv adds structured fields
 * (ids needed to follow one document).  Thread-safe: one write(2) per line. */
#ifndef WIREWATCH_LOG_H
#define WIREWATCH_LOG_H

#include <stdatomic.h>

typedef enum { WW_LOG_ERROR = 0, WW_LOG_WARN, WW_LOG_INFO, WW_LOG_DEBUG } ww_log_level;

extern _Atomic int ww_log_level_current;

/* Set from a name ("error", "warn", "info", "debug"); returns 0 or WW_EINVAL. */
int ww_log_set_level_name(const char *name);
void ww_log_set_level(ww_log_level lvl);
/* Human-readable lines instead of JSON (for a terminal); default is JSON. */
void ww_log_set_plain(int plain);

/* stage may be NULL; key/value pairs: NULL-terminated list of const char* pairs. */
void ww_log_kv(ww_log_level lvl, const char *stage, const char *const *kv,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define WW__LOG(lvl, stage, ...)                                                         \
    do {                                                                                 \
        if ((int)(lvl) <=                                                                \
            atomic_load_explicit(&ww_log_level_current, memory_order_relaxed))           \
            ww_log_kv((lvl), (stage), NULL, __VA_ARGS__);                                \
    } while (0)
#define WW_ERROR(stage, ...) WW__LOG(WW_LOG_ERROR, stage, __VA_ARGS__)
#define WW_WARN(stage, ...) WW__LOG(WW_LOG_WARN, stage, __VA_ARGS__)
#define WW_INFO(stage, ...) WW__LOG(WW_LOG_INFO, stage, __VA_ARGS__)
#define WW_DEBUG(stage, ...) WW__LOG(WW_LOG_DEBUG, stage, __VA_ARGS__)

#endif
