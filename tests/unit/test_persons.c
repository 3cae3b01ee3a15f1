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

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_titles),
                                       cmocka_unit_test(test_not_names)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
