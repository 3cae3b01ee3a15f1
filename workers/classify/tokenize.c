/* Tokeniser for the matcher: see tokenize.h for what a token is. */
#include "tokenize.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include <utf8proc.h>

#include "codepoint.h"
#include "wirewatch/error.h"

/* ---- script folding: Traditional -> Simplified Chinese, Arabic spelling variants ---- */

/* ICU's Traditional-Simplified transliterator run on each code point of the CJK
 * blocks, at build time (tools/icu_tables.c): opening it here cost every worker ~5 MB
 * of RSS that ICU keeps (docs/benchmarks.md).  The table maps a code point to its
 * Simplified form where that is one code point (phrase-level rules of the
 * transliterator are few and are not applied). */
#define HAN_LO 0x3400
#define HAN_HI 0x9FFF
extern const int ww__han_t2s_ok;
extern const uint16_t ww__han_t2s[HAN_HI - HAN_LO + 1];
static const uint16_t *t2s; /* t2s[cp - HAN_LO] = simplified cp (BMP), 0 = same */
static pthread_once_t t2s_once = PTHREAD_ONCE_INIT;

static void t2s_build(void) { /* no table: Traditional text simply stays as it is */
    t2s = ww__han_t2s_ok ? ww__han_t2s : NULL;
}

int ww__han_folds(const char *s, size_t n) {
    pthread_once(&t2s_once, t2s_build);
    const uint8_t *u = (const uint8_t *)s;
    for (size_t i = 0; t2s && i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return 0;
        if (cp >= HAN_LO && cp <= HAN_HI && t2s[cp - HAN_LO])
            return 1;
        i += (size_t)k;
    }
    return 0;
}

int32_t ww__han_simplified(int32_t cp) {
    pthread_once(&t2s_once, t2s_build);
    return t2s && cp >= HAN_LO && cp <= HAN_HI && t2s[cp - HAN_LO] ? t2s[cp - HAN_LO]
                                                                   : cp;
}

/* Code points whose normal form folding changes (after NFKC and case folding). */
static int needs_fold(utf8proc_int32_t cp) {
    return (cp >= 0x0622 && cp <= 0x0670) || (cp >= HAN_LO && cp <= HAN_HI);
}

/* Rewrite s[0..n) in place (it only shrinks): Simplified for Traditional (unless
 * keep_han), Arabic variants unified, tatweel and harakat dropped; *tm set when a teh
 * marbuta was folded.  Returns the new length. */
static size_t fold_scripts(uint8_t *s, size_t n, int keep_han, int *tm) {
    pthread_once(&t2s_once, t2s_build);
    size_t i = 0, o = 0;
    while (i < n) {
        int32_t cp;
        if (s[i] < 0x80) { /* nothing ASCII folds */
            s[o++] = s[i++];
            continue;
        }
        long k = ww__cp_next(s + i, n - i, &cp); /* codepoint.h */
        if (k <= 0) { /* cannot happen on utf8proc's own output */
            memmove(s + o, s + i, n - i);
            return o + (n - i);
        }
        i += (size_t)k;
        switch (cp) {
        case 0x0622:
        case 0x0623:
        case 0x0625:
        case 0x0671: cp = 0x0627; break; /* alef */
        case 0x0649: cp = 0x064A; break; /* alef maqsura -> yeh */
        case 0x0629:                     /* teh marbuta -> heh */
            cp = 0x0647;
            *tm = 1;
            break;
        case 0x0640: continue; /* tatweel */
        default:
            if ((cp >= 0x064B && cp <= 0x065F) || cp == 0x0670)
                continue; /* harakat, superscript alef */
            if (t2s && !keep_han && cp >= HAN_LO && cp <= HAN_HI && t2s[cp - HAN_LO])
                cp = t2s[cp - HAN_LO];
        }
        /* the folded form is never longer: same block, or a CJK code point of 3 bytes */
        o += ww__cp_put(cp, s + o);
    }
    return o;
}

/* Scripts written without spaces between words: ICU segments them with dictionaries. */
static int dict_script(utf8proc_int32_t cp) {
    if (cp < 0x0E00) /* every 2-byte code point: Cyrillic, Arabic ... end here */
        return 0;
    return (cp >= 0x2E80 && cp <= 0x9FFF) ||   /* CJK radicals, kana, Han, ... */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* CJK compatibility ideographs */
           (cp >= 0xFF66 && cp <= 0xFF9F) ||   /* half-width katakana */
           (cp >= 0x20000 && cp <= 0x3FFFF) || /* Han extensions */
           (cp >= 0x0E00 && cp <= 0x0EFF) ||   /* Thai, Lao */
           (cp >= 0x1000 && cp <= 0x109F) ||   /* Myanmar */
           (cp >= 0x1780 && cp <= 0x17FF);     /* Khmer */
}

uint64_t ww__hash_bytes(const char *s, size_t n) { return ww__hash_inline(s, n); }

int ww__norm_grow(ww__toks *t, size_t add) {
    size_t cap = t->norm_cap ? t->norm_cap : 4096;
    while (cap < t->norm_len + add + 1)
        cap *= 2;
    char *n = realloc(t->norm, cap);
    if (!n)
        return WW_ENOMEM;
    t->norm = n;
    t->norm_cap = cap;
    return 0;
}

/* Room for one more token in t->v (push and push_ascii).  0 or WW_ENOMEM. */
static int tok_reserve(ww__toks *t) {
    if (t->n < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 256;
    ww__tok *v = realloc(t->v, cap * sizeof *v);
    if (!v)
        return WW_ENOMEM;
    t->v = v;
    t->cap = cap;
    return 0;
}

/* ---- normal forms one code point at a time ---- */

/* NFKC (+ case folding) of every code point below FOLD_END that is not a mark: Latin,
 * Greek, Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana, N'Ko (every 2-byte
 * sequence).  A token of these and ASCII is normalised from the table one code point
 * at a time rather than by utf8proc_map (a malloc, decomposition into UTF-32,
 * canonical ordering, composition, re-encoding, a free: two thirds of the time of
 * tokenizing German text, where every umlaut sends a word there; a fifth of
 * classifying Arabic).  The result is the same: what NFKC does across two code points
 * is reorder or compose combining marks and conjoining jamo, and a token of table
 * entries has neither -- marks are not in the table and send the token to
 * utf8proc_map (tests/unit/test_matcher.c checks every entry and random tokens
 * against it).  The same holds for the code points from CJK_LO to CJK_HI (kana, CJK
 * punctuation and symbols, Han) that NFKC and case folding leave as they are, kept
 * as a bit set: Chinese and Japanese text is mostly those.  The bit set is built on
 * the first 3-byte code point a token brings (cjk_once): its 57,000 utf8proc_map
 * calls were 5% of the instructions of a whole German predict run that never
 * needed it.  The script folding is a map of one code point at a time too, so a
 * second table holds each entry folded (fold_scripts was a twelfth of classifying
 * Arabic as a pass of its own). */
#define FOLD_END 0x800
#define CJK_LO 0x3000
#define CJK_HI 0xA000 /* exclusive */
typedef struct cpfold {
    uint8_t b[7]; /* first: push_table copies all 8 bytes at once */
    uint8_t len;  /* CP_LEN: bytes in b; CP_OK: in the table; CP_TM: folded a ة */
} cpfold;
#define CP_LEN 0x07 /* no entry is longer than 7 bytes (cp_normal) */
#define CP_NF 0x08  /* unfolded table: needs_fold(cp), the folded table applies */
#define CP_OK 0x10
#define CP_TM 0x20
#define CP_DIFF 0x40 /* the entry differs between the folded and unfolded tables */
#define CP_WORD 0x80 /* a word character (ww__cp_word), in the tables or not (marks) */
static cpfold cp_tab[2][2][FOLD_END]; /* [casefold][script folding][code point] */
static uint64_t cjk_same[(CJK_HI - CJK_LO) / 64]; /* bit set: NFKC(cp) = cp, no mark */
static pthread_once_t cp_once = PTHREAD_ONCE_INIT, cjk_once = PTHREAD_ONCE_INIT;

static int is_mark_or_unassigned(utf8proc_int32_t cp) {
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
           c == UTF8PROC_CATEGORY_ME || c == UTF8PROC_CATEGORY_CN;
}

/* cp's normal form (casefold or not) into out (room for 8 bytes); its length, or 0
 * when it is longer than 7 bytes or utf8proc fails. */
static size_t cp_normal(utf8proc_int32_t cp, int cf, uint8_t *out) {
    utf8proc_uint8_t in[4], *m = NULL;
    utf8proc_ssize_t n = utf8proc_encode_char(cp, in);
    utf8proc_ssize_t r =
        utf8proc_map(in, n, &m,
                     UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                         (cf ? UTF8PROC_CASEFOLD : 0));
    size_t len = r > 0 && r <= 7 ? (size_t)r : 0;
    if (len)
        memcpy(out, m, len);
    free(m);
    return len;
}

static void cp_build(void) {
    uint8_t b[8];
    pthread_once(&t2s_once, t2s_build);
    ww__cp_init();
    for (int cf = 0; cf < 2; cf++)
        for (utf8proc_int32_t cp = 0x80; cp < FOLD_END; cp++) {
            size_t len;
            if (ww__cp_word(cp))
                cp_tab[cf][0][cp].len = cp_tab[cf][1][cp].len = CP_WORD;
            if (needs_fold(cp))
                cp_tab[cf][0][cp].len |= CP_NF;
            if (is_mark_or_unassigned(cp) || !(len = cp_normal(cp, cf, b)))
                continue;
            cp_tab[cf][0][cp].len |= (uint8_t)(len | CP_OK);
            memcpy(cp_tab[cf][0][cp].b, b, len);
            int tm = 0; /* no Han below FOLD_END: keep_han changes nothing */
            len = fold_scripts(b, len, 0, &tm);
            cp_tab[cf][1][cp].len |= (uint8_t)(len | CP_OK | (tm ? CP_TM : 0));
            memcpy(cp_tab[cf][1][cp].b, b, len);
            cpfold *e0 = &cp_tab[cf][0][cp], *e1 = &cp_tab[cf][1][cp];
            if ((e0->len & CP_LEN) != (e1->len & CP_LEN) ||
                memcmp(e0->b, e1->b, len) != 0) {
                e0->len |= CP_DIFF;
                e1->len |= CP_DIFF;
            }
        }
}

static void cjk_build(void) {
    uint8_t b[8], enc[4];
    for (utf8proc_int32_t cp = CJK_LO; cp < CJK_HI; cp++) {
        if (is_mark_or_unassigned(cp))
            continue;
        utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);
        int same = 1;
        for (int cf = 0; cf < 2 && same; cf++)
            same = cp_normal(cp, cf, b) == (size_t)n && memcmp(b, enc, (size_t)n) == 0;
        if (same)
            cjk_same[(cp - CJK_LO) / 64] |= 1ull << ((cp - CJK_LO) % 64);
    }
}

/* The normal form of s[0..n) from the tables into d (room for 4n bytes: no entry is
 * longer than 4x its code point's bytes), script-folded when fold is set (keep_han and
 * *tm as for fold_scripts); its length, or -1 when a code point is not in them. */
static long from_table(const uint8_t *s, size_t n, int casefold, int fold, int keep_han,
                       char *d, int *tm) {
    const cpfold *tab = cp_tab[casefold != 0][fold != 0];
    int han = fold && !keep_han && t2s;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c < 0x80) {
            d[o++] = (char)((casefold && c >= 'A' && c <= 'Z') ? c + 32 : c);
            continue;
        }
        if ((c & 0xF0) == 0xE0) { /* 3 bytes: only the CJK bit set */
            if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
                return -1;
            unsigned cp = (unsigned)(c & 0x0F) << 12 | (unsigned)(s[i + 1] & 0x3F) << 6 |
                          (s[i + 2] & 0x3F);
            if (cp < CJK_LO || cp >= CJK_HI)
                return -1;
            pthread_once(&cjk_once, cjk_build);
            if (!(cjk_same[(cp - CJK_LO) / 64] >> ((cp - CJK_LO) % 64) & 1))
                return -1;
            if (han && cp >= HAN_LO && cp <= HAN_HI && t2s[cp - HAN_LO])
                o += ww__cp_put(t2s[cp - HAN_LO], (uint8_t *)d + o); /* 3 bytes */
            else {
                memcpy(d + o, s + i, 3);
                o += 3;
            }
            i += 2;
            continue;
        }
        if ((c & 0xE0) != 0xC0 || i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
            return -1; /* 4-byte sequences are not in the tables */
        unsigned cp = (unsigned)(c & 0x1F) << 6 | (s[i + 1] & 0x3F);
        if (cp >= FOLD_END || !(tab[cp].len & CP_OK))
            return -1;
        /* all 7 bytes, a fixed-size move: o + 7 stays inside the 4n bytes, since o is
         * at most 4x the bytes before this code point, and those are at most n - 2 */
        memcpy(d + o, tab[cp].b, sizeof tab[cp].b);
        o += tab[cp].len & CP_LEN;
        *tm |= (tab[cp].len & CP_TM) != 0;
        i++;
    }
    return (long)o;
}

/* Append the normal form of s[0..n) to t->norm; set *off / *outlen. */
static int normalise(ww__toks *t, const uint8_t *s, size_t n, int ascii, int casefold,
                     int fold, uint32_t *off, uint32_t *outlen, int *tm) {
    if (ascii) {
        if (ww__norm_reserve(t, n))
            return WW_ENOMEM;
        char *d = t->norm + t->norm_len;
        for (size_t i = 0; i < n; i++)
            d[i] = (char)((casefold && s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        *off = (uint32_t)t->norm_len;
        *outlen = (uint32_t)n;
        t->norm_len += n;
        t->norm[t->norm_len++] = 0;
        return 0;
    }
    pthread_once(&cp_once, cp_build);
    if (ww__norm_reserve(t, 4 * n))
        return WW_ENOMEM;
    int ttm = 0; /* set *tm only when the tables' form is taken */
    long tl = from_table(s, n, casefold, fold, t->keep_han, t->norm + t->norm_len, &ttm);
    if (tl >= 0) { /* folded as utf8proc_map's result is below */
        *tm |= ttm;
        *off = (uint32_t)t->norm_len;
        *outlen = (uint32_t)tl;
        t->norm_len += (size_t)tl;
        t->norm[t->norm_len++] = 0;
        return 0;
    }
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                            (casefold ? UTF8PROC_CASEFOLD : 0);
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t r = utf8proc_map(s, (utf8proc_ssize_t)n, &m, opt);
    if (r < 0) { /* cannot happen for text utf8proc_iterate accepted; keep raw bytes */
        free(m);
        return normalise(t, s, n, 1, 0, 0, off, outlen, tm);
    }
    if (fold)
        r = (utf8proc_ssize_t)fold_scripts(m, (size_t)r, t->keep_han, tm);
    if (ww__norm_reserve(t, (size_t)r)) {
        free(m);
        return WW_ENOMEM;
    }
    memcpy(t->norm + t->norm_len, m, (size_t)r);
    free(m);
    *off = (uint32_t)t->norm_len;
    *outlen = (uint32_t)r;
    t->norm_len += (size_t)r;
    t->norm[t->norm_len++] = 0;
    return 0;
}

/* Note token t->n (being pushed) as one whose final heh was a teh marbuta (t->tm).
 * 0 or WW_ENOMEM. */
static int tm_note(ww__toks *t) {
    if (t->ntm == t->captm) {
        size_t cap = t->captm ? t->captm * 2 : 64;
        uint32_t *v = realloc(t->tm, cap * sizeof *v);
        if (!v)
            return WW_ENOMEM;
        t->tm = v;
        t->captm = cap;
    }
    t->tm[t->ntm++] = (uint32_t)t->n;
    return 0;
}

static int push(ww__toks *t, const uint8_t *text, size_t start, size_t end, int ascii,
                int casefold, int fold) {
    if (tok_reserve(t))
        return WW_ENOMEM;
    ww__tok *k = &t->v[t->n];
    k->start = (uint32_t)start;
    k->end = (uint32_t)end;
    int tm = 0;
    int rc = normalise(t, text + start, end - start, ascii, casefold, fold, &k->norm_off,
                       &k->norm_len, &tm);
    if (rc)
        return rc;
    if (tm && tm_note(t))
        return WW_ENOMEM;
    k->hash = ww__hash_bytes(t->norm + k->norm_off, k->norm_len);
    k->hash2 = t->seed2 ? ww__fnv_from(t->seed2, t->norm + k->norm_off, k->norm_len) : 0;
    t->n++;
    return 0;
}

/* The ICU word break iterator all ww__toks clone theirs from: opening one loads and
 * compiles the rules (~100 us), a clone is cheap.  Never freed: it lives as long as the
 * process, reachable from here. */
static UBreakIterator *seg_proto;
static pthread_once_t seg_once = PTHREAD_ONCE_INIT;

static void seg_build(void) {
    UErrorCode st = U_ZERO_ERROR;
    seg_proto = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    if (U_FAILURE(st))
        seg_proto = NULL;
}

/* Split the word run s[start..end) (it holds a dictionary-script character) at ICU's
 * word boundaries and push each piece.  Without ICU the run stays one token. */
static int push_segmented(ww__toks *t, const uint8_t *s, size_t start, size_t end,
                          int casefold) {
    size_t n = end - start;
    pthread_once(&t2s_once, t2s_build);
    if (!t->seg) {
        pthread_once(&seg_once, seg_build);
        UErrorCode st = U_ZERO_ERROR;
        if (seg_proto)
            t->seg = ubrk_clone(seg_proto, &st);
        if (!t->seg || U_FAILURE(st))
            return push(t, s, start, end, 0, casefold, 1);
    }
    if (n + 1 > t->u16cap) { /* UTF-16 never has more units than UTF-8 has bytes */
        size_t cap = n + 1 > 256 ? n + 1 : 256;
        uint16_t *u = realloc(t->u16, cap * sizeof *u);
        if (!u)
            return WW_ENOMEM;
        t->u16 = u;
        uint32_t *o = realloc(t->u16off, cap * sizeof *o);
        if (!o)
            return WW_ENOMEM;
        t->u16off = o;
        t->u16cap = cap;
    }
    size_t un = 0;
    for (size_t i = start; i < end;) {
        int32_t cp;
        long k = ww__cp_next(s + i, end - i, &cp);
        if (k <= 0) /* the run was checked by the caller */
            return WW_EINVAL;
        if (cp >= 0x10000) {
            t->u16off[un] = (uint32_t)(i - start);
            t->u16[un++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            cp = 0xDC00 + ((cp - 0x10000) & 0x3FF);
        } else if (cp >= HAN_LO && cp <= HAN_HI && t2s && !t->keep_han &&
                   t2s[cp - HAN_LO])
            cp = t2s[cp - HAN_LO]; /* ICU's dictionary knows Simplified compounds best:
                                      国家安全 is one word, 國家安全 three */
        t->u16off[un] = (uint32_t)(i - start);
        t->u16[un++] = (uint16_t)cp;
        i += (size_t)k;
    }
    t->u16off[un] = (uint32_t)n;
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = t->seg;
    ubrk_setText(bi, (const UChar *)t->u16, (int32_t)un, &st);
    t->seg_set = 1; /* setText reads nothing of the text it replaces: a run's u16 may be
                       moved by the next run's realloc before that run's setText */
    if (U_FAILURE(st))
        return push(t, s, start, end, 0, casefold, 1);
    int32_t a = ubrk_first(bi);
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; a = b, b = ubrk_next(bi)) {
        size_t bs = start + t->u16off[a], be = start + t->u16off[b];
        int ascii = 1, arabic = 0;
        for (size_t i = bs; i < be; i++) {
            ascii &= s[i] < 0x80;
            arabic |= s[i] == 0xD8 || s[i] == 0xD9;
        }
        /* keep_han (Japanese): folding changes only U+0622..U+0671, whose lead bytes
         * are D8 and D9; without them it would rewrite the piece as it is */
        int rc = push(t, s, bs, be, ascii, casefold, !ascii && (!t->keep_han || arabic));
        if (rc)
            return rc;
    }
    return 0;
}

/* The ASCII word characters (ww__cp_word below 0x80: letters and digits) as their
 * normal form, case-folded (FOLDED) or not (ASIS); 0 for every other byte, those
 * from 0x80 on included.  One look-up a byte tells a word byte and gives what to
 * copy. */
#define DIGITS(x)                                                                        \
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',        \
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9'
#define LOWER(c) [c] = c
#define UPPER_AS(c, to) [c] = to
static const uint8_t FOLDED[256] = {
    DIGITS(0),          LOWER('a'),         LOWER('b'),         LOWER('c'),
    LOWER('d'),         LOWER('e'),         LOWER('f'),         LOWER('g'),
    LOWER('h'),         LOWER('i'),         LOWER('j'),         LOWER('k'),
    LOWER('l'),         LOWER('m'),         LOWER('n'),         LOWER('o'),
    LOWER('p'),         LOWER('q'),         LOWER('r'),         LOWER('s'),
    LOWER('t'),         LOWER('u'),         LOWER('v'),         LOWER('w'),
    LOWER('x'),         LOWER('y'),         LOWER('z'),         UPPER_AS('A', 'a'),
    UPPER_AS('B', 'b'), UPPER_AS('C', 'c'), UPPER_AS('D', 'd'), UPPER_AS('E', 'e'),
    UPPER_AS('F', 'f'), UPPER_AS('G', 'g'), UPPER_AS('H', 'h'), UPPER_AS('I', 'i'),
    UPPER_AS('J', 'j'), UPPER_AS('K', 'k'), UPPER_AS('L', 'l'), UPPER_AS('M', 'm'),
    UPPER_AS('N', 'n'), UPPER_AS('O', 'o'), UPPER_AS('P', 'p'), UPPER_AS('Q', 'q'),
    UPPER_AS('R', 'r'), UPPER_AS('S', 's'), UPPER_AS('T', 't'), UPPER_AS('U', 'u'),
    UPPER_AS('V', 'v'), UPPER_AS('W', 'w'), UPPER_AS('X', 'x'), UPPER_AS('Y', 'y'),
    UPPER_AS('Z', 'z')};
static const uint8_t ASIS[256] = {
    DIGITS(0),  LOWER('a'), LOWER('b'), LOWER('c'), LOWER('d'), LOWER('e'), LOWER('f'),
    LOWER('g'), LOWER('h'), LOWER('i'), LOWER('j'), LOWER('k'), LOWER('l'), LOWER('m'),
    LOWER('n'), LOWER('o'), LOWER('p'), LOWER('q'), LOWER('r'), LOWER('s'), LOWER('t'),
    LOWER('u'), LOWER('v'), LOWER('w'), LOWER('x'), LOWER('y'), LOWER('z'), LOWER('A'),
    LOWER('B'), LOWER('C'), LOWER('D'), LOWER('E'), LOWER('F'), LOWER('G'), LOWER('H'),
    LOWER('I'), LOWER('J'), LOWER('K'), LOWER('L'), LOWER('M'), LOWER('N'), LOWER('O'),
    LOWER('P'), LOWER('Q'), LOWER('R'), LOWER('S'), LOWER('T'), LOWER('U'), LOWER('V'),
    LOWER('W'), LOWER('X'), LOWER('Y'), LOWER('Z')};
#undef DIGITS
#undef LOWER
#undef UPPER_AS

/* The ASCII word starting at s[i] (a word byte), scanned and copied in its normal form
 * (tab: FOLDED or ASIS) in one pass (with hash2 when asked), then hashed.  Pushed as a token when it ends at an
 * ASCII byte or the text's end; *end = where the run of ASCII word bytes stops.
 * Returns 1 when pushed, 0 when the word goes on in non-ASCII (the caller's general
 * path takes it from *end; the copy is dropped), or WW_ENOMEM. */
static int push_ascii(ww__toks *t, const uint8_t *s, size_t i, size_t len,
                      const uint8_t *tab, size_t *end) {
    if (tok_reserve(t))
        return WW_ENOMEM;
    if (ww__norm_reserve(t, len - i)) /* rarely grows: ample for the rest of the text */
        return WW_ENOMEM;
    char *d = t->norm + t->norm_len;
    uint64_t h = WW__FNV_OFF, h2 = t->seed2; /* fused with the copy */
    size_t j = i;
    uint8_t c;
    if (h2) { /* a model's features want hash2 too */
        while (j < len && (c = tab[s[j]]) != 0) {
            d[j - i] = (char)c;
            h = (h ^ c) * WW__FNV_PRIME;
            h2 = (h2 ^ c) * WW__FNV_PRIME;
            j++;
        }
    } else { /* rules only: a tenth of the loop's instructions less */
        while (j < len && (c = tab[s[j]]) != 0) {
            d[j - i] = (char)c;
            h = (h ^ c) * WW__FNV_PRIME;
            j++;
        }
    }
    *end = j;
    if (j < len && s[j] >= 0x80)
        return 0;
    ww__tok *k = &t->v[t->n++];
    k->start = (uint32_t)i;
    k->end = (uint32_t)j;
    k->norm_off = (uint32_t)t->norm_len;
    k->norm_len = (uint32_t)(j - i);
    k->hash = ww__hash_final(h); /* ww__hash_bytes of an ASCII word (tokenize.h) */
    k->hash2 = t->seed2 ? h2 : 0;
    t->norm_len += j - i;
    t->norm[t->norm_len++] = 0;
    return 1;
}

/* A word of ASCII and 2-byte code points (Latin with diacritics, Greek, Cyrillic,
 * Arabic ...) at most this many bytes long takes push_table's path. */
#define TABLE_WORD_MAX 128

/* The word starting at s[i] (not inside a token), when it is made of ASCII and 2-byte
 * code points only, each in the normal-form tables: scanned, normalised from the table
 * and pushed in one pass, as push_ascii does for ASCII words.  The general path (the
 * loop in ww__tokenize, then push, normalise and from_table) decoded each code point
 * twice, once to find the word's end and once to look it up, and classified it twice
 * (word character? folded?): half of tokenizing Russian or Arabic.  The result is the
 * same token: the same end (the first code point that is not a word character, or an
 * invalid byte), and the same normal form -- the table of folded forms is the one used
 * when some code point of the word is one folding changes (needs_fold); the pass
 * starts with the unfolded table and moves to the folded one at the first such code
 * point, which gives the same bytes as long as no earlier entry differs between the two
 * (CP_DIFF; else the general path takes the word).
 * Returns 1 when s[i..*end) was consumed (a token pushed, or a separator skipped), 0
 * when the general path should take the word from i, or WW_ENOMEM. */
static inline __attribute__((always_inline)) int
table_word(ww__toks *t, const uint8_t *s, size_t i, size_t len, int casefold,
           const uint8_t *atab, size_t *end) {
    if (tok_reserve(t) || ww__norm_reserve(t, 4 * TABLE_WORD_MAX + 16))
        return WW_ENOMEM;
    const cpfold *tab = cp_tab[casefold != 0][0];
    char *d = t->norm + t->norm_len;
    size_t j = i, o = 0, lim = len - i > TABLE_WORD_MAX ? i + TABLE_WORD_MAX : len;
    unsigned flags = 0;
    while (j < lim) {
        uint8_t c = s[j];
        if (c < 0x80) {
            if (!atab[c])
                break;
            d[o++] = (char)atab[c];
            j++;
        } else if (j + 1 < len && ((c | (unsigned)s[j + 1] << 8) & 0xC0E0) == 0x80C0) {
            /* a lead byte 110xxxxx and a continuation byte 10xxxxxx, tested at once; C0
             * and C1 (overlong, invalid) find no word entry: separators as well.  With
             * the bits tested, (c << 6) + c2 is the code point plus 0xC0 << 6 | 0x80,
             * a constant the address folds in (no masks) */
            unsigned cp = ((unsigned)c << 6) + s[j + 1] - 0x3080;
            const cpfold *e = &tab[cp];
            unsigned f = e->len;
            /* one test for the common case, a word character in the table that needs
             * no change of table (three tests a code point before) */
            if ((f & (CP_NF | CP_WORD | CP_OK)) != (CP_WORD | CP_OK)) {
                if (f & CP_NF) {         /* (only the unfolded table has CP_NF) */
                    if (flags & CP_DIFF) /* the folded table would have differed before */
                        return 0;
                    tab = cp_tab[casefold != 0][1];
                    e = &tab[cp];
                    f = e->len;
                }
                if (!(f & CP_WORD)) {
                    if (j == i) { /* a separator: skipped */
                        *end = j + 2;
                        return 1;
                    }
                    break;
                }
                if (!(f & CP_OK)) /* a mark: utf8proc_map orders and composes */
                    return 0;
            }
            memcpy(d + o, e, sizeof *e); /* o + 8 <= 4 * TABLE_WORD_MAX + 16 */
            o += f & CP_LEN;
            flags |= f;
            j += 2;
        } else { /* 3 or 4 bytes, or invalid: ends the word unless a word character */
            int32_t cp;
            long k = ww__cp_next(s + j, len - j, &cp); /* codepoint.h */
            if (k > 0 && ww__cp_word(cp))
                return 0;
            if (j == i) { /* a separator: skipped as the general path does */
                *end = j + (k > 0 ? (size_t)k : 1);
                return 1;
            }
            break;
        }
    }
    if (j == i || (j >= lim && lim < len)) /* ASCII separator; too long a word */
        return 0;
    if ((flags & CP_TM) && tm_note(t))
        return WW_ENOMEM;
    ww__tok *k = &t->v[t->n++];
    k->start = (uint32_t)i;
    k->end = (uint32_t)j;
    k->norm_off = (uint32_t)t->norm_len;
    k->norm_len = (uint32_t)o;
    k->hash = ww__hash_inline(d, o);
    k->hash2 = t->seed2 ? ww__fnv_from(t->seed2, d, o) : 0;
    t->norm_len += o;
    t->norm[t->norm_len++] = 0;
    *end = j;
    return 1;
}

/* table_word from s[i], and then word after word while the next word (after ASCII
 * separators, which the caller's loop would skip alike) starts with a non-ASCII byte:
 * Arabic or Russian text is mostly such words, and a call and a turn of the caller's
 * loop a word were ~45 instructions of ~400 a token (docs/benchmarks.md, round 9).
 * Returns as table_word; 1 with *end at a word table_word leaves to the general path
 * when a word was pushed before it (the caller comes back to it, gets 0 then). */
static int push_table(ww__toks *t, const uint8_t *s, size_t i, size_t len, int casefold,
                      const uint8_t *atab, size_t *end) {
    int rc = table_word(t, s, i, len, casefold, atab, end);
    while (rc > 0) {
        size_t j = *end, e;
        while (j < len && s[j] < 0x80 && !atab[s[j]])
            j++;
        if (j >= len || s[j] < 0x80) {
            *end = j;
            return 1;
        }
        rc = table_word(t, s, j, len, casefold, atab, &e);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = j;
            return 1;
        }
        *end = e;
    }
    return rc;
}

static int tokenize(const char *text, size_t len, int casefold, ww__toks *out) {
    const uint8_t *s = (const uint8_t *)text;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    size_t i = 0, start = 0;
    int in = 0, ascii = 1, fold = 0, dict = 0;
    const uint8_t *tab = casefold ? FOLDED : ASIS;
    ww__cp_init();
    pthread_once(&cp_once, cp_build); /* push_table's tables */
    while (i < len) {
        /* Fast path, outside a token: ASCII separators are skipped and a run of ASCII
         * letters and digits that ends at an ASCII byte (or the text's end) is a whole
         * token; one that runs into a non-ASCII byte goes on below from there.  Most
         * bytes of most text take this path, a table look-up each instead of a code
         * point decoded and classified (half of the tokenizer's time). */
        if (!in && s[i] < 0x80) {
            if (!tab[s[i]]) {
                i++;
                continue;
            }
            size_t j;
            int rc = push_ascii(out, s, i, len, tab, &j);
            if (rc == 0) /* a word that goes on in non-ASCII */
                rc = push_table(out, s, i, len, casefold, tab, &j);
            if (rc < 0)
                return rc;
            if (rc) {
                i = j;
                continue;
            }
            j = i; /* push_table left it to the general path: from the first non-ASCII */
            while (tab[s[j]])
                j++;
            in = 1;
            start = i;
            ascii = 1;
            fold = dict = 0;
            i = j;
            continue;
        }
        if (!in) { /* s[i] >= 0x80: a word of 2-byte code points takes push_table */
            size_t j;
            int rc = push_table(out, s, i, len, casefold, tab, &j);
            if (rc < 0)
                return rc;
            if (rc) {
                i = j;
                continue;
            }
        }
        int32_t cp;
        long k = ww__cp_next(s + i, len - i, &cp); /* codepoint.h */
        if (k <= 0) {                              /* invalid byte: a separator */
            cp = -1;
            k = 1;
        }
        int w = cp >= 0 && ww__cp_word(cp);
        if (w && !in) {
            in = 1;
            start = i;
            ascii = 1;
            fold = dict = 0;
        } else if (!w && in) {
            in = 0;
            int rc = dict ? push_segmented(out, s, start, i, casefold)
                          : push(out, s, start, i, ascii, casefold, fold);
            if (rc)
                return rc;
        }
        if (w && cp >= 0x80) {
            ascii = 0;
            fold |= needs_fold(cp);
            dict |= dict_script(cp);
        }
        i += (size_t)k;
    }
    if (in)
        return dict ? push_segmented(out, s, start, len, casefold)
                    : push(out, s, start, len, ascii, casefold, fold);
    return 0;
}

int ww__tokenize(const char *text, size_t len, int casefold, ww__toks *out) {
    int rc = tokenize(text, len, casefold, out);
    if (out->seg_set) {
        /* drop ICU's pointer to our scratch once a text: once a run (two setText a
         * run) was 2.3% of classifying Chinese, ~140 runs between punctuation a story */
        UErrorCode st = U_ZERO_ERROR;
        ubrk_setText(out->seg, NULL, 0, &st);
        out->seg_set = 0;
    }
    return rc;
}

void ww__toks_clear(ww__toks *t) {
    t->n = 0;
    t->norm_len = 0;
    t->ntm = 0;
}

void ww__toks_free(ww__toks *t) {
    if (!t)
        return;
    free(t->v);
    free(t->norm);
    free(t->u16);
    free(t->u16off);
    free(t->tm);
    if (t->seg)
        ubrk_close(t->seg);
    memset(t, 0, sizeof *t);
}
