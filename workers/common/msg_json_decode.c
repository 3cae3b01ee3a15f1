/* The JSON mirror, JSON -> message (include/wirewatch/message.h): what the encoder
 * prints, and what proto3 JSON parsers accept besides, strictly — an unknown key, a
 * wrong type or a number out of its field's range is an error naming the field, and
 * the `.jsonl` endpoint dead-letters the line. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg_json.h"
#include "wirewatch/base64.h"
#include "wirewatch/error.h"
#include "wirewatch/message.h"

static ProtobufCMessage *msg_from_json(const ProtobufCMessageDescriptor *type,
                                       const json_t *j, int top, char *err,
                                       size_t errlen);

static int field_error(const ProtobufCFieldDescriptor *f, const char *what, char *err,
                       size_t errlen) {
    return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": %s", f->name, what);
}

/* An integer as written: a JSON integer, an integral real (1e3), or a decimal string
 * (how proto3 JSON prints 64-bit values).  *neg says which of *iv / *uv holds it. */
static int read_integer(const json_t *j, int *neg, long long *iv,
                        unsigned long long *uv) {
    if (json_is_integer(j)) {
        *iv = json_integer_value(j);
        *neg = *iv < 0;
        *uv = *neg ? 0 : (unsigned long long)*iv;
        return 0;
    }
    if (json_is_real(j)) {
        double r = json_real_value(j);
        if (r != floor(r) || r < -0x1p63 || r >= 0x1p64)
            return -1;
        *neg = r < 0;
        *iv = *neg ? (long long)r : 0;
        *uv = *neg ? 0 : (unsigned long long)r;
        return 0;
    }
    if (!json_is_string(j))
        return -1;
    const char *s = json_string_value(j);
    char *end;
    if (!(*s == '-' || (*s >= '0' && *s <= '9')))
        return -1;
    errno = 0;
    *neg = *s == '-';
    if (*neg)
        *iv = strtoll(s, &end, 10), *uv = 0;
    else
        *uv = strtoull(s, &end, 10), *iv = 0;
    return errno == 0 && end != s && *end == '\0' ? 0 : -1;
}

static int set_integer(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                       char *err, size_t errlen) {
    int neg;
    long long iv;
    unsigned long long uv;
    if (read_integer(j, &neg, &iv, &uv))
        return field_error(f, "expected an integer", err, errlen);
    int fits = 1;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        fits = neg ? iv >= INT32_MIN : uv <= INT32_MAX;
        *(int32_t *)p = (int32_t)(neg ? iv : (long long)uv);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        fits = !neg && uv <= UINT32_MAX;
        *(uint32_t *)p = (uint32_t)uv;
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        fits = !neg;
        *(uint64_t *)p = uv;
        break;
    default: /* int64, sint64, sfixed64 */
        fits = neg || uv <= INT64_MAX;
        *(int64_t *)p = neg ? iv : (long long)uv;
        break;
    }
    return fits ? 0 : field_error(f, "out of range", err, errlen);
}

/* A float or double: a JSON number, or a string ("NaN", "Infinity", "-Infinity", or
 * a number as text); a finite value beyond a float's range is an error. */
static int set_real(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                    char *err, size_t errlen) {
    double d;
    if (json_is_number(j)) {
        d = json_number_value(j);
    } else if (json_is_string(j)) {
        const char *s = json_string_value(j);
        char *end;
        if (strcmp(s, "NaN") == 0)
            d = NAN;
        else if (strcmp(s, "Infinity") == 0)
            d = INFINITY;
        else if (strcmp(s, "-Infinity") == 0)
            d = -INFINITY;
        else if (!(*s == '-' || *s == '.' || (*s >= '0' && *s <= '9')) ||
                 (d = strtod(s, &end), *end != '\0') || !isfinite(d))
            return field_error(f, "expected a number", err, errlen);
    } else {
        return field_error(f, "expected a number", err, errlen);
    }
    if (f->type == PROTOBUF_C_TYPE_DOUBLE) {
        *(double *)p = d;
        return 0;
    }
    /* beyond the float range: what does not round to a finite float (the shortest
     * form of FLT_MAX, 3.4028235e+38, is a little above it and reads back to it) */
    if (isfinite(d) && isinf((float)d))
        return field_error(f, "out of range for a float", err, errlen);
    *(float *)p = (float)d;
    return 0;
}

/* An enum by name, or by number (a number this build does not know is kept, as
 * proto3's open enums are: the encoder prints such a value as a number). */
static int set_enum(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                    char *err, size_t errlen) {
    const ProtobufCEnumValue *ev = NULL;
    if (json_is_string(j)) {
        ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor,
                                                          json_string_value(j));
        if (!ev)
            return field_error(f, "unknown enum value", err, errlen);
        *(int *)p = ev->value;
        return 0;
    }
    json_int_t v = json_is_integer(j) ? json_integer_value(j) : 0;
    if (!json_is_integer(j) || v < INT32_MIN || v > INT32_MAX)
        return field_error(f, "expected an enum name or number", err, errlen);
    *(int *)p = (int)v;
    return 0;
}

static int set_bytes(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                     char *err, size_t errlen) {
    if (!json_is_string(j))
        return field_error(f, "expected a base64 string", err, errlen);
    ProtobufCBinaryData *b = p;
    int rc =
        ww_b64_decode(json_string_value(j), json_string_length(j), &b->data, &b->len);
    return rc == WW_EMALFORMED ? field_error(f, "invalid base64", err, errlen) : rc;
}

/* One value of field f (one element, for a repeated field) into p. */
static int json_to_value(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                         char *err, size_t errlen) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return set_integer(f, j, p, err, errlen);
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: return set_real(f, j, p, err, errlen);
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(j))
            return field_error(f, "expected true/false", err, errlen);
        *(protobuf_c_boolean *)p = json_is_true(j);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: return set_enum(f, j, p, err, errlen);
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(j))
            return field_error(f, "expected a string", err, errlen);
        char *s = strdup(json_string_value(j));
        if (!s)
            return WW_ENOMEM;
        *(char **)p = s;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: return set_bytes(f, j, p, err, errlen);
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (json_is_null(j))
            return 0;
        ProtobufCMessage *m = msg_from_json(f->descriptor, j, 0, err, errlen);
        if (!m)
            return WW_EINVAL;
        *(ProtobufCMessage **)p = m;
        return 0;
    }
    }
    return WW_EINVAL;
}

/* A map field from an object; every entry is counted as it is made, so
 * free_unpacked frees exactly what was built when a later one fails. */
static int map_from_json(const ProtobufCFieldDescriptor *f, const json_t *j,
                         ProtobufCMessage *msg, char *err, size_t errlen) {
    if (!json_is_object(j))
        return field_error(f, "expected an object", err, errlen);
    size_t n = json_object_size(j), k = 0;
    ProtobufCMessage **arr = calloc(n ? n : 1, sizeof *arr);
    if (!arr)
        return WW_ENOMEM;
    *(ProtobufCMessage ***)WW__MEMBER(msg, f->offset) = arr;
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val) {
        ProtobufCMessage *e = calloc(1, ed->sizeof_message);
        if (!e)
            return WW_ENOMEM;
        protobuf_c_message_init(ed, e);
        arr[k++] = e;
        *(size_t *)WW__MEMBER(msg, f->quantifier_offset) = k;
        json_t *kj = json_string(key);
        int rc = json_to_value(&ed->fields[0], kj, WW__MEMBER(e, ed->fields[0].offset),
                               err, errlen);
        json_decref(kj);
        if (rc == 0)
            rc = json_to_value(&ed->fields[1], val, WW__MEMBER(e, ed->fields[1].offset),
                               err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int array_from_json(const ProtobufCFieldDescriptor *f, const json_t *j,
                           ProtobufCMessage *msg, char *err, size_t errlen) {
    if (!json_is_array(j))
        return field_error(f, "expected an array", err, errlen);
    size_t n = json_array_size(j), es = ww__msg_elem_size(f->type);
    char *arr = calloc(n ? n : 1, es);
    if (!arr)
        return WW_ENOMEM;
    *(char **)WW__MEMBER(msg, f->offset) = arr;
    for (size_t k = 0; k < n; k++) {
        const json_t *e = json_array_get(j, k);
        int rc = json_is_null(e) ? field_error(f, "null in an array", err, errlen)
                                 : json_to_value(f, e, arr + k * es, err, errlen);
        if (rc)
            return rc;
        /* count only filled elements so free_unpacked frees just those */
        *(size_t *)WW__MEMBER(msg, f->quantifier_offset) = k + 1;
    }
    return 0;
}

static int field_from_json(const ProtobufCFieldDescriptor *f, const json_t *val,
                           ProtobufCMessage *msg, char *err, size_t errlen) {
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return ww__msg_is_map_field(f) ? map_from_json(f, val, msg, err, errlen)
                                       : array_from_json(f, val, msg, err, errlen);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)WW__MEMBER(msg, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
             f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *)WW__MEMBER(msg, f->quantifier_offset) = 1;
    return json_to_value(f, val, WW__MEMBER(msg, f->offset), err, errlen);
}

static ProtobufCMessage *msg_from_json(const ProtobufCMessageDescriptor *type,
                                       const json_t *j, int top, char *err,
                                       size_t errlen) {
    if (!json_is_object(j)) {
        ww_seterr(err, errlen, WW_EINVAL, "%s: expected a JSON object", type->short_name);
        return NULL;
    }
    ProtobufCMessage *msg = calloc(1, type->sizeof_message);
    if (!msg)
        return NULL;
    protobuf_c_message_init(type, msg);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val) {
        if (top && strcmp(key, WW_JSON_META_KEY) == 0)
            continue; /* inspect --meta's coordinates: not part of the message */
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(type, key);
        if (!f) {
            ww_seterr(err, errlen, WW_EINVAL, "%s has no field \"%s\"", type->short_name,
                      key);
            goto fail;
        }
        if (!json_is_null(val) && field_from_json(f, val, msg, err, errlen))
            goto fail;
    }
    return msg;
fail:
    protobuf_c_message_free_unpacked(msg, NULL);
    return NULL;
}

ProtobufCMessage *ww_msg_from_json(const ProtobufCMessageDescriptor *type,
                                   const json_t *j, char *err, size_t errlen) {
    return msg_from_json(type, j, 1, err, errlen);
}
