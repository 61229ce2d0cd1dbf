// seed-003-destroy-with-pending-free — what lockcheck reports here:
//
//   one destroy-with-pending-free (inode-cache): the pool is destroyed while
//   deferred frees of its objects are still queued; then one
//   use-after-destroy (inode-cache) when the queue reclaims them into the
//   destroyed pool.
//   With --fixed (`queue.destroy(pool)`: barrier() first, then destroy): nothing.
//
// Seed 003 ("slab: kfree_rcu vs kmem_cache_destroy"): a module frees its
// objects with kfree_rcu and destroys its kmem_cache right away; the frees run
// a grace period later, into a cache that no longer exists. The fix is
// kvfree_rcu_barrier() before kmem_cache_destroy().
//
//   swift run seed-003-destroy-with-pending-free
//   swift run seed-003-destroy-with-pending-free --fixed
import Instrumented

let fixed = CommandLine.arguments.contains("--fixed")
// A long drain delay: the frees are certainly still pending at destroy.
let queue = DeferredFreeQueue(name: "deferred-free", drainDelay: 10_000_000_000)
let pool = LockCheck.Pool.create(name: "inode-cache")

for _ in 0..<4 {
    let inode = LockCheck.allocate(byteCount: 128, flags: .mayBlock, pool: pool)!
    queue.deferFree(inode, head: inode + 96, pool: pool)
}
if fixed {
    queue.destroy(pool)   // barrier, then destroy
} else {
    pool.destroy()        // reported: frees pending
    queue.barrier()       // they run now, into the destroyed pool
}
queue.shutdown()
print("reclaimed \(queue.statistics.reclaimed)")
