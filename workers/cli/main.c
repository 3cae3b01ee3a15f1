/* bin/wirewatch: one binary, one subcommand per job.  This file only dispatches;
 * each subcommand lives in its own cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "wirewatch/cli.h"

#ifndef WW_VERSION
#define WW_VERSION "0.1.0"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
    /* 1: runs without the libraries pipeline_libs.c loads late (and must never call
     * them: their weak references would be null).  0, the safe default for a new
     * command: they are loaded before it runs. */
    int light;
} commands[] = {
    {"run", ww_cmd_run,
     "run [OPTIONS] INPUT...    fetch -> parse -> classify in one process", 0},
    {"fetch", ww_cmd_worker, "fetch --in EP --out EP    the fetch stage as a worker", 0},
    {"parse", ww_cmd_worker, "parse --in EP --out EP    the parse stage as a worker", 0},
    {"classify", ww_cmd_worker,
     "classify --in EP --out EP the classify stage as a worker", 0},
    {"extract", ww_cmd_extract,
     "extract [--url URL] FILE... article text of HTML/text files", 0},
    {"train", ww_cmd_train, "train --data TRAIN.jsonl --model OUT", 1},
    {"predict", ww_cmd_predict, "predict --model MODEL FILE.jsonl", 1},
    {"inspect", ww_cmd_inspect,
     "inspect [--idle-exit S] ENDPOINT   decode messages to JSON", 0},
};

static void usage(FILE *f) {
    fprintf(f, "wirewatch %s — news in, labelled events out\n\nusage:\n", WW_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  wirewatch %s\n", commands[i].help);
    fprintf(
        f,
        "\nEndpoints: kafka://HOST:PORT[,HOST:PORT]/TOPIC[?group=NAME], "
        "zmq+tcp://HOST:PORT (connect),\n  zmq+tcp://*:PORT (bind), zmq+ipc://PATH, "
        "zmq+inproc://NAME, file:PATH (.jsonl = JSON lines),\n  - (stdin/stdout JSON lines)."
        "\n`wirewatch COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("wirewatch %s\n", WW_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            if (!commands[i].light && ww_cli_load_pipeline_libs())
                return 1;
            return commands[i].fn(argc - 1, argv + 1);
        }
    fprintf(stderr, "wirewatch: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
