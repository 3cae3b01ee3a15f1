/* Configuration: defaults from the declared key tables, then the JSON file, then
 * WW_* environment overrides, then --set key=value.  Stored flat ("fetch.timeout_ms"
 * -> value) so lookups are one hash probe. */
#include "wirewatch/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"

extern char **environ;

struct ww_config {
    json_t *values; /* dotted key -> value, for every declared key */
    json_t *kafka;  /* librdkafka property -> string */
    const ww_config_key *const *tables;
};

static const ww_config_key *find_key(const ww_config *cfg, const char *key) {
    for (const ww_config_key *const *t = cfg->tables; t && *t; t++)
        for (const ww_config_key *k = *t; k->key; k++)
            if (strcmp(k->key, key) == 0)
                return k;
    return NULL;
}

static const char *type_name(ww_cfg_type t) {
    switch (t) {
    case WW_CFG_INT: return "an integer";
    case WW_CFG_NUM: return "a number";
    case WW_CFG_BOOL: return "true or false";
    case WW_CFG_STR: return "a string";
    case WW_CFG_JSON: return "JSON";
    }
    return "?";
}

static int type_ok(ww_cfg_type t, const json_t *v) {
    switch (t) {
    case WW_CFG_INT: return json_is_integer(v);
    case WW_CFG_NUM: return json_is_number(v);
    case WW_CFG_BOOL: return json_is_boolean(v);
    case WW_CFG_STR: return json_is_string(v);
    case WW_CFG_JSON: return 1;
    }
    return 0;
}

/* Set a declared key, checking its type. */
static int set_value(ww_config *cfg, const char *key, json_t *v, const char *origin,
                     char *err, size_t errlen) {
    const ww_config_key *k = find_key(cfg, key);
    if (!k) {
        json_decref(v);
        return ww_seterr(err, errlen, WW_EINVAL, "%s: unknown config key \"%s\"", origin,
                         key);
    }
    if (!type_ok(k->type, v)) {
        json_decref(v);
        return ww_seterr(err, errlen, WW_EINVAL, "%s: config key \"%s\" must be %s",
                         origin, key, type_name(k->type));
    }
    json_object_set_new(cfg->values, key, v);
    return 0;
}

static int set_kafka(ww_config *cfg, const char *prop, const json_t *v,
                     const char *origin, char *err, size_t errlen) {
    char buf[64];
    const char *s;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v)),
            s = buf;
    else if (json_is_real(v))
        snprintf(buf, sizeof buf, "%g", json_real_value(v)), s = buf;
    else if (json_is_boolean(v))
        s = json_is_true(v) ? "true" : "false";
    else
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: kafka.%s must be a string, number or boolean", origin,
                         prop);
    json_object_set_new(cfg->kafka, prop, json_string(s));
    return 0;
}

/* Walk the file's object: a declared key takes its whole value; "kafka" is open. */
static int walk(ww_config *cfg, const char *prefix, json_t *obj, const char *origin,
                char *err, size_t errlen) {
    const char *name;
    json_t *v;
    json_object_foreach(obj, name, v) {
        char key[256];
        if ((size_t)snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "",
                             name) >= sizeof key)
            return ww_seterr(err, errlen, WW_EINVAL, "%s: config key too long", origin);
        if (!*prefix && strcmp(name, "kafka") == 0) {
            if (!json_is_object(v))
                return ww_seterr(err, errlen, WW_EINVAL,
                                 "%s: \"kafka\" must be an object", origin);
            const char *prop;
            json_t *pv;
            json_object_foreach(v, prop, pv) {
                if (set_kafka(cfg, prop, pv, origin, err, errlen))
                    return WW_EINVAL;
            }
            continue;
        }
        if (find_key(cfg, key)) {
            if (set_value(cfg, key, json_incref(v), origin, err, errlen))
                return WW_EINVAL;
        } else if (json_is_object(v)) {
            if (walk(cfg, key, v, origin, err, errlen))
                return WW_EINVAL;
        } else {
            return ww_seterr(err, errlen, WW_EINVAL, "%s: unknown config key \"%s\"",
                             origin, key);
        }
    }
    return 0;
}

/* A value given as text (env, --set): JSON when it parses, else a plain string. */
static json_t *parse_text_value(const ww_config_key *k, const char *text) {
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (!v || (k && k->type == WW_CFG_STR && !json_is_string(v))) {
        json_decref(v);
        v = json_string(text);
    }
    return v;
}

static int apply_env(ww_config *cfg, char *err, size_t errlen) {
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "WW_", 3) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char name[256];
        size_t n = (size_t)(eq - *e) - 3;
        if (n >= sizeof name)
            continue;
        memcpy(name, *e + 3, n);
        name[n] = '\0';
        const char *val = eq + 1;
        if (strncmp(name, "KAFKA__", 7) == 0) {
            /* WW_KAFKA__SASL_PASSWORD -> kafka property sasl.password */
            char prop[256];
            size_t k = 0;
            for (const char *p = name + 7; *p && k + 1 < sizeof prop; p++)
                prop[k++] = *p == '_' ? '.' : (char)tolower((unsigned char)*p);
            prop[k] = '\0';
            json_object_set_new(cfg->kafka, prop, json_string(val));
            continue;
        }
        if (!strstr(name, "__"))
            continue; /* not a config override (WW_ROOT, ...) */
        /* WW_FETCH__MAX_BODY_BYTES -> fetch.max_body_bytes */
        char key[256];
        size_t k = 0;
        for (const char *p = name; *p && k + 1 < sizeof key; p++) {
            if (p[0] == '_' && p[1] == '_') {
                key[k++] = '.';
                p++;
            } else {
                key[k++] = (char)tolower((unsigned char)*p);
            }
        }
        key[k] = '\0';
        const ww_config_key *ck = find_key(cfg, key);
        if (!ck)
            continue; /* other programs' WW_ variables are not ours to reject */
        if (set_value(cfg, key, parse_text_value(ck, val), "environment", err, errlen))
            return WW_EINVAL;
    }
    return 0;
}

ww_config *ww_config_load(const char *path, const ww_config_key *const *tables, char *err,
                          size_t errlen) {
    ww_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    cfg->tables = tables;
    cfg->values = json_object();
    cfg->kafka = json_object();
    if (!cfg->values || !cfg->kafka)
        goto fail;
    for (const ww_config_key *const *t = tables; t && *t; t++) {
        for (const ww_config_key *k = *t; k->key; k++) {
            json_error_t je;
            json_t *v = json_loads(k->def, JSON_DECODE_ANY, &je);
            if (!v || !type_ok(k->type, v)) {
                ww_seterr(err, errlen, WW_EINVAL, "built-in default of \"%s\" is invalid",
                          k->key);
                json_decref(v);
                goto fail;
            }
            json_object_set_new(cfg->values, k->key, v);
        }
    }
    if (path && *path) {
        json_error_t je;
        json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!root) {
            ww_seterr(err, errlen, WW_EINVAL, "%s:%d: %s", path, je.line, je.text);
            goto fail;
        }
        int rc = json_is_object(root) ? walk(cfg, "", root, path, err, errlen)
                                      : ww_seterr(err, errlen, WW_EINVAL,
                                                  "%s: expected a JSON object", path);
        json_decref(root);
        if (rc)
            goto fail;
    }
    if (apply_env(cfg, err, errlen))
        goto fail;
    return cfg;
fail:
    ww_config_destroy(cfg);
    return NULL;
}

void ww_config_destroy(ww_config *cfg) {
    if (!cfg)
        return;
    json_decref(cfg->values);
    json_decref(cfg->kafka);
    free(cfg);
}

int ww_config_set(ww_config *cfg, const char *assignment, char *err, size_t errlen) {
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return ww_seterr(err, errlen, WW_EINVAL, "--set expects key=value, got \"%s\"",
                         assignment);
    char key[256];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof key)
        return ww_seterr(err, errlen, WW_EINVAL, "config key too long");
    memcpy(key, assignment, n);
    key[n] = '\0';
    if (strncmp(key, "kafka.", 6) == 0) {
        json_object_set_new(cfg->kafka, key + 6, json_string(eq + 1));
        return 0;
    }
    return set_value(cfg, key, parse_text_value(find_key(cfg, key), eq + 1), "--set", err,
                     errlen);
}

static json_t *lookup(const ww_config *cfg, const char *key, ww_cfg_type want) {
    const ww_config_key *k = find_key(cfg, key);
    if (!k || k->type != want) {
        fprintf(stderr, "wirewatch: internal error: config key \"%s\" %s\n", key,
                k ? "read with the wrong type" : "is not declared");
        abort();
    }
    return json_object_get(cfg->values, key);
}

long long ww_config_int(const ww_config *cfg, const char *key) {
    return json_integer_value(lookup(cfg, key, WW_CFG_INT));
}
long long ww_config_default_int(const ww_config_key *table, const char *key) {
    for (; table && table->key; table++)
        if (strcmp(table->key, key) == 0 && table->type == WW_CFG_INT)
            return strtoll(table->def, NULL, 10);
    fprintf(stderr, "wirewatch: internal error: no integer config key \"%s\" declared\n",
            key);
    abort();
}
double ww_config_num(const ww_config *cfg, const char *key) {
    return json_number_value(lookup(cfg, key, WW_CFG_NUM));
}
int ww_config_bool(const ww_config *cfg, const char *key) {
    return json_is_true(lookup(cfg, key, WW_CFG_BOOL));
}
const char *ww_config_str(const ww_config *cfg, const char *key) {
    const char *s = json_string_value(lookup(cfg, key, WW_CFG_STR));
    return s ? s : "";
}
json_t *ww_config_json(const ww_config *cfg, const char *key) {
    return lookup(cfg, key, WW_CFG_JSON);
}
json_t *ww_config_kafka(const ww_config *cfg) { return cfg->kafka; }

/* Secrets never leave the process through --print-config. */
static int is_secret(const char *prop) {
    return strstr(prop, "password") || strstr(prop, "secret") || strstr(prop, "key");
}

char *ww_config_dump(const ww_config *cfg, int with_docs) {
    json_t *root = json_object();
    for (const ww_config_key *const *t = cfg->tables; t && *t; t++) {
        for (const ww_config_key *k = *t; k->key; k++) {
            /* rebuild nesting: "fetch.timeout_ms" -> {"fetch":{"timeout_ms":..}} */
            json_t *node = root;
            char path[256];
            snprintf(path, sizeof path, "%s", k->key);
            char *seg = path, *dot;
            while ((dot = strchr(seg, '.'))) {
                *dot = '\0';
                json_t *child = json_object_get(node, seg);
                if (!json_is_object(child)) {
                    child = json_object();
                    json_object_set_new(node, seg, child);
                }
                node = child;
                seg = dot + 1;
            }
            json_object_set(node, seg, json_object_get(cfg->values, k->key));
        }
    }
    json_t *kafka = json_object();
    const char *prop;
    json_t *v;
    json_object_foreach(cfg->kafka, prop, v) {
        json_object_set_new(kafka, prop,
                            is_secret(prop) ? json_string("***") : json_incref(v));
    }
    json_object_set_new(root, "kafka", kafka);
    char *out = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (!with_docs || !out)
        return out;

    /* Documentation table after the JSON, as comments a human reads. */
    size_t cap = strlen(out) + 4096, len = 0;
    char *doc = malloc(cap);
    if (!doc)
        return out;
    len = (size_t)snprintf(doc, cap, "%s\n", out);
    free(out);
    for (const ww_config_key *const *t = cfg->tables; t && *t; t++) {
        for (const ww_config_key *k = *t; k->key; k++) {
            size_t need = strlen(k->key) + strlen(k->def) + strlen(k->doc) + 64;
            if (len + need >= cap) {
                cap = (cap + need) * 2;
                char *n = realloc(doc, cap);
                if (!n)
                    return doc;
                doc = n;
            }
            len += (size_t)snprintf(doc + len, cap - len, "# %s (%s, default %s): %s\n",
                                    k->key, type_name(k->type), k->def, k->doc);
        }
    }
    return doc;
}
