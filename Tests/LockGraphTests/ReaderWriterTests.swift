import LockGraph
import XCTest

/// Reader/writer locks: lockdep's "recursive read-lock", "mixed read-write"
/// and rlock/rwsem ABBA selftests, the W1R2/W2R3/W3R1 dependency-type groups,
/// and the queued-rwlock tests (a plain `read_lock` is recursive only in
/// interrupt context).
///
/// In the selftest RL(x) is a recursive read (force_read_lock_recursive = 1):
/// here `rlock` / `.recursiveShared`; RSL(x) on an rwsem is a plain read: `.shared`.
final class ReaderWriterTests: XCTestCase {
    // MARK: Same-class recursion

    func test_rlock_AA1_staysSilent() {
        // RL(X1); RL(X1); // this one should NOT fail
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1")
        s.rlock("X1")
        s.rlock("X1")
        s.expectSilent()
    }

    func test_rlock_AA1B_staysSilent() {
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.rlock("X1")
        s.rlock("X2")
        s.expectSilent()
    }

    func test_rsem_AA1_fires() {
        // RSL(X1); RSL(X1); // this one should fail
        let s = Scenario()
        s.declare(.rwsem, class: "X", instances: "X1")
        s.lock("X1", .shared)
        s.lock("X1", .shared)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rsem_AA1B_fires() {
        let s = Scenario()
        s.declare(.rwsem, class: "X", instances: "X1", "X2")
        s.lock("X1", .shared)
        s.lock("X2", .shared)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rrOverR_sameClass_staysSilent() {
        // A recursive read over a plain read of the class is allowed.
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.lock("X1", .shared)
        s.lock("X2", .recursiveShared)
        s.expectSilent()
    }

    func test_rOverR_sameClass_rwlockInProcessContext_fires() {
        // A queued rwlock's plain read_lock in process context is not recursive.
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.lock("X1", .shared)
        s.lock("X2", .shared)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rOverRR_sameClass_fires() {
        // The inner one must be the recursive one.
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.lock("X1", .recursiveShared)
        s.lock("X2", .shared)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rlock_AA2_fires() {
        // RL(X1); WL(X2); // mixing read and write is not allowed
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.rlock("X1")
        s.wlock("X2")
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rsem_AA2_fires() {
        let s = Scenario()
        s.declare(.rwsem, class: "X", instances: "X1", "X2")
        s.lock("X1", .shared)
        s.lock("X2", .exclusive)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rlock_AA3_fires() {
        // WL(X1); RL(X2); // should fail
        let s = Scenario()
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.wlock("X1")
        s.rlock("X2")
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rsem_AA3_fires() {
        let s = Scenario()
        s.declare(.rwsem, class: "X", instances: "X1", "X2")
        s.lock("X1", .exclusive)
        s.lock("X2", .shared)
        s.expect(fires(.recursiveLock, "X"))
    }

    func test_rwlockReadInHardirq_isRecursive_staysSilent() {
        // read_lock in interrupt context is a recursive read (queued rwlocks).
        let s = Scenario(rawNesting: false)
        s.declare(.rwlock, class: "X", instances: "X1", "X2")
        s.inHardirq {
            s.lock("X1", .shared)
            s.lock("X2", .shared)
            s.unlock("X2")
            s.unlock("X1")
        }
        s.inSoftirq {
            s.lock("X1", .shared)
            s.lock("X2", .shared)
            s.unlock("X2")
            s.unlock("X1")
        }
        s.expectSilent()
    }

    func test_rwsemReadInHardirq_isNotRecursive_fires() {
        // Only rwlock readers recurse in interrupt context; an rwsem's do not.
        let s = Scenario(rawNesting: false)
        s.declare(.rwsem, class: "X", instances: "X1", "X2")
        s.softirqEnter()
        s.lock("X1", .shared)
        s.lock("X2", .shared)
        // (An rwsem in softirq is also a sleep in atomic context.)
        s.expect(fires(.recursiveLock, "X"), fires(.sleepInAtomic, "X"))
    }

    // MARK: ABBA with readers (rlock_ABBA1..3, rwsem_ABBA1..3)

    func test_rlock_ABBA1_fires() {
        // read_lock(A); spin_lock(B) | spin_lock(B); write_lock(A)
        let s = Scenario()
        s.declare(.rwlock, "X1")
        s.declare(.spinlock, "Y1")
        s.rlock("X1"); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.wlock("X1"); s.unlock("X1"); s.unlock("Y1") // should fail
        s.expect(fires(.lockOrderInversion, "X1", "Y1"))
    }

    func test_rwsem_ABBA1_fires() {
        let s = Scenario()
        s.declare(.rwsem, "X1")
        s.declare(.mutex, "Y1")
        s.lock("X1", .shared); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.lock("X1", .exclusive); s.unlock("X1"); s.unlock("Y1") // should fail
        s.expect(fires(.lockOrderInversion, "X1", "Y1"))
    }

    func test_rlock_ABBA2_staysSilent() {
        // read_lock(A); spin_lock(B) | spin_lock(B); read_lock(A)  -- should NOT fail
        let s = Scenario()
        s.declare(.rwlock, "X1")
        s.declare(.spinlock, "Y1")
        s.rlock("X1"); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.rlock("X1"); s.unlock("X1"); s.unlock("Y1")
        s.expectSilent()
    }

    func test_rwsem_ABBA2_fires() {
        // The same with a (non-recursive) rwsem read: should fail.
        let s = Scenario()
        s.declare(.rwsem, "X1")
        s.declare(.mutex, "Y1")
        s.lock("X1", .shared); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.lock("X1", .shared); s.unlock("X1"); s.unlock("Y1")
        s.expect(fires(.lockOrderInversion, "X1", "Y1"))
    }

    func test_rlock_ABBA3_fires() {
        let s = Scenario()
        s.declare(.rwlock, "X1")
        s.declare(.spinlock, "Y1")
        s.wlock("X1"); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.wlock("X1"); s.unlock("X1"); s.unlock("Y1")
        s.expect(fires(.lockOrderInversion, "X1", "Y1"))
    }

    func test_rwsem_ABBA3_fires() {
        let s = Scenario()
        s.declare(.rwsem, "X1")
        s.declare(.mutex, "Y1")
        s.lock("X1", .exclusive); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.lock("X1", .exclusive); s.unlock("X1"); s.unlock("Y1")
        s.expect(fires(.lockOrderInversion, "X1", "Y1"))
    }

    func test_rlock_chaincache_ABBA1_fires() {
        // The chain (Y1, X1) is first seen with a read of X1 (no deadlock), then
        // with a write of X1: the chain cache must tell the two apart.
        let s = Scenario()
        s.declare(.rwlock, "X1")
        s.declare(.spinlock, "Y1")
        s.rlock("X1"); s.lock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.lock("Y1"); s.rlock("X1"); s.unlock("X1"); s.unlock("Y1")
        XCTAssertEqual(s.violations.count, 0, "read side alone is not a deadlock")
        s.lock("Y1"); s.wlock("X1"); s.unlock("X1"); s.unlock("Y1") // should fail
        s.expect(fires(.lockOrderInversion, "X1", "Y1"))
    }

    func test_ABBA_recursiveReadsBothSides_staysSilent() {
        // Read-read cycles cannot deadlock.
        let s = Scenario()
        s.declare(.rwlock, "A", "B")
        s.rlock("A"); s.rlock("B"); s.unlock("B"); s.unlock("A")
        s.rlock("B"); s.rlock("A"); s.unlock("A"); s.unlock("B")
        s.expectSilent()
    }

    func test_ABBA_writersOneSide_recursiveReadsOther_fires() {
        // A -(EN)-> B and B -(SR)-> A form a strong cycle:
        // T1 holds A (w) and waits for B (w); T2 holds B (r) and waits for A (r).
        let s = Scenario()
        s.declare(.rwlock, "A", "B")
        s.wlock("A"); s.wlock("B"); s.unlock("B"); s.unlock("A")
        s.rlock("B"); s.rlock("A"); s.unlock("A"); s.unlock("B")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_ABBA_writerHoldsRecursiveReadTaken_bothSides_fires() {
        // A -(ER)-> B, B -(ER)-> A: each writer waits for a reader slot the other's write blocks.
        let s = Scenario()
        s.declare(.rwlock, "A", "B")
        s.wlock("A"); s.rlock("B"); s.unlock("B"); s.unlock("A")
        s.wlock("B"); s.rlock("A"); s.unlock("A"); s.unlock("B")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_ABBA_writerThenRecursiveRead_readerThenRecursiveRead_staysSilent() {
        // A -(ER)-> B then B -(SR)-> A: -(*R)-> followed by -(S*)-> is not strong.
        let s = Scenario()
        s.declare(.rwlock, "A", "B")
        s.wlock("A"); s.rlock("B"); s.unlock("B"); s.unlock("A")
        s.rlock("B"); s.rlock("A"); s.unlock("A"); s.unlock("B")
        s.expectSilent()
    }

    func test_ABBA_rsemReadersBothSides_fires() {
        // Non-recursive readers block behind a waiting writer: r/r ABBA can deadlock.
        let s = Scenario()
        s.declare(.rwsem, "A", "B")
        s.lock("A", .shared); s.lock("B", .shared); s.unlock("B"); s.unlock("A")
        s.lock("B", .shared); s.lock("A", .shared); s.unlock("A"); s.unlock("B")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    // MARK: W1R2 / W2R3 / W3R1 and friends (all six orders of the three events)

    private typealias Event = (Scenario) -> Void

    private func threeEvents(_ name: String, _ events: [Event], expect: [Expected],
                             file: StaticString = #filePath, line: UInt = #line) {
        for p in permutations3 {
            let s = Scenario()
            s.declare(.rwlock, "X1", "Y1", "Z1")
            for i in p.order { events[i](s) }
            s.expect(expect, "\(name)_\(p.name)", file: file, line: line)
        }
    }

    func test_W1R2_W2R3_W3R1_fires() {
        // write-read / write-read / write-read deadlock even if read is recursive
        threeEvents("W1R2_W2R3_W3R1", [
            { s in s.wlock("X1"); s.rlock("Y1"); s.unlock("Y1"); s.unlock("X1") },
            { s in s.wlock("Y1"); s.rlock("Z1"); s.unlock("Z1"); s.unlock("Y1") },
            { s in s.wlock("Z1"); s.rlock("X1"); s.unlock("X1"); s.unlock("Z1") },
        ], expect: [fires(.lockOrderInversion, "X1", "Y1", "Z1")])
    }

    func test_W1W2_R2R3_W3R1_fires() {
        // write-write / read-read / write-read deadlock even if read is recursive
        threeEvents("W1W2_R2R3_W3R1", [
            { s in s.wlock("X1"); s.wlock("Y1"); s.unlock("Y1"); s.unlock("X1") },
            { s in s.rlock("Y1"); s.rlock("Z1"); s.unlock("Z1"); s.unlock("Y1") },
            { s in s.wlock("Z1"); s.rlock("X1"); s.unlock("X1"); s.unlock("Z1") },
        ], expect: [fires(.lockOrderInversion, "X1", "Y1", "Z1")])
    }

    func test_W1W2_R2R3_R3W1_staysSilent() {
        // write-write / read-read / read-write is not a deadlock when read is recursive
        threeEvents("W1W2_R2R3_R3W1", [
            { s in s.wlock("X1"); s.wlock("Y1"); s.unlock("Y1"); s.unlock("X1") },
            { s in s.rlock("Y1"); s.rlock("Z1"); s.unlock("Z1"); s.unlock("Y1") },
            { s in s.rlock("Z1"); s.wlock("X1"); s.unlock("X1"); s.unlock("Z1") },
        ], expect: [])
    }

    func test_W1R2_R2R3_W3W1_staysSilent() {
        // write-read / read-read / write-write is not a deadlock when read is recursive
        threeEvents("W1R2_R2R3_W3W1", [
            { s in s.wlock("X1"); s.rlock("Y1"); s.unlock("Y1"); s.unlock("X1") },
            { s in s.rlock("Y1"); s.rlock("Z1"); s.unlock("Z1"); s.unlock("Y1") },
            { s in s.wlock("Z1"); s.wlock("X1"); s.unlock("X1"); s.unlock("Z1") },
        ], expect: [])
    }

    // MARK: Queued rwlocks: read_lock is recursive only in interrupt context

    func test_queued_read_lock_hardirq_RE_Er_fires() {
        // <in hardirq> read_lock(A); spin_lock(B)  |  <irqs off> spin_lock(B); read_lock(A)
        let s = Scenario(rawNesting: false)
        s.declare(.rwlock, "A")
        s.declare(.spinlock, "B")
        s.inHardirq {
            s.lock("A", .shared); s.lock("B"); s.unlock("B"); s.unlock("A")
        }
        s.irqsOff()
        s.lock("B"); s.lock("A", .shared); s.unlock("A"); s.unlock("B")
        s.irqsOn()
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_queued_read_lock_hardirq_ER_rE_staysSilent() {
        // <in hardirq> spin_lock(B); read_lock(A)  |  <irqs off> read_lock(A); spin_lock(B)
        let s = Scenario(rawNesting: false)
        s.declare(.rwlock, "A")
        s.declare(.spinlock, "B")
        s.inHardirq {
            s.lock("B"); s.lock("A", .shared); s.unlock("A"); s.unlock("B")
        }
        s.irqsOff()
        s.lock("A", .shared); s.lock("B"); s.unlock("B"); s.unlock("A")
        s.irqsOn()
        s.expectSilent()
    }

    func test_queued_read_lock_processContextBothSides_fires() {
        // The twin of ER_rE with both sides in process context: both reads are
        // non-recursive, so B -(EN)-> A and A -(SN)-> B close a strong cycle.
        let s = Scenario(rawNesting: false)
        s.declare(.rwlock, "A")
        s.declare(.spinlock, "B")
        s.irqsOff()
        s.lock("B"); s.lock("A", .shared); s.unlock("A"); s.unlock("B")
        s.lock("A", .shared); s.lock("B"); s.unlock("B"); s.unlock("A")
        s.irqsOn()
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_queued_read_lock_hardirq_inversion_fires() {
        // <irqs off> spin_lock(B); read_lock(A) | <hardirq> spin_lock(B) | read_lock(A) with irqs on:
        // both read_locks are non-recursive readers.
        let s = Scenario(rawNesting: false)
        s.declare(.rwlock, "A")
        s.declare(.spinlock, "B")
        s.inHardirq { s.lock("B"); s.unlock("B") }
        s.irqsOff()
        s.lock("B"); s.lock("A", .shared); s.unlock("A"); s.unlock("B")
        s.irqsOn()
        s.lock("A", .shared); s.unlock("A")
        s.expect(fires(.irqLockInversion, "A", "B"))
    }

    func test_queued_read_lock_hardirq_inversion_readerWithIrqsOff_staysSilent() {
        let s = Scenario(rawNesting: false)
        s.declare(.rwlock, "A")
        s.declare(.spinlock, "B")
        s.inHardirq { s.lock("B"); s.unlock("B") }
        s.irqsOff()
        s.lock("B"); s.lock("A", .shared); s.unlock("A"); s.unlock("B")
        s.lock("A", .shared); s.unlock("A")
        s.irqsOn()
        s.expectSilent()
    }
}

extension ReaderWriterTests {
    func test_strongPathBehindRecursiveReadShortcut_fires() {
        // N -(ER)-> T is not strong into a shared T, but N -(EN)-> M -(EN)-> T
        // is: the search must not stop at T after reaching it the weak way first.
        let s = Scenario()
        s.declare(.rwlock, "N", "M", "T")
        s.wlock("N"); s.rlock("T"); s.unlock("T"); s.unlock("N")      // N -(ER)-> T
        s.wlock("N"); s.wlock("M"); s.unlock("M"); s.unlock("N")      // N -(EN)-> M
        s.wlock("M"); s.wlock("T"); s.unlock("T"); s.unlock("M")      // M -(EN)-> T
        s.lock("T", .shared); s.wlock("N")                            // T -(SN)-> N closes it
        s.expect(fires(.lockOrderInversion, "M", "N", "T"))
        XCTAssertEqual(s.violations.first?.chain.count, 3)
    }

    func test_recursiveReadShortcutOnly_staysSilent() {
        // Without the M detour, N -(ER)-> T -(SN)-> N is not a strong cycle.
        let s = Scenario()
        s.declare(.rwlock, "N", "T")
        s.wlock("N"); s.rlock("T"); s.unlock("T"); s.unlock("N")
        s.lock("T", .shared); s.wlock("N"); s.unlock("N"); s.unlock("T")
        s.expectSilent()
    }
}
