/* Metadata with fallbacks: JSON-LD (@graph, author arrays), OpenGraph, meta tags,
 * <time>, byline patterns, title suffixes, canonical URLs, dates to RFC 3339 UTC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/parse.h"

static const char *const body =
    "<p>The council approved the budget on Tuesday after a long debate, officials said.</p>"
    "<p>The plan includes new funding for schools, roads and public transport across the "
    "region, and it will take effect next month.</p>";

static void extract(const char *head, const char *pre, ww_article *a) {
    char html[8192];
    snprintf(html, sizeof html,
             "<html lang=\"en-GB\"><head>%s</head><body><article>%s%s"
             "</article></body></html>",
             head, pre, body);
    assert_int_equal(
        ww_extract_html(html, strlen(html), "https://news.example.org/a/1?x=2", NULL, a),
        0);
}

static void test_json_ld_graph(void **st) {
    (void)st;
    ww_article a;
    extract(
        "<title>Budget passes | Example Times</title>"
        "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
        "\"@graph\":[{\"@type\":\"WebSite\",\"name\":\"Example\"},"
        "{\"@type\":[\"NewsArticle\"],\"headline\":\"Council passes budget\","
        "\"datePublished\":\"2024-03-05T10:30:00+02:00\",\"author\":[{\"@type\":"
        "\"Person\",\"name\":\"Ann Lee\"},{\"@type\":\"Person\",\"name\":\"Bo Chen\"}],"
        "\"publisher\":{\"@type\":\"Organization\",\"name\":\"Example Times\"},"
        "\"mainEntityOfPage\":{\"@id\":\"https://news.example.org/a/1\"}}]}</script>",
        "", &a);
    assert_string_equal(a.title, "Council passes budget");
    assert_string_equal(a.byline, "Ann Lee, Bo Chen");
    assert_string_equal(a.published, "2024-03-05T08:30:00Z");
    assert_string_equal(a.site, "Example Times");
    assert_string_equal(a.canonical_url, "https://news.example.org/a/1");
    assert_string_equal(a.lang_hint, "en-GB");
    ww_article_clear(&a);
    /* broken JSON-LD is ignored, the other sources still apply */
    extract("<script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", </script>"
            "<title>Budget passes - Example Times</title>",
            "", &a);
    assert_string_equal(a.title, "Budget passes");
    assert_null(a.published);
    ww_article_clear(&a);
}

static void test_opengraph_and_meta(void **st) {
    (void)st;
    ww_article a;
    extract(
        "<title>ignored</title>"
        "<meta property=\"og:title\" content=\"Council passes budget | Example Times\">"
        "<meta property=\"og:site_name\" content=\"Example Times\">"
        "<meta property=\"og:url\" content=\"/a/1\">"
        "<meta name=\"author\" content=\"By Ann Lee\">"
        "<meta name=\"description\" content=\"The  council\n approved it.\">"
        "<meta property=\"article:published_time\" content=\"Tue, 05 Mar 2024 10:30:00 "
        "GMT\">",
        "", &a);
    assert_string_equal(a.title, "Council passes budget");
    assert_string_equal(a.site, "Example Times");
    assert_string_equal(a.canonical_url, "https://news.example.org/a/1");
    assert_string_equal(a.byline, "Ann Lee");
    assert_string_equal(a.description, "The council approved it.");
    assert_string_equal(a.published, "2024-03-05T10:30:00Z");
    ww_article_clear(&a);
    /* <link rel=canonical> beats og:url */
    extract("<link rel=\"canonical\" href=\"https://news.example.org/canon\">"
            "<meta property=\"og:url\" content=\"https://news.example.org/og\">",
            "", &a);
    assert_string_equal(a.canonical_url, "https://news.example.org/canon");
    ww_article_clear(&a);
}

static void test_time_and_byline(void **st) {
    (void)st;
    ww_article a;
    extract("<title>Budget</title>",
            "<h1>Council passes budget</h1><p>By Maria Gomez</p>"
            "<time datetime=\"2023-11-02T08:15:00-05:00\" pubdate>Nov 2</time>",
            &a);
    assert_string_equal(a.published, "2023-11-02T13:15:00Z");
    assert_string_equal(a.byline, "Maria Gomez");
    assert_null(strstr(a.text, "By Maria")); /* the byline line left the text */
    assert_non_null(strstr(a.text, "The council approved"));
    ww_article_clear(&a);
    /* h1 is the title when no meta title exists; itemprop author */
    extract("", "<h1>Council passes budget</h1><span itemprop=\"author\">Li Wei</span>",
            &a);
    assert_string_equal(a.title, "Council passes budget");
    assert_string_equal(a.byline, "Li Wei");
    ww_article_clear(&a);
}

static void test_dates(void **st) {
    (void)st;
    char out[32];
    static const char *const cases[][2] = {
        {"2024-01-02", "2024-01-02T00:00:00Z"},
        {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05.123+0530", "2024-01-01T21:34:05Z"},
        {"2024-01-02 23:30", "2024-01-02T23:30:00Z"},
        {"Tue, 02 Jan 2024 03:04:05 -0800", "2024-01-02T11:04:05Z"},
        {"January 5, 2024", "2024-01-05T00:00:00Z"},
        {"March 5th, 2024 at 3:15 pm EST", "2024-03-05T20:15:00Z"},
        {"5 March 2024", "2024-03-05T00:00:00Z"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        assert_int_equal(ww_date_to_rfc3339(cases[k][0], out, sizeof out), 0);
        assert_string_equal(out, cases[k][1]);
    }
    assert_int_not_equal(ww_date_to_rfc3339("yesterday", out, sizeof out), 0);
    assert_int_not_equal(ww_date_to_rfc3339("2024-13-45", out, sizeof out), 0);
    assert_int_not_equal(ww_date_to_rfc3339("", out, sizeof out), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_ld_graph),
        cmocka_unit_test(test_opengraph_and_meta),
        cmocka_unit_test(test_time_and_byline),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
