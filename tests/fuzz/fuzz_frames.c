/* Fuzz target: protobuf frame decoding of every wirewatch.v1 message type, the size
 * check before it, and the JSON mirror both ways on whatever decodes (its text must
 * read back).  The first byte picks the type. */
#include <stdint.h>
#include <stdlib.h>

#include "wirewatch/message.h"

static const ProtobufCMessageDescriptor *const types[] = {
    &wirewatch__v1__fetch_request__descriptor, &wirewatch__v1__page__descriptor,
    &wirewatch__v1__document__descriptor,      &wirewatch__v1__classified__descriptor,
    &wirewatch__v1__dead_letter__descriptor,   &wirewatch__v1__status_event__descriptor,
    &wirewatch__v1__envelope__descriptor,      &wirewatch__v1__trace__descriptor,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *t = types[data[0] % (sizeof types / sizeof *types)];
    int code;
    char err[128];
    ProtobufCMessage *m =
        ww_msg_unpack(t, data + 1, size - 1, 1 << 20, &code, err, sizeof err);
    if (!m)
        return 0;
    json_t *j = ww_msg_to_json(m, 1);
    if (j) {
        ProtobufCMessage *back = ww_msg_from_json(t, j, err, sizeof err);
        if (back)
            protobuf_c_message_free_unpacked(back, NULL);
        json_decref(j);
    }
    /* whatever the mirror prints reads back (inspect's output is input) */
    char *text = ww_msg_to_json_text(m, NULL);
    json_t *tj = text ? json_loads(text, 0, NULL) : NULL;
    if (text && !tj)
        abort();
    ProtobufCMessage *back = tj ? ww_msg_from_json(t, tj, err, sizeof err) : NULL;
    if (tj && !back)
        abort();
    if (back)
        protobuf_c_message_free_unpacked(back, NULL);
    json_decref(tj);
    free(text);
    size_t len;
    uint8_t *packed = ww_msg_pack(m, &len);
    free(packed);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
