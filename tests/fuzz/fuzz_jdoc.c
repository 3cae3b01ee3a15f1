/* libFuzzer target: one JSON line of `wirewatch train` / `predict` (workers/cli/jdoc.c).
 * Differential: the scanner and jansson must agree on every input — both refuse it
 * with jansson's message, or both give the same id, text and labels — and neither may
 * read or write outside its buffers (the scanner copies 16 bytes at a time). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/cli/cmd_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *line = malloc(size ? size : 1); /* exactly the input: no slack to hide in */
    if (!line)
        return 0;
    memcpy(line, data, size);
    ww__jdoc a, b;
    char wa[256] = "", wb[256] = "";
    int ra = ww__jdoc_parse(line, size, &a, wa, sizeof wa);
    int rb = ww__jdoc_parse_jansson(line, size, &b, wb, sizeof wb);
    if (ra != rb || (ra && strcmp(wa, wb)))
        abort();
    if (!ra) {
        if (a.len != b.len || memcmp(a.text, b.text, a.len + 1) ||
            strcmp(a.id_json, b.id_json) || a.nlabels != b.nlabels)
            abort();
        for (int i = 0; i < a.nlabels; i++)
            if (strcmp(a.labels[i], b.labels[i]))
                abort();
        ww__jdoc_free(&a);
        ww__jdoc_free(&b);
    }
    free(line);
    return 0;
}
