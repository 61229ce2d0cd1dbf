#include "machine_control.h"

uint64_t machine_compute(int64_t n, uint64_t seed) {
    // Four independent chains: the loop is bound by the core's issue width
    // (about four instructions a cycle), as the validator's path is, not by
    // latency, as an atomic operation is.
    uint64_t a = seed | 1, b = a * 3, c = a * 5, d = a * 7;
    for (int64_t i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) {
            a ^= a << 13; b ^= b << 13; c ^= c << 13; d ^= d << 13;
            a ^= a >> 7;  b ^= b >> 7;  c ^= c >> 7;  d ^= d >> 7;
            a ^= a << 17; b ^= b << 17; c ^= c << 17; d ^= d << 17;
            a += d;       b += a;       c += b;       d += c;
        }
        __asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
    }
    return a ^ b ^ c ^ d;
}

void machine_spin(const int32_t *stop) {
    // The compute loop itself, so the spinner competes for the execution
    // units a core's two hyperthreads share (a load-and-branch loop does not).
    uint64_t seed = 1;
    while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
        seed = machine_compute(1000, seed);
    }
    __asm__ volatile("" :: "r"(seed));
}

void machine_set(int32_t *flag, int32_t value) { __atomic_store_n(flag, value, __ATOMIC_RELEASE); }
