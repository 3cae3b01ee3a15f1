/* Fuzz target: bytes -> the parse stage's extraction (charset, tokenizer/tree,
 * metadata incl. JSON-LD, content scoring, clean-up, reader comments, simhash,
 * language).
 * The first byte picks the content type so both HTML and plain-text paths run; the
 * rest is the page body.  Small limits so the node/depth/link limits are hit too.
 * Every string of the Document (links and comments included) must be valid UTF-8
 * whatever the page's bytes: the classify stage dead-letters a Document that is not
 * (classify_stage.c), so a byte that slipped through would lose the article. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/parse.h"
#include "wirewatch/utf8.h" /* the classify stage's own test */

static void check_utf8(const char *s) {
    if (!ww_utf8_valid(s, strlen(s)))
        abort();
}

/* Every string field of m and of the messages in it, by the descriptor. */
static void check_strings(const ProtobufCMessage *m) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *at = (const char *)m + f->offset;
        size_t n = 1;
        const void *const *v = (const void *const *)at;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)((const char *)m + f->quantifier_offset);
            v = *(const void *const *const *)at;
        }
        for (size_t j = 0; j < n; j++) {
            if (!v[j])
                continue;
            if (f->type == PROTOBUF_C_TYPE_STRING)
                check_utf8(v[j]);
            else
                check_strings(v[j]);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static ww_parser *p;
    if (!p) {
        ww_parser_opts o;
        ww_parser_opts_default(&o);
        o.limits.max_nodes = 5000;
        o.limits.max_depth = 64;
        o.limits.max_links = 8;
        o.near_dup_window = 16;
        o.extract.comments = 1; /* reader comments are parsed too (parse.comments) */
        p = ww_parser_new(&o, NULL, 0);
        if (!p)
            abort();
    }
    if (size == 0)
        return 0;
    static const char *const types[] = {"text/html",
                                        "text/plain",
                                        "",
                                        "text/html; charset=shift_jis",
                                        "application/xhtml+xml",
                                        "text/html; charset=gbk"};
    Wirewatch__V1__Page page;
    wirewatch__v1__page__init(&page);
    page.final_url = "https://example.com/news/a/b.html?x=1";
    page.content_type = (char *)types[data[0] % (sizeof types / sizeof types[0])];
    page.body.data = (uint8_t *)data + 1;
    page.body.len = size - 1;
    Wirewatch__V1__Document *d = NULL;
    unsigned limits = 0;
    char err[128];
    if (ww_parse_page(p, &page, &d, &limits, err, sizeof err) == 0) {
        check_strings(&d->base);
        protobuf_c_message_free_unpacked(&d->base, NULL);
    }

    /* the lower-level entry points on the same bytes */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char out[40];
    ww_date_to_rfc3339(s, out, sizeof out);
    size_t n;
    char *c = ww_text_clean(s, size, &n);
    free(c);
    free(s);
    return 0;
}
