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
#include "parse_internal.h"
#include "text_invisible.h"

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

/* 1 when heading h links to url or canonical. */
static int links_to_page(const ww__htree *t, uint32_t h, const char *url,
                         const char *canonical) {
    uint32_t end = h;
    for (uint32_t x = h; x; x = t->nodes[x].parent)
        if (t->nodes[x].next) {
            end = t->nodes[x].next;
            break;
        }
    if (end == h)
        end = (uint32_t)t->nnodes;
    for (uint32_t k = h + 1; k < end; k++) {
        if (t->nodes[k].tag != T_A)
            continue;
        char *u = ww__resolve_url(url, ww__hattr_id(t, k, A_HREF));
        int hit = u && (same_url(u, url) || same_url(u, canonical));
        free(u);
        if (hit)
            return 1;
    }
    return 0;
}

uint32_t ww__title_anchor(const ww__htree *t, const uint8_t *junk, const char *title,
                          const char *url, const char *canonical) {
    char *nt = title && *title ? norm_text(title) : NULL;
    uint32_t found = 0;
    for (int pass = 0; pass < 2 && !found; pass++) {
        uint16_t want = pass == 0 ? T_H1 : T_H2;
        for (uint32_t i = 1; i < t->nnodes && !found; i++) {
            if (t->nodes[i].tag != want || junk[i])
                continue;
            if (nt) {
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

uint32_t ww__anchor_unit(const ww__htree *t, uint32_t anchor, const uint32_t *tlen,
                         const uint32_t *hlen) {
    int level = 0;
    for (uint32_t x = t->nodes[anchor].parent; x && level < 10;
         x = t->nodes[x].parent, level++) {
        uint16_t tag = t->nodes[x].tag;
        if (tag == T_BODY || tag == T_HTML || tag == T_MAIN)
            return 0;
        if (tlen[x] < hlen[x] + 200)
            continue;
        uint32_t gp = t->nodes[x].parent ? t->nodes[t->nodes[x].parent].parent : 0;
        if (!gp)
            return 0;
        uint32_t end = (uint32_t)t->nnodes;
        for (uint32_t y = gp; y; y = t->nodes[y].parent)
            if (t->nodes[y].next) {
                end = t->nodes[y].next;
                break;
            }
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
