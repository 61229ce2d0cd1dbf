import LockGraph
import XCTest

/// `invalid-wait-context`: lockdep's wait_context_tests matrix
/// (CONFIG_PROVE_RAW_LOCK_NESTING) and the raw-nesting headline case.
///
///        \  inner |  RCU  | RAW_SPIN | SPIN | MUTEX
///  outer  \       |       |          |      |
///  HARDIRQ (thr.) |   o   |    o     |  o   |  x
///  NOTTHREADED_IRQ|   o   |    o     |  x   |  x
///  SOFTIRQ        |   o   |    o     |  o   |  x
///  RCU            |   o   |    o     |  o   |  x
///  RCU_BH         |   o   |    o     |  o   |  x
///  RCU_SCHED      |   o   |    o     |  x   |  x
///  RAW_SPIN       |   o   |    o     |  x   |  x
///  SPIN           |   o   |    o     |  o   |  x
///  MUTEX          |   o   |    o     |  o   |  o
///
/// An `x` for SPIN is `invalid-wait-context`; an `x` for MUTEX is a sleeping
/// lock in atomic context, which this engine reports as `sleep-in-atomic`.
final class WaitContextTests: XCTestCase {
    enum Outer: String, CaseIterable {
        case hardirq = "HARDIRQ", notThreadedHardirq = "NOTTHREADED_HARDIRQ", softirq = "SOFTIRQ"
        case rcu = "RCU", rcuBH = "RCU_BH", rcuSched = "RCU_SCHED"
        case rawSpinlock = "raw_spinlock", spinlock = "spinlock", mutex = "mutex"
    }

    enum Inner: String, CaseIterable {
        case rcu = "RCU", rawSpinlock = "raw_spinlock", spinlock = "spinlock", mutex = "mutex"
    }

    private func enter(_ outer: Outer, _ s: Scenario) {
        switch outer {
        case .hardirq: s.irqsOff(); s.hardirqEnter(threaded: true)
        case .notThreadedHardirq: s.irqsOff(); s.hardirqEnter()
        case .softirq: s.softirqsOff(); s.irqsOff(); s.softirqEnter()
        case .rcu: s.rcuLock(.plain)
        case .rcuBH: s.rcuLock(.bh)
        case .rcuSched: s.rcuLock(.sched)
        case .rawSpinlock: s.lock("raw_lock_A")
        case .spinlock: s.lock("lock_A")
        case .mutex: s.lock("mutex_A")
        }
    }

    private func exit(_ outer: Outer, _ s: Scenario) {
        switch outer {
        case .hardirq, .notThreadedHardirq: s.hardirqExit(); s.irqsOn()
        case .softirq: s.softirqExit(); s.irqsOn(); s.softirqsOn()
        case .rcu: s.rcuUnlock(.plain)
        case .rcuBH: s.rcuUnlock(.bh)
        case .rcuSched: s.rcuUnlock(.sched)
        case .rawSpinlock: s.unlock("raw_lock_A")
        case .spinlock: s.unlock("lock_A")
        case .mutex: s.unlock("mutex_A")
        }
    }

    private func take(_ inner: Inner, _ s: Scenario) {
        switch inner {
        case .rcu: s.rcuLock(); s.rcuUnlock()
        case .rawSpinlock: s.lock("raw_lock_B"); s.unlock("raw_lock_B")
        case .spinlock: s.lock("lock_B"); s.unlock("lock_B")
        case .mutex: s.lock("mutex_B"); s.unlock("mutex_B")
        }
    }

    /// The matrix's answer for one cell, with the classes the report names.
    private func expected(_ outer: Outer, _ inner: Inner) -> [Expected] {
        let limitedPreemptible: Set<Outer> = [.hardirq, .softirq, .rcu, .rcuBH, .spinlock]
        let notPreemptible: Set<Outer> = [.notThreadedHardirq, .rcuSched, .rawSpinlock]
        // The spinning lock held outside, if any, is named with the inner lock.
        let heldSpinning: [String] = outer == .rawSpinlock ? ["raw_lock_A"] : outer == .spinlock ? ["lock_A"] : []
        switch inner {
        case .rcu, .rawSpinlock:
            return []
        case .spinlock:
            return notPreemptible.contains(outer) ? [Expected(.invalidWaitContext, ["lock_B"] + heldSpinning)] : []
        case .mutex:
            if limitedPreemptible.contains(outer) || notPreemptible.contains(outer) {
                return [Expected(.sleepInAtomic, ["mutex_B"] + heldSpinning)]
            }
            return []
        }
    }

    private func makeScenario(rawNesting: Bool = true, preemptRT: Bool = false) -> Scenario {
        let s = Scenario(rawNesting: rawNesting, preemptRT: preemptRT)
        s.declare(.rawSpinlock, "raw_lock_A", "raw_lock_B")
        s.declare(.spinlock, "lock_A", "lock_B")
        s.declare(.mutex, "mutex_A", "mutex_B")
        return s
    }

    private func runMatrix(where include: (Outer, Inner) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        for outer in Outer.allCases {
            for inner in Inner.allCases where include(outer, inner) {
                let s = makeScenario()
                enter(outer, s)
                take(inner, s)
                exit(outer, s)
                s.expect(expected(outer, inner), "\(inner.rawValue)_in_\(outer.rawValue)", file: file, line: line)
            }
        }
    }

    func test_waitContextMatrix_fires() {
        runMatrix(where: { !expected($0, $1).isEmpty })
    }

    func test_waitContextMatrix_staysSilent() {
        runMatrix(where: { expected($0, $1).isEmpty })
    }

    // MARK: The raw-nesting headline case (seed 002's shape)

    func test_spinlockUnderRawSpinlock_rawNestingOn_fires() {
        let s = makeScenario()
        s.lock("raw_lock_A")
        s.lock("lock_B")
        s.expect(fires(.invalidWaitContext, "lock_B", "raw_lock_A"))
    }

    func test_spinlockUnderRawSpinlock_rawNestingOff_staysSilent() {
        let s = makeScenario(rawNesting: false)
        s.lock("raw_lock_A")
        s.lock("lock_B")
        s.unlock("lock_B")
        s.unlock("raw_lock_A")
        s.expectSilent()
    }

    func test_spinlockUnderRawSpinlock_preemptRT_stillFires() {
        // preempt-rt never silences a rule.
        let s = makeScenario(preemptRT: true)
        s.lock("raw_lock_A")
        s.lock("lock_B")
        s.expect(fires(.invalidWaitContext, "lock_B", "raw_lock_A"))
    }

    func test_rwlockUnderRawSpinlock_fires() {
        let s = makeScenario()
        s.declare(.rwlock, "rw_B")
        s.lock("raw_lock_A")
        s.lock("rw_B", .shared)
        s.expect(fires(.invalidWaitContext, "raw_lock_A", "rw_B"))
    }

    func test_rawSpinlockUnderSpinlock_staysSilent() {
        let s = makeScenario()
        s.lock("lock_A")
        s.lock("raw_lock_B")
        s.unlock("raw_lock_B")
        s.unlock("lock_A")
        s.expectSilent()
    }

    func test_spinlockUnderRawUnderSpinlock_fires() {
        // The lowest wait type held counts, not the top one.
        let s = makeScenario()
        s.declare(.spinlock, "lock_C")
        s.lock("lock_A")
        s.lock("raw_lock_A")
        s.lock("lock_C")
        s.expect(fires(.invalidWaitContext, "lock_C", "raw_lock_A"))
    }

    func test_spinlockAfterRawReleased_staysSilent() {
        let s = makeScenario()
        s.lock("raw_lock_A")
        s.unlock("raw_lock_A")
        s.lock("lock_B")
        s.unlock("lock_B")
        s.expectSilent()
    }

    func test_spinlockInHardirq_fires() {
        let s = makeScenario()
        s.inHardirq { s.lock("lock_B"); s.unlock("lock_B") }
        s.expect(fires(.invalidWaitContext, "lock_B"))
    }

    func test_spinlockInThreadedHardirq_staysSilent() {
        let s = makeScenario()
        s.inHardirq(threaded: true) { s.lock("lock_B"); s.unlock("lock_B") }
        s.expectSilent()
    }

    func test_spinlockInHardirq_rawNestingOff_staysSilent() {
        let s = makeScenario(rawNesting: false)
        s.inHardirq { s.lock("lock_B"); s.unlock("lock_B") }
        s.expectSilent()
    }

    func test_rawSpinlockInHardirq_staysSilent() {
        let s = makeScenario()
        s.inHardirq { s.lock("raw_lock_B"); s.unlock("raw_lock_B") }
        s.expectSilent()
    }

    func test_spinlockInSchedRCU_fires() {
        let s = makeScenario()
        s.rcuLock(.sched)
        s.lock("lock_B")
        s.expect(fires(.invalidWaitContext, "lock_B"))
    }

    func test_spinlockInPlainRCU_staysSilent() {
        let s = makeScenario()
        s.rcuLock(.plain)
        s.lock("lock_B")
        s.unlock("lock_B")
        s.rcuUnlock(.plain)
        s.expectSilent()
    }

    func test_spinlockAfterSchedRCUEnded_staysSilent() {
        let s = makeScenario()
        s.rcuLock(.sched)
        s.rcuUnlock(.sched)
        s.lock("lock_B")
        s.unlock("lock_B")
        s.expectSilent()
    }

    func test_mutexUnderSpinlock_isSleepInAtomic_notInvalidWaitContext() {
        let s = makeScenario()
        s.lock("lock_A")
        s.lock("mutex_B")
        s.expect(fires(.sleepInAtomic, "lock_A", "mutex_B"))
    }

    func test_mutexUnderRawSpinlock_isSleepInAtomic_notInvalidWaitContext() {
        let s = makeScenario()
        s.lock("raw_lock_A")
        s.lock("mutex_B")
        s.expect(fires(.sleepInAtomic, "mutex_B", "raw_lock_A"))
    }

    func test_trylockSpinlockUnderRaw_staysSilent() {
        // A trylock cannot wait, so it skips the wait-context check.
        let s = makeScenario()
        s.lock("raw_lock_A")
        s.trylock("lock_B")
        s.unlock("lock_B")
        s.unlock("raw_lock_A")
        s.expectSilent()
    }

    func test_trylockMutexUnderSpinlock_staysSilent() {
        let s = makeScenario()
        s.lock("lock_A")
        s.trylock("mutex_B")
        s.unlock("mutex_B")
        s.unlock("lock_A")
        s.expectSilent()
    }

    func test_trylockedRawStillBoundsLaterAcquisitions_fires() {
        // A held trylock is still held: a spinlock under it is still invalid.
        let s = makeScenario()
        s.trylock("raw_lock_A")
        s.lock("lock_B")
        s.expect(fires(.invalidWaitContext, "lock_B", "raw_lock_A"))
    }
}
