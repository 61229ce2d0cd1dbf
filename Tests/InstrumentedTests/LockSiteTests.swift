import Dispatch
import Foundation
import LockGraph
import XCTest
@testable import Instrumented

/// Every exclusive entry point leaves its caller's `#fileID:#line` in the
/// lock while the lock is held (``LockSite``), and the release clears it:
/// what `lock-wait-timeout` and `deadlock` read to say where a holder took
/// its lock. Each entry point fires (the line of the call) and each release
/// stays silent (nil), and an entry point that gives no site is said as such.
final class LockSiteTests: InstrumentedTestCase {
    private let file = "InstrumentedTests/LockSiteTests.swift"

    /// Where the holder of `lock` took it, as "File.swift:line" (nil: none).
    private func site(_ lock: some InstrumentedLock) -> String? {
        guard let s = lock.lockIdentity?.instance.holderSite else { return nil }
        return "\(s.file ?? "?"):\(s.line.map(String.init) ?? "?")"
    }

    private func isHeld(_ lock: some InstrumentedLock) -> Bool { lock.lockIdentity?.instance.isHeld ?? false }

    func test_manual_lock_keeps_its_line_while_held_and_unlock_clears_it() {
        let m = CheckedMutex(name: "site.manual")
        m.lock(); let line = #line
        XCTAssertEqual(site(m), "\(file):\(line)")
        m.unlock()
        XCTAssertNil(site(m))
        XCTAssertFalse(isHeld(m))
    }

    func test_withLock_and_the_box_shapes_keep_the_callers_line() {
        let m = CheckedMutex(name: "site.withLock")
        m.withLock { XCTAssertEqual(site(m), "\(file):\(#line)") }
        m.withLockVoid { XCTAssertEqual(site(m), "\(file):\(#line)") }
        _ = m.withLockIfAvailable { XCTAssertEqual(site(m), "\(file):\(#line)") }
        let box = LockedValueBox(0, name: "site.box")
        box.withLockedValue { _ in XCTAssertEqual(site(box.mutex), "\(file):\(#line)") }
        box.withLock { _ in XCTAssertEqual(site(box.mutex), "\(file):\(#line)") }
        _ = box.withLockedValueIfAvailable { _ in XCTAssertEqual(site(box.mutex), "\(file):\(#line)") }
        box.unsafe.lock(); let line = #line
        XCTAssertEqual(site(box.mutex), "\(file):\(line)")
        box.unsafe.unlock()
        let value = CheckedValueMutex(0, name: "site.value")
        value.withLock { _ in XCTAssertEqual(site(value.mutex), "\(file):\(#line)") }
        _ = value.withLockIfAvailable { _ in XCTAssertEqual(site(value.mutex), "\(file):\(#line)") }
        XCTAssertNil(site(m))
        XCTAssertNil(site(box.mutex))
        XCTAssertNil(site(value.mutex))
    }

    func test_trylock_timed_and_annotated_acquisitions_keep_the_callers_line() {
        let m = CheckedMutex(name: "site.try")
        XCTAssertTrue(m.tryLock()); var line = #line
        XCTAssertEqual(site(m), "\(file):\(line)")
        m.unlock()
        XCTAssertTrue(m.try()); line = #line
        XCTAssertEqual(site(m), "\(file):\(line)")
        m.unlock()
        XCTAssertTrue(m.lock(untilSecondsSince1970: Date().timeIntervalSince1970 + 5)); line = #line
        XCTAssertEqual(site(m), "\(file):\(line)")
        m.unlock()
        // A subclass acquisition: the mark holds the site itself, not a count beside it.
        m.lock(subclass: 1); line = #line
        XCTAssertEqual(site(m), "\(file):\(line)")
        XCTAssertTrue(isHeld(m))
        m.unlock()
        XCTAssertNil(site(m))
        XCTAssertFalse(isHeld(m), "a subclass acquisition's release leaves the mark clear")
    }

    func test_spinlocks_keep_the_callers_line() {
        let raw = RawSpinLock(name: "site.raw"), spin = SpinLock(name: "site.spin")
        raw.withLock { XCTAssertEqual(site(raw), "\(file):\(#line)") }
        spin.withLock { XCTAssertEqual(site(spin), "\(file):\(#line)") }
        XCTAssertNil(site(raw))
        XCTAssertNil(site(spin))
    }

    func test_rwlock_writer_keeps_its_line_and_readers_keep_none() {
        for rw in [CheckedRWLock(name: "site.rwsem"), SpinRWLock(name: "site.rwspin")] as [any CheckedReaderWriterLock] {
            rw.writeLock(); let line = #line
            XCTAssertEqual(site(rw), "\(file):\(line)")
            rw.unlock()
            XCTAssertNil(site(rw))
            rw.withWriterLock { XCTAssertEqual(site(rw), "\(file):\(#line)") }
            rw.withWriteLock { XCTAssertEqual(site(rw), "\(file):\(#line)") }
            rw.withReadLock { XCTAssertNil(site(rw), "a read-held lock has no one holder's site") }
            rw.readLock()
            rw.readLock()
            rw.unlock()
            XCTAssertNil(site(rw))
            rw.unlock()
            XCTAssertNil(site(rw))
        }
    }

    func test_recursive_mutex_keeps_the_outermost_line_until_the_last_release() {
        let r = CheckedRecursiveMutex(name: "site.recursive")
        r.lock(); let outer = #line
        r.withLock { XCTAssertEqual(site(r), "\(file):\(outer)", "an inner acquisition keeps the outer site") }
        XCTAssertEqual(site(r), "\(file):\(outer)")
        r.unlock()
        XCTAssertNil(site(r))
    }

    func test_rwlock_writer_and_recursive_mutex_keep_their_lines_in_a_Swift_task() {
        // In a task the validator also records, in the lock, which task took
        // it (for a release on another thread): in words of its own, never
        // the site words of a lock without a holder mark.
        let rw = CheckedRWLock(name: "site.task.rwsem")
        let r = CheckedRecursiveMutex(name: "site.task.recursive")
        let file = self.file
        nonisolated(unsafe) var seen: [String?] = []
        runTask {
            for _ in 0..<2 {  // the second time, the memo's short way in the task
                rw.writeLock(); let line = #line
                r.lock(); let outer = #line
                r.lock()
                seen.append(Self.siteOf(rw) == "\(file):\(line)" ? nil : "rwlock: \(Self.siteOf(rw) ?? "none")")
                seen.append(Self.siteOf(r) == "\(file):\(outer)" ? nil : "recursive: \(Self.siteOf(r) ?? "none")")
                r.unlock()
                r.unlock()
                rw.unlock()
                seen.append(Self.siteOf(rw).map { "rwlock after release: \($0)" })
                seen.append(Self.siteOf(r).map { "recursive after release: \($0)" })
            }
        }
        XCTAssertEqual(seen.compactMap { $0 }, [])
        XCTAssertEqual(collector.rules, [])
    }

    private static func siteOf(_ lock: some InstrumentedLock) -> String? {
        guard let s = lock.lockIdentity?.instance.holderSite else { return nil }
        return "\(s.file ?? "?"):\(s.line.map(String.init) ?? "?")"
    }

    func test_condition_lock_keeps_the_line_across_its_wait() {
        let c = CheckedConditionLock(value: 0, name: "site.condition")
        let setter = TestThread("site-setter") {
            c.lock()
            c.unlock(withValue: 1)
        }
        c.lock(whenValue: 1); let line = #line
        XCTAssertEqual(site(c.mutex), "\(file):\(line)", "the other thread's acquisition during the wait is not left in the lock")
        c.unlock()
        _ = setter.join()
        XCTAssertNil(site(c.mutex))
    }

    func test_lock_without_a_site_is_held_with_none() {
        let m = CheckedMutex(name: "site.none")
        let take: () -> Void = m.lock  // a reference names the lock() without a site (NSLocking's)
        take()
        XCTAssertTrue(isHeld(m))
        XCTAssertNil(site(m))
        m.unlock()
        XCTAssertFalse(isHeld(m))
    }

    /// A waiter on a subclass acquisition (the engine's annotated path)
    /// adds nothing to the holder's mark while it blocks: the holder's
    /// site stays exact, and the waiter's replaces it once it holds the lock.
    func test_annotated_waiter_leaves_the_holders_site_intact() throws {
        let m = CheckedMutex(name: "site.waiter")
        m.lock(); let holderLine = #line
        let waiterHolds = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        var waiterLine = 0
        let waiter = TestThread("site-waiter") {
            m.lock(subclass: 1); waiterLine = #line
            waiterHolds.signal()
            release.wait()
            m.unlock()
        }
        let runtime = try XCTUnwrap(Runtime.shared)
        let deadline = Date().addingTimeInterval(10)
        while runtime.waits.count == 0 && Date() < deadline { usleep(1000) }  // published: blocked a slice
        XCTAssertEqual(runtime.waits.count, 1, "the waiter blocks on the held lock")
        XCTAssertEqual(site(m), "\(file):\(holderLine)")
        m.unlock()
        waiterHolds.wait()
        XCTAssertEqual(site(m), "\(file):\(waiterLine)")
        release.signal()
        _ = waiter.join()
        XCTAssertNil(site(m))
        XCTAssertFalse(isHeld(m))
    }

    func test_words_that_name_no_site_decode_to_nil() throws {
        XCTAssertNil(LockSite.decode(0), "not held")
        XCTAssertNil(LockSite.decode(1), "held, site unknown")
        XCTAssertNil(LockSite.decode(0x1000 | 7 << 48), "an address in no loaded object")
        XCTAssertNil(LockSite.decode(Int64.max), "garbage")
        let known = try XCTUnwrap(LockSite.decode(LockSite(file: "Pkg/F.swift", line: 42).word))
        XCTAssertEqual(known.file, "Pkg/F.swift")
        XCTAssertEqual(known.line, 42)
        let long = try XCTUnwrap(LockSite.decode(LockSite(file: "Pkg/Long.swift", line: 40_000).word))
        XCTAssertEqual(long.file, "Pkg/Long.swift")
        XCTAssertNil(long.line, "a line past 32767 keeps the file alone")
    }
}
