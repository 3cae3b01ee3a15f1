/* Document ids: FNV-1a 128 of canonical url + "\n" + text (offset basis and prime
 * from the FNV specification), so the same text at the same URL always gets the same
 * id and any change to either gives a new one. */
#include <stdio.h>

#include "wirewatch/parse.h"

void ww_doc_id(const char *url, const char *text, size_t text_len, char out[33]) {
    unsigned __int128 h =
        ((unsigned __int128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
    const unsigned __int128 prime = ((unsigned __int128)1 << 88) + 0x13b;
    const unsigned char *u = (const unsigned char *)(url ? url : "");
    for (; *u; u++)
        h = (h ^ *u) * prime;
    h = (h ^ '\n') * prime;
    for (size_t k = 0; k < text_len; k++)
        h = (h ^ (unsigned char)text[k]) * prime;
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)(h >> 64),
             (unsigned long long)(uint64_t)h);
}
