/* Strict UTF-8 (RFC 3629), the one test every stage uses: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF.  It is what protobuf's proto3
 * strings must be, what jansson accepts (utf8_check_string, jansson 2.14), and what
 * parse writes (charset.c repairs anything else to U+FFFD). */
#ifndef WIREWATCH_UTF8_H
#define WIREWATCH_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (2..4) of the valid sequence that starts at s[0] (a byte >= 0x80), 0 when it
 * is invalid or cut short by n. */
size_t ww_utf8_seq(const uint8_t *s, size_t n);

/* How many bytes from the start of s[0..n) are valid UTF-8: n when all are.  ASCII is
 * read 8 bytes at a time. */
size_t ww_utf8_valid_prefix(const uint8_t *s, size_t n);

/* 1 when s[0..n) is valid UTF-8, else 0. */
static inline int ww_utf8_valid(const void *s, size_t n) {
    return ww_utf8_valid_prefix((const uint8_t *)s, n) == n;
}

/* The code points of s[0..n), valid UTF-8: the bytes that start one. */
static inline size_t ww_utf8_count(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

#endif
