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

/* The command line into *data, *model and o.  Returns -1 to go on, else the exit
 * status (0 after --help, 2 on a usage error). */
static int parse_train_args(int argc, char **argv, const char **data, const char **model,
                            ww_train_opts *o) {
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
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': *data = optarg; break;
        case 'm': *model = optarg; break;
        case 's': {
            char *end;
            errno = 0;
            o->seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end)
                goto badarg;
            break;
        }
        case 'e':
            if (parse_long(optarg, 1, 1000000, &v))
                goto badarg;
            o->epochs = (int)v;
            break;
        case 'M': o->multilabel = 1; break;
        case 'n':
            if (parse_long(optarg, 1, 3, &v))
                goto badarg;
            o->word_ngrams = (int)v;
            break;
        case 'g': {
            char *end;
            long a = strtol(optarg, &end, 10), b;
            if (*end != ':' || parse_long(end + 1, 1, 16, &b) || a < 1 || a > b)
                goto badarg;
            o->char_minn = (int)a;
            o->char_maxn = (int)b;
            break;
        }
        case 'c':
            if (parse_double(optarg, &o->c) || !(o->c > 0))
                goto badarg;
            break;
        case 'T':
            if (parse_double(optarg, &o->tol) || !(o->tol > 0))
                goto badarg;
            break;
        case 't':
            if (parse_long(optarg, 0, 20, &v))
                goto badarg;
            o->tune_folds = (int)v;
            break;
        case 'v': o->version = optarg; break;
        case 'h': train_usage(stdout); return 0;
        default: train_usage(stderr); return 2;
        }
    }
    if (!*data || !*model || optind != argc) {
        train_usage(stderr);
        return 2;
    }
    return -1;
badarg:
    fprintf(stderr, "train: bad value for an option: %s\n", optarg);
    return 2;
}

/* The labelled documents of a JSON-lines file, malformed lines reported and skipped. */
typedef struct train_input {
    ww__jdoc *docs;
    size_t n, cap, malformed, unlabelled;
    int multi_seen; /* a document has several labels */
} train_input;

static void train_input_free(train_input *in) {
    for (size_t i = 0; i < in->n; i++)
        ww__jdoc_free(&in->docs[i]);
    free(in->docs);
}

/* Read f (named data in messages).  Returns 0 or -1 (reported on stderr). */
static int read_train_input(FILE *f, const char *data, const ww_train_opts *o,
                            train_input *in) {
    char *line = NULL;
    size_t lcap = 0, lineno = 0;
    ssize_t got;
    int rc = -1;
    while ((got = getline(&line, &lcap, f)) != -1) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (got == 0)
            continue;
        if (in->n == in->cap) {
            size_t cap = in->cap ? in->cap * 2 : 1024;
            ww__jdoc *nd = realloc(in->docs, cap * sizeof *nd);
            if (!nd) {
                fprintf(stderr, "train: out of memory\n");
                goto out;
            }
            in->docs = nd;
            in->cap = cap;
        }
        char why[256];
        if (ww__jdoc_parse(line, (size_t)got, &in->docs[in->n], why, sizeof why)) {
            fprintf(stderr, "train: %s:%zu: skipped: %s\n", data, lineno, why);
            in->malformed++;
            continue;
        }
        if (in->docs[in->n].nlabels == 0 && !o->multilabel) {
            /* kept for now: a multi-label set may still appear later */
            in->unlabelled++;
        }
        in->multi_seen |= in->docs[in->n].nlabels > 1;
        in->n++;
    }
    if (ferror(f)) {
        fprintf(stderr, "train: %s: read error\n", data);
        goto out;
    }
    rc = 0;
out:
    free(line);
    return rc;
}

/* The training set: every document, or (multi-class) those with a class.  Caller
 * frees; NULL on ENOMEM. */
static ww_train_doc *training_set(const train_input *in, const ww_train_opts *o,
                                  size_t *nt) {
    ww_train_doc *td = calloc(in->n ? in->n : 1, sizeof *td);
    *nt = 0;
    if (!td)
        return NULL;
    for (size_t i = 0; i < in->n; i++) {
        if (!o->multilabel && in->docs[i].nlabels == 0)
            continue; /* multi-class: a document without a class teaches nothing */
        td[*nt].text = in->docs[i].text;
        td[*nt].len = in->docs[i].len;
        td[*nt].labels = (const char *const *)in->docs[i].labels;
        td[*nt].nlabels = in->docs[i].nlabels;
        (*nt)++;
    }
    return td;
}

/* Train on td and write the model; the summary (or the error) on stderr. */
static int train_and_report(const ww_train_doc *td, size_t nt, const ww_train_opts *o,
                            const char *model, size_t malformed) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char err[512];
    int rc = ww_model_train(td, nt, o, model, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        fprintf(stderr, "train: %s\n", err);
        return -1;
    }
    double secs =
        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "train: %zu documents (%s), %zu malformed lines skipped, %.3f s -> %s\n", nt,
            o->multilabel ? "multi-label" : "multi-class", malformed, secs, model);
    return 0;
}

int ww_cmd_train(int argc, char **argv) {
    const char *data = NULL, *model = NULL;
    ww_train_opts o;
    ww_train_opts_init(&o);
    int status = parse_train_args(argc, argv, &data, &model, &o);
    if (status >= 0)
        return status;
    FILE *f = strcmp(data, "-") == 0 ? stdin : fopen(data, "r");
    if (!f) {
        fprintf(stderr, "train: %s: %s\n", data, strerror(errno));
        return 1;
    }
    train_input in = {0};
    ww_train_doc *td = NULL;
    size_t nt = 0;
    status = 1;
    if (read_train_input(f, data, &o, &in))
        goto out;
    if (in.multi_seen && !o.multilabel) {
        fprintf(stderr, "train: documents with several labels: training multi-label\n");
        o.multilabel = 1;
    }
    if (!(td = training_set(&in, &o, &nt)))
        goto out;
    if (!o.multilabel && in.unlabelled)
        fprintf(stderr, "train: %zu documents without labels skipped\n", in.unlabelled);
    if (train_and_report(td, nt, &o, model, in.malformed) == 0)
        status = 0;
out:
    train_input_free(&in);
    free(td);
    if (f != stdin)
        fclose(f);
    return status;
}
