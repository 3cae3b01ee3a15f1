/* Cost of the metrics hooks on the worker thread (not a test; prints figures):
 * ww_metrics_observe + ww_metrics_tick per output message (a Classified with 5 labels
 * and a published time), and one /metrics render.
 *
 *   make build && cc -O2 -Iinclude -Ibuild/gen -D_GNU_SOURCE -o build/bench_metrics \
 *       tests/tools/bench_metrics_observe.c build/libwirewatch.a \
 *       $(pkg-config --libs libprotobuf-c jansson libzmq) -lpthread -lm && build/bench_metrics
 */
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include "wirewatch/metrics.h"
#include "wirewatch/message.h"
int main(void) {
    ww_worker_stats st = {0};
    ww_metrics *m = ww_metrics_new("classify", &st);
    Wirewatch__V1__Classified c = WIREWATCH__V1__CLASSIFIED__INIT;
    Wirewatch__V1__Trace *t = NULL;
    ww_trace_stamp(&t, "submitted");
    ww_trace_stamp(&t, "fetch");
    ww_trace_stamp(&t, "parse");
    ww_trace_stamp(&t, "classify");
    c.trace = t;
    c.id = "0123456789abcdef0123456789abcdef";
    c.title = "A title of some length for a news story";
    c.url = "https://example.org/news/2024/05/01/some-story.html";
    c.published = "2024-05-01T12:00:00Z";
    c.taxonomy_version = "iptc 2023-10-24";
    Wirewatch__V1__Label l[5], *lp[5];
    for (int i = 0; i < 5; i++) {
        wirewatch__v1__label__init(&l[i]);
        l[i].name = "politics and government";
        l[i].score = 0.5f;
        lp[i] = &l[i];
    }
    c.n_labels = 5;
    c.labels = lp;
    int n = 1000000;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        ww_metrics_observe(m, &c.base, ww_now_us());
        st.in++;
        ww_metrics_tick(m, ww_now_us());
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
    size_t len;
    char *txt = ww_metrics_render(m, &len);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        free(ww_metrics_render(m, &len));
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("observe+tick: %.0f ns/message; render: %.1f us/scrape (%zu bytes)\n", ns,
           ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1000 / 1000.0, len);
    free(txt);
    return 0;
}
