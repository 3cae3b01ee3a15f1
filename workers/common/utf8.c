/* Strict UTF-8 validation (include/wirewatch/utf8.h).  One copy for the JSON writer
 * (msg_json_text.c), the classify stage's input check and parse's repair
 * (charset.c): each had its own, three readings of one RFC. */
#include <string.h>

#include "wirewatch/utf8.h"

size_t ww_utf8_seq(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
    size_t need;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, min = 0x10000;
    else
        return 0;
    if (need >= n)
        return 0;
    uint32_t cp = (uint32_t)(c & (0x3F >> need));
    for (size_t j = 1; j <= need; j++) {
        if ((s[j] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

size_t ww_utf8_valid_prefix(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0)) {
            i += 8; /* eight ASCII bytes */
            continue;
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = ww_utf8_seq(s + i, n - i);
        if (!k)
            return i;
        i += k;
    }
    return n;
}
