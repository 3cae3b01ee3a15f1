/* Taxonomy files: topics with weighted terms, exclusions, thresholds and routing rules
 * (format in docs/taxonomy.md).  The default taxonomy (IPTC Media Topics) and every
 * user watch-list use the same format and are compiled into one matcher by
 * classifier_build.c.
 *
 * The loader is strict: an unknown key is an error naming the key, duplicate keys are
 * rejected (JSON_REJECT_DUPLICATES), every size is capped (WW_TAX_MAX_*), parents
 * must exist and the hierarchy must be acyclic.  A loaded taxonomy is immutable. */
#ifndef WIREWATCH_TAXONOMY_H
#define WIREWATCH_TAXONOMY_H

#include <stddef.h>

#define WW_TAX_MAX_FILE_BYTES (32u << 20) /* whole JSON file */
#define WW_TAX_MAX_TOPICS 200000
#define WW_TAX_MAX_TERMS 10000 /* per topic (terms + phrases + exclude) */
#define WW_TAX_MAX_TEXT 256    /* bytes of one code, name or term */
#define WW_TAX_MAX_PHRASE_TOKENS 8
#define WW_TAX_MAX_DEPTH 16
#define WW_TAX_MAX_ROUTES 1000
#define WW_TAX_CALIB_FEATURES 2 /* ln(score), share of the best score at its depth */
#define WW_TAX_CALIB_MAX 8      /* groups, languages per group, depth steps per group */

typedef struct ww_term {
    char *text;
    float weight;       /* may be negative: evidence against the topic */
    int case_sensitive; /* 1: must match with the same case (after NFKC) */
    char lang[8];       /* language the term is written in ("de"); "" = every language */
    int stem; /* 1: matched by Snowball stems of lang (when lang has a stemmer) */
} ww_term;

typedef struct ww_topic {
    char *code;
    char *name;
    int parent;       /* index into topics, -1 for a root */
    int depth;        /* 0 for a root */
    double threshold; /* this topic's, or the taxonomy's when the file has none */
    ww_term *terms;   /* terms and phrases together */
    size_t nterms;
    ww_term *exclude; /* any match vetoes the topic for the document */
    size_t nexclude;
} ww_topic;

typedef struct ww_route {
    char *label; /* topic code */
    double min_score;
    double min_confidence; /* 0 = any */
    char *output;          /* "alerts" */
} ww_route;

/* "calibration": raw score -> confidence, Platt scaling (docs/taxonomy.md).  A label at
 * depth d of a document in language L uses the first group listing L (or "*") and in
 * it the first step with d <= max_depth: confidence = 1 / (1 + exp(-(w . x + bias))),
 * x = {ln(score), score / the best score of a label at depth d}. */
typedef struct ww_calib_step {
    int max_depth;
    double w[WW_TAX_CALIB_FEATURES];
    double bias;
} ww_calib_step;

typedef struct ww_calib_group {
    char languages[WW_TAX_CALIB_MAX][8]; /* "de", "*" = any language */
    int nlanguages;
    ww_calib_step steps[WW_TAX_CALIB_MAX];
    int nsteps;
} ww_calib_group;

typedef struct ww_taxonomy {
    char *name;    /* "iptc-mediatopic"; used as Label.taxonomy */
    char *version; /* "2023-10-24"; used as Label.taxonomy_version */
    char *source;  /* where the vocabulary comes from ("" if not given) */
    char *license;
    char *attribution;
    double threshold;    /* default minimum score of a label */
    double title_weight; /* one title hit counts as this many text hits */
    double norm_tokens;  /* documents longer than this are scaled by sqrt(n/len) */
    char
        language[8]; /* "language": the default lang of its terms ("" = every language) */
    int stem;        /* "stem": terms matched by stems of that language */
    ww_topic *topics;
    size_t ntopics;
    int *order; /* topic indexes, deepest first (for roll-up) */
    ww_route *routes;
    size_t nroutes;
    ww_calib_group calib[WW_TAX_CALIB_MAX]; /* ncalib 0: uncalibrated (confidence 1) */
    int ncalib;
} ww_taxonomy;

/* Parse a taxonomy from JSON text (need not be NUL-terminated).  Returns NULL with err
 * naming the problem (key, topic code, limit).  Caller owns the result. */
ww_taxonomy *ww_taxonomy_parse(const char *json, size_t len, char *err, size_t errlen);

/* Same from a file (at most WW_TAX_MAX_FILE_BYTES). */
ww_taxonomy *ww_taxonomy_load(const char *path, char *err, size_t errlen);

/* Index of the topic with this code, or -1. */
int ww_taxonomy_find(const ww_taxonomy *t, const char *code);

void ww_taxonomy_free(ww_taxonomy *t);

#endif
