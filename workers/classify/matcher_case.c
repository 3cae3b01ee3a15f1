/* The case checks of case-sensitive postings (matcher.h): the original text of the
 * tokens a phrase matched against the phrase's own NFKC form, or (a stem) its initial
 * letter.  Pure functions of the text; the matcher calls them only for such postings. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "matcher.h"

/* Does the original text of tokens [first, first+n), NFKC without case folding, equal
 * cased (segments joined by ' ')?  Rare (only case-sensitive postings), so utf8proc_map
 * allocating per non-ASCII token is fine here. */
int ww__cased_equals(const char *cased, const char *text, const ww__toks *t, size_t first,
                     size_t n) {
    const char *k = cased;
    for (size_t i = 0; i < n; i++) {
        const ww__tok *tk = &t->v[first + i];
        const uint8_t *s = (const uint8_t *)text + tk->start;
        size_t sl = tk->end - tk->start;
        int ascii = 1;
        for (size_t j = 0; j < sl; j++)
            if (s[j] >= 0x80) {
                ascii = 0;
                break;
            }
        if (i) {
            if (*k != ' ')
                return 0;
            k++;
        }
        size_t kl = strcspn(k, " ");
        if (ascii) {
            if (kl != sl || memcmp(k, s, sl) != 0)
                return 0;
        } else if (kl != sl || memcmp(k, s, sl) != 0) {
            /* (text written as the phrase's NFKC form is its own NFKC form: NFKC is
             * idempotent; German names with umlauts mapped here ~800 instructions
             * each, an allocation included) */
            utf8proc_uint8_t *mapped = NULL;
            utf8proc_ssize_t r =
                utf8proc_map(s, (utf8proc_ssize_t)sl, &mapped,
                             UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE);
            int eq = r >= 0 && (size_t)r == kl && memcmp(k, mapped, kl) == 0;
            free(mapped);
            if (!eq)
                return 0;
        }
        k += kl;
    }
    return *k == 0;
}

/* Does token t of text start with an upper-case (or caseless) letter? */
int ww__initial_upper(const char *text, const ww__tok *t) {
    utf8proc_int32_t cp;
    if (utf8proc_iterate((const uint8_t *)text + t->start,
                         (utf8proc_ssize_t)(t->end - t->start), &cp) <= 0)
        return 0;
    utf8proc_category_t c = utf8proc_category(cp);
    return c != UTF8PROC_CATEGORY_LL;
}
