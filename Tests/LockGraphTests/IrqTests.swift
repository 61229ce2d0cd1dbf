import LockGraph
import XCTest

/// `inconsistent-lock-state` and `irq-lock-inversion`: lockdep's irqsafe1–4,
/// irq_inversion and irq_read_recursion selftests, each in every order of its
/// events (GENERATE_PERMUTATIONS_2/3_EVENTS), for hard and soft interrupts and
/// the spin / wlock / rlock flavours (DO_TESTCASE_3: rlock stays silent).
///
/// These scenarios take spinning locks inside non-threaded hardirq handlers;
/// they run with raw nesting off so the wait-context rule (tested on its own
/// in WaitContextTests) stays out of the way.
final class IrqTests: XCTestCase {
    private typealias Event = (Scenario) -> Void

    /// Runs `events` in every order, for each irq flavour and lock flavour.
    private func permute(_ name: String, flavors: [Flavor], irqs: [Irq] = Irq.allCases,
                         locks: [String] = ["A", "B"], events: (Irq) -> [Event],
                         expect: (Irq, Flavor, String) -> [Expected],
                         file: StaticString = #filePath, line: UInt = #line) {
        for irq in irqs {
            let evs = events(irq)
            let orders = evs.count == 2 ? permutations2 : permutations3
            for f in flavors {
                for p in orders {
                    let s = Scenario(rawNesting: false)
                    for n in locks { s.declare(flavor: f, n) }
                    for i in p.order { evs[i](s) }
                    s.expect(expect(irq, f, p.name), "\(name)_\(irq)_\(f)_\(p.name)", file: file, line: line)
                }
            }
        }
    }

    // MARK: irqsafe1: locking an irq-safe lock with irqs enabled

    private func irqsafe1(_ irq: Irq) -> [Event] {
        [
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
            { s in s.lock("A"); s.unlock("A") },
        ]
    }

    func test_irqsafe1_fires() {
        permute("irqsafe1", flavors: [.spin, .wlock], events: irqsafe1,
                expect: { _, _, _ in [fires(.inconsistentLockState, "A")] })
    }

    func test_irqsafe1_rlock_staysSilent() {
        permute("irqsafe1", flavors: [.rlock], events: irqsafe1, expect: { _, _, _ in [] })
    }

    func test_irqsafe1_irqsDisabledOutsideHandler_staysSilent() {
        permute("irqsafe1_disabled", flavors: Flavor.irqSafe, events: { irq in [
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
            { s in s.withIrqDisabled(irq) { s.lock("A"); s.unlock("A") } },
        ] }, expect: { _, _, _ in [] })
    }

    func test_irqsafe1_hardirqSafeTakenWithSoftirqsOffOnly_fires() {
        // local_bh_disable does not protect against hard interrupts.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.withIrqDisabled(.soft) { s.lock("A"); s.unlock("A") }
        s.expect(fires(.inconsistentLockState, "A"))
    }

    // MARK: irqsafe2A: enabling hardirqs with a softirq-safe lock held

    private let irqsafe2A: [Event] = [
        { s in s.inSoftirq { s.lock("A"); s.unlock("A") } },
        { s in s.irqsOff(); s.lock("A"); s.irqsOn(); s.unlock("A") },
    ]

    func test_irqsafe2A_fires() {
        permute("irqsafe2A", flavors: [.spin, .wlock], irqs: [.hard], events: { _ in self.irqsafe2A },
                expect: { _, _, _ in [fires(.inconsistentLockState, "A")] })
    }

    func test_irqsafe2A_rlock_staysSilent() {
        permute("irqsafe2A", flavors: [.rlock], irqs: [.hard], events: { _ in self.irqsafe2A },
                expect: { _, _, _ in [] })
    }

    func test_irqsafe2A_softirqsStayDisabled_staysSilent() {
        permute("irqsafe2A_bh_off", flavors: Flavor.irqSafe, irqs: [.hard], events: { _ in [
            { s in s.inSoftirq { s.lock("A"); s.unlock("A") } },
            { s in s.softirqsOff(); s.irqsOff(); s.lock("A"); s.irqsOn(); s.unlock("A"); s.softirqsOn() },
        ] }, expect: { _, _, _ in [] })
    }

    // MARK: irqsafe2B: enabling irqs with an irq-safe lock held

    private func irqsafe2B(_ irq: Irq) -> [Event] {
        [
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
            { s in s.irqDisable(irq); s.lock("A"); s.irqEnable(irq); s.unlock("A") },
        ]
    }

    func test_irqsafe2B_fires() {
        permute("irqsafe2B", flavors: [.spin, .wlock], events: irqsafe2B,
                expect: { _, _, _ in [fires(.inconsistentLockState, "A")] })
    }

    func test_irqsafe2B_rlock_staysSilent() {
        permute("irqsafe2B", flavors: [.rlock], events: irqsafe2B, expect: { _, _, _ in [] })
    }

    func test_irqsafe2B_releasedBeforeEnabling_staysSilent() {
        permute("irqsafe2B_released", flavors: Flavor.irqSafe, events: { irq in [
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
            { s in s.irqDisable(irq); s.lock("A"); s.unlock("A"); s.irqEnable(irq) },
        ] }, expect: { _, _, _ in [] })
    }

    // MARK: irqsafe3: acquiring an irq-unsafe lock while holding an irq-safe one

    private func irqsafe3(_ irq: Irq) -> [Event] {
        [
            { s in s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") },
            { s in s.lock("B"); s.unlock("B") },
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
        ]
    }

    func test_irqsafe3_fires() {
        // E1 takes A with irqs on and E3 in the handler: A is inconsistent in
        // every order. A -> B with A irq-safe and B irq-unsafe is also an irq
        // inversion, reported in every order too: unlike lockdep, which stops
        // at its first report, the engine still runs the graph check of a
        // usage bit after the class's own usages conflicted.
        permute("irqsafe3", flavors: [.spin, .wlock], events: irqsafe3, expect: { _, _, _ in
            [fires(.inconsistentLockState, "A"), fires(.irqLockInversion, "A", "B")]
        })
    }

    func test_irqsafe3_rlock_staysSilent() {
        permute("irqsafe3", flavors: [.rlock], events: irqsafe3, expect: { _, _, _ in [] })
    }

    // MARK: irqsafe4: a lock turns irq-safe, but earlier it took an irq-unsafe lock

    private func irqsafe4(_ irq: Irq) -> [Event] {
        [
            { s in s.withIrqDisabled(irq) { s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") } },
            { s in s.lock("B"); s.unlock("B") },
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
        ]
    }

    func test_irqsafe4_fires() {
        // Every order reaches the safe -> unsafe pair by a different path: a new
        // irq-safe usage (…3 last), a new irq-unsafe usage (…2 last), or the new
        // A -> B dependency (…1 last).
        permute("irqsafe4", flavors: [.spin, .wlock], events: irqsafe4,
                expect: { _, _, _ in [fires(.irqLockInversion, "A", "B")] })
    }

    func test_irqsafe4_rlock_staysSilent() {
        permute("irqsafe4", flavors: [.rlock], events: irqsafe4, expect: { _, _, _ in [] })
    }

    func test_irqsafe4_unsafeLockAlsoIrqsOff_staysSilent() {
        permute("irqsafe4_B_safe", flavors: Flavor.irqSafe, events: { irq in [
            { s in s.withIrqDisabled(irq) { s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") } },
            { s in s.withIrqDisabled(irq) { s.lock("B"); s.unlock("B") } },
            { s in s.inIrq(irq) { s.lock("A"); s.unlock("A") } },
        ] }, expect: { _, _, _ in [] })
    }

    // MARK: irq_inversion: read-lock / write-lock irq inversion

    private func irqInversion(_ irq: Irq) -> [Event] {
        [
            { s in s.withIrqDisabled(irq) { s.wlock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") } },
            { s in s.lock("B"); s.unlock("B") },
            { s in s.inIrq(irq) { s.rlock("A"); s.unlock("A") } },
        ]
    }

    /// A is always an rwlock (WL / RL); B takes the flavour under test.
    private func irqInversionScenarios(_ name: String, flavors: [Flavor], events: @escaping (Irq) -> [Event],
                                       expect: [Expected], file: StaticString = #filePath, line: UInt = #line) {
        for irq in Irq.allCases {
            for f in flavors {
                for p in permutations3 {
                    let s = Scenario(rawNesting: false)
                    s.declare(.rwlock, "A")
                    s.declare(flavor: f, "B")
                    let evs = events(irq)
                    for i in p.order { evs[i](s) }
                    s.expect(expect, "\(name)_\(irq)_\(f)_\(p.name)", file: file, line: line)
                }
            }
        }
    }

    func test_irq_inversion_fires() {
        irqInversionScenarios("irq_inversion", flavors: [.spin, .wlock], events: irqInversion,
                              expect: [fires(.irqLockInversion, "A", "B")])
    }

    func test_irq_inversion_rlock_staysSilent() {
        irqInversionScenarios("irq_inversion", flavors: [.rlock], events: irqInversion, expect: [])
    }

    func test_irq_inversion_unsafeSideIrqsOff_staysSilent() {
        irqInversionScenarios("irq_inversion_B_irqs_off", flavors: [.spin, .wlock], events: { irq in [
            { s in s.withIrqDisabled(irq) { s.wlock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") } },
            { s in s.withIrqDisabled(irq) { s.lock("B"); s.unlock("B") } },
            { s in s.inIrq(irq) { s.rlock("A"); s.unlock("A") } },
        ] }, expect: [])
    }

    func test_irq_inversion_viaNewDependency_fires() {
        // A is irq-safe and B irq-unsafe first; then the A -> B edge closes it.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.lock("B"); s.unlock("B")
        XCTAssertEqual(s.violations.count, 0)
        s.irqsOff(); s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A"); s.irqsOn()
        s.expect(fires(.irqLockInversion, "A", "B"))
        XCTAssertEqual(s.violations.first?.trying?.className, "B")
    }

    func test_irq_inversion_viaNewUnsafeUsage_fires() {
        // A -> B exists and A is irq-safe; B is then taken with irqs on.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.irqsOff(); s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A"); s.irqsOn()
        XCTAssertEqual(s.violations.count, 0)
        s.lock("B"); s.unlock("B")
        s.expect(fires(.irqLockInversion, "A", "B"))
    }

    func test_irq_inversion_viaNewSafeUsage_fires() {
        // A -> B exists and B is irq-unsafe; A is then used in a handler.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.irqsOff(); s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A"); s.irqsOn()
        s.lock("B"); s.unlock("B")
        XCTAssertEqual(s.violations.count, 0)
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.expect(fires(.irqLockInversion, "A", "B"))
    }

    func test_irq_inversion_throughLongerPath_fires() {
        // A (hardirq-safe) -> B -> C (hardirq-unsafe): the safe and unsafe ends are named.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B", "C")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.lock("C"); s.unlock("C")
        s.irqsOff()
        s.lockUnlock2("A", "B")
        s.lockUnlock2("B", "C")
        s.irqsOn()
        s.expect(fires(.irqLockInversion, "A", "C"))
    }

    func test_irq_inversion_unsafeBeforeSafe_staysSilent() {
        // unsafe -> safe is fine: the handler never waits for the unsafe lock.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.lock("B"); s.unlock("B")
        s.lock("B"); s.irqsOff(); s.lock("A"); s.unlock("A"); s.irqsOn(); s.unlock("B")
        s.expectSilent()
    }

    func test_irq_inversion_hardirqSafeToSoftirqUnsafe_staysSilent() {
        // A is used in hardirq; B is taken with softirqs on but always with hardirqs off.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.irqsOff()
        s.lockUnlock2("A", "B")
        s.lock("B"); s.unlock("B")
        s.irqsOn()
        s.expectSilent()
    }

    // MARK: irq_read_recursion: read-lock / write-lock recursion

    private func irqReadRecursion(_ irq: Irq) -> [Event] {
        [
            { s in s.withIrqDisabled(irq) { s.wlock("A"); s.unlock("A") } },
            { s in s.rlock("A"); s.unlock("A") },
            { s in s.inIrq(irq) { s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") } },
        ]
    }

    func test_irq_read_recursion_wlock_fires() {
        // A written in the handler, read with irqs on: inconsistent.
        permute("irq_read_recursion", flavors: [.wlock], events: irqReadRecursion,
                expect: { _, _, _ in [fires(.inconsistentLockState, "A")] })
    }

    func test_irq_read_recursion_rlock_staysSilent() {
        permute("irq_read_recursion", flavors: [.rlock], events: irqReadRecursion, expect: { _, _, _ in [] })
    }

    private func irqReadRecursion2(_ irq: Irq) -> [Event] {
        [
            { s in s.withIrqDisabled(irq) { s.lock("B", .exclusive); s.lock("A"); s.unlock("A"); s.unlock("B") } },
            { s in s.rlock("A"); s.unlock("A") },
            { s in s.inIrq(irq) { s.lock("B", .exclusive); s.unlock("B") } },
        ]
    }

    func test_irq_read_recursion2_wlock_fires() {
        // B (irq-safe) -> A written, and A is read with irqs on.
        permute("irq_read_recursion2", flavors: [.wlock], events: irqReadRecursion2,
                expect: { _, _, _ in [fires(.irqLockInversion, "A", "B")] })
    }

    func test_irq_read_recursion2_rlock_staysSilent() {
        // B -> A is only a recursive read: a reader in the handler's victim never blocks it.
        permute("irq_read_recursion2", flavors: [.rlock], events: irqReadRecursion2, expect: { _, _, _ in [] })
    }

    private func irqReadRecursion3(_ irq: Irq) -> [Event] {
        [
            { s in s.withIrqDisabled(irq) { s.wlock("B"); s.lock("A"); s.unlock("A"); s.unlock("B") } },
            { s in s.rlock("A"); s.unlock("A") },
            { s in s.inIrq(irq) { s.rlock("B"); s.unlock("B") } },
        ]
    }

    func test_irq_read_recursion3_wlock_fires() {
        // USED_IN_*_READ (B) -> ENABLED_*_READ (A) through a write of A: a deadlock.
        permute("irq_read_recursion3", flavors: [.wlock], events: irqReadRecursion3,
                expect: { _, _, _ in [fires(.irqLockInversion, "A", "B")] })
    }

    func test_irq_read_recursion3_rlock_staysSilent() {
        permute("irq_read_recursion3", flavors: [.rlock], events: irqReadRecursion3, expect: { _, _, _ in [] })
    }

    // MARK: hardirq_deadlock_softirq_not_deadlock

    func test_hardirq_unsafe_softirq_safe_fires() {
        // mutex_A -> C -> D is softirq-unsafe -> softirq-safe (fine);
        // A -> B -> C -> D is hardirq-safe -> hardirq-unsafe (deadlock).
        let s = Scenario(rawNesting: false)
        s.declare(.mutex, "mutex_A")
        s.declare(.spinlock, "A", "B", "C", "D")
        s.lock("mutex_A")
        s.irqsOff(); s.lock("C"); s.unlock("C"); s.irqsOn()
        s.unlock("mutex_A")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.irqsOff(); s.lockUnlock2("A", "B"); s.irqsOn()
        s.irqsOff(); s.lockUnlock2("B", "C"); s.irqsOn()
        s.inSoftirq { s.lock("D"); s.unlock("D") }
        s.softirqsOff(); s.lock("D"); s.unlock("D"); s.softirqsOn()
        XCTAssertEqual(s.violations.count, 0)
        s.irqsOff(); s.lockUnlock2("C", "D"); s.irqsOn()
        s.expect(fires(.irqLockInversion, "A", "D"))
    }

    func test_softirq_unsafe_to_softirq_safe_staysSilent() {
        // The softirq half of the scenario above on its own.
        let s = Scenario(rawNesting: false)
        s.declare(.mutex, "mutex_A")
        s.declare(.spinlock, "C", "D")
        s.lock("mutex_A")
        s.irqsOff(); s.lock("C"); s.unlock("C"); s.irqsOn()
        s.unlock("mutex_A")
        s.inSoftirq { s.lock("D"); s.unlock("D") }
        s.softirqsOff(); s.lock("D"); s.unlock("D"); s.softirqsOn()
        s.irqsOff(); s.lockUnlock2("C", "D"); s.irqsOn()
        s.expectSilent()
    }

    // MARK: Usage marked on irqs-on with locks held (mark_held_locks)

    func test_irqsOnWhileHoldingHardirqLock_fires() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.irqsOff()
        s.lock("A")
        XCTAssertEqual(s.violations.count, 0)
        s.irqsOn() // A is now held with hardirqs enabled
        s.unlock("A")
        s.expect(fires(.inconsistentLockState, "A"))
    }

    func test_irqsOnAfterReleasingHardirqLock_staysSilent() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.irqsOff()
        s.lock("A")
        s.unlock("A")
        s.irqsOn()
        s.expectSilent()
    }

    func test_softirqsOnWhileHoldingSoftirqLock_fires() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A")
        s.inSoftirq { s.lock("A"); s.unlock("A") }
        s.softirqsOff()
        s.lock("A")
        s.softirqsOn()
        s.unlock("A")
        s.expect(fires(.inconsistentLockState, "A"))
    }

    func test_trylockInHardirq_doesNotMarkIrqSafe_staysSilent() {
        // lockdep marks USED_IN only for non-try acquisitions.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A")
        s.inHardirq { s.trylock("A"); s.unlock("A") }
        s.lock("A"); s.unlock("A")
        s.expectSilent()
    }
}

extension IrqTests {
    func test_dependenciesNeverCrossIrqContexts_irqInversionInstead_fires() {
        // Process context holds A (irqs on) while a hardirq takes B: no A -> B
        // dependency (different irq contexts). B then A later is not a cycle,
        // but B is hardirq-safe and A hardirq-unsafe: an irq inversion.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.lock("A")
        s.inHardirq { s.lock("B"); s.unlock("B") }
        s.unlock("A")
        s.irqsOff(); s.lockUnlock2("B", "A"); s.irqsOn()
        s.expect(fires(.irqLockInversion, "A", "B"))
    }

    func test_dependenciesNeverCrossIrqContexts_irqsOffEverywhere_staysSilent() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.irqsOff()
        s.lock("A")
        s.hardirqEnter(); s.lock("B"); s.unlock("B"); s.hardirqExit()
        s.unlock("A")
        s.lockUnlock2("B", "A")
        s.irqsOn()
        s.expectSilent()
    }
}

extension IrqTests {
    func test_softirqSafeToHardirqUnsafeOnly_staysSilent() {
        // A is used in softirq; B is taken with hardirqs on but always with
        // softirqs off: a softirq can never interrupt B's holder.
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inSoftirq { s.lock("A"); s.unlock("A") }
        s.softirqsOff()
        s.lockUnlock2("A", "B")
        s.lock("B"); s.unlock("B")
        s.softirqsOn()
        s.expectSilent()
    }

    func test_softirqSafeToSoftirqUnsafe_fires() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inSoftirq { s.lock("A"); s.unlock("A") }
        s.softirqsOff()
        s.lockUnlock2("A", "B")
        s.softirqsOn()
        s.lock("B"); s.unlock("B")
        s.expect(fires(.irqLockInversion, "A", "B"))
    }
}

// MARK: Threaded hardirq handlers (lockdep's hardirq_threaded)

extension IrqTests {
    func test_threadedHardirq_singleAcquisition_staysSilent() {
        // A threaded handler differs in its wait context only: it still runs
        // with hardirqs off, so one acquisition is not "taken with irqs on".
        let s = Scenario()
        s.declare(.spinlock, "A")
        s.hardirqEnter(threaded: true)
        s.lock("A")
        s.unlock("A")
        s.hardirqExit()
        s.expectSilent()
    }

    func test_threadedHardirq_andIrqsOnElsewhere_fires() {
        let s = Scenario()
        s.declare(.spinlock, "A")
        s.hardirqEnter(threaded: true)
        s.lock("A")
        s.unlock("A")
        s.hardirqExit()
        s.lock("A")
        s.unlock("A")
        s.expect(fires(.inconsistentLockState, "A"))
    }
}
