/* The JSON mirror of wirewatch.v1 messages: round trips, maps, bytes, 64-bit values as
 * strings, shortest floats, meaningful zeros, U+2028/U+2029, "@meta", and strict
 * rejection of what does not fit the schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"

static void test_page_round_trip(void **state) {
    Wirewatch__V1__Page p = WIREWATCH__V1__PAGE__INIT;
    p.final_url = "https://example.org/a";
    p.status = 200;
    uint8_t body[] = {0, 1, 2, 0xff, 'h', 'i'};
    p.body.data = body;
    p.body.len = sizeof body;
    p.source = WIREWATCH__V1__PAGE__SOURCE__WARC;
    p.fetched_at_us = 1732872000123456LL;
    char *redirects[] = {"http://example.org/a", "https://example.org/a"};
    p.redirects = redirects;
    p.n_redirects = 2;
    Wirewatch__V1__Trace *t = NULL;
    assert_int_equal(ww_trace_stamp(&t, "fetch"), 0);
    assert_int_equal(ww_trace_stamp(&t, "parse"), 0);
    assert_int_equal(ww_trace_stamp(&t, "fetch"), 0); /* replaces, not appends */
    assert_int_equal(t->n_stamps, 2);
    p.trace = t;

    json_t *j = ww_msg_to_json(&p.base, 0);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "source")), "WARC");
    assert_string_equal(json_string_value(json_object_get(j, "body")), "AAEC/2hp");
    assert_true(json_is_object(json_object_get(json_object_get(j, "trace"), "stamps")));
    assert_null(json_object_get(j, "charset_hint")); /* defaults omitted */

    char err[256];
    ProtobufCMessage *m =
        ww_msg_from_json(&wirewatch__v1__page__descriptor, j, err, sizeof err);
    assert_non_null(m);
    Wirewatch__V1__Page *q = (Wirewatch__V1__Page *)m;
    assert_string_equal(q->final_url, p.final_url);
    assert_int_equal(q->body.len, sizeof body);
    assert_memory_equal(q->body.data, body, sizeof body);
    assert_int_equal(q->n_redirects, 2);
    assert_string_equal(q->redirects[1], "https://example.org/a");
    assert_int_equal(q->fetched_at_us, p.fetched_at_us);
    assert_int_equal(q->trace->n_stamps, 2);
    assert_int_equal(q->source, WIREWATCH__V1__PAGE__SOURCE__WARC);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
    p.trace = NULL;
    protobuf_c_message_free_unpacked(&t->base, NULL);
}

static void test_uint64_as_string(void **state) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.simhash = 0xfedcba9876543210ULL;
    json_t *j = ww_msg_to_json(&d.base, 0);
    assert_string_equal(json_string_value(json_object_get(j, "simhash")),
                        "18364758544493064720");
    char err[128];
    ProtobufCMessage *m =
        ww_msg_from_json(&wirewatch__v1__document__descriptor, j, err, sizeof err);
    assert_non_null(m);
    assert_true(((Wirewatch__V1__Document *)m)->simhash == 0xfedcba9876543210ULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

static void test_rejects_unknown_and_mistyped(void **state) {
    char err[256];
    json_t *j = json_loads("{\"url\":\"x\",\"colour\":1}", 0, NULL);
    assert_null(
        ww_msg_from_json(&wirewatch__v1__fetch_request__descriptor, j, err, sizeof err));
    assert_non_null(strstr(err, "colour"));
    json_decref(j);
    j = json_loads("{\"url\":5}", 0, NULL);
    assert_null(
        ww_msg_from_json(&wirewatch__v1__fetch_request__descriptor, j, err, sizeof err));
    json_decref(j);
    j = json_loads("{\"origin\":\"NOPE\"}", 0, NULL);
    assert_null(
        ww_msg_from_json(&wirewatch__v1__fetch_request__descriptor, j, err, sizeof err));
    json_decref(j);
    j = json_loads("{\"labels\":[{\"code\":\"a\",\"evidence\":[{\"start\":\"x\"}]}]}", 0,
                   NULL);
    assert_null(
        ww_msg_from_json(&wirewatch__v1__classified__descriptor, j, err, sizeof err));
    json_decref(j);
}

static void test_unpack_limits(void **state) {
    uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    int code = 0;
    char err[128];
    assert_null(ww_msg_unpack(&wirewatch__v1__page__descriptor, junk, sizeof junk, 0,
                              &code, err, sizeof err));
    assert_int_equal(code, WW_EMALFORMED);
    Wirewatch__V1__Page p = WIREWATCH__V1__PAGE__INIT;
    p.final_url = "https://example.org/";
    size_t len;
    uint8_t *buf = ww_msg_pack(&p.base, &len);
    assert_null(ww_msg_unpack(&wirewatch__v1__page__descriptor, buf, len, len - 1, &code,
                              err, sizeof err));
    assert_int_equal(code, WW_ETOOBIG);
    ProtobufCMessage *m = ww_msg_unpack(&wirewatch__v1__page__descriptor, buf, len, len,
                                        &code, err, sizeof err);
    assert_non_null(m);
    protobuf_c_message_free_unpacked(m, NULL);
    free(buf);
}

static void test_invalid_utf8_survives(void **state) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.title = "caf\xe9 ok";
    json_t *j = ww_msg_to_json(&d.base, 0);
    const char *t = json_string_value(json_object_get(j, "title"));
    assert_non_null(t);
    assert_non_null(strstr(t, "ok"));
    json_decref(j);
}

static void test_type_lookup(void **state) {
    assert_ptr_equal(ww_msg_type("Page"), &wirewatch__v1__page__descriptor);
    assert_ptr_equal(ww_msg_type("wirewatch.v1.Classified"),
                     &wirewatch__v1__classified__descriptor);
    assert_null(ww_msg_type("Nope"));
}

/* mirror text of msg (the caller frees) */
static char *text_of(const ProtobufCMessage *m) {
    char *s = ww_msg_to_json_text(m, NULL);
    assert_non_null(s);
    return s;
}

static ProtobufCMessage *from_text(const ProtobufCMessageDescriptor *t, const char *s,
                                   char *err, size_t errlen) {
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    ProtobufCMessage *m = ww_msg_from_json(t, j, err, errlen);
    json_decref(j);
    return m;
}

/* Significant digits of the number at s (up to its exponent or end). */
static int sig_digits(const char *s) {
    char d[64];
    int n = 0;
    for (; *s && *s != 'e' && *s != '}'; s++)
        if (*s >= '0' && *s <= '9' && n < 63)
            d[n++] = *s;
    int a = 0;
    while (a < n && d[a] == '0')
        a++;
    while (n > a && d[n - 1] == '0')
        n--;
    return n - a;
}

static void test_float_shortest_round_trip(void **state) {
    Wirewatch__V1__Label l = WIREWATCH__V1__LABEL__INIT;
    l.score = 0.99f;
    char *s = text_of(&l.base);
    assert_string_equal(s, "{\"score\":0.99}");
    free(s);
    l.score = 3.0f;
    s = text_of(&l.base);
    assert_string_equal(s, "{\"score\":3.0}");
    free(s);
    /* every float read back bit for bit: pseudo-random bit patterns over the range */
    uint32_t x = 12345;
    char err[128];
    for (int i = 0; i < 200000; i++) {
        x = x * 1664525u + 1013904223u;
        float f;
        memcpy(&f, &x, sizeof f);
        if (f != f || f - f != 0) /* NaN, infinities: below */
            continue;
        l.score = f;
        s = text_of(&l.base);
        Wirewatch__V1__Label *b = (Wirewatch__V1__Label *)from_text(
            &wirewatch__v1__label__descriptor, s, err, sizeof err);
        assert_non_null(b);
        if (memcmp(&b->score, &f, sizeof f) != 0)
            fail_msg("%.9g printed as %s read back as %.9g", (double)f, s,
                     (double)b->score);
        if (sig_digits(s + strlen("{\"score\":")) > 9)
            fail_msg("%s has more digits than a float needs", s);
        protobuf_c_message_free_unpacked(&b->base, NULL);
        free(s);
    }
    l.score = 1.0f / 0.0f;
    s = text_of(&l.base);
    assert_string_equal(s, "{\"score\":\"Infinity\"}");
    Wirewatch__V1__Label *b = (Wirewatch__V1__Label *)from_text(
        &wirewatch__v1__label__descriptor, s, err, sizeof err);
    assert_non_null(b);
    assert_true(b->score > 3.4e38f && isinf(b->score));
    protobuf_c_message_free_unpacked(&b->base, NULL);
    free(s);
}

static void test_int64_as_strings(void **state) {
    Wirewatch__V1__StatusEvent e = WIREWATCH__V1__STATUS_EVENT__INIT;
    e.at_us = 1796383781308071LL;
    e.bytes = -5;
    e.http_status = 200;
    char *s = text_of(&e.base);
    assert_string_equal(s, "{\"http_status\":200,\"at_us\":\"1796383781308071\","
                           "\"bytes\":\"-5\"}");
    free(s);
    /* numbers are accepted too, integral reals as well, nothing fractional */
    char err[128];
    Wirewatch__V1__StatusEvent *b = (Wirewatch__V1__StatusEvent *)from_text(
        &wirewatch__v1__status_event__descriptor, "{\"at_us\":17,\"bytes\":1e3}", err,
        sizeof err);
    assert_non_null(b);
    assert_int_equal(b->at_us, 17);
    assert_int_equal(b->bytes, 1000);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    assert_null(from_text(&wirewatch__v1__status_event__descriptor, "{\"bytes\":1.5}",
                          err, sizeof err));
    assert_non_null(strstr(err, "bytes"));
}

static void test_ranges_refused(void **state) {
    static const char *const bad[] = {
        "{\"http_status\":2147483648}",
        "{\"http_status\":-2147483649}",
        "{\"at_us\":\"9223372036854775808\"}",
        "{\"at_us\":\" 5\"}",
        "{\"at_us\":\"5x\"}",
    };
    char err[128];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        assert_null(
            from_text(&wirewatch__v1__status_event__descriptor, bad[i], err, sizeof err));
        assert_true(strstr(err, "http_status") || strstr(err, "at_us"));
    }
    assert_null(from_text(&wirewatch__v1__span__descriptor, "{\"start\":4294967296}", err,
                          sizeof err));
    assert_null(
        from_text(&wirewatch__v1__span__descriptor, "{\"start\":-1}", err, sizeof err));
    assert_null(from_text(&wirewatch__v1__label__descriptor, "{\"score\":1e39}", err,
                          sizeof err));
    ProtobufCMessage *m = from_text(&wirewatch__v1__span__descriptor,
                                    "{\"start\":4294967295}", err, sizeof err);
    assert_non_null(m);
    assert_true(((Wirewatch__V1__Span *)m)->start == 4294967295u);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void test_meaningful_zeros_printed(void **state) {
    Wirewatch__V1__Span sp = WIREWATCH__V1__SPAN__INIT;
    sp.end = 3;
    sp.text = "Oil";
    char *s = text_of(&sp.base);
    assert_string_equal(s, "{\"start\":0,\"end\":3,\"text\":\"Oil\"}");
    free(s);
    Wirewatch__V1__DeadLetter dl = WIREWATCH__V1__DEAD_LETTER__INIT;
    s = text_of(&dl.base);
    assert_string_equal(s, "{\"source_partition\":0,\"source_offset\":\"0\"}");
    free(s);
    Wirewatch__V1__Page p = WIREWATCH__V1__PAGE__INIT;
    s = text_of(&p.base); /* no WARC file: no offset into one */
    assert_string_equal(s, "{}");
    free(s);
    p.warc_file = "a.warc.gz";
    s = text_of(&p.base);
    assert_string_equal(s, "{\"warc_file\":\"a.warc.gz\",\"warc_offset\":\"0\"}");
    free(s);
}

static void test_line_separators_escaped(void **state) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.title = "a\xe2\x80\xa8"
              "b\xe2\x80\xa9"
              "c\xe2\x80\xa7\n\"\\\x01\xc3\xa9";
    char *s = text_of(&d.base);
    /* U+2027 stays raw UTF-8; U+2028/9 and control characters are escaped */
    assert_string_equal(s, "{\"title\":\"a\\u2028b\\u2029c\xe2\x80\xa7\\n\\\"\\\\"
                           "\\u0001\xc3\xa9\"}");
    char err[128];
    Wirewatch__V1__Document *b = (Wirewatch__V1__Document *)from_text(
        &wirewatch__v1__document__descriptor, s, err, sizeof err);
    assert_non_null(b);
    assert_string_equal(b->title, d.title);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    free(s);
}

static void test_meta_key_ignored_at_top_only(void **state) {
    char err[128];
    ProtobufCMessage *m = from_text(&wirewatch__v1__document__descriptor,
                                    "{\"id\":\"a\",\"" WW_JSON_META_KEY
                                    "\":{\"key\":\"k\",\"partition\":0}}",
                                    err, sizeof err);
    assert_non_null(m);
    assert_string_equal(((Wirewatch__V1__Document *)m)->id, "a");
    protobuf_c_message_free_unpacked(m, NULL);
    assert_null(from_text(&wirewatch__v1__document__descriptor,
                          "{\"links\":[{\"" WW_JSON_META_KEY "\":{}}]}", err,
                          sizeof err));
    assert_non_null(strstr(err, WW_JSON_META_KEY));
    assert_null(from_text(&wirewatch__v1__document__descriptor, "{\"_key\":\"k\"}", err,
                          sizeof err));
}

static void test_unknown_enum_number_kept(void **state) {
    Wirewatch__V1__Page p = WIREWATCH__V1__PAGE__INIT;
    p.source = 7; /* from a newer producer */
    char *s = text_of(&p.base);
    assert_string_equal(s, "{\"source\":7}");
    char err[128];
    ProtobufCMessage *m = from_text(&wirewatch__v1__page__descriptor, s, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(((Wirewatch__V1__Page *)m)->source, 7);
    protobuf_c_message_free_unpacked(m, NULL);
    free(s);
}

static void test_schema_version_from_proto(void **state) {
    /* the .proto's SchemaVersion: bumping it there moves this */
    assert_int_equal(WW_SCHEMA_VERSION, WIREWATCH__V1__SCHEMA_VERSION__SCHEMA_VERSION_1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_round_trip),
        cmocka_unit_test(test_uint64_as_string),
        cmocka_unit_test(test_rejects_unknown_and_mistyped),
        cmocka_unit_test(test_unpack_limits),
        cmocka_unit_test(test_invalid_utf8_survives),
        cmocka_unit_test(test_type_lookup),
        cmocka_unit_test(test_float_shortest_round_trip),
        cmocka_unit_test(test_int64_as_strings),
        cmocka_unit_test(test_ranges_refused),
        cmocka_unit_test(test_meaningful_zeros_printed),
        cmocka_unit_test(test_line_separators_escaped),
        cmocka_unit_test(test_meta_key_ignored_at_top_only),
        cmocka_unit_test(test_unknown_enum_number_kept),
        cmocka_unit_test(test_schema_version_from_proto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
