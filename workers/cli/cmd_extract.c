/* `wirewatch extract [--url URL] [--config-free options] FILE...` — the parse stage on
 * local files, one JSON line per file on stdout:
 *   {"file","url","id","title","byline","published","language","language_confidence",
 *    "site","canonical_url","description","text","links":[{url,text}],"simhash",
 *    "near_duplicate_of","extractor_version","limits_hit":[...]}
 * A file that parses badly gets {"file","url","error"} and the run goes on; the exit
 * status is 1 only when a file cannot be read.  Files ending in .gz are gunzipped
 * (libdeflate, zlib where it cannot); .txt files are plain text.  "-" as the only FILE reads names from stdin. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libdeflate.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "extract_json.h"
#include "wirewatch/error.h"
#include "wirewatch/parse.h"
#include "wirewatch/strutil.h"

int ww_cmd_extract(int argc, char **argv);

/* Bytes read from one file: more than the parser looks at, so that it makes the cut
 * itself and reports limit_input_bytes. */
#define EXTRACT_MAX_FILE_BYTES (8 * (size_t)WW_PARSE_DEFAULT_MAX_INPUT_BYTES)

/* Bytes the file will give: its size, or for gzip the size its trailer states
 * (modulo 4 GiB; a multi-member file states its last member's) — only a first guess
 * for the buffer, so that most files need no realloc; 0 when unknown. */
static size_t expected_size(int fd) {
    struct stat st;
    unsigned char magic[2], tail[4];
    if (fstat(fd, &st) < 0 || st.st_size <= 0)
        return 0;
    if (st.st_size < 18 || pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f ||
        magic[1] != 0x8b)
        return (size_t)st.st_size;
    if (pread(fd, tail, 4, st.st_size - 4) != 4)
        return 0;
    return (size_t)tail[0] | (size_t)tail[1] << 8 | (size_t)tail[2] << 16 |
           (size_t)tail[3] << 24;
}

/* Whole-buffer gunzip with libdeflate, about 3x zlib's gzread on news pages (a third
 * of a run's CPU time went to gzread).  Only the common case: a readable gzip file
 * whose members decompress to the size the trailer states and no more than cap
 * bytes.  Returns a malloc'd buffer (*len bytes), or NULL for zlib to read the file
 * as before (plain files, cut, corrupt or odd ones: their bytes and errors stay
 * zlib's). */
static uint8_t *gunzip_whole(const char *path, size_t cap, size_t *len) {
    uint8_t *in = NULL, *o = NULL;
    struct libdeflate_decompressor *d = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 18 ||
        (uint64_t)st.st_size > cap)
        goto fail;
    size_t inl = (size_t)st.st_size, got = 0;
    in = malloc(inl);
    if (!in)
        goto fail;
    while (got < inl) {
        ssize_t r = read(fd, in + got, inl - got);
        if (r <= 0)
            goto fail;
        got += (size_t)r;
    }
    if (in[0] != 0x1f || in[1] != 0x8b)
        goto fail;
    size_t want = (size_t)in[inl - 4] | (size_t)in[inl - 3] << 8 |
                  (size_t)in[inl - 2] << 16 | (size_t)in[inl - 1] << 24;
    d = libdeflate_alloc_decompressor();
    o = malloc(want + 1);
    if (!d || !o || want > cap)
        goto fail;
    size_t used, n;
    /* one member, the file's whole length, or zlib (multi-member, trailing bytes) */
    if (libdeflate_gzip_decompress_ex(d, in, inl, o, want, &used, &n) !=
            LIBDEFLATE_SUCCESS ||
        used != inl || n != want)
        goto fail;
    libdeflate_free_decompressor(d);
    free(in);
    close(fd);
    *len = n;
    return o;
fail:
    libdeflate_free_decompressor(d);
    free(in);
    free(o);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int read_file(const char *path, uint8_t **out, size_t *len, size_t max, char *err,
                     size_t errlen) {
    if (ww_ends_with(path, ".gz")) {
        /* the largest read the loop below makes: 64 KiB doubled until >= max */
        size_t cap = 65536;
        while (cap < max)
            cap *= 2;
        uint8_t *b = gunzip_whole(path, cap, len);
        if (b) {
            *out = b;
            return 0;
        }
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    gzFile gz = fd < 0 ? NULL : gzdopen(fd, "rb"); /* reads plain files too */
    if (!gz) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ww_seterr(err, errlen, WW_EIO, "%s: %s", path, strerror(e));
    }
    /* the capacities the doubling below would reach, started where the whole file
     * fits: the same bytes are read, without the copies of growing */
    size_t cap = 65536, n = 0, want = expected_size(fd);
    while (cap <= want && cap < max)
        cap *= 2;
    gzbuffer(gz, 131072);
    uint8_t *b = malloc(cap);
    int rc = 0;
    if (!b) {
        rc = ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                break; /* the parser cuts at its own limit and counts it */
            }
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                rc = ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
                goto out;
            }
            b = nb;
            cap *= 2;
        }
        int r = gzread(gz, b + n, (unsigned)((cap - n) > INT_MAX ? INT_MAX : cap - n));
        if (r < 0) {
            int e;
            const char *m = gzerror(gz, &e);
            rc = ww_seterr(err, errlen, WW_EIO, "%s: %s", path, m);
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
out:
    gzclose(gz);
    if (rc < 0) {
        free(b);
        return rc;
    }
    *out = b;
    *len = n;
    return 0;
}

static void print_json(json_t *o) {
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(o);
}

/* One file: returns 0, or WW_EIO when it cannot be read (a JSON error line is printed
 * either way).  line: the caller's buffer for the output line, reused file to file. */
static int one(ww_parser *p, const char *path, const char *url_opt, ww_sb *line) {
    char err[256] = "";
    char url[PATH_MAX + 16];
    if (url_opt) {
        snprintf(url, sizeof url, "%s", url_opt);
    } else {
        char abs[PATH_MAX];
        if (!realpath(path, abs))
            snprintf(abs, sizeof abs, "%s", path);
        snprintf(url, sizeof url, "file://%s", abs);
    }
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = read_file(path, &body, &len, EXTRACT_MAX_FILE_BYTES, err, sizeof err);
    if (rc < 0) {
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(path));
        json_object_set_new(o, "url", json_string(url));
        json_object_set_new(o, "error", json_string(err));
        print_json(o);
        return WW_EIO;
    }
    Wirewatch__V1__Page page;
    wirewatch__v1__page__init(&page);
    page.final_url = url;
    page.requested_url = url;
    page.body.data = body;
    page.body.len = len;
    page.source = WIREWATCH__V1__PAGE__SOURCE__FILE;
    if (ww_ends_with(path, ".txt") || ww_ends_with(path, ".txt.gz"))
        page.content_type = "text/plain";
    Wirewatch__V1__Document *d = NULL;
    unsigned limits = 0;
    rc = ww_parse_page(p, &page, &d, &limits, err, sizeof err);
    if (rc < 0) {
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(path));
        json_object_set_new(o, "url", json_string(url));
        json_object_set_new(o, "error", json_string(err));
        print_json(o);
    } else {
        line->len = 0;
        if (ww__extract_json(line, path, d, limits) == 0) {
            fwrite(line->s, 1, line->len, stdout);
            fputc('\n', stdout);
        }
        protobuf_c_message_free_unpacked(&d->base, NULL);
    }
    free(body);
    return 0;
}

static void usage(FILE *f) {
    fputs(
        "usage: wirewatch extract [--url URL] [--comments] FILE...   (FILE may be .gz; - "
        "reads names from stdin)\n"
        "  one JSON line per file: file, url, id, title, byline, published, language,\n"
        "  site, canonical_url, description, text, links, simhash, near_duplicate_of;\n"
        "  --comments adds reader comments (author, published, text) as parse.comments "
        "does\n",
        f);
}

int ww_cmd_extract(int argc, char **argv) {
    const char *url = NULL;
    int first = 1, status = 0, comments = 0;
    while (first < argc && argv[first][0] == '-' && argv[first][1]) {
        if (!strcmp(argv[first], "--url") && first + 1 < argc) {
            url = argv[first + 1];
            first += 2;
        } else if (!strncmp(argv[first], "--url=", 6)) {
            url = argv[first] + 6;
            first++;
        } else if (!strcmp(argv[first], "--comments")) {
            comments = 1;
            first++;
        } else if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[first], "--")) {
            first++;
            break;
        } else {
            fprintf(stderr, "extract: unknown option %s\n", argv[first]);
            usage(stderr);
            return 2;
        }
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    char err[256];
    /* Page after page allocates and frees buffers of about the same sizes: keep the
     * freed memory in the heap rather than handing it back and faulting it in again
     * (a tenth of the run's CPU time went to page faults). */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    ww_parser_opts o;
    ww_parser_opts_default(&o); /* the parse stage's defaults (parse.h) */
    o.extract.comments = comments;
    ww_parser *p = ww_parser_new(&o, err, sizeof err);
    if (!p) {
        fprintf(stderr, "extract: %s\n", err);
        return 1;
    }
    ww_sb out = {0};
    if (argc - first == 1 && !strcmp(argv[first], "-")) {
        char line[PATH_MAX];
        while (fgets(line, sizeof line, stdin)) {
            line[strcspn(line, "\r\n")] = 0;
            if (line[0] && one(p, line, url, &out) < 0)
                status = 1;
            fflush(stdout);
        }
    } else {
        for (int k = first; k < argc; k++) {
            if (one(p, argv[k], url, &out) < 0)
                status = 1;
        }
    }
    fflush(stdout);
    ww_sb_free(&out);
    ww_parser_free(p);
    return status;
}
