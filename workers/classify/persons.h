/* Internal: person names found after titles (persons.c). */
#ifndef WW_CLASSIFY_PERSONS_H
#define WW_CLASSIFY_PERSONS_H

#include "tokenize.h"

/* Called with the first token and token count of each name found; a non-zero return
 * stops the scan and is returned. */
typedef int ww__person_cb(void *arg, size_t first, size_t ntok);

int ww__find_persons(const char *text, const ww__toks *toks, ww__person_cb *cb, void *arg);

#endif
