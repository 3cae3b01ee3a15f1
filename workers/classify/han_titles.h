/* Internal: the language packs' person titles written in Han or kana, found by their
 * characters (han_titles.c). */
#ifndef WW_CLASSIFY_HAN_TITLES_H
#define WW_CLASSIFY_HAN_TITLES_H

#include <stddef.h>

#include "han_names.h"
#include "persons.h"
#include "tokenize.h"

typedef struct ww__han_titles ww__han_titles;

/* An empty table; NULL on ENOMEM.  ww__han_titles_free(NULL) is a no-op. */
ww__han_titles *ww__han_titles_new(void);
void ww__han_titles_free(ww__han_titles *ht);

/* 1 when title begins with a Han or kana character: it belongs in this table rather
 * than in the matcher. */
int ww__han_title_written(const char *title);

/* Add title of language lang (index, 1..255) written before its name (after = 0,
 * 部长陈一新) or after it (after = 1, 岸田首相).  Returns 0, WW_EINVAL (longer than 15
 * characters, or a character that is not kana or Han: U+3000..U+9FFF) or WW_ENOMEM. */
int ww__han_titles_add(ww__han_titles *ht, const char *title, int lang, int after);

/* Give language lang (1..255) its name data: the surnames a name after (or before)
 * its title begins with (han_names.h, filled from its pack's person_names).  ht owns hn
 * from the call on, whatever it returns: 0, or WW_EINVAL (a bad lang, or the language
 * has its names already: one pack a language) and hn is freed.  A language without
 * them keeps persons_han.c's rules. */
int ww__han_titles_set_names(ww__han_titles *ht, int lang, ww__han_names *hn);

/* Index the titles added so far for ww__han_titles_persons: call after the last add. */
void ww__han_titles_index(ww__han_titles *ht);

/* Find the titles of language doclang (of every language when doclang < 0) in text by
 * their characters, whatever ICU's word boundaries (toks: text's tokens), and call cb
 * with the byte span of each name next to one (persons_han.c's rules).  A non-zero
 * return of cb stops the scan and is returned. */
int ww__han_titles_persons(const ww__han_titles *ht, int doclang, const char *text,
                           const ww__toks *toks, ww__person_span_cb *cb, void *arg);

#endif
