/* libFuzzer target: model loading from bytes (wirewatch and fastText formats), and a
 * prediction with whatever loads.  A corrupt model must give an error, never a crash,
 * an out-of-bounds access or a hang.
 *
 * A wirewatch model file ends with a CRC, so random mutations would stop at the
 * checksum; each input is therefore also tried with its format, length field and CRC
 * repaired, which lets the fuzzer reach the parser behind them (and keeps corpus
 * entries of an older format useful). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../workers/classify/model_internal.h"
#include "wirewatch/model.h"

static void try_load(const uint8_t *data, size_t size) {
    char err[256];
    ww_model *m = ww_model_load_mem(data, size, err, sizeof err);
    if (!m)
        return;
    static const char text[] =
        "Stocks rose as the central bank held rates; "
        "Straße naïve 日本 </s> tail words 中华人民共和国国家安全部 "
        "Bundesligaspiel";
    ww_prediction p[8];
    ww_model_predict(m, text, sizeof text - 1, p, 8, 0.0f);
    ww_model_predict_labels(m, text, sizeof text - 1, p, 8);
    (void)ww_model_version(m);
    ww_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try_load(data, size);
    if (size >= 24 && size < UINT32_MAX && memcmp(data, "WWMODEL\x1a", 8) == 0) {
        uint8_t *fixed = malloc(size);
        if (!fixed)
            return 0;
        memcpy(fixed, data, size);
        uint32_t total = (uint32_t)size, fmt = WW__MODEL_FORMAT;
        memcpy(fixed + 8, &fmt, 4);
        memcpy(fixed + 12, &total, 4);
        uint32_t crc = (uint32_t)crc32(0L, fixed, (uInt)(size - 4));
        memcpy(fixed + size - 4, &crc, 4);
        try_load(fixed, size);
        free(fixed);
    }
    return 0;
}
