/* Internal to the parse stage: invisible characters taken out of extracted text. */
#ifndef WW_PARSE_TEXT_INVISIBLE_H
#define WW_PARSE_TEXT_INVISIBLE_H

#include <stddef.h>

/* Remove, in place, the characters that only steer rendering and break matching and
 * search when kept: U+00AD soft hyphen, U+200B zero-width space, U+2060 word joiner,
 * U+FEFF byte order mark / zero-width no-break space anywhere in the text, and U+200C
 * zero-width non-joiner / U+200D zero-width joiner where no script needs them.  ZWNJ and
 * ZWJ stay next to a letter of a script whose spelling uses them (Arabic script as
 * written in Persian, Urdu, Kurdish; Syriac; the Indic scripts, Sinhala, Tibetan,
 * Myanmar, Khmer, Mongolian) and ZWJ stays inside emoji sequences.  s holds n bytes of
 * UTF-8; returns the new length; when anything was removed a NUL follows the new end
 * (the text only shrinks, so there is room).  s may be NULL when n is 0. */
size_t ww__strip_invisible(char *s, size_t n);

/* ww__strip_invisible on a NUL-terminated string (NULL is a no-op). */
void ww__strip_invisible_str(char *s);

#endif
