/* `wirewatch predict --model MODEL FILE.jsonl`: one output line per input document,
 * {"id","labels":[...],"scores":{label:score}}.  Works with wirewatch and fastText
 * models.  Malformed input lines are reported on stderr with their line number,
 * counted, and skipped. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_model.h"
#include "wirewatch/error.h"
#include "wirewatch/model.h"

/* printf("%.6g", v) for the scores predict prints, without printf: stdio's decimal
 * conversion was 7% of a Reuters predict run (five scores a line).  Exact: the six
 * digits come from v times an exact power of ten in double precision (error below
 * 1e-9 of a unit in the sixth digit), and any value within 1e-6 of a rounding tie, or
 * outside [1e-16, 1e6), is left to snprintf.  Returns the length written
 * into buf (room for 32 bytes). */
static int fmt_g6(char *buf, double v) {
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (v == 0)
        return snprintf(buf, 32, "%.6g", v);
    if (!(v >= 1e-16 && v < 1e6))
        return snprintf(buf, 32, "%.6g", v);
    int e = 0; /* v about 10^e: corrected below when the scaled value says so */
    if (v >= 1)
        while (e < 5 && v >= p10[e + 1])
            e++;
    else
        while (e > -16 && v < 1 / p10[-e])
            e--;
    double sc = v * p10[5 - e];
    if (sc >= 999999.5 && e < 5)
        sc = v * p10[5 - ++e];
    else if (sc < 99999.5 && e > -17)
        sc = v * p10[5 - --e];
    double r = floor(sc), frac = sc - r;
    if (fabs(frac - 0.5) < 1e-6 || sc < 99999.5 || fabs(sc - 999999.5) < 1e-6 ||
        fabs(sc - 99999.5) < 1e-6)
        return snprintf(buf, 32, "%.6g", v);
    unsigned long d = (unsigned long)r + (frac > 0.5);
    char dig[6];
    for (int i = 5; i >= 0; i--, d /= 10)
        dig[i] = (char)('0' + d % 10);
    int nd = 6; /* significant digits left once trailing zeros go */
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    int o = 0;
    if (e < -4 || e >= 6) {
        buf[o++] = dig[0];
        if (nd > 1) {
            buf[o++] = '.';
            for (int i = 1; i < nd; i++)
                buf[o++] = dig[i];
        }
        int x = e < 0 ? -e : e;
        buf[o++] = 'e';
        buf[o++] = e < 0 ? '-' : '+';
        if (x >= 10)
            buf[o++] = (char)('0' + x / 10);
        else
            buf[o++] = '0';
        buf[o++] = (char)('0' + x % 10);
    } else if (e >= 0) {
        for (int i = 0; i <= e; i++)
            buf[o++] = dig[i];
        if (nd > e + 1) {
            buf[o++] = '.';
            for (int i = e + 1; i < nd; i++)
                buf[o++] = dig[i];
        }
    } else {
        buf[o++] = '0';
        buf[o++] = '.';
        for (int i = 0; i < -e - 1; i++)
            buf[o++] = '0';
        for (int i = 0; i < nd; i++)
            buf[o++] = dig[i];
    }
    buf[o] = 0;
    return o;
}

/* An output line under construction: each line is built here and handed to stdio in
 * one fwrite.  A call into stdio per piece (some 60 a line, each taking the stream's
 * lock) was 4% of a Reuters predict run. */
typedef struct line_buf {
    char *p;
    size_t n, cap;
    int oom;
} line_buf;

/* Room for n more bytes; 0, or -1 (and lb->oom set) when out of memory. */
static int lb_room(line_buf *lb, size_t n) {
    if (lb->n + n <= lb->cap)
        return 0;
    size_t cap = lb->cap ? lb->cap : 1024;
    while (cap < lb->n + n)
        cap *= 2;
    char *p = realloc(lb->p, cap);
    if (!p) {
        lb->oom = 1;
        return -1;
    }
    lb->p = p;
    lb->cap = cap;
    return 0;
}

static void lb_put(line_buf *lb, const char *s, size_t n) {
    if (lb_room(lb, n) == 0) {
        memcpy(lb->p + lb->n, s, n);
        lb->n += n;
    }
}

static void lb_putc(line_buf *lb, char c) {
    if (lb_room(lb, 1) == 0)
        lb->p[lb->n++] = c;
}

static void put_json_string(line_buf *o, const char *s) {
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    while (s[n] && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20)
        n++;
    if (!s[n]) { /* nothing to escape: the usual label */
        if (lb_room(o, n + 2) == 0) {
            o->p[o->n] = '"';
            memcpy(o->p + o->n + 1, s, n);
            o->p[o->n + n + 1] = '"';
            o->n += n + 2;
        }
        return;
    }
    lb_putc(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            lb_putc(o, '\\');
            lb_putc(o, (char)*p);
        } else if (*p < 0x20) {
            lb_put(o, "\\u00", 4);
            lb_putc(o, hex[*p >> 4]);
            lb_putc(o, hex[*p & 15]);
        } else {
            lb_putc(o, (char)*p);
        }
    }
    lb_putc(o, '"');
}

/* ":" and the score as printf(":%.6g") would write it. */
static void put_score(line_buf *o, float score) {
    if (lb_room(o, 40) == 0) {
        o->p[o->n] = ':';
        o->n += 1 + (size_t)fmt_g6(o->p + o->n + 1, (double)score);
    }
}

/* "key":{label:value,...}: the decided labels lab[0..n), then the best others of
 * sc[0..ns); value = the score, or the confidence when conf. */
static void put_map(line_buf *o, const char *key, const ww_prediction *lab, int n,
                    const ww_prediction *sc, int ns, int conf) {
    int first = 1;
    lb_putc(o, '"');
    lb_put(o, key, strlen(key));
    lb_put(o, "\":{", 3);
    for (int i = 0; i < n + ns; i++) {
        const ww_prediction *p = i < n ? &lab[i] : &sc[i - n];
        int dup = 0;
        for (int k = 0; k < n && !dup && i >= n; k++)
            dup = lab[k].label == p->label;
        if (dup)
            continue;
        if (!first)
            lb_putc(o, ',');
        first = 0;
        put_json_string(o, p->label);
        put_score(o, conf ? p->confidence : p->score);
    }
    lb_putc(o, '}');
}

static void predict_usage(FILE *f) {
    fprintf(
        f,
        "usage: wirewatch predict --model MODEL [--threshold T] [--top N] FILE.jsonl|-\n"
        "  MODEL: a wirewatch model (wirewatch train) or a fastText .bin/.ftz\n"
        "  labels: the model's decision (multi-label: tuned thresholds; multi-class:\n"
        "          the best label), or with --threshold every label scoring >= T\n"
        "  scores: the N best labels (default 5) with their scores\n"
        "  confidence: the same labels with their calibrated confidence\n");
}

/* What the command line asks for. */
typedef struct predict_args {
    const char *model, *path;
    float threshold;
    int use_threshold, top;
} predict_args;

/* The command line into a.  Returns -1 to go on, else the exit status (0 after
 * --help, 2 on a usage error). */
static int parse_predict_args(int argc, char **argv, predict_args *a) {
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"threshold", required_argument, 0, 't'},
                                         {"top", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'm': a->model = optarg; break;
        case 't':
            errno = 0;
            a->threshold = strtof(optarg, &end);
            if (errno || end == optarg || *end) {
                fprintf(stderr, "predict: bad --threshold %s\n", optarg);
                return 2;
            }
            a->use_threshold = 1;
            break;
        case 'k': {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 100000) {
                fprintf(stderr, "predict: bad --top %s\n", optarg);
                return 2;
            }
            a->top = (int)v;
            break;
        }
        case 'h': predict_usage(stdout); return 0;
        default: predict_usage(stderr); return 2;
        }
    }
    if (!a->model || optind != argc - 1) {
        predict_usage(stderr);
        return 2;
    }
    a->path = argv[optind];
    return -1;
}

/* One document's scores (sc, the best first; *ns of them, at most top) and decided
 * labels (lab, *n of them).  Returns 0 or a negative WW_E* code. */
static int decide(ww_model *m, const predict_args *a, const ww__jdoc *d,
                  ww_prediction *sc, int *ns, ww_prediction *lab, int *n) {
    int nl = ww_model_nlabels(m), multi = ww_model_multilabel(m);
    /* The best `top` labels; all of them only when those all pass the decision
     * threshold (a multi-label document with many labels), since the decision is
     * read off this list. */
    int want = a->top < nl ? a->top : nl;
    float dt = a->use_threshold ? a->threshold : multi ? 0.5f : 2.f;
    *ns = ww_model_predict(m, d->text, d->len, sc, want, 0.f);
    if (*ns == want && want < nl && sc[want - 1].score >= dt)
        *ns = ww_model_predict(m, d->text, d->len, sc, nl, 0.f);
    if (*ns < 0)
        return *ns;
    *n = 0;
    if (a->use_threshold || multi) {
        float t = a->use_threshold ? a->threshold : 0.5f;
        while (*n < *ns && sc[*n].score >= t)
            (*n)++;
    }
    if (!a->use_threshold && *n == 0 && *ns > 0)
        *n = 1; /* multi-class, or no label passed: the best one */
    memcpy(lab, sc, (size_t)*n * sizeof *lab);
    if (*ns > a->top)
        *ns = a->top;
    return 0;
}

/* {"id", "labels": the decided ones, "scores": theirs, then the best others,
 * "confidence": the same labels' calibrated confidences}, newline-terminated, into o
 * (emptied first). */
static void write_prediction(line_buf *o, const char *id_json, const ww_prediction *lab,
                             int n, const ww_prediction *sc, int ns) {
    o->n = 0;
    lb_put(o, "{\"id\":", 6);
    lb_put(o, id_json, strlen(id_json));
    lb_put(o, ",\"labels\":[", 11);
    for (int i = 0; i < n; i++) {
        if (i)
            lb_putc(o, ',');
        put_json_string(o, lab[i].label);
    }
    lb_put(o, "],", 2);
    put_map(o, "scores", lab, n, sc, ns, 0);
    lb_putc(o, ',');
    put_map(o, "confidence", lab, n, sc, ns, 1);
    lb_put(o, "}\n", 2);
}

/* Every line of f: one output line per document, malformed lines reported and
 * skipped.  Returns 0 or -1 (reported on stderr). */
static int predict_lines(ww_model *m, const predict_args *a, FILE *f, size_t *done,
                         size_t *malformed) {
    int nl = ww_model_nlabels(m), rc = -1;
    ww_prediction *lab = malloc((size_t)nl * sizeof *lab);
    ww_prediction *sc = malloc((size_t)nl * sizeof *sc);
    char *line = NULL;
    size_t lcap = 0, lineno = 0;
    line_buf ob = {0};
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
            fprintf(stderr, "predict: %s:%zu: skipped: %s\n", a->path, lineno, why);
            (*malformed)++;
            continue;
        }
        int ns, n, e = decide(m, a, &d, sc, &ns, lab, &n);
        if (e < 0) {
            fprintf(stderr, "predict: %s:%zu: %s\n", a->path, lineno, ww_strerror(e));
            ww__jdoc_free(&d);
            goto out;
        }
        write_prediction(&ob, d.id_json, lab, n, sc, ns);
        ww__jdoc_free(&d);
        if (ob.oom) {
            fprintf(stderr, "predict: out of memory\n");
            goto out;
        }
        fwrite(ob.p, 1, ob.n, stdout);
        (*done)++;
    }
    if (ferror(f)) {
        fprintf(stderr, "predict: %s: read error\n", a->path);
        goto out;
    }
    rc = 0;
out:
    free(ob.p);
    free(line);
    free(lab);
    free(sc);
    return rc;
}

int ww_cmd_predict(int argc, char **argv) {
    predict_args a = {.threshold = -1, .top = 5};
    int status = parse_predict_args(argc, argv, &a);
    if (status >= 0)
        return status;
    char err[512];
    ww_model *m = ww_model_load_mapped(a.model, err, sizeof err);
    if (!m) {
        fprintf(stderr, "predict: %s\n", err);
        return 1;
    }
    FILE *f = strcmp(a.path, "-") == 0 ? stdin : fopen(a.path, "r");
    if (!f) {
        fprintf(stderr, "predict: %s: %s\n", a.path, strerror(errno));
        ww_model_free(m);
        return 1;
    }
    size_t done = 0, malformed = 0;
    status = 1;
    if (predict_lines(m, &a, f, &done, &malformed))
        goto out;
    if (fflush(stdout) != 0) {
        fprintf(stderr, "predict: cannot write output: %s\n", strerror(errno));
        goto out;
    }
    fprintf(stderr, "predict: %zu documents, %zu malformed lines skipped (model %s)\n",
            done, malformed, ww_model_version(m));
    status = 0;
out:
    if (f != stdin)
        fclose(f);
    ww_model_free(m);
    return status;
}
