/* `wirewatch fetch|parse|classify`: one stage as a long-running worker. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "wirewatch/cli.h"
#include "wirewatch/http.h"
#include "wirewatch/log.h"
#include "wirewatch/message.h"
#include "wirewatch/metrics.h"
#include "wirewatch/worker.h"

/* How long after worker.shutdown_timeout_ms the watchdog ends the process. */
#define WATCHDOG_MARGIN_MS 1000

/* The shutdown watchdog: the last guarantee that a stopped worker exits in time,
 * whatever a library it is waiting in does.  The worker itself bounds every wait
 * after SIGTERM by worker.shutdown_timeout_ms (worker.c, endpoint_kafka.c); this
 * thread, armed by the same stop flag, ends the process WATCHDOG_MARGIN_MS later if
 * it is still there — an orchestrator would otherwise kill it at the end of its grace
 * period, with no word on why.
 *
 * It exits 0 because nothing is lost by exiting here.  An input is acknowledged (its
 * Kafka offset stored, then committed) only after every output it produced was
 * acknowledged by the broker; whatever is not committed is consumed again by the
 * group's next consumer, which produces its outputs again (at-least-once:
 * duplicates, no gap).  With kafka.transactional.id the open transaction holds the
 * outputs and the input offsets together: never committed, it is aborted by the
 * broker after transaction.timeout.ms, or at once when the next producer with the
 * same transactional.id (this worker restarted) initialises — read_committed
 * consumers never see its outputs, and its inputs are consumed again.  _exit, not
 * exit: the main thread is inside a library that atexit handlers may tear down. */
typedef struct watchdog {
    _Atomic int *stop;
    ww_worker_stats *stats;
    const char *stage;
    long long limit_ms;
} watchdog;

static void *watchdog_main(void *arg) {
    const watchdog *wd = arg;
    const struct timespec tick = {0, 100 * 1000000};
    while (!atomic_load(wd->stop))
        nanosleep(&tick, NULL);
    int64_t fire = ww_mono_us() + wd->limit_ms * 1000;
    while (ww_mono_us() < fire)
        nanosleep(&tick, NULL);
    WW_ERROR(wd->stage,
             "shutdown watchdog: still running %lld ms after the stop, while %s; "
             "exiting 0 with %lld input(s) unacknowledged and %lld output message(s) "
             "unacknowledged by the broker: inputs not committed are consumed again, an "
             "open transaction is aborted by the broker",
             wd->limit_ms, ww_worker_phase_name(atomic_load(&wd->stats->phase)),
             (long long)atomic_load(&wd->stats->in_flight),
             (long long)atomic_load(&wd->stats->out_pending));
    _exit(0);
    return NULL;
}

static void usage(const char *stage) {
    fprintf(
        stderr,
        "usage: wirewatch %s --in ENDPOINT --out ENDPOINT [OPTIONS]\n"
        "  --in EP            input endpoint\n"
        "  --out EP           main output endpoint\n"
        "  --status EP        status events: one per input (docs/messages.md)\n"
        "  --dead-letter EP   inputs that could not be processed, with the reason\n"
        "  --discovered EP    fetch: article URLs found in feeds and sitemaps\n"
        "  --alerts EP        classify: documents routed by watch-list rules\n"
        "  --config FILE      JSON config (docs/config.md)\n"
        "  --set KEY=VALUE    override one config key (repeatable)\n"
        "  --allow-private    fetch: allow loopback/private addresses\n"
        "  --log-level LVL    error|warn|info|debug\n"
        "  --print-config     print the effective config with every key's doc, exit\n"
        "HTTP (config http.listen, default 127.0.0.1:9100): /metrics /healthz /readyz\n"
        "  / (status page) /status.json, POST /reload (as SIGHUP), POST /loglevel?level=\n",
        stage);
}

/* Fill wo's endpoints and c from the command line.  Returns -1 to go on, else the
 * exit code. */
static int parse_args(int argc, char **argv, ww_worker_opts *wo, ww_cli_common *c) {
    const char *name = argv[0];
    static const struct option opts[] = {{"in", required_argument, 0, 'i'},
                                         {"out", required_argument, 0, 'o'},
                                         {"status", required_argument, 0, 's'},
                                         {"dead-letter", required_argument, 0, 'd'},
                                         {"discovered", required_argument, 0, 'D'},
                                         {"alerts", required_argument, 0, 'a'},
                                         {"config", required_argument, 0, 'c'},
                                         {"set", required_argument, 0, 'S'},
                                         {"allow-private", no_argument, 0, 'P'},
                                         {"log-level", required_argument, 0, 'l'},
                                         {"print-config", no_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': wo->in_uri = optarg; break;
        case 'o': wo->out_uri[WW_OUT_MAIN] = optarg; break;
        case 's': wo->out_uri[WW_OUT_STATUS] = optarg; break;
        case 'd': wo->out_uri[WW_OUT_DEAD] = optarg; break;
        case 'D': wo->out_uri[WW_OUT_DISCOVERED] = optarg; break;
        case 'a': wo->out_uri[WW_OUT_ALERTS] = optarg; break;
        case 'c': c->config_path = optarg; break;
        case 'S':
            if (c->n_sets < 64)
                c->sets[c->n_sets++] = optarg;
            break;
        case 'P': c->allow_private = 1; break;
        case 'l': c->log_level = optarg; break;
        case 'p': c->print_config = 1; break;
        case 'h': usage(name); return 0;
        default: usage(name); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wirewatch %s: unexpected argument \"%s\"\n", name, argv[optind]);
        return 2;
    }
    return -1;
}

static void start_watchdog(watchdog *wd) {
    pthread_t wd_thread;
    if (pthread_create(&wd_thread, NULL, watchdog_main, wd) == 0)
        pthread_detach(wd_thread);
    else
        WW_WARN(wd->stage, "no shutdown watchdog: pthread_create failed");
}

/* The HTTP server (/metrics, probes, admin).  The data path does not depend on it,
 * so a port that cannot be bound is logged and the worker runs on (a liveness probe
 * notices); *http stays NULL then.  Returns 0, or 2 when the admin token file is
 * set but cannot be read: a security setting that does not take is not something
 * to run without. */
static int start_http(const char *name, const ww_config *cfg, ww_metrics *metrics,
                      _Atomic int *reload, ww_http **http) {
    char err[512] = "";
    *http = NULL;
    const char *listen = ww_config_str(cfg, "http.listen");
    char *token = NULL;
    const char *token_file = ww_config_str(cfg, "http.admin_token_file");
    if (*listen && *token_file &&
        !(token = ww_http_read_token(token_file, err, sizeof err))) {
        fprintf(stderr, "wirewatch %s: %s\n", name, err);
        return 2;
    }
    if (!metrics || !*listen)
        return 0;
    ww_http_opts ho = {.listen = listen,
                       .metrics = metrics,
                       .reload = reload,
                       .admin_token = token,
                       .max_connections = (int)ww_config_int(cfg, "http.max_connections"),
                       .max_per_ip =
                           (int)ww_config_int(cfg, "http.max_connections_per_ip"),
                       .timeout_s = (int)ww_config_int(cfg, "http.timeout_s")};
    *http = ww_http_start(&ho, err, sizeof err);
    if (token) {
        explicit_bzero(token, strlen(token));
        free(token);
    }
    if (*http)
        WW_INFO(name, "http listening on %s (port %d)", listen, ww_http_port(*http));
    else
        WW_ERROR(name, "no HTTP server: %s", err);
    return 0;
}

static int print_config(ww_config *cfg) {
    char *s = ww_config_dump(cfg, 1);
    if (s)
        puts(s);
    free(s);
    ww_config_destroy(cfg);
    return 0;
}

int ww_cmd_worker(int argc, char **argv) {
    const char *name = argv[0];
    const ww_stage_ops *stage = strcmp(name, "fetch") == 0   ? &ww_fetch_stage
                                : strcmp(name, "parse") == 0 ? &ww_parse_stage
                                                             : &ww_classify_stage;
    ww_worker_opts wo = {.stage = stage};
    ww_cli_common c = {0};
    int rc = parse_args(argc, argv, &wo, &c);
    if (rc >= 0)
        return rc;
    ww_config *cfg = ww_cli_load_config(&c);
    if (!cfg)
        return 2;
    if (c.print_config)
        return print_config(cfg);
    if (!wo.in_uri || !wo.out_uri[WW_OUT_MAIN]) {
        usage(name);
        ww_config_destroy(cfg);
        return 2;
    }
    static _Atomic int stop, reload;
    ww_cli_signals(&stop, &reload);
    wo.cfg = cfg;
    wo.stop = &stop;
    wo.reload = &reload;
    wo.zmq_ctx = zmq_ctx_new();
    static ww_worker_stats stats;
    static watchdog wd;
    wd = (watchdog){.stop = &stop,
                    .stats = &stats,
                    .stage = name,
                    .limit_ms = ww_config_int(cfg, "worker.shutdown_timeout_ms") +
                                WATCHDOG_MARGIN_MS};
    start_watchdog(&wd);
    ww_metrics *metrics = ww_metrics_new(name, &stats);
    ww_http *http = NULL;
    if (start_http(name, cfg, metrics, &reload, &http)) {
        ww_metrics_free(metrics);
        zmq_ctx_term(wo.zmq_ctx);
        ww_config_destroy(cfg);
        return 2;
    }
    wo.metrics = metrics;
    char err[512] = "";
    rc = ww_worker_run(&wo, &stats, err, sizeof err);
    if (rc)
        fprintf(stderr, "wirewatch %s: %s\n", name, err);
    ww_http_stop(http);
    ww_metrics_free(metrics);
    zmq_ctx_term(wo.zmq_ctx);
    ww_config_destroy(cfg);
    return rc ? 1 : 0;
}
