/* Internal: Arabic person names after a title (persons_arabic.c). */
#ifndef WW_CLASSIFY_PERSONS_ARABIC_H
#define WW_CLASSIFY_PERSONS_ARABIC_H

#include <stdint.h>

#include "persons.h"

/* 1 for a letter of the Arabic block (U+0620..U+064A, U+066E..U+06D3). */
int ww__arabic_letter(int32_t cp);

/* The name after the title at tokens [first, first + ntok), if the title is one and a
 * name follows: cb with its byte span.  Returns cb's result or 0. */
int ww__arabic_name(const char *text, const ww__toks *toks, uint32_t first, uint32_t ntok,
                    ww__person_span_cb *cb, void *arg);

#endif
