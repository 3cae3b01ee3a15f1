/* Turning what a user typed (a URL, a path, a JSON line) into a FetchRequest. */
#ifndef WIREWATCH_REQUEST_H
#define WIREWATCH_REQUEST_H

#include <stddef.h>

#include "wirewatch/v1/wirewatch.pb-c.h"

/* A FetchRequest for one input: an http(s):// or file:// URL, or a local path (made
 * absolute and turned into file://).  Sets origin (SEED, or FILE for local files), a
 * fresh request_id and a trace with a new trace id stamped "submitted".
 * Returns NULL with err for an empty line or an unusable path; caller frees with
 * protobuf_c_message_free_unpacked(&req->base, NULL). */
Wirewatch__V1__FetchRequest *ww_request_from_input(const char *input, char *err,
                                                   size_t errlen);

#endif
