/* Internal to the parse stage: the content extractor's per-page state, shared by
 * extract_content.c (scoring, picking, writing) and the files that judge article parts
 * with it (extract_anchor.c: the page's own article among several; extract_parts.c:
 * standfirst, split bodies, credit lines). */
#ifndef WW_PARSE_EXTRACT_CTX_H
#define WW_PARSE_EXTRACT_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "extract_boilerplate.h"
#include "html_tree.h"

/* Node flags.  NF_CJUNK: junk for its class, id or <header> tag (not for its tag kind
 * or visibility); NF_CONTROL: holds a form control (input, button, select, textarea);
 * NF_H1: holds an <h1>. */
enum {
    NF_JUNK = 1,
    NF_CAND = 2,
    NF_KEEP = 4,
    NF_LINK = 8,
    NF_EMBED = 16,
    NF_CJUNK = 32,
    NF_CONTROL = 64,
    NF_H1 = 128
};

typedef struct ww__xctx {
    const ww__htree *t;
    size_t n;
    uint8_t *fl;
    uint32_t *tlen;   /* visible text "characters" (non-space bytes + 1 per space run) */
    uint32_t *llen;   /* of which inside links */
    uint32_t *dlen;   /* text whose nearest block ancestor is this node */
    uint32_t *commas; /* commas in the subtree */
    uint32_t *ends;   /* sentence ends in the subtree */
    uint32_t *np, *nimg, *nli, *ninput, *nembed, *hlen;
    uint32_t *blk;     /* nearest block ancestor-or-self */
    uint8_t *hasblock; /* has a block element child */
    uint16_t *wb;      /* cached class/id word bits (0x8000 = computed) */
    float *score;
    int relaxed;
    int single;                    /* the article is the top candidate alone */
    const char *title, *canonical; /* the page's, to find its own article */
    ww__block_view view;           /* for extract_boilerplate.c */
} ww__xctx;

static inline float ww__link_density(const ww__xctx *c, uint32_t i) {
    return c->tlen[i] ? (float)c->llen[i] / (float)c->tlen[i] : 0.0f;
}

#endif
