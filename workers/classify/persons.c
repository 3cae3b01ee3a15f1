/* Person entities without a gazetteer: a name right after a title ("State Security
 * Minister Chen Yixin said", "President Lula", "Dr Jane Goodall").
 *
 * News names most people with their role the first time they appear, so a title word
 * followed by one to three capitalised words (and the lower-case particles between
 * them: "Lula da Silva") catches most of them with few false positives; a gazetteer
 * (classify.persons) still adds people named without a title.
 * Names are in the original text's case; spans point into Document.text. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "persons.h"
#include "persons_arabic.h"
#include "persons_han.h"

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
    "analyst",      "author",    "bishop",     "archbishop",   "cardinal",
    "rabbi",        "imam",      "pastor",     "vicar",        "reverend",
    "rev",          "chaplain",  NULL};

/* Capitalised words that are not names even after a title. */
static const char *const not_names[] = {
    "The", "A", "An", "Of", "For", "And", "Said", "Says", "On", "In", "At", "To", "Has",
    "Had", "Is", "Was", "Will", "Would", "Who", "Told", "Minister", "President", "Office",
    "Ministry", "Department", "General", "Secretary", "Affairs", "State", "Foreign",
    "Prime", "Deputy", "Vice", "Former", "Acting", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April",
    "May", "June", "July", "August", "September", "October", "November", "December",
    /* places and bodies named after people ("Queen Margaret University") */
    "University", "College", "School", "Hospital", "Street", "Road", "Avenue", "Square",
    "Airport", "Station", "Bridge", "Church", "Cathedral", "Foundation", "Institute",
    "Centre", "Center", "Museum", "Hotel", "Stadium", "Club", "Company", "Group", "Trust",
    "Society", "Association", "Prize", "Award", "Cup", NULL};

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

/* Lower-case particles of family names ("Lula da Silva", "Ursula von der Leyen",
 * "Mohammed bin Salman", "Bashar al-Assad"), part of a name only between two of its
 * capitalised words.  German capitalises every noun, so its prepositions and articles
 * ("Weidmann von Anfang", "Becker der Zeitung", "Sport zu Sturm") are particles only
 * where they are in names: von and das right after a given name (the name's first
 * word), der, den, la, le, los and las only after van, von or de ("Van der Bellen");
 * zu ("zu Guttenberg") never. */
static const char *const particles[] = {
    "da",    "de",  "do",  "dos", "di",  "du",   "del", "della", "delle", "dei",
    "degli", "van", "ter", "ten", "bin", "bint", "ibn", "al",    "el",    NULL};
static const char *const particles_first[] = {"von", "das", NULL};
static const char *const particles_second[] = {"der", "den", "la", "le",
                                               "los", "las", NULL};

/* 1 when token t is a particle that may follow the token prev: the name's last word
 * (first = 1; words = the name's words so far) or the particle before t. */
static int particle(const char *text, const ww__tok *t, const ww__tok *prev, int first,
                    size_t words) {
    const char *s = text + t->start, *p = text + prev->start;
    size_t n = t->end - t->start, pn = prev->end - prev->start;
    if (n < 2 || n > 5 || s[0] < 'a' || s[0] > 'z')
        return 0;
    if (in_list(particles_second, s, n, 0))
        return (pn == 3 &&
                (strncasecmp(p, "van", 3) == 0 || strncasecmp(p, "von", 3) == 0)) ||
               (pn == 2 && strncasecmp(p, "de", 2) == 0);
    return first && (in_list(particles, s, n, 0) ||
                     (words == 1 && in_list(particles_first, s, n, 0)));
}

/* The end (token index) of the name whose first word is token j: up to three words
 * for which word() holds, each a space or hyphen after the one before, plus one more
 * after each group of particles.  j itself when token j is no name word. */
static size_t name_run(const char *text, const ww__toks *toks, size_t j, size_t limit,
                       int (*word)(const char *, const ww__tok *)) {
    size_t e = j, words = 0;
    while (e < toks->n && words < limit && word(text, &toks->v[e]) &&
           (e == j || adjacent(text, &toks->v[e - 1], &toks->v[e]))) {
        e++;
        words++;
        size_t p = e;
        while (p < toks->n && p - e < 2 &&
               particle(text, &toks->v[p], &toks->v[p - 1], p == e, words) &&
               adjacent(text, &toks->v[p - 1], &toks->v[p]))
            p++;
        if (p > e && p < toks->n && adjacent(text, &toks->v[p - 1], &toks->v[p]) &&
            word(text, &toks->v[p])) {
            e = p; /* the particles, then the word after them (next turn) */
            limit++;
        }
    }
    return e;
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
        /* a title after the title ("Foreign Minister Prince Saud al-Faisal"): the name
         * is after the last one, found when the loop reaches it */
        const ww__tok *n0 = &toks->v[j];
        if (maybe_in(titles_seen, text + n0->start, n0->end - n0->start) &&
            in_list(titles, text + n0->start, n0->end - n0->start, 1))
            continue;
        size_t k = name_run(text, toks, j, 3, name_word);
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

/* A capitalised word: first letter upper-case, some lower-case letter after it. */
static int cased_name_word(const char *text, const ww__tok *t) {
    size_t n = t->end - t->start, i = 0, k;
    if (n < 2 || n > 60)
        return 0;
    utf8proc_int32_t cp = ww__cp_at(text, t->end, t->start, &k);
    utf8proc_category_t c0 = cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(cp);
    if (c0 != UTF8PROC_CATEGORY_LU && c0 != UTF8PROC_CATEGORY_LT)
        return 0;
    for (i = t->start + k; i < t->end; i += k)
        if ((cp = ww__cp_at(text, t->end, i, &k)) >= 0 &&
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
    /* the first code point of the next token; the text is valid UTF-8 ending in a NUL,
     * so decoding stops within it: no strlen of the whole text a title (1% of Arabic) */
    size_t k;
    utf8proc_int32_t cp = ww__cp_at(text, nt->start + 4, nt->start, &k);
    if (ww__arabic_letter(cp)) /* no capitals: persons_arabic.c */
        return ww__arabic_name(text, toks, h->first, h->ntok, cb, arg);
    if (!(nt->start == last->end + 1 && text[last->end] == ' '))
        return 0;
    size_t e = name_run(text, toks, j, 3, cased_name_word);
    return e > j ? cb(arg, toks->v[j].start, toks->v[e - 1].end) : 0;
}

/* Family-name particles written with a capital ("Le Gall", "Van Bylen", "De Bruyne"). */
static const char *const cap_particles[] = {"Le", "La",  "De",  "Van", "Von", "Di", "Da",
                                            "Du", "Del", "Dos", "Al",  "El",  NULL};

/* Does token t begin a sentence (the text before it, spaces skipped, is empty or ends a
 * sentence or a line)?  Its capital then says nothing: "Охотовед Сергей Белов". */
static int sentence_start(const char *text, const ww__tok *t) {
    size_t k = t->start;
    while (k > 0 && text[k - 1] == ' ')
        k--;
    if (k == 0)
        return 1;
    char c = text[k - 1];
    return c == '.' || c == '!' || c == '?' || c == '\n' || c == ':' || c == '"';
}

/* A person whose first word is a known given name: the given name and one or two more
 * capitalised words ("Margaret Ellison", "Valentina Smirnova", "Jean-Luc Mélenchon"),
 * family-name particles allowed.  The given name must begin the run of capitalised
 * words ("Santa Maria Novella", "Queen Mary University" are no persons of it) and a
 * given name alone is no name. */
static int name_from_given(const char *text, const ww__toks *toks, const ww__title_hit *h,
                           int third, ww__person_span_cb *cb, void *arg) {
    size_t j = h->first;
    if (j > 0 && adjacent(text, &toks->v[j - 1], &toks->v[j]) &&
        cased_name_word(text, &toks->v[j - 1]) && !sentence_start(text, &toks->v[j - 1]))
        return 0;
    size_t g = j + h->ntok; /* the word after the given name: a space before it */
    if (g >= toks->n || toks->v[g].start != toks->v[g - 1].end + 1 ||
        text[toks->v[g - 1].end] != ' ')
        return 0;
    /* the given name and a family name, and a third word when third allows it (a
     * second family name, "Alberto Núñez Feijóo"; in German only after a second given
     * name, "Franz Josef Rehrl", since German writes nouns with a capital: "Hillary
     * Clinton Präsidentin") or after a family-name particle ("Anne-Sophie Le Gall") */
    size_t e = name_run(text, toks, j, (g - j) + (third ? 2 : 1), cased_name_word);
    if (!third && e == g + 1 && e < toks->n &&
        adjacent(text, &toks->v[e - 1], &toks->v[e]) &&
        in_list(cap_particles, text + toks->v[e - 1].start,
                toks->v[e - 1].end - toks->v[e - 1].start, 0) &&
        cased_name_word(text, &toks->v[e]))
        e++;
    /* a German compound goes on after a hyphen: "Konrad-Bayer-Textvertonung" was
     * refused above, "Franz Josef-Kai" is refused here */
    if (e <= g || text[toks->v[e - 1].end] == '-')
        return 0;
    return cb(arg, toks->v[j].start, toks->v[e - 1].end);
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
                            const ww__title_hit *hits, size_t nhits, int capital_nouns,
                            ww__person_span_cb *cb, void *arg) {
    pthread_once(&seen_once, seen_build);
    size_t ntitles = 0;
    for (size_t i = 0; i < nhits; i++)
        ntitles += hits[i].after != WW__GIVEN_NAME;
    /* names after titles first, then names from a given name alone: a titled name
     * ("párroco Miguel Ángel Torres") is whole, its given name's run may be shorter */
    for (size_t i = 0; i < nhits; i++) {
        /* titles written after the name are Han and kana ones (zh, ja), found by their
         * characters with their names in han_titles.c, never by the matcher */
        if (hits[i].after != WW__TITLE_BEFORE ||
            (ntitles < 256 && nested(hits, nhits, i)))
            continue;
        int rc = name_before_title(text, toks, &hits[i], cb, arg);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < nhits; i++) {
        if (hits[i].after != WW__GIVEN_NAME)
            continue;
        /* hits are in text order (ww__classify_persons sorts them) */
        int middle = i + 1 < nhits && hits[i + 1].after == WW__GIVEN_NAME &&
                     hits[i + 1].first == hits[i].first + hits[i].ntok;
        int rc = name_from_given(text, toks, &hits[i], middle || !capital_nouns, cb, arg);
        if (rc)
            return rc;
    }
    return 0;
}
