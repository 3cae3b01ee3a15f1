/* Document -> Classified: taxonomy labels with evidence, entities with spans.
 *
 * Scoring (docs/taxonomy.md):
 *   - each matched term adds weight * (1 + ln c), c = text hits + title_weight * title
 *     hits of that term: a repeated word counts, but less each time;
 *   - a topic's own score is scaled by min(1, sqrt(norm_tokens / document tokens)), so a
 *     long article does not collect labels just by being long;
 *   - any exclusion phrase of a topic vetoes it (score 0, nothing rolled up from it);
 *   - roll-up: a topic's score is its own plus its children's, so a level-3 hit scores
 *     its level-2 and level-1 ancestors and top-level topics compete on everything below;
 *   - a label is emitted when its score reaches the topic's threshold.
 * The per-document state is kept only for the topics a document touched, so the cost
 * does not grow with the size of the taxonomies. */
#include "wirewatch/classify.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gazetteer.h"
#include "lang_pack.h"
#include "matcher.h"
#include "persons.h"
#include "tokenize.h"
#include "wirewatch/error.h"
#include "wirewatch/model.h"

#define MAX_EV_CAP 64
#define MODEL_MAX_OUT 32

typedef struct hit {
    uint32_t topic; /* global topic index */
    uint32_t term;
    uint32_t first; /* token index (text or title tokens) */
    uint16_t ntok;
    uint8_t kind; /* WW__P_TERM / WW__P_EXCLUDE */
    uint8_t in_title;
    uint16_t occ; /* earlier text hits of the same topic term (evidence priority) */
    float weight;
} hit;

/* Per-document count of one (topic, kind, term): the repeat damping works on these. */
typedef struct agg {
    uint32_t topic, term;
    uint8_t kind, used;
    uint16_t ntext;
    float weight;
    double cnt;
} agg;

typedef struct ehit {
    uint32_t ent;
    uint32_t first;
    uint32_t ntok;
} ehit;

typedef struct tstate {
    double own, child, score;
    uint32_t ev[MAX_EV_CAP]; /* indexes into hits */
    uint16_t nev;
    uint8_t touched, veto;
} tstate;

typedef struct gtopic {
    uint32_t tax;   /* index into taxonomies */
    uint32_t local; /* index into that taxonomy's topics */
    int parent;     /* global index or -1 */
} gtopic;

struct ww_classifier {
    ww_taxonomy **tax;
    size_t ntax;
    uint32_t *base; /* global index of each taxonomy's first topic */
    gtopic *topics;
    size_t ntopics;
    ww_route *routes; /* copies of the taxonomies' and the opts' routes */
    size_t nroutes;
    ww__matcher *m;
    ww__gazetteer gaz;
    char *tax_version;
    ww_model *model;
    float model_threshold;
    int max_labels, max_evidence;
    int no_entities; /* classify.entities off: no gazetteer, no persons */

    /* per-document scratch (this is why a classifier is one per thread) */
    tstate *st;
    uint32_t *touched;
    size_t ntouched;
    hit *hits;
    size_t nhits, caphits;
    agg *aggs; /* open addressing, capaggs a power of two */
    size_t capaggs;
    uint32_t *cover; /* per taxonomy: end of the longest term so far (drop_nested) */
    uint16_t *gmax;  /* per taxonomy: longest term starting at the current token */
    ehit *ehits;
    size_t nehits, capehits;
    ww__title_hit *thits; /* language packs' person titles found in the text */
    size_t nthits, capthits;
    int in_title;
    int oom;
    ww__toks text, title;
    ww__toks text_st, title_st; /* their stems, for a language matched by stems */
    ww__langs langs;            /* every language a phrase is written in */
};

/* ---- construction ---------------------------------------------------------------- */

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
    if (!d->label || !d->output) {
        free(d->label);
        free(d->output);
        return WW_ENOMEM;
    }
    c->nroutes++;
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
        !(c->st = calloc(total + 1, sizeof *c->st)) ||
        !(c->touched = calloc(total + 1, sizeof *c->touched)) ||
        !(c->cover = calloc(c->ntax + 1, sizeof *c->cover)) ||
        !(c->gmax = calloc(c->ntax + 1, sizeof *c->gmax)))
        return WW_ENOMEM;
    size_t g = 0;
    for (size_t t = 0; t < c->ntax; t++) {
        const ww_taxonomy *tx = c->tax[t];
        c->base[t] = (uint32_t)g;
        for (size_t i = 0; i < tx->ntopics; i++, g++) {
            const ww_topic *tp = &tx->topics[i];
            c->topics[g].tax = (uint32_t)t;
            c->topics[g].local = (uint32_t)i;
            c->topics[g].parent = tp->parent < 0 ? -1 : (int)c->base[t] + tp->parent;
            for (int pass = 0; pass < 2; pass++) {
                const ww_term *v = pass ? tp->exclude : tp->terms;
                size_t n = pass ? tp->nexclude : tp->nterms;
                for (size_t k = 0; k < n; k++) {
                    /* a term's language: its own, else its taxonomy's, else every one */
                    int li = ww__lang_index(&c->langs,
                                            v[k].lang[0] ? v[k].lang : tx->language);
                    if (li < 0)
                        return ww_seterr(err, errlen, WW_EINVAL, "more than %d languages",
                                         WW__MAX_LANGS - 1);
                    int stems = (v[k].stem || tx->stem) && !v[k].case_sensitive &&
                                ww__lang_use_stems(&c->langs, li);
                    ww__posting p = {.kind = pass ? WW__P_EXCLUDE : WW__P_TERM,
                                     .case_sensitive = (uint8_t)v[k].case_sensitive,
                                     .owner = (uint32_t)t,
                                     .item = (uint32_t)g,
                                     .term = (uint32_t)k,
                                     .weight = v[k].weight,
                                     .lang = (uint8_t)li,
                                     .twin = (uint8_t)stems};
                    int rc = ww__matcher_add(c->m, v[k].text, strlen(v[k].text), &p);
                    if (!rc && stems) {
                        p.twin = 0;
                        rc = ww__matcher_add_stemmed(c->m, v[k].text, strlen(v[k].text),
                                                     &p, c->langs.stem[li]);
                    }
                    if (rc == WW_EINVAL)
                        return ww_seterr(
                            err, errlen, WW_EINVAL,
                            "taxonomy %s topic %s: term \"%s\" has no word or "
                            "more than %d words",
                            tx->name, tp->code, v[k].text, WW_TAX_MAX_PHRASE_TOKENS);
                    if (rc)
                        return rc;
                }
            }
        }
        for (size_t r = 0; r < tx->nroutes; r++)
            if (add_route(c, &tx->routes[r]))
                return WW_ENOMEM;
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

ww_classifier *ww_classifier_new(const ww_classify_opts *o, char *err, size_t errlen) {
    ww_classifier *c = calloc(1, sizeof *c), *ret = NULL;
    ww_taxonomy *t = NULL;
    ww__pack **packs = NULL;
    size_t npacks = 0;
    char *buf = NULL;
    size_t len;
    char sub[512];
    if (!c || !(c->m = ww__matcher_new()))
        goto nomem;
    c->max_labels = o->max_labels > 0 ? o->max_labels : 20;
    c->max_evidence = o->max_evidence > 0 ? o->max_evidence : 8;
    if (c->max_evidence > MAX_EV_CAP)
        c->max_evidence = MAX_EV_CAP;
    c->model_threshold = o->model_threshold;

    /* the default taxonomy, then the watch-lists */
    if (o->taxonomy_json)
        t = ww_taxonomy_parse(o->taxonomy_json, o->taxonomy_json_len, sub, sizeof sub);
    else if (o->taxonomy && *o->taxonomy)
        t = ww_taxonomy_load(o->taxonomy, sub, sizeof sub);
    else
        t = ww_taxonomy_parse((const char *)ww__data_iptc, ww__data_iptc_len, sub,
                              sizeof sub);
    if (!t) {
        ww_seterr(err, errlen, WW_EINVAL, "classify.taxonomy: %s", sub);
        goto out;
    }
    if (add_taxonomy(c, t, err, errlen))
        goto out;
    t = NULL;
    /* language packs: their topic terms join the default taxonomy (codes it lacks, as in
     * a user's own taxonomy, are skipped); their names join the gazetteer below */
    if (!(packs = calloc(ww__data_npacks + 1, sizeof *packs)))
        goto nomem;
    for (size_t i = 0; i < ww__data_npacks; i++) {
        char what[64];
        size_t skipped = 0;
        snprintf(what, sizeof what, "language pack %s (embedded)",
                 ww__data_packs[i].lang);
        if (!(packs[npacks] = ww__pack_parse((const char *)ww__data_packs[i].data,
                                             *ww__data_packs[i].len, what, err, errlen)))
            goto out;
        if (strcmp(ww__pack_lang(packs[npacks]), ww__data_packs[i].lang) != 0) {
            ww_seterr(err, errlen, WW_EINVAL, "%s: \"language\" is \"%s\"", what,
                      ww__pack_lang(packs[npacks]));
            npacks++;
            goto out;
        }
        if (ww__pack_add_topics(packs[npacks++], c->tax[0], &skipped, err, errlen))
            goto out;
        /* one parsed pack at a time: eight JSON trees at once were most of the peak
         * RSS; the entity step below parses each again */
        ww__pack_free(packs[npacks - 1]);
        packs[npacks - 1] = NULL;
    }
    for (size_t i = 0; i < o->nwatchlists; i++) {
        if (!(t = ww_taxonomy_load(o->watchlists[i], sub, sizeof sub))) {
            ww_seterr(err, errlen, WW_EINVAL, "classify.watchlists: %s", sub);
            goto out;
        }
        if (add_taxonomy(c, t, err, errlen))
            goto out;
        t = NULL;
    }
    int rc = compile(c, err, errlen);
    if (rc == WW_ENOMEM)
        goto nomem;
    if (rc)
        goto out;
    for (size_t i = 0; i < o->nroutes; i++) {
        int found = 0;
        for (size_t k = 0; k < c->ntax && !found; k++)
            found = ww_taxonomy_find(c->tax[k], o->routes[i].label) >= 0;
        if (!found && !(o->model && *o->model)) {
            ww_seterr(err, errlen, WW_EINVAL,
                      "classify.routes: label \"%s\" is in no loaded taxonomy",
                      o->routes[i].label);
            goto out;
        }
        if (add_route(c, &o->routes[i]))
            goto nomem;
    }

    /* entities */
    c->no_entities = o->no_entities;
    if (o->no_entities)
        goto model;
    if (ww__gaz_add_countries(&c->gaz, c->m, (const char *)ww__data_iso3166,
                              ww__data_iso3166_len,
                              (const char *)ww__data_country_aliases,
                              ww__data_country_aliases_len, err, errlen))
        goto out;
    if (o->organizations && *o->organizations) {
        if (!(buf = slurp(o->organizations, WW_TAX_MAX_FILE_BYTES, &len, err, errlen)) ||
            ww__gaz_add_file(&c->gaz, c->m, buf, len, o->organizations, err, errlen))
            goto out;
        free(buf);
        buf = NULL;
    } else if (ww__gaz_add_file(&c->gaz, c->m, (const char *)ww__data_organizations,
                                ww__data_organizations_len, "organizations (embedded)",
                                err, errlen)) {
        goto out;
    }
    if (o->persons && *o->persons) {
        if (!(buf = slurp(o->persons, WW_TAX_MAX_FILE_BYTES, &len, err, errlen)) ||
            ww__gaz_add_file(&c->gaz, c->m, buf, len, o->persons, err, errlen))
            goto out;
        free(buf);
        buf = NULL;
    }
    for (size_t i = 0; i < npacks; i++) {
        char what[64];
        snprintf(what, sizeof what, "language pack %s (embedded)",
                 ww__data_packs[i].lang);
        if (!(packs[i] = ww__pack_parse((const char *)ww__data_packs[i].data,
                                        *ww__data_packs[i].len, what, err, errlen)) ||
            ww__pack_add_entities(packs[i], &c->langs, &c->gaz, c->m, err, errlen))
            goto out;
        ww__pack_free(packs[i]);
        packs[i] = NULL;
    }

model:
    if (o->model && *o->model) {
        if (!(c->model = ww_model_load(o->model, sub, sizeof sub))) {
            ww_seterr(err, errlen, WW_EINVAL, "classify.model: %s", sub);
            goto out;
        }
    }
    ret = c;
    c = NULL;
    goto out;
nomem:
    ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
out:
    for (size_t i = 0; i < npacks; i++)
        ww__pack_free(packs[i]);
    free(packs);
    free(buf);
    ww_taxonomy_free(t);
    ww_classifier_free(c);
    /* the packs' JSON trees (tens of MB while parsed) are gone: hand the pages back,
     * or a worker keeps them as RSS for its whole life (docs/benchmarks.md) */
    malloc_trim(0);
    return ret;
}

void ww_classifier_free(ww_classifier *c) {
    if (!c)
        return;
    ww_model_free(c->model);
    ww__toks_free(&c->text);
    ww__toks_free(&c->title);
    ww__toks_free(&c->text_st);
    ww__toks_free(&c->title_st);
    free(c->thits);
    ww__langs_free(&c->langs);
    free(c->hits);
    free(c->aggs);
    free(c->cover);
    free(c->gmax);
    free(c->ehits);
    free(c->st);
    free(c->touched);
    ww__gaz_free(&c->gaz);
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

/* ---- matching --------------------------------------------------------------------- */

static void on_match(void *opaque, const ww__posting *p, size_t first, size_t n) {
    ww_classifier *c = opaque;
    if (p->kind == WW__P_TITLE) {
        if (c->in_title || c->no_entities)
            return;
        if (c->nthits == c->capthits) {
            size_t cap = c->capthits ? c->capthits * 2 : 16;
            ww__title_hit *v = realloc(c->thits, cap * sizeof *v);
            if (!v) {
                c->oom = 1;
                return;
            }
            c->thits = v;
            c->capthits = cap;
        }
        c->thits[c->nthits++] =
            (ww__title_hit){(uint32_t)first, (uint32_t)n, (uint8_t)p->item};
        return;
    }
    if (p->kind == WW__P_ENTITY) {
        if (c->in_title)
            return; /* entity spans point into the text only */
        if (c->nehits == c->capehits) {
            size_t cap = c->capehits ? c->capehits * 2 : 64;
            ehit *v = realloc(c->ehits, cap * sizeof *v);
            if (!v) {
                c->oom = 1;
                return;
            }
            c->ehits = v;
            c->capehits = cap;
        }
        c->ehits[c->nehits++] = (ehit){p->item, (uint32_t)first, (uint32_t)n};
        return;
    }
    if (c->nhits == c->caphits) {
        size_t cap = c->caphits ? c->caphits * 2 : 256;
        hit *v = realloc(c->hits, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        c->hits = v;
        c->caphits = cap;
    }
    c->hits[c->nhits++] = (hit){.topic = p->item,
                                .term = p->term,
                                .first = (uint32_t)first,
                                .ntok = (uint16_t)n,
                                .kind = p->kind,
                                .in_title = (uint8_t)c->in_title,
                                .weight = p->weight};
}

/* Within one taxonomy, a term inside a longer matched term does not count on its own:
 * "artificial intelligence" is not evidence of "intelligence" (espionage), "national
 * security" is not also "security".  The same span in several topics is kept for each
 * of them; another taxonomy (a watch-list) sees its own terms whatever the default
 * matched.  Exclusions are never dropped: they veto whenever their phrase occurs.
 * Linear: the matcher reports hits by start token, shorter before longer, title first. */
static void drop_nested(ww_classifier *c) {
    size_t n = 0, i = 0;
    int cur_in = -1;
    while (i < c->nhits) {
        uint8_t in = c->hits[i].in_title;
        uint32_t first = c->hits[i].first;
        if (in != cur_in) { /* token indexes restart in the text */
            memset(c->cover, 0, c->ntax * sizeof *c->cover);
            cur_in = in;
        }
        memset(c->gmax, 0, c->ntax * sizeof *c->gmax);
        size_t j = i;
        for (; j < c->nhits && c->hits[j].in_title == in && c->hits[j].first == first;
             j++)
            if (c->hits[j].kind == WW__P_TERM) {
                uint32_t t = c->topics[c->hits[j].topic].tax;
                if (c->hits[j].ntok > c->gmax[t])
                    c->gmax[t] = c->hits[j].ntok;
            }
        for (size_t k = i; k < j; k++) {
            hit h = c->hits[k];
            uint32_t t = c->topics[h.topic].tax;
            if (h.kind == WW__P_TERM &&
                (h.ntok != c->gmax[t] || first + h.ntok <= c->cover[t]))
                continue;
            c->hits[n++] = h;
        }
        for (uint32_t t = 0; t < c->ntax; t++)
            if (c->gmax[t] && first + c->gmax[t] > c->cover[t])
                c->cover[t] = first + c->gmax[t];
        i = j;
    }
    c->nhits = n;
}

static int ehit_cmp(const void *a, const void *b) {
    const ehit *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->ntok != y->ntok)
        return x->ntok > y->ntok ? -1 : 1; /* longest first */
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

/* Evidence priority: 1 when a should be shown rather than b. */
static int better(const hit *a, const hit *b) {
    if ((a->occ == 0) != (b->occ == 0))
        return a->occ == 0;
    if (a->weight != b->weight)
        return a->weight > b->weight;
    if (a->ntok != b->ntok)
        return a->ntok > b->ntok;
    return a->first < b->first;
}

static void touch(ww_classifier *c, uint32_t g) {
    if (!c->st[g].touched) {
        c->st[g].touched = 1;
        c->touched[c->ntouched++] = g;
    }
}

static const ww_topic *topic_of(const ww_classifier *c, uint32_t g) {
    return &c->tax[c->topics[g].tax]->topics[c->topics[g].local];
}

/* Score every touched topic (see the header comment). */
static void score(ww_classifier *c) {
    size_t ntok = c->text.n + c->title.n;
    /* count each (topic, kind, term) in a small hash table sized for this document */
    size_t cap = 64;
    while (cap < c->nhits * 2)
        cap *= 2;
    if (cap > c->capaggs) {
        agg *na = realloc(c->aggs, cap * sizeof *na);
        if (!na) {
            c->oom = 1;
            return;
        }
        c->aggs = na;
        c->capaggs = cap;
    }
    memset(c->aggs, 0, cap * sizeof *c->aggs);
    for (size_t i = 0; i < c->nhits; i++) {
        hit *h = &c->hits[i];
        uint64_t key = ((uint64_t)h->topic << 33) ^ ((uint64_t)h->term << 1) ^ h->kind;
        size_t j = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
        while (c->aggs[j].used &&
               !(c->aggs[j].topic == h->topic && c->aggs[j].term == h->term &&
                 c->aggs[j].kind == h->kind))
            j = (j + 1) & (cap - 1);
        agg *a = &c->aggs[j];
        if (!a->used) {
            a->used = 1;
            a->topic = h->topic;
            a->term = h->term;
            a->kind = h->kind;
            a->weight = h->weight;
        }
        a->cnt += h->in_title ? c->tax[c->topics[h->topic].tax]->title_weight : 1.0;
        if (!h->in_title) {
            h->occ = a->ntext;
            if (a->ntext < UINT16_MAX)
                a->ntext++;
        }
    }
    for (size_t j = 0; j < cap; j++) {
        const agg *a = &c->aggs[j];
        if (!a->used)
            continue;
        touch(c, a->topic);
        tstate *s = &c->st[a->topic];
        if (a->kind == WW__P_EXCLUDE)
            s->veto = 1;
        else if (a->cnt > 0)
            s->own += a->weight * (a->cnt >= 1.0 ? 1.0 + log(a->cnt) : a->cnt);
    }
    /* ancestors of touched topics take part in the roll-up */
    size_t n0 = c->ntouched;
    for (size_t i = 0; i < n0; i++)
        for (int p = c->topics[c->touched[i]].parent; p >= 0; p = c->topics[p].parent)
            touch(c, (uint32_t)p);
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        const ww_taxonomy *tx = c->tax[c->topics[g].tax];
        double f = ntok > tx->norm_tokens ? sqrt(tx->norm_tokens / (double)ntok) : 1.0;
        c->st[g].own *= f;
    }
    /* deepest first: sort touched by depth, descending (few entries: insertion sort) */
    for (size_t i = 1; i < c->ntouched; i++) {
        uint32_t v = c->touched[i];
        int d = topic_of(c, v)->depth;
        size_t k = i;
        while (k > 0 && topic_of(c, c->touched[k - 1])->depth < d) {
            c->touched[k] = c->touched[k - 1];
            k--;
        }
        c->touched[k] = v;
    }
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        tstate *s = &c->st[g];
        s->score = s->veto ? 0.0 : s->own + s->child;
        if (s->score < 0)
            s->score = 0;
        int p = c->topics[g].parent;
        if (p >= 0 && s->score > 0)
            c->st[p].child += s->score;
    }
    /* evidence: for the topic and each ancestor, the best max_evidence text hits --
     * a term's first occurrence before any repeat, then stronger, then longer, then
     * earlier -- kept without sorting all hits (build_labels puts them in text order) */
    for (size_t i = 0; i < c->nhits; i++) {
        const hit *h = &c->hits[i];
        if (h->kind != WW__P_TERM || h->in_title || h->weight <= 0)
            continue;
        for (int g = (int)h->topic; g >= 0; g = c->topics[g].parent) {
            tstate *s = &c->st[g];
            int dup = 0, worst = -1;
            for (int k = 0; k < s->nev && !dup; k++) {
                const hit *e = &c->hits[s->ev[k]];
                dup = e->first == h->first && e->ntok == h->ntok;
                if (worst < 0 || better(&c->hits[s->ev[worst]], e))
                    worst = k;
            }
            if (dup)
                continue;
            if (s->nev < c->max_evidence)
                s->ev[s->nev++] = (uint32_t)i;
            else if (worst >= 0 && better(h, &c->hits[s->ev[worst]]))
                s->ev[worst] = (uint32_t)i;
        }
    }
}

static void count_cb(void *opaque, const ww__posting *p, size_t first, size_t n) {
    (void)p;
    (void)first;
    (void)n;
    (*(long *)opaque)++;
}

long ww_classifier_scan_only(ww_classifier *c, const char *text, size_t len) {
    long hits = 0;
    ww__toks_clear(&c->text);
    if (ww__tokenize(text, len, 1, &c->text))
        return WW_ENOMEM;
    ww__matcher_scan(c->m, text, &c->text, count_cb, &hits);
    ww__toks_clear(&c->text);
    return hits;
}

/* ---- output ------------------------------------------------------------------------ */

static char *dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static Wirewatch__V1__Span *make_span_bytes(const char *text, uint32_t start,
                                            uint32_t end) {
    Wirewatch__V1__Span *sp = malloc(sizeof *sp);
    if (!sp)
        return NULL;
    wirewatch__v1__span__init(sp);
    sp->start = start;
    sp->end = end;
    if (!(sp->text = dupn(text + sp->start, sp->end - sp->start))) {
        free(sp);
        return NULL;
    }
    return sp;
}

static Wirewatch__V1__Span *make_span(const char *text, const ww__toks *t, size_t first,
                                      size_t n) {
    return make_span_bytes(text, t->v[first].start, t->v[first + n - 1].end);
}

static int by_score(const void *a, const void *b, void *arg) {
    const ww_classifier *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (c->st[x].score != c->st[y].score)
        return c->st[x].score > c->st[y].score ? -1 : 1;
    return x < y ? -1 : x > y;
}

static Wirewatch__V1__Label *new_label(const char *tax, const char *ver, const char *code,
                                       const char *name, float score,
                                       const char *source) {
    Wirewatch__V1__Label *l = malloc(sizeof *l);
    if (!l)
        return NULL;
    wirewatch__v1__label__init(l);
    l->taxonomy = strdup(tax);
    l->taxonomy_version = strdup(ver);
    l->code = strdup(code);
    l->name = strdup(name);
    l->source = strdup(source);
    l->score = score;
    if (!l->taxonomy || !l->taxonomy_version || !l->code || !l->name || !l->source) {
        protobuf_c_message_free_unpacked(&l->base, NULL);
        return NULL;
    }
    return l;
}

static int build_labels(ww_classifier *c, const char *text,
                        Wirewatch__V1__Classified *out) {
    size_t n = 0;
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        if (c->st[g].score > 0 && c->st[g].score >= topic_of(c, g)->threshold) {
            /* labels to the front; the rest stay in the list so reset() clears them */
            c->touched[i] = c->touched[n];
            c->touched[n++] = g;
        }
    }
    qsort_r(c->touched, n, sizeof *c->touched, by_score, c);
    /* max_labels per taxonomy, so a watch-list hit is never crowded out by IPTC */
    size_t *per = calloc(c->ntax, sizeof *per);
    out->labels = calloc(n + MODEL_MAX_OUT + 1, sizeof *out->labels);
    if (!out->labels || !per) {
        free(per);
        return WW_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t g = c->touched[i];
        if (per[c->topics[g].tax]++ >= (size_t)c->max_labels)
            continue;
        const ww_taxonomy *tx = c->tax[c->topics[g].tax];
        const ww_topic *tp = topic_of(c, g);
        Wirewatch__V1__Label *l = new_label(tx->name, tx->version, tp->code, tp->name,
                                            (float)c->st[g].score, "rules");
        if (!l) {
            free(per);
            return WW_ENOMEM;
        }
        out->labels[out->n_labels++] = l;
        tstate *s = &c->st[g];
        if (s->nev) {
            /* in text order */
            for (int a = 1; a < s->nev; a++)
                for (int b = a;
                     b > 0 && c->hits[s->ev[b - 1]].first > c->hits[s->ev[b]].first;
                     b--) {
                    uint32_t t = s->ev[b];
                    s->ev[b] = s->ev[b - 1];
                    s->ev[b - 1] = t;
                }
            if (!(l->evidence = calloc(s->nev, sizeof *l->evidence))) {
                free(per);
                return WW_ENOMEM;
            }
            for (int k = 0; k < s->nev; k++) {
                const hit *h = &c->hits[s->ev[k]];
                if (!(l->evidence[l->n_evidence] =
                          make_span(text, &c->text, h->first, h->ntok))) {
                    free(per);
                    return WW_ENOMEM;
                }
                l->n_evidence++;
            }
        }
    }
    free(per);
    return 0;
}

static int build_entities(ww_classifier *c, const char *text,
                          Wirewatch__V1__Classified *out) {
    if (c->nehits == 0)
        return 0;
    qsort(c->ehits, c->nehits, sizeof *c->ehits, ehit_cmp);
    /* longest match wins: "South Africa" is not also "Africa"-something */
    size_t n = 0;
    uint32_t cover = 0;
    for (size_t i = 0; i < c->nehits; i++) {
        ehit h = c->ehits[i];
        if (n && h.first < cover)
            continue;
        c->ehits[n++] = h;
        cover = h.first + h.ntok;
        /* the same phrase can name the same entity twice (alias = name); keep one */
        while (i + 1 < c->nehits && c->ehits[i + 1].first == h.first &&
               c->ehits[i + 1].ntok == h.ntok && c->ehits[i + 1].ent == h.ent)
            i++;
    }
    /* group by entity in order of first mention */
    if (n == 0)
        return 0;
    if (!(out->entities = calloc(n, sizeof *out->entities)))
        return WW_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const ww__entity *ge = &c->gaz.v[c->ehits[i].ent];
        Wirewatch__V1__Entity *e = NULL;
        for (size_t k = 0; k < out->n_entities && !e; k++)
            if (strcmp(out->entities[k]->id, ge->id) == 0 &&
                strcmp(out->entities[k]->name, ge->name) == 0)
                e = out->entities[k];
        if (!e) {
            if (!(e = malloc(sizeof *e)))
                return WW_ENOMEM;
            wirewatch__v1__entity__init(e);
            out->entities[out->n_entities++] = e;
            e->type = strdup(ge->type);
            e->name = strdup(ge->name);
            e->id = strdup(ge->id);
            if (!(e->spans = calloc((size_t)c->max_evidence, sizeof *e->spans)) ||
                !e->type || !e->name || !e->id)
                return WW_ENOMEM;
        }
        if (e->n_spans >= (size_t)c->max_evidence)
            continue;
        if (!(e->spans[e->n_spans] =
                  make_span(text, &c->text, c->ehits[i].first, c->ehits[i].ntok)))
            return WW_ENOMEM;
        e->n_spans++;
    }
    return 0;
}

/* Persons named after a title (persons.c), merged with the gazetteer's entities. */
typedef struct {
    ww_classifier *c;
    const char *text;
    Wirewatch__V1__Classified *out;
} person_ctx;

static int on_person_span(void *arg, uint32_t start, uint32_t end) {
    person_ctx *p = arg;
    Wirewatch__V1__Span *sp = make_span_bytes(p->text, start, end);
    if (!sp)
        return WW_ENOMEM;
    /* a name the gazetteer already matched here ("Minister Chen" alias) is not new */
    for (size_t k = 0; k < p->out->n_entities; k++) {
        const Wirewatch__V1__Entity *g = p->out->entities[k];
        for (size_t j = 0; j < g->n_spans; j++)
            if (sp->start < g->spans[j]->end && g->spans[j]->start < sp->end) {
                protobuf_c_message_free_unpacked(&sp->base, NULL);
                return 0;
            }
    }
    Wirewatch__V1__Entity *e = NULL;
    for (size_t k = 0; k < p->out->n_entities && !e; k++)
        if (strcmp(p->out->entities[k]->name, sp->text) == 0)
            e = p->out->entities[k];
    if (!e) {
        Wirewatch__V1__Entity **v =
            realloc(p->out->entities, (p->out->n_entities + 1) * sizeof *v);
        if (!v || !(e = malloc(sizeof *e))) {
            if (v)
                p->out->entities = v;
            protobuf_c_message_free_unpacked(&sp->base, NULL);
            return WW_ENOMEM;
        }
        p->out->entities = v;
        wirewatch__v1__entity__init(e);
        p->out->entities[p->out->n_entities++] = e;
        e->type = strdup("person");
        e->name = strdup(sp->text);
        size_t n = strlen(sp->text);
        e->id = malloc(n + 8);
        e->spans = calloc((size_t)p->c->max_evidence, sizeof *e->spans);
        if (!e->type || !e->name || !e->id || !e->spans) {
            protobuf_c_message_free_unpacked(&sp->base, NULL);
            return WW_ENOMEM;
        }
        memcpy(e->id, "person:", 7);
        for (size_t k = 0; k <= n; k++)
            e->id[7 + k] =
                sp->text[k] == ' ' ? '-' : (char)tolower((unsigned char)sp->text[k]);
    } else if (strcmp(e->type, "person") != 0) {
        protobuf_c_message_free_unpacked(&sp->base, NULL);
        return 0; /* the gazetteer knows this name as something else */
    }
    if (e->n_spans >= (size_t)p->c->max_evidence) {
        protobuf_c_message_free_unpacked(&sp->base, NULL);
        return 0;
    }
    e->spans[e->n_spans++] = sp;
    return 0;
}

static int on_person(void *arg, size_t first, size_t ntok) {
    const ww__toks *t = &((person_ctx *)arg)->c->text;
    return on_person_span(arg, t->v[first].start, t->v[first + ntok - 1].end);
}

static int build_persons(ww_classifier *c, const char *text,
                         Wirewatch__V1__Classified *out) {
    person_ctx p = {c, text, out};
    int rc = ww__find_persons(text, &c->text, on_person, &p);
    return rc ? rc
              : ww__find_persons_titled(text, &c->text, c->thits, c->nthits,
                                        on_person_span, &p);
}

static int model_labels(ww_classifier *c, const Wirewatch__V1__Document *doc,
                        Wirewatch__V1__Classified *out) {
    if (!c->model)
        return 0;
    ww_prediction pred[MODEL_MAX_OUT];
    /* the model sees what a trained model saw: title, newline, text */
    size_t tl = strlen(doc->title ? doc->title : ""),
           xl = strlen(doc->text ? doc->text : "");
    char *buf = malloc(tl + xl + 2);
    if (!buf)
        return WW_ENOMEM;
    memcpy(buf, doc->title ? doc->title : "", tl);
    buf[tl] = '\n';
    memcpy(buf + tl + 1, doc->text ? doc->text : "", xl);
    buf[tl + 1 + xl] = 0;
    int n = ww_model_predict(c->model, buf, tl + 1 + xl, pred, MODEL_MAX_OUT,
                             c->model_threshold);
    free(buf);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        const char *name = pred[i].label;
        int k = ww_taxonomy_find(c->tax[0], pred[i].label);
        if (k >= 0)
            name = c->tax[0]->topics[k].name;
        Wirewatch__V1__Label *l = new_label("model", ww_model_version(c->model),
                                            pred[i].label, name, pred[i].score, "model");
        if (!l)
            return WW_ENOMEM;
        l->confidence = pred[i].confidence; /* calibrated by the model (docs/model.md) */
        out->labels[out->n_labels++] = l;
    }
    return 0;
}

static int copy_doc(const Wirewatch__V1__Document *d, Wirewatch__V1__Classified *o,
                    const char *tax_version, const char *model_version) {
#define CP(dst, src)                                                                     \
    if (!((dst) = strdup((src) ? (src) : "")))                                           \
        return WW_ENOMEM;
    CP(o->id, d->id)
    CP(o->url, d->url)
    CP(o->canonical_url, d->canonical_url)
    CP(o->title, d->title)
    CP(o->byline, d->byline)
    CP(o->published, d->published)
    CP(o->language, d->language)
    CP(o->site, d->site)
    CP(o->text, d->text)
    CP(o->near_duplicate_of, d->near_duplicate_of)
    CP(o->request_id, d->request_id)
    CP(o->taxonomy_version, tax_version)
    CP(o->model_version, model_version)
#undef CP
    o->simhash = d->simhash;
    return 0;
}

static int hit_order(const void *a, const void *b) {
    const hit *x = a, *y = b;
    if (x->in_title != y->in_title)
        return x->in_title ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->ntok != y->ntok)
        return x->ntok < y->ntok ? -1 : 1;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

/* Match title and text in the document's language: by tokens, and for a language
 * matched by stems once more by the tokens' stems.  drop_nested wants the hits in the
 * one-pass order (title first, by start token, shorter first): two passes are sorted. */
static int scan(ww_classifier *c, const Wirewatch__V1__Document *doc, const char *title,
                const char *text) {
    int lang = ww__lang_of_doc(&c->langs, doc->language);
    c->in_title = 1;
    ww__matcher_scan_lang(c->m, title, &c->title, lang, 0, on_match, c);
    c->in_title = 0;
    ww__matcher_scan_lang(c->m, text, &c->text, lang, 0, on_match, c);
    struct sb_stemmer *st = lang > 0 ? c->langs.stem[lang] : NULL;
    if (!st)
        return 0;
    int rc;
    if ((rc = ww__toks_stem(st, &c->title, &c->title_st)) ||
        (rc = ww__toks_stem(st, &c->text, &c->text_st)))
        return rc;
    c->in_title = 1;
    ww__matcher_scan_lang(c->m, title, &c->title_st, lang, 1, on_match, c);
    c->in_title = 0;
    ww__matcher_scan_lang(c->m, text, &c->text_st, lang, 1, on_match, c);
    if (c->nhits > 1) /* qsort(NULL, 0) is undefined */
        qsort(c->hits, c->nhits, sizeof *c->hits, hit_order);
    return 0;
}

static void reset(ww_classifier *c) {
    for (size_t i = 0; i < c->ntouched; i++)
        memset(&c->st[c->touched[i]], 0, sizeof c->st[0]);
    c->ntouched = 0;
    c->nhits = c->nehits = c->nthits = 0;
    c->oom = 0;
    ww__toks_clear(&c->text);
    ww__toks_clear(&c->title);
}

int ww_classify_document(ww_classifier *c, const Wirewatch__V1__Document *doc,
                         Wirewatch__V1__Classified **outp, int *alert) {
    int rc = WW_ENOMEM;
    const char *text = doc->text ? doc->text : "";
    const char *title = doc->title ? doc->title : "";
    Wirewatch__V1__Classified *out = malloc(sizeof *out);
    *outp = NULL;
    *alert = 0;
    if (!out)
        return WW_ENOMEM;
    wirewatch__v1__classified__init(out);
    if ((rc = copy_doc(doc, out, c->tax_version, ww_classifier_model_version(c))))
        goto out;
    if ((rc = ww__tokenize(title, strlen(title), 1, &c->title)) ||
        (rc = ww__tokenize(text, strlen(text), 1, &c->text)))
        goto out;
    if ((rc = scan(c, doc, title, text)))
        goto out;
    rc = WW_ENOMEM;
    if (c->oom)
        goto out;
    drop_nested(c);
    score(c);
    if (c->oom)
        goto out;
    if ((rc = build_labels(c, text, out)) || (rc = build_entities(c, text, out)))
        goto out;
    if (!c->no_entities && (rc = build_persons(c, text, out)))
        goto out;
    if ((rc = model_labels(c, doc, out)))
        goto out;
    for (size_t r = 0; r < c->nroutes && !*alert; r++)
        for (size_t k = 0; k < out->n_labels; k++)
            if (strcmp(out->labels[k]->code, c->routes[r].label) == 0 &&
                out->labels[k]->score >= c->routes[r].min_score) {
                *alert = 1;
                break;
            }
    rc = 0;
out:
    reset(c);
    if (rc) {
        protobuf_c_message_free_unpacked(&out->base, NULL);
        out = NULL;
    }
    *outp = out;
    return rc;
}
