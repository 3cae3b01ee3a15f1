/* The JSON mirror, message -> JSON: protobuf's canonical proto3 JSON mapping with the
 * .proto's own field names (include/wirewatch/message.h, docs/messages.md).
 *
 * It walks protobuf-c's descriptors instead of hand-writing one encoder per message,
 * so a field added to the .proto appears in JSON with no code change. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_json.h"
#include "wirewatch/base64.h"
#include "wirewatch/json_text.h"
#include "wirewatch/message.h"

int ww__msg_is_map_field(const ProtobufCFieldDescriptor *f) {
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return 0;
    const ProtobufCMessageDescriptor *d = f->descriptor;
    size_t nl = strlen(d->short_name);
    return d->n_fields == 2 && nl > 5 && strcmp(d->short_name + nl - 5, "Entry") == 0 &&
           strcmp(d->fields[0].name, "key") == 0 &&
           strcmp(d->fields[1].name, "value") == 0;
}

size_t ww__msg_elem_size(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM: return 4;
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* Fields whose zero carries meaning (a span at byte 0, Kafka partition 0, the first
 * record of a WARC file): printed even when 0, as the .proto's "JSON: printed even
 * when 0" comments say; when_set names a field that must be non-empty for it. */
static const struct {
    const ProtobufCMessageDescriptor *msg;
    const char *field, *when_set;
} zero_printed[] = {
    {&wirewatch__v1__span__descriptor, "start", NULL},
    {&wirewatch__v1__span__descriptor, "end", NULL},
    {&wirewatch__v1__dead_letter__descriptor, "source_partition", NULL},
    {&wirewatch__v1__dead_letter__descriptor, "source_offset", NULL},
    {&wirewatch__v1__page__descriptor, "warc_offset", "warc_file"},
};

static int prints_zero(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f) {
    for (size_t i = 0; i < sizeof zero_printed / sizeof *zero_printed; i++) {
        if (zero_printed[i].msg != msg->descriptor ||
            strcmp(zero_printed[i].field, f->name) != 0)
            continue;
        if (!zero_printed[i].when_set)
            return 1;
        const ProtobufCFieldDescriptor *w =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
                                                            zero_printed[i].when_set);
        const char *s = w ? *(char *const *)WW__CMEMBER(msg, w->offset) : NULL;
        return s && *s;
    }
    return 0;
}

char *ww__msg_lossy_copy(const char *s, size_t n, size_t *len) {
    char *c = malloc(n * 3 + 1);
    if (!c)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80 && ch != 0) {
            c[k++] = (char)ch;
        } else {
            /* U+FFFD */
            c[k++] = (char)0xEF;
            c[k++] = (char)0xBF;
            c[k++] = (char)0xBD;
        }
    }
    *len = k;
    return c;
}

/* Text that is not valid UTF-8 (jansson refuses it) is repaired byte by byte. */
static json_t *json_string_lossy(const char *s, size_t n) {
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    size_t k;
    char *c = ww__msg_lossy_copy(s, n, &k);
    if (!c)
        return NULL;
    j = json_stringn(c, k);
    free(c);
    return j;
}

/* proto3 JSON spells the non-finite values as strings. */
static json_t *nonfinite(double d) {
    return json_string(isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
}

/* A float field as the shortest decimal that reads back to the same float through a
 * double, as JSON readers (jansson, Python) read it: 0.99f prints 0.99, not
 * 0.99000000953674316.  ww_json_text then prints this double in its shortest form,
 * which is this decimal (at most 9 digits, so 15 digits are enough to keep it). */
double ww__msg_float_shortest(float f) {
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        double d = strtod(buf, NULL);
        if ((float)d == f)
            return d;
    }
    return (double)f;
}

static json_t *float_to_json(float f) {
    return isfinite(f) ? json_real(ww__msg_float_shortest(f)) : nonfinite(f);
}

static json_t *int64_to_json(const ProtobufCFieldDescriptor *f, const void *p) {
    char buf[32];
    if (f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64)
        snprintf(buf, sizeof buf, "%" PRIu64, *(const uint64_t *)p);
    else
        snprintf(buf, sizeof buf, "%" PRId64, *(const int64_t *)p);
    return json_string(buf); /* a JSON number loses precision above 2^53 */
}

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p,
                             int with_defaults) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return int64_to_json(f, p);
    case PROTOBUF_C_TYPE_FLOAT: return float_to_json(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: {
        double d = *(const double *)p;
        return isfinite(d) ? json_real(d) : nonfinite(d);
    }
    case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        /* a value this build does not know (a newer producer) stays a number */
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        return ev ? json_string(ev->name) : json_integer(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return json_string_lossy(s ? s : "", s ? strlen(s) : 0);
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *s = ww_b64_encode(b->data, b->len);
        json_t *j = s ? json_string(s) : NULL;
        free(s);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        return m ? ww_msg_to_json(m, with_defaults) : json_null();
    }
    }
    return json_null();
}

/* proto3 default: empty string/bytes, no message, all-zero bits (so -0.0 is printed,
 * as protobuf does). */
static int is_default(const ProtobufCFieldDescriptor *f, const void *p) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p == NULL;
    default: break;
    }
    size_t n = ww__msg_elem_size(f->type);
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* A map field as an object; keys are strings whatever their type. */
static json_t *map_to_json(const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *e,
                           size_t n, int with_defaults) {
    json_t *v = json_object();
    const ProtobufCMessageDescriptor *md = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &md->fields[0], *vf = &md->fields[1];
    for (size_t k = 0; v && k < n; k++) {
        json_t *kj = value_to_json(kf, WW__CMEMBER(e[k], kf->offset), 1);
        const char *key = json_is_string(kj) ? json_string_value(kj) : "";
        char kb[32];
        if (json_is_integer(kj)) {
            snprintf(kb, sizeof kb, "%" JSON_INTEGER_FORMAT, json_integer_value(kj));
            key = kb;
        } else if (json_is_boolean(kj)) {
            key = json_is_true(kj) ? "true" : "false";
        }
        json_object_set_new(
            v, key, value_to_json(vf, WW__CMEMBER(e[k], vf->offset), with_defaults));
        json_decref(kj);
    }
    return v;
}

static json_t *repeated_to_json(const ProtobufCFieldDescriptor *f, const char *arr,
                                size_t n, int with_defaults) {
    if (ww__msg_is_map_field(f))
        return map_to_json(f, (ProtobufCMessage *const *)arr, n, with_defaults);
    json_t *v = json_array();
    size_t es = ww__msg_elem_size(f->type);
    for (size_t k = 0; v && k < n; k++)
        json_array_append_new(v, value_to_json(f, arr + k * es, with_defaults));
    return v;
}

int ww__msg_field_shown(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                        int with_defaults) {
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)WW__CMEMBER(msg, f->quantifier_offset) != f->id)
        return 0;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
        f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE &&
        !*(const protobuf_c_boolean *)WW__CMEMBER(msg, f->quantifier_offset))
        return 0;
    if (with_defaults)
        return 1;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)WW__CMEMBER(msg, f->quantifier_offset) != 0;
    return !is_default(f, WW__CMEMBER(msg, f->offset)) || prints_zero(msg, f);
}

json_t *ww_msg_to_json(const ProtobufCMessage *msg, int with_defaults) {
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!ww__msg_field_shown(msg, f, with_defaults))
            continue;
        json_t *v;
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            v = repeated_to_json(f, *(char *const *)WW__CMEMBER(msg, f->offset),
                                 *(const size_t *)WW__CMEMBER(msg, f->quantifier_offset),
                                 with_defaults);
        else
            v = value_to_json(f, WW__CMEMBER(msg, f->offset), with_defaults);
        if (v)
            json_object_set_new(o, f->name, v);
    }
    return o;
}
