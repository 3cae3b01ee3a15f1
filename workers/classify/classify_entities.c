/* Entities with their spans: gazetteer matches (countries, organisations, persons of a
 * persons file, the language packs' names) and persons named after a title
 * (persons.c), in order of first mention.  Reads what classify_score.c matched. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "wirewatch/error.h"

static int ehit_cmp(const void *a, const void *b) {
    const ww__ehit *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->ntok != y->ntok)
        return x->ntok > y->ntok ? -1 : 1; /* longest first */
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

int ww__classify_entities(ww_classifier *c, const char *text,
                          Wirewatch__V1__Classified *out) {
    if (c->nehits == 0)
        return 0;
    qsort(c->ehits, c->nehits, sizeof *c->ehits, ehit_cmp);
    /* longest match wins: "South Africa" is not also "Africa"-something */
    size_t n = 0;
    uint32_t cover = 0;
    for (size_t i = 0; i < c->nehits; i++) {
        ww__ehit h = c->ehits[i];
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
                  ww__span_toks(text, &c->text, c->ehits[i].first, c->ehits[i].ntok)))
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
    Wirewatch__V1__Span *sp = ww__span_bytes(p->text, start, end);
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

int ww__classify_persons(ww_classifier *c, const char *text,
                         Wirewatch__V1__Classified *out) {
    person_ctx p = {c, text, out};
    int rc = ww__find_persons(text, &c->text, on_person, &p);
    if (!rc)
        rc = ww__find_persons_titled(text, &c->text, c->thits, c->nthits, on_person_span,
                                     &p);
    return rc ? rc
              : ww__han_titles_persons(c->han_titles,
                                       ww__lang_of_doc(&c->langs, out->language), text,
                                       &c->text, on_person_span, &p);
}
