/* Entities with their spans: gazetteer matches (countries, organisations, persons of a
 * persons file, the language packs' names) and persons named after a title
 * (persons.c), in order of first mention.  Reads what classify_score.c matched;
 * allocates in the classification's arena (c->out_mem). */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "classify_internal.h"
#include "insertion_sort.h"
#include "wirewatch/error.h"

static int ehit_cmp(const void *a, const void *b) {
    const ww__ehit *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->ntok != y->ntok)
        return x->ntok > y->ntok ? -1 : 1; /* longest first */
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

WW__INSERTION_SORT(insert_ehits, ww__ehit, ehit_cmp)

/* Sort by ehit_cmp, a total order (equal entries are identical, so any sort gives the
 * same result): by insertion for the few of a story, which the matcher reports nearly
 * in order (insertion_sort.h); qsort for many. */
static void sort_ehits(ww__ehit *v, size_t n) {
    if (n > 64)
        qsort(v, n, sizeof *v, ehit_cmp);
    else
        insert_ehits(v, n);
}

int ww__classify_entities(ww_classifier *c, const char *text,
                          Wirewatch__V1__Classified *out) {
    c->cap_entities = 0; /* out has no entities array yet */
    if (c->nehits == 0)
        return 0;
    sort_ehits(c->ehits, c->nehits);
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
    ww__arena *a = &c->out_mem;
    if (!(out->entities = ww__arena_alloc(a, n * sizeof *out->entities)))
        return WW_ENOMEM;
    c->cap_entities = n;
    for (size_t i = 0; i < n; i++) {
        const ww__entity *ge = &c->gaz.v[c->ehits[i].ent];
        Wirewatch__V1__Entity *e = NULL;
        for (size_t k = 0; k < out->n_entities && !e; k++)
            if (strcmp(out->entities[k]->id, ge->id) == 0 &&
                strcmp(out->entities[k]->name, ge->name) == 0)
                e = out->entities[k];
        if (!e) {
            if (!(e = ww__arena_alloc(a, sizeof *e)))
                return WW_ENOMEM;
            wirewatch__v1__entity__init(e);
            out->entities[out->n_entities++] = e;
            e->type = ww__arena_strdup(a, ge->type);
            e->name = ww__arena_strdup(a, ge->name);
            e->id = ww__arena_strdup(a, ge->id);
            if (!(e->spans =
                      ww__arena_alloc(a, (size_t)c->max_evidence * sizeof *e->spans)) ||
                !e->type || !e->name || !e->id)
                return WW_ENOMEM;
        }
        if (e->n_spans >= (size_t)c->max_evidence)
            continue;
        if (!(e->spans[e->n_spans] =
                  ww__span_toks(a, text, &c->text, c->ehits[i].first, c->ehits[i].ntok)))
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

/* One more entity slot in out (the array doubles in the arena); NULL on ENOMEM. */
static Wirewatch__V1__Entity **entity_slot(ww_classifier *c,
                                           Wirewatch__V1__Classified *out) {
    if (out->n_entities == c->cap_entities) {
        size_t cap = c->cap_entities ? 2 * c->cap_entities : 4;
        Wirewatch__V1__Entity **v = ww__arena_alloc(&c->out_mem, cap * sizeof *v);
        if (!v)
            return NULL;
        if (out->n_entities)
            memcpy(v, out->entities, out->n_entities * sizeof *v);
        out->entities = v;
        c->cap_entities = cap;
    }
    return &out->entities[out->n_entities];
}

/* A new person entity named text[start, end) in out (its id: "person:" and the name
 * lower-cased, spaces as dashes); NULL on ENOMEM. */
static Wirewatch__V1__Entity *new_person(ww_classifier *c, Wirewatch__V1__Classified *out,
                                         const char *text, uint32_t start, uint32_t end) {
    ww__arena *a = &c->out_mem;
    Wirewatch__V1__Entity **slot = entity_slot(c, out), *e;
    size_t n = end - start;
    if (!slot || !(e = ww__arena_alloc(a, sizeof *e)))
        return NULL;
    wirewatch__v1__entity__init(e);
    e->type = (char *)"person";
    e->name = ww__arena_strndup(a, text + start, n);
    e->id = ww__arena_alloc(a, 4 * n + 8); /* a lower-case letter may take more bytes */
    e->spans = ww__arena_alloc(a, (size_t)c->max_evidence * sizeof *e->spans);
    if (!e->name || !e->id || !e->spans)
        return NULL;
    /* lower case in every script (Николай -> николай, Ángel -> ángel), spaces as dashes */
    memcpy(e->id, "person:", 7);
    size_t o = 7;
    for (size_t k = 0; k < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate((const uint8_t *)e->name + k,
                                              (utf8proc_ssize_t)(n - k), &cp);
        if (l <= 0) { /* not UTF-8 (the stage lets none through): copied as it is */
            e->id[o++] = e->name[k++];
            continue;
        }
        k += (size_t)l;
        o += (size_t)utf8proc_encode_char(cp == ' ' ? '-' : utf8proc_tolower(cp),
                                          (uint8_t *)e->id + o);
    }
    e->id[o] = 0;
    *slot = e;
    out->n_entities++;
    return e;
}

static int on_person_span(void *arg, uint32_t start, uint32_t end) {
    person_ctx *p = arg;
    Wirewatch__V1__Classified *out = p->out;
    /* a name the gazetteer already matched here ("Minister Chen" alias) is not new */
    for (size_t k = 0; k < out->n_entities; k++) {
        const Wirewatch__V1__Entity *g = out->entities[k];
        for (size_t j = 0; j < g->n_spans; j++)
            if (start < g->spans[j]->end && g->spans[j]->start < end)
                return 0;
    }
    Wirewatch__V1__Entity *e = NULL;
    size_t n = end - start;
    for (size_t k = 0; k < out->n_entities && !e; k++)
        if (strncmp(out->entities[k]->name, p->text + start, n) == 0 &&
            out->entities[k]->name[n] == 0)
            e = out->entities[k];
    if (!e) {
        if (!(e = new_person(p->c, out, p->text, start, end)))
            return WW_ENOMEM;
    } else if (strcmp(e->type, "person") != 0) {
        return 0; /* the gazetteer knows this name as something else */
    }
    if (e->n_spans >= (size_t)p->c->max_evidence)
        return 0;
    if (!(e->spans[e->n_spans] = ww__span_bytes(&p->c->out_mem, p->text, start, end)))
        return WW_ENOMEM;
    e->n_spans++;
    return 0;
}

static int on_person(void *arg, size_t first, size_t ntok) {
    const ww__toks *t = &((person_ctx *)arg)->c->text;
    return on_person_span(arg, t->v[first].start, t->v[first + ntok - 1].end);
}

/* Is s's first character Han or kana (a name written surname first, no spaces)? */
static int cjk_initial(const char *s) {
    utf8proc_int32_t cp;
    return utf8proc_iterate((const uint8_t *)s, -1, &cp) > 0 && cp >= 0x2E80;
}

/* Is short_name how a news story names long_name again after the first mention: its
 * last word (Keir Starmer, then Mr Starmer), or in Han and kana its surname (森田香織,
 * then 森田さん); either with a German genitive s (Merkels, Angela Merkels)? */
static int last_word_is(const char *short_name, size_t s, const char *long_name,
                        size_t l) {
    return s < l && long_name[l - s - 1] == ' ' &&
           memcmp(long_name + l - s, short_name, s) == 0;
}

/* ... or the same with a German genitive s (Angela Merkels, Merkels: Angela Merkel). */
static int genitive_of(const char *name, const char *of) {
    size_t n = strlen(name), o = strlen(of);
    return n == o + 1 && name[o] == 's' && of[o - 1] != 's' && memcmp(name, of, o) == 0;
}

static int names_again(const char *short_name, const char *long_name) {
    size_t s = strlen(short_name), l = strlen(long_name);
    if (genitive_of(short_name, long_name))
        return 1;
    if (s >= l || strchr(short_name, ' '))
        return 0;
    if (cjk_initial(short_name))
        return !strchr(long_name, ' ') && memcmp(long_name, short_name, s) == 0;
    return last_word_is(short_name, s, long_name, l) ||
           (s > 2 && short_name[s - 1] == 's' &&
            last_word_is(short_name, s - 1, long_name, l));
}

static int span_cmp(const void *a, const void *b) {
    const Wirewatch__V1__Span *x = *(const Wirewatch__V1__Span *const *)a,
                              *y = *(const Wirewatch__V1__Span *const *)b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* One person, one entity: a person named by a single word (a surname) joins the one
 * person of the story whose full name it ends (or, in Han and kana, begins) -- when
 * exactly one does; two Bidens leave "Biden" alone.  The joined entity keeps the full
 * name and id, both spans lists in text order (up to max_evidence), and the place of
 * the earlier first mention.  Quadratic in the entities: a document naming more than
 * WW_JOIN_MAX of them (no news story; a hostile one) keeps its names apart. */
#define WW_JOIN_MAX 512
static void join_surnames(ww_classifier *c, Wirewatch__V1__Classified *out) {
    if (out->n_entities > WW_JOIN_MAX)
        return;
    for (size_t i = 0; i < out->n_entities; i++) {
        Wirewatch__V1__Entity *s = out->entities[i];
        if (strcmp(s->type, "person") != 0)
            continue;
        size_t found = SIZE_MAX, n = 0;
        for (size_t j = 0; j < out->n_entities; j++)
            if (j != i && strcmp(out->entities[j]->type, "person") == 0 &&
                names_again(s->name, out->entities[j]->name))
                found = j, n++;
        if (n != 1)
            continue;
        Wirewatch__V1__Entity *l = out->entities[found];
        for (size_t k = 0; k < s->n_spans && l->n_spans < (size_t)c->max_evidence; k++)
            l->spans[l->n_spans++] = s->spans[k];
        qsort(l->spans, l->n_spans, sizeof *l->spans, span_cmp);
        size_t keep = i < found ? i : found, drop = i < found ? found : i;
        out->entities[keep] = l;
        memmove(&out->entities[drop], &out->entities[drop + 1],
                (out->n_entities - drop - 1) * sizeof *out->entities);
        out->n_entities--;
        i--; /* slot i holds another entity now (the full name, or the one after the
              * dropped surname): look at it too; each join drops one, so this ends */
    }
}

static int thit_cmp(const void *a, const void *b) {
    const ww__title_hit *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->ntok > y->ntok ? -1 : x->ntok < y->ntok; /* longest first */
}

int ww__classify_persons(ww_classifier *c, const char *text,
                         Wirewatch__V1__Classified *out) {
    person_ctx p = {c, text, out};
    int lang = ww__lang_of_doc(&c->langs, out->language);
    /* the matcher's raw and stemmed passes each report in text order, not together */
    if (c->nthits > 1)
        qsort(c->thits, c->nthits, sizeof *c->thits, thit_cmp);
    int rc = ww__find_persons(text, &c->text, on_person, &p);
    if (!rc)
        rc = ww__find_persons_titled(text, &c->text, c->thits, c->nthits,
                                     lang > 0 && c->langs.capital_nouns[lang],
                                     on_person_span, &p);
    if (!rc)
        rc = ww__han_titles_persons(c->han_titles, lang, text, &c->text, on_person_span,
                                    &p);
    if (!rc)
        join_surnames(c, out);
    return rc;
}
