/* URL normalisation for the seen-set and for politeness keys.
 *
 * Parsing and dot-segment removal are libcurl's URL API (the same parser that will
 * fetch the URL, so the two cannot disagree about what a URL means); what curl leaves
 * alone — host case, a trailing root dot, escape case, tracking parameters,
 * fragments — is done here. */
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"
#include "wirewatch/urlnorm.h"
#include "wirewatch/strbuf.h"

static int param_dropped(const char *name, size_t nlen, const char *const *drop,
                         size_t n_drop) {
    for (size_t i = 0; i < n_drop; i++) {
        const char *d = drop[i];
        size_t dl = strlen(d);
        if (dl && d[dl - 1] == '*') {
            if (nlen >= dl - 1 && strncasecmp(name, d, dl - 1) == 0)
                return 1;
        } else if (dl == nlen && strncasecmp(name, d, nlen) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Upper-case the hex digits of every %XX in place (RFC 3986 6.2.2.1); returns whether
 * any changed. */
static int upper_escapes(char *s) {
    int changed = 0;
    for (; *s; s++)
        if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
            isxdigit((unsigned char)s[2])) {
            changed |= islower((unsigned char)s[1]) || islower((unsigned char)s[2]);
            s[1] = (char)toupper((unsigned char)s[1]);
            s[2] = (char)toupper((unsigned char)s[2]);
            s += 2;
        }
    return changed;
}

/* The politeness key "scheme://host:port" (port always present); malloc'd or NULL. */
static char *origin_of(const char *scheme, const char *host, const char *port) {
    ww_sb o = {0};
    ww_sb_puts(&o, scheme), ww_sb_puts(&o, "://"), ww_sb_puts(&o, host);
    ww_sb_puts(&o, ":"), ww_sb_puts(&o, port);
    return ww_sb_take(&o, NULL);
}

/* Origin "scheme://host:port" and "/path?query" of a parsed http(s) URL. */
static int split_parsed(CURLU *u, char **origin, char **path_query) {
    int rc = WW_EINVAL;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    *origin = NULL;
    if (path_query)
        *path_query = NULL;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
        goto out;
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        goto out;
    for (char *h = host; *h; h++)
        *h = (char)tolower((unsigned char)*h);
    rc = WW_ENOMEM;
    if (!(*origin = origin_of(scheme, host, port)))
        goto out;
    size_t n;
    if (path_query) {
        if (curl_url_get(u, CURLUPART_PATH, &path, 0))
            goto out;
        int hq = curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK;
        n = strlen(path) + (hq ? strlen(query) + 1 : 0) + 2;
        if (!(*path_query = malloc(n)))
            goto out;
        snprintf(*path_query, n, "%s%s%s", *path ? path : "/", hq ? "?" : "",
                 hq ? query : "");
    }
    rc = 0;
out:
    if (rc) {
        free(*origin);
        *origin = NULL;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    return rc;
}

/* Query without the dropped parameters, order kept; malloc'd ("" when none left). */
static char *filter_query(const char *q, const char *const *drop, size_t n_drop) {
    size_t len = strlen(q);
    char *o = malloc(len + 1);
    size_t j = 0;
    if (!o)
        return NULL;
    const char *p = q;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t nlen = eq ? (size_t)(eq - p) : plen;
        if (plen && !param_dropped(p, nlen, drop, n_drop)) {
            if (j)
                o[j++] = '&';
            memcpy(o + j, p, plen);
            j += plen;
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    o[j] = '\0';
    return o;
}

/* Whether the authority of url (after "scheme:" and any slashes, as curl reads it,
 * up to the path, query or fragment) holds a '%'. */
static int authority_has_escape(const char *url) {
    const char *p = strchr(url, ':');
    if (!p)
        return 0;
    for (p++; *p == '/' || *p == '\\'; p++)
        ;
    for (; *p && *p != '/' && *p != '\\' && *p != '?' && *p != '#'; p++)
        if (*p == '%')
            return 1;
    return 0;
}

/* One pass of normalisation, in phases; what they share. */
typedef struct norm {
    CURLU *u;
    char *scheme, *host, *query, *port; /* libcurl's (curl_free) */
    char *nq;                           /* the query without dropped parameters */
    int host_changed, query_set;        /* parts set on u anew */
    size_t path_at;                     /* where the path starts in the result */
} norm;

static const char *default_port(const char *scheme) {
    return strcmp(scheme, "https") == 0 ? "443" : "80";
}

/* Phase 1: parse with libcurl and check it is an http(s) URL with a sane host. */
static int parse_checked(norm *n, const char *url, char *err, size_t errlen) {
    if (!(n->u = curl_url()))
        return WW_ENOMEM;
    CURLUcode uc = curl_url_set(n->u, CURLUPART_URL, url, 0);
    if (uc)
        return ww_seterr(err, errlen, WW_EINVAL, "bad URL: %s", curl_url_strerror(uc));
    if (curl_url_get(n->u, CURLUPART_SCHEME, &n->scheme, 0) ||
        (strcmp(n->scheme, "http") != 0 && strcmp(n->scheme, "https") != 0))
        return ww_seterr(err, errlen, WW_EINVAL, "not an http(s) URL");
    if (curl_url_get(n->u, CURLUPART_HOST, &n->host, 0) || !*n->host)
        return ww_seterr(err, errlen, WW_EINVAL, "URL has no host");
    for (const char *h = n->host; *h; h++)
        if ((unsigned char)*h <= 0x20 || *h == 0x7f || *h == '%')
            return ww_seterr(err, errlen, WW_EINVAL, "URL host has a control character");
    return 0;
}

/* Phase 2: the host lower-case and without trailing dots; *host_edited when it changed
 * or was escaped (the caller then normalises the result again). */
static int normalize_host(norm *n, const char *url, int *host_edited, char *err,
                          size_t errlen) {
    char *orig_host = strdup(n->host);
    if (!orig_host)
        return WW_ENOMEM;
    for (char *h = n->host; *h; h++)
        *h = (char)tolower((unsigned char)*h);
    /* "example.com." names the same host; "a.." would shrink again on a second pass,
     * so every trailing dot goes at once (normalising twice must change nothing). */
    size_t hl = strlen(n->host);
    while (hl > 0 && n->host[hl - 1] == '.')
        n->host[--hl] = '\0';
    /* curl decodes %XX in the host but does not re-read the result as an IPv4 number
     * ("9%30" -> "90", which the next parse turns into "0.0.0.90"): an escaped host
     * counts as edited so the result is normalised again. */
    n->host_changed = strcmp(orig_host, n->host) != 0;
    *host_edited = n->host_changed || authority_has_escape(url);
    free(orig_host);
    if (!hl)
        return ww_seterr(err, errlen, WW_EINVAL, "URL has no host");
    return 0;
}

/* Phase 3: set on u what changes - the host, no fragment, the filtered query.  Each
 * set re-validates its part: only what changes is set (most URLs need none). */
static int edit_parts(norm *n, const char *url, const char *const *drop_params,
                      size_t n_drop) {
    if ((n->host_changed && curl_url_set(n->u, CURLUPART_HOST, n->host, 0)) ||
        (strchr(url, '#') && curl_url_set(n->u, CURLUPART_FRAGMENT, NULL, 0)))
        return WW_ENOMEM;
    if (curl_url_get(n->u, CURLUPART_QUERY, &n->query, 0) == CURLUE_OK) {
        if (!(n->nq = filter_query(n->query, drop_params, n_drop)))
            return WW_ENOMEM;
        if (!*n->nq || strcmp(n->nq, n->query) != 0) {
            if (curl_url_set(n->u, CURLUPART_QUERY, *n->nq ? n->nq : NULL, 0))
                return WW_ENOMEM;
            n->query_set = 1;
        }
    }
    return 0;
}

/* Phase 4: the URL put together from its parts into *out, the way libcurl 7.88 prints
 * one (curl_url_get(CURLUPART_URL), which fuzz_urlnorm checks this against):
 * libcurl's printf builds it a byte at a time and was a tenth of the fetch stage's
 * instructions per page. */
static int rebuild(norm *n, char **out, char *err, size_t errlen) {
    char *user = NULL, *pass = NULL, *zone = NULL, *path = NULL;
    int rc = WW_ENOMEM;
    CURLUcode pu = curl_url_get(n->u, CURLUPART_USER, &user, 0);
    CURLUcode pp = curl_url_get(n->u, CURLUPART_PASSWORD, &pass, 0);
    CURLUcode pz = n->host[0] == '[' ? curl_url_get(n->u, CURLUPART_ZONEID, &zone, 0)
                                     : CURLUE_NO_ZONEID;
    CURLUcode pt = curl_url_get(n->u, CURLUPART_PORT, &n->port, 0);
    CURLUcode ph = curl_url_get(n->u, CURLUPART_PATH, &path, 0);
    if ((pu && pu != CURLUE_NO_USER) || (pp && pp != CURLUE_NO_PASSWORD) ||
        (pz && pz != CURLUE_NO_ZONEID) || (pt && pt != CURLUE_NO_PORT) || ph) {
        rc = pu == CURLUE_OUT_OF_MEMORY || pp == CURLUE_OUT_OF_MEMORY ||
                     pz == CURLUE_OUT_OF_MEMORY || pt == CURLUE_OUT_OF_MEMORY ||
                     ph == CURLUE_OUT_OF_MEMORY
                 ? WW_ENOMEM
                 : ww_seterr(err, errlen, WW_EINVAL, "URL cannot be rebuilt");
        goto out;
    }
    const char *q = n->nq && *n->nq ? n->nq : NULL;
    int show_port = n->port && strcmp(n->port, default_port(n->scheme)) != 0;
    ww_sb b = {0};
    ww_sb_puts(&b, n->scheme), ww_sb_puts(&b, "://");
    if (user || pass) {
        ww_sb_puts(&b, user ? user : "");
        if (pass)
            ww_sb_puts(&b, ":"), ww_sb_puts(&b, pass);
        ww_sb_puts(&b, "@");
    }
    if (zone) { /* "[fe80::1]" + zone -> "[fe80::1%25eth0]" */
        ww_sb_put(&b, n->host, strlen(n->host) - 1);
        ww_sb_puts(&b, "%25"), ww_sb_puts(&b, zone), ww_sb_puts(&b, "]");
    } else {
        ww_sb_puts(&b, n->host);
    }
    if (show_port)
        ww_sb_puts(&b, ":"), ww_sb_puts(&b, n->port);
    n->path_at = b.len;
    if (path[0] != '/')
        ww_sb_puts(&b, "/");
    ww_sb_puts(&b, path);
    if (q)
        ww_sb_puts(&b, "?"), ww_sb_puts(&b, q);
    if ((*out = ww_sb_take(&b, NULL)))
        rc = 0;
out:
    curl_free(user);
    curl_free(pass);
    curl_free(zone);
    curl_free(path);
    return rc;
}

/* Phase 5: the parts of the result for the fetch stage: origin, path+query, and the
 * handle (taken from n), which must say exactly what out says. */
static int fill_parts(norm *n, const char *out, int recased, ww_url_parts *parts,
                      char *err, size_t errlen) {
    /* Re-read it if escapes changed case, or if a query was set (libcurl lower-cases
     * the escapes of a set query). */
    if ((recased || n->query_set) && curl_url_set(n->u, CURLUPART_URL, out, 0))
        return ww_seterr(err, errlen, WW_EINVAL, "URL cannot be re-read");
    /* origin "scheme://host:port"; path and query as the request line has them */
    parts->origin =
        origin_of(n->scheme, n->host, n->port ? n->port : default_port(n->scheme));
    parts->path_query = strdup(out + n->path_at);
    if (!parts->origin || !parts->path_query)
        return WW_ENOMEM;
    parts->handle = n->u;
    n->u = NULL;
    return 0;
}

static int normalize_once(const char *url, const char *const *drop_params, size_t n_drop,
                          char **out, ww_url_parts *parts, int *host_edited, char *err,
                          size_t errlen) {
    norm n = {0};
    *out = NULL;
    int rc = parse_checked(&n, url, err, errlen);
    if (rc == 0)
        rc = normalize_host(&n, url, host_edited, err, errlen);
    if (rc == 0)
        rc = edit_parts(&n, url, drop_params, n_drop);
    if (rc == 0)
        rc = rebuild(&n, out, err, errlen);
    if (rc == 0) {
        int recased = upper_escapes(*out);
        if (parts)
            rc = fill_parts(&n, *out, recased, parts, err, errlen);
    }
    if (rc) {
        free(*out);
        *out = NULL;
    }
    if (rc == WW_ENOMEM && err && errlen && !*err)
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    curl_free(n.scheme);
    curl_free(n.host);
    curl_free(n.query);
    curl_free(n.port);
    free(n.nq);
    curl_url_cleanup(n.u);
    return rc;
}

/* Editing the host can expose a form curl itself rewrites on the next parse ("2." ->
 * "2" -> "0.0.0.2"), so when we changed the host the result is normalised once more:
 * a seen-set key must be a fixed point, or one URL would be fetched under two keys.
 * (fuzz_urlnorm checks the fixed point.) */
static int normalize(const char *url, const char *const *drop_params, size_t n_drop,
                     char **out, ww_url_parts *parts, char *err, size_t errlen) {
    char *first = NULL;
    int edited = 0, again = 0;
    *out = NULL;
    if (parts)
        *parts = (ww_url_parts){0};
    int rc =
        normalize_once(url, drop_params, n_drop, &first, parts, &edited, err, errlen);
    if (rc || !edited) {
        *out = first; /* curl's own output re-parses to itself */
        return rc;
    }
    ww_url_parts_free(parts); /* the second pass's parts are the ones that hold */
    rc = normalize_once(first, drop_params, n_drop, out, parts, &again, err, errlen);
    free(first);
    return rc;
}

int ww_url_normalize(const char *url, const char *const *drop_params, size_t n_drop,
                     char **out, char *err, size_t errlen) {
    return normalize(url, drop_params, n_drop, out, NULL, err, errlen);
}

int ww_url_normalize_parts(const char *url, const char *const *drop_params, size_t n_drop,
                           char **out, ww_url_parts *parts, char *err, size_t errlen) {
    int rc = normalize(url, drop_params, n_drop, out, parts, err, errlen);
    if (rc)
        ww_url_parts_free(parts);
    return rc;
}

void ww_url_parts_free(ww_url_parts *p) {
    if (!p)
        return;
    free(p->origin);
    free(p->path_query);
    curl_url_cleanup(p->handle);
    *p = (ww_url_parts){0};
}

int ww_url_origin(const char *url, char **origin, char **path_query) {
    *origin = NULL;
    if (path_query)
        *path_query = NULL;
    CURLU *u = curl_url();
    if (!u)
        return WW_ENOMEM;
    int rc = curl_url_set(u, CURLUPART_URL, url, 0) ? WW_EINVAL
                                                    : split_parsed(u, origin, path_query);
    curl_url_cleanup(u);
    return rc;
}
