/* `wirewatch train --data TRAIN.jsonl --model OUT [options]`: read labelled JSON lines,
 * train the linear model, write the model file.  Malformed lines are reported on
 * stderr with their line number, counted, and skipped. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_model.h"
#include "wirewatch/error.h"
#include "wirewatch/model.h"

static int parse_long(const char *s, long lo, long hi, long *v) {
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

static int parse_double(const char *s, double *v) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *v = x;
    return 0;
}

static void train_usage(FILE *f) {
    fprintf(
        f,
        "usage: wirewatch train --data TRAIN.jsonl --model OUT [options]\n"
        "  input lines: {\"id\",\"title\",\"text\",\"labels\":[...]}\n"
        "  --seed N          random seed (default 1); same data + seed = same model\n"
        "  --epochs N        max passes of the solver (default 1000)\n"
        "  --multilabel      one-vs-rest with tuned per-label thresholds (automatic\n"
        "                    when a document has several labels)\n"
        "  --ngrams N        word n-grams 1..3 (default 2)\n"
        "  --char-ngrams A:B char n-grams of A..B characters of each word (default\n"
        "                    off; for compounding languages such as German, and for\n"
        "                    Chinese and Japanese: see docs/model.md)\n"
        "  --c X             SVM cost (default 1)\n"
        "  --tol X           solver stopping tolerance (default 0.1)\n"
        "  --tune-folds N    internal folds for thresholds/scores (default 3, 0 = off)\n"
        "  --version STR     model version string (default: from the checksum)\n");
}

int ww_cmd_train(int argc, char **argv) {
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"model", required_argument, 0, 'm'},
                                         {"seed", required_argument, 0, 's'},
                                         {"epochs", required_argument, 0, 'e'},
                                         {"multilabel", no_argument, 0, 'M'},
                                         {"ngrams", required_argument, 0, 'n'},
                                         {"char-ngrams", required_argument, 0, 'g'},
                                         {"c", required_argument, 0, 'c'},
                                         {"tune-folds", required_argument, 0, 't'},
                                         {"version", required_argument, 0, 'v'},
                                         {"tol", required_argument, 0, 'T'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *data = NULL, *model = NULL;
    ww_train_opts o;
    ww_train_opts_init(&o);
    int c, status = 2;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'm': model = optarg; break;
        case 's': {
            char *end;
            errno = 0;
            o.seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end)
                goto badarg;
            break;
        }
        case 'e':
            if (parse_long(optarg, 1, 1000000, &v))
                goto badarg;
            o.epochs = (int)v;
            break;
        case 'M': o.multilabel = 1; break;
        case 'n':
            if (parse_long(optarg, 1, 3, &v))
                goto badarg;
            o.word_ngrams = (int)v;
            break;
        case 'g': {
            char *end;
            long a = strtol(optarg, &end, 10), b;
            if (*end != ':' || parse_long(end + 1, 1, 16, &b) || a < 1 || a > b)
                goto badarg;
            o.char_minn = (int)a;
            o.char_maxn = (int)b;
            break;
        }
        case 'c':
            if (parse_double(optarg, &o.c) || !(o.c > 0))
                goto badarg;
            break;
        case 'T':
            if (parse_double(optarg, &o.tol) || !(o.tol > 0))
                goto badarg;
            break;
        case 't':
            if (parse_long(optarg, 0, 20, &v))
                goto badarg;
            o.tune_folds = (int)v;
            break;
        case 'v': o.version = optarg; break;
        case 'h': train_usage(stdout); return 0;
        default: train_usage(stderr); return 2;
        }
    }
    if (!data || !model || optind != argc) {
        train_usage(stderr);
        return 2;
    }
    FILE *f = strcmp(data, "-") == 0 ? stdin : fopen(data, "r");
    if (!f) {
        fprintf(stderr, "train: %s: %s\n", data, strerror(errno));
        return 1;
    }
    ww__jdoc *docs = NULL;
    ww_train_doc *td = NULL;
    size_t n = 0, cap = 0, lineno = 0, malformed = 0, unlabelled = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    int multi_seen = 0;
    status = 1;
    while ((got = getline(&line, &lcap, f)) != -1) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (got == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            ww__jdoc *nd = realloc(docs, cap * sizeof *nd);
            if (!nd) {
                fprintf(stderr, "train: out of memory\n");
                goto out;
            }
            docs = nd;
        }
        char why[256];
        if (ww__jdoc_parse(line, (size_t)got, &docs[n], why, sizeof why)) {
            fprintf(stderr, "train: %s:%zu: skipped: %s\n", data, lineno, why);
            malformed++;
            continue;
        }
        if (docs[n].nlabels == 0 && !o.multilabel) {
            /* kept for now: a multi-label set may still appear later */
            unlabelled++;
        }
        multi_seen |= docs[n].nlabels > 1;
        n++;
    }
    if (ferror(f)) {
        fprintf(stderr, "train: %s: read error\n", data);
        goto out;
    }
    if (multi_seen && !o.multilabel) {
        fprintf(stderr, "train: documents with several labels: training multi-label\n");
        o.multilabel = 1;
    }
    td = calloc(n ? n : 1, sizeof *td);
    if (!td)
        goto out;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (!o.multilabel && docs[i].nlabels == 0)
            continue; /* multi-class: a document without a class teaches nothing */
        td[nt].text = docs[i].text;
        td[nt].len = docs[i].len;
        td[nt].labels = (const char *const *)docs[i].labels;
        td[nt].nlabels = docs[i].nlabels;
        nt++;
    }
    if (!o.multilabel && unlabelled)
        fprintf(stderr, "train: %zu documents without labels skipped\n", unlabelled);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char err[512];
    int rc = ww_model_train(td, nt, &o, model, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        fprintf(stderr, "train: %s\n", err);
        goto out;
    }
    double secs =
        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "train: %zu documents (%s), %zu malformed lines skipped, %.3f s -> %s\n", nt,
            o.multilabel ? "multi-label" : "multi-class", malformed, secs, model);
    status = 0;
out:
    for (size_t i = 0; i < n; i++)
        ww__jdoc_free(&docs[i]);
    free(docs);
    free(td);
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
badarg:
    fprintf(stderr, "train: bad value for an option: %s\n", optarg);
    return 2;
}
