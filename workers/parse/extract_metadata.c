/* Article metadata with fallbacks, strongest source first:
 *   title      og:title, JSON-LD headline, twitter:title, first <h1>, <title>
 *              (a " - Site" / " | Site" suffix or "Site | " prefix is cut)
 *   byline     JSON-LD author, meta author, itemprop=author / rel=author / .byline
 *   published  JSON-LD datePublished, article:published_time and kin, itemprop
 *              datePublished, <time datetime> (pubdate first)
 *   canonical  <link rel=canonical>, og:url, JSON-LD url / mainEntityOfPage
 *   site       og:site_name, JSON-LD publisher.name, application-name
 * JSON-LD is read with jansson: top-level arrays and @graph are searched for an
 * object whose @type is an article kind. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_text.h"
#include "parse_internal.h"
#include "url_resolve.h"
#include "wirewatch/error.h"

enum { S_LD = 0, S_META, S_ITEMPROP, S_TAG, S_WEAK, S__N };

typedef struct cands {
    char *v[S__N];
} cands;

typedef struct meta {
    cands title, byline, published, canonical, site, description, lang;
    char *h1, *title_tag;
} meta;

static void set(cands *c, int src, const char *v) {
    if (!v || !*v || c->v[src])
        return;
    c->v[src] = strdup(v);
}

static char *best(cands *c) {
    for (int k = 0; k < S__N; k++)
        if (c->v[k]) {
            char *r = c->v[k];
            c->v[k] = NULL;
            return r;
        }
    return NULL;
}

static void cands_free(cands *c) {
    for (int k = 0; k < S__N; k++)
        free(c->v[k]);
}

/* Collapse whitespace and trim, in place. */
static void squeeze(char *s) {
    if (!s)
        return;
    char *w = s;
    int sp = 0;
    for (char *r = s; *r; r++) {
        unsigned char ch = (unsigned char)*r;
        if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f') {
            sp = w != s;
            continue;
        }
        if (sp)
            *w++ = ' ';
        sp = 0;
        *w++ = *r;
    }
    *w = 0;
}

static int is_article_type(const char *t) {
    static const char *const kinds[] = {"Article", "BlogPosting",     "NewsArticle",
                                        "Report",  "LiveBlogPosting", "Posting",
                                        NULL};
    for (const char *const *k = kinds; *k; k++)
        if (strstr(t, *k))
            return 1;
    return 0;
}

static int type_matches(json_t *o) {
    json_t *ty = json_object_get(o, "@type");
    if (json_is_string(ty))
        return is_article_type(json_string_value(ty));
    if (json_is_array(ty)) {
        size_t k;
        json_t *v;
        json_array_foreach(ty, k, v) {
            if (json_is_string(v) && is_article_type(json_string_value(v)))
                return 1;
        }
    }
    return 0;
}

static const char *str_or_name(json_t *v) {
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_object(v)) {
        json_t *n = json_object_get(v, "name");
        if (json_is_string(n))
            return json_string_value(n);
        n = json_object_get(v, "@id");
        if (json_is_string(n))
            return json_string_value(n);
    }
    return NULL;
}

static void ld_article(meta *m, json_t *o, const char *base) {
    set(&m->title, S_LD, json_string_value(json_object_get(o, "headline")));
    const char *dp = json_string_value(json_object_get(o, "datePublished"));
    if (!dp)
        dp = json_string_value(json_object_get(o, "dateCreated"));
    set(&m->published, S_LD, dp);
    json_t *au = json_object_get(o, "author");
    if (json_is_array(au)) {
        char buf[512] = "";
        size_t k, used = 0;
        json_t *v;
        json_array_foreach(au, k, v) {
            const char *n = str_or_name(v);
            if (!n || strncmp(n, "http", 4) == 0)
                continue;
            int w = snprintf(buf + used, sizeof buf - used, "%s%s", used ? ", " : "", n);
            if (w < 0 || (size_t)w >= sizeof buf - used)
                break;
            used += (size_t)w;
        }
        set(&m->byline, S_LD, buf);
    } else {
        const char *n = str_or_name(au);
        if (n && strncmp(n, "http", 4) != 0)
            set(&m->byline, S_LD, n);
    }
    set(&m->site, S_LD, str_or_name(json_object_get(o, "publisher")));
    set(&m->description, S_LD, json_string_value(json_object_get(o, "description")));
    set(&m->lang, S_LD, json_string_value(json_object_get(o, "inLanguage")));
    const char *u = json_string_value(json_object_get(o, "url"));
    if (!u)
        u = str_or_name(json_object_get(o, "mainEntityOfPage"));
    if (u) {
        char *r = ww__resolve_url(base, u);
        set(&m->canonical, S_WEAK, r);
        free(r);
    }
}

static void ld_walk(meta *m, json_t *j, const char *base, int depth) {
    if (depth > 4)
        return;
    if (json_is_array(j)) {
        size_t k;
        json_t *v;
        json_array_foreach(j, k, v) { ld_walk(m, v, base, depth + 1); }
        return;
    }
    if (!json_is_object(j))
        return;
    if (type_matches(j))
        ld_article(m, j, base);
    json_t *g = json_object_get(j, "@graph");
    if (g)
        ld_walk(m, g, base, depth + 1);
    json_t *me = json_object_get(j, "mainEntity");
    if (json_is_object(me))
        ld_walk(m, me, base, depth + 1);
}

static void json_ld(meta *m, const char *s, size_t n, const char *base) {
    json_error_t e;
    /* Every script comes here, JSON-LD or not; jansson only accepts an object or an
     * array after JSON white space, so the rest (most scripts) is turned away without
     * starting a decoder. */
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r'))
        k++;
    if (k == n || (s[k] != '{' && s[k] != '['))
        return;
    /* Only an object whose @type names an article kind is used (is_article_type: each
     * kind contains "Article", "Posting" or "Report"); decoded text has those bytes
     * in the raw text too unless \u escapes spell them, so a script with neither is
     * not decoded (Organization, WebSite, BreadcrumbList ... are most of them). */
    if (!memmem(s, n, "Article", 7) && !memmem(s, n, "Posting", 7) &&
        !memmem(s, n, "Report", 6) && !memmem(s, n, "\\u", 2))
        return;
    json_t *j = json_loadb(s, n, JSON_DISABLE_EOF_CHECK, &e);
    if (!j)
        return; /* broken JSON-LD is common; other sources still apply */
    ld_walk(m, j, base, 0);
    json_decref(j);
}

static void meta_tag(meta *m, const char *key, const char *content, const char *base) {
    if (!key || !content || !*content)
        return;
    if (!strcasecmp(key, "og:title"))
        set(&m->title, S_META, content);
    else if (!strcasecmp(key, "twitter:title"))
        set(&m->title, S_WEAK, content);
    else if (!strcasecmp(key, "og:site_name"))
        set(&m->site, S_META, content);
    else if (!strcasecmp(key, "application-name"))
        set(&m->site, S_WEAK, content);
    else if (!strcasecmp(key, "og:url")) {
        char *r = ww__resolve_url(base, content);
        set(&m->canonical, S_META, r);
        free(r);
    } else if (!strcasecmp(key, "description") || !strcasecmp(key, "og:description"))
        set(&m->description, S_META, content);
    else if (!strcasecmp(key, "twitter:description"))
        set(&m->description, S_WEAK, content);
    else if (!strcasecmp(key, "author") || !strcasecmp(key, "byl") ||
             !strcasecmp(key, "sailthru.author") || !strcasecmp(key, "parsely-author") ||
             !strcasecmp(key, "dc.creator") || !strcasecmp(key, "article:author")) {
        if (strncmp(content, "http", 4) != 0)
            set(&m->byline, S_META, content);
    } else if (!strcasecmp(key, "article:published_time") ||
               !strcasecmp(key, "og:published_time") ||
               !strcasecmp(key, "datepublished") || !strcasecmp(key, "pubdate") ||
               !strcasecmp(key, "publishdate") || !strcasecmp(key, "publish-date") ||
               !strcasecmp(key, "dc.date.issued") || !strcasecmp(key, "dc.date") ||
               !strcasecmp(key, "sailthru.date") ||
               !strcasecmp(key, "parsely-pub-date") ||
               !strcasecmp(key, "publication_date") || !strcasecmp(key, "date") ||
               !strcasecmp(key, "article.published") ||
               !strcasecmp(key, "cxenseparse:recs:publishtime"))
        set(&m->published, S_META, content);
    else if (!strcasecmp(key, "og:locale"))
        set(&m->lang, S_WEAK, content);
}

/* 1 when a word of 4+ letters of `words` appears in the host of url ("Example Times"
 * and news.example.org). */
static int host_has_word(const char *url, const char *words) {
    if (!url)
        return 0;
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t hl = strcspn(h, "/?#");
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(hl < 255 ? hl : 255), h);
    const char *w = words;
    while (*w) {
        size_t n = 0;
        while (w[n] && w[n] != ' ')
            n++;
        if (n >= 4) {
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), w);
            if (strcasestr(host, word))
                return 1;
        }
        w += n;
        while (*w == ' ')
            w++;
    }
    return 0;
}

/* Cut " - Site", " | Site" (or "Site | ") from a title. */
static void strip_site(char *title, const char *site, const char *base) {
    static const char *const seps[] = {" | ",  " - ", " – ", " — ",
                                       " :: ", " · ", " » ", NULL};
    for (const char *const *sp = seps; *sp; sp++) {
        char *last = NULL, *p = title;
        while ((p = strstr(p, *sp)) != NULL) {
            last = p;
            p += strlen(*sp);
        }
        if (!last)
            continue;
        const char *tail = last + strlen(*sp);
        size_t head_len = (size_t)(last - title);
        int words = 1;
        for (const char *q = tail; *q; q++)
            words += *q == ' ';
        int is_site =
            (site && *site && (strcasestr(site, tail) || strcasestr(tail, site))) ||
            (*tail && host_has_word(base, tail));
        if (is_site || (words <= 3 && strlen(tail) <= head_len)) {
            *last = 0;
            return;
        }
        /* "Site | Headline" */
        char *first = strstr(title, *sp);
        if (first && site && *site && (size_t)(first - title) == strlen(site) &&
            strncasecmp(title, site, strlen(site)) == 0) {
            memmove(title, first + strlen(*sp), strlen(first + strlen(*sp)) + 1);
            return;
        }
    }
}

static void strip_by(char *s) {
    if (!s)
        return;
    if (strncasecmp(s, "by ", 3) == 0)
        memmove(s, s + 3, strlen(s + 3) + 1);
    squeeze(s);
}

/* Metadata an element's tag carries: <html lang>, <title>, the first <h1>, <meta>,
 * <link rel=canonical>, JSON-LD <script>, <time datetime>. */
static void from_tag(meta *m, const ww__htree *t, uint32_t i, const char *base) {
    const ww__hnode *nd = &t->nodes[i];
    switch (nd->tag) {
    case T_HTML: set(&m->lang, S_TAG, ww__hattr_id(t, i, A_LANG)); break;
    case T_TITLE:
        if (!m->title_tag && nd->first)
            m->title_tag = ww__node_text(t, i);
        break;
    case T_H1:
        if (!m->h1)
            m->h1 = ww__node_text(t, i);
        break;
    case T_META: {
        const char *content = ww__hattr_id(t, i, A_CONTENT);
        meta_tag(m, ww__hattr_id(t, i, A_PROPERTY), content, base);
        meta_tag(m, ww__hattr_id(t, i, A_NAME), content, base);
        const char *he = ww__hattr_id(t, i, A_HTTP_EQUIV);
        if (he && !strcasecmp(he, "content-language"))
            set(&m->lang, S_WEAK, content);
        break;
    }
    case T_LINK: {
        const char *rel = ww__hattr_id(t, i, A_REL);
        if (rel && !strcasecmp(rel, "canonical")) {
            char *r = ww__resolve_url(base, ww__hattr_id(t, i, A_HREF));
            set(&m->canonical, S_LD, r); /* the strongest canonical source */
            free(r);
        }
        break;
    }
    case T_SCRIPT:
        if (nd->first && t->nodes[nd->first].tag == T_TEXT)
            json_ld(m, ww__htext(t, nd->first), t->nodes[nd->first].len, base);
        break;
    case T_TIME: {
        const char *dt = ww__hattr_id(t, i, A_DATETIME);
        if (ww__hattr_id(t, i, A_PUBDATE) ||
            (ww__hattr_id(t, i, A_ITEMPROP) &&
             strstr(ww__hattr_id(t, i, A_ITEMPROP), "datePublished")))
            set(&m->published, S_TAG, dt);
        else
            set(&m->published, S_WEAK, dt);
        break;
    }
    default: break;
    }
}

/* Whether lower-case ASCII word w (n bytes) is at s, ignoring ASCII case. */
static int at_nocase(const char *s, const char *w, size_t n) {
    for (size_t j = 0; j < n; j++) {
        char c = s[j] >= 'A' && s[j] <= 'Z' ? (char)(s[j] | 0x20) : s[j];
        if (c != w[j]) /* also stops at the NUL */
            return 0;
    }
    return 1;
}

/* Whether class list s names a byline: "byline" or "author-name" in it, ignoring
 * ASCII case — one pass for both (strcasestr prepared a two-way search on every call,
 * once per class attribute of the page). */
static int byline_class(const char *s) {
    for (; *s; s++) {
        char c = (char)(*s | 0x20);
        if ((c == 'b' && at_nocase(s, "byline", 6)) ||
            (c == 'a' && at_nocase(s, "author-name", 11)))
            return 1;
    }
    return 0;
}

/* Metadata any element's attributes carry: itemprop datePublished / author,
 * rel=author and byline-like classes.  *byline_tries bounds the subtree walks. */
static void from_attrs(meta *m, const ww__htree *t, uint32_t i, int *byline_tries) {
    const char *ip = ww__hattr_id(t, i, A_ITEMPROP);
    if (ip) {
        if (strstr(ip, "datePublished")) {
            const char *v = ww__hattr_id(t, i, A_CONTENT);
            if (!v)
                v = ww__hattr_id(t, i, A_DATETIME);
            set(&m->published, S_ITEMPROP, v);
        } else if (strstr(ip, "author") && !m->byline.v[S_ITEMPROP] &&
                   (*byline_tries)-- > 0) {
            const char *v = ww__hattr_id(t, i, A_CONTENT);
            char *tx = v ? strdup(v) : ww__node_text(t, i);
            if (tx && strlen(tx) < 120)
                set(&m->byline, S_ITEMPROP, tx);
            free(tx);
        }
    }
    const char *rel = ww__hattr_id(t, i, A_REL);
    const char *cl = ww__hattr_id(t, i, A_CLASS);
    if ((rel && !strcasecmp(rel, "author")) || (cl && byline_class(cl))) {
        if (!m->byline.v[S_TAG] && (*byline_tries)-- > 0) {
            char *tx = ww__node_text(t, i);
            if (tx && *tx && strlen(tx) < 120)
                set(&m->byline, S_TAG, tx);
            free(tx);
        }
    }
}

/* The title: the best candidate, else the first <h1>, else <title> with the site's
 * name cut off (an <h1> has none). */
static char *choose_title(meta *m, const char *site, const char *base) {
    int from_h1 = 0;
    char *title = best(&m->title);
    if (!title && m->h1 && *m->h1) {
        title = m->h1;
        m->h1 = NULL;
        from_h1 = 1;
    }
    if (!title && m->title_tag) {
        title = m->title_tag;
        m->title_tag = NULL;
    }
    squeeze(title);
    if (title && !from_h1)
        strip_site(title, site, base);
    return title;
}

/* The strongest candidate of each field into a, cleaned up. */
static void choose(meta *m, const char *base, ww_article *a) {
    a->site = best(&m->site);
    squeeze(a->site);
    a->canonical_url = best(&m->canonical);
    a->description = best(&m->description);
    squeeze(a->description);
    a->byline = best(&m->byline);
    strip_by(a->byline);
    a->lang_hint = best(&m->lang);
    char *pub = best(&m->published);
    if (pub) {
        char buf[32];
        if (ww_date_to_rfc3339(pub, buf, sizeof buf) == 0)
            a->published = strdup(buf);
        free(pub);
    }
    a->title = choose_title(m, a->site, base);
}

static void meta_free(meta *m) {
    cands_free(&m->title);
    cands_free(&m->byline);
    cands_free(&m->published);
    cands_free(&m->canonical);
    cands_free(&m->site);
    cands_free(&m->description);
    cands_free(&m->lang);
    free(m->h1);
    free(m->title_tag);
}

int ww__extract_metadata(const ww__htree *t, const char *base, ww_article *a) {
    meta m;
    memset(&m, 0, sizeof m);
    /* Byline candidates cost a subtree walk each: a page full of nested "author"
     * elements must not make this quadratic. */
    int byline_tries = 16;
    for (size_t i = 1; i < t->nnodes; i++) {
        const ww__hnode *nd = &t->nodes[i];
        from_tag(&m, t, (uint32_t)i, base);
        if (nd->tag == T_TEXT || nd->len == 0)
            continue;
        from_attrs(&m, t, (uint32_t)i, &byline_tries);
    }
    choose(&m, base, a);
    meta_free(&m);
    return 0;
}
