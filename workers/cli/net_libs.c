/* The transport libraries (curl, ZeroMQ, librdkafka, libmicrohttpd), loaded when a
 * command needs them rather than at every process start.
 *
 * With their dependencies they are 43 of the 57 shared objects bin/wirewatch used to
 * load (GnuTLS, Kerberos, LDAP, SASL, ...): 8-9 ms of dynamic loading and relocation
 * on each start, a fifth of a `wirewatch predict` run over a Reuters test fold, and
 * neither `predict` nor `train` calls them (docs/benchmarks.md, "Start-up").  The
 * Makefile links bin/wirewatch without them (no DT_NEEDED entry; their functions are
 * reached only through lazily bound PLT slots) and checks after the link that every
 * such symbol resolves once they are loaded.  ww_cli_load_net_libs() dlopens them
 * RTLD_GLOBAL before such a command runs, so the first call of each function binds to
 * them as it would have at start-up.  In a binary that links them (the unit tests, a
 * sanitizer build) the dlopen only finds them already loaded. */
#include <dlfcn.h>
#include <stdio.h>

#include "wirewatch/cli.h"

/* Their sonames, read by the Makefile from the libraries it builds against; else
 * those of Debian 12's packages (Makefile DEB_BUILD). */
#ifndef WW_NET_LIBS
#define WW_NET_LIBS                                                                      \
    "libzmq.so.5", "librdkafka.so.1", "libcurl.so.4", "libmicrohttpd.so.12"
#endif
static const char *const NET_LIBS[] = {WW_NET_LIBS};

int ww_cli_load_net_libs(void) {
    for (size_t i = 0; i < sizeof NET_LIBS / sizeof *NET_LIBS; i++)
        if (!dlopen(NET_LIBS[i], RTLD_NOW | RTLD_GLOBAL)) {
            fprintf(stderr, "wirewatch: cannot load %s: %s\n", NET_LIBS[i], dlerror());
            return -1;
        }
    return 0;
}
