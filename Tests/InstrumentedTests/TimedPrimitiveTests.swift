import CInstrumented
import Dispatch
import Foundation
import XCTest
@testable import Instrumented

/// The contended path's primitives: each lock taken "within" a slice fails
/// while another thread holds it and succeeds once it is free, and the
/// pthread ones name their holder (glibc's owner / writer record). The other
/// thread holds the lock between two semaphores, so no result depends on timing.
final class TimedPrimitiveTests: XCTestCase {
    private let slice: Int64 = 2_000_000  // 2 ms: only ever waited out while the lock is held

    /// Runs `hold` on another thread, then `check` with that thread's kernel
    /// id while it still holds, then lets it release (`release`) and returns.
    private func whileHeldElsewhere(_ hold: @escaping () -> Void, _ release: @escaping () -> Void,
                                    check: (Int32) -> Void) {
        let held = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        /// The other thread's side; the semaphores order every access.
        final class Box: @unchecked Sendable {
            var tid: Int32 = 0
            let hold: () -> Void, release: () -> Void
            init(_ hold: @escaping () -> Void, _ release: @escaping () -> Void) { self.hold = hold; self.release = release }
        }
        let box = Box(hold, release)
        Thread {
            box.hold()
            box.tid = Int32(lc_gettid())
            held.signal()
            done.wait()
            box.release()
            finished.signal()
        }.start()
        held.wait()
        check(box.tid)
        done.signal()
        finished.wait()
    }

    func test_mutex_held_elsewhere_times_out_and_names_its_owner() {
        let m = _PthreadMutex(recursive: false)
        defer { m.destroy() }
        whileHeldElsewhere({ m.lock() }, { m.unlock() }) { tid in
            XCTAssertFalse(m.lock(within: slice))
            XCTAssertEqual(m.exclusiveOwner, tid)
        }
        XCTAssertTrue(m.lock(within: slice), "free again")
        XCTAssertEqual(m.exclusiveOwner, Int32(lc_gettid()))
        m.unlock()
        XCTAssertEqual(m.exclusiveOwner, 0)
    }

    func test_rwlock_writer_elsewhere_times_out_both_sides_and_names_the_writer() {
        let l = _PthreadRWLock()
        defer { l.destroy() }
        whileHeldElsewhere({ l.lock() }, { l.unlock() }) { tid in
            XCTAssertFalse(l.lock(within: slice))
            XCTAssertFalse(l.readLock(within: slice))
            XCTAssertEqual(l.exclusiveOwner, tid)
        }
        XCTAssertTrue(l.readLock(within: slice))
        l.unlock()
    }

    func test_rwlock_readers_elsewhere_stay_silent_for_a_reader() {
        let l = _PthreadRWLock()
        defer { l.destroy() }
        whileHeldElsewhere({ l.readLock() }, { l.unlock() }) { _ in
            XCTAssertTrue(l.readLock(within: slice), "readers share")
            l.unlock()
            XCTAssertFalse(l.lock(within: slice), "a writer waits for the reader")
            XCTAssertEqual(l.exclusiveOwner, 0, "no writer")
        }
    }

    func test_spin_words_held_elsewhere_time_out_and_have_no_owner() {
        let s = _SpinWord(), rw = _RWSpinWord()
        defer { s.destroy(); rw.destroy() }
        whileHeldElsewhere({ s.lock(); rw.lock() }, { rw.unlock(); s.unlock() }) { _ in
            XCTAssertFalse(s.lock(within: slice))
            XCTAssertFalse(rw.lock(within: slice))
            XCTAssertFalse(rw.readLock(within: slice))
            XCTAssertEqual(s.exclusiveOwner, 0)
        }
        XCTAssertTrue(s.lock(within: slice))
        XCTAssertTrue(rw.readLock(within: slice))
        s.unlock()
        rw.unlock()
    }
}
