/* Helpers for wirewatch.v1 messages: schema names, traces, JSON mirror, framing.
 *
 * Convention: a message a stage builds by hand is malloc'd throughout (strings with
 * strdup, repeated fields with malloc), so `protobuf_c_message_free_unpacked(m, NULL)`
 * frees it exactly like an unpacked one.  Empty strings may point at
 * protobuf_c_empty_string (never freed). */
#ifndef WIREWATCH_MESSAGE_H
#define WIREWATCH_MESSAGE_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wirewatch/v1/wirewatch.pb-c.h"

/* The schema version that travels beside every message (Kafka header
 * `ww-schema-version`, Envelope.schema_version): the highest value of the .proto's
 * SchemaVersion enum, so bumping it is an edit of the .proto alone. */
unsigned ww_schema_version(void);
#define WW_SCHEMA_VERSION ww_schema_version()

/* Microseconds since the Unix epoch (CLOCK_REALTIME), and monotonic. */
int64_t ww_now_us(void);
int64_t ww_mono_us(void);
/* The time ms milliseconds from now on clock (CLOCK_REALTIME, CLOCK_MONOTONIC): the
 * deadline pthread_cond_timedwait takes, on the clock its condition variable uses. */
struct timespec ww_timespec_after_ms(clockid_t clock, int ms);

/* Set (*trace)->stamps[stage] = now (replacing an earlier stamp of that stage),
 * allocating *trace and the entry with malloc.  Returns 0 or WW_ENOMEM. */
int ww_trace_stamp(Wirewatch__V1__Trace **trace, const char *stage);
/* Deep copy (malloc'd) of src, or NULL when src is NULL. */
Wirewatch__V1__Trace *ww_trace_copy(const Wirewatch__V1__Trace *src);
/* New unique trace id (32 hex chars, 128 bits) in a malloc'd string. */
char *ww_trace_new_id(void);
/* This process's pid, without a system call per use (re-read after fork). */
int ww_pid(void);

/* malloc'd copy of s ("" for NULL); NULL only on ENOMEM. */
char *ww_strdup0(const char *s);

/* Look a message type up by full name ("wirewatch.v1.Page") or short name ("Page");
 * NULL when unknown. */
const ProtobufCMessageDescriptor *ww_msg_type(const char *name);

/* JSON mirror of any wirewatch.v1 message, by reflection over the protobuf-c
 * descriptor: protobuf's canonical proto3 JSON mapping with the .proto's field names
 * (docs/messages.md, "JSON mirror"): 64-bit integers as decimal strings, bytes as
 * base64, maps as objects, enums as names, float fields as the shortest decimal that
 * reads back to the same float, NaN/Infinity as strings; default values are omitted
 * (all printed with with_defaults) except the fields the .proto marks "JSON: printed
 * even when 0".  Returns a new reference or NULL on ENOMEM. */
json_t *ww_msg_to_json(const ProtobufCMessage *msg, int with_defaults);

/* The mirror as one line of JSON text (ww_json_text, no newline), malloc'd; NULL on
 * ENOMEM.  What `.jsonl` endpoints write. */
char *ww_msg_to_json_text(const ProtobufCMessage *msg, size_t *len);

/* The one key under which `wirewatch inspect --meta` adds where a message came from
 * (Kafka key, topic, partition, offset).  ww_msg_from_json ignores it at the top
 * level, so whatever inspect prints reads back as input. */
#define WW_JSON_META_KEY "@meta"

/* Build a message of type `type` from JSON: the mirror above, and what proto3 JSON
 * parsers accept besides (integers as numbers or strings, floats as strings, enum
 * numbers, URL-safe base64).  Strict: an unknown key (but WW_JSON_META_KEY at the
 * top), a wrong type or an out-of-range number is an error naming the field.  Caller
 * frees with protobuf_c_message_free_unpacked(m, NULL).  NULL with err when the JSON
 * does not fit the type. */
ProtobufCMessage *ww_msg_from_json(const ProtobufCMessageDescriptor *type,
                                   const json_t *j, char *err, size_t errlen);

/* Pack into a malloc'd buffer; returns NULL on ENOMEM.  A Classified is packed by
 * ww_classified_pack (the same bytes, faster). */
uint8_t *ww_msg_pack(const ProtobufCMessage *msg, size_t *len);
/* A Classified packed by code written for its fields (msg_pack_classified.c): the
 * same bytes as protobuf_c_message_get_packed_size and protobuf_c_message_pack.  The
 * size is SIZE_MAX when a message in m holds unknown fields: pack it with protobuf-c
 * then.  ww_classified_pack writes size = ww_classified_packed_size(m) bytes to out
 * (from the end back) and returns size, or 0 when m's size was not size. */
size_t ww_classified_packed_size(const Wirewatch__V1__Classified *m);
size_t ww_classified_pack(const Wirewatch__V1__Classified *m, uint8_t *out, size_t size);
/* Write msg to fd as varint length + protobuf bytes in one writev, pointing at large
 * fields instead of copying them; *packed_len (if not NULL) gets the protobuf size.
 * Returns 0, WW_EIO or WW_ENOMEM. */
int ww_msg_write_delimited(int fd, const ProtobufCMessage *msg, size_t *packed_len);

/* Unpack with a size check first: NULL with err ("oversized" / "malformed"), and the
 * WW_E* code in *code when code is not NULL.  Free with
 * protobuf_c_message_free_unpacked(m, NULL). */
ProtobufCMessage *ww_msg_unpack(const ProtobufCMessageDescriptor *type,
                                const uint8_t *data, size_t len, size_t max_len,
                                int *code, char *err, size_t errlen);

#endif
