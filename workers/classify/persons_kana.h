/* Internal: Japanese names written in katakana next to a title (persons_kana.c). */
#ifndef WW_CLASSIFY_PERSONS_KANA_H
#define WW_CLASSIFY_PERSONS_KANA_H

#include <stddef.h>

#include "persons_han.h"

/* The end (byte offset) of the katakana name starting at byte start, right after a
 * title (大統領エマニュエル・マクロン), or 0 when none starts there or one of w's loanwords
 * that are no name does (ポスト). */
size_t ww__kana_name_from(const ww__han_words *w, const char *text, size_t len,
                          size_t start);

/* The start (byte offset) of the katakana name ending at byte end, right before a
 * title (バイデン大統領), or SIZE_MAX when none ends there. */
size_t ww__kana_name_until(const char *text, size_t end);

#endif
