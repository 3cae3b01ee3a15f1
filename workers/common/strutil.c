/* Small string helpers every stage uses, written once (include/wirewatch/strutil.h). */
#include "wirewatch/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ww_ends_with(const char *s, const char *suffix) {
    size_t n = s ? strlen(s) : 0, m = strlen(suffix);
    return s && n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int ww_ends_with_nocase(const char *s, const char *suffix) {
    size_t n = s ? strlen(s) : 0, m = strlen(suffix);
    return s && n >= m && strcasecmp(s + n - m, suffix) == 0;
}

char *ww_dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
