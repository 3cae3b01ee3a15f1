/* Strict taxonomy loader: valid files load with parents resolved and a deepest-first
 * order; every kind of bad file is refused with an error naming the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

#include <cmocka.h>

#include "wirewatch/classify.h"
#include "wirewatch/taxonomy.h"

static ww_taxonomy *parse(const char *s, char *err, size_t n) {
    return ww_taxonomy_parse(s, strlen(s), err, n);
}

/* Expect s to be refused with an error containing `want`. */
static void refuse(const char *s, const char *want) {
    char err[256] = "";
    ww_taxonomy *t = parse(s, err, sizeof err);
    if (t || !strstr(err, want))
        fail_msg("expected error containing \"%s\", got %s \"%s\"", want,
                 t ? "success" : "error", err);
    ww_taxonomy_free(t);
}

static void test_valid(void **state) {
    (void)state;
    char err[256];
    const char *s =
        "{\"name\":\"w\",\"version\":\"3\",\"threshold\":2.5,\"license\":\"CC0\","
        "\"topics\":["
        "{\"code\":\"c\",\"name\":\"child\",\"parent\":\"p\",\"terms\":[\"alpha\","
        "{\"text\":\"Beta Gamma\",\"weight\":2,\"case\":\"sensitive\"}],"
        "\"exclude\":[\"not this\"],\"threshold\":4},"
        "{\"code\":\"p\",\"name\":\"parent\",\"phrases\":[{\"text\":\"delta\"}]},"
        "{\"code\":\"g\",\"name\":\"grandchild\",\"parent\":\"c\"}],"
        "\"routes\":[{\"label\":\"c\",\"min_score\":1}]}";
    ww_taxonomy *t = parse(s, err, sizeof err);
    assert_non_null(t);
    assert_string_equal(t->name, "w");
    assert_string_equal(t->version, "3");
    assert_int_equal(t->ntopics, 3);
    assert_int_equal(t->topics[0].parent, 1);
    assert_int_equal(t->topics[1].parent, -1);
    assert_int_equal(t->topics[2].parent, 0);
    assert_int_equal(t->topics[2].depth, 2);
    assert_true(t->topics[0].threshold == 4.0);
    assert_true(t->topics[1].threshold == 2.5); /* the taxonomy's default */
    assert_int_equal(t->topics[0].nterms, 2);
    assert_true(t->topics[0].terms[1].case_sensitive);
    assert_true(t->topics[0].terms[1].weight == 2.0f);
    assert_int_equal(t->topics[0].nexclude, 1);
    assert_int_equal(t->topics[1].nterms, 1); /* phrases count as terms */
    /* deepest first: grandchild, child, parent */
    assert_int_equal(t->order[0], 2);
    assert_int_equal(t->order[1], 0);
    assert_int_equal(t->order[2], 1);
    assert_int_equal(t->nroutes, 1);
    assert_string_equal(t->routes[0].output, "alerts");
    assert_int_equal(ww_taxonomy_find(t, "g"), 2);
    assert_int_equal(ww_taxonomy_find(t, "nope"), -1);
    ww_taxonomy_free(t);
}

static void test_unknown_keys(void **state) {
    (void)state;
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[],\"colour\":1}", "\"colour\"");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\","
           "\"trems\":[]}]}",
           "\"trems\"");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\","
           "\"terms\":[{\"text\":\"x\",\"wieght\":1}]}]}",
           "\"wieght\"");
    refuse(
        "{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\"}],"
        "\"routes\":[{\"label\":\"a\",\"to\":\"x\"}]}",
        "\"to\"");
}

static void test_structure_errors(void **state) {
    (void)state;
    refuse("{\"name\":\"w\",\"name\":\"v\",\"version\":\"1\",\"topics\":[]}",
           "duplicate");
    refuse("not json", "JSON");
    refuse("[]", "must be a JSON object");
    refuse("{\"version\":\"1\",\"topics\":[]}", "missing \"name\"");
    refuse("{\"name\":\"w\",\"version\":\"1\"}", "\"topics\" must be an array");
    refuse(
        "{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\"},"
        "{\"code\":\"a\",\"name\":\"b\"}]}",
        "defined twice");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\","
           "\"parent\":\"zz\"}]}",
           "parent \"zz\" not found");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\","
           "\"parent\":\"b\"},{\"code\":\"b\",\"name\":\"b\",\"parent\":\"a\"}]}",
           "cyclic");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\","
           "\"terms\":[{\"text\":\"x\",\"weight\":\"heavy\"}]}]}",
           "must be a number");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\","
           "\"terms\":[{\"text\":\"x\",\"case\":\"upper\"}]}]}",
           "\"case\"");
    refuse("{\"name\":\"w\",\"version\":\"1\",\"threshold\":-1,\"topics\":[]}",
           "threshold");
    refuse(
        "{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\"}],"
        "\"routes\":[{\"label\":\"b\"}]}",
        "not a topic");
    refuse(
        "{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\"}],"
        "\"routes\":[{\"label\":\"a\",\"output\":\"pager\"}]}",
        "only \"alerts\"");
    refuse("{\"name\":\"\",\"version\":\"1\",\"topics\":[]}", "empty");
    /* calibration: only what the classifier computes is accepted */
#define CAL(x) "{\"name\":\"w\",\"version\":\"1\",\"topics\":[],\"calibration\":" x "}"
    refuse(CAL("{\"method\":\"isotonic\",\"features\":[\"ln_score\",\"share\"],"
               "\"groups\":[]}"),
           "\"platt\"");
    refuse(CAL("{\"method\":\"platt\",\"features\":[\"score\"],\"groups\":[]}"),
           "\"features\"");
    refuse(CAL("{\"method\":\"platt\",\"features\":[\"ln_score\",\"share\"],"
               "\"groups\":[]}"),
           "\"groups\"");
    refuse(CAL("{\"method\":\"platt\",\"features\":[\"ln_score\",\"share\"],"
               "\"groups\":[{\"languages\":[\"*\"],\"by_depth\":[{\"max_depth\":0,"
               "\"w\":[1],\"bias\":0}]}]}"),
           "\"w\"");
    refuse(CAL("{\"method\":\"platt\",\"features\":[\"ln_score\",\"share\"],"
               "\"groups\":[{\"languages\":[\"*\"],\"by_depth\":[{\"max_depth\":0,"
               "\"w\":[1,2],\"bias\":0,\"slope\":1}]}]}"),
           "unknown key \"slope\"");
    refuse(
        "{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"a\",\"name\":\"a\"}],"
        "\"routes\":[{\"label\":\"a\",\"min_confidence\":1.5}]}",
        "min_confidence");
#undef CAL
}

static void test_limits(void **state) {
    (void)state;
    char big[WW_TAX_MAX_TEXT + 200];
    memset(big, 'x', sizeof big);
    int n = snprintf(big, sizeof big,
                     "{\"name\":\"w\",\"version\":\"1\",\"topics\":[{\"code\":\"");
    memset(big + n, 'a', WW_TAX_MAX_TEXT + 1);
    n += WW_TAX_MAX_TEXT + 1;
    snprintf(big + n, sizeof big - (size_t)n, "\",\"name\":\"a\"}]}");
    refuse(big, "longer than");
    /* a deep chain beyond the depth limit */
    char chain[4096];
    n = snprintf(chain, sizeof chain, "{\"name\":\"w\",\"version\":\"1\",\"topics\":[");
    for (int i = 0; i < WW_TAX_MAX_DEPTH + 3; i++) {
        if (i == 0)
            n += snprintf(chain + n, sizeof chain - (size_t)n,
                          "{\"code\":\"t0\",\"name\":\"n\"}");
        else
            n += snprintf(chain + n, sizeof chain - (size_t)n,
                          ",{\"code\":\"t%d\",\"name\":\"n\",\"parent\":\"t%d\"}", i,
                          i - 1);
    }
    snprintf(chain + n, sizeof chain - (size_t)n, "]}");
    refuse(chain, "deeper than");
}

static void test_load_file(void **state) {
    (void)state;
    char err[256];
    ww_taxonomy *t = ww_taxonomy_load("/nonexistent/tax.json", err, sizeof err);
    assert_null(t);
    assert_non_null(strstr(err, "/nonexistent/tax.json"));
    char path[] = "/tmp/ww_test_taxXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *s = "{\"name\":\"f\",\"version\":\"9\",\"topics\":[{\"code\":\"a\","
                    "\"name\":\"a\",\"terms\":[\"x\"]}]}";
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
    t = ww_taxonomy_load(path, err, sizeof err);
    unlink(path);
    assert_non_null(t);
    assert_string_equal(t->version, "9");
    ww_taxonomy_free(t);
}

/* The embedded default: IPTC, attribution and release date kept, all 17 top-level
 * topics and every second-level topic have rules. */
static void test_embedded_iptc(void **state) {
    (void)state;
    char err[256];
    ww_taxonomy *t = ww_taxonomy_parse((const char *)ww__data_iptc, ww__data_iptc_len,
                                       err, sizeof err);
    assert_non_null(t);
    assert_string_equal(t->name, "iptc-mediatopic");
    assert_string_equal(t->version, "2023-10-24");
    assert_non_null(strstr(t->attribution, "CC BY 4.0"));
    assert_non_null(strstr(t->attribution, "IPTC"));
    int roots = 0;
    for (size_t i = 0; i < t->ntopics; i++) {
        const ww_topic *tp = &t->topics[i];
        if (tp->depth == 0)
            roots++;
        if (tp->depth <= 1 && tp->nterms == 0)
            fail_msg("topic %s (%s) has no rules", tp->code, tp->name);
    }
    assert_int_equal(roots, 17);
    /* its calibration (tests/bench/calibrate_rules.py): German and every language, a
     * confidence that grows with the score at every depth */
    assert_int_equal(t->ncalib, 2);
    assert_string_equal(t->calib[0].languages[0], "de");
    assert_string_equal(t->calib[1].languages[0], "*");
    for (int g = 0; g < t->ncalib; g++)
        for (int k = 0; k < t->calib[g].nsteps; k++)
            assert_true(t->calib[g].steps[k].w[0] > 0 && t->calib[g].steps[k].w[1] > 0);
    const char *need[] = {"medtop:20000605", "medtop:20000604", "medtop:20000420",
                          "medtop:20000646"};
    for (int k = 0; k < 4; k++) {
        int i = ww_taxonomy_find(t, need[k]);
        assert_true(i >= 0);
        assert_true(t->topics[i].nterms >= 5);
    }
    ww_taxonomy_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_embedded_iptc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
