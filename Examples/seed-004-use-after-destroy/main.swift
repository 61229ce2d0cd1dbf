// seed-004-use-after-destroy — what lockcheck reports here:
//
//   one use-after-destroy (zspool): a late worker allocates from the pool
//   after it was destroyed; nothing else.
//
// Seed 004 ("mm/zsmalloc.c: Fix race condition in zs_destroy_pool"): destroy
// flushes the pool's pending work, but a migration can still queue new work
// after the flush, which then runs on the freed pool. Here the owner destroys
// the pool, and a worker that was started earlier (and was slow) still uses
// it. The semaphore only makes the bad order certain in this run; lockcheck
// reports it from the order of events alone.
//
//   swift run seed-004-use-after-destroy
import Dispatch
import Foundation
import Instrumented

let pool = LockCheck.Pool.create(name: "zspool")
let go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)

let worker = Thread {
    LockCheck.setThreadName("late-worker")
    go.wait()
    // The deferred migration work: allocate a new zspage, free the old one.
    let page = LockCheck.allocate(byteCount: 256, flags: .mayBlock, pool: pool)
    LockCheck.free(page, pool: pool)
    done.signal()
}
worker.start()

let first = LockCheck.allocate(byteCount: 256, flags: .mayBlock, pool: pool)
LockCheck.free(first, pool: pool)
pool.destroy()    // zs_destroy_pool: the worker is not flushed
go.signal()
done.wait()
print("worker finished after destroy")
