/* Shared by the JSON mirror's encoder (msg_json_encode.c) and decoder
 * (msg_json_decode.c): how protobuf-c lays out fields. */
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

#endif
