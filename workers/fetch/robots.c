/* robots.txt per RFC 9309: a pure parser and matcher.
 *
 * Only the rules that apply to our product token are kept: the groups naming it, or
 * the "*" groups when none does (RFC 9309 2.2.1: groups for the same agent are merged).
 * Matching is longest-match over the pattern length in octets, Allow winning ties;
 * '*' matches any run of octets and a final '$' anchors at the end.  Paths and
 * patterns are compared after the same percent-encoding normalisation (RFC 9309
 * 2.2.2): an escaped unreserved character is decoded ("/%7Euser" is "/~user"), other
 * escapes keep their meaning with upper-case hex ("/a%2fb" is "/a%2Fb", not "/a/b"),
 * and non-ASCII octets are escaped ("/%e2%82%ac" and "/€" agree). */
#include "wirewatch/robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct rule {
    char *pat; /* normalised pattern */
    size_t len;
    int allow;
} rule;

typedef struct ruleset {
    rule *v;
    size_t n, cap;
    double delay; /* -1 = none */
} ruleset;

struct ww_robots {
    ruleset rules;
    int all; /* -1 = use rules, 0 = disallow all, 1 = allow all */
};

static int is_hex(int c) { return isxdigit((unsigned char)c) != 0; }

static int hex_val(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* RFC 3986 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~" (ASCII, whatever the locale).
 * Neither '*' nor '$' is one, so decoding never makes a wildcard or an anchor out of
 * "%2A" or "%24". */
static int is_unreserved(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encoding normalisation shared by patterns and paths (RFC 9309 2.2.2): %XX of
 * an unreserved character becomes the character; any other %XX stays escaped, hex
 * upper-cased, so an escaped reserved character ("%2F") never equals the delimiter
 * ("/"); octets outside printable ASCII are escaped.  Returns a malloc'd string or
 * NULL on ENOMEM. */
static char *pct_norm(const char *s, size_t len, size_t *outlen) {
    static const char hex[] = "0123456789ABCDEF";
    char *o = malloc(len * 3 + 1);
    size_t j = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < len && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            int v =
                hex_val((unsigned char)s[i + 1]) * 16 + hex_val((unsigned char)s[i + 2]);
            if (is_unreserved(v)) {
                o[j++] = (char)v;
            } else {
                o[j++] = '%';
                o[j++] = hex[v >> 4];
                o[j++] = hex[v & 15];
            }
            i += 2;
        } else if (c >= 0x80 || c < 0x20 || c == ' ') {
            o[j++] = '%';
            o[j++] = hex[c >> 4];
            o[j++] = hex[c & 15];
        } else {
            o[j++] = (char)c;
        }
    }
    o[j] = '\0';
    if (outlen)
        *outlen = j;
    return o;
}

static int rules_add(ruleset *rs, const char *pat, size_t len, int allow) {
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        rule *v = realloc(rs->v, cap * sizeof *v);
        if (!v)
            return -1;
        rs->v = v;
        rs->cap = cap;
    }
    size_t n;
    char *p = pct_norm(pat, len, &n);
    if (!p)
        return -1;
    rs->v[rs->n++] = (rule){p, n, allow};
    return 0;
}

static void rules_free(ruleset *rs) {
    for (size_t i = 0; i < rs->n; i++)
        free(rs->v[i].pat);
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

/* Does the user-agent line's value name our token?  RFC 9309 2.2.1: the product
 * token is [a-zA-Z_-]+ and matched case-insensitively; anything after it ("/1.0",
 * a comment) is ignored. */
static int agent_matches(const char *v, size_t vlen, const char *agent) {
    size_t n = 0;
    while (n < vlen && (isalpha((unsigned char)v[n]) || v[n] == '_' || v[n] == '-'))
        n++;
    return n > 0 && n == strlen(agent) && strncasecmp(v, agent, n) == 0;
}

static int key_is(const char *k, size_t klen, const char *name) {
    return klen == strlen(name) && strncasecmp(k, name, klen) == 0;
}

static double parse_delay(const char *v, size_t vlen) {
    char buf[32];
    if (vlen == 0 || vlen >= sizeof buf)
        return -1;
    memcpy(buf, v, vlen);
    buf[vlen] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (end == buf || d < 0 || d != d)
        return -1;
    return d;
}

ww_robots *ww_robots_parse(const char *data, size_t len, const char *agent,
                           size_t max_bytes) {
    ww_robots *r = calloc(1, sizeof *r);
    ruleset star = {.delay = -1}, mine = {.delay = -1};
    int seen_mine = 0;
    /* Group state: agents named by the current run of user-agent lines. */
    int in_agents = 0, grp_mine = 0, grp_star = 0;
    if (!r)
        return NULL;
    r->all = -1;
    r->rules.delay = -1;
    if (len > max_bytes)
        len = max_bytes;
    /* A UTF-8 BOM at the start is not part of the first key. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    size_t i = 0;
    while (i < len) {
        size_t ls = i;
        while (i < len && data[i] != '\n' && data[i] != '\r')
            i++;
        size_t le = i;
        while (i < len && (data[i] == '\n' || data[i] == '\r'))
            i++;
        /* Strip the comment, then whitespace. */
        const char *hash = memchr(data + ls, '#', le - ls);
        if (hash)
            le = (size_t)(hash - data);
        while (ls < le && isspace((unsigned char)data[ls]))
            ls++;
        while (le > ls && isspace((unsigned char)data[le - 1]))
            le--;
        if (ls == le)
            continue;
        const char *colon = memchr(data + ls, ':', le - ls);
        if (!colon)
            continue; /* not a key: value line */
        const char *k = data + ls;
        size_t klen = (size_t)(colon - k);
        while (klen && isspace((unsigned char)k[klen - 1]))
            klen--;
        const char *v = colon + 1;
        size_t vlen = (size_t)(data + le - v);
        while (vlen && isspace((unsigned char)*v)) {
            v++;
            vlen--;
        }
        if (key_is(k, klen, "user-agent")) {
            if (!in_agents) {
                in_agents = 1;
                grp_mine = grp_star = 0;
            }
            if (vlen == 1 && v[0] == '*')
                grp_star = 1;
            else if (agent_matches(v, vlen, agent))
                grp_mine = seen_mine = 1;
            continue;
        }
        int allow = key_is(k, klen, "allow");
        int disallow = key_is(k, klen, "disallow");
        int delay = key_is(k, klen, "crawl-delay");
        if (!allow && !disallow && !delay)
            continue; /* sitemap, host, unknown keys: not group members */
        in_agents = 0;
        /* A group naming us is ours even when it also names "*". */
        ruleset *dst = grp_mine ? &mine : grp_star ? &star : NULL;
        if (!dst)
            continue;
        if (delay) {
            double d = parse_delay(v, vlen);
            if (d >= 0 && dst->delay < 0)
                dst->delay = d;
            continue;
        }
        /* An empty Disallow allows everything: it is no rule at all.  An empty Allow
         * likewise matches nothing useful. */
        if (vlen == 0)
            continue;
        if (rules_add(dst, v, vlen, allow) < 0)
            goto nomem;
    }
    if (seen_mine) {
        r->rules = mine;
        rules_free(&star);
    } else {
        r->rules = star;
        rules_free(&mine);
    }
    return r;
nomem:
    rules_free(&star);
    rules_free(&mine);
    free(r);
    return NULL;
}

ww_robots *ww_robots_new_all(int allow) {
    ww_robots *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->all = allow ? 1 : 0;
    r->rules.delay = -1;
    return r;
}

void ww_robots_free(ww_robots *r) {
    if (!r)
        return;
    rules_free(&r->rules);
    free(r);
}

/* Does pat (with '*' wildcards, optional final '$') match a prefix of s (or all of s
 * when anchored)?  The classic greedy wildcard match with one backtrack point: linear
 * in practice and O(len(s) * len(pat)) at worst, never exponential. */
static int pat_match(const char *pat, size_t plen, const char *s, size_t slen) {
    int anchored = plen > 0 && pat[plen - 1] == '$';
    if (anchored)
        plen--;
    size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;
    for (;;) {
        if (p == plen) {
            if (!anchored || i == slen)
                return 1;
            /* Anchored but text left: let the last '*' eat more. */
        } else if (pat[p] == '*') {
            star_p = ++p;
            star_i = i;
            continue;
        } else if (i < slen && pat[p] == s[i]) {
            p++;
            i++;
            continue;
        }
        if (star_p == (size_t)-1 || star_i >= slen)
            return 0;
        p = star_p;
        i = ++star_i;
    }
}

int ww_robots_allowed(const ww_robots *r, const char *path_query) {
    if (!path_query || !*path_query)
        path_query = "/";
    if (strcmp(path_query, "/robots.txt") == 0)
        return 1;
    if (r->all >= 0)
        return r->all;
    size_t slen;
    char *s = pct_norm(path_query, strlen(path_query), &slen);
    if (!s)
        return 0; /* out of memory: refuse rather than risk a disallowed fetch */
    size_t best = 0;
    int best_allow = 1, any = 0;
    for (size_t k = 0; k < r->rules.n; k++) {
        const rule *ru = &r->rules.v[k];
        if (any && ru->len < best)
            continue;
        if (!pat_match(ru->pat, ru->len, s, slen))
            continue;
        if (!any || ru->len > best || (ru->len == best && ru->allow)) {
            best = ru->len;
            best_allow = ru->allow;
            any = 1;
        }
    }
    free(s);
    return best_allow;
}

double ww_robots_crawl_delay(const ww_robots *r) {
    return r->all >= 0 ? -1 : r->rules.delay;
}

size_t ww_robots_rule_count(const ww_robots *r) { return r->rules.n; }
