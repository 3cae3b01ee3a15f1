/* The classify stage's processing, callable without a transport: a Document in, a
 * Classified out (labels with evidence, entities with spans).
 *
 * One ww_classifier holds the compiled matcher of every loaded taxonomy (the embedded
 * IPTC Media Topics or classify.taxonomy, plus classify.watchlists), the entity
 * gazetteer (countries from Debian iso-codes with data/country-aliases.json,
 * organisations, optional persons), routing rules and an optional model.  It is
 * immutable after construction except for per-document scratch memory: use one per
 * thread.  reload = build a new one, then swap. */
#ifndef WIREWATCH_CLASSIFY_H
#define WIREWATCH_CLASSIFY_H

#include <stddef.h>

#include "wirewatch/taxonomy.h"
#include "wirewatch/v1/wirewatch.pb-c.h"

/* Defaults of the classify.* keys, declared once: the config table (classify_stage.c)
 * prints these and ww_classifier_new applies them to a zero field of
 * ww_classify_opts, so the two cannot disagree. */
#define WW_CLASSIFY_MAX_LABELS 8        /* classify.max_labels */
#define WW_CLASSIFY_MIN_CONFIDENCE 0.5  /* classify.min_confidence */
#define WW_CLASSIFY_MAX_EVIDENCE 8      /* classify.max_evidence */
#define WW_CLASSIFY_MAX_EVIDENCE_CAP 64 /* its upper bound */
#define WW_CLASSIFY_MODEL_THRESHOLD 0.5 /* classify.model_threshold */

typedef struct ww_classify_opts {
    const char *taxonomy;      /* path; NULL or "" = the embedded IPTC Media Topics */
    const char *taxonomy_json; /* or the taxonomy itself (tests); wins over the path */
    size_t taxonomy_json_len;
    const char *const *watchlists; /* paths of extra taxonomies */
    size_t nwatchlists;
    const char *organizations; /* entity file; NULL or "" = embedded default list */
    const char *persons;       /* entity file; NULL or "" = none */
    const ww_route *routes;    /* extra routing rules (classify.routes) */
    size_t nroutes;
    const char *model; /* model path; NULL or "" = none */
    float model_threshold;
    /* rule labels with a lower confidence are not emitted (0 = WW_CLASSIFY_MIN_CONFIDENCE,
     * negative = none: every label reaching its topic's threshold) */
    double min_confidence;
    int max_labels;   /* per document and taxonomy (0 = WW_CLASSIFY_MAX_LABELS) */
    int max_evidence; /* spans per label and per entity (0 = WW_CLASSIFY_MAX_EVIDENCE) */
    int no_entities;  /* 1: no gazetteer at all (fuzzing the taxonomy alone) */
} ww_classify_opts;

typedef struct ww_classifier ww_classifier;

/* Build a classifier.  Returns NULL with err naming the file and the problem.  Caller
 * owns the result. */
ww_classifier *ww_classifier_new(const ww_classify_opts *opts, char *err, size_t errlen);
void ww_classifier_free(ww_classifier *c);

/* A classifier for one more thread (worker.threads): it shares c's taxonomies,
 * matcher, gazetteer, routes and model, and has its own per-document scratch and
 * stemmers (classifier_thread.c).  c must outlive it.  NULL with err. */
ww_classifier *ww_classifier_for_thread(const ww_classifier *c, char *err, size_t errlen);
/* Frees what ww_classifier_for_thread made, never what it shares. */
void ww_classifier_thread_free(ww_classifier *t);

/* "iptc-mediatopic:2023-10-24" (+ ",watch-list:version" for each watch-list). */
const char *ww_classifier_taxonomy_version(const ww_classifier *c);
/* Model version, "" without a model. */
const char *ww_classifier_model_version(const ww_classifier *c);
/* Number of distinct phrases in the matcher (taxonomy terms and entity names). */
size_t ww_classifier_phrases(const ww_classifier *c);

/* Benchmarks: tokenise text and run the matcher only (no scoring, no output); returns
 * the number of phrase matches, or WW_ENOMEM. */
long ww_classifier_scan_only(ww_classifier *c, const char *text, size_t len);
/* The same as for a document in language (a Document.language): its phrases and the
 * language-independent ones, and for a language matched by stems the stem pass too,
 * which is what classifying such a document matches. */
long ww_classifier_scan_doc(ww_classifier *c, const char *language, const char *text,
                            size_t len);

/* Classify doc.  *out is a Classified holding a flat copy of the document's fields
 * (the trace is NOT copied: the stage does that), labels grouped by top-level topic
 * (best-scored group first, the most specific label first in a group; model labels
 * last) and entities in order of first mention.  *alert is set to 1 when a routing
 * rule matched (emit on WW_OUT_ALERTS), else 0.  Returns 0 or WW_ENOMEM (*out NULL).
 *
 * Ownership: the caller owns *out and frees it with ww_classified_free, never with
 * protobuf_c_message_free_unpacked: the message and everything in it (labels, spans,
 * entities, strings, arrays) live in a few blocks freed at once, and strings may be
 * shared between fields.  Read it, pack it, print it; do not free, realloc or replace
 * any part of it, except out->trace, which the caller may set to a malloc'd Trace
 * (ww_trace_copy, ww_trace_stamp) that ww_classified_free then frees.  It does not
 * point into c or doc: it may outlive both, and be freed on any thread. */
int ww_classify_document(ww_classifier *c, const Wirewatch__V1__Document *doc,
                         Wirewatch__V1__Classified **out, int *alert);
/* Free a Classified from ww_classify_document and its trace; NULL is a no-op. */
void ww_classified_free(Wirewatch__V1__Classified *out);

/* The embedded default data (generated at build time from workers/classify/data and
 * Debian iso-codes). */
extern const unsigned char ww__data_iptc[];
extern const size_t ww__data_iptc_len;
extern const unsigned char ww__data_iso3166[];
extern const size_t ww__data_iso3166_len;
extern const unsigned char ww__data_country_aliases[];
extern const size_t ww__data_country_aliases_len;
extern const unsigned char ww__data_organizations[];
extern const size_t ww__data_organizations_len;
extern const unsigned char ww__data_given_names[];
extern const size_t ww__data_given_names_len;

#endif
