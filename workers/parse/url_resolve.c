/* Relative URL resolution for the parse stage: libxml2's xmlBuildURI implements RFC
 * 3986 reference resolution, and libxml2 is linked already for its entity table. */
#include "url_resolve.h"

#include <libxml/uri.h>
#include <stdlib.h>
#include <string.h>

char *ww__resolve_url(const char *base, const char *href) {
    if (!href)
        return NULL;
    while (*href == ' ' || *href == '\n' || *href == '\t' || *href == '\r')
        href++;
    if (!*href)
        return NULL;
    xmlChar *u = xmlBuildURI((const xmlChar *)href, (const xmlChar *)(base ? base : ""));
    if (!u)
        return NULL;
    char *r = strdup((const char *)u);
    xmlFree(u);
    return r;
}
