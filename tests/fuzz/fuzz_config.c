/* Fuzz target: config file loading against the runtime's key table (strict JSON,
 * unknown keys, wrong types, the open "kafka" object). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wirewatch/config.h"
#include "wirewatch/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const ww_config_key *const tables[] = {ww_runtime_config_keys, NULL};
    int fd = memfd_create("ww-fuzz-config", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ww_config *c = ww_config_load(path, tables, err, sizeof err);
    if (c) {
        char *s = ww_config_dump(c, 1);
        free(s);
        ww_config_destroy(c);
    }
    close(fd);
    return 0;
}
