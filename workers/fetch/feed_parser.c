/* Feed and sitemap parsing with libxml2: article URLs, titles and dates out of RSS,
 * Atom, sitemaps and sitemap indexes.
 *
 * Safety: XML_PARSE_NONET and no XML_PARSE_NOENT/DTDLOAD, so nothing outside the
 * bytes is read; text is collected from text and CDATA nodes only, so an entity
 * reference (internal or external) contributes nothing - it is never expanded, which
 * defuses "billion laughs" even when libxml2 recovers from a broken document. */
#include "wirewatch/feed.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wirewatch/error.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_NEWS "http://www.google.com/schemas/sitemap-news/0.9"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_FEEDBURNER "http://rssnamespace.org/feedburner/ext/1.0"

const char *ww_feed_kind_name(ww_feed_kind kind) {
    switch (kind) {
    case WW_FEED_RSS: return "rss";
    case WW_FEED_ATOM: return "atom";
    case WW_FEED_SITEMAP: return "sitemap";
    case WW_FEED_SITEMAP_INDEX: return "sitemapindex";
    default: return "none";
    }
}

/* ---- sniffing ---------------------------------------------------------------------- */

static ww_feed_kind kind_of_root(const char *name, size_t n) {
    const char *colon = memchr(name, ':', n); /* ignore a namespace prefix */
    if (colon) {
        n -= (size_t)(colon + 1 - name);
        name = colon + 1;
    }
#define IS(s) (n == sizeof(s) - 1 && !memcmp(name, s, n))
    if (IS("rss") || IS("RDF"))
        return WW_FEED_RSS;
    if (IS("feed"))
        return WW_FEED_ATOM;
    if (IS("urlset"))
        return WW_FEED_SITEMAP;
    if (IS("sitemapindex"))
        return WW_FEED_SITEMAP_INDEX;
#undef IS
    return WW_FEED_NONE;
}

ww_feed_kind ww_feed_sniff(const uint8_t *data, size_t len) {
    const char *p = (const char *)data, *end;
    if (!data)
        return WW_FEED_NONE;
    if (len > 4096)
        len = 4096;
    end = p + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || lt + 1 >= end)
            return WW_FEED_NONE;
        p = lt + 1;
        if (*p == '?' || (*p == '!' && !(end - p >= 3 && !memcmp(p, "!--", 3)))) {
            /* declaration, PI or DOCTYPE: skip to '>' (an internal subset's '>' may
             * end it early; the next '<' is then inside it, and skipped the same way) */
            const char *gt = memchr(p, '>', (size_t)(end - p));
            if (!gt)
                return WW_FEED_NONE;
            p = gt + 1;
            continue;
        }
        if (*p == '!') { /* comment */
            const char *q = p + 3;
            for (; q + 3 <= end; q++)
                if (!memcmp(q, "-->", 3))
                    break;
            if (q + 3 > end)
                return WW_FEED_NONE;
            p = q + 3;
            continue;
        }
        const char *n = p;
        while (p < end && *p != '>' && *p != '/' && *p != ' ' && *p != '\t' &&
               *p != '\r' && *p != '\n')
            p++;
        return kind_of_root(n, (size_t)(p - n));
    }
    return WW_FEED_NONE;
}

/* ---- dates ------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Read exactly n digits. */
static int digits(const char **s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

static void skip_ws(const char **s) {
    while (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n' || **s == ',')
        (*s)++;
}

/* Write y-m-d h:m:s minus tz_min minutes, as UTC. */
static int emit(int y, int mo, int d, int h, int mi, int sec, int tz_min, char *out,
                size_t outlen) {
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60 ||
        (h == 24 && (mi || sec)))
        return WW_EMALFORMED;
    if (sec == 60)
        sec = 59; /* a leap second: the nearest representable instant */
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                (int64_t)tz_min * 60;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    civil_from_days(days, &y, &mo, &d);
    if (y < 1 || y > 9999)
        return WW_EMALFORMED;
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
    return 0;
}

/* Zone: Z, UT, UTC, GMT, +hh:mm, +hhmm, +hh, US zones, military letters (treated as
 * UTC, as RFC 5322 advises).  Returns minutes east of UTC or INT32_MIN. */
static int parse_zone(const char **s) {
    const char *p = *s;
    static const struct {
        const char *name;
        int min;
    } zones[] = {{"UTC", 0},       {"GMT", 0},       {"UT", 0},        {"Z", 0},
                 {"EST", -5 * 60}, {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60},
                 {"MST", -7 * 60}, {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}};
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh, mm = 0;
        p++;
        if (digits(&p, 2, &hh) < 0)
            return INT32_MIN;
        if (*p == ':')
            p++;
        if (*p >= '0' && *p <= '9' && digits(&p, 2, &mm) < 0)
            return INT32_MIN;
        if (hh > 23 || mm > 59)
            return INT32_MIN;
        *s = p;
        return sign * (hh * 60 + mm);
    }
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        size_t n = strlen(zones[i].name);
        if (!strncasecmp(p, zones[i].name, n)) {
            *s = p + n;
            return zones[i].min;
        }
    }
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        *s = p + 1;
        return 0;
    }
    return INT32_MIN;
}

/* RFC 3339 / W3C date-time: YYYY[-MM[-DD[(T| )hh:mm[:ss[.frac]][zone]]]]. */
static int parse_iso(const char *s, char *out, size_t outlen) {
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, tz = 0;
    if (digits(&s, 4, &y) < 0)
        return WW_EMALFORMED;
    if (*s == '-') {
        s++;
        if (digits(&s, 2, &mo) < 0)
            return WW_EMALFORMED;
        if (*s == '-') {
            s++;
            if (digits(&s, 2, &d) < 0)
                return WW_EMALFORMED;
            if (*s == 'T' || *s == 't' || (*s == ' ' && s[1] >= '0' && s[1] <= '9')) {
                s++;
                if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0)
                    return WW_EMALFORMED;
                if (*s == ':') {
                    s++;
                    if (digits(&s, 2, &sec) < 0)
                        return WW_EMALFORMED;
                    if (*s == '.' || *s == ',') {
                        s++;
                        while (*s >= '0' && *s <= '9')
                            s++;
                    }
                }
                skip_ws(&s);
                if (*s) {
                    tz = parse_zone(&s);
                    if (tz == INT32_MIN)
                        return WW_EMALFORMED;
                }
            }
        }
    }
    skip_ws(&s);
    if (*s)
        return WW_EMALFORMED;
    return emit(y, mo, d, h, mi, sec, tz, out, outlen);
}

/* RFC 822/1123: [Day,] D Mon YYYY hh:mm[:ss] zone (2-digit years as RFC 5322 says). */
static int parse_rfc822(const char *s, char *out, size_t outlen) {
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    int d = 0, mo = 0, y = 0, h = 0, mi = 0, sec = 0, tz = 0, nd = 0;
    skip_ws(&s);
    if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') { /* day name */
        while ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')
            s++;
        skip_ws(&s);
    }
    while (*s >= '0' && *s <= '9' && nd < 2)
        d = d * 10 + (*s++ - '0'), nd++;
    if (!nd)
        return WW_EMALFORMED;
    skip_ws(&s);
    if (*s == '-')
        s++;
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, months + 3 * i, 3)) {
            mo = i + 1;
            break;
        }
    if (!mo)
        return WW_EMALFORMED;
    while ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') /* "Jan" or "January" */
        s++;
    skip_ws(&s);
    if (*s == '-')
        s++;
    nd = 0;
    while (*s >= '0' && *s <= '9' && nd < 4)
        y = y * 10 + (*s++ - '0'), nd++;
    if (nd == 2)
        y += y < 50 ? 2000 : 1900;
    else if (nd != 4)
        return WW_EMALFORMED;
    skip_ws(&s);
    if (*s) {
        if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0)
            return WW_EMALFORMED;
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &sec) < 0)
                return WW_EMALFORMED;
        }
        skip_ws(&s);
        if (*s) {
            tz = parse_zone(&s);
            if (tz == INT32_MIN)
                return WW_EMALFORMED;
            skip_ws(&s);
            if (*s == '(') /* "(EST)" comments */
                s += strlen(s);
        }
    }
    if (*s)
        return WW_EMALFORMED;
    return emit(y, mo, d, h, mi, sec, tz, out, outlen);
}

int ww_feed_date_rfc3339(const char *text, char *out, size_t outlen) {
    if (!out || outlen < 21)
        return WW_EINVAL;
    out[0] = '\0';
    if (!text)
        return WW_EMALFORMED;
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
        text++;
    char buf[80];
    size_t n = strlen(text);
    if (n >= sizeof buf)
        return WW_EMALFORMED;
    memcpy(buf, text, n + 1);
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r' ||
                 buf[n - 1] == '\n'))
        buf[--n] = '\0';
    int rc = (buf[0] >= '0' && buf[0] <= '9' && buf[1] >= '0' && buf[1] <= '9' &&
              buf[2] >= '0' && buf[2] <= '9')
                 ? parse_iso(buf, out, outlen)
                 : parse_rfc822(buf, out, outlen);
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

/* ---- XML helpers ------------------------------------------------------------------- */

static int name_is(const xmlNode *n, const char *local) {
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, local);
}

static int ns_is(const xmlNode *n, const char *uri) {
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, uri);
}

static const xmlNode *child(const xmlNode *n, const char *local, const char *ns) {
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (name_is(c, local) && (!ns || ns_is(c, ns)))
            return c;
    return NULL;
}

#define NS_RSS1 "http://purl.org/rss/1.0/"

/* An RSS element of the core vocabulary: no namespace (RSS 2.0) or RSS 1.0's. */
static const xmlNode *rss_child(const xmlNode *n, const char *local) {
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (name_is(c, local) && (!c->ns || ns_is(c, NS_RSS1)))
            return c;
    return NULL;
}

/* Text of text and CDATA descendants, whitespace collapsed, malloc'd.  Entity
 * references are skipped on purpose (see the top of the file). */
struct sbuf {
    char *p;
    size_t n, cap;
    int space, oom;
};

static void sb_put(struct sbuf *b, const char *s) {
    for (; *s && !b->oom; s++) {
        int ws = *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n';
        if (ws) {
            b->space = b->n > 0;
            continue;
        }
        if (b->n + 3 > b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 64;
            char *q = realloc(b->p, cap);
            if (!q) {
                b->oom = 1;
                return;
            }
            b->p = q;
            b->cap = cap;
        }
        if (b->space) {
            b->p[b->n++] = ' ';
            b->space = 0;
        }
        b->p[b->n++] = *s;
    }
}

static void collect(const xmlNode *n, struct sbuf *b, int depth) {
    for (const xmlNode *c = n->children; c && depth < 64; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            sb_put(b, (const char *)c->content);
        else if (c->type == XML_ELEMENT_NODE)
            collect(c, b, depth + 1);
    }
}

/* NULL on ENOMEM; "" for a NULL node. */
static char *text_of(const xmlNode *n) {
    struct sbuf b = {0};
    if (n)
        collect(n, &b, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (!b.p)
        return strdup("");
    b.p[b.n] = '\0';
    return b.p;
}

static char *attr(const xmlNode *n, const char *name) {
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    return (char *)v;
}

/* ---- URL resolution ---------------------------------------------------------------- */

/* Absolute http(s) URL of href against the node's base (xml:base, then the document
 * URL); NULL when there is none.  *oom set on allocation failure. */
static char *resolve(const xmlDoc *doc, const xmlNode *node, const char *href, int *oom) {
    char *out = NULL, *clean = NULL, *url = NULL;
    xmlChar *base = NULL;
    CURLU *u = NULL;
    size_t n;
    while (*href == ' ' || *href == '\t' || *href == '\r' || *href == '\n')
        href++;
    n = strlen(href);
    while (n && (href[n - 1] == ' ' || href[n - 1] == '\t' || href[n - 1] == '\r' ||
                 href[n - 1] == '\n'))
        n--;
    if (n == 0 || n > 8192)
        return NULL;
    /* inner spaces (seen in real feeds) become %20; control bytes make it unusable */
    clean = malloc(3 * n + 1);
    if (!clean)
        goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)href[i];
        if (c == ' ') {
            memcpy(clean + k, "%20", 3);
            k += 3;
        } else if (c < 0x20 || c == 0x7f) {
            goto out;
        } else {
            clean[k++] = (char)c;
        }
    }
    clean[k] = '\0';
    u = curl_url();
    if (!u)
        goto nomem;
    base = xmlNodeGetBase((xmlDoc *)doc, (xmlNode *)node);
    if (base && curl_url_set(u, CURLUPART_URL, (const char *)base, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        u = curl_url(); /* unusable base: only absolute hrefs can work */
        if (!u)
            goto nomem;
    }
    if (curl_url_set(u, CURLUPART_URL, clean, CURLU_URLENCODE) != CURLUE_OK)
        goto out;
    char *scheme = NULL;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        goto out;
    int web = !strcmp(scheme, "http") || !strcmp(scheme, "https");
    curl_free(scheme);
    if (!web)
        goto out;
    if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        goto out;
    out = strdup(url);
    if (!out)
        goto nomem;
    goto out;
nomem:
    *oom = 1;
out:
    curl_free(url);
    curl_url_cleanup(u);
    xmlFree(base);
    free(clean);
    return out;
}

/* ---- items ------------------------------------------------------------------------- */

struct items {
    ww_feed_item *v;
    size_t n, cap;
    int oom;
};

/* Add an item; takes ownership of url and title (NULL title = ENOMEM upstream). */
static void add(struct items *it, char *url, char *title, const char *date_text) {
    char date[32] = "";
    char *pub = NULL;
    if (!title)
        goto oom;
    if (date_text)
        ww_feed_date_rfc3339(date_text, date, sizeof date);
    pub = strdup(date);
    if (!pub)
        goto oom;
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 16;
        ww_feed_item *v = realloc(it->v, cap * sizeof *v);
        if (!v)
            goto oom;
        it->v = v;
        it->cap = cap;
    }
    it->v[it->n].url = url;
    it->v[it->n].title = title;
    it->v[it->n].published = pub;
    it->n++;
    return;
oom:
    it->oom = 1;
    free(url);
    free(title);
    free(pub);
}

/* Text of the first child (local, ns) as a date candidate; malloc'd or NULL. */
static char *child_text(const xmlNode *n, const char *local, const char *ns) {
    const xmlNode *c = child(n, local, ns);
    return c ? text_of(c) : NULL;
}

/* The first <link href> child of parent with no rel or rel="alternate" (an Atom
 * entry's article link; inside RSS, atom:link when ns is NS_ATOM), resolved; NULL when
 * none, with *oom set on allocation failure. */
static char *alternate_link(const xmlDoc *doc, const xmlNode *parent, const char *ns,
                            int *oom) {
    char *url = NULL;
    for (const xmlNode *c = parent->children; c && !url && !*oom; c = c->next) {
        if (!name_is(c, "link") || (ns && !ns_is(c, ns)))
            continue;
        char *rel = attr(c, "rel"), *href = attr(c, "href");
        if (href && (!rel || !strcmp(rel, "alternate")))
            url = resolve(doc, c, href, oom);
        xmlFree(rel);
        xmlFree(href);
    }
    return url;
}

static void rss_item(const xmlDoc *doc, const xmlNode *item, struct items *it) {
    int oom = 0;
    char *url = NULL;
    /* feedburner:origLink is the publisher's URL behind a feedburner redirect */
    const xmlNode *c = child(item, "origLink", NS_FEEDBURNER);
    if (c) {
        char *t = text_of(c);
        if (t)
            url = resolve(doc, c, t, &oom);
        free(t);
    }
    for (c = item->children; c && !url && !oom; c = c->next) {
        if (!name_is(c, "link") || (c->ns && !ns_is(c, NS_RSS1)))
            continue;
        char *t = text_of(c);
        if (t)
            url = resolve(doc, c, t, &oom);
        free(t);
    }
    c = rss_child(item, "guid");
    if (!url && !oom && c) {
        char *perma = attr(c, "isPermaLink");
        if (!perma || strcasecmp(perma, "false") != 0) {
            char *t = text_of(c);
            if (t)
                url = resolve(doc, c, t, &oom);
            free(t);
        }
        xmlFree(perma);
    }
    if (!url && !oom)
        url = alternate_link(doc, item, NS_ATOM, &oom);
    if (oom) {
        it->oom = 1;
        return;
    }
    if (!url)
        return;
    char *date = rss_child(item, "pubDate") ? text_of(rss_child(item, "pubDate")) : NULL;
    if (!date)
        date = child_text(item, "date", NS_DC);
    if (!date)
        date = child_text(item, "published", NS_ATOM);
    if (!date)
        date = child_text(item, "updated", NS_ATOM);
    add(it, url, text_of(rss_child(item, "title")), date);
    free(date);
}

static void atom_entry(const xmlDoc *doc, const xmlNode *entry, struct items *it) {
    int oom = 0;
    char *url = NULL;
    url = alternate_link(doc, entry, NULL, &oom);
    if (oom) {
        it->oom = 1;
        return;
    }
    if (!url)
        return;
    char *date = child_text(entry, "published", NULL);
    if (!date)
        date = child_text(entry, "updated", NULL);
    add(it, url, text_of(child(entry, "title", NULL)), date);
    free(date);
}

static void sitemap_url(const xmlDoc *doc, const xmlNode *u, struct items *it) {
    int oom = 0;
    char *url = NULL;
    const xmlNode *loc = child(u, "loc", NULL);
    char *t = loc ? text_of(loc) : NULL;
    if (t)
        url = resolve(doc, loc, t, &oom);
    free(t);
    if (oom) {
        it->oom = 1;
        return;
    }
    if (!url)
        return;
    const xmlNode *news = child(u, "news", NS_NEWS);
    char *date = news ? child_text(news, "publication_date", NS_NEWS) : NULL;
    if (!date)
        date = child_text(u, "lastmod", NULL);
    const xmlNode *title = news ? child(news, "title", NS_NEWS) : NULL;
    add(it, url, text_of(title), date);
    free(date);
}

/* ---- entry point ------------------------------------------------------------------- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

int ww_feed_parse(const uint8_t *data, size_t len, const char *base_url,
                  ww_feed_kind *kind, ww_feed_item **items, size_t *n_items, char *err,
                  size_t errlen) {
    struct items it = {0};
    xmlParserCtxt *ctxt = NULL;
    xmlDoc *doc = NULL;
    char xmlmsg[160] = "";
    int rc = 0;
    *kind = WW_FEED_NONE;
    *items = NULL;
    *n_items = 0;
    if (len > WW_FEED_MAX_BYTES) {
        rc = ww_seterr(err, errlen, WW_ETOOBIG,
                       "feed of %zu bytes exceeds the limit of %zu", len,
                       WW_FEED_MAX_BYTES);
        goto out;
    }
    if (!data || len == 0) {
        rc = ww_seterr(err, errlen, WW_EMALFORMED, "empty document");
        goto out;
    }
    pthread_once(&xml_once, xml_init);
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        rc = ww_seterr(err, errlen, WW_ENOMEM, "out of memory creating the XML parser");
        goto out;
    }
    doc = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len,
                            base_url && *base_url ? base_url : NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    /* RECOVER keeps what was parsed before an error; the error matters only when
     * nothing usable came out of the document */
    const xmlError *xe = xmlCtxtGetLastError(ctxt);
    if (xe && xe->message && xe->level >= XML_ERR_ERROR) {
        snprintf(xmlmsg, sizeof xmlmsg, "%s (line %d)", xe->message, xe->line);
        char *nl = strchr(xmlmsg, '\n');
        if (nl)
            memmove(nl, nl + 1, strlen(nl));
    }
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        rc = ww_seterr(err, errlen, WW_EMALFORMED, "not XML: %s",
                       xmlmsg[0] ? xmlmsg : "no root element");
        goto out;
    }
    ww_feed_kind k =
        kind_of_root((const char *)root->name, strlen((const char *)root->name));
    if (k == WW_FEED_NONE) {
        char nm[40];
        snprintf(nm, sizeof nm, "%s", (const char *)root->name);
        rc = ww_seterr(err, errlen, WW_EMALFORMED,
                       "not a feed or sitemap (root element <%s>)", nm);
        goto out;
    }
    switch (k) {
    case WW_FEED_RSS: {
        /* RSS 2.0: rss/channel/item; RSS 1.0: rdf:RDF/item (items beside the channel) */
        const xmlNode *channel = rss_child(root, "channel");
        for (const xmlNode *c = channel ? channel->children : NULL; c && !it.oom;
             c = c->next)
            if (name_is(c, "item"))
                rss_item(doc, c, &it);
        for (const xmlNode *c = root->children; c && !it.oom; c = c->next)
            if (name_is(c, "item"))
                rss_item(doc, c, &it);
        break;
    }
    case WW_FEED_ATOM:
        for (const xmlNode *c = root->children; c && !it.oom; c = c->next)
            if (name_is(c, "entry"))
                atom_entry(doc, c, &it);
        break;
    case WW_FEED_SITEMAP:
        for (const xmlNode *c = root->children; c && !it.oom; c = c->next)
            if (name_is(c, "url"))
                sitemap_url(doc, c, &it);
        break;
    case WW_FEED_SITEMAP_INDEX:
        for (const xmlNode *c = root->children; c && !it.oom; c = c->next)
            if (name_is(c, "sitemap"))
                sitemap_url(doc, c, &it);
        break;
    default: break;
    }
    if (it.oom) {
        rc = ww_seterr(err, errlen, WW_ENOMEM, "out of memory parsing feed");
        goto out;
    }
    if (it.n == 0 && xmlmsg[0]) {
        rc = ww_seterr(err, errlen, WW_EMALFORMED, "broken %s document: %s",
                       ww_feed_kind_name(k), xmlmsg);
        goto out;
    }
    *kind = k;
    *items = it.v;
    *n_items = it.n;
    it.v = NULL;
    it.n = 0;
out:
    ww_feed_items_free(it.v, it.n);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

void ww_feed_items_free(ww_feed_item *items, size_t n) {
    if (!items)
        return;
    for (size_t i = 0; i < n; i++) {
        free(items[i].url);
        free(items[i].title);
        free(items[i].published);
    }
    free(items);
}
