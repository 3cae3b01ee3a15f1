/* Person entities without a gazetteer: a name right after a title ("State Security
 * Minister Chen Yixin said", "President Lula", "Dr Jane Goodall").
 *
 * News names most people with their role the first time they appear, so a title word
 * followed by one to three capitalised words catches most of them with few false
 * positives; a gazetteer (classify.persons) still adds people named without a title.
 * Names are in the original text's case; spans point into Document.text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "persons.h"
#include "wirewatch/error.h"

/* Case-folded title words.  Words that also start sentences or name bodies
 * ("General", "Secretary-General" alone) are left out to keep precision. */
static const char *const titles[] = {
    "minister",   "president",   "chancellor", "premier",    "senator",   "governor",
    "mayor",      "ambassador",  "spokesman",  "spokeswoman", "spokesperson", "chairman",
    "chairwoman", "chairperson", "ceo",        "king",       "queen",     "prince",
    "princess",   "pope",        "judge",      "justice",    "prosecutor", "commissioner",
    "secretary",  "mr",          "mrs",        "ms",         "dr",        "professor",
    "sheikh",     "emir",        "sultan",     "rep",        "sen",       "gov",
    "lawmaker",   "diplomat",    "envoy",      "coach",      "captain",   "striker",
    "director",   "founder",     "economist",  "analyst",    "author",    NULL};

/* Capitalised words that are not names even after a title. */
static const char *const not_names[] = {
    "The", "A", "An", "Of", "For", "And", "Said", "Says", "On", "In", "At", "To", "Has",
    "Had", "Is", "Was", "Will", "Would", "Who", "Told", "Minister", "President", "Office",
    "Ministry", "Department", "General", "Secretary", "Affairs", "State", "Foreign",
    "Prime", "Deputy", "Vice", "Former", "Acting", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April",
    "May", "June", "July", "August", "September", "October", "November", "December",
    NULL};

static int in_list(const char *const *list, const char *s, size_t n, int fold) {
    for (const char *const *w = list; *w; w++)
        if (strlen(*w) == n && (fold ? strncasecmp(*w, s, n) : strncmp(*w, s, n)) == 0)
            return 1;
    return 0;
}

/* A name word: starts with an upper-case letter (ASCII, or any non-ASCII lead byte:
 * "Łukasz", "Élisabeth"), has a lower-case letter after it, is not a stop word. */
static int name_word(const char *text, const ww__tok *t) {
    const char *s = text + t->start;
    size_t n = t->end - t->start;
    if (n < 2 || n > 30) return 0;
    unsigned char c0 = (unsigned char)s[0];
    if (!(isupper(c0) || c0 >= 0xc3)) return 0;
    int lower = 0;
    for (size_t k = 1; k < n; k++)
        if (islower((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80) lower = 1;
    return lower && !in_list(not_names, s, n, 0);
}

/* Tokens a and b are separated by exactly one space (or a hyphen inside a name). */
static int adjacent(const char *text, const ww__tok *a, const ww__tok *b) {
    return b->start == a->end + 1 && (text[a->end] == ' ' || text[a->end] == '-');
}

int ww__find_persons(const char *text, const ww__toks *toks, ww__person_cb *cb, void *arg) {
    for (size_t i = 0; i + 1 < toks->n; i++) {
        const ww__tok *t = &toks->v[i];
        if (!in_list(titles, text + t->start, t->end - t->start, 1)) continue;
        /* "Mr." / "Dr." : skip the dot */
        size_t j = i + 1;
        if (!adjacent(text, t, &toks->v[j]) &&
            !(toks->v[j].start == t->end + 2 && text[t->end] == '.' && text[t->end + 1] == ' '))
            continue;
        size_t k = j;
        while (k < toks->n && k - j < 3 && name_word(text, &toks->v[k]) &&
               (k == j || adjacent(text, &toks->v[k - 1], &toks->v[k])))
            k++;
        if (k == j) continue;
        /* a single word is a name only after an honorific or a head of state */
        if (k - j == 1 && !in_list((const char *const[]){"mr", "mrs", "ms", "dr", "president",
                                                          "pope", "king", "queen", "sheikh",
                                                          "prince", "princess", NULL},
                                   text + t->start, t->end - t->start, 1))
            continue;
        int rc = cb(arg, j, k - j);
        if (rc) return rc;
        i = k - 1;
    }
    return 0;
}
