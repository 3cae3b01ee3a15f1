/* Internal to the parse stage: one place where an href becomes an absolute URL
 * (links in the article, canonical, og:url, JSON-LD url). */
#ifndef WW_PARSE_URL_RESOLVE_H
#define WW_PARSE_URL_RESOLVE_H

/* Resolve href against base (libxml2 xmlBuildURI, RFC 3986); leading white space of
 * href is skipped.  Returns a malloc'd string (caller frees), NULL when href is empty
 * or unusable or on ENOMEM. */
char *ww__resolve_url(const char *base, const char *href);

#endif
