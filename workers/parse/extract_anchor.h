/* Internal to the parse stage: which article of a page with several is the page's own
 * (issue 14, kind 1). */
#ifndef WW_PARSE_EXTRACT_ANCHOR_H
#define WW_PARSE_EXTRACT_ANCHOR_H

#include <stdint.h>

#include "extract_ctx.h"

/* The candidate to extract instead of top when the page shows several articles and
 * top is not inside the page's own: the best-scoring candidate inside the article unit
 * of the heading that names the page (its text is c->title, or it links to base or
 * c->canonical).  Sets c->single when that is the unit itself (its siblings are the
 * other articles).  Returns top when the page has one article or names none. */
uint32_t ww__own_article(ww__xctx *c, uint32_t top, const char *base);

#endif
