/* Internal to the parse stage: HTML character references ("&amp;", "&#8217;",
 * "&#x2019;") to code points, for the tree builder. */
#ifndef WW_PARSE_HTML_CHARREF_H
#define WW_PARSE_HTML_CHARREF_H

/* The reference at s (s < end, *s == '&'): its code point, with *next just past it
 * (its ';' included); 0 when s starts no reference and the '&' is literal (*next is
 * then not set).  in_attr: an attribute value, where a named reference without ';'
 * is literal. */
unsigned long ww__html_charref(const char *s, const char *end, int in_attr,
                               const char **next);

#endif
