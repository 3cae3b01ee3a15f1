/* wirewatch.v1 message helpers: clocks, traces, schema lookup and version, pack/unpack
 * with limits.  The JSON mirror is msg_json_encode.c / msg_json_decode.c. */
#include "wirewatch/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <unistd.h>
#include <time.h>

#include "wirewatch/error.h"

int64_t ww_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ww_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct timespec ww_timespec_after_ms(clockid_t clock, int ms) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

char *ww_strdup0(const char *s) { return strdup(s ? s : ""); }

/* A fork moves this generation, so what a process caches about itself (its pid, its
 * trace-id seed) is read again in the child instead of being repeated from the parent. */
static atomic_uint fork_gen = 1;
static void on_fork_child(void) { atomic_fetch_add(&fork_gen, 1); }
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void atfork_install(void) { pthread_atfork(NULL, NULL, on_fork_child); }

/* Whether a per-thread cache stamped *gen must be filled (first use, or a fork since);
 * stamps it as current. */
static int cache_stale(unsigned *gen) {
    unsigned g = atomic_load(&fork_gen);
    if (*gen == g)
        return 0;
    pthread_once(&atfork_once, atfork_install);
    *gen = g;
    return 1;
}

int ww_pid(void) {
    /* getpid is a system call in glibc >= 2.25 and ids are made per request */
    static _Thread_local int pid;
    static _Thread_local unsigned gen;
    if (cache_stale(&gen))
        pid = (int)getpid();
    return pid;
}

/* Trace ids need to be unique, not secret: each thread draws a 128-bit seed from
 * getrandom once and then mixes a counter through splitmix64.  One getrandom and 16
 * snprintf calls per id were ~4% of the fetch stage's CPU per page. */
static uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

char *ww_trace_new_id(void) {
    static _Thread_local uint64_t seed[2], ctr;
    static _Thread_local unsigned gen;
    if (cache_stale(&gen) && getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        /* getrandom on Linux >= 3.17 does not fail for 16 bytes; fall back anyway. */
        seed[0] = (uint64_t)ww_mono_us() ^ ((uint64_t)ww_now_us() << 20);
        seed[1] = (uint64_t)(uintptr_t)&seed ^ (uint64_t)getpid();
    }
    ctr++;
    uint64_t v[2] = {splitmix64(seed[0] + ctr),
                     splitmix64(seed[1] ^ (ctr * 0xd1342543de82ef95ULL))};
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(33);
    if (!s)
        return NULL;
    for (int i = 0; i < 16; i++) {
        unsigned b = (unsigned)(v[i / 8] >> ((i % 8) * 8)) & 0xff;
        s[2 * i] = hex[b >> 4];
        s[2 * i + 1] = hex[b & 15];
    }
    s[32] = '\0';
    return s;
}

int ww_trace_stamp(Wirewatch__V1__Trace **tracep, const char *stage) {
    Wirewatch__V1__Trace *t = *tracep;
    if (!t) {
        t = malloc(sizeof *t);
        if (!t)
            return WW_ENOMEM;
        wirewatch__v1__trace__init(t);
        *tracep = t;
    }
    int64_t now = ww_now_us();
    for (size_t i = 0; i < t->n_stamps; i++) {
        if (t->stamps[i] && strcmp(t->stamps[i]->key, stage) == 0) {
            t->stamps[i]->value = now;
            return 0;
        }
    }
    Wirewatch__V1__Trace__StampsEntry **n =
        realloc(t->stamps, (t->n_stamps + 1) * sizeof *t->stamps);
    if (!n)
        return WW_ENOMEM;
    t->stamps = n;
    Wirewatch__V1__Trace__StampsEntry *e = malloc(sizeof *e);
    if (!e)
        return WW_ENOMEM;
    wirewatch__v1__trace__stamps_entry__init(e);
    e->key = strdup(stage);
    if (!e->key) {
        free(e);
        return WW_ENOMEM;
    }
    e->value = now;
    t->stamps[t->n_stamps++] = e;
    return 0;
}

Wirewatch__V1__Trace *ww_trace_copy(const Wirewatch__V1__Trace *src) {
    if (!src)
        return NULL;
    /* A direct deep copy, every part malloc'd as protobuf_c_message_free_unpacked
     * expects (a pack + unpack round trip did the same at ~5x the instructions). */
    Wirewatch__V1__Trace *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    wirewatch__v1__trace__init(t);
    if (src->trace_id && *src->trace_id && !(t->trace_id = strdup(src->trace_id)))
        goto fail;
    if (src->n_stamps) {
        if (!(t->stamps = calloc(src->n_stamps, sizeof *t->stamps)))
            goto fail;
        for (size_t i = 0; i < src->n_stamps; i++) {
            const Wirewatch__V1__Trace__StampsEntry *se = src->stamps[i];
            if (!se)
                continue;
            Wirewatch__V1__Trace__StampsEntry *e = malloc(sizeof *e);
            if (!e)
                goto fail;
            wirewatch__v1__trace__stamps_entry__init(e);
            e->value = se->value;
            if (se->key && *se->key && !(e->key = strdup(se->key))) {
                free(e);
                goto fail;
            }
            t->stamps[t->n_stamps++] = e;
        }
    }
    return t;
fail:
    if (!t->trace_id)
        t->trace_id = (char *)protobuf_c_empty_string;
    protobuf_c_message_free_unpacked(&t->base, NULL);
    return NULL;
}

static const ProtobufCMessageDescriptor *const all_types[] = {
    &wirewatch__v1__fetch_request__descriptor, &wirewatch__v1__page__descriptor,
    &wirewatch__v1__document__descriptor,      &wirewatch__v1__classified__descriptor,
    &wirewatch__v1__dead_letter__descriptor,   &wirewatch__v1__status_event__descriptor,
    &wirewatch__v1__trace__descriptor,         &wirewatch__v1__envelope__descriptor,
};

const ProtobufCMessageDescriptor *ww_msg_type(const char *name) {
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof all_types / sizeof *all_types; i++) {
        const ProtobufCMessageDescriptor *d = all_types[i];
        if (strcmp(d->name, name) == 0 || strcmp(d->short_name, name) == 0)
            return d;
    }
    return NULL;
}

unsigned ww_schema_version(void) {
    /* the .proto's SchemaVersion enum: its highest value is the current version */
    const ProtobufCEnumDescriptor *e = &wirewatch__v1__schema_version__descriptor;
    int v = 0;
    for (unsigned i = 0; i < e->n_values; i++)
        if (e->values[i].value > v)
            v = e->values[i].value;
    return (unsigned)v;
}

uint8_t *ww_msg_pack(const ProtobufCMessage *msg, size_t *len) {
    const Wirewatch__V1__Classified *c = NULL;
    size_t n = SIZE_MAX;
    if (msg->descriptor == &wirewatch__v1__classified__descriptor) {
        c = (const Wirewatch__V1__Classified *)msg;
        n = ww_classified_packed_size(c);
    }
    if (n == SIZE_MAX) {
        c = NULL;
        n = protobuf_c_message_get_packed_size(msg);
    }
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    *len = c ? ww_classified_pack(c, buf, n) : protobuf_c_message_pack(msg, buf);
    if (*len != n) { /* m changed between size and pack: nothing half-written leaves */
        free(buf);
        return NULL;
    }
    return buf;
}

ProtobufCMessage *ww_msg_unpack(const ProtobufCMessageDescriptor *type,
                                const uint8_t *data, size_t len, size_t max_len,
                                int *code, char *err, size_t errlen) {
    if (max_len && len > max_len) {
        if (code)
            *code = WW_ETOOBIG;
        ww_seterr(err, errlen, WW_ETOOBIG, "%s of %zu bytes exceeds the limit of %zu",
                  type->short_name, len, max_len);
        return NULL;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(type, NULL, len, data);
    if (!m) {
        if (code)
            *code = WW_EMALFORMED;
        ww_seterr(err, errlen, WW_EMALFORMED, "%zu bytes are not a valid %s", len,
                  type->name);
        return NULL;
    }
    if (code)
        *code = 0;
    return m;
}
