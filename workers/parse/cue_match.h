/* Internal to the parse stage: the multilingual boilerplate cues of
 * boilerplate_cues.def, matched case-insensitively (ASCII, Latin-1, Cyrillic). */
#ifndef WW_PARSE_CUE_MATCH_H
#define WW_PARSE_CUE_MATCH_H

#include <stddef.h>

typedef enum ww__cue_kind {
    WW_CUE_SECTION,
    WW_CUE_READMORE,
    WW_CUE_PROMO,
    WW_CUE_COPYRIGHT,
    WW_CUE_AUTHORBOX,
    WW_CUE_TAGS,
    WW_CUE_CREDIT,
    WW_CUE_CONSENT,
    WW_CUE__COUNT
} ww__cue_kind;

/* Length in bytes of s[0..n) that the cue of `kind` found at its start covers (after
 * leading white space and punctuation, which count in the length), 0 when none does. */
size_t ww__cue_prefix(ww__cue_kind kind, const char *s, size_t n);

/* 1 when s[0..n) is a cue of `kind` and nothing else but white space and punctuation
 * ("Read more »", "Weiterlesen →"). */
int ww__cue_whole(ww__cue_kind kind, const char *s, size_t n);

/* Number of different cues of `kind` in s[0..n) (its first 4 KB). */
int ww__cue_count(ww__cue_kind kind, const char *s, size_t n);

#endif
