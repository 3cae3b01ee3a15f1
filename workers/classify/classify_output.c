/* Output: the classifier's scratch state after scoring -> the Classified message (the
 * document's fields, rule labels with their evidence spans, model labels).  Reads what
 * classify_score.c left; changes nothing but the evidence order.  Everything is
 * allocated in the classification's arena (c->out_mem, classify_arena.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "insertion_sort.h"
#include "wirewatch/error.h"

static const Wirewatch__V1__Span span_init = WIREWATCH__V1__SPAN__INIT;
static const Wirewatch__V1__Label label_init = WIREWATCH__V1__LABEL__INIT;

Wirewatch__V1__Span *ww__span_bytes(ww__arena *a, const char *text, uint32_t start,
                                    uint32_t end) {
    Wirewatch__V1__Span *sp = ww__arena_alloc(a, sizeof *sp);
    if (!sp)
        return NULL;
    *sp = span_init;
    sp->start = start;
    sp->end = end;
    sp->field = WIREWATCH__V1__SPAN__FIELD__FIELD_TEXT;
    if (!(sp->text = ww__arena_strndup(a, text + start, end - start)))
        return NULL;
    return sp;
}

Wirewatch__V1__Span *ww__span_toks(ww__arena *a, const char *text, const ww__toks *t,
                                   size_t first, size_t n) {
    return ww__span_bytes(a, text, t->v[first].start, t->v[first + n - 1].end);
}

/* A label whose strings are the caller's (arena copies or literals: the arena never
 * frees a string on its own, so labels may share one). */
static Wirewatch__V1__Label *new_label(ww__arena *a, char *tax, char *ver, char *code,
                                       char *name, float score, char *source) {
    Wirewatch__V1__Label *l = ww__arena_alloc(a, sizeof *l);
    if (!l)
        return NULL;
    *l = label_init;
    l->taxonomy = tax;
    l->taxonomy_version = ver;
    l->code = code;
    l->name = name;
    l->source = source;
    l->score = score;
    return l;
}

/* Confidence of topic g from its taxonomy's calibration (confidence 1 without one):
 * the group of the document's language (or "*"), the step of the topic's depth. */
static const ww_calib_group *calib_group(const ww_taxonomy *tx, const char *lang) {
    for (int i = 0; i < tx->ncalib; i++)
        for (int k = 0; k < tx->calib[i].nlanguages; k++)
            if (strcmp(tx->calib[i].languages[k], "*") == 0 ||
                strcmp(tx->calib[i].languages[k], lang) == 0)
                return &tx->calib[i];
    return NULL;
}

/* grp: calib_group of g's taxonomy, found once a document, not once a candidate */
static double confidence(const ww_classifier *c, uint32_t g, double best_at_depth,
                         const ww_calib_group *grp) {
    if (!grp)
        return 1.0;
    int depth = ww__topic_of(c, g)->depth, k = 0;
    while (k + 1 < grp->nsteps && depth > grp->steps[k].max_depth)
        k++;
    const ww_calib_step *st = &grp->steps[k];
    double score = c->st[g].score;
    double z = st->w[0] * log(score) + st->w[1] * (score / best_at_depth) + st->bias;
    return 1.0 / (1.0 + exp(-z));
}

/* The candidates (topics at or above their threshold) to the front of touched, each
 * with its confidence; returns their number or WW_ENOMEM.  The rest stay in the list
 * so ww__classify_reset clears them. */
static long candidates(ww_classifier *c, const char *lang) {
    size_t n = 0, nd = WW_TAX_MAX_DEPTH + 1;
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        if (c->st[g].score > 0 && c->st[g].score >= ww__topic_of(c, g)->threshold) {
            c->touched[i] = c->touched[n];
            c->touched[n++] = g;
        }
    }
    /* the best candidate score per taxonomy and depth: the "share" feature */
    double *best = calloc(c->ntax * nd, sizeof *best);
    const ww_calib_group **grp = calloc(c->ntax, sizeof *grp);
    if (!best || !grp) {
        free(best);
        free(grp);
        return WW_ENOMEM;
    }
    for (size_t t = 0; t < c->ntax; t++)
        grp[t] = calib_group(c->tax[t], lang);
    for (size_t i = 0; i < n; i++) {
        uint32_t g = c->touched[i];
        double *b = &best[c->topics[g].tax * nd + (size_t)ww__topic_of(c, g)->depth];
        if (c->st[g].score > *b)
            *b = c->st[g].score;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t g = c->touched[i];
        uint32_t t = c->topics[g].tax;
        c->st[g].conf =
            confidence(c, g, best[t * nd + (size_t)ww__topic_of(c, g)->depth], grp[t]);
    }
    free(best);
    free(grp);
    return (long)n;
}

/* Most confident first (then higher score, then taxonomy order). */
static int by_confidence(const void *a, const void *b, void *arg) {
    const ww_classifier *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (c->st[x].conf != c->st[y].conf)
        return c->st[x].conf > c->st[y].conf ? -1 : 1;
    if (c->st[x].score != c->st[y].score)
        return c->st[x].score > c->st[y].score ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Output order: grouped by top-level topic, the best-scored group first; in a group
 * the most specific (deepest) label first, then the most confident. */
static int by_branch(const void *a, const void *b, void *arg) {
    const ww_classifier *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t tx = c->topics[x].top, ty = c->topics[y].top;
    if (tx != ty) {
        if (c->st[tx].score != c->st[ty].score)
            return c->st[tx].score > c->st[ty].score ? -1 : 1;
        return tx < ty ? -1 : 1;
    }
    int dx = ww__topic_of(c, x)->depth, dy = ww__topic_of(c, y)->depth;
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return by_confidence(a, b, arg);
}

/* Sort v[0, n) by cmp, a total order (both orders end on the topic index, so any
 * sort gives the same result): insertion for the few candidates of a story, where
 * glibc's merge sort spent more on its set-up than on comparing (3% of full
 * classify), qsort_r for many. */
static void sort_topics(ww_classifier *c, uint32_t *v, size_t n,
                        int (*cmp)(const void *, const void *, void *)) {
    if (n > 64) {
        qsort_r(v, n, sizeof *v, cmp, c);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t k = i;
        for (; k > 0 && cmp(&v[k - 1], &x, c) > 0; k--)
            v[k] = v[k - 1];
        v[k] = x;
    }
}

/* by_branch's fields of one topic, copied out of the topics' large states once, so
 * the insertion sort compares them inline (by_branch through a pointer, each call
 * reading four states, was 5% of classifying Arabic: ~36 labels a document). */
#define BRANCH_KEYS 64
typedef struct branch_key {
    double top_score, conf, score;
    uint32_t top, g;
    int depth;
} branch_key;

/* by_branch of two keys: the same comparisons on the same values */
static int branch_cmp(const branch_key *x, const branch_key *y) {
    if (x->top != y->top) {
        if (x->top_score != y->top_score)
            return x->top_score > y->top_score ? -1 : 1;
        return x->top < y->top ? -1 : 1;
    }
    if (x->depth != y->depth)
        return x->depth > y->depth ? -1 : 1;
    if (x->conf != y->conf)
        return x->conf > y->conf ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->g < y->g ? -1 : x->g > y->g;
}

WW__INSERTION_SORT(insert_branch_keys, branch_key, branch_cmp)

/* v[0, n) (n <= BRANCH_KEYS) sorted by by_branch */
static void sort_branch(const ww_classifier *c, uint32_t *v, size_t n) {
    branch_key key[BRANCH_KEYS];
    for (size_t i = 0; i < n; i++) {
        uint32_t g = v[i], top = c->topics[g].top;
        key[i] = (branch_key){.top_score = c->st[top].score,
                              .conf = c->st[g].conf,
                              .score = c->st[g].score,
                              .top = top,
                              .g = g,
                              .depth = ww__topic_of(c, g)->depth};
    }
    insert_branch_keys(key, n);
    for (size_t i = 0; i < n; i++)
        v[i] = key[i].g;
}

/* by_confidence's fields of one topic, copied out once and compared inline, as
 * sort_branch does: with the worker's defaults a story has more candidates above
 * min_confidence than max_labels, and sorting ~36 of them through by_confidence, each
 * call reading two large states, was 1.6% of classifying Arabic. */
typedef struct conf_key {
    double conf, score;
    uint32_t g;
} conf_key;

/* by_confidence of two keys: the same comparisons on the same values */
static int conf_cmp(const conf_key *x, const conf_key *y) {
    if (x->conf != y->conf)
        return x->conf > y->conf ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->g < y->g ? -1 : x->g > y->g;
}

WW__INSERTION_SORT(insert_conf_keys, conf_key, conf_cmp)

/* v[0, n) sorted by by_confidence */
static void sort_confidence(ww_classifier *c, uint32_t *v, size_t n) {
    if (n > BRANCH_KEYS) {
        sort_topics(c, v, n, by_confidence);
        return;
    }
    conf_key key[BRANCH_KEYS];
    for (size_t i = 0; i < n; i++)
        key[i] =
            (conf_key){.conf = c->st[v[i]].conf, .score = c->st[v[i]].score, .g = v[i]};
    insert_conf_keys(key, n);
    for (size_t i = 0; i < n; i++)
        v[i] = key[i].g;
}

/* Which candidates are emitted: confidence >= min_confidence, at most max_labels per
 * taxonomy (the most confident; per taxonomy, so a watch-list label is never crowded
 * out by IPTC).  The chosen ones to the front of touched, in output order; returns
 * their number or WW_ENOMEM. */
static long choose(ww_classifier *c, size_t n) {
    size_t *per = calloc(c->ntax, sizeof *per), k = 0;
    if (!per)
        return WW_ENOMEM;
    /* The confidence order matters only to a taxonomy with more candidates above
     * min_confidence than max_labels (which ones are kept); the chosen ones are sorted
     * by by_branch below, a total order, whatever order they come in. */
    for (size_t i = 0; i < n; i++) {
        uint32_t g = c->touched[i];
        if (c->st[g].conf >= c->min_confidence)
            per[c->topics[g].tax]++;
    }
    int over = 0;
    for (size_t t = 0; t < c->ntax; t++) {
        over |= per[t] > (size_t)c->max_labels;
        per[t] = 0;
    }
    if (over)
        sort_confidence(c, c->touched, n);
    for (size_t i = 0; i < n; i++) {
        uint32_t g = c->touched[i];
        if (c->st[g].conf < c->min_confidence ||
            per[c->topics[g].tax]++ >= (size_t)c->max_labels)
            continue;
        c->touched[i] = c->touched[k];
        c->touched[k++] = g;
    }
    free(per);
    if (k > BRANCH_KEYS)
        sort_topics(c, c->touched, k, by_branch);
    else
        sort_branch(c, c->touched, k);
    return (long)k;
}

/* A label's evidence spans in document order: text spans, or (a label found only in
 * the title) title spans with field TITLE.  A hit is evidence of its topic and of
 * ancestors too: one span, shared by their labels (half of an Arabic story's 105
 * spans were copies, each a span and its text in the arena; the arena frees them
 * together, and nothing changes a span once made). */
static int add_evidence(ww_classifier *c, ww__tstate *s, const char *title,
                        const char *text, Wirewatch__V1__Label *l) {
    if (!s->nev)
        return 0;
    for (int a = 1; a < s->nev; a++)
        for (int b = a; b > 0 && c->hits[s->ev[b - 1]].first > c->hits[s->ev[b]].first;
             b--) {
            uint32_t t = s->ev[b];
            s->ev[b] = s->ev[b - 1];
            s->ev[b - 1] = t;
        }
    if (!(l->evidence = ww__arena_alloc(&c->out_mem, s->nev * sizeof *l->evidence)))
        return WW_ENOMEM;
    for (int k = 0; k < s->nev; k++) {
        Wirewatch__V1__Span *sp = c->hit_span[s->ev[k]];
        if (!sp) { /* the first label this hit is evidence of */
            const ww__hit *h = &c->hits[s->ev[k]];
            sp = h->in_title
                     ? ww__span_toks(&c->out_mem, title, &c->title, h->first, h->ntok)
                     : ww__span_toks(&c->out_mem, text, &c->text, h->first, h->ntok);
            if (!sp)
                return WW_ENOMEM;
            if (h->in_title)
                sp->field = WIREWATCH__V1__SPAN__FIELD__FIELD_TITLE;
            c->hit_span[s->ev[k]] = sp;
        }
        l->evidence[l->n_evidence++] = sp;
    }
    return 0;
}

/* hit_span with room for every hit, the new entries NULL.  0 or WW_ENOMEM. */
static int hit_span_reserve(ww_classifier *c) {
    if (c->caphit_span >= c->nhits)
        return 0;
    size_t cap = c->nhits < 256 ? 256 : c->nhits;
    Wirewatch__V1__Span **v = realloc(c->hit_span, cap * sizeof *v);
    if (!v)
        return WW_ENOMEM;
    memset(v + c->caphit_span, 0, (cap - c->caphit_span) * sizeof *v);
    c->hit_span = v;
    c->caphit_span = cap;
    return 0;
}

int ww__classify_labels(ww_classifier *c, const char *title, const char *text,
                        Wirewatch__V1__Classified *out) {
    long n = candidates(c, out->language ? out->language : "");
    if (n >= 0)
        n = choose(c, (size_t)n);
    if (n < 0)
        return (int)n;
    if (hit_span_reserve(c))
        return WW_ENOMEM;
    ww__arena *a = &c->out_mem;
    out->labels =
        ww__arena_alloc(a, ((size_t)n + WW__MODEL_MAX_OUT) * sizeof *out->labels);
    /* a taxonomy's name and version: copied once a document, shared by its labels */
    char **names = ww__arena_zalloc(a, 2 * c->ntax * sizeof *names);
    if (!out->labels || !names)
        return WW_ENOMEM;
    for (long i = 0; i < n; i++) {
        uint32_t g = c->touched[i], t = c->topics[g].tax;
        const ww_taxonomy *tx = c->tax[t];
        const ww_topic *tp = ww__topic_of(c, g);
        if (!names[2 * t] && (!(names[2 * t] = ww__arena_strdup(a, tx->name)) ||
                              !(names[2 * t + 1] = ww__arena_strdup(a, tx->version))))
            return WW_ENOMEM;
        char *code = ww__arena_strdup(a, tp->code), *name = ww__arena_strdup(a, tp->name);
        Wirewatch__V1__Label *l =
            code && name ? new_label(a, names[2 * t], names[2 * t + 1], code, name,
                                     (float)c->st[g].score, (char *)"rules")
                         : NULL;
        if (!l)
            return WW_ENOMEM;
        l->confidence = (float)c->st[g].conf;
        out->labels[out->n_labels++] = l;
        int rc = add_evidence(c, &c->st[g], title, text, l);
        if (rc)
            return rc;
    }
    return 0;
}

int ww__classify_model_labels(ww_classifier *c, const Wirewatch__V1__Document *doc,
                              Wirewatch__V1__Classified *out) {
    if (!c->model)
        return 0;
    ww_prediction pred[WW__MODEL_MAX_OUT];
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
    int n = ww_model_predict(c->model, buf, tl + 1 + xl, pred, WW__MODEL_MAX_OUT,
                             c->model_threshold);
    free(buf);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        const char *name = pred[i].label;
        int k = ww_taxonomy_find(c->tax[0], pred[i].label);
        if (k >= 0)
            name = c->tax[0]->topics[k].name;
        ww__arena *a = &c->out_mem;
        char *ver = ww__arena_strdup(a, ww_model_version(c->model)),
             *code = ww__arena_strdup(a, pred[i].label), *nm = ww__arena_strdup(a, name);
        Wirewatch__V1__Label *l = ver && code && nm
                                      ? new_label(a, (char *)"model", ver, code, nm,
                                                  pred[i].score, (char *)"model")
                                      : NULL;
        if (!l)
            return WW_ENOMEM;
        /* the model's probability; calibrating it belongs to the model (docs/model.md) */
        l->confidence = pred[i].confidence; /* calibrated by the model (docs/model.md) */
        out->labels[out->n_labels++] = l;
    }
    return 0;
}

int ww__classify_copy_doc(ww__arena *a, const Wirewatch__V1__Document *d,
                          Wirewatch__V1__Classified *o, const char *tax_version,
                          const char *model_version) {
/* An empty field stays protobuf-c's shared empty string (what the message's init
 * left there): most of a document's optional fields are empty. */
#define CP(dst, src)                                                                     \
    if ((src) && (src)[0] && !((dst) = ww__arena_strdup(a, src)))                        \
        return WW_ENOMEM;
    CP(o->id, d->id)
    CP(o->url, d->url)
    CP(o->canonical_url, d->canonical_url)
    CP(o->title, d->title)
    CP(o->byline, d->byline)
    CP(o->published, d->published)
    CP(o->language, d->language)
    CP(o->site, d->site)
    CP(o->near_duplicate_of, d->near_duplicate_of)
    CP(o->request_id, d->request_id)
    CP(o->taxonomy_version, tax_version)
    CP(o->model_version, model_version)
#undef CP
    o->simhash = d->simhash;
    return 0;
}

int ww__classify_copy_text(ww__arena *a, const char *text, size_t len,
                           Wirewatch__V1__Classified *o) {
    if (len && !(o->text = ww__arena_strndup(a, text, len)))
        return WW_ENOMEM;
    return 0;
}
