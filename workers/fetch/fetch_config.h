/* The fetch stage's configuration: the declared key table (fetch.*) and the values
 * read from it once at create time.  Internal to workers/fetch. */
#ifndef WW_FETCH_CONFIG_H
#define WW_FETCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "wirewatch/config.h"
#include "wirewatch/ssrf.h"

typedef struct fetch_cfg {
    char *user_agent, *robots_agent;
    int obey_robots, http2, allow_private, keep_truncated, follow_discovered, allow_file,
        dedupe_seeds;
    long max_in_flight, max_host_conns, max_redirects, max_retries, max_depth, max_hosts;
    int64_t host_delay_us, max_crawl_delay_us, connect_timeout_ms, timeout_ms;
    long low_speed_bytes, low_speed_time_s, recv_buffer_bytes;
    int64_t max_wire_bytes, max_body_bytes, max_header_bytes, robots_max_bytes;
    int64_t robots_ttl_us, robots_error_ttl_us, max_retry_after_us;
    int64_t backoff_base_us, backoff_max_us, seen_ttl_us;
    long seen_max, validators_max;
    char *ca_file;
    char *warc_dir;
    int64_t warc_max_bytes;
    char **drop_params;
    size_t n_drop;
    ww_cidr_list *allow;
} fetch_cfg;

/* Every fetch.* key with its default and help (NULL-terminated). */
extern const ww_config_key ww__fetch_keys[];

/* Read and check the fetch.* values of cfg into c (fetch.feeds is read by the intake,
 * which owns the feeds).  0, or WW_EINVAL / WW_ENOMEM with err; c is then partly
 * filled and still needs ww__fetch_cfg_free. */
int ww__fetch_cfg_load(fetch_cfg *c, const ww_config *cfg, char *err, size_t errlen);
void ww__fetch_cfg_free(fetch_cfg *c);

#endif
