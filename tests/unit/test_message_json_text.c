/* The JSON mirror's text writer (msg_json_text.c) writes exactly the bytes of the tree
 * encoder (ww_json_text(ww_msg_to_json(m, 0))): on hand-made edge cases and on random
 * messages of every wirewatch.v1 type, filled field by field from the descriptors
 * (strings with escapes, U+2028, text that is not UTF-8; NaN, -0.0, 64-bit extremes;
 * unknown enum numbers; maps with repeated keys; oneofs, nested and repeated messages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "encoders_agree.h"

#define MEMBER(m, off) ((void *)((char *)(m) + (off)))

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Pieces of text that exercise the writers: plain, escaped, non-ASCII, the line
 * separators, and byte sequences jansson refuses (overlong, surrogate, > U+10FFFF,
 * cut, stray continuation). */
static const char *const pieces[] = {"a",
                                     "Zq 1",
                                     "\"",
                                     "\\",
                                     "\n",
                                     "\x01",
                                     "\x1f",
                                     "\t",
                                     "é",
                                     "中文",
                                     "😀",
                                     "\xe2\x80\xa8",
                                     "\xe2\x80\xa9",
                                     "\xff",
                                     "\xc0\x80",
                                     "\xed\xa0\x80",
                                     "\xf4\x90\x80\x80",
                                     "\xe4\xb8",
                                     "\x80",
                                     "/",
                                     "\x7f",
                                     "\xef\xbf\xbf"};

static char *rand_text(void) {
    char buf[256] = "";
    size_t n = rnd(6), len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
        size_t k = strlen(p);
        if (len + k >= sizeof buf)
            break;
        memcpy(buf + len, p, k);
        len += k;
    }
    buf[len] = 0;
    return strdup(buf);
}

static double rand_double(void) {
    static const double v[] = {0.0, 0.1, 1e300, 123456.789, 0.99, 5e-324, 1.0, 2.5e-7};
    switch (rnd(6)) {
    case 0: return NAN;
    case 1: return rnd(2) ? INFINITY : -INFINITY;
    case 2: return -0.0;
    case 3: return (double)(int32_t)rnd(UINT32_MAX) / (1 + rnd(1000));
    default: return v[rnd(sizeof v / sizeof *v)] * (rnd(2) ? 1 : -1);
    }
}

static void fill(ProtobufCMessage *m, int depth);

static void rand_value(const ProtobufCFieldDescriptor *f, void *p, int depth) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        *(int32_t *)p =
            rnd(3) ? (int32_t)rnd(1000) - 500 : (rnd(2) ? INT32_MIN : INT32_MAX);
        return;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)p = rnd(3) ? rnd(1000) : UINT32_MAX;
        return;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)p =
            rnd(3) ? (int64_t)rnd(100000) - 50000 : (rnd(2) ? INT64_MIN : INT64_MAX);
        return;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)p = rnd(3) ? rnd(100000) : UINT64_MAX;
        return;
    case PROTOBUF_C_TYPE_FLOAT: *(float *)p = (float)rand_double(); return;
    case PROTOBUF_C_TYPE_DOUBLE: *(double *)p = rand_double(); return;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)p = rnd(2); return;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        *(int *)p = rnd(5) ? e->values[rnd(e->n_values)].value : 99; /* 99: unknown */
        return;
    }
    case PROTOBUF_C_TYPE_STRING: *(char **)p = rand_text(); return;
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = p;
        b->len = rnd(5);
        b->data = malloc(b->len + 1);
        for (size_t i = 0; i < b->len; i++)
            b->data[i] = (uint8_t)rnd(256);
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (depth > 3 || (f->label != PROTOBUF_C_LABEL_REPEATED && rnd(4) == 0)) {
            *(ProtobufCMessage **)p = NULL;
            return;
        }
        const ProtobufCMessageDescriptor *d = f->descriptor;
        ProtobufCMessage *sub = malloc(d->sizeof_message);
        protobuf_c_message_init(d, sub);
        fill(sub, depth + 1);
        *(ProtobufCMessage **)p = sub;
        return;
    }
    }
}

static size_t elem_size(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    default: return 4;
    }
}

/* Every field of m at random; a oneof gets at most one member (they share storage). */
static void fill(ProtobufCMessage *m, int depth) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (rnd(3) == 0)
            continue; /* left at its default */
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *c = MEMBER(m, f->quantifier_offset);
            if (*c)
                continue;
            *c = f->id;
        } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                   f->type != PROTOBUF_C_TYPE_STRING &&
                   f->type != PROTOBUF_C_TYPE_MESSAGE) {
            *(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
        }
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            rand_value(f, MEMBER(m, f->offset), depth);
            continue;
        }
        size_t n = rnd(4), es = elem_size(f->type);
        char *arr = n ? calloc(n, es) : NULL;
        for (size_t k = 0; k < n; k++)
            rand_value(f, arr + k * es, depth);
        *(size_t *)MEMBER(m, f->quantifier_offset) = n;
        *(char **)MEMBER(m, f->offset) = arr;
    }
}

static void assert_same_text(const ProtobufCMessage *m) {
    size_t n;
    char *text, *tree;
    int rc = ww_json_text_vs_tree(m, &text, &n, &tree);
    assert_int_not_equal(rc, WW_UNMADE);
    if (rc == WW_DIFFER)
        fail_msg("tree: %s\ntext: %s", tree, text);
    free(tree);
    free(text);
}

static void test_random_messages(void **state) {
    const char *types[] = {"FetchRequest", "Page",        "Document", "Classified",
                           "DeadLetter",   "StatusEvent", "Trace",    "Envelope"};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        const ProtobufCMessageDescriptor *d = ww_msg_type(types[t]);
        assert_non_null(d);
        for (int i = 0; i < 400; i++) {
            ProtobufCMessage *m = malloc(d->sizeof_message);
            protobuf_c_message_init(d, m);
            if (i) /* the first: every field at its default */
                fill(m, 0);
            assert_same_text(m);
            protobuf_c_message_free_unpacked(m, NULL);
        }
    }
}

/* A map key given twice keeps its first place and its last value, as in a jansson
 * object; the zero that is printed (a span at byte 0). */
static void test_repeated_map_key_and_zeros(void **state) {
    Wirewatch__V1__Trace t = WIREWATCH__V1__TRACE__INIT;
    Wirewatch__V1__Trace__StampsEntry e[3] = {WIREWATCH__V1__TRACE__STAMPS_ENTRY__INIT,
                                              WIREWATCH__V1__TRACE__STAMPS_ENTRY__INIT,
                                              WIREWATCH__V1__TRACE__STAMPS_ENTRY__INIT};
    Wirewatch__V1__Trace__StampsEntry *ep[3] = {&e[0], &e[1], &e[2]};
    e[0].key = "fetch", e[0].value = 1;
    e[1].key = "parse", e[1].value = 2;
    e[2].key = "fetch", e[2].value = 3;
    t.stamps = ep;
    t.n_stamps = 3;
    assert_same_text(&t.base);
    char *s = ww_msg_to_json_text(&t.base, NULL);
    assert_non_null(strstr(s, "{\"fetch\":\"3\",\"parse\":\"2\"}"));
    free(s);
    Wirewatch__V1__Span sp = WIREWATCH__V1__SPAN__INIT;
    assert_same_text(&sp.base);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_messages),
        cmocka_unit_test(test_repeated_map_key_and_zeros),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
