/* Japanese names written in katakana next to a title: foreign names (バイデン大統領,
 * 大統領エマニュエル・マクロン, ウラジーミル・プーチン).  A katakana run is a loanword or
 * a name; next to a person title it is most often a name.  Its parts are joined by a
 * middle dot (・) or a double hyphen (＝, =: ルイス・イナシオ・ルーラ＝ダシルバ), and
 * the long-vowel mark (ー) belongs to the part it ends.  A few loanwords written right
 * after a title (首相ポスト "the premiership", the pack's person_names.kana_not_names) are
 * no name. */
#include <stdint.h>
#include <string.h>

#include "persons_han.h"
#include "persons_kana.h"

#define KANA_MAX 32 /* characters of one name, joins included */

static int katakana(int32_t cp) {
    return (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC ||
           (cp >= 0xFF66 && cp <= 0xFF9F);
}

static int kana_join(int32_t cp) {
    return cp == 0x30FB || cp == 0xFF65 || cp == 0xFF1D || cp == '=' || cp == 0x30A0;
}

/* A loanword that follows a title where a name would be (the language's, from its pack)
 * begins at byte start. */
static int loanword_at(const ww__han_words *w, const char *text, size_t len,
                       size_t start) {
    for (size_t i = 0; i < w->nkana_not_names; i++) {
        size_t n = strlen(w->kana_not_names[i]);
        if (n <= len - start && memcmp(text + start, w->kana_not_names[i], n) == 0)
            return 1;
    }
    return 0;
}

size_t ww__kana_name_from(const ww__han_words *w, const char *text, size_t len,
                          size_t start) {
    size_t i = start, end = start, k, k2;
    int n = 0, total = 0;
    if (start >= len || loanword_at(w, text, len, start))
        return 0;
    while (i < len && total < KANA_MAX) {
        int32_t cp = ww__cp_at(text, len, i, &k);
        if (katakana(cp) && !(cp == 0x30FC && i == start)) {
            i += k;
            end = i;
            n++;
        } else if (kana_join(cp) && n > 0 && i + k < len &&
                   katakana(ww__cp_at(text, len, i + k, &k2)))
            i += k;
        else
            break;
        total++;
    }
    return n >= 2 ? end : 0;
}

size_t ww__kana_name_until(const char *text, size_t end) {
    size_t i = end, start = SIZE_MAX, k;
    int n = 0, total = 0;
    while (i > 0 && total < KANA_MAX) {
        size_t b = i - 1;
        while (b > 0 && ((unsigned char)text[b] & 0xC0) == 0x80)
            b--;
        int32_t cp = ww__cp_at(text, end, b, &k);
        if (katakana(cp))
            n++;
        else if (!(kana_join(cp) && n > 0 && b > 0))
            break;
        i = b;
        total++;
        if (katakana(cp) && cp != 0x30FC)
            start = b; /* a name does not begin with a long-vowel mark */
    }
    /* a join before the first part is not the name's */
    return n >= 2 && start != SIZE_MAX ? start : SIZE_MAX;
}
