/* Article parts that sit outside the top candidate (issue 14, kind 4).
 *
 * The scorer finds the container with the most prose; the page can put article text
 * beside it.  A standfirst ("lead", "dek") often shares a <header> with the headline
 * and the byline, which is dropped as a block: it scores little (one paragraph) or
 * goes for its class.  Its prose is kept — only the prose after the headline, not the
 * byline, date or share buttons.  A body split in two around an ad or a newsletter box
 * puts its second half in a sibling that holds the same class as the first.  (Credit
 * lines after the body are recognised by their words: extract_boilerplate.c.) */
#include <stdlib.h>
#include <string.h>

#include "extract_parts.h"
#include "text_stats.h"

int ww__split_body(const ww__xctx *c, uint32_t s, const char *cls) {
    const ww__htree *t = c->t;
    if (!cls || !*cls || c->np[s] == 0 || ww__link_density(c, s) > 0.3f)
        return 0;
    uint32_t end = ww__subtree_end(t, s);
    for (uint32_t k = s + 1; k < end; k++) {
        const char *kc = ww__hattr_id(t, k, A_CLASS);
        if (kc && !(c->fl[k] & NF_JUNK) && c->np[k] && strcmp(kc, cls) == 0)
            return 1;
    }
    return 0;
}

/* 1 when i (in s's subtree) is junk for its tag or visibility, or inside such an
 * element below s; junk only for a class is not. */
static int own_junk_below(const ww__xctx *c, uint32_t i, uint32_t s) {
    for (uint32_t x = i; x && x != s; x = c->t->nodes[x].parent)
        if ((c->fl[x] & NF_JUNK) && !(c->fl[x] & NF_CJUNK) &&
            !(c->fl[c->t->nodes[x].parent] & NF_JUNK))
            return 1;
    return 0;
}

/* 1 when the text of block i (junk for its class, so without statistics) is prose:
 * 80 bytes or more, a sentence end, under a fifth of it in links. */
static int prose_block(const ww__htree *t, uint32_t i) {
    size_t len = 0, links = 0, ends = 0;
    uint32_t end = ww__subtree_end(t, i);
    for (uint32_t k = i + 1; k < end; k++) {
        if (t->nodes[k].tag != T_TEXT)
            continue;
        const unsigned char *u = (const unsigned char *)ww__htext(t, k);
        size_t l = t->nodes[k].len;
        for (size_t b = 0; b < l; b++)
            ends += ww__sentence_end(u, b, l);
        len += l;
        for (uint32_t a = t->nodes[k].parent; a && a != i; a = t->nodes[a].parent)
            if (t->nodes[a].tag == T_A) {
                links += l;
                break;
            }
    }
    return len >= 80 && ends > 0 && links * 5 < len;
}

/* A block whose text is written as one piece: a paragraph, or a block element with no
 * block children that is no list. */
static int text_block(const ww__xctx *c, uint32_t k) {
    uint16_t tag = c->t->nodes[k].tag;
    return tag == T_P || ((ww__tag_flags[tag] & TF_BLOCK) && !c->hasblock[k] &&
                          tag != T_UL && tag != T_OL && tag != T_TEXT);
}

void ww__emit_lead(const ww__xctx *c, ww__text_out *w, uint32_t top) {
    const ww__htree *t = c->t;
    for (uint32_t s = t->nodes[t->nodes[top].parent].first; s && s != top;
         s = t->nodes[s].next) {
        if (t->nodes[s].tag == T_TEXT || (c->fl[s] & NF_KEEP) ||
            ((c->fl[s] & NF_JUNK) && !(c->fl[s] & NF_CJUNK)))
            continue;
        uint32_t end = ww__subtree_end(t, s), k = s + 1;
        while (k < end && t->nodes[k].tag != T_H1)
            k++;
        if (k == end)
            continue;
        for (k = ww__subtree_end(t, k); k < end;) {
            if (!text_block(c, k)) {
                k++;
                continue;
            }
            if (!own_junk_below(c, k, s) && prose_block(t, k)) {
                char *tx = ww__node_text(t, k);
                if (tx) {
                    ww__text_put(w, tx, strlen(tx));
                    ww__text_break(w, 2);
                }
                free(tx);
            }
            k = ww__subtree_end(t, k);
        }
        return;
    }
}
