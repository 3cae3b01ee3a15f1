/* Unit-test helper shared by the tests that classify a sentence through the whole
 * classifier and check what comes out (test_languages.c, test_persons.c).  Include it
 * after <cmocka.h>: it asserts. */
#ifndef WW_TESTS_CLASSIFY_LIST_H
#define WW_TESTS_CLASSIFY_LIST_H

#include <stdio.h>
#include <string.h>

#include "wirewatch/classify.h"

/* Classify text (Document.language lang, no title) with c and list what comes out in
 * buf: with entity_type NULL the labels' codes joined by ',', else the names of the
 * entities of that type ("person") joined by '|'.  Every evidence span of a label and
 * every span of a listed entity must point at its words in text. */
static char *classify_list(ww_classifier *c, const char *lang, const char *text,
                           const char *entity_type, char *buf, size_t len) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.text = (char *)text;
    d.title = "";
    d.language = (char *)lang;
    Wirewatch__V1__Classified *out = NULL;
    int alert;
    assert_int_equal(ww_classify_document(c, &d, &out, &alert), 0);
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; !entity_type && i < out->n_labels; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
                              out->labels[i]->code);
        for (size_t k = 0; k < out->labels[i]->n_evidence; k++) {
            const Wirewatch__V1__Span *sp = out->labels[i]->evidence[k];
            assert_memory_equal(text + sp->start, sp->text, sp->end - sp->start);
        }
    }
    for (size_t i = 0; entity_type && i < out->n_entities; i++) {
        const Wirewatch__V1__Entity *e = out->entities[i];
        if (strcmp(e->type, entity_type) != 0)
            continue;
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "|" : "", e->name);
        for (size_t k = 0; k < e->n_spans; k++)
            assert_memory_equal(text + e->spans[k]->start, e->name,
                                e->spans[k]->end - e->spans[k]->start);
    }
    ww_classified_free(out);
    return buf;
}

#endif
