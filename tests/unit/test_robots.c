/* robots.txt parser and matcher: RFC 9309's examples and the edge cases crawlers trip on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirewatch/robots.h"

#define MAXB (512 * 1024)

static ww_robots *parse(const char *txt, const char *agent) {
    ww_robots *r = ww_robots_parse(txt, strlen(txt), agent, MAXB);
    assert_non_null(r);
    return r;
}

/* RFC 9309 section 5.1 example, seen by three different crawlers. */
static const char rfc_example[] = "User-Agent: *\n"
                                  "Disallow: *.gif$\n"
                                  "Disallow: /example/\n"
                                  "Allow: /publications/\n"
                                  "\n"
                                  "User-Agent: foobot\n"
                                  "Disallow:/\n"
                                  "Allow:/example/page.html\n"
                                  "Allow:/example/allowed.gif\n"
                                  "\n"
                                  "User-Agent: barbot\n"
                                  "User-Agent: bazbot\n"
                                  "Disallow: /example/page.html\n"
                                  "\n"
                                  "User-Agent: quxbot\n";

static void test_rfc_example(void **state) {
    (void)state;
    ww_robots *foo = parse(rfc_example, "foobot");
    assert_true(ww_robots_allowed(foo, "/example/page.html"));
    assert_true(ww_robots_allowed(foo, "/example/allowed.gif"));
    assert_false(ww_robots_allowed(foo, "/example/other.html"));
    assert_false(ww_robots_allowed(foo, "/"));
    assert_true(ww_robots_allowed(foo, "/robots.txt"));
    ww_robots_free(foo);

    ww_robots *baz = parse(rfc_example, "BazBot"); /* agent match is case-insensitive */
    assert_false(ww_robots_allowed(baz, "/example/page.html"));
    assert_true(ww_robots_allowed(baz, "/example/other.html"));
    assert_true(ww_robots_allowed(baz, "/image.gif")); /* "*" group does not apply */
    ww_robots_free(baz);

    ww_robots *qux = parse(rfc_example, "quxbot"); /* empty group: everything allowed */
    assert_true(ww_robots_allowed(qux, "/example/page.html"));
    assert_int_equal(ww_robots_rule_count(qux), 0);
    ww_robots_free(qux);

    ww_robots *other = parse(rfc_example, "wirewatch"); /* falls back to "*" */
    assert_false(ww_robots_allowed(other, "/image.gif"));
    assert_true(ww_robots_allowed(other, "/image.gif?x=1")); /* $ anchors */
    assert_false(ww_robots_allowed(other, "/example/x"));
    assert_true(ww_robots_allowed(other, "/publications/a"));
    ww_robots_free(other);
}

/* RFC 9309 2.2.2: longest match wins, Allow wins a tie. */
static void test_longest_match(void **state) {
    (void)state;
    ww_robots *r = parse(
        "user-agent: *\nallow: /example/page/\ndisallow: /example/page/disallowed.gif\n"
        "disallow: /tie\nallow: /tie\n",
        "wirewatch");
    assert_true(ww_robots_allowed(r, "/example/page/"));
    assert_true(ww_robots_allowed(r, "/example/page/x.html"));
    assert_false(ww_robots_allowed(r, "/example/page/disallowed.gif"));
    assert_true(ww_robots_allowed(r, "/tie"));
    ww_robots_free(r);
}

/* Wildcards from RFC 9309 2.2.3 and Google's documented examples. */
static void test_wildcards(void **state) {
    (void)state;
    ww_robots *r = parse("User-agent: *\nDisallow: /*.php$\nDisallow: /fish*.js\n"
                         "Disallow: /a*b*c*d*e*f*g*h\nDisallow: /end$\n",
                         "wirewatch");
    assert_false(ww_robots_allowed(r, "/index.php"));
    assert_false(ww_robots_allowed(r, "/dir/x.php"));
    assert_true(ww_robots_allowed(r, "/index.php?x"));
    assert_true(ww_robots_allowed(r, "/index.php5"));
    assert_false(ww_robots_allowed(r, "/fish/salmon.js"));
    assert_false(ww_robots_allowed(r, "/fishy.json"));
    assert_true(ww_robots_allowed(r, "/Fish.js"));
    assert_false(ww_robots_allowed(r, "/end"));
    assert_true(ww_robots_allowed(r, "/endless"));
    /* Many stars against a long near-miss stays fast (no exponential backtracking). */
    char path[4096];
    path[0] = '/';
    memset(path + 1, 'a', sizeof path - 2);
    path[sizeof path - 1] = '\0';
    assert_true(ww_robots_allowed(r, path));
    ww_robots_free(r);
}

static void test_groups_and_syntax(void **state) {
    (void)state;
    /* Merged groups, comments, CRLF, BOM, whitespace, case of keys, product token with
     * version suffix, rules before any user-agent ignored, sitemap between groups. */
    const char *txt = "\xEF\xBB\xBF"
                      "Disallow: /orphan\r\n"
                      "user-agent: WireWatch/2.1 # us\r\n"
                      "DISALLOW : /private  # comment\r\n"
                      "Sitemap: https://example.com/sitemap.xml\r\n"
                      "crawl-delay: 2.5\r\n"
                      "User-agent: other\r\nDisallow: /\r\n"
                      "User-agent: wirewatch\r\nDisallow: /also\r\n"
                      "Disallow:\r\n"
                      "garbage line without colon\r\n";
    ww_robots *r = parse(txt, "wirewatch");
    assert_true(ww_robots_allowed(r, "/orphan"));
    assert_false(ww_robots_allowed(r, "/private/x"));
    assert_false(ww_robots_allowed(r, "/also"));
    assert_true(ww_robots_allowed(r, "/"));
    assert_true(ww_robots_allowed(r, ""));
    assert_true(ww_robots_crawl_delay(r) > 2.49 && ww_robots_crawl_delay(r) < 2.51);
    ww_robots_free(r);

    /* A prefix of our token is not our token. */
    r = parse("User-agent: wire\nDisallow: /\n", "wirewatch");
    assert_true(ww_robots_allowed(r, "/x"));
    ww_robots_free(r);
}

static void test_percent_encoding(void **state) {
    (void)state;
    ww_robots *r = parse("User-agent: *\nDisallow: /foo/bar?baz=quz\n"
                         "Disallow: /%e2%82%ac\nDisallow: /\xE2\x82\xACuro\n",
                         "wirewatch");
    assert_false(ww_robots_allowed(r, "/foo/bar?baz=quz"));
    assert_false(ww_robots_allowed(r, "/\xE2\x82\xAC"));
    assert_false(ww_robots_allowed(r, "/%E2%82%ACuro"));
    assert_true(ww_robots_allowed(r, "/foo/bar"));
    ww_robots_free(r);
}

/* Does the rule (a Disallow line, alone in its group) match path? */
static int rule_matches(const char *rule, const char *path) {
    char txt[512];
    snprintf(txt, sizeof txt, "User-agent: *\nDisallow: %s\n", rule);
    ww_robots *r = parse(txt, "wirewatch");
    int hit = !ww_robots_allowed(r, path);
    ww_robots_free(r);
    return hit;
}

/* The same path, as far as robots.txt matching goes: each matches the other as a
 * prefix, and exactly (anchored with "$"), and not with an octet more. */
static void assert_same_path(const char *a, const char *b) {
    char anchored[512], longer[512];
    assert_true(rule_matches(a, b));
    assert_true(rule_matches(b, a));
    snprintf(anchored, sizeof anchored, "%s$", a);
    assert_true(rule_matches(anchored, b));
    snprintf(longer, sizeof longer, "%sx", a);
    assert_false(rule_matches(longer, b));
    snprintf(anchored, sizeof anchored, "%s$", b);
    assert_true(rule_matches(anchored, a));
}

/* RFC 9309 2.2.2, Table 1 ("Examples of Matching Percent-Encoded URI Components"):
 * Path, Encoded Path, Path to Match.  Each row's encoded path and path to match are
 * one path for matching; so is the path as written, except in row 2 (below). */
static const struct {
    const char *path, *encoded, *to_match;
} rfc9309_table1[] = {
    {"/foo/bar?baz=quz", "/foo/bar?baz=quz", "/foo/bar?baz=quz"},
    {"/foo/bar?baz=https://foo.bar", "/foo/bar?baz=https%3A%2F%2Ffoo.bar",
     "/foo/bar?baz=https%3A%2F%2Ffoo.bar"},
    {"/foo/bar/\xE3\x83\x84", "/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"}, /* U+30C4 */
    {"/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"},
    {"/foo/bar/%62%61%7A", "/foo/bar/%62%61%7A", "/foo/bar/baz"},
};

static void test_rfc9309_percent_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof rfc9309_table1 / sizeof rfc9309_table1[0]; i++) {
        const char *path = rfc9309_table1[i].path, *enc = rfc9309_table1[i].encoded,
                   *m = rfc9309_table1[i].to_match;
        print_message("row %zu: %s\n", i + 1, path);
        assert_same_path(enc, m);
        if (i != 1) {
            assert_same_path(path, enc);
            assert_same_path(path, m);
        }
    }
    /* Row 2 as written holds ':' and '/' unescaped: there they are delimiters, and an
     * escaped reserved character is data, never the delimiter (otherwise "/a%2Fb"
     * would be "/a/b").  So the escaped form matches itself in either hex case, and
     * not the unescaped one - as in Google's robotstxt, the RFC's reference parser. */
    assert_same_path("/foo/bar?baz=https%3a%2f%2ffoo.bar",
                     "/foo/bar?baz=https%3A%2F%2Ffoo.bar");
    assert_false(rule_matches("/foo/bar?baz=https://foo.bar",
                              "/foo/bar?baz=https%3A%2F%2Ffoo.bar"));
    assert_false(rule_matches("/foo/bar?baz=https%3A%2F%2Ffoo.bar",
                              "/foo/bar?baz=https://foo.bar"));
}

/* Escaped unreserved characters are the characters; escaped reserved ones are not. */
static void test_percent_unreserved(void **state) {
    (void)state;
    ww_robots *r = parse("User-agent: *\nDisallow: /%7Euser/\n", "wirewatch");
    assert_false(ww_robots_allowed(r, "/~user/page"));
    assert_false(ww_robots_allowed(r, "/%7euser/page"));
    assert_false(ww_robots_allowed(r, "/%7Euser/page"));
    assert_true(ww_robots_allowed(r, "/~other/page"));
    ww_robots_free(r);
    assert_true(rule_matches("/~user/", "/%7Euser/page"));
    assert_true(rule_matches("/%41%2d%2E%5f%30", "/A-._0")); /* every unreserved kind */

    /* reserved: "%2F" is data, "/" a delimiter; hex case still does not matter */
    assert_false(rule_matches("/a%2Fb", "/a/b"));
    assert_false(rule_matches("/a/b", "/a%2Fb"));
    assert_true(rule_matches("/a%2fb", "/a%2Fb"));
    assert_true(rule_matches("/a%2Fb", "/a%2fb/c"));
    assert_false(rule_matches("/p%3Fq", "/p?q"));
    /* "%25" is a '%' as data: nothing is decoded twice */
    assert_false(rule_matches("/a%2541", "/aA"));
    assert_true(rule_matches("/a%2541", "/a%2541"));
    assert_true(rule_matches("/a%41", "/aA"));
    /* not an escape: left as it is */
    assert_true(rule_matches("/100%", "/100%"));
    assert_true(rule_matches("/%zz", "/%zz"));
    assert_false(rule_matches("/%zz", "/%ZZ"));

    /* "*" and "$" keep working around escapes, and escaped they are plain octets */
    assert_true(rule_matches("/%7E*/private$", "/~bob/private"));
    assert_true(rule_matches("/%7E*/private$", "/%7ebob/private"));
    assert_false(rule_matches("/%7E*/private$", "/~bob/private/x"));
    assert_false(rule_matches("/a%2Ab", "/axxb"));
    assert_true(rule_matches("/a%2Ab", "/a%2ab"));
    assert_false(rule_matches("/a%24", "/a"));
    assert_true(rule_matches("/a%24", "/a%24x"));

    /* Rule length (longest match) counts the normalised octets: "/%7Euser/" is as
     * long as "/~user/", so Allow wins the tie. */
    r = parse("User-agent: *\nDisallow: /~user/\nAllow: /%7Euser/\n", "wirewatch");
    assert_true(ww_robots_allowed(r, "/~user/page"));
    ww_robots_free(r);
    r = parse("User-agent: *\nAllow: /~user/\nDisallow: /%7Euser/p\n", "wirewatch");
    assert_false(ww_robots_allowed(r, "/%7Euser/page"));
    assert_true(ww_robots_allowed(r, "/~user/other"));
    ww_robots_free(r);
}

static void test_all_and_limits(void **state) {
    (void)state;
    ww_robots *a = ww_robots_new_all(1), *d = ww_robots_new_all(0);
    assert_true(ww_robots_allowed(a, "/anything"));
    assert_false(ww_robots_allowed(d, "/anything"));
    assert_true(ww_robots_allowed(d, "/robots.txt"));
    assert_true(ww_robots_crawl_delay(d) < 0);
    ww_robots_free(a);
    ww_robots_free(d);
    ww_robots_free(NULL);

    /* A 600 KiB file: rules inside the first 500 KiB count, those past the cap do not. */
    size_t len = 600 * 1024;
    char *big = malloc(len + 64);
    assert_non_null(big);
    size_t n = (size_t)snprintf(big, 64, "User-agent: *\nDisallow: /early\n");
    while (n < 520 * 1024)
        big[n++] = '\n';
    n += (size_t)snprintf(big + n, 64, "Disallow: /late\n");
    while (n < len)
        big[n++] = '#';
    ww_robots *r = ww_robots_parse(big, n, "wirewatch", 500 * 1024);
    assert_false(ww_robots_allowed(r, "/early"));
    assert_true(ww_robots_allowed(r, "/late"));
    ww_robots_free(r);
    r = ww_robots_parse(big, n, "wirewatch", len);
    assert_false(ww_robots_allowed(r, "/late"));
    ww_robots_free(r);
    free(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_example),
        cmocka_unit_test(test_longest_match),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_groups_and_syntax),
        cmocka_unit_test(test_percent_encoding),
        cmocka_unit_test(test_all_and_limits),
        cmocka_unit_test(test_rfc9309_percent_table),
        cmocka_unit_test(test_percent_unreserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
