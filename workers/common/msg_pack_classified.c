/* Classified (the classify stage's output) packed by code written for its fields
 * instead of protobuf-c's walk of the descriptors: the same bytes as
 * protobuf_c_message_pack (fields in number order, proto3 zero values left out, the
 * same varints), checked against it by tests/unit/test_classify.c and by
 * `bench_classify_rules pack-check`.  protobuf-c's get_packed_size and pack were a
 * quarter of classifying an English story (a Classified holds ~13 labels and ~60
 * spans, and protobuf-c looks up every field's type and offset for each of them,
 * then sizes every submessage again while packing it); docs/benchmarks.md.
 *
 * Only what ww_classify_document makes is packed here: a message holding unknown
 * fields (one decoded from newer input) is left to protobuf-c (size SIZE_MAX). */
#include <stdint.h>
#include <string.h>

#include "wirewatch/message.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "floats and fixed64 are copied as the wire's little-endian bytes"
#endif

static size_t varint_len(uint64_t v) {
    if (v < 0x80)
        return 1;
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v) {
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

/* field numbers up to 15 take one tag byte, 16 and 17 two */
#define TAG_LEN(id) ((id) < 16 ? 1u : 2u)
#define WT_VARINT 0
#define WT_64 1
#define WT_LEN 2
#define WT_32 5

/* ---- sizes ---------------------------------------------------------------------- */

static size_t str_size(unsigned id, const char *s) {
    if (!s || !*s)
        return 0;
    size_t n = strlen(s);
    return TAG_LEN(id) + varint_len(n) + n;
}

static size_t u32_size(uint32_t v) { return v ? 1 + varint_len(v) : 0; }

/* an int32 enum: a negative value is sign-extended to ten bytes, as protobuf-c does */
static size_t enum_size(int v) { return v ? 1 + varint_len((uint64_t)(int64_t)v) : 0; }

static size_t sub_size(size_t n) { return 1 + varint_len(n) + n; }

/* A string's length, kept for the next call with the same pointer: a Classified's
 * labels share their taxonomy, version and source strings (classify_output.c), each
 * strlen'd twice a label (size, then pack): 216 of the ~600 strlen calls packing an
 * Arabic story of 36 labels.  The strings do not change while one message is sized
 * or packed. */
typedef struct last_len {
    const char *s;
    size_t n;
} last_len;

static size_t len_of(last_len *m, const char *s) {
    if (s != m->s) {
        m->s = s;
        m->n = strlen(s);
    }
    return m->n;
}

static size_t shared_str_size(unsigned id, const char *s, last_len *m) {
    if (!s || !*s)
        return 0;
    size_t n = len_of(m, s);
    return TAG_LEN(id) + varint_len(n) + n;
}

/* the labels' shared strings, in the order label_size and back_label meet them */
typedef struct label_lens {
    last_len tax, ver, source;
} label_lens;

/* *unknown set when s carries unknown fields (protobuf-c packs those) */
static size_t span_size(const Wirewatch__V1__Span *s, int *unknown) {
    *unknown |= s->base.n_unknown_fields != 0;
    return u32_size(s->start) + u32_size(s->end) + str_size(3, s->text) +
           enum_size((int)s->field);
}

/* Evidence spans labels share (classify_output.c: a hit is evidence of its topic and
 * of its ancestors, one span in each of their labels; half of an Arabic story's 105
 * spans): sized and written once, then found by pointer in a small direct-mapped
 * table, the size pass keeping a span's size, the pack pass where its bytes are.  A
 * message's spans do not change while it is sized or packed. */
#define SPAN_MEMO 64
typedef struct span_memo {
    const Wirewatch__V1__Span *s[SPAN_MEMO];
    size_t n[SPAN_MEMO];          /* the span's packed size (without tag and length) */
    const uint8_t *at[SPAN_MEMO]; /* pack: where those bytes are */
} span_memo;

static size_t memo_slot(const Wirewatch__V1__Span *s) {
    return (size_t)((uint32_t)(uintptr_t)s * 0x9e3779b1u >> 26); /* 0 .. 63 */
}

static size_t label_size(const Wirewatch__V1__Label *l, label_lens *ll, span_memo *sm,
                         int *unknown) {
    *unknown |= l->base.n_unknown_fields != 0;
    size_t n = shared_str_size(1, l->taxonomy, &ll->tax) +
               shared_str_size(2, l->taxonomy_version, &ll->ver) + str_size(3, l->code) +
               str_size(4, l->name) + shared_str_size(7, l->source, &ll->source) +
               (l->score != 0 ? 5 : 0) + (l->confidence != 0 ? 5 : 0);
    for (size_t i = 0; i < l->n_evidence; i++) {
        const Wirewatch__V1__Span *sp = l->evidence[i];
        size_t k = memo_slot(sp);
        if (sm->s[k] != sp) {
            sm->s[k] = sp;
            sm->n[k] = span_size(sp, unknown);
        }
        n += sub_size(sm->n[k]);
    }
    return n;
}

static size_t entity_size(const Wirewatch__V1__Entity *e, int *unknown) {
    *unknown |= e->base.n_unknown_fields != 0;
    size_t n = str_size(1, e->type) + str_size(2, e->name) + str_size(3, e->id);
    for (size_t i = 0; i < e->n_spans; i++)
        n += sub_size(span_size(e->spans[i], unknown));
    return n;
}

/* Unknown fields (m or a message in it: protobuf-c packs those) are looked for while
 * sizing, not in a walk of every label and span of its own. */
size_t ww_classified_packed_size(const Wirewatch__V1__Classified *m) {
    if (m->base.n_unknown_fields)
        return SIZE_MAX;
    int unknown = 0;
    label_lens ll = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    span_memo sm;
    memset(sm.s, 0, sizeof sm.s);
    size_t n = str_size(1, m->id) + str_size(2, m->url) + str_size(3, m->canonical_url) +
               str_size(4, m->title) + str_size(5, m->byline) +
               str_size(6, m->published) + str_size(7, m->language) +
               str_size(8, m->site) + str_size(9, m->text) +
               str_size(12, m->taxonomy_version) + str_size(13, m->model_version) +
               (m->simhash ? 9 : 0) + str_size(15, m->near_duplicate_of) +
               str_size(17, m->request_id);
    for (size_t i = 0; i < m->n_labels; i++)
        n += sub_size(label_size(m->labels[i], &ll, &sm, &unknown));
    for (size_t i = 0; i < m->n_entities; i++)
        n += sub_size(entity_size(m->entities[i], &unknown));
    if (unknown)
        return SIZE_MAX;
    if (m->trace) /* a message field is written whenever it is set, even empty */
        n += TAG_LEN(16) +
             varint_len(protobuf_c_message_get_packed_size(&m->trace->base)) +
             protobuf_c_message_get_packed_size(&m->trace->base);
    return n;
}

/* ---- packing, from the end back ------------------------------------------------
 * Each submessage is written before its length, so its length is known when it is
 * written: one pass, where packing forward sizes every label and span again. */

/* one and two bytes first: every tag here but 16 and 17, most lengths and offsets */
static inline uint8_t *back_varint(uint8_t *p, uint64_t v) {
    if (v < 0x80) {
        *--p = (uint8_t)v;
        return p;
    }
    if (v < 0x4000) {
        p -= 2;
        p[0] = (uint8_t)(v | 0x80);
        p[1] = (uint8_t)(v >> 7);
        return p;
    }
    p -= varint_len(v);
    put_varint(p, v);
    return p;
}

static inline uint8_t *back_tag(uint8_t *p, unsigned id, unsigned wt) {
    return back_varint(p, ((uint64_t)id << 3) | wt);
}

static uint8_t *back_bytes(uint8_t *p, unsigned id, const char *s, size_t n) {
    p -= n;
    memcpy(p, s, n);
    return back_tag(back_varint(p, n), id, WT_LEN);
}

static uint8_t *back_str(uint8_t *p, unsigned id, const char *s) {
    return s && *s ? back_bytes(p, id, s, strlen(s)) : p;
}

static uint8_t *back_shared_str(uint8_t *p, unsigned id, const char *s, last_len *m) {
    return s && *s ? back_bytes(p, id, s, len_of(m, s)) : p;
}

static uint8_t *back_u32(uint8_t *p, unsigned id, uint32_t v) {
    return v ? back_tag(back_varint(p, v), id, WT_VARINT) : p;
}

static uint8_t *back_float(uint8_t *p, unsigned id, float v) {
    if (v == 0)
        return p;
    p -= 4;
    memcpy(p, &v, 4); /* little-endian, as the wire (checked above) */
    return back_tag(p, id, WT_32);
}

/* the length and tag in front of a submessage written back from end to p */
static uint8_t *back_sub(uint8_t *p, const uint8_t *end, unsigned id) {
    return back_tag(back_varint(p, (uint64_t)(end - p)), id, WT_LEN);
}

/* s's fields (not its tag and length) written back from p */
static uint8_t *back_span_body(uint8_t *p, const Wirewatch__V1__Span *s) {
    if (s->field)
        p = back_tag(back_varint(p, (uint64_t)(int64_t)(int)s->field), 4, WT_VARINT);
    p = back_str(p, 3, s->text);
    p = back_u32(p, 2, s->end);
    return back_u32(p, 1, s->start);
}

static uint8_t *back_span(uint8_t *p, unsigned id, const Wirewatch__V1__Span *s) {
    const uint8_t *end = p;
    return back_sub(back_span_body(p, s), end, id);
}

/* an evidence span: its bytes copied when another label's copy of it is written
 * (labels are written last first, so those bytes are above p) */
static uint8_t *back_evidence(uint8_t *p, const Wirewatch__V1__Span *s, span_memo *sm) {
    const uint8_t *end = p;
    size_t k = memo_slot(s);
    if (sm->s[k] == s) {
        p -= sm->n[k];
        memcpy(p, sm->at[k], sm->n[k]);
    } else {
        p = back_span_body(p, s);
        sm->s[k] = s;
        sm->n[k] = (size_t)(end - p);
        sm->at[k] = p;
    }
    return back_sub(p, end, 6);
}

static uint8_t *back_label(uint8_t *p, const Wirewatch__V1__Label *l, label_lens *ll,
                           span_memo *sm) {
    const uint8_t *end = p;
    p = back_float(p, 8, l->confidence);
    p = back_shared_str(p, 7, l->source, &ll->source);
    for (size_t i = l->n_evidence; i-- > 0;)
        p = back_evidence(p, l->evidence[i], sm);
    p = back_float(p, 5, l->score);
    p = back_str(p, 4, l->name);
    p = back_str(p, 3, l->code);
    p = back_shared_str(p, 2, l->taxonomy_version, &ll->ver);
    p = back_shared_str(p, 1, l->taxonomy, &ll->tax);
    return back_sub(p, end, 10);
}

static uint8_t *back_entity(uint8_t *p, const Wirewatch__V1__Entity *e) {
    const uint8_t *end = p;
    for (size_t i = e->n_spans; i-- > 0;)
        p = back_span(p, 4, e->spans[i]);
    p = back_str(p, 3, e->id);
    p = back_str(p, 2, e->name);
    p = back_str(p, 1, e->type);
    return back_sub(p, end, 11);
}

size_t ww_classified_pack(const Wirewatch__V1__Classified *m, uint8_t *out, size_t size) {
    uint8_t *p = out + size;
    p = back_str(p, 17, m->request_id);
    if (m->trace) {
        const uint8_t *end = p;
        p -= protobuf_c_message_get_packed_size(&m->trace->base);
        protobuf_c_message_pack(&m->trace->base, p);
        p = back_sub(p, end, 16);
    }
    p = back_str(p, 15, m->near_duplicate_of);
    if (m->simhash) {
        p -= 8;
        memcpy(p, &m->simhash, 8); /* little-endian, as the wire */
        p = back_tag(p, 14, WT_64);
    }
    p = back_str(p, 13, m->model_version);
    p = back_str(p, 12, m->taxonomy_version);
    for (size_t i = m->n_entities; i-- > 0;)
        p = back_entity(p, m->entities[i]);
    label_lens ll = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    span_memo sm;
    memset(sm.s, 0, sizeof sm.s);
    for (size_t i = m->n_labels; i-- > 0;)
        p = back_label(p, m->labels[i], &ll, &sm);
    p = back_str(p, 9, m->text);
    p = back_str(p, 8, m->site);
    p = back_str(p, 7, m->language);
    p = back_str(p, 6, m->published);
    p = back_str(p, 5, m->byline);
    p = back_str(p, 4, m->title);
    p = back_str(p, 3, m->canonical_url);
    p = back_str(p, 2, m->url);
    p = back_str(p, 1, m->id);
    return p == out ? size : 0;
}
