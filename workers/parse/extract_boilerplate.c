/* Furniture inside the article and article parts outside it, judged by words and links
 * (issue 14).  Class names no longer say what a block is on many sites (CSS modules
 * write "sc-9t1d"), but the block still says it: a teaser box opens with "Lesen Sie
 * auch" and ends in "Weiterlesen", a promo asks to subscribe and links to the shop, a
 * rights line says "All rights reserved".  The phrases are data (boilerplate_cues.def,
 * every language wirewatch labels); the rules here add the structure that keeps them
 * from firing on prose: only small blocks, the phrase at the start (a label) or on the
 * block's last link, a link present for promos.
 *
 * Kind 5 is the other way round: a paragraph or list that is nothing but links is a
 * teaser when the links stay on the site, content when they leave it (the project a
 * post is about, recommended books) or write an e-mail. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cue_match.h"
#include "extract_boilerplate.h"
#include "html_text.h"

enum { LABEL_MAX = 80, FURNITURE_MAX = 1500, SMALL = 400 };

static int junk(const ww__block_view *v, uint32_t i) { return v->fl[i] & v->junk_bit; }

/* First non-blank text of i's subtree outside junk, leading white space skipped. */
static const char *leading_text(const ww__block_view *v, uint32_t i, size_t *n) {
    const ww__htree *t = v->t;
    uint32_t end = ww__subtree_end(t, i);
    for (uint32_t k = i + 1; k < end; k++) {
        if (junk(v, k)) {
            k = ww__subtree_end(t, k) - 1;
            continue;
        }
        if (t->nodes[k].tag != T_TEXT)
            continue;
        const char *s = ww__htext(t, k);
        size_t l = t->nodes[k].len, a = 0;
        while (a < l && (s[a] == ' ' || s[a] == '\n' || s[a] == '\t' || s[a] == '\r'))
            a++;
        if (a < l) {
            *n = l - a;
            return s + a;
        }
    }
    *n = 0;
    return NULL;
}

/* The text of i's subtree outside junk, white space runs collapsed to one space (text
 * nodes are joined as they are: "Sign up</a> for" stays "Sign up for"), into buf, cut
 * at cap bytes; its length.  No allocation: asked for many small blocks. */
static size_t block_text(const ww__block_view *v, uint32_t i, char *buf, size_t cap) {
    const ww__htree *t = v->t;
    uint32_t end = ww__subtree_end(t, i);
    size_t used = 0;
    int sp = 1;
    for (uint32_t k = i + 1; k < end && used < cap; k++) {
        if (t->nodes[k].tag != T_TEXT || junk(v, k))
            continue;
        const char *s = ww__htext(t, k);
        for (size_t b = 0, l = t->nodes[k].len; b < l && used < cap; b++) {
            char ch = s[b];
            if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f') {
                if (!sp)
                    buf[used++] = ' ';
                sp = 1;
                continue;
            }
            sp = 0;
            buf[used++] = ch;
        }
    }
    return used;
}

/* A label cue at the start of s: a short text that opens with it, or the cue followed
 * by a colon ("Related: …", "اقرأ أيضاً: …"). */
static int label_cue(ww__cue_kind kind, const char *s, size_t n) {
    size_t p = ww__cue_prefix(kind, s, n);
    if (!p)
        return 0;
    if (n <= LABEL_MAX)
        return 1;
    while (p < n && s[p] == ' ')
        p++;
    return p < n && (s[p] == ':' || (p + 2 < n && !memcmp(s + p, "\xEF\xBC\x9A", 3)));
}

/* The link that ends block i — its last non-blank text is inside it — or 0: teasers
 * and promos end in their call to action; a paragraph with links in its sentences
 * ends in plain text. */
static uint32_t ending_link(const ww__block_view *v, uint32_t i) {
    const ww__htree *t = v->t;
    for (uint32_t k = ww__subtree_end(t, i); k-- > i + 1;) {
        if (t->nodes[k].tag != T_TEXT || junk(v, k))
            continue;
        const char *s = ww__htext(t, k);
        size_t l = t->nodes[k].len, b = 0;
        while (b < l && (s[b] == ' ' || s[b] == '\n' || s[b] == '\t' || s[b] == '\r'))
            b++;
        if (b == l)
            continue; /* blank */
        for (uint32_t a = t->nodes[k].parent; a && a != i; a = t->nodes[a].parent)
            if (t->nodes[a].tag == T_A)
                return a;
        return 0;
    }
    return 0;
}

/* Blocks that can be furniture: containers, paragraphs, lists, subheadings (not
 * list items or cells: their list or table is judged as a whole). */
static int furniture_tag(uint16_t tag) {
    switch (tag) {
    case T_P:
    case T_DIV:
    case T_SECTION:
    case T_ASIDE:
    case T_ARTICLE:
    case T_UL:
    case T_OL:
    case T_H2:
    case T_H3:
    case T_H4:
    case T_H5:
    case T_H6:
    case T_FIGURE: return 1;
    default: return 0;
    }
}

int ww__furniture_block(const ww__block_view *v, uint32_t i, uint32_t root_len) {
    uint32_t len = v->tlen[i];
    if (len == 0 || len > FURNITURE_MAX || (uint64_t)len * 2 > root_len ||
        !furniture_tag(v->t->nodes[i].tag))
        return 0;
    size_t n;
    const char *lt = leading_text(v, i, &n);
    if (!lt)
        return 0;
    /* a label is short or has its colon early: prose openings are neither (and are
     * most of what is asked about, so they are let go before any folding) */
    int label = n <= LABEL_MAX || memchr(lt, ':', n < 64 ? n : 64) ||
                memmem(lt, n < 64 ? n : 64, "\xEF\xBC\x9A", 3);
    if (label && label_cue(WW_CUE_SECTION, lt, n))
        return 1;
    if (label && len < 1000 && label_cue(WW_CUE_AUTHORBOX, lt, n))
        return 1;
    if (len >= SMALL)
        return 0;
    if (ww__cue_prefix(WW_CUE_TAGS, lt, n))
        return 1;
    if ((n >= 2 && !memcmp(lt, "\xC2\xA9", 2)) ||
        (n >= 9 && !strncasecmp(lt, "copyright", 9)) ||
        ww__cue_prefix(WW_CUE_COPYRIGHT, lt, n))
        return 1;
    if (!v->llen[i])
        return 0;
    char buf[2048];
    uint32_t a = ending_link(v, i);
    if (a && ww__cue_whole(WW_CUE_READMORE, buf, block_text(v, a, buf, sizeof buf)))
        return 1; /* a teaser */
    return ww__cue_count(WW_CUE_PROMO, buf, block_text(v, i, buf, sizeof buf)) > 0;
}

int ww__credit_block(const ww__block_view *v, uint32_t i) {
    if (v->tlen[i] == 0 || v->tlen[i] > 300)
        return 0;
    size_t n;
    const char *lt = leading_text(v, i, &n);
    return lt && ww__cue_prefix(WW_CUE_CREDIT, lt, n) > 0;
}

int ww__consent_paragraph(const ww__block_view *v, uint32_t i) {
    char buf[2048];
    size_t n = block_text(v, i, buf, sizeof buf);
    return ww__cue_count(WW_CUE_CONSENT, buf, n) >= 2;
}

/* Host of an absolute URL without "www.", as [*h, *h + *n). 0 for relative URLs. */
static int host_of(const char *u, const char **h, size_t *n) {
    const char *p = u ? strstr(u, "://") : NULL;
    if (!p)
        return 0;
    p += 3;
    size_t l = strcspn(p, "/?#:");
    if (l > 4 && !strncasecmp(p, "www.", 4)) {
        p += 4;
        l -= 4;
    }
    *h = p;
    *n = l;
    return l > 0;
}

/* The last two labels of a host ("waterauthority.example" of data.waterauthority.example):
 * hosts that share them are one site. */
static void site_part(const char **h, size_t *n) {
    int dots = 0;
    for (size_t k = *n; k-- > 0;)
        if ((*h)[k] == '.' && ++dots == 2) {
            *h += k + 1;
            *n -= k + 1;
            return;
        }
}

/* 1 mailto/tel, 2 another site, 0 this site or unusable. */
static int link_kind(const ww__block_view *v, uint32_t a) {
    const char *href = ww__hattr_id(v->t, a, A_HREF);
    if (!href)
        return 0;
    while (*href == ' ')
        href++;
    if (!strncasecmp(href, "mailto:", 7) || !strncasecmp(href, "tel:", 4))
        return 1;
    const char *h1, *h2;
    size_t n1, n2;
    if (!host_of(href, &h1, &n1) || !host_of(v->base_url, &h2, &n2))
        return 0;
    site_part(&h1, &n1);
    site_part(&h2, &n2);
    return (n1 != n2 || strncasecmp(h1, h2, n1) != 0) ? 2 : 0;
}

int ww__link_block_is_content(const ww__block_view *v, uint32_t i) {
    const ww__htree *t = v->t;
    uint32_t end = ww__subtree_end(t, i);
    int links = 0;
    for (uint32_t k = i + 1; k < end; k++) {
        if (t->nodes[k].tag != T_A || junk(v, k))
            continue;
        if (!link_kind(v, k))
            return 0;
        links++;
    }
    return links > 0;
}

int ww__link_list_is_content(const ww__block_view *v, uint32_t i) {
    const ww__htree *t = v->t;
    uint32_t items = 0, off_site = 0, text = 0;
    for (uint32_t li = t->nodes[i].first; li; li = t->nodes[li].next) {
        if (t->nodes[li].tag != T_LI || junk(v, li))
            continue;
        items++;
        text += v->tlen[li];
        uint32_t end = ww__subtree_end(t, li);
        for (uint32_t k = li + 1; k < end; k++)
            if (t->nodes[k].tag == T_A) {
                off_site += link_kind(v, k) != 0;
                break;
            }
    }
    return items >= 3 && off_site * 5 >= items * 4 && text >= 15 * items;
}
