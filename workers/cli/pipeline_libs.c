/* The libraries only the pipeline commands use (curl, ZeroMQ, librdkafka,
 * libmicrohttpd, OpenSSL's libcrypto, uchardet, brotli, CLD2), loaded when such a
 * command runs rather than at every process start.
 *
 * With their dependencies they were 40 of the 57 shared objects bin/wirewatch loaded,
 * and half its start-up time went to loading and relocating them (docs/benchmarks.md,
 * "Start-up"): a fifth of a `wirewatch predict` run over a Reuters test fold, and
 * neither `predict` nor `train` calls them.  The Makefile links bin/wirewatch without
 * them (no DT_NEEDED entry; the references to their functions are weak and go through
 * lazily bound PLT slots); ww_cli_load_pipeline_libs() dlopens them RTLD_GLOBAL before
 * such a command runs, so the first call of each function binds to them as it would
 * have at start-up.  In a binary that links them (the unit tests, a sanitizer build)
 * the dlopen only finds them already loaded. */
#include <dlfcn.h>
#include <stdio.h>

#include "wirewatch/cli.h"

/* Their sonames, read by the Makefile from the libraries it builds against; else
 * those of Debian 12's packages (Makefile DEB_BUILD). */
#ifndef WW_LAZY_LIBS
#define WW_LAZY_LIBS                                                                     \
    "libzmq.so.5", "librdkafka.so.1", "libcurl.so.4", "libmicrohttpd.so.12",             \
        "libcrypto.so.3", "libuchardet.so.0", "libbrotlidec.so.1", "libcld2.so.0"
#endif
static const char *const LAZY_LIBS[] = {WW_LAZY_LIBS};

int ww_cli_load_pipeline_libs(void) {
    for (size_t i = 0; i < sizeof LAZY_LIBS / sizeof *LAZY_LIBS; i++)
        if (!dlopen(LAZY_LIBS[i], RTLD_NOW | RTLD_GLOBAL)) {
            fprintf(stderr, "wirewatch: cannot load %s: %s\n", LAZY_LIBS[i], dlerror());
            return -1;
        }
    return 0;
}
