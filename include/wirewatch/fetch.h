/* fetch stage: the pure pieces (robots.txt, SSRF address policy, URL normalisation,
 * per-host token bucket) that the stage (workers/fetch/fetch_stage.c) wires to
 * libcurl.  Each is a function of its inputs only, so unit tests and fuzzers call
 * them without a network. */
#ifndef WIREWATCH_FETCH_H
#define WIREWATCH_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- robots.txt (RFC 9309) ------------------------------------------------------ */

typedef struct ww_robots ww_robots;

/* Parse a robots.txt body for the product token `agent` ("wirewatch"): the groups
 * naming the agent (case-insensitive) apply, else the "*" groups.  At most max_bytes
 * of data are parsed (RFC 9309 requires at least 500 KiB).  Never fails on content:
 * unparseable lines are ignored.  NULL only on ENOMEM.  Free with ww_robots_free. */
ww_robots *ww_robots_parse(const char *data, size_t len, const char *agent,
                           size_t max_bytes);
/* A policy that allows everything (robots.txt 4xx) or nothing (5xx, unreachable). */
ww_robots *ww_robots_new_all(int allow);
void ww_robots_free(ww_robots *r);

/* 1 when path_query ("/a/b?c", "" means "/") may be fetched, 0 when disallowed.
 * Longest matching rule wins; on a tie Allow wins; /robots.txt is always allowed.
 * Rules and path compare after RFC 9309 2.2.2 normalisation: "%7E" is "~" (escaped
 * unreserved characters are decoded), "%2F" is not "/" (escaped reserved ones are
 * not), hex case does not matter, non-ASCII octets compare as their escapes. */
int ww_robots_allowed(const ww_robots *r, const char *path_query);
/* Crawl-delay of the applying group in seconds, or -1 when none was given. */
double ww_robots_crawl_delay(const ww_robots *r);
/* Number of rules kept for our agent (for tests and logs). */
size_t ww_robots_rule_count(const ww_robots *r);

/* ---- SSRF guard ----------------------------------------------------------------- */

/* Why an address must not be connected to: "loopback", "private", "link-local",
 * "cgnat", "this-network", "multicast", "broadcast", "reserved", "unique-local",
 * "documentation", "unspecified"; NULL for a public unicast address.  IPv4-mapped,
 * IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) IPv6 addresses are
 * judged by the IPv4 address they carry. */
const char *ww_ssrf_classify(const struct sockaddr *sa);

typedef struct ww_cidr_list ww_cidr_list;
/* Parse CIDRs ("10.1.0.0/16", "::1/128", "192.168.1.7").  NULL with err naming the bad
 * entry, or on ENOMEM.  n may be 0. */
ww_cidr_list *ww_cidr_list_new(const char *const *cidrs, size_t n, char *err,
                               size_t errlen);
void ww_cidr_list_free(ww_cidr_list *l);
/* 1 when sa lies in one of the CIDRs (IPv4-mapped IPv6 also matches IPv4 CIDRs). */
int ww_cidr_list_match(const ww_cidr_list *l, const struct sockaddr *sa);

/* The guard's decision: NULL when connecting to sa is allowed, else the reason.  With
 * allow_private every address is allowed; otherwise an address in allow (may be NULL)
 * is allowed, and anything else is judged by ww_ssrf_classify. */
const char *ww_ssrf_check(const struct sockaddr *sa, int allow_private,
                          const ww_cidr_list *allow);

/* ---- URL normalisation ---------------------------------------------------------- */

/* Normalise an absolute http(s) URL: scheme and host lower-case, trailing dot of the
 * host dropped, default port removed, dot segments resolved, empty path -> "/",
 * fragment removed, percent-escapes upper-case, query parameters whose name matches
 * one of `drop_params` removed (an entry ending in '*' is a prefix: "utm_*").  Returns
 * 0 with a malloc'd *out, WW_EINVAL (not an absolute http/https URL; err says why) or
 * WW_ENOMEM. */
int ww_url_normalize(const char *url, const char *const *drop_params, size_t n_drop,
                     char **out, char *err, size_t errlen);

/* What the fetch stage needs of one URL, from one parse: its origin and path+query (as
 * ww_url_origin gives them) and libcurl's parsed handle of it (for CURLOPT_CURLU, so
 * libcurl does not parse the URL again). */
typedef struct ww_url_parts {
    char *origin, *path_query;
    struct Curl_URL *handle;
} ww_url_parts;
/* ww_url_normalize, plus the parts of the result.  On error *parts is all NULL. */
int ww_url_normalize_parts(const char *url, const char *const *drop_params, size_t n_drop,
                           char **out, ww_url_parts *parts, char *err, size_t errlen);
void ww_url_parts_free(ww_url_parts *parts);

/* Origin key "scheme://host:port" (port always present) and the path plus query
 * ("/" when empty) of an absolute http(s) URL, both malloc'd.  Returns 0, WW_EINVAL
 * or WW_ENOMEM. */
int ww_url_origin(const char *url, char **origin, char **path_query);

/* ---- politeness ------------------------------------------------------------------ */

/* A token bucket: `rate` tokens per second, at most `burst` stored.  rate <= 0 means
 * unlimited. */
typedef struct ww_bucket {
    double rate, burst, tokens;
    int64_t last_us;
} ww_bucket;

void ww_bucket_init(ww_bucket *b, double rate, double burst, int64_t now_us);
/* Take one token at now_us: returns 0 when taken, else the microseconds until one is
 * available (nothing taken). */
int64_t ww_bucket_take(ww_bucket *b, int64_t now_us);
/* Block the bucket until until_us (Retry-After, backoff, Crawl-delay spacing). */
void ww_bucket_hold(ww_bucket *b, int64_t until_us);

#endif
