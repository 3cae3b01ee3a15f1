/* Fuzz target: protobuf frame decoding of every wirewatch.v1 message type, the size
 * check before it, and the JSON mirror both ways on whatever decodes (its text must
 * read back).  Two hand-written encoders are held to the library's output on every
 * decoded message: the JSON line written straight from the message
 * (msg_json_text.c) to the jansson tree encoder's text, and a Classified's packer
 * (msg_pack_classified.c) to protobuf-c's bytes.  The first byte picks the type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/json_text.h"
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
    size_t text_len;
    char *text = ww_msg_to_json_text(m, &text_len);
    json_t *tree = text ? ww_msg_to_json(m, 0) : NULL;
    if (tree) { /* the same bytes as through the tree */
        size_t tree_len;
        char *tree_text = ww_json_text(tree, &tree_len);
        if (tree_text && (tree_len != text_len || memcmp(tree_text, text, text_len) != 0))
            abort();
        free(tree_text);
        json_decref(tree);
    }
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
    if (packed && t == &wirewatch__v1__classified__descriptor) {
        /* ww_msg_pack packs a Classified with ww_classified_pack: protobuf-c's bytes? */
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *lib = malloc(n + 1);
        if (lib && (n != len || protobuf_c_message_pack(m, lib) != n ||
                    memcmp(lib, packed, n) != 0))
            abort();
        free(lib);
    }
    free(packed);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
