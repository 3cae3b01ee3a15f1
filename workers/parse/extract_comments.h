/* Internal to the parse stage: reader comments (parse.comments, issue 14 kind 7). */
#ifndef WW_PARSE_EXTRACT_COMMENTS_H
#define WW_PARSE_EXTRACT_COMMENTS_H

#include <stdint.h>

#include "html_tree.h"
#include "wirewatch/parse.h"

/* 1 when element i holds reader comments: a class or id naming comments in one of the
 * languages wirewatch reads ("comments-area", "kommentare", "commentaires",
 * "comentarios", "disqus_thread"), or schema.org microdata itemprop="comment".  The
 * article text never includes such an element. */
int ww__comment_region(const ww__htree *t, uint32_t i);

/* Comments of the page into a->comments (author, published, text), in page order.
 * Returns 0 or WW_ENOMEM (what was found until then stays in a). */
int ww__extract_comments(const ww__htree *t, ww_article *a);

#endif
