/* Internal: Chinese and Japanese names known by their surnames, next to a title
 * (han_names.c). */
#ifndef WW_CLASSIFY_HAN_NAMES_H
#define WW_CLASSIFY_HAN_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "persons_han.h"
#include "tokenize.h"

/* One language's name data: its common surnames and the shape of a name. */
typedef struct ww__han_names ww__han_names;

/* An empty table; NULL on ENOMEM.  ww__han_names_free(NULL) is a no-op. */
ww__han_names *ww__han_names_new(void);
void ww__han_names_free(ww__han_names *hn);

/* Add a surname of one to three Han characters (々 too: 佐々木).  Returns 0,
 * WW_EINVAL (empty, longer, or another character) or WW_ENOMEM. */
int ww__han_names_add_surname(ww__han_names *hn, const char *surname);

/* Characters a name does not end with: those that end the names of places and bodies
 * (千葉県, 自民党).  Returns 0 or WW_EINVAL (not Han, or over 64 in all). */
int ww__han_names_add_not_last(ww__han_names *hn, const char *chars);

/* The shape of a name: given_min..given_max characters after the surname,
 * chars_min..chars_max in all; whole_run: the name is a whole run of Han characters
 * up to a kana, a mark or a title (Japanese: 首相岸田文雄は), else it ends where ICU's
 * words or a particle say (Chinese: 部长陈一新上月).  Returns 0 or WW_EINVAL (given
 * outside 1..5, chars outside 2..6, or a min above its max). */
int ww__han_names_shape(ww__han_names *hn, int given_min, int given_max, int chars_min,
                        int chars_max, int whole_run);

/* 1 in whole_run mode. */
int ww__han_names_whole_run(const ww__han_names *hn);

/* The language's words that tell a name from its neighbours (persons_han.h), to be
 * filled from its pack; and the same read-only, empty for hn NULL. */
ww__han_words *ww__han_names_words(ww__han_names *hn);
const ww__han_words *ww__han_names_words_of(const ww__han_names *hn);

/* The end (byte offset) of the name starting at byte start, right after a title, or
 * 0; limit: where the run of Han characters after the title ends or another title
 * begins.  In word mode a transliterated foreign name is taken too (persons_han.c:
 * 古特雷斯, or two such characters ICU sets apart: 普京, 安娜). */
size_t ww__han_names_from(const ww__han_names *hn, const char *text, size_t len,
                          const ww__toks *toks, size_t start, size_t limit);

/* The start (byte offset) of the name ending at byte end, right before a title, or
 * SIZE_MAX (word mode: 古特雷斯秘书长, 会见了普京总统, 赞赏王毅外长; whole_run mode: a
 * full name by its surname, 東京都の小池百合子知事, in a run that may begin earlier). */
size_t ww__han_names_until(const ww__han_names *hn, const char *text, size_t len,
                           const ww__toks *toks, size_t end);

/* Borrow other (a language whose names fill a run, or one whose do not) as hn's other
 * language: a Japanese name by its surname after a title in Chinese text
 * (日本首相岸田文雄), a Chinese surname accepted before a title in Japanese text
 * (李強首相).  other must outlive hn; NULL: none. */
void ww__han_names_set_other(ww__han_names *hn, const ww__han_names *other);

/* 1 when a surname of hn or of its other language begins at byte at of text. */
int ww__han_names_surname_at(const ww__han_names *hn, const char *text, size_t len,
                             size_t at);

#endif
