/* ww_parse_page: Page -> Document, with the parser's state (limits, the ring of
 * recent SimHashes for near-duplicates). */
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

void ww_parser_opts_default(ww_parser_opts *o) {
    memset(o, 0, sizeof *o);
    o->limits.max_input_bytes = 8u << 20;
    o->limits.max_nodes = 500000;
    o->limits.max_depth = 512;
    o->limits.max_time_ms = 2000;
    o->limits.max_links = 200;
    o->near_dup_distance = 3;
    o->near_dup_window = 4096;
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

int ww_parse_page(ww_parser *p, const Wirewatch__V1__Page *page,
                  Wirewatch__V1__Document **out, unsigned *limits_hit, char *err,
                  size_t errlen) {
    int rc = 0;
    ww_article a;
    memset(&a, 0, sizeof a);
    char *utf8 = NULL;
    Wirewatch__V1__Document *d = NULL;
    *out = NULL;
    if (limits_hit)
        *limits_hit = 0;
    const char *url =
        page->final_url && *page->final_url ? page->final_url : page->requested_url;
    const uint8_t *body = page->body.data;
    size_t n = page->body.len;
    unsigned limits = 0;
    if (!body || n == 0) {
        rc = ww_seterr(err, errlen, WW_EMALFORMED, "empty body (%s)", url ? url : "");
        goto out;
    }
    int kind = classify_body(page, body, n, url);
    if (kind == K_BINARY) {
        rc = ww_seterr(err, errlen, WW_EUNSUPPORTED,
                       "not a text page (content type \"%s\")",
                       page->content_type ? page->content_type : "");
        goto out;
    }
    if (p->o.limits.max_input_bytes && n > p->o.limits.max_input_bytes) {
        n = p->o.limits.max_input_bytes;
        limits |= WW_LIMIT_BYTES;
    }
    char cs[64];
    ww_charset_detect(body, n, page->charset_hint, page->content_type, cs, sizeof cs);
    size_t ulen;
    utf8 = ww_to_utf8(body, n, cs, &ulen, NULL);
    if (!utf8) {
        rc = ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto out;
    }
    /* the body is cut already; transcoding may have grown it (GBK -> UTF-8) */
    ww_parse_limits lim = p->o.limits;
    lim.max_input_bytes = 0;
    rc = kind == K_PLAIN ? ww_extract_plain(utf8, ulen, &a)
                         : ww_extract_html(utf8, ulen, url, &lim, &a);
    if (rc < 0) {
        ww_seterr(err, errlen, rc, "extraction failed: %s", ww_strerror(rc));
        goto out;
    }
    limits |= a.limits_hit;

    d = malloc(sizeof *d);
    if (!d)
        goto oom;
    wirewatch__v1__document__init(d);
    if (set_str(&d->url, url) < 0 || set_str(&d->request_id, page->request_id) < 0 ||
        set_str(&d->extractor_version, WW_EXTRACTOR_VERSION) < 0)
        goto oom;
    if (a.canonical_url && *a.canonical_url)
        take_str(&d->canonical_url, &a.canonical_url);
    else if (set_str(&d->canonical_url, url) < 0)
        goto oom;
    take_str(&d->title, &a.title);
    take_str(&d->byline, &a.byline);
    take_str(&d->published, &a.published);
    take_str(&d->site, &a.site);
    take_str(&d->description, &a.description);

    /* The text's language unless it is short or unclear; then the page's declared
     * one (markup first, then the HTTP Content-Language header); else "und". */
    const char *declared = a.lang_hint;
    for (size_t k = 0; (!declared || !*declared) && k < page->n_headers; k++) {
        const Wirewatch__V1__Header *h = page->headers[k];
        if (h->name && !strcasecmp(h->name, "content-language"))
            declared = h->value;
    }
    ww_langid_result det;
    ww_langid_detect(a.text, a.text_len, &det);
    char lang[16];
    float conf;
    ww_language_choose(&det, declared, &p->o.langid, lang, sizeof lang, &conf, NULL);
    if (set_str(&d->language, lang) < 0)
        goto oom;
    d->language_confidence = conf;

    d->simhash = ww_simhash(a.text, a.text_len);
    char id[33];
    ww_doc_id(d->canonical_url, a.text, a.text_len, id);
    if (set_str(&d->id, id) < 0)
        goto oom;
    if (a.text_len)
        take_str(&d->text, &a.text);

    if (a.nlinks) {
        d->links = calloc(a.nlinks, sizeof *d->links);
        if (!d->links)
            goto oom;
        for (size_t k = 0; k < a.nlinks; k++) {
            Wirewatch__V1__Link *l = malloc(sizeof *l);
            if (!l)
                goto oom;
            wirewatch__v1__link__init(l);
            d->links[d->n_links++] = l;
            take_str(&l->url, &a.links[k].url);
            take_str(&l->text, &a.links[k].text);
        }
    }

    /* Near duplicates: the closest recent fingerprint within the distance.  Empty
     * texts are not fingerprinted (they would all match each other). */
    if (p->ring_hash && p->o.near_dup_distance >= 0 && d->text && *d->text) {
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
            goto oom;
        p->ring_hash[p->ring_pos] = d->simhash;
        memcpy(p->ring_id[p->ring_pos], id, sizeof id);
        p->ring_pos = (p->ring_pos + 1) % p->o.near_dup_window;
        if (p->ring_n < p->o.near_dup_window)
            p->ring_n++;
    }
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
    free(utf8);
    return rc;
}
