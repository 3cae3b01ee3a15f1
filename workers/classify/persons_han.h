/* Internal: Chinese person names next to a title (persons_han.c). */
#ifndef WW_CLASSIFY_PERSONS_HAN_H
#define WW_CLASSIFY_PERSONS_HAN_H

#include <stddef.h>
#include <stdint.h>

/* The code point at byte i of text[0..len), its length in *k (1 for an invalid byte,
 * whose code point is -1). */
int32_t ww__cp_at(const char *text, size_t len, size_t i, size_t *k);

/* 1 for a CJK ideograph (the unified blocks and the compatibility block). */
int ww__is_han(int32_t cp);

/* The end (byte offset) of the name starting at byte start, right after a title
 * (部长陈一新, 秘书长安东尼奥·古特雷斯), or 0 when none starts there. */
size_t ww__han_name_from(const char *text, size_t len, size_t start);

/* The start (byte offset) of the name ending at byte end, right before a title
 * (古特雷斯秘书长, 岸田首相), or SIZE_MAX when none ends there. */
size_t ww__han_name_until(const char *text, size_t len, size_t end);

/* The same for a name that cannot be read as ordinary words: a transliterated foreign
 * name of three or more characters, or with a middle dot (安东尼奥·古特雷斯); for a
 * title ICU joined to its neighbour (han_titles.c). */
size_t ww__han_foreign_name_from(const char *text, size_t len, size_t start);
size_t ww__han_foreign_name_until(const char *text, size_t len, size_t end);

#endif
