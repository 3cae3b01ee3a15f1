/* Internal: an insertion sort, typed, for the short and nearly sorted arrays of one
 * document (entity hits, output labels).
 *
 * glibc's qsort is a merge sort that allocates and calls the comparison through a
 * pointer: for a few dozen entries its set-up cost more than the comparing (1% of
 * classifying Arabic for the entity hits, 3% of full classify for the labels).  Here
 * the comparison is a static function the compiler sees and inlines, and an entry
 * already after its predecessor costs one comparison: the matcher reports hits nearly
 * in order.  Not stable; give it a total order (then any sort gives the same result).
 * For more than a few dozen entries use qsort. */
#ifndef WW_CLASSIFY_INSERTION_SORT_H
#define WW_CLASSIFY_INSERTION_SORT_H

#include <stddef.h>

/* Defines static void name(type *v, size_t n), sorting v[0, n) by cmp: a function
 * int cmp(const type *, const type *) (or of const void *) returning < 0, 0, > 0. */
#define WW__INSERTION_SORT(name, type, cmp)                                              \
    static void name(type *v, size_t n) {                                                \
        for (size_t i = 1; i < n; i++) {                                                 \
            if (cmp(&v[i - 1], &v[i]) <= 0)                                              \
                continue;                                                                \
            type x = v[i];                                                               \
            size_t k = i;                                                                \
            for (; k > 0 && cmp(&v[k - 1], &x) > 0; k--)                                 \
                v[k] = v[k - 1];                                                         \
            v[k] = x;                                                                    \
        }                                                                                \
    }

#endif
