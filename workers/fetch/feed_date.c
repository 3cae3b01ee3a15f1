/* Feed dates: RFC 822 (RSS pubDate) and ISO 8601 / RFC 3339 (Atom, sitemaps, Dublin
 * Core) as they are written in the wild, normalised to RFC 3339 UTC
 * (ww_feed_date_rfc3339, wirewatch/feed.h).  Calendar arithmetic done here, so the
 * result depends on neither the locale nor the process's time zone. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wirewatch/error.h"
#include "wirewatch/feed.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Read exactly n digits. */
static int digits(const char **s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

static void skip_ws(const char **s) {
    while (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n' || **s == ',')
        (*s)++;
}

/* Write y-m-d h:m:s minus tz_min minutes, as UTC. */
static int emit(int y, int mo, int d, int h, int mi, int sec, int tz_min, char *out,
                size_t outlen) {
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60 ||
        (h == 24 && (mi || sec)))
        return WW_EMALFORMED;
    if (sec == 60)
        sec = 59; /* a leap second: the nearest representable instant */
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                (int64_t)tz_min * 60;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    civil_from_days(days, &y, &mo, &d);
    if (y < 1 || y > 9999)
        return WW_EMALFORMED;
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
    return 0;
}

/* Zone: Z, UT, UTC, GMT, +hh:mm, +hhmm, +hh, US zones, military letters (treated as
 * UTC, as RFC 5322 advises).  Returns minutes east of UTC or INT32_MIN. */
static int parse_zone(const char **s) {
    const char *p = *s;
    static const struct {
        const char *name;
        int min;
    } zones[] = {{"UTC", 0},       {"GMT", 0},       {"UT", 0},        {"Z", 0},
                 {"EST", -5 * 60}, {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60},
                 {"MST", -7 * 60}, {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}};
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh, mm = 0;
        p++;
        if (digits(&p, 2, &hh) < 0)
            return INT32_MIN;
        if (*p == ':')
            p++;
        if (*p >= '0' && *p <= '9' && digits(&p, 2, &mm) < 0)
            return INT32_MIN;
        if (hh > 23 || mm > 59)
            return INT32_MIN;
        *s = p;
        return sign * (hh * 60 + mm);
    }
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        size_t n = strlen(zones[i].name);
        if (!strncasecmp(p, zones[i].name, n)) {
            *s = p + n;
            return zones[i].min;
        }
    }
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        *s = p + 1;
        return 0;
    }
    return INT32_MIN;
}

/* RFC 3339 / W3C date-time: YYYY[-MM[-DD[(T| )hh:mm[:ss[.frac]][zone]]]]. */
static int parse_iso(const char *s, char *out, size_t outlen) {
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, tz = 0;
    if (digits(&s, 4, &y) < 0)
        return WW_EMALFORMED;
    if (*s == '-') {
        s++;
        if (digits(&s, 2, &mo) < 0)
            return WW_EMALFORMED;
        if (*s == '-') {
            s++;
            if (digits(&s, 2, &d) < 0)
                return WW_EMALFORMED;
            if (*s == 'T' || *s == 't' || (*s == ' ' && s[1] >= '0' && s[1] <= '9')) {
                s++;
                if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0)
                    return WW_EMALFORMED;
                if (*s == ':') {
                    s++;
                    if (digits(&s, 2, &sec) < 0)
                        return WW_EMALFORMED;
                    if (*s == '.' || *s == ',') {
                        s++;
                        while (*s >= '0' && *s <= '9')
                            s++;
                    }
                }
                skip_ws(&s);
                if (*s) {
                    tz = parse_zone(&s);
                    if (tz == INT32_MIN)
                        return WW_EMALFORMED;
                }
            }
        }
    }
    skip_ws(&s);
    if (*s)
        return WW_EMALFORMED;
    return emit(y, mo, d, h, mi, sec, tz, out, outlen);
}

/* RFC 822/1123: [Day,] D Mon YYYY hh:mm[:ss] zone (2-digit years as RFC 5322 says). */
static int parse_rfc822(const char *s, char *out, size_t outlen) {
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    int d = 0, mo = 0, y = 0, h = 0, mi = 0, sec = 0, tz = 0, nd = 0;
    skip_ws(&s);
    if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') { /* day name */
        while ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')
            s++;
        skip_ws(&s);
    }
    while (*s >= '0' && *s <= '9' && nd < 2)
        d = d * 10 + (*s++ - '0'), nd++;
    if (!nd)
        return WW_EMALFORMED;
    skip_ws(&s);
    if (*s == '-')
        s++;
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, months + 3 * i, 3)) {
            mo = i + 1;
            break;
        }
    if (!mo)
        return WW_EMALFORMED;
    while ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') /* "Jan" or "January" */
        s++;
    skip_ws(&s);
    if (*s == '-')
        s++;
    nd = 0;
    while (*s >= '0' && *s <= '9' && nd < 4)
        y = y * 10 + (*s++ - '0'), nd++;
    if (nd == 2)
        y += y < 50 ? 2000 : 1900;
    else if (nd != 4)
        return WW_EMALFORMED;
    skip_ws(&s);
    if (*s) {
        if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0)
            return WW_EMALFORMED;
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &sec) < 0)
                return WW_EMALFORMED;
        }
        skip_ws(&s);
        if (*s) {
            tz = parse_zone(&s);
            if (tz == INT32_MIN)
                return WW_EMALFORMED;
            skip_ws(&s);
            if (*s == '(') /* "(EST)" comments */
                s += strlen(s);
        }
    }
    if (*s)
        return WW_EMALFORMED;
    return emit(y, mo, d, h, mi, sec, tz, out, outlen);
}

int ww_feed_date_rfc3339(const char *text, char *out, size_t outlen) {
    if (!out || outlen < 21)
        return WW_EINVAL;
    out[0] = '\0';
    if (!text)
        return WW_EMALFORMED;
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
        text++;
    char buf[80];
    size_t n = strlen(text);
    if (n >= sizeof buf)
        return WW_EMALFORMED;
    memcpy(buf, text, n + 1);
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r' ||
                 buf[n - 1] == '\n'))
        buf[--n] = '\0';
    int rc = (buf[0] >= '0' && buf[0] <= '9' && buf[1] >= '0' && buf[1] <= '9' &&
              buf[2] >= '0' && buf[2] <= '9')
                 ? parse_iso(buf, out, outlen)
                 : parse_rfc822(buf, out, outlen);
    if (rc < 0)
        out[0] = '\0';
    return rc;
}
