/* ww_msg_write_delimited writes a varint length and bytes that decode to the message,
 * for small messages, large bodies and texts (written from where they are), a large
 * rest (many headers), and a pipe that takes a little at a time; the message is left
 * as it was.  Trace ids are unique and traces copy exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"

typedef struct {
    int fd;
    uint8_t *buf;
    size_t len, cap;
} reader;

/* drains the pipe in small reads so the writer sees short writes */
static void *drain(void *ud) {
    reader *r = ud;
    uint8_t chunk[777];
    ssize_t n;
    while ((n = read(r->fd, chunk, sizeof chunk)) > 0) {
        if (r->len + (size_t)n > r->cap) {
            r->cap = (r->len + (size_t)n) * 2;
            r->buf = realloc(r->buf, r->cap);
        }
        memcpy(r->buf + r->len, chunk, (size_t)n);
        r->len += (size_t)n;
    }
    return NULL;
}

static void check_written(const ProtobufCMessage *m) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    reader r = {p[0], NULL, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, drain, &r);
    size_t reported = 0;
    assert_int_equal(ww_msg_write_delimited(p[1], m, &reported), 0);
    close(p[1]);
    pthread_join(th, NULL);
    close(p[0]);
    /* a varint length, then that many bytes that decode to the same message (big
     * fields come last, so compare canonical re-encodings, not the raw bytes) */
    size_t len = 0, k = 0;
    int shift = 0;
    while (k < r.len) {
        len |= (size_t)(r.buf[k] & 0x7f) << shift;
        shift += 7;
        if (!(r.buf[k++] & 0x80))
            break;
    }
    assert_int_equal(r.len, k + len);
    assert_int_equal(reported, len);
    ProtobufCMessage *back =
        protobuf_c_message_unpack(m->descriptor, NULL, len, r.buf + k);
    assert_non_null(back);
    size_t n1, n2;
    uint8_t *want = ww_msg_pack(m, &n1), *got = ww_msg_pack(back, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(want, got, n1);
    free(want);
    free(got);
    protobuf_c_message_free_unpacked(back, NULL);
    free(r.buf);
}

static void test_small_message(void **state) {
    Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
    ev.stage = "fetch";
    ev.url = "https://example.org/";
    ev.status = "fetched";
    ev.http_status = 200;
    check_written(&ev.base);
    Wirewatch__V1__StatusEvent empty = WIREWATCH__V1__STATUS_EVENT__INIT;
    check_written(&empty.base); /* zero-length message: just the prefix */
}

static void test_large_body_and_many_headers(void **state) {
    Wirewatch__V1__Page pg = WIREWATCH__V1__PAGE__INIT;
    size_t blen = 300000;
    uint8_t *body = malloc(blen);
    for (size_t i = 0; i < blen; i++)
        body[i] = (uint8_t)(i * 131 + 7);
    pg.body.data = body;
    pg.body.len = blen;
    pg.final_url = "https://example.org/big";
    /* 200 headers with 2 KB values: more referenced pieces than one writev takes, with
     * small scratch pieces between them */
    enum { NH = 200 };
    Wirewatch__V1__Header *hv[NH], hs[NH];
    char *vals[NH];
    for (int i = 0; i < NH; i++) {
        wirewatch__v1__header__init(&hs[i]);
        vals[i] = malloc(2049);
        memset(vals[i], 'a' + i % 26, 2048);
        vals[i][2048] = '\0';
        hs[i].name = "x-h";
        hs[i].value = vals[i];
        hv[i] = &hs[i];
    }
    pg.headers = hv;
    pg.n_headers = NH;
    check_written(&pg.base);
    /* the message is the caller's again, unchanged */
    assert_ptr_equal(pg.body.data, body);
    assert_int_equal(pg.body.len, blen);
    for (int i = 0; i < NH; i++)
        free(vals[i]);
    free(body);
}

static void test_large_text(void **state) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    char *text = malloc(100001);
    for (int i = 0; i < 100000; i++)
        text[i] = (char)('a' + i % 26);
    text[100000] = '\0';
    d.text = text;
    d.title = "t";
    d.url = "https://example.org/";
    check_written(&d.base);
    assert_ptr_equal(d.text, text);
    free(text);
}

static void test_bad_fd(void **state) {
    Wirewatch__V1__StatusEvent ev = WIREWATCH__V1__STATUS_EVENT__INIT;
    ev.status = "fetched";
    assert_int_equal(ww_msg_write_delimited(-1, &ev.base, NULL), WW_EIO);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_trace_ids_unique(void **state) {
    enum { N = 20000 };
    char **ids = malloc(N * sizeof *ids);
    for (int i = 0; i < N; i++) {
        ids[i] = ww_trace_new_id();
        assert_non_null(ids[i]);
        assert_int_equal(strlen(ids[i]), 32);
        assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
    }
    qsort(ids, N, sizeof *ids, cmp_str);
    for (int i = 1; i < N; i++)
        assert_true(strcmp(ids[i - 1], ids[i]) != 0);
    for (int i = 0; i < N; i++)
        free(ids[i]);
    free(ids);
    assert_int_equal(ww_pid(), (int)getpid());
}

/* the direct deep copy packs to the same bytes and frees cleanly (ASan checks) */
static void test_trace_copy(void **state) {
    Wirewatch__V1__Trace *t = NULL;
    assert_int_equal(ww_trace_stamp(&t, "submitted"), 0);
    assert_int_equal(ww_trace_stamp(&t, "fetch"), 0);
    t->trace_id = ww_trace_new_id();
    Wirewatch__V1__Trace *c = ww_trace_copy(t);
    assert_non_null(c);
    assert_ptr_not_equal(c->trace_id, t->trace_id);
    size_t a, b;
    uint8_t *pa = ww_msg_pack(&t->base, &a), *pb = ww_msg_pack(&c->base, &b);
    assert_int_equal(a, b);
    assert_memory_equal(pa, pb, a);
    free(pa);
    free(pb);
    Wirewatch__V1__Trace empty = WIREWATCH__V1__TRACE__INIT;
    Wirewatch__V1__Trace *e = ww_trace_copy(&empty);
    assert_non_null(e);
    assert_int_equal(e->n_stamps, 0);
    assert_string_equal(e->trace_id, "");
    assert_null(ww_trace_copy(NULL));
    protobuf_c_message_free_unpacked(&e->base, NULL);
    protobuf_c_message_free_unpacked(&c->base, NULL);
    protobuf_c_message_free_unpacked(&t->base, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_message),
        cmocka_unit_test(test_large_body_and_many_headers),
        cmocka_unit_test(test_large_text),
        cmocka_unit_test(test_bad_fd),
        cmocka_unit_test(test_trace_ids_unique),
        cmocka_unit_test(test_trace_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
