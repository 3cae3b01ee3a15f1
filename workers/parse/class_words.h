/* Internal to the parse stage: the words in class and id attributes that the content
 * extractor (extract_content.c) weighs — Readability's lists plus words common on
 * today's sites — and one matcher for all of them. */
#ifndef WW_PARSE_CLASS_WORDS_H
#define WW_PARSE_CLASS_WORDS_H

/* Which list a word found belongs to. */
enum {
    W_NEG = 1,      /* negative: lowers a candidate's score */
    W_POS = 2,      /* positive: raises it */
    W_UNLIKELY = 4, /* boilerplate: removed before scoring ... */
    W_MAYBE = 8     /* ... unless one of these is present too */
};

/* Build the lookup table; call before ww__class_words (once is enough, more is
 * harmless; thread-safe). */
void ww__class_words_init(void);

/* W_* bits of the words found in s (case-insensitive substrings; the first 511 bytes
 * are looked at); 0 for NULL. */
unsigned ww__class_words(const char *s);

#endif
