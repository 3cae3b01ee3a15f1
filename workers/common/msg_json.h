/* Shared by the JSON mirror's encoders (msg_json_encode.c: a jansson tree,
 * msg_json_text.c: text) and decoder (msg_json_decode.c): how protobuf-c lays out fields. */
#ifndef WW_MSG_JSON_H
#define WW_MSG_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#define WW__MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define WW__CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* A map field: a repeated message of a generated XxxEntry {key, value} type. */
int ww__msg_is_map_field(const ProtobufCFieldDescriptor *f);

/* Bytes one element of a field of type t takes in a repeated field's array. */
size_t ww__msg_elem_size(ProtobufCType t);

/* Whether the mirror prints field f of msg: its oneof case chosen, its optional value
 * set, and (unless with_defaults) not the proto3 default -- but for the fields the
 * .proto marks "JSON: printed even when 0".  Both encoders (tree and text) ask this. */
int ww__msg_field_shown(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                        int with_defaults);

/* A finite float as the double of its shortest round-tripping decimal (0.99f: 0.99). */
double ww__msg_float_shortest(float f);

/* s[0..n) with every byte that is not ASCII (or is NUL) replaced by U+FFFD: how text
 * that is not valid UTF-8 is written.  malloc'd, its length in *len; NULL on ENOMEM. */
char *ww__msg_lossy_copy(const char *s, size_t n, size_t *len);

#endif
