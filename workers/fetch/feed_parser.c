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

/* Parse the document with no network and no entities (see wirewatch/feed.h); msg
 * gets the parser's error, if it reported one.  NULL when nothing parsed. */
static xmlDoc *read_xml(xmlParserCtxt *ctxt, const uint8_t *data, size_t len,
                        const char *base_url, char *msg, size_t msglen) {
    xmlDoc *doc = xmlCtxtReadMemory(
        ctxt, (const char *)data, (int)len, base_url && *base_url ? base_url : NULL, NULL,
        XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
            XML_PARSE_NOCDATA);
    /* RECOVER keeps what was parsed before an error; the error matters only when
     * nothing usable came out of the document */
    const xmlError *xe = xmlCtxtGetLastError(ctxt);
    if (xe && xe->message && xe->level >= XML_ERR_ERROR) {
        snprintf(msg, msglen, "%s (line %d)", xe->message, xe->line);
        char *nl = strchr(msg, '\n');
        if (nl)
            memmove(nl, nl + 1, strlen(nl));
    }
    return doc;
}

/* The items of a document of kind k into it. */
static void collect_items(xmlDoc *doc, const xmlNode *root, ww_feed_kind k,
                          struct items *it) {
    switch (k) {
    case WW_FEED_RSS: {
        /* RSS 2.0: rss/channel/item; RSS 1.0: rdf:RDF/item (items beside the channel) */
        const xmlNode *channel = rss_child(root, "channel");
        for (const xmlNode *c = channel ? channel->children : NULL; c && !it->oom;
             c = c->next)
            if (name_is(c, "item"))
                rss_item(doc, c, it);
        for (const xmlNode *c = root->children; c && !it->oom; c = c->next)
            if (name_is(c, "item"))
                rss_item(doc, c, it);
        break;
    }
    case WW_FEED_ATOM:
        for (const xmlNode *c = root->children; c && !it->oom; c = c->next)
            if (name_is(c, "entry"))
                atom_entry(doc, c, it);
        break;
    case WW_FEED_SITEMAP:
        for (const xmlNode *c = root->children; c && !it->oom; c = c->next)
            if (name_is(c, "url"))
                sitemap_url(doc, c, it);
        break;
    case WW_FEED_SITEMAP_INDEX:
        for (const xmlNode *c = root->children; c && !it->oom; c = c->next)
            if (name_is(c, "sitemap"))
                sitemap_url(doc, c, it);
        break;
    default: break;
    }
}

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
    doc = read_xml(ctxt, data, len, base_url, xmlmsg, sizeof xmlmsg);
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
    collect_items(doc, root, k, &it);
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
