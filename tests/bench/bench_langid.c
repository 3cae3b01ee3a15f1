/* Language identification figures (not a test): how the parse stage's language
 * confidence separates right from wrong guesses, to choose parse.langid_min_confidence
 * and parse.langid_short_text_bytes.
 *
 *   bench_langid CASES.tsv [LANG=FILE ...] [-v]
 *
 * CASES.tsv: EXPECTED<TAB>TEXT lines ("\n" in TEXT = newline, '#' lines are comments),
 * EXPECTED = acceptable answers separated by '|', "und" = claiming no language is
 * right.  LANG=FILE adds a whole file expected to be LANG.  -v prints every case.
 * Prints, per threshold, the answers the parse stage would give without a declared
 * language (rule 3/4 of ww_language_choose), and by text length, how often a
 * confident guess is right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/langid.h"

typedef struct item {
    char expect[64];
    char *text;
    size_t len;
    ww_langid_result r;
} item;

static int accepts(const char *expect, const char *code) {
    size_t n = strlen(code);
    for (const char *s = expect; *s;) {
        size_t k = strcspn(s, "|");
        if (k == n && !strncmp(s, code, n))
            return 1;
        s += k + (s[k] == '|');
    }
    return 0;
}

static char *unescape(const char *s, size_t *len) {
    size_t n = strlen(s);
    char *o = malloc(n + 1), *w = o;
    if (!o)
        exit(2);
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            *w++ = '\n';
            s++;
        } else if (*s != '\n' && *s != '\r') {
            *w++ = *s;
        }
    }
    *w = 0;
    *len = (size_t)(w - o);
    return o;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_langid CASES.tsv [LANG=FILE ...] [-v]\n");
        return 2;
    }
    size_t cap = 1024, n = 0;
    item *it = calloc(cap, sizeof *it);
    int verbose = 0;
    FILE *f = fopen(argv[1], "r");
    if (!f || !it) {
        perror(argv[1]);
        return 2;
    }
    char line[8192];
    while (fgets(line, sizeof line, f) && n < cap) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        *tab = 0;
        snprintf(it[n].expect, sizeof it[n].expect, "%.63s", line);
        it[n].text = unescape(tab + 1, &it[n].len);
        n++;
    }
    fclose(f);
    for (int a = 2; a < argc && n < cap; a++) {
        if (!strcmp(argv[a], "-v")) {
            verbose = 1;
            continue;
        }
        char *eq = strchr(argv[a], '=');
        if (!eq)
            continue;
        snprintf(it[n].expect, sizeof it[n].expect, "%.*s", (int)(eq - argv[a]), argv[a]);
        it[n].text = slurp(eq + 1, &it[n].len);
        n++;
    }
    for (size_t i = 0; i < n; i++)
        ww_langid_detect(it[i].text, it[i].len, &it[i].r);

    if (verbose) {
        printf("%-12s %-6s %5s %4s %5s %5s %-6s %5s  text\n", "expected", "code", "share",
               "rel", "conf", "bytes", "2nd", "share");
        for (size_t i = 0; i < n; i++) {
            const ww_langid_result *r = &it[i].r;
            int cut = it[i].len < 50 ? (int)it[i].len : 50; /* not inside a character */
            while (cut > 0 && cut < (int)it[i].len && (it[i].text[cut] & 0xC0) == 0x80)
                cut--;
            printf("%-12s %-6s %5.2f %4d %5.2f %5zu %-6s %5.2f  %.*s\n", it[i].expect,
                   r->code[0] ? r->code : "-", r->share, r->reliable, r->confidence,
                   r->text_bytes, r->code2[0] ? r->code2 : "-", r->share2, cut,
                   it[i].text);
        }
        printf("\n");
    }

    size_t n_lang = 0, n_und = 0;
    for (size_t i = 0; i < n; i++)
        accepts(it[i].expect, WW_LANG_UND) ? n_und++ : n_lang++;
    printf("%zu cases: %zu with a definite language, %zu where \"und\" is right\n", n,
           n_lang, n_und);
    printf(
        "threshold | definite: right  wrong  und | und-ok: und  right-lang  wrong-lang | "
        "wrong claims\n");
    for (int t = 0; t <= 70; t += 5) {
        float th = t / 100.0f;
        int right = 0, wrong = 0, und = 0, u_und = 0, u_right = 0, u_wrong = 0;
        for (size_t i = 0; i < n; i++) {
            const ww_langid_result *r = &it[i].r;
            const char *c = r->code[0] && r->confidence >= th ? r->code : WW_LANG_UND;
            int und_ok = accepts(it[i].expect, WW_LANG_UND);
            if (!und_ok)
                !strcmp(c, WW_LANG_UND)    ? und++
                : accepts(it[i].expect, c) ? right++
                                           : wrong++;
            else
                !strcmp(c, WW_LANG_UND)    ? u_und++
                : accepts(it[i].expect, c) ? u_right++
                                           : u_wrong++;
        }
        printf("    %.2f  |           %4d  %5d  %3d |         %3d  %10d  %10d | %12d\n",
               th, right, wrong, und, u_und, u_right, u_wrong, wrong + u_wrong);
    }

    static const size_t edges[] = {0, 50, 100, 200, 400, (size_t)-1};
    printf(
        "\nscored letter bytes | definite cases | confident (>= %.2f) | of them right\n",
        WW_LANGID_MIN_CONFIDENCE);
    for (size_t b = 0; b + 1 < sizeof edges / sizeof *edges; b++) {
        int all = 0, conf = 0, right = 0;
        for (size_t i = 0; i < n; i++) {
            const ww_langid_result *r = &it[i].r;
            if (accepts(it[i].expect, WW_LANG_UND) || r->text_bytes < edges[b] ||
                r->text_bytes >= edges[b + 1])
                continue;
            all++;
            if (r->code[0] && r->confidence >= WW_LANGID_MIN_CONFIDENCE) {
                conf++;
                right += accepts(it[i].expect, r->code);
            }
        }
        if (edges[b + 1] == (size_t)-1)
            printf("          >= %5zu  | %14d | %18d | %d\n", edges[b], all, conf, right);
        else
            printf("     %5zu..%-5zu  | %14d | %18d | %d\n", edges[b], edges[b + 1] - 1,
                   all, conf, right);
    }
    for (size_t i = 0; i < n; i++)
        free(it[i].text);
    free(it);
    return 0;
}
