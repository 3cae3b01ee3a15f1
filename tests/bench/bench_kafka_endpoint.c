/* bench_kafka_endpoint BOOTSTRAP N DIR TOPIC: wirewatch's Kafka endpoints alone.
 *
 * Writes N Document messages (about 2 KB of text each) through a Kafka output
 * endpoint and waits until all are acknowledged, then reads them back through a Kafka
 * input endpoint (group, in-order offset store on release).  Prints one line per
 * phase.  Also writes the same N packed messages as files DIR/m<i> so the bench
 * script can send exactly the same bytes with kcat.  Built by tests/bench/bench-kafka.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"

static void delivered(void *opaque, int err) {
    long *n = opaque;
    if (!err)
        n[0]++;
    else
        n[1]++;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_kafka_endpoint BOOTSTRAP N DIR TOPIC\n");
        return 2;
    }
    ww_log_set_level(WW_LOG_ERROR);
    long n = strtol(argv[2], NULL, 10);
    char uri[512], err[512], text[2048];
    for (size_t i = 0; i < sizeof text - 1; i++)
        text[i] = "abcdefgh ijklmnop qrstu "[i % 24];
    text[sizeof text - 1] = 0;
    snprintf(uri, sizeof uri, "kafka://%s/%s", argv[1], argv[4]);
    ww_endpoint *out =
        ww_endpoint_open(uri, WW_EP_OUT, &wirewatch__v1__document__descriptor, NULL, NULL,
                         "bench", err, sizeof err);
    if (!out) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* pack first (and write the files for kcat), so only sending is timed */
    uint8_t **bufs = calloc((size_t)n, sizeof *bufs);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    char(*ids)[32] = calloc((size_t)n, 32);
    if (!bufs || !lens || !ids)
        return 1;
    for (long i = 0; i < n; i++) {
        Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
        char path[1024];
        snprintf(ids[i], 32, "doc-%ld", i);
        d.id = ids[i];
        d.text = text;
        bufs[i] = ww_msg_pack(&d.base, &lens[i]);
        if (!bufs[i])
            return 1;
        snprintf(path, sizeof path, "%s/m%ld", argv[3], i);
        FILE *f = fopen(path, "wb");
        if (!f)
            return 1;
        fwrite(bufs[i], 1, lens[i], f);
        fclose(f);
    }
    long counts[2] = {0, 0};
    int64_t t0 = ww_mono_us();
    for (long i = 0; i < n; i++) {
        int rc;
        while ((rc = ww_endpoint_send_raw(out, ids[i], bufs[i], lens[i], "", delivered,
                                          counts)) == WW_EAGAIN)
            ww_endpoint_poll(out, 5);
        if (rc)
            return 1;
        ww_endpoint_poll(out, 0); /* serve delivery reports as a worker loop does */
    }
    ww_endpoint_flush(out, 60000);
    int64_t t1 = ww_mono_us();
    ww_endpoint_close(out);
    for (long i = 0; i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(lens);
    free(ids);
    if (counts[0] != n) {
        fprintf(stderr, "only %ld of %ld delivered\n", counts[0], n);
        return 1;
    }
    printf("wirewatch-produce %ld msgs %.3f s %.0f msg/s\n", n, (t1 - t0) / 1e6,
           n / ((t1 - t0) / 1e6));

    snprintf(uri, sizeof uri, "kafka://%s/%s?group=bench-%ld", argv[1], argv[4],
             (long)t0);
    ww_endpoint *in =
        ww_endpoint_open(uri, WW_EP_IN, &wirewatch__v1__document__descriptor, NULL, NULL,
                         "bench", err, sizeof err);
    if (!in) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    long got = 0;
    int64_t c0 = 0;
    while (got < n) {
        ww_in_msg m;
        int rc = ww_endpoint_recv(in, &m, 1000);
        if (rc < 0)
            return 1;
        if (rc == 0) {
            if (c0 && ww_mono_us() - c0 > 60000000)
                break;
            continue;
        }
        if (!c0)
            c0 = ww_mono_us(); /* from the first message: excludes the group join */
        got++;
        ww_endpoint_release(in, &m);
    }
    int64_t c1 = ww_mono_us();
    ww_endpoint_close(in);
    printf("wirewatch-consume %ld msgs %.3f s %.0f msg/s\n", got, (c1 - c0) / 1e6,
           got / ((c1 - c0) / 1e6));
    return got == n ? 0 : 1;
}
