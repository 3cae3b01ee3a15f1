/* Small string helpers written once for every stage (workers/common/strutil.c). */
#ifndef WIREWATCH_STRUTIL_H
#define WIREWATCH_STRUTIL_H

#include <stddef.h>

/* 1 when s ends with suffix (bytes compared exactly), else 0.  A NULL s ends with
 * nothing. */
int ww_ends_with(const char *s, const char *suffix);
/* Same, ASCII case ignored (".HTML" ends with ".html"). */
int ww_ends_with_nocase(const char *s, const char *suffix);
/* A malloc'd, NUL-terminated copy of the n bytes at s (which need no NUL).  NULL on
 * ENOMEM; the caller frees. */
char *ww_dupn(const char *s, size_t n);

#endif
