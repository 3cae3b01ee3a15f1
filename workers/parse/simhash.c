/* SimHash fingerprints.
 *
 * SimHash (Charikar): every word 3-shingle (lower-cased ASCII, other bytes as they
 * are) is hashed to 64 bits; bit k of the fingerprint is the majority vote of bit k
 * over all shingles.  Near-identical texts differ in a few bits; the stage compares
 * Hamming distances against a ring of recent fingerprints. */
#include "wirewatch/parse.h"

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static int word_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') ||
           ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

uint64_t ww_simhash(const char *text, size_t len) {
    int32_t v[64] = {0};
    uint64_t w[3] = {0};
    size_t nw = 0, nsh = 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t k = 0;
    for (;;) {
        while (k < len && !word_byte(s[k]))
            k++;
        if (k >= len)
            break;
        uint64_t h = 1469598103934665603ULL;
        while (k < len && word_byte(s[k])) {
            unsigned char c = s[k++];
            if (c >= 'A' && c <= 'Z')
                c |= 0x20;
            h = (h ^ c) * 1099511628211ULL;
        }
        w[0] = w[1];
        w[1] = w[2];
        w[2] = h;
        nw++;
        if (nw < 3)
            continue;
        uint64_t sh = mix64(w[0] * 31 * 31 + w[1] * 31 + w[2]);
        for (int b = 0; b < 64; b++)
            v[b] += (sh >> b & 1) ? 1 : -1;
        nsh++;
    }
    if (nsh == 0) { /* fewer than 3 words: the words themselves */
        for (size_t j = 3 - (nw < 3 ? nw : 3); j < 3; j++) {
            uint64_t sh = mix64(w[j]);
            for (int b = 0; b < 64; b++)
                v[b] += (sh >> b & 1) ? 1 : -1;
        }
    }
    uint64_t r = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0)
            r |= 1ULL << b;
    return r;
}

int ww_hamming64(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }
