/* ww_extract_html / ww_extract_plain: a page's text and metadata as a ww_article
 * (HTML: tree + metadata + main content + clean-up, reader comments when asked for;
 * plain text: clean-up + title). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_comments.h"
#include "parse_internal.h"
#include "text_invisible.h"
#include "wirewatch/error.h"

void ww_article_clear(ww_article *a) {
    if (!a)
        return;
    free(a->title);
    free(a->byline);
    free(a->published);
    free(a->canonical_url);
    free(a->site);
    free(a->description);
    free(a->lang_hint);
    free(a->text);
    for (size_t k = 0; k < a->nlinks; k++) {
        free(a->links[k].url);
        free(a->links[k].text);
    }
    free(a->links);
    for (size_t k = 0; k < a->ncomments; k++) {
        free(a->comments[k].author);
        free(a->comments[k].published);
        free(a->comments[k].text);
    }
    free(a->comments);
    memset(a, 0, sizeof *a);
}

/* "By Jane Doe and John Roe" as one of the first lines: the byline, cut from the text. */
static void byline_from_text(ww_article *a) {
    char *s = a->text;
    for (int line = 0; s && *s && line < 4; line++) {
        char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 3 && n < 100 && strncasecmp(s, "by ", 3) == 0 && s[3] >= 'A' &&
            s[3] <= 'Z' && !memchr(s, '.', n > 0 ? n - 1 : 0)) {
            if (!a->byline) {
                a->byline = strndup(s + 3, n - 3);
            }
            char *next = e ? e : s + n;
            while (*next == '\n')
                next++;
            memmove(s, next, strlen(next) + 1);
            a->text_len = strlen(a->text);
            return;
        }
        if (!e)
            return;
        s = e;
        while (*s == '\n')
            s++;
    }
}

/* Invisible characters (soft hyphens, zero-width spaces, BOMs ...) out of every field a
 * reader sees (text_invisible.c). */
static void strip_fields(ww_article *a) {
    ww__strip_invisible_str(a->title);
    ww__strip_invisible_str(a->byline);
    ww__strip_invisible_str(a->site);
    ww__strip_invisible_str(a->description);
    if (a->text)
        a->text_len = ww__strip_invisible(a->text, a->text_len);
}

int ww_extract_html(const char *html, size_t len, const char *base_url,
                    const ww_parse_limits *lim, ww_article *out) {
    return ww_extract_html_opts(html, len, base_url, lim, NULL, out);
}

int ww_extract_html_opts(const char *html, size_t len, const char *base_url,
                         const ww_parse_limits *lim, const ww_extract_opts *opts,
                         ww_article *out) {
    ww__htree t;
    ww_sb sb = {0};
    memset(out, 0, sizeof *out);
    int rc = ww__htree_parse(&t, html, len, lim);
    if (rc < 0)
        return rc;
    out->limits_hit = t.limits_hit;
    rc = ww__extract_metadata(&t, base_url, out);
    if (rc == 0)
        rc = ww__extract_content(&t, base_url, lim, &sb, out);
    if (rc == 0 && opts && opts->comments)
        rc = ww__extract_comments(&t, out);
    ww__htree_free(&t);
    if (rc < 0)
        goto fail;
    size_t n;
    out->text = ww__text_clean(sb.s ? sb.s : "", sb.len, &n, 0);
    ww_sb_free(&sb);
    if (!out->text) {
        rc = WW_ENOMEM;
        goto fail;
    }
    out->text_len = n;
    strip_fields(out);
    byline_from_text(out);
    return 0;
fail:
    ww_sb_free(&sb);
    ww_article_clear(out);
    return rc;
}

int ww_extract_plain(const char *text, size_t len, ww_article *out) {
    memset(out, 0, sizeof *out);
    size_t n;
    char *clean = ww_text_clean(text, len, &n);
    if (!clean)
        return WW_ENOMEM;
    /* The first line is the title; the body follows. */
    char *e = strchr(clean, '\n');
    size_t tl = e ? (size_t)(e - clean) : n;
    /* a headline: short and not ended like a sentence */
    if (tl > 0 && tl <= 250 && clean[tl - 1] != '.') {
        out->title = strndup(clean, tl);
        const char *rest = e ? e : clean + n;
        while (*rest == '\n')
            rest++;
        memmove(clean, rest, strlen(rest) + 1);
        n = strlen(clean);
    }
    out->text = clean;
    out->text_len = n;
    strip_fields(out);
    byline_from_text(out);
    return 0;
}
