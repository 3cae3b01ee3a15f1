/* The status page at "/": one glance at a worker.  Rendered on the server from a
 * metrics snapshot — plain HTML and inline CSS, no script and no external resource, so
 * it works behind any proxy and cannot throw a script error.  It refreshes itself every
 * 5 seconds (meta refresh).  The same snapshot is served as JSON at /status.json. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirewatch/metrics.h"

static void esc(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void when(char *buf, size_t cap, int64_t us) {
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void duration(char *buf, size_t cap, int64_t us) {
    long long s = us / 1000000;
    if (s >= 86400)
        snprintf(buf, cap, "%lldd %lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(buf, cap, "%lldh %lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(buf, cap, "%lldm %llds", s / 60, s % 60);
    else
        snprintf(buf, cap, "%llds", s);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}"
    "h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em}"
    ".tiles{display:flex;flex-wrap:wrap;gap:.8em}"
    ".tile{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em 1em;"
    "min-width:8em}.tile b{display:block;font-size:1.5em}.tile span{color:#666}"
    ".ok{color:#16794c}.bad{color:#b42318}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}td.t{white-space:nowrap;color:#555}.muted{color:#777}"
    "a{color:#1d4ed8}";

char *ww_status_page_html(const ww_metrics_snap *s, size_t *len) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    char up[32], t[32];
    duration(up, sizeof up, s->now_us - s->started_us);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"refresh\" content=\"5\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
          "<link rel=\"icon\" href=\"data:,\"><title>wirewatch ",
          f);
    esc(f, s->stage);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>wirewatch ", css);
    esc(f, s->stage);
    fputs("</h1>\n<p>", f);
    if (s->ready)
        fputs("<span class=\"ok\">&#9679; ready</span>", f);
    else {
        fputs("<span class=\"bad\">&#9679; not ready: ", f);
        esc(f, s->not_ready);
        fputs("</span>", f);
    }
    fprintf(f,
            " &middot; up %s &middot; <a href=\"/metrics\">metrics</a> &middot; "
            "<a href=\"/status.json\">json</a></p>\n<div class=\"tiles\">\n",
            up);
    fprintf(f,
            "<div class=\"tile\"><span>in / s</span><b>%.2f</b></div>\n"
            "<div class=\"tile\"><span>out / s</span><b>%.2f</b></div>\n"
            "<div class=\"tile\"><span>dead-lettered / s</span><b>%.2f</b></div>\n"
            "<div class=\"tile\"><span>in flight</span><b>%lld</b></div>\n"
            "<div class=\"tile\"><span>in total</span><b>%lld</b></div>\n"
            "<div class=\"tile\"><span>out total</span><b>%lld</b></div>\n"
            "<div class=\"tile\"><span>dead-lettered</span><b>%lld</b></div>\n"
            "<div class=\"tile\"><span>errors</span><b>%lld</b></div>\n</div>\n",
            s->rate_in, s->rate_out, s->rate_dead, s->in_flight, s->in, s->out,
            s->dead_lettered, s->errors);
    fprintf(f, "<p class=\"muted\">Rates over the last %d s.</p>\n", s->rate_window_s);

    fputs("<h2>Recent documents</h2>\n", f);
    if (!s->n_docs) {
        fputs("<p class=\"muted\">none yet</p>\n", f);
    } else {
        fputs(
            "<table><tr><th>at</th><th>title / url</th><th>labels</th><th>id</th></tr>\n",
            f);
        for (int i = 0; i < s->n_docs; i++) {
            const ww_metrics_doc *d = &s->docs[i];
            when(t, sizeof t, d->at_us);
            fprintf(f, "<tr><td class=\"t\">%s</td><td>", t);
            if (d->title[0])
                esc(f, d->title), fputs("<br>", f);
            fputs("<span class=\"muted\">", f);
            esc(f, d->url);
            fputs("</span></td><td>", f);
            esc(f, d->labels);
            if (d->version[0])
                fputs(" <span class=\"muted\">[", f), esc(f, d->version),
                    fputs("]</span>", f);
            fputs("</td><td class=\"muted\">", f);
            esc(f, d->id);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }

    fputs("<h2>Last errors</h2>\n", f);
    if (!s->n_errs) {
        fputs("<p class=\"muted\">none</p>\n", f);
    } else {
        fputs("<table><tr><th>at</th><th>kind</th><th>detail</th></tr>\n", f);
        for (int i = 0; i < s->n_errs; i++) {
            const ww_metrics_err *e = &s->errs[i];
            when(t, sizeof t, e->at_us);
            fprintf(f, "<tr><td class=\"t\">%s</td><td>", t);
            esc(f, e->kind);
            fputs("</td><td>", f);
            esc(f, e->detail);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    fputs("</body></html>\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}

char *ww_status_page_json(const ww_metrics_snap *s, size_t *len) {
    json_t *docs = json_array(), *errs = json_array();
    for (int i = 0; i < s->n_docs; i++) {
        const ww_metrics_doc *d = &s->docs[i];
        json_array_append_new(docs, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "at_us",
                                              (json_int_t)d->at_us, "id", d->id, "title",
                                              d->title, "url", d->url, "labels",
                                              d->labels, "taxonomy_version", d->version));
    }
    for (int i = 0; i < s->n_errs; i++)
        json_array_append_new(
            errs, json_pack("{s:I,s:s,s:s}", "at_us", (json_int_t)s->errs[i].at_us,
                            "kind", s->errs[i].kind, "detail", s->errs[i].detail));
    json_t *j = json_pack(
        "{s:s,s:f,s:b,s:s,s:I,s:I,s:I,s:I,s:I,s:{s:f,s:f,s:f,s:i},s:o,s:o}", "stage",
        s->stage, "uptime_seconds", (double)(s->now_us - s->started_us) / 1e6, "ready",
        s->ready, "not_ready", s->not_ready, "in", (json_int_t)s->in, "out",
        (json_int_t)s->out, "dead_lettered", (json_int_t)s->dead_lettered, "errors",
        (json_int_t)s->errors, "in_flight", (json_int_t)s->in_flight, "rates_per_second",
        "in", s->rate_in, "out", s->rate_out, "dead_lettered", s->rate_dead,
        "window_seconds", s->rate_window_s, "recent_documents", docs, "last_errors",
        errs);
    if (!j)
        return NULL;
    char *out = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (out && len)
        *len = strlen(out);
    return out;
}
