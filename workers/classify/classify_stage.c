/* The classify stage: Document in, Classified out (and on WW_OUT_ALERTS when a
 * routing rule matches).  Synchronous: every job is finished in submit.
 *
 * The processing itself is ww_classify_document (classify.c), a pure function of the
 * document and the classifier; this file is only configuration, the swap on reload,
 * decoding, dead letters and the trace stamp. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"
#include "wirewatch/classify.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/stage.h"
#include "wirewatch/utf8.h"

/* a number macro as the JSON text of a config default */
#define DEF_STR_(x) #x
#define DEF_STR(x) DEF_STR_(x)

static const ww_config_key classify_keys[] = {
    {"classify.taxonomy", WW_CFG_STR, "\"\"",
     "Taxonomy file (docs/taxonomy.md) used instead of the embedded IPTC Media Topics; "
     "empty = embedded."},
    {"classify.watchlists", WW_CFG_JSON, "[]",
     "Paths of extra taxonomy files (watch-lists) matched beside the default taxonomy."},
    {"classify.routes", WW_CFG_JSON, "[]",
     "Routing rules [{\"label\": code, \"min_score\": n, \"min_confidence\": p, \"output\": "
     "\"alerts\"}]: a document with that label emitted at or above min_score and "
     "min_confidence (both optional, default 0) is also sent to the alerts output."},
    {"classify.organizations", WW_CFG_STR, "\"\"",
     "Entity file of organisations (docs/taxonomy.md); empty = the embedded default list."},
    {"classify.persons", WW_CFG_STR, "\"\"",
     "Entity file of persons (a gazetteer); empty = no person entities."},
    {"classify.model", WW_CFG_STR, "\"\"",
     "Model file (wirewatch or fastText .bin/.ftz); its predictions become labels with "
     "source \"model\". Empty = rules only."},
    {"classify.model_threshold", WW_CFG_NUM, DEF_STR(WW_CLASSIFY_MODEL_THRESHOLD),
     "Minimum model probability for a model label."},
    {"classify.min_confidence", WW_CFG_NUM, DEF_STR(WW_CLASSIFY_MIN_CONFIDENCE),
     "Rule labels with a lower confidence (calibrated probability of being right, "
     "docs/benchmarks.md) are not emitted; 0 = every label reaching its topic's "
     "threshold."},
    {"classify.max_labels", WW_CFG_INT, DEF_STR(WW_CLASSIFY_MAX_LABELS),
     "Most rule labels per document and taxonomy: the most confident."},
    {"classify.max_evidence", WW_CFG_INT, DEF_STR(WW_CLASSIFY_MAX_EVIDENCE),
     "Most evidence spans per label and spans per entity (at most " DEF_STR(
         WW_CLASSIFY_MAX_EVIDENCE_CAP) ")."},
    {NULL, 0, NULL, NULL},
};

/* A built classifier and the processing threads still using it: a reload swaps in a
 * new one, and the old one is freed when the last thread has let go of it. */
typedef struct gen {
    ww_classifier *cl;
    int refs; /* guarded by ctx.lock */
} gen;

typedef struct ctx {
    pthread_mutex_t lock; /* guards cur and the refs; held for a pointer swap only */
    gen *cur;
} ctx;

/* A processing thread's own (worker.threads): its classifier, made from g's
 * (ww_classifier_for_thread: shared tables, its own scratch), holding a ref on g. */
typedef struct tstate {
    gen *g;
    ww_classifier *cl;
} tstate;

/* What process hands to finish: the document and its Classified, or the dead
 * letter's code and detail. */
typedef struct result {
    Wirewatch__V1__Document *doc;
    Wirewatch__V1__Classified *out;
    int alert;
    int code;           /* 0, or the WW_E* of the dead letter */
    const char *detail; /* a literal */
} result;

/* Build a classifier from the configuration.  NULL with err. */
static ww_classifier *build(const ww_config *cfg, char *err, size_t errlen) {
    ww_classifier *cl = NULL;
    const char **wl = NULL;
    ww_route *routes = NULL;
    size_t nwl = 0, nroutes = 0;
    json_t *w = ww_config_json(cfg, "classify.watchlists");
    json_t *r = ww_config_json(cfg, "classify.routes");
    if (!json_is_array(w) || !json_is_array(r)) {
        ww_seterr(err, errlen, WW_EINVAL,
                  "classify.watchlists and classify.routes must be arrays");
        goto out;
    }
    if (!(wl = calloc(json_array_size(w) + 1, sizeof *wl)) ||
        !(routes = calloc(json_array_size(r) + 1, sizeof *routes))) {
        ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(w); i++) {
        const char *p = json_string_value(json_array_get(w, i));
        if (!p || !*p) {
            ww_seterr(err, errlen, WW_EINVAL, "classify.watchlists[%zu] must be a path",
                      i);
            goto out;
        }
        wl[nwl++] = p;
    }
    for (size_t i = 0; i < json_array_size(r); i++) {
        json_t *o = json_array_get(r, i);
        const char *key;
        json_t *v;
        if (!json_is_object(o)) {
            ww_seterr(err, errlen, WW_EINVAL, "classify.routes[%zu] must be an object",
                      i);
            goto out;
        }
        routes[i].output = (char *)"alerts";
        json_object_foreach(o, key, v) {
            if (strcmp(key, "label") == 0 && json_is_string(v))
                routes[i].label = (char *)json_string_value(v);
            else if (strcmp(key, "min_score") == 0 && json_is_number(v))
                routes[i].min_score = json_number_value(v);
            else if (strcmp(key, "min_confidence") == 0 && json_is_number(v) &&
                     json_number_value(v) >= 0 && json_number_value(v) <= 1)
                routes[i].min_confidence = json_number_value(v);
            else if (strcmp(key, "output") == 0 && json_is_string(v) &&
                     strcmp(json_string_value(v), "alerts") == 0)
                routes[i].output = (char *)json_string_value(v);
            else {
                ww_seterr(err, errlen, WW_EINVAL,
                          "classify.routes[%zu]: key \"%s\" unknown or invalid (label: "
                          "string, min_score: number, min_confidence: 0..1, output: "
                          "\"alerts\")",
                          i, key);
                goto out;
            }
        }
        if (!routes[i].label) {
            ww_seterr(err, errlen, WW_EINVAL, "classify.routes[%zu]: \"label\" missing",
                      i);
            goto out;
        }
        nroutes++;
    }
    ww_classify_opts o = {
        .taxonomy = ww_config_str(cfg, "classify.taxonomy"),
        .watchlists = wl,
        .nwatchlists = nwl,
        .organizations = ww_config_str(cfg, "classify.organizations"),
        .persons = ww_config_str(cfg, "classify.persons"),
        .routes = routes,
        .nroutes = nroutes,
        .model = ww_config_str(cfg, "classify.model"),
        .model_threshold = (float)ww_config_num(cfg, "classify.model_threshold"),
        /* in the opts 0 means the default: the configured 0 is "none" (-1) there */
        .min_confidence = ww_config_num(cfg, "classify.min_confidence") > 0
                              ? ww_config_num(cfg, "classify.min_confidence")
                              : -1.0,
        .max_labels = (int)ww_config_int(cfg, "classify.max_labels"),
        .max_evidence = (int)ww_config_int(cfg, "classify.max_evidence"),
    };
    cl = ww_classifier_new(&o, err, errlen);
out:
    free(wl);
    free(routes);
    return cl;
}

static void gen_release(ctx *c, gen *g) {
    if (!g)
        return;
    pthread_mutex_lock(&c->lock);
    int last = --g->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last) {
        ww_classifier_free(g->cl);
        free(g);
    }
}

static void *classify_create(const ww_config *cfg, char *err, size_t errlen) {
    ctx *c = calloc(1, sizeof *c);
    gen *g = calloc(1, sizeof *g);
    if (!c || !g) {
        free(c);
        free(g);
        ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
        return NULL;
    }
    if (!(g->cl = build(cfg, err, errlen))) {
        free(c);
        free(g);
        return NULL;
    }
    g->refs = 1; /* the context's */
    c->cur = g;
    pthread_mutex_init(&c->lock, NULL);
    WW_INFO("classify", "taxonomies %s, %zu phrases, model \"%s\"",
            ww_classifier_taxonomy_version(g->cl), ww_classifier_phrases(g->cl),
            ww_classifier_model_version(g->cl));
    return c;
}

static void classify_destroy(void *p) {
    ctx *c = p;
    if (!c)
        return;
    gen_release(c, c->cur); /* the threads have let go already (worker_threads.c) */
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Runs on the worker's thread while processing threads may be classifying: they keep
 * the classifier they hold until their next document, which gets the new one. */
static int classify_reload(void *p, const ww_config *cfg, char *err, size_t errlen) {
    ctx *c = p;
    gen *fresh = calloc(1, sizeof *fresh);
    if (!fresh)
        return ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory");
    if (!(fresh->cl = build(cfg, err, errlen))) { /* the old one serves meanwhile */
        free(fresh);
        return WW_EINVAL;
    }
    fresh->refs = 1;
    pthread_mutex_lock(&c->lock);
    gen *old = c->cur;
    c->cur = fresh;
    pthread_mutex_unlock(&c->lock);
    gen_release(c, old);
    WW_INFO("classify", "reloaded: taxonomies %s",
            ww_classifier_taxonomy_version(fresh->cl));
    return 0;
}

/* The thread's classifier, made anew from the current one after a reload.  NULL
 * when out of memory. */
static ww_classifier *thread_classifier(ctx *c, tstate *t) {
    pthread_mutex_lock(&c->lock);
    gen *g = c->cur;
    if (g != t->g)
        g->refs++;
    pthread_mutex_unlock(&c->lock);
    if (g == t->g)
        return t->cl;
    char err[128];
    ww_classifier *cl = ww_classifier_for_thread(g->cl, err, sizeof err);
    if (!cl) {
        gen_release(c, g);
        return NULL;
    }
    ww_classifier_thread_free(t->cl);
    gen_release(c, t->g);
    t->g = g;
    t->cl = cl;
    return cl;
}

static void *classify_thread_new(void *p, char *err, size_t errlen) {
    tstate *t = calloc(1, sizeof *t);
    if (!t || !thread_classifier(p, t)) {
        free(t);
        ww_seterr(err, errlen, WW_ENOMEM, "classify: out of memory (thread classifier)");
        return NULL;
    }
    return t;
}

static void classify_thread_free(void *p, void *ts) {
    tstate *t = ts;
    ww_classifier_thread_free(t->cl);
    gen_release(p, t->g);
    free(t);
}

static void result_free(void *p, void *res) {
    result *r = res;
    if (!r)
        return;
    if (r->out)
        ww_classified_free(r->out);
    if (r->doc)
        wirewatch__v1__document__free_unpacked(r->doc, NULL);
    free(r);
}

static result *fail(result *r, int code, const char *detail) {
    r->code = code;
    r->detail = detail;
    return r;
}

/* Decode, classify, stamp the trace: a pure function of the input and the classifier,
 * on any thread (ts NULL: the worker's own, worker.threads = 1).  NULL when out of
 * memory. */
static void *classify_process(void *p, void *ts, ww_job *job) {
    ctx *c = p;
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (!(r->doc = wirewatch__v1__document__unpack(NULL, len, data)))
        return fail(r, WW_EMALFORMED, "input is not a wirewatch.v1.Document");
    Wirewatch__V1__Document *doc = r->doc;
    if (!ww_utf8_valid(doc->text, strlen(doc->text)) ||
        !ww_utf8_valid(doc->title, strlen(doc->title)))
        return fail(r, WW_EMALFORMED, "document text or title is not valid UTF-8");
    ww_classifier *cl;
    if (ts) {
        cl = thread_classifier(c, ts);
    } else { /* reloads run on this same thread: cl stays while it is used */
        pthread_mutex_lock(&c->lock);
        cl = c->cur->cl;
        pthread_mutex_unlock(&c->lock);
    }
    if (!cl)
        return fail(r, WW_ENOMEM, "out of memory (thread classifier)");
    int rc = ww_classify_document(cl, doc, &r->out, &r->alert);
    if (rc)
        return fail(r, rc, "classification failed");
    if (!(r->out->trace = ww_trace_copy(doc->trace)) && doc->trace)
        return fail(r, WW_ENOMEM, "out of memory copying the trace");
    if (ww_trace_stamp(&r->out->trace, "classify"))
        return fail(r, WW_ENOMEM, "out of memory stamping the trace");
    return r;
}

/* On the worker's thread, in input order: the outputs, counters, dead letter. */
static void classify_finish(void *p, ww_job *job, void *res) {
    result *r = res;
    int rc;
    if (!r) {
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory");
    } else if (r->code) {
        ww_job_dead_letter(job, r->code, r->detail);
    } else {
        const char *id = r->doc->id, *key = id[0] ? id : NULL;
        if ((rc = ww_job_emit(job, WW_OUT_MAIN, key, &r->out->base))) {
            WW_WARN("classify", "document %s: emit failed: %s", id, ww_strerror(rc));
            goto out;
        }
        ww_job_count(job, "labels", (long long)r->out->n_labels);
        ww_job_count(job, "entities", (long long)r->out->n_entities);
        if (r->alert) {
            ww_job_count(job, "alerts", 1);
            if ((rc = ww_job_emit(job, WW_OUT_ALERTS, key, &r->out->base)))
                WW_WARN("classify", "document %s: alert emit failed: %s", id,
                        ww_strerror(rc));
        }
    }
out:
    result_free(p, r);
    ww_job_done(job);
}

static void classify_submit(void *p, ww_job *job) {
    classify_finish(p, job, classify_process(p, NULL, job));
}

static const ww_stage_parallel classify_parallel = {
    .thread_new = classify_thread_new,
    .thread_free = classify_thread_free,
    .process = classify_process,
    .finish = classify_finish,
    .discard = result_free,
};

const ww_stage_ops ww_classify_stage = {
    .name = "classify",
    .in_type = &wirewatch__v1__document__descriptor,
    .out_type = &wirewatch__v1__classified__descriptor,
    .config_keys = classify_keys,
    .create = classify_create,
    .destroy = classify_destroy,
    .submit = classify_submit,
    .poll = NULL,
    .capacity = NULL,
    .reload = classify_reload,
    .parallel = &classify_parallel,
};
