/* Building a classifier: the default taxonomy (embedded IPTC Media Topics or
 * classify.taxonomy) with the language packs' terms, the watch-lists, routes, the
 * entity gazetteer and the optional model, compiled into one matcher.  Nothing here
 * sees a document (classify_score.c does). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "wirewatch/error.h"

static int add_taxonomy(ww_classifier *c, ww_taxonomy *t, char *err, size_t errlen) {
    ww_taxonomy **nt = realloc(c->tax, (c->ntax + 1) * sizeof *nt);
    if (!nt)
        return WW_ENOMEM;
    c->tax = nt;
    for (size_t i = 0; i < c->ntax; i++)
        if (strcmp(c->tax[i]->name, t->name) == 0)
            return ww_seterr(err, errlen, WW_EINVAL, "taxonomy name \"%s\" loaded twice",
                             t->name);
    c->tax[c->ntax++] = t;
    return 0;
}

static char *slurp(const char *path, size_t max, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f) {
        ww_seterr(err, errlen, WW_ENOTFOUND, "%s: cannot open", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > max) {
                ww_seterr(err, errlen, WW_ETOOBIG, "%s: larger than %zu bytes", path,
                          max);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (buf && ferror(f)) {
        ww_seterr(err, errlen, WW_EIO, "%s: read error", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int add_route(ww_classifier *c, const ww_route *r) {
    ww_route *nr = realloc(c->routes, (c->nroutes + 1) * sizeof *nr);
    if (!nr)
        return WW_ENOMEM;
    c->routes = nr;
    ww_route *d = &c->routes[c->nroutes];
    d->label = strdup(r->label);
    d->output = strdup(r->output ? r->output : "alerts");
    d->min_score = r->min_score;
    d->min_confidence = r->min_confidence;
    if (!d->label || !d->output) {
        free(d->label);
        free(d->output);
        return WW_ENOMEM;
    }
    c->nroutes++;
    return 0;
}

/* Hand the pages of what a step freed (a pack's JSON tree is ~5 MB) back to the
 * kernel before the next step allocates: the matcher's arrays grow in fresh mmap'd
 * pages meanwhile, so without this the freed heap stays resident beside them and the
 * start-up peak was 13 MB above the steady state (docs/benchmarks.md).  A few ms. */
static void trim_between_steps(void) { malloc_trim(0); }

/* Free a compiled topic's terms: they live on as matcher phrases and postings (a
 * posting names its topic and term index) and their texts, 131k small strings with the
 * language packs, are never read again.  Freed topic by topic as compile goes, they
 * make room for the matcher's growth: the start-up peak was the texts and the whole
 * matcher at once.  The topic keeps code, name, threshold and parent. */
static void drop_topic_terms(ww_topic *tp) {
    for (size_t k = 0; k < tp->nterms; k++)
        free(tp->terms[k].text);
    for (size_t k = 0; k < tp->nexclude; k++)
        free(tp->exclude[k].text);
    free(tp->terms);
    free(tp->exclude);
    tp->terms = tp->exclude = NULL;
    tp->nterms = tp->nexclude = 0;
}

/* Topic i of taxonomy t (global index g): its terms and exclusions into the matcher. */
static int compile_topic(ww_classifier *c, size_t t, size_t i, size_t g, char *err,
                         size_t errlen) {
    const ww_taxonomy *tx = c->tax[t];
    const ww_topic *tp = &tx->topics[i];
    for (int pass = 0; pass < 2; pass++) {
        const ww_term *v = pass ? tp->exclude : tp->terms;
        size_t n = pass ? tp->nexclude : tp->nterms;
        for (size_t k = 0; k < n; k++) {
            /* a term's language: its own, else its taxonomy's, else every one */
            int li = ww__lang_index(&c->langs, v[k].lang[0] ? v[k].lang : tx->language);
            if (li < 0)
                return ww_seterr(err, errlen, WW_EINVAL, "more than %d languages",
                                 WW__MAX_LANGS - 1);
            int stems = (v[k].stem || tx->stem) && !v[k].case_sensitive &&
                        ww__lang_use_stems(&c->langs, li);
            ww__posting p = {.kind = pass ? WW__P_EXCLUDE : WW__P_TERM,
                             .case_sensitive = (uint8_t)v[k].case_sensitive,
                             .item = (uint32_t)g,
                             .term = (uint32_t)k,
                             .weight = v[k].weight,
                             .lang = (uint8_t)li,
                             .twin = (uint8_t)stems};
            int rc = ww__matcher_add(c->m, v[k].text, strlen(v[k].text), &p);
            if (!rc && stems) {
                p.twin = 0;
                rc = ww__matcher_add_stemmed(c->m, v[k].text, strlen(v[k].text), &p,
                                             c->langs.stem[li]);
            }
            if (rc == WW_EINVAL)
                return ww_seterr(err, errlen, WW_EINVAL,
                                 "taxonomy %s topic %s: term \"%s\" has no word or "
                                 "more than %d words",
                                 tx->name, tp->code, v[k].text, WW_TAX_MAX_PHRASE_TOKENS);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Compile every taxonomy's terms into the matcher and index topics globally. */
static int compile(ww_classifier *c, char *err, size_t errlen) {
    size_t total = 0;
    for (size_t t = 0; t < c->ntax; t++)
        total += c->tax[t]->ntopics;
    c->ntopics = total;
    if (!(c->base = calloc(c->ntax + 1, sizeof *c->base)) ||
        !(c->topics = calloc(total + 1, sizeof *c->topics)) ||
        ww__classifier_scratch_alloc(c))
        return WW_ENOMEM;
    size_t g = 0;
    for (size_t t = 0; t < c->ntax; t++) {
        ww_taxonomy *tx = c->tax[t];
        c->base[t] = (uint32_t)g;
        for (size_t i = 0; i < tx->ntopics; i++, g++) {
            const ww_topic *tp = &tx->topics[i];
            c->topics[g].tax = (uint32_t)t;
            c->topics[g].local = (uint32_t)i;
            c->topics[g].parent = tp->parent < 0 ? -1 : (int)c->base[t] + tp->parent;
            int rc = compile_topic(c, t, i, g, err, errlen);
            if (rc)
                return rc;
            drop_topic_terms(&tx->topics[i]);
            if (g % 256 == 255)
                trim_between_steps(); /* the dropped texts' pages, as we go */
        }
        for (size_t r = 0; r < tx->nroutes; r++)
            if (add_route(c, &tx->routes[r]))
                return WW_ENOMEM;
    }
    for (size_t k = 0; k < total; k++) { /* parents are resolved: no cycles */
        uint32_t top = (uint32_t)k;
        while (c->topics[top].parent >= 0)
            top = (uint32_t)c->topics[top].parent;
        c->topics[k].top = top;
    }
    /* the version string every Classified carries */
    size_t len = 1;
    for (size_t t = 0; t < c->ntax; t++)
        len += strlen(c->tax[t]->name) + strlen(c->tax[t]->version) + 2;
    if (!(c->tax_version = malloc(len)))
        return WW_ENOMEM;
    size_t o = 0;
    for (size_t t = 0; t < c->ntax; t++)
        o += (size_t)snprintf(c->tax_version + o, len - o, "%s%s:%s", t ? "," : "",
                              c->tax[t]->name, c->tax[t]->version);
    return 0;
}

/* The default taxonomy: the caller's JSON (tests), classify.taxonomy, or the embedded
 * IPTC Media Topics.  It is always taxonomy 0: the language packs and the model's
 * label names refer to it. */
static int load_default_taxonomy(ww_classifier *c, const ww_classify_opts *o, char *err,
                                 size_t errlen) {
    char sub[512];
    ww_taxonomy *t;
    if (o->taxonomy_json)
        t = ww_taxonomy_parse(o->taxonomy_json, o->taxonomy_json_len, sub, sizeof sub);
    else if (o->taxonomy && *o->taxonomy)
        t = ww_taxonomy_load(o->taxonomy, sub, sizeof sub);
    else
        t = ww_taxonomy_parse((const char *)ww__data_iptc, ww__data_iptc_len, sub,
                              sizeof sub);
    if (!t)
        return ww_seterr(err, errlen, WW_EINVAL, "classify.taxonomy: %s", sub);
    int rc = add_taxonomy(c, t, err, errlen);
    if (rc)
        ww_taxonomy_free(t);
    trim_between_steps();
    return rc;
}

/* Parse embedded language pack i; NULL with err (the pack is checked to be for the
 * language it is filed under). */
static ww__pack *parse_pack(size_t i, char *err, size_t errlen) {
    char what[64];
    snprintf(what, sizeof what, "language pack %s (embedded)", ww__data_packs[i].lang);
    ww__pack *p = ww__pack_parse((const char *)ww__data_packs[i].data,
                                 *ww__data_packs[i].len, what, err, errlen);
    if (p && strcmp(ww__pack_lang(p), ww__data_packs[i].lang) != 0) {
        ww_seterr(err, errlen, WW_EINVAL, "%s: \"language\" is \"%s\"", what,
                  ww__pack_lang(p));
        ww__pack_free(p);
        p = NULL;
    }
    return p;
}

/* Language packs: their topic terms join the default taxonomy (codes it lacks, as in a
 * user's own taxonomy, are skipped); their names join the gazetteer in add_entities.
 * One parsed pack at a time: eight JSON trees at once were most of the peak RSS. */
static int add_pack_topics(ww_classifier *c, char *err, size_t errlen) {
    for (size_t i = 0; i < ww__data_npacks; i++) {
        size_t skipped = 0;
        ww__pack *p = parse_pack(i, err, errlen);
        if (!p)
            return WW_EINVAL;
        int rc = ww__pack_add_topics(p, c->tax[0], &skipped, err, errlen);
        ww__pack_free(p);
        trim_between_steps();
        if (rc)
            return rc;
    }
    return 0;
}

static int load_watchlists(ww_classifier *c, const ww_classify_opts *o, char *err,
                           size_t errlen) {
    char sub[512];
    for (size_t i = 0; i < o->nwatchlists; i++) {
        ww_taxonomy *t = ww_taxonomy_load(o->watchlists[i], sub, sizeof sub);
        if (!t)
            return ww_seterr(err, errlen, WW_EINVAL, "classify.watchlists: %s", sub);
        int rc = add_taxonomy(c, t, err, errlen);
        if (rc) {
            ww_taxonomy_free(t);
            return rc;
        }
    }
    return 0;
}

/* classify.routes: each label must be a topic of a loaded taxonomy (or, with a model,
 * may be one of the model's labels). */
static int add_opt_routes(ww_classifier *c, const ww_classify_opts *o, char *err,
                          size_t errlen) {
    for (size_t i = 0; i < o->nroutes; i++) {
        int found = 0;
        for (size_t k = 0; k < c->ntax && !found; k++)
            found = ww_taxonomy_find(c->tax[k], o->routes[i].label) >= 0;
        if (!found && !(o->model && *o->model))
            return ww_seterr(err, errlen, WW_EINVAL,
                             "classify.routes: label \"%s\" is in no loaded taxonomy",
                             o->routes[i].label);
        if (add_route(c, &o->routes[i]))
            return ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
    }
    return 0;
}

/* An entity file (organisations or persons) into the gazetteer. */
static int add_entity_file(ww_classifier *c, const char *path, char *err, size_t errlen) {
    size_t len;
    char *buf = slurp(path, WW_TAX_MAX_FILE_BYTES, &len, err, errlen);
    if (!buf)
        return WW_EINVAL;
    int rc = ww__gaz_add_file(&c->gaz, c->m, buf, len, path, err, errlen);
    free(buf);
    return rc;
}

/* The gazetteer: countries (iso-codes + aliases), organisations (classify.organizations
 * or the embedded list), persons (classify.persons), the language packs' names. */
static int add_entities(ww_classifier *c, const ww_classify_opts *o, char *err,
                        size_t errlen) {
    int rc;
    if ((rc = ww__gaz_add_countries(&c->gaz, c->m, (const char *)ww__data_iso3166,
                                    ww__data_iso3166_len,
                                    (const char *)ww__data_country_aliases,
                                    ww__data_country_aliases_len, err, errlen)))
        return rc;
    if (o->organizations && *o->organizations)
        rc = add_entity_file(c, o->organizations, err, errlen);
    else
        rc = ww__gaz_add_file(&c->gaz, c->m, (const char *)ww__data_organizations,
                              ww__data_organizations_len, "organizations (embedded)", err,
                              errlen);
    if (rc)
        return rc;
    if (o->persons && *o->persons && (rc = add_entity_file(c, o->persons, err, errlen)))
        return rc;
    if ((rc = ww__gaz_add_given_names(c->m, (const char *)ww__data_given_names,
                                      ww__data_given_names_len, "given names (embedded)",
                                      err, errlen)))
        return rc;
    if (!(c->han_titles = ww__han_titles_new()))
        return ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
    for (size_t i = 0; i < ww__data_npacks; i++) {
        ww__pack *p = parse_pack(i, err, errlen);
        if (!p)
            return WW_EINVAL;
        rc = ww__pack_add_entities(p, &c->langs, &c->gaz, c->m, c->han_titles, err,
                                   errlen);
        ww__pack_free(p);
        trim_between_steps();
        if (rc)
            return rc;
    }
    ww__han_titles_index(c->han_titles);
    return 0;
}

static int load_model(ww_classifier *c, const ww_classify_opts *o, char *err,
                      size_t errlen) {
    char sub[512];
    if (!o->model || !*o->model)
        return 0;
    if (!(c->model = ww_model_load(o->model, sub, sizeof sub)))
        return ww_seterr(err, errlen, WW_EINVAL, "classify.model: %s", sub);
    return 0;
}

/* The steps in order; the first error stops and names its file. */
static int build_steps(ww_classifier *c, const ww_classify_opts *o, char *err,
                       size_t errlen) {
    int rc;
    if ((rc = load_default_taxonomy(c, o, err, errlen)) ||
        (rc = add_pack_topics(c, err, errlen)) ||
        (rc = load_watchlists(c, o, err, errlen)) || (rc = compile(c, err, errlen)) ||
        (rc = add_opt_routes(c, o, err, errlen)))
        return rc;
    trim_between_steps();
    c->no_entities = o->no_entities;
    if (!o->no_entities && (rc = add_entities(c, o, err, errlen)))
        return rc;
    ww__matcher_compact(c->m);
    return load_model(c, o, err, errlen);
}

ww_classifier *ww_classifier_new(const ww_classify_opts *o, char *err, size_t errlen) {
    ww_classifier *c = calloc(1, sizeof *c);
    if (!c || !(c->m = ww__matcher_new())) {
        ww_classifier_free(c);
        ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
        return NULL;
    }
    c->max_labels = o->max_labels > 0 ? o->max_labels : WW_CLASSIFY_MAX_LABELS;
    c->max_evidence = o->max_evidence > 0 ? o->max_evidence : WW_CLASSIFY_MAX_EVIDENCE;
    if (c->max_evidence > WW__MAX_EV_CAP)
        c->max_evidence = WW__MAX_EV_CAP;
    c->model_threshold = o->model_threshold;
    c->min_confidence = o->min_confidence == 0  ? WW_CLASSIFY_MIN_CONFIDENCE
                        : o->min_confidence < 0 ? 0.0
                                                : o->min_confidence;
    int rc = build_steps(c, o, err, errlen);
    if (rc == WW_ENOMEM)
        ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
    if (rc) {
        ww_classifier_free(c);
        c = NULL;
    }
    /* the packs' JSON trees (tens of MB while parsed) are gone: hand the pages back,
     * or a worker keeps them as RSS for its whole life (docs/benchmarks.md) */
    malloc_trim(0);
    return c;
}

void ww_classifier_free(ww_classifier *c) {
    if (!c)
        return;
    ww_model_free(c->model);
    ww__classifier_own_free(c);
    ww__gaz_free(&c->gaz);
    ww__han_titles_free(c->han_titles);
    ww__matcher_free(c->m);
    for (size_t i = 0; i < c->nroutes; i++) {
        free(c->routes[i].label);
        free(c->routes[i].output);
    }
    free(c->routes);
    free(c->tax_version);
    free(c->topics);
    free(c->base);
    for (size_t i = 0; i < c->ntax; i++)
        ww_taxonomy_free(c->tax[i]);
    free(c->tax);
    free(c);
}

const char *ww_classifier_taxonomy_version(const ww_classifier *c) {
    return c->tax_version;
}

const char *ww_classifier_model_version(const ww_classifier *c) {
    return c->model ? ww_model_version(c->model) : "";
}

size_t ww_classifier_phrases(const ww_classifier *c) { return ww__matcher_phrases(c->m); }
