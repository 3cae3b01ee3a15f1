/* Main-content extraction on a small hand-written page with navigation, a cookie
 * banner, share bar, related links, comments and footer; block boundaries as line
 * breaks; tokenizer robustness; limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/parse.h"

static const char *page =
    "<!DOCTYPE html><html><head><title>Tide warning - Coast Daily</title>"
    "<style>.x{color:red}</style><script>var a = '<p>not text</p>';</script></head><body>"
    "<div id=\"cookie-banner\">We use cookies to improve your experience. Accept all "
    "cookies?</div>"
    "<header class=\"site-header\"><nav><ul><li><a href=\"/\">Home</a></li><li><a "
    "href=\"/news\">News</a></li><li><a href=\"/sport\">Sport</a></li></ul></nav></header>"
    "<div class=\"layout\"><main><article class=\"story\">"
    "<h1>Harbour authority warns of record tides</h1>"
    "<div class=\"share-tools\"><a href=\"https://facebook.com/share\">Share on "
    "Facebook</a> <a href=\"https://twitter.com/intent\">Tweet</a></div>"
    "<div class=\"story-body\">"
    "<p>The harbour authority said on Friday that tides could reach record levels this "
    "winter, citing new measurements from its coastal stations.</p>"
    "<p>Engineers found that two sea walls had weakened since the last inspection, and "
    "repairs will start in <a href=\"/repairs\">January</a>, the authority said.</p>"
    "<h2>What residents should do</h2>"
    "<p>Residents were asked to sign up for flood alerts<br>and to keep sandbags ready, "
    "according to the statement.</p>"
    "<p>The agency became active on social media</p><p>It has posted daily tide "
    "tables since October, with warnings for the lowest streets.</p>"
    "<div class=\"social-media-embed\"><blockquote class=\"twitter-tweet\"><p>Water is over "
    "the pier tonight, stay safe everyone <a href=\"https://t.co/x\">pic.twitter.com/x</a>"
    "</p>&mdash; Harbour Watch (@hw) <a href=\"https://twitter.com/hw/status/1\">November 18, "
    "2019</a></blockquote></div>"
    "<p><a href=\"/other\"><strong>FERRY SERVICE CUT AS STORM SEASON BEGINS</strong></a></p>"
    "<ul><li>Check the tide table daily.</li><li>Move cars from low-lying streets.</li></ul>"
    "</div>"
    "<div class=\"related-links\"><h3>Related</h3><ul><li><a href=\"/a\">Storm closes "
    "port</a></li><li><a href=\"/b\">Ferry delayed again</a></li><li><a href=\"/c\">New "
    "sea wall plan</a></li></ul></div>"
    "</article></main>"
    "<aside class=\"sidebar\"><h3>Most read</h3><p>Celebrity chef opens new restaurant in "
    "the old town, with queues around the block.</p></aside></div>"
    "<section id=\"comments\"><h3>Comments</h3><p>First! This is outrageous, the council "
    "never listens, and nobody cares.</p></section>"
    "<footer><p>&copy; 2024 Coast Daily. All rights reserved. Contact us, privacy, "
    "terms.</p></footer></body></html>";

static void test_main_content(void **st) {
    (void)st;
    ww_article a;
    assert_int_equal(
        ww_extract_html(page, strlen(page), "https://coast.example/news/tides", NULL, &a),
        0);
    const char *keep[] = {"The harbour authority said on Friday",
                          "two sea walls had weakened",
                          "What residents should do",
                          "Check the tide table daily.",
                          "Water is over the pier tonight", /* embedded tweet */
                          "Move cars from low-lying streets."};
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
        if (!strstr(a.text, keep[k]))
            fprintf(stderr, "missing %s in:\n%s\n", keep[k], a.text);
        assert_non_null(strstr(a.text, keep[k]));
    }
    const char *drop[] = {"cookies",
                          "Home",
                          "Sport",
                          "Share on",
                          "Tweet",
                          "Storm closes",
                          "Celebrity",
                          "outrageous",
                          "FERRY SERVICE",
                          "rights reserved",
                          "not text",
                          "color:red",
                          "Harbour authority warns"}; /* h1 is the title */
    for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++) {
        if (strstr(a.text, drop[k]))
            fprintf(stderr, "unexpected %s in:\n%s\n", drop[k], a.text);
        assert_null(strstr(a.text, drop[k]));
    }
    /* paragraphs: blank line; <br>: newline; no glued sentences across blocks */
    assert_non_null(strstr(a.text, "coastal stations.\n\nEngineers"));
    assert_non_null(strstr(a.text, "flood alerts\nand to keep"));
    assert_non_null(strstr(a.text, "social media\n\nIt has posted"));
    assert_string_equal(a.title, "Harbour authority warns of record tides"); /* h1 */
    /* links inside the article, resolved */
    int found = 0;
    for (size_t k = 0; k < a.nlinks; k++)
        found |= strcmp(a.links[k].url, "https://coast.example/repairs") == 0;
    assert_true(found);
    ww_article_clear(&a);
}

static void test_no_article_markup(void **st) {
    (void)st;
    /* div soup with text directly in divs and a link list beside it */
    const char *h =
        "<div><div class=\"menu\"><a href=\"/1\">One</a> | <a href=\"/2\">Two</a></div>"
        "<div>Prices rose sharply in May, the statistics office said, driven by energy and "
        "food costs.<br><br>Economists had expected a smaller rise, and markets reacted "
        "calmly to the figures, analysts said.</div></div>";
    ww_article a;
    assert_int_equal(ww_extract_html(h, strlen(h), NULL, NULL, &a), 0);
    assert_non_null(strstr(a.text, "Prices rose sharply"));
    assert_non_null(strstr(a.text, "markets reacted calmly"));
    assert_null(strstr(a.text, "One"));
    ww_article_clear(&a);
}

static void test_tokenizer_edges(void **st) {
    (void)st;
    const char *h =
        "<p>Fish &amp; chips &copy; &#8220;q&#x201D; &#150; &bogus; AT&T &lt;b&gt;"
        "<p>unclosed <b>bold <i>both</b> after</i> end"
        "<table><tr><td>cell one<td>cell two</table>"
        "<textarea><p>raw</p></textarea><!-- comment <p>hidden</p> -->"
        "<p hidden>invisible words</p><p style=\"display: none\">gone too</p>"
        "<script>document.write('</scr' + 'ipt>')</script><p>after script</p>"
        "<p>trailing <";
    ww_article a;
    ww_parse_limits lim = {0};
    assert_int_equal(ww_extract_html(h, strlen(h), NULL, &lim, &a), 0);
    assert_non_null(strstr(a.text, "Fish & chips © “q” – &bogus; AT&T <b>"));
    assert_non_null(strstr(a.text, "bold both after end"));
    assert_null(strstr(a.text, "hidden"));
    assert_null(strstr(a.text, "invisible"));
    assert_null(strstr(a.text, "gone too"));
    assert_null(strstr(a.text, "raw"));
    ww_article_clear(&a);
}

static void test_limits(void **st) {
    (void)st;
    /* 20000 nested divs: flattened past max_depth, no stack blow-up */
    size_t n = 20000;
    size_t cap = n * 11 + 200;
    char *h = malloc(cap);
    size_t len = 0;
    for (size_t k = 0; k < n; k++)
        len += (size_t)snprintf(h + len, cap - len, "<div>");
    len += (size_t)snprintf(h + len, cap - len,
                            "<p>Deep text that is long enough to score, with a comma."
                            "</p>");
    for (size_t k = 0; k < n; k++)
        len += (size_t)snprintf(h + len, cap - len, "</div>");
    ww_parse_limits lim = {.max_depth = 100, .max_nodes = 0};
    ww_article a;
    assert_int_equal(ww_extract_html(h, len, NULL, &lim, &a), 0);
    assert_true(a.limits_hit & WW_LIMIT_DEPTH);
    assert_non_null(strstr(a.text, "Deep text"));
    ww_article_clear(&a);
    /* node limit: partial result, flagged */
    lim = (ww_parse_limits){.max_nodes = 50};
    assert_int_equal(ww_extract_html(h, len, NULL, &lim, &a), 0);
    assert_true(a.limits_hit & WW_LIMIT_NODES);
    ww_article_clear(&a);
    /* unlimited depth still works iteratively */
    lim = (ww_parse_limits){0};
    assert_int_equal(ww_extract_html(h, len, NULL, &lim, &a), 0);
    assert_non_null(strstr(a.text, "Deep text"));
    ww_article_clear(&a);
    /* input bytes */
    lim = (ww_parse_limits){.max_input_bytes = 1000};
    assert_int_equal(ww_extract_html(h, len, NULL, &lim, &a), 0);
    assert_true(a.limits_hit & WW_LIMIT_BYTES);
    ww_article_clear(&a);
    free(h);
}

static void test_parse_page_errors(void **st) {
    (void)st;
    ww_parser *p = ww_parser_new(NULL, NULL, 0);
    Wirewatch__V1__Page page;
    wirewatch__v1__page__init(&page);
    page.final_url = "https://x.example/img";
    page.content_type = "image/png";
    page.body.data = (uint8_t *)"\x89PNG\r\n\x1a\n\0\0";
    page.body.len = 10;
    Wirewatch__V1__Document *d = NULL;
    char err[128];
    assert_int_equal(ww_parse_page(p, &page, &d, NULL, err, sizeof err), WW_EUNSUPPORTED);
    assert_null(d);
    assert_non_null(strstr(err, "image/png"));
    page.content_type = "";
    assert_int_equal(ww_parse_page(p, &page, &d, NULL, err, sizeof err), WW_EUNSUPPORTED);
    page.body.len = 0;
    assert_int_equal(ww_parse_page(p, &page, &d, NULL, err, sizeof err), WW_EMALFORMED);
    ww_parser_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_content),
        cmocka_unit_test(test_no_article_markup),
        cmocka_unit_test(test_tokenizer_edges),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_parse_page_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
