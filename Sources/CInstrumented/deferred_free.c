#include "lockcheck_deferred_free.h"

__thread lc_dfq_cache lc_dfq_cache_slot __attribute__((tls_model("initial-exec"))) = {0, 0, 0};
