/* Two encoders of ours are written by hand for speed, and each is held to the
 * library that defines the format, byte for byte:
 *   - the JSON line written straight from a message (msg_json_text.c) to the
 *     jansson tree encoder's text (ww_json_text(ww_msg_to_json(m, 0)));
 *   - a Classified's packer (msg_pack_classified.c: ww_classified_packed_size,
 *     ww_classified_pack, and ww_msg_pack that calls it) to protobuf-c's bytes.
 * fuzz_frames, fuzz_classify, test_message_json_text and test_classify ask the same
 * questions; here they are asked once.  Header-only: each test is one file. */
#ifndef WW_TESTS_ENCODERS_AGREE_H
#define WW_TESTS_ENCODERS_AGREE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/json_text.h"
#include "wirewatch/message.h"

enum { WW_AGREE = 0, WW_DIFFER = 1, WW_UNMADE = -1 };

/* m's JSON line both ways.  WW_AGREE when the bytes are the same, WW_DIFFER when not,
 * WW_UNMADE when either text could not be made (no memory).  The direct text goes to
 * *text (length *text_len), the tree's to *tree_text when that is not NULL; the caller
 * frees both (either may be NULL). */
static inline int ww_json_text_vs_tree(const ProtobufCMessage *m, char **text,
                                       size_t *text_len, char **tree_text) {
    size_t tree_len = 0;
    char *t = NULL;
    *text = ww_msg_to_json_text(m, text_len);
    json_t *tree = ww_msg_to_json(m, 0);
    if (tree)
        t = ww_json_text(tree, &tree_len);
    json_decref(tree);
    int rc = !*text || !t                                               ? WW_UNMADE
             : tree_len == *text_len && memcmp(t, *text, tree_len) == 0 ? WW_AGREE
                                                                        : WW_DIFFER;
    if (tree_text)
        *tree_text = t;
    else
        free(t);
    return rc;
}

/* c packed by protobuf-c and by our packer, whichever way it is reached.  WW_AGREE
 * when the size and every byte are the same, WW_DIFFER when not, WW_UNMADE on no
 * memory.  protobuf-c's bytes go to *bytes (malloc'd, length *len) on WW_AGREE.
 * A message decoded with unknown fields is sized SIZE_MAX by our packer (left to
 * protobuf-c): then only ww_msg_pack's bytes are compared. */
static inline int ww_classified_pack_vs_lib(const Wirewatch__V1__Classified *c,
                                            uint8_t **bytes, size_t *len) {
    size_t n = protobuf_c_message_get_packed_size(&c->base), via_msg_len = 0;
    size_t ours_n = ww_classified_packed_size(c);
    uint8_t *lib = malloc(n + 1), *ours = malloc(n + 1);
    uint8_t *via_msg = ww_msg_pack(&c->base, &via_msg_len);
    int rc = WW_UNMADE;
    if (lib && ours && via_msg) {
        rc = WW_DIFFER;
        if (protobuf_c_message_pack(&c->base, lib) == n && via_msg_len == n &&
            memcmp(lib, via_msg, n) == 0 &&
            (ours_n == SIZE_MAX || (ours_n == n && ww_classified_pack(c, ours, n) == n &&
                                    memcmp(lib, ours, n) == 0)))
            rc = WW_AGREE;
    }
    free(ours);
    free(via_msg);
    if (rc == WW_AGREE) {
        *bytes = lib;
        *len = n;
    } else {
        free(lib);
    }
    return rc;
}

#endif
