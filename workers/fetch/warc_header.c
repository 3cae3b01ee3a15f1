/* Header blocks of a WARC record and of the HTTP message inside one: where the block
 * ends, its "Name: value" lines split in place, the WARC fields the reader uses. */
#include <string.h>
#include <strings.h>

#include "warc_internal.h"

/* Printable preview of the next bytes, for error messages. */
void ww__warc_preview(const uint8_t *p, size_t n, char *out, size_t outlen) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outlen; i++)
        out[k++] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? (char)p[i] : '.';
    out[k] = '\0';
}

/* Length of the header ending with an empty line in p[0..n), or 0 when not complete.
 * `from` lets a caller resume a search. */
size_t ww__warc_header_end(const uint8_t *p, size_t n, size_t from) {
    for (size_t i = from; i < n; i++) {
        if (p[i] != '\n')
            continue;
        if (i + 1 < n && p[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static char *trim(char *s, char *end) {
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

/* Next "Name: value" line of a NUL-terminated header block, split in place; *cursor
 * starts at the block (its first line — the WARC version or HTTP status line — is
 * skipped).  Continuation lines and lines without a colon carry nothing we use and are
 * skipped.  Returns 0 when the block ends.  Shared by WARC and HTTP headers. */
int ww__warc_next_field(char **cursor, char **name, char **value) {
    char *line = *cursor ? strchr(*cursor, '\n') : NULL;
    while (line && *++line) {
        char *eol = strchr(line, '\n');
        char *end = eol ? eol : line + strlen(line);
        char *colon = memchr(line, ':', (size_t)(end - line));
        if (colon && line[0] != ' ' && line[0] != '\t') {
            *colon = '\0';
            trim(line, colon);
            *name = line;
            *value = trim(colon + 1, end);
            *cursor = eol;
            return 1;
        }
        line = eol;
    }
    *cursor = NULL;
    return 0;
}

/* Split the NUL-terminated header (lines after the version line) in place. */
void ww__warc_parse_fields(char *h, ww__warc_fields *f) {
    char *line, *val, *cur = h;
    while (ww__warc_next_field(&cur, &line, &val)) {
        const char **slot = NULL;
        if (!strcasecmp(line, "WARC-Type"))
            slot = &f->type;
        else if (!strcasecmp(line, "WARC-Target-URI"))
            slot = &f->uri;
        else if (!strcasecmp(line, "WARC-Date"))
            slot = &f->date;
        else if (!strcasecmp(line, "WARC-Payload-Digest"))
            slot = &f->digest;
        else if (!strcasecmp(line, "WARC-Record-ID"))
            slot = &f->id;
        else if (!strcasecmp(line, "Content-Type"))
            slot = &f->ctype;
        else if (!strcasecmp(line, "Content-Length"))
            slot = &f->clen;
        else if (!strcasecmp(line, "WARC-Truncated"))
            slot = &f->truncated;
        if (slot && !*slot)
            *slot = val;
    }
}

/* Strict decimal; -1 when not a number that fits. */
int64_t ww__warc_parse_len(const char *s) {
    int64_t v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}
