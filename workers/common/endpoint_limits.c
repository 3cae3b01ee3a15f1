/* What every transport reads the same way: runtime keys with their declared defaults,
 * and the time left before the endpoint's shutdown deadline.  Apart from endpoint.c so
 * that the transports depend on it and endpoint.c depends on the transports, one way. */
#include <limits.h>

#include "endpoint_impl.h"
#include "wirewatch/config.h"
#include "wirewatch/message.h"
#include "wirewatch/worker.h"

long long ww__ep_cfg_int(const ww_config *cfg, const char *key) {
    return cfg ? ww_config_int(cfg, key)
               : ww_config_default_int(ww_runtime_config_keys, key);
}

int ww__ep_budget_ms(const ww_endpoint *ep, int dflt) {
    if (!ep->deadline_us)
        return dflt;
    int64_t left = (ep->deadline_us - ww_mono_us()) / 1000;
    return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}
