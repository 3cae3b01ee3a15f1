/* The fetch stage's configuration: every fetch.* key with its default and help, and
 * the checked values the stage reads from them once, at create time. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_config.h"
#include "wirewatch/error.h"

const ww_config_key ww__fetch_keys[] = {
    {"fetch.user_agent", WW_CFG_STR, "\"wirewatch/0.1 (+https://github.com/wirewatch)\"",
     "User-Agent header sent with every request."},
    {"fetch.robots_agent", WW_CFG_STR, "\"wirewatch\"",
     "Product token matched against robots.txt User-agent lines."},
    {"fetch.obey_robots", WW_CFG_BOOL, "true", "Fetch and obey robots.txt (RFC 9309)."},
    {"fetch.max_in_flight", WW_CFG_INT, "256",
     "Transfers in flight at once (1 to thousands); also the job capacity."},
    {"fetch.max_host_connections", WW_CFG_INT, "2",
     "At most this many transfers to one host (scheme://host:port) at once."},
    {"fetch.host_delay_ms", WW_CFG_INT, "1000",
     "Minimum delay between requests to one host, and after one finishes (0 = none)."},
    {"fetch.max_crawl_delay_s", WW_CFG_INT, "30",
     "robots.txt Crawl-delay is honoured up to this many seconds."},
    {"fetch.connect_timeout_ms", WW_CFG_INT, "10000", "Connect timeout per transfer."},
    {"fetch.timeout_ms", WW_CFG_INT, "30000", "Total time limit per transfer."},
    {"fetch.low_speed_bytes", WW_CFG_INT, "100",
     "Abort a transfer slower than this many bytes/s for low_speed_time_s."},
    {"fetch.low_speed_time_s", WW_CFG_INT, "10", "Window of the low-speed abort."},
    {"fetch.max_redirects", WW_CFG_INT, "5", "Redirects followed per request."},
    {"fetch.max_wire_bytes", WW_CFG_INT, "16777216",
     "Cap on bytes received on the wire (compressed) per response."},
    {"fetch.max_body_bytes", WW_CFG_INT, "8388608",
     "Cap on decoded body bytes per response (a gzip bomb stops here)."},
    {"fetch.max_header_bytes", WW_CFG_INT, "65536", "Cap on response header bytes."},
    {"fetch.recv_buffer_bytes", WW_CFG_INT, "0",
     "libcurl's receive buffer per transfer (0 = 8 MiB shared by max_in_flight, 16-128 KiB)."},
    {"fetch.keep_truncated", WW_CFG_BOOL, "false",
     "Emit a Page (truncated=true) when the decoded-bytes cap is hit."},
    {"fetch.http2", WW_CFG_BOOL, "true",
     "Use HTTP/2 over TLS when the server offers it."},
    {"fetch.allow_private", WW_CFG_BOOL, "false",
     "Allow loopback, private and link-local targets (SSRF guard off; for tests)."},
    {"fetch.allow_cidrs", WW_CFG_JSON, "[]",
     "CIDRs the SSRF guard allows even though they are private (\"10.1.0.0/16\")."},
    {"fetch.robots_ttl_s", WW_CFG_INT, "86400",
     "How long a fetched robots.txt is cached."},
    {"fetch.robots_error_ttl_s", WW_CFG_INT, "600",
     "How long an unreachable/5xx robots.txt (disallow all) is cached."},
    {"fetch.robots_max_bytes", WW_CFG_INT, "524288", "Bytes of robots.txt parsed."},
    {"fetch.max_retries", WW_CFG_INT, "2",
     "Retries after 429/503/502/504 or a failed connection."},
    {"fetch.max_retry_after_s", WW_CFG_INT, "300",
     "A longer Retry-After ends the request as http-error instead of waiting."},
    {"fetch.backoff_base_ms", WW_CFG_INT, "1000",
     "Delay added to a host after an error, doubled per consecutive error."},
    {"fetch.backoff_max_ms", WW_CFG_INT, "60000", "Upper bound of the error backoff."},
    {"fetch.seen_ttl_s", WW_CFG_INT, "86400",
     "A discovered URL is fetched at most once per this many seconds (0 = no seen-set)."},
    {"fetch.seen_max", WW_CFG_INT, "1000000",
     "Entries in the seen-set (oldest dropped)."},
    {"fetch.dedupe_seeds", WW_CFG_BOOL, "false",
     "Apply the seen-set to SEED requests too (feeds re-polled as seeds then wait)."},
    {"fetch.validators_max", WW_CFG_INT, "100000",
     "URLs whose ETag/Last-Modified are remembered for conditional GET (LRU)."},
    {"fetch.drop_params", WW_CFG_JSON,
     "[\"utm_*\",\"fbclid\",\"gclid\",\"dclid\",\"msclkid\",\"yclid\",\"mc_cid\","
     "\"mc_eid\",\"_ga\",\"igshid\"]",
     "Query parameters removed when normalising URLs (trailing * = prefix)."},
    {"fetch.follow_discovered", WW_CFG_BOOL, "false",
     "Also fetch what feeds and sitemaps list (embedded mode), up to max_depth."},
    {"fetch.max_depth", WW_CFG_INT, "2",
     "Discovered requests deeper than this are dropped."},
    {"fetch.allow_file", WW_CFG_BOOL, "false",
     "Read file:// URLs from any request: the worker's input (Kafka, ZeroMQ, a file, "
     "stdin), URLs found in feeds and sitemaps, fetch.feeds.  Off, only the inputs given "
     "to `wirewatch run` on its command line are read as files."},
    {"fetch.max_hosts", WW_CFG_INT, "100000",
     "Idle hosts (and their robots.txt) beyond this many are forgotten."},
    {"fetch.ca_file", WW_CFG_STR, "\"\"",
     "PEM file of CA certificates to trust instead of the system's (\"\" = system)."},
    {"fetch.warc_dir", WW_CFG_STR, "\"\"",
     "Write every fetched page as a WARC response record into this directory (\"\" = off)."},
    {"fetch.warc_max_bytes", WW_CFG_INT, "1073741824",
     "Start a new WARC file when the current one passes this size."},
    {"fetch.feeds", WW_CFG_JSON, "[]",
     "Feed/sitemap URLs re-polled on an adaptive schedule while the worker's input is "
     "open (stdin, ZeroMQ, Kafka); each item is emitted on --discovered once."},
    {"fetch.feed_interval_s", WW_CFG_NUM, "600", "First re-poll interval of each feed."},
    {"fetch.feed_min_interval_s", WW_CFG_NUM, "60",
     "Shortest re-poll interval: a poll that found new items halves the interval."},
    {"fetch.feed_max_interval_s", WW_CFG_NUM, "3600",
     "Longest re-poll interval: a poll with nothing new (or an error) doubles it."},
    {"fetch.feed_jitter", WW_CFG_NUM, "0.1",
     "Each re-poll interval is scaled by a random factor in [1-jitter, 1+jitter]."},
    {"fetch.feed_items_max", WW_CFG_INT, "2000",
     "Item URLs remembered per feed so each is emitted once (more than a feed lists)."},
    {NULL, 0, NULL, NULL},
};

void ww__fetch_cfg_free(fetch_cfg *c) {
    free(c->user_agent);
    free(c->robots_agent);
    free(c->warc_dir);
    free(c->ca_file);
    for (size_t i = 0; i < c->n_drop; i++)
        free(c->drop_params[i]);
    free(c->drop_params);
    ww_cidr_list_free(c->allow);
}

int ww__fetch_cfg_load(fetch_cfg *c, const ww_config *cfg, char *err, size_t errlen) {
#define I(k) ww_config_int(cfg, "fetch." k)
#define B(k) ww_config_bool(cfg, "fetch." k)
    memset(c, 0, sizeof *c);
    c->user_agent = strdup(ww_config_str(cfg, "fetch.user_agent"));
    c->robots_agent = strdup(ww_config_str(cfg, "fetch.robots_agent"));
    c->obey_robots = B("obey_robots");
    c->http2 = B("http2");
    c->allow_private = B("allow_private");
    c->keep_truncated = B("keep_truncated");
    c->follow_discovered = B("follow_discovered");
    c->allow_file = B("allow_file");
    c->dedupe_seeds = B("dedupe_seeds");
    c->max_in_flight = (long)I("max_in_flight");
    c->max_host_conns = (long)I("max_host_connections");
    c->max_redirects = (long)I("max_redirects");
    c->max_retries = (long)I("max_retries");
    c->max_depth = (long)I("max_depth");
    c->max_hosts = (long)I("max_hosts");
    c->host_delay_us = I("host_delay_ms") * 1000;
    c->max_crawl_delay_us = I("max_crawl_delay_s") * 1000000;
    c->connect_timeout_ms = I("connect_timeout_ms");
    c->timeout_ms = I("timeout_ms");
    c->low_speed_bytes = (long)I("low_speed_bytes");
    c->low_speed_time_s = (long)I("low_speed_time_s");
    c->max_wire_bytes = I("max_wire_bytes");
    c->max_body_bytes = I("max_body_bytes");
    c->max_header_bytes = I("max_header_bytes");
    c->recv_buffer_bytes = (long)I("recv_buffer_bytes");
    c->robots_max_bytes = I("robots_max_bytes");
    c->robots_ttl_us = I("robots_ttl_s") * 1000000;
    c->robots_error_ttl_us = I("robots_error_ttl_s") * 1000000;
    c->max_retry_after_us = I("max_retry_after_s") * 1000000;
    c->backoff_base_us = I("backoff_base_ms") * 1000;
    c->backoff_max_us = I("backoff_max_ms") * 1000;
    c->seen_ttl_us = I("seen_ttl_s") * 1000000;
    c->seen_max = (long)I("seen_max");
    c->validators_max = (long)I("validators_max");
    c->warc_max_bytes = I("warc_max_bytes");
    c->warc_dir = strdup(ww_config_str(cfg, "fetch.warc_dir"));
    c->ca_file = strdup(ww_config_str(cfg, "fetch.ca_file"));
#undef I
#undef B
    if (!c->recv_buffer_bytes) {
        /* A bigger buffer means fewer recv calls per page, and libcurl 7.88 follows
         * every recv that fills the buffer with a poll(2) to see if more is waiting:
         * a 50 KB page costs 4 recv + 3 poll with the 16 KiB default, 1 + 0 with 128
         * KiB (docs/benchmarks.md).  libcurl allocates it per transfer, so the total
         * is bounded by sharing a budget among the transfers in flight. */
        long b = (8L << 20) / c->max_in_flight;
        c->recv_buffer_bytes = b < 16384 ? 16384 : b > 131072 ? 131072 : b;
    }
    if (!c->user_agent || !c->robots_agent || !c->warc_dir || !c->ca_file)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    if (c->max_in_flight < 1 || c->max_host_conns < 1 || c->max_redirects < 0 ||
        c->max_retries < 0 || c->max_depth < 0 || c->host_delay_us < 0 ||
        c->connect_timeout_ms < 1 || c->timeout_ms < 1 || c->max_wire_bytes < 1 ||
        c->max_body_bytes < 1 || c->max_header_bytes < 1 || c->robots_max_bytes < 1 ||
        c->seen_max < 1 || c->validators_max < 1 || c->max_hosts < 1 ||
        c->recv_buffer_bytes < 0 || c->recv_buffer_bytes > CURL_MAX_READ_SIZE)
        return ww_seterr(err, errlen, WW_EINVAL,
                         "fetch: a limit is out of range (counts >= 1, times > 0)");
    if (!*c->robots_agent)
        return ww_seterr(err, errlen, WW_EINVAL, "fetch.robots_agent is empty");

    json_t *dp = ww_config_json(cfg, "fetch.drop_params");
    json_t *ac = ww_config_json(cfg, "fetch.allow_cidrs");
    if (!json_is_array(dp) || !json_is_array(ac))
        return ww_seterr(err, errlen, WW_EINVAL,
                         "fetch.drop_params and fetch.allow_cidrs must be arrays");
    c->drop_params = calloc(json_array_size(dp) + 1, sizeof *c->drop_params);
    if (!c->drop_params)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(dp); i++) {
        const char *s = json_string_value(json_array_get(dp, i));
        if (!s)
            return ww_seterr(err, errlen, WW_EINVAL,
                             "fetch.drop_params[%zu] is not a string", i);
        if (!(c->drop_params[c->n_drop] = strdup(s)))
            return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
        c->n_drop++;
    }
    size_t na = json_array_size(ac);
    const char **cidrs = calloc(na + 1, sizeof *cidrs);
    if (!cidrs)
        return ww_seterr(err, errlen, WW_ENOMEM, "out of memory");
    for (size_t i = 0; i < na; i++)
        cidrs[i] = json_string_value(json_array_get(ac, i));
    char e2[160] = "";
    c->allow = ww_cidr_list_new(cidrs, na, e2, sizeof e2);
    free(cidrs);
    if (!c->allow)
        return ww_seterr(err, errlen, WW_EINVAL, "fetch.allow_cidrs: %s", e2);
    return 0;
}
