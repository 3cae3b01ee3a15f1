/* Document -> Classified: the seed-like story gets its labels with evidence and its
 * entities; scoring rules (roll-up, exclusions, title weight, repeats, thresholds),
 * watch-lists and routing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "encoders_agree.h"
#include "wirewatch/classify.h"
#include "wirewatch/config.h"
#include "wirewatch/message.h"
#include "wirewatch/stage.h"

/* Our own paraphrase of a story like the seed fixture (not its text). */
static const char *STORY_TITLE = "Beijing says foreign groups stole nature data";
static const char *STORY =
    "China's Ministry of State Security said on Tuesday that overseas NGOs and "
    "foundations had been caught stealing environmental data from protected areas.\n\n"
    "In one case, a visiting professor gathered samples in a national wetland reserve "
    "without permission, the spy agency said in a post on its social media account. "
    "In another, a foreign NGO paid rangers at a nature reserve to copy sensitive "
    "data from weather stations and infrared cameras.\n\n"
    "The ministry said such espionage threatens national security and the country's "
    "ecological security, and urged citizens to report suspicious activity.\n\n"
    "Relations between the USA and China have grown tense as both sides accuse each "
    "other of spying. The anti-espionage law was widened last year.";

static ww_classifier *dflt(void) {
    char err[256];
    ww_classify_opts o = {0};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

/* Every label that reaches its topic's threshold: what the rules find, before the
 * emission policy (classify.min_confidence, classify.max_labels) picks some. */
static ww_classifier *all_labels(void) {
    char err[256];
    ww_classify_opts o = {.min_confidence = -1, .max_labels = 1000};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

static Wirewatch__V1__Classified *run(ww_classifier *c, const char *title,
                                      const char *text, int *alert) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.id = (char *)"doc-1";
    d.url = (char *)"file:///tmp/x.txt";
    d.title = (char *)title;
    d.text = (char *)text;
    d.language = (char *)"en";
    Wirewatch__V1__Classified *out = NULL;
    int a;
    assert_int_equal(ww_classify_document(c, &d, &out, alert ? alert : &a), 0);
    return out;
}

static const Wirewatch__V1__Label *label(const Wirewatch__V1__Classified *o,
                                         const char *code) {
    for (size_t i = 0; i < o->n_labels; i++)
        if (strcmp(o->labels[i]->code, code) == 0)
            return o->labels[i];
    return NULL;
}

static void check_evidence(const Wirewatch__V1__Label *l, const char *text) {
    assert_true(l->n_evidence > 0);
    for (size_t i = 0; i < l->n_evidence; i++) {
        const Wirewatch__V1__Span *s = l->evidence[i];
        assert_true(s->end > s->start && s->end <= strlen(text));
        assert_memory_equal(s->text, text + s->start, s->end - s->start);
        if (i)
            assert_true(s->start >= l->evidence[i - 1]->start); /* text order */
    }
}

static int is_top(const char *code) {
    return strlen(code) == 15 && strncmp(code, "medtop:", 7) == 0 &&
           strcmp(code + 9, "000000") == 0;
}

/* The label order of the contract (docs/messages.md), checked against the embedded
 * taxonomy: labels grouped by top-level topic (each group contiguous, the groups'
 * emitted top-level labels by falling score), the most specific first in a group;
 * every confidence in [default minimum, 1], every evidence span in the text. */
static void check_order(const Wirewatch__V1__Classified *o) {
    char err[256];
    ww_taxonomy *t = ww_taxonomy_parse((const char *)ww__data_iptc, ww__data_iptc_len,
                                       err, sizeof err);
    assert_non_null(t);
    int prev_top = -2, prev_depth = 0;
    double prev_top_score = 1e30;
    size_t ngroups = 0;
    int groups[64];
    for (size_t i = 0; i < o->n_labels; i++) {
        int k = ww_taxonomy_find(t, o->labels[i]->code), top = k, depth;
        assert_true(k >= 0);
        depth = t->topics[k].depth;
        while (t->topics[top].parent >= 0)
            top = t->topics[top].parent;
        if (top != prev_top) { /* a new group: never one seen before */
            for (size_t g = 0; g < ngroups; g++)
                assert_true(groups[g] != top);
            groups[ngroups++] = top;
            prev_depth = depth;
        }
        assert_true(depth <= prev_depth);
        prev_top = top;
        prev_depth = depth;
        if (is_top(o->labels[i]->code)) {
            assert_true(o->labels[i]->score <= prev_top_score);
            prev_top_score = o->labels[i]->score;
        }
        assert_true(o->labels[i]->confidence >= WW_CLASSIFY_MIN_CONFIDENCE &&
                    o->labels[i]->confidence <= 1.0f);
        assert_true(o->labels[i]->n_evidence > 0);
        assert_int_equal(o->labels[i]->evidence[0]->field,
                         WIREWATCH__V1__SPAN__FIELD__FIELD_TEXT);
    }
    ww_taxonomy_free(t);
}

static void test_seed_like_story(void **state) {
    (void)state;
    ww_classifier *c = all_labels();
    Wirewatch__V1__Classified *o = run(c, STORY_TITLE, STORY, NULL);
    assert_string_equal(o->id, "doc-1");
    assert_string_equal(o->text, STORY);
    assert_string_equal(o->taxonomy_version, "iptc-mediatopic:2023-10-24");
    const char *need[] = {"medtop:20000605", /* espionage and intelligence */
                          "medtop:20000604", /* national security */
                          "medtop:20000646", /* non-governmental organisation */
                          "medtop:06000000", /* environment */
                          "medtop:11000000"};
    for (int i = 0; i < 5; i++) {
        const Wirewatch__V1__Label *l = label(o, need[i]);
        if (!l)
            fail_msg("label %s missing", need[i]);
        assert_string_equal(l->taxonomy, "iptc-mediatopic");
        assert_string_equal(l->taxonomy_version, "2023-10-24");
        assert_string_equal(l->source, "rules");
        check_evidence(l, STORY);
    }
    /* an environment topic below medtop:06000000: conservation or nature */
    const Wirewatch__V1__Label *env = label(o, "medtop:20000420");
    if (!env)
        env = label(o, "medtop:20000441");
    assert_non_null(env);
    check_evidence(env, STORY);
    /* espionage evidence points at the words that justify it */
    const Wirewatch__V1__Label *esp = label(o, "medtop:20000605");
    int saw = 0;
    for (size_t i = 0; i < esp->n_evidence; i++)
        saw |= strcmp(esp->evidence[i]->text, "espionage") == 0;
    assert_true(saw);
    /* a parent scores at least its children (roll-up) */
    assert_true(label(o, "medtop:11000000")->score >= esp->score);
    /* entities */
    int cn = 0, us = 0, mss = 0;
    for (size_t i = 0; i < o->n_entities; i++) {
        cn |= strcmp(o->entities[i]->id, "iso3166:CN") == 0;
        us |= strcmp(o->entities[i]->id, "iso3166:US") == 0;
        mss |= strcmp(o->entities[i]->id, "org:cn-mss") == 0;
    }
    assert_true(cn && us && mss);
    ww_classified_free(o);
    ww_classifier_free(c);

    /* the default emission: a short list, the confident labels only, in the order of
     * the contract, still naming the espionage and the environment side of the story */
    c = dflt();
    o = run(c, STORY_TITLE, STORY, NULL);
    assert_true(o->n_labels >= 4 && o->n_labels <= WW_CLASSIFY_MAX_LABELS);
    check_order(o);
    assert_non_null(label(o, "medtop:20000605"));
    assert_non_null(label(o, "medtop:20000604"));
    assert_non_null(label(o, "medtop:20000420")); /* conservation, under environment */
    assert_string_equal(o->labels[0]->code, "medtop:20000604"); /* the most specific */
    ww_classified_free(o);
    ww_classifier_free(c);
}

static void test_unrelated_story(void **state) {
    (void)state;
    ww_classifier *c = dflt();
    Wirewatch__V1__Classified *o =
        run(c, "Striker scores twice as United win the cup final",
            "The striker scored twice in the second half and the goalkeeper saved a "
            "penalty as United beat City 2-1 in the cup final at Wembley. The manager "
            "praised his squad after the match.",
            NULL);
    assert_true(o->n_labels > 0);
    /* the sport group comes first: its most specific label, then up to sport itself */
    size_t k = 0;
    while (k < o->n_labels && !is_top(o->labels[k]->code))
        k++;
    assert_true(k < o->n_labels);
    assert_string_equal(o->labels[k]->code, "medtop:15000000");
    check_order(o);
    assert_null(label(o, "medtop:20000605"));
    ww_classified_free(o);
    /* nothing to say about an empty document */
    o = run(c, "", "", NULL);
    assert_int_equal(o->n_labels, 0);
    assert_int_equal(o->n_entities, 0);
    ww_classified_free(o);
    ww_classifier_free(c);
}

static const char *TAX =
    "{\"name\":\"t\",\"version\":\"7\",\"threshold\":1.0,\"title_weight\":3,"
    "\"topics\":["
    "{\"code\":\"root\",\"name\":\"Root\"},"
    "{\"code\":\"mid\",\"name\":\"Mid\",\"parent\":\"root\"},"
    "{\"code\":\"leaf\",\"name\":\"Leaf\",\"parent\":\"mid\",\"terms\":["
    "{\"text\":\"falcon\",\"weight\":2}]},"
    "{\"code\":\"veto\",\"name\":\"Veto\",\"terms\":[\"jaguar\"],\"exclude\":[\"jaguar car\"]},"
    "{\"code\":\"hi\",\"name\":\"High\",\"threshold\":10,\"terms\":[\"heron\"]},"
    "{\"code\":\"cs\",\"name\":\"Case\",\"terms\":[{\"text\":\"IT\",\"case\":\"sensitive\"}]}],"
    "\"routes\":[{\"label\":\"leaf\",\"min_score\":1.5}]}";

static ww_classifier *custom(void) {
    char err[256];
    ww_classify_opts o = {.taxonomy_json = TAX, .taxonomy_json_len = strlen(TAX)};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

static void test_rollup_and_scoring(void **state) {
    (void)state;
    ww_classifier *c = custom();
    int alert = 0;
    Wirewatch__V1__Classified *o = run(c, "", "A falcon flew.", &alert);
    const Wirewatch__V1__Label *leaf = label(o, "leaf"), *mid = label(o, "mid"),
                               *root = label(o, "root");
    assert_non_null(leaf);
    assert_non_null(mid);
    assert_non_null(root);
    assert_true(leaf->score == 2.0f);
    assert_true(mid->score == leaf->score && root->score == leaf->score);
    assert_string_equal(root->evidence[0]->text, "falcon"); /* child evidence rolls up */
    assert_int_equal(alert, 1);                             /* route: leaf >= 1.5 */
    assert_string_equal(o->taxonomy_version, "t:7");
    ww_classified_free(o);

    /* repeats count, with diminishing returns: 2 * (1 + ln 3) */
    o = run(c, "", "falcon falcon falcon", &alert);
    float three = label(o, "leaf")->score;
    assert_true(three > 4.0f && three < 6.0f);
    ww_classified_free(o);

    /* a title hit weighs title_weight text hits; found only in the title, the label's
     * evidence is the title span (field TITLE, offsets into the title), for the topic
     * and the topics it rolls up into */
    o = run(c, "A Falcon", "nothing here", &alert);
    float t = label(o, "leaf")->score;
    assert_true(t > 2.0f * 2.0f && t < 2.0f * 3.0f); /* 2 * (1 + ln 3) */
    const char *tops[] = {"leaf", "mid", "root"};
    for (int i = 0; i < 3; i++) {
        const Wirewatch__V1__Label *l = label(o, tops[i]);
        assert_int_equal(l->n_evidence, 1);
        assert_int_equal(l->evidence[0]->field, WIREWATCH__V1__SPAN__FIELD__FIELD_TITLE);
        assert_int_equal(l->evidence[0]->start, 2);
        assert_int_equal(l->evidence[0]->end, 8);
        assert_string_equal(l->evidence[0]->text, "Falcon");
        assert_true(l->confidence == 1.0f); /* no calibration in this taxonomy */
    }
    ww_classified_free(o);
    /* with a text hit too, the evidence stays in the text */
    o = run(c, "A Falcon", "a falcon", &alert);
    assert_int_equal(label(o, "leaf")->n_evidence, 1);
    assert_int_equal(label(o, "leaf")->evidence[0]->field,
                     WIREWATCH__V1__SPAN__FIELD__FIELD_TEXT);
    assert_int_equal(label(o, "leaf")->evidence[0]->start, 2);
    ww_classified_free(o);

    /* per-topic threshold */
    o = run(c, "", "heron heron", &alert);
    assert_null(label(o, "hi"));
    assert_int_equal(alert, 0);
    ww_classified_free(o);
    ww_classifier_free(c);
}

/* A top-level topic adds the Euclidean norm of its children's scores; a deeper topic
 * their sum (classify_score.c, roll_up). */
static void test_top_level_norm(void **state) {
    (void)state;
    static const char *tax =
        "{\"name\":\"n\",\"version\":\"1\",\"threshold\":1.0,\"topics\":["
        "{\"code\":\"r\",\"name\":\"R\"},"
        "{\"code\":\"a\",\"name\":\"A\",\"parent\":\"r\",\"terms\":[{\"text\":\"owl\",\"weight\":3}]},"
        "{\"code\":\"b\",\"name\":\"B\",\"parent\":\"r\",\"terms\":[{\"text\":\"wren\",\"weight\":4}]},"
        "{\"code\":\"m\",\"name\":\"M\",\"parent\":\"r\"},"
        "{\"code\":\"x\",\"name\":\"X\",\"parent\":\"m\",\"terms\":[{\"text\":\"lark\",\"weight\":3}]},"
        "{\"code\":\"y\",\"name\":\"Y\",\"parent\":\"m\",\"terms\":[{\"text\":\"kite\",\"weight\":4}]}]}";
    char err[256];
    ww_classify_opts opt = {.taxonomy_json = tax, .taxonomy_json_len = strlen(tax)};
    ww_classifier *c = ww_classifier_new(&opt, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    int alert = 0;
    Wirewatch__V1__Classified *o = run(c, "", "An owl and a wren.", &alert);
    assert_float_equal(label(o, "r")->score, 5.0, 1e-5); /* sqrt(3^2 + 4^2), not 7 */
    ww_classified_free(o);
    o = run(c, "", "A lark and a kite.", &alert);
    assert_float_equal(label(o, "m")->score, 7.0, 1e-5); /* below the top: the sum */
    assert_float_equal(label(o, "r")->score, 7.0, 1e-5); /* one branch counts fully */
    ww_classified_free(o);
    ww_classifier_free(c);
}

static void test_exclusion_and_case(void **state) {
    (void)state;
    ww_classifier *c = custom();
    Wirewatch__V1__Classified *o = run(c, "", "A jaguar in the forest.", NULL);
    assert_non_null(label(o, "veto"));
    ww_classified_free(o);
    o = run(c, "", "A jaguar in the forest and a Jaguar car on the road.", NULL);
    assert_null(label(o, "veto"));
    ww_classified_free(o);
    o = run(c, "", "it is what it is", NULL);
    assert_null(label(o, "cs"));
    ww_classified_free(o);
    o = run(c, "", "The IT department", NULL);
    assert_non_null(label(o, "cs"));
    ww_classified_free(o);
    ww_classifier_free(c);
}

static void test_long_document_normalised(void **state) {
    (void)state;
    ww_classifier *c = custom();
    /* the same single mention in a much longer text scores less */
    size_t n = 20000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i += 5)
        memcpy(big + i, "word ", 5);
    memcpy(big, "falcon", 6);
    big[n] = 0;
    Wirewatch__V1__Classified *o = run(c, "", big, NULL);
    const Wirewatch__V1__Label *l = label(o, "leaf");
    assert_true(l == NULL || l->score < 2.0f);
    ww_classified_free(o);
    free(big);
    ww_classifier_free(c);
}

static void test_watchlist_and_routes(void **state) {
    (void)state;
    char err[256];
    char path[] = "/tmp/ww_test_wlXXXXXX";
    int fd = mkstemp(path);
    const char *wl =
        "{\"name\":\"watch\",\"version\":\"2\",\"threshold\":1,\"topics\":["
        "{\"code\":\"w:mss\",\"name\":\"MSS\",\"terms\":[\"state security\"]}]}";
    assert_int_equal(write(fd, wl, strlen(wl)), (ssize_t)strlen(wl));
    close(fd);
    const char *wls[] = {path};
    ww_route routes[] = {
        {.label = (char *)"w:mss", .min_score = 0.5, .output = (char *)"alerts"}};
    ww_classify_opts o = {
        .watchlists = wls, .nwatchlists = 1, .routes = routes, .nroutes = 1};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    assert_string_equal(ww_classifier_taxonomy_version(c),
                        "iptc-mediatopic:2023-10-24,watch:2");
    int alert = 0;
    Wirewatch__V1__Classified *out = run(c, STORY_TITLE, STORY, &alert);
    const Wirewatch__V1__Label *l = label(out, "w:mss");
    assert_non_null(l);
    assert_string_equal(l->taxonomy, "watch");
    assert_string_equal(l->taxonomy_version, "2");
    assert_int_equal(alert, 1);
    assert_non_null(
        label(out, "medtop:20000605")); /* the default still works beside it */
    assert_true(l->confidence == 1.0f); /* an uncalibrated watch-list */
    ww_classified_free(out);
    out = run(c, "", "Nothing of interest.", &alert);
    assert_int_equal(alert, 0);
    ww_classified_free(out);
    ww_classifier_free(c);

    /* a route on confidence: espionage is emitted for the story with a confidence
     * below 0.99 and above 0.5, so only the lower bar routes it */
    ww_route conf[] = {{.label = (char *)"medtop:20000605",
                        .min_confidence = 0.99,
                        .output = (char *)"alerts"}};
    ww_classify_opts oc = {.routes = conf, .nroutes = 1};
    for (int pass = 0; pass < 2; pass++) {
        conf[0].min_confidence = pass ? 0.5 : 0.99;
        assert_non_null(c = ww_classifier_new(&oc, err, sizeof err));
        out = run(c, STORY_TITLE, STORY, &alert);
        l = label(out, "medtop:20000605");
        assert_non_null(l);
        assert_true(l->confidence > 0.5f && l->confidence < 0.99f);
        assert_int_equal(alert, pass);
        ww_classified_free(out);
        ww_classifier_free(c);
    }

    /* a route to a label no taxonomy has is a configuration error */
    ww_route bad[] = {{.label = (char *)"nope", .output = (char *)"alerts"}};
    ww_classify_opts ob = {.routes = bad, .nroutes = 1};
    assert_null(ww_classifier_new(&ob, err, sizeof err));
    assert_non_null(strstr(err, "nope"));
    /* a broken watch-list names its file */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "{\"name\":1}", 10), 10);
    close(fd);
    o.nroutes = 0;
    assert_null(ww_classifier_new(&o, err, sizeof err));
    assert_non_null(strstr(err, path));
    unlink(path);
}

/* Nested terms are dropped per taxonomy: the default rules alone take drop_nested's
 * path for one taxonomy (classify_score.c), beside a watch-list the general one.  A
 * watch-list of words the default rules also have, nested in longer ones ("security"
 * in "national security"), changes none of the default rules' labels. */
static void test_nested_one_or_more_taxonomies(void **state) {
    (void)state;
    char err[256];
    char path[] = "/tmp/ww_test_nestXXXXXX";
    int fd = mkstemp(path);
    const char *wl = "{\"name\":\"w\",\"version\":\"1\",\"threshold\":1,\"topics\":["
                     "{\"code\":\"w:sec\",\"name\":\"Sec\",\"terms\":[\"security\","
                     "\"data\",\"foreign\",\"nature reserve\"]}]}";
    assert_int_equal(write(fd, wl, strlen(wl)), (ssize_t)strlen(wl));
    close(fd);
    const char *wls[] = {path};
    ww_classify_opts o = {
        .watchlists = wls, .nwatchlists = 1, .min_confidence = -1, .max_labels = 1000};
    ww_classifier *two = ww_classifier_new(&o, err, sizeof err), *one = all_labels();
    if (!two)
        fail_msg("%s", err);
    const char *texts[] = {
        STORY, "Artificial intelligence firms hired former intelligence officers. The "
               "artificial intelligence boom worries national security officials, and "
               "security firms say cyber security and data security come first."};
    for (int t = 0; t < 2; t++) {
        Wirewatch__V1__Classified *a = run(one, STORY_TITLE, texts[t], NULL),
                                  *b = run(two, STORY_TITLE, texts[t], NULL);
        assert_non_null(label(b, "w:sec"));
        assert_true(a->n_labels > 3);
        for (size_t i = 0; i < a->n_labels; i++) {
            const Wirewatch__V1__Label *x = a->labels[i], *y = label(b, x->code);
            assert_non_null(y);
            assert_true(x->score == y->score);
            assert_int_equal(x->n_evidence, y->n_evidence);
            for (size_t k = 0; k < x->n_evidence; k++) {
                assert_int_equal(x->evidence[k]->start, y->evidence[k]->start);
                assert_int_equal(x->evidence[k]->end, y->evidence[k]->end);
            }
        }
        ww_classified_free(a);
        ww_classified_free(b);
    }
    ww_classifier_free(one);
    ww_classifier_free(two);
    unlink(path);
}

/* The stage's reload builds a new classifier and swaps it in; a failed reload keeps
 * the old one and says why. */
static void test_stage_config_and_reload(void **state) {
    (void)state;
    char err[512];
    const ww_config_key *tables[] = {ww_classify_stage.config_keys, NULL};
    ww_config *cfg = ww_config_load(NULL, tables, err, sizeof err);
    if (!cfg)
        fail_msg("%s", err);
    void *ctx = ww_classify_stage.create(cfg, err, sizeof err);
    if (!ctx)
        fail_msg("%s", err);
    ww_config *bad = ww_config_load(NULL, tables, err, sizeof err);
    assert_int_equal(ww_config_set(bad, "classify.watchlists=[\"/nonexistent/w.json\"]",
                                   err, sizeof err),
                     0);
    assert_true(ww_classify_stage.reload(ctx, bad, err, sizeof err) < 0);
    assert_non_null(strstr(err, "/nonexistent/w.json"));
    assert_int_equal(ww_config_set(bad, "classify.watchlists=[]", err, sizeof err), 0);
    assert_int_equal(ww_config_set(bad,
                                   "classify.routes=[{\"label\":\"medtop:20000605\","
                                   "\"min_score\":2,\"color\":1}]",
                                   err, sizeof err),
                     0);
    assert_true(ww_classify_stage.reload(ctx, bad, err, sizeof err) < 0);
    assert_non_null(strstr(err, "color"));
    assert_int_equal(ww_classify_stage.reload(ctx, cfg, err, sizeof err), 0);
    ww_classify_stage.destroy(ctx);
    /* create refuses a bad taxonomy path */
    assert_int_equal(ww_config_set(bad, "classify.routes=[]", err, sizeof err), 0);
    assert_int_equal(
        ww_config_set(bad, "classify.taxonomy=/nonexistent/t.json", err, sizeof err), 0);
    assert_null(ww_classify_stage.create(bad, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/t.json"));
    ww_config_destroy(bad);
    ww_config_destroy(cfg);
}

/* ww_classified_pack (msg_pack_classified.c) writes what protobuf-c writes, and packs
 * this message itself (it holds no unknown fields). */
static void assert_packs_alike(const Wirewatch__V1__Classified *o) {
    uint8_t *bytes = NULL;
    size_t n;
    assert_true(ww_classified_packed_size(o) != SIZE_MAX);
    assert_int_equal(ww_classified_pack_vs_lib(o, &bytes, &n), WW_AGREE);
    free(bytes);
}

static void test_pack_like_protobuf_c(void **state) {
    (void)state;
    ww_classifier *c = all_labels();
    Wirewatch__V1__Classified *o = run(c, STORY_TITLE, STORY, NULL);
    assert_true(o->n_labels > 3 && o->n_entities > 0);
    assert_packs_alike(o);
    /* the trace the stage stamps on (field 16, two tag bytes), simhash, request_id */
    assert_int_equal(ww_trace_stamp(&o->trace, "classify"), 0);
    o->simhash = 0x8000000000000001ull;
    o->request_id = (char *)"req-7";
    assert_packs_alike(o);
    /* zero and negative zero left out, NaN and negative values written; span field 0 */
    Wirewatch__V1__Label *l = o->labels[0];
    l->score = -0.0f;
    l->confidence = NAN;
    l->evidence[0]->field = WIREWATCH__V1__SPAN__FIELD__FIELD_UNSPECIFIED;
    l->evidence[0]->start = 0;
    o->labels[1]->score = -2.5f;
    assert_packs_alike(o);
    /* unknown fields are protobuf-c's to pack */
    o->labels[1]->evidence[0]->base.n_unknown_fields = 1;
    assert_true(ww_classified_packed_size(o) == SIZE_MAX);
    o->labels[1]->evidence[0]->base.n_unknown_fields = 0;
    ww_classified_free(o);
    o = run(c, "", "", NULL); /* nothing found: only the copied fields */
    assert_packs_alike(o);
    ww_classified_free(o);
    ww_classifier_free(c);
}

static uint8_t *packed(const Wirewatch__V1__Classified *o, size_t *n) {
    *n = ww_classified_packed_size(o);
    uint8_t *b = malloc(*n + 1);
    assert_non_null(b);
    assert_int_equal(ww_classified_pack(o, b, *n), *n);
    return b;
}

/* A thread's classifier (worker.threads, ww_classifier_for_thread) has scratch of its
 * own, made apart from ww_classifier_new's: it classifies as the classifier it was made
 * from, document after document (its scratch reused). */
static void test_thread_classifier_same(void **state) {
    (void)state;
    char err[256];
    ww_classifier *c = all_labels();
    ww_classifier *t = ww_classifier_for_thread(c, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    Wirewatch__V1__Classified *o = run(c, STORY_TITLE, STORY, NULL);
    size_t n, m;
    uint8_t *want = packed(o, &n);
    assert_true(o->n_labels > 3);
    ww_classified_free(o);
    for (int round = 0; round < 2; round++) {
        o = run(t, STORY_TITLE, STORY, NULL);
        uint8_t *got = packed(o, &m);
        assert_int_equal(m, n);
        assert_memory_equal(got, want, n);
        free(got);
        ww_classified_free(o);
    }
    free(want);
    ww_classifier_thread_free(t);
    ww_classifier_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_like_story),
        cmocka_unit_test(test_unrelated_story),
        cmocka_unit_test(test_rollup_and_scoring),
        cmocka_unit_test(test_top_level_norm),
        cmocka_unit_test(test_exclusion_and_case),
        cmocka_unit_test(test_long_document_normalised),
        cmocka_unit_test(test_watchlist_and_routes),
        cmocka_unit_test(test_nested_one_or_more_taxonomies),
        cmocka_unit_test(test_stage_config_and_reload),
        cmocka_unit_test(test_pack_like_protobuf_c),
        cmocka_unit_test(test_thread_classifier_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
