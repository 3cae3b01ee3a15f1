/* Fuzz feed/sitemap sniffing and parsing, and the date normaliser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1 << 20))
        return 0;
    ww_feed_kind sniffed = ww_feed_sniff(data, size), kind;
    ww_feed_item *items = NULL;
    size_t n = 0;
    char err[256] = "";
    int rc = ww_feed_parse(data, size, "https://example.com/news/feed.xml", &kind, &items,
                           &n, err, sizeof err);
    if (rc == 0) {
        if (kind == WW_FEED_NONE)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (strncmp(items[i].url, "http", 4) != 0)
                abort();
            size_t pl = strlen(items[i].published);
            if (pl != 0 && pl != 20)
                abort();
            (void)strlen(items[i].title);
        }
    } else if (items || n || err[0] == '\0') {
        abort();
    }
    (void)sniffed;
    ww_feed_items_free(items, n);

    char text[96], out[32];
    size_t tl = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, tl);
    text[tl] = '\0';
    if (ww_feed_date_rfc3339(text, out, sizeof out) == 0 && strlen(out) != 20)
        abort();
    return 0;
}
