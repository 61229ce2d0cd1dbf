import LockGraph
import XCTest

/// `lock-order-inversion` and `recursive-lock`: lockdep's circular-dependency
/// selftests (DO_TESTCASE_6R: every flavour fires except recursive reads) and
/// the annotations that silence legitimate nesting (subclass, nest lock,
/// recursive mutex, trylock).
final class LockOrderTests: XCTestCase {
    /// The flavours DO_TESTCASE_6R expects to fail: all but recursive read locks.
    private let failing = Flavor.allCases.filter { $0 != .rlock }

    /// Runs `body` once per flavour on a fresh scenario with locks `names` declared.
    private func eachFlavor(_ flavors: [Flavor], locks names: [String],
                            _ body: (Scenario) -> Void, expect: (Flavor) -> [Expected],
                            file: StaticString = #filePath, line: UInt = #line) {
        for f in flavors {
            let s = Scenario()
            for n in names { s.declare(flavor: f, n) }
            body(s)
            s.expect(expect(f), "flavour \(f)", file: file, line: line)
        }
    }

    // MARK: AA

    func test_AA_fires() {
        for f in failing {
            let s = Scenario()
            s.declare(flavor: f, class: "X", instances: "X1", "X2")
            s.lock("X1")
            s.lock("X2") // this one should fail
            s.expect([fires(.recursiveLock, "X")], "flavour \(f)")
        }
    }

    func test_AA_rlock_staysSilent() {
        let s = Scenario()
        s.declare(flavor: .rlock, class: "X", instances: "X1", "X2")
        s.lock("X1")
        s.lock("X2")
        s.expectSilent()
    }

    func test_AA_sameInstanceTwice_fires() {
        let s = Scenario()
        s.declare(.spinlock, "A")
        s.lock("A")
        s.lock("A")
        s.expect(fires(.recursiveLock, "A"))
    }

    func test_AA_afterRelease_staysSilent() {
        for f in failing {
            let s = Scenario()
            s.declare(flavor: f, class: "X", instances: "X1", "X2")
            s.lock("X1")
            s.unlock("X1")
            s.lock("X2")
            s.unlock("X2")
            s.expect([], "flavour \(f)")
        }
    }

    func test_AA_repeated1000Times_reportedOnce() {
        let s = Scenario()
        s.declare(.mutex, class: "X", instances: "X1", "X2")
        for _ in 0..<1000 {
            s.lock("X1")
            s.lock("X2")
            s.unlock("X2")
            s.unlock("X1")
        }
        s.expect(fires(.recursiveLock, "X"))
    }

    // MARK: Subclass (lockdep's mutex_lock_nested / spin_lock_nested)

    func test_AA_subclass_staysSilent() {
        for f in failing {
            let s = Scenario()
            s.declare(flavor: f, class: "X", instances: "X1", "X2")
            s.lock("X1")
            s.lock("X2", sub: 1)
            s.unlock("X2")
            s.unlock("X1")
            s.expect([], "flavour \(f)")
        }
    }

    func test_AA_sameSubclassTwice_fires() {
        let s = Scenario()
        s.declare(.mutex, class: "X", instances: "X1", "X2")
        s.lock("X1", sub: 1)
        s.lock("X2", sub: 1)
        s.expect(fires(.recursiveLock, "X/1"))
    }

    func test_ABBA_subclasses_fires() {
        // X -> X/1 and then X/1 -> X: the subclass is a class of its own.
        let s = Scenario()
        s.declare(.mutex, class: "X", instances: "X1", "X2")
        s.lock("X1")
        s.lock("X2", sub: 1)
        s.unlock("X2")
        s.unlock("X1")
        s.lock("X2", sub: 1)
        s.lock("X1")
        s.expect(fires(.lockOrderInversion, "X", "X/1"))
    }

    func test_ABBA_subclasses_consistentOrder_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, class: "X", instances: "X1", "X2", "X3")
        for _ in 0..<2 {
            s.lock("X1")
            s.lock("X2", sub: 1)
            s.lock("X3", sub: 2)
            s.unlock("X3")
            s.unlock("X2")
            s.unlock("X1")
        }
        s.expectSilent()
    }

    // MARK: Nest lock (lockdep's spin_lock_nest_lock, ww_test_spin_nest_lock)

    func test_nestLock_siblingsUnderHeldNestLock_staysSilent() {
        // spin_lock(X1); spin_lock_nest_lock(Y1, X1); spin_lock(A); spin_lock_nest_lock(Y2, X1)
        let s = Scenario()
        s.declare(.spinlock, "X1", "A")
        s.declare(.spinlock, class: "Y", instances: "Y1", "Y2")
        s.lock("X1")
        s.lock("Y1", nest: "X1")
        s.lock("A")
        s.lock("Y2", nest: "X1")
        s.unlock("A")
        s.unlock("Y2")
        s.unlock("Y1")
        s.unlock("X1")
        s.expectSilent()
    }

    func test_nestLock_siblingsWithoutNestLock_fires() {
        let s = Scenario()
        s.declare(.spinlock, "X1", "A")
        s.declare(.spinlock, class: "Y", instances: "Y1", "Y2")
        s.lock("X1")
        s.lock("Y1")
        s.lock("A")
        s.lock("Y2")
        s.expect(fires(.recursiveLock, "Y"))
    }

    func test_nestLock_manySiblings_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "parent")
        s.declare(.mutex, class: "child", instances: "c1", "c2", "c3", "c4")
        s.lock("parent")
        for c in ["c1", "c2", "c3", "c4"] { s.lock(c, nest: "parent") }
        for c in ["c4", "c3", "c2", "c1"] { s.unlock(c) }
        s.unlock("parent")
        s.expectSilent()
    }

    // MARK: Recursive mutex

    func test_recursiveMutex_sameInstance_staysSilent() {
        let s = Scenario()
        s.declare(.recursiveMutex, class: "R", instances: "R1")
        s.lock("R1")
        s.lock("R1")
        s.lock("R1")
        s.unlock("R1")
        s.unlock("R1")
        s.unlock("R1")
        s.expectSilent()
    }

    func test_recursiveMutex_secondInstanceOfClass_fires() {
        let s = Scenario()
        s.declare(.recursiveMutex, class: "R", instances: "R1", "R2")
        s.lock("R1")
        s.lock("R2")
        s.expect(fires(.recursiveLock, "R"))
    }

    func test_recursiveMutex_releasedAtCountZero_extraUnlockFires() {
        let s = Scenario()
        s.declare(.recursiveMutex, class: "R", instances: "R1")
        s.lock("R1")
        s.lock("R1")
        s.unlock("R1")
        s.unlock("R1")
        s.unlock("R1") // one more than taken
        s.expect(fires(.unlockUnheld, "R"))
    }

    func test_recursiveMutex_reacquireUnderOtherLock_staysSilent() {
        // R, M, R again: the re-acquisition only counts up; it does not wait, so no M -> R.
        let s = Scenario()
        s.declare(.recursiveMutex, "R")
        s.declare(.mutex, "M")
        s.lock("R")
        s.lock("M")
        s.lock("R")
        s.unlock("R")
        s.unlock("M")
        s.unlock("R")
        s.lockUnlock2("R", "M")
        s.expectSilent()
    }

    // MARK: ABBA and longer cycles (DO_TESTCASE_6R)

    func test_ABBA_fires() {
        eachFlavor(failing, locks: ["A", "B"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "A") // fail
        }, expect: { _ in [fires(.lockOrderInversion, "A", "B")] })
    }

    func test_ABBA_rlock_staysSilent() {
        eachFlavor([.rlock], locks: ["A", "B"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "A")
        }, expect: { _ in [] })
    }

    func test_ABAB_consistentOrder_staysSilent() {
        eachFlavor(Flavor.allCases, locks: ["A", "B"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("A", "B")
        }, expect: { _ in [] })
    }

    func test_ABBA_repeated1000Times_reportedOnce() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        for _ in 0..<1000 {
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "A")
        }
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_ABBA_twoThreadsNeverOverlapping_fires() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.thread("t1") { s.lockUnlock2("A", "B"); s.exitThread() }
        s.thread("t2") { s.lockUnlock2("B", "A"); s.exitThread() }
        s.expect(fires(.lockOrderInversion, "A", "B"))
        XCTAssertEqual(s.violations.first?.event.thread, "t2")
    }

    func test_ABAB_twoThreadsNeverOverlapping_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.thread("t1") { s.lockUnlock2("A", "B"); s.exitThread() }
        s.thread("t2") { s.lockUnlock2("A", "B"); s.exitThread() }
        s.expectSilent()
    }

    func test_ABBA_instancesOfSameClasses_fires() {
        // A dependency learned from one instance applies to every instance of the class.
        let s = Scenario()
        s.declare(.mutex, class: "inode", instances: "i1", "i2")
        s.declare(.mutex, class: "page", instances: "p1", "p2")
        s.lockUnlock2("i1", "p1")
        s.lockUnlock2("p2", "i2")
        s.expect(fires(.lockOrderInversion, "inode", "page"))
    }

    func test_ABBCCA_fires() {
        eachFlavor(failing, locks: ["A", "B", "C"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "C")
            s.lockUnlock2("C", "A") // fail
        }, expect: { _ in [fires(.lockOrderInversion, "A", "B", "C")] })
    }

    func test_ABBCAC_consistentOrder_staysSilent() {
        eachFlavor(Flavor.allCases, locks: ["A", "B", "C"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "C")
            s.lockUnlock2("A", "C")
        }, expect: { _ in [] })
    }

    func test_ABCABC_fires() {
        eachFlavor(failing, locks: ["A", "B", "C"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("C", "A")
            s.lockUnlock2("B", "C") // fail
        }, expect: { _ in [fires(.lockOrderInversion, "A", "B", "C")] })
    }

    func test_ABBCCDDA_fires() {
        eachFlavor(failing, locks: ["A", "B", "C", "D"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "C")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("D", "A") // fail
        }, expect: { _ in [fires(.lockOrderInversion, "A", "B", "C", "D")] })
    }

    func test_ABCDBDDA_fires() {
        // The cycle is A -> B -> D -> A; C -> D is not part of it.
        eachFlavor(failing, locks: ["A", "B", "C", "D"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("B", "D")
            s.lockUnlock2("D", "A") // fail
        }, expect: { _ in [fires(.lockOrderInversion, "A", "B", "D")] })
    }

    func test_ABCDBCDA_fires() {
        eachFlavor(failing, locks: ["A", "B", "C", "D"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("B", "C")
            s.lockUnlock2("D", "A") // fail
        }, expect: { _ in [fires(.lockOrderInversion, "A", "B", "C", "D")] })
    }

    func test_ABBCCDDA_rlock_staysSilent() {
        eachFlavor([.rlock], locks: ["A", "B", "C", "D"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "C")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("D", "A")
            s.lockUnlock2("A", "B")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("B", "D")
        }, expect: { _ in [] })
    }

    func test_ABCDBCDA_consistentOrder_staysSilent() {
        eachFlavor(Flavor.allCases, locks: ["A", "B", "C", "D"], { s in
            s.lockUnlock2("A", "B")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("B", "C")
            s.lockUnlock2("A", "D")
        }, expect: { _ in [] })
    }

    func test_ABBA_heldInOneNestedChain_fires() {
        // A, B, C held at once, later C then A: the dependency A -> C comes
        // through B (lockdep adds only the top held lock's edge).
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.nested("A", "B", "C")
        s.lockUnlock2("C", "A")
        s.expect(fires(.lockOrderInversion, "A", "B", "C"))
    }

    func test_twoDistinctCycles_eachReportedOnce() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C", "D")
        for _ in 0..<3 {
            s.lockUnlock2("A", "B")
            s.lockUnlock2("B", "A")
            s.lockUnlock2("C", "D")
            s.lockUnlock2("D", "C")
        }
        s.expect(fires(.lockOrderInversion, "A", "B"), fires(.lockOrderInversion, "C", "D"))
    }

    func test_ABBA_releasedOutOfOrder_fires() {
        // A, B, C; release B first (unlock out of order); C -> A still closes A -> B -> C.
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.lock("A")
        s.lock("B")
        s.lock("C")
        s.unlock("B")
        s.unlock("C")
        s.unlock("A")
        s.lockUnlock2("C", "A")
        s.expect(fires(.lockOrderInversion, "A", "B", "C"))
    }

    // MARK: Trylock

    func test_ABBA_trylockSide_staysSilent() {
        // A trylock cannot wait: B then trylock(A) adds no B -> A.
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.lockUnlock2("A", "B")
        s.lock("B")
        s.trylock("A")
        s.unlock("A")
        s.unlock("B")
        s.expectSilent()
    }

    func test_ABBA_trylockSideFirst_staysSilent() {
        let s = Scenario()
        s.declare(.spinlock, "A", "B")
        s.lock("B")
        s.trylock("A")
        s.unlock("A")
        s.unlock("B")
        s.lockUnlock2("A", "B")
        s.expectSilent()
    }

    func test_ABBA_trylockThenLock_fires() {
        // A held by a trylock still makes B depend on it.
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.trylock("A")
        s.lock("B")
        s.unlock("B")
        s.unlock("A")
        s.lockUnlock2("B", "A")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_ABAB_trylockThenLock_consistentOrder_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.trylock("A")
        s.lock("B")
        s.unlock("B")
        s.unlock("A")
        s.lockUnlock2("A", "B")
        s.expectSilent()
    }

    func test_trylockInMiddle_lockBelowStillLinked_fires() {
        // X, trylock(A), B: the dependency X -> B is added through the trylock.
        let s = Scenario()
        s.declare(.mutex, "X", "A", "B")
        s.lock("X")
        s.trylock("A")
        s.lock("B")
        s.unlock("B")
        s.unlock("A")
        s.unlock("X")
        s.lockUnlock2("B", "X")
        s.expect(fires(.lockOrderInversion, "B", "X"))
    }

    func test_trylockInMiddle_noDependencyIntoTrylock_staysSilent() {
        // X, trylock(A): no X -> A, so A then X later is fine.
        let s = Scenario()
        s.declare(.mutex, "X", "A")
        s.lock("X")
        s.trylock("A")
        s.unlock("A")
        s.unlock("X")
        s.lockUnlock2("A", "X")
        s.expectSilent()
    }

    func test_AA_trylockOfHeldClass_staysSilent() {
        // lockdep does not validate trylocks (a trylock on a held lock fails and is not recorded).
        let s = Scenario()
        s.declare(.spinlock, class: "X", instances: "X1", "X2")
        s.lock("X1")
        s.trylock("X2")
        s.expectSilent()
    }
}

extension LockOrderTests {
    func test_sharedModeOnExclusiveKind_isExclusive_fires() {
        // `r` means nothing for a mutex: two "shared" holds of one class are AA.
        let s = Scenario()
        s.declare(.mutex, class: "X", instances: "X1", "X2")
        s.lock("X1", .shared)
        s.lock("X2", .recursiveShared)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_longCycle_fires() {
        let names = (0..<24).map { "L\($0)" }
        let s = Scenario()
        for n in names { s.declare(.mutex, n) }
        for i in 0..<(names.count - 1) { s.lockUnlock2(names[i], names[i + 1]) }
        XCTAssertEqual(s.violations.count, 0)
        s.lockUnlock2(names.last!, names.first!)
        s.expect([Expected(.lockOrderInversion, names)])
        XCTAssertEqual(s.violations.first?.chain.count, names.count)
    }

    func test_longChain_consistentOrder_staysSilent() {
        let names = (0..<24).map { "L\($0)" }
        let s = Scenario()
        for n in names { s.declare(.mutex, n) }
        for i in 0..<(names.count - 1) { s.lockUnlock2(names[i], names[i + 1]) }
        s.lockUnlock2(names.first!, names.last!)
        s.expectSilent()
    }
}

// MARK: Silent twins of every cycle shape: recursive reads, and the last pair in order.

extension LockOrderTests {
    /// Each shape as lockdep's E() macro writes it, as LOCK_UNLOCK_2 pairs.
    static let shapes: [String: [(String, String)]] = [
        "ABBCCA": [("A", "B"), ("B", "C"), ("C", "A")],
        "ABCABC": [("A", "B"), ("C", "A"), ("B", "C")],
        "ABBCCDDA": [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")],
        "ABCDBDDA": [("A", "B"), ("C", "D"), ("B", "D"), ("D", "A")],
        "ABCDBCDA": [("A", "B"), ("C", "D"), ("B", "C"), ("D", "A")],
    ]

    private func runShape(_ name: String, flavor: Flavor, lastPairReversed: Bool,
                          file: StaticString = #filePath, line: UInt = #line) {
        var pairs = Self.shapes[name]!
        if lastPairReversed {
            let (a, b) = pairs.removeLast()
            pairs.append((b, a))
        }
        let s = Scenario()
        for n in ["A", "B", "C", "D"] { s.declare(flavor: flavor, n) }
        for (a, b) in pairs { s.lockUnlock2(a, b) }
        s.expect([], "\(name) \(flavor)\(lastPairReversed ? " last pair in order" : "")", file: file, line: line)
    }

    func test_ABBCCA_rlock_staysSilent() { runShape("ABBCCA", flavor: .rlock, lastPairReversed: false) }
    func test_ABCABC_rlock_staysSilent() { runShape("ABCABC", flavor: .rlock, lastPairReversed: false) }
    func test_ABCDBDDA_rlock_staysSilent() { runShape("ABCDBDDA", flavor: .rlock, lastPairReversed: false) }
    func test_ABCDBCDA_rlock_staysSilent() { runShape("ABCDBCDA", flavor: .rlock, lastPairReversed: false) }

    func test_ABCABC_consistentOrder_staysSilent() {
        for f in Flavor.allCases { runShape("ABCABC", flavor: f, lastPairReversed: true) }
    }

    func test_ABBCCDDA_consistentOrder_staysSilent() {
        for f in Flavor.allCases { runShape("ABBCCDDA", flavor: f, lastPairReversed: true) }
    }

    func test_ABCDBDDA_consistentOrder_staysSilent() {
        for f in Flavor.allCases { runShape("ABCDBDDA", flavor: f, lastPairReversed: true) }
    }
}

extension LockOrderTests {
    func test_deepNesting_outOfOrderReleases_staysSilent() {
        // 40 locks held at once (past the held stack's initial capacity),
        // released from the middle outwards, twice.
        let names = (0..<40).map { "D\($0)" }
        let s = Scenario()
        for n in names { s.declare(.mutex, n) }
        for _ in 0..<2 {
            for n in names { s.lock(n) }
            var order = Array(names.indices)
            order.sort { abs($0 - 20) < abs($1 - 20) || (abs($0 - 20) == abs($1 - 20) && $0 < $1) }
            for i in order { s.unlock(names[i]) }
        }
        s.expectSilent()
        XCTAssertEqual(s.current.heldCount, 0)
    }

    func test_deepNesting_thenInnermostBeforeOutermost_fires() {
        let names = (0..<40).map { "D\($0)" }
        let s = Scenario()
        for n in names { s.declare(.mutex, n) }
        for n in names { s.lock(n) }
        for n in names.reversed() { s.unlock(n) }
        s.lockUnlock2(names.last!, names.first!)
        s.expect([Expected(.lockOrderInversion, names)])
    }
}
