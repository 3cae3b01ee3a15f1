/* `wirewatch inspect ENDPOINT`: decode whatever flows through an endpoint to JSON
 * lines on stdout, one line per message, flushed as it goes.  The message type comes
 * from the Kafka header / ZeroMQ envelope, or from --type. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "wirewatch/cli.h"
#include "wirewatch/endpoint.h"
#include "wirewatch/error.h"
#include "wirewatch/message.h"

int ww_cmd_inspect(int argc, char **argv) {
    static const struct option opts[] = {{"idle-exit", required_argument, 0, 'i'},
                                         {"type", required_argument, 0, 't'},
                                         {"config", required_argument, 0, 'c'},
                                         {"set", required_argument, 0, 'S'},
                                         {"max", required_argument, 0, 'm'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    double idle_exit = 0;
    long long max = 0;
    const ProtobufCMessageDescriptor *type = NULL;
    ww_cli_common c = {.log_level = "warn"};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': idle_exit = strtod(optarg, NULL); break;
        case 'm': max = strtoll(optarg, NULL, 10); break;
        case 't':
            type = ww_msg_type(optarg);
            if (!type) {
                fprintf(stderr, "wirewatch inspect: unknown type \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'c': c.config_path = optarg; break;
        case 'S':
            if (c.n_sets < 60)
                c.sets[c.n_sets++] = optarg;
            break;
        default:
            fprintf(stderr, "usage: wirewatch inspect [--idle-exit SECONDS] [--max N] "
                            "[--type TYPE] [--config FILE] [--set K=V] ENDPOINT\n"
                            "  TYPE: FetchRequest Page Document Classified DeadLetter "
                            "StatusEvent\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "wirewatch inspect: one ENDPOINT expected\n");
        return 2;
    }
    const char *uri = argv[optind];
    /* Kafka: read the whole topic from the start, as a throw-away group that never
     * commits, so inspecting never moves a real consumer group. */
    char group_set[96];
    if (strncmp(uri, "kafka://", 8) == 0 && c.n_sets < 60) {
        snprintf(group_set, sizeof group_set, "kafka.group.id=wirewatch-inspect-%d",
                 (int)getpid());
        c.sets[c.n_sets++] = "kafka.auto.offset.reset=earliest";
        c.sets[c.n_sets++] = "kafka.enable.auto.commit=false";
        c.sets[c.n_sets++] = group_set;
    }
    ww_config *cfg = ww_cli_load_config(&c);
    if (!cfg)
        return 2;
    static _Atomic int stop;
    ww_cli_signals(&stop, NULL);
    void *zctx = zmq_ctx_new();
    char err[512];
    ww_endpoint *ep =
        ww_endpoint_open(uri, WW_EP_IN, type, cfg, zctx, "inspect", err, sizeof err);
    if (!ep) {
        fprintf(stderr, "wirewatch inspect: %s\n", err);
        zmq_ctx_term(zctx);
        ww_config_destroy(cfg);
        return 1;
    }
    int rc = 0;
    long long n = 0;
    int64_t last = ww_mono_us();
    while (!atomic_load(&stop) && (!max || n < max)) {
        ww_in_msg m;
        int r = ww_endpoint_recv(ep, &m, 100);
        if (r == WW_EEOF)
            break;
        if (r < 0 && !ww_err_retryable(r)) {
            fprintf(stderr, "wirewatch inspect: %s\n", ww_strerror(r));
            rc = 1;
            break;
        }
        if (r != 1) {
            if (idle_exit > 0 && (ww_mono_us() - last) / 1e6 >= idle_exit)
                break;
            continue;
        }
        last = ww_mono_us();
        n++;
        if (strcmp(m.schema, "json") == 0) { /* JSON lines pass through */
            fwrite(m.data, 1, m.len, stdout);
            fputc('\n', stdout);
        } else {
            const ProtobufCMessageDescriptor *t = type ? type : ww_msg_type(m.schema);
            ProtobufCMessage *pm = (t && !m.decode_error)
                                       ? protobuf_c_message_unpack(t, NULL, m.len, m.data)
                                       : NULL;
            json_t *j = pm ? ww_msg_to_json(pm, 0) : json_object();
            if (!pm) {
                json_object_set_new(j, "_error",
                                    json_string(m.decode_error ? m.error_detail
                                                : t ? "does not decode as its schema"
                                                    : "unknown schema"));
                json_object_set_new(j, "_schema", json_string(m.schema));
                json_object_set_new(j, "_bytes", json_integer((json_int_t)m.len));
            }
            if (*m.key)
                json_object_set_new(j, "_key", json_string(m.key));
            if (m.partition >= 0)
                json_object_set_new(j, "_partition", json_integer(m.partition));
            if (m.offset >= 0 && strncmp(uri, "kafka://", 8) == 0)
                json_object_set_new(j, "_offset", json_integer(m.offset));
            char *s = json_dumps(j, JSON_COMPACT);
            if (s)
                puts(s);
            free(s);
            json_decref(j);
            if (pm)
                protobuf_c_message_free_unpacked(pm, NULL);
        }
        fflush(stdout);
        ww_endpoint_abandon(ep, &m); /* inspecting never acknowledges */
    }
    ww_endpoint_close(ep);
    zmq_ctx_term(zctx);
    ww_config_destroy(cfg);
    return rc;
}
