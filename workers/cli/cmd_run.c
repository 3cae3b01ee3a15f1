/* `wirewatch run`: embedded mode.  The three stages run as threads of this process,
 * joined by ZeroMQ inproc sockets, exactly as the separate workers are joined in a
 * cluster; classified documents go to stdout as JSON lines.
 *
 *   main thread --FetchRequest--> fetch --Page--> parse --Document--> classify --> stdout
 *
 * The main thread feeds the inputs, then an end-of-stream marker that each stage
 * forwards once it has drained, so the process ends when the last document is out. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "wirewatch/cli.h"
#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/request.h"
#include "wirewatch/worker.h"

typedef struct {
    ww_worker_opts o;
    int rc;
    char err[512];
} stage_thread;

static void *run_stage(void *arg) {
    stage_thread *t = arg;
    t->rc = ww_worker_run(&t->o, NULL, t->err, sizeof t->err);
    if (t->rc)
        WW_ERROR(t->o.stage->name, "%s", t->err);
    return NULL;
}

static int send_request(ww_endpoint *ep, const char *input, _Atomic int *stop) {
    char err[256];
    Wirewatch__V1__FetchRequest *r = ww_request_from_input(input, err, sizeof err);
    if (!r) {
        fprintf(stderr, "wirewatch run: %s: %s\n", input, err);
        return WW_EINVAL;
    }
    int rc;
    while ((rc = ww_endpoint_send(ep, r->url, &r->base,
                                  r->trace ? r->trace->trace_id : "", NULL, NULL)) ==
               WW_EAGAIN &&
           !atomic_load(stop))
        ww_endpoint_poll(ep, 10);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return rc;
}

/* Inputs from a list: "-" = stdin, "@FILE" = a file, one input per line. */
static void send_list(ww_endpoint *ep, FILE *f, _Atomic int *stop, int *bad) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0 && !atomic_load(stop)) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        if (send_request(ep, p, stop) != 0)
            (*bad)++;
    }
    free(line);
}

/* What the command line says. */
typedef struct {
    ww_cli_common c;
    const char *status, *dead, *out;
    int first_input; /* argv index */
} run_args;

static void usage(void) {
    fprintf(stderr,
            "usage: wirewatch run [--allow-private] [--config FILE] [--set K=V] "
            "[--status EP] [--dead-letter EP] [--out EP] INPUT...\n"
            "  INPUT: http(s) URL, file (.html .txt .warc .warc.gz, RSS/Atom or "
            "sitemap .xml),\n         - (list of inputs on stdin), @FILE (list file)\n");
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, run_args *a) {
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"set", required_argument, 0, 'S'},
                                         {"allow-private", no_argument, 0, 'P'},
                                         {"log-level", required_argument, 0, 'l'},
                                         {"status", required_argument, 0, 's'},
                                         {"dead-letter", required_argument, 0, 'd'},
                                         {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->c.log_level = "warn";
    a->out = "-";
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': a->c.config_path = optarg; break;
        case 'S':
            if (a->c.n_sets < 63)
                a->c.sets[a->c.n_sets++] = optarg;
            break;
        case 'P': a->c.allow_private = 1; break;
        case 'l': a->c.log_level = optarg; break;
        case 's': a->status = optarg; break;
        case 'd': a->dead = optarg; break;
        case 'o': a->out = optarg; break;
        case 'h':
        default: usage(); return ch == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "wirewatch run: no input (try: wirewatch run --help)\n");
        return 2;
    }
    a->first_input = optind;
    return -1;
}

/* The configuration, with embedded mode's own default first (--set still wins):
 * follow what feeds and sitemaps point to, as there is no broker to loop discovered
 * URLs back through.  NULL on error (reported). */
static ww_config *load_config(const run_args *a) {
    ww_cli_common c2 = a->c;
    if (c2.n_sets < 64) {
        memmove(&c2.sets[1], &c2.sets[0], (size_t)c2.n_sets * sizeof c2.sets[0]);
        c2.sets[0] = "fetch.follow_discovered=true";
        c2.n_sets++;
    }
    return ww_cli_load_config(&c2);
}

/* The three stages joined by inproc sockets.  pathbuf holds per-stage file names. */
static void plan_stages(stage_thread st[3], const run_args *a, ww_config *cfg, void *zctx,
                        _Atomic int *stop, char pathbuf[6][1024]) {
    const ww_stage_ops *stages[3] = {&ww_fetch_stage, &ww_parse_stage,
                                     &ww_classify_stage};
    const char *ins[3] = {"zmq+inproc://ww-requests", "zmq+inproc://ww-pages",
                          "zmq+inproc://ww-documents"};
    const char *outs[3] = {"zmq+inproc://ww-pages", "zmq+inproc://ww-documents", a->out};
    memset(st, 0, 3 * sizeof *st);
    for (int i = 0; i < 3; i++) {
        st[i].o.stage = stages[i];
        st[i].o.cfg = cfg;
        st[i].o.in_uri = ins[i];
        st[i].o.out_uri[WW_OUT_MAIN] = outs[i];
        st[i].o.out_uri[WW_OUT_STATUS] = a->status;
        st[i].o.out_uri[WW_OUT_DEAD] = a->dead;
        st[i].o.zmq_ctx = zctx;
        st[i].o.stop = stop;
        /* status/dead-letter files are shared by the three stages: one writer each
         * would interleave; give each stage its own file with a suffix instead */
        if (a->status && strncmp(a->status, "file:", 5) == 0) {
            snprintf(pathbuf[i], sizeof pathbuf[i], "%s.%s.jsonl", a->status,
                     stages[i]->name);
            st[i].o.out_uri[WW_OUT_STATUS] = pathbuf[i];
        }
        if (a->dead && strncmp(a->dead, "file:", 5) == 0) {
            snprintf(pathbuf[3 + i], sizeof pathbuf[3 + i], "%s.%s.jsonl", a->dead,
                     stages[i]->name);
            st[i].o.out_uri[WW_OUT_DEAD] = pathbuf[3 + i];
        }
    }
    /* Only this thread writes to the fetch thread's inproc socket, and only what the
     * command line names (directly or in a "-"/@FILE list): those requests may read
     * local files.  What they lead to (feed items, sitemap entries) may not, unless
     * fetch.allow_file says so. */
    st[0].o.trusted_input = 1;
}

/* Send every input named on the command line; returns how many were bad. */
static int feed_inputs(ww_endpoint *feed, int argc, char **argv, int first,
                       _Atomic int *stop) {
    int bad = 0;
    for (int i = first; i < argc && !atomic_load(stop); i++) {
        if (strcmp(argv[i], "-") == 0) {
            send_list(feed, stdin, stop, &bad);
        } else if (argv[i][0] == '@') {
            FILE *f = fopen(argv[i] + 1, "r");
            if (!f) {
                fprintf(stderr, "wirewatch run: cannot open list %s\n", argv[i] + 1);
                bad++;
                continue;
            }
            send_list(feed, f, stop, &bad);
            fclose(f);
        } else if (send_request(feed, argv[i], stop) != 0) {
            bad++;
        }
    }
    return bad;
}

int ww_cmd_run(int argc, char **argv) {
    run_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    ww_config *cfg = load_config(&a);
    if (!cfg)
        return 2;
    ww_log_set_plain(1);

    static _Atomic int stop;
    ww_cli_signals(&stop, NULL);
    void *zctx = zmq_ctx_new();
    char err[512];
    /* The feeder binds first so the fetch thread's connect finds it. */
    ww_endpoint *feed = ww_endpoint_open("zmq+inproc://ww-requests", WW_EP_OUT,
                                         &wirewatch__v1__fetch_request__descriptor, cfg,
                                         zctx, "run", err, sizeof err);
    if (!feed) {
        fprintf(stderr, "wirewatch run: %s\n", err);
        zmq_ctx_term(zctx);
        ww_config_destroy(cfg);
        return 1;
    }
    stage_thread st[3];
    char paths[6][1024];
    plan_stages(st, &a, cfg, zctx, &stop, paths);
    pthread_t th[3];
    int started = 0;
    /* start downstream first: each stage's output binds before its consumer connects */
    for (int i = 0; i < 3; i++) {
        if (pthread_create(&th[i], NULL, run_stage, &st[i]) != 0)
            break;
        started++;
    }
    int bad = started == 3 ? feed_inputs(feed, argc, argv, a.first_input, &stop) : 0;
    ww_endpoint_send_eos(feed);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    ww_endpoint_close(feed);
    zmq_ctx_term(zctx);
    ww_config_destroy(cfg);
    int failed = started < 3;
    for (int i = 0; i < started; i++)
        failed |= st[i].rc != 0;
    if (failed)
        return 1;
    return bad ? 1 : 0;
}
