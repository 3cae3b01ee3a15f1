/* Languages and language packs: see lang_pack.h. */
#include "lang_pack.h"
#include "han_names.h"
#include "han_titles.h"
#include "persons_han.h"

#include <jansson.h>
#include <libstemmer.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "wirewatch/error.h"
#include "wirewatch/utf8.h"

/* ---- the language table ------------------------------------------------------------ */

int ww__lang_index(ww__langs *L, const char *code) {
    if (!code || !*code)
        return 0;
    if (L->n == 0)
        L->n = 1; /* slot 0: every language */
    for (int i = 1; i < L->n; i++)
        if (strcmp(L->code[i], code) == 0)
            return i;
    if (L->n >= WW__MAX_LANGS || strlen(code) >= sizeof L->code[0])
        return -1;
    snprintf(L->code[L->n], sizeof L->code[0], "%s", code);
    return L->n++;
}

int ww__lang_use_stems(ww__langs *L, int idx) {
    if (idx <= 0 || idx >= L->n)
        return 0;
    if (!L->stem[idx])
        L->stem[idx] =
            sb_stemmer_new(L->code[idx], "UTF_8"); /* NULL: Snowball has none */
    return L->stem[idx] != NULL;
}

int ww__lang_of_doc(const ww__langs *L, const char *language) {
    char primary[8];
    size_t k = 0;
    if (!language)
        return -1;
    while (k < sizeof primary - 1 && language[k] && language[k] != '-' &&
           language[k] != '_') {
        char c = language[k];
        primary[k++] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
    }
    primary[k] = 0;
    for (int i = 1; i < L->n; i++)
        if (strcmp(L->code[i], primary) == 0)
            return i;
    return -1;
}

void ww__langs_free(ww__langs *L) {
    for (int i = 0; i < L->n; i++)
        if (L->stem[i])
            sb_stemmer_delete(L->stem[i]);
    memset(L, 0, sizeof *L);
}

/* ---- packs --------------------------------------------------------------------------- */

struct ww__pack {
    json_t *root;
    char lang[8];
    int stem;
    int capital_nouns; /* "capital_nouns": true (ww__langs) */
    char what[128];
    /* "compounds": which sides of a compound word every one-word stemmed term of at
     * least min_letters matches as, unless the term is in "except" */
    int heads, modifiers, min_letters;
    json_t *except; /* borrowed from root */
    /* "person_names" as parsed and checked (han_names.h), NULL when the pack has none;
     * moved into the titles' table by ww__pack_add_entities */
    ww__han_names *names;
};

const char *ww__pack_lang(const ww__pack *p) { return p->lang; }

void ww__pack_free(ww__pack *p) {
    if (!p)
        return;
    json_decref(p->root);
    ww__han_names_free(p->names);
    free(p);
}

/* Is every key of obj in keys? */
static int known_keys(json_t *obj, const char *const *keys, const char *where, char *err,
                      size_t errlen) {
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *k = keys; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok)
            return ww_seterr(err, errlen, WW_EINVAL, "%s: unknown key \"%s\"", where,
                             key);
    }
    return 0;
}

/* a is an array of non-empty strings of at most WW_TAX_MAX_TEXT bytes; label names it
 * in the error ("countries.CN", "not_country_names"). */
static int check_strings(json_t *a, const char *label, const char *what, char *err,
                         size_t errlen) {
    if (!json_is_array(a))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: %s must be an array", what, label);
    size_t i;
    json_t *s;
    json_array_foreach(a, i, s) {
        if (!json_is_string(s) || json_string_length(s) == 0 ||
            json_string_length(s) > WW_TAX_MAX_TEXT)
            return ww_seterr(err, errlen, WW_EINVAL,
                             "%s: %s[%zu] must be a non-empty string of at most %d bytes",
                             what, label, i, WW_TAX_MAX_TEXT);
    }
    return 0;
}

/* root[key] is absent, or an array of strings (check_strings). */
static int check_string_list(json_t *root, const char *key, const char *what, char *err,
                             size_t errlen) {
    json_t *a = json_object_get(root, key);
    return a ? check_strings(a, key, what, err, errlen) : 0;
}

/* root[key] is absent, or an object whose values are arrays of strings. */
static int check_name_map(json_t *root, const char *key, const char *what, char *err,
                          size_t errlen) {
    json_t *m = json_object_get(root, key);
    if (!m)
        return 0;
    if (!json_is_object(m))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" must be an object", what,
                         key);
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v) {
        char label[WW_TAX_MAX_TEXT + 64];
        snprintf(label, sizeof label, "%s.%s", key, k);
        int rc = check_strings(v, label, what, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* "compounds": {"heads": true, "modifiers": true, "min_letters": 5, "except": [...]}
 * (docs/taxonomy.md, "Compounds"). */
static int parse_compounds(ww__pack *p, char *err, size_t errlen) {
    static const char *const keys[] = {"heads", "modifiers", "min_letters", "except",
                                       NULL};
    json_t *c = json_object_get(p->root, "compounds");
    if (!c)
        return 0;
    char where[160];
    snprintf(where, sizeof where, "%s: compounds", p->what);
    if (!json_is_object(c))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: must be an object", where);
    if (known_keys(c, keys, where, err, errlen))
        return WW_EINVAL;
    json_t *h = json_object_get(c, "heads"), *m = json_object_get(c, "modifiers"),
           *n = json_object_get(c, "min_letters"), *x = json_object_get(c, "except");
    if ((h && !json_is_boolean(h)) || (m && !json_is_boolean(m)))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: \"heads\" and \"modifiers\" must be true or false", where);
    if (n &&
        (!json_is_integer(n) || json_integer_value(n) < 4 || json_integer_value(n) > 32))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: \"min_letters\" must be an integer in [4, 32]", where);
    if (x && !json_is_array(x))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"except\" must be an array",
                         where);
    size_t i;
    json_t *t;
    json_array_foreach(x, i, t) if (!json_is_string(t)) return ww_seterr(
        err, errlen, WW_EINVAL, "%s: except[%zu] must be a string", where, i);
    p->heads = json_is_true(h);
    p->modifiers = json_is_true(m);
    p->min_letters = n ? (int)json_integer_value(n) : 5;
    p->except = x;
    return 0;
}

/* [lo, hi] of the integer pair at key of names, or def when absent; -1 in *lo when it
 * is not a pair of integers. */
static void int_pair(json_t *names, const char *key, int def_lo, int def_hi, int *lo,
                     int *hi) {
    json_t *v = json_object_get(names, key);
    *lo = def_lo;
    *hi = def_hi;
    if (!v)
        return;
    json_t *a = json_array_get(v, 0), *b = json_array_get(v, 1);
    if (json_array_size(v) != 2 || !json_is_integer(a) || !json_is_integer(b)) {
        *lo = -1;
        return;
    }
    *lo = (int)json_integer_value(a);
    *hi = (int)json_integer_value(b);
}

/* person_names' words that tell a name from its neighbours (persons_han.h) into w:
 * "translit" and "stop" strings of Han characters, "after_name", "after_title" and
 * "before_name" arrays of two-character words, "kana_not_names" an array of katakana
 * loanwords. */
static int fill_han_words(json_t *names, ww__han_words *w, const char *what, char *err,
                          size_t errlen) {
    static const char *const sets[] = {"translit", "stop"};
    static const char *const words[] = {"after_name", "after_title", "before_name"};
    static const int kinds[] = {WW__HAN_AFTER_NAME, WW__HAN_AFTER_TITLE,
                                WW__HAN_BEFORE_NAME};
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(names, sets[k]);
        if (v && (!json_is_string(v) ||
                  ww__han_words_add_chars(w, k == 0 ? WW__HAN_TRANSLIT : WW__HAN_STOP,
                                          json_string_value(v))))
            return ww_seterr(err, errlen, WW_EINVAL,
                             "%s: person_names: \"%s\" must be a string of Han "
                             "characters (U+4E00..U+9FFF)",
                             what, sets[k]);
    }
    for (int k = 0; k < 3; k++) {
        json_t *v = json_object_get(names, words[k]), *x;
        size_t i;
        if (v && !json_is_array(v))
            return ww_seterr(err, errlen, WW_EINVAL,
                             "%s: person_names: \"%s\" must be an array", what, words[k]);
        json_array_foreach(v, i, x) {
            if (!json_is_string(x) ||
                ww__han_words_add_word(w, kinds[k], json_string_value(x)))
                return ww_seterr(err, errlen, WW_EINVAL,
                                 "%s: person_names: %s[%zu] must be a word of two Han "
                                 "characters (U+4E00..U+9FFF), 256 words in all at most",
                                 what, words[k], i);
        }
    }
    json_t *v = json_object_get(names, "kana_not_names"), *x;
    size_t i;
    if (v && !json_is_array(v))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: person_names: \"kana_not_names\" must be an array", what);
    json_array_foreach(v, i, x) {
        if (!json_is_string(x) ||
            ww__han_words_add_kana_not_name(w, json_string_value(x)))
            return ww_seterr(
                err, errlen, WW_EINVAL,
                "%s: person_names: kana_not_names[%zu] must be a word of 1 to "
                "15 katakana (U+30A0..U+30FF), 16 words at most",
                what, i);
    }
    return 0;
}

/* "person_names" (han_names.h) parsed into p->names, in one pass that checks it: an
 * object of known keys, "surnames" an array of one to three Han characters each,
 * "given" and "chars" [min, max] pairs in 1..5 and 2..6, "whole_run" a boolean,
 * "not_last" a string of Han characters, and the words of fill_han_words.  Returns 0
 * or WW_E* with err. */
static int parse_person_names(ww__pack *p, char *err, size_t errlen) {
    json_t *names = json_object_get(p->root, "person_names"), *s;
    if (!names)
        return 0;
    if (!json_is_object(names) ||
        known_keys(names,
                   (const char *const[]){"surnames", "given", "chars", "whole_run",
                                         "not_last", "translit", "stop", "after_name",
                                         "after_title", "before_name", "kana_not_names",
                                         NULL},
                   p->what, err, errlen))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: \"person_names\" must be an object of \"surnames\", "
                         "\"given\", \"chars\" and \"whole_run\"",
                         p->what);
    ww__han_names *hn = p->names = ww__han_names_new();
    if (!hn)
        return ww_seterr(err, errlen, WW_ENOMEM, "%s: out of memory", p->what);
    int glo, ghi, clo, chi, ok = 1;
    int_pair(names, "given", 1, 2, &glo, &ghi);
    int_pair(names, "chars", 2, 4, &clo, &chi);
    json_t *run = json_object_get(names, "whole_run"),
           *sn = json_object_get(names, "surnames"),
           *nl = json_object_get(names, "not_last");
    size_t i;
    json_array_foreach(sn, i, s) ok = ok && json_is_string(s);
    /* the shape's ranges are ww__han_names_shape's to check */
    if (!ok || (sn && !json_is_array(sn)) || (run && !json_is_boolean(run)) ||
        (nl && !json_is_string(nl)) ||
        ww__han_names_shape(hn, glo, ghi, clo, chi, json_is_true(run)))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: person_names: \"surnames\" must be strings, \"not_last\" a "
                         "string, \"given\" "
                         "[min, max] in 1..5, \"chars\" in 2..6, \"whole_run\" true or "
                         "false",
                         p->what);
    if (fill_han_words(names, ww__han_names_words(hn), p->what, err, errlen))
        return WW_EINVAL;
    if (nl && ww__han_names_add_not_last(hn, json_string_value(nl)))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: person_names: \"not_last\": not Han, or over 64", p->what);
    json_array_foreach(sn, i, s) {
        int rc = ww__han_names_add_surname(hn, json_string_value(s));
        if (rc)
            return ww_seterr(err, errlen, rc, "%s: surname %zu: %s", p->what, i,
                             rc == WW_EINVAL ? "not one to three Han characters"
                                             : "out of memory");
    }
    return 0;
}

/* root[key], a boolean, into *out (dflt when absent).  0, or WW_EINVAL with err. */
static int flag(json_t *root, const char *key, int dflt, int *out, const char *what,
                char *err, size_t errlen) {
    json_t *v = json_object_get(root, key);
    if (v && !json_is_boolean(v))
        return ww_seterr(err, errlen, WW_EINVAL, "%s: \"%s\" must be true or false", what,
                         key);
    *out = v ? json_is_true(v) : dflt;
    return 0;
}

ww__pack *ww__pack_parse(const char *json, size_t len, const char *what, char *err,
                         size_t errlen) {
    static const char *const keys[] = {
        "language",      "description",       "stem",          "topics",  "countries",
        "organizations", "person_titles",     "source",        "license", "compounds",
        "person_names",  "not_country_names", "capital_nouns", NULL};
    json_error_t je;
    ww__pack *p = calloc(1, sizeof *p);
    if (!p) {
        ww_seterr(err, errlen, WW_ENOMEM, "%s: out of memory", what);
        return NULL;
    }
    snprintf(p->what, sizeof p->what, "%s", what);
    p->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(p->root)) {
        ww_seterr(err, errlen, WW_EINVAL, "%s: line %d: %s", what, je.line,
                  p->root ? "must be a JSON object" : je.text);
        goto bad;
    }
    if (known_keys(p->root, keys, what, err, errlen))
        goto bad;
    const char *lang = json_string_value(json_object_get(p->root, "language"));
    size_t n = lang ? strlen(lang) : 0;
    int ok = n >= 2 && n <= 3;
    for (size_t i = 0; ok && i < n; i++)
        ok = lang[i] >= 'a' && lang[i] <= 'z';
    if (!ok) {
        ww_seterr(err, errlen, WW_EINVAL,
                  "%s: \"language\" must be a language code (\"de\")", what);
        goto bad;
    }
    memcpy(p->lang, lang, n + 1);
    if (flag(p->root, "stem", 1, &p->stem, what, err, errlen) ||
        flag(p->root, "capital_nouns", 0, &p->capital_nouns, what, err, errlen))
        goto bad;
    json_t *topics = json_object_get(p->root, "topics");
    if (topics && !json_is_object(topics)) {
        ww_seterr(err, errlen, WW_EINVAL, "%s: \"topics\" must be an object", what);
        goto bad;
    }
    const char *code;
    json_t *rule;
    json_object_foreach(topics, code, rule) {
        char where[WW_TAX_MAX_TEXT + 160];
        snprintf(where, sizeof where, "%s: topic %s", what, code);
        if (!json_is_object(rule)) {
            ww_seterr(err, errlen, WW_EINVAL, "%s: must be an object", where);
            goto bad;
        }
        const char *key;
        json_t *terms;
        json_object_foreach(rule, key, terms) {
            char *end;
            double w = strtod(key, &end);
            if (strcmp(key, "exclude") != 0 &&
                (end == key || *end || !isfinite(w) || w < -100 || w > 100)) {
                ww_seterr(
                    err, errlen, WW_EINVAL,
                    "%s: key \"%s\" is neither a weight in [-100, 100] nor \"exclude\"",
                    where, key);
                goto bad;
            }
            if (!json_is_array(terms) || json_array_size(terms) > WW_TAX_MAX_TERMS) {
                ww_seterr(err, errlen, WW_EINVAL,
                          "%s: \"%s\" must be an array of at most %d", where, key,
                          WW_TAX_MAX_TERMS);
                goto bad;
            }
            size_t i;
            json_t *t;
            json_array_foreach(terms, i, t) {
                if (!json_is_string(t) || json_string_length(t) == 0 ||
                    json_string_length(t) > WW_TAX_MAX_TEXT) {
                    ww_seterr(
                        err, errlen, WW_EINVAL,
                        "%s: \"%s\"[%zu] must be a non-empty string of at most %d bytes",
                        where, key, i, WW_TAX_MAX_TEXT);
                    goto bad;
                }
            }
        }
    }
    if (parse_compounds(p, err, errlen))
        goto bad;
    if (check_name_map(p->root, "countries", what, err, errlen) ||
        check_name_map(p->root, "organizations", what, err, errlen) ||
        check_name_map(p->root, "person_titles", what, err, errlen) ||
        check_string_list(p->root, "not_country_names", what, err, errlen) ||
        parse_person_names(p, err, errlen))
        goto bad;
    return p;
bad:
    ww__pack_free(p);
    return NULL;
}

/* The term as the matcher gets it: "*Term*" when the pack's "compounds" setting makes
 * it a head and a modifier of compounds (one stemmed word of at least min_letters,
 * not in "except", not already marked), else as written.  Malloc'd. */
static char *compound_marks(const ww__pack *p, const char *text) {
    size_t len = strlen(text), letters = 0;
    int marked = text[0] == '*' || text[len - 1] == '*'; /* the author chose */
    int head = p->heads && p->stem && !marked, mod = p->modifiers && p->stem && !marked;
    if (head || mod) {
        for (size_t i = 0; i < len && (head || mod); i++) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate((const uint8_t *)text + i,
                                                  (utf8proc_ssize_t)(len - i), &cp);
            if (k <= 0 || !(utf8proc_category(cp) >= UTF8PROC_CATEGORY_LU &&
                            utf8proc_category(cp) <= UTF8PROC_CATEGORY_LO)) {
                head = mod = 0; /* not one word of letters */
                break;
            }
            letters++;
            i += (size_t)k - 1;
        }
        if (letters < (size_t)p->min_letters)
            head = mod = 0;
        size_t i;
        json_t *x;
        json_array_foreach(p->except, i, x) if (strcmp(json_string_value(x), text) == 0)
            head = mod = 0;
    }
    char *s = malloc(len + 3);
    if (s)
        snprintf(s, len + 3, "%s%s%s", head ? "*" : "", text, mod ? "*" : "");
    return s;
}

/* Room for `add` more terms in v / n: one realloc per list of a pack, not per term
 * (131k reallocs left the heap fragmented at the start-up peak). */
static int reserve_terms(ww_term **v, size_t n, size_t add) {
    ww_term *nv = realloc(*v, (n + add ? n + add : 1) * sizeof *nv);
    if (!nv)
        return WW_ENOMEM;
    *v = nv;
    return 0;
}

/* Append one term to v / n (reserve_terms made room). */
static int push_term(ww_term **v, size_t *n, const char *text, float weight,
                     const ww__pack *p, int exclude) {
    ww_term *t = &(*v)[*n];
    memset(t, 0, sizeof *t);
    int exact = text[0] == '=';
    if (!(t->text = exact || exclude ? strdup(text + exact) : compound_marks(p, text)))
        return WW_ENOMEM;
    t->weight = weight;
    t->case_sensitive = exact;
    t->stem = !exact && p->stem;
    memcpy(t->lang, p->lang, sizeof t->lang);
    (*n)++;
    return 0;
}

int ww__pack_add_topics(const ww__pack *p, ww_taxonomy *tax, size_t *skipped, char *err,
                        size_t errlen) {
    json_t *topics = json_object_get(p->root, "topics");
    const char *code;
    json_t *rule;
    json_object_foreach(topics, code, rule) {
        int k = ww_taxonomy_find(tax, code);
        if (k < 0) {
            (*skipped)++;
            continue;
        }
        ww_topic *tp = &tax->topics[k];
        const char *key;
        json_t *terms;
        json_object_foreach(rule, key, terms) {
            int ex = strcmp(key, "exclude") == 0;
            float w = ex ? 1.0f : (float)strtod(key, NULL);
            if (tp->nterms + tp->nexclude + json_array_size(terms) > WW_TAX_MAX_TERMS)
                return ww_seterr(err, errlen, WW_EINVAL,
                                 "%s: topic %s: more than %d terms", p->what, code,
                                 WW_TAX_MAX_TERMS);
            if (reserve_terms(ex ? &tp->exclude : &tp->terms,
                              ex ? tp->nexclude : tp->nterms, json_array_size(terms)))
                return ww_seterr(err, errlen, WW_ENOMEM, "%s: out of memory", p->what);
            size_t i;
            json_t *t;
            json_array_foreach(terms, i, t) {
                int rc = ex ? push_term(&tp->exclude, &tp->nexclude, json_string_value(t),
                                        w, p, 1)
                            : push_term(&tp->terms, &tp->nterms, json_string_value(t), w,
                                        p, 0);
                if (rc)
                    return ww_seterr(err, errlen, rc, "%s: out of memory", p->what);
            }
        }
    }
    return 0;
}

int ww__gaz_add_lang_phrase(ww__gazetteer *g, ww__matcher *m, ww__langs *L, size_t ent,
                            const char *text, int case_sensitive, int lang,
                            const char *what, char *err, size_t errlen) {
    (void)g;
    ww__posting q = {.kind = WW__P_ENTITY,
                     .case_sensitive = (uint8_t)case_sensitive,
                     .item = (uint32_t)ent,
                     .weight = 1.0f,
                     .lang = (uint8_t)lang};
    struct sb_stemmer *st = lang > 0 ? L->stem[lang] : NULL;
    q.twin = st != NULL;
    int rc = ww__matcher_add(m, text, strlen(text), &q);
    if (!rc && st) {
        q.twin = 0;
        rc = ww__matcher_add_stemmed(m, text, strlen(text), &q, st);
    }
    if (rc == WW_EINVAL)
        return ww_seterr(err, errlen, rc,
                         "%s: name \"%s\" has no word or more than %d words", what, text,
                         WW_TAX_MAX_PHRASE_TOKENS);
    return rc ? ww_seterr(err, errlen, rc, "%s: out of memory", what) : 0;
}

static long find_entity(const ww__gazetteer *g, const char *id) {
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->v[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* A name written with a capital (or caseless) first letter must keep it in the text. */
static int capitalised(const char *s) {
    utf8proc_int32_t cp;
    if (utf8proc_iterate((const uint8_t *)s, -1, &cp) <= 0)
        return 0;
    return utf8proc_category(cp) != UTF8PROC_CATEGORY_LL;
}

/* Would a name, once stemmed, meet common words?  Yes when some word of it is stemmed
 * to fewer than 4 code points (Arabic البحرين -> بحر "sea", Russian Гуам -> гу,
 * Spanish Saná -> san); or when the name is one capitalised word that loses more than
 * 3 code points from its end (French Martinique -> martin, the stem of Martine and
 * Martin; Dominique, a first name): an inflection changes a word's last letters, a
 * longer cut is a derivational suffix and the stem another word's.  (German
 * chinesisch -> chines is an adjective whose forms need the stem; a phrase such as
 * Vereinigte Arabische Emirate is safe as a whole.)  Such a name matches as written. */
static int stem_unsafe(struct sb_stemmer *st, const char *name) {
    ww__toks raw = {0}, stems = {0};
    int unsafe = 0;
    if (ww__tokenize(name, strlen(name), 1, &raw) == 0 &&
        ww__toks_stem(st, &raw, &stems) == 0)
        for (size_t i = 0; i < stems.n && !unsafe; i++) {
            const char *w = ww__tok_norm(&raw, i), *t = ww__tok_norm(&stems, i);
            size_t wl = raw.v[i].norm_len, tl = stems.v[i].norm_len;
            if (tl == wl)
                continue; /* not stemmed */
            unsafe = ww_utf8_count(t, tl) < 4 ||
                     (stems.n == 1 && capitalised(name) && tl < wl &&
                      memcmp(w, t, tl) == 0 && ww_utf8_count(w + tl, wl - tl) > 3);
        }
    ww__toks_free(&raw);
    ww__toks_free(&stems);
    return unsafe;
}

/* Add a name of entity ent in language lang: as written and, when that is safe, by its
 * stems (stem_unsafe).  A pack's own names are checked only when they are one word: the
 * pack's writer chose them, and a phrase (Arabic للأمم المتحدة) is safe as a whole. */
static int add_name(ww__gazetteer *g, ww__matcher *m, ww__langs *L, size_t ent,
                    const char *text, int case_sensitive, int lang, int from_cldr,
                    const char *what, char *err, size_t errlen) {
    struct sb_stemmer *stem = L->stem[lang];
    if (stem && (from_cldr || !strpbrk(text, " -")) && stem_unsafe(stem, text))
        L->stem[lang] = NULL; /* for this one name */
    int rc = ww__gaz_add_lang_phrase(g, m, L, ent, text, case_sensitive, lang, what, err,
                                     errlen);
    L->stem[lang] = stem;
    return rc;
}

/* Is name one the pack lists under "not_country_names" (a CLDR country name that in
 * this language mostly names something else: Spanish Guadalupe, the Virgin's name and
 * a Mexican basilica, not Guadeloupe)? */
static int not_country_name(const ww__pack *p, const char *name) {
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(p->root, "not_country_names"), i, s) {
        const char *v = json_string_value(s);
        if (v && strcmp(v, name) == 0)
            return 1;
    }
    return 0;
}

/* CLDR's name of region code cc in language lang: ICU's, looked up at build time
 * (tools/icu_tables.c); NULL when ICU has none. */
static const char *cldr_name(const char *lang, const char *cc) {
    if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2])
        return NULL;
    for (size_t l = 0; l < ww__cldr_nlangs; l++)
        if (strcmp(ww__cldr_langs[l], lang) == 0)
            return ww__cldr_country[l][(cc[0] - 'A') * 26 + (cc[1] - 'A')];
    return NULL;
}

/* CLDR's name of every ISO 3166 country in the gazetteer, in language lang. */
static int add_cldr_countries(const ww__pack *p, ww__langs *L, int lang, ww__gazetteer *g,
                              ww__matcher *m, char *err, size_t errlen) {
    size_t n = g->n; /* the loop adds no entity, only phrases */
    for (size_t i = 0; i < n; i++) {
        const char *id = g->v[i].id;
        if (strncmp(id, "iso3166:", 8) != 0 || strlen(id + 8) != 2)
            continue;
        const char *u8 = cldr_name(p->lang, id + 8);
        if (!u8)
            continue;
        /* "Congo (Brazzaville)", "Korea, Republik": list entries, not how news writes */
        if (strpbrk(u8, "(,"))
            continue;
        if (not_country_name(p, u8))
            continue;
        int rc = add_name(g, m, L, i, u8, 1, lang, 1, p->what, err, errlen);
        if (rc == WW_EINVAL)
            continue; /* more words than a phrase may have: not a name news uses */
        if (rc)
            return rc;
    }
    return 0;
}

static int add_names(const ww__pack *p, ww__langs *L, int lang, ww__gazetteer *g,
                     ww__matcher *m, const char *key, const char *prefix, char *err,
                     size_t errlen) {
    json_t *map = json_object_get(p->root, key);
    const char *k;
    json_t *names;
    json_object_foreach(map, k, names) {
        char id[WW_TAX_MAX_TEXT + 16];
        snprintf(id, sizeof id, "%s%s", prefix, k);
        long ent = find_entity(g, id);
        if (ent < 0)
            continue; /* an organisation the configured list does not have */
        size_t i;
        json_t *s;
        json_array_foreach(names, i, s) {
            const char *t = json_string_value(s);
            int rc;
            if (t[0] == '=') { /* exact: its written form only, never its stems */
                ww__posting q = {.kind = WW__P_ENTITY,
                                 .case_sensitive = 1,
                                 .item = (uint32_t)ent,
                                 .weight = 1.0f,
                                 .lang = (uint8_t)lang};
                rc = ww__matcher_add(m, t + 1, strlen(t + 1), &q);
                if (rc)
                    return ww_seterr(err, errlen, rc, "%s: name \"%s\": %s", p->what, t,
                                     rc == WW_EINVAL ? "no word or too many"
                                                     : "out of memory");
                continue;
            }
            rc = add_name(g, m, L, (size_t)ent, t, capitalised(t), lang, 0, p->what, err,
                          errlen);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int add_titles(const ww__pack *p, ww__langs *L, int lang, ww__matcher *m,
                      ww__han_titles *ht, char *err, size_t errlen) {
    json_t *titles = json_object_get(p->root, "person_titles");
    static const char *const sides[] = {"before", "after"};
    if (titles && known_keys(titles, (const char *const[]){"before", "after", NULL},
                             p->what, err, errlen))
        return WW_EINVAL;
    for (int side = 0; side < 2; side++) {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(titles, sides[side]), i, s) {
            const char *t = json_string_value(s);
            if (ww__han_title_written(t)) { /* 秘书长安东尼奥: ICU's words hide it */
                int rc = ww__han_titles_add(ht, t, lang, side);
                if (rc == 0)
                    continue;
                return ww_seterr(
                    err, errlen, rc, "%s: person title \"%s\": %s", p->what, t,
                    rc == WW_EINVAL ? "over 15 characters, or not all kana or Han"
                                    : "out of memory");
            }
            ww__posting q = {.kind = WW__P_TITLE,
                             .item = (uint32_t)side,
                             .weight = 1.0f,
                             .lang = (uint8_t)lang};
            struct sb_stemmer *st = L->stem[lang];
            q.twin = st != NULL;
            int rc = ww__matcher_add(m, t, strlen(t), &q);
            if (!rc && st) {
                q.twin = 0;
                rc = ww__matcher_add_stemmed(m, t, strlen(t), &q, st);
            }
            if (rc)
                return ww_seterr(
                    err, errlen, rc, "%s: person title \"%s\": %s", p->what, t,
                    rc == WW_EINVAL ? "no word or too many" : "out of memory");
        }
    }
    return 0;
}

/* "person_names", parsed by ww__pack_parse, moved into ht: p has them no more. */
static int add_person_names(ww__pack *p, int lang, ww__han_titles *ht, char *err,
                            size_t errlen) {
    if (!p->names)
        return 0;
    ww__han_names *hn = p->names;
    p->names = NULL; /* ht owns it now, whatever the call returns */
    if (ww__han_titles_set_names(ht, lang, hn))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "%s: person_names: a second pack of its language", p->what);
    return 0;
}

int ww__pack_add_entities(ww__pack *p, ww__langs *L, ww__gazetteer *g, ww__matcher *m,
                          ww__han_titles *ht, char *err, size_t errlen) {
    int lang = ww__lang_index(L, p->lang);
    if (lang < 0)
        return ww_seterr(err, errlen, WW_EINVAL, "%s: more than %d languages", p->what,
                         WW__MAX_LANGS - 1);
    L->capital_nouns[lang] = (unsigned char)p->capital_nouns;
    if (p->stem)
        ww__lang_use_stems(L, lang);
    int rc;
    if ((rc = add_cldr_countries(p, L, lang, g, m, err, errlen)) ||
        (rc = add_names(p, L, lang, g, m, "countries", "iso3166:", err, errlen)) ||
        (rc = add_names(p, L, lang, g, m, "organizations", "", err, errlen)) ||
        (rc = add_titles(p, L, lang, m, ht, err, errlen)) ||
        (rc = add_person_names(p, lang, ht, err, errlen)))
        return rc;
    return 0;
}
