// sleep-under-spinlock — what lockcheck reports here:
//
//   two sleep-in-atomic reports (stats.lock held): one at the blocking call
//   (`LockCheck.blocking("read-config")`), one at the `mayBlock` allocation;
//   nothing else.
//
// A spin lock makes its holder atomic: nothing may block until it is
// released. Blocking I/O, or an allocation that may sleep to reclaim memory
// (GFP_KERNEL), under a spinlock is the classic "BUG: sleeping function
// called from invalid context".
//
//   swift run sleep-under-spinlock
import Instrumented

final class Stats: @unchecked Sendable {
    let lock = SpinLock(name: "stats.lock")
    var samples: [UnsafeMutableRawPointer] = []

    func record() {
        lock.withLock {
            LockCheck.blocking("read-config") {}                                   // a blocking call: reported
            let sample = LockCheck.allocate(byteCount: 64, flags: .mayBlock)!      // may sleep: reported
            samples.append(sample)
        }
    }
}

let stats = Stats()
stats.record()
for p in stats.samples { LockCheck.free(p) }
print("recorded \(stats.samples.count) sample")
