import LockGraph
import XCTest

/// Balance and lifetime rules: `unlock-unheld`, `held-lock-freed`,
/// `held-at-exit`, `double-deferred-free` (seed 001),
/// `destroy-with-pending-free` (seed 003) and `use-after-destroy` (seed 004).
final class LifetimeTests: XCTestCase {
    // MARK: unlock-unheld (lockdep's double_unlock, DO_TESTCASE_6)

    func test_double_unlock_fires() {
        for f in Flavor.allCases {
            let s = Scenario()
            s.declare(flavor: f, "A")
            s.lock("A")
            s.unlock("A")
            s.unlock("A") // fail
            s.expect([fires(.unlockUnheld, "A")], "flavour \(f)")
        }
    }

    func test_single_unlock_staysSilent() {
        for f in Flavor.allCases {
            let s = Scenario()
            s.declare(flavor: f, "A")
            s.lock("A")
            s.unlock("A")
            s.expect([], "flavour \(f)")
        }
    }

    func test_unlockNeverLocked_fires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.unlock("A")
        s.expect(fires(.unlockUnheld, "A"))
    }

    func test_unlockOnAnotherThread_fires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.thread("owner") { s.lock("A") }
        s.thread("other") { s.unlock("A") }
        s.expect(fires(.unlockUnheld, "A"))
        XCTAssertEqual(s.violations.first?.event.thread, "other")
        XCTAssertTrue(s.violations.first?.message.contains("another thread holds it") ?? false)
    }

    func test_unlockOnOwnerThread_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.thread("owner") { s.lock("A") }
        s.thread("other") { s.lock("B"); s.unlock("B") }
        s.thread("owner") { s.unlock("A") }
        s.expectSilent()
    }

    func test_unlockOutOfOrder_staysSilent() {
        // Releasing below the top of the held stack is legal.
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.lock("A"); s.lock("B"); s.lock("C")
        s.unlock("A"); s.unlock("C"); s.unlock("B")
        s.expectSilent()
    }

    func test_rcuUnlockWithoutLock_fires() {
        let s = Scenario()
        s.rcuUnlock(.plain)
        s.expect(fires(.unlockUnheld, "rcu_read_lock"))
    }

    func test_rcuUnlockOfOtherFlavour_fires() {
        let s = Scenario()
        s.rcuLock(.plain)
        s.rcuUnlock(.bh)
        s.expect(fires(.unlockUnheld, "rcu_read_lock_bh"))
    }

    func test_rcuLockUnlockBalanced_staysSilent() {
        let s = Scenario()
        for flavor in [RCUFlavor.plain, .bh, .sched] {
            s.rcuLock(flavor)
            s.rcuLock(flavor)
            s.rcuUnlock(flavor)
            s.rcuUnlock(flavor)
        }
        s.expectSilent()
    }

    // MARK: held-lock-freed (lockdep's init_held, debug_check_no_locks_freed)

    func test_init_held_fires() {
        for f in Flavor.allCases {
            let s = Scenario()
            s.declare(flavor: f, "A")
            s.lock("A")
            s.lockInit("A") // fail
            s.expect([fires(.heldLockFreed, "A")], "flavour \(f)")
        }
    }

    func test_init_released_staysSilent() {
        for f in Flavor.allCases {
            let s = Scenario()
            s.declare(flavor: f, "A")
            s.lock("A")
            s.unlock("A")
            s.lockInit("A")
            s.lock("A")
            s.unlock("A")
            s.expect([], "flavour \(f)")
        }
    }

    func test_lockFreeWhileHeldBySelf_fires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.lock("A")
        s.lockFree("A")
        s.expect(fires(.heldLockFreed, "A"))
        XCTAssertTrue(s.violations.first?.message.contains("while it holds it") ?? false)
    }

    func test_lockFreeWhileHeldByAnotherThread_fires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.thread("holder") { s.lock("A") }
        s.thread("freer") { s.lockFree("A") }
        s.expect(fires(.heldLockFreed, "A"))
        XCTAssertTrue(s.violations.first?.message.contains("another thread holds it") ?? false)
    }

    func test_lockFreeAfterRelease_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.thread("holder") { s.lock("A"); s.unlock("A") }
        s.thread("freer") { s.lockFree("A") }
        s.expectSilent()
    }

    func test_lockFreeOfOtherInstanceOfHeldClass_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, class: "inode", instances: "i1", "i2")
        s.lock("i1")
        s.lockFree("i2")
        s.unlock("i1")
        s.expectSilent()
    }

    // MARK: held-at-exit

    func test_heldAtExit_fires() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.thread("worker") {
            s.lock("A")
            s.lock("B")
            s.exitThread()
        }
        s.expect(fires(.heldAtExit, "A", "B"))
        XCTAssertEqual(s.violations.first?.event.thread, "worker")
        XCTAssertEqual(s.violations.first?.held.map(\.className), ["A", "B"])
    }

    func test_releasedBeforeExit_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.thread("worker") {
            s.lock("A")
            s.unlock("A")
            s.exitThread()
        }
        s.expectSilent()
    }

    // MARK: double-deferred-free (seed 001)

    func test_seed_001_doubleDeferredFree_fires() {
        // kvfree_rcu(ptr) twice before the grace period ended.
        let s = Scenario()
        s.deferFree("krc", 0xdead0)
        s.deferFree("krc", 0xdead0)
        s.expect(fires(.doubleDeferredFree, "krc"))
        XCTAssertEqual(s.violations.first?.related.count, 1)
    }

    func test_seed_001_doubleDeferredFree_onOtherQueue_fires() {
        let s = Scenario()
        s.deferFree("krc.cpu0", 0xdead0)
        s.deferFree("krc.cpu1", 0xdead0)
        s.expect(fires(.doubleDeferredFree, "krc.cpu0"))
    }

    func test_seed_001_deferFreeAgainAfterReclaim_staysSilent() {
        let s = Scenario()
        s.deferFree("krc", 0xdead0)
        s.reclaimed("krc", 0xdead0)
        s.deferFree("krc", 0xdead0)
        s.expectSilent()
    }

    func test_seed_001_deferFreeAgainAfterBarrier_staysSilent() {
        let s = Scenario()
        s.deferFree("krc", 0xdead0)
        s.barrier("krc")
        s.deferFree("krc", 0xdead0)
        s.expectSilent()
    }

    func test_seed_001_twoPointers_staysSilent() {
        let s = Scenario()
        s.deferFree("krc", 0xdead0)
        s.deferFree("krc", 0xbeef0)
        s.expectSilent()
    }

    func test_seed_001_headlessInAtomic_fires() {
        // The headless emergency path must follow might_sleep().
        let s = Scenario()
        s.declare(.spinlock, "krcp->lock")
        s.lock("krcp->lock")
        s.deferFree("krc", 0xdead0, headless: true)
        s.expect(fires(.sleepInAtomic, "krcp->lock"))
    }

    // MARK: destroy-with-pending-free (seed 003)

    private func queueObjectOfPool(_ s: Scenario) {
        s.alloc(.mayBlock, 256, pointer: 0xc0de0, pool: "batadv_tt_cache")
        s.deferFree("kfree_rcu", 0xc0de0, pool: "batadv_tt_cache")
    }

    func test_seed_003_destroyWithPendingFree_fires() {
        let s = Scenario()
        queueObjectOfPool(s)
        s.destroyPool("batadv_tt_cache")
        s.expect(fires(.destroyWithPendingFree, "batadv_tt_cache"))
        XCTAssertEqual(s.violations.first?.related.count, 1)
    }

    func test_seed_003_barrierBeforeDestroy_staysSilent() {
        // kvfree_rcu_barrier() before kmem_cache_destroy().
        let s = Scenario()
        queueObjectOfPool(s)
        s.barrier("kfree_rcu")
        s.destroyPool("batadv_tt_cache")
        s.expectSilent()
    }

    func test_seed_003_reclaimBeforeDestroy_staysSilent() {
        let s = Scenario()
        queueObjectOfPool(s)
        s.reclaimed("kfree_rcu", 0xc0de0)
        s.destroyPool("batadv_tt_cache")
        s.expectSilent()
    }

    func test_seed_003_barrierOnOtherQueue_fires() {
        let s = Scenario()
        queueObjectOfPool(s)
        s.barrier("call_rcu") // rcu_barrier() does not wait for kfree_rcu batches
        s.destroyPool("batadv_tt_cache")
        s.expect(fires(.destroyWithPendingFree, "batadv_tt_cache"))
    }

    func test_seed_003_pendingFreeOfOtherPool_staysSilent() {
        let s = Scenario()
        s.deferFree("kfree_rcu", 0xc0de0, pool: "other_cache")
        s.destroyPool("batadv_tt_cache")
        s.expectSilent()
    }

    func test_seed_003_deferAfterBarrier_fires() {
        // The barrier covers only what was queued before it.
        let s = Scenario()
        queueObjectOfPool(s)
        s.barrier("kfree_rcu")
        s.deferFree("kfree_rcu", 0xc0de8, pool: "batadv_tt_cache")
        s.destroyPool("batadv_tt_cache")
        s.expect(fires(.destroyWithPendingFree, "batadv_tt_cache"))
    }

    /// Live, `seq` is per thread while no trace is recorded: the report
    /// names the free queued first, not the one with the smaller `seq`.
    func test_seed_003_destroyWithPendingFree_perThreadSeq_namesTheFirstQueued() {
        for firstQueuer in ["t1", "t2"] {
            let s = Scenario()
            let threads = ["t1": s.thread(named: "t1"), "t2": s.thread(named: "t2")]
            let seqs: [String: UInt64] = ["t1": 9, "t2": 2]   // per-thread counters
            let order = firstQueuer == "t1" ? ["t1", "t2"] : ["t2", "t1"]
            for (i, name) in order.enumerated() {
                s.validator.deferFree(queue: s.queue("kfree_rcu"), pointer: 0xc0de0 + UInt64(i) * 8,
                                      pool: s.pool("batadv_tt_cache"), thread: threads[name]!,
                                      site: EventSite(seq: seqs[name]!))
            }
            s.destroyPool("batadv_tt_cache")
            s.expect(fires(.destroyWithPendingFree, "batadv_tt_cache"))
            XCTAssertEqual(s.violations.first?.related.first?.thread, firstQueuer)
        }
    }

    // MARK: use-after-destroy (seed 004)

    func test_seed_004_allocFromDestroyedPool_fires() {
        let s = Scenario()
        s.destroyPool("zs_pool")
        s.alloc(.nowait, 64, pool: "zs_pool")
        s.expect(fires(.useAfterDestroy, "zs_pool"))
    }

    func test_seed_004_freeIntoDestroyedPool_fires() {
        // zs_destroy_pool flushed its free_work, then migration queued more and freed into it.
        let s = Scenario()
        s.thread("zs_destroy_pool") { s.destroyPool("zs_pool") }
        s.thread("kcompactd0") { s.free(0x5000, pool: "zs_pool") }
        s.expect(fires(.useAfterDestroy, "zs_pool"))
        XCTAssertEqual(s.violations.first?.event.thread, "kcompactd0")
        XCTAssertEqual(s.violations.first?.related.first?.thread, "zs_destroy_pool")
    }

    func test_seed_004_deferFreeIntoDestroyedPool_fires() {
        let s = Scenario()
        s.destroyPool("zs_pool")
        s.deferFree("kfree_rcu", 0x5000, pool: "zs_pool")
        s.expect(fires(.useAfterDestroy, "zs_pool"))
    }

    func test_seed_004_reclaimIntoDestroyedPool_fires() {
        // The reclaim lands after the destroy; the destroy itself also had a pending free.
        let s = Scenario()
        s.deferFree("kfree_rcu", 0x5000, pool: "zs_pool")
        s.destroyPool("zs_pool")
        s.reclaimed("kfree_rcu", 0x5000)
        s.expect(fires(.destroyWithPendingFree, "zs_pool"), fires(.useAfterDestroy, "zs_pool"))
    }

    func test_seed_004_destroyTwice_fires() {
        let s = Scenario()
        s.destroyPool("zs_pool")
        s.destroyPool("zs_pool")
        s.expect(fires(.useAfterDestroy, "zs_pool"))
    }

    func test_seed_004_everyUseBeforeDestroy_staysSilent() {
        let s = Scenario()
        s.alloc(.nowait, 64, pointer: 0x5000, pool: "zs_pool")
        s.alloc(.nowait, 64, pointer: 0x6000, pool: "zs_pool")
        s.free(0x5000, pool: "zs_pool")
        s.deferFree("kfree_rcu", 0x6000, pool: "zs_pool")
        s.reclaimed("kfree_rcu", 0x6000)
        s.destroyPool("zs_pool")
        s.alloc(.nowait, 64, pool: "other_pool")
        s.expectSilent()
    }

    func test_acquireAfterLockFree_fires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.lockFree("A")
        s.lock("A")
        s.expect(fires(.useAfterDestroy, "A"))
    }

    func test_acquireAfterLockFreeThenInit_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.lockFree("A")
        s.lockInit("A")
        s.lock("A")
        s.unlock("A")
        s.expectSilent()
    }

    func test_trylockAfterLockFree_fires() {
        let s = Scenario()
        s.declare(.spinlock, "A")
        s.lockFree("A")
        s.trylock("A")
        s.expect(fires(.useAfterDestroy, "A"))
    }
}
