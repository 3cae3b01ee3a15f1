/* One classifier per processing thread (worker.threads) without one copy of the
 * taxonomies per thread: a thread's classifier shares everything built
 * (classifier_build.c: taxonomies, matcher, gazetteer, routes, model — read-only once
 * built) and owns only what a document writes: the per-document scratch state and
 * the Snowball stemmers (a stemmer keeps its state between calls).
 *
 * The shared parts are copied field by field, never the whole struct: a scratch field
 * added to ww_classifier later starts empty here (grown on first use, or a crash in
 * the threaded tests) instead of being shared by every thread unnoticed. */
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "classify_internal.h"
#include "wirewatch/error.h"

ww_classifier *ww_classifier_for_thread(const ww_classifier *c, char *err,
                                        size_t errlen) {
    ww_classifier *t = calloc(1, sizeof *t);
    if (!t)
        goto oom;
    /* shared, read-only */
    t->tax = c->tax;
    t->ntax = c->ntax;
    t->base = c->base;
    t->topics = c->topics;
    t->ntopics = c->ntopics;
    t->routes = c->routes;
    t->nroutes = c->nroutes;
    t->m = c->m;
    t->gaz = c->gaz;
    t->han_titles = c->han_titles;
    t->tax_version = c->tax_version;
    t->model = c->model;
    t->model_threshold = c->model_threshold;
    t->min_confidence = c->min_confidence;
    t->max_labels = c->max_labels;
    t->max_evidence = c->max_evidence;
    t->no_entities = c->no_entities;
    /* the thread's own: languages with their own stemmers, scratch sized as build's */
    t->langs.n = c->langs.n;
    memcpy(t->langs.code, c->langs.code, sizeof t->langs.code);
    memcpy(t->langs.capital_nouns, c->langs.capital_nouns, sizeof t->langs.capital_nouns);
    for (int i = 0; i < c->langs.n; i++)
        if (c->langs.stem[i] &&
            !(t->langs.stem[i] = sb_stemmer_new(c->langs.code[i], "UTF_8")))
            goto oom;
    if (ww__classifier_scratch_alloc(t) != 0)
        goto oom;
    return t;
oom:
    ww_classifier_thread_free(t);
    ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory (thread classifier)");
    return NULL;
}

/* The scratch sized by the taxonomies (c->ntopics, c->ntax set): per-topic state and
 * order, per-taxonomy cover and best scores.  The build and every thread's classifier
 * allocate it here, so the two cannot size it differently; the rest of the scratch
 * grows with the documents.  0 or WW_ENOMEM (what was allocated is freed with c). */
int ww__classifier_scratch_alloc(ww_classifier *c) {
    if (!(c->st = calloc(c->ntopics + 1, sizeof *c->st)) ||
        !(c->touched = calloc(c->ntopics + 1, sizeof *c->touched)) ||
        !(c->by_depth = calloc(c->ntopics + 1, sizeof *c->by_depth)) ||
        !(c->cover = calloc(c->ntax + 1, sizeof *c->cover)) ||
        !(c->gmax = calloc(c->ntax + 1, sizeof *c->gmax)))
        return WW_ENOMEM;
    return 0;
}

/* What a classifier owns per thread (the scratch a document writes, the stemmers), not
 * c itself: ww_classifier_free frees these beside the shared parts, a thread's
 * classifier only these -- one list, so a scratch field added later is freed by both. */
void ww__classifier_own_free(ww_classifier *c) {
    ww__toks_free(&c->text);
    ww__toks_free(&c->title);
    ww__toks_free(&c->text_st);
    ww__toks_free(&c->title_st);
    ww__stem_cache_free(c->stems);
    free(c->thits);
    ww__langs_free(&c->langs);
    free(c->hits);
    free(c->merge);
    free(c->hit_span);
    free(c->aggs);
    free(c->aggs_used);
    free(c->cover);
    free(c->gmax);
    free(c->ehits);
    free(c->st);
    free(c->touched);
    free(c->by_depth);
}

void ww_classifier_thread_free(ww_classifier *t) {
    if (!t)
        return;
    ww__classifier_own_free(t);
    free(t);
}
