/* `wirewatch inspect ENDPOINT`: decode whatever flows through an endpoint to JSON
 * lines on stdout, one line per message, flushed as it goes.  The message type comes
 * from the Kafka header / ZeroMQ envelope, or from --type.
 *
 * A line is exactly the message's JSON mirror, so anything inspect prints reads back
 * through a `.jsonl` endpoint; --meta adds where it came from under the one key
 * WW_JSON_META_KEY, which the mirror's reader ignores.  A message that does not
 * decode is reported on stderr, never on stdout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "wirewatch/cli.h"
#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/json_text.h"
#include "wirewatch/message.h"

typedef struct inspect_opts {
    double idle_exit;
    long long max;
    const ProtobufCMessageDescriptor *type;
    int meta;
    int kafka;
    const char *uri;
    ww_cli_common c;
    char group_set[96];
} inspect_opts;

static int usage(int code) {
    fprintf(code ? stderr : stdout,
            "usage: wirewatch inspect [--idle-exit SECONDS] [--max N] [--type TYPE] "
            "[--meta] [--config FILE] [--set K=V] ENDPOINT\n"
            "  TYPE: FetchRequest Page Document Classified DeadLetter StatusEvent\n"
            "  --meta: add \"" WW_JSON_META_KEY "\":{key, topic, partition, offset, "
            "schema} to each line\n");
    return code;
}

/* Fills o from argv; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, inspect_opts *o) {
    static const struct option opts[] = {{"idle-exit", required_argument, 0, 'i'},
                                         {"type", required_argument, 0, 't'},
                                         {"config", required_argument, 0, 'c'},
                                         {"set", required_argument, 0, 'S'},
                                         {"max", required_argument, 0, 'm'},
                                         {"meta", no_argument, 0, 'M'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': o->idle_exit = strtod(optarg, NULL); break;
        case 'm': o->max = strtoll(optarg, NULL, 10); break;
        case 'M': o->meta = 1; break;
        case 't':
            if (!(o->type = ww_msg_type(optarg))) {
                fprintf(stderr, "wirewatch inspect: unknown type \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'c': o->c.config_path = optarg; break;
        case 'S':
            if (o->c.n_sets < 60)
                o->c.sets[o->c.n_sets++] = optarg;
            break;
        default: return usage(ch == 'h' ? 0 : 2);
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "wirewatch inspect: one ENDPOINT expected\n");
        return 2;
    }
    o->uri = argv[optind];
    o->kafka = strncmp(o->uri, "kafka://", 8) == 0;
    /* Kafka: read the whole topic from the start, as a throw-away group that never
     * commits, so inspecting never moves a real consumer group. */
    if (o->kafka && o->c.n_sets < 60) {
        snprintf(o->group_set, sizeof o->group_set, "kafka.group.id=wirewatch-inspect-%d",
                 (int)getpid());
        o->c.sets[o->c.n_sets++] = "kafka.auto.offset.reset=earliest";
        o->c.sets[o->c.n_sets++] = "kafka.enable.auto.commit=false";
        o->c.sets[o->c.n_sets++] = o->group_set;
    }
    return -1;
}

/* Where m came from: what the endpoint knows of it (offsets only for Kafka: a file
 * endpoint's are line numbers). */
static json_t *meta_json(const ww_in_msg *m, int kafka) {
    json_t *o = json_object();
    if (*m->key)
        json_object_set_new(o, "key", json_string(m->key));
    if (m->topic && *m->topic)
        json_object_set_new(o, "topic", json_string(m->topic));
    if (m->partition >= 0)
        json_object_set_new(o, "partition", json_integer(m->partition));
    if (m->offset >= 0 && kafka)
        json_object_set_new(o, "offset", json_integer(m->offset));
    if (*m->schema)
        json_object_set_new(o, "schema", json_string(m->schema));
    return o;
}

static void report_undecodable(const ww_in_msg *m, const char *why) {
    fprintf(stderr,
            "wirewatch inspect: not printed: the message at topic \"%s\" partition %d "
            "offset %lld (key \"%s\", schema \"%s\", %zu bytes): %s\n",
            m->topic ? m->topic : "", (int)m->partition, (long long)m->offset, m->key,
            m->schema, m->len, why);
}

/* One received message to one line on stdout (or a report on stderr). */
static void print_message(const ww_in_msg *m, const inspect_opts *o) {
    if (strcmp(m->schema, "json") == 0) { /* a .jsonl endpoint's lines pass through */
        fwrite(m->data, 1, m->len, stdout);
        fputc('\n', stdout);
        return;
    }
    const ProtobufCMessageDescriptor *t = o->type ? o->type : ww_msg_type(m->schema);
    ProtobufCMessage *pm = (t && !m->decode_error)
                               ? protobuf_c_message_unpack(t, NULL, m->len, m->data)
                               : NULL;
    if (!pm) {
        report_undecodable(m, m->decode_error ? m->error_detail
                              : t             ? "does not decode as its schema"
                                              : "unknown schema");
        return;
    }
    json_t *j = ww_msg_to_json(pm, 0);
    if (j && o->meta)
        json_object_set_new(j, WW_JSON_META_KEY, meta_json(m, o->kafka));
    size_t n;
    char *s = j ? ww_json_text(j, &n) : NULL;
    if (s) {
        fwrite(s, 1, n, stdout);
        fputc('\n', stdout);
    }
    free(s);
    json_decref(j);
    protobuf_c_message_free_unpacked(pm, NULL);
}

/* Receive and print until the end of input, --max, --idle-exit or a signal. */
static int inspect_loop(ww_endpoint *ep, const inspect_opts *o, _Atomic int *stop) {
    long long n = 0;
    int64_t last = ww_mono_us();
    while (!atomic_load(stop) && (!o->max || n < o->max)) {
        ww_in_msg m;
        int r = ww_endpoint_recv(ep, &m, 100);
        if (r == WW_EEOF)
            break;
        if (r < 0 && !ww_err_retryable(r)) {
            fprintf(stderr, "wirewatch inspect: %s\n", ww_strerror(r));
            return 1;
        }
        if (r != 1) {
            if (o->idle_exit > 0 && (ww_mono_us() - last) / 1e6 >= o->idle_exit)
                break;
            continue;
        }
        last = ww_mono_us();
        n++;
        print_message(&m, o);
        fflush(stdout);
        ww_endpoint_abandon(ep, &m); /* inspecting never acknowledges */
    }
    return 0;
}

int ww_cmd_inspect(int argc, char **argv) {
    inspect_opts o = {.c = {.log_level = "warn"}};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    ww_config *cfg = ww_cli_load_config(&o.c);
    if (!cfg)
        return 2;
    static _Atomic int stop;
    ww_cli_signals(&stop, NULL);
    void *zctx = zmq_ctx_new();
    char err[512];
    ww_endpoint *ep =
        ww_endpoint_open(o.uri, WW_EP_IN, o.type, cfg, zctx, "inspect", err, sizeof err);
    if (ep) {
        rc = inspect_loop(ep, &o, &stop);
        ww_endpoint_close(ep);
    } else {
        fprintf(stderr, "wirewatch inspect: %s\n", err);
        rc = 1;
    }
    zmq_ctx_term(zctx);
    ww_config_destroy(cfg);
    return rc;
}
