/* Fuzz target: taxonomy loading (the strict JSON loader), and for what loads, the
 * compile into the matcher and one classification, so term texts that parse but
 * cannot be matched are exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wirewatch/classify.h"
#include "wirewatch/taxonomy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    ww_taxonomy *t = ww_taxonomy_parse((const char *)data, size, err, sizeof err);
    if (!t)
        return 0;
    ww_taxonomy_free(t);
    ww_classify_opts o = {
        .taxonomy_json = (const char *)data, .taxonomy_json_len = size, .no_entities = 1};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        return 0;
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.title = (char *)"Spies and falcons";
    d.text =
        (char *)"The ministry said a falcon, a jaguar car and US spies met in Paris.";
    Wirewatch__V1__Classified *out = NULL;
    int alert;
    if (ww_classify_document(c, &d, &out, &alert) == 0)
        ww_classified_free(out);
    ww_classifier_free(c);
    return 0;
}
