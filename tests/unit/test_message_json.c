/* The JSON mirror of wirewatch.v1 messages: round trips, maps, bytes, 64-bit values,
 * and strict rejection of what does not fit the schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_round_trip),
        cmocka_unit_test(test_uint64_as_string),
        cmocka_unit_test(test_rejects_unknown_and_mistyped),
        cmocka_unit_test(test_unpack_limits),
        cmocka_unit_test(test_invalid_utf8_survives),
        cmocka_unit_test(test_type_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
