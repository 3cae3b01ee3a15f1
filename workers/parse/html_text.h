/* Internal to the parse stage: the text of tree nodes as it is written out — white
 * space runs become one space, block boundaries become line or paragraph breaks.
 * The article writer (extract_content.c) and every reader of one element's text
 * (ww__node_text: titles, bylines, link texts, metadata) share these rules, so the
 * same markup reads the same everywhere. */
#ifndef WW_PARSE_HTML_TEXT_H
#define WW_PARSE_HTML_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "html_tree.h"
#include "wirewatch/strbuf.h"

/* Text being written: what is pending goes out before the next word. */
typedef struct ww__text_out {
    ww_sb *sb;
    int brk;   /* pending break: 0 none, 1 "\n", 2 "\n\n" */
    int space; /* pending space */
} ww__text_out;

/* 1 when s[k] (of n bytes) starts white space — ASCII or U+00A0 no-break space —
 * with its byte length in *w; 0 otherwise. */
static inline int ww__is_space_at(const unsigned char *s, size_t k, size_t n, size_t *w) {
    unsigned char c = s[k];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
        *w = 1;
        return 1;
    }
    if (c == 0xC2 && k + 1 < n && s[k + 1] == 0xA0) { /* no-break space */
        *w = 2;
        return 1;
    }
    return 0;
}

/* Ask for a break of at least `level` before the next word. */
static inline void ww__text_break(ww__text_out *o, int level) {
    if (level > o->brk)
        o->brk = level;
}

/* Break an element of this tag makes around itself: 1 line (list items, table rows,
 * options), 2 paragraph (other blocks), 0 none (inline). */
static inline int ww__break_level(uint16_t tag) {
    switch (tag) {
    case T_LI:
    case T_TR:
    case T_DT:
    case T_DD:
    case T_OPTION: return 1;
    default: return (ww__tag_flags[tag] & TF_BLOCK) ? 2 : 0;
    }
}

/* Write the words of s[0..n) (UTF-8), pending break or space first.  Out of memory
 * is left in o->sb->oom. */
void ww__text_put(ww__text_out *o, const char *s, size_t n);

/* Text of the subtree at i, whitespace collapsed, line breaks between blocks; junk
 * elements below i are skipped (except <title>).  malloc'd ("" when none), NULL on
 * ENOMEM; the caller frees. */
char *ww__node_text(const ww__htree *t, uint32_t i);

#endif
