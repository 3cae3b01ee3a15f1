/* The document language: language tags normalised to ISO 639 primary subtags, and the
 * choice between what the text says (langid_cld2.cc) and what the page declares.
 * include/wirewatch/langid.h says why each rule is there. */
#include <stdio.h>
#include <string.h>

#include "wirewatch/langid.h"

/* Retired or alternative codes -> the code CLD2 and most news sites use. */
static const char *const renamed[][2] = {
    {"iw", "he"}, {"in", "id"}, {"ji", "yi"},  {"jw", "jv"},
    {"mo", "ro"}, {"nb", "no"}, {"cmn", "zh"}, {"zho", "zh"},
};

/* Primary subtags that name no language: BCP 47's special codes and CLD2's own
 * (xx-Latn = "some script", un/xxx = unknown, zz* and tlh = its test
 * pseudo-languages). */
static const char *const not_a_language[] = {"und", "mul", "zxx", "mis", "un",  "xx",
                                             "xxx", "zzb", "zzp", "zzh", "zze", "tlh"};

int ww_lang_normalize(const char *tag, char *out, size_t outlen) {
    if (outlen)
        out[0] = 0;
    if (!tag || outlen < 4)
        return -1;
    while (*tag == ' ' || *tag == '\t' || *tag == '"')
        tag++;
    char p[4];
    size_t n = 0;
    for (; (*tag >= 'a' && *tag <= 'z') || (*tag >= 'A' && *tag <= 'Z'); tag++) {
        if (n == 3)
            return -1; /* 4+ letters: not an ISO 639 code */
        p[n++] = (char)(*tag | 0x20);
    }
    p[n] = 0;
    /* a primary subtag is 2-3 letters, followed by a subtag, a list or the end */
    if (n < 2 || (*tag && !strchr("-_,; \"", *tag)))
        return -1;
    for (size_t k = 0; k < sizeof not_a_language / sizeof *not_a_language; k++)
        if (!strcmp(p, not_a_language[k]))
            return -1;
    const char *c = p;
    for (size_t k = 0; k < sizeof renamed / sizeof *renamed; k++)
        if (!strcmp(p, renamed[k][0]))
            c = renamed[k][1];
    snprintf(out, outlen, "%s", c);
    return 0;
}

/* Confidence of a declared language that the text did not establish on its own:
 * a page's markup is right more often than not, but CMS templates often declare
 * their default language on every page. */
#define DECLARED_CONFIDENCE 0.25f

void ww_language_choose(const ww_langid_result *det, const char *declared,
                        const ww_langid_opts *o, char *code, size_t codelen,
                        float *confidence, ww_lang_source *source) {
    float conf = 0;
    ww_lang_source src = WW_LANG_FROM_NONE;
    char decl[16];
    int has_decl = ww_lang_normalize(declared, decl, sizeof decl) == 0;
    int sure = det->code[0] && det->confidence >= o->min_confidence;
    const char *c = WW_LANG_UND;
    if (sure && det->text_bytes >= o->short_text_bytes) {
        c = det->code; /* 1: a clear text overrides the page */
        conf = det->confidence;
        src = WW_LANG_FROM_TEXT;
    } else if (has_decl) {
        c = decl; /* 2: short or unclear text: the page knows better */
        conf = DECLARED_CONFIDENCE;
        if (!strcmp(decl, det->code) && det->confidence > conf)
            conf = det->confidence;
        else if (!strcmp(decl, det->code2) && det->share2 / 2 > conf)
            conf = det->share2 / 2; /* a runner-up is never "reliable" */
        src = WW_LANG_FROM_DECLARED;
    } else if (sure) {
        c = det->code; /* 3: short but clear, nothing declared */
        conf = det->confidence;
        src = WW_LANG_FROM_TEXT;
    }
    if (codelen)
        snprintf(code, codelen, "%s", c);
    if (confidence)
        *confidence = conf;
    if (source)
        *source = src;
}
