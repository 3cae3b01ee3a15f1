/* Internal to `wirewatch extract`: its JSON line for one Document, written directly
 * (extract_json.c). */
#ifndef WW_CLI_EXTRACT_JSON_H
#define WW_CLI_EXTRACT_JSON_H

#include "wirewatch/strbuf.h"
#include "wirewatch/v1/wirewatch.pb-c.h"

/* Append to b the line (no newline) for document d read from file, with the
 * WW_LIMIT_* bits in limits: {"file","url","id","title","text","byline",
 * "published","language","language_confidence","site","canonical_url",
 * "description","simhash","near_duplicate_of","extractor_version","links",
 * "comments","limits_hit"}.  Byte for byte what json_dumps(JSON_COMPACT) printed for
 * the same fields put in a jansson object (a NULL or invalid UTF-8 string leaves its
 * key out, as json_string refuses it).  Returns 0 or WW_ENOMEM (b->oom). */
int ww__extract_json(ww_sb *b, const char *file, const Wirewatch__V1__Document *d,
                     unsigned limits);

#endif
