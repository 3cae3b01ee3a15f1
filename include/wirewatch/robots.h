/* robots.txt (RFC 9309): parse a body for one product token and answer whether a path
 * may be fetched.  A pure function of its input (workers/fetch/robots.c), so tests and
 * fuzzers call it without a network. */
#ifndef WIREWATCH_ROBOTS_H
#define WIREWATCH_ROBOTS_H

#include <stddef.h>

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

#endif
