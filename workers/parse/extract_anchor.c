/* The page's own article on pages that show several (issue 14, kind 1).
 *
 * Infinite-scroll pages append the next stories below the one at the URL, section
 * pages put "more from this section" after it; each of those articles can be longer
 * and score higher than the page's own.  The page says which one is its own: the
 * heading whose text is the page's title (og:title, <title>, …), or whose link is the
 * page's URL / canonical URL.  The article around that heading is the smallest ancestor
 * that holds text of its own and repeats on the page — articles in a list share a tag
 * and a class — and extraction stays inside it (extract_content.c). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_anchor.h"
#include "html_text.h"
#include "text_invisible.h"
#include "url_resolve.h"

/* Lower-case ASCII, collapsed white space, no invisible characters: malloc'd. */
static char *norm_text(const char *s) {
    char *c = s ? strdup(s) : NULL;
    if (!c)
        return NULL;
    ww__strip_invisible_str(c);
    char *w = c;
    int sp = 0;
    for (char *r = c; *r; r++) {
        unsigned char ch = (unsigned char)*r;
        if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            sp = w != c;
            continue;
        }
        if (sp)
            *w++ = ' ';
        sp = 0;
        *w++ = (char)((ch >= 'A' && ch <= 'Z') ? ch | 0x20 : ch);
    }
    *w = 0;
    return c;
}

/* URL without scheme, fragment and trailing slash, for comparing. */
static size_t url_key(const char *u, const char **start) {
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    size_t n = strcspn(p, "#");
    while (n > 0 && p[n - 1] == '/')
        n--;
    *start = p;
    return n;
}

static int same_url(const char *a, const char *b) {
    if (!a || !b)
        return 0;
    const char *pa, *pb;
    size_t na = url_key(a, &pa), nb = url_key(b, &pb);
    return na && na == nb && strncasecmp(pa, pb, na) == 0;
}

/* The last path segment of u (without a trailing slash) into seg; "" when none. */
static void last_segment(const char *u, char *seg, size_t cap) {
    seg[0] = 0;
    if (!u)
        return;
    const char *p;
    size_t n = url_key(u, &p);
    size_t b = n;
    while (b > 0 && p[b - 1] != '/')
        b--;
    if (b == 0 || n - b >= cap)
        return; /* no path, or a segment too long to be worth a prefilter */
    memcpy(seg, p + b, n - b);
    seg[n - b] = 0;
}

/* 1 when heading h links to url or canonical.  An href is resolved (libxml2) only when
 * it holds the last path segment of one of them. */
static int links_to_page(const ww__htree *t, uint32_t h, const char *url,
                         const char *canonical) {
    char s1[256], s2[256];
    last_segment(url, s1, sizeof s1);
    last_segment(canonical, s2, sizeof s2);
    uint32_t end = ww__subtree_end(t, h);
    for (uint32_t k = h + 1; k < end; k++) {
        if (t->nodes[k].tag != T_A)
            continue;
        const char *href = ww__hattr_id(t, k, A_HREF);
        if (!href || !((s1[0] && strstr(href, s1)) || (s2[0] && strstr(href, s2))))
            continue;
        char *u = ww__resolve_url(url, href);
        int hit = u && (same_url(u, url) || same_url(u, canonical));
        free(u);
        if (hit)
            return 1;
    }
    return 0;
}

/* Bytes of text in h's subtree: headings much longer than the title are not it. */
static size_t text_bytes(const ww__htree *t, uint32_t h) {
    size_t n = 0;
    uint32_t end = ww__subtree_end(t, h);
    for (uint32_t k = h + 1; k < end; k++)
        if (t->nodes[k].tag == T_TEXT)
            n += t->nodes[k].len;
    return n;
}

/* The heading that names the page's own article: the first <h1>, else <h2>, outside
 * junk whose text is the page's title, or that links to the page's URL or canonical
 * URL.  0 when none. */
static uint32_t title_anchor(const ww__htree *t, const uint8_t *flags, uint8_t junk_bit,
                             const char *title, const char *url, const char *canonical) {
    char *nt = title && *title ? norm_text(title) : NULL;
    size_t tlen_title = nt ? strlen(nt) : 0;
    uint32_t found = 0;
    for (int pass = 0; pass < 2 && !found; pass++) {
        uint16_t want = pass == 0 ? T_H1 : T_H2;
        for (uint32_t i = 1; i < t->nnodes && !found; i++) {
            if (t->nodes[i].tag != want || (flags[i] & junk_bit))
                continue;
            if (nt && text_bytes(t, i) <= 4 * tlen_title + 64) {
                char *tx = ww__node_text(t, i);
                char *nh = tx ? norm_text(tx) : NULL;
                if (nh && *nh && strcmp(nh, nt) == 0)
                    found = i;
                free(tx);
                free(nh);
            }
            if (!found && (url || canonical) && links_to_page(t, i, url, canonical))
                found = i;
        }
    }
    free(nt);
    return found;
}

static int same_kind(const ww__htree *t, uint32_t a, uint32_t b) {
    if (t->nodes[a].tag != t->nodes[b].tag)
        return 0;
    if (t->nodes[a].tag == T_ARTICLE)
        return 1;
    const char *ca = ww__hattr_id(t, a, A_CLASS), *cb = ww__hattr_id(t, b, A_CLASS);
    return ca && cb && *ca && strcmp(ca, cb) == 0;
}

static int inside(const ww__htree *t, uint32_t x, uint32_t anc) {
    for (; x; x = t->nodes[x].parent)
        if (x == anc)
            return 1;
    return 0;
}

/* The article unit of the anchor heading: the lowest ancestor with article text of its
 * own (two paragraphs or more, text minus heading text at least 200: a headline block
 * with a long standfirst is not an article) that has a twin - another element of the
 * same tag and class (any other <article> for <article>), neither inside the other,
 * with a heading and text - within its grandparent.  0 when the page shows no such
 * repetition (one article). */
static uint32_t anchor_unit(const ww__htree *t, uint32_t anchor, const uint32_t *tlen,
                            const uint32_t *hlen, const uint32_t *np) {
    int level = 0;
    for (uint32_t x = t->nodes[anchor].parent; x && level < 10;
         x = t->nodes[x].parent, level++) {
        uint16_t tag = t->nodes[x].tag;
        if (tag == T_BODY || tag == T_HTML || tag == T_MAIN)
            return 0;
        if (tlen[x] < hlen[x] + 200 || np[x] < 2)
            continue;
        /* the root (0) when the tree has no <html>/<body> above */
        uint32_t gp = t->nodes[t->nodes[x].parent].parent;
        uint32_t end = gp ? ww__subtree_end(t, gp) : (uint32_t)t->nnodes;
        for (uint32_t y = gp + 1; y < end; y++) {
            if (y == x || !same_kind(t, x, y) || hlen[y] == 0 || tlen[y] < hlen[y] + 100)
                continue;
            if (inside(t, y, x) || inside(t, x, y))
                continue;
            return x;
        }
    }
    return 0;
}

/* <h1>/<h2> outside junk in i's subtree. */
static int headings_in(const ww__xctx *c, uint32_t i) {
    uint32_t end = ww__subtree_end(c->t, i), h = 0;
    for (uint32_t k = i; k < end; k++) {
        uint16_t tag = c->t->nodes[k].tag;
        h += (tag == T_H1 || tag == T_H2) && !(c->fl[k] & NF_JUNK);
    }
    return (int)h;
}

uint32_t ww__own_article(ww__xctx *c, uint32_t top, const char *base) {
    const ww__htree *t = c->t;
    uint32_t h = title_anchor(t, c->fl, NF_JUNK, c->title, base, c->canonical);
    if (!h || (inside(t, h, top) && headings_in(c, top) <= 1))
        return top;
    uint32_t unit = anchor_unit(t, h, c->tlen, c->hlen, c->np);
    if (!unit || inside(t, top, unit))
        return top;
    uint32_t best = unit, end = ww__subtree_end(t, unit);
    for (uint32_t k = unit + 1; k < end; k++)
        if ((c->fl[k] & NF_CAND) && !(c->fl[k] & NF_JUNK) &&
            (best == unit || c->score[k] > c->score[best]))
            best = k;
    c->fl[best] |= NF_CAND; /* the unit itself may have scored nothing */
    c->single = best == unit;
    return best;
}
