/* SimHash distances and the near-duplicate mark of the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/parse.h"

static const char *a_text =
    "The city council voted on Tuesday to expand the bus network, adding twelve new routes "
    "that will connect the northern suburbs with the central station. The plan, which was "
    "debated for more than four hours, also includes longer service hours on weekends and "
    "a new fare system that lets passengers transfer between buses and trams without "
    "paying twice. Supporters said the change would cut car traffic in the city centre, "
    "while critics questioned whether the budget could cover the cost of new vehicles "
    "and drivers over the next five years. The first routes are expected to open in "
    "September, and the rest will follow by the end of next year, officials said.";

static void test_distances(void **st) {
    (void)st;
    uint64_t a = ww_simhash(a_text, strlen(a_text));
    assert_int_equal(ww_hamming64(a, ww_simhash(a_text, strlen(a_text))), 0);
    /* case and punctuation do not matter */
    char *up = strdup(a_text);
    for (char *q = up; *q; q++)
        if (*q >= 'a' && *q <= 'z')
            *q -= 32;
    assert_int_equal(ww_hamming64(a, ww_simhash(up, strlen(up))), 0);
    free(up);
    /* one word changed: close */
    char *b = strdup(a_text);
    memcpy(strstr(b, "twelve"), "eleven", 6);
    int d1 = ww_hamming64(a, ww_simhash(b, strlen(b)));
    assert_true(d1 > 0 && d1 <= 8);
    free(b);
    /* an unrelated text: far */
    const char *c = "Heavy snow closed mountain passes across the region overnight, and "
                    "ski resorts reported their best opening weekend in a decade as "
                    "temperatures stayed well below freezing through Sunday afternoon.";
    int d2 = ww_hamming64(a, ww_simhash(c, strlen(c)));
    assert_true(d2 >= 16);
    /* tiny and empty texts do not crash and are stable */
    assert_int_equal(ww_simhash("", 0), ww_simhash("", 0));
    assert_int_equal(ww_simhash("two words", 9), ww_simhash("Two Words", 9));
}

static Wirewatch__V1__Document *parse_html(ww_parser *p, const char *url,
                                           const char *text) {
    char html[4096];
    snprintf(html, sizeof html, "<html><body><article><p>%s</p></article></body></html>",
             text);
    Wirewatch__V1__Page page;
    wirewatch__v1__page__init(&page);
    page.final_url = (char *)url;
    page.content_type = "text/html";
    page.body.data = (uint8_t *)html;
    page.body.len = strlen(html);
    Wirewatch__V1__Document *d = NULL;
    char err[128];
    assert_int_equal(ww_parse_page(p, &page, &d, NULL, err, sizeof err), 0);
    return d;
}

static void test_near_duplicate(void **st) {
    (void)st;
    ww_parser_opts o;
    ww_parser_opts_default(&o);
    o.near_dup_distance = 8;
    ww_parser *p = ww_parser_new(&o, NULL, 0);
    Wirewatch__V1__Document *d1 = parse_html(p, "https://a.example/1", a_text);
    assert_string_equal(d1->near_duplicate_of, "");
    char *b = strdup(a_text);
    memcpy(strstr(b, "twelve"), "eleven", 6);
    Wirewatch__V1__Document *d2 = parse_html(p, "https://b.example/2", b);
    assert_string_not_equal(d2->id, d1->id);
    assert_string_equal(d2->near_duplicate_of, d1->id);
    Wirewatch__V1__Document *d3 =
        parse_html(p, "https://c.example/3",
                   "Snow closed mountain passes across the region "
                   "overnight, and ski resorts reported a record.");
    assert_string_equal(d3->near_duplicate_of, "");
    free(b);
    protobuf_c_message_free_unpacked(&d1->base, NULL);
    protobuf_c_message_free_unpacked(&d2->base, NULL);
    protobuf_c_message_free_unpacked(&d3->base, NULL);
    ww_parser_free(p);
}

static void test_doc_id(void **st) {
    (void)st;
    char a[33], b[33];
    ww_doc_id("https://x/1", "text", 4, a);
    ww_doc_id("https://x/1", "text", 4, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 32);
    ww_doc_id("https://x/2", "text", 4, b);
    assert_string_not_equal(a, b);
    ww_doc_id("https://x/1", "texT", 4, b);
    assert_string_not_equal(a, b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distances),
        cmocka_unit_test(test_near_duplicate),
        cmocka_unit_test(test_doc_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
