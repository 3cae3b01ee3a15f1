/* Output: the classifier's scratch state after scoring -> the Classified message (the
 * document's fields, rule labels with their evidence spans, model labels).  Reads what
 * classify_score.c left; changes nothing but the evidence order. */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "wirewatch/error.h"

Wirewatch__V1__Span *ww__span_bytes(const char *text, uint32_t start, uint32_t end) {
    Wirewatch__V1__Span *sp = malloc(sizeof *sp);
    if (!sp)
        return NULL;
    wirewatch__v1__span__init(sp);
    sp->start = start;
    sp->end = end;
    if (!(sp->text = strndup(text + sp->start, sp->end - sp->start))) {
        free(sp);
        return NULL;
    }
    return sp;
}

Wirewatch__V1__Span *ww__span_toks(const char *text, const ww__toks *t, size_t first,
                                   size_t n) {
    return ww__span_bytes(text, t->v[first].start, t->v[first + n - 1].end);
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

int ww__classify_labels(ww_classifier *c, const char *text,
                        Wirewatch__V1__Classified *out) {
    size_t n = 0;
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        if (c->st[g].score > 0 && c->st[g].score >= ww__topic_of(c, g)->threshold) {
            /* labels to the front; the rest stay in the list so reset() clears them */
            c->touched[i] = c->touched[n];
            c->touched[n++] = g;
        }
    }
    qsort_r(c->touched, n, sizeof *c->touched, by_score, c);
    /* max_labels per taxonomy, so a watch-list ww__hit is never crowded out by IPTC */
    size_t *per = calloc(c->ntax, sizeof *per);
    out->labels = calloc(n + WW__MODEL_MAX_OUT + 1, sizeof *out->labels);
    if (!out->labels || !per) {
        free(per);
        return WW_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t g = c->touched[i];
        if (per[c->topics[g].tax]++ >= (size_t)c->max_labels)
            continue;
        const ww_taxonomy *tx = c->tax[c->topics[g].tax];
        const ww_topic *tp = ww__topic_of(c, g);
        Wirewatch__V1__Label *l = new_label(tx->name, tx->version, tp->code, tp->name,
                                            (float)c->st[g].score, "rules");
        if (!l) {
            free(per);
            return WW_ENOMEM;
        }
        out->labels[out->n_labels++] = l;
        ww__tstate *s = &c->st[g];
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
                const ww__hit *h = &c->hits[s->ev[k]];
                if (!(l->evidence[l->n_evidence] =
                          ww__span_toks(text, &c->text, h->first, h->ntok))) {
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
        Wirewatch__V1__Label *l = new_label("model", ww_model_version(c->model),
                                            pred[i].label, name, pred[i].score, "model");
        if (!l)
            return WW_ENOMEM;
        out->labels[out->n_labels++] = l;
    }
    return 0;
}

int ww__classify_copy_doc(const Wirewatch__V1__Document *d, Wirewatch__V1__Classified *o,
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
