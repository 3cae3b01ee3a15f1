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
    if ((rc = ww__classify_copy_doc(doc, out, c->tax_version,
                                    ww_classifier_model_version(c))) ||
        (rc = ww__classify_score(c, doc, title, text)) ||
        (rc = ww__classify_labels(c, title, text, out)) ||
        (rc = ww__classify_entities(c, text, out)))
        goto out;
    if (!c->no_entities && (rc = ww__classify_persons(c, text, out)))
        goto out;
    if ((rc = ww__classify_model_labels(c, doc, out)) ||
        (rc = ww__classify_copy_text(doc, out)))
        goto out;
    *alert = routed(c, out);
out:
    ww__classify_reset(c);
    if (rc) {
        protobuf_c_message_free_unpacked(&out->base, NULL);
        out = NULL;
    }
    *outp = out;
    return rc;
}
