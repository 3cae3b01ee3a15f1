/* Internal to the parse stage: parts of the article outside its top candidate
 * (issue 14, kind 4). */
#ifndef WW_PARSE_EXTRACT_PARTS_H
#define WW_PARSE_EXTRACT_PARTS_H

#include <stdint.h>

#include "extract_ctx.h"
#include "html_text.h"

/* 1 when sibling s of the top candidate is the rest of a body the page split in two:
 * it holds paragraphs, little link text, and an element of class cls (the top
 * candidate's class). */
int ww__split_body(const ww__xctx *c, uint32_t s, const char *cls);

/* Write the standfirst into w: the prose blocks after the <h1> in the first sibling of
 * top before it that was not kept — a <header> or headline block holding headline,
 * lead and byline, dropped for its class or for scoring too little.  Blocks hidden or
 * junk for their tag are not written. */
void ww__emit_lead(const ww__xctx *c, ww__text_out *w, uint32_t top);

#endif
