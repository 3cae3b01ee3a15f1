/* SimHash fingerprints.
 *
 * SimHash (Charikar): every word 3-shingle (lower-cased ASCII, other bytes as they
 * are) is hashed to 64 bits; bit k of the fingerprint is the majority vote of bit k
 * over all shingles.  Near-identical texts differ in a few bits; the stage compares
 * Hamming distances against a ring of recent fingerprints. */
#include <pthread.h>

#include "wirewatch/parse.h"

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Votes are counted bit-sliced: spread[b] has bit j of byte b at byte j, so adding
 * spread[byte] of each of the shingle's 8 bytes to 8 counters of 8 byte-wide lanes
 * counts the ones of all 64 bits with 8 additions instead of 64.  Lanes are emptied
 * into wide counters before any can pass 255. */
typedef struct votes {
    uint64_t lane[8]; /* lane[k] byte j: ones of bit 8k+j since the last flush */
    int32_t ones[64];
    unsigned pending; /* shingles in the lanes */
    size_t total;     /* shingles counted */
} votes;

static uint64_t spread[256];
static pthread_once_t spread_once = PTHREAD_ONCE_INIT;

static void spread_build(void) {
    for (unsigned b = 0; b < 256; b++) {
        uint64_t v = 0;
        for (unsigned j = 0; j < 8; j++)
            if (b >> j & 1)
                v |= 1ULL << (8 * j);
        spread[b] = v;
    }
}

static void votes_flush(votes *vo) {
    for (int k = 0; k < 8; k++) {
        for (int j = 0; j < 8; j++)
            vo->ones[8 * k + j] += (int32_t)(vo->lane[k] >> (8 * j) & 0xFF);
        vo->lane[k] = 0;
    }
    vo->pending = 0;
}

static void vote(votes *vo, uint64_t sh) {
    for (int k = 0; k < 8; k++)
        vo->lane[k] += spread[sh >> (8 * k) & 0xFF];
    vo->total++;
    if (++vo->pending == 255)
        votes_flush(vo);
}

static int word_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') ||
           ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

uint64_t ww_simhash(const char *text, size_t len) {
    pthread_once(&spread_once, spread_build);
    votes vo = {0};
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
        vote(&vo, mix64(w[0] * 31 * 31 + w[1] * 31 + w[2]));
        nsh++;
    }
    if (nsh == 0) { /* fewer than 3 words: the words themselves */
        for (size_t j = 3 - (nw < 3 ? nw : 3); j < 3; j++)
            vote(&vo, mix64(w[j]));
    }
    votes_flush(&vo);
    /* bit b is set when its ones outnumber its zeros: ones > total - ones */
    uint64_t r = 0;
    for (int b = 0; b < 64; b++)
        if (2 * (int64_t)vo.ones[b] > (int64_t)vo.total)
            r |= 1ULL << b;
    return r;
}

int ww_hamming64(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }
