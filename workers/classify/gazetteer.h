/* Internal: the entity gazetteer.  Entities (type, name, id) live in a table; their
 * names and aliases are phrases in the classifier's one matcher with WW__P_ENTITY
 * postings pointing into the table.  Entity names match case-sensitively unless an
 * alias says {"case": "insensitive"}: proper nouns are capitalised in news text, and
 * that keeps "turkey", "chad" and "us" from being countries. */
#ifndef WW_CLASSIFY_GAZETTEER_H
#define WW_CLASSIFY_GAZETTEER_H

#include <stddef.h>

#include "matcher.h"

typedef struct ww__entity {
    char *type; /* "country", "organization", "person", ... */
    char *name;
    char *id; /* "iso3166:CN", "org:nato", ... */
} ww__entity;

typedef struct ww__gazetteer {
    ww__entity *v;
    size_t n, cap;
} ww__gazetteer;

/* Countries from iso-codes' iso_3166-1.json (name, official_name, common_name) plus
 * the alias file {"aliases": {"CN": [term, ...]}, ...}.  Returns 0 or WW_E* with err. */
int ww__gaz_add_countries(ww__gazetteer *g, ww__matcher *m, const char *iso,
                          size_t isolen, const char *aliases, size_t aliaslen, char *err,
                          size_t errlen);

/* An entity file {"name", "entities": [{"type", "name", "id", "aliases": [...]}]}
 * (docs/taxonomy.md).  what names the file in errors. */
int ww__gaz_add_file(ww__gazetteer *g, ww__matcher *m, const char *json, size_t len,
                     const char *what, char *err, size_t errlen);

/* Given names {"names": {"<lang>": [name, ...], ...}}: each, as written, marks where a
 * person's name may begin in any document (persons.c, name_from_given).  what names
 * the file in errors. */
int ww__gaz_add_given_names(ww__matcher *m, const char *json, size_t len,
                            const char *what, char *err, size_t errlen);

void ww__gaz_free(ww__gazetteer *g);

#endif
