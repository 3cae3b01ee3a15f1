/* Internal: reading code points fast where the tokenizer reads most of them.
 *
 * utf8proc_iterate, utf8proc_category and utf8proc_encode_char are a library call
 * each per code point: a sixth of classifying Arabic or Russian text, and a tenth of
 * Chinese text outside ICU's word break.  Sequences of 2 and 3 bytes (every script
 * below U+10000) are decoded inline here with the same validity rules as
 * utf8proc_iterate (no overlong form, no surrogate); everything else still goes to
 * utf8proc, so results are the same. */
#ifndef WW_CLASSIFY_CODEPOINT_H
#define WW_CLASSIFY_CODEPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <utf8proc.h>

/* The code point at s[0..n) (n >= 1) into *cp and its length in bytes, or a value
 * <= 0 for an invalid sequence, as utf8proc_iterate returns. */
static inline long ww__cp_next(const uint8_t *s, size_t n, int32_t *cp) {
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *cp = (c & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if ((c & 0xF0) == 0xE0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        !(c == 0xE0 && s[1] < 0xA0) && !(c == 0xED && s[1] >= 0xA0)) {
        *cp = (c & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    utf8proc_int32_t u;
    utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)n, &u);
    *cp = u;
    return (long)k;
}

/* cp (valid, not a surrogate) written as UTF-8 at d; its length. */
static inline size_t ww__cp_put(int32_t cp, uint8_t *d) {
    if (cp < 0x80) {
        d[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (uint8_t)(0xC0 | cp >> 6);
        d[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (uint8_t)(0xE0 | cp >> 12);
        d[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    return (size_t)utf8proc_encode_char(cp, d);
}

/* Byte offset of the code point before byte i of valid UTF-8 text (i > 0). */
static inline size_t ww__cp_before(const char *text, size_t i) {
    size_t b = i - 1;
    while (b > 0 && ((unsigned char)text[b] & 0xC0) == 0x80)
        b--;
    return b;
}

/* Set up ww__cp_word's bit set (~1 ms, once a process; thread-safe). */
void ww__cp_init(void);
extern uint64_t ww__cp_word_bits[0x10000 / 64];
int ww__cp_word_astral(int32_t cp);

/* 1 when cp is a word character (ASCII letters and digits; beyond ASCII a letter, a
 * mark or a number by Unicode category), else 0.  Call ww__cp_init first. */
static inline int ww__cp_word(int32_t cp) {
    return cp < 0x10000 ? (int)(ww__cp_word_bits[cp / 64] >> (cp % 64) & 1)
                        : ww__cp_word_astral(cp);
}

#endif
