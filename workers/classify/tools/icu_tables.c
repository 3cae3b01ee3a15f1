/* Build step: the two tables the classifier used to ask ICU for at start-up, asked of
 * the same ICU once at build time and written as C:
 *
 *   icu_tables OUT.c LANG...
 *
 *   ww__han_t2s       Traditional -> Simplified Chinese, one code point each, for the
 *                     CJK blocks U+3400..U+9FFF (tokenize.c folds Han text with it);
 *   ww__cldr_country  CLDR's name of every two-letter region code in each LANG (the
 *                     language packs' languages), as uloc_getDisplayCountry gives it
 *                     (lang_pack.c adds them to the gazetteer).
 *
 * Why (docs/benchmarks.md, "Classifier memory"): opening the Traditional-Simplified
 * transliterator compiles its rules into ~2 MB of heap that ICU's registry keeps for
 * the life of the process, and it and the display names of nine locales touch ~4 MB
 * of ICU's code and data pages: 7.4 MB of every classify worker's RSS, for 55 KB of
 * table.  The rules are applied exactly as at run time before, so the tables hold what
 * the worker computed; a name ICU does not have (or cannot give in UTF-8) is left out,
 * as the worker skipped it. */
#include <stdio.h>
#include <string.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <unicode/uversion.h>

#define HAN_LO 0x3400
#define HAN_HI 0x9FFF

/* Print s as a C string literal (bytes >= 0x80 as octal escapes). */
static void put_cstr(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(f, "\\%03o", *p);
        else
            fputc(*p, f);
    fputc('"', f);
}

/* The transliterator run on each code point alone, as tokenize.c did at first use. */
static int han_t2s(FILE *f) {
    static const UChar id[] = {'T', 'r', 'a', 'd', 'i', 't', 'i', 'o', 'n', 'a', 'l', '-',
                               'S', 'i', 'm', 'p', 'l', 'i', 'f', 'i', 'e', 'd', 0};
    UErrorCode st = U_ZERO_ERROR;
    UTransliterator *tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    int ok = U_SUCCESS(st) && tr;
    fprintf(f,
            "/* 0: ICU had no Traditional-Simplified transliterator */\n"
            "const int ww__han_t2s_ok = %d;\n"
            "const uint16_t ww__han_t2s[0x%X] = {",
            ok, HAN_HI - HAN_LO + 1);
    for (UChar32 cp = HAN_LO; cp <= HAN_HI; cp++) {
        UChar buf[8] = {(UChar)cp};
        int32_t len = 1, limit = 1;
        UErrorCode e = U_ZERO_ERROR;
        unsigned v = 0;
        if (ok) {
            utrans_transUChars(tr, buf, &len, 8, 0, &limit, &e);
            if (U_SUCCESS(e) && len == 1 && buf[0] != cp && buf[0] >= 0x2E80)
                v = buf[0];
        }
        fprintf(f, "%s%u,", (cp - HAN_LO) % 16 ? "" : "\n   ", v);
    }
    fprintf(f, "\n};\n\n");
    if (tr)
        utrans_close(tr);
    return 0;
}

/* CLDR's name of region code cc in lang into u8 (UTF-8), as lang_pack.c asked for it;
 * 0 when ICU has none. */
static int cldr_name(const char *lang, const char *cc, char *u8, size_t cap) {
    char loc[8];
    snprintf(loc, sizeof loc, "und_%s", cc);
    UChar name[128];
    UErrorCode st = U_ZERO_ERROR;
    int32_t ul = uloc_getDisplayCountry(loc, lang, name, 128, &st);
    if (U_FAILURE(st) || st == U_USING_DEFAULT_WARNING || ul <= 0)
        return 0;
    int32_t bl = 0;
    st = U_ZERO_ERROR;
    u_strToUTF8(u8, (int32_t)cap, &bl, name, ul, &st);
    if (U_FAILURE(st) || bl <= 0 || bl >= (int32_t)cap)
        return 0;
    u8[bl] = 0;
    return strcmp(u8, cc) != 0;
}

static int cldr_country(FILE *f, char **langs, int nlangs) {
    fprintf(f,
            "const size_t ww__cldr_nlangs = %d;\n"
            "const char ww__cldr_langs[][4] = {",
            nlangs);
    for (int l = 0; l < nlangs; l++)
        fprintf(f, "\"%s\",", langs[l]);
    fprintf(f,
            "%s};\n/* [language][(c0 - 'A') * 26 + c1 - 'A'], NULL: no name */\n"
            "const char *const ww__cldr_country[][26 * 26] = {\n",
            nlangs ? "" : "\"\"");
    for (int l = 0; l < nlangs; l++) {
        fprintf(f, "  {");
        for (int k = 0; k < 26 * 26; k++) {
            char cc[3] = {(char)('A' + k / 26), (char)('A' + k % 26), 0}, u8[512];
            if (cldr_name(langs[l], cc, u8, sizeof u8)) {
                fprintf(f, "\n    [%d] = ", k);
                put_cstr(f, u8);
                fputc(',', f);
            }
        }
        fprintf(f, "},\n");
    }
    fprintf(f, "%s};\n", nlangs ? "" : "  {0},\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: icu_tables OUT.c LANG...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (strlen(argv[i]) < 2 || strlen(argv[i]) > 3) {
            fprintf(stderr, "icu_tables: \"%s\" is not a language code\n", argv[i]);
            return 2;
        }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f,
            "/* Generated by workers/classify/tools/icu_tables.c from ICU %s: do not "
            "edit. */\n#include <stddef.h>\n#include <stdint.h>\n\n",
            U_ICU_VERSION);
    han_t2s(f);
    cldr_country(f, argv + 2, argc - 2);
    if (fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
