/* One JSON-lines document of `wirewatch train` / `predict`: {"id","title","text",
 * "labels"} -> ww__jdoc (cmd_model.h).
 *
 * jansson is the reference: it decides what is malformed and says why.  In front of
 * it sits a scanner for the common shape of these lines (an object whose values are
 * strings, numbers, null, true/false, and for "labels" an array of strings): jansson
 * spends ~110 instructions per byte building a tree of a 3 KB news line (as long as
 * fastText takes to classify it), the scanner ~4 (German lines, every umlaut a
 * \u00XX escape): it checks and decodes each string in one pass, copying plain ASCII
 * 16 bytes at a time and decoding \uXXXX by table.  The scanner accepts a line only
 * when it is sure jansson would accept it and give the same pieces (every string's
 * escapes and UTF-8 checked, no duplicate key, nothing after the object); anything
 * else — nested values, escaped keys, \u0000, an id that is not a plain integer or
 * string, any error — goes to jansson, so results and messages are jansson's.
 * tests/unit/test_jdoc.c checks both paths give the same pieces. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_model.h"

void ww__jdoc_free(ww__jdoc *d) {
    free(d->id_json);
    free(d->text);
    for (int i = 0; i < d->nlabels; i++)
        free(d->labels[i]);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

/* ---- the reference: jansson ---- */

int ww__jdoc_parse_jansson(const char *line, size_t len, ww__jdoc *d, char *why,
                           size_t whylen) {
    json_error_t je;
    memset(d, 0, sizeof *d);
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(why, whylen, "bad JSON: %s", je.text);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(j)) {
        snprintf(why, whylen, "not a JSON object");
        goto out;
    }
    json_t *id = json_object_get(j, "id"), *title = json_object_get(j, "title");
    json_t *text = json_object_get(j, "text"), *labels = json_object_get(j, "labels");
    if (id && !json_is_string(id) && !json_is_integer(id)) {
        snprintf(why, whylen, "\"id\" must be a string or an integer");
        goto out;
    }
    if ((title && !json_is_string(title) && !json_is_null(title)) ||
        (text && !json_is_string(text) && !json_is_null(text))) {
        snprintf(why, whylen, "\"title\" and \"text\" must be strings");
        goto out;
    }
    if (!json_is_string(title) && !json_is_string(text)) {
        snprintf(why, whylen, "no \"title\" or \"text\"");
        goto out;
    }
    if (labels && !json_is_array(labels) && !json_is_null(labels)) {
        snprintf(why, whylen, "\"labels\" must be an array of strings");
        goto out;
    }
    d->id_json = id ? json_dumps(id, JSON_ENCODE_ANY) : strdup("null");
    size_t tl = json_is_string(title) ? json_string_length(title) : 0;
    size_t xl = json_is_string(text) ? json_string_length(text) : 0;
    d->text = malloc(tl + xl + 2);
    if (!d->id_json || !d->text) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    d->len = 0;
    if (tl) {
        memcpy(d->text, json_string_value(title), tl);
        d->len = tl;
        if (xl)
            d->text[d->len++] = '\n';
    }
    if (xl) {
        memcpy(d->text + d->len, json_string_value(text), xl);
        d->len += xl;
    }
    d->text[d->len] = 0;
    size_t nl = json_is_array(labels) ? json_array_size(labels) : 0;
    d->labels = calloc(nl ? nl : 1, sizeof *d->labels);
    if (!d->labels) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nl; i++) {
        json_t *l = json_array_get(labels, i);
        if (!json_is_string(l) || json_string_length(l) == 0 ||
            strlen(json_string_value(l)) != json_string_length(l)) {
            snprintf(why, whylen, "label %zu is not a non-empty string", i);
            goto out;
        }
        int dup = 0;
        for (int k = 0; k < d->nlabels; k++)
            dup |= strcmp(d->labels[k], json_string_value(l)) == 0;
        if (dup)
            continue;
        if (!(d->labels[d->nlabels] = strdup(json_string_value(l)))) {
            snprintf(why, whylen, "out of memory");
            goto out;
        }
        d->nlabels++;
    }
    rc = 0;
out:
    json_decref(j);
    if (rc)
        ww__jdoc_free(d);
    return rc;
}

/* ---- the scanner ---- */

typedef struct span {
    const char *p; /* raw string contents between the quotes, or a number token */
    size_t n;
    char *d; /* a string's decoded contents (in the scan's buffer) */
    size_t dn;
    int esc; /* contains a backslash */
} span;

static const char *ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Length of the valid UTF-8 sequence at p (non-ASCII lead byte), or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF — what jansson accepts. */
static size_t utf8_len(const unsigned char *p, const unsigned char *e) {
    unsigned c = p[0], n, cp;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if ((size_t)(e - p) < n)
        return 0;
    for (unsigned i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* The value of a hex digit with bit 4 set, 0 for any other byte: four digits are
 * checked with one AND and read without a branch a digit. */
static const unsigned char HEX[256] = {
    ['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14, ['5'] = 0x15,
    ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19, ['a'] = 0x1A, ['b'] = 0x1B,
    ['c'] = 0x1C, ['d'] = 0x1D, ['e'] = 0x1E, ['f'] = 0x1F, ['A'] = 0x1A, ['B'] = 0x1B,
    ['C'] = 0x1C, ['D'] = 0x1D, ['E'] = 0x1E, ['F'] = 0x1F};

/* The byte a two-byte escape \c stands for, 'u' for \u, 0 for an escape JSON has not. */
static const unsigned char ESC[256] = {
    ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b', ['f'] = '\f',
    ['n'] = '\n', ['r'] = '\r',  ['t'] = '\t', ['u'] = 'u'};

static int hex4(const char *p, unsigned *v) {
    const unsigned char *u = (const unsigned char *)p;
    unsigned a = HEX[u[0]], b = HEX[u[1]], c = HEX[u[2]], d = HEX[u[3]];
    *v = (a & 15) << 12 | (b & 15) << 8 | (c & 15) << 4 | (d & 15);
    return (a & b & c & d & 0x10) ? 0 : -1;
}

/* The \uXXXX escape at q (q[1] == 'u'), or the surrogate pair starting there, checked
 * as jansson checks it: four hex digits, not \u0000 (left to jansson), a high
 * surrogate followed by a low one, no lone low one.  Sets *cp; returns the byte after
 * the escape or NULL. */
static const char *uesc(const char *q, const char *e, unsigned *cp) {
    unsigned v, w;
    if (e - q < 6 || hex4(q + 2, &v) || v == 0 || (v >= 0xDC00 && v <= 0xDFFF))
        return NULL;
    q += 6;
    if (v >= 0xD800 && v <= 0xDBFF) {
        if (e - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &w) || w < 0xDC00 ||
            w > 0xDFFF)
            return NULL;
        q += 6;
        v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
    }
    *cp = v;
    return q;
}

/* The bytes of a string str() must look at one by one: the quote, a backslash, a
 * control character, a byte of a multi-byte UTF-8 sequence.  Everything else is
 * plain ASCII, copied 16 bytes at a time. */
static int special(unsigned char c) {
    return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

#if defined(__SSE2__)
#include <emmintrin.h>
/* Bit i set when byte i of the 16 at p is special() (signed < 0x20: control
 * characters and every byte >= 0x80). */
static unsigned special16(const char *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    m = _mm_or_si128(m, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    return (unsigned)_mm_movemask_epi8(m);
}
#else
static unsigned special16(const char *p) {
    unsigned m = 0;
    for (int i = 0; i < 16; i++)
        m |= (unsigned)special((unsigned char)p[i]) << i;
    return m;
}
#endif

/* Copies [q, e) up to its first special() byte to *o and returns that byte's place
 * (or e).  16 bytes are stored before they are tested, so a store may write up to 15
 * bytes past the run: it stays inside the output because a string's output starts
 * at the same offset as its raw bytes and never runs ahead of them (str()). */
static const char *copy_plain(const char *q, const char *e, char **o) {
    char *w = *o;
    for (; e - q >= 16; q += 16, w += 16) {
        memcpy(w, q, 16);
        unsigned m = special16(q);
        if (m) {
            *o = w + __builtin_ctz(m);
            return q + __builtin_ctz(m);
        }
    }
    while (q < e && !special((unsigned char)*q))
        *w++ = *q++;
    *o = w;
    return q;
}

/* The code point v (never 0, never a surrogate) as UTF-8 at o; returns the end. */
static char *put_utf8(char *o, unsigned v) {
    if (v < 0x80) {
        *o++ = (char)v;
    } else if (v < 0x800) {
        *o++ = (char)(0xC0 | v >> 6);
        *o++ = (char)(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
        *o++ = (char)(0xE0 | v >> 12);
        *o++ = (char)(0x80 | (v >> 6 & 0x3F));
        *o++ = (char)(0x80 | (v & 0x3F));
    } else {
        *o++ = (char)(0xF0 | v >> 18);
        *o++ = (char)(0x80 | (v >> 12 & 0x3F));
        *o++ = (char)(0x80 | (v >> 6 & 0x3F));
        *o++ = (char)(0x80 | (v & 0x3F));
    }
    return o;
}

/* A string starting at the quote *p: checks it as jansson would (escapes, \u pairs,
 * no \u0000, no control characters, valid UTF-8) and decodes it in the same pass to
 * out, the place in the output buffer at the offset of the string's first raw byte
 * (no escape decodes to more bytes than it has, so strings never overlap there).
 * Sets s; returns the byte after the closing quote or NULL. */
static const char *str(const char *p, const char *e, span *s, char *out) {
    const char *q = ++p;
    char *o = out;
    unsigned cp;
    s->esc = 0;
    for (;;) {
        q = copy_plain(q, e, &o);
        if (q >= e)
            return NULL;
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            s->p = p, s->n = (size_t)(q - p);
            s->d = out, s->dn = (size_t)(o - out);
            return q + 1;
        }
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)q, (const unsigned char *)e);
            if (!n)
                return NULL;
            memcpy(o, q, n);
            o += n, q += n;
            continue;
        }
        if (c != '\\' || e - q < 2) /* a control character; a cut escape */
            return NULL;
        s->esc = 1;
        unsigned char k = ESC[(unsigned char)q[1]];
        if (!k)
            return NULL;
        if (k != 'u') {
            *o++ = (char)k;
            q += 2;
        } else {
            if (!(q = uesc(q, e, &cp)))
                return NULL;
            o = put_utf8(o, cp);
        }
    }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A JSON number at p; *integer = 1 for a plain integer of at most 18 digits (what
 * jansson makes a json_integer without overflow).  NULL when not a number. */
static const char *num(const char *p, const char *e, int *integer) {
    const char *q = p;
    if (q < e && *q == '-')
        q++;
    if (q >= e || !is_digit(*q))
        return NULL;
    if (*q == '0')
        q++;
    else
        while (q < e && is_digit(*q))
            q++;
    size_t digits = (size_t)(q - p) - (*p == '-');
    *integer = digits <= 18;
    if (q < e && *q == '.') {
        *integer = 0;
        if (++q >= e || !is_digit(*q))
            return NULL;
        while (q < e && is_digit(*q))
            q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        *integer = 0;
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if (q >= e || !is_digit(*q))
            return NULL;
        while (q < e && is_digit(*q))
            q++;
    }
    return q;
}

static int lit(const char *p, const char *e, const char *w) {
    size_t n = strlen(w);
    return (size_t)(e - p) >= n && memcmp(p, w, n) == 0;
}

#define MAX_LABELS 64
#define MAX_OTHER 16

enum { K_ABSENT, K_NULL, K_STRING, K_INT, K_ARRAY, K_BOOL };

/* What the scanner found in one line: the four fields the caller reads (kind and
 * raw value), the labels, and the other keys (only to reject duplicates). */
typedef struct scan {
    const char *line;
    char *buf;  /* decoded strings, each at the offset of its raw bytes in line */
    size_t cap; /* its size */
    span id, title, text, lab[MAX_LABELS], other[MAX_OTHER];
    int kid, ktitle, ktext, klabels;
    int nlab, nother;
} scan;

/* Where the string whose quote is at p is decoded to. */
static char *out_for(const scan *s, const char *p) { return s->buf + (p + 1 - s->line); }

/* The slot a key fills: *kind (and *val, except for "labels"), or NULL kind for any
 * other key, remembered in other[].  -1 for a duplicate key or too many keys. */
static int key_slot(scan *s, const span *key, int **kind, span **val) {
    *kind = NULL, *val = NULL;
    if (key->n == 2 && memcmp(key->p, "id", 2) == 0)
        *kind = &s->kid, *val = &s->id;
    else if (key->n == 5 && memcmp(key->p, "title", 5) == 0)
        *kind = &s->ktitle, *val = &s->title;
    else if (key->n == 4 && memcmp(key->p, "text", 4) == 0)
        *kind = &s->ktext, *val = &s->text;
    else if (key->n == 6 && memcmp(key->p, "labels", 6) == 0)
        *kind = &s->klabels;
    if (*kind)
        return **kind == K_ABSENT ? 0 : -1; /* duplicate key */
    if (s->nother == MAX_OTHER)
        return -1;
    for (int i = 0; i < s->nother; i++)
        if (s->other[i].n == key->n && memcmp(s->other[i].p, key->p, key->n) == 0)
            return -1;
    s->other[s->nother++] = *key;
    return 0;
}

/* The labels array at p ('['): strings only.  Returns the byte after ']' or NULL. */
static const char *scan_labels(scan *s, const char *p, const char *e) {
    p = ws(p + 1, e);
    if (p < e && *p == ']')
        return p + 1;
    for (;;) {
        if (p >= e || *p != '"' || s->nlab == MAX_LABELS ||
            !(p = str(p, e, &s->lab[s->nlab], out_for(s, p))))
            return NULL;
        s->nlab++;
        p = ws(p, e);
        if (p < e && *p == ',') {
            p = ws(p + 1, e);
            continue;
        }
        return p < e && *p == ']' ? p + 1 : NULL;
    }
}

/* One value at p: sets *k (K_*) and v; returns the byte after it or NULL.  Objects,
 * arrays other than "labels" and non-integer numbers are left to jansson. */
static const char *scan_value(scan *s, const char *p, const char *e, int labels, int *k,
                              span *v) {
    if (*p == '"') {
        *k = K_STRING;
        return str(p, e, v, out_for(s, p));
    }
    if (*p == '-' || is_digit(*p)) {
        int integer = 0;
        const char *q = num(p, e, &integer);
        if (!q || !integer)
            return NULL; /* jansson's float and overflow rules are its own */
        v->p = p, v->n = (size_t)(q - p), v->esc = 0;
        *k = K_INT;
        return q;
    }
    if (lit(p, e, "null")) {
        *k = K_NULL;
        return p + 4;
    }
    if (lit(p, e, "true") || lit(p, e, "false")) {
        *k = K_BOOL;
        return p + (*p == 't' ? 4 : 5);
    }
    if (*p == '[' && labels) {
        *k = K_ARRAY;
        return scan_labels(s, p, e);
    }
    return NULL;
}

/* What the caller accepts: id string/integer, title/text string/null, labels
 * array/null; anything else is an error message for jansson to word. */
static int kind_ok(const scan *s, const int *kind, int k) {
    if (kind == &s->kid)
        return k == K_STRING || k == K_INT;
    if (kind == &s->ktitle || kind == &s->ktext)
        return k == K_STRING || k == K_NULL;
    return k == K_ARRAY || k == K_NULL; /* labels */
}

/* The whole line: one object of key/value pairs and nothing after it. */
static int scan_object(scan *s, const char *p, const char *e) {
    p = ws(p, e);
    if (p >= e || *p != '{')
        return -1;
    p = ws(p + 1, e);
    if (p < e && *p == '}')
        return -1; /* {}: no title or text, an error jansson words */
    for (;;) {
        span key, v = {0};
        int *kind, k;
        span *val;
        if (p >= e || *p != '"' || !(p = str(p, e, &key, out_for(s, p))) || key.esc)
            return -1;
        p = ws(p, e);
        if (p >= e || *p != ':')
            return -1;
        p = ws(p + 1, e);
        if (p >= e || key_slot(s, &key, &kind, &val))
            return -1;
        if (!(p = scan_value(s, p, e, kind == &s->klabels, &k, &v)))
            return -1;
        if (kind) {
            if (!kind_ok(s, kind, k))
                return -1;
            *kind = k;
            if (val)
                *val = v;
        }
        p = ws(p, e);
        if (p < e && *p == ',') {
            p = ws(p + 1, e);
            continue;
        }
        if (p >= e || *p != '}')
            return -1;
        return ws(p + 1, e) == e ? 0 : -1; /* trailing bytes */
    }
}

/* d->id_json as jansson would print the id. */
static int id_json(const scan *s, ww__jdoc *d) {
    if (s->kid == K_ABSENT) {
        d->id_json = strdup("null");
    } else if (s->kid == K_INT) {
        const span *id = &s->id;
        d->id_json = malloc(id->n + 1); /* jansson prints the integer back as parsed, */
        if (d->id_json) {               /* but "-0" as "0" */
            int neg0 = id->n == 2 && id->p[0] == '-' && id->p[1] == '0';
            memcpy(d->id_json, id->p + neg0, id->n - (size_t)neg0);
            d->id_json[id->n - (size_t)neg0] = 0;
        }
    } else { /* a string: re-encoded exactly as jansson does */
        json_t *js = json_stringn(s->id.d, s->id.dn);
        d->id_json = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
        json_decref(js);
    }
    return d->id_json ? 0 : -1;
}

/* d->labels from the scanned strings, without duplicates; an empty label is an
 * error (-1) that jansson's path words. */
static int labels(const scan *s, ww__jdoc *d) {
    if (!(d->labels = calloc(s->nlab ? (size_t)s->nlab : 1, sizeof *d->labels)))
        return -1;
    for (int i = 0; i < s->nlab; i++) {
        const span *l = &s->lab[i];
        if (l->dn == 0)
            return -1;
        int dup = 0;
        for (int k = 0; k < d->nlabels && !dup; k++)
            dup = strlen(d->labels[k]) == l->dn && memcmp(d->labels[k], l->d, l->dn) == 0;
        if (dup)
            continue;
        char *c = malloc(l->dn + 1);
        if (!c)
            return -1;
        memcpy(c, l->d, l->dn);
        c[l->dn] = 0;
        d->labels[d->nlabels++] = c;
    }
    return 0;
}

/* title "\n" text into the scan's buffer, which becomes d->text.  Moved left in
 * place when the title comes first in the line (or one of them is empty): each
 * lands at or before its decoded bytes and after the ones moved before it.
 * Otherwise through a second buffer. */
static int join_text(scan *s, ww__jdoc *d) {
    const span *t = &s->title, *x = &s->text;
    size_t tl = s->ktitle == K_STRING ? t->dn : 0, xl = s->ktext == K_STRING ? x->dn : 0;
    char *b = s->buf;
    if (tl && xl && x->d < t->d && !(b = malloc(tl + xl + 2)))
        return -1;
    d->len = 0;
    if (tl) { /* an absent title or text has no bytes to move (and d NULL) */
        memmove(b, t->d, tl);
        d->len = tl;
    }
    if (tl && xl)
        b[d->len++] = '\n';
    if (xl) {
        memmove(b + d->len, x->d, xl);
        d->len += xl;
    }
    b[d->len] = 0;
    if (b != s->buf) {
        free(s->buf);
    } else if (s->cap - d->len > 256) { /* `train` keeps every document's text */
        char *r = realloc(b, d->len + 1);
        b = r ? r : b;
    }
    s->buf = NULL;
    d->text = b;
    return 0;
}

/* The pieces: the id as JSON, the labels (both read from the buffer before
 * join_text() writes over it), title "\n" text. */
static int pieces(scan *s, ww__jdoc *d) {
    memset(d, 0, sizeof *d);
    if (id_json(s, d) || labels(s, d) || join_text(s, d)) {
        ww__jdoc_free(d);
        return -1;
    }
    return 0;
}

int ww__jdoc_scan(const char *line, size_t len, ww__jdoc *d) {
    scan s = {.line = line,
              .kid = K_ABSENT,
              .ktitle = K_ABSENT,
              .ktext = K_ABSENT,
              .klabels = K_ABSENT};
    s.cap = len + 2;
    if (!(s.buf = malloc(s.cap))) /* every string decoded: at most len bytes */
        return -1;
    int rc = -1;
    if (scan_object(&s, line, line + len) == 0 &&
        (s.ktitle == K_STRING || s.ktext == K_STRING))
        rc = pieces(&s, d);
    free(s.buf); /* NULL once it is d->text */
    return rc;
}

int ww__jdoc_parse(const char *line, size_t len, ww__jdoc *d, char *why, size_t whylen) {
    if (ww__jdoc_scan(line, len, d) == 0)
        return 0;
    return ww__jdoc_parse_jansson(line, len, d, why, whylen);
}
