/* Charset detection and transcoding to UTF-8.
 *
 * Order (the HTML standard's, with detection last): BOM, the HTTP header
 * (charset_hint / Content-Type), <meta charset> or http-equiv in the first 4 KB, valid
 * UTF-8, then uchardet, then windows-1252.  Labels map through the WHATWG aliases
 * (latin1 and ascii are windows-1252; gb2312 and gbk are GB18030; shift_jis is
 * windows-31j) to glibc iconv names.  Invalid bytes become U+FFFD, never an error. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

#include "wirewatch/error.h"
#include "wirewatch/parse.h"
#include "wirewatch/utf8.h"

static const struct {
    const char *label, *name;
} aliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"us-ascii", "WINDOWS-1252"},
    {"ascii", "WINDOWS-1252"},
    {"iso-8859-1", "WINDOWS-1252"},
    {"iso8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},
    {"l1", "WINDOWS-1252"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"x-cp1252", "WINDOWS-1252"},
    {"iso-8859-15", "ISO-8859-15"},
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"gb18030", "GB18030"},
    {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"windows-31j", "CP932"},
    {"ms932", "CP932"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"euc-jp", "EUC-JP"},
    {"iso-2022-jp", "ISO-2022-JP"},
    {"big5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"koi8-r", "KOI8-R"},
    {"koi8-u", "KOI8-U"},
    {"utf-16", "UTF-16LE"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"tis-620", "WINDOWS-874"},
    {"iso-8859-11", "WINDOWS-874"},
    {"iso-8859-9", "WINDOWS-1254"},
};

int ww_charset_normalize(const char *label, char *out, size_t outlen) {
    char l[64];
    size_t n = 0;
    if (!label)
        return WW_EINVAL;
    while (*label == ' ' || *label == '"' || *label == '\'')
        label++;
    while (label[n] && n < sizeof l - 1 && label[n] != '"' && label[n] != '\'' &&
           label[n] != ';' && label[n] != ' ' && label[n] != ',') {
        l[n] = (char)((label[n] >= 'A' && label[n] <= 'Z') ? label[n] | 0x20 : label[n]);
        n++;
    }
    l[n] = 0;
    if (!n)
        return WW_EINVAL;
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strcmp(l, aliases[k].label) == 0) {
            snprintf(out, outlen, "%s", aliases[k].name);
            return 0;
        }
    iconv_t cd = iconv_open("UTF-8", l);
    if (cd == (iconv_t)-1)
        return WW_EUNSUPPORTED;
    iconv_close(cd);
    snprintf(out, outlen, "%s", l);
    return 0;
}

/* "charset=" value inside s[0..n); NULL when absent.  Copies into buf. */
static const char *charset_param(const char *s, size_t n, char *buf, size_t buflen) {
    for (size_t k = 0; k + 8 <= n; k++) {
        if (strncasecmp(s + k, "charset", 7) != 0)
            continue;
        size_t j = k + 7;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= n || s[j] != '=')
            continue;
        j++;
        while (j < n && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
            j++;
        size_t m = 0;
        while (j < n && m < buflen - 1 &&
               (s[j] == '-' || s[j] == '_' || s[j] == ':' || s[j] == '.' ||
                (s[j] >= '0' && s[j] <= '9') ||
                ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z')))
            buf[m++] = s[j++];
        buf[m] = 0;
        if (m)
            return buf;
    }
    return NULL;
}

/* <meta charset=...> or <meta http-equiv=content-type content="...charset=...">. */
static const char *meta_charset(const uint8_t *buf, size_t len, char *out,
                                size_t outlen) {
    size_t n = len < 4096 ? len : 4096;
    const char *s = (const char *)buf;
    for (size_t k = 0; k + 5 < n; k++) {
        if (s[k] != '<' || strncasecmp(s + k + 1, "meta", 4) != 0)
            continue;
        const char *gt = memchr(s + k, '>', n - k);
        size_t tl = gt ? (size_t)(gt - (s + k)) : n - k;
        if (charset_param(s + k, tl, out, outlen))
            return out;
    }
    return NULL;
}

/* Whether a body reads as UTF-8, to choose its decoder: looser than wirewatch/utf8.h on
 * purpose.  A UTF-8 page with an encoded surrogate or an overlong form is still a UTF-8
 * page (fix_utf8 repairs those bytes), not one for uchardet to guess at; a sequence cut
 * by the body cap at the very end counts too. */
static int looks_utf8(const uint8_t *s, size_t n) {
    size_t k = 0;
    while (k < n) {
        while (k + 8 <= n) { /* ASCII runs 8 bytes at a time, as ww_utf8_valid_prefix */
            uint64_t w;
            memcpy(&w, s + k, 8);
            if (w & 0x8080808080808080ULL)
                break;
            k += 8;
        }
        if (k >= n)
            break;
        uint8_t c = s[k];
        if (c < 0x80) {
            k++;
            continue;
        }
        size_t need;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3;
        else
            return 0;
        if (k + need >= n)
            return 1; /* a sequence cut by the body cap: still UTF-8 */
        for (size_t j = 1; j <= need; j++)
            if ((s[k + j] & 0xC0) != 0x80)
                return 0;
        k += need + 1;
    }
    return 1;
}

ww_cs_source ww_charset_detect(const uint8_t *buf, size_t len, const char *hint,
                               const char *content_type, char *out, size_t outlen) {
    char tmp[64];
    if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
        snprintf(out, outlen, "UTF-8");
        return WW_CS_BOM;
    }
    if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
        snprintf(out, outlen, "UTF-16LE");
        return WW_CS_BOM;
    }
    if (len >= 2 && buf[0] == 0xFE && buf[1] == 0xFF) {
        snprintf(out, outlen, "UTF-16BE");
        return WW_CS_BOM;
    }
    if (hint && *hint && ww_charset_normalize(hint, out, outlen) == 0)
        return WW_CS_HINT;
    if (content_type &&
        charset_param(content_type, strlen(content_type), tmp, sizeof tmp) &&
        ww_charset_normalize(tmp, out, outlen) == 0)
        return WW_CS_HINT;
    if (meta_charset(buf, len, tmp, sizeof tmp)) {
        /* A page that says UTF-16 in ASCII-compatible bytes is not UTF-16. */
        if (ww_charset_normalize(tmp, out, outlen) == 0 && strncmp(out, "UTF-16", 6) != 0)
            return WW_CS_META;
    }
    if (looks_utf8(buf, len)) {
        snprintf(out, outlen, "UTF-8");
        return WW_CS_UTF8;
    }
    uchardet_t ud = uchardet_new();
    if (ud) {
        size_t n = len < 65536 ? len : 65536;
        if (uchardet_handle_data(ud, (const char *)buf, n) == 0) {
            uchardet_data_end(ud);
            const char *cs = uchardet_get_charset(ud);
            if (cs && *cs && ww_charset_normalize(cs, out, outlen) == 0) {
                uchardet_delete(ud);
                return WW_CS_DETECT;
            }
        }
        uchardet_delete(ud);
    }
    snprintf(out, outlen, "WINDOWS-1252");
    return WW_CS_DEFAULT;
}

static int put(char **o, size_t *olen, size_t *ocap, const char *s, size_t n) {
    if (*olen + n + 1 > *ocap) {
        size_t cap = *ocap * 2 + n + 16;
        char *p = realloc(*o, cap);
        if (!p)
            return -1;
        *o = p;
        *ocap = cap;
    }
    memcpy(*o + *olen, s, n);
    *olen += n;
    return 0;
}

static const char fffd[] = "\xEF\xBF\xBD";

/* UTF-8 to UTF-8 with invalid sequences replaced.  Valid bytes are copied in runs
 * that end only at an invalid byte (one memcpy for a valid page, ASCII or not). */
static char *fix_utf8(const uint8_t *s, size_t n, size_t *outlen, size_t *replaced) {
    size_t cap = n + 16, len = 0;
    char *o = malloc(cap);
    if (!o)
        return NULL;
    size_t k = 0;
    while (k < n) {
        size_t run = k + ww_utf8_valid_prefix(s + k, n - k);
        if (run > k && put(&o, &len, &cap, (const char *)s + k, run - k) < 0)
            goto oom;
        k = run;
        if (k >= n)
            break;
        if (put(&o, &len, &cap, fffd, 3) < 0)
            goto oom;
        if (replaced)
            (*replaced)++;
        k++;
    }
    o[len] = 0;
    *outlen = len;
    return o;
oom:
    free(o);
    return NULL;
}

char *ww_to_utf8(const uint8_t *buf, size_t len, const char *charset, size_t *outlen,
                 size_t *replaced) {
    if (replaced)
        *replaced = 0;
    if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF &&
        (!charset || !strcasecmp(charset, "UTF-8"))) {
        buf += 3;
        len -= 3;
    }
    if (!charset || !strcasecmp(charset, "UTF-8"))
        return fix_utf8(buf, len, outlen, replaced);
    if ((!strcasecmp(charset, "UTF-16LE") && len >= 2 && buf[0] == 0xFF &&
         buf[1] == 0xFE) ||
        (!strcasecmp(charset, "UTF-16BE") && len >= 2 && buf[0] == 0xFE &&
         buf[1] == 0xFF)) {
        buf += 2;
        len -= 2;
    }
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return fix_utf8(buf, len, outlen, replaced);
    size_t cap = len * 2 + 64, olen = 0;
    char *o = malloc(cap);
    if (!o) {
        iconv_close(cd);
        return NULL;
    }
    char *in = (char *)buf;
    size_t inleft = len;
    while (inleft > 0) {
        char *op = o + olen;
        size_t oleft = cap - olen - 1;
        size_t r = iconv(cd, &in, &inleft, &op, &oleft);
        olen = (size_t)(op - o);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            char *p = realloc(o, cap * 2);
            if (!p)
                goto oom;
            o = p;
            cap *= 2;
            continue;
        }
        /* EILSEQ (invalid) or EINVAL (cut sequence at the end): one U+FFFD per bad
         * byte, then go on; reset the converter's shift state. */
        if (put(&o, &olen, &cap, fffd, 3) < 0)
            goto oom;
        if (replaced)
            (*replaced)++;
        in++;
        inleft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    o[olen] = 0;
    /* iconv output is valid UTF-8 by construction, except that a charset without a
     * converter for some bytes may pass through; the fix-up pass is cheap insurance. */
    size_t fixed_len;
    char *f = fix_utf8((const uint8_t *)o, olen, &fixed_len, NULL);
    free(o);
    if (f)
        *outlen = fixed_len;
    return f;
oom:
    iconv_close(cd);
    free(o);
    return NULL;
}
