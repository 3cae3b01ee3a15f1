/* Reading a field from protobuf bytes without decoding them, and lending an output its
 * input's trace id (trace_ids.h says why).  Decoding a Page only to learn its trace id
 * would copy its body; the walk below reads tags and lengths and copies one string. */
#include "trace_ids.h"

#include <string.h>

/* One varint at *p (advanced); 0, or -1 when the bytes end or it is too long. */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* The last occurrence of length-delimited field `number` in [data, data + len) (proto3:
 * the last one of a singular field wins).  Returns 0 with *val / *vlen, or -1. */
static int find_bytes(const uint8_t *data, size_t len, uint32_t number,
                      const uint8_t **val, size_t *vlen) {
    const uint8_t *p = data, *end = data + len;
    int found = -1;
    while (p < end) {
        uint64_t tag, n;
        if (read_varint(&p, end, &tag))
            return -1;
        switch (tag & 7) {
        case 0:
            if (read_varint(&p, end, &n))
                return -1;
            break;
        case 1:
            if ((size_t)(end - p) < 8)
                return -1;
            p += 8;
            break;
        case 5:
            if ((size_t)(end - p) < 4)
                return -1;
            p += 4;
            break;
        case 2:
            if (read_varint(&p, end, &n) || n > (uint64_t)(end - p))
                return -1;
            if ((tag >> 3) == number) {
                *val = p;
                *vlen = (size_t)n;
                found = 0;
            }
            p += n;
            break;
        default: return -1; /* groups: never in wirewatch.v1 */
        }
    }
    return found;
}

static int copy_out(const uint8_t *v, size_t n, char *out, size_t outlen) {
    if (!n || !outlen || memchr(v, 0, n))
        return -1;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, v, n);
    out[n] = '\0';
    return (int)n;
}

int ww__wire_string(const uint8_t *data, size_t len,
                    const ProtobufCMessageDescriptor *type, const char *name, char *out,
                    size_t outlen) {
    const ProtobufCFieldDescriptor *f =
        type ? protobuf_c_message_descriptor_get_field_by_name(type, name) : NULL;
    const uint8_t *v;
    size_t n;
    if (!f || f->type != PROTOBUF_C_TYPE_STRING ||
        f->label == PROTOBUF_C_LABEL_REPEATED || find_bytes(data, len, f->id, &v, &n))
        return -1;
    return copy_out(v, n, out, outlen);
}

/* The message's `trace` field when it is a wirewatch.v1.Trace, else NULL. */
static const ProtobufCFieldDescriptor *trace_field(const ProtobufCMessageDescriptor *t) {
    const ProtobufCFieldDescriptor *f =
        t ? protobuf_c_message_descriptor_get_field_by_name(t, "trace") : NULL;
    return f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                   f->descriptor == &wirewatch__v1__trace__descriptor &&
                   f->label != PROTOBUF_C_LABEL_REPEATED
               ? f
               : NULL;
}

int ww__wire_trace_id(const uint8_t *data, size_t len,
                      const ProtobufCMessageDescriptor *type, char *out, size_t outlen) {
    const ProtobufCFieldDescriptor *f = trace_field(type);
    const uint8_t *tv;
    size_t tn;
    if (!f || find_bytes(data, len, f->id, &tv, &tn))
        return -1;
    return ww__wire_string(tv, tn, &wirewatch__v1__trace__descriptor, "trace_id", out,
                           outlen);
}

const char *ww__msg_string(const ProtobufCMessage *msg, const char *name) {
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(const char *const *)((const char *)msg + f->offset);
}

void ww__trace_lend(ProtobufCMessage *msg, const char *trace_id, ww__trace_loan *loan) {
    memset(loan, 0, sizeof *loan);
    const ProtobufCFieldDescriptor *f = trace_field(msg->descriptor);
    if (!f || !trace_id || !*trace_id)
        return;
    Wirewatch__V1__Trace **slot = (Wirewatch__V1__Trace **)((char *)msg + f->offset);
    if (*slot && (*slot)->trace_id && *(*slot)->trace_id)
        return; /* the stage's own: kept */
    loan->slot = slot;
    loan->had_trace = *slot != NULL;
    if (!*slot) {
        wirewatch__v1__trace__init(&loan->tmp);
        *slot = &loan->tmp;
    }
    loan->saved_id = (*slot)->trace_id;
    (*slot)->trace_id = (char *)trace_id;
}

void ww__trace_lend_undo(ww__trace_loan *loan) {
    if (!loan->slot)
        return;
    (*loan->slot)->trace_id = loan->saved_id;
    if (!loan->had_trace)
        *loan->slot = NULL;
    loan->slot = NULL;
}
