/* Internal: Chinese person names next to a title (persons_han.c). */
#ifndef WW_CLASSIFY_PERSONS_HAN_H
#define WW_CLASSIFY_PERSONS_HAN_H

#include <stddef.h>
#include <stdint.h>

/* One language's words that tell a name from its neighbours, from its pack's
 * "person_names" (docs/taxonomy.md): the transliteration characters, the characters
 * that end no name, and the two-character words written after a name, after a bare
 * title or before a name.  Filled by ww__han_words_add_*; all zero: none. */
#define WW__HAN_WORDS_LO 0x4E00 /* the unified block, where every entry is */
#define WW__HAN_WORDS_HI 0x9FFF
#define WW__HAN_WORDS_SLOTS 512 /* two-character words of all kinds: at most half */
#define WW__HAN_KANA_WORDS 16   /* katakana loanwords that are no name */
#define WW__HAN_KANA_BYTES 45   /* 15 katakana */
enum { WW__HAN_TRANSLIT, WW__HAN_STOP };
enum { WW__HAN_AFTER_NAME = 1, WW__HAN_AFTER_TITLE = 2, WW__HAN_BEFORE_NAME = 4 };
typedef struct ww__han_words {
    uint64_t chars[2][(WW__HAN_WORDS_HI - WW__HAN_WORDS_LO + 64) / 64]; /* by kind */
    uint64_t word[WW__HAN_WORDS_SLOTS];      /* first << 21 | second, 0: empty slot */
    uint8_t word_kinds[WW__HAN_WORDS_SLOTS]; /* WW__HAN_AFTER_NAME | ... */
    size_t nwords;
    /* katakana loanwords written right after a title where a name would be (首相ポスト
     * "the premiership"): no katakana name starts with one (persons_kana.c) */
    char kana_not_names[WW__HAN_KANA_WORDS][WW__HAN_KANA_BYTES + 1];
    size_t nkana_not_names;
} ww__han_words;

/* Add every character of chars to the set kind (WW__HAN_TRANSLIT, WW__HAN_STOP),
 * folded to Simplified.  Returns 0 or WW_EINVAL (empty, or a character outside
 * U+4E00..U+9FFF). */
int ww__han_words_add_chars(ww__han_words *w, int kind, const char *chars);

/* Add a word of exactly two Han characters (U+4E00..U+9FFF, folded to Simplified) as
 * kind (WW__HAN_AFTER_NAME, WW__HAN_AFTER_TITLE, WW__HAN_BEFORE_NAME).  Returns 0 or
 * WW_EINVAL (another length or character, or over 256 words in all). */
int ww__han_words_add_word(ww__han_words *w, int kind, const char *word);

/* Add a katakana loanword that is no name (ポスト).  Returns 0 or WW_EINVAL (empty,
 * a character outside U+30A0..U+30FF, over 15 characters, or over 16 words). */
int ww__han_words_add_kana_not_name(ww__han_words *w, const char *word);

/* The code point at byte i of text[0..len), its length in *k (1 for an invalid byte,
 * whose code point is -1). */
int32_t ww__cp_at(const char *text, size_t len, size_t i, size_t *k);

/* 1 for a CJK ideograph (the unified blocks and the compatibility block). */
int ww__is_han(int32_t cp);

/* The functions below take w, the words of the title's language.
 *
 * 1 for a transliteration character (Simplified or Traditional: 普, 澤). */
int ww__han_translit(const ww__han_words *w, int32_t cp);

/* 1 for a character that does not belong to a Chinese name: a particle or verb that
 * follows one (在, 表, 说), or a noun that makes a title a place or body (馆, 府). */
int ww__han_stop(const ww__han_words *w, int32_t cp);

/* 1 when the character at byte i begins a word often written right after a name or a
 * bare title (政府, 夫人, 呼吁, 大选): it is not the name's. */
int ww__han_word_starts(const ww__han_words *w, const char *text, size_t len, size_t i);

/* 1 when no name can start at byte start: no Han character there, a particle, or a
 * verb that follows a bare title (部长呼吁). */
int ww__han_no_name_at(const ww__han_words *w, const char *text, size_t len,
                       size_t start);

/* The end (byte offset) of the name starting at byte start, right after a title
 * (部长陈一新, 秘书长安东尼奥·古特雷斯), or 0 when none starts there. */
size_t ww__han_name_from(const ww__han_words *w, const char *text, size_t len,
                         size_t start);

/* The start (byte offset) of the name ending at byte end, right before a title
 * (古特雷斯秘书长, 岸田首相), or SIZE_MAX when none ends there. */
size_t ww__han_name_until(const ww__han_words *w, const char *text, size_t len,
                          size_t end);

/* The same for a name that cannot be read as ordinary words: a transliterated foreign
 * name of three or more characters, or with a middle dot (安东尼奥·古特雷斯); for a
 * title ICU joined to its neighbour (han_titles.c). */
size_t ww__han_foreign_name_from(const ww__han_words *w, const char *text, size_t len,
                                 size_t start);
size_t ww__han_foreign_name_until(const ww__han_words *w, const char *text, size_t len,
                                  size_t end);

#endif
