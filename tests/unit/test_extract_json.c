/* Unit tests: the JSON line of `wirewatch extract` (workers/cli/extract_json.c) must be
 * byte for byte what a jansson object of the same fields dumped with JSON_COMPACT
 * gives — the way the command printed it before.  The reference below is that old
 * code; documents get escapes, control bytes, DEL, U+2028, invalid UTF-8, empty and
 * missing fields, links, comments and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../workers/cli/extract_json.h"
#include "wirewatch/parse.h"

static void jset_str(json_t *o, const char *k, const char *v) {
    if (v && *v)
        json_object_set_new(o, k, json_string(v));
}

/* The jansson object `wirewatch extract` printed up to 2026-12 (cmd_extract.c). */
static char *reference(const char *file, const Wirewatch__V1__Document *d,
                       unsigned limits) {
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "url", json_string(d->url));
    json_object_set_new(o, "id", json_string(d->id));
    json_object_set_new(o, "title", json_string(d->title));
    json_object_set_new(o, "text", json_string(d->text));
    jset_str(o, "byline", d->byline);
    jset_str(o, "published", d->published);
    jset_str(o, "language", d->language);
    if (d->language && *d->language)
        json_object_set_new(
            o, "language_confidence",
            json_real((double)(int)(d->language_confidence * 1000) / 1000));
    jset_str(o, "site", d->site);
    jset_str(o, "canonical_url", d->canonical_url);
    jset_str(o, "description", d->description);
    char sh[17];
    snprintf(sh, sizeof sh, "%016llx", (unsigned long long)d->simhash);
    json_object_set_new(o, "simhash", json_string(sh));
    jset_str(o, "near_duplicate_of", d->near_duplicate_of);
    json_object_set_new(o, "extractor_version", json_string(d->extractor_version));
    json_t *links = json_array();
    for (size_t k = 0; k < d->n_links; k++) {
        json_t *l = json_object();
        json_object_set_new(l, "url", json_string(d->links[k]->url));
        json_object_set_new(l, "text", json_string(d->links[k]->text));
        json_array_append_new(links, l);
    }
    json_object_set_new(o, "links", links);
    if (d->n_comments) {
        json_t *cs = json_array();
        for (size_t k = 0; k < d->n_comments; k++) {
            json_t *c = json_object();
            jset_str(c, "author", d->comments[k]->author);
            jset_str(c, "published", d->comments[k]->published);
            jset_str(c, "text", d->comments[k]->text);
            json_array_append_new(cs, c);
        }
        json_object_set_new(o, "comments", cs);
    }
    if (limits) {
        json_t *lh = json_array();
        for (unsigned b = 1; b; b <<= 1)
            if ((limits & b) && ww_limit_name(b))
                json_array_append_new(lh, json_string(ww_limit_name(b)));
        json_object_set_new(o, "limits_hit", lh);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void same(const char *file, const Wirewatch__V1__Document *d, unsigned limits) {
    char *want = reference(file, d, limits);
    ww_sb b = {0};
    assert_int_equal(ww__extract_json(&b, file, d, limits), 0);
    assert_non_null(want);
    assert_string_equal(b.s, want);
    free(want);
    ww_sb_free(&b);
}

/* Strings that exercise every escape and every UTF-8 rule json_string applies. */
static const char *const samples[] = {
    NULL,
    "",
    "plain text",
    "quote \" backslash \\ slash / tab\t nl\n cr\r bs\b ff\f",
    "\x01\x02\x0b\x1f\x7f end",
    "line sep \xe2\x80\xa8 para sep \xe2\x80\xa9 euro \xe2\x82\xac emoji \xf0\x9f\x98\x80",
    "bad \xff byte",
    "overlong \xc0\xaf",
    "surrogate \xed\xa0\x80",
    "cut \xe2\x82",
    "past max \xf4\x90\x80\x80",
    "\xe4\xb8\xad\xe6\x96\x87 \xd0\xa0\xd1\x83\xd1\x81",
};
#define NS (sizeof samples / sizeof samples[0])

static void test_fields(void **state) {
    (void)state;
    for (size_t i = 0; i < NS; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        const char *s = samples[i], *t = samples[(i + 3) % NS];
        d.url = (char *)s;
        d.id = (char *)t;
        d.title = (char *)s;
        d.text = (char *)t;
        d.byline = (char *)s;
        d.published = (char *)t;
        d.language = (char *)s;
        d.language_confidence = (float)i / 7.0f;
        d.site = (char *)t;
        d.canonical_url = (char *)s;
        d.description = (char *)t;
        d.simhash = 0x0123456789abcdefULL * i;
        d.near_duplicate_of = (char *)s;
        d.extractor_version = (char *)t;
        same(s, &d, 0);
        same("f.html", &d, i * 5u);
    }
}

static void test_links_comments(void **state) {
    (void)state;
    Wirewatch__V1__Link l[NS], *lp[NS];
    Wirewatch__V1__Comment c[NS], *cp[NS];
    for (size_t i = 0; i < NS; i++) {
        wirewatch__v1__link__init(&l[i]);
        l[i].url = (char *)samples[i];
        l[i].text = (char *)samples[(i + 1) % NS];
        lp[i] = &l[i];
        wirewatch__v1__comment__init(&c[i]);
        c[i].author = (char *)samples[i];
        c[i].published = (char *)samples[(i + 2) % NS];
        c[i].text = (char *)samples[(i + 5) % NS];
        cp[i] = &c[i];
    }
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.url = "https://example.org/a";
    d.language = "de";
    d.language_confidence = 1.0f;
    same("a.html", &d, 0);
    d.n_links = NS;
    d.links = lp;
    same("a.html", &d, 0);
    d.n_comments = NS;
    d.comments = cp;
    same("a.html", &d, WW_LIMIT_BYTES | WW_LIMIT_TIME | WW_LIMIT_LINKS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_links_comments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
