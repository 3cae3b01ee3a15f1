/* One JSON-lines document of `wirewatch train` / `predict`: {"id","title","text",
 * "labels"} -> ww__jdoc (cmd_model.h).
 *
 * jansson is the reference: it decides what is malformed and says why.  In front of
 * it sits a scanner for the common shape of these lines (an object whose values are
 * strings, numbers, null, true/false, and for "labels" an array of strings): jansson
 * spends ~110 instructions per byte building a tree of a 3 KB news line (as long as
 * fastText takes to classify it), the scanner ~10.  The scanner accepts a line only
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
    int esc; /* contains a backslash */
} span;

static const char *ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hex4(const char *p, unsigned *v) {
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *v = x;
    return 0;
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

/* A string starting at the quote *p: checks it as jansson would (escapes, \u pairs,
 * no \u0000, no control characters, valid UTF-8), sets s, returns the byte after the
 * closing quote or NULL. */
/* Nonzero when one of the 8 bytes of v is a quote, a backslash, a control character
 * or not ASCII: the bytes str() must look at one by one (a false alarm after such a
 * byte only sends the scan to the byte loop early). */
static uint64_t special8(uint64_t v) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
    return (v | ((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}

static const char *str(const char *p, const char *e, span *s) {
    const char *q = ++p;
    s->esc = 0;
    while (q < e) {
        /* plain ASCII 8 bytes at a time: it is nearly all of a news text */
        for (uint64_t v; e - q >= 8; q += 8) {
            memcpy(&v, q, 8);
            if (special8(v))
                break;
        }
        if (q >= e)
            break;
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            s->p = p;
            s->n = (size_t)(q - p);
            return q + 1;
        }
        if (c < 0x20)
            return NULL;
        if (c < 0x80 && c != '\\') {
            q++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)q, (const unsigned char *)e);
            if (!n)
                return NULL;
            q += n;
            continue;
        }
        s->esc = 1;
        if (e - q < 2)
            return NULL;
        switch (q[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't': q += 2; continue;
        case 'u': break;
        default: return NULL;
        }
        unsigned v, w;
        if (e - q < 6 || hex4(q + 2, &v) || v == 0 || (v >= 0xDC00 && v <= 0xDFFF))
            return NULL;
        q += 6;
        if (v >= 0xD800 && v <= 0xDBFF) {
            if (e - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &w) ||
                w < 0xDC00 || w > 0xDFFF)
                return NULL;
            q += 6;
        }
    }
    return NULL;
}

/* Decode a checked string into out (room for s->n bytes); returns its length. */
static size_t unescape(const span *s, char *out) {
    if (!s->esc) {
        memcpy(out, s->p, s->n);
        return s->n;
    }
    size_t o = 0;
    for (size_t i = 0; i < s->n;) {
        const char *bs = memchr(s->p + i, '\\', s->n - i);
        size_t run = bs ? (size_t)(bs - (s->p + i)) : s->n - i;
        memcpy(out + o, s->p + i, run); /* the bytes up to the next escape, at once */
        o += run;
        i += run;
        if (i >= s->n)
            break;
        char k = s->p[i + 1];
        i += 2;
        switch (k) {
        case 'b': out[o++] = '\b'; continue;
        case 'f': out[o++] = '\f'; continue;
        case 'n': out[o++] = '\n'; continue;
        case 'r': out[o++] = '\r'; continue;
        case 't': out[o++] = '\t'; continue;
        case 'u': break;
        default: out[o++] = k; continue; /* " \ / */
        }
        unsigned v, w;
        hex4(s->p + i, &v);
        i += 4;
        if (v >= 0xD800 && v <= 0xDBFF) {
            hex4(s->p + i + 2, &w);
            i += 6;
            v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
        }
        if (v < 0x80) {
            out[o++] = (char)v;
        } else if (v < 0x800) {
            out[o++] = (char)(0xC0 | v >> 6);
            out[o++] = (char)(0x80 | (v & 0x3F));
        } else if (v < 0x10000) {
            out[o++] = (char)(0xE0 | v >> 12);
            out[o++] = (char)(0x80 | (v >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (v & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | v >> 18);
            out[o++] = (char)(0x80 | (v >> 12 & 0x3F));
            out[o++] = (char)(0x80 | (v >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (v & 0x3F));
        }
    }
    return o;
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
    span id, title, text, lab[MAX_LABELS], other[MAX_OTHER];
    int kid, ktitle, ktext, klabels;
    int nlab, nother;
} scan;

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
            !(p = str(p, e, &s->lab[s->nlab])))
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
        return str(p, e, v);
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
        if (p >= e || *p != '"' || !(p = str(p, e, &key)) || key.esc)
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
        char *raw = malloc(s->id.n + 1);
        json_t *js = raw ? json_stringn(raw, unescape(&s->id, raw)) : NULL;
        d->id_json = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
        json_decref(js);
        free(raw);
    }
    return d->id_json ? 0 : -1;
}

/* d->labels from the scanned strings, without duplicates; an empty label is an
 * error (-1) that jansson's path words. */
static int labels(const scan *s, ww__jdoc *d) {
    if (!(d->labels = calloc(s->nlab ? (size_t)s->nlab : 1, sizeof *d->labels)))
        return -1;
    for (int i = 0; i < s->nlab; i++) {
        char *l = malloc(s->lab[i].n + 1);
        if (!l)
            return -1;
        size_t n = unescape(&s->lab[i], l);
        l[n] = 0;
        int dup = n == 0;
        for (int k = 0; k < d->nlabels && !dup; k++)
            dup = strcmp(d->labels[k], l) == 0;
        if (n == 0 || dup) {
            free(l);
            if (n == 0)
                return -1;
            continue;
        }
        d->labels[d->nlabels++] = l;
    }
    return 0;
}

/* The pieces: title "\n" text, the id as JSON, the labels. */
static int pieces(const scan *s, ww__jdoc *d) {
    memset(d, 0, sizeof *d);
    size_t tn = s->ktitle == K_STRING ? s->title.n : 0;
    size_t xn = s->ktext == K_STRING ? s->text.n : 0;
    if (!(d->text = malloc(tn + xn + 2)))
        goto fail;
    size_t tl = tn ? unescape(&s->title, d->text) : 0;
    d->len = tl;
    if (tl && xn)
        d->text[d->len++] = '\n';
    d->len += xn ? unescape(&s->text, d->text + d->len) : 0; /* xn > 0: not empty */
    d->text[d->len] = 0;
    if (id_json(s, d) || labels(s, d))
        goto fail;
    return 0;
fail:
    ww__jdoc_free(d);
    return -1;
}

int ww__jdoc_scan(const char *line, size_t len, ww__jdoc *d) {
    scan s = {
        .kid = K_ABSENT, .ktitle = K_ABSENT, .ktext = K_ABSENT, .klabels = K_ABSENT};
    if (scan_object(&s, line, line + len))
        return -1;
    if (s.ktitle != K_STRING && s.ktext != K_STRING)
        return -1;
    return pieces(&s, d);
}

int ww__jdoc_parse(const char *line, size_t len, ww__jdoc *d, char *why, size_t whylen) {
    if (ww__jdoc_scan(line, len, d) == 0)
        return 0;
    return ww__jdoc_parse_jansson(line, len, d, why, whylen);
}
