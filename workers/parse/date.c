/* Dates found in pages (ISO 8601 from JSON-LD and <time>, RFC 2822 from feeds and
 * meta tags, "March 5, 2024" from bylines) normalised to RFC 3339 UTC. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "wirewatch/error.h"
#include "wirewatch/parse.h"

static const char *const months[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};

static int num(const char **p, int maxd, int *out) {
    int v = 0, d = 0;
    while (d < maxd && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        d++;
    }
    *out = v;
    return d;
}

static int month_name(const char **p) {
    char m[4] = {0};
    for (int k = 0; k < 3; k++) {
        if (!isalpha((unsigned char)(*p)[k]))
            return -1;
        m[k] = (char)tolower((unsigned char)(*p)[k]);
    }
    for (int k = 0; k < 12; k++)
        if (memcmp(m, months[k], 3) == 0) {
            while (isalpha((unsigned char)**p))
                (*p)++;
            if (**p == '.')
                (*p)++;
            return k + 1;
        }
    return -1;
}

/* "Z", "+01:00", "+0100", "-05", "GMT", "UTC", "EST"...: seconds east of UTC. */
static int zone(const char *p, long *off) {
    while (*p == ' ')
        p++;
    *off = 0;
    if (!*p || *p == 'Z' || *p == 'z' || !strncasecmp(p, "GMT", 3) ||
        !strncasecmp(p, "UTC", 3))
        return 0;
    static const struct {
        const char *n;
        int h;
    } named[] = {{"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7},
                 {"MDT", -6}, {"PST", -8}, {"PDT", -7}, {"BST", 1},  {"CET", 1},
                 {"CEST", 2}, {"IST", 5},  {"JST", 9}};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
        if (!strncasecmp(p, named[k].n, strlen(named[k].n))) {
            *off = named[k].h * 3600L;
            return 0;
        }
    if (*p != '+' && *p != '-')
        return 0; /* unknown zone words: take as UTC rather than lose the date */
    int sign = *p == '-' ? -1 : 1;
    p++;
    int h, m = 0;
    if (num(&p, 2, &h) != 2)
        return -1;
    if (*p == ':')
        p++;
    num(&p, 2, &m);
    if (h > 14 || m > 59)
        return -1;
    *off = sign * (h * 3600L + m * 60L);
    return 0;
}

static int hms(const char **p, int *H, int *M, int *S) {
    *H = *M = *S = 0;
    if (num(p, 2, H) < 1 || **p != ':')
        return -1;
    (*p)++;
    if (num(p, 2, M) != 2)
        return -1;
    if (**p == ':') {
        (*p)++;
        num(p, 2, S);
        if (**p == '.' || **p == ',') {
            (*p)++;
            while (isdigit((unsigned char)**p))
                (*p)++;
        }
    }
    while (**p == ' ')
        (*p)++;
    if (!strncasecmp(*p, "pm", 2) || !strncasecmp(*p, "p.m.", 4)) {
        if (*H < 12)
            *H += 12;
        *p += (*p)[1] == '.' ? 4 : 2;
    } else if (!strncasecmp(*p, "am", 2) || !strncasecmp(*p, "a.m.", 4)) {
        if (*H == 12)
            *H = 0;
        *p += (*p)[1] == '.' ? 4 : 2;
    }
    return 0;
}

int ww_date_to_rfc3339(const char *in, char *out, size_t outlen) {
    if (!in || !out || outlen < 21)
        return WW_EINVAL;
    const char *p = in;
    while (isspace((unsigned char)*p))
        p++;
    int Y = 0, Mo = 0, D = 0, H = 0, Mi = 0, S = 0;
    long off = 0;
    if (num(&p, 4, &Y) == 4 && (*p == '-' || *p == '/')) {
        /* ISO 8601: 2024-01-02[T03:04[:05[.678]]][Z|+01:00] */
        p++;
        if (num(&p, 2, &Mo) < 1 || (*p != '-' && *p != '/'))
            return WW_EINVAL;
        p++;
        if (num(&p, 2, &D) < 1)
            return WW_EINVAL;
        if (*p == 'T' || *p == 't' || *p == ' ') {
            const char *q = p + 1;
            if (isdigit((unsigned char)*q)) {
                if (hms(&q, &H, &Mi, &S) < 0)
                    return WW_EINVAL;
                if (zone(q, &off) < 0)
                    return WW_EINVAL;
            }
        }
    } else {
        /* RFC 2822 "Tue, 02 Jan 2024 03:04:05 +0000" or "January 2, 2024 3:04 PM" */
        p = in;
        while (isspace((unsigned char)*p))
            p++;
        if (isalpha((unsigned char)*p) && month_name(&p) < 0) {
            while (isalpha((unsigned char)*p))
                p++; /* weekday */
            while (*p == ',' || *p == ' ')
                p++;
        } else {
            p = in;
            while (isspace((unsigned char)*p))
                p++;
        }
        if (isdigit((unsigned char)*p)) {
            if (num(&p, 2, &D) < 1)
                return WW_EINVAL;
            while (*p == ' ' || *p == '-')
                p++;
            if ((Mo = month_name(&p)) < 0)
                return WW_EINVAL;
        } else {
            if ((Mo = month_name(&p)) < 0)
                return WW_EINVAL;
            while (*p == ' ')
                p++;
            if (num(&p, 2, &D) < 1)
                return WW_EINVAL;
            if (!strncasecmp(p, "st", 2) || !strncasecmp(p, "nd", 2) ||
                !strncasecmp(p, "rd", 2) || !strncasecmp(p, "th", 2))
                p += 2;
        }
        while (*p == ' ' || *p == ',' || *p == '-')
            p++;
        if (num(&p, 4, &Y) != 4)
            return WW_EINVAL;
        while (*p == ' ' || *p == ',' || *p == 'T' || *p == '|')
            p++;
        if (!strncasecmp(p, "at ", 3))
            p += 3;
        if (isdigit((unsigned char)*p)) {
            if (hms(&p, &H, &Mi, &S) < 0)
                return WW_EINVAL;
            if (zone(p, &off) < 0)
                return WW_EINVAL;
        }
    }
    if (Y < 1900 || Y > 2200 || Mo < 1 || Mo > 12 || D < 1 || D > 31 || H > 23 ||
        Mi > 59 || S > 60)
        return WW_EINVAL;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = Mo - 1;
    tm.tm_mday = D;
    tm.tm_hour = H;
    tm.tm_min = Mi;
    tm.tm_sec = S;
    time_t ts = timegm(&tm) - off;
    struct tm g;
    if (!gmtime_r(&ts, &g) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &g) == 0)
        return WW_EINVAL;
    return 0;
}
