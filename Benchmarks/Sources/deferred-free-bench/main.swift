// deferred-free-bench: post-grace-period reclaim through bulk arrays against
// the emergency linked list (issue 5), and the enqueue cost of a deferred
// free against an immediate free.
//
//   swift run -c release deferred-free-bench [objects]     (default 2,000,000)
//
// Objects are 64-byte slots of one slab arena (128 MB at the default count:
// far more than the caches), queued in a random order, as after a real grace
// period. The pool frees in bulk the way a slab does: a freed object only
// sets its bit in the slab's free bitmap, computed from its address. The
// bulk path reads the queue's pointer arrays sequentially; the list path must
// load each object's embedded head to find the next one: one cache miss per
// object. Same objects, same run; validation off (release build).
import Foundation
import Instrumented
#if canImport(Glibc)
import Glibc
#endif

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 2_000_000
let slot = 64, headOffset = 32

final class Slab: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let bitmap: UnsafeMutablePointer<UInt64>
    let count: Int
    init(count: Int) {
        self.count = count
        base = UnsafeMutableRawPointer.allocate(byteCount: count * slot, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 1, count: count * slot)  // fault the pages in
        bitmap = .allocate(capacity: count / 64 + 1)
        bitmap.initialize(repeating: 0, count: count / 64 + 1)
    }
    @inline(__always) func free(_ p: UnsafeMutableRawPointer) {
        let i = (p - base) / slot
        bitmap[i >> 6] |= 1 << UInt64(i & 63)
    }
    func freedCount() -> Int { (0...(count / 64)).reduce(0) { $0 + bitmap[$1].nonzeroBitCount } }
    func reset() { bitmap.update(repeating: 0, count: count / 64 + 1) }
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func benchmark() {
    let slab = Slab(count: count)
    var order = Array(0..<count)
    var rng = SystemRandomNumberGenerator()
    order.shuffle(using: &rng)
    let objects = order.map { slab.base + $0 * slot }

    let reclaimer = DeferredFreeQueue.Reclaimer(
        free: { p, _ in slab.free(p) },
        freeBulk: { ps, _ in for p in ps { slab.free(p) } })

    /// Queues every object (bulk or list path), then times the barrier: one grace
    /// period plus the reclaim.
    func reclaimRun(list: Bool) -> (enqueue: Double, reclaim: Double) {
        slab.reset()
        let q = DeferredFreeQueue(name: list ? "bench-list" : "bench-bulk", cachedPages: 0,
                                  reclaimer: reclaimer, backgroundDrain: false)
        q.failureInjection = .init(pages: list)
        let t0 = now()
        for p in objects { q.deferFree(p, head: p + headOffset) }
        let t1 = now()
        q.barrier()
        let t2 = now()
        let s = q.statistics
        precondition(s.reclaimed == count && (list ? s.list : s.bulk) == count && slab.freedCount() == count)
        q.shutdown()
        return (t1 - t0, t2 - t1)
    }

    print("objects: \(count) x \(slot) B (\((count * slot) >> 20) MiB), random order")
    var bulkBest = Double.infinity, listBest = Double.infinity, enqBest = Double.infinity
    for round in 1...3 {
        let b = reclaimRun(list: false)
        let l = reclaimRun(list: true)
        bulkBest = min(bulkBest, b.reclaim)
        listBest = min(listBest, l.reclaim)
        enqBest = min(enqBest, b.enqueue)
        let bulkNs: Double = b.reclaim * 1e9 / Double(count)
        let listNs: Double = l.reclaim * 1e9 / Double(count)
        let ratio: Double = l.reclaim / b.reclaim
        print("round \(round): reclaim bulk " + String(format: "%.2f", bulkNs) + " ns/object, list "
              + String(format: "%.2f", listNs) + " ns/object, ratio " + String(format: "%.1f", ratio) + "x")
    }
    let bestBulk: Double = bulkBest * 1e9 / Double(count)
    let bestList: Double = listBest * 1e9 / Double(count)
    print("best: bulk " + String(format: "%.2f", bestBulk) + " ns/object, list " + String(format: "%.2f", bestList)
          + " ns/object: bulk is " + String(format: "%.1f", listBest / bulkBest) + "x faster (target >= 8x)")

    // Enqueue cost: a deferred free (bulk path) against an immediate free of
    // malloc'd 64-byte objects.
    let n = min(count, 1_000_000)
    var ptrs = (0..<n).map { _ in malloc(slot)! }
    var t0 = now()
    for p in ptrs { Glibc.free(p) }
    let immediate = (now() - t0) * 1e9 / Double(n)
    ptrs = (0..<n).map { _ in malloc(slot)! }
    let q = DeferredFreeQueue(name: "bench-enqueue", reclaimer: .init(free: { p, _ in Glibc.free(p) }), backgroundDrain: false)
    t0 = now()
    for p in ptrs { q.deferFree(p, head: p + headOffset) }
    let deferred = (now() - t0) * 1e9 / Double(n)
    q.barrier()
    q.shutdown()
    print("enqueue: deferred free " + String(format: "%.1f", deferred) + " ns/object, immediate free "
          + String(format: "%.1f", immediate) + " ns/object (" + String(format: "%.1f", deferred / immediate) + "x)")

}

benchmark()
