/* Internal: what the worker loop reads from a message without decoding it, and how it
 * makes every output carry the input's trace id (trace_ids.c).
 *
 * A message enters the pipeline with a trace id (Kafka header ww-trace-id, ZeroMQ
 * envelope, or Trace.trace_id in the payload) or without one (a FetchRequest produced
 * to Kafka with only a url).  The worker loop settles the input's trace id once, at
 * intake: the transport's, else the payload's, else a new one (ww_trace_new_id); every
 * output of the input then carries it, in the header/envelope and in the output's own
 * Trace (filled in here when the stage left it empty).  Downstream stages find it and
 * never assign another. */
#ifndef WW_TRACE_IDS_H
#define WW_TRACE_IDS_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "wirewatch/message.h"

/* Copy the top-level string field `name` of a message of `type`, encoded in data, into
 * out (NUL-terminated, truncated to outlen - 1 bytes).  A walk over the wire format:
 * nothing is decoded or allocated, big fields (Page.body) are skipped by their length.
 * Returns the length copied, or -1 when the field is absent, empty, not a string, or
 * the bytes are malformed. */
int ww__wire_string(const uint8_t *data, size_t len,
                    const ProtobufCMessageDescriptor *type, const char *name, char *out,
                    size_t outlen);

/* Same for the message's trace.trace_id (a top-level `trace` field of type Trace). */
int ww__wire_trace_id(const uint8_t *data, size_t len,
                      const ProtobufCMessageDescriptor *type, char *out, size_t outlen);

/* Top-level string field `name` of a message object (reflection), or NULL. */
const char *ww__msg_string(const ProtobufCMessage *msg, const char *name);

/* An output message lent a trace id for the time of one send: the stage's message is
 * changed in place and put back as it was by ww__trace_lend_undo. */
typedef struct ww__trace_loan {
    Wirewatch__V1__Trace **slot; /* the message's trace field; NULL = nothing lent */
    Wirewatch__V1__Trace tmp;    /* stands in when the message had no Trace at all */
    char *saved_id;              /* the Trace's own (empty) trace_id */
    int had_trace;
} ww__trace_loan;

/* When msg has a `trace` field whose trace_id is empty, lend it trace_id (borrowed:
 * valid until the undo).  No-op for types without a Trace, or an empty trace_id. */
void ww__trace_lend(ProtobufCMessage *msg, const char *trace_id, ww__trace_loan *loan);
void ww__trace_lend_undo(ww__trace_loan *loan);

#endif
