@testable import LockGraph
import XCTest

/// The per-thread memo of clean acquisitions (`AcquireMemo`) must never hide
/// a violation: every test first takes its locks cleanly, often enough that
/// the memo serves them, then takes the same locks where a rule fires.
final class AcquireMemoTests: XCTestCase {
    func test_memoizedSleepingLock_takenInEveryAtomicContext_fires() {
        for context in SleepInAtomicTests.Context.allCases {
            let s = Scenario()
            s.declare(.mutex, "sleeping_mutex")
            s.declare(.spinlock, "spin_S")
            s.declare(.rwlock, "rw_S")
            s.declare(.rawSpinlock, "raw_S")
            s.warm { s.lock("sleeping_mutex"); s.unlock("sleeping_mutex") }
            context.enter(s)
            s.lock("sleeping_mutex")
            var expected = [Expected(.sleepInAtomic, ["sleeping_mutex", context.heldName].compactMap { $0 })]
            if [.hardirq, .threadedHardirq, .softirq].contains(context) {
                // Taken with interrupts enabled before, now in their handler.
                expected.append(Expected(.inconsistentLockState, ["sleeping_mutex"]))
            }
            s.expect(expected, "\(context)")
        }
    }

    func test_memoizedIrqUnsafeRawSpinlock_takenInHardirq_fires() {
        let s = Scenario()
        s.declare(.rawSpinlock, "S")
        s.warm { s.lock("S"); s.unlock("S") }
        s.inHardirq { s.lock("S"); s.unlock("S") }
        s.expect(fires(.inconsistentLockState, "S"))
    }

    func test_memoizedSpinlock_underRawSpinlockAndInHardirq_fires() {
        let s = Scenario()
        s.declare(.spinlock, "spin")
        s.declare(.rawSpinlock, "raw")
        s.warm { s.lock("spin"); s.unlock("spin") }
        s.lock("raw"); s.lock("spin"); s.unlock("spin"); s.unlock("raw")
        s.expect(fires(.invalidWaitContext, "spin", "raw"))
    }

    func test_memoizedLock_afterLockFree_fires() {
        let s = Scenario()
        s.declare(.mutex, "L")
        s.warm { s.lock("L"); s.unlock("L") }
        s.lockFree("L")
        s.lock("L")
        s.expect(fires(.useAfterDestroy, "L"))
    }

    func test_memoizedOrder_thenReversed_fires() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.warm { s.lockUnlock2("A", "B") }
        s.lockUnlock2("B", "A")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_memoizedChain_onAnotherThread_isValidatedThere() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.thread("t1") { s.warm { s.lockUnlock2("A", "B") } }
        s.thread("t2") { s.lockUnlock2("B", "A") }
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_memoizedLock_heldAgain_recursiveLockFires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.warm { s.lock("A"); s.unlock("A") }
        s.lock("A"); s.lock("A")
        s.expect(fires(.recursiveLock, "A"))
    }

    /// The memo's tag keeps 29 bits of the context epoch. When they wrap, a
    /// tag of long ago comes back: the memo must be emptied, or an entry made
    /// in another context would be served.
    func test_contextEpochWrap_emptiesTheMemo() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.warm { s.lock("A"); s.unlock("A") }
        let t = s.current, a = s.instance("A")
        let site = EventSite(seq: 1_000)
        XCTAssertTrue(s.validator.acquireIfMemoized(a, countsHolder: true, thread: t, site: site), "warm: served")
        s.unlock("A")

        let tagBefore = t.memoTag
        t.contextEpoch = (t.contextEpoch & ~ThreadState.memoEpochMask) | ThreadState.memoEpochMask
        t.updateContext()  // the low 29 bits wrap to 0, which is skipped
        XCTAssertEqual(t.memoTag, tagBefore, "the same tag as before the wrap")
        XCTAssertNotEqual(t.memoTag, 0, "a tag is never 0")
        XCTAssertFalse(s.validator.acquireIfMemoized(a, countsHolder: true, thread: t, site: site),
                       "the entry made 2^29 epochs ago is gone")
        XCTAssertEqual(t.heldCount, 0, "a miss pushes nothing")
        s.lock("A"); s.unlock("A")
        XCTAssertTrue(s.validator.acquireIfMemoized(a, countsHolder: true, thread: t, site: site), "checked again, then served")
        s.unlock("A")
        s.expectSilent("wrap")
    }

    /// Readers are memoized by mode: a reader served by the memo is held as
    /// a reader, and the writer's side of an inversion is still found.
    func test_memoizedReader_thenWriterInversion_fires() {
        let s = Scenario()
        s.declare(flavor: .rsem, "A")
        s.declare(.mutex, "B")
        s.warm { s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") }  // A (read) → B
        s.lock("B"); s.wlock("A"); s.unlock("A"); s.unlock("B")              // B → A (write)
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    /// A plain (non-recursive) reader served by the memo, then taken again
    /// by its holder: recursive locking, as lockdep reports for read == 1.
    func test_memoizedReader_takenAgain_recursiveLockFires() {
        let s = Scenario()
        s.declare(flavor: .rsem, "A")
        s.warm { s.lock("A"); s.unlock("A") }
        s.lock("A"); s.lock("A")
        s.expect(fires(.recursiveLock, "A"))
    }

    /// The memo tells modes apart: recursive reads memoized on top of a
    /// read do not serve a write on top of it (which deadlocks).
    func test_memoizedRecursiveReader_doesNotServeTheWriter() {
        let s = Scenario()
        s.declare(flavor: .rlock, "R")
        s.warm { s.rlock("R"); s.rlock("R"); s.unlock("R"); s.unlock("R") }  // recursive reads: clean
        s.rlock("R"); s.wlock("R")
        s.expect(fires(.recursiveLock, "R"))
    }

    func test_memoizedAcquisitions_unlockUnbalanced_fires() {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.warm { s.lock("A"); s.unlock("A") }
        s.unlock("A")
        s.expect(fires(.unlockUnheld, "A"))
    }
}
