/* Main-content extraction over the compact tree.
 *
 * The scoring follows Mozilla Readability (the best-known, well-tested heuristic):
 * paragraph-like blocks with at least 25 characters of text score their ancestors
 * (1 + commas + length/100, full to the parent, half to the grandparent, less
 * further up); ancestors start from a tag prior and a class/id weight; the final
 * score is discounted by link density; the best candidate plus siblings that score
 * close to it form the article; inside it, blocks that look like lists of links, forms
 * or image galleries are dropped ("clean conditionally").  Added on top:
 *   - boilerplate (nav, footer, aside, comments, share bars, cookie banners, related
 *     links, hidden elements, ARIA landmarks) is removed before scoring, but a
 *     container holding most of the page's text is never removed for its class name
 *     (a page-wide "has-sidebar" class must not kill the article);
 *   - a relaxed second pass (no class rules) when the first yields almost nothing;
 *   - the article's own <h1> is left out of the text: it is the title;
 *   - for the web as it is (issue 14, docs/extraction.md): the page's own article
 *     among several (extract_anchor.c), prose over menus (text with no sentence end
 *     scores little) and over consent notices, standfirsts, split bodies and credit
 *     lines outside the top candidate (extract_parts.c, extract_boilerplate.c),
 *     furniture inside it and link-only lines that are content (extract_boilerplate.c).
 * Every pass is a linear scan of the node array (children follow parents), no
 * recursion, so a deep or huge page cannot blow the stack. */
#include <stdlib.h>
#include <string.h>

#include "class_words.h"
#include "extract_anchor.h"
#include "extract_boilerplate.h"
#include "extract_comments.h"
#include "extract_ctx.h"
#include "extract_parts.h"
#include "html_text.h"
#include "text_stats.h"
#include "parse_internal.h"
#include "url_resolve.h"
#include "wirewatch/error.h"

typedef ww__xctx ctx;

/* Bits of class (low nibble) and id (high nibble) of element i, cached. */
static unsigned word_bits(const ctx *c, uint32_t i) {
    if (c->wb[i] & 0x8000u)
        return c->wb[i] & 0xFF;
    unsigned b = ww__class_words(ww__hattr_id(c->t, i, A_CLASS)) |
                 ww__class_words(ww__hattr_id(c->t, i, A_ID)) << 4;
    c->wb[i] = (uint16_t)(0x8000u | b);
    return b;
}

static int class_weight(const ctx *c, uint32_t i) {
    unsigned b = word_bits(c, i);
    int w = 0;
    if (b & W_NEG)
        w -= 25;
    if (b & W_POS)
        w += 25;
    if (b & (W_NEG << 4))
        w -= 25;
    if (b & (W_POS << 4))
        w += 25;
    return w;
}

static int is_hidden(const ww__htree *t, uint32_t i) {
    const ww__hnode *n = &t->nodes[i];
    if (n->len == 0)
        return 0;
    if (ww__hattr_id(t, i, A_HIDDEN))
        return 1;
    const char *ah = ww__hattr_id(t, i, A_ARIA_HIDDEN);
    if (ah && strcmp(ah, "true") == 0)
        return 1;
    const char *st = ww__hattr_id(t, i, A_STYLE);
    if (st &&
        (strcasestr(st, "display:none") || strcasestr(st, "display: none") ||
         strcasestr(st, "visibility:hidden") || strcasestr(st, "visibility: hidden")))
        return 1;
    return 0;
}

static int landmark_junk(const ww__htree *t, uint32_t i) {
    const char *r = ww__hattr_id(t, i, A_ROLE);
    if (!r)
        return 0;
    return !strcmp(r, "navigation") || !strcmp(r, "complementary") ||
           !strcmp(r, "banner") || !strcmp(r, "contentinfo") || !strcmp(r, "menu") ||
           !strcmp(r, "menubar") || !strcmp(r, "search") || !strcmp(r, "dialog") ||
           !strcmp(r, "alertdialog");
}

static int unlikely_candidate(const ctx *c, uint32_t i) {
    unsigned b = word_bits(c, i);
    b |= b >> 4;
    return (b & W_UNLIKELY) && !(b & W_MAYBE);
}

/* schema.org microdata itemprop="comment": a reader comment whatever its class (the
 * class words of comment regions are in class_words.c). */
static int comment_item(const ww__htree *t, uint32_t i) {
    const char *ip = ww__hattr_id(t, i, A_ITEMPROP);
    return ip && strcasestr(ip, "comment") != NULL;
}

/* Top-down: junk and link flags from tags, hidden and ARIA attributes; elements
 * whose class/id (or <header> tag) says boilerplate are only marked in classjunk —
 * whether they go is decided with their size (apply_class_junk). */
static void mark_junk(ctx *c, uint8_t *classjunk) {
    const ww__htree *t = c->t;
    memset(c->fl, 0, c->n);
    memset(classjunk, 0, c->n);
    for (size_t i = 1; i < c->n; i++) {
        const ww__hnode *nd = &t->nodes[i];
        uint8_t pf = c->fl[nd->parent];
        uint8_t f = pf & (NF_JUNK | NF_LINK);
        if (nd->tag != T_TEXT) {
            if (ww__tag_flags[nd->tag] & TF_JUNK)
                f |= NF_JUNK;
            else if (is_hidden(t, (uint32_t)i) || landmark_junk(t, (uint32_t)i))
                f |= NF_JUNK;
            if (nd->tag == T_A)
                f |= NF_LINK;
            /* <header> (masthead, or the article's headline/byline block) is decided
             * like a class: never when it holds most of the page's text */
            if (!(f & NF_JUNK) && !c->relaxed && nd->tag != T_A &&
                (nd->tag == T_HEADER || unlikely_candidate(c, (uint32_t)i) ||
                 comment_item(t, (uint32_t)i)))
                classjunk[i] = 1;
        }
        c->fl[i] = f;
    }
}

/* Bottom-up: text sizes without tag junk into c->tlen, to protect page-wide
 * containers from their class names. */
static void raw_text_sizes(ctx *c) {
    const ww__htree *t = c->t;
    memset(c->tlen, 0, c->n * sizeof *c->tlen);
    for (size_t i = c->n; i-- > 1;) {
        const ww__hnode *nd = &t->nodes[i];
        if (nd->tag == T_H1 || (c->fl[i] & NF_H1))
            c->fl[nd->parent] |= NF_H1;
        if (c->fl[i] & NF_JUNK)
            continue;
        if (nd->tag == T_TEXT)
            c->tlen[i] = ww__text_chars(t->pool + nd->str, nd->len);
        c->tlen[nd->parent] += c->tlen[i];
    }
}

/* An embedded post (a tweet or Instagram blockquote) is quoted material of the
 * story: it and the few wrappers around it escape class rules ("social-embed"). */
static void protect_embeds(ctx *c, uint8_t *classjunk) {
    const ww__htree *t = c->t;
    for (size_t i = 1; i < c->n; i++) {
        const ww__hnode *nd = &t->nodes[i];
        if (nd->tag != T_BLOCKQUOTE || (c->fl[i] & NF_JUNK))
            continue;
        const char *cl = ww__hattr_id(t, (uint32_t)i, A_CLASS);
        if (!cl || !(strstr(cl, "twitter-tweet") || strstr(cl, "instagram-media") ||
                     strstr(cl, "tiktok-embed")))
            continue;
        uint32_t a = (uint32_t)i;
        for (int up = 0; a && up < 3; up++, a = t->nodes[a].parent) {
            classjunk[a] = 0;
            c->fl[a] |= NF_EMBED;
        }
    }
}

/* Top-down: junk spreads to descendants; class junk goes unless it holds half of
 * the page's text or more, or opens with a credit line ("Additional reporting by",
 * often classed "credit").  A comment region goes whatever its size
 * (fifty comments under a short post are still no article) unless it holds an <h1>
 * (then it is a page wrapper with an unlucky class). */
static void apply_class_junk(ctx *c, const uint8_t *classjunk) {
    const ww__htree *t = c->t;
    uint32_t total = c->tlen[0];
    for (size_t i = 1; i < c->n; i++) {
        const ww__hnode *nd = &t->nodes[i];
        if (c->fl[nd->parent] & NF_JUNK)
            c->fl[i] |= NF_JUNK;
        else if (classjunk[i] &&
                 ((uint64_t)c->tlen[i] * 2 < total
                      ? !ww__credit_block(&c->view, (uint32_t)i)
                      : !(c->fl[i] & NF_H1) && ww__comment_region(t, (uint32_t)i)))
            c->fl[i] |= NF_JUNK | NF_CJUNK;
    }
}

/* Bottom-up statistics without junk: text, link text, commas, sentence ends,
 * paragraphs, images, list items, inputs, embeds, heading text, block children; form
 * controls (NF_CONTROL) even in junk. */
static void subtree_stats(ctx *c) {
    const ww__htree *t = c->t;
    size_t n = c->n, z = n * sizeof(uint32_t);
    memset(c->tlen, 0, z);
    memset(c->llen, 0, z);
    memset(c->dlen, 0, z);
    memset(c->commas, 0, z);
    memset(c->ends, 0, z);
    memset(c->np, 0, z);
    memset(c->nimg, 0, z);
    memset(c->nli, 0, z);
    memset(c->ninput, 0, z);
    memset(c->nembed, 0, z);
    memset(c->hlen, 0, z);
    memset(c->hasblock, 0, n);
    for (size_t i = n; i-- > 1;) {
        const ww__hnode *nd = &t->nodes[i];
        uint32_t par = nd->parent;
        uint16_t tag = nd->tag;
        if (tag == T_INPUT || tag == T_BUTTON || tag == T_SELECT || tag == T_TEXTAREA ||
            (c->fl[i] & NF_CONTROL)) {
            c->fl[i] |= NF_CONTROL;
            c->fl[par] |= NF_CONTROL;
        }
        if (tag == T_INPUT || tag == T_IFRAME || tag == T_EMBED || tag == T_OBJECT) {
            /* counted even though junk: forms and embeds are evidence of non-text */
            if (tag == T_INPUT)
                c->ninput[i]++;
            else
                c->nembed[i]++;
        } else if (c->fl[i] & NF_JUNK) {
            continue;
        }
        if (tag == T_TEXT) {
            uint32_t l, cm, en;
            ww__text_stats(t->pool + nd->str, nd->len, &l, &cm, &en);
            c->tlen[i] = l;
            c->commas[i] = cm;
            c->ends[i] = en;
            if (c->fl[i] & NF_LINK)
                c->llen[i] = l;
        } else {
            uint16_t f = ww__tag_flags[tag];
            if (tag == T_P)
                c->np[i]++;
            else if (tag == T_IMG)
                c->nimg[i]++;
            else if (tag == T_LI)
                c->nli[i]++;
            if (f & TF_HEADING)
                c->hlen[i] = c->tlen[i];
            if (f & TF_BLOCK)
                c->hasblock[par] = 1;
        }
        c->tlen[par] += c->tlen[i];
        c->llen[par] += c->llen[i];
        c->commas[par] += c->commas[i];
        c->ends[par] += c->ends[i];
        c->np[par] += c->np[i];
        c->nimg[par] += c->nimg[i];
        c->nli[par] += c->nli[i];
        c->ninput[par] += c->ninput[i];
        c->nembed[par] += c->nembed[i];
        c->hlen[par] += c->hlen[i];
    }
}

/* Direct text: text nodes add to their nearest block ancestor (found top-down in
 * one pass, so deep inline nesting costs nothing extra). */
static void direct_text(ctx *c) {
    const ww__htree *t = c->t;
    c->blk[0] = 0;
    for (size_t i = 1; i < c->n; i++) {
        const ww__hnode *nd = &t->nodes[i];
        c->blk[i] =
            (ww__tag_flags[nd->tag] & TF_BLOCK) ? (uint32_t)i : c->blk[nd->parent];
        if (nd->tag == T_TEXT && !(c->fl[i] & NF_JUNK))
            c->dlen[c->blk[nd->parent]] += c->tlen[i];
    }
}

/* Junk marks and bottom-up statistics, pass by pass. */
static void compute(ctx *c) {
    uint8_t *classjunk = c->hasblock; /* scratch until subtree_stats fills hasblock */
    mark_junk(c, classjunk);
    raw_text_sizes(c);
    protect_embeds(c, classjunk);
    apply_class_junk(c, classjunk);
    subtree_stats(c);
    direct_text(c);
}

static float tag_prior(uint16_t tag) {
    switch (tag) {
    case T_DIV:
    case T_ARTICLE:
    case T_MAIN: return 5;
    case T_PRE:
    case T_TD:
    case T_BLOCKQUOTE: return 3;
    case T_ADDRESS:
    case T_OL:
    case T_UL:
    case T_DL:
    case T_DD:
    case T_DT:
    case T_LI:
    case T_FORM: return -3;
    case T_H1:
    case T_H2:
    case T_H3:
    case T_H4:
    case T_H5:
    case T_H6:
    case T_TH: return -5;
    default: return 0;
    }
}

static void make_cand(ctx *c, uint32_t i) {
    if (c->fl[i] & NF_CAND)
        return;
    c->fl[i] |= NF_CAND;
    c->score[i] = tag_prior(c->t->nodes[i].tag) + (c->relaxed ? 0 : class_weight(c, i));
}

static float link_density(const ctx *c, uint32_t i) { return ww__link_density(c, i); }

/* One paragraph of len characters scores container a and its ancestors.  Text with no
 * sentence end that is not long is a label or a menu item ("Köln: Stadtrat, Verkehr,
 * Polizei"), not prose: its commas list names, so it scores little. */
static void add_paragraph(ctx *c, uint32_t a, uint32_t len, uint32_t commas,
                          uint32_t ends) {
    float s = 1.0f + (float)commas + (float)(len / 100 > 3 ? 3 : len / 100);
    if (ends == 0 && len < 150)
        s = 0.25f;
    for (int level = 0; a && level < 5; level++, a = c->t->nodes[a].parent) {
        make_cand(c, a);
        c->score[a] += level == 0 ? s : level == 1 ? s / 2 : s / (float)(level * 3);
    }
}

/* Paragraphs score their containers. */
static void score_paragraphs(ctx *c) {
    const ww__htree *t = c->t;
    for (size_t i = 1; i < c->n; i++)
        c->score[i] = 0;
    for (size_t i = 1; i < c->n; i++) {
        const ww__hnode *nd = &t->nodes[i];
        if (nd->tag == T_TEXT || (c->fl[i] & NF_JUNK))
            continue;
        uint16_t f = ww__tag_flags[nd->tag];
        if (!(f & TF_BLOCK) || c->dlen[i] < 25)
            continue;
        if ((f & TF_PARA) || !c->hasblock[i]) {
            /* a paragraph: its text scores its parent, unless it is a consent notice
             * in a small box with a form control (a cookie banner, a newsletter box;
             * not an article about privacy with a button somewhere in its body) */
            uint32_t par = nd->parent;
            if ((c->fl[par] & NF_CONTROL) && c->tlen[par] < 1500 &&
                ww__consent_paragraph(&c->view, (uint32_t)i))
                continue;
            add_paragraph(c, par, c->dlen[i], c->commas[i], c->ends[i]);
            continue;
        }
        /* A container with text of its own ("<div>text<br><br>text<div>..."): every
         * run of inline content between <br>s and blocks is a paragraph of it, as
         * Readability's div-to-p and br-to-p conversions would make. */
        uint32_t run = 0, commas = 0, ends = 0;
        for (uint32_t ch = nd->first;; ch = t->nodes[ch].next) {
            const ww__hnode *cn = ch ? &t->nodes[ch] : NULL;
            int boundary = !cn || cn->tag == T_BR || (ww__tag_flags[cn->tag] & TF_BLOCK);
            if (boundary) {
                if (run >= 25)
                    add_paragraph(c, (uint32_t)i, run, commas, ends);
                run = commas = ends = 0;
                if (!cn)
                    break;
                continue;
            }
            if (c->fl[ch] & NF_JUNK)
                continue;
            run += c->tlen[ch];
            commas += c->commas[ch];
            ends += c->ends[ch];
        }
    }
}

/* Score candidates; returns the top candidate (0 = none). */
static uint32_t score_all(ctx *c) {
    const ww__htree *t = c->t;
    score_paragraphs(c);
    uint32_t top = 0;
    float best = 0;
    for (size_t i = 1; i < c->n; i++) {
        if (!(c->fl[i] & NF_CAND))
            continue;
        c->score[i] *= 1.0f - link_density(c, (uint32_t)i);
        if (!top || c->score[i] > best) {
            best = c->score[i];
            top = (uint32_t)i;
        }
    }
    if (!top)
        return 0;
    /* Several near-best candidates under one ancestor: the article is that ancestor
     * (pages that split the body into many small containers). */
    uint32_t alts[5];
    int nalt = 0;
    for (size_t i = 1; i < c->n && nalt < 5; i++)
        if ((c->fl[i] & NF_CAND) && i != top && c->score[i] >= 0.75f * best)
            alts[nalt++] = (uint32_t)i;
    if (nalt >= 3) {
        for (uint32_t a = t->nodes[top].parent; a; a = t->nodes[a].parent) {
            int inside = 0;
            for (int k = 0; k < nalt; k++) {
                uint32_t x = alts[k];
                while (x && x != a)
                    x = t->nodes[x].parent;
                inside += x == a;
            }
            if (inside >= 3) {
                top = a;
                make_cand(c, top);
                break;
            }
        }
    }
    /* Climb while the parent scores better (its score includes its other children). */
    float last = c->score[top];
    for (uint32_t a = t->nodes[top].parent; a; a = t->nodes[a].parent) {
        if (!(c->fl[a] & NF_CAND))
            continue;
        if (c->score[a] < last / 3)
            break;
        if (c->score[a] > last) {
            top = a;
            break;
        }
        last = c->score[a];
    }
    /* Only child: take the parent, it holds the same content. */
    while (t->nodes[top].parent && t->nodes[t->nodes[top].parent].first == top &&
           t->nodes[t->nodes[top].parent].last == top) {
        top = t->nodes[top].parent;
        make_cand(c, top);
    }
    return top;
}

static int sentence_like(const ww__htree *t, uint32_t i) {
    char *s = ww__node_text(t, i);
    if (!s)
        return 0;
    size_t n = strlen(s);
    int r = (n && s[n - 1] == '.') || strstr(s, ". ") != NULL;
    free(s);
    return r;
}

/* Mark the top candidate and its related siblings NF_KEEP. */
static void pick(ctx *c, uint32_t top) {
    const ww__htree *t = c->t;
    uint32_t par = t->nodes[top].parent;
    float ts = c->score[top];
    float thr = ts * 0.2f > 10 ? ts * 0.2f : 10;
    const char *tclass = ww__hattr_id(t, top, A_CLASS);
    for (uint32_t s = t->nodes[par].first; s; s = t->nodes[s].next) {
        if ((c->fl[s] & NF_JUNK) || (c->single && s != top))
            continue;
        int keep = s == top;
        /* "Additional reporting by", the rest of a body split in two */
        if (!keep && !c->relaxed && t->nodes[s].tag != T_TEXT &&
            (ww__credit_block(&c->view, s) || ww__split_body(c, s, tclass)))
            keep = 1;
        if (!keep && t->nodes[s].tag != T_TEXT) {
            float bonus = 0;
            const char *sc = ww__hattr_id(t, s, A_CLASS);
            if (tclass && *tclass && sc && strcmp(sc, tclass) == 0)
                bonus = ts * 0.2f;
            if ((c->fl[s] & NF_CAND) && c->score[s] + bonus >= thr) {
                keep = 1;
            } else if (t->nodes[s].tag == T_P) {
                float ld = link_density(c, s);
                uint32_t len = c->tlen[s];
                if (len > 80 && ld < 0.25f)
                    keep = 1;
                else if (len < 80 && len > 0 && ld == 0 && sentence_like(t, s))
                    keep = 1;
            }
        }
        if (keep)
            c->fl[s] |= NF_KEEP;
    }
}

static int is_list(uint16_t tag) { return tag == T_UL || tag == T_OL; }

/* Readability's "clean conditionally" for containers inside the article. */
static int drop_block(const ctx *c, uint32_t i) {
    const ww__htree *t = c->t;
    uint16_t tag = t->nodes[i].tag;
    if (!(tag == T_DIV || tag == T_SECTION || tag == T_TABLE || tag == T_UL ||
          tag == T_OL || tag == T_FORM || tag == T_FIELDSET || tag == T_ASIDE ||
          tag == T_HEADER || tag == T_FIGURE))
        return 0;
    if (c->relaxed || (c->fl[i] & NF_EMBED) || ww__credit_block(&c->view, i))
        return 0;
    int w = class_weight(c, i);
    float sc = (c->fl[i] & NF_CAND) ? c->score[i] : 0;
    /* a list's score starts from a negative prior: only its class can condemn it */
    if (w + (is_list(tag) ? 0 : sc) < 0)
        return 1;
    if (c->commas[i] >= 10)
        return 0;
    uint32_t p = c->np[i], img = c->nimg[i], li = c->nli[i], in = c->ninput[i];
    uint32_t len = c->tlen[i];
    float ld = link_density(c, i);
    int list = is_list(tag);
    float hd = len ? (float)c->hlen[i] / (float)len : 0;
    if (tag == T_FIGURE)
        return len < 25 ? 1 : ld > 0.5f;
    if (img > 1 && (float)p / (float)img < 0.5f)
        return 1;
    if (!list && li > p + 1 && li > 3)
        return 1;
    if (in > p / 3)
        return 1;
    if (!list && hd < 0.9f && len < 25 && (img == 0 || img > 2))
        return 1;
    if (!list && w < 25 && ld > 0.2f && len < 500)
        return 1;
    if (list && ld > 0.5f && !ww__link_list_is_content(&c->view, i))
        return 1;
    if (w >= 25 && ld > 0.5f)
        return 1;
    if ((c->nembed[i] == 1 && len < 75) || c->nembed[i] > 1)
        return 1;
    return 0;
}

/* ---- text output ---- */

typedef struct out {
    ww__text_out w;
    ww_article *a;
    const char *base;
    size_t max_links;
} out;

static void add_link(out *o, const ww__htree *t, uint32_t i) {
    if (!o->a)
        return;
    if (o->a->nlinks >= o->max_links) {
        if (o->max_links)
            o->a->limits_hit |= WW_LIMIT_LINKS;
        return;
    }
    const char *href = ww__hattr_id(t, i, A_HREF);
    if (!href || !*href || href[0] == '#')
        return;
    char *u = ww__resolve_url(o->base, href);
    if (!u)
        return;
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) {
        free(u);
        return;
    }
    for (size_t k = 0; k < o->a->nlinks; k++)
        if (strcmp(o->a->links[k].url, u) == 0) {
            free(u);
            return;
        }
    ww_link *nl = realloc(o->a->links, (o->a->nlinks + 1) * sizeof *nl);
    char *tx = ww__node_text(t, i);
    if (!nl || !tx) {
        if (nl)
            o->a->links = nl;
        free(u);
        free(tx);
        return;
    }
    o->a->links = nl;
    nl[o->a->nlinks].url = u;
    nl[o->a->nlinks].text = tx;
    o->a->nlinks++;
}

/* Enter node i while writing the article; returns 1 to descend. */
static int enter(const ctx *c, out *o, uint32_t i, uint32_t root) {
    const ww__htree *t = c->t;
    const ww__hnode *nd = &t->nodes[i];
    if (c->fl[i] & NF_JUNK)
        return 0;
    if (nd->tag == T_TEXT) {
        ww__text_put(&o->w, t->pool + nd->str, nd->len);
        return 0;
    }
    if (nd->tag == T_BR) {
        ww__text_break(&o->w, 1);
        return 0;
    }
    if (nd->tag == T_H1 && !c->relaxed)
        return 0;
    if (i != root && c->tlen[i] == 0 && nd->tag != T_BR)
        return 0;
    if (i != root && drop_block(c, i))
        return 0;
    if ((ww__tag_flags[nd->tag] & TF_HEADING) && !c->relaxed && class_weight(c, i) < 0)
        return 0;
    if (i != root && (ww__tag_flags[nd->tag] & TF_BLOCK) &&
        ww__furniture_block(&c->view, i, c->tlen[root]))
        return 0;
    /* A short paragraph that is all link is a teaser for another story, unless the
     * link leaves the site or writes an e-mail (the subject of a post, a contact). */
    if (nd->tag == T_P && i != root && !c->relaxed && c->tlen[i] < 200 &&
        c->llen[i] * 10 >= c->tlen[i] * 8 && !ww__link_block_is_content(&c->view, i))
        return 0;
    if (nd->tag == T_A && o->a)
        add_link(o, t, i);
    ww__text_break(&o->w, ww__break_level(nd->tag));
    return 1;
}

static void leave(const ctx *c, out *o, uint32_t i) {
    uint16_t tag = c->t->nodes[i].tag;
    if (tag == T_TD || tag == T_TH)
        o->w.space = 1;
    ww__text_break(&o->w, ww__break_level(tag));
}

static void emit(const ctx *c, out *o, uint32_t root) {
    const ww__htree *t = c->t;
    uint32_t i = root;
    int down = enter(c, o, i, root);
    for (;;) {
        if (down && t->nodes[i].first) {
            i = t->nodes[i].first;
            down = enter(c, o, i, root);
            continue;
        }
        for (;;) {
            if (down)
                leave(c, o, i);
            if (i == root)
                return;
            if (t->nodes[i].next) {
                i = t->nodes[i].next;
                down = enter(c, o, i, root);
                break;
            }
            i = t->nodes[i].parent;
            down = 1;
        }
    }
}

static int run(ctx *c, ww_sb *sb, ww_article *a, const char *base, size_t max_links) {
    c->single = 0;
    compute(c);
    uint32_t top = score_all(c);
    out o = {.w = {.sb = sb}, .a = a, .base = base, .max_links = max_links};
    if (!top) {
        /* No paragraph scored: all visible text of the page. */
        emit(c, &o, 0);
        return sb->oom ? WW_ENOMEM : 0;
    }
    top = ww__own_article(c, top, base);
    pick(c, top);
    if (!c->relaxed)
        ww__emit_lead(c, &o.w, top);
    uint32_t par = c->t->nodes[top].parent;
    for (uint32_t s = c->t->nodes[par].first; s; s = c->t->nodes[s].next)
        if (c->fl[s] & NF_KEEP) {
            emit(c, &o, s);
            ww__text_break(&o.w, 2);
        }
    return sb->oom ? WW_ENOMEM : 0;
}

static void clear_links(ww_article *a) {
    for (size_t k = 0; k < a->nlinks; k++) {
        free(a->links[k].url);
        free(a->links[k].text);
    }
    free(a->links);
    a->links = NULL;
    a->nlinks = 0;
}

int ww__extract_content(const ww__htree *t, const char *base_url,
                        const ww_parse_limits *lim, ww_sb *outb, ww_article *a) {
    int rc = WW_ENOMEM;
    size_t n = t->nnodes;
    size_t max_links = lim && lim->max_links ? lim->max_links : (size_t)-1;
    ctx c = {.t = t, .n = n, .title = a->title, .canonical = a->canonical_url};
    c.fl = calloc(n, 1);
    c.hasblock = calloc(n, 1);
    c.score = calloc(n, sizeof *c.score);
    c.wb = calloc(n, sizeof *c.wb);
    ww__class_words_init();
    uint32_t *arr = calloc(n * 12, sizeof *arr);
    if (!c.fl || !c.hasblock || !c.score || !c.wb || !arr)
        goto out;
    c.tlen = arr;
    c.llen = arr + n;
    c.dlen = arr + 2 * n;
    c.commas = arr + 3 * n;
    c.np = arr + 4 * n;
    c.nimg = arr + 5 * n;
    c.nli = arr + 6 * n;
    c.ninput = arr + 7 * n;
    c.nembed = arr + 8 * n;
    c.hlen = arr + 9 * n;
    c.blk = arr + 10 * n;
    c.ends = arr + 11 * n;
    c.view = (ww__block_view){.t = t,
                              .fl = c.fl,
                              .junk_bit = NF_JUNK,
                              .tlen = c.tlen,
                              .llen = c.llen,
                              .base_url = base_url};
    rc = run(&c, outb, a, base_url, max_links);
    if (rc == 0 && outb->len < 250 && c.tlen[0] > 2 * outb->len + 250) {
        /* Almost nothing kept though the page has text: class rules were probably
         * wrong for this site; retry without them and keep the longer result. */
        ww_sb second = {0};
        ww_article tmp = {0};
        c.relaxed = 1;
        rc = run(&c, &second, &tmp, base_url, max_links);
        if (rc == 0 && second.len > outb->len) {
            ww_sb_free(outb);
            *outb = second;
            clear_links(a);
            a->links = tmp.links;
            a->nlinks = tmp.nlinks;
            a->limits_hit |= tmp.limits_hit;
        } else {
            ww_sb_free(&second);
            clear_links(&tmp);
        }
    }
out:
    free(c.fl);
    free(c.hasblock);
    free(c.score);
    free(c.wb);
    free(arr);
    return rc;
}
