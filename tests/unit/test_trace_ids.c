/* Fields read from protobuf bytes without decoding, trace ids lent to outputs
 * (workers/common/trace_ids.c), and the byte bound of inproc hops (zmq_hop_bytes.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../workers/common/trace_ids.h"
#include "../../workers/common/zmq_hop_bytes.h"
#include "wirewatch/message.h"

static uint8_t *pack(const ProtobufCMessage *m, size_t *len) {
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    protobuf_c_message_pack(m, buf);
    return buf;
}

static void wire_string_finds_fields_past_a_big_body(void **state) {
    (void)state;
    Wirewatch__V1__Page p = WIREWATCH__V1__PAGE__INIT;
    static uint8_t body[300000];
    memset(body, 'x', sizeof body);
    p.request_id = "req-7";
    p.body.data = body;
    p.body.len = sizeof body;
    p.final_url = "https://example.org/a";
    Wirewatch__V1__Trace t = WIREWATCH__V1__TRACE__INIT;
    t.trace_id = "0123456789abcdef0123456789abcdef";
    p.trace = &t;
    size_t len;
    uint8_t *buf = pack(&p.base, &len);
    char out[128];
    const ProtobufCMessageDescriptor *d = &wirewatch__v1__page__descriptor;
    assert_int_equal(ww__wire_string(buf, len, d, "final_url", out, sizeof out), 21);
    assert_string_equal(out, "https://example.org/a");
    assert_int_equal(ww__wire_string(buf, len, d, "request_id", out, sizeof out), 5);
    assert_string_equal(out, "req-7");
    assert_int_equal(ww__wire_trace_id(buf, len, d, out, sizeof out), 32);
    assert_string_equal(out, t.trace_id);
    /* absent, not a string, unknown name */
    assert_int_equal(ww__wire_string(buf, len, d, "requested_url", out, sizeof out), -1);
    assert_int_equal(ww__wire_string(buf, len, d, "status", out, sizeof out), -1);
    assert_int_equal(ww__wire_string(buf, len, d, "no_such_field", out, sizeof out), -1);
    /* truncated to the buffer */
    char small[6];
    assert_int_equal(ww__wire_string(buf, len, d, "final_url", small, sizeof small), 5);
    assert_string_equal(small, "https");
    /* cut short in the body: malformed, nothing read */
    assert_int_equal(ww__wire_trace_id(buf, len / 2, d, out, sizeof out), -1);
    free(buf);
}

static void wire_trace_id_absent_without_trace(void **state) {
    (void)state;
    Wirewatch__V1__FetchRequest r = WIREWATCH__V1__FETCH_REQUEST__INIT;
    r.url = "https://example.org/only-a-url";
    size_t len;
    uint8_t *buf = pack(&r.base, &len);
    char out[80];
    const ProtobufCMessageDescriptor *d = &wirewatch__v1__fetch_request__descriptor;
    assert_int_equal(ww__wire_trace_id(buf, len, d, out, sizeof out), -1);
    assert_true(ww__wire_string(buf, len, d, "url", out, sizeof out) > 0);
    /* a type without a trace field */
    assert_int_equal(ww__wire_trace_id(buf, len, &wirewatch__v1__status_event__descriptor,
                                       out, sizeof out),
                     -1);
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(ww__wire_string(junk, sizeof junk, d, "url", out, sizeof out), -1);
    free(buf);
}

static void lend_fills_an_empty_trace_and_puts_it_back(void **state) {
    (void)state;
    const char *id = "fedcba9876543210fedcba9876543210";
    /* no Trace at all */
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.id = "doc-1";
    ww__trace_loan loan;
    ww__trace_lend(&d.base, id, &loan);
    size_t len;
    uint8_t *buf = pack(&d.base, &len);
    Wirewatch__V1__Document *back = wirewatch__v1__document__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_non_null(back->trace);
    assert_string_equal(back->trace->trace_id, id);
    wirewatch__v1__document__free_unpacked(back, NULL);
    free(buf);
    ww__trace_lend_undo(&loan);
    assert_null(d.trace);
    /* a Trace with stamps but no id: the id is lent, the stamps stay */
    Wirewatch__V1__Trace t = WIREWATCH__V1__TRACE__INIT;
    d.trace = &t;
    ww__trace_lend(&d.base, id, &loan);
    assert_string_equal(t.trace_id, id);
    ww__trace_lend_undo(&loan);
    assert_string_equal(t.trace_id, "");
    /* the stage's own id is kept */
    t.trace_id = "own";
    ww__trace_lend(&d.base, id, &loan);
    assert_string_equal(t.trace_id, "own");
    ww__trace_lend_undo(&loan);
    assert_string_equal(t.trace_id, "own");
    /* a type without a Trace: nothing happens */
    Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
    ww__trace_lend(&ev.base, id, &loan);
    assert_null(loan.slot);
    ww__trace_lend_undo(&loan);
}

static void msg_string_reads_by_name(void **state) {
    (void)state;
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.id = "doc-2";
    d.url = "https://example.org/b";
    assert_string_equal(ww__msg_string(&d.base, "url"), "https://example.org/b");
    assert_string_equal(ww__msg_string(&d.base, "id"), "doc-2");
    assert_null(ww__msg_string(&d.base, "no_such_field"));
}

static void hop_bounds_open_bytes(void **state) {
    (void)state;
    ww__hop *a = ww__hop_get("inproc://test-hop");
    ww__hop *b = ww__hop_get("inproc://test-hop");
    assert_ptr_equal(a, b); /* sender and receiver share it */
    const size_t limit = 4 << 20;
    assert_int_equal(ww__hop_reserve(a, 3 << 20, limit), 1);
    assert_int_equal(ww__hop_reserve(a, 2 << 20, limit), 0); /* would pass the bound */
    assert_int_equal(ww__hop_open(a), 3 << 20);
    ww__hop_wait(a, 2 << 20, limit, 20); /* times out: nothing released */
    ww__hop_release(b, 3 << 20);         /* the receiver finished the message */
    assert_int_equal(ww__hop_reserve(a, 2 << 20, limit), 1);
    ww__hop_release(b, 2 << 20);
    /* one message larger than the bound passes when nothing is open */
    assert_int_equal(ww__hop_reserve(a, 9 << 20, limit), 1);
    assert_int_equal(ww__hop_reserve(a, 1, limit), 0);
    ww__hop_release(b, 9 << 20);
    assert_int_equal(ww__hop_open(a), 0);
    ww__hop_put(a);
    ww__hop_put(b);
    ww__hop_put(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wire_string_finds_fields_past_a_big_body),
        cmocka_unit_test(wire_trace_id_absent_without_trace),
        cmocka_unit_test(lend_fills_an_empty_trace_and_puts_it_back),
        cmocka_unit_test(msg_string_reads_by_name),
        cmocka_unit_test(hop_bounds_open_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
