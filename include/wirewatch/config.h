/* Configuration: one JSON file per worker, every key declared in a table with its
 * type, default and documentation (docs/config.md is generated from the tables by
 * `wirewatch <stage> --print-config`).
 *
 * Keys are dotted paths into the JSON object ("fetch.max_body_bytes" is
 * {"fetch":{"max_body_bytes":...}}).  A key in the file that no table declares is an
 * error naming the key.  "kafka.*" is open: every string under "kafka" is passed to
 * librdkafka as it is.  Environment overrides: WW_<KEY> with dots as "__" and upper
 * case (WW_KAFKA__BOOTSTRAP_SERVERS=...), applied after the file.
 *
 * Accessors take no default: the table's default is the only one, so code and docs
 * cannot disagree.  Asking for an undeclared key aborts (a programming error). */
#ifndef WIREWATCH_CONFIG_H
#define WIREWATCH_CONFIG_H

#include <jansson.h>
#include <stddef.h>

typedef enum { WW_CFG_INT, WW_CFG_NUM, WW_CFG_BOOL, WW_CFG_STR, WW_CFG_JSON } ww_cfg_type;

typedef struct ww_config_key {
    const char *key; /* dotted path */
    ww_cfg_type type;
    const char *def; /* default as JSON text: "30000", "true", "\"ua\"", "[]" */
    const char *doc; /* one sentence for docs/config.md */
} ww_config_key;

typedef struct ww_config ww_config;

/* Load path (NULL = defaults only) validated against the NULL-key-terminated tables
 * in `tables` (itself NULL-terminated).  Returns NULL with err on unknown key, wrong
 * type, unreadable or malformed file.  Caller owns the result. */
ww_config *ww_config_load(const char *path, const ww_config_key *const *tables, char *err,
                          size_t errlen);
void ww_config_destroy(ww_config *cfg);

/* Override one key from a command line "key=value" (value parsed as JSON, or taken as
 * a string when it is not valid JSON).  Returns 0 or WW_EINVAL with err. */
int ww_config_set(ww_config *cfg, const char *assignment, char *err, size_t errlen);

long long ww_config_int(const ww_config *cfg, const char *key);
/* The default of integer key as declared in table (NULL-key-terminated), for code
 * that may run without a configuration: the table stays the only place a default is
 * written.  Aborts when table does not declare key as an integer. */
long long ww_config_default_int(const ww_config_key *table, const char *key);
double ww_config_num(const ww_config *cfg, const char *key);
int ww_config_bool(const ww_config *cfg, const char *key);
/* Borrowed; valid while cfg lives.  Never NULL (empty string when unset). */
const char *ww_config_str(const ww_config *cfg, const char *key);
/* Borrowed JSON value (arrays, objects); never NULL. */
json_t *ww_config_json(const ww_config *cfg, const char *key);
/* The "kafka" object (string values) to pass to librdkafka; borrowed, never NULL. */
json_t *ww_config_kafka(const ww_config *cfg);

/* The effective configuration as pretty JSON plus the documentation of every key
 * (for --print-config).  Caller frees. */
char *ww_config_dump(const ww_config *cfg, int with_docs);

#endif
