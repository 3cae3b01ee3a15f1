/* Unit tests: fastText model loading and prediction against the fastText CLI itself.
 *
 * The test generates a small labelled corpus, trains models with Debian's `fasttext`
 * (softmax with word n-grams and char n-grams, one-vs-all, hierarchical softmax,
 * negative sampling, and two quantized .ftz: pruned with -qnorm and unpruned with
 * -dsub 3), runs `fasttext predict-prob MODEL test.txt -1` and requires the same top
 * label on >= 99.9% of the lines and every probability within 1e-4. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirewatch/error.h"
#include "wirewatch/model.h"

static char dir[] = "/tmp/ww-fasttext-test-XXXXXX";

static uint64_t rs = 7;
static uint32_t rnd(void) {
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rs >> 33);
}

static const char *TOPIC[] = {"sport",    "politics", "tech",
                              "business", "health",   "science"};
static const char *COMMON[] = {"the",  "a",  "of",    "and",       "to",
                               "in",   "is", "Über",  "naïve",     "café",
                               "日本", "x",  "</s>x", "__label__", "__label__nope"};

static void gen(const char *path, int n) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        int t1 = (int)(rnd() % 6), t2 = rnd() % 4 == 0 ? (int)(rnd() % 6) : -1;
        fprintf(f, "__label__%s ", TOPIC[t1]);
        if (t2 >= 0 && t2 != t1)
            fprintf(f, "__label__%s ", TOPIC[t2]);
        int nw = 3 + (int)(rnd() % 50);
        for (int w = 0; w < nw; w++) {
            uint32_t p = rnd() % 20;
            if (p < 8)
                fprintf(f, "%s", COMMON[rnd() % 15]);
            else if (p < 18)
                fprintf(f, "%.3s%c%u", TOPIC[t2 >= 0 && rnd() % 2 ? t2 : t1],
                        "aeiouxyz"[rnd() % 8], rnd() % 40);
            else if (p < 19)
                fprintf(f, "%.3s%u", TOPIC[rnd() % 6], rnd() % 40);
            else
                fprintf(f, "oov%u", rnd()); /* never seen in training */
            fputc(w + 1 < nw ? (rnd() % 10 ? ' ' : '\t') : '\n', f);
        }
    }
    fclose(f);
}

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...) {
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
}

static int setup(void **state) {
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    char p[256];
    snprintf(p, sizeof p, "%s/train.txt", dir);
    gen(p, 1500);
    snprintf(p, sizeof p, "%s/test.txt", dir);
    gen(p, 400);
    if (system("command -v fasttext >/dev/null") != 0) {
        fprintf(stderr, "test_fasttext: the fasttext CLI (Debian package fasttext) is "
                        "required: make deps-test\n");
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Next space/newline-separated field of *s (NUL-terminated in place), or NULL. */
static char *field(char **s) {
    char *b = *s;
    while (*b == ' ' || *b == '\n')
        b++;
    if (!*b)
        return NULL;
    char *e = b;
    while (*e && *e != ' ' && *e != '\n')
        e++;
    *s = *e ? e + 1 : e;
    *e = 0;
    return b;
}

/* Compare ww_model_predict with `fasttext predict-prob` line by line. */
static void compare(const char *model_file) {
    char path[256], cmd[600], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, model_file);
    ww_model *m = ww_model_load(path, err, sizeof err);
    if (!m)
        fail_msg("load %s: %s", path, err);
    snprintf(cmd, sizeof cmd, "fasttext predict-prob '%s' '%s/test.txt' -1", path, dir);
    FILE *ft = popen(cmd, "r");
    snprintf(path, sizeof path, "%s/test.txt", dir);
    FILE *in = fopen(path, "r");
    assert_non_null(ft);
    assert_non_null(in);
    char *line = NULL, *fl = NULL;
    size_t cap = 0, fcap = 0, lines = 0, top_ok = 0;
    ssize_t n;
    double maxdiff = 0;
    int nl = ww_model_nlabels(m);
    ww_prediction *p = malloc((size_t)nl * sizeof *p);
    while ((n = getline(&line, &cap, in)) > 0) {
        if (line[n - 1] == '\n')
            n--;
        assert_true(getline(&fl, &fcap, ft) > 0);
        int k = ww_model_predict(m, line, (size_t)n, p, nl, 0.0f);
        assert_true(k >= 0);
        /* fastText: "__label__a 0.9 __label__b 0.1" */
        char *cur = fl, *tok = field(&cur);
        int idx = 0;
        while (tok) {
            char *prob = field(&cur);
            assert_non_null(prob);
            assert_true(strncmp(tok, "__label__", 9) == 0);
            double fp = strtod(prob, NULL);
            int found = 0;
            for (int i = 0; i < k; i++)
                if (strcmp(p[i].label, tok + 9) == 0) {
                    double d = fabs(fp - p[i].score);
                    if (d > maxdiff)
                        maxdiff = d;
                    found = 1;
                }
            if (!found)
                fail_msg("%s line %zu: %s missing from wirewatch's predictions",
                         model_file, lines + 1, tok);
            /* top label: the same, or tied in score with fastText's top */
            if (idx == 0 && k > 0 &&
                (strcmp(p[0].label, tok + 9) == 0 || fabs(p[0].score - fp) < 1e-6))
                top_ok++;
            idx++;
            tok = field(&cur);
        }
        assert_int_equal(idx, k);
        if (k == 0)
            top_ok++; /* both predicted nothing */
        lines++;
    }
    assert_int_equal(pclose(ft), 0);
    fclose(in);
    print_message("%-10s %-40s lines=%zu top-agree=%zu max|dp|=%.2g\n", model_file,
                  ww_model_version(m), lines, top_ok, maxdiff);
    assert_int_equal(lines, 400);
    assert_true((double)top_ok >= 0.999 * (double)lines);
    assert_true(maxdiff <= 1e-4);
    free(p);
    free(line);
    free(fl);
    ww_model_free(m);
}

#define FT                                                                               \
    "fasttext supervised -input '%s/train.txt' -thread 1 -seed 1 -verbose 0 -epoch 5 "

static void test_softmax_subwords(void **state) {
    (void)state;
    sh(FT "-output '%s/sm' -dim 16 -wordNgrams 2 -minn 2 -maxn 4 -bucket 20000", dir,
       dir);
    compare("sm.bin");
    /* pruned, norm-quantized .ftz */
    sh("fasttext quantize -input '%s/train.txt' -output '%s/sm' -qnorm -cutoff 300 -retrain "
       "-epoch 1 -thread 1 -verbose 0",
       dir, dir);
    compare("sm.ftz");
}

static void test_ova(void **state) {
    (void)state;
    sh(FT "-output '%s/ova' -dim 12 -wordNgrams 3 -bucket 20000 -loss ova", dir, dir);
    compare("ova.bin");
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/ova.bin", dir);
    ww_model *m = ww_model_load(path, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(ww_model_multilabel(m), 1);
    ww_model_free(m);
}

static void test_hs_ns(void **state) {
    (void)state;
    sh(FT "-output '%s/hs' -dim 10 -loss hs -lr 0.5", dir, dir);
    compare("hs.bin");
    sh(FT "-output '%s/ns' -dim 10 -loss ns", dir, dir);
    compare("ns.bin");
}

static void test_quantized_unpruned(void **state) {
    (void)state;
    /* dim 16 with -dsub 3: a last sub-quantizer of 1 dimension */
    sh(FT "-output '%s/q' -dim 16 -wordNgrams 2 -bucket 2000", dir, dir);
    sh("fasttext quantize -input '%s/train.txt' -output '%s/q' -dsub 3 -verbose 0", dir,
       dir);
    compare("q.ftz");
}

static void test_corrupt_and_unsupported(void **state) {
    (void)state;
    char path[256], err[256];
    sh(FT "-output '%s/small' -dim 4 -bucket 1000 -wordNgrams 2", dir, dir);
    snprintf(path, sizeof path, "%s/small.bin", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(len > 1000 && len < sizeof buf);
    ww_model *m = ww_model_load_mem(buf, len, err, sizeof err);
    assert_non_null(m);
    ww_model_free(m);
    for (size_t cut = 4; cut < len; cut += (cut < 200 ? 1 : 101)) {
        err[0] = 0;
        assert_null(ww_model_load_mem(buf, cut, err, sizeof err));
        assert_non_null(strstr(err, "fastText model"));
    }
    uint32_t v = 99; /* future version */
    memcpy(buf + 4, &v, 4);
    assert_null(ww_model_load_mem(buf, len, err, sizeof err));
    assert_non_null(strstr(err, "version 99"));
    /* word vectors are not a classifier */
    sh("fasttext skipgram -input '%s/train.txt' -output '%s/sg' -dim 4 -epoch 1 -bucket 100 "
       "-minn 0 -maxn 0 -thread 1 -verbose 0",
       dir, dir);
    snprintf(path, sizeof path, "%s/sg.bin", dir);
    assert_null(ww_model_load(path, err, sizeof err));
    assert_non_null(strstr(err, "not supervised"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_subwords),
        cmocka_unit_test(test_ova),
        cmocka_unit_test(test_hs_ns),
        cmocka_unit_test(test_quantized_unpruned),
        cmocka_unit_test(test_corrupt_and_unsupported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
