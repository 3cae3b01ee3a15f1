/* FetchRequests from user input: URLs, local paths. */
#include "wirewatch/request.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"

static _Atomic unsigned long request_seq;

Wirewatch__V1__FetchRequest *ww_request_from_input(const char *input, char *err,
                                                   size_t errlen) {
    while (*input == ' ' || *input == '\t')
        input++;
    size_t n = strlen(input);
    while (n && (input[n - 1] == '\n' || input[n - 1] == '\r' || input[n - 1] == ' '))
        n--;
    if (n == 0) {
        ww_seterr(err, errlen, WW_EINVAL, "empty input");
        return NULL;
    }
    char *in = strndup(input, n);
    if (!in)
        return NULL;
    Wirewatch__V1__FetchRequest *r = malloc(sizeof *r);
    if (!r) {
        free(in);
        return NULL;
    }
    wirewatch__v1__fetch_request__init(r);
    r->origin = WIREWATCH__V1__FETCH_REQUEST__ORIGIN__SEED;
    if (strstr(in, "://")) {
        r->url = in;
        in = NULL;
        if (strncmp(r->url, "file://", 7) == 0)
            r->origin = WIREWATCH__V1__FETCH_REQUEST__ORIGIN__FILE;
    } else {
        char abs[PATH_MAX];
        if (!realpath(in, abs)) {
            ww_seterr(err, errlen, WW_ENOTFOUND, "%s: no such file", in);
            free(in);
            free(r);
            return NULL;
        }
        size_t len = strlen(abs) + 8;
        r->url = malloc(len);
        if (r->url)
            snprintf(r->url, len, "file://%s", abs);
        r->origin = WIREWATCH__V1__FETCH_REQUEST__ORIGIN__FILE;
        free(in);
    }
    char id[48];
    snprintf(id, sizeof id, "%d-%lu", ww_pid(), atomic_fetch_add(&request_seq, 1) + 1);
    r->request_id = strdup(id);
    if (r->url && r->request_id && ww_trace_stamp(&r->trace, "submitted") == 0) {
        r->trace->trace_id = ww_trace_new_id();
        if (r->trace->trace_id)
            return r;
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return NULL;
}
