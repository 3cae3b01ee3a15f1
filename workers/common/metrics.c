/* Metrics of one worker (see metrics.h).  The worker thread writes, the HTTP thread
 * reads.  Counters and histogram buckets are atomics; name tables are append-only (a
 * slot is filled, then published by a release store of the count, so a reader never
 * sees a half-written name); the small rings (recent documents, last errors, Kafka lag)
 * sit behind one mutex that either side holds only for a copy. */
#include "wirewatch/metrics.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirewatch/error.h"
#include "wirewatch/message.h"
#include "wirewatch/stage.h"

#define MAX_NAMED 64
#define MAX_KINDS 32
#define MAX_LAG 256
#define RATE_SLOTS 64 /* > 60 s so the sample a minute ago is still there */
#define MAX_BOUNDS 20

static const char *const out_names[WW_OUT__COUNT] = {"main", "dead", "status",
                                                     "discovered", "alerts"};

/* Stage hops are milliseconds to a minute (fetch waits on politeness and slow hosts). */
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                        5,      10,    30,     60,    120,  300};
/* Freshness is how old the news is when classified: seconds to days. */
static const double freshness_bounds[] = {
    1, 5, 15, 30, 60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400, 172800, 604800};

typedef struct hist {
    const double *bounds;
    int nb;
    _Atomic unsigned long long counts[MAX_BOUNDS + 1]; /* per bucket, last = +Inf */
    _Atomic long long sum_us;
} hist;

typedef struct named {
    char name[64];
    const char *lit; /* the pointer first passed for it (usually a literal) */
    _Atomic long long v;
} named;

typedef struct lag_slot {
    char topic[128];
    int32_t partition;
    long long lag;
} lag_slot;

#define RDOC_LABELS 8
typedef struct rdoc { /* a recent document as the worker recorded it */
    int64_t at_us;
    char id[72], title[160], url[256], version[64];
    int nl;
    char lname[RDOC_LABELS][40];
    float lscore[RDOC_LABELS];
} rdoc;

/* The fields ww_metrics_observe reads, looked up by name once per message type
 * (protobuf-c's lookup by name is a binary search with strcmp: eight of them per
 * message were 1.4% of the fetch worker's instructions). */
typedef struct msg_fields {
    const ProtobufCMessageDescriptor *desc;
    const ProtobufCFieldDescriptor *trace, *id, *request_id, *canonical_url, *final_url,
        *url, *title, *taxonomy_version, *published, *labels;
} msg_fields;
#define MAX_MSG_TYPES 8

typedef struct rate_slot {
    _Atomic long long sec, in, out, dead;
} rate_slot;

struct ww_metrics {
    char stage[32];
    ww_worker_stats *stats;
    int64_t started_us;

    named counters[MAX_NAMED];
    _Atomic int n_counters;
    named kinds[MAX_KINDS];
    _Atomic int n_kinds;
    _Atomic long long bytes_in, bytes_out[WW_OUT__COUNT];
    _Atomic long long reloads_ok, reloads_failed, reload_gen;

    hist latency, e2e, freshness;

    rate_slot rates[RATE_SLOTS];
    _Atomic long long last_sec;

    _Atomic int ep_ready, stopped, ever_ready;
    _Atomic long long heartbeat_us, progress_us, last_done, last_flying, stall_ms;

    msg_fields types[MAX_MSG_TYPES]; /* the worker thread's alone */
    int n_types;

    pthread_mutex_t mu; /* guards everything below */
    rdoc docs[WW_METRICS_RECENT];
    int doc_next, n_docs;
    ww_metrics_err errs[WW_METRICS_ERRORS];
    int err_next, n_errs;
    lag_slot lag[MAX_LAG];
    int n_lag;
    char not_ready[160];
    int reload_rc;
    char reload_err[256];
};

static void hist_init(hist *h, const double *bounds, int nb) {
    h->bounds = bounds;
    h->nb = nb;
}

static void hist_observe(hist *h, int64_t us) {
    if (us < 0)
        us = 0; /* clocks of two hosts disagree a little: count it as 0 */
    double s = (double)us / 1e6;
    int i = 0;
    while (i < h->nb && s > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

static void copy_str(char *dst, size_t cap, const char *src) {
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

ww_metrics *ww_metrics_new(const char *stage, ww_worker_stats *stats) {
    ww_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    copy_str(m->stage, sizeof m->stage, stage);
    m->stats = stats;
    m->started_us = ww_now_us();
    m->stall_ms = 60000;
    hist_init(&m->latency, latency_bounds,
              sizeof latency_bounds / sizeof *latency_bounds);
    hist_init(&m->e2e, latency_bounds, sizeof latency_bounds / sizeof *latency_bounds);
    hist_init(&m->freshness, freshness_bounds,
              sizeof freshness_bounds / sizeof *freshness_bounds);
    copy_str(m->not_ready, sizeof m->not_ready, "worker not started");
    return m;
}

void ww_metrics_free(ww_metrics *m) {
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

const char *ww_metrics_stage(const ww_metrics *m) { return m->stage; }
ww_worker_stats *ww_metrics_stats(ww_metrics *m) { return m->stats; }

void ww_metrics_set_stall_ms(ww_metrics *m, long long ms) {
    atomic_store(&m->stall_ms, ms);
}

/* Find or append a named slot.  Only one thread (the worker) appends; the mutex is
 * there so a stray second writer cannot corrupt the table. */
static named *find_named(ww_metrics *m, named *tab, _Atomic int *n, int cap,
                         const char *name) {
    int k = atomic_load_explicit(n, memory_order_acquire);
    /* Callers pass literals: find the same pointer first, then one compare confirms
     * it (a caller's reused buffer must not count under its old name). */
    for (int i = 0; i < k; i++)
        if (tab[i].lit == name && strcmp(tab[i].name, name) == 0)
            return &tab[i];
    for (int i = 0; i < k; i++)
        if (strcmp(tab[i].name, name) == 0)
            return &tab[i];
    named *slot = NULL;
    pthread_mutex_lock(&m->mu);
    k = atomic_load_explicit(n, memory_order_acquire);
    for (int i = 0; i < k && !slot; i++)
        if (strcmp(tab[i].name, name) == 0)
            slot = &tab[i];
    if (!slot && k < cap) {
        slot = &tab[k];
        copy_str(slot->name, sizeof slot->name, name);
        slot->lit = name;
        atomic_store_explicit(n, k + 1, memory_order_release);
    }
    pthread_mutex_unlock(&m->mu);
    return slot; /* NULL when full: the count is lost, never the process */
}

void ww_metrics_count(ww_metrics *m, const char *name, long long delta) {
    named *s = find_named(m, m->counters, &m->n_counters, MAX_NAMED, name);
    if (s)
        atomic_fetch_add_explicit(&s->v, delta, memory_order_relaxed);
}

void ww_metrics_bytes(ww_metrics *m, int out, size_t n) {
    if (out < 0)
        atomic_fetch_add_explicit(&m->bytes_in, (long long)n, memory_order_relaxed);
    else if (out < WW_OUT__COUNT)
        atomic_fetch_add_explicit(&m->bytes_out[out], (long long)n, memory_order_relaxed);
}

void ww_metrics_error(ww_metrics *m, const char *kind, const char *detail) {
    named *s = find_named(m, m->kinds, &m->n_kinds, MAX_KINDS, kind);
    if (s)
        atomic_fetch_add_explicit(&s->v, 1, memory_order_relaxed);
    pthread_mutex_lock(&m->mu);
    ww_metrics_err *e = &m->errs[m->err_next];
    e->at_us = ww_now_us();
    copy_str(e->kind, sizeof e->kind, kind);
    copy_str(e->detail, sizeof e->detail, detail);
    m->err_next = (m->err_next + 1) % WW_METRICS_ERRORS;
    if (m->n_errs < WW_METRICS_ERRORS)
        m->n_errs++;
    pthread_mutex_unlock(&m->mu);
}

/* ---- reading messages by reflection: the worker knows no stage's types ---------- */

static const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *d,
                                             const char *name, ProtobufCType type) {
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(d, name);
    return f && f->type == type &&
                   (type != PROTOBUF_C_TYPE_STRING ||
                    f->label != PROTOBUF_C_LABEL_REPEATED)
               ? f
               : NULL;
}

static void fields_fill(msg_fields *mf, const ProtobufCMessageDescriptor *d) {
    const ProtobufCType S = PROTOBUF_C_TYPE_STRING, M = PROTOBUF_C_TYPE_MESSAGE;
    mf->desc = d;
    mf->trace = field(d, "trace", M);
    if (mf->trace && mf->trace->descriptor != &wirewatch__v1__trace__descriptor)
        mf->trace = NULL;
    mf->id = field(d, "id", S);
    mf->request_id = field(d, "request_id", S);
    mf->canonical_url = field(d, "canonical_url", S);
    mf->final_url = field(d, "final_url", S);
    mf->url = field(d, "url", S);
    mf->title = field(d, "title", S);
    mf->taxonomy_version = field(d, "taxonomy_version", S);
    mf->published = field(d, "published", S);
    mf->labels = field(d, "labels", M);
    if (mf->labels && (mf->labels->label != PROTOBUF_C_LABEL_REPEATED ||
                       mf->labels->descriptor != &wirewatch__v1__label__descriptor))
        mf->labels = NULL;
}

/* The field table of msg's type: cached, or filled into *spare when the cache is full. */
static const msg_fields *fields_of(ww_metrics *m, const ProtobufCMessage *msg,
                                   msg_fields *spare) {
    for (int i = 0; i < m->n_types; i++)
        if (m->types[i].desc == msg->descriptor)
            return &m->types[i];
    msg_fields *mf = m->n_types < MAX_MSG_TYPES ? &m->types[m->n_types++] : spare;
    fields_fill(mf, msg->descriptor);
    return mf;
}

static const char *msg_str(const ProtobufCMessage *msg,
                           const ProtobufCFieldDescriptor *f) {
    if (!f)
        return "";
    const char *s = *(char *const *)((const char *)msg + f->offset);
    return s ? s : "";
}

static int stamp_of(const Wirewatch__V1__Trace *t, const char *stage, int64_t *v) {
    for (size_t i = 0; t && i < t->n_stamps; i++)
        if (t->stamps[i] && t->stamps[i]->key && strcmp(t->stamps[i]->key, stage) == 0) {
            *v = t->stamps[i]->value;
            return 1;
        }
    return 0;
}

/* RFC 3339 ("2024-05-01T12:00:00Z", fractions and offsets allowed) to Unix µs; 0 when
 * it cannot be read. */
static int64_t rfc3339_us(const char *s) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return 0;
    int64_t us = 0;
    if (*p == '.') {
        int64_t scale = 100000;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            us += (*p - '0') * scale;
    }
    long off = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return 0;
        off = sign * (hh * 3600L + mm * 60L);
    } else if (*p != 'Z' && *p != 'z') {
        return 0;
    }
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return 0;
    return ((int64_t)t - off) * 1000000 + us;
}

/* Up to RDOC_LABELS label names and scores, copied raw: formatting them ("name (0.83)")
 * costs microseconds, so the reader does it, not the worker. */
static void labels_raw(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                       rdoc *d) {
    d->nl = 0;
    if (!f)
        return;
    size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
    Wirewatch__V1__Label *const *ls =
        *(Wirewatch__V1__Label *const *const *)((const char *)msg + f->offset);
    for (size_t i = 0; i < n && d->nl < RDOC_LABELS; i++) {
        const Wirewatch__V1__Label *l = ls[i];
        copy_str(d->lname[d->nl], sizeof d->lname[0],
                 l->name && *l->name ? l->name : l->code);
        d->lscore[d->nl++] = l->score;
    }
}

static void labels_text(const rdoc *d, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < d->nl && used + 1 < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s (%.2f)", i ? ", " : "",
                         d->lname[i], (double)d->lscore[i]);
        if (w < 0)
            break;
        used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
    }
}

void ww_metrics_observe(ww_metrics *m, const ProtobufCMessage *msg, int64_t now_us) {
    msg_fields spare;
    const msg_fields *mf = fields_of(m, msg, &spare);
    const Wirewatch__V1__Trace *t =
        mf->trace
            ? *(Wirewatch__V1__Trace *const *)((const char *)msg + mf->trace->offset)
            : NULL;
    int64_t mine = now_us, v;
    stamp_of(t, m->stage, &mine);
    /* this stage's latency: from the latest earlier stamp (the previous stage) */
    int64_t prev = 0;
    for (size_t i = 0; t && i < t->n_stamps; i++) {
        const Wirewatch__V1__Trace__StampsEntry *e = t->stamps[i];
        if (!e || !e->key || strcmp(e->key, m->stage) == 0)
            continue;
        if (e->value <= mine && e->value > prev)
            prev = e->value;
    }
    if (prev)
        hist_observe(&m->latency, mine - prev);
    if (msg->descriptor == &wirewatch__v1__classified__descriptor) {
        if (stamp_of(t, "submitted", &v))
            hist_observe(&m->e2e, mine - v);
        int64_t pub = rfc3339_us(msg_str(msg, mf->published));
        if (pub)
            hist_observe(&m->freshness, mine - pub);
    }

    const char *id = msg_str(msg, mf->id);
    if (!*id)
        id = msg_str(msg, mf->request_id);
    const char *url = msg_str(msg, mf->canonical_url);
    if (!*url)
        url = msg_str(msg, mf->final_url);
    if (!*url)
        url = msg_str(msg, mf->url);
    pthread_mutex_lock(&m->mu);
    rdoc *d = &m->docs[m->doc_next];
    d->at_us = now_us;
    copy_str(d->id, sizeof d->id, id);
    copy_str(d->title, sizeof d->title, msg_str(msg, mf->title));
    copy_str(d->url, sizeof d->url, url);
    copy_str(d->version, sizeof d->version, msg_str(msg, mf->taxonomy_version));
    labels_raw(msg, mf->labels, d);
    m->doc_next = (m->doc_next + 1) % WW_METRICS_RECENT;
    if (m->n_docs < WW_METRICS_RECENT)
        m->n_docs++;
    pthread_mutex_unlock(&m->mu);
}

void ww_metrics_tick(ww_metrics *m, int64_t now_us) {
    ww_worker_stats *st = m->stats;
    atomic_store_explicit(&m->heartbeat_us, now_us, memory_order_relaxed);
    /* progress = some input finished (in - in_flight moved), or the worker was idle:
     * the stall clock starts when work arrives, not at the last completion */
    long long flying = atomic_load(&st->in_flight);
    long long done = atomic_load(&st->in) - flying;
    if (done != atomic_load_explicit(&m->last_done, memory_order_relaxed) ||
        flying == 0 || atomic_load_explicit(&m->last_flying, memory_order_relaxed) == 0) {
        atomic_store_explicit(&m->last_done, done, memory_order_relaxed);
        atomic_store_explicit(&m->progress_us, now_us, memory_order_relaxed);
    }
    atomic_store_explicit(&m->last_flying, flying, memory_order_relaxed);
    long long sec = now_us / 1000000;
    if (sec == atomic_load_explicit(&m->last_sec, memory_order_relaxed))
        return;
    atomic_store_explicit(&m->last_sec, sec, memory_order_relaxed);
    rate_slot *r = &m->rates[sec % RATE_SLOTS];
    atomic_store(&r->sec, 0); /* readers skip a slot being rewritten */
    atomic_store(&r->in, atomic_load(&st->in));
    atomic_store(&r->out, atomic_load(&st->out[WW_OUT_MAIN]));
    atomic_store(&r->dead, atomic_load(&st->dead_lettered));
    atomic_store(&r->sec, sec);
}

void ww_metrics_set_ready(ww_metrics *m, int ready, const char *why) {
    if (ready)
        atomic_store(&m->ever_ready, 1);
    if (atomic_exchange(&m->ep_ready, ready) == ready && ready)
        return;
    pthread_mutex_lock(&m->mu);
    copy_str(m->not_ready, sizeof m->not_ready, ready ? "" : why);
    pthread_mutex_unlock(&m->mu);
}

void ww_metrics_set_stopped(ww_metrics *m) { atomic_store(&m->stopped, 1); }

void ww_metrics_reload_done(ww_metrics *m, int rc, const char *err) {
    pthread_mutex_lock(&m->mu);
    m->reload_rc = rc;
    copy_str(m->reload_err, sizeof m->reload_err, rc ? err : "");
    pthread_mutex_unlock(&m->mu);
    atomic_fetch_add(rc ? &m->reloads_failed : &m->reloads_ok, 1);
    if (rc)
        ww_metrics_error(m, "reload", err);
    atomic_fetch_add(&m->reload_gen, 1);
}

long long ww_metrics_reload_gen(ww_metrics *m) { return atomic_load(&m->reload_gen); }

int ww_metrics_reload_result(ww_metrics *m, char *err, size_t errlen) {
    pthread_mutex_lock(&m->mu);
    int rc = m->reload_rc;
    if (err && errlen)
        copy_str(err, errlen, m->reload_err);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int ww_metrics_kafka_stats(ww_metrics *m, const char *json, size_t len) {
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    if (!root)
        return WW_EMALFORMED;
    lag_slot tmp[MAX_LAG];
    int n = 0;
    json_t *topics = json_object_get(root, "topics"), *tv;
    const char *tname;
    json_object_foreach(topics, tname, tv) {
        json_t *parts = json_object_get(tv, "partitions"), *pv;
        const char *pname;
        json_object_foreach(parts, pname, pv) {
            json_t *pid = json_object_get(pv, "partition");
            json_t *lag = json_object_get(pv, "consumer_lag");
            /* -1 is librdkafka's internal UA partition; lag -1 = not known yet */
            if (!json_is_integer(pid) || json_integer_value(pid) < 0 ||
                !json_is_integer(lag) || json_integer_value(lag) < 0 || n >= MAX_LAG)
                continue;
            copy_str(tmp[n].topic, sizeof tmp[n].topic, tname);
            tmp[n].partition = (int32_t)json_integer_value(pid);
            tmp[n].lag = json_integer_value(lag);
            n++;
        }
    }
    json_decref(root);
    pthread_mutex_lock(&m->mu);
    memcpy(m->lag, tmp, (size_t)n * sizeof *tmp);
    m->n_lag = n;
    pthread_mutex_unlock(&m->mu);
    return 0;
}

/* ---- reading ---------------------------------------------------------------------- */

int ww_metrics_ready(ww_metrics *m, int64_t now_us, char *why, size_t whylen) {
    char buf[200] = "";
    int ready = 0;
    long long stall_us = atomic_load(&m->stall_ms) * 1000;
    if (atomic_load(&m->stopped)) {
        copy_str(buf, sizeof buf, "worker stopped");
    } else if (!atomic_load(&m->ep_ready)) {
        pthread_mutex_lock(&m->mu);
        copy_str(buf, sizeof buf, m->not_ready[0] ? m->not_ready : "endpoints not ready");
        pthread_mutex_unlock(&m->mu);
    } else if (now_us - atomic_load(&m->heartbeat_us) > stall_us) {
        snprintf(buf, sizeof buf, "stalled: worker loop silent for %lld ms",
                 (long long)(now_us - atomic_load(&m->heartbeat_us)) / 1000);
    } else if (now_us - atomic_load(&m->progress_us) > stall_us) {
        snprintf(buf, sizeof buf,
                 "stalled: %lld input(s) in flight, none finished for %lld ms",
                 (long long)atomic_load(&m->stats->in_flight),
                 (long long)(now_us - atomic_load(&m->progress_us)) / 1000);
    } else {
        ready = 1;
    }
    if (why && whylen)
        copy_str(why, whylen, buf);
    return ready;
}

/* Prometheus label value: \ " and newline escaped. */
static void put_label(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* A metric name part: anything outside [a-zA-Z0-9_] becomes '_'. */
static void put_name(FILE *f, const char *s) {
    for (; *s; s++) {
        char c = *s;
        int ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        fputc(ok ? c : '_', f);
    }
}

static void head(FILE *f, const char *stage, const char *name, const char *type,
                 const char *help) {
    fputs("# HELP wirewatch_", f);
    if (stage)
        put_name(f, stage), fputc('_', f);
    fprintf(f, "%s %s\n# TYPE wirewatch_", name, help);
    if (stage)
        put_name(f, stage), fputc('_', f);
    fprintf(f, "%s %s\n", name, type);
}

static void metric(FILE *f, const char *stage, const char *name) {
    fputs("wirewatch_", f);
    if (stage)
        put_name(f, stage), fputc('_', f);
    fputs(name, f);
}

static void simple(FILE *f, const char *stage, const char *name, const char *type,
                   const char *help, long long v) {
    head(f, stage, name, type, help);
    metric(f, stage, name);
    fprintf(f, " %lld\n", v);
}

static void per_output(FILE *f, const char *st, const char *name, const char *help,
                       _Atomic long long *v) {
    head(f, st, name, "counter", help);
    for (int i = 0; i < WW_OUT__COUNT; i++) {
        metric(f, st, name);
        fprintf(f, "{output=\"%s\"} %lld\n", out_names[i], (long long)atomic_load(&v[i]));
    }
}

static void histogram(FILE *f, const char *stage, const char *name, const char *help,
                      hist *h) {
    head(f, stage, name, "histogram", help);
    unsigned long long cum = 0;
    for (int i = 0; i <= h->nb; i++) {
        cum += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        metric(f, stage, name);
        if (i < h->nb)
            fprintf(f, "_bucket{le=\"%g\"} %llu\n", h->bounds[i], cum);
        else
            fprintf(f, "_bucket{le=\"+Inf\"} %llu\n", cum);
    }
    metric(f, stage, name);
    fprintf(f, "_sum %.6f\n", (double)atomic_load(&h->sum_us) / 1e6);
    metric(f, stage, name);
    fprintf(f, "_count %llu\n", cum);
}

/* ---- ww_metrics_render, one section per step ---- */

static void render_traffic(FILE *f, ww_metrics *m) {
    const char *st = m->stage;
    ww_worker_stats *s = m->stats;
    simple(f, st, "messages_in_total", "counter", "Input messages taken.",
           atomic_load(&s->in));
    per_output(f, st, "messages_out_total", "Messages sent, by output.", s->out);
    per_output(f, st, "dropped_total", "Outputs emitted to an output with no endpoint.",
               s->dropped);
    simple(f, st, "dead_lettered_total", "counter",
           "Inputs sent to the dead-letter output.", atomic_load(&s->dead_lettered));
    simple(f, st, "delivery_failed_total", "counter",
           "Outputs that could not be delivered.", atomic_load(&s->delivery_failed));
    simple(f, st, "backpressure_waits_total", "counter",
           "Times an output was full and the stage waited.",
           atomic_load(&s->backpressure_waits));
    simple(f, st, "in_flight", "gauge", "Inputs taken and not yet acknowledged.",
           atomic_load(&s->in_flight));
    simple(f, st, "bytes_in_total", "counter", "Bytes of input messages.",
           atomic_load(&m->bytes_in));
    per_output(f, st, "bytes_out_total",
               "Bytes of output messages (protobuf), by output.", m->bytes_out);
}

static void render_errors_and_reloads(FILE *f, ww_metrics *m) {
    const char *st = m->stage;
    head(f, st, "errors_total", "counter",
         "Errors by kind (dead-letter reasons, delivery, reload).");
    int nk = atomic_load_explicit(&m->n_kinds, memory_order_acquire);
    for (int i = 0; i < nk; i++) {
        metric(f, st, "errors_total{kind=\"");
        put_label(f, m->kinds[i].name);
        fprintf(f, "\"} %lld\n", (long long)atomic_load(&m->kinds[i].v));
    }
    head(f, st, "reloads_total", "counter", "Reloads (SIGHUP, POST /reload) by result.");
    metric(f, st, "reloads_total");
    fprintf(f, "{result=\"ok\"} %lld\n", (long long)atomic_load(&m->reloads_ok));
    metric(f, st, "reloads_total");
    fprintf(f, "{result=\"error\"} %lld\n", (long long)atomic_load(&m->reloads_failed));
}

/* One metric per stage-named counter; names sanitised to [a-zA-Z0-9_]. */
static void render_stage_counters(FILE *f, ww_metrics *m) {
    const char *st = m->stage;
    int nc = atomic_load_explicit(&m->n_counters, memory_order_acquire);
    for (int i = 0; i < nc; i++) {
        const char *name = m->counters[i].name;
        fputs("# HELP wirewatch_", f);
        put_name(f, st);
        fputc('_', f);
        put_name(f, name);
        fputs("_total Stage counter \"", f);
        put_label(f, name);
        fputs("\".\n# TYPE wirewatch_", f);
        put_name(f, st);
        fputc('_', f);
        put_name(f, name);
        fputs("_total counter\nwirewatch_", f);
        put_name(f, st);
        fputc('_', f);
        put_name(f, name);
        fprintf(f, "_total %lld\n", (long long)atomic_load(&m->counters[i].v));
    }
}

static void render_health_and_latency(FILE *f, ww_metrics *m, int64_t now) {
    const char *st = m->stage;
    char why[200];
    simple(f, st, "ready", "gauge", "1 when /readyz answers ready.",
           ww_metrics_ready(m, now, why, sizeof why));
    head(f, st, "uptime_seconds", "gauge", "Seconds since the worker started.");
    metric(f, st, "uptime_seconds");
    fprintf(f, " %.3f\n", (double)(now - m->started_us) / 1e6);
    histogram(f, st, "latency_seconds",
              "This stage's trace stamp minus the previous stage's, per output message.",
              &m->latency);
    histogram(f, NULL, "end_to_end_seconds",
              "Classified minus submitted trace stamps (classify only).", &m->e2e);
    histogram(
        f, NULL, "freshness_seconds",
        "Classified trace stamp minus the article's published time (classify only).",
        &m->freshness);
}

static void render_consumer_lag(FILE *f, ww_metrics *m) {
    const char *st = m->stage;
    pthread_mutex_lock(&m->mu);
    int nl = m->n_lag;
    lag_slot *lag = nl ? malloc((size_t)nl * sizeof *lag) : NULL;
    if (lag)
        memcpy(lag, m->lag, (size_t)nl * sizeof *lag);
    pthread_mutex_unlock(&m->mu);
    head(f, st, "kafka_consumer_lag", "gauge",
         "Messages behind the partition's high watermark (librdkafka statistics).");
    for (int i = 0; lag && i < nl; i++) {
        metric(f, st, "kafka_consumer_lag{topic=\"");
        put_label(f, lag[i].topic);
        fprintf(f, "\",partition=\"%d\"} %lld\n", (int)lag[i].partition, lag[i].lag);
    }
    free(lag);
}

char *ww_metrics_render(ww_metrics *m, size_t *len) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    int64_t now = ww_now_us();
    render_traffic(f, m);
    render_errors_and_reloads(f, m);
    render_stage_counters(f, m);
    render_health_and_latency(f, m, now);
    render_consumer_lag(f, m);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}

static double rate(long long now_v, long long then_v, long long secs) {
    return secs > 0 ? (double)(now_v - then_v) / (double)secs : 0.0;
}

void ww_metrics_snapshot(ww_metrics *m, int64_t now_us, ww_metrics_snap *s) {
    memset(s, 0, sizeof *s);
    ww_worker_stats *st = m->stats;
    copy_str(s->stage, sizeof s->stage, m->stage);
    s->now_us = now_us;
    s->started_us = m->started_us;
    s->in = atomic_load(&st->in);
    s->out = atomic_load(&st->out[WW_OUT_MAIN]);
    s->dead_lettered = atomic_load(&st->dead_lettered);
    s->in_flight = atomic_load(&st->in_flight);
    int nk = atomic_load_explicit(&m->n_kinds, memory_order_acquire);
    for (int i = 0; i < nk; i++)
        s->errors += atomic_load(&m->kinds[i].v);

    /* rates: against the oldest sample no more than 60 s old */
    long long now_s = now_us / 1000000, best = 0;
    const rate_slot *old = NULL;
    for (int i = 0; i < RATE_SLOTS; i++) {
        long long sec = atomic_load(&m->rates[i].sec);
        if (sec && sec >= now_s - 60 && sec < now_s && (!old || sec < best)) {
            old = &m->rates[i];
            best = sec;
        }
    }
    if (old) {
        long long secs = now_s - best;
        s->rate_window_s = (int)secs;
        s->rate_in = rate(s->in, atomic_load(&old->in), secs);
        s->rate_out = rate(s->out, atomic_load(&old->out), secs);
        s->rate_dead = rate(s->dead_lettered, atomic_load(&old->dead), secs);
    }
    s->ready = ww_metrics_ready(m, now_us, s->not_ready, sizeof s->not_ready);

    pthread_mutex_lock(&m->mu);
    s->n_docs = m->n_docs;
    for (int i = 0; i < m->n_docs; i++) {
        const rdoc *r =
            &m->docs[(m->doc_next - 1 - i + WW_METRICS_RECENT) % WW_METRICS_RECENT];
        ww_metrics_doc *d = &s->docs[i];
        d->at_us = r->at_us;
        copy_str(d->id, sizeof d->id, r->id);
        copy_str(d->title, sizeof d->title, r->title);
        copy_str(d->url, sizeof d->url, r->url);
        copy_str(d->version, sizeof d->version, r->version);
        labels_text(r, d->labels, sizeof d->labels);
    }
    s->n_errs = m->n_errs;
    for (int i = 0; i < m->n_errs; i++)
        s->errs[i] =
            m->errs[(m->err_next - 1 - i + WW_METRICS_ERRORS) % WW_METRICS_ERRORS];
    pthread_mutex_unlock(&m->mu);
}
