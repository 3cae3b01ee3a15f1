/* Internal to the parse stage: the cross-file helpers. */
#ifndef WW_PARSE_INTERNAL_H
#define WW_PARSE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "html_tree.h"
#include "wirewatch/parse.h"
#include "wirewatch/strbuf.h"

/* Main content of tree t as text ("\n\n" between paragraphs) into out; links found in
 * it are added to a (bounded by lim->max_links).  Returns 0 or WW_ENOMEM. */
int ww__extract_content(const ww__htree *t, const char *base_url,
                        const ww_parse_limits *lim, ww_sb *out, ww_article *a);

/* Metadata (title, byline, dates, canonical, site, description, language hint). */
int ww__extract_metadata(const ww__htree *t, const char *base_url, ww_article *a);

/* ww_text_clean with glued-sentence splitting optional (HTML output has its
 * boundaries from the markup already). */
char *ww__text_clean(const char *text, size_t len, size_t *outlen, int split_glued);

#endif
