/* The JSON mirror as text, message -> one line of JSON, written straight from the
 * protobuf-c message without building a jansson tree: what `.jsonl` endpoints write.
 *
 * The bytes are exactly ww_json_text(ww_msg_to_json(msg, 0)) -- the same fields
 * (ww__msg_field_shown), the same writers for strings and reals (json_text.c), the
 * same repair of text that is not UTF-8 -- so the tree encoder (msg_json_encode.c)
 * stays the reference, and tests/unit/test_message_json.c compares the two.  Why a
 * second encoder: a classify worker writing Classified messages to a file spent four
 * times as long building and freeing the tree (a hash table an object, an allocation
 * a value) as classifying (docs/benchmarks.md, "The file endpoint's JSON"). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg_json.h"
#include "wirewatch/base64.h"
#include "wirewatch/json_text.h"
#include "wirewatch/message.h"
#include "wirewatch/utf8.h"

/* Text jansson would refuse (not UTF-8: wirewatch/utf8.h is jansson's test) is
 * repaired the same way as the tree encoder repairs it. */
static void put_text(ww_sb *b, const char *s, size_t n) {
    if (ww_utf8_valid(s, n)) {
        ww_json_put_string(b, s, n);
        return;
    }
    size_t k;
    char *c = ww__msg_lossy_copy(s, n, &k);
    if (!c) {
        b->oom = 1;
        return;
    }
    ww_json_put_string(b, c, k);
    free(c);
}

/* An integer in decimal, quoted (64-bit: a JSON number loses precision above 2^53) or
 * not: printf's digits, without printf (vsnprintf was a sixth of writing a Classified
 * message, whose spans are two integers each). */
static void put_int(ww_sb *b, int neg, uint64_t u, int quoted) {
    char buf[24];
    size_t i = sizeof buf;
    if (quoted)
        buf[--i] = '"';
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        buf[--i] = '-';
    if (quoted)
        buf[--i] = '"';
    ww_sb_put(b, buf + i, sizeof buf - i);
}

static void put_signed(ww_sb *b, int64_t v, int quoted) {
    put_int(b, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, quoted);
}

/* A finite real, or proto3's strings for the others. */
static void put_double(ww_sb *b, double d) {
    if (isfinite(d))
        ww_json_put_real(b, d);
    else
        ww_sb_puts(b, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
}

static void put_msg(ww_sb *b, const ProtobufCMessage *msg);

static void put_value(ww_sb *b, const ProtobufCFieldDescriptor *f, const void *p) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: put_signed(b, *(const int32_t *)p, 0); return;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: put_int(b, 0, *(const uint32_t *)p, 0); return;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: put_signed(b, *(const int64_t *)p, 1); return;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: put_int(b, 0, *(const uint64_t *)p, 1); return;
    case PROTOBUF_C_TYPE_FLOAT: {
        float x = *(const float *)p;
        put_double(b, isfinite(x) ? ww__msg_float_shortest(x) : (double)x);
        return;
    }
    case PROTOBUF_C_TYPE_DOUBLE: put_double(b, *(const double *)p); return;
    case PROTOBUF_C_TYPE_BOOL:
        ww_sb_puts(b, *(const protobuf_c_boolean *)p ? "true" : "false");
        return;
    case PROTOBUF_C_TYPE_ENUM: {
        /* a value this build does not know (a newer producer) stays a number */
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        if (ev)
            put_text(b, ev->name, strlen(ev->name));
        else
            put_signed(b, *(const int *)p, 0);
        return;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        put_text(b, s ? s : "", s ? strlen(s) : 0);
        return;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *d = p;
        char *s = ww_b64_encode(d->data, d->len);
        if (!s) {
            b->oom = 1;
            return;
        }
        ww_json_put_string(b, s, strlen(s));
        free(s);
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        if (m)
            put_msg(b, m);
        else
            ww_sb_puts(b, "null");
        return;
    }
    }
    ww_sb_puts(b, "null");
}

/* A map entry's key as the tree encoder spells it (a string, a number or true/false),
 * written into *b as a JSON string. */
static void key_text(ww_sb *b, const ProtobufCFieldDescriptor *kf, const void *p) {
    ww_sb v = {0};
    put_value(&v, kf, p);
    size_t n = v.len;
    const char *s = v.s ? v.s : "";
    if (n >= 2 && s[0] == '"') /* already a JSON string */
        ww_sb_put(b, s, n);
    else
        ww_json_put_string(b, s, n);
    if (v.oom)
        b->oom = 1;
    ww_sb_free(&v);
}

/* A map as an object.  Like a jansson object, a key given twice keeps its first place
 * and its last value (maps come from the wire, where a key may repeat). */
static void put_map(ww_sb *b, const ProtobufCFieldDescriptor *f,
                    ProtobufCMessage *const *e, size_t n) {
    const ProtobufCMessageDescriptor *md = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &md->fields[0], *vf = &md->fields[1];
    ww_sb *keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys) {
        b->oom = 1;
        return;
    }
    for (size_t k = 0; k < n; k++)
        key_text(&keys[k], kf, WW__CMEMBER(e[k], kf->offset));
    int first = 1;
    ww_sb_put(b, "{", 1);
    for (size_t k = 0; k < n; k++) {
        size_t j, last = k;
        for (j = 0; j < k; j++)
            if (keys[j].len == keys[k].len &&
                memcmp(keys[j].s, keys[k].s, keys[k].len) == 0)
                break;
        if (j < k)
            continue; /* written at its first place */
        for (j = k + 1; j < n; j++)
            if (keys[j].len == keys[k].len &&
                memcmp(keys[j].s, keys[k].s, keys[k].len) == 0)
                last = j;
        if (!first)
            ww_sb_put(b, ",", 1);
        first = 0;
        ww_sb_put(b, keys[k].s, keys[k].len);
        ww_sb_put(b, ":", 1);
        put_value(b, vf, WW__CMEMBER(e[last], vf->offset));
    }
    ww_sb_put(b, "}", 1);
    for (size_t k = 0; k < n; k++) {
        if (keys[k].oom)
            b->oom = 1;
        ww_sb_free(&keys[k]);
    }
    free(keys);
}

static void put_msg(ww_sb *b, const ProtobufCMessage *msg) {
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    int first = 1;
    ww_sb_put(b, "{", 1);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!ww__msg_field_shown(msg, f, 0))
            continue;
        if (!first)
            ww_sb_put(b, ",", 1);
        first = 0;
        ww_json_put_string(b, f->name, strlen(f->name));
        ww_sb_put(b, ":", 1);
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            put_value(b, f, WW__CMEMBER(msg, f->offset));
            continue;
        }
        const char *arr = *(char *const *)WW__CMEMBER(msg, f->offset);
        size_t n = *(const size_t *)WW__CMEMBER(msg, f->quantifier_offset);
        if (ww__msg_is_map_field(f)) {
            put_map(b, f, (ProtobufCMessage *const *)arr, n);
            continue;
        }
        size_t es = ww__msg_elem_size(f->type);
        ww_sb_put(b, "[", 1);
        for (size_t k = 0; k < n; k++) {
            if (k)
                ww_sb_put(b, ",", 1);
            put_value(b, f, arr + k * es);
        }
        ww_sb_put(b, "]", 1);
    }
    ww_sb_put(b, "}", 1);
}

char *ww_msg_to_json_text(const ProtobufCMessage *msg, size_t *len) {
    ww_sb b = {0};
    put_msg(&b, msg);
    if (b.oom) {
        ww_sb_free(&b);
        return NULL;
    }
    return ww_sb_take(&b, len);
}
