/* Feed and sitemap parsing: the news-crawl fixtures, each kind of document, URL
 * resolution, date normalisation, and hostile XML (entity expansion, external
 * entities, broken markup). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirewatch/error.h"
#include "wirewatch/feed.h"

static uint8_t *slurp(const char *name, size_t *len) {
    char path[512];
    const char *root = getenv("WW_ROOT");
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", root && *root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

struct parsed {
    int rc;
    ww_feed_kind kind;
    ww_feed_item *items;
    size_t n;
    char err[256];
};

static struct parsed parse(const char *doc, const char *base) {
    struct parsed p;
    memset(&p, 0, sizeof p);
    p.rc = ww_feed_parse((const uint8_t *)doc, strlen(doc), base, &p.kind, &p.items, &p.n,
                         p.err, sizeof p.err);
    return p;
}

static void expect_item(const struct parsed *p, size_t i, const char *url,
                        const char *title, const char *published) {
    assert_true(i < p->n);
    assert_string_equal(p->items[i].url, url);
    assert_string_equal(p->items[i].title, title);
    assert_string_equal(p->items[i].published, published);
}

/* ---- fixtures ---------------------------------------------------------------------- */

static void test_fixture_rss(void **state) {
    size_t len;
    uint8_t *d = slurp("feeds/feed-with-sitemap-namespace.xml", &len);
    /* the sitemap namespace on an RSS root must not confuse the sniffer */
    assert_int_equal(ww_feed_sniff(d, len), WW_FEED_RSS);
    struct parsed p = {0};
    p.rc = ww_feed_parse(d, len, "https://example.com/feed/lorem", &p.kind, &p.items,
                         &p.n, p.err, sizeof p.err);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_RSS);
    assert_int_equal(p.n, 2);
    expect_item(&p, 0, "https://example.com/lorem/123", "Lorem Ipsum Dolor Sit Amet",
                "2025-01-24T20:32:41Z");
    expect_item(&p, 1, "https://example.com/lorem/456", "Consectetur Adipiscing Elit",
                "2025-01-24T19:33:17Z");
    ww_feed_items_free(p.items, p.n);
    free(d);
}

static void test_fixture_news_sitemap(void **state) {
    size_t len;
    uint8_t *d = slurp("feeds/sitemap-news.xml", &len);
    assert_int_equal(ww_feed_sniff(d, len), WW_FEED_SITEMAP);
    struct parsed p = {0};
    p.rc = ww_feed_parse(d, len, NULL, &p.kind, &p.items, &p.n, p.err, sizeof p.err);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_SITEMAP);
    /* one <url>: image:loc and xhtml:link alternates are not articles */
    assert_int_equal(p.n, 1);
    expect_item(&p, 0, "http://www.example.com/business/article55.html",
                "Companies A, B in Merger Talks", "2008-12-23T00:00:00Z");
    ww_feed_items_free(p.items, p.n);
    free(d);
}

/* ---- sniffing ---------------------------------------------------------------------- */

static void test_sniff(void **state) {
    static const struct {
        const char *doc;
        ww_feed_kind kind;
    } cases[] = {
        {"<rss version=\"2.0\"><channel/></rss>", WW_FEED_RSS},
        {"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c <feed> -->\n<feed xmlns=\"x\"/>",
         WW_FEED_ATOM},
        {"<?xml version='1.0'?><!DOCTYPE urlset [<!ENTITY a 'b'>]><urlset/>",
         WW_FEED_SITEMAP},
        {"  <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
         WW_FEED_SITEMAP_INDEX},
        {"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
         WW_FEED_RSS},
        {"<!DOCTYPE html><html><body>no</body></html>", WW_FEED_NONE},
        {"<rssfeed/>", WW_FEED_NONE},
        {"plain text", WW_FEED_NONE},
        {"<!-- unterminated", WW_FEED_NONE},
        {"<", WW_FEED_NONE},
        {"", WW_FEED_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(
            ww_feed_sniff((const uint8_t *)cases[i].doc, strlen(cases[i].doc)),
            cases[i].kind);
    assert_int_equal(ww_feed_sniff(NULL, 10), WW_FEED_NONE);
    assert_string_equal(ww_feed_kind_name(WW_FEED_SITEMAP_INDEX), "sitemapindex");
}

/* ---- kinds ------------------------------------------------------------------------- */

static void test_rss_links(void **state) {
    struct parsed p = parse(
        "<?xml version=\"1.0\"?>\n"
        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\""
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
        " xmlns:media=\"http://search.yahoo.com/mrss/\""
        " xmlns:feedburner=\"http://rssnamespace.org/feedburner/ext/1.0\"><channel>"
        "<title>Chan</title><link>https://news.example/</link>"
        /* relative link, title in CDATA with entities, media:title must not win */
        "<item><media:title>media</media:title><title><![CDATA[ A & B ]]>  &amp; C</title>"
        "<link> /world/1?x=1&amp;y=2 </link><pubDate>Tue, 10 Jun 2003 04:00:00 +0200</pubDate></item>"
        /* no link: guid is a permalink by default */
        "<item><title>G</title><guid>https://news.example/g/2</guid><dc:date>2003-06-10T04:00Z</dc:date></item>"
        /* guid isPermaLink=false is not a URL to fetch; atom:link is */
        "<item><title>H</title><guid isPermaLink=\"false\">https://news.example/g/3</guid>"
        "<atom:link rel=\"enclosure\" href=\"https://cdn.example/x.mp3\"/>"
        "<atom:link href=\"/h/3\"/></item>"
        /* feedburner redirect: the original link wins */
        "<item><title>F</title><link>http://feeds.feedburner.com/~r/x/~3/abc</link>"
        "<feedburner:origLink>https://news.example/f/4</feedburner:origLink></item>"
        /* unusable links are left out */
        "<item><title>M</title><link>mailto:desk@news.example</link></item>"
        "<item><title>J</title><link>javascript:alert(1)</link></item>"
        "<item><title>none</title></item>"
        /* spaces inside a URL are encoded */
        "<item><title>S</title><link>https://news.example/a b</link>"
        "<pubDate>not a date</pubDate></item>"
        "</channel></rss>",
        "https://news.example/rss.xml");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_RSS);
    assert_int_equal(p.n, 5);
    expect_item(&p, 0, "https://news.example/world/1?x=1&y=2", "A & B & C",
                "2003-06-10T02:00:00Z");
    expect_item(&p, 1, "https://news.example/g/2", "G", "2003-06-10T04:00:00Z");
    expect_item(&p, 2, "https://news.example/h/3", "H", "");
    expect_item(&p, 3, "https://news.example/f/4", "F", "");
    expect_item(&p, 4, "https://news.example/a%20b", "S", "");
    ww_feed_items_free(p.items, p.n);
}

static void test_rss1_rdf(void **state) {
    struct parsed p = parse(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\""
        " xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<channel rdf:about=\"http://x.example/\"><title>c</title></channel>"
        "<item rdf:about=\"http://x.example/1\"><title>One</title><link>http://x.example/1</link>"
        "<dc:date>2024-02-29T23:30:00-01:00</dc:date></item></rdf:RDF>",
        NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_RSS);
    assert_int_equal(p.n, 1);
    expect_item(&p, 0, "http://x.example/1", "One", "2024-03-01T00:30:00Z");
    ww_feed_items_free(p.items, p.n);
}

static void test_atom(void **state) {
    struct parsed p = parse(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://blog.example/en/\">"
        "<title>B</title><link rel=\"self\" href=\"/feed.atom\"/>"
        "<entry><title type=\"text\">First\n   post</title>"
        "<link rel=\"self\" href=\"https://blog.example/api/1\"/>"
        "<link rel=\"alternate\" type=\"text/html\" href=\"posts/1\"/>"
        "<updated>2005-07-31T12:29:29Z</updated><published>2003-12-13T08:29:29-04:00</published></entry>"
        "<entry xml:base=\"https://other.example/\"><title>Second</title><link href=\"2\"/>"
        "<updated>2005-07-31T12:29:29.123Z</updated></entry>"
        "<entry><title>No link</title><link rel=\"edit\" href=\"/e/3\"/></entry>"
        "</feed>",
        "https://ignored.example/feed");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_ATOM);
    assert_int_equal(p.n, 2);
    expect_item(&p, 0, "https://blog.example/en/posts/1", "First post",
                "2003-12-13T12:29:29Z");
    expect_item(&p, 1, "https://other.example/2", "Second", "2005-07-31T12:29:29Z");
    ww_feed_items_free(p.items, p.n);
}

static void test_sitemaps(void **state) {
    struct parsed p = parse(
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
        "<url><loc>https://s.example/a</loc><lastmod>2024-01-02</lastmod></url>"
        "<url><loc>\n  https://s.example/b\n</loc><lastmod>2024-01-02T03:04:05+01:00</lastmod></url>"
        "<url><lastmod>2024-01-02</lastmod></url>"
        "<url><loc>/relative</loc></url>"
        "</urlset>",
        "https://s.example/sitemap.xml");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_SITEMAP);
    assert_int_equal(p.n, 3);
    expect_item(&p, 0, "https://s.example/a", "", "2024-01-02T00:00:00Z");
    expect_item(&p, 1, "https://s.example/b", "", "2024-01-02T02:04:05Z");
    expect_item(&p, 2, "https://s.example/relative", "", "");
    ww_feed_items_free(p.items, p.n);

    p = parse(
        "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
        "<sitemap><loc>https://s.example/news-1.xml</loc><lastmod>2024-05</lastmod></sitemap>"
        "<sitemap><loc>https://s.example/news-2.xml.gz</loc></sitemap>"
        "</sitemapindex>",
        NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.kind, WW_FEED_SITEMAP_INDEX);
    assert_int_equal(p.n, 2);
    expect_item(&p, 0, "https://s.example/news-1.xml", "", "2024-05-01T00:00:00Z");
    expect_item(&p, 1, "https://s.example/news-2.xml.gz", "", "");
    ww_feed_items_free(p.items, p.n);

    /* no base URL: relative locations cannot be used */
    p = parse(
        "<urlset><url><loc>/x</loc></url><url><loc>http://h.example/y</loc></url></urlset>",
        NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.n, 1);
    expect_item(&p, 0, "http://h.example/y", "", "");
    ww_feed_items_free(p.items, p.n);

    /* a valid but empty sitemap is not an error */
    p = parse("<urlset/>", NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.n, 0);
    assert_null(p.items);
}

/* ---- dates ------------------------------------------------------------------------- */

static void test_dates(void **state) {
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"Fri, 24 Jan 2025 15:32:41 -0500", "2025-01-24T20:32:41Z"},
        {"Fri, 24 Jan 2025 15:32:41 GMT", "2025-01-24T15:32:41Z"},
        {"24 Jan 2025 15:32 EST", "2025-01-24T20:32:00Z"},
        {"Sat, 1 Jan 05 00:00:00 +0100", "2004-12-31T23:00:00Z"},
        {"Mon, 31 Dec 1999 23:59:60 UT", "1999-12-31T23:59:59Z"},
        {"Tuesday, 10 June 2003 04:00:00 PDT", "2003-06-10T11:00:00Z"},
        {"Tue, 10 Jun 2003 04:00:00 +02:00", "2003-06-10T02:00:00Z"},
        {"Tue, 10 Jun 2003", "2003-06-10T00:00:00Z"},
        {"Tue, 10 Jun 2003 04:00:00 Z", "2003-06-10T04:00:00Z"},
        {"2003-12-13T18:30:02Z", "2003-12-13T18:30:02Z"},
        {"2003-12-13T18:30:02.25+01:00", "2003-12-13T17:30:02Z"},
        {"2003-12-13t18:30:02-0530", "2003-12-14T00:00:02Z"},
        {"2003-12-13 18:30:02", "2003-12-13T18:30:02Z"},
        {"2003-12-13T18:30", "2003-12-13T18:30:00Z"},
        {" 2008-12-23 \n", "2008-12-23T00:00:00Z"},
        {"2024-02", "2024-02-01T00:00:00Z"},
        {"1997", "1997-01-01T00:00:00Z"},
        {"2024-02-29T00:00:00+01:00", "2024-02-28T23:00:00Z"},
        {"2000-01-01T24:00:00Z", "2000-01-02T00:00:00Z"},
    };
    static const char *const bad[] = {
        "",
        "yesterday",
        "2023-02-29",
        "2024-13-01",
        "2024-1-1",
        "2024-01-01T25:00Z",
        "2024-01-01T10:00+25",
        "Fri, 32 Jan 2025",
        "Fri, 24 Foo 2025 10:00 GMT",
        "Fri, 24 Jan 2025 10:00 +0500 trailing",
        "0000-01-01",
        "Fri, 24 Jan 202",
        "1/2/2024",
        "2024-01-01T10:00:00ZZ",
    };
    char out[32];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int rc = ww_feed_date_rfc3339(ok[i].in, out, sizeof out);
        if (rc != 0 || strcmp(out, ok[i].out) != 0)
            fail_msg("date \"%s\": rc %d \"%s\", expected \"%s\"", ok[i].in, rc, out,
                     ok[i].out);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = ww_feed_date_rfc3339(bad[i], out, sizeof out);
        if (rc != WW_EMALFORMED || out[0] != '\0')
            fail_msg("date \"%s\" should be rejected, got \"%s\"", bad[i], out);
    }
    assert_int_equal(ww_feed_date_rfc3339("2024", out, 8), WW_EINVAL);
}

/* ---- hostile and broken input ------------------------------------------------------ */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_billion_laughs(void **state) {
    /* 10^9 "lol"s if expanded; must be neither expanded nor slow */
    static const char head[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n<rss version=\"2.0\"><channel>"
        "<item><title>safe</title><link>http://a.example/1</link></item>";
    char doc[4096];
    /* referenced in a title after a good item, and at top level (worst case) */
    snprintf(doc, sizeof doc,
             "%s<item><title>x &lol9; y</title><link>http://a.example/2</link>"
             "</item></channel></rss>",
             head);
    double t0 = now_s();
    struct parsed p = parse(doc, NULL);
    double dt = now_s() - t0;
    assert_true(dt < 2.0);
    if (p.rc == 0) {
        for (size_t i = 0; i < p.n; i++)
            assert_true(strlen(p.items[i].title) < 100);
        assert_true(p.n >= 1);
        expect_item(&p, 0, "http://a.example/1", "safe", "");
    } else {
        assert_int_equal(p.rc, WW_EMALFORMED);
    }
    ww_feed_items_free(p.items, p.n);

    /* a small, legal amount of nesting is not expanded either */
    p = parse(
        "<!DOCTYPE rss [<!ENTITY a \"AAAA\"><!ENTITY b \"&a;&a;\">]>"
        "<rss><channel><item><title>[&b;]</title><link>http://a.example/3</link></item>"
        "</channel></rss>",
        NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.n, 1);
    expect_item(&p, 0, "http://a.example/3", "[]", "");
    ww_feed_items_free(p.items, p.n);
}

static void test_external_entities(void **state) {
    /* file and network entities, and an external DTD: nothing is read */
    char doc[2048], path[600];
    const char *root = getenv("WW_ROOT");
    snprintf(path, sizeof path, "%s/tests/fixtures/feeds/LICENSE.news-crawl",
             root && *root ? root : ".");
    char abs[1200];
    if (path[0] == '/')
        snprintf(abs, sizeof abs, "%s", path);
    else {
        char cwd[512];
        assert_non_null(getcwd(cwd, sizeof cwd));
        snprintf(abs, sizeof abs, "%s/%s", cwd, path);
    }
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:9/evil.dtd\" [\n"
             " <!ENTITY file SYSTEM \"file://%s\">\n"
             " <!ENTITY net SYSTEM \"http://127.0.0.1:9/x\">\n"
             " %%%%nonexistent;\n"
             "]>\n<rss><channel><item><title>a&file;b&net;c</title>"
             "<link>http://a.example/&file;</link></item></channel></rss>",
             abs);
    struct parsed p = parse(doc, NULL);
    if (p.rc == 0) {
        for (size_t i = 0; i < p.n; i++) {
            assert_null(strstr(p.items[i].title, "Apache"));
            assert_null(strstr(p.items[i].url, "Apache"));
        }
    } else {
        assert_int_equal(p.rc, WW_EMALFORMED);
    }
    ww_feed_items_free(p.items, p.n);

    /* the same without the broken parameter entity parses, entity text dropped */
    snprintf(doc, sizeof doc,
             "<!DOCTYPE rss [ <!ENTITY file SYSTEM \"file://%s\"> ]>"
             "<rss><channel><item><title>a&file;b</title>"
             "<link>http://a.example/1</link></item></channel></rss>",
             abs);
    p = parse(doc, NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.n, 1);
    expect_item(&p, 0, "http://a.example/1", "ab", "");
    ww_feed_items_free(p.items, p.n);
}

static void test_not_a_feed(void **state) {
    struct parsed p = parse("<html><head><title>x</title></head></html>", NULL);
    assert_int_equal(p.rc, WW_EMALFORMED);
    assert_int_equal(p.kind, WW_FEED_NONE);
    assert_null(p.items);
    assert_int_equal(p.n, 0);
    assert_non_null(strstr(p.err, "<html>"));

    p = parse("this is not xml", NULL);
    assert_int_equal(p.rc, WW_EMALFORMED);
    assert_non_null(strstr(p.err, "not XML"));

    p = parse("", NULL);
    assert_int_equal(p.rc, WW_EMALFORMED);

    /* refused before a byte is read */
    static const uint8_t one[1] = {'<'};
    ww_feed_kind k;
    ww_feed_item *items = (ww_feed_item *)1;
    size_t n = 7;
    char err[128];
    assert_int_equal(
        ww_feed_parse(one, WW_FEED_MAX_BYTES + 1, NULL, &k, &items, &n, err, sizeof err),
        WW_ETOOBIG);
    assert_null(items);
    assert_int_equal(n, 0);
}

static void test_broken_markup_recovers(void **state) {
    /* cut off mid-document: the complete items before the break are kept */
    struct parsed p =
        parse("<rss><channel>"
              "<item><title>one</title><link>http://r.example/1</link></item>"
              "<item><title>two</title><link>http://r.example/2</link></item>"
              "<item><title>thr",
              NULL);
    assert_int_equal(p.rc, 0);
    assert_true(p.n >= 2);
    expect_item(&p, 0, "http://r.example/1", "one", "");
    expect_item(&p, 1, "http://r.example/2", "two", "");
    ww_feed_items_free(p.items, p.n);

    /* broken with nothing usable: an error that says where */
    p = parse("<rss><channel><item><title>x</titl></rss>", NULL);
    if (p.rc != 0) {
        assert_int_equal(p.rc, WW_EMALFORMED);
        assert_non_null(strstr(p.err, "line"));
    } else {
        assert_int_equal(p.n, 0);
    }
    ww_feed_items_free(p.items, p.n);

    /* Latin-1 declared encoding is converted to UTF-8 */
    p = parse(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item>"
        "<title>caf\xe9</title><link>http://r.example/c</link></item></channel></rss>",
        NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.n, 1);
    expect_item(&p, 0, "http://r.example/c", "caf\xc3\xa9", "");
    ww_feed_items_free(p.items, p.n);
    ww_feed_items_free(NULL, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_rss),
        cmocka_unit_test(test_fixture_news_sitemap),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_rss_links),
        cmocka_unit_test(test_rss1_rdf),
        cmocka_unit_test(test_atom),
        cmocka_unit_test(test_sitemaps),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_external_entities),
        cmocka_unit_test(test_not_a_feed),
        cmocka_unit_test(test_broken_markup_recovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
