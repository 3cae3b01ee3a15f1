/* Person names after titles (workers/classify/persons.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../workers/classify/persons.h"

typedef struct {
    const char *text;
    const ww__toks *t;
    char found[8][64];
    int n;
} acc;

static int collect(void *arg, size_t first, size_t ntok) {
    acc *a = arg;
    if (a->n < 8) {
        uint32_t s = a->t->v[first].start, e = a->t->v[first + ntok - 1].end;
        snprintf(a->found[a->n++], 64, "%.*s", (int)(e - s), a->text + s);
    }
    return 0;
}

static int run(const char *text, acc *a) {
    ww__toks t = {0};
    memset(a, 0, sizeof *a);
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    a->text = text;
    a->t = &t;
    int rc = ww__find_persons(text, &t, collect, a);
    ww__toks_free(&t);
    return rc;
}

static void test_titles(void **st) {
    acc a;
    run("State Security Minister Chen Yixin said last month the ministry would act. "
        "President Lula met Prime Minister Keir Starmer and Dr. Jane Goodall.",
        &a);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.found[0], "Chen Yixin");
    assert_string_equal(a.found[1], "Lula");
    assert_string_equal(a.found[2], "Keir Starmer");
    assert_string_equal(a.found[3], "Jane Goodall");
}

static void test_not_names(void **st) {
    acc a;
    /* a title followed by a role, a weekday, lower-case words or one bare word */
    run("The minister said on Monday that the president of the Foreign Office and "
        "Minister Monday, the director general, and the spokesman Smith agreed.",
        &a);
    assert_int_equal(a.n, 0);
    run("Łukasz is here. Mayor Łukasz Nowak spoke.", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "Łukasz Nowak");
}

/* ---- Arabic: a name after a title found by the matcher (here: by its tokens) ---- */

static int collect_span(void *arg, uint32_t s, uint32_t e) {
    acc *a = arg;
    if (a->n < 8)
        snprintf(a->found[a->n++], 64, "%.*s", (int)(e - s), a->text + s);
    return 0;
}

/* The names after every occurrence of title (one or more words, as the matcher would
 * report it: a token range) in text. */
static void titled(const char *text, const char *title, acc *a) {
    ww__toks t = {0}, tt = {0};
    memset(a, 0, sizeof *a);
    a->text = text;
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    assert_int_equal(ww__tokenize(title, strlen(title), 1, &tt), 0);
    ww__title_hit h[8];
    size_t n = 0;
    for (size_t i = 0; i + tt.n <= t.n && n < 8; i++) {
        size_t k = 0;
        while (k < tt.n && strcmp(ww__tok_norm(&t, i + k), ww__tok_norm(&tt, k)) == 0)
            k++;
        if (k == tt.n)
            h[n++] = (ww__title_hit){(uint32_t)i, (uint32_t)tt.n, 0};
    }
    assert_int_equal(ww__find_persons_titled(text, &t, h, n, collect_span, a), 0);
    ww__toks_free(&t);
    ww__toks_free(&tt);
}

static void test_arabic_names(void **st) {
    acc a;
    /* qualifiers after the title are passed over; the name ends at a stop word */
    titled("قال الرئيس المصري عبد الفتاح السيسي إن بلاده ستواصل دعم الحل.", "الرئيس", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "عبد الفتاح السيسي");
    titled("وقالت المتحدثة باسم وزارة الخارجية الصينية ماو نينغ، إن الصين مستعدة.",
           "المتحدثة باسم وزارة الخارجية", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "ماو نينغ");
    titled("وزار ولي العهد السعودي الأمير محمد بن سلمان باريس يوم الأحد.", "ولي العهد",
           &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "محمد بن سلمان");
    /* vowel marks and hamza forms do not matter; one word after a head of state */
    titled("وصرح الرئيسُ ماكرون بأن فرنسا ستدعم الاتفاق.", "الرئيس", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "ماكرون");
    titled("وقال وزير الخارجية أنتوني بلينكن في مؤتمر صحفي", "وزير الخارجية", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "أنتوني بلينكن");
}

static void test_arabic_not_names(void **st) {
    acc a;
    /* a stop word, a construct that continues the title, a pronoun suffix, a word with
     * preposition and article, one bare word after a minister */
    titled("وقال الوزير إن الاجتماع كان مثمرا.", "الوزير", &a);
    assert_int_equal(a.n, 0);
    titled("وقال وزير خارجية إيران إن بلاده.", "وزير", &a);
    assert_int_equal(a.n, 0);
    titled("رئيس المجلس ونائبيه حضروا.", "رئيس المجلس", &a);
    assert_int_equal(a.n, 0);
    titled("وقال الأمين العام للنقابة إن الباب مفتوح.", "الأمين العام", &a);
    assert_int_equal(a.n, 0);
    titled("وقال الوزير بلينكن إن", "الوزير", &a);
    assert_int_equal(a.n, 0);
    /* a stem match that is no title: "the door" for "the Pope", "trained" for "coach" */
    titled("فتح الباب أمام عودة الوباء.", "الباب", &a);
    assert_int_equal(a.n, 0);
    titled("كلاب مدربة ومتطوعون بحثوا طوال الليل.", "مدربة", &a);
    assert_int_equal(a.n, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_titles), cmocka_unit_test(test_not_names),
        cmocka_unit_test(test_arabic_names), cmocka_unit_test(test_arabic_not_names)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
