/* Language of a document: what the text says (CLD2) and what the page declares
 * (<html lang>, JSON-LD inLanguage, og:locale, Content-Language), and the choice
 * between them that the parse stage reports as Document.language.
 *
 * Codes are ISO 639 primary subtags, lower case ("en", "de", "zh", "haw"), never a
 * region or script: CLD2's "zh-Hant" is "zh" (its Simplified/Traditional guess is
 * unreliable on short text, and the classifier folds Traditional to Simplified
 * anyway), a declared "de-AT" is "de".  WW_LANG_UND ("und", BCP 47's undetermined) is
 * reported when neither the text nor the page says.  Pure functions; no protobuf here
 * (the C++ side includes this header too). */
#ifndef WIREWATCH_LANGID_H
#define WIREWATCH_LANGID_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WW_LANG_UND "und"

/* Defaults of parse.langid_min_confidence and parse.langid_short_text_bytes (chosen
 * from `make bench-langid`, docs/benchmarks.md). */
#define WW_LANGID_MIN_CONFIDENCE 0.5
#define WW_LANGID_SHORT_TEXT_BYTES 100
/* CLD2 calls 15-25 letters of names "reliable" ("Hotel Restaurant Bar" en 0.95,
 * "Tesla, BMW, Volkswagen" de 0.95): below this many scored letter bytes (about 8
 * Latin words or 17 Han characters) the confidence shrinks in proportion. */
#define WW_LANGID_FULL_CONFIDENCE_BYTES 50

/* What CLD2 says about a text. */
typedef struct ww_langid_result {
    char code[16];    /* best language, normalised ("" when CLD2 names none) */
    float share;      /* share of the scored letters in it, 0..1 */
    int reliable;     /* CLD2's is_reliable: clearly ahead of the runner-up */
    float confidence; /* the text's confidence: share, halved when not reliable,
                          scaled down below WW_LANGID_FULL_CONFIDENCE_BYTES */
    char code2[16];   /* runner-up ("" when none) and its share */
    float share2;
    size_t text_bytes; /* letter bytes CLD2 scored (tags, digits, punctuation not) */
} ww_langid_result;

/* Detect the language of UTF-8 text (the first 64 KB).  Never fails: an empty or
 * letterless text gives code "" and confidence 0. */
void ww_langid_detect(const char *text, size_t len, ww_langid_result *r);

/* The detected language alone: code ("" when unknown) and its confidence (as in
 * ww_langid_result), with no threshold applied. */
void ww_langid(const char *text, size_t len, char *code, size_t codelen,
               float *confidence);

/* A language tag as pages and CLD2 write it ("en-US", "de_DE", "zh-Hant", "iw",
 * "fr, en;q=0.5": the first of a list) -> its ISO 639 primary subtag, lower case,
 * with retired codes replaced (iw -> he, in -> id, ji -> yi, jw -> jv, mo -> ro,
 * nb -> no, cmn -> zh).  Returns 0, or -1 (out = "") when the tag names no language
 * ("", "und", "mul", "zxx", "x-default", "*", CLD2's "xx-Latn"/"un"/pseudo codes). */
int ww_lang_normalize(const char *tag, char *out, size_t outlen);

typedef struct ww_langid_opts {
    float min_confidence;    /* below it the text's guess is not believed */
    size_t short_text_bytes; /* fewer scored letter bytes = a short text */
} ww_langid_opts;

/* Where Document.language came from. */
typedef enum {
    WW_LANG_FROM_NONE = 0, /* "und" */
    WW_LANG_FROM_TEXT,     /* the detector */
    WW_LANG_FROM_DECLARED, /* the page's declaration */
} ww_lang_source;

/* The document language (docs/messages.md, "Document language"):
 *  1. the text's language when its confidence reaches min_confidence and the text is
 *     not short (>= short_text_bytes scored) -- a clear text overrides the page;
 *  2. otherwise the declared language, when there is one (declared may be NULL or
 *     any tag ww_lang_normalize reads); confidence: the text's confidence when the
 *     detector's best or runner-up guess is that language, at least 0.25;
 *  3. otherwise the text's language when its confidence reaches min_confidence;
 *  4. otherwise WW_LANG_UND with confidence 0.
 * code gets the result (codelen >= 4); *confidence and *source may be NULL. */
void ww_language_choose(const ww_langid_result *det, const char *declared,
                        const ww_langid_opts *o, char *code, size_t codelen,
                        float *confidence, ww_lang_source *source);

#ifdef __cplusplus
}
#endif

#endif
