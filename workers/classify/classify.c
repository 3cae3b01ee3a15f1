/* Document -> Classified: the steps of one classification in order (score the
 * document's topics, write labels, entities, persons and model labels), then the
 * routing rules.  What each step does is in its file (classify_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "wirewatch/error.h"

/* 1 when a routing rule matches one of the document's labels. */
static int routed(const ww_classifier *c, const Wirewatch__V1__Classified *out) {
    for (size_t r = 0; r < c->nroutes; r++)
        for (size_t k = 0; k < out->n_labels; k++)
            if (strcmp(out->labels[k]->code, c->routes[r].label) == 0 &&
                out->labels[k]->score >= c->routes[r].min_score &&
                out->labels[k]->confidence >= c->routes[r].min_confidence)
                return 1;
    return 0;
}

/* The first block: the copied text and title and this much for labels, spans and
 * entities; with every candidate label kept (bench_classify_rules), one BBC story in
 * four needs a second block (callgrind: 279 for 993 documents). */
#define FIRST_BLOCK 8192

int ww_classify_document(ww_classifier *c, const Wirewatch__V1__Document *doc,
                         Wirewatch__V1__Classified **outp, int *alert) {
    int rc = WW_ENOMEM;
    const char *text = doc->text ? doc->text : "";
    const char *title = doc->title ? doc->title : "";
    size_t text_len = strlen(text);
    ww__arena *a = &c->out_mem;
    Wirewatch__V1__Classified *out = NULL;
    *outp = NULL;
    *alert = 0;
    /* the Classified first: ww_classified_free finds the blocks from it */
    if (ww__arena_open(a, FIRST_BLOCK + text_len + strlen(title)) ||
        !(out = ww__arena_alloc(a, sizeof *out)))
        goto out;
    wirewatch__v1__classified__init(out);
    if ((rc = ww__classify_copy_doc(a, doc, out, c->tax_version,
                                    ww_classifier_model_version(c))) ||
        (rc = ww__classify_score(c, doc, title, text)) ||
        (rc = ww__classify_labels(c, title, text, out)) ||
        (rc = ww__classify_entities(c, text, out)))
        goto out;
    if (!c->no_entities && (rc = ww__classify_persons(c, text, out)))
        goto out;
    if ((rc = ww__classify_model_labels(c, doc, out)) ||
        (rc = ww__classify_copy_text(a, text, text_len, out)))
        goto out;
    *alert = routed(c, out);
out:
    ww__classify_reset(c);
    if (rc) {
        ww__arena_drop(a);
        out = NULL;
    } else { /* the blocks are the Classified's now */
        *a = (ww__arena){0};
    }
    *outp = out;
    return rc;
}

void ww_classified_free(Wirewatch__V1__Classified *out) {
    if (!out)
        return;
    if (out->trace) /* the caller's (the stage stamps one on) */
        protobuf_c_message_free_unpacked(&out->trace->base, NULL);
    ww__arena_free_first(out);
}
