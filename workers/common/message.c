/* wirewatch.v1 message helpers: clocks, traces, schema lookup, pack/unpack with limits,
 * and the JSON mirror.
 *
 * The JSON mirror walks protobuf-c's descriptors instead of hand-writing one encoder
 * per message, so a field added to the .proto appears in JSON with no code change. */
#include "wirewatch/message.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <unistd.h>
#include <time.h>

#include "wirewatch/error.h"

#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

int64_t ww_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ww_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

char *ww_strdup0(const char *s) { return strdup(s ? s : ""); }

/* A fork moves this generation, so what a process caches about itself (its pid, its
 * trace-id seed) is read again in the child instead of being repeated from the parent. */
static atomic_uint fork_gen = 1;
static void on_fork_child(void) { atomic_fetch_add(&fork_gen, 1); }
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void atfork_install(void) { pthread_atfork(NULL, NULL, on_fork_child); }

/* Whether a per-thread cache stamped *gen must be filled (first use, or a fork since);
 * stamps it as current. */
static int cache_stale(unsigned *gen) {
    unsigned g = atomic_load(&fork_gen);
    if (*gen == g)
        return 0;
    pthread_once(&atfork_once, atfork_install);
    *gen = g;
    return 1;
}

int ww_pid(void) {
    /* getpid is a system call in glibc >= 2.25 and ids are made per request */
    static _Thread_local int pid;
    static _Thread_local unsigned gen;
    if (cache_stale(&gen))
        pid = (int)getpid();
    return pid;
}

/* Trace ids need to be unique, not secret: each thread draws a 128-bit seed from
 * getrandom once and then mixes a counter through splitmix64.  One getrandom and 16
 * snprintf calls per id were ~4% of the fetch stage's CPU per page. */
static uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

char *ww_trace_new_id(void) {
    static _Thread_local uint64_t seed[2], ctr;
    static _Thread_local unsigned gen;
    if (cache_stale(&gen) && getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        /* getrandom on Linux >= 3.17 does not fail for 16 bytes; fall back anyway. */
        seed[0] = (uint64_t)ww_mono_us() ^ ((uint64_t)ww_now_us() << 20);
        seed[1] = (uint64_t)(uintptr_t)&seed ^ (uint64_t)getpid();
    }
    ctr++;
    uint64_t v[2] = {splitmix64(seed[0] + ctr),
                     splitmix64(seed[1] ^ (ctr * 0xd1342543de82ef95ULL))};
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(33);
    if (!s)
        return NULL;
    for (int i = 0; i < 16; i++) {
        unsigned b = (unsigned)(v[i / 8] >> ((i % 8) * 8)) & 0xff;
        s[2 * i] = hex[b >> 4];
        s[2 * i + 1] = hex[b & 15];
    }
    s[32] = '\0';
    return s;
}

int ww_trace_stamp(Wirewatch__V1__Trace **tracep, const char *stage) {
    Wirewatch__V1__Trace *t = *tracep;
    if (!t) {
        t = malloc(sizeof *t);
        if (!t)
            return WW_ENOMEM;
        wirewatch__v1__trace__init(t);
        *tracep = t;
    }
    int64_t now = ww_now_us();
    for (size_t i = 0; i < t->n_stamps; i++) {
        if (t->stamps[i] && strcmp(t->stamps[i]->key, stage) == 0) {
            t->stamps[i]->value = now;
            return 0;
        }
    }
    Wirewatch__V1__Trace__StampsEntry **n =
        realloc(t->stamps, (t->n_stamps + 1) * sizeof *t->stamps);
    if (!n)
        return WW_ENOMEM;
    t->stamps = n;
    Wirewatch__V1__Trace__StampsEntry *e = malloc(sizeof *e);
    if (!e)
        return WW_ENOMEM;
    wirewatch__v1__trace__stamps_entry__init(e);
    e->key = strdup(stage);
    if (!e->key) {
        free(e);
        return WW_ENOMEM;
    }
    e->value = now;
    t->stamps[t->n_stamps++] = e;
    return 0;
}

Wirewatch__V1__Trace *ww_trace_copy(const Wirewatch__V1__Trace *src) {
    if (!src)
        return NULL;
    /* A direct deep copy, every part malloc'd as protobuf_c_message_free_unpacked
     * expects (a pack + unpack round trip did the same at ~5x the instructions). */
    Wirewatch__V1__Trace *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    wirewatch__v1__trace__init(t);
    if (src->trace_id && *src->trace_id && !(t->trace_id = strdup(src->trace_id)))
        goto fail;
    if (src->n_stamps) {
        if (!(t->stamps = calloc(src->n_stamps, sizeof *t->stamps)))
            goto fail;
        for (size_t i = 0; i < src->n_stamps; i++) {
            const Wirewatch__V1__Trace__StampsEntry *se = src->stamps[i];
            if (!se)
                continue;
            Wirewatch__V1__Trace__StampsEntry *e = malloc(sizeof *e);
            if (!e)
                goto fail;
            wirewatch__v1__trace__stamps_entry__init(e);
            e->value = se->value;
            if (se->key && *se->key && !(e->key = strdup(se->key))) {
                free(e);
                goto fail;
            }
            t->stamps[t->n_stamps++] = e;
        }
    }
    return t;
fail:
    if (!t->trace_id)
        t->trace_id = (char *)protobuf_c_empty_string;
    protobuf_c_message_free_unpacked(&t->base, NULL);
    return NULL;
}

static const ProtobufCMessageDescriptor *const all_types[] = {
    &wirewatch__v1__fetch_request__descriptor, &wirewatch__v1__page__descriptor,
    &wirewatch__v1__document__descriptor,      &wirewatch__v1__classified__descriptor,
    &wirewatch__v1__dead_letter__descriptor,   &wirewatch__v1__status_event__descriptor,
    &wirewatch__v1__trace__descriptor,         &wirewatch__v1__envelope__descriptor,
};

const ProtobufCMessageDescriptor *ww_msg_type(const char *name) {
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof all_types / sizeof *all_types; i++) {
        const ProtobufCMessageDescriptor *d = all_types[i];
        if (strcmp(d->name, name) == 0 || strcmp(d->short_name, name) == 0)
            return d;
    }
    return NULL;
}

uint8_t *ww_msg_pack(const ProtobufCMessage *msg, size_t *len) {
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    *len = protobuf_c_message_pack(msg, buf);
    return buf;
}

ProtobufCMessage *ww_msg_unpack(const ProtobufCMessageDescriptor *type,
                                const uint8_t *data, size_t len, size_t max_len,
                                int *code, char *err, size_t errlen) {
    if (max_len && len > max_len) {
        if (code)
            *code = WW_ETOOBIG;
        ww_seterr(err, errlen, WW_ETOOBIG, "%s of %zu bytes exceeds the limit of %zu",
                  type->short_name, len, max_len);
        return NULL;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(type, NULL, len, data);
    if (!m) {
        if (code)
            *code = WW_EMALFORMED;
        ww_seterr(err, errlen, WW_EMALFORMED, "%zu bytes are not a valid %s", len,
                  type->name);
        return NULL;
    }
    if (code)
        *code = 0;
    return m;
}

/* ---- base64 (RFC 4648, standard alphabet, padded) ---- */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const uint8_t *d, size_t n) {
    size_t out_len = 4 * ((n + 2) / 3);
    char *o = malloc(out_len + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        *p++ = b64chars[(v >> 18) & 63];
        *p++ = b64chars[(v >> 12) & 63];
        *p++ = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
        *p++ = i + 2 < n ? b64chars[v & 63] : '=';
    }
    *p = '\0';
    return o;
}

static int b64_val(int c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Accepts standard and URL-safe alphabets, padding optional. */
static int b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len) {
    uint8_t *o = malloc(n * 3 / 4 + 3);
    if (!o)
        return WW_ENOMEM;
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = b64_val((unsigned char)s[i]);
        if (v < 0) {
            free(o);
            return WW_EMALFORMED;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (uint8_t)(acc >> bits);
        }
    }
    *out = o;
    *out_len = k;
    return 0;
}

/* ---- JSON mirror: encode ---- */

/* A map field is a repeated message whose type is a generated XxxEntry {key, value}. */
static int is_map_field(const ProtobufCFieldDescriptor *f) {
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return 0;
    const ProtobufCMessageDescriptor *d = f->descriptor;
    size_t nl = strlen(d->short_name);
    return d->n_fields == 2 && nl > 5 && strcmp(d->short_name + nl - 5, "Entry") == 0 &&
           strcmp(d->fields[0].name, "key") == 0 &&
           strcmp(d->fields[1].name, "value") == 0;
}

static size_t elem_size(ProtobufCType t) {
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

/* Text that is not valid UTF-8 (jansson refuses it) is repaired byte by byte. */
static json_t *json_string_lossy(const char *s, size_t n) {
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
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
    j = json_stringn(c, k);
    free(c);
    return j;
}

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p,
                             int with_defaults) {
    char buf[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        /* Unsigned 64-bit (simhash) as a decimal string: JSON numbers lose the top bit. */
        snprintf(buf, sizeof buf, "%" PRIu64, *(const uint64_t *)p);
        return json_string(buf);
    case PROTOBUF_C_TYPE_FLOAT: return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
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
        char *s = b64_encode(b->data, b->len);
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

static int is_default(const ProtobufCFieldDescriptor *f, const void *p) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p == NULL;
    case PROTOBUF_C_TYPE_FLOAT: return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)p == 0;
    default: break;
    }
    size_t n = elem_size(f->type);
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

json_t *ww_msg_to_json(const ProtobufCMessage *msg, int with_defaults) {
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)CMEMBER(msg, f->quantifier_offset) != f->id)
            continue;
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
            f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE &&
            !*(const protobuf_c_boolean *)CMEMBER(msg, f->quantifier_offset))
            continue;
        json_t *v = NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)CMEMBER(msg, f->quantifier_offset);
            const char *arr = *(char *const *)CMEMBER(msg, f->offset);
            if (n == 0 && !with_defaults)
                continue;
            if (is_map_field(f)) {
                v = json_object();
                const ProtobufCMessageDescriptor *md = f->descriptor;
                const ProtobufCFieldDescriptor *kf = &md->fields[0];
                const ProtobufCFieldDescriptor *vf = &md->fields[1];
                for (size_t k = 0; v && k < n; k++) {
                    const ProtobufCMessage *e = ((ProtobufCMessage *const *)arr)[k];
                    json_t *kj = value_to_json(kf, CMEMBER(e, kf->offset), 1);
                    const char *key = json_is_string(kj) ? json_string_value(kj) : "";
                    char kb[32];
                    if (json_is_integer(kj)) {
                        snprintf(kb, sizeof kb, "%" JSON_INTEGER_FORMAT,
                                 json_integer_value(kj));
                        key = kb;
                    }
                    json_object_set_new(
                        v, key, value_to_json(vf, CMEMBER(e, vf->offset), with_defaults));
                    json_decref(kj);
                }
            } else {
                v = json_array();
                size_t es = elem_size(f->type);
                for (size_t k = 0; v && k < n; k++)
                    json_array_append_new(v,
                                          value_to_json(f, arr + k * es, with_defaults));
            }
        } else {
            const void *p = CMEMBER(msg, f->offset);
            if (!with_defaults && is_default(f, p))
                continue;
            v = value_to_json(f, p, with_defaults);
        }
        if (v)
            json_object_set_new(o, f->name, v);
    }
    return o;
}

/* ---- JSON mirror: decode ---- */

static int json_to_value(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                         char *err, size_t errlen);

static int get_int(const ProtobufCFieldDescriptor *f, const json_t *j, long long *out,
                   unsigned long long *uout, char *err, size_t errlen) {
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        *uout = (unsigned long long)*out;
        return 0;
    }
    if (json_is_real(j)) {
        *out = (long long)json_real_value(j);
        *uout = (unsigned long long)*out;
        return 0;
    }
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        char *end;
        errno = 0;
        if (*s == '-') {
            *out = strtoll(s, &end, 10);
            *uout = (unsigned long long)*out;
        } else {
            *uout = strtoull(s, &end, 10);
            *out = (long long)*uout;
        }
        if (errno == 0 && end != s && *end == '\0')
            return 0;
    }
    return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": expected an integer",
                     f->name);
}

static int json_to_value(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                         char *err, size_t errlen) {
    long long iv = 0;
    unsigned long long uv = 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (get_int(f, j, &iv, &uv, err, errlen))
            return WW_EINVAL;
        *(int32_t *)p = (int32_t)iv;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (get_int(f, j, &iv, &uv, err, errlen))
            return WW_EINVAL;
        *(uint32_t *)p = (uint32_t)uv;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (get_int(f, j, &iv, &uv, err, errlen))
            return WW_EINVAL;
        *(int64_t *)p = iv;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (get_int(f, j, &iv, &uv, err, errlen))
            return WW_EINVAL;
        *(uint64_t *)p = uv;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number(j))
            return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": expected a number",
                             f->name);
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)p = (float)json_number_value(j);
        else
            *(double *)p = json_number_value(j);
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(j))
            return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": expected true/false",
                             f->name);
        *(protobuf_c_boolean *)p = json_is_true(j);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = NULL;
        if (json_is_string(j))
            ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor,
                                                              json_string_value(j));
        else if (json_is_integer(j))
            ev = protobuf_c_enum_descriptor_get_value(f->descriptor,
                                                      (int)json_integer_value(j));
        if (!ev)
            return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": unknown enum value",
                             f->name);
        *(int *)p = ev->value;
        return 0;
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(j))
            return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": expected a string",
                             f->name);
        char *s = strdup(json_string_value(j));
        if (!s)
            return WW_ENOMEM;
        *(char **)p = s;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(j))
            return ww_seterr(err, errlen, WW_EINVAL,
                             "field \"%s\": expected a base64 string", f->name);
        ProtobufCBinaryData *b = p;
        int rc =
            b64_decode(json_string_value(j), json_string_length(j), &b->data, &b->len);
        if (rc == WW_EMALFORMED)
            return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": invalid base64",
                             f->name);
        return rc;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (json_is_null(j))
            return 0;
        ProtobufCMessage *m = ww_msg_from_json(f->descriptor, j, err, errlen);
        if (!m)
            return WW_EINVAL;
        *(ProtobufCMessage **)p = m;
        return 0;
    }
    }
    return WW_EINVAL;
}

static int map_from_json(const ProtobufCFieldDescriptor *f, const json_t *j,
                         ProtobufCMessage *msg, char *err, size_t errlen) {
    if (!json_is_object(j))
        return ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": expected an object",
                         f->name);
    size_t n = json_object_size(j), k = 0;
    ProtobufCMessage **arr = calloc(n ? n : 1, sizeof *arr);
    if (!arr)
        return WW_ENOMEM;
    *(ProtobufCMessage ***)MEMBER(msg, f->offset) = arr;
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val) {
        ProtobufCMessage *e = calloc(1, ed->sizeof_message);
        if (!e)
            return WW_ENOMEM;
        protobuf_c_message_init(ed, e);
        arr[k++] = e;
        *(size_t *)MEMBER(msg, f->quantifier_offset) = k;
        json_t *kj = json_string(key);
        int rc = json_to_value(&ed->fields[0], kj, MEMBER(e, ed->fields[0].offset), err,
                               errlen);
        json_decref(kj);
        if (rc == 0)
            rc = json_to_value(&ed->fields[1], val, MEMBER(e, ed->fields[1].offset), err,
                               errlen);
        if (rc)
            return rc;
    }
    return 0;
}

ProtobufCMessage *ww_msg_from_json(const ProtobufCMessageDescriptor *type,
                                   const json_t *j, char *err, size_t errlen) {
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
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(type, key);
        if (!f) {
            ww_seterr(err, errlen, WW_EINVAL, "%s has no field \"%s\"", type->short_name,
                      key);
            goto fail;
        }
        if (json_is_null(val))
            continue;
        int rc = 0;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (is_map_field(f)) {
                rc = map_from_json(f, val, msg, err, errlen);
            } else if (!json_is_array(val)) {
                rc = ww_seterr(err, errlen, WW_EINVAL, "field \"%s\": expected an array",
                               key);
            } else {
                size_t n = json_array_size(val), es = elem_size(f->type);
                char *arr = calloc(n ? n : 1, es);
                if (!arr)
                    goto fail;
                *(char **)MEMBER(msg, f->offset) = arr;
                for (size_t k = 0; k < n && rc == 0; k++) {
                    rc = json_to_value(f, json_array_get(val, k), arr + k * es, err,
                                       errlen);
                    /* count only filled elements so free_unpacked frees just those */
                    if (rc == 0)
                        *(size_t *)MEMBER(msg, f->quantifier_offset) = k + 1;
                }
            }
        } else {
            if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                *(uint32_t *)MEMBER(msg, f->quantifier_offset) = f->id;
            else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                     f->type != PROTOBUF_C_TYPE_STRING &&
                     f->type != PROTOBUF_C_TYPE_MESSAGE)
                *(protobuf_c_boolean *)MEMBER(msg, f->quantifier_offset) = 1;
            rc = json_to_value(f, val, MEMBER(msg, f->offset), err, errlen);
        }
        if (rc)
            goto fail;
    }
    return msg;
fail:
    protobuf_c_message_free_unpacked(msg, NULL);
    return NULL;
}
