/* Unit tests: the wirewatch linear model — features, training, the model file, and
 * loading errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "../../workers/classify/model_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/model.h"

/* ---- a deterministic synthetic corpus ---- */

static uint64_t rs;
static uint32_t rnd(void) {
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rs >> 33);
}

static const char *TOPIC[] = {"sport", "money", "science"};
static const char *WORDS[3][8] = {
    {"goal", "match", "striker", "league", "coach", "Stadium", "penalty", "Cup"},
    {"bank", "rates", "Shares", "profit", "market", "dollar", "inflation", "bond"},
    {"atom", "genome", "Telescope", "physics", "Cell", "quantum", "lab", "orbit"}};
static const char *COMMON[] = {"the", "a", "of", "and", "Über", "naïve", "日本", "to"};

typedef struct corpus {
    ww_train_doc *docs;
    char **texts;
    const char **labels; /* 2 per doc */
    size_t n;
} corpus;

/* multi: some documents get two topics. */
static void make_corpus(corpus *c, size_t n, uint64_t seed, int multi) {
    rs = seed;
    c->n = n;
    c->docs = calloc(n, sizeof *c->docs);
    c->texts = calloc(n, sizeof *c->texts);
    c->labels = calloc(2 * n, sizeof *c->labels);
    for (size_t i = 0; i < n; i++) {
        int t1 = (int)(rnd() % 3),
            t2 = multi && rnd() % 3 == 0 ? (t1 + 1 + (int)(rnd() % 2)) % 3 : -1;
        char *s = malloc(2048);
        size_t len = 0;
        int nw = 8 + (int)(rnd() % 30);
        for (int w = 0; w < nw; w++) {
            const char *word;
            uint32_t p = rnd() % 10;
            if (p < 4)
                word = COMMON[rnd() % 8];
            else if (p < 9)
                word = WORDS[t2 >= 0 && rnd() % 2 ? t2 : t1][rnd() % 8];
            else
                word = WORDS[rnd() % 3][rnd() % 8];
            len += (size_t)snprintf(s + len, 2048 - len, "%s%s", w ? " " : "", word);
        }
        c->texts[i] = s;
        c->labels[2 * i] = TOPIC[t1];
        c->labels[2 * i + 1] = t2 >= 0 ? TOPIC[t2] : NULL;
        c->docs[i].text = s;
        c->docs[i].len = len;
        c->docs[i].labels = &c->labels[2 * i];
        c->docs[i].nlabels = t2 >= 0 ? 2 : 1;
    }
}

static void free_corpus(corpus *c) {
    for (size_t i = 0; i < c->n; i++)
        free(c->texts[i]);
    free(c->texts);
    free(c->docs);
    free(c->labels);
}

/* ---- features ---- */

/* Distinct feature keys of s, sorted, into b (b->n of them); the total count. */
typedef struct keys {
    uint32_t v[256];
    size_t n;
    uint32_t total;
} keys;

static int cmp_key(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void keys_of(const char *s, int ngrams, keys *k) {
    ww__feat_opts o = {ngrams, 0, 0};
    ww__featctx c = {0};
    assert_int_equal(ww__features(&c, s, strlen(s), &o), 0);
    assert_true(c.nout <= 256);
    k->n = c.nout;
    k->total = 0;
    for (size_t i = 0; i < c.nout; i++) {
        k->v[i] = c.out[i].key;
        k->total += c.out[i].n;
    }
    qsort(k->v, k->n, sizeof *k->v, cmp_key);
    ww__featctx_free(&c);
}

static void test_features_casefold_and_split(void **state) {
    (void)state;
    keys a, b;
    keys_of("STRASSE Naïve", 1, &a);
    keys_of("straße, NAÏVE!", 1, &b); /* ß folds to ss; punctuation separates */
    assert_int_equal(a.n, 2);
    assert_int_equal(b.n, 2);
    assert_memory_equal(a.v, b.v, 2 * sizeof *a.v);
    keys_of("ｆｕｌｌ ﬁnance", 1, &a); /* NFKC: full-width letters, the fi ligature */
    keys_of("full finance", 1, &b);
    assert_int_equal(a.n, 2);
    assert_memory_equal(a.v, b.v, 2 * sizeof *a.v);
    keys_of("U.S. 2024-01 it's", 1, &a); /* letters and digits are words, the rest
                                           * splits; single ASCII characters go */
    assert_int_equal(a.n, 3);
    keys_of("日 x", 1, &a); /* a lone non-ASCII character stays */
    assert_int_equal(a.n, 1);
    keys_of("aa bb a cc", 2, &a); /* 3 unigrams + 2 bigrams, "a" dropped before */
    assert_int_equal(a.n, 5);
    keys_of("aa bb cc", 3, &a); /* + 1 trigram */
    assert_int_equal(a.n, 6);
    keys_of("aa bb aa bb", 2, &a); /* distinct keys with their counts */
    assert_int_equal(a.n, 4);
    assert_int_equal(a.total, 7);
    keys_of("\xff\xfe bad \xc3", 1, &a); /* invalid UTF-8 bytes are separators */
    assert_int_equal(a.n, 1);
    keys_of("", 2, &a);
    assert_int_equal(a.n, 0);
    /* char n-grams of "<abcd>": 6 code points -> 4 trigrams + 3 4-grams */
    ww__feat_opts co = {1, 3, 4};
    uint32_t g[WW__CHAR_MAX];
    assert_int_equal(ww__char_grams("abcd", 4, &co, g), 4 + 3);
    /* of "<日本>": 4 code points -> 2 bigrams + 1 trigram; "<" or ">" alone never */
    ww__feat_opts cj = {1, 1, 3};
    assert_int_equal(ww__char_grams("日本", 6, &cj, g), 2 + 3 + 2);
    ww__feat_opts off = {1, 0, 0};
    assert_int_equal(ww__char_grams("abcd", 4, &off, g), 0);
    /* a long word: only its first WW__CHAR_KEEP bytes, cut on a code point */
    char longw[400];
    for (size_t i = 0; i < 399; i += 2)
        memcpy(longw + i, "\xc3\xa4", 2); /* ä */
    longw[398] = 0;
    assert_int_equal(ww__char_grams(longw, 398, &co, g), (64 + 2 - 2) + (64 + 2 - 3));
}

/* ---- training and prediction ---- */

static double accuracy(const ww_model *m, const corpus *test) {
    size_t ok = 0;
    for (size_t i = 0; i < test->n; i++) {
        ww_prediction p[3];
        int n = ww_model_predict_labels(m, test->docs[i].text, test->docs[i].len, p, 3);
        assert_true(n >= 1);
        ok += strcmp(p[0].label, test->docs[i].labels[0]) == 0 ||
              (test->docs[i].nlabels > 1 &&
               strcmp(p[0].label, test->docs[i].labels[1]) == 0);
    }
    return (double)ok / (double)test->n;
}

static void test_train_multiclass(void **state) {
    (void)state;
    corpus tr, te;
    make_corpus(&tr, 300, 11, 0);
    make_corpus(&te, 200, 12, 0);
    ww_train_opts o;
    ww_train_opts_init(&o);
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256];
    assert_int_equal(ww_model_train_mem(tr.docs, tr.n, &o, &buf, &len, err, sizeof err),
                     0);
    ww_model *m = ww_model_load_mem(buf, len, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(ww_model_nlabels(m), 3);
    assert_int_equal(ww_model_multilabel(m), 0);
    assert_string_equal(ww_model_label(m, 0), "money"); /* labels sorted */
    assert_null(ww_model_label(m, 3));
    assert_true(strncmp(ww_model_version(m), "wwlinear-3-", 11) == 0);
    double acc = accuracy(m, &te);
    assert_true(acc >= 0.95);
    /* scores: softmax, best first, sum to 1 */
    ww_prediction p[3];
    int n = ww_model_predict(m, te.docs[0].text, te.docs[0].len, p, 3, 0.f);
    assert_int_equal(n, 3);
    assert_true(p[0].score >= p[1].score && p[1].score >= p[2].score);
    assert_float_equal(p[0].score + p[1].score + p[2].score, 1.0, 1e-4);
    /* threshold and max_out */
    assert_int_equal(ww_model_predict(m, te.docs[0].text, te.docs[0].len, p, 1, 0.f), 1);
    assert_int_equal(ww_model_predict(m, te.docs[0].text, te.docs[0].len, p, 3, 1.5f), 0);
    assert_int_equal(ww_model_predict(m, "", 0, p, 3, 0.f),
                     3); /* empty text: bias only */
    assert_int_equal(ww_model_predict(m, NULL, 5, p, 3, 0.f), WW_EINVAL);
    assert_int_equal(ww_model_predict(NULL, "x", 1, p, 3, 0.f), WW_EINVAL);
    ww_model_free(m);
    free(buf);
    free_corpus(&tr);
    free_corpus(&te);
}

static void test_train_multilabel(void **state) {
    (void)state;
    corpus tr, te;
    make_corpus(&tr, 400, 21, 1);
    make_corpus(&te, 200, 22, 1);
    ww_train_opts o;
    ww_train_opts_init(&o);
    o.multilabel = 1;
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256];
    assert_int_equal(ww_model_train_mem(tr.docs, tr.n, &o, &buf, &len, err, sizeof err),
                     0);
    ww_model *m = ww_model_load_mem(buf, len, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(ww_model_multilabel(m), 1);
    /* micro-F1 of the decided label sets */
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < te.n; i++) {
        ww_prediction p[3];
        int n = ww_model_predict_labels(m, te.docs[i].text, te.docs[i].len, p, 3);
        assert_true(n >= 1 && n <= 3);
        for (int k = 0; k < n; k++) {
            int hit = 0;
            for (int g = 0; g < te.docs[i].nlabels; g++)
                hit |= strcmp(p[k].label, te.docs[i].labels[g]) == 0;
            tp += hit;
            fp += !hit;
        }
        fn += (size_t)te.docs[i].nlabels;
    }
    fn -= tp;
    double f1 = 2.0 * (double)tp / (double)(2 * tp + fp + fn);
    print_message("multi-label synthetic micro-F1 %.3f\n", f1);
    assert_true(f1 >= 0.85);
    /* the best k alone (scored without the labels that cannot be among them) are the
     * first k of the full list, scores and order; confidence in [0, 1], in the
     * order of the scores */
    int nl = ww_model_nlabels(m);
    assert_true(nl > 2 && nl <= 16);
    for (size_t i = 0; i < te.n; i++) {
        ww_prediction all[16], few[16];
        assert_int_equal(
            ww_model_predict(m, te.docs[i].text, te.docs[i].len, all, nl, 0.f), nl);
        for (int k = 1; k < nl; k++) {
            assert_int_equal(
                ww_model_predict(m, te.docs[i].text, te.docs[i].len, few, k, 0.f), k);
            for (int j = 0; j < k; j++) {
                assert_string_equal(few[j].label, all[j].label);
                assert_true(few[j].score == all[j].score);
            }
        }
        for (int j = 0; j < nl; j++) {
            assert_true(all[j].confidence >= 0 && all[j].confidence <= 1);
            assert_true(j == 0 || all[j].confidence <= all[j - 1].confidence);
        }
    }
    ww_model_free(m);
    free(buf);
    free_corpus(&tr);
    free_corpus(&te);
}

static void test_deterministic(void **state) {
    (void)state;
    corpus tr;
    make_corpus(&tr, 120, 31, 1);
    ww_train_opts o;
    ww_train_opts_init(&o);
    o.seed = 42;
    o.char_minn = 3;
    o.char_maxn = 5;
    uint8_t *a = NULL, *b = NULL, *c = NULL;
    size_t la, lb, lc;
    char err[256];
    assert_int_equal(ww_model_train_mem(tr.docs, tr.n, &o, &a, &la, err, sizeof err), 0);
    assert_int_equal(ww_model_train_mem(tr.docs, tr.n, &o, &b, &lb, err, sizeof err), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    o.seed = 43;
    assert_int_equal(ww_model_train_mem(tr.docs, tr.n, &o, &c, &lc, err, sizeof err), 0);
    ww_model *m = ww_model_load_mem(c, lc, err, sizeof err);
    assert_non_null(m);
    ww_model_free(m);
    free(a);
    free(b);
    free(c);
    free_corpus(&tr);
}

static void test_bad_training_input(void **state) {
    (void)state;
    char err[256] = "";
    uint8_t *buf = NULL;
    size_t len;
    assert_int_equal(ww_model_train_mem(NULL, 0, NULL, &buf, &len, err, sizeof err),
                     WW_EINVAL);
    assert_non_null(strstr(err, "no training documents"));
    const char *one[] = {"a"};
    ww_train_doc d[2] = {{"x y", 3, one, 1}, {"z", 1, one, 1}};
    assert_int_equal(ww_model_train_mem(d, 2, NULL, &buf, &len, err, sizeof err),
                     WW_EINVAL);
    assert_non_null(strstr(err, "at least 2 distinct labels"));
    ww_train_opts o;
    ww_train_opts_init(&o);
    o.word_ngrams = 7;
    assert_int_equal(ww_model_train_mem(d, 2, &o, &buf, &len, err, sizeof err),
                     WW_EINVAL);
}

/* ---- other languages: Chinese and German, char n-grams ---- */

static const char *ML_TRAIN[][2] = {
    {"sport", "国家足球队在决赛中以二比一战胜对手，球迷在体育场欢呼。"},
    {"sport", "这名前锋本赛季已经打进二十个进球，教练对他的表现非常满意。"},
    {"sport", "联赛第三轮比赛中，主队守门员扑出点球，帮助球队保住胜利。"},
    {"sport", "篮球运动员在奥运会上获得金牌，创造了新的纪录。"},
    {"sport", "网球公开赛女子单打决赛将于周日举行，两名选手都曾夺冠。"},
    {"sport", "马拉松比赛吸引了三万名跑者参加，冠军来自肯尼亚。"},
    {"economy", "中央银行宣布加息，以应对持续上涨的通货膨胀。"},
    {"economy", "股市今天大幅下跌，银行股和科技股领跌。"},
    {"economy", "这家公司第三季度利润增长百分之十五，营业收入创新高。"},
    {"economy", "政府公布的数据显示，失业率下降，经济增长速度加快。"},
    {"economy", "人民币兑美元汇率走弱，出口企业面临新的压力。"},
    {"economy", "投资者担心债券市场波动，纷纷转向黄金。"},
    {"sport", "Die Nationalmannschaft gewann das Finale, die Fans jubelten im Stadion."},
    {"sport", "Der Stürmer hat in dieser Saison zwanzig Tore geschossen, der Trainer ist "
              "zufrieden."},
    {"sport", "Im dritten Spiel der Bundesliga hielt der Torwart einen Elfmeter."},
    {"sport", "Die Basketballspielerin gewann bei den Olympischen Spielen Gold."},
    {"sport", "Das Tennisturnier endet am Sonntag mit dem Finale der Damen."},
    {"sport",
     "Beim Marathon liefen dreißigtausend Läufer mit, der Sieger kommt aus Kenia."},
    {"economy", "Die Zentralbank erhöht die Leitzinsen wegen der hohen Inflation."},
    {"economy",
     "Die Aktienkurse fielen heute deutlich, Bankaktien führten die Verluste an."},
    {"economy", "Das Unternehmen steigerte seinen Quartalsgewinn um fünfzehn Prozent."},
    {"economy",
     "Die Arbeitslosenquote sank, das Wirtschaftswachstum beschleunigte sich."},
    {"economy", "Der Euro verlor gegenüber dem Dollar, Exporteure spüren den Druck."},
    {"economy", "Anleger flüchten aus dem Anleihenmarkt in Gold und Zinspapiere."},
};

/* Held out: most of their words never occur whole in the training sentences
 * (German compounds, Chinese runs), so only char n-grams can carry them. */
static const char *ML_TEST[][2] = {
    {"sport", "球队的新教练希望在下个赛季赢得联赛冠军。"},
    {"economy", "央行行长表示，通货膨胀压力仍然很大，利率可能继续上升。"},
    {"sport", "Nationaltrainer lobt Torschützen nach Bundesligaspiel"},
    {"economy", "Zinserhöhung der Zentralbank drückt Bankgewinne und Aktienkurse"},
};

static void test_multilingual_char_ngrams(void **state) {
    (void)state;
    size_t n = sizeof ML_TRAIN / sizeof *ML_TRAIN;
    ww_train_doc d[sizeof ML_TRAIN / sizeof *ML_TRAIN];
    for (size_t i = 0; i < n; i++) {
        d[i].text = ML_TRAIN[i][1];
        d[i].len = strlen(ML_TRAIN[i][1]);
        d[i].labels = &ML_TRAIN[i][0];
        d[i].nlabels = 1;
    }
    ww_train_opts o;
    ww_train_opts_init(&o);
    o.char_minn = 2;
    o.char_maxn = 4;
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256];
    assert_int_equal(ww_model_train_mem(d, n, &o, &buf, &len, err, sizeof err), 0);
    ww_model *m = ww_model_load_mem(buf, len, err, sizeof err);
    assert_non_null(m);
    assert_true(m->lin->nwords > 0); /* the known words' rows are in the file */
    for (size_t i = 0; i < sizeof ML_TEST / sizeof *ML_TEST; i++) {
        ww_prediction p[2];
        const char *t = ML_TEST[i][1];
        assert_int_equal(ww_model_predict_labels(m, t, strlen(t), p, 2), 1);
        print_message("%-8s %.3f  %s\n", p[0].label, (double)p[0].score, t);
        assert_string_equal(p[0].label, ML_TEST[i][0]);
    }
    /* A known word's stored row gives the margins that composing it from its
     * n-grams (the path of an unknown word) gives, up to the 8-bit rounding. */
    ww__linear *lin = m->lin;
    ww__index keep = lin->widx;
    /* 16 home slots (shift 28), the empty one ending a probe, and the ones a probe
     * reads past it (model_internal.h) */
    ww__slot empty[17 + WW__INDEX_PAD];
    memset(empty, 0, sizeof empty);
    for (size_t i = 0; i < n; i++) {
        float a[2], b[2];
        const char *t = ML_TRAIN[i][1];
        assert_int_equal(ww__linear_margins(lin, 2, t, strlen(t), a), 0);
        lin->widx.slots = empty;
        lin->widx.shift = 28;
        assert_int_equal(ww__linear_margins(lin, 2, t, strlen(t), b), 0);
        lin->widx = keep;
        assert_float_equal(a[0], b[0], 0.02);
        assert_float_equal(a[1], b[1], 0.02);
    }
    /* and the same sentences with a word-only model: still a valid model */
    ww_model_free(m);
    free(buf);
    o.char_minn = o.char_maxn = 0;
    assert_int_equal(ww_model_train_mem(d, n, &o, &buf, &len, err, sizeof err), 0);
    m = ww_model_load_mem(buf, len, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(m->lin->nwords, 0);
    ww_model_free(m);
    free(buf);
}

/* ---- the file ---- */

static uint8_t *small_model(size_t *len) {
    corpus tr;
    make_corpus(&tr, 60, 41, 0);
    uint8_t *buf = NULL;
    char err[256];
    assert_int_equal(ww_model_train_mem(tr.docs, tr.n, NULL, &buf, len, err, sizeof err),
                     0);
    free_corpus(&tr);
    return buf;
}

static void fix_crc(uint8_t *b, size_t len) {
    uint32_t crc = (uint32_t)crc32(0L, b, (uInt)(len - 4));
    memcpy(b + len - 4, &crc, 4);
}

static void test_file_roundtrip(void **state) {
    (void)state;
    char dir[] = "/tmp/ww-model-test-XXXXXX", path[256], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.wwm", dir);
    corpus tr;
    make_corpus(&tr, 90, 51, 0);
    ww_train_opts o;
    ww_train_opts_init(&o);
    o.version = "news-topics-2026.11";
    assert_int_equal(ww_model_train(tr.docs, tr.n, &o, path, err, sizeof err), 0);
    ww_model *m = ww_model_load(path, err, sizeof err);
    assert_non_null(m);
    assert_string_equal(ww_model_version(m), "news-topics-2026.11");
    ww_prediction p[1];
    assert_int_equal(ww_model_predict_labels(m, "goal striker penalty", 20, p, 1), 1);
    assert_string_equal(p[0].label, "sport");
    ww_model_free(m);
    assert_int_equal(unlink(path), 0);
    assert_null(ww_model_load(path, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(rmdir(dir), 0);
    free_corpus(&tr);
}

/* ww_model_load_mapped (the file mapped, not read): the same model as ww_model_load,
 * and the same refusals of a corrupt, an empty and a missing file. */
static void write_file(const char *path, const uint8_t *b, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_file_mapped(void **state) {
    (void)state;
    char dir[] = "/tmp/ww-model-test-XXXXXX", path[256], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.wwm", dir);
    size_t len;
    uint8_t *good = small_model(&len);
    write_file(path, good, len);
    ww_model *a = ww_model_load(path, err, sizeof err),
             *b = ww_model_load_mapped(path, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    const char *text = "goal striker penalty minister election";
    ww_prediction pa[8], pb[8];
    int na = ww_model_predict(a, text, strlen(text), pa, 8, 0.f);
    assert_true(na > 0);
    assert_int_equal(ww_model_predict(b, text, strlen(text), pb, 8, 0.f), na);
    for (int i = 0; i < na; i++) {
        assert_string_equal(pa[i].label, pb[i].label);
        assert_memory_equal(&pa[i].score, &pb[i].score, sizeof pa[i].score);
        assert_memory_equal(&pa[i].confidence, &pb[i].confidence, sizeof pa[i].score);
    }
    ww_model_free(a);
    ww_model_free(b);
    good[len / 2] ^= 0x10; /* the checksum catches it */
    write_file(path, good, len);
    assert_null(ww_model_load_mapped(path, err, sizeof err));
    assert_non_null(strstr(err, "checksum"));
    write_file(path, good, 0); /* empty: not mappable, read and refused */
    assert_null(ww_model_load_mapped(path, err, sizeof err));
    assert_int_equal(unlink(path), 0);
    assert_null(ww_model_load_mapped(path, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(rmdir(dir), 0);
    free(good);
}

static void test_corrupt_files(void **state) {
    (void)state;
    size_t len;
    uint8_t *good = small_model(&len), *b = malloc(len);
    char err[256];
    /* every truncation is an error */
    for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 37)) {
        err[0] = 0;
        assert_null(ww_model_load_mem(good, cut, err, sizeof err));
        assert_true(err[0] != 0);
    }
    /* a flipped bit anywhere fails the checksum */
    for (size_t i = 16; i < len; i += 53) {
        memcpy(b, good, len);
        b[i] ^= 0x10;
        assert_null(ww_model_load_mem(b, len, err, sizeof err));
        assert_true(strstr(err, "checksum") || strstr(err, "truncated"));
    }
    /* a newer format version is named as such; formats 1 (features of an older
     * wirewatch) and 2 (no calibration) ask for the model to be trained again */
    memcpy(b, good, len);
    uint32_t v = WW__MODEL_FORMAT + 1;
    memcpy(b + 8, &v, 4);
    fix_crc(b, len);
    assert_null(ww_model_load_mem(b, len, err, sizeof err));
    assert_non_null(strstr(err, "format 4 is not supported"));
    v = 1;
    memcpy(b + 8, &v, 4);
    fix_crc(b, len);
    assert_null(ww_model_load_mem(b, len, err, sizeof err));
    assert_non_null(strstr(err, "format 1 was written by an older wirewatch"));
    assert_non_null(strstr(err, "wirewatch train"));
    /* format 2 (no confidence calibration) likewise */
    v = 2;
    memcpy(b + 8, &v, 4);
    fix_crc(b, len);
    assert_null(ww_model_load_mem(b, len, err, sizeof err));
    assert_non_null(strstr(err, "format 2 was written by an older wirewatch"));
    assert_non_null(strstr(err, "confidence"));
    assert_non_null(strstr(err, "wirewatch train"));
    /* consistent checksum but sizes that lie: nlabels huge */
    memcpy(b, good, len);
    uint32_t big = 0x7fffffff;
    memcpy(b + 32, &big, 4);
    fix_crc(b, len);
    assert_null(ww_model_load_mem(b, len, err, sizeof err));
    /* not a model at all */
    assert_null(ww_model_load_mem("hello world, not a model", 24, err, sizeof err));
    assert_non_null(strstr(err, "not a model file"));
    assert_null(ww_model_load_mem(NULL, 0, err, sizeof err));
    ww_model_free(NULL);
    free(b);
    free(good);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features_casefold_and_split),
        cmocka_unit_test(test_train_multiclass),
        cmocka_unit_test(test_train_multilabel),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_bad_training_input),
        cmocka_unit_test(test_multilingual_char_ngrams),
        cmocka_unit_test(test_file_roundtrip),
        cmocka_unit_test(test_file_mapped),
        cmocka_unit_test(test_corrupt_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
