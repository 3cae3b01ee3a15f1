/* Scoring one document: tokenise, match, drop nested terms, score topics, pick
 * evidence.  The results stay in the classifier's scratch state for
 * classify_output.c; ww__classify_reset clears them.
 *
 * Scoring (docs/taxonomy.md):
 *   - each matched term adds weight * (1 + ln c), c = text hits + title_weight * title
 *     hits of that term: a repeated word counts, but less each time;
 *   - a topic's own score is scaled by min(1, sqrt(norm_tokens / document tokens)), so a
 *     long article does not collect labels just by being long;
 *   - any exclusion phrase of a topic vetoes it (score 0, nothing rolled up from it);
 *   - roll-up: a topic's score is its own plus its children's, so a level-3 hit scores
 *     its level-2 and level-1 ancestors and top-level topics compete on everything below;
 *     a top-level topic adds the root of the sum of its children's squares (Euclidean
 *     norm), not their sum: one strong branch counts fully, many weak ones less than
 *     their sum, so a topic with many branches (politics: 55) does not win a story by
 *     the number of branches a few generic words brush (minister, ministry, law);
 *   - a label is emitted when its score reaches the topic's threshold.
 * The per-document state is kept only for the topics a document touched, so the cost
 * does not grow with the size of the taxonomies. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "wirewatch/error.h"

/* A topic hit appended to hits; the caller saw to the room. */
static inline void push_hit(ww_classifier *c, const ww__posting *p, size_t first,
                            size_t n) {
    c->hits[c->nhits++] = (ww__hit){.topic = p->item,
                                    .term = p->term,
                                    .first = (uint32_t)first,
                                    .ntok = (uint16_t)n,
                                    .kind = p->kind,
                                    .in_title = (uint8_t)c->in_title,
                                    .weight = p->weight};
}

/* on_match's rare cases: a person title, an entity, or hits without room left.  Out of
 * line (a tail call), so the usual case saves and restores no register: the five
 * pushes and pops were ~14 of on_match's ~50 instructions a hit. */
static __attribute__((noinline)) void
on_match_rare(ww_classifier *c, const ww__posting *p, size_t first, size_t n) {
    if (p->kind == WW__P_TITLE) {
        if (c->in_title || c->no_entities)
            return;
        if (c->nthits == c->capthits) {
            size_t cap = c->capthits ? c->capthits * 2 : 16;
            ww__title_hit *v = realloc(c->thits, cap * sizeof *v);
            if (!v) {
                c->oom = 1;
                return;
            }
            c->thits = v;
            c->capthits = cap;
        }
        c->thits[c->nthits++] =
            (ww__title_hit){(uint32_t)first, (uint32_t)n, (uint8_t)p->item};
        return;
    }
    if (p->kind == WW__P_ENTITY) {
        if (c->in_title)
            return; /* entity spans point into the text only */
        if (c->nehits == c->capehits) {
            size_t cap = c->capehits ? c->capehits * 2 : 64;
            ww__ehit *v = realloc(c->ehits, cap * sizeof *v);
            if (!v) {
                c->oom = 1;
                return;
            }
            c->ehits = v;
            c->capehits = cap;
        }
        c->ehits[c->nehits++] = (ww__ehit){p->item, (uint32_t)first, (uint32_t)n};
        return;
    }
    if (c->nhits == c->caphits) {
        size_t cap = c->caphits ? c->caphits * 2 : 256;
        ww__hit *v = realloc(c->hits, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        c->hits = v;
        c->caphits = cap;
    }
    push_hit(c, p, first, n);
}

static void on_match(void *opaque, const ww__posting *p, size_t first, size_t n) {
    ww_classifier *c = opaque;
    if (p->kind >= WW__P_ENTITY || c->nhits == c->caphits) { /* entity, title; full */
        on_match_rare(c, p, first, n);
        return;
    }
    push_hit(c, p, first, n);
}

static void drop_nested_one(ww_classifier *c); /* below */

/* Within one taxonomy, a term inside a longer matched term does not count on its own:
 * "artificial intelligence" is not evidence of "intelligence" (espionage), "national
 * security" is not also "security".  The same span in several topics is kept for each
 * of them; another taxonomy (a watch-list) sees its own terms whatever the default
 * matched.  Exclusions are never dropped: they veto whenever their phrase occurs.
 * Linear: the matcher reports hits by start token, shorter before longer, title first. */
static void drop_nested(ww_classifier *c) {
    if (c->ntax == 1) {
        drop_nested_one(c);
        return;
    }
    size_t n = 0, i = 0;
    int cur_in = -1;
    while (i < c->nhits) {
        uint8_t in = c->hits[i].in_title;
        uint32_t first = c->hits[i].first;
        if (in != cur_in) { /* token indexes restart in the text */
            memset(c->cover, 0, c->ntax * sizeof *c->cover);
            cur_in = in;
        }
        size_t j = i; /* gmax is all 0 here: calloc'd, and set back below */
        for (; j < c->nhits && c->hits[j].in_title == in && c->hits[j].first == first;
             j++)
            if (c->hits[j].kind == WW__P_TERM) {
                uint32_t t = c->topics[c->hits[j].topic].tax;
                if (c->hits[j].ntok > c->gmax[t])
                    c->gmax[t] = c->hits[j].ntok;
            }
        for (size_t k = i; k < j; k++) {
            ww__hit h = c->hits[k];
            uint32_t t = c->topics[h.topic].tax;
            if (h.kind == WW__P_TERM &&
                (h.ntok != c->gmax[t] || first + h.ntok <= c->cover[t]))
                continue;
            c->hits[n++] = h;
        }
        for (uint32_t t = 0; t < c->ntax; t++) {
            if (c->gmax[t] && first + c->gmax[t] > c->cover[t])
                c->cover[t] = first + c->gmax[t];
            c->gmax[t] = 0; /* (a memset call a start token was 3% of Arabic) */
        }
        i = j;
    }
    c->nhits = n;
}

/* drop_nested for one taxonomy (the default rules alone): the same hits kept, without
 * a branch on the data a hit.  The loops over a start token's hits, each a
 * mispredicted branch at every token's end and on each keep or drop, were 6% of
 * classifying Arabic's mispredicts (~250 hits a document, a third dropped).
 *   Backward, each hit's occ (count_terms sets it again) takes the longest term at or
 * after it among its start token's hits: for a term, the longest of the token (the
 * token's hits come shorter first), and for the token's first hit, the token's.
 * Forward (keep_longest), the title's hits and the text's: a term is kept when it is
 * the longest of its token and ends after every earlier token's longest (cover); a hit
 * is written at n whatever, and n moves only past the kept ones. */
static size_t keep_longest(ww__hit *h, size_t from, size_t to, size_t n) {
    uint32_t cover = 0, ends = 0, key = UINT32_MAX; /* ends: the token's longest's */
    for (size_t i = from; i < to; i++) {
        uint32_t first = h[i].first, gm = h[i].occ, ntok = h[i].ntok;
        /* at a token's first hit, cover takes the last token's longest: masks, not a
         * branch (gcc makes "tok ? a : b" a jump; a token's end mispredicted one time
         * in four) */
        uint32_t tok = -(uint32_t)(first != key);
        uint32_t cv = ends > cover ? ends : cover;
        cover = (cv & tok) | (cover & ~tok);
        uint32_t e = gm ? first + gm : 0;
        ends = (e & tok) | (ends & ~tok);
        key = first;
        int keep = (h[i].kind != WW__P_TERM) | ((ntok == gm) & (first + ntok > cover));
        h[n] = h[i];
        n += (size_t)keep;
    }
    return n;
}

static void drop_nested_one(ww_classifier *c) {
    ww__hit *h = c->hits;
    size_t nh = c->nhits, nt = 0;
    uint64_t key = UINT64_MAX; /* in_title and start token of the hit after */
    uint16_t gm = 0;
    for (size_t i = nh; i-- > 0;) {
        uint64_t k = (uint64_t)h[i].in_title << 32 | h[i].first;
        uint16_t t = h[i].kind == WW__P_TERM ? h[i].ntok : 0;
        gm = k == key ? gm : 0;
        gm = t > gm ? t : gm;
        h[i].occ = gm;
        nt += h[i].in_title; /* the title's hits come first */
        key = k;
    }
    c->nhits = keep_longest(h, nt, nh, keep_longest(h, 0, nt, 0));
}

/* Evidence priority: a hit is shown rather than another when it is its term's first
 * occurrence (occ 0) and the other is not, else when it weighs more, else when it is
 * longer, else when it starts earlier.  ev_key is the first three as one number (a
 * weight is positive here, and a positive float's bits order as its value); the
 * start breaks its ties.  Compared without a branch: the cascade of four tests
 * mispredicted one time in four (a sixth of scoring's mispredicts). */
static inline uint64_t ev_key(const ww__hit *h) {
    uint32_t w;
    memcpy(&w, &h->weight, sizeof w);
    return (uint64_t)(h->occ == 0) << 63 | (uint64_t)w << 16 | h->ntok;
}

/* The index in s->ev of the first span every other one is at least as good as; its
 * key into s->ev_worst_key. */
static uint8_t worst_evidence(const ww_classifier *c, ww__tstate *s) {
    const ww__hit *w = &c->hits[s->ev[0]];
    uint64_t wk = ev_key(w);
    uint32_t worst = 0, wf = w->first;
    for (uint32_t k = 1; k < s->nev; k++) {
        const ww__hit *h = &c->hits[s->ev[k]];
        uint64_t hk = ev_key(h);
        /* the worst so far better than h: h is the worst now (masks, not a jump) */
        uint64_t m = -(uint64_t)((wk > hk) | ((wk == hk) & (wf < h->first)));
        wk = (hk & m) | (wk & ~m);
        wf = (h->first & (uint32_t)m) | (wf & ~(uint32_t)m);
        worst = (k & (uint32_t)m) | (worst & ~(uint32_t)m);
    }
    s->ev_worst_key = wk;
    return (uint8_t)worst;
}

static void touch(ww_classifier *c, uint32_t g) {
    if (!c->st[g].touched) {
        c->st[g].touched = 1;
        c->touched[c->ntouched++] = g;
    }
}

/* Count each (topic, kind, term) in a small hash table sized for this document, and
 * number each text hit among the earlier text hits of its term (evidence priority).
 * The table is all zero between documents (own_scores clears what it reads), so a
 * document clears only the entries it used, not the table (a memset of up to 100 KB a
 * document was 3% of classifying Arabic). */
static int count_terms(ww_classifier *c, size_t *capp) {
    size_t cap = 64;
    while (cap < c->nhits * 2)
        cap *= 2;
    if (cap > c->capaggs) {
        ww__agg *na = realloc(c->aggs, cap * sizeof *na);
        if (!na)
            return WW_ENOMEM;
        memset(na + c->capaggs, 0, (cap - c->capaggs) * sizeof *na);
        c->aggs = na;
        uint64_t *nu = realloc(c->aggs_used, cap / 64 * sizeof *nu);
        if (!nu)
            return WW_ENOMEM;
        memset(nu + c->capaggs / 64, 0, (cap - c->capaggs) / 64 * sizeof *nu);
        c->aggs_used = nu;
        c->capaggs = cap;
    }
    for (size_t i = 0; i < c->nhits; i++) {
        ww__hit *h = &c->hits[i];
        /* the fields do not overlap (term < 2^16, kind < 2), so the key is as the
         * three fields were, and so are the slot and the probes (and own_scores'
         * order of additions) */
        uint64_t key = ((uint64_t)h->topic << 33) ^ ((uint64_t)h->term << 1) ^ h->kind;
        size_t j = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
        key |= WW__AGG_USED;
        while (c->aggs[j].key && c->aggs[j].key != key)
            j = (j + 1) & (cap - 1);
        ww__agg *a = &c->aggs[j];
        if (!a->key) {
            a->key = key;
            c->aggs_used[j / 64] |= 1ull << (j % 64);
            a->weight = h->weight;
        }
        a->cnt += h->in_title ? c->tax[c->topics[h->topic].tax]->title_weight : 1.0;
        h->occ = 0; /* (drop_nested_one's scratch) */
        if (!h->in_title) {
            h->occ = a->ntext;
            if (a->ntext < UINT16_MAX)
                a->ntext++;
        }
    }
    *capp = cap;
    return 0;
}

/* Each topic's own score from its counted terms (weight x (1 + ln c)), vetoes from
 * exclusions, ancestors touched for the roll-up, then the length normalisation.  The
 * counts are cleared as they are read, for the next document (count_terms).  The
 * entries are read in table order (a topic's sum of terms in the same order as ever)
 * by the bits of aggs_used: testing every entry's used flag read the whole table
 * (32 KB for ~300 hits) and mispredicted a branch every other entry. */
static void own_scores(ww_classifier *c, size_t cap) {
    size_t ntok = c->text.n + c->title.n;
    for (size_t w = 0; w < cap / 64; w++) {
        for (uint64_t bits = c->aggs_used[w]; bits; bits &= bits - 1) {
            ww__agg *a = &c->aggs[w * 64 + (size_t)__builtin_ctzll(bits)];
            uint32_t topic = (uint32_t)(a->key >> 33);
            touch(c, topic);
            ww__tstate *s = &c->st[topic];
            if ((a->key & 1) == WW__P_EXCLUDE)
                s->veto = 1;
            else if (a->cnt == 1.0) /* most terms: once; 1 + ln 1 is exactly 1 */
                s->own += a->weight * 1.0;
            else if (a->cnt > 0)
                s->own += a->weight * (a->cnt >= 1.0 ? 1.0 + log(a->cnt) : a->cnt);
            *a = (ww__agg){0};
        }
        c->aggs_used[w] = 0;
    }
    size_t n0 = c->ntouched;
    for (size_t i = 0; i < n0; i++)
        for (int p = c->topics[c->touched[i]].parent; p >= 0; p = c->topics[p].parent)
            touch(c, (uint32_t)p);
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        const ww_taxonomy *tx = c->tax[c->topics[g].tax];
        double f = ntok > tx->norm_tokens ? sqrt(tx->norm_tokens / (double)ntok) : 1.0;
        c->st[g].own *= f;
    }
}

/* touched sorted by depth, deepest first, stable (the order an insertion sort gave):
 * counted by depth, then placed; linear, where the insertion sort moved each topic
 * past all shallower ones (~100 topics a document in Arabic). */
static void sort_by_depth(ww_classifier *c) {
    size_t start[WW_TAX_MAX_DEPTH + 2] = {0};
    for (size_t i = 0; i < c->ntouched; i++)
        start[ww__topic_of(c, c->touched[i])->depth]++;
    size_t at = 0;
    for (int d = WW_TAX_MAX_DEPTH + 1; d-- > 0;) { /* counts -> first places */
        size_t n = start[d];
        start[d] = at;
        at += n;
    }
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        c->by_depth[start[ww__topic_of(c, g)->depth]++] = g;
    }
    memcpy(c->touched, c->by_depth, c->ntouched * sizeof *c->touched);
}

/* A topic's score is its own plus its children's: deepest topics first, each adding
 * into its parent. */
static void roll_up(ww_classifier *c) {
    sort_by_depth(c);
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t g = c->touched[i];
        ww__tstate *s = &c->st[g];
        int top = ww__topic_of(c, g)->depth == 0;
        s->score = s->veto ? 0.0 : s->own + (top ? sqrt(s->child) : s->child);
        if (s->score < 0)
            s->score = 0;
        int p = c->topics[g].parent;
        if (p >= 0 && s->score > 0)
            c->st[p].child +=
                ww__topic_of(c, (uint32_t)p)->depth == 0 ? s->score * s->score : s->score;
    }
}

/* Evidence: for the topic and each ancestor, the best max_evidence text hits -- a
 * term's first occurrence before any repeat, then stronger, then longer, then earlier
 * -- kept without sorting all hits (classify_output.c puts them in text order).  A
 * topic with no text hit at all (found only in the title) gets its title hits instead,
 * so every label has evidence. */
static void pick_evidence(ww_classifier *c) {
    /* hits come title first (hit_order): pass 0 reads the text's, pass 1 the title's,
     * not every hit twice */
    size_t nt = 0;
    while (nt < c->nhits && c->hits[nt].in_title)
        nt++;
    for (int pass = 0; pass < 2; pass++) {
        size_t from = pass ? 0 : nt, to = pass ? nt : c->nhits;
        /* the first hit with this hit's span (the pass is one field): start token and
         * length as one key, the run chosen without a branch (the test of three
         * fields had 16 K of scoring's 212 K mispredicts in Arabic) */
        uint32_t run = (uint32_t)from;
        uint64_t span =
            from < to ? (uint64_t)c->hits[from].first << 16 | c->hits[from].ntok : 0;
        for (size_t i = from; i < to; i++) {
            const ww__hit *h = &c->hits[i];
            uint64_t sp = (uint64_t)h->first << 16 | h->ntok;
            run = sp == span ? run : (uint32_t)i;
            span = sp;
            if (h->kind != WW__P_TERM || h->weight <= 0)
                continue;
            uint64_t key = ev_key(h);
            for (int g = (int)h->topic; g >= 0; g = c->topics[g].parent) {
                ww__tstate *s = &c->st[g];
                if (pass == 1) {
                    if (s->nev && !s->ev_title)
                        continue; /* it has text evidence */
                    s->ev_title = 1;
                }
                /* A span already in s->ev is one of this run: hits come in field and
                 * span order, and one of the run once kept stays (another of the run
                 * would be this test's duplicate).  So the run's index tells, instead of
                 * comparing with every kept span. */
                if (s->ev_run == run + 1)
                    continue;
                /* the worst kept span is found again only when the full list changes:
                 * most later hits are repeats and lose to it */
                if (s->nev < c->max_evidence) {
                    s->ev[s->nev++] = (uint32_t)i;
                    s->ev_run = run + 1;
                    if (s->nev == c->max_evidence)
                        s->worst = worst_evidence(c, s);
                } else if (s->nev && key > s->ev_worst_key) {
                    /* h is better than the worst kept: h comes after every kept hit
                     * and is of another run than the worst (the ev_run test), so of
                     * equal keys it starts later (a run is one start and length), and
                     * the start can only say "no" */
                    s->ev[s->worst] = (uint32_t)i;
                    s->ev_run = run + 1;
                    s->worst = worst_evidence(c, s);
                }
            }
        }
    }
}

/* Score every touched topic (see the comment at the top of this file). */
static int score(ww_classifier *c) {
    size_t cap;
    if (count_terms(c, &cap))
        return WW_ENOMEM;
    own_scores(c, cap);
    roll_up(c);
    pick_evidence(c);
    return 0;
}

static void count_cb(void *opaque, const ww__posting *p, size_t first, size_t n) {
    (void)p;
    (void)first;
    (void)n;
    (*(long *)opaque)++;
}

/* The thread's stem cache (stem_cache.h), made on first use and lent to the title's
 * and the text's stems: one cache, so a title's words are found there too. */
static int stem_cache_on(ww_classifier *c) {
    if (!c->stems && !(c->stems = ww__stem_cache_new()))
        return WW_ENOMEM;
    c->text_st.memo = c->title_st.memo = c->stems;
    return 0;
}

long ww_classifier_scan_only(ww_classifier *c, const char *text, size_t len) {
    long hits = 0;
    ww__toks_clear(&c->text);
    c->text.keep_han =
        0; /* no language: folded, as the last document may not have been */
    if (ww__tokenize(text, len, 1, &c->text))
        return WW_ENOMEM;
    ww__matcher_scan(c->m, text, &c->text, count_cb, &hits);
    ww__toks_clear(&c->text);
    return hits;
}

long ww_classifier_scan_doc(ww_classifier *c, const char *language, const char *text,
                            size_t len) {
    long hits = 0;
    int lang = ww__lang_of_doc(&c->langs, language);
    struct sb_stemmer *st = lang > 0 ? c->langs.stem[lang] : NULL;
    ww__toks_clear(&c->text);
    if (ww__tokenize(text, len, 1, &c->text))
        return WW_ENOMEM;
    ww__matcher_scan_lang(c->m, text, &c->text, lang, 0, count_cb, &hits);
    if (st) {
        c->text_st.need = ww__matcher_stem_need(c->m, lang);
        if (stem_cache_on(c) || ww__toks_stem(st, &c->text, &c->text_st))
            return WW_ENOMEM;
        ww__matcher_scan_lang(c->m, text, &c->text_st, lang, 1, count_cb, &hits);
    }
    ww__toks_clear(&c->text);
    return hits;
}

/* Inline (sort_pass and the merge call it ~270 times a document in Arabic; as a call
 * it was 1.5% of classifying Arabic's instructions, 0.6% the call's own). */
static inline __attribute__((always_inline)) int hit_order(const ww__hit *x,
                                                           const ww__hit *y) {
    if (x->in_title != y->in_title)
        return x->in_title ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->ntok != y->ntok)
        return x->ntok < y->ntok ? -1 : 1;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

/* Stable insertion sort of h[0..n) by hit_order: a pass reports its hits by field and
 * start token already, so only the few hits at one token move. */
static void sort_pass(ww__hit *h, size_t n) {
    for (size_t i = 1; i < n; i++) {
        if (hit_order(&h[i - 1], &h[i]) <= 0)
            continue; /* in place already, as most are: no copy out and back */
        ww__hit x = h[i];
        size_t k = i;
        for (; k > 0 && hit_order(&h[k - 1], &x) > 0; k--)
            h[k] = h[k - 1];
        h[k] = x;
    }
}

/* The hits of the raw pass (the first nraw) and of the stem pass in hit_order, as a
 * stable sort of them all would leave them (qsort of every hit was a sixth of
 * classifying Arabic): each pass sorted, then merged, the raw pass first on a tie. */
#define MERGE_KEEP 2048 /* hits: the merge buffer a thread keeps, ~50 KB at most */

/* The buffer merge_passes writes n hits into: the thread's own up to MERGE_KEEP (then
 * swapped with hits, so no copy back nor malloc a document), else a temporary one. */
static ww__hit *merge_buffer(ww_classifier *c, size_t n) {
    if (n > MERGE_KEEP)
        return malloc(n * sizeof(ww__hit));
    if (c->capmerge < n) {
        size_t cap = c->caphits < MERGE_KEEP ? c->caphits : MERGE_KEEP; /* >= n */
        ww__hit *m = realloc(c->merge, cap * sizeof *m);
        if (!m)
            return NULL;
        c->merge = m;
        c->capmerge = cap;
    }
    return c->merge;
}

static void merge_done(ww_classifier *c, ww__hit *m, size_t n) {
    if (m != c->merge) {
        memcpy(c->hits, m, n * sizeof *m);
        free(m);
        return;
    }
    ww__hit *h = c->hits;
    size_t cap = c->caphits;
    c->hits = m;
    c->caphits = c->capmerge;
    c->merge = h;
    c->capmerge = cap;
    if (cap > MERGE_KEEP) { /* not two large arrays kept after one long document */
        free(c->merge);
        c->merge = NULL;
        c->capmerge = 0;
    }
}

static int merge_passes(ww_classifier *c, size_t nraw) {
    size_t n = c->nhits;
    if (n == 0) /* c->hits may be NULL yet (a thread's first document: fuzz_classify) */
        return 0;
    sort_pass(c->hits, nraw);
    sort_pass(c->hits + nraw, n - nraw);
    if (nraw == 0 || nraw == n)
        return 0;
    ww__hit *m = merge_buffer(c, n);
    if (!m)
        return WW_ENOMEM;
    size_t i = 0, j = nraw, o = 0;
    while (i < nraw && j < n)
        m[o++] = hit_order(&c->hits[j], &c->hits[i]) < 0 ? c->hits[j++] : c->hits[i++];
    while (i < nraw)
        m[o++] = c->hits[i++];
    while (j < n)
        m[o++] = c->hits[j++];
    merge_done(c, m, n);
    return 0;
}

/* Match title and text in the document's language: by tokens, and for a language
 * matched by stems once more by the tokens' stems.  drop_nested wants the hits in the
 * one-pass order (title first, by start token, shorter first): two passes are merged. */
static int scan(ww_classifier *c, const Wirewatch__V1__Document *doc, const char *title,
                const char *text) {
    int lang = ww__lang_of_doc(&c->langs, doc->language);
    c->in_title = 1;
    ww__matcher_scan_lang(c->m, title, &c->title, lang, 0, on_match, c);
    c->in_title = 0;
    ww__matcher_scan_lang(c->m, text, &c->text, lang, 0, on_match, c);
    struct sb_stemmer *st = lang > 0 ? c->langs.stem[lang] : NULL;
    if (!st)
        return 0;
    int rc;
    size_t nraw = c->nhits;
    c->text_st.need = c->title_st.need = ww__matcher_stem_need(c->m, lang);
    if ((rc = stem_cache_on(c)) || (rc = ww__toks_stem(st, &c->title, &c->title_st)) ||
        (rc = ww__toks_stem(st, &c->text, &c->text_st)))
        return rc;
    c->in_title = 1;
    ww__matcher_scan_lang(c->m, title, &c->title_st, lang, 1, on_match, c);
    c->in_title = 0;
    ww__matcher_scan_lang(c->m, text, &c->text_st, lang, 1, on_match, c);
    return merge_passes(c, nraw);
}

void ww__classify_reset(ww_classifier *c) {
    for (size_t i = 0; i < c->ntouched; i++) {
        ww__tstate *s = &c->st[c->touched[i]];
        /* the spans made for the evidence (classify_output.c): hit_span holds at
         * least every hit index any ev holds once it is in use */
        for (int k = 0; c->hit_span && k < s->nev; k++)
            if (s->ev[k] < c->caphit_span)
                c->hit_span[s->ev[k]] = NULL;
        memset(s, 0, offsetof(ww__tstate, ev)); /* ev needs no clearing (the struct) */
    }
    c->ntouched = 0;
    c->nhits = c->nehits = c->nthits = 0;
    c->oom = 0;
    ww__toks_clear(&c->text);
    ww__toks_clear(&c->title);
}

/* Japanese keeps its kanji as written (tokenize.h, keep_han): folded to Simplified
 * Chinese they are segmented as Chinese (連立 -> 连 立) and 後 "after" meets 后 "empress". */
static int keeps_han(const char *language) {
    return language && language[0] == 'j' && language[1] == 'a' &&
           (language[2] == 0 || language[2] == '-' || language[2] == '_');
}

int ww__classify_score(ww_classifier *c, const Wirewatch__V1__Document *doc,
                       const char *title, const char *text) {
    int rc;
    c->title.keep_han = c->text.keep_han = keeps_han(doc->language);
    if ((rc = ww__tokenize(title, strlen(title), 1, &c->title)) ||
        (rc = ww__tokenize(text, strlen(text), 1, &c->text)))
        return rc;
    if ((rc = scan(c, doc, title, text)))
        return rc;
    if (c->oom)
        return WW_ENOMEM;
    drop_nested(c);
    if (score(c))
        return WW_ENOMEM;
    return 0;
}
