/* Compact JSON text with shortest round-trip reals and U+2028/U+2029 escaped
 * (include/wirewatch/json_text.h).  jansson's json_dumps prints every real with
 * %.17g and passes U+2028 through raw; this writer differs in just those two ways. */
#include "wirewatch/json_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/strbuf.h"

/* The shortest %.Ng (N = 15..17) that strtod reads back to exactly d; 17 digits
 * always do.  A real keeps a '.' or an exponent, so it reads back as a real. */
void ww_json_put_real(ww_sb *b, double d) {
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eEn")) /* "n": inf/nan never get here (jansson refuses them) */
        strcat(buf, ".0");
    ww_sb_puts(b, buf);
}

void ww_json_put_string(ww_sb *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    ww_sb_put(b, "\"", 1);
    size_t run = 0; /* bytes copied as they are, flushed before each escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* most bytes (a document's text is most of a Classified message's JSON)
         * need no escape: one test for them, before the cases below */
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0xE2) {
            run++;
            continue;
        }
        char esc[8];
        size_t elen = 0, skip = 1;
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, elen = 2;
        } else if (c < 0x20) {
            const char *named = c == '\n'   ? "\\n"
                                : c == '\t' ? "\\t"
                                : c == '\r' ? "\\r"
                                : c == '\b' ? "\\b"
                                : c == '\f' ? "\\f"
                                            : NULL;
            if (named) {
                memcpy(esc, named, 2), elen = 2;
            } else {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4], esc[5] = hex[c & 15], elen = 6;
            }
        } else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            memcpy(esc, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            elen = 6, skip = 3;
        }
        if (!elen) {
            run++;
            continue;
        }
        ww_sb_put(b, s + i - run, run);
        run = 0;
        ww_sb_put(b, esc, elen);
        i += skip - 1;
    }
    ww_sb_put(b, s + n - run, run);
    ww_sb_put(b, "\"", 1);
}

static void put_value(ww_sb *b, const json_t *j) {
    char buf[32];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        int first = 1;
        ww_sb_put(b, "{", 1);
        json_object_foreach((json_t *)j, key, v) {
            if (!first)
                ww_sb_put(b, ",", 1);
            first = 0;
            ww_json_put_string(b, key, strlen(key));
            ww_sb_put(b, ":", 1);
            put_value(b, v);
        }
        ww_sb_put(b, "}", 1);
        return;
    }
    case JSON_ARRAY:
        ww_sb_put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                ww_sb_put(b, ",", 1);
            put_value(b, json_array_get(j, i));
        }
        ww_sb_put(b, "]", 1);
        return;
    case JSON_STRING:
        ww_json_put_string(b, json_string_value(j), json_string_length(j));
        return;
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        ww_sb_puts(b, buf);
        return;
    case JSON_REAL: ww_json_put_real(b, json_real_value(j)); return;
    case JSON_TRUE: ww_sb_puts(b, "true"); return;
    case JSON_FALSE: ww_sb_puts(b, "false"); return;
    case JSON_NULL: ww_sb_puts(b, "null"); return;
    }
}

char *ww_json_text(const json_t *j, size_t *len) {
    ww_sb b = {0};
    put_value(&b, j);
    return ww_sb_take(&b, len);
}
