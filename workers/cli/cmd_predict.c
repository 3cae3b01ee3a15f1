/* `wirewatch predict --model MODEL FILE.jsonl`: one output line per input document,
 * {"id","labels":[...],"scores":{label:score}}.  Works with wirewatch and fastText
 * models.  Malformed input lines are reported on stderr with their line number,
 * counted, and skipped. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_model.h"
#include "wirewatch/error.h"
#include "wirewatch/model.h"

static void put_json_string(FILE *o, const char *s) {
    static const char hex[] = "0123456789abcdef";
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', o);
            fputc(*p, o);
        } else if (*p < 0x20) {
            fputs("\\u00", o);
            fputc(hex[*p >> 4], o);
            fputc(hex[*p & 15], o);
        } else {
            fputc(*p, o);
        }
    }
    fputc('"', o);
}

static void predict_usage(FILE *f) {
    fprintf(
        f,
        "usage: wirewatch predict --model MODEL [--threshold T] [--top N] FILE.jsonl|-\n"
        "  MODEL: a wirewatch model (wirewatch train) or a fastText .bin/.ftz\n"
        "  labels: the model's decision (multi-label: tuned thresholds; multi-class:\n"
        "          the best label), or with --threshold every label scoring >= T\n"
        "  scores: the N best labels (default 5) with their scores\n");
}

int ww_cmd_predict(int argc, char **argv) {
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"threshold", required_argument, 0, 't'},
                                         {"top", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *model = NULL;
    float threshold = -1;
    int use_threshold = 0, top = 5, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'm': model = optarg; break;
        case 't':
            errno = 0;
            threshold = strtof(optarg, &end);
            if (errno || end == optarg || *end) {
                fprintf(stderr, "predict: bad --threshold %s\n", optarg);
                return 2;
            }
            use_threshold = 1;
            break;
        case 'k': {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 100000) {
                fprintf(stderr, "predict: bad --top %s\n", optarg);
                return 2;
            }
            top = (int)v;
            break;
        }
        case 'h': predict_usage(stdout); return 0;
        default: predict_usage(stderr); return 2;
        }
    }
    if (!model || optind != argc - 1) {
        predict_usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    char err[512];
    ww_model *m = ww_model_load(model, err, sizeof err);
    if (!m) {
        fprintf(stderr, "predict: %s\n", err);
        return 1;
    }
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "predict: %s: %s\n", path, strerror(errno));
        ww_model_free(m);
        return 1;
    }
    int nl = ww_model_nlabels(m), status = 1, multi = ww_model_multilabel(m);
    ww_prediction *lab = malloc((size_t)nl * sizeof *lab);
    ww_prediction *sc = malloc((size_t)nl * sizeof *sc);
    char *line = NULL;
    size_t lcap = 0, lineno = 0, malformed = 0, done = 0;
    ssize_t got;
    if (!lab || !sc)
        goto out;
    while ((got = getline(&line, &lcap, f)) != -1) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (got == 0)
            continue;
        ww__jdoc d;
        char why[256];
        if (ww__jdoc_parse(line, (size_t)got, &d, why, sizeof why)) {
            fprintf(stderr, "predict: %s:%zu: skipped: %s\n", path, lineno, why);
            malformed++;
            continue;
        }
        /* The best `top` labels; all of them only when those all pass the decision
         * threshold (a multi-label document with many labels), since the decision is
         * read off this list. */
        int want = top < nl ? top : nl;
        float dt = use_threshold ? threshold : multi ? 0.5f : 2.f;
        int ns = ww_model_predict(m, d.text, d.len, sc, want, 0.f);
        if (ns == want && want < nl && sc[want - 1].score >= dt)
            ns = ww_model_predict(m, d.text, d.len, sc, nl, 0.f);
        if (ns < 0) {
            fprintf(stderr, "predict: %s:%zu: %s\n", path, lineno, ww_strerror(ns));
            ww__jdoc_free(&d);
            goto out;
        }
        int n = 0;
        if (use_threshold || multi) {
            float t = use_threshold ? threshold : 0.5f;
            while (n < ns && sc[n].score >= t)
                n++;
        }
        if (!use_threshold && n == 0 && ns > 0)
            n = 1; /* multi-class, or no label passed: the best one */
        memcpy(lab, sc, (size_t)n * sizeof *lab);
        if (ns > top)
            ns = top;
        fputs("{\"id\":", stdout);
        fputs(d.id_json, stdout);
        fputs(",\"labels\":[", stdout);
        for (int i = 0; i < n; i++) {
            if (i)
                fputc(',', stdout);
            put_json_string(stdout, lab[i].label);
        }
        fputs("],\"scores\":{", stdout);
        /* the decided labels always carry their scores, then the best others */
        int first = 1;
        for (int i = 0; i < n; i++) {
            if (!first)
                fputc(',', stdout);
            first = 0;
            put_json_string(stdout, lab[i].label);
            printf(":%.6g", (double)lab[i].score);
        }
        for (int i = 0; i < ns; i++) {
            int dup = 0;
            for (int k = 0; k < n && !dup; k++)
                dup = lab[k].label == sc[i].label;
            if (dup)
                continue;
            if (!first)
                fputc(',', stdout);
            first = 0;
            put_json_string(stdout, sc[i].label);
            printf(":%.6g", (double)sc[i].score);
        }
        fputs("}}\n", stdout);
        done++;
        ww__jdoc_free(&d);
    }
    if (ferror(f)) {
        fprintf(stderr, "predict: %s: read error\n", path);
        goto out;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "predict: cannot write output: %s\n", strerror(errno));
        goto out;
    }
    fprintf(stderr, "predict: %zu documents, %zu malformed lines skipped (model %s)\n",
            done, malformed, ww_model_version(m));
    status = 0;
out:
    free(line);
    free(lab);
    free(sc);
    if (f != stdin)
        fclose(f);
    ww_model_free(m);
    return status;
}
