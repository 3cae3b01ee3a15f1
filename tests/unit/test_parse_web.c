/* Issue 14's building blocks one by one: invisible characters (which stay where a
 * script needs them), the multilingual boilerplate cues, reader comments
 * (parse.comments) and the page's own article among several. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/parse/cue_match.h"
#include "../../workers/parse/text_invisible.h"
#include "wirewatch/parse.h"

static char *strip(const char *s) {
    char *c = strdup(s);
    size_t n = ww__strip_invisible(c, strlen(c));
    assert_int_equal(n, strlen(c));
    return c;
}

static void test_invisible_removed(void **st) {
    (void)st;
    char *c = strip("Bundes\xC2\xAD"
                    "verfassungs\xC2\xAD"
                    "gericht");
    assert_string_equal(c, "Bundesverfassungsgericht");
    free(c);
    c = strip("\xEF\xBB\xBF"
              "Finanz\xE2\x80\x8Bminister im Kanzler\xE2\x81\xA0"
              "amt");
    assert_string_equal(c, "Finanzminister im Kanzleramt");
    free(c);
    /* ZWNJ in a Latin word (ligature control) goes */
    c = strip("Auf\xE2\x80\x8Clage");
    assert_string_equal(c, "Auflage");
    free(c);
    c = strip("no invisible characters here");
    assert_string_equal(c, "no invisible characters here");
    free(c);
    assert_int_equal(ww__strip_invisible(NULL, 0), 0);
}

static void test_invisible_kept_where_needed(void **st) {
    (void)st;
    /* Persian "mi-khaham": ZWNJ after MIM YEH changes the letter forms */
    const char *fa =
        "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85";
    char *c = strip(fa);
    assert_string_equal(c, fa);
    free(c);
    /* Devanagari: KA VIRAMA ZWJ SSA keeps the half form */
    const char *hi = "\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7";
    c = strip(hi);
    assert_string_equal(c, hi);
    free(c);
    /* emoji ZWJ sequence: woman judge */
    const char *em = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xE2\x9A\x96\xEF\xB8\x8F";
    c = strip(em);
    assert_string_equal(c, em);
    free(c);
    /* after a removed soft hyphen, the letter before decides: Persian keeps the ZWNJ,
     * Latin does not */
    c = strip("\xD9\x85\xDB\x8C\xC2\xAD\xE2\x80\x8C\xD8\xAE");
    assert_string_equal(c, "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE");
    free(c);
    c = strip("Auf\xC2\xAD\xE2\x80\x8Clage");
    assert_string_equal(c, "Auflage");
    free(c);
    /* a soft hyphen inside Persian text still goes */
    c = strip("\xD9\x85\xDB\x8C\xC2\xAD\xD8\xAE");
    assert_string_equal(c, "\xD9\x85\xDB\x8C\xD8\xAE");
    free(c);
}

static void test_cues(void **st) {
    (void)st;
    const char *s = "Lesen Sie auch";
    assert_true(ww__cue_prefix(WW_CUE_SECTION, s, strlen(s)) > 0);
    s = "\xD0\xA7\xD0\xB8\xD1\x82\xD0\xB0\xD0\xB9\xD1\x82\xD0\xB5 \xD1\x82\xD0\xB0\xD0\xBA\xD0"
        "\xB6\xD0\xB5"; /* "Читайте также", capital Ч folded */
    assert_true(ww__cue_prefix(WW_CUE_SECTION, s, strlen(s)) > 0);
    s = "\xC3\x80 LIRE AUSSI"; /* "À LIRE AUSSI": Latin-1 capitals fold */
    assert_true(ww__cue_prefix(WW_CUE_SECTION, s, strlen(s)) > 0);
    s = "The council said it would read more reports";
    assert_int_equal(ww__cue_prefix(WW_CUE_SECTION, s, strlen(s)), 0);
    s = "Read more \xC2\xBB";
    assert_true(ww__cue_whole(WW_CUE_READMORE, s, strlen(s)));
    s = "Read more about the plan";
    assert_false(ww__cue_whole(WW_CUE_READMORE, s, strlen(s)));
    s = "Additional reporting by Yuki Tanaka; Editing by Helen Brooks";
    assert_true(ww__cue_prefix(WW_CUE_CREDIT, s, strlen(s)) > 0);
    s = "En cliquant, vous acceptez notre politique de confidentialit\xC3\xA9 et pouvez vous "
        "d\xC3\xA9sinscrire \xC3\xA0 tout moment; vos donn\xC3\xA9"
        "es personnelles ...";
    assert_true(ww__cue_count(WW_CUE_CONSENT, s, strlen(s)) >= 2);
    s = "The minister said the cookie factory would close in March.";
    assert_int_equal(ww__cue_count(WW_CUE_CONSENT, s, strlen(s)), 1);
}

static const char *commented =
    "<html><head><title>Bridge repairs start</title></head><body>"
    "<article><h1>Bridge repairs start</h1>"
    "<p>Repairs to the old town bridge start on Monday and will take six weeks, the "
    "council said, with one lane open for buses and bicycles throughout.</p>"
    "<p>Pedestrians can use a temporary footbridge next to the main span, which will be "
    "lit at night and watched by cameras.</p></article>"
    "<div id=\"comments\"><ol class=\"comment-list\">"
    "<li class=\"comment\"><div class=\"comment-author\"><b class=\"fn\">Ann</b> says:</div>"
    "<time datetime=\"2026-11-25T08:14:00+01:00\">yesterday</time>"
    "<div class=\"comment-content\"><p>About time.</p><p>The railings were rusty.</p></div>"
    "<ol class=\"children\"><li class=\"comment\"><div class=\"comment-author\"><b "
    "class=\"fn\">Bo</b></div><span class=\"date\">2 hours ago</span>"
    "<div class=\"comment-content\"><p>Agreed!</p></div></li></ol></li></ol>"
    "<form><p>Your email address will not be published.</p></form></div>"
    "</body></html>";

static void test_comments(void **st) {
    (void)st;
    ww_article a;
    ww_extract_opts o = {.comments = 1};
    assert_int_equal(ww_extract_html_opts(commented, strlen(commented),
                                          "https://town.example/bridge", NULL, &o, &a),
                     0);
    assert_non_null(strstr(a.text, "Repairs to the old town bridge"));
    assert_null(strstr(a.text, "About time"));
    assert_int_equal(a.ncomments, 2);
    assert_string_equal(a.comments[0].author, "Ann");
    assert_string_equal(a.comments[0].published, "2026-11-25T07:14:00Z");
    assert_string_equal(a.comments[0].text, "About time.\n\nThe railings were rusty.");
    assert_string_equal(a.comments[1].author, "Bo");
    assert_null(a.comments[1].published); /* "2 hours ago" is no date */
    assert_string_equal(a.comments[1].text, "Agreed!");
    ww_article_clear(&a);
    /* off by default: no comments, the same text */
    assert_int_equal(ww_extract_html(commented, strlen(commented),
                                     "https://town.example/bridge", NULL, &a),
                     0);
    assert_int_equal(a.ncomments, 0);
    assert_null(strstr(a.text, "About time"));
    ww_article_clear(&a);
}

/* A short post under a long discussion: the comments hold most of the page's text and
 * still are no article text. */
static void test_comments_longer_than_post(void **st) {
    (void)st;
    char page[16384];
    size_t n =
        (size_t)snprintf(page, sizeof page, "%s",
                         "<html><head><title>Open day</title></head><body><article>"
                         "<h1>Open day</h1><p>The workshop opens its doors on Saturday "
                         "from ten to four, with tours every hour and coffee in the "
                         "yard.</p></article><section class=\"comments\">");
    for (int k = 0; k < 12; k++)
        n += (size_t)snprintf(
            page + n, sizeof page - n,
            "<div class=\"c1\"><span class=\"n\">Reader %d</span>"
            "<p>I went last year, and it was wonderful: the "
            "old presses still run, the staff explain everything, and the "
            "children loved the printing corner, number %d.</p></div>",
            k, k);
    snprintf(page + n, sizeof page - n, "%s", "</section></body></html>");
    ww_article a;
    assert_int_equal(ww_extract_html(page, strlen(page), NULL, NULL, &a), 0);
    assert_non_null(strstr(a.text, "opens its doors on Saturday"));
    assert_null(strstr(a.text, "old presses"));
    ww_article_clear(&a);
}

/* A promo whose phrase runs across a link ("<a>Sign up</a> for") still reads as one. */
static void test_promo_across_link(void **st) {
    (void)st;
    const char *h =
        "<html><body><div class=\"x1\"><p>The river authority opened its flood archive on "
        "Monday, with readings from every gauge since 1952, free to download.</p>"
        "<p>Like what you read? <a href=\"/nl\">Sign up</a> for our daily briefing.</p>"
        "<p>Researchers said the older logbooks had gaps during the floods of 1974, when "
        "several gauges were washed away.</p></div></body></html>";
    ww_article a;
    assert_int_equal(ww_extract_html(h, strlen(h), "https://news.example/a", NULL, &a),
                     0);
    assert_non_null(strstr(a.text, "flood archive"));
    assert_non_null(strstr(a.text, "washed away"));
    assert_null(strstr(a.text, "Sign up"));
    ww_article_clear(&a);
}

/* Two articles in one page; the second is longer, the first is the page's. */
static const char *two =
    "<html><head><title>Ferry fares frozen | Coast Daily</title>"
    "<meta property=\"og:title\" content=\"Ferry fares frozen\"></head><body><main>"
    "<div class=\"item\"><h1>Ferry fares frozen</h1><div class=\"txt\">"
    "<p>Ferry fares on the island routes will not rise next year, the transport ministry "
    "said on Tuesday, after a year of complaints from commuters.</p>"
    "<p>The freeze costs the state about four million euros, which will come from the "
    "regional budget.</p></div></div>"
    "<div class=\"item\"><h2>Storm damages harbour wall</h2><div class=\"txt\">"
    "<p>A winter storm damaged the northern harbour wall overnight, flooding the quay, "
    "the fish market and several warehouses, the harbour master said.</p>"
    "<p>Divers will inspect the foundations, and repairs, which could take months, will "
    "start once the weather calms, according to the port authority.</p>"
    "<p>Fishing boats were moved to the southern basin, where space is short, and some "
    "crews have moored in neighbouring towns.</p>"
    "<p>Insurers said claims could run into millions, as water reached electrical "
    "installations, cold stores and offices along the quay.</p></div></div>"
    "</main></body></html>";

static void test_own_article(void **st) {
    (void)st;
    ww_article a;
    assert_int_equal(
        ww_extract_html(two, strlen(two), "https://coast.example/ferry-fares", NULL, &a),
        0);
    assert_non_null(strstr(a.text, "Ferry fares on the island routes"));
    assert_non_null(strstr(a.text, "four million euros"));
    assert_null(strstr(a.text, "harbour wall"));
    ww_article_clear(&a);
}

/* One article whose sections repeat a class, each with a subheading: not a list of
 * articles, nothing is cut. */
static const char *sections =
    "<html><head><title>Ferry fares frozen</title></head><body>"
    "<div class=\"row\"><h1>Ferry fares frozen</h1><p>Ferry fares on the island routes "
    "will not rise next year, the transport ministry said on Tuesday, after a year of "
    "complaints from commuters about prices, delays and cancelled sailings in the "
    "winter months, when the weather is at its worst.</p></div>"
    "<div class=\"row\"><h2>Who pays</h2><p>The freeze costs the state about four "
    "million euros, which will come from the regional budget, officials said.</p>"
    "<p>Operators will be compensated every quarter, based on passenger numbers.</p></div>"
    "<div class=\"row\"><h2>What commuters say</h2><p>Commuter groups welcomed the "
    "decision but asked for more sailings in the early morning, when boats are full.</p>"
    "<p>They also want a single ticket for ferries and island buses.</p></div>"
    "</body></html>";

static void test_one_article_in_sections(void **st) {
    (void)st;
    ww_article a;
    assert_int_equal(ww_extract_html(sections, strlen(sections),
                                     "https://coast.example/ferry-fares", NULL, &a),
                     0);
    assert_non_null(strstr(a.text, "four million euros"));
    assert_non_null(strstr(a.text, "single ticket for ferries"));
    ww_article_clear(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invisible_removed),
        cmocka_unit_test(test_invisible_kept_where_needed),
        cmocka_unit_test(test_cues),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_comments_longer_than_post),
        cmocka_unit_test(test_promo_across_link),
        cmocka_unit_test(test_own_article),
        cmocka_unit_test(test_one_article_in_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
