/* What the content scorer counts in a text node: characters (white space runs count
 * one), commas (ASCII and full-width) and sentence ends.  Called for every text node
 * of every page, twice: one table load per byte on the common path. */
#include "text_stats.h"

#include "html_text.h"

/* Bytes text_stats looks at twice: 1 white space or a no-break space's lead byte, 2 a
 * comma, 3 a sentence end or a full-width comma's lead byte; 0 all others (the fast
 * path: one table load per letter). */
static const uint8_t stat_byte[256] = {
    [' '] = 1, ['\n'] = 1, ['\t'] = 1, ['\r'] = 1, ['\f'] = 1, [0xC2] = 1, [','] = 2,
    ['.'] = 3, ['!'] = 3,  ['?'] = 3,  [0xE3] = 3, [0xEF] = 3, [0xD8] = 3, [0xE0] = 3};

void ww__text_stats(const char *s, size_t n, uint32_t *len, uint32_t *commas,
                    uint32_t *ends) {
    const unsigned char *u = (const unsigned char *)s;
    uint32_t l = 0, c = 0, e = 0;
    int sp = 1;
    for (size_t k = 0; k < n;) {
        uint8_t kind = stat_byte[u[k]];
        size_t w;
        if (kind == 1 && ww__is_space_at(u, k, n, &w)) {
            if (!sp)
                l++;
            sp = 1;
            k += w;
            continue;
        }
        sp = 0;
        if (kind == 2)
            c++;
        else if (kind == 3 && u[k] == 0xEF && k + 2 < n && u[k + 1] == 0xBC &&
                 u[k + 2] == 0x8C)
            c++; /* fullwidth comma */
        else if (kind == 3)
            e += ww__sentence_end(u, k, n);
        l++;
        k++;
    }
    *len = l;
    *commas = c;
    *ends = e;
}

uint32_t ww__text_chars(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    uint32_t l = 0;
    int sp = 1;
    for (size_t k = 0; k < n;) {
        size_t w;
        if (stat_byte[u[k]] == 1 && ww__is_space_at(u, k, n, &w)) {
            l += !sp;
            sp = 1;
            k += w;
            continue;
        }
        sp = 0;
        l++;
        k++;
    }
    return l;
}
