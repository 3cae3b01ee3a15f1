/* Optional WARC output of what the fetch stage downloaded (fetch.warc_dir).
 *
 * One file per worker process, "wirewatch-<pid>-<start time>-<seq>.warc.gz", rotated
 * when it passes fetch.warc_max_bytes.  Every record is its own gzip member (the usual
 * layout: readers can seek to a record's offset, which the Page carries).  A file
 * starts with a warcinfo record; each fetched page is a response record holding the
 * final HTTP response as the client saw it: status line and headers as received,
 * then the content-decoded body — so Content-Encoding, Transfer-Encoding and
 * Content-Length are replaced by the decoded length (an archive of what was parsed,
 * not a byte-exact capture of the wire). */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "fetch_internal.h"
#include "wirewatch/log.h"

struct ww__warcw {
    char *dir;
    int64_t max_bytes;
    FILE *f;
    char *path;
    int64_t size;
    unsigned seq;
    time_t started;
};

/* "sha1:" + RFC 4648 base32 of a SHA-1 (160 bits = 32 characters), the form WARC
 * digests use. */
static void b32_digest(const unsigned char md[20], char out[40]) {
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t o = 5;
    unsigned buf = 0;
    int bits = 0;
    memcpy(out, "sha1:", 5);
    for (unsigned i = 0; i < 20; i++) {
        buf = (buf << 8) | md[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = al[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    out[o] = '\0';
}

/* SHA-1 over up to two buffers; 0 or WW_ENOMEM. */
static int sha1_2(const void *a, size_t an, const void *b, size_t bn, char out[40]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, a, an) &&
             EVP_DigestUpdate(c, b, bn) && EVP_DigestFinal_ex(c, md, &mdlen) &&
             mdlen == 20;
    EVP_MD_CTX_free(c);
    if (!ok) {
        out[0] = '\0';
        return WW_ENOMEM;
    }
    b32_digest(md, out);
    return 0;
}

static void uuid_urn(char out[64]) {
    uint8_t u[16];
    if (getrandom(u, sizeof u, 0) != (ssize_t)sizeof u)
        for (size_t i = 0; i < sizeof u; i++)
            u[i] = (uint8_t)rand();
    u[6] = (uint8_t)((u[6] & 0x0F) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3F) | 0x80);
    snprintf(
        out, 64,
        "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
        u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
        u[13], u[14], u[15]);
}

static void warc_date(char out[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Append one gzip member holding the given parts. */
static int write_member(ww__warcw *w, const void *const *parts, const size_t *lens,
                        size_t nparts) {
    z_stream z = {0};
    uint8_t out[65536];
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return WW_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i <= nparts && !rc; i++) {
        int flush = i == nparts ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = i < nparts ? (Bytef *)parts[i] : NULL;
        z.avail_in = i < nparts ? (uInt)lens[i] : 0;
        int zr;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            zr = deflate(&z, flush);
            size_t have = sizeof out - z.avail_out;
            if (have && fwrite(out, 1, have, w->f) != have) {
                rc = WW_EIO;
                break;
            }
            w->size += (int64_t)have;
        } while (z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
    }
    deflateEnd(&z);
    return rc;
}

static int write_record(ww__warcw *w, const char *type, const char *uri,
                        const char *ctype, const char *extra_hdrs,
                        const void *const *bparts, const size_t *blens, size_t nb,
                        const char *payload_digest, const char *block_digest) {
    char id[64], date[32], head[4096];
    size_t blen = 0;
    for (size_t i = 0; i < nb; i++)
        blen += blens[i];
    uuid_urn(id);
    warc_date(date);
    int n = snprintf(
        head, sizeof head,
        "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\nWARC-Date: %s\r\n"
        "%s%s%s%s%s%s%s%s%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
        type, id, date, uri ? "WARC-Target-URI: " : "", uri ? uri : "", uri ? "\r\n" : "",
        payload_digest ? "WARC-Payload-Digest: " : "",
        payload_digest ? payload_digest : "", payload_digest ? "\r\n" : "",
        block_digest ? "WARC-Block-Digest: " : "", block_digest ? block_digest : "",
        block_digest ? "\r\n" : "", ctype, blen);
    if (n < 0 || (size_t)n >= sizeof head)
        return WW_ETOOBIG;
    if (extra_hdrs && *extra_hdrs) {
        /* Insert extra WARC headers (already "Name: value\r\n") before Content-Type. */
        char tmp[4096];
        char *ct = strstr(head, "Content-Type: ");
        int m =
            snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)(ct - head), head, extra_hdrs, ct);
        if (m < 0 || (size_t)m >= sizeof tmp)
            return WW_ETOOBIG;
        memcpy(head, tmp, (size_t)m + 1);
        n = m;
    }
    const void *parts[8];
    size_t lens[8];
    size_t k = 0;
    parts[k] = head;
    lens[k++] = (size_t)n;
    for (size_t i = 0; i < nb && k < 7; i++) {
        parts[k] = bparts[i];
        lens[k++] = blens[i];
    }
    parts[k] = "\r\n\r\n";
    lens[k++] = 4;
    return write_member(w, parts, lens, k);
}

static int open_next(ww__warcw *w) {
    if (w->f) {
        fclose(w->f);
        w->f = NULL;
    }
    free(w->path);
    size_t n = strlen(w->dir) + 96;
    if (!(w->path = malloc(n)))
        return WW_ENOMEM;
    snprintf(w->path, n, "%s/wirewatch-%d-%lld-%05u.warc.gz", w->dir, (int)getpid(),
             (long long)w->started, w->seq++);
    if (!(w->f = fopen(w->path, "wbx"))) {
        WW_ERROR("fetch", "cannot create %s: %s", w->path, strerror(errno));
        return WW_EIO;
    }
    w->size = 0;
    static const char info[] =
        "software: wirewatch fetch\r\nformat: WARC File Format 1.1\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/\r\n";
    const void *p[1] = {info};
    size_t l[1] = {sizeof info - 1};
    return write_record(w, "warcinfo", NULL, "application/warc-fields", NULL, p, l, 1,
                        NULL, NULL);
}

ww__warcw *ww__warcw_new(const char *dir, int64_t max_bytes, char *err, size_t errlen) {
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ww_seterr(err, errlen, WW_EINVAL, "fetch.warc_dir %s is not a directory", dir);
        return NULL;
    }
    ww__warcw *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        return NULL;
    }
    w->max_bytes = max_bytes;
    w->started = time(NULL);
    if (open_next(w) < 0) {
        ww_seterr(err, errlen, WW_EIO, "cannot create a WARC file in %s", dir);
        ww__warcw_free(w);
        return NULL;
    }
    return w;
}

void ww__warcw_free(ww__warcw *w) {
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    free(w->path);
    free(w->dir);
    free(w);
}

/* Keep the received header block except the framing headers the decoded body no longer
 * matches; returns a malloc'd block ending in the blank line. */
static char *rewrite_headers(const char *raw, size_t len, size_t body_len) {
    char *o = malloc(len + 64);
    size_t j = 0;
    if (!o)
        return NULL;
    size_t i = 0;
    while (i < len) {
        const char *eol = memchr(raw + i, '\n', len - i);
        size_t ll = eol ? (size_t)(eol - (raw + i)) + 1 : len - i;
        const char *l = raw + i;
        i += ll;
        size_t content = ll;
        while (content && (l[content - 1] == '\n' || l[content - 1] == '\r'))
            content--;
        if (content == 0)
            continue; /* the blank line: re-added at the end */
        if (!strncasecmp(l, "content-encoding:", 17) ||
            !strncasecmp(l, "content-length:", 15) ||
            !strncasecmp(l, "transfer-encoding:", 18))
            continue;
        memcpy(o + j, l, content);
        j += content;
        o[j++] = '\r';
        o[j++] = '\n';
    }
    j += (size_t)snprintf(o + j, 64, "Content-Length: %zu\r\n\r\n", body_len);
    o[j] = '\0';
    return o;
}

int ww__warcw_response(ww__warcw *w, const char *url, const char *ip,
                       const char *raw_headers, size_t hlen, const uint8_t *body,
                       size_t blen, int truncated, char **file, int64_t *offset,
                       char *digest40) {
    if (w->max_bytes > 0 && w->size >= w->max_bytes) {
        int rc = open_next(w);
        if (rc)
            return rc;
    }
    char *hdr = rewrite_headers(raw_headers ? raw_headers : "", hlen, blen);
    if (!hdr)
        return WW_ENOMEM;
    char block_digest[40], extra[160] = "";
    sha1_2(body, blen, "", 0, digest40);
    /* The block digest covers the HTTP header block and the body. */
    sha1_2(hdr, strlen(hdr), body, blen, block_digest);
    size_t el = 0;
    if (ip && *ip)
        el += (size_t)snprintf(extra + el, sizeof extra - el, "WARC-IP-Address: %s\r\n",
                               ip);
    if (truncated)
        snprintf(extra + el, sizeof extra - el, "WARC-Truncated: length\r\n");
    int64_t at = w->size;
    const void *p[2] = {hdr, body};
    size_t l[2] = {strlen(hdr), blen};
    int rc = write_record(w, "response", url, "application/http; msgtype=response", extra,
                          p, l, 2, digest40, block_digest[0] ? block_digest : NULL);
    free(hdr);
    if (rc == 0 && fflush(w->f) != 0)
        rc = WW_EIO;
    if (rc == 0) {
        *file = w->path;
        *offset = at;
    }
    return rc;
}
