/* The JSON line of `wirewatch extract`, written straight from the Document.
 *
 * It used to be a jansson object (each string copied and UTF-8-checked by
 * json_string) dumped with json_dumps(JSON_COMPACT), which walks strings code point
 * by code point: 8% of the command's instructions on the extraction dev pages, as
 * much as the metadata reader.  This writer gives the same bytes: keys in insertion
 * order, "," and ":" without spaces, strings escaped as jansson escapes them
 * (\" \\ \b \f \n \r \t, other control bytes as \u00XX with upper-case hex, nothing
 * else: '/', DEL and non-ASCII stay raw), reals as %.17g with ".0" added when there is
 * no '.' or exponent, and a string that is NULL or not valid UTF-8 (what json_string
 * refuses) leaves its key out.  tests/unit/test_extract_json.c compares the two. */
#include "extract_json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/parse.h"

/* Length of s when it is valid UTF-8 as jansson checks it (no overlong forms, no
 * surrogates, nothing past U+10FFFF), else -1. */
static long utf8_len(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    for (;;) {
        while (p[k] && p[k] < 0x80)
            k++;
        unsigned char c = p[k];
        if (!c)
            return (long)k;
        size_t need;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, cp = c & 0x07, min = 0x10000;
        else
            return -1;
        for (size_t j = 1; j <= need; j++) {
            if ((p[k + j] & 0xC0) != 0x80) /* also stops at the NUL */
                return -1;
            cp = cp << 6 | (p[k + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        k += need + 1;
    }
}

static void put_escaped(ww_sb *b, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    ww_sb_put(b, "\"", 1);
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        ww_sb_put(b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"':
        case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        ww_sb_put(b, esc, elen);
    }
    ww_sb_put(b, s + run, n - run);
    ww_sb_put(b, "\"", 1);
}

/* One member or element of a container: a comma unless it is the first. */
static void sep(ww_sb *b, int *first) {
    if (!*first)
        ww_sb_put(b, ",", 1);
    *first = 0;
}

static void key(ww_sb *b, int *first, const char *k) {
    sep(b, first);
    put_escaped(b, k, strlen(k));
    ww_sb_put(b, ":", 1);
}

/* "k":"v" — left out when v is NULL or not UTF-8 (json_string's NULL). */
static void str(ww_sb *b, int *first, const char *k, const char *v) {
    long n = v ? utf8_len(v) : -1;
    if (n < 0)
        return;
    key(b, first, k);
    put_escaped(b, v, (size_t)n);
}

/* The same for an optional field: only when set and not empty. */
static void opt(ww_sb *b, int *first, const char *k, const char *v) {
    if (v && *v)
        str(b, first, k, v);
}

static void real(ww_sb *b, int *first, const char *k, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    size_t n = strlen(buf);
    if (!strchr(buf, '.') && !strchr(buf, 'e') && n + 3 <= sizeof buf)
        memcpy(buf + n, ".0", 3);
    key(b, first, k);
    ww_sb_puts(b, buf);
}

static void links(ww_sb *b, int *first, const Wirewatch__V1__Document *d) {
    key(b, first, "links");
    ww_sb_put(b, "[", 1);
    int fa = 1;
    for (size_t k = 0; k < d->n_links; k++) {
        sep(b, &fa);
        int fo = 1;
        ww_sb_put(b, "{", 1);
        str(b, &fo, "url", d->links[k]->url);
        str(b, &fo, "text", d->links[k]->text);
        ww_sb_put(b, "}", 1);
    }
    ww_sb_put(b, "]", 1);
}

static void comments(ww_sb *b, int *first, const Wirewatch__V1__Document *d) {
    key(b, first, "comments");
    ww_sb_put(b, "[", 1);
    int fa = 1;
    for (size_t k = 0; k < d->n_comments; k++) {
        sep(b, &fa);
        int fo = 1;
        ww_sb_put(b, "{", 1);
        opt(b, &fo, "author", d->comments[k]->author);
        opt(b, &fo, "published", d->comments[k]->published);
        opt(b, &fo, "text", d->comments[k]->text);
        ww_sb_put(b, "}", 1);
    }
    ww_sb_put(b, "]", 1);
}

static void limits_hit(ww_sb *b, int *first, unsigned limits) {
    key(b, first, "limits_hit");
    ww_sb_put(b, "[", 1);
    int fa = 1;
    for (unsigned bit = 1; bit; bit <<= 1)
        if ((limits & bit) && ww_limit_name(bit)) {
            sep(b, &fa);
            put_escaped(b, ww_limit_name(bit), strlen(ww_limit_name(bit)));
        }
    ww_sb_put(b, "]", 1);
}

int ww__extract_json(ww_sb *b, const char *file, const Wirewatch__V1__Document *d,
                     unsigned limits) {
    int first = 1;
    ww_sb_put(b, "{", 1);
    str(b, &first, "file", file);
    str(b, &first, "url", d->url);
    str(b, &first, "id", d->id);
    str(b, &first, "title", d->title);
    str(b, &first, "text", d->text);
    opt(b, &first, "byline", d->byline);
    opt(b, &first, "published", d->published);
    opt(b, &first, "language", d->language);
    if (d->language && *d->language)
        real(b, &first, "language_confidence",
             (double)(int)(d->language_confidence * 1000) / 1000);
    opt(b, &first, "site", d->site);
    opt(b, &first, "canonical_url", d->canonical_url);
    opt(b, &first, "description", d->description);
    char sh[17];
    snprintf(sh, sizeof sh, "%016llx", (unsigned long long)d->simhash);
    str(b, &first, "simhash", sh);
    opt(b, &first, "near_duplicate_of", d->near_duplicate_of);
    str(b, &first, "extractor_version", d->extractor_version);
    links(b, &first, d);
    if (d->n_comments)
        comments(b, &first, d);
    if (limits)
        limits_hit(b, &first, limits);
    ww_sb_put(b, "}", 1);
    return b->oom ? WW_ENOMEM : 0;
}
