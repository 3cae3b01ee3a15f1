/* The parse stage as a worker: Page in, Document out (key = document id), one job at
 * a time, done in submit.  Processing is ww_parse_page (parse.c); this file only
 * wires configuration, counters, traces and dead letters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/config.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/parse.h"
#include "wirewatch/stage.h"

/* A default from parse.h as the table's JSON text (TEXT(512) is "512"). */
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

static const ww_config_key parse_keys[] = {
    {"parse.max_input_bytes", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_MAX_INPUT_BYTES),
     "Page body bytes parsed; the rest is cut (counted as limit_input_bytes)."},
    {"parse.max_nodes", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_MAX_NODES),
     "HTML nodes built per page; parsing stops there and the Document is partial "
     "(counted as limit_nodes)."},
    {"parse.max_depth", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_MAX_DEPTH),
     "HTML nesting depth; deeper elements are flattened into their ancestor (counted as "
     "limit_depth)."},
    {"parse.max_time_ms", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_MAX_TIME_MS),
     "Wall time for building one page's tree; parsing stops there and the Document is "
     "partial (counted as limit_time)."},
    {"parse.max_links", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_MAX_LINKS),
     "Outgoing links kept per Document."},
    {"parse.near_dup_distance", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_NEAR_DUP_DISTANCE),
     "SimHash Hamming distance within which a Document is marked near_duplicate_of a "
     "recent one; -1 turns the check off."},
    {"parse.near_dup_window", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_NEAR_DUP_WINDOW),
     "Recent Documents remembered for the near-duplicate check (per worker)."},
    {"parse.min_text_chars", WW_CFG_INT, TEXT(WW_PARSE_DEFAULT_MIN_TEXT_CHARS),
     "Pages whose extracted text is shorter go to the dead-letter output (reason "
     "unsupported) instead of becoming Documents; 0 keeps everything."},
    {"parse.langid_min_confidence", WW_CFG_NUM, TEXT(WW_LANGID_MIN_CONFIDENCE),
     "Document.language is the text's language (CLD2) only when its confidence (its "
     "share of the text, halved when CLD2 calls it unreliable, scaled down under 50 "
     "letter bytes) reaches this; below it the page's declared language (<html lang>, "
     "Content-Language) is used, else \"und\". 0 believes every guess."},
    {"parse.langid_short_text_bytes", WW_CFG_INT, TEXT(WW_LANGID_SHORT_TEXT_BYTES),
     "A text with fewer letter bytes than this is short: the page's declared language, "
     "when there is one, wins over the text's; a longer text with a confident "
     "language overrides the declaration."},
    {"parse.comments", WW_CFG_BOOL, "false",
     "Reader comments under the article go into Document.comments (author, published, "
     "text), never into Document.text; false: no comments at all."},
    {NULL, 0, NULL, NULL},
};

typedef struct parse_ctx {
    ww_parser *p;
    long long min_text;
} parse_ctx;

static void *parse_create(const ww_config *cfg, char *err, size_t errlen) {
    ww_parser_opts o;
    ww_parser_opts_default(&o);
    long long min_text = WW_PARSE_DEFAULT_MIN_TEXT_CHARS;
    if (cfg) {
        long long v[6] = {ww_config_int(cfg, "parse.max_input_bytes"),
                          ww_config_int(cfg, "parse.max_nodes"),
                          ww_config_int(cfg, "parse.max_depth"),
                          ww_config_int(cfg, "parse.max_time_ms"),
                          ww_config_int(cfg, "parse.max_links"),
                          ww_config_int(cfg, "parse.near_dup_window")};
        for (int k = 0; k < 6; k++)
            if (v[k] < 0) {
                ww_seterr(err, errlen, WW_EINVAL, "parse.* limits must be >= 0");
                return NULL;
            }
        o.limits.max_input_bytes = (size_t)v[0];
        o.limits.max_nodes = (size_t)v[1];
        o.limits.max_depth = (unsigned)v[2];
        o.limits.max_time_ms = (long)v[3];
        o.limits.max_links = (size_t)v[4];
        o.near_dup_window = (size_t)v[5];
        o.near_dup_distance = (int)ww_config_int(cfg, "parse.near_dup_distance");
        min_text = ww_config_int(cfg, "parse.min_text_chars");
        double mc = ww_config_num(cfg, "parse.langid_min_confidence");
        long long sb = ww_config_int(cfg, "parse.langid_short_text_bytes");
        if (!(mc >= 0 && mc <= 1) || sb < 0) {
            ww_seterr(err, errlen, WW_EINVAL,
                      "parse.langid_min_confidence must be within 0..1 and "
                      "parse.langid_short_text_bytes >= 0");
            return NULL;
        }
        o.langid.min_confidence = (float)mc;
        o.langid.short_text_bytes = (size_t)sb;
        o.extract.comments = ww_config_bool(cfg, "parse.comments");
    }
    parse_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    c->min_text = min_text;
    c->p = ww_parser_new(&o, err, errlen);
    if (!c->p) {
        free(c);
        return NULL;
    }
    return c;
}

static void parse_destroy(void *ctx) {
    parse_ctx *c = ctx;
    if (!c)
        return;
    ww_parser_free(c->p);
    free(c);
}

/* What process hands to finish. */
typedef struct result {
    int malformed; /* the input is not a Page */
    int rc;        /* ww_parse_page_text's */
    unsigned limits;
    int trace_nomem; /* the trace could not be copied or stamped */
    Wirewatch__V1__Document *d;
    char err[256];
} result;

static void result_free(void *ctx, void *res) {
    result *r = res;
    if (!r)
        return;
    if (r->d)
        protobuf_c_message_free_unpacked(&r->d->base, NULL);
    free(r);
}

/* The Document's trace: the Page's, stamped, with the input's trace id when the Page
 * carried none in its body (it still has one in its envelope/headers).  0 or -1. */
static int stamp_trace(Wirewatch__V1__Document *d, const Wirewatch__V1__Page *page,
                       ww_job *job) {
    d->trace = ww_trace_copy(page->trace);
    if ((page->trace && !d->trace) || ww_trace_stamp(&d->trace, "parse") < 0)
        return -1;
    const char *tid = ww_job_trace_id(job);
    if (tid && *tid && (!d->trace->trace_id || !*d->trace->trace_id)) {
        char *copy = strdup(tid);
        if (copy)
            d->trace->trace_id = copy;
    }
    return 0;
}

/* Decode and parse (no near-duplicate check: that is ordered, in finish): on any
 * thread.  NULL when out of memory. */
static void *parse_process(void *ctx, void *ts, ww_job *job) {
    parse_ctx *c = ctx;
    size_t len;
    const uint8_t *data = ww_job_data(job, &len);
    result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    Wirewatch__V1__Page *page = wirewatch__v1__page__unpack(NULL, len, data);
    if (!page) {
        r->malformed = 1;
        return r;
    }
    r->rc = ww_parse_page_text(c->p, page, &r->d, &r->limits, r->err, sizeof r->err);
    if (r->rc >= 0 && stamp_trace(r->d, page, job) < 0)
        r->trace_nomem = 1;
    wirewatch__v1__page__free_unpacked(page, NULL);
    return r;
}

/* The parse outcome to outputs, counters and dead letters, on the worker's thread in
 * input order (the near-duplicate ring sees Documents in that order).  0 when the
 * Document is to be emitted. */
static int judge(parse_ctx *c, ww_job *job, result *r) {
    if (r->malformed) {
        ww_job_count(job, "malformed_page", 1);
        ww_job_dead_letter(job, WW_EMALFORMED, "input is not a wirewatch.v1.Page");
        return -1;
    }
    for (unsigned b = 1; b; b <<= 1)
        if ((r->limits & b) && ww_limit_name(b))
            ww_job_count(job, ww_limit_name(b), 1);
    if (r->rc >= 0 && ww_parser_near_duplicate(c->p, r->d) < 0)
        r->rc = ww_seterr(r->err, sizeof r->err, WW_ENOMEM, "out of memory");
    if (r->rc < 0) {
        if (r->rc == WW_ENOMEM) /* not the page's fault, but nothing better to do */
            ww_job_count(job, "nomem", 1);
        ww_job_count(job, "undecodable_page", 1);
        ww_job_dead_letter(job, r->rc, r->err);
        return -1;
    }
    Wirewatch__V1__Document *d = r->d;
    size_t tl = d->text ? strlen(d->text) : 0;
    if (c->min_text > 0 && tl < (size_t)c->min_text) {
        snprintf(r->err, sizeof r->err,
                 "no article text (%zu chars < parse.min_text_chars %lld): %s", tl,
                 c->min_text, d->url);
        ww_job_count(job, "no_text", 1);
        ww_job_dead_letter(job, WW_EUNSUPPORTED, r->err);
        return -1;
    }
    if (d->near_duplicate_of && *d->near_duplicate_of) {
        ww_job_count(job, "near_duplicate", 1);
        ww_job_set_outcome(job, WW_JOB_DUPLICATE, d->near_duplicate_of);
    }
    if (r->trace_nomem) {
        ww_job_count(job, "nomem", 1);
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory stamping the trace");
        return -1;
    }
    return 0;
}

static void parse_finish(void *ctx, ww_job *job, void *res) {
    result *r = res;
    if (!r) {
        ww_job_count(job, "nomem", 1);
        ww_job_dead_letter(job, WW_ENOMEM, "out of memory");
    } else if (judge(ctx, job, r) == 0) {
        int rc = ww_job_emit(job, WW_OUT_MAIN, r->d->id, &r->d->base);
        if (rc < 0)
            WW_WARN("parse", "emitting document %s failed: %s", r->d->id,
                    ww_strerror(rc));
        else
            ww_job_count(job, "documents", 1);
    }
    result_free(ctx, r);
    ww_job_done(job);
}

static void parse_submit(void *ctx, ww_job *job) {
    parse_finish(ctx, job, parse_process(ctx, NULL, job));
}

static const ww_stage_parallel parse_parallel = {
    .process = parse_process,
    .finish = parse_finish,
    .discard = result_free,
};

const ww_stage_ops ww_parse_stage = {
    .name = "parse",
    .in_type = &wirewatch__v1__page__descriptor,
    .out_type = &wirewatch__v1__document__descriptor,
    .config_keys = parse_keys,
    .create = parse_create,
    .destroy = parse_destroy,
    .submit = parse_submit,
    .parallel = &parse_parallel,
};
