/* Arabic person names after a title (persons.c finds the titles' other languages).
 *
 * Arabic has no capitals, so the words around a name decide: the title must be one
 * (its head noun a title word, written with the article or in a construct: الوزير,
 * وزير الخارجية — the pack's titles are matched by stems, which also meet الباب "the
 * door" for البابا "the Pope" and مدربة "trained" for مدرب "coach"), and the name is
 * one to three words up to one that cannot be part of a name.  Words are compared in
 * the tokens' normal forms (alef unified, teh marbuta as heh, alef maqsura as yeh). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "persons_arabic.h"

#include <utf8proc.h>

/* Head nouns of titles (without the article). */
static const char *const heads[] = {
    "رئيس",   "رئيسه",    "وزير",      "وزيره",  "متحدث",   "متحدثه",  "ناطق",  "ناطقه",
    "سفير",   "سفيره",    "مبعوث",     "مبعوثه", "مندوب",   "مندوبه",  "امين",  "امينه",
    "مدير",   "مديره",    "ملك",       "ملكه",   "امير",    "اميره",   "شيخ",   "شيخه",
    "سلطان",  "عاهل",     "ولي",       "مستشار", "مستشاره", "نائب",    "نائبه", "سيناتور",
    "حاكم",   "محافظ",    "عمده",      "قاضي",   "قاضيه",   "مدعي",    "محامي", "محاميه",
    "جنرال",  "مشير",     "لواء",      "عميد",   "عقيد",    "ادميرال", "قائد",  "دكتور",
    "دكتوره", "بروفيسور", "بروفيسوره", "استاذ",  "استاذه",  "سيد",     "سيده",  "بابا",
    "مفتي",   "بطريرك",   "كاردينال",  "مطران",  "حاخام",   "مرشد",    "مدرب",  "لاعب",
    "لاعبه",  "نجم",      "نجمه",      "فنان",   "فنانه",   "مخرج",    "مخرجه", "ممثل",
    "ممثله",  "مطرب",     "مطربه",     "كاتب",   "كاتبه",   "شاعر",    "شاعره", "روائي",
    "صحفي",   "صحفيه",    "مراسل",     "مراسله", "ناشط",    "ناشطه",   "باحث",  "باحثه",
    NULL};

/* Titles after which one word is a name (الرئيس ماكرون); after the others it takes
 * two (a minister, a judge or a coach is followed by many things that are not names). */
static const char *const single[] = {
    "رئيس", "رئيسه", "ملك",  "ملكه",  "امير",   "اميره", "شيخ",    "شيخه",    "سلطان",
    "بابا", "سيد",   "سيده", "دكتور", "دكتوره", "عاهل",  "مستشار", "مستشاره", NULL};

/* Words that end a name or are none: prepositions, conjunctions, pronouns, numbers,
 * quantifiers, reporting verbs, days. */
static const char *const stops[] = {
    "في",     "من",    "الي",   "علي",   "عن",      "مع",       "ان",       "لا",
    "ما",     "لم",    "لن",    "هذا",   "هذه",     "ذلك",      "تلك",      "التي",
    "الذي",   "الذين", "كان",   "كانت",  "يكون",    "قد",       "لقد",      "يوم",
    "اليوم",  "امس",   "غدا",   "خلال",  "بعد",     "قبل",      "منذ",      "حتي",
    "عند",    "او",    "ثم",    "بين",   "حول",     "ضد",       "لدي",      "عبر",
    "نحو",    "وفق",   "انه",   "انها",  "قال",     "قالت",     "وقال",     "وقالت",
    "يقول",   "تقول",  "اعلن",  "اعلنت", "واعلن",   "اكد",      "اكدت",     "واكد",
    "اضاف",   "اضافت", "واضاف", "اوضح",  "اوضحت",   "اشار",     "اشارت",    "صرح",
    "صرحت",   "دعا",   "دعت",   "زار",   "زارت",    "التقي",    "التقت",    "يزور",
    "تزور",   "وصل",   "وصلت",  "الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس",
    "الجمعه", "السبت", "صباح",  "مساء",  "كما",     "وهو",      "وهي",      "هو",
    "هي",     "نفسه",  "نفسها", "ايضا",  "كذلك",    "بدوره",    "بدورها",   "شخصيا",
    "واحد",   "اثنان", "ثلاثه", "اربعه", "خمسه",    "سته",      "سبعه",     "ثمانيه",
    "تسعه",   "عشره",  "احد",   "احدي",  "بعض",     "كل",       "جميع",     "عدد",
    "بان",    "لان",   "فان",   "وان",   "بانه",    "بانها",    "لانه",     "الا",
    NULL};

/* Nouns that continue a title in a construct (وزير خارجية إيران, رئيس مجلس النواب):
 * the name, if any, comes later; none is taken. */
static const char *const roles[] = {
    "خارجيه", "دفاع",  "داخليه", "ماليه",  "وزراء", "حكومه", "جمهوريه", "مجلس",
    "وزاره",  "دوله",  "هيئه",   "لجنه",   "بلديه", "اركان", "شركه",    "منظمه",
    "حزب",    "جامعه", "محكمه",  "اداره",  "بنك",   "مصرف",  "صندوق",   "مكتب",
    "وكاله",  "جهاز",  "سفاره",  "برلمان", "نادي",  "منتخب", NULL};

#define AL "ال"
#define LL "لل"

/* The word lists as hash sets, built once: head_of looked a word up in the heads list
 * up to a dozen times (with and without each article and clitic), each a scan of 88
 * entries -- ~2,300 instructions a title matched in Arabic text, 5% of classifying it.
 * A set is open-addressed (load <= 1/2), keyed by FNV-1a of the word.  Words are
 * passed with their lengths (a token's normal form), and prefixes and suffixes are
 * compared as literals of known length: a strlen and a strncmp call for each of the
 * ten prefixes head_of tries were 40% of the ~825 instructions a title cost. */
#define SET_SLOTS 512
typedef struct wordset {
    const char *const *list;
    const char *slot[SET_SLOTS];
} wordset;

static wordset heads_set = {.list = heads}, single_set = {.list = single},
               stops_set = {.list = stops}, roles_set = {.list = roles};
static pthread_once_t sets_once = PTHREAD_ONCE_INIT;

static uint32_t word_hash(const char *w, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)w[i]) * 16777619u;
    return h;
}

static void set_build(wordset *s) {
    for (const char *const *x = s->list; *x; x++) {
        uint32_t j = word_hash(*x, strlen(*x)) & (SET_SLOTS - 1);
        while (s->slot[j] && strcmp(s->slot[j], *x) != 0)
            j = (j + 1) & (SET_SLOTS - 1);
        s->slot[j] = *x;
    }
}

static void sets_build(void) {
    set_build(&heads_set);
    set_build(&single_set);
    set_build(&stops_set);
    set_build(&roles_set);
}

/* 1 when w[0..n) is in s */
static int in(const wordset *s, const char *w, size_t n) {
    for (uint32_t j = word_hash(w, n) & (SET_SLOTS - 1); s->slot[j];
         j = (j + 1) & (SET_SLOTS - 1))
        if (strncmp(s->slot[j], w, n) == 0 && s->slot[j][n] == 0)
            return 1;
    return 0;
}

/* 1 when w[0..n) starts (ends) with the string literal p: a fixed-size memcmp */
#define STARTS(w, n, p) ((n) >= sizeof(p) - 1 && memcmp((w), (p), sizeof(p) - 1) == 0)
#define ENDS(w, n, p)                                                                    \
    ((n) >= sizeof(p) - 1 && memcmp((w) + (n) - (sizeof(p) - 1), (p), sizeof(p) - 1) == 0)

int ww__arabic_letter(int32_t cp) {
    return (cp >= 0x0620 && cp <= 0x064A) || (cp >= 0x066E && cp <= 0x06D3);
}

/* The head list entry w[0..n) is, without its article (*art set) or one-letter
 * clitic (و ف ب ل: ووزير, لرئيس); NULL if none, else its length in *hl. */
static const char *head_of(const char *w, size_t n, int *art, size_t *hl) {
    *art = 0;
    *hl = n;
    if (in(&heads_set, w, n))
        return w;
    /* the articles with a clitic (4 bytes), then لل and ال (2 letters, 4 bytes) */
    size_t k = STARTS(w, n, "وال") || STARTS(w, n, "فال") || STARTS(w, n, "بال") ||
                       STARTS(w, n, "كال")
                   ? sizeof "وال" - 1
               : STARTS(w, n, LL) || STARTS(w, n, AL) ? sizeof AL - 1
                                                      : 0;
    if (k && in(&heads_set, w + k, n - k)) {
        *art = 1;
        *hl = n - k;
        return w + k;
    }
    /* a one-letter clitic (2 bytes) */
    if ((STARTS(w, n, "و") || STARTS(w, n, "ف") || STARTS(w, n, "ب") ||
         STARTS(w, n, "ل")) &&
        in(&heads_set, w + 2, n - 2)) {
        *hl = n - 2;
        return w + 2;
    }
    return NULL;
}

/* Is tokens [first, first + ntok) a title, and may one word after it be a name? */
static int title_ok(const ww__toks *toks, uint32_t first, uint32_t ntok, int *one) {
    for (uint32_t i = first; i < first + ntok; i++) {
        int art;
        size_t hl;
        const char *h = head_of(ww__tok_norm(toks, i), toks->v[i].norm_len, &art, &hl);
        if (h && (art || i + 1 < first + ntok)) { /* الوزير, or وزير الخارجية */
            *one = in(&single_set, h, hl);
            return 1;
        }
    }
    return 0;
}

/* Token i: Arabic letters only (two or more), one space after token i - 1. */
static int word_after(const char *text, const ww__toks *toks, size_t i) {
    const ww__tok *a = &toks->v[i - 1], *t = &toks->v[i];
    if (t->start != a->end + 1 || text[a->end] != ' ')
        return 0;
    size_t n = 0;
    for (size_t b = t->start; b < t->end; n++) {
        int32_t cp = -1;
        utf8proc_ssize_t k = utf8proc_iterate((const uint8_t *)text + b,
                                              (utf8proc_ssize_t)(t->end - b), &cp);
        if (k <= 0 || !ww__arabic_letter(cp))
            return 0;
        b += (size_t)k;
    }
    return n >= 2;
}

/* Can token i be a word of a name?  Not a stop word, not a word with a preposition and
 * the article (للنقابة, بالتعاون), not one ending in a pronoun (رضاه "his
 * satisfaction", منهم; "الله" ends names: نصر الله). */
static int name_word(const char *text, const ww__toks *toks, size_t i) {
    const char *w = ww__tok_norm(toks, i);
    const ww__tok *t = &toks->v[i];
    size_t wl = t->norm_len;
    if (in(&stops_set, w, wl) || STARTS(w, wl, LL) || STARTS(w, wl, "وال") ||
        STARTS(w, wl, "بال") || STARTS(w, wl, "فال") || STARTS(w, wl, "كال") ||
        ENDS(w, wl, "هم") || ENDS(w, wl, "ها"))
        return 0;
    /* a final heh written as heh (not a folded teh marbuta: فاطمة, حمزة) */
    static const char heh[] = "ه";
    size_t n = t->end - t->start;
    return !(n > 4 && memcmp(text + t->end - 2, heh, 2) == 0 && !ENDS(w, wl, "الله"));
}

int ww__arabic_name(const char *text, const ww__toks *toks, uint32_t first, uint32_t ntok,
                    ww__person_span_cb *cb, void *arg) {
    int one;
    pthread_once(&sets_once, sets_build);
    if (!title_ok(toks, first, ntok, &one))
        return 0;
    /* definite words right after the title qualify it (الصينية, السعودي الأمير):
     * up to two are passed over; a name never starts with one */
    size_t j = first + ntok, q = 0;
    for (;; j++, q++) {
        if (j >= toks->n || !word_after(text, toks, j))
            return 0;
        if (!STARTS(ww__tok_norm(toks, j), toks->v[j].norm_len, AL))
            break;
        if (q == 2)
            return 0;
    }
    if (!name_word(text, toks, j) ||
        in(&roles_set, ww__tok_norm(toks, j), toks->v[j].norm_len))
        return 0;
    size_t e = j + 1; /* after the first word a definite one is a family name: الأسد */
    while (e < toks->n && e - j < 3 && word_after(text, toks, e) &&
           name_word(text, toks, e))
        e++;
    if (e - j == 1 && !one)
        return 0;
    return cb(arg, toks->v[j].start, toks->v[e - 1].end);
}
