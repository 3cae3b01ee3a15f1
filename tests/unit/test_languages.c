/* Languages in the classifier: ICU segmentation of CJK runs, Traditional -> Simplified
 * and Arabic folding, phrases tagged with a language, Snowball stems, names next to a
 * language's titles (workers/classify/tokenize.c, matcher.c, lang_pack.c, persons.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libstemmer.h>

#include "../../workers/classify/lang_pack.h"
#include "../../workers/classify/persons.h"
#include "../../workers/classify/tokenize.h"
#include "classify_list.h"
#include "wirewatch/classify.h"

/* The normal forms of text's tokens joined by '|'. */
static char *norms(const char *text, char *buf, size_t len) {
    ww__toks t = {0};
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t.n; i++)
        o +=
            (size_t)snprintf(buf + o, len - o, "%s%s", i ? "|" : "", ww__tok_norm(&t, i));
    ww__toks_free(&t);
    return buf;
}

static void test_cjk_segmentation(void **st) {
    (void)st;
    ww__toks t = {0};
    const char *s = "国家安全部警告，境外组织窃取环境数据。GPS定位";
    assert_int_equal(ww__tokenize(s, strlen(s), 1, &t), 0);
    /* dictionary words, not one token per run nor one per character */
    assert_true(t.n >= 8);
    assert_true(t.n < 20);
    int found = 0, gps = 0;
    for (size_t i = 0; i < t.n; i++) {
        found |= strcmp(ww__tok_norm(&t, i), "环境") == 0 ||
                 strcmp(ww__tok_norm(&t, i), "环境数据") == 0;
        gps |= strcmp(ww__tok_norm(&t, i), "gps") == 0;
        /* spans are byte offsets into the original, on character boundaries */
        assert_true(t.v[i].end > t.v[i].start);
        assert_true(((unsigned char)s[t.v[i].start] & 0xC0) != 0x80);
    }
    assert_true(found);
    assert_true(gps); /* Latin letters glued to Han are a word of their own */
    ww__toks_free(&t);
}

static void test_traditional_folds_to_simplified(void **st) {
    (void)st;
    char a[256], b[256];
    assert_string_equal(norms("國家安全部 數據安全", a, sizeof a),
                        norms("国家安全部 数据安全", b, sizeof b));
    assert_string_equal(norms("中國", a, sizeof a), norms("中国", b, sizeof b));
}

static void test_arabic_normalisation(void **st) {
    (void)st;
    char a[256], b[256];
    /* harakat and tatweel go, hamza-alef forms are alef, teh marbuta is heh */
    assert_string_equal(norms("الأَمْنُ القَوْمِيّ", a, sizeof a),
                        norms("الامن القومي", b, sizeof b));
    assert_string_equal(norms("حـكـومة", a, sizeof a), "حكومه");
    assert_string_equal(norms("إلى مستشفى", a, sizeof a),
                        norms("الي مستشفي", b, sizeof b));
}

/* The Snowball stems of text's tokens, joined by '|'. */
static char *stems(const char *lang, const char *text, char *buf, size_t len) {
    struct sb_stemmer *st = sb_stemmer_new(lang, "UTF_8");
    assert_non_null(st);
    ww__toks t = {0}, s = {0};
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    assert_int_equal(ww__toks_stem(st, &t, &s), 0);
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < s.n; i++)
        o +=
            (size_t)snprintf(buf + o, len - o, "%s%s", i ? "|" : "", ww__tok_norm(&s, i));
    ww__toks_free(&t);
    ww__toks_free(&s);
    sb_stemmer_delete(st);
    return buf;
}

static void test_arabic_stems(void **st) {
    (void)st;
    char a[256], b[256];
    /* the teh marbuta is given back to the stemmer, which strips it (folded to heh it
     * was left on definite nouns: الحكومه, not حكوم); a spelling with heh still meets */
    assert_string_equal(stems("arabic", "الحكومة حكومة", a, sizeof a),
                        stems("arabic", "حكوم حكوم", b, sizeof b));
    assert_string_equal(stems("arabic", "الحكومة", a, sizeof a),
                        stems("arabic", "حكومه", b, sizeof b));
    /* the article and the clitics before it go first: والحكومة, فالحكومة, للحكومة and
     * الوزير stem like their bare words (Snowball alone stops after one prefix) */
    assert_string_equal(
        stems("arabic", "والحكومة فالحكومة للحكومة بالحكومة وبالحكومة", a, sizeof a),
        stems("arabic", "حكومة حكومة حكومة حكومة حكومة", b, sizeof b));
    assert_string_equal(stems("arabic", "الوزير والوزير الوزراء والوزراء", a, sizeof a),
                        stems("arabic", "وزير وزير وزراء وزراء", b, sizeof b));
    assert_string_equal(stems("arabic", "والصين", a, sizeof a),
                        stems("arabic", "الصين", b, sizeof b));
    /* a heh that was written as heh stays: وجه ("face") is not وجة */
    assert_string_equal(stems("arabic", "وجه", a, sizeof a), "وجه");
}

static void test_english_tokens_unchanged(void **st) {
    (void)st;
    char a[256];
    assert_string_equal(norms("China\xe2\x80\x99s U.S.-based caf\xc3\xa9", a, sizeof a),
                        "china|s|u|s|based|caf\xc3\xa9");
}

/* Classify text in language lang with taxonomy json; returns the labels' codes joined. */
static char *labels(const char *tax, const char *lang, const char *text, char *buf,
                    size_t len) {
    char err[256];
    ww_classify_opts o = {/* tax NULL: the default taxonomy and the language packs */
                          .taxonomy_json = tax,
                          .taxonomy_json_len = tax ? strlen(tax) : 0,
                          .no_entities = 1,
                          /* what the rules find, not what the defaults emit */
                          .min_confidence = -1,
                          .max_labels = 1000};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fail_msg("classifier: %s", err);
    classify_list(c, lang, text, NULL, buf, len);
    ww_classifier_free(c);
    return buf;
}

static void test_language_picks_the_rules(void **st) {
    (void)st;
    const char *tax =
        "{\"name\":\"t\",\"version\":\"1\",\"language\":\"en\",\"threshold\":3,\"topics\":["
        "{\"code\":\"war\",\"name\":\"war\",\"terms\":[{\"text\":\"war\",\"weight\":3}]},"
        "{\"code\":\"krieg\",\"name\":\"Krieg\",\"terms\":[{\"text\":\"Krieg\",\"weight\":3,"
        "\"lang\":\"de\"}]},"
        "{\"code\":\"nato\",\"name\":\"NATO\",\"terms\":[{\"text\":\"NATO\",\"weight\":3,"
        "\"lang\":\"mul\"}]}]}";
    char b[256];
    /* German "war" is "was": the English term does not count in a German text */
    assert_string_equal(labels(tax, "de", "Es war ein Krieg.", b, sizeof b), "krieg");
    assert_string_equal(labels(tax, "en", "The war and the Krieg.", b, sizeof b), "war");
    /* a language without rules of its own ("und", "it") sees every rule */
    assert_string_equal(labels(tax, "und", "war Krieg", b, sizeof b), "war,krieg");
    assert_string_equal(labels(tax, "", "war Krieg", b, sizeof b), "war,krieg");
    /* zh-Hant is zh: no rules in zh either, so everything */
    assert_string_equal(labels(tax, "zh-Hant", "war", b, sizeof b), "war");
    assert_string_equal(labels(tax, "de-AT", "war Krieg", b, sizeof b), "krieg");
}

static void test_stems(void **st) {
    (void)st;
    const char *tax =
        "{\"name\":\"t\",\"version\":\"1\",\"language\":\"de\",\"stem\":true,\"threshold\":3,"
        "\"topics\":[{\"code\":\"wahl\",\"name\":\"Wahl\",\"terms\":[{\"text\":\"Wahl\","
        "\"weight\":3},{\"text\":\"CDU\",\"weight\":3,\"case\":\"sensitive\"}]}]}";
    char b[256];
    assert_string_equal(labels(tax, "de", "Nach den Wahlen.", b, sizeof b), "wahl");
    assert_string_equal(labels(tax, "de", "Die Wahl.", b, sizeof b), "wahl");
    /* case-sensitive terms are exact: no stems, same case */
    assert_string_equal(labels(tax, "de", "Die CDU.", b, sizeof b), "wahl");
    assert_string_equal(labels(tax, "de", "die cdu", b, sizeof b), "");
    /* unknown language: no stem pass, the term's own form still counts */
    assert_string_equal(labels(tax, "", "Die Wahl.", b, sizeof b), "wahl");
    assert_string_equal(labels(tax, "", "Die Wahlen.", b, sizeof b), "");
}

static void test_pack_errors(void **st) {
    (void)st;
    char err[256];
    const char *bad[] = {
        "[]", "{\"language\":\"DE\"}", "{\"language\":\"de\",\"colour\":1}",
        "{\"language\":\"de\",\"topics\":{\"medtop:1\":{\"heavy\":[\"x\"]}}}",
        "{\"language\":\"de\",\"topics\":{\"medtop:1\":{\"3\":[\"\"]}}}",
        "{\"language\":\"de\",\"countries\":{\"CN\":\"China\"}}",
        "{\"language\":\"de\",\"countries\":{\"CN\":[\"\"]}}",
        "{\"language\":\"es\",\"not_country_names\":\"Guadalupe\"}",
        "{\"language\":\"es\",\"not_country_names\":[\"\"]}",
        "{\"language\":\"es\",\"not_country_names\":[1]}",
        "{\"language\":\"de\",\"stem\":\"yes\"}",
        "{\"language\":\"de\",\"capital_nouns\":1}",
        "{\"language\":\"de\",\"compounds\":true}",
        "{\"language\":\"de\",\"compounds\":{\"heads\":1}}",
        "{\"language\":\"de\",\"compounds\":{\"min_letters\":2}}",
        "{\"language\":\"de\",\"compounds\":{\"except\":[1]}}",
        "{\"language\":\"de\",\"compounds\":{\"tails\":true}}",
        "{\"language\":\"zh\",\"person_names\":[\"王\"]}",
        "{\"language\":\"zh\",\"person_names\":{\"surname\":[\"王\"]}}",
        "{\"language\":\"zh\",\"person_names\":{\"surnames\":[1]}}",
        "{\"language\":\"zh\",\"person_names\":{\"given\":[2,1]}}",
        "{\"language\":\"zh\",\"person_names\":{\"chars\":[2,9]}}",
        "{\"language\":\"zh\",\"person_names\":{\"chars\":[2]}}",
        "{\"language\":\"zh\",\"person_names\":{\"whole_run\":1}}",
        "{\"language\":\"zh\",\"person_names\":{\"not_last\":[\"省\"]}}",
        /* the words that tell a name from its neighbours (persons_han.h) */
        "{\"language\":\"zh\",\"person_names\":{\"translit\":[\"阿\"]}}",
        "{\"language\":\"zh\",\"person_names\":{\"translit\":\"阿b\"}}",
        "{\"language\":\"zh\",\"person_names\":{\"stop\":\"\"}}",
        "{\"language\":\"zh\",\"person_names\":{\"stop\":\"在の\"}}",
        "{\"language\":\"zh\",\"person_names\":{\"after_name\":[\"特别多\"]}}",
        "{\"language\":\"zh\",\"person_names\":{\"after_name\":[\"特\"]}}",
        "{\"language\":\"zh\",\"person_names\":{\"after_title\":\"呼吁\"}}",
        "{\"language\":\"zh\",\"person_names\":{\"after_title\":[1]}}",
        "{\"language\":\"zh\",\"person_names\":{\"before_name\":[\"かん\"]}}",
        "{\"language\":\"zh\",\"person_names\":{\"kana_not_names\":\"ポスト\"}}",
        "{\"language\":\"zh\",\"person_names\":{\"kana_not_names\":[\"ぽすと\"]}}",
        "{\"language\":\"zh\",\"person_names\":{\"kana_not_names\":[\"\"]}}", NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = 0;
        ww__pack *p = ww__pack_parse(bad[i], strlen(bad[i]), "pack", err, sizeof err);
        assert_null(p);
        assert_true(strncmp(err, "pack", 4) == 0);
    }
    const char *good =
        "{\"language\":\"de\",\"topics\":{\"medtop:1\":{\"3\":[\"Wahl\"],"
        "\"exclude\":[\"Qual der Wahl\"]}},\"countries\":{\"CN\":[\"Peking\"]}}";
    ww__pack *p = ww__pack_parse(good, strlen(good), "pack", err, sizeof err);
    assert_non_null(p);
    assert_string_equal(ww__pack_lang(p), "de");
    ww__pack_free(p);
    const char *names = "{\"language\":\"zh\",\"person_names\":{\"surnames\":"
                        "[\"王\",\"欧阳\"],\"given\":[1,2],\"chars\":[2,4],"
                        "\"whole_run\":false,\"translit\":\"阿普京\",\"stop\":\"在的\","
                        "\"after_name\":[\"政府\"],\"after_title\":[\"呼吁\"],"
                        "\"before_name\":[\"感謝\"],\"kana_not_names\":[\"ポスト\"]}}";
    p = ww__pack_parse(names, strlen(names), "pack", err, sizeof err);
    assert_non_null(p);
    ww__pack_free(p);
    /* the surnames' and not_last's characters are checked when the pack is parsed */
    const char *sn =
        "{\"language\":\"zh\",\"person_names\":{\"surnames\":[\"王\",\"欧阳修远\"]}}";
    assert_null(ww__pack_parse(sn, strlen(sn), "pack", err, sizeof err));
    assert_string_equal(err, "pack: surname 1: not one to three Han characters");
    const char *nl = "{\"language\":\"zh\",\"person_names\":{\"not_last\":\"省b\"}}";
    assert_null(ww__pack_parse(nl, strlen(nl), "pack", err, sizeof err));
    assert_string_equal(err, "pack: person_names: \"not_last\": not Han, or over 64");
}

/* Taxonomy of two topics for compound tests: terms in German, matched by stems. */
#define COMPOUND_TAX(a, b)                                                                 \
    "{\"name\":\"t\",\"version\":\"1\",\"language\":\"de\",\"stem\":true,"                 \
    "\"threshold\":3,\"topics\":[{\"code\":\"a\",\"name\":\"a\",\"terms\":[{\"text\":\"" a \
    "\",\"weight\":6}]},{\"code\":\"b\",\"name\":\"b\",\"terms\":[{\"text\":\"" b          \
    "\",\"weight\":6}]}]}"

static void test_compound_parts(void **st) {
    (void)st;
    char b[256];
    /* "*Debatte": the head of a compound, "Haushalt*": its modifier; a part counts half
     * its term's weight (6 -> 3, the threshold); evidence is the whole word (labels()
     * checks every span against the text) */
    const char *tax = COMPOUND_TAX("*Debatte", "Haushalt*");
    assert_string_equal(labels(tax, "de", "Die Haushaltsdebatte.", b, sizeof b), "a,b");
    assert_string_equal(labels(tax, "de", "Die Haushaltsdebatten.", b, sizeof b), "a,b");
    /* a short head needs a known modifier before it: Schluss is none */
    assert_string_equal(labels(tax, "de", "Die Schlussdebatte.", b, sizeof b), "");
    /* a word that matches on its own is not split; unknown language: no stem pass */
    assert_string_equal(labels(tax, "de", "Die Debatte.", b, sizeof b), "a");
    assert_string_equal(labels(tax, "", "Die Haushaltsdebatte.", b, sizeof b), "");
    /* a head of 7 code points or more counts alone */
    tax = COMPOUND_TAX("*Ministerium", "Sport*");
    assert_string_equal(labels(tax, "de", "Das Verkehrsministerium.", b, sizeof b), "a");
    assert_string_equal(labels(tax, "de", "Das Sportministerium.", b, sizeof b), "a,b");
    /* parts of five letters at least: Bei|spiel is not a game, and Bürger (stem
     * "burg") is not in Hamburg */
    tax = COMPOUND_TAX("*Spiel*", "*Bürger*");
    assert_string_equal(labels(tax, "de", "Zum Beispiel.", b, sizeof b), "");
    assert_string_equal(labels(tax, "de", "In Hamburg, Spielburg.", b, sizeof b), "");
    assert_string_equal(labels(tax, "de", "Die Kartenspiele.", b, sizeof b), "");
    assert_string_equal(labels(tax, "de", "Die Spielregeln.", b, sizeof b), "");
    /* unmarked terms are matched as whole words only */
    tax = COMPOUND_TAX("Debatte", "Haushalt");
    assert_string_equal(labels(tax, "de", "Die Haushaltsdebatte.", b, sizeof b), "");
}

/* The embedded German pack: the economy topics IPTC files trade and the economic
 * institutions under; creditors are not believers. */
static void test_german_pack(void **st) {
    (void)st;
    char b[1024];
    labels(NULL, "de",
           "Der Internationale Währungsfonds und die Weltbank warnen vor einem "
           "Handelsstreit.",
           b, sizeof b);
    /* economy's group comes first (labels are grouped by top level, most specific first) */
    assert_true(strncmp(b, "medtop:2000037", 14) == 0);
    assert_non_null(strstr(b, "medtop:04000000"));
    assert_non_null(strstr(b, "medtop:20000372"));
    assert_non_null(strstr(b, "medtop:20000376"));
    /* creditors are not believers (gläubig, stemmed, met Gläubiger: glaubig) */
    labels(NULL, "de",
           "Die Gläubiger verzichten. Den Gläubigern bleibt wenig, die Gläubiger "
           "klagen.",
           b, sizeof b);
    assert_null(strstr(b, "medtop:12000000"));
}

/* Non-governmental organisation (medtop:20000646) in the forms news writes it, in the
 * default rules and the packs: each sentence alone reaches the topic's threshold. */
static void test_ngo_forms(void **st) {
    (void)st;
    static const char *const cases[][2] = {
        {"en", "Non-government organisations said the law would silence them."},
        {"en", "Nongovernmental organizations condemned the decision."},
        {"en", "Aid groups said convoys were blocked at the border."},
        {"en", "Humanitarian organisations warned of famine."},
        {"zh", "多个人权组织对此表示谴责。"},
        {"zh", "一家环保组织发布报告。"},
        {"ru", "Гуманитарная организация доставила помощь."},
        {"de", "Eine Menschenrechtsorganisation kritisierte das Urteil."},
        {"de", "Der Umweltverband reichte Klage ein."},
        {"es", "Las organizaciones ecologistas denunciaron el vertido."},
        {"fr", "Une organisation humanitaire a dénoncé la situation."},
        {"pt", "Organizações ambientalistas pedem punição."},
        {"ja", "環境団体が声明を発表した。"},
    };
    char b[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        labels(NULL, cases[i][0], cases[i][1], b, sizeof b);
        if (!strstr(b, "medtop:20000646"))
            fail_msg("%s: no NGO label for \"%s\" (%s)", cases[i][0], cases[i][1], b);
    }
}

/* The pack's "compounds" setting marks its one-word terms as heads and modifiers. */
static void test_pack_compounds(void **st) {
    (void)st;
    char err[256];
    const char *tx = "{\"name\":\"t\",\"version\":\"1\",\"topics\":[{\"code\":"
                     "\"medtop:1\",\"name\":\"x\",\"terms\":[]}]}";
    const char *pk = "{\"language\":\"de\",\"compounds\":{\"heads\":true,\"modifiers\":"
                     "true,\"min_letters\":5,\"except\":[\"Spiel\"]},\"topics\":{"
                     "\"medtop:1\":{\"3\":[\"Debatte\",\"Spiel\",\"Wahl\",\"Erste Liga\","
                     "\"=Gericht\",\"*Stadion\"],\"exclude\":[\"Kunststoff\"]}}}";
    ww_taxonomy *t = ww_taxonomy_parse(tx, strlen(tx), err, sizeof err);
    assert_non_null(t);
    ww__pack *p = ww__pack_parse(pk, strlen(pk), "pack", err, sizeof err);
    assert_non_null(p);
    size_t skipped = 0;
    assert_int_equal(ww__pack_add_topics(p, t, &skipped, err, sizeof err), 0);
    const ww_topic *tp = &t->topics[0];
    const char *want[] = {"*Debatte*",  "Spiel",   "Wahl",
                          "Erste Liga", "Gericht", "*Stadion"};
    assert_int_equal(tp->nterms, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(tp->terms[i].text, want[i]);
    assert_string_equal(tp->exclude[0].text, "Kunststoff"); /* exclusions never */
    ww__pack_free(p);
    ww_taxonomy_free(t);
}

static int collect(void *arg, uint32_t s, uint32_t e) {
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s[%u,%u)", n ? "," : "", s, e);
    return 0;
}

static void names(const char *text, const char *title, int after, char *out) {
    ww__toks t = {0};
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    ww__title_hit h[4];
    size_t n = 0;
    for (size_t i = 0; i < t.n && n < 4; i++)
        if (strcmp(ww__tok_norm(&t, i), title) == 0)
            h[n++] = (ww__title_hit){(uint32_t)i, 1, (uint8_t)after};
    out[0] = 0;
    assert_int_equal(ww__find_persons_titled(text, &t, h, n, 0, collect, out), 0);
    ww__toks_free(&t);
}

static void test_titled_names(void **st) {
    (void)st;
    char out[256];
    const char *ru = "Министр Чэнь Исинь заявил, министр обороны промолчал.";
    names(ru, "министр", 0, out);
    /* "Чэнь Исинь" only: "обороны" is not capitalised */
    char want[64];
    const char *p = strstr(ru, "Чэнь");
    snprintf(want, sizeof want, "[%zu,%zu)", (size_t)(p - ru),
             (size_t)(p - ru) + strlen("Чэнь Исинь"));
    assert_string_equal(out, want);
    /* Chinese and Japanese titles are found by their characters (han_titles.c), not by
     * the matcher's title hits: test_persons.c checks them through the classifier */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cjk_segmentation),
        cmocka_unit_test(test_traditional_folds_to_simplified),
        cmocka_unit_test(test_arabic_normalisation),
        cmocka_unit_test(test_arabic_stems),
        cmocka_unit_test(test_english_tokens_unchanged),
        cmocka_unit_test(test_language_picks_the_rules),
        cmocka_unit_test(test_stems),
        cmocka_unit_test(test_pack_errors),
        cmocka_unit_test(test_titled_names),
        cmocka_unit_test(test_compound_parts),
        cmocka_unit_test(test_pack_compounds),
        cmocka_unit_test(test_german_pack),
        cmocka_unit_test(test_ngo_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
