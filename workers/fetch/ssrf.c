/* SSRF guard: which resolved addresses a fetch may connect to.
 *
 * The stage calls ww_ssrf_check from libcurl's CURLOPT_OPENSOCKETFUNCTION, i.e. on
 * the address actually being connected to, for the first hop and every redirect, so
 * neither a redirect nor a DNS answer that changes between checks (rebinding) can
 * reach an internal address.  IPv6 forms that carry an IPv4 address (mapped,
 * compatible, NAT64, 6to4) are judged by that IPv4 address, otherwise
 * "::ffff:169.254.169.254" would walk straight past an IPv4-only list. */
#include "wirewatch/ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirewatch/error.h"

static const char *classify_v4(uint32_t a) {
    uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16), b2 = (uint8_t)(a >> 8);
    if (a == 0xFFFFFFFFu)
        return "broadcast";
    if (b0 == 0)
        return "this-network";
    if (b0 == 127)
        return "loopback";
    if (b0 == 10 || (b0 == 172 && (b1 & 0xF0) == 16) || (b0 == 192 && b1 == 168))
        return "private";
    if (b0 == 169 && b1 == 254)
        return "link-local"; /* includes 169.254.169.254, the cloud metadata service */
    if (b0 == 100 && (b1 & 0xC0) == 64)
        return "cgnat";
    if (b0 >= 224 && b0 <= 239)
        return "multicast";
    if (b0 >= 240)
        return "reserved";
    if (b0 == 192 && b1 == 0 && b2 == 0)
        return "reserved"; /* IETF protocol assignments (192.0.0.0/24) */
    if (b0 == 198 && (b1 & 0xFE) == 18)
        return "reserved"; /* benchmarking 198.18.0.0/15 */
    if ((b0 == 192 && b1 == 0 && b2 == 2) || (b0 == 198 && b1 == 51 && b2 == 100) ||
        (b0 == 203 && b1 == 0 && b2 == 113))
        return "documentation";
    return NULL;
}

static uint32_t v4_at(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *classify_v6(const uint8_t *a) {
    static const uint8_t zero10[10] = {0};
    int zero12 = memcmp(a, zero10, 10) == 0 && a[10] == 0 && a[11] == 0;
    if (zero12) {
        uint32_t v4 = v4_at(a + 12);
        if (v4 == 0)
            return "unspecified";
        if (v4 == 1)
            return "loopback";
        return classify_v4(v4); /* IPv4-compatible ::a.b.c.d (deprecated) */
    }
    if (memcmp(a, zero10, 10) == 0 && a[10] == 0xFF && a[11] == 0xFF)
        return classify_v4(v4_at(a + 12)); /* IPv4-mapped ::ffff:a.b.c.d */
    static const uint8_t nat64[12] = {0x00, 0x64, 0xFF, 0x9B};
    if (memcmp(a, nat64, 12) == 0)
        return classify_v4(v4_at(a + 12));
    if (a[0] == 0x20 && a[1] == 0x02)
        return classify_v4(v4_at(a + 2)); /* 6to4 2002:V4ADDR::/48 */
    if ((a[0] & 0xFE) == 0xFC)
        return "unique-local"; /* fc00::/7 */
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
        return "link-local"; /* fe80::/10 */
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0)
        return "private"; /* fec0::/10, deprecated site-local */
    if (a[0] == 0xFF)
        return "multicast";
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8)
        return "documentation";
    if (a[0] == 0x01 && a[1] == 0x00 && memcmp(a + 2, zero10, 6) == 0)
        return "reserved"; /* discard-only 100::/64 */
    return NULL;
}

const char *ww_ssrf_classify(const struct sockaddr *sa) {
    if (!sa)
        return "unspecified";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return classify_v4(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return classify_v6(in6->sin6_addr.s6_addr);
    }
    return "reserved"; /* AF_UNIX and friends are never a web server */
}

/* ---- allow-list ------------------------------------------------------------------ */

typedef struct cidr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned bits;
} cidr;

struct ww_cidr_list {
    cidr *v;
    size_t n;
};

static int parse_cidr(const char *s, cidr *c) {
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof buf)
        return -1;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    memset(c, 0, sizeof *c);
    unsigned maxbits;
    if (inet_pton(AF_INET, buf, c->addr) == 1) {
        c->family = AF_INET;
        maxbits = 32;
    } else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
        c->family = AF_INET6;
        maxbits = 128;
    } else {
        return -1;
    }
    c->bits = maxbits;
    if (slash) {
        char *end;
        const char *b = slash + 1;
        if (*b < '0' || *b > '9')
            return -1;
        unsigned long v = strtoul(b, &end, 10);
        if (*end || v > maxbits)
            return -1;
        c->bits = (unsigned)v;
    }
    return 0;
}

ww_cidr_list *ww_cidr_list_new(const char *const *cidrs, size_t n, char *err,
                               size_t errlen) {
    ww_cidr_list *l = calloc(1, sizeof *l);
    if (!l || (n && !(l->v = calloc(n, sizeof *l->v)))) {
        ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        goto err;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cidrs[i] || parse_cidr(cidrs[i], &l->v[i]) < 0) {
            ww_seterr(err, errlen, WW_EINVAL, "bad CIDR \"%s\"",
                      cidrs[i] ? cidrs[i] : "");
            goto err;
        }
        l->n++;
    }
    return l;
err:
    ww_cidr_list_free(l);
    return NULL;
}

void ww_cidr_list_free(ww_cidr_list *l) {
    if (!l)
        return;
    free(l->v);
    free(l);
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits) {
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

int ww_cidr_list_match(const ww_cidr_list *l, const struct sockaddr *sa) {
    if (!l || !sa)
        return 0;
    uint8_t v4[4], v6[16];
    int has4 = 0, has6 = 0;
    if (sa->sa_family == AF_INET) {
        memcpy(v4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        has4 = 1;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(v6, ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, 16);
        has6 = 1;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (memcmp(v6, mapped, 12) == 0) {
            memcpy(v4, v6 + 12, 4);
            has4 = 1;
        }
    }
    for (size_t i = 0; i < l->n; i++) {
        const cidr *c = &l->v[i];
        if (c->family == AF_INET && has4 && prefix_eq(v4, c->addr, c->bits))
            return 1;
        if (c->family == AF_INET6 && has6 && prefix_eq(v6, c->addr, c->bits))
            return 1;
    }
    return 0;
}

const char *ww_ssrf_check(const struct sockaddr *sa, int allow_private,
                          const ww_cidr_list *allow) {
    if (allow_private)
        return NULL;
    if (ww_cidr_list_match(allow, sa))
        return NULL;
    return ww_ssrf_classify(sa);
}
