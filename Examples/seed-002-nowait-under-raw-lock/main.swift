// seed-002-nowait-under-raw-lock — what lockcheck reports here:
//
//   one alloc-under-raw-lock (deferred-free.krc.lock): the deferred-free
//   queue allocates its array page with `.nowait` while holding its raw
//   per-batch lock; nothing else.
//   With --fixed (the default `.noLocks` page allocation): nothing.
//
// Seed 002 ("mm: Add __GFP_NO_LOCKS flag"): kfree_rcu takes a raw spinlock,
// then allocates a page for its bulk array with GFP_NOWAIT. The page
// allocator takes zone->lock, a spinlock_t, which sleeps on PREEMPT_RT: a
// sleeping lock nested in a raw one. The fix allocates with a flag that never
// takes the allocator's lock (`.noLocks`, the `__GFP_NO_LOCKS` proposal),
// and may simply fail: the queue then links the object through its head.
//
//   swift run seed-002-nowait-under-raw-lock           # the report on stderr
//   swift run seed-002-nowait-under-raw-lock --fixed   # clean
//   LOCKCHECK_TRACE=/tmp/s2.log swift run seed-002-nowait-under-raw-lock && swift run lockcheck analyze /tmp/s2.log
import Instrumented

let fixed = CommandLine.arguments.contains("--fixed")
let queue = DeferredFreeQueue(name: "deferred-free", allocationFlags: fixed ? .noLocks : .nowait)

// 64-byte objects with a 32-byte head at offset 32, as a struct with an rcu_head would have.
var objects: [UnsafeMutableRawPointer] = []
for _ in 0..<8 {
    let p = LockCheck.allocate(byteCount: 64, flags: .mayBlock)!
    objects.append(p)
    queue.deferFree(p, head: p + 32)   // the first one opens an array page under the raw lock
}
queue.barrier()
let s = queue.statistics
queue.shutdown()
print("queued \(objects.count), reclaimed \(s.reclaimed) (bulk \(s.bulk), list \(s.list))")
