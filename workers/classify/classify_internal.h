/* The classifier's insides, shared by the files of one classification:
 *
 *   classifier_build.c  options and data files -> a ww_classifier (taxonomies compiled
 *                       into one matcher, gazetteer, routes, model)
 *   classify_score.c    per document: tokenise, match, drop nested terms, score topics
 *                       and pick their evidence (fills the scratch state below)
 *   classify_output.c   scratch state -> the Classified message: copied document
 *                       fields, rule labels with evidence, model labels
 *   classify_entities.c scratch state -> entities (gazetteer and persons) with spans
 *   classify_arena.c    the blocks every part of one Classified is allocated from
 *   classify.c          ww_classify_document: the steps above in order, then routes
 *
 * Dependencies run one way: build knows nothing of a document; scoring reads what
 * build made; output reads what scoring left.  Only this header is shared. */
#ifndef WW_CLASSIFY_INTERNAL_H
#define WW_CLASSIFY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "classify_arena.h"
#include "gazetteer.h"
#include "han_titles.h"
#include "lang_pack.h"
#include "matcher.h"
#include "persons.h"
#include "stem_cache.h"
#include "tokenize.h"
#include "wirewatch/classify.h"
#include "wirewatch/model.h"

#define WW__MAX_EV_CAP WW_CLASSIFY_MAX_EVIDENCE_CAP /* evidence kept while scoring */
#define WW__MODEL_MAX_OUT 32                        /* model labels per document */

/* One matched taxonomy term (or exclusion) in the title or the text. */
typedef struct ww__hit {
    uint32_t topic; /* global topic index */
    uint32_t term;
    uint32_t first; /* token index (text or title tokens) */
    uint16_t ntok;
    uint8_t kind; /* WW__P_TERM / WW__P_EXCLUDE */
    uint8_t in_title;
    uint16_t occ; /* earlier text hits of the same topic term (evidence priority) */
    float weight;
} ww__hit;

/* Per-document count of one (topic, kind, term): the repeat damping works on these.
 * key: topic << 33 | term << 1 | kind (WW__P_TERM or WW__P_EXCLUDE), with bit 32 set
 * (no field's) so a used entry's key is never 0: one compare a probe, not three, and
 * 24 bytes an entry, not 32 (count_terms). */
#define WW__AGG_USED (1ull << 32)
typedef struct ww__agg {
    uint64_t key; /* 0: unused */
    uint16_t ntext;
    float weight;
    double cnt;
} ww__agg;

/* One gazetteer entity matched in the text. */
typedef struct ww__ehit {
    uint32_t ent;
    uint32_t first;
    uint32_t ntok;
} ww__ehit;

/* A topic's per-document state; only topics a document touched are ever non-zero.
 * Everything scoring reads for every hit comes before ev, in the state's first cache
 * line with the first evidence indexes (the flags after ev put a touched topic on two
 * lines and more); ev[k] is read only below nev, so ww__classify_reset clears the
 * fields before ev alone (a memset of the whole 300 bytes a touched topic had a
 * sixth of the data cache's write misses classifying Arabic). */
typedef struct ww__tstate {
    double own, child, score;
    double conf;     /* calibrated confidence (candidates only) */
    uint32_t ev_run; /* 1 + the run of the last hit kept (pick_evidence) */
    uint16_t nev;
    uint8_t worst; /* the worst of ev once nev reaches max_evidence (pick_evidence) */
    uint8_t touched, veto;
    uint8_t ev_title;            /* the evidence is title hits: the text had none */
    uint64_t ev_worst_key;       /* the evidence key of ev[worst] (classify_score.c) */
    uint32_t ev[WW__MAX_EV_CAP]; /* indexes into hits, the first nev set */
} ww__tstate;

/* A topic of any loaded taxonomy, by its global index. */
typedef struct ww__gtopic {
    uint32_t tax;   /* index into taxonomies */
    uint32_t local; /* index into that taxonomy's topics */
    int parent;     /* global index or -1 */
    uint32_t top;   /* global index of its top-level ancestor (itself at the top):
                     * the output's sort asked for it by walking parents, 4% of
                     * classifying Arabic (~36 labels a document) */
} ww__gtopic;

struct ww_classifier {
    ww_taxonomy **tax;
    size_t ntax;
    uint32_t *base; /* global index of each taxonomy's first topic */
    ww__gtopic *topics;
    size_t ntopics;
    ww_route *routes; /* copies of the taxonomies' and the opts' routes */
    size_t nroutes;
    ww__matcher *m;
    ww__gazetteer gaz;
    ww__han_titles *han_titles; /* the packs' person titles in Han or kana */
    char *tax_version;
    ww_model *model;
    float model_threshold;
    double min_confidence; /* labels below are not emitted */
    int max_labels, max_evidence;
    int no_entities; /* classify.entities off: no gazetteer, no persons */

    /* per-document scratch (this is why a classifier is one per thread) */
    ww__tstate *st;
    uint32_t *touched;
    size_t ntouched;
    uint32_t *by_depth; /* as many as touched: roll_up's sort writes here */
    ww__hit *hits;
    size_t nhits, caphits;
    ww__hit *merge; /* merge_passes' output, swapped with hits (<= 2,048 hits kept) */
    size_t capmerge;
    /* the evidence span made for a hit (classify_output.c), NULL for the others: a hit
     * that is evidence of a topic and its ancestors is one span in each of their labels.
     * ww__classify_reset sets the entries a document set back to NULL. */
    Wirewatch__V1__Span **hit_span;
    size_t caphit_span;
    ww__agg *aggs; /* open addressing, capaggs a power of two */
    size_t capaggs;
    uint64_t *aggs_used; /* a bit an entry of aggs in use (capaggs / 64 words) */
    uint32_t *cover;     /* per taxonomy: end of the longest term so far (drop_nested) */
    uint16_t *gmax;      /* per taxonomy: longest term starting at the current token */
    ww__ehit *ehits;
    size_t nehits, capehits;
    ww__title_hit *thits; /* language packs' person titles found in the text */
    size_t nthits, capthits;
    int in_title;
    int oom;
    ww__arena out_mem;   /* the Classified being made (handed to it when done) */
    size_t cap_entities; /* room in the Classified's entities array */
    ww__toks text, title;
    ww__toks text_st, title_st;   /* their stems, for a language matched by stems */
    struct ww__stem_cache *stems; /* lent to text_st and title_st (stem_cache.h) */
    ww__langs langs;              /* every language a phrase is written in */
};

static inline const ww_topic *ww__topic_of(const ww_classifier *c, uint32_t g) {
    return &c->tax[c->topics[g].tax]->topics[c->topics[g].local];
}

/* ---- classifier_thread.c ---- */

/* Free what c owns per thread (scratch, stemmers, stem cache), not c nor the parts a
 * thread's classifier shares: both ww_classifier_free and ww_classifier_thread_free. */
void ww__classifier_own_free(ww_classifier *c);
/* Allocate the scratch sized by c->ntopics and c->ntax (the build and every thread's
 * classifier): 0 or WW_ENOMEM. */
int ww__classifier_scratch_alloc(ww_classifier *c);

/* ---- classify_score.c ---- */

/* Tokenise title and text, match them, drop nested terms and score every touched
 * topic with its evidence.  Returns 0 or WW_ENOMEM (the scratch state is then partly
 * filled: call ww__classify_reset either way). */
int ww__classify_score(ww_classifier *c, const Wirewatch__V1__Document *doc,
                       const char *title, const char *text);
/* Clear the per-document scratch state for the next document. */
void ww__classify_reset(ww_classifier *c);

/* ---- classify_output.c ---- */

/* The document's fields (not its trace, nor its text: copy_text) and the version
 * strings into o, copies in a. */
int ww__classify_copy_doc(ww__arena *a, const Wirewatch__V1__Document *d,
                          Wirewatch__V1__Classified *o, const char *tax_version,
                          const char *model_version);
/* text[0, len) (the document's text) into o, a copy in a. */
int ww__classify_copy_text(ww__arena *a, const char *text, size_t len,
                           Wirewatch__V1__Classified *o);
/* Rule labels with confidence >= min_confidence, at most max_labels per taxonomy,
 * grouped by top-level topic (best group first), the most specific first in a group,
 * each with its evidence in document order.  Allocates out->labels with room for the
 * model's labels too; reads out->language (copy_doc first). */
int ww__classify_labels(ww_classifier *c, const char *title, const char *text,
                        Wirewatch__V1__Classified *out);
/* The model's labels (none without a model), appended after the rule labels. */
int ww__classify_model_labels(ww_classifier *c, const Wirewatch__V1__Document *doc,
                              Wirewatch__V1__Classified *out);
/* A span of text[start, end) with a copy of its bytes, both in a; NULL on ENOMEM. */
Wirewatch__V1__Span *ww__span_bytes(ww__arena *a, const char *text, uint32_t start,
                                    uint32_t end);
/* The span of tokens t[first, first + n). */
Wirewatch__V1__Span *ww__span_toks(ww__arena *a, const char *text, const ww__toks *t,
                                   size_t first, size_t n);

/* ---- classify_entities.c ---- */

/* Gazetteer entities, longest match first, in order of first mention. */
int ww__classify_entities(ww_classifier *c, const char *text,
                          Wirewatch__V1__Classified *out);
/* Persons named after a title or by the language packs' person titles. */
int ww__classify_persons(ww_classifier *c, const char *text,
                         Wirewatch__V1__Classified *out);

#endif
