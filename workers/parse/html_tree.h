/* Internal to the parse stage: a compact HTML tree built by our own tokenizer.
 *
 * Nodes live in one array; a node's children have larger indices than the node
 * (nodes are created in document order), so a reverse scan aggregates bottom-up and a
 * forward scan propagates top-down without recursion.  Node 0 is the document root.
 * Strings (text, attribute names and values) are UTF-8 in one pool, addressed by
 * offset so the pool can grow. */
#ifndef WW_PARSE_HTML_TREE_H
#define WW_PARSE_HTML_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "wirewatch/parse.h"

/* Known tags.  T_OTHER is any other element (custom elements, svg children ...). */
enum {
    T_TEXT = 0,
    T_ROOT,
    T_OTHER,
#define WW__TAG(id, name, flags) T_##id,
#include "html_tags.def"
#undef WW__TAG
    T__COUNT
};

/* Tag flags. */
enum {
    TF_VOID = 1u << 0,    /* no end tag, no children */
    TF_RAW = 1u << 1,     /* raw text content up to </tag> */
    TF_BLOCK = 1u << 2,   /* starts a new line in text; closes an open <p> */
    TF_JUNK = 1u << 3,    /* never article text */
    TF_SCOPE = 1u << 4,   /* boundary of the default element scope */
    TF_HEADING = 1u << 5, /* h1..h6 */
    TF_PARA = 1u << 6,    /* paragraph-like: its text scores its parent */
    TF_CLOSEP = 1u << 7,  /* its start tag closes an open <p> */
};

typedef struct ww__hnode {
    uint32_t parent, first, last, next; /* 0 = none (node 0 is never a child) */
    uint32_t str;       /* text: pool offset; element: first attribute index */
    uint32_t len;       /* text: bytes; element: number of attributes */
    uint32_t name_hash; /* T_OTHER: hash of the lower-case name */
    uint16_t tag;
    uint16_t pad;
} ww__hnode;

/* Attributes kept by the tokenizer (the rest are skipped). */
enum {
    A_ARIA_HIDDEN = 1,
    A_CHARSET,
    A_CLASS,
    A_CONTENT,
    A_DATETIME,
    A_HIDDEN,
    A_HREF,
    A_HTTP_EQUIV,
    A_ID,
    A_ITEMPROP,
    A_LANG,
    A_NAME,
    A_PROPERTY,
    A_REL,
    A_ROLE,
    A_STYLE,
    A_TYPE,
    A_PUBDATE
};

typedef struct ww__hattr {
    uint32_t name, id, val, val_len; /* pool offsets; id is an A_* */
} ww__hattr;

typedef struct ww__htree {
    ww__hnode *nodes;
    size_t nnodes, capnodes;
    ww__hattr *attrs;
    size_t nattrs, capattrs;
    char *pool;
    size_t poollen, poolcap;
    unsigned limits_hit;
    int oom;
} ww__htree;

extern const uint16_t ww__tag_flags[T__COUNT];
extern const char *const ww__tag_names[T__COUNT];

/* Parse UTF-8 html into t (zeroed by the call).  Returns 0 or WW_ENOMEM; limits hit
 * are in t->limits_hit and the tree is what was built until then. */
int ww__htree_parse(ww__htree *t, const char *html, size_t len,
                    const ww_parse_limits *lim);
void ww__htree_free(ww__htree *t);

/* Attribute value of element i (NUL-terminated in the pool), NULL when absent.  name
 * is lower case. */
const char *ww__hattr_get(const ww__htree *t, uint32_t i, const char *name);

/* Same by A_* id, without string compares (hot paths). */
static inline const char *ww__hattr_id(const ww__htree *t, uint32_t i, uint32_t id) {
    const ww__hnode *n = &t->nodes[i];
    if (n->tag == 0)
        return NULL;
    for (uint32_t k = 0; k < n->len; k++)
        if (t->attrs[n->str + k].id == id)
            return t->pool + t->attrs[n->str + k].val;
    return NULL;
}

/* One past the last node of i's subtree (children follow their parent in the array). */
static inline uint32_t ww__subtree_end(const ww__htree *t, uint32_t i) {
    for (uint32_t x = i; x; x = t->nodes[x].parent)
        if (t->nodes[x].next)
            return t->nodes[x].next;
    return (uint32_t)t->nnodes;
}

static inline const char *ww__htext(const ww__htree *t, uint32_t i) {
    return t->pool + t->nodes[i].str;
}

#endif
