/* Peer measurement for the parse stage's tokenizer choice: libxml2's HTML parser on
 * the same pages, (a) building a tree with htmlReadMemory and walking its text nodes,
 * (b) SAX with empty callbacks (the floor of any libxml2-based extractor).  Prints
 * pages/s (CPU time) for each, best of 3 passes, single thread.  Built and run by
 * tests/bench/bench_extract.py:  libxml2_parse FILE.html.gz... */
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static long textbytes;

static void walk(xmlNode *n) {
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE && n->content)
            textbytes += (long)strlen((const char *)n->content);
        walk(n->children);
    }
}

static void sax_chars(void *c, const xmlChar *s, int l) {
    (void)c;
    (void)s;
    textbytes += l;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
                  &t); /* CPU time: robust on a shared machine */
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int n = argc - 1;
    char **buf = calloc((size_t)n, sizeof *buf);
    int *len = calloc((size_t)n, sizeof *len);
    for (int i = 0; i < n; i++) { /* decompressed up front: parsing is what is timed */
        gzFile f = gzopen(argv[i + 1], "rb");
        if (!f)
            return 1;
        size_t cap = 1 << 20, l = 0;
        buf[i] = malloc(cap);
        int r;
        while ((r = gzread(f, buf[i] + l, (unsigned)(cap - l))) > 0) {
            l += (size_t)r;
            if (l == cap)
                buf[i] = realloc(buf[i], cap *= 2);
        }
        gzclose(f);
        if (l == cap)
            buf[i] = realloc(buf[i], cap + 1);
        buf[i][l] = 0; /* htmlSAXParseDoc reads a NUL-terminated string */
        len[i] = (int)l;
    }
    const int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                     HTML_PARSE_NONET | HTML_PARSE_COMPACT;
    for (int mode = 0; mode < 2; mode++) {
        double best = 1e9;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now();
            for (int i = 0; i < n; i++) {
                if (mode == 0) {
                    htmlDocPtr d = htmlReadMemory(buf[i], len[i], NULL, "UTF-8", opts);
                    if (d)
                        walk(xmlDocGetRootElement(d));
                    xmlFreeDoc(d);
                } else {
                    htmlSAXHandler h;
                    memset(&h, 0, sizeof h);
                    h.characters = sax_chars;
                    htmlDocPtr d =
                        htmlSAXParseDoc((const xmlChar *)buf[i], "UTF-8", &h, NULL);
                    xmlFreeDoc(d);
                }
            }
            double dt = now() - t0;
            if (dt < best)
                best = dt;
        }
        printf("%s %.1f\n", mode == 0 ? "tree" : "sax", n / best);
    }
    return textbytes < 0;
}
