// The benchmarks' one clock: CLOCK_MONOTONIC in nanoseconds, inlined into
// each timing loop, so that reading it costs one vDSO call and nothing more.
#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds on the monotonic clock.
///
/// - Complexity: O(1); one `clock_gettime` (a vDSO call, no system call).
@inlinable @inline(__always)
public func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
