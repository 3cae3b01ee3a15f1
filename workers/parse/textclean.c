/* Scraping-noise clean-up on text, shared by HTML output and plain-text input.
 *
 * Works line by line: a line that is only a UI word ("close", "Advertisement",
 * "Share") or a bare clock time ("05:29", the timestamp of a video teaser) goes; a
 * line repeated twice in a row (a related-content teaser whose headline is shown
 * above and inside a player, a title printed twice, a paragraph doubled by a
 * scraper) keeps one copy: the repetition is the noise, while the headline itself can
 * name what the story is about (the seed's "Cold War between the USA and China" is
 * the only mention of the USA), so dropping both copies would lose entities.  For plain text, where no markup shows boundaries, a sentence glued to a
 * headline ("on social mediaIt has warned") is split before a common sentence opener
 * that follows a lower-case word with no space. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_internal.h"
#include "wirewatch/error.h"

static const char *const noise_words[] = {"close",
                                          "advertisement",
                                          "advertisement:",
                                          "ad",
                                          "advert",
                                          "sponsored",
                                          "share",
                                          "share this",
                                          "share this article",
                                          "share on facebook",
                                          "share on twitter",
                                          "tweet",
                                          "email",
                                          "print",
                                          "read more",
                                          "continue reading",
                                          "skip to content",
                                          "skip to main content",
                                          "scroll to continue",
                                          "scroll to continue with content",
                                          "story continues below advertisement",
                                          "article continues below",
                                          "loading...",
                                          "loading",
                                          "comments",
                                          "play",
                                          "play video",
                                          "watch",
                                          "watch video",
                                          "replay",
                                          "toggle caption",
                                          "hide caption",
                                          "enlarge this image",
                                          NULL};

typedef struct line {
    const char *s;
    size_t n;
    int blank_before;
    int drop;
} line;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; }

/* "05:29", "5:29", "1:05:29", optionally with "min"/"am"/"pm" after. */
static int bare_time(const char *s, size_t n) {
    size_t k = 0, digits = 0, colons = 0;
    while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == ':')) {
        if (s[k] == ':')
            colons++;
        else
            digits++;
        k++;
    }
    if (colons == 0 || colons > 2 || digits < 3 || s[0] == ':' || s[k - 1] == ':')
        return 0;
    while (k < n && is_space(s[k]))
        k++;
    if (k == n)
        return 1;
    return (n - k == 2 &&
            (!strncasecmp(s + k, "am", 2) || !strncasecmp(s + k, "pm", 2))) ||
           (n - k == 3 && !strncasecmp(s + k, "min", 3));
}

/* After "Updated"/"Posted": a time or date ("5:27 am", "at 1:23 p.m.", "Nov 19",
 * "Monday, ..."), not a sentence that happens to start with the word. */
static int date_follows(const char *s, size_t n) {
    static const char *const names[] = {
        "jan",      "january",   "feb",      "february",  "mar",    "march",   "apr",
        "april",    "may",       "jun",      "june",      "jul",    "july",    "aug",
        "august",   "sep",       "sept",     "september", "oct",    "october", "nov",
        "november", "dec",       "december", "mon",       "monday", "tue",     "tuesday",
        "wed",      "wednesday", "thu",      "thursday",  "fri",    "friday",  "sat",
        "saturday", "sun",       "sunday",   NULL};
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == ':'))
        k++;
    if (n - k > 3 && (!strncasecmp(s + k, "at ", 3) || !strncasecmp(s + k, "on ", 3)))
        k += 3;
    if (k < n && s[k] >= '0' && s[k] <= '9')
        return 1;
    size_t wl = 0;
    while (k + wl < n && ((s[k + wl] | 0x20) >= 'a' && (s[k + wl] | 0x20) <= 'z'))
        wl++;
    for (const char *const *m = names; *m; m++)
        if (strlen(*m) == wl && !strncasecmp(s + k, *m, wl))
            return 1;
    return 0;
}

/* Lines that only carry page furniture: "Updated 5:27 am CST, ...", "Posted Nov 18",
 * "Read more: <teaser>", "Related: ...", "Tags: ...", "Image 2 of 5", or a bare date. */
static int furniture_line(const char *s, size_t n) {
    static const char *const prefixes[] = {"updated ",   "updated:",      "last updated",
                                           "posted ",    "posted:",       "published ",
                                           "published:", "read more:",    "read more ",
                                           "related:",   "related ",      "see also:",
                                           "tags:",      "topics:",       "image ",
                                           "photo:",     "(image credit", NULL};
    if (n > 120)
        return 0;
    for (const char *const *p = prefixes; *p; p++) {
        size_t pl = strlen(*p);
        if (n <= pl || strncasecmp(s, *p, pl) != 0)
            continue;
        if (!strncasecmp(*p, "image ", 6)) /* "Image 2 of 5" only */
            return n < 20 && strstr(s, " of ") && s[6] >= '0' && s[6] <= '9';
        if (!strncasecmp(*p, "related ", 8) || !strncasecmp(*p, "read more ", 10))
            return n < 20; /* "Related articles", "Read more here" - not sentences */
        if ((*p)[0] == 'u' || (*p)[0] == 'p' || (*p)[0] == 'l')
            return n < 80 && date_follows(s + pl, n - pl);
        return 1;
    }
    if (n < 60 && s[0] != '"') {
        char buf[64], out[32];
        memcpy(buf, s, n);
        buf[n] = 0;
        if (ww_date_to_rfc3339(buf, out, sizeof out) == 0) {
            /* the whole line must be the date: no sentence after it */
            int words = 1;
            for (size_t k = 0; k < n; k++)
                words += s[k] == ' ';
            return words <= 8;
        }
    }
    return 0;
}

static int noise_line(const char *s, size_t n) {
    if (n == 0)
        return 0;
    if (bare_time(s, n) || furniture_line(s, n))
        return 1;
    if (n > 40)
        return 0;
    for (const char *const *w = noise_words; *w; w++)
        if (strlen(*w) == n && strncasecmp(*w, s, n) == 0)
            return 1;
    return 0;
}

static const char *const openers[] = {
    "It ",  "The ",   "He ",    "She ",     "They ",      "This ", "That ", "We ",
    "But ", "There ", "When ",  "While ",   "After ",     "Its ",  "His ",  "Her ",
    "Our ", "These ", "Those ", "However,", "According ", NULL};

/* Put s[0..n) into b, splitting glued sentences when split is set. */
static void put_line(ww_sb *b, const char *s, size_t n, int split) {
    size_t from = 0;
    if (split) {
        for (size_t k = 3; k < n; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c < 'A' || c > 'Z')
                continue;
            if (!(s[k - 1] >= 'a' && s[k - 1] <= 'z' && s[k - 2] >= 'a' &&
                  s[k - 2] <= 'z' && s[k - 3] >= 'a' && s[k - 3] <= 'z'))
                continue;
            for (const char *const *o = openers; *o; o++) {
                size_t ol = strlen(*o);
                if (k + ol <= n && memcmp(s + k, *o, ol) == 0) {
                    ww_sb_put(b, s + from, k - from);
                    ww_sb_put(b, "\n\n", 2);
                    from = k;
                    break;
                }
            }
        }
    }
    ww_sb_put(b, s + from, n - from);
}

char *ww__text_clean(const char *text, size_t len, size_t *outlen, int split_glued) {
    line *L = NULL;
    size_t nl = 0, cap = 0;
    int blank = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *a = p, *z = e;
        while (a < z && is_space(*a))
            a++;
        while (z > a && is_space(z[-1]))
            z--;
        if (a == z) {
            blank = 1;
        } else {
            if (nl == cap) {
                cap = cap ? cap * 2 : 64;
                line *nlp = realloc(L, cap * sizeof *L);
                if (!nlp) {
                    free(L);
                    return NULL;
                }
                L = nlp;
            }
            L[nl++] = (line){a, (size_t)(z - a), blank, 0};
            blank = 0;
        }
        p = e + 1;
    }
    for (size_t k = 0; k < nl; k++)
        if (noise_line(L[k].s, L[k].n))
            L[k].drop = 1;
    /* repeated lines, comparing neighbours that survived the noise pass */
    size_t prev = (size_t)-1;
    for (size_t k = 0; k < nl; k++) {
        if (L[k].drop)
            continue;
        if (prev != (size_t)-1 && L[prev].n == L[k].n && !L[prev].drop &&
            memcmp(L[prev].s, L[k].s, L[k].n) == 0) {
            L[k].drop = 1; /* the second copy goes, the first stays */
            continue;
        }
        prev = k;
    }
    ww_sb b = {0};
    int started = 0;
    for (size_t k = 0; k < nl; k++) {
        if (L[k].drop)
            continue;
        if (started)
            ww_sb_put(&b, L[k].blank_before ? "\n\n" : "\n", L[k].blank_before ? 2 : 1);
        started = 1;
        put_line(&b, L[k].s, L[k].n, split_glued);
    }
    free(L);
    return ww_sb_take(&b, outlen);
}

char *ww_text_clean(const char *text, size_t len, size_t *outlen) {
    return ww__text_clean(text, len, outlen, 1);
}
