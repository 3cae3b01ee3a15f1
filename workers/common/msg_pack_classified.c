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

static uint8_t *put_tag(uint8_t *o, unsigned id, unsigned wt) {
    return put_varint(o, ((uint64_t)id << 3) | wt);
}

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

static size_t span_size(const Wirewatch__V1__Span *s) {
    return u32_size(s->start) + u32_size(s->end) + str_size(3, s->text) +
           enum_size((int)s->field);
}

static size_t label_size(const Wirewatch__V1__Label *l) {
    size_t n = str_size(1, l->taxonomy) + str_size(2, l->taxonomy_version) +
               str_size(3, l->code) + str_size(4, l->name) + str_size(7, l->source) +
               (l->score != 0 ? 5 : 0) + (l->confidence != 0 ? 5 : 0);
    for (size_t i = 0; i < l->n_evidence; i++)
        n += sub_size(span_size(l->evidence[i]));
    return n;
}

static size_t entity_size(const Wirewatch__V1__Entity *e) {
    size_t n = str_size(1, e->type) + str_size(2, e->name) + str_size(3, e->id);
    for (size_t i = 0; i < e->n_spans; i++)
        n += sub_size(span_size(e->spans[i]));
    return n;
}

/* 1 when m or a message in it carries unknown fields (protobuf-c packs those) */
static int has_unknown(const Wirewatch__V1__Classified *m) {
    if (m->base.n_unknown_fields)
        return 1;
    for (size_t i = 0; i < m->n_labels; i++) {
        if (m->labels[i]->base.n_unknown_fields)
            return 1;
        for (size_t k = 0; k < m->labels[i]->n_evidence; k++)
            if (m->labels[i]->evidence[k]->base.n_unknown_fields)
                return 1;
    }
    for (size_t i = 0; i < m->n_entities; i++) {
        if (m->entities[i]->base.n_unknown_fields)
            return 1;
        for (size_t k = 0; k < m->entities[i]->n_spans; k++)
            if (m->entities[i]->spans[k]->base.n_unknown_fields)
                return 1;
    }
    return 0;
}

size_t ww_classified_packed_size(const Wirewatch__V1__Classified *m) {
    if (has_unknown(m))
        return SIZE_MAX;
    size_t n = str_size(1, m->id) + str_size(2, m->url) + str_size(3, m->canonical_url) +
               str_size(4, m->title) + str_size(5, m->byline) +
               str_size(6, m->published) + str_size(7, m->language) +
               str_size(8, m->site) + str_size(9, m->text) +
               str_size(12, m->taxonomy_version) + str_size(13, m->model_version) +
               (m->simhash ? 9 : 0) + str_size(15, m->near_duplicate_of) +
               str_size(17, m->request_id);
    for (size_t i = 0; i < m->n_labels; i++)
        n += sub_size(label_size(m->labels[i]));
    for (size_t i = 0; i < m->n_entities; i++)
        n += sub_size(entity_size(m->entities[i]));
    if (m->trace) /* a message field is written whenever it is set, even empty */
        n += TAG_LEN(16) +
             varint_len(protobuf_c_message_get_packed_size(&m->trace->base)) +
             protobuf_c_message_get_packed_size(&m->trace->base);
    return n;
}

/* ---- packing -------------------------------------------------------------------- */

static uint8_t *put_str(uint8_t *o, unsigned id, const char *s) {
    if (!s || !*s)
        return o;
    size_t n = strlen(s);
    o = put_tag(o, id, WT_LEN);
    o = put_varint(o, n);
    memcpy(o, s, n);
    return o + n;
}

static uint8_t *put_u32(uint8_t *o, unsigned id, uint32_t v) {
    return v ? put_varint(put_tag(o, id, WT_VARINT), v) : o;
}

static uint8_t *put_float(uint8_t *o, unsigned id, float v) {
    if (v == 0)
        return o;
    o = put_tag(o, id, WT_32);
    memcpy(o, &v, 4); /* little-endian, as the wire (x86, arm64) */
    return o + 4;
}

static uint8_t *put_span(uint8_t *o, unsigned id, const Wirewatch__V1__Span *s) {
    o = put_varint(put_tag(o, id, WT_LEN), span_size(s));
    o = put_u32(o, 1, s->start);
    o = put_u32(o, 2, s->end);
    o = put_str(o, 3, s->text);
    if (s->field)
        o = put_varint(put_tag(o, 4, WT_VARINT), (uint64_t)(int64_t)(int)s->field);
    return o;
}

static uint8_t *put_label(uint8_t *o, const Wirewatch__V1__Label *l) {
    o = put_varint(put_tag(o, 10, WT_LEN), label_size(l));
    o = put_str(o, 1, l->taxonomy);
    o = put_str(o, 2, l->taxonomy_version);
    o = put_str(o, 3, l->code);
    o = put_str(o, 4, l->name);
    o = put_float(o, 5, l->score);
    for (size_t i = 0; i < l->n_evidence; i++)
        o = put_span(o, 6, l->evidence[i]);
    o = put_str(o, 7, l->source);
    return put_float(o, 8, l->confidence);
}

static uint8_t *put_entity(uint8_t *o, const Wirewatch__V1__Entity *e) {
    o = put_varint(put_tag(o, 11, WT_LEN), entity_size(e));
    o = put_str(o, 1, e->type);
    o = put_str(o, 2, e->name);
    o = put_str(o, 3, e->id);
    for (size_t i = 0; i < e->n_spans; i++)
        o = put_span(o, 4, e->spans[i]);
    return o;
}

size_t ww_classified_pack(const Wirewatch__V1__Classified *m, uint8_t *out) {
    uint8_t *o = out;
    o = put_str(o, 1, m->id);
    o = put_str(o, 2, m->url);
    o = put_str(o, 3, m->canonical_url);
    o = put_str(o, 4, m->title);
    o = put_str(o, 5, m->byline);
    o = put_str(o, 6, m->published);
    o = put_str(o, 7, m->language);
    o = put_str(o, 8, m->site);
    o = put_str(o, 9, m->text);
    for (size_t i = 0; i < m->n_labels; i++)
        o = put_label(o, m->labels[i]);
    for (size_t i = 0; i < m->n_entities; i++)
        o = put_entity(o, m->entities[i]);
    o = put_str(o, 12, m->taxonomy_version);
    o = put_str(o, 13, m->model_version);
    if (m->simhash) {
        o = put_tag(o, 14, WT_64);
        memcpy(o, &m->simhash, 8); /* little-endian, as the wire */
        o += 8;
    }
    o = put_str(o, 15, m->near_duplicate_of);
    if (m->trace) {
        o = put_varint(put_tag(o, 16, WT_LEN),
                       protobuf_c_message_get_packed_size(&m->trace->base));
        o += protobuf_c_message_pack(&m->trace->base, o);
    }
    o = put_str(o, 17, m->request_id);
    return (size_t)(o - out);
}
