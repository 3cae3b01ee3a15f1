/* JSON text that other tools read without surprises: what the JSON mirror writes
 * (`.jsonl` endpoints, `wirewatch inspect`). */
#ifndef WIREWATCH_JSON_TEXT_H
#define WIREWATCH_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>

#include "wirewatch/strbuf.h"

/* j as one line of compact JSON (no newline), keys in insertion order, in a malloc'd
 * string (*len its length when len is not NULL); NULL on ENOMEM.  Unlike
 * json_dumps(JSON_COMPACT):
 *   - a real is printed in the shortest form that reads back to the same double
 *     (0.99, not 0.98999999999999999), always with a '.' or an exponent;
 *   - U+2028 and U+2029 are escaped (\u2028, \u2029): raw, they end a line in
 *     JavaScript and in Python's str.splitlines();
 *   - other non-ASCII text is written as UTF-8, control characters as \n, \t, \u001f. */
char *ww_json_text(const json_t *j, size_t *len);

/* The two writers ww_json_text uses, for text written without a jansson tree
 * (ww_msg_to_json_text): s[0..n) (valid UTF-8) as a JSON string, escaped as above; a
 * finite d in its shortest round-trip form.  Errors stick in b (strbuf.h). */
void ww_json_put_string(ww_sb *b, const char *s, size_t n);
void ww_json_put_real(ww_sb *b, double d);

#endif
