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

/* 1 for a transliteration character (Simplified or Traditional: 普, 澤). */
int ww__han_translit(int32_t cp);

/* 1 for a character that does not belong to a Chinese name: a particle or verb that
 * follows one (在, 表, 说), or a noun that makes a title a place or body (馆, 府). */
int ww__han_stop(int32_t cp);

/* 1 when the character at byte i begins a word often written right after a name or a
 * bare title (政府, 夫人, 呼吁, 大选): it is not the name's. */
int ww__han_word_starts(const char *text, size_t len, size_t i);

/* 1 when no name can start at byte start: no Han character there, a particle, or a
 * verb that follows a bare title (部长呼吁). */
int ww__han_no_name_at(const char *text, size_t len, size_t start);

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
