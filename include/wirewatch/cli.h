/* Subcommands of bin/wirewatch.  Each takes the argv after the program name (argv[0]
 * is the subcommand) and returns the process exit code. */
#ifndef WIREWATCH_CLI_H
#define WIREWATCH_CLI_H

int ww_cmd_run(int argc, char **argv); /* workers/cli/cmd_run.c */
int ww_cmd_worker(int argc,
                  char **argv); /* workers/cli/cmd_worker.c: fetch|parse|classify */
int ww_cmd_inspect(int argc, char **argv); /* workers/cli/cmd_inspect.c */
int ww_cmd_extract(int argc, char **argv); /* workers/cli/cmd_extract.c */
int ww_cmd_train(int argc, char **argv);   /* workers/cli/cmd_train.c */
int ww_cmd_predict(int argc, char **argv); /* workers/cli/cmd_predict.c */

/* dlopen the libraries only the pipeline commands use (curl, ZeroMQ, librdkafka, ...),
 * which bin/wirewatch does not load at start-up; 0, or -1 after a message on stderr.
 * workers/cli/pipeline_libs.c */
int ww_cli_load_pipeline_libs(void);

/* Shared by the subcommands (workers/cli/cli_common.c). */
#include "wirewatch/config.h"
#include "wirewatch/stage.h"
#include <stdatomic.h>

/* Config tables of the runtime and all three stages, NULL-terminated. */
const ww_config_key *const *ww_cli_config_tables(void);

/* Options every worker-like command shares; filled by ww_cli_parse_common. */
typedef struct ww_cli_common {
    const char *config_path;
    const char *sets[64];
    int n_sets;
    int allow_private;
    int print_config;
    const char *log_level;
} ww_cli_common;

/* Load the config file, apply --set and --allow-private and the log level.  Returns
 * NULL after printing the error to stderr. */
ww_config *ww_cli_load_config(const ww_cli_common *c);
/* Install SIGTERM/SIGINT -> *stop, SIGHUP -> *reload (either may be NULL). */
void ww_cli_signals(_Atomic int *stop, _Atomic int *reload);

#endif
