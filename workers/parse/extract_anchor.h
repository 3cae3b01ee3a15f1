/* Internal to the parse stage: which article of a page with several is the page's own
 * (issue 14, kind 1). */
#ifndef WW_PARSE_EXTRACT_ANCHOR_H
#define WW_PARSE_EXTRACT_ANCHOR_H

#include <stdint.h>

#include "html_tree.h"

/* The heading that names the page's own article: the first <h1>, else <h2>, outside
 * junk (junk[i] != 0) whose text is the page's title, or that links to the page's URL
 * or canonical URL.  title, url, canonical may be NULL.  0 when none. */
uint32_t ww__title_anchor(const ww__htree *t, const uint8_t *junk, const char *title,
                          const char *url, const char *canonical);

/* The article unit of the anchor heading on a page of several articles: the lowest
 * ancestor of anchor with article text of its own (tlen minus heading text hlen at
 * least 200) that has a twin — another element of the same tag and class (any other
 * <article> for <article>), neither inside the other, that has a heading and text —
 * within its grandparent.  0 when the page shows no such repetition (one article). */
uint32_t ww__anchor_unit(const ww__htree *t, uint32_t anchor, const uint32_t *tlen,
                         const uint32_t *hlen);

#endif
