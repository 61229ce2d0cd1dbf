import LockGraph
import XCTest

/// `sleep-in-atomic` (might_sleep): every sleep point in every atomic context
/// fires; none fires in plain process context or under a sleeping lock.
final class SleepInAtomicTests: XCTestCase {
    enum SleepPoint: String, CaseIterable {
        case sleep, mutex, rtMutex, recursiveMutex, rwsemWrite, rwsemRead, allocMayBlock, barrier, headlessDeferFree

        /// The sleeping lock the point takes, if it is an acquisition.
        var lockName: String? {
            switch self {
            case .mutex: return "sleeping_mutex"
            case .rtMutex: return "sleeping_rtmutex"
            case .recursiveMutex: return "sleeping_rmutex"
            case .rwsemWrite, .rwsemRead: return "sleeping_rwsem"
            default: return nil
            }
        }

        func run(_ s: Scenario) {
            switch self {
            case .sleep: s.sleep("sleep what=cond-wait")
            case .mutex, .rtMutex, .recursiveMutex, .rwsemWrite: s.lock(lockName!); s.unlock(lockName!)
            case .rwsemRead: s.lock(lockName!, .shared); s.unlock(lockName!)
            case .allocMayBlock: s.alloc(.mayBlock, 4096)
            case .barrier: s.barrier("krc")
            case .headlessDeferFree: s.deferFree("krc", 0x1000, headless: true)
            }
        }
    }

    enum Context: String, CaseIterable {
        case spinlockHeld, rwlockHeld, rawSpinlockHeld, hardirq, threadedHardirq, softirq
        case irqsOff, softirqsOff, preemptOff, rcu, rcuBH, rcuSched

        /// The spinning lock the context holds, named in the report.
        var heldName: String? {
            switch self {
            case .spinlockHeld: return "spin_S"
            case .rwlockHeld: return "rw_S"
            case .rawSpinlockHeld: return "raw_S"
            default: return nil
            }
        }

        func enter(_ s: Scenario) {
            switch self {
            case .spinlockHeld, .rawSpinlockHeld: s.lock(heldName!)
            case .rwlockHeld: s.lock(heldName!, .shared)
            case .hardirq: s.irqsOff(); s.hardirqEnter()
            case .threadedHardirq: s.irqsOff(); s.hardirqEnter(threaded: true)
            case .softirq: s.softirqEnter()
            case .irqsOff: s.irqsOff()
            case .softirqsOff: s.softirqsOff()
            case .preemptOff: s.preemptOff()
            case .rcu: s.rcuLock(.plain)
            case .rcuBH: s.rcuLock(.bh)
            case .rcuSched: s.rcuLock(.sched)
            }
        }
    }

    private func makeScenario() -> Scenario {
        let s = Scenario()
        s.declare(.mutex, "sleeping_mutex", "outer_mutex")
        s.declare(.rtMutex, "sleeping_rtmutex")
        s.declare(.recursiveMutex, "sleeping_rmutex")
        s.declare(.rwsem, "sleeping_rwsem")
        s.declare(.spinlock, "spin_S")
        s.declare(.rwlock, "rw_S")
        s.declare(.rawSpinlock, "raw_S")
        return s
    }

    func test_sleepPointInAtomicContext_fires() {
        for context in Context.allCases {
            for point in SleepPoint.allCases {
                let s = makeScenario()
                context.enter(s)
                point.run(s)
                let classes = [point.lockName, context.heldName].compactMap { $0 }
                s.expect([Expected(.sleepInAtomic, classes)], "\(point) in \(context)")
                if let v = s.violations.first {
                    XCTAssertFalse(v.contexts.isEmpty, "\(point) in \(context): report names no context")
                }
            }
        }
    }

    func test_sleepPointInProcessContext_staysSilent() {
        for point in SleepPoint.allCases {
            let s = makeScenario()
            point.run(s)
            s.expect([], "\(point) in process context")
        }
    }

    func test_sleepPointUnderMutex_staysSilent() {
        for point in SleepPoint.allCases {
            let s = makeScenario()
            s.lock("outer_mutex")
            point.run(s)
            s.unlock("outer_mutex")
            s.expect([], "\(point) under a mutex")
        }
    }

    func test_sleepPointAfterAtomicContextEnded_staysSilent() {
        for point in SleepPoint.allCases {
            let s = makeScenario()
            s.lock("spin_S"); s.unlock("spin_S")
            s.irqsOff(); s.irqsOn()
            s.softirqsOff(); s.softirqsOn()
            s.preemptOff(); s.preemptOn()
            s.rcuLock(.bh); s.rcuUnlock(.bh)
            s.rcuLock(.sched); s.rcuUnlock(.sched)
            s.inHardirq {}
            s.softirqEnter(); s.softirqExit()
            point.run(s)
            s.expect([], "\(point) after every context ended")
        }
    }

    func test_nestedPreemptOff_staysAtomicUntilLastOn_fires() {
        let s = makeScenario()
        s.preemptOff()
        s.preemptOff()
        s.preemptOn()
        s.sleep()
        s.expect(fires(.sleepInAtomic))
    }

    func test_nonHeadlessDeferFreeInAtomic_staysSilent() {
        // With an embedded head, kvfree_rcu never waits: fine anywhere.
        let s = makeScenario()
        s.lock("raw_S")
        s.deferFree("krc", 0x1000, headless: false)
        s.inHardirq { s.deferFree("krc", 0x2000, headless: false) }
        s.unlock("raw_S")
        s.expectSilent()
    }

    func test_atomicAllocInAtomic_staysSilent() {
        // `atomic` / `nowait` allocations never sleep (under a non-raw lock they are fine).
        let s = makeScenario()
        s.lock("spin_S")
        s.alloc(.atomic, 128)
        s.alloc(.nowait, 128)
        s.alloc(.noLocks, 128)
        s.unlock("spin_S")
        s.expectSilent()
    }

    func test_seed_000_headlessKfreeRcuInIrqContext_fires() {
        // ext4 online resize: a headless kvfree_rcu may fall back to
        // synchronize_rcu(); kvfree(), which sleeps; it must not run in an irq handler.
        let s = Scenario()
        s.inHardirq { s.deferFree("kfree_rcu", 0xfeed0, headless: true) }
        s.expect(fires(.sleepInAtomic))
        XCTAssertTrue(s.violations.first?.contexts.map(\.name).contains("hardirq handler") ?? false)
    }

    func test_seed_000_headlessKfreeRcuInProcessContext_staysSilent() {
        let s = Scenario()
        s.deferFree("kfree_rcu", 0xfeed0, headless: true)
        s.expectSilent()
    }

    func test_differentContexts_reportedSeparately() {
        // One plain sleep point in two different atomic contexts: two distinct violations.
        let s = makeScenario()
        s.irqsOff(); s.sleep(); s.irqsOn()
        s.preemptOff(); s.sleep(); s.preemptOn()
        s.irqsOff(); s.sleep(); s.irqsOn()
        XCTAssertEqual(s.violations.map(\.rule), [.sleepInAtomic, .sleepInAtomic])
    }
}
