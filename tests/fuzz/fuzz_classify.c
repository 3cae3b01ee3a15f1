/* Fuzz target: classifying hostile article text with the default rules of every
 * language (the embedded IPTC Media Topics, the language packs, the gazetteer).
 *
 * The classifier's hot path reads token bytes 8 at a time, keeps a stem cache and
 * scratch arrays from one document to the next, and segments Chinese, Japanese and
 * Thai with ICU; this target runs it under ASan/UBSan on any text and checks what a
 * consumer relies on, aborting on the first broken promise:
 *   - ww_classify_document returns 0 (it has no error but ENOMEM);
 *   - every span of a label or an entity lies inside its field (start <= end <= the
 *     field's length), on UTF-8 boundaries, and its text is exactly those bytes;
 *     scores are finite, confidences in [0, 1];
 *   - the Classified packs to protobuf-c's own bytes (ww_classified_pack is written by
 *     hand) and unpacks again;
 *   - its JSON line (msg_json_text.c, written straight from the message) is the
 *     jansson tree encoder's text;
 *   - the same document classified again, after another one, gives the same bytes:
 *     nothing of the last document (stem cache, token arrays, scratch) leaks into
 *     the next; and so does a classifier made for another thread
 *     (ww_classifier_for_thread: shared tables, scratch of its own).
 *
 * Input: byte 0 picks the Document's language (and the classifier: the worker's
 * default emission options, or every candidate label), then the title up to the
 * first newline, then the text.  The classify stage dead-letters a document that is
 * not UTF-8 (classify_stage.c), so invalid bytes become U+FFFD here and a NUL a
 * space: the classifier is fed what the stage would let through. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../unit/encoders_agree.h"
#include "wirewatch/classify.h"

#define FUZZ_MAX_INPUT (256 * 1024)

static const char *const languages[] = {
    "",   "en", "de", "fr", "es",  "pt", "ru", "ar",    "zh",    "zh-Hant",
    "ja", "th", "ko", "it", "und", "uk", "fa", "zh-TW", "pt-BR", "en-GB",
};
#define NLANG (sizeof languages / sizeof languages[0])

static ww_classifier *classifiers[2]; /* default options, every candidate label */
static ww_classifier *threads[2];     /* each one's classifier for another thread */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "fuzz_classify: %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static ww_classifier *classifier(int every) {
    if (!classifiers[every]) {
        ww_classify_opts o = {0};
        if (every) {
            o.min_confidence = -1;
            o.max_labels = 1000;
        }
        char err[256];
        classifiers[every] = ww_classifier_new(&o, err, sizeof err);
        if (!classifiers[every] || !(threads[every] = ww_classifier_for_thread(
                                         classifiers[every], err, sizeof err))) {
            fprintf(stderr, "fuzz_classify: %s\n", err);
            abort();
        }
    }
    return classifiers[every];
}

/* in[0..n) as the stage would pass it: valid UTF-8 (U+FFFD for each bad byte), no NUL.
 * out has room for 3n + 1 bytes. */
static size_t sanitise(const uint8_t *in, size_t n, char *out) {
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(in + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0) {
            memcpy(out + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        } else if (cp == 0) {
            out[k++] = ' ';
            i++;
        } else {
            memcpy(out + k, in + i, (size_t)len);
            k += (size_t)len;
            i += (size_t)len;
        }
    }
    out[k] = 0;
    return k;
}

static int utf8_boundary(const char *s, size_t at) {
    return ((unsigned char)s[at] & 0xC0) != 0x80;
}

static void check_span(const Wirewatch__V1__Span *sp, const char *title,
                       const char *text) {
    const char *f = sp->field == WIREWATCH__V1__SPAN__FIELD__FIELD_TITLE ? title : text;
    size_t len = strlen(f);
    CHECK(sp->start <= sp->end && sp->end <= len);
    CHECK(utf8_boundary(f, sp->start) && utf8_boundary(f, sp->end));
    CHECK(sp->text && strlen(sp->text) == sp->end - sp->start &&
          memcmp(sp->text, f + sp->start, sp->end - sp->start) == 0);
}

static void check_message(const Wirewatch__V1__Classified *out, const char *title,
                          const char *text) {
    for (size_t i = 0; i < out->n_labels; i++) {
        const Wirewatch__V1__Label *l = out->labels[i];
        CHECK(l->code && l->code[0] && l->name && l->taxonomy);
        CHECK(isfinite(l->score));
        CHECK(l->confidence >= 0 && l->confidence <= 1);
        for (size_t j = 0; j < l->n_evidence; j++)
            check_span(l->evidence[j], title, text);
    }
    for (size_t i = 0; i < out->n_entities; i++) {
        const Wirewatch__V1__Entity *e = out->entities[i];
        CHECK(e->type && e->name && e->name[0]);
        for (size_t j = 0; j < e->n_spans; j++)
            check_span(e->spans[j], title, text);
    }
}

/* The Classified's bytes, the same from protobuf-c and from the hand-written packer
 * (and unpacking again); malloc'd, length in *len. */
static uint8_t *packed(const Wirewatch__V1__Classified *out, size_t *len) {
    uint8_t *bytes = NULL;
    CHECK(ww_classified_pack_vs_lib(out, &bytes, len) == WW_AGREE);
    Wirewatch__V1__Classified *back =
        wirewatch__v1__classified__unpack(NULL, *len, bytes);
    CHECK(back);
    CHECK(back->n_labels == out->n_labels && back->n_entities == out->n_entities);
    wirewatch__v1__classified__free_unpacked(back, NULL);
    return bytes;
}

static void check_json(const Wirewatch__V1__Classified *out) {
    size_t n;
    char *direct;
    CHECK(ww_json_text_vs_tree(&out->base, &direct, &n, NULL) == WW_AGREE);
    free(direct);
}

static Wirewatch__V1__Classified *classify(ww_classifier *c, const char *lang,
                                           char *title, char *text) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.id = (char *)"fuzz";
    d.language = (char *)lang;
    d.title = title;
    d.text = text;
    Wirewatch__V1__Classified *out = NULL;
    int alert;
    CHECK(ww_classify_document(c, &d, &out, &alert) == 0 && out);
    return out;
}

/* The input before this one (sanitised), classified in between two classifications of
 * the current one. */
static char *prev_title, *prev_text;
static const char *prev_lang;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > FUZZ_MAX_INPUT)
        return 0;
    const char *lang = languages[(data[0] >> 1) % NLANG];
    int every = data[0] & 1;
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    const uint8_t *nl = memchr(body, '\n', n);
    size_t tn = nl ? (size_t)(nl - body) : 0;
    const uint8_t *tx = nl ? nl + 1 : body;
    size_t xn = n - (size_t)(tx - body);
    char *title = malloc(3 * tn + 1), *text = malloc(3 * xn + 1);
    CHECK(title && text);
    sanitise(body, tn, title);
    sanitise(tx, xn, text);

    ww_classifier *c = classifier(every);
    Wirewatch__V1__Classified *out = classify(c, lang, title, text);
    check_message(out, title, text);
    check_json(out);
    size_t n1, n2;
    uint8_t *first = packed(out, &n1);
    ww_classified_free(out);

    if (prev_text) /* another document on the same classifier's scratch */
        ww_classified_free(classify(c, prev_lang, prev_title, prev_text));
    out = classify(c, lang, title, text);
    uint8_t *again = packed(out, &n2);
    CHECK(n1 == n2 && memcmp(first, again, n1) == 0);
    ww_classified_free(out);
    free(again);
    out = classify(threads[every], lang, title, text);
    again = packed(out, &n2);
    CHECK(n1 == n2 && memcmp(first, again, n1) == 0);
    ww_classified_free(out);
    free(first);
    free(again);

    free(prev_title);
    free(prev_text);
    prev_title = title;
    prev_text = text;
    prev_lang = lang;
    return 0;
}
