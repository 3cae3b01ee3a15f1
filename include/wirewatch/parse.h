/* Parse stage: a Page (HTML or plain text bytes) becomes a Document (clean main text
 * with paragraph breaks, title, byline, published time, language, canonical URL,
 * links, SimHash).  Everything here is a pure function of (bytes, context): tests and
 * fuzzers call it without a transport; workers/parse/parse_stage.c wires it into the
 * worker runtime.
 *
 * Pipeline (ww_parse_page): charset (header hint, BOM, <meta>, uchardet) -> UTF-8
 * (iconv, invalid bytes become U+FFFD) -> HTML tree (our own tokenizer, see
 * workers/parse/html_tree.c for why) -> metadata + main-content extraction -> text
 * clean-up -> language (CLD2 and the page's declaration) -> SimHash and near-duplicate check -> Document. */
#ifndef WIREWATCH_PARSE_H
#define WIREWATCH_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "wirewatch/langid.h"
#include "wirewatch/v1/wirewatch.pb-c.h"

#define WW_EXTRACTOR_VERSION "wirewatch-extract/1.0"

/* Limits; a limit that is hit is reported in ww_article.limits_hit (bits below) and
 * the result is partial, never a hang. 0 = unlimited for every field. */
typedef struct ww_parse_limits {
    size_t max_input_bytes; /* body bytes looked at; the rest is cut */
    size_t max_nodes;       /* DOM nodes built; parsing stops there */
    unsigned max_depth;     /* deeper elements are flattened into their ancestor */
    long max_time_ms;       /* wall time for tree building; parsing stops there */
    size_t max_links;       /* outgoing links kept */
} ww_parse_limits;

enum {
    WW_LIMIT_BYTES = 1u << 0,
    WW_LIMIT_NODES = 1u << 1,
    WW_LIMIT_DEPTH = 1u << 2,
    WW_LIMIT_TIME = 1u << 3,
    WW_LIMIT_LINKS = 1u << 4,
};

/* Names of the limit bits for counters ("limit_nodes"); NULL for unknown bits. */
const char *ww_limit_name(unsigned bit);

typedef struct ww_link {
    char *url;
    char *text;
} ww_link;

/* A reader comment (parse.comments); strings malloc'd, NULL when the page shows none. */
typedef struct ww_comment {
    char *author;
    char *published; /* RFC 3339 UTC */
    char *text;      /* paragraphs separated by "\n\n" */
} ww_comment;

/* Result of the lower-level extraction; every string malloc'd (NULL when unknown). */
typedef struct ww_article {
    char *title;
    char *byline;
    char *published; /* RFC 3339 UTC "2024-01-02T03:04:05Z" */
    char *canonical_url;
    char *site;
    char *description;
    char *lang_hint; /* <html lang> / og:locale / JSON-LD inLanguage */
    char *text;      /* main text, paragraphs separated by "\n\n" */
    size_t text_len;
    ww_link *links;
    size_t nlinks;
    ww_comment *comments; /* only when asked for (ww_extract_opts.comments) */
    size_t ncomments;
    unsigned limits_hit;
} ww_article;

void ww_article_clear(ww_article *a);

/* Extract article and metadata from UTF-8 HTML.  base_url (may be NULL) resolves
 * relative links.  Returns 0 (out filled, caller clears it) or WW_ENOMEM. */
int ww_extract_html(const char *html, size_t len, const char *base_url,
                    const ww_parse_limits *lim, ww_article *out);

/* What extraction produces beyond the article (all off when zeroed). */
typedef struct ww_extract_opts {
    int comments; /* reader comments into ww_article.comments (parse.comments) */
} ww_extract_opts;

/* ww_extract_html with options (opts may be NULL: none). */
int ww_extract_html_opts(const char *html, size_t len, const char *base_url,
                         const ww_parse_limits *lim, const ww_extract_opts *opts,
                         ww_article *out);

/* Plain-text input: noise clean-up; the first non-noise line is the title. */
int ww_extract_plain(const char *text, size_t len, ww_article *out);

/* ---- charset ---- */

/* Where the charset came from. */
typedef enum {
    WW_CS_BOM = 1,
    WW_CS_HINT,    /* Page.charset_hint or Content-Type charset= */
    WW_CS_META,    /* <meta charset> / http-equiv in the first 4 KB */
    WW_CS_UTF8,    /* bytes are valid UTF-8 */
    WW_CS_DETECT,  /* uchardet */
    WW_CS_DEFAULT, /* nothing known: windows-1252 */
} ww_cs_source;

/* Decide the charset of buf; writes an iconv name into out (e.g. "UTF-8",
 * "WINDOWS-1252", "GB18030", "CP932").  hint and content_type may be NULL. */
ww_cs_source ww_charset_detect(const uint8_t *buf, size_t len, const char *hint,
                               const char *content_type, char *out, size_t outlen);

/* Map a charset label (WHATWG aliases: latin1 -> windows-1252, gbk -> GB18030,
 * shift_jis -> CP932 ...) to an iconv name; 0 on success, WW_EUNSUPPORTED when iconv
 * does not know it. */
int ww_charset_normalize(const char *label, char *out, size_t outlen);

/* Transcode to UTF-8 (BOM removed).  Invalid or unconvertible bytes become U+FFFD
 * and are counted in *replaced (may be NULL); an unknown charset decodes as UTF-8.
 * Returns a malloc'd NUL-terminated string (length in *outlen) or NULL on ENOMEM. */
char *ww_to_utf8(const uint8_t *buf, size_t len, const char *charset, size_t *outlen,
                 size_t *replaced);

/* ---- text ---- */

/* Remove scraping noise from text made of lines / paragraphs: lone "close",
 * "Advertisement", bare clock times ("05:29"), page furniture ("Updated 5:27 am",
 * "Read more: ..."); a line repeated twice in a row keeps one copy; glued sentences
 * ("mediaIt has") are split.  Paragraphs come out separated by "\n\n".  malloc'd,
 * NULL on ENOMEM. */
char *ww_text_clean(const char *text, size_t len, size_t *outlen);

/* RFC 3339 UTC of an ISO 8601 / RFC 2822 date; 0 or WW_EINVAL. */
int ww_date_to_rfc3339(const char *in, char *out, size_t outlen);

/* 64-bit SimHash over word 3-shingles (lower-cased). */
uint64_t ww_simhash(const char *text, size_t len);
int ww_hamming64(uint64_t a, uint64_t b);

/* Language identification and the choice of Document.language: wirewatch/langid.h. */

/* Document id: 128-bit FNV-1a of canonical url + "\n" + text, 32 hex chars + NUL. */
void ww_doc_id(const char *url, const char *text, size_t text_len, char out[33]);

/* ---- the whole stage ---- */

typedef struct ww_parser_opts {
    ww_parse_limits limits;
    int near_dup_distance;   /* Hamming distance for near_duplicate_of; <0 disables */
    size_t near_dup_window;  /* recent documents remembered */
    ww_langid_opts langid;   /* when the text's language is believed (langid.h) */
    ww_extract_opts extract; /* comments (parse.comments) */
} ww_parser_opts;

/* The defaults, written once: ww_parser_opts_default fills them in, and the parse
 * stage's configuration table (parse_stage.c, hence docs/config.md and
 * --print-config) shows them as its defaults, so `wirewatch extract` and the
 * worker cannot drift apart.  Plain decimal literals, because the table needs them
 * as text too. */
#define WW_PARSE_DEFAULT_MAX_INPUT_BYTES 8388608 /* 8 MiB */
#define WW_PARSE_DEFAULT_MAX_NODES 500000
#define WW_PARSE_DEFAULT_MAX_DEPTH 512
#define WW_PARSE_DEFAULT_MAX_TIME_MS 2000
#define WW_PARSE_DEFAULT_MAX_LINKS 200
#define WW_PARSE_DEFAULT_NEAR_DUP_DISTANCE 3
#define WW_PARSE_DEFAULT_NEAR_DUP_WINDOW 4096
/* Not an option of the parser: the stage dead-letters shorter texts. */
#define WW_PARSE_DEFAULT_MIN_TEXT_CHARS 1
/* langid defaults: WW_LANGID_MIN_CONFIDENCE, WW_LANGID_SHORT_TEXT_BYTES (langid.h). */

void ww_parser_opts_default(ww_parser_opts *o);

typedef struct ww_parser ww_parser;

/* NULL with err on bad options or ENOMEM.  Caller frees with ww_parser_free. */
ww_parser *ww_parser_new(const ww_parser_opts *o, char *err, size_t errlen);
void ww_parser_free(ww_parser *p);

/* Page -> Document.  Returns 0 with *out (caller frees with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL)), or WW_EUNSUPPORTED (binary
 * or non-text content), WW_EMALFORMED (empty body), WW_ENOMEM, with err.
 * *limits_hit (may be NULL) gets the WW_LIMIT_* bits hit.  The trace is NOT copied:
 * the stage does that. */
int ww_parse_page(ww_parser *p, const Wirewatch__V1__Page *page,
                  Wirewatch__V1__Document **out, unsigned *limits_hit, char *err,
                  size_t errlen);

/* ww_parse_page in its two steps, for worker.threads: ww_parse_page_text only reads p,
 * so several threads may run it on one parser at once; ww_parser_near_duplicate is
 * the parser's ordered state (the ring of recent SimHashes: sets near_duplicate_of,
 * then d joins the ring), called on one thread in input order for each Document made.
 * The latter returns 0 or WW_ENOMEM. */
int ww_parse_page_text(ww_parser *p, const Wirewatch__V1__Page *page,
                       Wirewatch__V1__Document **out, unsigned *limits_hit, char *err,
                       size_t errlen);
int ww_parser_near_duplicate(ww_parser *p, Wirewatch__V1__Document *d);

#endif
