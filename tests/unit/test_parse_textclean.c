/* Text clean-up on our own noisy text (the same kinds of noise as the seed article:
 * "close" lines, bare clock times, related-video headlines shown twice, a teaser
 * headline glued to the next sentence), and plain-text input through ww_parse_page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/parse.h"

static const char *const story[] = {
    "Harbour authority warns of record tide levels this winter",
    ("The harbour authority said on Friday that tides could reach record levels, citing "
     "new measurements from its coastal stations."),
    "Engineers found that two sea walls had weakened since the last inspection.",
    "The authority asked residents to sign up for flood alerts.",
    "Officials will publish a full report in March.",
};

static const char *noisy =
    "close\n"
    "Close\n"
    "\n"
    "Harbour authority warns of record tide levels this winter\n"
    "\n"
    "The harbour authority said on Friday that tides could reach record levels, citing new "
    "measurements from its coastal stations.\n"
    "\n"
    "05:29\n"
    "\n"
    "Fishermen protest new quota rules in the north\n"
    "\n"
    "Fishermen protest new quota rules in the north\n"
    "\n"
    "Engineers found that two sea walls had weakened since the last inspection.\n"
    "\n"
    "  1:02:17  \n"
    "Advertisement\n"
    "How the agency became a fixture on local radioThe authority asked residents to sign up "
    "for flood alerts.\n"
    "\n"
    "Officials will publish a full report in March.\n";

static void test_noise_removed_story_kept(void **st) {
    (void)st;
    size_t n;
    char *c = ww_text_clean(noisy, strlen(noisy), &n);
    assert_non_null(c);
    assert_int_equal(strlen(c), n);
    for (size_t k = 0; k < sizeof story / sizeof story[0]; k++)
        assert_non_null(strstr(c, story[k]));
    assert_null(strstr(c, "close"));
    assert_null(strstr(c, "Close"));
    assert_null(strstr(c, "05:29"));
    assert_null(strstr(c, "1:02:17"));
    assert_null(strstr(c, "Advertisement"));
    /* a repeated teaser keeps one copy */
    assert_non_null(strstr(c, "quota"));
    assert_null(strstr(strstr(c, "quota") + 1, "quota"));
    /* the glued teaser is split from the sentence that follows it */
    assert_non_null(strstr(c, "local radio\n\nThe authority asked"));
    /* paragraphs stay separated by a blank line */
    assert_non_null(strstr(
        c, "stations.\n\nFishermen protest new quota rules in the north\n\nEngineers"));
    free(c);
}

static void test_repeated_paragraph_keeps_one(void **st) {
    (void)st;
    const char *t = "A long paragraph. It has sentences in it.\n\n"
                    "A long paragraph. It has sentences in it.\n\nEnd.";
    size_t n;
    char *c = ww_text_clean(t, strlen(t), &n);
    assert_string_equal(c, "A long paragraph. It has sentences in it.\n\nEnd.");
    free(c);
    /* words that merely contain a capital are not split */
    t = "He uses an iPhone and YouTube daily and LinkedIn often.";
    c = ww_text_clean(t, strlen(t), &n);
    assert_string_equal(c, t);
    free(c);
}

static void test_furniture_lines(void **st) {
    (void)st;
    const char *t =
        "Updated 5:27 am CST, Wednesday, November 20, 2019\n"
        "Wednesday 20 November 2019 9:22 am\n"
        "Read more: Port reopens after storm\n"
        "Image 2 of 5\n"
        "Tags: Shipping, Weather\n"
        "Updated figures were published on Monday, 3 June, the office said.\n"
        "Related reading for the weekend is listed in the next section of the guide.\n";
    size_t n;
    char *c = ww_text_clean(t, strlen(t), &n);
    assert_string_equal(
        c, "Updated figures were published on Monday, 3 June, the office said.\n"
           "Related reading for the weekend is listed in the next section of "
           "the guide.");
    free(c);
}

static void test_title_twice_at_top(void **st) {
    (void)st;
    const char *t = "close\n\nBig headline here\n\nBig headline here\n\nBody text.\n";
    size_t n;
    char *c = ww_text_clean(t, strlen(t), &n);
    assert_string_equal(c, "Big headline here\n\nBody text.");
    free(c);
}

static void test_plain_page(void **st) {
    (void)st;
    ww_parser *p = ww_parser_new(NULL, NULL, 0);
    assert_non_null(p);
    Wirewatch__V1__Page page;
    wirewatch__v1__page__init(&page);
    page.final_url = "file:///tmp/story.txt";
    page.content_type = "text/plain";
    page.body.data = (uint8_t *)noisy;
    page.body.len = strlen(noisy);
    Wirewatch__V1__Document *d = NULL;
    char err[128];
    assert_int_equal(ww_parse_page(p, &page, &d, NULL, err, sizeof err), 0);
    assert_string_equal(d->title, story[0]);
    assert_true(strncmp(d->text, story[1], strlen(story[1])) == 0);
    assert_string_equal(d->language, "en");
    assert_true(d->language_confidence > 0.5f);
    assert_int_equal(strlen(d->id), 32);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    ww_parser_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noise_removed_story_kept),
        cmocka_unit_test(test_repeated_paragraph_keeps_one),
        cmocka_unit_test(test_title_twice_at_top),
        cmocka_unit_test(test_furniture_lines),
        cmocka_unit_test(test_plain_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
