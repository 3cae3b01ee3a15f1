/* Strict loader for taxonomy files (docs/taxonomy.md).
 *
 * Everything a file can say is checked here, once, so the matcher and the scorer can
 * trust what they get: known keys only, sizes capped, parents resolved to indexes,
 * no cycles, and a deepest-first order for the hierarchical roll-up. */
#include "wirewatch/taxonomy.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"

/* Every key must be in `allowed` (NULL-terminated); the first other key is named. */
static int check_keys(const json_t *obj, const char *const *allowed, const char *where,
                      char *err, size_t errlen) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                ok = 1;
                break;
            }
        if (!ok)
            return ww_seterr(err, errlen, WW_EINVAL, "%s: unknown key \"%s\"", where,
                             key);
    }
    return 0;
}

/* A required or optional string of at most WW_TAX_MAX_TEXT bytes, no NUL inside.
 * *out is malloc'd ("" when optional and absent). */
static int get_str(const json_t *obj, const char *key, int required, const char *where,
                   char **out, char *err, size_t errlen) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return ww_seterr(err, errlen, WW_EINVAL, "%s: missing \"%s\"", where, key);
        *out = strdup("");
        return *out ? 0 : WW_ENOMEM;
    }
    if (!json_is_string(v))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" must be a string", where,
                         key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (memchr(s, 0, n))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" contains NUL", where, key);
    /* attribution and licence texts may be long; names and codes may not */
    size_t max = (strcmp(key, "attribution") == 0 || strcmp(key, "license") == 0 ||
                  strcmp(key, "source") == 0)
                     ? 4096
                     : WW_TAX_MAX_TEXT;
    if (n > max)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" longer than %zu bytes",
                         where, key, max);
    if (required && n == 0)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" is empty", where, key);
    *out = strndup(s, n);
    return *out ? 0 : WW_ENOMEM;
}

/* Optional finite number; *out untouched when absent. */
static int get_num(const json_t *obj, const char *key, const char *where, double lo,
                   double hi, double *out, char *err, size_t errlen) {
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_number(v))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" must be a number", where,
                         key);
    double d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" must be in [%g, %g]", where,
                         key, lo, hi);
    *out = d;
    return 0;
}

/* A language tag as the rules use it: a primary subtag of 2-3 ASCII letters, lower case
 * ("de"; "zh-Hant" is not one: Traditional Chinese is folded into "zh"). */
static int get_lang(const json_t *obj, const char *key, const char *where, char out[8],
                    char *err, size_t errlen) {
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    int ok = n >= 2 && n <= 3;
    for (size_t i = 0; ok && i < n; i++)
        ok = s[i] >= 'a' && s[i] <= 'z';
    if (!ok)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: \"%s\" must be a lower-case language code (\"de\", \"zh\")",
                         where, key);
    memcpy(out, s, n + 1);
    return 0;
}

/* A term is "text" or {"text", "weight"?, "case"?: "sensitive"|"insensitive", "lang"?}. */
static int parse_term(const json_t *j, const char *where, ww_term *t, char *err,
                      size_t errlen) {
    static const char *const keys[] = {"text", "weight", "case", "lang", NULL};
    t->weight = 1.0f;
    t->case_sensitive = 0;
    t->lang[0] = 0; /* "": the taxonomy's "language" (classifier_build.c resolves it) */
    t->stem = 0;
    if (json_is_string(j)) {
        json_t *wrap = json_pack("{sO}", "text", (json_t *)j);
        if (!wrap)
            return WW_ENOMEM;
        int rc = get_str(wrap, "text", 1, where, &t->text, err, errlen);
        json_decref(wrap);
        return rc;
    }
    if (!json_is_object(j))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: a term must be a string or object",
                         where);
    int rc = check_keys(j, keys, where, err, errlen);
    if (rc)
        return rc;
    if ((rc = get_str(j, "text", 1, where, &t->text, err, errlen)) ||
        (rc = get_lang(j, "lang", where, t->lang, err, errlen)))
        return rc;
    double w = 1.0;
    if ((rc = get_num(j, "weight", where, -100.0, 100.0, &w, err, errlen)))
        return rc;
    t->weight = (float)w;
    json_t *c = json_object_get(j, "case");
    if (c) {
        const char *cs = json_string_value(c);
        if (cs && strcmp(cs, "sensitive") == 0)
            t->case_sensitive = 1;
        else if (!cs || strcmp(cs, "insensitive") != 0)
            return ww_seterr(err, errlen, WW_EINVAL,
                             "%s: \"case\" must be \"sensitive\" or \"insensitive\"",
                             where);
    }
    return 0;
}

/* Append the terms of array `key` (optional) to *v / *n. */
static int parse_terms(const json_t *topic, const char *key, const char *where,
                       ww_term **v, size_t *n, char *err, size_t errlen) {
    json_t *a = json_object_get(topic, key);
    if (!a)
        return 0;
    if (!json_is_array(a))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" must be an array", where,
                         key);
    size_t add = json_array_size(a);
    if (add == 0)
        return 0;
    if (*n + add > WW_TAX_MAX_TERMS)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: more than %d terms", where,
                         WW_TAX_MAX_TERMS);
    ww_term *nv = realloc(*v, (*n + add) * sizeof *nv);
    if (!nv)
        return WW_ENOMEM;
    *v = nv;
    for (size_t i = 0; i < add; i++) {
        memset(&nv[*n], 0, sizeof nv[*n]);
        int rc = parse_term(json_array_get(a, i), where, &nv[*n], err, errlen);
        if (nv[*n].text)
            (*n)++; /* counted so that free() sees it even on error */
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_topic(const json_t *j, size_t idx, double def_threshold, ww_topic *tp,
                       char **parent, char *err, size_t errlen) {
    static const char *const keys[] = {"code",      "name",       "parent",
                                       "terms",     "phrases",    "exclude",
                                       "threshold", "definition", NULL};
    char where[WW_TAX_MAX_TEXT + 32];
    snprintf(where, sizeof where, "topics[%zu]", idx);
    if (!json_is_object(j))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: must be an object", where);
    int rc = check_keys(j, keys, where, err, errlen);
    if (rc)
        return rc;
    if ((rc = get_str(j, "code", 1, where, &tp->code, err, errlen)))
        return rc;
    snprintf(where, sizeof where, "topic %s", tp->code);
    if ((rc = get_str(j, "name", 1, where, &tp->name, err, errlen)))
        return rc;
    json_t *d = json_object_get(j, "definition");
    if (d && !json_is_string(d))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"definition\" must be a string",
                         where);
    if ((rc = get_str(j, "parent", 0, where, parent, err, errlen)))
        return rc;
    tp->threshold = def_threshold;
    if ((rc = get_num(j, "threshold", where, 0.0, 1e6, &tp->threshold, err, errlen)))
        return rc;
    if ((rc = parse_terms(j, "terms", where, &tp->terms, &tp->nterms, err, errlen)))
        return rc;
    if ((rc = parse_terms(j, "phrases", where, &tp->terms, &tp->nterms, err, errlen)))
        return rc;
    if ((rc = parse_terms(j, "exclude", where, &tp->exclude, &tp->nexclude, err, errlen)))
        return rc;
    if (tp->nterms + tp->nexclude > WW_TAX_MAX_TERMS)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: more than %d terms", where,
                         WW_TAX_MAX_TERMS);
    return 0;
}

static int parse_route(const json_t *j, size_t idx, ww_route *r, char *err,
                       size_t errlen) {
    static const char *const keys[] = {"label", "min_score", "min_confidence", "output",
                                       NULL};
    char where[48];
    snprintf(where, sizeof where, "routes[%zu]", idx);
    if (!json_is_object(j))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: must be an object", where);
    int rc = check_keys(j, keys, where, err, errlen);
    if (rc || (rc = get_str(j, "label", 1, where, &r->label, err, errlen)) ||
        (rc = get_str(j, "output", 0, where, &r->output, err, errlen)))
        return rc;
    if (r->output[0] == 0) {
        free(r->output);
        if (!(r->output = strdup("alerts")))
            return WW_ENOMEM;
    }
    if (strcmp(r->output, "alerts") != 0)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: output \"%s\" unknown (only \"alerts\")", where, r->output);
    r->min_score = 0.0;
    r->min_confidence = 0.0;
    if ((rc = get_num(j, "min_score", where, 0.0, 1e6, &r->min_score, err, errlen)))
        return rc;
    return get_num(j, "min_confidence", where, 0.0, 1.0, &r->min_confidence, err, errlen);
}

/* One depth step of a calibration group: {"max_depth", "w": [2 numbers], "bias"}. */
static int parse_calib_step(const json_t *j, const char *where, ww_calib_step *st,
                            char *err, size_t errlen) {
    static const char *const keys[] = {"max_depth", "w", "bias", NULL};
    json_t *w = json_object_get(j, "w");
    double md = -1;
    int rc;
    if (!json_is_object(j))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: must be an object", where);
    if ((rc = check_keys(j, keys, where, err, errlen)) ||
        (rc = get_num(j, "max_depth", where, 0, WW_TAX_MAX_DEPTH * 100, &md, err,
                      errlen)) ||
        (rc = get_num(j, "bias", where, -1e3, 1e3, &st->bias, err, errlen)))
        return rc;
    if (md < 0 || md != (int)md || !json_is_array(w) ||
        json_array_size(w) != WW_TAX_CALIB_FEATURES)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: needs an integer \"max_depth\" and \"w\": [%d numbers]",
                         where, WW_TAX_CALIB_FEATURES);
    st->max_depth = (int)md;
    for (int k = 0; k < WW_TAX_CALIB_FEATURES; k++) {
        json_t *v = json_array_get(w, (size_t)k);
        if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
            fabs(json_number_value(v)) > 1e3)
            return ww_seterr(err, errlen, WW_EINVAL, "%s: \"w\" must be numbers", where);
        st->w[k] = json_number_value(v);
    }
    return 0;
}

/* One group: {"languages": ["de"] or ["*"], "by_depth": [steps]}. */
static int parse_calib_group(const json_t *j, const char *where, ww_calib_group *g,
                             char *err, size_t errlen) {
    static const char *const keys[] = {"languages", "by_depth", NULL};
    json_t *langs = json_object_get(j, "languages"),
           *steps = json_object_get(j, "by_depth");
    int rc;
    if (!json_is_object(j))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: must be an object", where);
    if ((rc = check_keys(j, keys, where, err, errlen)))
        return rc;
    if (!json_is_array(langs) || json_array_size(langs) < 1 ||
        json_array_size(langs) > WW_TAX_CALIB_MAX || !json_is_array(steps) ||
        json_array_size(steps) < 1 || json_array_size(steps) > WW_TAX_CALIB_MAX)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: needs \"languages\" and \"by_depth\", arrays of 1 to %d",
                         where, WW_TAX_CALIB_MAX);
    for (size_t i = 0; i < json_array_size(langs); i++) {
        const char *l = json_string_value(json_array_get(langs, i));
        if (!l || !*l || strlen(l) > 3)
            return ww_seterr(err, errlen, WW_EINVAL,
                             "%s: languages are codes (\"de\") or \"*\"", where);
        memcpy(g->languages[g->nlanguages++], l, strlen(l) + 1);
    }
    for (size_t i = 0; i < json_array_size(steps); i++) {
        char w2[96];
        snprintf(w2, sizeof w2, "%s.by_depth[%zu]", where, i);
        if ((rc = parse_calib_step(json_array_get(steps, i), w2, &g->steps[g->nsteps++],
                                   err, errlen)))
            return rc;
    }
    return 0;
}

/* "calibration" (optional): {"method": "platt", "features": [...], "groups": [...],
 * "fitted_on": "..."}; the features must be the ones the classifier computes. */
static int parse_calibration(json_t *root, ww_taxonomy *t, char *err, size_t errlen) {
    static const char *const keys[] = {"method", "features", "groups", "fitted_on", NULL};
    static const char *const feats[WW_TAX_CALIB_FEATURES] = {"ln_score", "share"};
    json_t *c = json_object_get(root, "calibration");
    if (!c)
        return 0;
    json_t *m = json_object_get(c, "method"), *f = json_object_get(c, "features"),
           *g = json_object_get(c, "groups");
    int rc;
    if (!json_is_object(c))
        return ww_seterr(err, errlen, WW_EINVAL, "calibration: must be an object");
    if ((rc = check_keys(c, keys, "calibration", err, errlen)))
        return rc;
    int ok = json_is_string(m) && strcmp(json_string_value(m), "platt") == 0 &&
             json_is_array(f) && json_array_size(f) == WW_TAX_CALIB_FEATURES;
    for (size_t i = 0; ok && i < WW_TAX_CALIB_FEATURES; i++)
        ok = json_is_string(json_array_get(f, i)) &&
             strcmp(json_string_value(json_array_get(f, i)), feats[i]) == 0;
    if (!ok)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "calibration: \"method\" must be \"platt\" and \"features\" "
                         "[\"ln_score\", \"share\"]");
    if (!json_is_array(g) || json_array_size(g) < 1 ||
        json_array_size(g) > WW_TAX_CALIB_MAX)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "calibration: \"groups\" must be an array of 1 to %d",
                         WW_TAX_CALIB_MAX);
    for (size_t i = 0; i < json_array_size(g); i++) {
        char where[48];
        snprintf(where, sizeof where, "calibration.groups[%zu]", i);
        if ((rc = parse_calib_group(json_array_get(g, i), where, &t->calib[t->ncalib++],
                                    err, errlen)))
            return rc;
    }
    return 0;
}

/* Resolve parent codes to indexes, reject cycles, compute depths and the deepest-first
 * order.  codes: code -> index (jansson object used as a hash map). */
static int link_topics(ww_taxonomy *t, char **parents, json_t *codes, char *err,
                       size_t errlen) {
    for (size_t i = 0; i < t->ntopics; i++) {
        t->topics[i].parent = -1;
        if (parents[i][0] == 0)
            continue;
        json_t *p = json_object_get(codes, parents[i]);
        if (!p)
            return ww_seterr(err, errlen, WW_EINVAL, "topic %s: parent \"%s\" not found",
                             t->topics[i].code, parents[i]);
        t->topics[i].parent = (int)json_integer_value(p);
    }
    for (size_t i = 0; i < t->ntopics; i++) {
        int d = 0;
        for (int p = t->topics[i].parent; p >= 0; p = t->topics[p].parent)
            if (++d > WW_TAX_MAX_DEPTH)
                return ww_seterr(err, errlen, WW_EINVAL,
                                 "topic %s: hierarchy deeper than %d or cyclic",
                                 t->topics[i].code, WW_TAX_MAX_DEPTH);
        t->topics[i].depth = d;
    }
    t->order = malloc((t->ntopics ? t->ntopics : 1) * sizeof *t->order);
    if (!t->order)
        return WW_ENOMEM;
    size_t k = 0;
    for (int d = WW_TAX_MAX_DEPTH; d >= 0; d--)
        for (size_t i = 0; i < t->ntopics; i++)
            if (t->topics[i].depth == d)
                t->order[k++] = (int)i;
    return 0;
}

/* The taxonomy's own keys: names, numbers that apply to every topic, language. */
static int parse_header(json_t *root, ww_taxonomy *t, char *err, size_t errlen) {
    json_t *desc = json_object_get(root, "description");
    if (desc && !json_is_string(desc))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "taxonomy: \"description\" must be a string");
    int rc;
    if ((rc = get_str(root, "name", 1, "taxonomy", &t->name, err, errlen)) ||
        (rc = get_str(root, "version", 1, "taxonomy", &t->version, err, errlen)) ||
        (rc = get_str(root, "source", 0, "taxonomy", &t->source, err, errlen)) ||
        (rc = get_str(root, "license", 0, "taxonomy", &t->license, err, errlen)) ||
        (rc = get_str(root, "attribution", 0, "taxonomy", &t->attribution, err, errlen)))
        return rc;
    t->threshold = 1.0;
    t->title_weight = 2.0;
    t->norm_tokens = 400.0;
    if ((rc = get_num(root, "threshold", "taxonomy", 0.0, 1e6, &t->threshold, err,
                      errlen)) ||
        (rc = get_num(root, "title_weight", "taxonomy", 0.0, 100.0, &t->title_weight, err,
                      errlen)) ||
        (rc = get_num(root, "norm_tokens", "taxonomy", 1.0, 1e9, &t->norm_tokens, err,
                      errlen)) ||
        (rc = get_lang(root, "language", "taxonomy", t->language, err, errlen)))
        return rc;
    json_t *stem = json_object_get(root, "stem");
    if (stem && !json_is_boolean(stem))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "taxonomy: \"stem\" must be true or false");
    t->stem = json_is_true(stem);
    return 0;
}

/* "topics": every topic, codes unique, parents linked.  *codes (code -> index) is
 * left to the caller, who frees it, for the routes. */
static int parse_topics(json_t *root, ww_taxonomy *t, json_t **codes, char *err,
                        size_t errlen) {
    char **parents = NULL;
    size_t nparents = 0;
    int rc = WW_ENOMEM;
    json_t *topics = json_object_get(root, "topics");
    if (!json_is_array(topics))
        return ww_seterr(err, errlen, WW_EINVAL, "taxonomy: \"topics\" must be an array");
    size_t n = json_array_size(topics);
    if (n > WW_TAX_MAX_TOPICS)
        return ww_seterr(err, errlen, WW_EINVAL, "taxonomy: more than %d topics",
                         WW_TAX_MAX_TOPICS);
    if (!(t->topics = calloc(n ? n : 1, sizeof *t->topics)) ||
        !(parents = calloc(n ? n : 1, sizeof *parents)) || !(*codes = json_object()))
        goto out;
    for (size_t i = 0; i < n; i++) {
        t->ntopics = i + 1; /* so free() sees the partly filled topic ... */
        nparents = i + 1;   /* ... and its parent code */
        if ((rc = parse_topic(json_array_get(topics, i), i, t->threshold, &t->topics[i],
                              &parents[i], err, errlen)))
            goto out;
        if (json_object_get(*codes, t->topics[i].code)) {
            rc = ww_seterr(err, errlen, WW_EINVAL, "topic %s: code defined twice",
                           t->topics[i].code);
            goto out;
        }
        rc = WW_ENOMEM;
        if (json_object_set_new(*codes, t->topics[i].code, json_integer((json_int_t)i)))
            goto out;
    }
    nparents = n;
    rc = link_topics(t, parents, *codes, err, errlen);
out:
    for (size_t i = 0; i < nparents; i++)
        free(parents[i]);
    free(parents);
    return rc;
}

/* "routes" (optional): each label must be one of the topics (codes). */
static int parse_routes(json_t *root, ww_taxonomy *t, json_t *codes, char *err,
                        size_t errlen) {
    json_t *routes = json_object_get(root, "routes");
    if (!routes)
        return 0;
    if (!json_is_array(routes) || json_array_size(routes) > WW_TAX_MAX_ROUTES)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "taxonomy: \"routes\" must be an array of at most %d",
                         WW_TAX_MAX_ROUTES);
    size_t nr = json_array_size(routes);
    if (!(t->routes = calloc(nr ? nr : 1, sizeof *t->routes)))
        return WW_ENOMEM;
    for (size_t i = 0; i < nr; i++) {
        t->nroutes = i + 1;
        int rc = parse_route(json_array_get(routes, i), i, &t->routes[i], err, errlen);
        if (rc)
            return rc;
        if (!json_object_get(codes, t->routes[i].label))
            return ww_seterr(err, errlen, WW_EINVAL,
                             "routes[%zu]: label \"%s\" not a topic", i,
                             t->routes[i].label);
    }
    return 0;
}

ww_taxonomy *ww_taxonomy_parse(const char *json, size_t len, char *err, size_t errlen) {
    static const char *const keys[] = {
        "name",        "version",      "source",      "license",     "attribution",
        "threshold",   "title_weight", "norm_tokens", "topics",      "routes",
        "description", "language",     "stem",        "calibration", NULL};
    ww_taxonomy *t = NULL, *ret = NULL;
    json_t *root = NULL, *codes = NULL;
    json_error_t jerr;
    int rc;

    if (len > WW_TAX_MAX_FILE_BYTES) {
        ww_seterr(err, errlen, WW_ETOOBIG, "taxonomy larger than %u bytes",
                  WW_TAX_MAX_FILE_BYTES);
        goto out;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        ww_seterr(err, errlen, WW_EINVAL, "taxonomy JSON line %d column %d: %s",
                  jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        ww_seterr(err, errlen, WW_EINVAL, "taxonomy must be a JSON object");
        goto out;
    }
    if (check_keys(root, keys, "taxonomy", err, errlen))
        goto out;
    rc = WW_ENOMEM;
    if (!(t = calloc(1, sizeof *t)) || (rc = parse_header(root, t, err, errlen)) ||
        (rc = parse_topics(root, t, &codes, err, errlen)) ||
        (rc = parse_routes(root, t, codes, err, errlen)) ||
        (rc = parse_calibration(root, t, err, errlen))) {
        if (rc == WW_ENOMEM)
            ww_seterr(err, errlen, WW_ENOMEM, "out of memory loading taxonomy");
        goto out;
    }
    ret = t;
    t = NULL;
out:
    json_decref(codes);
    json_decref(root);
    ww_taxonomy_free(t);
    return ret;
}

ww_taxonomy *ww_taxonomy_load(const char *path, char *err, size_t errlen) {
    ww_taxonomy *t = NULL;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ww_seterr(err, errlen, WW_ENOTFOUND, "taxonomy %s: %s", path, strerror(errno));
        goto out;
    }
    size_t cap = 1 << 16, len = 0;
    if (!(buf = malloc(cap)))
        goto out;
    for (;;) {
        if (len == cap) {
            if (cap > WW_TAX_MAX_FILE_BYTES) {
                ww_seterr(err, errlen, WW_ETOOBIG, "taxonomy %s: larger than %u bytes",
                          path, WW_TAX_MAX_FILE_BYTES);
                goto out;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                goto out;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        ww_seterr(err, errlen, WW_EIO, "taxonomy %s: read error", path);
        goto out;
    }
    char sub[256];
    t = ww_taxonomy_parse(buf, len, sub, sizeof sub);
    if (!t)
        ww_seterr(err, errlen, WW_EINVAL, "taxonomy %s: %s", path, sub);
out:
    if (f)
        fclose(f);
    free(buf);
    return t;
}

int ww_taxonomy_find(const ww_taxonomy *t, const char *code) {
    for (size_t i = 0; i < t->ntopics; i++)
        if (strcmp(t->topics[i].code, code) == 0)
            return (int)i;
    return -1;
}

static void free_terms(ww_term *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(v[i].text);
    free(v);
}

void ww_taxonomy_free(ww_taxonomy *t) {
    if (!t)
        return;
    for (size_t i = 0; i < t->ntopics; i++) {
        free(t->topics[i].code);
        free(t->topics[i].name);
        free_terms(t->topics[i].terms, t->topics[i].nterms);
        free_terms(t->topics[i].exclude, t->topics[i].nexclude);
    }
    free(t->topics);
    for (size_t i = 0; i < t->nroutes; i++) {
        free(t->routes[i].label);
        free(t->routes[i].output);
    }
    free(t->routes);
    free(t->order);
    free(t->name);
    free(t->version);
    free(t->source);
    free(t->license);
    free(t->attribution);
    free(t);
}
