/* Writing tree text (see html_text.h): the word writer shared by the article output
 * and ww__node_text, the text of one element. */
#include "html_text.h"

void ww__text_put(ww__text_out *o, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    while (k < n) {
        size_t w;
        if (ww__is_space_at(u, k, n, &w)) {
            o->space = 1;
            k += w;
            continue;
        }
        size_t e = k;
        while (e < n && !ww__is_space_at(u, e, n, &w))
            e++;
        if (o->sb->len) {
            if (o->brk)
                ww_sb_put(o->sb, "\n\n", (size_t)o->brk);
            else if (o->space)
                ww_sb_put(o->sb, " ", 1);
        }
        o->brk = 0;
        o->space = 0;
        ww_sb_put(o->sb, s + k, e - k);
        k = e;
    }
}

char *ww__node_text(const ww__htree *t, uint32_t root) {
    ww_sb sb = {0};
    ww__text_out o = {.sb = &sb};
    uint32_t i = root;
    for (;;) {
        const ww__hnode *nd = &t->nodes[i];
        int down =
            nd->tag != T_TEXT &&
            !(i != root && (ww__tag_flags[nd->tag] & TF_JUNK) && nd->tag != T_TITLE);
        if (nd->tag == T_TEXT)
            ww__text_put(&o, t->pool + nd->str, nd->len);
        else if (down)
            ww__text_break(&o, ww__break_level(nd->tag) ? 1 : 0);
        if (down && nd->first) {
            i = nd->first;
            continue;
        }
        for (;;) {
            if (i == root)
                return ww_sb_take(&sb, NULL);
            if (t->nodes[i].tag != T_TEXT && ww__break_level(t->nodes[i].tag))
                ww__text_break(&o, 1);
            if (t->nodes[i].next) {
                i = t->nodes[i].next;
                break;
            }
            i = t->nodes[i].parent;
            if (i == root)
                return ww_sb_take(&sb, NULL);
        }
    }
}
