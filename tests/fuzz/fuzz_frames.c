/* Fuzz target: protobuf frame decoding of every wirewatch.v1 message type, the size
 * check before it, and the JSON mirror both ways on whatever decodes (its text must
 * read back).  Two hand-written encoders are held to the library's output on every
 * decoded message: the JSON line written straight from the message
 * (msg_json_text.c) to the jansson tree encoder's text, and a Classified's packer
 * (msg_pack_classified.c) to protobuf-c's bytes.  The first byte picks the type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/encoders_agree.h"

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
    /* whatever the mirror prints reads back (inspect's output is input), and is the
     * tree encoder's text byte for byte */
    size_t text_len;
    char *text;
    if (ww_json_text_vs_tree(m, &text, &text_len, NULL) == WW_DIFFER)
        abort();
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
    if (t == &wirewatch__v1__classified__descriptor) {
        uint8_t *bytes = NULL;
        size_t len;
        if (ww_classified_pack_vs_lib((const Wirewatch__V1__Classified *)m, &bytes,
                                      &len) == WW_DIFFER)
            abort();
        free(bytes);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
