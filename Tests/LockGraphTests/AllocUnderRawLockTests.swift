import LockGraph
import XCTest

/// `alloc-under-raw-lock`: an allocation that never sleeps but takes the
/// allocator's own spinlock, under a raw lock or in a hardirq handler (seed 002,
/// "mm: Add __GFP_NO_LOCKS flag").
final class AllocUnderRawLockTests: XCTestCase {
    private func makeScenario(rawNesting: Bool = true) -> Scenario {
        let s = Scenario(rawNesting: rawNesting)
        s.declare(.rawSpinlock, "krc.lock")
        s.declare(.spinlock, "zone.lock")
        return s
    }

    func test_nowaitUnderRawSpinlock_fires() {
        let s = makeScenario()
        s.lock("krc.lock")
        s.alloc(.nowait, 4096)
        s.expect(fires(.allocUnderRawLock, "krc.lock"))
    }

    func test_atomicUnderRawSpinlock_fires() {
        let s = makeScenario()
        s.lock("krc.lock")
        s.alloc(.atomic, 4096)
        s.expect(fires(.allocUnderRawLock, "krc.lock"))
    }

    func test_noLocksUnderRawSpinlock_staysSilent() {
        let s = makeScenario()
        s.lock("krc.lock")
        s.alloc(.noLocks, 4096)
        s.unlock("krc.lock")
        s.expectSilent()
    }

    func test_nowaitUnderSpinlock_staysSilent() {
        let s = makeScenario()
        s.lock("zone.lock")
        s.alloc(.nowait, 4096)
        s.alloc(.atomic, 4096)
        s.unlock("zone.lock")
        s.expectSilent()
    }

    func test_nowaitAfterRawReleased_staysSilent() {
        let s = makeScenario()
        s.lock("krc.lock")
        s.unlock("krc.lock")
        s.alloc(.nowait, 4096)
        s.expectSilent()
    }

    func test_nowaitInHardirq_fires() {
        let s = makeScenario()
        s.inHardirq { s.alloc(.nowait, 4096) }
        s.expect(fires(.allocUnderRawLock))
    }

    func test_nowaitInThreadedHardirq_staysSilent() {
        let s = makeScenario()
        s.inHardirq(threaded: true) { s.alloc(.nowait, 4096) }
        s.expectSilent()
    }

    func test_noLocksInHardirq_staysSilent() {
        let s = makeScenario()
        s.inHardirq { s.alloc(.noLocks, 4096) }
        s.expectSilent()
    }

    func test_nowaitUnderRawSpinlock_rawNestingOff_staysSilent() {
        let s = makeScenario(rawNesting: false)
        s.lock("krc.lock")
        s.alloc(.nowait, 4096)
        s.unlock("krc.lock")
        s.inHardirq { s.alloc(.atomic, 64) }
        s.expectSilent()
    }

    func test_mayBlockUnderRawSpinlock_isSleepInAtomicOnly() {
        let s = makeScenario()
        s.lock("krc.lock")
        s.alloc(.mayBlock, 4096)
        s.expect(fires(.sleepInAtomic, "krc.lock"))
    }

    func test_seed_002_alloc_under_raw_lock_fires() {
        // kvfree_call_rcu: local_irq_save; raw_spin_lock(&krcp->lock);
        // __get_free_page(GFP_NOWAIT | __GFP_NOWARN) — the page allocator may
        // take zone->lock, a sleeping lock on PREEMPT_RT, under the raw lock.
        let s = makeScenario()
        s.thread("kvfree_call_rcu") {
            s.irqsOff()
            s.lock("krc.lock")
            s.alloc(.nowait, 4096)
            s.lock("zone.lock") // what the allocator does inside
            s.unlock("zone.lock")
            s.unlock("krc.lock")
            s.irqsOn()
        }
        s.expect(fires(.allocUnderRawLock, "krc.lock"),
                 fires(.invalidWaitContext, "krc.lock", "zone.lock"))
        let alloc = s.violations.first { $0.rule == .allocUnderRawLock }
        XCTAssertEqual(alloc?.event.thread, "kvfree_call_rcu")
        XCTAssertEqual(alloc?.held.map(\.className), ["krc.lock"])
    }

    func test_seed_002_alloc_under_raw_lock_withNoLocks_staysSilent() {
        // The proposed fix: __GFP_NO_LOCKS takes only the lockless per-cpu cache.
        let s = makeScenario()
        s.thread("kvfree_call_rcu") {
            s.irqsOff()
            s.lock("krc.lock")
            s.alloc(.noLocks, 4096)
            s.unlock("krc.lock")
            s.irqsOn()
        }
        s.expectSilent()
    }

    func test_seed_002_alloc_under_raw_lock_preemptRT_stillFires() {
        let s = Scenario(preemptRT: true)
        s.declare(.rawSpinlock, "krc.lock")
        s.lock("krc.lock")
        s.alloc(.nowait, 4096)
        s.expect(fires(.allocUnderRawLock, "krc.lock"))
    }
}
