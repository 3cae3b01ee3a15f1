/* Invisible characters out of extracted text (issue 14, kind 3).
 *
 * Pages hyphenate long words with soft hyphens (German and Russian sites put one in
 * nearly every compound: "Bundes&shy;verfassungs&shy;gericht"), CMSs leave zero-width
 * spaces and byte order marks where text was pasted, and word joiners glue compounds.
 * None of them is visible, but kept in the text they split words for matching and
 * search ("Bundesverfassungsgericht" no longer matches).  The zero-width (non-)joiners
 * are different: Persian writes "می‌خواهم" with a ZWNJ that changes the letter forms,
 * Indic scripts choose conjunct forms with ZWJ/ZWNJ after a virama, and emoji
 * sequences (👩‍⚖️) are joined by ZWJ; there they are part of the spelling and stay. */
#include <stdint.h>
#include <string.h>

#include "text_invisible.h"

/* Decode the code point at s[k] (k < n); *w gets its length (1 for a bad byte). */
static uint32_t cp_at(const unsigned char *s, size_t k, size_t n, size_t *w) {
    unsigned char c = s[k];
    if (c < 0x80 || k + 1 >= n) {
        *w = 1;
        return c;
    }
    if ((c & 0xE0) == 0xC0) {
        *w = 2;
        return ((uint32_t)(c & 0x1F) << 6) | (s[k + 1] & 0x3F);
    }
    if ((c & 0xF0) == 0xE0 && k + 2 < n) {
        *w = 3;
        return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[k + 1] & 0x3F) << 6) |
               (s[k + 2] & 0x3F);
    }
    if ((c & 0xF8) == 0xF0 && k + 3 < n) {
        *w = 4;
        return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[k + 1] & 0x3F) << 12) |
               ((uint32_t)(s[k + 2] & 0x3F) << 6) | (s[k + 3] & 0x3F);
    }
    *w = 1;
    return c;
}

/* The code point that ends before s[k] (0 at the start). */
static uint32_t cp_before(const unsigned char *s, size_t k) {
    size_t b = k;
    while (b > 0 && k - b < 4) {
        b--;
        if ((s[b] & 0xC0) != 0x80)
            break;
    }
    if (b == k)
        return 0;
    size_t w;
    return cp_at(s, b, k, &w);
}

/* Scripts whose spelling uses ZWNJ/ZWJ. */
static int joining_script(uint32_t c) {
    return (c >= 0x0600 && c <= 0x08FF) || /* Arabic, Syriac, Thaana, N'Ko, Arabic ext */
           (c >= 0x0900 && c <= 0x0DFF) || /* Devanagari .. Sinhala */
           (c >= 0x0F00 && c <= 0x109F) || /* Tibetan, Myanmar */
           (c >= 0x1780 && c <= 0x18AF) || /* Khmer, Mongolian */
           (c >= 0xA8E0 && c <= 0xA8FF) || /* Devanagari extended */
           (c >= 0xFB50 && c <= 0xFDFF) || /* Arabic presentation forms A */
           (c >= 0xFE70 && c <= 0xFEFE);   /* Arabic presentation forms B */
}

/* Emoji and what is written inside emoji sequences (variation selector 16, skin tones,
 * pictographs, dingbats, symbols). */
static int emoji_part(uint32_t c) {
    return c == 0xFE0F || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2B00 && c <= 0x2BFF) ||
           (c >= 0x1F000 && c <= 0x1FAFF) || c == 0x2640 || c == 0x2642 || c == 0x2695 ||
           c == 0x2696;
}

/* Length of the invisible character to drop at s[k], 0 to keep what is there.  The
 * character before it (for ZWNJ/ZWJ) is the one that ends at s[prev_end]: the text is
 * compacted in place, and what precedes k in the output is not always what precedes it
 * in the input. */
static size_t drop_len(const unsigned char *s, size_t k, size_t n, size_t prev_end) {
    unsigned char c = s[k];
    if (c == 0xC2)
        return k + 1 < n && s[k + 1] == 0xAD ? 2 : 0; /* U+00AD */
    if (c == 0xEF)
        return k + 2 < n && s[k + 1] == 0xBB && s[k + 2] == 0xBF ? 3 : 0; /* U+FEFF */
    if (c != 0xE2 || k + 2 >= n)
        return 0;
    if (s[k + 1] == 0x81 && s[k + 2] == 0xA0)
        return 3; /* U+2060 word joiner */
    if (s[k + 1] != 0x80)
        return 0;
    if (s[k + 2] == 0x8B)
        return 3; /* U+200B zero-width space */
    if (s[k + 2] != 0x8C && s[k + 2] != 0x8D)
        return 0;
    /* ZWNJ / ZWJ: kept between letters of a script that needs them, ZWJ in emoji */
    size_t w;
    uint32_t prev = cp_before(s, prev_end);
    uint32_t next = k + 3 < n ? cp_at(s, k + 3, n, &w) : 0;
    if (joining_script(prev) || joining_script(next))
        return 0;
    if (s[k + 2] == 0x8D && (emoji_part(prev) || emoji_part(next)))
        return 0;
    return 3;
}

/* Index of the next byte at or after r that can start an invisible character
 * (0xC2, 0xE2, 0xEF), n when none: eight ASCII bytes at a time, since most text is
 * mostly ASCII. */
static size_t next_lead(const unsigned char *s, size_t r, size_t n) {
    for (;;) {
        while (r + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + r, 8);
            if (w & 0x8080808080808080ull)
                break;
            r += 8;
        }
        if (r >= n)
            return n;
        if (s[r] == 0xC2 || s[r] == 0xE2 || s[r] == 0xEF)
            return r;
        r++;
    }
}

size_t ww__strip_invisible(char *str, size_t n) {
    unsigned char *s = (unsigned char *)str;
    size_t r = 0, w = 0;
    for (;;) {
        size_t k = next_lead(s, r, n), d = 0;
        /* before k: the input from r (whole characters, untouched), else the output */
        while (k < n && !(d = drop_len(s, k, n, k > r ? k : w)))
            k = next_lead(s, k + 1, n);
        if (w != r) /* keep s[r..k) */
            memmove(s + w, s + r, k - r);
        w += k - r;
        if (k >= n)
            break;
        r = k + d;
    }
    if (w != n)
        s[w] = 0;
    return w;
}

void ww__strip_invisible_str(char *s) {
    if (s)
        ww__strip_invisible(s, strlen(s));
}
