/* Character references of HTML (the part of the standard that matters for text):
 * numeric ones follow the standard (C1 remapped to windows-1252, invalid -> U+FFFD);
 * named ones come from libxml2's table (htmlEntityLookup) after a short list of the
 * common ones.  In attribute values "&foo=" without ';' stays literal (query strings
 * in href). */
#include "html_charref.h"

#include <libxml/HTMLparser.h>
#include <string.h>

/* Numeric references 0x80..0x9F name windows-1252 characters (HTML standard). */
static const uint16_t c1_map[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,
    0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

/* The references that make up nearly all of real pages, without libxml2's linear
 * table search (htmlEntityLookup walks 253 entries). */
static unsigned long common_entity(const char *n, size_t k) {
    switch (k) {
    case 2:
        if (!memcmp(n, "lt", 2))
            return '<';
        if (!memcmp(n, "gt", 2))
            return '>';
        break;
    case 3:
        if (!memcmp(n, "amp", 3))
            return '&';
        break;
    case 4:
        if (!memcmp(n, "quot", 4))
            return '"';
        if (!memcmp(n, "nbsp", 4))
            return 0xA0;
        if (!memcmp(n, "apos", 4))
            return '\'';
        break;
    case 5:
        if (!memcmp(n, "rsquo", 5))
            return 0x2019;
        if (!memcmp(n, "lsquo", 5))
            return 0x2018;
        if (!memcmp(n, "rdquo", 5))
            return 0x201D;
        if (!memcmp(n, "ldquo", 5))
            return 0x201C;
        if (!memcmp(n, "mdash", 5))
            return 0x2014;
        if (!memcmp(n, "ndash", 5))
            return 0x2013;
        break;
    }
    return 0;
}

/* "&#...;" at s (s[0] == '&', s[1] == '#'): 0 when no digit follows. */
static unsigned long numeric_ref(const char *s, const char *end, const char **next) {
    const char *q = s + 2;
    int hex = 0;
    if (q < end && (*q == 'x' || *q == 'X')) {
        hex = 1;
        q++;
    }
    unsigned long cp = 0;
    int nd = 0;
    while (q < end) {
        unsigned char c = (unsigned char)*q;
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v = (c | 0x20) - 'a' + 10;
        else
            break;
        if (cp < 0x110000)
            cp = cp * (hex ? 16 : 10) + (unsigned long)v;
        nd++;
        q++;
    }
    if (nd == 0)
        return 0;
    if (q < end && *q == ';')
        q++;
    if (cp >= 0x80 && cp <= 0x9F)
        cp = c1_map[cp - 0x80];
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    *next = q;
    return cp;
}

static int name_byte(unsigned char c) {
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

unsigned long ww__html_charref(const char *s, const char *end, int in_attr,
                               const char **next) {
    const char *q = s + 1;
    if (q < end && *q == '#')
        return numeric_ref(s, end, next);
    char name[33];
    size_t k = 0;
    while (q < end && k < 32 && name_byte((unsigned char)*q))
        name[k++] = *q++;
    name[k] = 0;
    int semi = q < end && *q == ';';
    /* In attributes "&foo=" without ';' is literal (query strings in href). */
    unsigned long cp = 0;
    if (k && !(in_attr && !semi)) {
        cp = common_entity(name, k);
        if (!cp) {
            const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
            cp = e ? e->value : 0;
        }
    }
    if (cp)
        *next = q + semi;
    return cp;
}
