/* `wirewatch train` and `wirewatch predict` (workers/cli/cmd_train.c, cmd_predict.c).
 * argv[0] is the subcommand name; return the process exit status. */
#ifndef WW_CLI_CMD_MODEL_H
#define WW_CLI_CMD_MODEL_H

int ww_cmd_train(int argc, char **argv);
int ww_cmd_predict(int argc, char **argv);

/* Shared by both: one JSON-lines document ({"id","title","text","labels"}) parsed
 * into malloc'd pieces.  Returns 0, or -1 with a reason in why for a malformed line. */
typedef struct ww__jdoc {
    char *id_json; /* the id re-encoded as JSON (string or number); "null" if absent */
    char *text;    /* title + "\n" + text */
    size_t len;
    char **labels;
    int nlabels;
} ww__jdoc;

int ww__jdoc_parse(const char *line, size_t len, ww__jdoc *d, char *why, size_t whylen);
void ww__jdoc_free(ww__jdoc *d);
/* ww__jdoc_parse's two paths (workers/cli/jdoc.c): the scanner (0 and d filled, or
 * -1 to leave the line to jansson, with d untouched) and jansson alone. */
int ww__jdoc_scan(const char *line, size_t len, ww__jdoc *d);
int ww__jdoc_parse_jansson(const char *line, size_t len, ww__jdoc *d, char *why,
                           size_t whylen);

#endif
