// seed-000-headless-free-in-irq — what lockcheck reports here:
//
//   one sleep-in-atomic: a headless deferred free (`deferFree(_:)` without an
//   embedded head) from inside a hardirq-like handler; nothing else.
//
// Seeds 000/001 (kfree_rcu headless variant): an object without an rcu_head
// needs a wrapper, and when none can be allocated the caller waits for a
// grace period itself — `synchronize_rcu(); kvfree()`. That may sleep, so the
// headless call is legal only in sleepable context. The queue reports every
// headless call as a sleep point, whether or not this run had to wait.
// A deferred free *with* a head never sleeps and is fine in the handler.
//
//   swift run seed-000-headless-free-in-irq
import Instrumented

let queue = DeferredFreeQueue(name: "deferred-free")
LockCheck.fillNoLocksCache(byteCount: 4096, count: 2)   // array pages for the handler

let headed = LockCheck.allocate(byteCount: 64, flags: .mayBlock)!
let headless = LockCheck.allocate(byteCount: 64, flags: .mayBlock)!

LockCheck.hardirq {
    queue.deferFree(headed, head: headed + 32)   // fine: never sleeps
    queue.deferFree(headless)                    // reported: may wait for a grace period
}
queue.barrier()
let s = queue.statistics
queue.shutdown()
print("reclaimed \(s.reclaimed)")
