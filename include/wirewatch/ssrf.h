/* SSRF guard: which peer addresses the fetch stage may connect to
 * (workers/fetch/ssrf.c).  The stage asks it for every connection libcurl opens. */
#ifndef WIREWATCH_SSRF_H
#define WIREWATCH_SSRF_H

#include <sys/socket.h>
#include <stddef.h>

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

#endif
