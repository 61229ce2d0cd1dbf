import CInstrumented
@testable import Instrumented
import XCTest

/// The C short way's view of a thread (`lc_short_thread_get()`, what the
/// preload library's interposers read instead of calling into Swift): a
/// thread's view comes with its state, and it is the engine's live held stack.
final class ShortWayViewTests: InstrumentedTestCase {
    private final class Seen: @unchecked Sendable {
        var heldWhileLocked = -1
        var heldAfterUnlock = -1
        var siteStack: UInt32 = 0
    }

    func test_newThread_viewIsTheLiveHeldStack() throws {
        let seen = Seen()
        TestThread.run("short-way-view") {
            let a = CheckedMutex(name: "ShortWayViewTests.a"), b = CheckedMutex(name: "ShortWayViewTests.b")
            a.lock(); b.lock()
            let view = lc_short_thread_get().pointee
            seen.heldWhileLocked = view.held?.pointee.count ?? -1
            seen.siteStack = view.site_stack
            b.unlock(); a.unlock()
            seen.heldAfterUnlock = lc_short_thread_get().pointee.held?.pointee.count ?? -1
        }
        XCTAssertEqual(seen.heldWhileLocked, 2, "the view's held stack is the engine's")
        XCTAssertEqual(seen.heldAfterUnlock, 0)
        XCTAssertEqual(seen.siteStack, try XCTUnwrap(Runtime.shared).stackMode.rawValue)
        XCTAssertEqual(collector.rules, [])
    }
}
