/* One URL to fetch (freq) and the runtime job it serves (fowner): their lifetimes.
 * Every request a job spawns (its own, retries, followed discoveries, feed polls)
 * holds a reference on the job's owner; the job is done when the last one goes.
 * Internal to workers/fetch. */
#ifndef WW_FETCH_REQUEST_H
#define WW_FETCH_REQUEST_H

#include <stdint.h>

#include "fetch_internal.h"
#include "wirewatch/stage.h"

typedef struct fhost fhost;

/* A job from the runtime and the number of requests holding it. */
typedef struct fowner {
    ww_job *job;
    int refs;
    struct fowner *prev, *next; /* the stage's live owners, freed at teardown */
} fowner;

/* The live owners: what a forced stop must free, and how many jobs are not done. */
typedef struct ww__owners {
    fowner *head;
    int jobs;
} ww__owners;

/* One URL to fetch. */
typedef struct freq {
    struct freq *next; /* host queue */
    fowner *own;       /* NULL for robots.txt requests */
    fhost *host;
    char *url;              /* normalised: what is fetched and remembered */
    char *path_query;       /* of url, for robots.txt matching */
    struct Curl_URL *curlu; /* url parsed once (by normalisation), given to libcurl */
    char *req_url;          /* as requested */
    char *request_id;
    char *parent_url;
    int origin; /* Wirewatch__V1__FetchRequest__Origin */
    unsigned depth;
    int64_t not_before_mono_us;
    int retries;
    int robots;     /* this is the robots.txt fetch of host */
    int trusted;    /* the request is a trusted input itself (ww_job_input_trusted), not
                     * one found in it: it may name a local file.  Never inherited. */
    ww__feed *feed; /* this is a scheduled poll of a fetch.feeds entry */
    Wirewatch__V1__Trace *trace;
    /* The decoded request this one was made from, kept instead of copied: req_url,
     * request_id, parent_url and (until stamped anew) trace point into it. */
    Wirewatch__V1__FetchRequest *src;
} freq;

/* A request with copies of its strings, holding a reference on own (NULL: robots.txt).
 * NULL on ENOMEM. */
freq *ww__req_new(fowner *own, const char *url, int origin, unsigned depth,
                  const char *parent, const char *request_id,
                  const Wirewatch__V1__Trace *trace);
/* A request made from a decoded FetchRequest, which it keeps (NULL: out of memory,
 * fr is still the caller's).  An empty request id becomes the input's key. */
freq *ww__req_adopt(fowner *own, Wirewatch__V1__FetchRequest *fr, const char *key);
/* Free r and what it owns (not its owner's reference).  NULL is a no-op. */
void ww__req_free(freq *r);

/* The owner of a runtime job, holding one reference (released by ww__owner_release).
 * NULL on ENOMEM. */
fowner *ww__owner_new(ww__owners *os, ww_job *job);
/* Drop one reference; the last one marks the job done and frees o.  NULL is a no-op. */
void ww__owner_release(ww__owners *os, fowner *o);
/* Teardown: free every owner without completing its job (the runtime abandons them). */
void ww__owners_drop(ww__owners *os);

#endif
