/* Benchmark (and inspection tool) for the classify rules, linked against
 * libwirewatch.a only -- no transport, no CLI.
 *
 *   bench_classify_rules speed DEV.jsonl [REPEAT]     MB/s of title+text through
 *       tokenising and matching alone (match-only) and through ww_classify_document
 *       and the Classified's serialisation (classify) with the default taxonomy, then with 100 and 10,000
 *       synthetic rules (one-word and two-word phrases drawn from the corpus itself,
 *       so they hit often), each in the same run
 *   bench_classify_rules speed-iptc DEV.jsonl [REPEAT]   the default taxonomy only,
 *       and its full classify again with the worker's default emission options
 *   bench_classify_rules bbc DEV.jsonl                top-1 accuracy of the default
 *       rules on BBC News (business 04000000, entertainment 01000000, politics
 *       11000000, sport 15000000, tech 13000000), with a confusion table
 *   bench_classify_rules gnad DEV.jsonl               top-1 accuracy of the default
 *       rules on German news (10kGNAD; language "de"): Wirtschaft 04000000, Sport
 *       15000000, Inland 11000000, Kultur and Etat 01000000, Wissenschaft and Web
 *       13000000; International and Panorama have no single IPTC top level and are
 *       left out.  Per-class figures and a confusion table; gnad-misses lists misses,
 *       gnad-why each miss's top-level labels with scores and evidence
 *   bench_classify_rules show FILE.jsonl             labels and entities per line
 *       (Document.language $BENCH_LANG when set)
 *   bench_classify_rules json FILE.jsonl             the same as JSON lines shaped like
 *       the Classified JSON mirror (for tests/integration/seed_check.py without the CLI)
 *   bench_classify_rules pack-check FILE.jsonl       every line a Document (JSON mirror),
 *       classified with the default options and with every finding, a trace stamped
 *       on as the stage does: ww_classified_pack must write protobuf-c's bytes; prints
 *       the number of messages compared, exits 1 on the first difference
 *
 * Input lines: {"id", "title", "text", ...}.  Figures go to stdout; nothing is
 * asserted (benchmarks print figures, they are not tests). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirewatch/classify.h"
#include "wirewatch/message.h"

/* The Document.language of the speed and bbc modes: "en" (BBC News is English), or
 * $BENCH_LANG (e.g. zh for a corpus of Chinese stories). */
static char *bench_lang(void) {
    const char *l = getenv("BENCH_LANG");
    return (char *)(l && *l ? l : "en");
}

typedef struct {
    char **title, **text, **label;
    size_t n;
    size_t bytes;
} corpus;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load(const char *path, corpus *c) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    memset(c, 0, sizeof *c);
    size_t alloc = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!j)
            continue;
        if (c->n == alloc) {
            alloc = alloc ? alloc * 2 : 512;
            c->title = realloc(c->title, alloc * sizeof *c->title);
            c->text = realloc(c->text, alloc * sizeof *c->text);
            c->label = realloc(c->label, alloc * sizeof *c->label);
        }
        const char *t = json_string_value(json_object_get(j, "title"));
        const char *x = json_string_value(json_object_get(j, "text"));
        json_t *ls = json_object_get(j, "labels");
        const char *l = json_string_value(json_array_get(ls, 0));
        c->title[c->n] = strdup(t ? t : "");
        c->text[c->n] = strdup(x ? x : "");
        c->label[c->n] = strdup(l ? l : "");
        c->bytes += strlen(c->title[c->n]) + strlen(c->text[c->n]);
        c->n++;
        json_decref(j);
    }
    free(line);
    fclose(f);
    return 0;
}

static ww_classifier *make_with(ww_classify_opts o, const char *json, size_t len) {
    char err[512];
    o.taxonomy_json = json;
    o.taxonomy_json_len = len;
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fprintf(stderr, "classifier: %s\n", err);
    return c;
}

/* every candidate label, in the contract's order: the figures measure the rules'
 * ranking (the best-scored top-level topic), not the emission policy
 * (classify.min_confidence, max_labels: tests/bench/calibrate_rules.py) */
static ww_classifier *make(const char *json, size_t len) {
    return make_with((ww_classify_opts){.min_confidence = -1, .max_labels = 1000}, json,
                     len);
}

/* Tokenise + match only: the cost that must not depend on the number of rules.  lang
 * NULL: every language's phrases (ww_classifier_scan_only); else the phrases a
 * document in lang is matched against, stems included (ww_classifier_scan_doc). */
static double scan_only(ww_classifier *cl, const corpus *c, int repeat, const char *lang,
                        double *hits) {
    double best = 1e30;
    long total = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        total = 0;
        for (int k = 0; k < repeat; k++)
            for (size_t i = 0; i < c->n; i++)
                if (lang) {
                    total += ww_classifier_scan_doc(cl, lang, c->title[i],
                                                    strlen(c->title[i]));
                    total +=
                        ww_classifier_scan_doc(cl, lang, c->text[i], strlen(c->text[i]));
                } else {
                    total +=
                        ww_classifier_scan_only(cl, c->title[i], strlen(c->title[i]));
                    total += ww_classifier_scan_only(cl, c->text[i], strlen(c->text[i]));
                }
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    *hits = (double)total / repeat / c->n;
    return (double)c->bytes * repeat / best / 1e6;
}

/* Full classify: what the classify worker does per document between reading it and
 * sending it, the classification and the serialised Classified (classify_stage.c;
 * ww_msg_pack packs a Classified with ww_classified_pack). */
static double run(ww_classifier *cl, const corpus *c, int repeat, size_t *nlabels) {
    double best = 1e30;
    uint8_t *buf = NULL;
    size_t bufcap = 0;
    *nlabels = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        size_t nl = 0;
        for (int k = 0; k < repeat; k++)
            for (size_t i = 0; i < c->n; i++) {
                Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
                d.title = c->title[i];
                d.text = c->text[i];
                d.language = bench_lang(); /* BENCH_LANG, default "en" */
                Wirewatch__V1__Classified *out;
                int alert;
                if (ww_classify_document(cl, &d, &out, &alert) == 0) {
                    nl += out->n_labels;
                    size_t need = ww_classified_packed_size(out);
                    if (need > bufcap) {
                        bufcap = need * 2;
                        free(buf);
                        if (!(buf = malloc(bufcap)))
                            abort();
                    }
                    ww_classified_pack(out, buf, need);
                    ww_classified_free(out);
                }
            }
        double dt = now() - t0;
        if (dt < best)
            best = dt;
        *nlabels = nl;
    }
    free(buf);
    return (double)c->bytes * repeat / best / 1e6;
}

/* A flat taxonomy of n topics, one phrase each, drawn from the corpus's own words and
 * word pairs so that the rules hit as often as real vocabulary does. */
static char *synthetic(const corpus *c, size_t n, size_t absent, size_t *len) {
    json_t *seen = json_object();
    json_t *topics = json_array();
    size_t made = 0;
    /* rules whose words never occur: only the rule count grows, not the matches */
    for (size_t i = 0; i < absent; i++) {
        char code[32], phrase[64];
        snprintf(code, sizeof code, "absent:%zu", i);
        snprintf(phrase, sizeof phrase, "qz%zux %sxq%zu", i, (i & 1) ? "" : "vv", i * 7);
        json_array_append_new(topics,
                              json_pack("{s:s,s:s,s:[{s:s,s:f}]}", "code", code, "name",
                                        phrase, "terms", "text", phrase, "weight", 1.0));
    }
    for (size_t i = 0; i < c->n && made < n; i++) {
        char *copy = strdup(c->text[i]);
        char *save = NULL, *prev = NULL;
        for (char *w = strtok_r(copy, " \n\t.,;:\"'()", &save); w && made < n;
             w = strtok_r(NULL, " \n\t.,;:\"'()", &save)) {
            char phrase[256];
            /* alternate one-word and two-word phrases */
            if ((made & 1) && prev)
                snprintf(phrase, sizeof phrase, "%s %s", prev, w);
            else
                snprintf(phrase, sizeof phrase, "%s", w);
            prev = w;
            if (strlen(w) < 3 || json_object_get(seen, phrase))
                continue;
            json_object_set_new(seen, phrase, json_true());
            char code[32];
            snprintf(code, sizeof code, "syn:%zu", made);
            json_array_append_new(topics, json_pack("{s:s,s:s,s:[{s:s,s:f}]}", "code",
                                                    code, "name", phrase, "terms", "text",
                                                    phrase, "weight", 1.0));
            made++;
        }
        free(copy);
    }
    json_t *root = json_pack("{s:s,s:s,s:f,s:o}", "name", "synthetic", "version", "1",
                             "threshold", 2.0, "topics", topics);
    char *s = json_dumps(root, JSON_COMPACT);
    *len = strlen(s);
    json_decref(root);
    json_decref(seen);
    return s;
}

static void report(const char *what, ww_classifier *cl, const corpus *c, int repeat,
                   double *scan_mbs) {
    size_t nl;
    double hits, lhits;
    *scan_mbs = scan_only(cl, c, repeat, NULL, &hits);
    double lang_mbs = scan_only(cl, c, repeat, bench_lang(), &lhits);
    double full = run(cl, c, repeat, &nl);
    printf("%-22s %7zu phrases  match-only all languages %6.1f MB/s (%6.1f matches/doc), "
           "%s %6.1f MB/s (%6.1f)  classify %6.1f MB/s (%5.2f labels/doc)\n",
           what, ww_classifier_phrases(cl), *scan_mbs, hits, bench_lang(), lang_mbs,
           lhits, full, (double)nl / repeat / c->n);
}

/* speed-iptc: the default rules only (to compare two builds' English figures) */
static int speed_iptc(const corpus *c, int repeat) {
    ww_classifier *cl = make((const char *)ww__data_iptc, ww__data_iptc_len);
    if (!cl)
        return 1;
    double m;
    report("default IPTC rules", cl, c, repeat, &m);
    ww_classifier_free(cl);
    /* the same rules with the worker's default emission (classify.min_confidence,
     * max_labels, max_evidence as docs/config.md gives them): what a classify replica
     * run with no options spends a document, fewer labels and spans to build and pack */
    if (!(cl = make_with((ww_classify_opts){0}, (const char *)ww__data_iptc,
                         ww__data_iptc_len)))
        return 1;
    size_t nl;
    double full = run(cl, c, repeat, &nl);
    printf("%-22s default options (min_confidence, max_labels, max_evidence): "
           "classify %6.1f MB/s (%5.2f labels/doc)\n",
           "default IPTC rules", full, (double)nl / repeat / c->n);
    ww_classifier_free(cl);
    return 0;
}

static int speed(const corpus *c, int repeat) {
    printf(
        "corpus: %zu documents, %.2f MB (title+text), repeated %d times, best of 3, thread CPU time; "
        "phrase counts include ~1,200 entity names\n",
        c->n, c->bytes / 1e6, repeat);
    ww_classifier *cl = make((const char *)ww__data_iptc, ww__data_iptc_len);
    if (!cl)
        return 1;
    double m0, m1, m2, m3;
    report("default IPTC rules", cl, c, repeat, &m0);
    ww_classifier_free(cl);
    /* 100 and 10,000 rules drawn from the corpus's own words (more rules = more
     * matches), and 100 of them + 9,900 that never occur (only the count grows) */
    struct {
        size_t n, absent;
        const char *what;
        double *m;
    } runs[] = {{100, 0, "100 synthetic rules", &m1},
                {10000, 0, "10000 synthetic rules", &m2},
                {100, 9900, "100 + 9900 absent", &m3}};
    for (int k = 0; k < 3; k++) {
        size_t len;
        char *js = synthetic(c, runs[k].n, runs[k].absent, &len);
        cl = make(js, len);
        free(js);
        if (!cl)
            return 1;
        report(runs[k].what, cl, c, repeat, runs[k].m);
        ww_classifier_free(cl);
    }
    printf("match-only MB/s ratios to 100 rules: 10,000 corpus rules %.2f, "
           "100 + 9,900 absent %.2f\n",
           m2 / m1, m3 / m1);
    return 0;
}

static const struct {
    const char *bbc, *code;
} bbcmap[] = {{"business", "medtop:04000000"},
              {"entertainment", "medtop:01000000"},
              {"politics", "medtop:11000000"},
              {"sport", "medtop:15000000"},
              {"tech", "medtop:13000000"}};

static int bbc(const corpus *c, int verbose) {
    ww_classifier *cl = make((const char *)ww__data_iptc, ww__data_iptc_len);
    if (!cl)
        return 1;
    size_t ok = 0, none = 0;
    int conf[5][6] = {{0}};
    for (size_t i = 0; i < c->n; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        d.title = c->title[i];
        d.text = c->text[i];
        d.language = bench_lang(); /* BENCH_LANG, default "en" */
        Wirewatch__V1__Classified *out;
        int alert, gold = -1, pred = 5;
        for (int k = 0; k < 5; k++)
            if (strcmp(c->label[i], bbcmap[k].bbc) == 0)
                gold = k;
        if (ww_classify_document(cl, &d, &out, &alert) != 0)
            return 1;
        /* top-1 = the best-scored top-level topic (roll-up puts them on top) */
        const char *top = NULL;
        for (size_t k = 0; k < out->n_labels && !top; k++)
            if (strlen(out->labels[k]->code) == 15 &&
                strncmp(out->labels[k]->code + 9, "000000", 6) == 0)
                top = out->labels[k]->code;
        for (int k = 0; k < 5 && top; k++)
            if (strcmp(top, bbcmap[k].code) == 0)
                pred = k;
        if (!top)
            none++;
        if (gold >= 0) {
            conf[gold][pred]++;
            ok += gold == pred;
        }
        if (verbose && gold != pred)
            printf("MISS %s [%s] -> %s: %s\n", c->label[i], bbcmap[gold].code,
                   top ? top : "none", c->title[i]);
        ww_classified_free(out);
    }
    printf("BBC top-1 accuracy of the default rules: %.3f (%zu/%zu), %zu without any "
           "top-level label\n",
           (double)ok / c->n, ok, c->n, none);
    printf("%-14s %9s %9s %9s %9s %9s %9s\n", "gold\\pred", "business", "entertain",
           "politics", "sport", "tech", "other");
    for (int g = 0; g < 5; g++) {
        printf("%-14s", bbcmap[g].bbc);
        for (int p = 0; p < 6; p++)
            printf(" %9d", conf[g][p]);
        printf("\n");
    }
    ww_classifier_free(cl);
    return 0;
}

/* 10kGNAD classes -> IPTC top level ("" = left out of the figures) */
static const struct {
    const char *gnad, *code;
} gnadmap[] = {{"Wirtschaft", "medtop:04000000"},
               {"Sport", "medtop:15000000"},
               {"Inland", "medtop:11000000"},
               {"Kultur", "medtop:01000000"},
               {"Etat", "medtop:01000000"},
               {"Wissenschaft", "medtop:13000000"},
               {"Web", "medtop:13000000"},
               {"International", ""},
               {"Panorama", ""}};
#define NGNAD (sizeof gnadmap / sizeof gnadmap[0])
/* confusion columns: the mapped top levels, then any other top level, then none */
static const char *gnadcols[] = {"medtop:04000000", "medtop:15000000", "medtop:11000000",
                                 "medtop:01000000", "medtop:13000000"};
#define NGCOL (sizeof gnadcols / sizeof gnadcols[0])

static const char *top_level(const Wirewatch__V1__Classified *out) {
    for (size_t k = 0; k < out->n_labels; k++)
        if (strlen(out->labels[k]->code) == 15 &&
            strncmp(out->labels[k]->code + 9, "000000", 6) == 0)
            return out->labels[k]->code;
    return NULL;
}

/* gnad-why: every top-level label of a miss with its score and evidence */
static void why(const Wirewatch__V1__Classified *out) {
    for (size_t k = 0; k < out->n_labels; k++) {
        const Wirewatch__V1__Label *l = out->labels[k];
        if (strlen(l->code) != 15 || strncmp(l->code + 9, "000000", 6) != 0)
            continue;
        printf("    %6.2f %s:", l->score, l->code + 7);
        for (size_t e = 0; e < l->n_evidence; e++)
            printf(" \"%s\"", l->evidence[e]->text);
        printf("\n");
    }
}

static int gnad(const corpus *c, int verbose) {
    ww_classifier *cl = make((const char *)ww__data_iptc, ww__data_iptc_len);
    if (!cl)
        return 1;
    size_t n[NGNAD] = {0}, ok[NGNAD] = {0}, conf[NGNAD][NGCOL + 2] = {{0}};
    size_t predicted[NGCOL] = {0}, predicted_ok[NGCOL] = {0}, skipped = 0, unknown = 0;
    for (size_t i = 0; i < c->n; i++) {
        int g = -1;
        for (size_t k = 0; k < NGNAD; k++)
            if (strcmp(c->label[i], gnadmap[k].gnad) == 0)
                g = (int)k;
        if (g < 0) {
            unknown++;
            continue;
        }
        if (!*gnadmap[g].code) {
            skipped++;
            continue;
        }
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        d.title = c->title[i];
        d.text = c->text[i];
        d.language = "de";
        Wirewatch__V1__Classified *out;
        int alert;
        if (ww_classify_document(cl, &d, &out, &alert) != 0)
            return 1;
        const char *top = top_level(out);
        size_t col = top ? NGCOL : NGCOL + 1;
        for (size_t k = 0; k < NGCOL && top; k++)
            if (strcmp(top, gnadcols[k]) == 0)
                col = k;
        n[g]++;
        conf[g][col]++;
        int hit = top && strcmp(top, gnadmap[g].code) == 0;
        ok[g] += hit;
        if (col < NGCOL) {
            predicted[col]++;
            predicted_ok[col] += hit;
        }
        if (verbose && !hit)
            printf("MISS %s [%s] -> %s: %s\n", gnadmap[g].gnad, gnadmap[g].code,
                   top ? top : "none", c->title[i]);
        if (verbose > 1 && !hit)
            why(out);
        ww_classified_free(out);
    }
    size_t all = 0, good = 0;
    for (size_t k = 0; k < NGNAD; k++) {
        all += n[k];
        good += ok[k];
    }
    printf("10kGNAD top-1 top-level accuracy of the default rules (language de): %.3f "
           "(%zu/%zu); %zu International/Panorama left out%s\n",
           all ? (double)good / all : 0.0, good, all, skipped,
           unknown ? ", some lines with an unknown class skipped" : "");
    printf("%-13s %5s %5s %6s   confusion: predicted top level (medtop:NN000000)\n",
           "class", "n", "ok", "acc");
    printf("%-13s %5s %5s %6s  ", "", "", "", "");
    for (size_t k = 0; k < NGCOL; k++)
        printf("     %.2s", gnadcols[k] + 7);
    printf(" %6s %6s\n", "other", "none");
    for (size_t g = 0; g < NGNAD; g++) {
        if (!*gnadmap[g].code)
            continue;
        printf("%-13s %5zu %5zu %6.3f  ", gnadmap[g].gnad, n[g], ok[g],
               n[g] ? (double)ok[g] / n[g] : 0.0);
        for (size_t k = 0; k < NGCOL + 2; k++)
            printf(" %6zu", conf[g][k]);
        printf("\n");
    }
    printf("precision of each predicted top level:");
    for (size_t k = 0; k < NGCOL; k++)
        printf(" %.2s %.3f (%zu/%zu)%s", gnadcols[k] + 7,
               predicted[k] ? (double)predicted_ok[k] / predicted[k] : 0.0,
               predicted_ok[k], predicted[k], k + 1 < NGCOL ? "," : "\n");
    ww_classifier_free(cl);
    return 0;
}

static int show(const corpus *c) {
    ww_classifier *cl = make((const char *)ww__data_iptc, ww__data_iptc_len);
    if (!cl)
        return 1;
    for (size_t i = 0; i < c->n; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        d.title = c->title[i];
        d.text = c->text[i];
        d.language = getenv("BENCH_LANG"); /* unset: matched in every language */
        Wirewatch__V1__Classified *out;
        int alert;
        if (ww_classify_document(cl, &d, &out, &alert) != 0)
            return 1;
        printf("== %s\n", c->title[i]);
        for (size_t k = 0; k < out->n_labels; k++) {
            Wirewatch__V1__Label *l = out->labels[k];
            printf("  %6.2f %s %s:", l->score, l->code, l->name);
            for (size_t e = 0; e < l->n_evidence; e++)
                printf(" [%u,%u)\"%s\"", l->evidence[e]->start, l->evidence[e]->end,
                       l->evidence[e]->text);
            printf("\n");
        }
        for (size_t k = 0; k < out->n_entities; k++) {
            Wirewatch__V1__Entity *e = out->entities[k];
            printf("  entity %s %s (%s) x%zu\n", e->type, e->name, e->id, e->n_spans);
        }
        ww_classified_free(out);
    }
    ww_classifier_free(cl);
    return 0;
}

static json_t *spans_json(Wirewatch__V1__Span **v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:i,s:i,s:s}", "start", (int)v[i]->start,
                                           "end", (int)v[i]->end, "text", v[i]->text));
    return a;
}

static int dump(const corpus *c) {
    ww_classifier *cl = make((const char *)ww__data_iptc, ww__data_iptc_len);
    if (!cl)
        return 1;
    for (size_t i = 0; i < c->n; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        d.title = c->title[i];
        d.text = c->text[i];
        Wirewatch__V1__Classified *out;
        int alert;
        if (ww_classify_document(cl, &d, &out, &alert) != 0)
            return 1;
        json_t *labels = json_array(), *ents = json_array();
        for (size_t k = 0; k < out->n_labels; k++) {
            Wirewatch__V1__Label *l = out->labels[k];
            json_array_append_new(
                labels,
                json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:o}", "taxonomy", l->taxonomy,
                          "taxonomy_version", l->taxonomy_version, "code", l->code,
                          "name", l->name, "score", (double)l->score, "source", l->source,
                          "evidence", spans_json(l->evidence, l->n_evidence)));
        }
        for (size_t k = 0; k < out->n_entities; k++) {
            Wirewatch__V1__Entity *e = out->entities[k];
            json_array_append_new(ents, json_pack("{s:s,s:s,s:s,s:o}", "type", e->type,
                                                  "name", e->name, "id", e->id, "spans",
                                                  spans_json(e->spans, e->n_spans)));
        }
        json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o}", "title", out->title, "text",
                              out->text, "taxonomy_version", out->taxonomy_version,
                              "labels", labels, "entities", ents);
        char *s = json_dumps(j, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(j);
        ww_classified_free(out);
    }
    ww_classifier_free(cl);
    return 0;
}

/* pack-check: one Classified packed both ways; 0 when the bytes are the same */
static int pack_same(const Wirewatch__V1__Classified *out) {
    size_t n = protobuf_c_message_get_packed_size(&out->base);
    if (ww_classified_packed_size(out) != n)
        return -1;
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
    int rc = !a || !b || protobuf_c_message_pack(&out->base, a) != n ||
                     ww_classified_pack(out, b, n) != n || memcmp(a, b, n) != 0
                 ? -1
                 : 0;
    free(a);
    free(b);
    return rc;
}

static int pack_check(const char *path) {
    char err[512];
    ww_classify_opts opts[2] = {
        {0}, {.min_confidence = -1, .max_labels = 100, .max_evidence = 64}};
    ww_classifier *cl[2] = {ww_classifier_new(&opts[0], err, sizeof err),
                            ww_classifier_new(&opts[1], err, sizeof err)};
    FILE *f = fopen(path, "r");
    if (!cl[0] || !cl[1] || !f) {
        fprintf(stderr, "pack-check: %s\n", f ? err : path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, lineno = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, f) > 0) {
        lineno++;
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        ProtobufCMessage *m =
            j ? ww_msg_from_json(&wirewatch__v1__document__descriptor, j, err, sizeof err)
              : NULL;
        json_decref(j);
        if (!m) {
            fprintf(stderr, "%s:%zu: not a Document\n", path, lineno);
            rc = 1;
            break;
        }
        for (int k = 0; k < 2 && !rc; k++) {
            Wirewatch__V1__Classified *out;
            int alert;
            if (ww_classify_document(cl[k], (Wirewatch__V1__Document *)m, &out, &alert) ||
                ww_trace_stamp(&out->trace, "classify")) {
                rc = 1;
                break;
            }
            if (pack_same(out)) {
                fprintf(stderr, "%s:%zu: packed differently (options %d)\n", path, lineno,
                        k);
                rc = 1;
            }
            n++;
            ww_classified_free(out);
        }
        protobuf_c_message_free_unpacked(m, NULL);
    }
    printf("pack-check %s: %zu messages, %s\n", path, n, rc ? "DIFFERENT" : "identical");
    free(line);
    fclose(f);
    ww_classifier_free(cl[0]);
    ww_classifier_free(cl[1]);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(
            stderr,
            "usage: %s speed|speed-iptc|bbc|bbc-misses|gnad|gnad-misses|gnad-why|show|json|pack-check FILE.jsonl [REPEAT]\n",
            argv[0]);
        return 2;
    }
    corpus c;
    if (load(argv[2], &c))
        return 1;
    if (strcmp(argv[1], "speed") == 0)
        return speed(&c, argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3);
    if (strcmp(argv[1], "speed-iptc") == 0)
        return speed_iptc(&c, argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3);
    if (strcmp(argv[1], "bbc") == 0)
        return bbc(&c, 0);
    if (strcmp(argv[1], "bbc-misses") == 0)
        return bbc(&c, 1);
    if (strcmp(argv[1], "gnad") == 0)
        return gnad(&c, 0);
    if (strcmp(argv[1], "gnad-misses") == 0)
        return gnad(&c, 1);
    if (strcmp(argv[1], "gnad-why") == 0)
        return gnad(&c, 2);
    if (strcmp(argv[1], "show") == 0)
        return show(&c);
    if (strcmp(argv[1], "json") == 0)
        return dump(&c);
    if (strcmp(argv[1], "pack-check") == 0)
        return pack_check(argv[2]);
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
}
