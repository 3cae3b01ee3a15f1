/* HTML tokenizer and tree builder for article extraction.
 *
 * Why not libxml2's HTML parser: measured on this machine over the 60 pages of
 * extraction-dev (8.3 MB), htmlReadMemory builds trees at 250 pages/s and its SAX
 * mode with empty callbacks runs at 410 pages/s, while readability-lxml does 40
 * pages/s end to end; the 10x goal leaves no room on top of libxml2's tokenizer.
 * `make bench-extract` measures all three again in the same run as this extractor
 * (tests/bench/libxml2_parse.c).  On 2026-11-29, by CPU time on a loaded machine:
 * libxml2 tree ~425 pages/s, SAX ~710, this whole pipeline (gunzip to JSON lines)
 * 455-636, readability-lxml 34-48: building libxml2's tree alone costs about what
 * our whole extraction does.
 * This one does the part of the HTML standard that matters for text: tags,
 * attributes (only those the extractor reads are kept), character references,
 * comments, raw-text elements, void elements, and the implied end tags of p, li,
 * dd/dt, td/th/tr, headings and options, with element scopes so a stray end tag
 * cannot close a table from inside a cell.  No adoption agency, no foster parenting:
 * misnested inline tags only shift text between inline elements, which the extractor
 * does not care about.  Character references are decoded by html_charref.c.
 */
#include "html_tree.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_charref.h"
#include "wirewatch/error.h"

const uint16_t ww__tag_flags[T__COUNT] = {
    [T_TEXT] = 0,
    [T_ROOT] = TF_BLOCK | TF_SCOPE,
    [T_OTHER] = 0,
#define WW__TAG(id, name, flags) [T_##id] = (flags),
#include "html_tags.def"
#undef WW__TAG
};

const char *const ww__tag_names[T__COUNT] = {
    [T_TEXT] = "#text",
    [T_ROOT] = "#root",
    [T_OTHER] = "#other",
#define WW__TAG(id, name, flags) [T_##id] = name,
#include "html_tags.def"
#undef WW__TAG
};

static const struct {
    const char *name;
    uint16_t tag;
} tagtab[] = {
#define WW__TAG(id, name, flags) {name, T_##id},
#include "html_tags.def"
#undef WW__TAG
};

/* Attributes the extractor and metadata reader look at; the rest are skipped, which
 * keeps megabytes of data-* and inline style out of the pool. */
static const char *const keep_attrs[] = {
    "aria-hidden", "charset", "class",    "content", "datetime", "hidden",   "href",
    "http-equiv",  "id",      "itemprop", "lang",    "name",     "property", "rel",
    "role",        "style",   "type",     "pubdate", NULL};

typedef struct parser {
    ww__htree *t;
    const char *s, *end;
    uint32_t *stack;
    size_t depth, stackcap;
    const ww_parse_limits *lim;
    struct timespec t0;
    int stop;
    uint32_t open[T__COUNT]; /* open elements per tag: most scope searches end here */
} parser;

static inline int is_ws(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
}
static inline int is_alpha(unsigned char c) {
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* Bytes that end a tag or attribute name: white space, '/' and '>' (NAME_END), and
 * '=' too for attribute names (ATTR_END); one table load per byte of a name. */
enum { NAME_END = 1, ATTR_END = 2 };
static uint8_t name_end[256];

/* Tag names -> ids through a small open-addressing table built once (a binary
 * search cost 7 strcmp per tag). */
#define TAGTAB_SLOTS 512
static uint16_t tag_slots[TAGTAB_SLOTS]; /* index into tagtab + 1; 0 = empty */
static pthread_once_t tag_once = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const char *s);

/* Kept attribute names by first byte: indices into keep_attrs + 1, 0-terminated. */
static uint8_t keep_first[256][4];

static void build_tag_slots(void) {
    for (unsigned c = 0; c < 256; c++) {
        if (is_ws((unsigned char)c) || c == '/' || c == '>')
            name_end[c] = NAME_END | ATTR_END;
        else if (c == '=')
            name_end[c] = ATTR_END;
    }
    for (uint8_t k = 0; keep_attrs[k]; k++) {
        uint8_t *slot = keep_first[(unsigned char)keep_attrs[k][0]];
        while (*slot)
            slot++;
        *slot = (uint8_t)(k + 1);
    }
    for (size_t k = 0; k < sizeof tagtab / sizeof tagtab[0]; k++) {
        uint32_t h = name_hash(tagtab[k].name) & (TAGTAB_SLOTS - 1);
        while (tag_slots[h])
            h = (h + 1) & (TAGTAB_SLOTS - 1);
        tag_slots[h] = (uint16_t)(k + 1);
    }
}

static int tag_lookup(const char *lname) {
    uint32_t h = name_hash(lname) & (TAGTAB_SLOTS - 1);
    while (tag_slots[h]) {
        const char *tn = tagtab[tag_slots[h] - 1].name;
        if (tn[0] == lname[0] && strcmp(tn, lname) == 0)
            return tagtab[tag_slots[h] - 1].tag;
        h = (h + 1) & (TAGTAB_SLOTS - 1);
    }
    return T_OTHER;
}

/* ---- pool ---- */

static int pool_reserve(ww__htree *t, size_t n) {
    if (t->poollen + n + 1 <= t->poolcap)
        return 0;
    size_t cap = t->poolcap ? t->poolcap : 4096;
    while (cap < t->poollen + n + 1)
        cap *= 2;
    char *p = realloc(t->pool, cap);
    if (!p) {
        t->oom = 1;
        return -1;
    }
    t->pool = p;
    t->poolcap = cap;
    return 0;
}

static void pool_put(ww__htree *t, const char *s, size_t n) {
    if (pool_reserve(t, n) < 0)
        return;
    memcpy(t->pool + t->poollen, s, n);
    t->poollen += n;
}

static void pool_utf8(ww__htree *t, unsigned long cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    pool_put(t, b, n);
}

/* Decode s[0..n) (text or attribute value) with character references into the pool. */
static void pool_decode(ww__htree *t, const char *s, size_t n, int in_attr) {
    const char *end = s + n;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (!amp) {
            pool_put(t, s, (size_t)(end - s));
            return;
        }
        pool_put(t, s, (size_t)(amp - s));
        const char *next;
        unsigned long cp = ww__html_charref(amp, end, in_attr, &next);
        if (cp) {
            pool_utf8(t, cp);
            s = next;
        } else { /* not a reference: the '&' is literal */
            pool_put(t, "&", 1);
            s = amp + 1;
        }
    }
}

/* ---- nodes ---- */

static int time_up(parser *p) {
    if (!p->lim || p->lim->max_time_ms <= 0)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms =
        (now.tv_sec - p->t0.tv_sec) * 1000 + (now.tv_nsec - p->t0.tv_nsec) / 1000000;
    return ms > p->lim->max_time_ms;
}

static uint32_t current(const parser *p) { return p->depth ? p->stack[p->depth - 1] : 0; }

static uint32_t new_node(parser *p, uint16_t tag) {
    ww__htree *t = p->t;
    if (p->lim && p->lim->max_nodes && t->nnodes >= p->lim->max_nodes) {
        t->limits_hit |= WW_LIMIT_NODES;
        p->stop = 1;
        return 0;
    }
    if ((t->nnodes & 1023) == 0 && t->nnodes && time_up(p)) {
        t->limits_hit |= WW_LIMIT_TIME;
        p->stop = 1;
        return 0;
    }
    if (t->nnodes == t->capnodes) {
        size_t cap = t->capnodes * 2;
        ww__hnode *n = realloc(t->nodes, cap * sizeof *n);
        if (!n) {
            t->oom = 1;
            p->stop = 1;
            return 0;
        }
        t->nodes = n;
        t->capnodes = cap;
    }
    uint32_t i = (uint32_t)t->nnodes++;
    ww__hnode *n = &t->nodes[i];
    memset(n, 0, sizeof *n);
    n->tag = tag;
    uint32_t par = current(p);
    n->parent = par;
    if (t->nodes[par].last)
        t->nodes[t->nodes[par].last].next = i;
    else
        t->nodes[par].first = i;
    t->nodes[par].last = i;
    return i;
}

/* Text s[0..n) (decode = character references) as a child of the current element,
 * merged with a text node just before it. */
static void add_text(parser *p, const char *s, size_t n, int decode) {
    ww__htree *t = p->t;
    if (n == 0)
        return;
    uint32_t par = current(p);
    uint32_t last = t->nodes[par].last;
    size_t start = t->poollen;
    if (last && t->nodes[last].tag == T_TEXT &&
        t->nodes[last].str + t->nodes[last].len + 1 == start) {
        /* Extend in place: drop the NUL of the previous piece. */
        t->poollen--;
        start = t->poollen;
    } else {
        last = 0;
    }
    if (decode)
        pool_decode(t, s, n, 0);
    else
        pool_put(t, s, n);
    if (t->oom)
        return;
    size_t added = t->poollen - start;
    pool_put(t, "", 1);
    if (last) {
        t->nodes[last].len += (uint32_t)added;
        return;
    }
    uint32_t i = new_node(p, T_TEXT);
    if (!i)
        return;
    t->nodes[i].str = (uint32_t)start;
    t->nodes[i].len = (uint32_t)added;
}

static void push(parser *p, uint32_t i) {
    if (p->lim && p->lim->max_depth && p->depth >= p->lim->max_depth) {
        p->t->limits_hit |= WW_LIMIT_DEPTH;
        return; /* flattened: its content goes to the current element */
    }
    if (p->depth == p->stackcap) {
        size_t cap = p->stackcap ? p->stackcap * 2 : 64;
        uint32_t *s = realloc(p->stack, cap * sizeof *s);
        if (!s) {
            p->t->oom = 1;
            p->stop = 1;
            return;
        }
        p->stack = s;
        p->stackcap = cap;
    }
    p->stack[p->depth++] = i;
    p->open[p->t->nodes[i].tag]++;
}

enum { SC_DEFAULT, SC_BUTTON, SC_LIST, SC_TABLE, SC_INLINE };

static int is_boundary(uint16_t tag, int scope) {
    switch (scope) {
    case SC_TABLE: return tag == T_TABLE || tag == T_TEMPLATE || tag == T_ROOT;
    case SC_INLINE: return (ww__tag_flags[tag] & (TF_BLOCK | TF_SCOPE)) != 0;
    case SC_BUTTON:
        if (tag == T_BUTTON)
            return 1;
        break;
    case SC_LIST:
        if (tag == T_OL || tag == T_UL)
            return 1;
        break;
    }
    return (ww__tag_flags[tag] & TF_SCOPE) != 0;
}

static int matches(const ww__hnode *n, uint16_t tag, uint32_t hash) {
    if (tag == T_OTHER)
        return n->tag == T_OTHER && n->name_hash == hash;
    if (ww__tag_flags[tag] & TF_HEADING)
        return (ww__tag_flags[n->tag] & TF_HEADING) != 0;
    if (tag == T_TD || tag == T_TH)
        return n->tag == T_TD || n->tag == T_TH;
    if (tag == T_DD || tag == T_DT)
        return n->tag == T_DD || n->tag == T_DT;
    if (tag == T_TBODY || tag == T_THEAD || tag == T_TFOOT)
        return n->tag == T_TBODY || n->tag == T_THEAD || n->tag == T_TFOOT;
    return n->tag == tag;
}

/* Whether any element that matches() tag is open. */
static int open_any(const parser *p, uint16_t tag) {
    if (ww__tag_flags[tag] & TF_HEADING)
        return p->open[T_H1] + p->open[T_H2] + p->open[T_H3] + p->open[T_H4] +
                   p->open[T_H5] + p->open[T_H6] >
               0;
    switch (tag) {
    case T_TD:
    case T_TH: return p->open[T_TD] + p->open[T_TH] > 0;
    case T_DD:
    case T_DT: return p->open[T_DD] + p->open[T_DT] > 0;
    case T_TBODY:
    case T_THEAD:
    case T_TFOOT: return p->open[T_TBODY] + p->open[T_THEAD] + p->open[T_TFOOT] > 0;
    default: return p->open[tag] > 0;
    }
}

/* Stack position (depth to pop to) of an open `tag` within `scope`, or -1. */
static long find_open(const parser *p, uint16_t tag, uint32_t hash, int scope) {
    if (!open_any(p, tag))
        return -1;
    /* Misnested inline end tags are only looked for near the top of the stack (the
     * standard's adoption agency is bounded too): a flood of stray end tags under a
     * deep stack stays linear. */
    size_t floor = scope == SC_INLINE && p->depth > 64 ? p->depth - 64 : 0;
    for (size_t k = p->depth; k-- > floor;) {
        const ww__hnode *n = &p->t->nodes[p->stack[k]];
        if (matches(n, tag, hash))
            return (long)k;
        if (is_boundary(n->tag, scope))
            return -1;
    }
    return -1;
}

/* li / dd / dt: close an open one unless a block other than div/p/address is in the
 * way (the standard's "special" rule, simplified). */
static long find_item(const parser *p, uint16_t tag) {
    if (!open_any(p, tag))
        return -1;
    for (size_t k = p->depth; k-- > 0;) {
        const ww__hnode *n = &p->t->nodes[p->stack[k]];
        if (matches(n, tag, 0))
            return (long)k;
        if ((ww__tag_flags[n->tag] & (TF_BLOCK | TF_SCOPE)) && n->tag != T_DIV &&
            n->tag != T_P && n->tag != T_ADDRESS)
            return -1;
    }
    return -1;
}

static void pop_to(parser *p, long pos) {
    if (pos < 0)
        return;
    while (p->depth > (size_t)pos)
        p->open[p->t->nodes[p->stack[--p->depth]].tag]--;
}

static uint32_t name_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* A_* id of a kept attribute name, 0 for the others. */
static uint32_t keep_attr(const char *name) {
    /* only the (at most 3) names with the same first byte; the second byte inline:
     * a strcmp per kept name was a tenth of the tree's cost on pages full of data-*
     * attributes */
    for (const uint8_t *k = keep_first[(unsigned char)name[0]]; *k; k++)
        if (keep_attrs[*k - 1][1] == name[1] && strcmp(keep_attrs[*k - 1], name) == 0)
            return *k;
    return 0;
}

/* Case-insensitive search for "</name" followed by a delimiter. */
static const char *find_end_tag(const char *s, const char *end, const char *name,
                                size_t nlen) {
    while (s < end) {
        const char *lt = memchr(s, '<', (size_t)(end - s));
        if (!lt)
            return NULL;
        if ((size_t)(end - lt) >= nlen + 2 && lt[1] == '/') {
            size_t k = 0;
            while (k < nlen && lower((unsigned char)lt[2 + k]) == (unsigned char)name[k])
                k++;
            if (k == nlen) {
                const char *d = lt + 2 + nlen;
                if (d == end || is_ws((unsigned char)*d) || *d == '>' || *d == '/')
                    return lt;
            }
        }
        s = lt + 1;
    }
    return NULL;
}

static void start_tag_rules(parser *p, uint16_t tag) {
    uint16_t fl = ww__tag_flags[tag];
    if (fl & TF_CLOSEP || tag == T_LI || tag == T_DD || tag == T_DT)
        pop_to(p, find_open(p, T_P, 0, SC_BUTTON));
    switch (tag) {
    case T_LI:
    case T_DD:
    case T_DT: pop_to(p, find_item(p, tag)); break;
    case T_TD:
    case T_TH:
    case T_TR:
        pop_to(p, find_open(p, tag, 0, SC_TABLE));
        if (tag != T_TR)
            break;
        break;
    case T_TBODY:
    case T_THEAD:
    case T_TFOOT: pop_to(p, find_open(p, tag, 0, SC_TABLE)); break;
    case T_A: pop_to(p, find_open(p, T_A, 0, SC_DEFAULT)); break;
    case T_OPTION:
        if (p->depth && p->t->nodes[current(p)].tag == T_OPTION)
            pop_to(p, (long)p->depth - 1);
        break;
    default:
        if ((fl & TF_HEADING) && p->depth &&
            (ww__tag_flags[p->t->nodes[current(p)].tag] & TF_HEADING))
            pop_to(p, (long)p->depth - 1);
    }
}

/* Lower-case tag name at *sp (up to white space, '/' or '>') into name, cut to 63
 * bytes; returns its length and moves *sp past it. */
static size_t read_tag_name(const char **sp, const char *end, char name[64]) {
    const char *s = *sp;
    size_t k = 0;
    while (s < end && !(name_end[(unsigned char)*s] & NAME_END)) {
        if (k < 63)
            name[k++] = (char)lower((unsigned char)*s);
        s++;
    }
    name[k] = 0;
    *sp = s;
    return k;
}

/* One attribute at s: lower-case name into an (length *ak), value span [*v, *ve)
 * (*v NULL when it has none).  Returns s past it. */
static const char *read_attr(const char *s, const char *end, char an[32], size_t *ak,
                             const char **v, const char **ve) {
    size_t k = 0;
    const char *a0 = s;
    while (s < end && !(name_end[(unsigned char)*s] & (s == a0 ? NAME_END : ATTR_END))) {
        if (k < 31)
            an[k++] = (char)lower((unsigned char)*s);
        s++;
    }
    an[k] = 0;
    *ak = k;
    while (s < end && is_ws((unsigned char)*s))
        s++;
    *v = *ve = NULL;
    if (s < end && *s == '=') {
        s++;
        while (s < end && is_ws((unsigned char)*s))
            s++;
        if (s < end && (*s == '"' || *s == '\'')) {
            char qc = *s++;
            *v = s;
            const char *qe = memchr(s, qc, (size_t)(end - s));
            *ve = qe ? qe : end;
            s = qe ? qe + 1 : end;
        } else {
            *v = s;
            while (s < end && !is_ws((unsigned char)*s) && *s != '>')
                s++;
            *ve = s;
        }
    }
    return s;
}

/* Store attribute an (kept as A_* id aid) with value [v, ve) on element node.
 * Returns 0, or -1 out of memory (parsing stops). */
static int store_attr(parser *p, uint32_t node, uint32_t aid, const char *an, size_t ak,
                      const char *v, const char *ve) {
    ww__htree *t = p->t;
    if (t->nattrs == t->capattrs) {
        size_t cap = t->capattrs ? t->capattrs * 2 : 256;
        ww__hattr *na = realloc(t->attrs, cap * sizeof *na);
        if (!na) {
            t->oom = 1;
            p->stop = 1;
            return -1;
        }
        t->attrs = na;
        t->capattrs = cap;
    }
    ww__hattr *a = &t->attrs[t->nattrs];
    a->name = (uint32_t)t->poollen;
    a->id = aid;
    pool_put(t, an, ak + 1);
    a->val = (uint32_t)t->poollen;
    if (v)
        pool_decode(t, v, (size_t)(ve - v), 1);
    a->val_len = (uint32_t)(t->poollen - a->val);
    pool_put(t, "", 1);
    if (t->oom) {
        p->stop = 1;
        return -1;
    }
    t->nattrs++;
    t->nodes[node].len++;
    return 0;
}

/* The attributes of a start tag from *sp through its '>' (node 0: read, not kept).
 * Returns 1 with *sp past the '>' and *selfclose for "/>"; 0 when the input ran out
 * (p->s is set to its end) or memory did (p->stop is set). */
static int read_attributes(parser *p, uint32_t node, const char **sp, int *selfclose) {
    const char *s = *sp, *end = p->end;
    *selfclose = 0;
    for (;;) {
        while (s < end && (is_ws((unsigned char)*s) || *s == '/')) {
            *selfclose = *s == '/';
            s++;
        }
        if (s >= end) {
            p->s = end;
            return 0;
        }
        if (*s == '>') {
            *sp = s + 1;
            return 1;
        }
        *selfclose = 0;
        char an[32];
        size_t ak;
        const char *v, *ve;
        s = read_attr(s, end, an, &ak, &v, &ve);
        uint32_t aid = node && p->t->nodes[node].len < 64 ? keep_attr(an) : 0;
        if (aid && store_attr(p, node, aid, an, ak, v, ve) < 0)
            return 0;
    }
}

/* Content of raw-text element node (script, style, title, textarea ...) at p->s:
 * text of title/textarea/plaintext and of JSON-LD scripts is kept, the rest skipped;
 * p->s moves past the end tag </name> (name of length k). */
static void raw_text(parser *p, uint32_t node, uint16_t tag, const char *name, size_t k) {
    const char *s = p->s, *end = p->end;
    const char *ce = tag == T_PLAINTEXT ? NULL : find_end_tag(s, end, name, k);
    const char *ctend = ce ? ce : end;
    int keep = tag == T_TITLE || tag == T_TEXTAREA || tag == T_PLAINTEXT;
    if (tag == T_SCRIPT) {
        const char *ty = ww__hattr_get(p->t, node, "type");
        keep = ty && strstr(ty, "ld+json") != NULL;
    }
    push(p, node);
    size_t d0 = p->depth;
    if (keep)
        add_text(p, s, (size_t)(ctend - s), tag != T_SCRIPT);
    if (p->depth == d0 && p->depth && current(p) == node)
        pop_to(p, (long)p->depth - 1);
    if (ce) {
        const char *gt = memchr(ce, '>', (size_t)(end - ce));
        p->s = gt ? gt + 1 : end;
    } else {
        p->s = end;
    }
}

/* At s = "<x...": a start tag. */
static void start_tag(parser *p) {
    const char *s = p->s + 1;
    char name[64];
    size_t k = read_tag_name(&s, p->end, name);
    uint16_t tag = (uint16_t)tag_lookup(name);
    uint16_t fl = ww__tag_flags[tag];
    int pseudo = tag == T_HTML || tag == T_HEAD || tag == T_BODY;
    if (!pseudo)
        start_tag_rules(p, tag);
    uint32_t node = p->stop ? 0 : new_node(p, tag);
    if (node) {
        p->t->nodes[node].str = (uint32_t)p->t->nattrs;
        if (tag == T_OTHER)
            p->t->nodes[node].name_hash = name_hash(name);
    }
    int selfclose;
    if (!read_attributes(p, node, &s, &selfclose))
        return;
    p->s = s;
    if (!node || pseudo || (fl & TF_VOID) || (selfclose && tag == T_OTHER))
        return;
    if (fl & TF_RAW)
        raw_text(p, node, tag, name, k);
    else
        push(p, node);
}

static void end_tag(parser *p) {
    const char *s = p->s + 2, *end = p->end;
    char name[64];
    read_tag_name(&s, end, name);
    const char *gt = memchr(s, '>', (size_t)(end - s));
    p->s = gt ? gt + 1 : end;
    uint16_t tag = (uint16_t)tag_lookup(name);
    uint16_t fl = ww__tag_flags[tag];
    switch (tag) {
    case T_HTML:
    case T_HEAD:
    case T_BODY: return;
    case T_BR: new_node(p, T_BR); return;
    case T_P: pop_to(p, find_open(p, T_P, 0, SC_BUTTON)); return;
    case T_LI: pop_to(p, find_open(p, T_LI, 0, SC_LIST)); return;
    case T_TD:
    case T_TH:
    case T_TR:
    case T_TBODY:
    case T_THEAD:
    case T_TFOOT: pop_to(p, find_open(p, tag, 0, SC_TABLE)); return;
    default: break;
    }
    if (fl & (TF_BLOCK | TF_SCOPE))
        pop_to(p, find_open(p, tag, 0, SC_DEFAULT));
    else
        pop_to(p, find_open(p, tag, tag == T_OTHER ? name_hash(name) : 0, SC_INLINE));
}

/* Skip "<!...>", "<?...>", "</ ...>": comments, doctype, CDATA, bogus comments. */
static void skip_markup(parser *p) {
    const char *s = p->s, *end = p->end;
    if (end - s >= 4 && memcmp(s, "<!--", 4) == 0) {
        const char *q = s + 4;
        while (q < end) {
            const char *d = memchr(q, '-', (size_t)(end - q));
            if (!d || end - d < 3) {
                q = end;
                break;
            }
            if (d[1] == '-' && d[2] == '>') {
                q = d + 3;
                break;
            }
            q = d + 1;
        }
        p->s = q;
        return;
    }
    const char *gt = memchr(s + 1, '>', (size_t)(end - s - 1));
    p->s = gt ? gt + 1 : end;
}

int ww__htree_parse(ww__htree *t, const char *html, size_t len,
                    const ww_parse_limits *lim) {
    memset(t, 0, sizeof *t);
    parser p = {.t = t, .s = html, .end = html + len, .lim = lim};
    pthread_once(&tag_once, build_tag_slots);
    clock_gettime(CLOCK_MONOTONIC, &p.t0);
    /* Sizes from the input: roughly one node per 40 bytes of HTML. */
    t->capnodes = 64 + len / 40;
    t->nodes = malloc(t->capnodes * sizeof *t->nodes);
    if (!t->nodes || pool_reserve(t, len / 3 + 256) < 0) {
        ww__htree_free(t);
        return WW_ENOMEM;
    }
    memset(&t->nodes[0], 0, sizeof t->nodes[0]);
    t->nodes[0].tag = T_ROOT;
    t->nnodes = 1;
    pool_put(t, "", 1); /* offset 0 is the empty string */
    if (lim && lim->max_input_bytes && len > lim->max_input_bytes) {
        t->limits_hit |= WW_LIMIT_BYTES;
        p.end = html + lim->max_input_bytes;
    }
    unsigned tokens = 0;
    while (p.s < p.end && !p.stop && !t->oom) {
        const char *s = p.s;
        /* end tags and comments create no nodes: check the clock here too */
        if ((++tokens & 4095) == 0 && time_up(&p)) {
            t->limits_hit |= WW_LIMIT_TIME;
            break;
        }
        if (*s != '<') {
            const char *lt = memchr(s, '<', (size_t)(p.end - s));
            const char *te = lt ? lt : p.end;
            add_text(&p, s, (size_t)(te - s), 1);
            p.s = te;
            continue;
        }
        unsigned char c = p.s + 1 < p.end ? (unsigned char)s[1] : 0;
        if (is_alpha(c)) {
            start_tag(&p);
        } else if (c == '/' && p.s + 2 < p.end && is_alpha((unsigned char)s[2])) {
            end_tag(&p);
        } else if (c == '!' || c == '?' || c == '/') {
            skip_markup(&p);
        } else {
            add_text(&p, "<", 1, 0);
            p.s++;
        }
    }
    free(p.stack);
    if (t->oom) {
        ww__htree_free(t);
        return WW_ENOMEM;
    }
    return 0;
}

void ww__htree_free(ww__htree *t) {
    if (!t)
        return;
    free(t->nodes);
    free(t->attrs);
    free(t->pool);
    memset(t, 0, sizeof *t);
}

const char *ww__hattr_get(const ww__htree *t, uint32_t i, const char *name) {
    const ww__hnode *n = &t->nodes[i];
    if (n->tag == T_TEXT)
        return NULL;
    for (uint32_t k = 0; k < n->len; k++) {
        const ww__hattr *a = &t->attrs[n->str + k];
        if (strcmp(t->pool + a->name, name) == 0)
            return t->pool + a->val;
    }
    return NULL;
}
