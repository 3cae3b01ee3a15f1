/* The class and id words that tell the content extractor what an element is:
 * boilerplate, likely content, or neither (see class_words.h). */
#include "class_words.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Readability's lists, plus words common on today's sites; "hidden" became "is-hidden"
 * because utility-CSS pages put "overflow-hidden" on article wrappers. */
static const char *const negative[] = {
    "-ad-",     "is-hidden",  "banner",     "combx",     "comment", "com-",
    "contact",  "foot",       "gdpr",       "masthead",  "media",   "meta",
    "outbrain", "promo",      "related",    "scroll",    "share",   "shoutbox",
    "sidebar",  "skyscraper", "sponsor",    "shopping",  "tags",    "tool",
    "widget",   "taboola",    "social",     "cookie",    "consent", "newsletter",
    "subscri",  "byline",     "breadcrumb", "recommend", "popular", NULL};
static const char *const positive[] = {"article", "body",  "content", "entry", "hentry",
                                       "h-entry", "main",  "page",    "post",  "text",
                                       "blog",    "story", NULL};
/* Boilerplate: removed before scoring unless a "maybe content" word is present too. */
static const char *const unlikely[] = {
    "-ad-",       "ai2html",    "banner",          "breadcrumb",    "combx",
    "comment",    "community",  "cover-wrap",      "disqus",        "extra",
    "footer",     "gdpr",       "header",          "legends",       "menu",
    "related",    "remark",     "replies",         "rss",           "shoutbox",
    "sidebar",    "skyscraper", "social",          "sponsor",       "supplemental",
    "ad-break",   "agegate",    "pagination",      "pager",         "popup",
    "yom-remote", "share",      "cookie",          "consent",       "newsletter",
    "subscribe",  "outbrain",   "taboola",         "recommend",     "most-read",
    "mostread",   "trending",   "promo",           "signup",        "login",
    "skip-link",  "skiplink",   "modal",           "byline",        "author-bio",
    "print-only", "sr-only",    "visually-hidden", "screen-reader", "caption",
    "credit",     "gallery",    "carousel",        "slideshow",     "timestamp",
    "dateline",   "kommentar",  "comentario",      "komentar",      NULL};
static const char *const maybe[] = {"article", "body",   "column", "content",
                                    "main",    "shadow", "story",  NULL};

/* Class/id words are matched once per element with a first-byte bucket table
 * (strcasestr per word per call was a third of the run time); the second byte is
 * looked up in a bit set first and compared inline before memcmp, which turns away
 * most positions and candidates without a call. */
typedef struct word {
    const char *w;
    uint8_t len, bit;
} word;

static word *buckets[256];
static uint8_t nbucket[256];
/* second[f]: the set of second bytes of the words starting with byte f (256 bits), so
 * that most positions are turned away without looking at the bucket */
static uint64_t second[256][4];
static word words_storage[256];
static pthread_once_t words_once = PTHREAD_ONCE_INIT;

static void add_words(const char *const *list, uint8_t bit, size_t *nw) {
    for (const char *const *p = list; *p; p++)
        words_storage[(*nw)++] = (word){*p, (uint8_t)strlen(*p), bit};
}

static void build_words(void) {
    size_t nw = 0;
    add_words(negative, W_NEG, &nw);
    add_words(positive, W_POS, &nw);
    add_words(unlikely, W_UNLIKELY, &nw);
    add_words(maybe, W_MAYBE, &nw);
    /* bucket by first byte: sort by first byte, then point into the storage */
    for (size_t a = 1; a < nw; a++)
        for (size_t b = a; b > 0 && (unsigned char)words_storage[b - 1].w[0] >
                                        (unsigned char)words_storage[b].w[0];
             b--) {
            word tmp = words_storage[b];
            words_storage[b] = words_storage[b - 1];
            words_storage[b - 1] = tmp;
        }
    for (size_t k = 0; k < nw; k++) {
        unsigned char f = (unsigned char)words_storage[k].w[0];
        unsigned char c1 = (unsigned char)words_storage[k].w[1];
        if (!nbucket[f])
            buckets[f] = &words_storage[k];
        nbucket[f]++;
        second[f][c1 >> 6] |= 1ULL << (c1 & 63);
    }
}

unsigned ww__class_words(const char *s) {
    char buf[512];
    size_t n = 0;
    unsigned bits = 0;
    if (!s)
        return 0;
    for (; s[n] && n < sizeof buf - 1; n++)
        buf[n] = (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] | 0x20 : s[n]);
    buf[n] = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char f = (unsigned char)buf[k], c1 = (unsigned char)buf[k + 1];
        if (!(second[f][c1 >> 6] >> (c1 & 63) & 1))
            continue;
        const word *w = buckets[f];
        for (uint8_t j = 0; j < nbucket[f]; j++)
            if (k + w[j].len <= n && buf[k + 1] == w[j].w[1] &&
                memcmp(buf + k, w[j].w, w[j].len) == 0)
                bits |= w[j].bit;
    }
    return bits;
}

void ww__class_words_init(void) { pthread_once(&words_once, build_words); }
