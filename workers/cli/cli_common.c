/* What the subcommands share: the config tables, config loading, signals. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wirewatch/cli.h"
#include "wirewatch/log.h"
#include "wirewatch/worker.h"

const ww_config_key *const *ww_cli_config_tables(void) {
    static const ww_config_key *tables[5];
    if (!tables[0]) {
        tables[0] = ww_runtime_config_keys;
        tables[1] = ww_fetch_stage.config_keys;
        tables[2] = ww_parse_stage.config_keys;
        tables[3] = ww_classify_stage.config_keys;
        tables[4] = NULL;
        /* a stage without keys leaves a hole: close it up */
        int k = 0;
        for (int i = 0; i < 4; i++)
            if (tables[i])
                tables[k++] = tables[i];
        for (; k < 5; k++)
            tables[k] = NULL;
    }
    return tables;
}

ww_config *ww_cli_load_config(const ww_cli_common *c) {
    char err[512];
    ww_config *cfg =
        ww_config_load(c->config_path, ww_cli_config_tables(), err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "wirewatch: config: %s\n", err);
        return NULL;
    }
    for (int i = 0; i < c->n_sets; i++) {
        if (ww_config_set(cfg, c->sets[i], err, sizeof err)) {
            fprintf(stderr, "wirewatch: %s\n", err);
            ww_config_destroy(cfg);
            return NULL;
        }
    }
    if (c->allow_private &&
        ww_config_set(cfg, "fetch.allow_private=true", err, sizeof err)) {
        fprintf(stderr, "wirewatch: %s\n", err);
        ww_config_destroy(cfg);
        return NULL;
    }
    const char *lvl = c->log_level ? c->log_level : ww_config_str(cfg, "log.level");
    if (ww_log_set_level_name(lvl)) {
        fprintf(stderr, "wirewatch: unknown log level \"%s\"\n", lvl);
        ww_config_destroy(cfg);
        return NULL;
    }
    return cfg;
}

static _Atomic int *stop_flag, *reload_flag;

static void on_signal(int sig) {
    if (sig == SIGHUP) {
        if (reload_flag)
            atomic_store(reload_flag, 1);
    } else if (stop_flag) {
        /* a second SIGINT/SIGTERM while draining exits at once */
        if (atomic_exchange(stop_flag, 1))
            _exit(130);
    }
}

void ww_cli_signals(_Atomic int *stop, _Atomic int *reload) {
    stop_flag = stop;
    reload_flag = reload;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
