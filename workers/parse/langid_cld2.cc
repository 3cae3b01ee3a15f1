// Language identification through CLD2 (Debian libcld2-dev), behind a C function.
// CLD2 wants valid UTF-8, which ww_to_utf8 guarantees for everything the stage sees.
// What to do with the answer (thresholds, the page's declared language) is C, in
// language.c; this file only asks CLD2 and normalises its codes (language.c's
// ww_lang_normalize), so the dependency runs one way.
#include <stdio.h> // before CLD2: its header uses FILE without including it

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <string.h>

#include "wirewatch/langid.h"

// LanguageCode() lives in CLD2's internal header; declared here as the library
// exports it.
namespace CLD2 {
const char *LanguageCode(Language lang);
}

extern "C" void ww_langid_detect(const char *text, size_t len, ww_langid_result *r) {
    memset(r, 0, sizeof *r);
    if (!text || len == 0)
        return;
    // CLD2 looks at the first few KB in practice; cap it for speed and int length.
    int n = len > 65536 ? 65536 : (int)len;
    // No hints: the confidence is the text's own; the page's declaration is weighed
    // separately (ww_language_choose).  The extended call returns UNKNOWN_LANGUAGE
    // where the plain one says ENGLISH for "no idea".
    CLD2::CLDHints hints = {NULL, NULL, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language lang3[3];
    int pct3[3];
    double score3[3];
    int text_bytes = 0;
    bool reliable = false;
    CLD2::ExtDetectLanguageSummary(text, n, true, &hints, 0, lang3, pct3, score3, NULL,
                                   &text_bytes, &reliable);
    r->text_bytes = text_bytes > 0 ? (size_t)text_bytes : 0;
    // The top three, normalised; two CLD2 languages with one code (zh, zh-Hant) add up.
    char codes[3][16];
    float shares[3];
    int k = 0;
    for (int i = 0; i < 3; i++) {
        char c[16];
        if (lang3[i] == CLD2::UNKNOWN_LANGUAGE || pct3[i] <= 0 ||
            ww_lang_normalize(CLD2::LanguageCode(lang3[i]), c, sizeof c) < 0)
            continue;
        int j = 0;
        while (j < k && strcmp(codes[j], c) != 0)
            j++;
        if (j == k) {
            memcpy(codes[k], c, sizeof c);
            shares[k++] = 0;
        }
        shares[j] += pct3[i] / 100.0f;
    }
    if (k == 2 && shares[1] > shares[0]) {
        char t[16];
        memcpy(t, codes[0], sizeof t);
        memcpy(codes[0], codes[1], sizeof t);
        memcpy(codes[1], t, sizeof t);
        float s = shares[0];
        shares[0] = shares[1];
        shares[1] = s;
    }
    if (k == 0)
        return;
    memcpy(r->code, codes[0], sizeof r->code);
    r->share = shares[0] > 1 ? 1 : shares[0];
    r->reliable = reliable;
    r->confidence = reliable ? r->share : r->share / 2;
    if (r->text_bytes < WW_LANGID_FULL_CONFIDENCE_BYTES)
        r->confidence *= (float)r->text_bytes / WW_LANGID_FULL_CONFIDENCE_BYTES;
    if (k > 1) {
        memcpy(r->code2, codes[1], sizeof r->code2);
        r->share2 = shares[1];
    }
}

extern "C" void ww_langid(const char *text, size_t len, char *code, size_t codelen,
                          float *confidence) {
    ww_langid_result r;
    ww_langid_detect(text, len, &r);
    if (codelen)
        snprintf(code, codelen, "%s", r.code);
    if (confidence)
        *confidence = r.confidence;
}
