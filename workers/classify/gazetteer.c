/* Entity gazetteer: countries (iso-codes + alias table) and entity files. */
#include "gazetteer.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/taxonomy.h"
#include "persons.h"

#define MAX_ENTITIES 1000000
#define MAX_ALIASES 1000

static int add_entity(ww__gazetteer *g, const char *type, const char *name,
                      const char *id, size_t *idx) {
    if (g->n >= MAX_ENTITIES)
        return WW_EINVAL;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 256;
        ww__entity *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        g->v = v;
        g->cap = cap;
    }
    ww__entity *e = &g->v[g->n];
    e->type = strdup(type);
    e->name = strdup(name);
    e->id = strdup(id);
    if (!e->type || !e->name || !e->id) {
        free(e->type);
        free(e->name);
        free(e->id);
        return WW_ENOMEM;
    }
    *idx = g->n++;
    return 0;
}

static int add_phrase(ww__matcher *m, size_t ent, const char *text, int case_sensitive,
                      const char *what, char *err, size_t errlen) {
    ww__posting p = {.kind = WW__P_ENTITY,
                     .case_sensitive = (uint8_t)case_sensitive,
                     .item = (uint32_t)ent,
                     .weight = 1.0f};
    size_t len = strlen(text);
    if (len > WW_TAX_MAX_TEXT)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: name \"%.40s...\" too long", what,
                         text);
    int rc = ww__matcher_add(m, text, len, &p);
    if (rc == WW_EINVAL)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: name \"%s\" has no word or more than %d words", what, text,
                         WW_TAX_MAX_PHRASE_TOKENS);
    return rc ? ww_seterr(err, errlen, rc, "%s: out of memory", what) : 0;
}

/* A JSON alias: "text" (case-sensitive) or {"text", "case"}. */
static int add_alias(ww__matcher *m, size_t ent, const json_t *a, const char *what,
                     char *err, size_t errlen) {
    const char *text = NULL;
    int cs = 1;
    if (json_is_string(a)) {
        text = json_string_value(a);
    } else if (json_is_object(a)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)a, key, v) {
            if (strcmp(key, "text") == 0 && json_is_string(v))
                text = json_string_value(v);
            else if (strcmp(key, "case") == 0 && json_is_string(v) &&
                     (strcmp(json_string_value(v), "sensitive") == 0 ||
                      strcmp(json_string_value(v), "insensitive") == 0))
                cs = strcmp(json_string_value(v), "sensitive") == 0;
            else
                return ww_seterr(err, errlen, WW_EINVAL,
                                 "%s: alias key \"%s\" unknown or "
                                 "of the wrong type",
                                 what, key);
        }
    }
    if (!text)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: an alias must be a string or "
                         "{\"text\", \"case\"}",
                         what);
    return add_phrase(m, ent, text, cs, what, err, errlen);
}

static int add_aliases(ww__matcher *m, size_t ent, const json_t *arr, const char *what,
                       char *err, size_t errlen) {
    if (!arr)
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > MAX_ALIASES)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: aliases must be an array of at most %d", what, MAX_ALIASES);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        int rc = add_alias(m, ent, json_array_get(arr, i), what, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

int ww__gaz_add_countries(ww__gazetteer *g, ww__matcher *m, const char *iso,
                          size_t isolen, const char *aliases, size_t aliaslen, char *err,
                          size_t errlen) {
    json_error_t je;
    json_t *root = json_loadb(iso, isolen, 0, &je);
    json_t *al = json_loadb(aliases, aliaslen, JSON_REJECT_DUPLICATES, &je);
    json_t *amap = al ? json_object_get(al, "aliases") : NULL;
    int rc = WW_EINVAL;
    json_t *list = root ? json_object_get(root, "3166-1") : NULL;
    if (!json_is_array(list)) {
        ww_seterr(err, errlen, WW_EINVAL, "iso_3166-1.json: no \"3166-1\" array");
        goto out;
    }
    if (!json_is_object(amap)) {
        ww_seterr(err, errlen, WW_EINVAL, "country aliases: no \"aliases\" object%s%s",
                  al ? "" : ": ", al ? "" : je.text);
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *a2 = json_string_value(json_object_get(c, "alpha_2"));
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *common = json_string_value(json_object_get(c, "common_name"));
        const char *official = json_string_value(json_object_get(c, "official_name"));
        if (!a2 || !name)
            continue;
        char id[32];
        snprintf(id, sizeof id, "iso3166:%s", a2);
        size_t ent;
        if ((rc = add_entity(g, "country", common ? common : name, id, &ent))) {
            ww_seterr(err, errlen, rc, "countries: out of memory");
            goto out;
        }
        /* "Korea, Republic of" is a list entry, not how news writes a name */
        const char *names[3] = {strchr(name, ',') ? NULL : name, common, official};
        for (int k = 0; k < 3; k++) {
            int dup = 0;
            for (int j = 0; j < k; j++)
                dup |= names[j] && names[k] && strcmp(names[j], names[k]) == 0;
            if (names[k] && !dup &&
                (rc = add_phrase(m, ent, names[k], 1, "iso_3166-1.json", err, errlen)))
                goto out;
        }
        if ((rc = add_aliases(m, ent, json_object_get(amap, a2), "country aliases", err,
                              errlen)))
            goto out;
    }
    /* an alias for a code iso-codes does not have is a typo in the alias table */
    const char *code;
    json_t *v;
    json_object_foreach(amap, code, v) {
        char id[32];
        snprintf(id, sizeof id, "iso3166:%s", code);
        int found = 0;
        for (size_t k = 0; k < g->n && !found; k++)
            found = strcmp(g->v[k].id, id) == 0;
        if (!found) {
            rc = ww_seterr(err, errlen, WW_EINVAL, "country aliases: unknown code \"%s\"",
                           code);
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(root);
    json_decref(al);
    return rc;
}

int ww__gaz_add_file(ww__gazetteer *g, ww__matcher *m, const char *json, size_t len,
                     const char *what, char *err, size_t errlen) {
    static const char *const top_keys[] = {"name",        "version",  "source", "license",
                                           "description", "entities", NULL};
    static const char *const ent_keys[] = {"type", "name", "id", "aliases", NULL};
    json_error_t je;
    int rc = WW_EINVAL;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        ww_seterr(err, errlen, WW_EINVAL, "%s: line %d: %s", what, je.line,
                  root ? "must be a JSON object" : je.text);
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        int ok = 0;
        for (const char *const *k = top_keys; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok) {
            ww_seterr(err, errlen, WW_EINVAL, "%s: unknown key \"%s\"", what, key);
            goto out;
        }
    }
    json_t *ents = json_object_get(root, "entities");
    if (!json_is_array(ents)) {
        ww_seterr(err, errlen, WW_EINVAL, "%s: \"entities\" must be an array", what);
        goto out;
    }
    size_t i;
    json_t *e;
    json_array_foreach(ents, i, e) {
        if (!json_is_object(e)) {
            ww_seterr(err, errlen, WW_EINVAL, "%s: entities[%zu] must be an object", what,
                      i);
            goto out;
        }
        json_object_foreach(e, key, v) {
            int ok = 0;
            for (const char *const *k = ent_keys; *k; k++)
                ok |= strcmp(*k, key) == 0;
            if (!ok) {
                ww_seterr(err, errlen, WW_EINVAL, "%s: entities[%zu]: unknown key \"%s\"",
                          what, i, key);
                goto out;
            }
        }
        const char *type = json_string_value(json_object_get(e, "type"));
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *id = json_string_value(json_object_get(e, "id"));
        if (!type || !name || !*type || !*name || strlen(type) > 64 ||
            (id && strlen(id) > WW_TAX_MAX_TEXT)) {
            ww_seterr(err, errlen, WW_EINVAL,
                      "%s: entities[%zu] needs string \"type\" and \"name\"", what, i);
            goto out;
        }
        size_t ent;
        if ((rc = add_entity(g, type, name, id ? id : "", &ent))) {
            ww_seterr(err, errlen, rc, "%s: too many entities or out of memory", what);
            goto out;
        }
        if ((rc = add_phrase(m, ent, name, 1, what, err, errlen)) ||
            (rc = add_aliases(m, ent, json_object_get(e, "aliases"), what, err, errlen)))
            goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

void ww__gaz_free(ww__gazetteer *g) {
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].type);
        free(g->v[i].name);
        free(g->v[i].id);
    }
    free(g->v);
    memset(g, 0, sizeof *g);
}

int ww__gaz_add_given_names(ww__matcher *m, const char *json, size_t len,
                            const char *what, char *err, size_t errlen) {
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    json_t *names = json_object_get(root, "names");
    if (!json_is_object(names)) {
        json_decref(root);
        return ww_seterr(err, errlen, WW_EINVAL, "%s: no \"names\" object", what);
    }
    const char *lang;
    json_t *list;
    int rc = 0;
    json_object_foreach(names, lang, list) {
        size_t i;
        json_t *s;
        json_array_foreach(list, i, s) {
            const char *t = json_string_value(s);
            if (!t || !*t || strlen(t) > WW_TAX_MAX_TEXT) {
                rc = ww_seterr(err, errlen, WW_EINVAL,
                               "%s: names.%s[%zu] must be a non-empty string", what, lang,
                               i);
                goto done;
            }
            /* written as it is: a given name begins with a capital in the text */
            ww__posting q = {.kind = WW__P_TITLE,
                             .case_sensitive = 1,
                             .item = WW__GIVEN_NAME,
                             .weight = 1.0f};
            if ((rc = ww__matcher_add(m, t, strlen(t), &q))) {
                rc = ww_seterr(err, errlen, rc, "%s: name \"%s\": %s", what, t,
                               rc == WW_EINVAL ? "no word or too many" : "out of memory");
                goto done;
            }
        }
    }
done:
    json_decref(root);
    return rc;
}
