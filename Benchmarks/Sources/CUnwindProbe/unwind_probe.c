#include "unwind_probe.h"
#include <libunwind.h>

static volatile int sink;

__attribute__((noinline)) static int capture(long iterations) {
    void *buf[64];
    int n = 0;
    for (long i = 0; i < iterations; i++) {
        n = unw_backtrace(buf, 64);
        sink = n;
    }
    return n;
}

__attribute__((noinline)) static int descend(int depth, long iterations) {
    if (depth <= 0) return capture(iterations);
    int n = descend(depth - 1, iterations);
    sink = depth;  /* keeps the frame (no tail call) */
    return n;
}

int unwind_probe(int depth, long iterations) { return descend(depth, iterations); }
