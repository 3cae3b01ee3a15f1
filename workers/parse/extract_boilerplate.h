/* Internal to the parse stage: blocks that are or are not the article's, judged by
 * what they say and how they link (issue 14, kinds 2, 4, 5, 6).  The extractor
 * (extract_content.c) asks; junk is the extractor's flag array and junk_bit its junk
 * flag; tlen/llen are its visible-text and link-text lengths per node. */
#ifndef WW_PARSE_EXTRACT_BOILERPLATE_H
#define WW_PARSE_EXTRACT_BOILERPLATE_H

#include <stdint.h>

#include "html_tree.h"

typedef struct ww__block_view {
    const ww__htree *t;
    const uint8_t *fl;
    uint8_t junk_bit;
    const uint32_t *tlen, *llen;
    const char *base_url; /* the page's URL: which links leave the site */
} ww__block_view;

/* 1 when block i inside the article is furniture: a teaser section opened by a label
 * ("You might also like", "Lesen Sie auch", "Читайте также"), a teaser ending in a
 * "read more" link, a subscription promo with its link, an author box, a tag line or a
 * rights line.  root_len is the article's text length (a block holding half of it is
 * never furniture). */
int ww__furniture_block(const ww__block_view *v, uint32_t i, uint32_t root_len);

/* 1 when block i opens with a credit line that belongs to the article after its body
 * ("Additional reporting by …", "Mitarbeit: …", "При участии …"). */
int ww__credit_block(const ww__block_view *v, uint32_t i);

/* 1 when paragraph i reads as a cookie, privacy or newsletter consent notice (two
 * different consent phrases). */
int ww__consent_paragraph(const ww__block_view *v, uint32_t i);

/* 1 when the link-only block i is content rather than a teaser: its links are e-mail or
 * phone links or leave the site (a teaser links to another page of the same site). */
int ww__link_block_is_content(const ww__block_view *v, uint32_t i);

/* 1 when list i (ul/ol) of mostly links is content: at least three items, four in five
 * linking off the site, item texts of 15 characters or more on average (a list of
 * recommended books or tools; share bars have short texts, menus link inside). */
int ww__link_list_is_content(const ww__block_view *v, uint32_t i);

#endif
