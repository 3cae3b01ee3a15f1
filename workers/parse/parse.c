/* ww_parse_page: Page -> Document, with the parser's state (limits, the ring of
 * recent SimHashes for near-duplicates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_internal.h"
#include "wirewatch/error.h"
#include "wirewatch/strutil.h"

struct ww_parser {
    ww_parser_opts o;
    uint64_t *ring_hash;
    char (*ring_id)[33];
    size_t ring_n, ring_pos;
};

const char *ww_limit_name(unsigned bit) {
    switch (bit) {
    case WW_LIMIT_BYTES: return "limit_input_bytes";
    case WW_LIMIT_NODES: return "limit_nodes";
    case WW_LIMIT_DEPTH: return "limit_depth";
    case WW_LIMIT_TIME: return "limit_time";
    case WW_LIMIT_LINKS: return "limit_links";
    default: return NULL;
    }
}

void ww_parser_opts_default(ww_parser_opts *o) {
    memset(o, 0, sizeof *o);
    o->limits.max_input_bytes = WW_PARSE_DEFAULT_MAX_INPUT_BYTES;
    o->limits.max_nodes = WW_PARSE_DEFAULT_MAX_NODES;
    o->limits.max_depth = WW_PARSE_DEFAULT_MAX_DEPTH;
    o->limits.max_time_ms = WW_PARSE_DEFAULT_MAX_TIME_MS;
    o->limits.max_links = WW_PARSE_DEFAULT_MAX_LINKS;
    o->near_dup_distance = WW_PARSE_DEFAULT_NEAR_DUP_DISTANCE;
    o->near_dup_window = WW_PARSE_DEFAULT_NEAR_DUP_WINDOW;
    o->langid.min_confidence = WW_LANGID_MIN_CONFIDENCE;
    o->langid.short_text_bytes = WW_LANGID_SHORT_TEXT_BYTES;
}

ww_parser *ww_parser_new(const ww_parser_opts *o, char *err, size_t errlen) {
    ww_parser_opts def;
    if (!o) {
        ww_parser_opts_default(&def);
        o = &def;
    }
    if (o->near_dup_distance > 64) {
        ww_seterr(err, errlen, WW_EINVAL, "near_dup_distance %d > 64",
                  o->near_dup_distance);
        return NULL;
    }
    if (!(o->langid.min_confidence >= 0 && o->langid.min_confidence <= 1)) {
        ww_seterr(err, errlen, WW_EINVAL, "langid min_confidence %g is not within 0..1",
                  (double)o->langid.min_confidence);
        return NULL;
    }
    ww_parser *p = calloc(1, sizeof *p);
    if (!p)
        goto oom;
    p->o = *o;
    if (o->near_dup_window) {
        p->ring_hash = calloc(o->near_dup_window, sizeof *p->ring_hash);
        p->ring_id = calloc(o->near_dup_window, sizeof *p->ring_id);
        if (!p->ring_hash || !p->ring_id)
            goto oom;
    }
    return p;
oom:
    ww_parser_free(p);
    ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    return NULL;
}

void ww_parser_free(ww_parser *p) {
    if (!p)
        return;
    free(p->ring_hash);
    free(p->ring_id);
    free(p);
}

static int starts(const char *s, const char *prefix) {
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

enum { K_HTML, K_PLAIN, K_BINARY };

static int classify_body(const Wirewatch__V1__Page *pg, const uint8_t *b, size_t n,
                         const char *url) {
    const char *ct = pg->content_type;
    if (starts(ct, "text/plain"))
        return K_PLAIN;
    if (starts(ct, "image/") || starts(ct, "audio/") || starts(ct, "video/") ||
        starts(ct, "font/") || starts(ct, "application/pdf") ||
        starts(ct, "application/zip") || starts(ct, "application/gzip"))
        return K_BINARY;
    size_t head = n < 1024 ? n : 1024;
    int utf16 =
        head >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
    if (!utf16 && memchr(b, 0, head))
        return K_BINARY;
    if ((!ct || !*ct) && ww_ends_with_nocase(url, ".txt"))
        return K_PLAIN;
    if ((!ct || !*ct) && !memchr(b, '<', head))
        return K_PLAIN;
    return K_HTML;
}

static int set_str(char **dst, const char *src) {
    if (!src || !*src)
        return 0;
    char *s = strdup(src);
    if (!s)
        return WW_ENOMEM;
    *dst = s;
    return 0;
}

/* Move a malloc'd string into a message field (NULL/"" leave the default). */
static void take_str(char **dst, char **src) {
    if (*src && **src) {
        *dst = *src;
        *src = NULL;
    }
}

/* The page's body as a ww_article: kind of content, cut at max_input_bytes, charset
 * to UTF-8, extraction.  Returns 0 (*a filled, WW_LIMIT_* bits added to *limits), or
 * WW_EMALFORMED, WW_EUNSUPPORTED, WW_ENOMEM with err. */
static int page_article(const ww_parser *p, const Wirewatch__V1__Page *page,
                        const char *url, ww_article *a, unsigned *limits, char *err,
                        size_t errlen) {
    const uint8_t *body = page->body.data;
    size_t n = page->body.len;
    if (!body || n == 0)
        return ww_seterr(err, errlen, WW_EMALFORMED, "empty body (%s)", url ? url : "");
    int kind = classify_body(page, body, n, url);
    if (kind == K_BINARY)
        return ww_seterr(err, errlen, WW_EUNSUPPORTED,
                         "not a text page (content type \"%s\")",
                         page->content_type ? page->content_type : "");
    if (p->o.limits.max_input_bytes && n > p->o.limits.max_input_bytes) {
        n = p->o.limits.max_input_bytes;
        *limits |= WW_LIMIT_BYTES;
    }
    char cs[64];
    ww_charset_detect(body, n, page->charset_hint, page->content_type, cs, sizeof cs);
    size_t ulen;
    char *utf8 = ww_to_utf8(body, n, cs, &ulen, NULL);
    if (!utf8)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    /* the body is cut already; transcoding may have grown it (GBK -> UTF-8) */
    ww_parse_limits lim = p->o.limits;
    lim.max_input_bytes = 0;
    int rc = kind == K_PLAIN
                 ? ww_extract_plain(utf8, ulen, a)
                 : ww_extract_html_opts(utf8, ulen, url, &lim, &p->o.extract, a);
    free(utf8);
    if (rc < 0)
        return ww_seterr(err, errlen, rc, "extraction failed: %s", ww_strerror(rc));
    *limits |= a->limits_hit;
    return 0;
}

/* Where the page came from and what the extraction found about it: url, request id,
 * extractor version, canonical url (the page's own when it names none), title,
 * byline, published, site, description.  0 or WW_ENOMEM. */
static int doc_fields(Wirewatch__V1__Document *d, const Wirewatch__V1__Page *page,
                      const char *url, ww_article *a) {
    if (set_str(&d->url, url) < 0 || set_str(&d->request_id, page->request_id) < 0 ||
        set_str(&d->extractor_version, WW_EXTRACTOR_VERSION) < 0)
        return WW_ENOMEM;
    if (a->canonical_url && *a->canonical_url)
        take_str(&d->canonical_url, &a->canonical_url);
    else if (set_str(&d->canonical_url, url) < 0)
        return WW_ENOMEM;
    take_str(&d->title, &a->title);
    take_str(&d->byline, &a->byline);
    take_str(&d->published, &a->published);
    take_str(&d->site, &a->site);
    take_str(&d->description, &a->description);
    return 0;
}

/* The text's language unless it is short or unclear; then the page's declared one
 * (markup first, then the HTTP Content-Language header); else "und".  0 or
 * WW_ENOMEM. */
static int doc_language(const ww_parser *p, Wirewatch__V1__Document *d,
                        const Wirewatch__V1__Page *page, const ww_article *a) {
    const char *declared = a->lang_hint;
    for (size_t k = 0; (!declared || !*declared) && k < page->n_headers; k++) {
        const Wirewatch__V1__Header *h = page->headers[k];
        if (h->name && !strcasecmp(h->name, "content-language"))
            declared = h->value;
    }
    ww_langid_result det;
    ww_langid_detect(a->text, a->text_len, &det);
    char lang[16];
    float conf;
    ww_language_choose(&det, declared, &p->o.langid, lang, sizeof lang, &conf, NULL);
    if (set_str(&d->language, lang) < 0)
        return WW_ENOMEM;
    d->language_confidence = conf;
    return 0;
}

/* Text, its SimHash and the document id (written to id too).  0 or WW_ENOMEM. */
static int doc_text(Wirewatch__V1__Document *d, ww_article *a, char id[33]) {
    d->simhash = ww_simhash(a->text, a->text_len);
    ww_doc_id(d->canonical_url, a->text, a->text_len, id);
    if (set_str(&d->id, id) < 0)
        return WW_ENOMEM;
    if (a->text_len)
        take_str(&d->text, &a->text);
    return 0;
}

/* The article's links, moved into the document.  0 or WW_ENOMEM. */
static int doc_links(Wirewatch__V1__Document *d, ww_article *a) {
    if (!a->nlinks)
        return 0;
    d->links = calloc(a->nlinks, sizeof *d->links);
    if (!d->links)
        return WW_ENOMEM;
    for (size_t k = 0; k < a->nlinks; k++) {
        Wirewatch__V1__Link *l = malloc(sizeof *l);
        if (!l)
            return WW_ENOMEM;
        wirewatch__v1__link__init(l);
        d->links[d->n_links++] = l;
        take_str(&l->url, &a->links[k].url);
        take_str(&l->text, &a->links[k].text);
    }
    return 0;
}

/* The reader comments (parse.comments), moved into the document.  0 or WW_ENOMEM. */
static int doc_comments(Wirewatch__V1__Document *d, ww_article *a) {
    if (!a->ncomments)
        return 0;
    d->comments = calloc(a->ncomments, sizeof *d->comments);
    if (!d->comments)
        return WW_ENOMEM;
    for (size_t k = 0; k < a->ncomments; k++) {
        Wirewatch__V1__Comment *c = malloc(sizeof *c);
        if (!c)
            return WW_ENOMEM;
        wirewatch__v1__comment__init(c);
        d->comments[d->n_comments++] = c;
        take_str(&c->author, &a->comments[k].author);
        take_str(&c->published, &a->comments[k].published);
        take_str(&c->text, &a->comments[k].text);
    }
    return 0;
}

/* Near duplicates: the closest recent fingerprint within the distance, then this
 * document joins the ring.  Empty texts are not fingerprinted (they would all match
 * each other).  0 or WW_ENOMEM. */
int ww_parser_near_duplicate(ww_parser *p, Wirewatch__V1__Document *d) {
    if (!p->ring_hash || p->o.near_dup_distance < 0 || !d->text || !*d->text)
        return 0;
    int bestd = p->o.near_dup_distance + 1;
    size_t besti = 0;
    for (size_t k = 0; k < p->ring_n; k++) {
        int dist = ww_hamming64(p->ring_hash[k], d->simhash);
        if (dist < bestd) { /* the same id again is a duplicate too */
            bestd = dist;
            besti = k;
        }
    }
    if (bestd <= p->o.near_dup_distance &&
        set_str(&d->near_duplicate_of, p->ring_id[besti]) < 0)
        return WW_ENOMEM;
    p->ring_hash[p->ring_pos] = d->simhash;
    snprintf(p->ring_id[p->ring_pos], sizeof p->ring_id[0], "%s", d->id);
    p->ring_pos = (p->ring_pos + 1) % p->o.near_dup_window;
    if (p->ring_n < p->o.near_dup_window)
        p->ring_n++;
    return 0;
}

int ww_parse_page_text(ww_parser *p, const Wirewatch__V1__Page *page,
                       Wirewatch__V1__Document **out, unsigned *limits_hit, char *err,
                       size_t errlen) {
    ww_article a;
    memset(&a, 0, sizeof a);
    Wirewatch__V1__Document *d = NULL;
    unsigned limits = 0;
    char id[33];
    *out = NULL;
    if (limits_hit)
        *limits_hit = 0;
    const char *url =
        page->final_url && *page->final_url ? page->final_url : page->requested_url;
    int rc = page_article(p, page, url, &a, &limits, err, errlen);
    if (rc < 0)
        goto out;
    d = malloc(sizeof *d);
    if (!d)
        goto oom;
    wirewatch__v1__document__init(d);
    if (doc_fields(d, page, url, &a) < 0 || doc_language(p, d, page, &a) < 0 ||
        doc_text(d, &a, id) < 0 || doc_links(d, &a) < 0 || doc_comments(d, &a) < 0)
        goto oom;
    *out = d;
    d = NULL;
    goto out;
oom:
    rc = ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
out:
    if (d)
        protobuf_c_message_free_unpacked(&d->base, NULL);
    if (limits_hit)
        *limits_hit = limits;
    ww_article_clear(&a);
    return rc;
}

int ww_parse_page(ww_parser *p, const Wirewatch__V1__Page *page,
                  Wirewatch__V1__Document **out, unsigned *limits_hit, char *err,
                  size_t errlen) {
    int rc = ww_parse_page_text(p, page, out, limits_hit, err, errlen);
    if (rc < 0 || ww_parser_near_duplicate(p, *out) == 0)
        return rc;
    protobuf_c_message_free_unpacked(&(*out)->base, NULL);
    *out = NULL;
    return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
}
