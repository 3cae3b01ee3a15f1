/* Requests and the jobs they serve: allocation, adoption of a decoded FetchRequest,
 * and the reference counting that completes a runtime job when its last request is
 * finished. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_request.h"
#include "wirewatch/message.h"

void ww__req_free(freq *r) {
    if (!r)
        return;
    free(r->url);
    free(r->path_query);
    curl_url_cleanup(r->curlu);
    if (r->trace && (!r->src || r->trace != r->src->trace))
        protobuf_c_message_free_unpacked(&r->trace->base, NULL);
    if (r->src) {
        wirewatch__v1__fetch_request__free_unpacked(r->src, NULL);
    } else {
        free(r->req_url);
        free(r->request_id);
        free(r->parent_url);
    }
    free(r);
}

fowner *ww__owner_new(ww__owners *os, ww_job *job) {
    fowner *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->job = job;
    o->refs = 1;
    o->next = os->head;
    if (os->head)
        os->head->prev = o;
    os->head = o;
    os->jobs++;
    return o;
}

static void owner_unlink(ww__owners *os, fowner *o) {
    if (o->prev)
        o->prev->next = o->next;
    else
        os->head = o->next;
    if (o->next)
        o->next->prev = o->prev;
}

void ww__owner_release(ww__owners *os, fowner *o) {
    if (o && --o->refs == 0) {
        owner_unlink(os, o);
        ww_job_done(o->job);
        os->jobs--;
        free(o);
    }
}

void ww__owners_drop(ww__owners *os) {
    while (os->head) {
        fowner *o = os->head;
        owner_unlink(os, o);
        free(o);
    }
}

freq *ww__req_new(fowner *own, const char *url, int origin, unsigned depth,
                  const char *parent, const char *request_id,
                  const Wirewatch__V1__Trace *trace) {
    freq *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->own = own;
    r->origin = origin;
    r->depth = depth;
    r->req_url = strdup(url ? url : "");
    r->parent_url = strdup(parent ? parent : "");
    r->request_id = strdup(request_id ? request_id : "");
    r->trace = trace ? ww_trace_copy(trace) : NULL;
    if (!r->req_url || !r->parent_url || !r->request_id || (trace && !r->trace)) {
        ww__req_free(r);
        return NULL;
    }
    if (own)
        own->refs++;
    return r;
}

freq *ww__req_adopt(fowner *own, Wirewatch__V1__FetchRequest *fr, const char *key) {
    freq *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if ((!fr->request_id || !*fr->request_id) && key && *key) {
        /* protobuf-c frees a string field that is not its default: this one is ours */
        char *k = strdup(key);
        if (!k) {
            free(r);
            return NULL;
        }
        fr->request_id = k;
    }
    r->src = fr;
    r->own = own;
    r->origin = fr->origin;
    r->depth = fr->depth;
    r->req_url = fr->url ? fr->url : (char *)"";
    r->parent_url = fr->parent_url ? fr->parent_url : (char *)"";
    r->request_id = fr->request_id ? fr->request_id : (char *)"";
    r->trace = fr->trace;
    if (own)
        own->refs++;
    return r;
}
