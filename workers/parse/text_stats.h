/* Internal to the parse stage: the content scorer's counts over one text node. */
#ifndef WW_PARSE_TEXT_STATS_H
#define WW_PARSE_TEXT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A sentence ends at u[k] (of n bytes): ".", "!", "?" before a non-letter and
 * non-digit ("27.11." and "6.30" are no ends), or a full-width (。！？), Arabic (؟) or
 * Devanagari (।) mark. */
static inline int ww__sentence_end(const unsigned char *u, size_t k, size_t n) {
    unsigned char c = u[k];
    if (c == '.' || c == '!' || c == '?') {
        unsigned char d = k + 1 < n ? u[k + 1] : ' ';
        return !((d >= '0' && d <= '9') || ((d | 0x20) >= 'a' && (d | 0x20) <= 'z'));
    }
    if (k + 2 < n && c == 0xE3 && u[k + 1] == 0x80 && u[k + 2] == 0x82)
        return 1;
    if (k + 2 < n && c == 0xEF && u[k + 1] == 0xBC &&
        (u[k + 2] == 0x81 || u[k + 2] == 0x9F))
        return 1;
    if (k + 1 < n && c == 0xD8 && u[k + 1] == 0x9F)
        return 1;
    return k + 2 < n && c == 0xE0 && u[k + 1] == 0xA5 && u[k + 2] == 0xA4;
}

/* Characters of s[0..n) (non-space characters, one per white space run; a multi-byte
 * character counts its bytes), commas and sentence ends into *len, *commas, *ends. */
void ww__text_stats(const char *s, size_t n, uint32_t *len, uint32_t *commas,
                    uint32_t *ends);

/* The characters alone (ww__text_stats without the rest, for the sizing pass). */
uint32_t ww__text_chars(const char *s, size_t n);

#endif
