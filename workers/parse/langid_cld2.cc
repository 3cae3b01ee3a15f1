// Language identification through CLD2 (Debian libcld2-dev), behind a C function.
// CLD2 wants valid UTF-8, which ww_to_utf8 guarantees for everything the stage sees.
#include <stdio.h>  // before CLD2: its header uses FILE without including it

#include <cld2/public/compact_lang_det.h>
#include <string.h>

// Declared in include/wirewatch/parse.h; not included here because that header pulls
// in generated protobuf code, which the C++ rule does not wait for.
extern "C" void ww_langid(const char *text, size_t len, char *code, size_t codelen,
                          float *confidence);

// LanguageCode() lives in CLD2's internal header; declared here as the library
// exports it.
namespace CLD2 {
const char *LanguageCode(Language lang);
}

extern "C" void ww_langid(const char *text, size_t len, char *code, size_t codelen,
                          float *confidence) {
    if (codelen)
        code[0] = 0;
    if (confidence)
        *confidence = 0;
    if (!text || len == 0)
        return;
    // CLD2 looks at the first few KB in practice; cap it for speed and int length.
    int n = len > 65536 ? 65536 : (int)len;
    CLD2::Language lang3[3];
    int pct3[3];
    int text_bytes = 0;
    bool reliable = false;
    CLD2::Language l = CLD2::DetectLanguageSummary(text, n, true, lang3, pct3, &text_bytes,
                                                   &reliable);
    if (l == CLD2::UNKNOWN_LANGUAGE)
        return;
    const char *c = CLD2::LanguageCode(l);
    if (!c || !*c || strcmp(c, "un") == 0)
        return;
    snprintf(code, codelen, "%s", c);
    if (confidence) {
        float conf = pct3[0] / 100.0f;
        if (!reliable)
            conf /= 2;
        *confidence = conf;
    }
}
