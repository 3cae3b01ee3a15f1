/* Word characters as bits: see codepoint.h. */
#include "codepoint.h"

#include <pthread.h>

uint64_t ww__cp_word_bits[0x10000 / 64];
static pthread_once_t word_once = PTHREAD_ONCE_INIT;

static int word_category(int32_t cp) {
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               (cp >= '0' && cp <= '9');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return 1;
    default: return 0;
    }
}

static void word_build(void) { /* ~1 ms, once a process */
    for (int32_t cp = 0; cp < 0x10000; cp++)
        if (word_category(cp))
            ww__cp_word_bits[cp / 64] |= 1ull << (cp % 64);
}

void ww__cp_init(void) { pthread_once(&word_once, word_build); }

int ww__cp_word_astral(int32_t cp) { return word_category(cp); }
