/* Base64 (RFC 4648) for the JSON mirror's `bytes` fields. */
#ifndef WIREWATCH_BASE64_H
#define WIREWATCH_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Standard alphabet, padded (what proto3 JSON prints); a malloc'd NUL-terminated
 * string, NULL on ENOMEM. */
char *ww_b64_encode(const uint8_t *data, size_t n);

/* Standard or URL-safe alphabet, padding optional (what proto3 JSON parsers accept).
 * *out is malloc'd.  Returns 0, WW_EMALFORMED (a character outside both alphabets) or
 * WW_ENOMEM. */
int ww_b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len);

#endif
