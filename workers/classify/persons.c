/* Person entities without a gazetteer: a name right after a title ("State Security
 * Minister Chen Yixin said", "President Lula", "Dr Jane Goodall").
 *
 * News names most people with their role the first time they appear, so a title word
 * followed by one to three capitalised words catches most of them with few false
 * positives; a gazetteer (classify.persons) still adds people named without a title.
 * Names are in the original text's case; spans point into Document.text. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "persons.h"
#include "persons_arabic.h"

#include <utf8proc.h>
#include "wirewatch/error.h"

/* Case-folded title words.  Words that also start sentences or name bodies
 * ("General", "Secretary-General" alone) are left out to keep precision. */
static const char *const titles[] = {
    "minister",     "president", "chancellor", "premier",      "senator",
    "governor",     "mayor",     "ambassador", "spokesman",    "spokeswoman",
    "spokesperson", "chairman",  "chairwoman", "chairperson",  "ceo",
    "king",         "queen",     "prince",     "princess",     "pope",
    "judge",        "justice",   "prosecutor", "commissioner", "secretary",
    "mr",           "mrs",       "ms",         "dr",           "professor",
    "sheikh",       "emir",      "sultan",     "rep",          "sen",
    "gov",          "lawmaker",  "diplomat",   "envoy",        "coach",
    "captain",      "striker",   "director",   "founder",      "economist",
    "analyst",      "author",    NULL};

/* Capitalised words that are not names even after a title. */
static const char *const not_names[] = {
    "The",        "A",         "An",        "Of",        "For",      "And",
    "Said",       "Says",      "On",        "In",        "At",       "To",
    "Has",        "Had",       "Is",        "Was",       "Will",     "Would",
    "Who",        "Told",      "Minister",  "President", "Office",   "Ministry",
    "Department", "General",   "Secretary", "Affairs",   "State",    "Foreign",
    "Prime",      "Deputy",    "Vice",      "Former",    "Acting",   "Monday",
    "Tuesday",    "Wednesday", "Thursday",  "Friday",    "Saturday", "Sunday",
    "January",    "February",  "March",     "April",     "May",      "June",
    "July",       "August",    "September", "October",   "November", "December",
    NULL};

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/* Called for every token of every document: the first byte is compared before the
 * length is measured.  strncasecmp folds ASCII only, as here. */
static int in_list(const char *const *list, const char *s, size_t n, int fold) {
    int c0 = fold ? ascii_lower((unsigned char)s[0]) : (unsigned char)s[0];
    for (const char *const *w = list; *w; w++) {
        int w0 = fold ? ascii_lower((unsigned char)**w) : (unsigned char)**w;
        if (w0 == c0 && strlen(*w) == n &&
            (fold ? strncasecmp(*w, s, n) : strncmp(*w, s, n)) == 0)
            return 1;
    }
    return 0;
}

/* Which (first two letters, length) triples the words of titles and not_names have,
 * as bit sets built once: a token that cannot be in a list is told by one bit test
 * instead of a walk over the list (that walk for every token was half of the
 * classification time of English news).  Case-folded, letters modulo 32 and lengths
 * modulo 16: a superset, so the list still decides. */
#define SEEN_BITS (32 * 32 * 16)
static uint64_t titles_seen[SEEN_BITS / 64], not_names_seen[SEEN_BITS / 64];
/* The title with a token's bit, for a token that passes titles_seen: its index + 1,
 * or TITLE_SEVERAL when titles share the bit (the list decides then).  Each token
 * passing the bit set ("see", "kind", "could") walked the 47 titles: 4% of full
 * classify on BBC News (callgrind). */
#define TITLE_SEVERAL 255
static uint8_t title_at[SEEN_BITS];
/* The titles by the tokenizer's hash of their normal form (a title is its own: lower
 * case ASCII), 12 bits of it: a token whose hash misses is no title, told by one bit
 * of the hash ww__tokenize computed anyway instead of its letters read again (with the
 * (letters, length) bit for every token, ww__find_persons was 6% of full classify on
 * BBC News, callgrind; now 4%). */
#define HASH_BITS 4096
static uint64_t titles_hashed[HASH_BITS / 64];
static pthread_once_t seen_once = PTHREAD_ONCE_INIT;

static unsigned seen_bit(const char *s, size_t n) {
    unsigned c0 = (unsigned)ascii_lower((unsigned char)s[0]) & 31;
    unsigned c1 = n > 1 ? (unsigned)ascii_lower((unsigned char)s[1]) & 31 : 0;
    return (c0 * 32 + c1) * 16 + (unsigned)(n & 15);
}

static void seen_build(void) {
    for (const char *const *w = titles; *w; w++) {
        unsigned b = seen_bit(*w, strlen(*w));
        titles_seen[b >> 6] |= 1ull << (b & 63);
        title_at[b] = title_at[b] ? TITLE_SEVERAL : (uint8_t)(w - titles + 1);
        unsigned h = (unsigned)(ww__hash_bytes(*w, strlen(*w)) >> 52);
        titles_hashed[h >> 6] |= 1ull << (h & 63);
    }
    for (const char *const *w = not_names; *w; w++) {
        unsigned b = seen_bit(*w, strlen(*w));
        not_names_seen[b >> 6] |= 1ull << (b & 63);
    }
}

static int maybe_in(const uint64_t *seen, const char *s, size_t n) {
    unsigned b = seen_bit(s, n);
    return (int)(seen[b >> 6] >> (b & 63) & 1);
}

/* s[0, n) is one of titles, case-folded (in_list(titles, s, n, 1)). */
static int is_title(const char *s, size_t n) {
    if (!maybe_in(titles_seen, s, n))
        return 0;
    unsigned k = title_at[seen_bit(s, n)];
    if (k == TITLE_SEVERAL)
        return in_list(titles, s, n, 1);
    const char *w = titles[k - 1];
    return strlen(w) == n && strncasecmp(w, s, n) == 0;
}

/* A name word: starts with an upper-case letter (ASCII, or any non-ASCII lead byte:
 * "Łukasz", "Élisabeth"), has a lower-case letter after it, is not a stop word. */
static int name_word(const char *text, const ww__tok *t) {
    const char *s = text + t->start;
    size_t n = t->end - t->start;
    if (n < 2 || n > 30)
        return 0;
    unsigned char c0 = (unsigned char)s[0];
    if (!(isupper(c0) || c0 >= 0xc3))
        return 0;
    int lower = 0;
    for (size_t k = 1; k < n; k++)
        if (islower((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80)
            lower = 1;
    return lower && !(maybe_in(not_names_seen, s, n) && in_list(not_names, s, n, 0));
}

/* Tokens a and b are separated by exactly one space (or a hyphen inside a name). */
static int adjacent(const char *text, const ww__tok *a, const ww__tok *b) {
    return b->start == a->end + 1 && (text[a->end] == ' ' || text[a->end] == '-');
}

int ww__find_persons(const char *text, const ww__toks *toks, ww__person_cb *cb,
                     void *arg) {
    pthread_once(&seen_once, seen_build);
    for (size_t i = 0; i + 1 < toks->n; i++) {
        const ww__tok *t = &toks->v[i];
        unsigned h = (unsigned)(t->hash >> 52);
        if (!(titles_hashed[h >> 6] >> (h & 63) & 1) ||
            !is_title(text + t->start, t->end - t->start))
            continue;
        /* "Mr." / "Dr." : skip the dot */
        size_t j = i + 1;
        if (!adjacent(text, t, &toks->v[j]) &&
            !(toks->v[j].start == t->end + 2 && text[t->end] == '.' &&
              text[t->end + 1] == ' '))
            continue;
        size_t k = j;
        while (k < toks->n && k - j < 3 && name_word(text, &toks->v[k]) &&
               (k == j || adjacent(text, &toks->v[k - 1], &toks->v[k])))
            k++;
        if (k == j)
            continue;
        /* a single word is a name only after an honorific or a head of state */
        if (k - j == 1 &&
            !in_list((const char *const[]){"mr", "mrs", "ms", "dr", "president", "pope",
                                           "king", "queen", "sheikh", "prince",
                                           "princess", NULL},
                     text + t->start, t->end - t->start, 1))
            continue;
        int rc = cb(arg, j, k - j);
        if (rc)
            return rc;
        i = k - 1;
    }
    return 0;
}

/* ---- names next to a language pack's titles ---------------------------------------- */

static int is_han(utf8proc_int32_t cp) {
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

static utf8proc_int32_t cp_at(const char *text, size_t len, size_t i, size_t *k) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n =
        utf8proc_iterate((const uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
    *k = n > 0 ? (size_t)n : 1;
    return n > 0 ? cp : -1;
}

/* Characters that do not end a Chinese name: particles and verbs that follow one
 * ("陈一新表示", "王毅在"); a name stops before them. */
static int han_stop(utf8proc_int32_t cp) {
    static const utf8proc_int32_t stop[] = {
        0x5728, 0x7684, 0x548C, 0x4E0E, 0x662F, 0x8868, 0x8BF4, 0x79F0, 0x6307, 0x5BF9,
        0x7B49, 0x4E5F, 0x5C31, 0x5C06, 0x5DF2, 0x66FE, 0x4E3A, 0x5411, 0x53CA, 0x5E76,
        0x8FD8, 0x53C8, 0x90FD, 0x4F1A, 0x8BA4, 0x5F3A, 0x8981, 0x65E5, 0x6708, 0x5E74,
        0x4E8E, 0x8BB2, 0x6307, 0x5BA3, 0x56DE, 0x62A5, 0x8C08, 0x8FDB, 0x63D0, 0};
    for (const utf8proc_int32_t *s = stop; *s; s++)
        if (*s == cp)
            return 1;
    return 0;
}

/* A capitalised word: first letter upper-case, some lower-case letter after it. */
static int cased_name_word(const char *text, const ww__tok *t) {
    size_t n = t->end - t->start, i = 0, k;
    if (n < 2 || n > 60)
        return 0;
    utf8proc_int32_t cp = cp_at(text, t->end, t->start, &k);
    utf8proc_category_t c0 = cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(cp);
    if (c0 != UTF8PROC_CATEGORY_LU && c0 != UTF8PROC_CATEGORY_LT)
        return 0;
    for (i = t->start + k; i < t->end; i += k)
        if ((cp = cp_at(text, t->end, i, &k)) >= 0 &&
            utf8proc_category(cp) == UTF8PROC_CATEGORY_LL)
            return !(maybe_in(not_names_seen, text + t->start, n) &&
                     in_list(not_names, text + t->start, n, 0));
    return 0;
}

static int name_before_title(const char *text, const ww__toks *toks,
                             const ww__title_hit *h, ww__person_span_cb *cb, void *arg) {
    size_t j = h->first + h->ntok;
    if (j >= toks->n)
        return 0;
    const ww__tok *last = &toks->v[j - 1], *nt = &toks->v[j];
    size_t len = strlen(text), k;
    utf8proc_int32_t cp = cp_at(text, len, nt->start, &k);
    if (is_han(cp)) { /* 部长陈一新: two or three characters right after the title */
        if (nt->start != last->end || han_stop(cp))
            return 0;
        size_t i = nt->start, n = 0, end = i;
        while (n < 3 && i < len && is_han(cp = cp_at(text, len, i, &k))) {
            if (n == 2 && han_stop(cp))
                break;
            i += k;
            end = i;
            n++;
        }
        return n >= 2 ? cb(arg, nt->start, (uint32_t)end) : 0;
    }
    if (ww__arabic_letter(cp)) /* no capitals: persons_arabic.c */
        return ww__arabic_name(text, toks, h->first, h->ntok, cb, arg);
    if (!(nt->start == last->end + 1 && text[last->end] == ' '))
        return 0;
    size_t e = j;
    while (e < toks->n && e - j < 3 && cased_name_word(text, &toks->v[e]) &&
           (e == j || adjacent(text, &toks->v[e - 1], &toks->v[e])))
        e++;
    return e > j ? cb(arg, toks->v[j].start, toks->v[e - 1].end) : 0;
}

static int name_after_title(const char *text, const ww__toks *toks,
                            const ww__title_hit *h, ww__person_span_cb *cb, void *arg) {
    uint32_t end = toks->v[h->first].start;
    size_t len = strlen(text), k;
    /* walk back over the Han characters right before the title (at most 5) */
    size_t starts[6], n = 0, i = end;
    while (i > 0 && n < 5) {
        size_t b = i - 1;
        while (b > 0 && ((unsigned char)text[b] & 0xC0) == 0x80)
            b--;
        if (!is_han(cp_at(text, len, b, &k)))
            break;
        starts[n++] = b;
        i = b;
    }
    if (n < 2)
        return 0;
    /* a run of two to four is the name (岸田首相, 岸田文雄首相); a longer run is part of
     * a sentence: its last three characters are the likeliest name (陈一新部长) */
    size_t take = n <= 4 ? n : 3;
    if (han_stop(cp_at(text, len, starts[take - 1], &k)))
        return 0;
    return cb(arg, (uint32_t)starts[take - 1], end);
}

/* A title inside a longer title found at the same place is not a title of its own:
 * "пресс-секретарь" in "пресс-секретарь Кремля", "部长" in "交通部长". */
static int nested(const ww__title_hit *hits, size_t n, size_t i) {
    uint32_t a = hits[i].first, b = a + hits[i].ntok;
    for (size_t k = 0; k < n; k++) {
        uint32_t c = hits[k].first, d = c + hits[k].ntok;
        if (k != i && c <= a && b <= d && d - c > b - a)
            return 1;
    }
    return 0;
}

int ww__find_persons_titled(const char *text, const ww__toks *toks,
                            const ww__title_hit *hits, size_t nhits,
                            ww__person_span_cb *cb, void *arg) {
    pthread_once(&seen_once, seen_build);
    for (size_t i = 0; i < nhits; i++) {
        if (nhits < 256 && nested(hits, nhits, i))
            continue;
        int rc = hits[i].after ? name_after_title(text, toks, &hits[i], cb, arg)
                               : name_before_title(text, toks, &hits[i], cb, arg);
        if (rc)
            return rc;
    }
    return 0;
}
