/* Reader comments as data of their own (parse.comments): author, date and text of
 * each comment, never mixed into the article text.
 *
 * Where: every comment region of the page — an element whose class or id names
 * comments (in the languages wirewatch reads) and that is not inside another one — and
 * every schema.org Comment (itemprop="comment").  What: comment systems differ in
 * markup but not in what they show; each comment is an author name, maybe a date, and
 * the text, in that order in the page.  So a region is read in page order: an author
 * element (the innermost one: WordPress's "comment-author" wraps the "fn" name and a
 * "says:") starts a comment; the first date after it (a <time>, a date-classed element,
 * itemprop dateCreated) and the first text element (class "…content"/"…text"/"…body",
 * itemprop text) that holds no author belong to it.  Replies follow their parent in page
 * order, so threads need no special case.  A region without any text element reads the
 * paragraphs after each author instead.  A date the page writes only for people ("vor 2
 * Stunden", "2 hours ago") gives no `published`. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_comments.h"
#include "html_text.h"
#include "parse_internal.h"
#include "text_invisible.h"
#include "wirewatch/error.h"

enum { R_NONE = 0, R_AUTHOR = 1, R_DATE = 2, R_TEXT = 4 };
enum { MAX_COMMENTS = 1000, MAX_AUTHOR = 120 };

/* Words of class/id values, by role; a part of the value (split at anything not a
 * letter or digit) that starts with one of them matches. */
static const char *const region_words[] = {"comment",  "kommentar", "comentario",
                                           "komentar", "disqus",    NULL};
static const char *const author_words[] = {
    "author", "autor", "auteur", "fn", "username", "nickname", "name", "commenter", NULL};
static const char *const date_words[] = {
    "date", "time", "datum", "zeit", "fecha", "timestamp", "published", "posted", NULL};
static const char *const text_words[] = {"content", "text",  "body",   "message",
                                         "texto",   "texte", "inhalt", NULL};

/* 1 when a part of the class/id value v starts with one of words. */
static int has_part(const char *v, const char *const *words) {
    if (!v)
        return 0;
    const char *p = v;
    while (*p) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9')))
            p++;
        const char *e = p;
        while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
               (*e >= '0' && *e <= '9'))
            e++;
        for (const char *const *w = words; *w && e > p; w++) {
            size_t wl = strlen(*w);
            if ((size_t)(e - p) >= wl && strncasecmp(p, *w, wl) == 0)
                return 1;
        }
        p = e;
    }
    return 0;
}

static int itemprop_is(const ww__htree *t, uint32_t i, const char *what) {
    const char *ip = ww__hattr_id(t, i, A_ITEMPROP);
    return ip && strcasestr(ip, what) != NULL;
}

int ww__comment_region(const ww__htree *t, uint32_t i) {
    if (t->nodes[i].tag == T_TEXT || t->nodes[i].len == 0)
        return 0;
    if (itemprop_is(t, i, "comment"))
        return 1;
    return has_part(ww__hattr_id(t, i, A_CLASS), region_words) ||
           has_part(ww__hattr_id(t, i, A_ID), region_words);
}

/* Elements whose content is never a comment's: scripts, forms (the reply form),
 * buttons, hidden ones. */
static int skipped(const ww__htree *t, uint32_t i) {
    uint16_t tag = t->nodes[i].tag;
    if ((ww__tag_flags[tag] & TF_RAW) || tag == T_FORM || tag == T_BUTTON ||
        tag == T_SELECT || tag == T_SVG || tag == T_TEMPLATE)
        return 1;
    if (ww__hattr_id(t, i, A_HIDDEN))
        return 1;
    const char *ah = ww__hattr_id(t, i, A_ARIA_HIDDEN);
    return ah && strcmp(ah, "true") == 0;
}

static unsigned role(const ww__htree *t, uint32_t i) {
    const ww__hnode *nd = &t->nodes[i];
    if (nd->tag == T_TEXT)
        return R_NONE;
    if (nd->tag == T_TIME || itemprop_is(t, i, "datecreated") ||
        itemprop_is(t, i, "datepublished"))
        return R_DATE;
    if (nd->len == 0)
        return R_NONE;
    const char *ip = ww__hattr_id(t, i, A_ITEMPROP);
    if (ip && (strcasestr(ip, "author") || !strcasecmp(ip, "creator")))
        return R_AUTHOR;
    if (ip && (!strcasecmp(ip, "text") || !strcasecmp(ip, "commenttext")))
        return R_TEXT;
    const char *cl = ww__hattr_id(t, i, A_CLASS);
    if (has_part(cl, author_words))
        return R_AUTHOR;
    if (has_part(cl, date_words))
        return R_DATE;
    if (has_part(cl, text_words))
        return R_TEXT;
    return R_NONE;
}

/* 1 when the subtree of i (i itself excluded) holds an element of role r.  A huge
 * subtree counts as holding one after a bounded look (it is no single author name or
 * comment text), so nested author-classed elements cannot make this quadratic. */
static int holds(const ww__htree *t, uint32_t i, unsigned r) {
    uint32_t end = ww__subtree_end(t, i);
    if (end - i > 4096)
        return 1;
    for (uint32_t k = i + 1; k < end; k++)
        if (role(t, k) == r)
            return 1;
    return 0;
}

static void squeeze(char *s) {
    char *w = s;
    int sp = 0;
    for (char *r = s; *r; r++) {
        if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\r') {
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

/* Clean text of i: noise lines out, invisible characters out, "\n\n" between
 * paragraphs.  malloc'd, NULL on ENOMEM. */
static char *clean_text(const ww__htree *t, uint32_t i) {
    char *raw = ww__node_text(t, i);
    if (!raw)
        return NULL;
    size_t n;
    char *c = ww__text_clean(raw, strlen(raw), &n, 0);
    free(raw);
    if (!c)
        return NULL;
    n = ww__strip_invisible(c, n);
    size_t lines = 0;
    for (size_t k = 0; k < n; k++)
        lines += c[k] == '\n';
    char *out = malloc(n + lines + 1);
    if (!out) {
        free(c);
        return NULL;
    }
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        out[w++] = c[k];
        /* a single line break between blocks becomes a paragraph break */
        if (c[k] == '\n' && (k + 1 >= n || c[k + 1] != '\n') &&
            (k == 0 || c[k - 1] != '\n'))
            out[w++] = '\n';
    }
    out[w] = 0;
    free(c);
    return out;
}

typedef struct reader {
    const ww__htree *t;
    ww_article *a;
    int cur_has_date, cur_text_set; /* of the last comment */
    int oom;
} reader;

static ww_comment *cur(reader *r) {
    return r->a->ncomments ? &r->a->comments[r->a->ncomments - 1] : NULL;
}

static void start_comment(reader *r, char *author) {
    ww_article *a = r->a;
    if (a->ncomments >= MAX_COMMENTS) {
        free(author);
        return;
    }
    ww_comment *nc = realloc(a->comments, (a->ncomments + 1) * sizeof *nc);
    if (!nc) {
        free(author);
        r->oom = 1;
        return;
    }
    a->comments = nc;
    nc[a->ncomments++] = (ww_comment){.author = author};
    r->cur_has_date = r->cur_text_set = 0;
}

static void set_date(reader *r, uint32_t i) {
    const ww__htree *t = r->t;
    r->cur_has_date = 1;
    const char *v = ww__hattr_id(t, i, A_DATETIME);
    if (!v)
        v = ww__hattr_id(t, i, A_CONTENT);
    char *tx = v ? NULL : ww__node_text(t, i);
    char out[32];
    if ((v || tx) && ww_date_to_rfc3339(v ? v : tx, out, sizeof out) == 0) {
        cur(r)->published = strdup(out);
        if (!cur(r)->published)
            r->oom = 1;
    }
    free(tx);
}

/* Append the text of i to the current comment (paragraph fallback). */
static void add_text(reader *r, uint32_t i) {
    ww_comment *c = cur(r);
    char *tx = clean_text(r->t, i);
    if (!tx) {
        r->oom = 1;
        return;
    }
    if (!*tx) {
        free(tx);
        return;
    }
    if (!c->text) {
        c->text = tx;
        return;
    }
    size_t a = strlen(c->text), b = strlen(tx);
    char *j = realloc(c->text, a + b + 3);
    if (!j) {
        free(tx);
        r->oom = 1;
        return;
    }
    memcpy(j + a, "\n\n", 2);
    memcpy(j + a + 2, tx, b + 1);
    c->text = j;
    free(tx);
}

/* Read one region [from, end) in page order. */
static void read_region(reader *r, uint32_t from, uint32_t end) {
    const ww__htree *t = r->t;
    int explicit_text = 0;
    for (uint32_t k = from; k < end && !explicit_text; k++)
        explicit_text = role(t, k) == R_TEXT && !holds(t, k, R_AUTHOR);
    for (uint32_t i = from; i < end && !r->oom;) {
        const ww__hnode *nd = &t->nodes[i];
        if (nd->tag == T_TEXT) {
            i++;
            continue;
        }
        if (skipped(t, i)) {
            i = ww__subtree_end(t, i);
            continue;
        }
        unsigned ro = role(t, i);
        if (ro == R_AUTHOR && !holds(t, i, R_AUTHOR)) {
            char *name = ww__node_text(t, i);
            if (!name) {
                r->oom = 1;
                break;
            }
            squeeze(name);
            ww__strip_invisible_str(name);
            if (*name && strlen(name) <= MAX_AUTHOR)
                start_comment(r, name);
            else
                free(name);
            i = ww__subtree_end(t, i);
            continue;
        }
        if (ro == R_DATE && cur(r) && !r->cur_has_date && !r->cur_text_set) {
            set_date(r, i);
            i = ww__subtree_end(t, i);
            continue;
        }
        if (cur(r) && !r->cur_text_set &&
            ((explicit_text && ro == R_TEXT && !holds(t, i, R_AUTHOR)) ||
             (!explicit_text && nd->tag == T_P))) {
            add_text(r, i);
            r->cur_text_set = explicit_text;
            i = ww__subtree_end(t, i);
            continue;
        }
        i++;
    }
}

int ww__extract_comments(const ww__htree *t, ww_article *a) {
    reader r = {.t = t, .a = a};
    for (uint32_t i = 1; i < t->nnodes && !r.oom;) {
        if (t->nodes[i].tag != T_TEXT && skipped(t, i)) {
            i = ww__subtree_end(t, i);
            continue;
        }
        if (ww__comment_region(t, i)) {
            uint32_t end = ww__subtree_end(t, i);
            read_region(&r, i, end);
            i = end;
            continue;
        }
        i++;
    }
    /* a name with no text is not a comment (a "commented by" list, a login box) */
    size_t w = 0;
    for (size_t k = 0; k < a->ncomments; k++) {
        ww_comment *c = &a->comments[k];
        if (c->text && *c->text) {
            a->comments[w++] = *c;
            continue;
        }
        free(c->author);
        free(c->published);
        free(c->text);
    }
    a->ncomments = w;
    return r.oom ? WW_ENOMEM : 0;
}
