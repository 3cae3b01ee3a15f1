/* Document language: CLD2's guess only when it is confident, the page's declared
 * language (<html lang>, Content-Language) for short or unclear text, "und" when
 * neither says; language tags normalised to ISO 639 primary subtags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/langid.h"
#include "wirewatch/parse.h"

/* Chinese with pinyin romanisation: CLD2 says Kinyarwanda ("rw", 41%, unreliable). */
static const char *const zh_pinyin =
    "Li Ming\n\nNi hao, wo jiao Li Ming. Wo shi Zhongguo ren. Wo zhu zai Beijing. "
    "Jintian tianqi hen hao. Women qu gongyuan wan ba. Wo hen xihuan chi jiaozi. Mama zuo de jiaozi zui "
    "haochi. 你好，我叫李明。";

static const char *const en_long =
    "The harbour authority said on Friday that tides could reach record levels this "
    "winter, citing new measurements from its coastal stations. Engineers found that two "
    "sea walls had weakened since the last inspection, and repairs will start in "
    "January.";

static const char *const zh_hant_long =
    "央行升息\n\n中央銀行週四宣布將基準利率調升半個百分點，這是今年第四度升息。央行表示，通膨比預期更為"
    "頑強，未來不排除進一步緊縮貨幣政策。消息公布後，股市應聲下跌。";

/* Plain-text bodies start with a headline line: the parser takes the first line as
 * the title, and the language is the text's. */

/* Parse body as a page (HTML unless content_type says otherwise) with the default
 * options, or with min_confidence when >= 0; optional Content-Language header. */
static Wirewatch__V1__Document *parse(const char *body, const char *content_type,
                                      const char *content_language, float min_conf) {
    ww_parser_opts o;
    ww_parser_opts_default(&o);
    if (min_conf >= 0)
        o.langid.min_confidence = min_conf;
    ww_parser *p = ww_parser_new(&o, NULL, 0);
    assert_non_null(p);
    Wirewatch__V1__Page page;
    wirewatch__v1__page__init(&page);
    page.final_url = "https://news.example.org/a/1";
    page.content_type = (char *)content_type;
    page.body.data = (uint8_t *)body;
    page.body.len = strlen(body);
    Wirewatch__V1__Header h, *hs[1] = {&h};
    if (content_language) {
        wirewatch__v1__header__init(&h);
        h.name = "content-language";
        h.value = (char *)content_language;
        page.headers = hs;
        page.n_headers = 1;
    }
    Wirewatch__V1__Document *d = NULL;
    char err[128];
    assert_int_equal(ww_parse_page(p, &page, &d, NULL, err, sizeof err), 0);
    ww_parser_free(p);
    return d;
}

static char *html(const char *lang, const char *text) {
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "<!DOCTYPE html><html%s%s%s><head><title>t</title></head><body><article>"
             "<p>%s</p></article></body></html>",
             lang ? " lang=\"" : "", lang ? lang : "", lang ? "\"" : "", text);
    return buf;
}

static void test_mixed_zh_pinyin_not_rw(void **st) {
    (void)st;
    ww_langid_result r;
    ww_langid_detect(zh_pinyin, strlen(zh_pinyin), &r);
    assert_true(r.confidence < WW_LANGID_MIN_CONFIDENCE); /* CLD2 is unsure... */
    Wirewatch__V1__Document *d = parse(zh_pinyin, "text/plain", NULL, -1);
    assert_true(!strcmp(d->language, "und") || !strcmp(d->language, "zh"));
    assert_string_not_equal(d->language, "rw"); /* ...so it is not believed */
    protobuf_c_message_free_unpacked(&d->base, NULL);
    /* the page says Chinese: that is the answer */
    d = parse(html("zh-CN", zh_pinyin), "text/html", NULL, -1);
    assert_string_equal(d->language, "zh");
    protobuf_c_message_free_unpacked(&d->base, NULL);
    /* with the threshold at 0 every guess is believed (the old behaviour) */
    d = parse(zh_pinyin, "text/plain", NULL, 0);
    assert_string_equal(d->language, "rw");
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static void test_short_text_takes_declared(void **st) {
    (void)st;
    /* names only: CLD2 leans to English; the page is German */
    Wirewatch__V1__Document *d =
        parse(html("de", "Radio Berlin International"), "text/html", NULL, -1);
    assert_string_equal(d->language, "de");
    assert_true(d->language_confidence > 0 && d->language_confidence < 0.5f);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    d = parse(html("de-AT", "Hotel Am Park"), "text/html", NULL, -1);
    assert_string_equal(d->language, "de");
    protobuf_c_message_free_unpacked(&d->base, NULL);
    /* a short German headline agreeing with the page keeps the text's confidence */
    d = parse(html("de", "Zentralbank erhöht erneut die Leitzinsen"), "text/html", NULL,
              -1);
    assert_string_equal(d->language, "de");
    assert_true(d->language_confidence > 0.5f);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    /* nothing declared: a few names are no language */
    d = parse(html(NULL, "Tesla, BMW, Volkswagen"), "text/html", NULL, -1);
    assert_string_equal(d->language, "und");
    assert_true(d->language_confidence == 0);
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static void test_content_language_header(void **st) {
    (void)st;
    /* no markup declaration: the HTTP header counts */
    Wirewatch__V1__Document *d =
        parse(html(NULL, "Hotel Restaurant Bar"), "text/html", "fr-FR, en", -1);
    assert_string_equal(d->language, "fr");
    protobuf_c_message_free_unpacked(&d->base, NULL);
    /* markup wins over the header */
    d = parse(html("it", "Hotel Restaurant Bar"), "text/html", "fr", -1);
    assert_string_equal(d->language, "it");
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static void test_long_text_overrides_declared(void **st) {
    (void)st;
    Wirewatch__V1__Document *d = parse(html("de", en_long), "text/html", "de", -1);
    assert_string_equal(d->language, "en");
    assert_true(d->language_confidence > 0.9f);
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static void test_traditional_chinese_is_zh(void **st) {
    (void)st;
    ww_langid_result r;
    ww_langid_detect(zh_hant_long, strlen(zh_hant_long), &r);
    assert_string_equal(r.code, "zh");
    Wirewatch__V1__Document *d = parse(zh_hant_long, "text/plain", NULL, -1);
    assert_string_equal(d->language, "zh");
    assert_true(d->language_confidence > 0.9f);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    d = parse(html("zh-Hant-TW", "新聞"), "text/html", NULL, -1);
    assert_string_equal(d->language, "zh");
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static void test_normalize(void **st) {
    (void)st;
    static const char *const ok[][2] = {
        {"en-US", "en"},  {"de_DE", "de"},  {"zh-Hant", "zh"},      {"zh-TW", "zh"},
        {"FR", "fr"},     {"iw", "he"},     {"nb-NO", "no"},        {"haw", "haw"},
        {" pt-BR", "pt"}, {"cmn", "zh"},    {"fr, en;q=0.8", "fr"}, {"sr-ME", "sr"},
        {"in", "id"},     {"\"de\"", "de"},
    };
    char out[16];
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++) {
        assert_int_equal(ww_lang_normalize(ok[k][0], out, sizeof out), 0);
        assert_string_equal(out, ok[k][1]);
    }
    static const char *const bad[] = {"",        "und", "mul", "x-default", "*",
                                      "xx-Latn", "xxx", "un",  "zzb",       "english",
                                      "e",       "12",  "en1", "i-klingon"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        assert_int_equal(ww_lang_normalize(bad[k], out, sizeof out), -1);
        assert_string_equal(out, "");
    }
    assert_int_equal(ww_lang_normalize(NULL, out, sizeof out), -1);
}

static void test_choose_rules(void **st) {
    (void)st;
    ww_langid_opts o = {.min_confidence = 0.5f, .short_text_bytes = 100};
    ww_langid_result r;
    memset(&r, 0, sizeof r);
    char code[16];
    float conf;
    ww_lang_source src;
    /* 1: long and clear overrides the page */
    snprintf(r.code, sizeof r.code, "en");
    r.share = r.confidence = 0.98f;
    r.reliable = 1;
    r.text_bytes = 500;
    ww_language_choose(&r, "de", &o, code, sizeof code, &conf, &src);
    assert_string_equal(code, "en");
    assert_int_equal(src, WW_LANG_FROM_TEXT);
    assert_true(conf == 0.98f);
    /* 2: short -> declared; agreeing text gives its confidence */
    r.text_bytes = 60;
    ww_language_choose(&r, "de", &o, code, sizeof code, &conf, &src);
    assert_string_equal(code, "de");
    assert_int_equal(src, WW_LANG_FROM_DECLARED);
    assert_true(conf == 0.25f);
    ww_language_choose(&r, "en-GB", &o, code, sizeof code, &conf, &src);
    assert_string_equal(code, "en");
    assert_true(conf == 0.98f);
    /* 2: unclear long text -> declared; the runner-up agreeing counts at half */
    r.text_bytes = 500;
    r.share = 0.41f;
    r.confidence = 0.205f;
    r.reliable = 0;
    snprintf(r.code, sizeof r.code, "rw");
    snprintf(r.code2, sizeof r.code2, "zh");
    r.share2 = 0.6f;
    ww_language_choose(&r, "zh-CN", &o, code, sizeof code, &conf, &src);
    assert_string_equal(code, "zh");
    assert_true(conf == 0.3f);
    /* 4: unclear, nothing declared (or a declaration that names no language) */
    ww_language_choose(&r, "x-default", &o, code, sizeof code, &conf, &src);
    assert_string_equal(code, "und");
    assert_int_equal(src, WW_LANG_FROM_NONE);
    assert_true(conf == 0);
    /* 3: short but clear, nothing declared */
    snprintf(r.code, sizeof r.code, "sv");
    r.confidence = 0.6f;
    r.text_bytes = 32;
    ww_language_choose(&r, NULL, &o, code, sizeof code, &conf, NULL);
    assert_string_equal(code, "sv");
    /* nothing at all */
    memset(&r, 0, sizeof r);
    ww_language_choose(&r, NULL, &o, code, sizeof code, NULL, NULL);
    assert_string_equal(code, "und");
}

static void test_bad_option(void **st) {
    (void)st;
    ww_parser_opts o;
    ww_parser_opts_default(&o);
    assert_true(o.langid.min_confidence == (float)WW_LANGID_MIN_CONFIDENCE);
    o.langid.min_confidence = 1.5f;
    char err[128] = "";
    assert_null(ww_parser_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "min_confidence"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_zh_pinyin_not_rw),
        cmocka_unit_test(test_short_text_takes_declared),
        cmocka_unit_test(test_content_language_header),
        cmocka_unit_test(test_long_text_overrides_declared),
        cmocka_unit_test(test_traditional_chinese_is_zh),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_choose_rules),
        cmocka_unit_test(test_bad_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
