/* Where the default classifier's memory goes (docs/benchmarks.md, "Classifier
 * memory"): build it as the classify worker does, then print the process's resident
 * memory by mapping (/proc/self/smaps: brk heap, anonymous maps, ICU's data and code,
 * this program with its embedded rules, other libraries), glibc's malloc statistics,
 * the peak (VmHWM) and the build time.
 *
 *   classifier_rss [VALGRIND_MONITOR_COMMAND]
 *
 * Under `valgrind --tool=massif`, an argument such as "detailed_snapshot FILE" takes a
 * massif snapshot of the built classifier (what it holds, by allocation site).  Figures
 * go to stdout; nothing is asserted. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/valgrind.h>

#include "wirewatch/classify.h"

typedef struct rss {
    long heap, anon, icudata, icucode, self, other, total, hwm;
} rss;

/* Which bucket the mapping on smaps header line `line` belongs to. */
static long *bucket(rss *r, const char *line) {
    char path[512] = "";
    if (sscanf(line, "%*x-%*x %*s %*x %*s %*u %511s", path) < 1 || !path[0])
        return &r->anon;
    if (strcmp(path, "[heap]") == 0)
        return &r->heap;
    if (strstr(path, "libicudata"))
        return &r->icudata;
    if (strstr(path, "libicu"))
        return &r->icucode;
    if (strstr(path, "classifier_rss"))
        return &r->self;
    return path[0] == '[' ? &r->anon : &r->other;
}

static rss measure(void) {
    rss r = {0};
    char line[1024];
    long *cur = &r.other, kb;
    FILE *f = fopen("/proc/self/smaps", "r");
    while (f && fgets(line, sizeof line, f)) {
        /* a mapping's header starts with its address (lower-case hex), its fields
         * with a capital ("Rss:") */
        if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
            cur = bucket(&r, line);
        else if (sscanf(line, "Rss: %ld kB", &kb) == 1) {
            *cur += kb;
            r.total += kb;
        }
    }
    if (f)
        fclose(f);
    f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        sscanf(line, "VmHWM: %ld kB", &r.hwm);
    if (f)
        fclose(f);
    return r;
}

static void print(const char *when, rss r) {
    struct mallinfo2 mi = mallinfo2();
    printf(
        "%-6s RSS %6.1f MB (peak %.1f): heap %.1f, anonymous maps %.1f, ICU data %.1f, "
        "ICU code %.1f, program %.1f, other libraries %.1f | malloc: in use %.1f MB "
        "(%.1f of it mmap'd), free in the heap %.1f MB\n",
        when, r.total / 1024.0, r.hwm / 1024.0, r.heap / 1024.0, r.anon / 1024.0,
        r.icudata / 1024.0, r.icucode / 1024.0, r.self / 1024.0, r.other / 1024.0,
        (double)(mi.uordblks + mi.hblkhd) / 1048576, (double)mi.hblkhd / 1048576,
        (double)mi.fordblks / 1048576);
}

int main(int argc, char **argv) {
    ww_classify_opts o = {0};
    char err[512];
    struct timespec t0, t1;
    print("start", measure());
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!c) {
        fprintf(stderr, "classifier_rss: %s\n", err);
        return 1;
    }
    print("built", measure());
    printf("build %.0f ms, %zu phrases\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
           ww_classifier_phrases(c));
    if (argc > 1)
        VALGRIND_MONITOR_COMMAND(argv[1]);
    ww_classifier_free(c);
    return 0;
}
