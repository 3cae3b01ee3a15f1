/* Internal: person names found after titles (persons.c). */
#ifndef WW_CLASSIFY_PERSONS_H
#define WW_CLASSIFY_PERSONS_H

#include "tokenize.h"

/* Called with the first token and token count of each name found; a non-zero return
 * stops the scan and is returned. */
typedef int ww__person_cb(void *arg, size_t first, size_t ntok);

/* Names after an English title in text; toks are text's tokens from ww__tokenize with
 * casefold 1 (a title is found by its folded form's hash first). */
int ww__find_persons(const char *text, const ww__toks *toks, ww__person_cb *cb,
                     void *arg);

/* A person title of a language pack found in the text: tokens [first, first + ntok),
 * written before the name (after = WW__TITLE_BEFORE: "министр Лавров", "部长陈一新") or
 * after it (WW__TITLE_AFTER: "岸田首相"); or a known given name, the name's own first
 * word (WW__GIVEN_NAME: "Margaret Ellison", data/given-names.json). */
enum { WW__TITLE_BEFORE = 0, WW__TITLE_AFTER = 1, WW__GIVEN_NAME = 2 };
typedef struct ww__title_hit {
    uint32_t first, ntok;
    uint8_t after;
} ww__title_hit;

/* Called with the byte span of each name found next to a title. */
typedef int ww__person_span_cb(void *arg, uint32_t start, uint32_t end);

/* Names next to the titles in hits (in text order): for scripts with case, one to three
 * capitalised words after the title, with family-name particles between them ("Lula da
 * Silva"), or a known given name and one or two such words after it ("Valentina
 * Smirnova"; one, or two after a second given name, where capital_nouns: German writes
 * every noun with a capital); for Han, a Chinese name of two or three characters or a transliterated
 * foreign name whole, after (or before) the title (persons_han.c); for Arabic, one to
 * three words after the title up to a word that is not part of a name
 * (persons_arabic.c).  Other caseless scripts get none. */
int ww__find_persons_titled(const char *text, const ww__toks *toks,
                            const ww__title_hit *hits, size_t nhits, int capital_nouns,
                            ww__person_span_cb *cb, void *arg);

#endif
