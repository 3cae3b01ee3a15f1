/* JSON text that other tools read without surprises: what the JSON mirror writes
 * (`.jsonl` endpoints, `wirewatch inspect`). */
#ifndef WIREWATCH_JSON_TEXT_H
#define WIREWATCH_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* j as one line of compact JSON (no newline), keys in insertion order, in a malloc'd
 * string (*len its length when len is not NULL); NULL on ENOMEM.  Unlike
 * json_dumps(JSON_COMPACT):
 *   - a real is printed in the shortest form that reads back to the same double
 *     (0.99, not 0.98999999999999999), always with a '.' or an exponent;
 *   - U+2028 and U+2029 are escaped (\u2028, \u2029): raw, they end a line in
 *     JavaScript and in Python's str.splitlines();
 *   - other non-ASCII text is written as UTF-8, control characters as \n, \t, \u001f. */
char *ww_json_text(const json_t *j, size_t *len);

#endif
