/* Feed and sitemap parsing: RSS 2.0 (and RSS 1.0/RDF), Atom, sitemap urlset (with
 * Google News extensions) and sitemap index, into a flat list of article URLs.
 *
 * libxml2 parses with no network, no DTD loading and no entity substitution, so a
 * hostile document cannot read files, reach the network or expand entities ("billion
 * laughs"): references to entities declared in the document are dropped from text.
 * Input over WW_FEED_MAX_BYTES is refused. */
#ifndef WIREWATCH_FEED_H
#define WIREWATCH_FEED_H

#include <stddef.h>
#include <stdint.h>

/* Largest document ww_feed_parse accepts (the sitemap protocol's own cap is 50 MB). */
#define WW_FEED_MAX_BYTES ((size_t)64 << 20)

typedef enum {
    WW_FEED_NONE = 0,
    WW_FEED_RSS,
    WW_FEED_ATOM,
    WW_FEED_SITEMAP,
    WW_FEED_SITEMAP_INDEX
} ww_feed_kind;

typedef struct ww_feed_item {
    char *url;       /* absolute http(s) URL, never NULL */
    char *title;     /* whitespace-collapsed text, "" when absent */
    char *published; /* RFC 3339 UTC ("2025-01-24T20:32:41Z") or "" */
} ww_feed_item;

/* Kind of document from its root element name (first 4 KiB, after the XML
 * declaration, comments, processing instructions and DOCTYPE); WW_FEED_NONE when it
 * is none of the four.  Cheap: no XML parser involved. */
ww_feed_kind ww_feed_sniff(const uint8_t *data, size_t len);

/* "rss", "atom", "sitemap", "sitemapindex", "none". */
const char *ww_feed_kind_name(ww_feed_kind kind);

/* Parse a feed or sitemap; relative URLs resolved against base_url (may be NULL: then
 * only absolute URLs are kept) and xml:base.  Entries without a usable http(s) URL are
 * left out.  Returns 0 with *kind, *items (caller frees with ww_feed_items_free; NULL
 * when *n_items is 0); WW_EMALFORMED with err when the bytes are not a feed or sitemap
 * (*kind = WW_FEED_NONE); WW_ETOOBIG over WW_FEED_MAX_BYTES; WW_ENOMEM. */
int ww_feed_parse(const uint8_t *data, size_t len, const char *base_url,
                  ww_feed_kind *kind, ww_feed_item **items, size_t *n_items, char *err,
                  size_t errlen);

/* Frees the array and its strings; (NULL, 0) is a no-op. */
void ww_feed_items_free(ww_feed_item *items, size_t n);

/* Normalise an RSS (RFC 822/1123), Atom/sitemap (RFC 3339, W3C date-time, date only)
 * date to RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" in out (>= 21 bytes).  Returns 0, or
 * WW_EMALFORMED (out = "") when the text is not such a date. */
int ww_feed_date_rfc3339(const char *text, char *out, size_t outlen);

#endif
