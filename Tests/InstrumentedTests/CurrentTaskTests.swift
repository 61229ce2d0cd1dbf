import CInstrumented
import Dispatch
import Foundation
import XCTest

/// The current task read from the runtime's own thread-local word
/// (`lc_current_task`, current_task.c) against the runtime's answer
/// (`swift_task_getCurrent`), at real task switches: on the cooperative
/// pool across awaits, and on one thread that runs jobs of many tasks and
/// plain code between them.
final class CurrentTaskTests: XCTestCase {
    /// The address of the task running now, as the standard library sees it (0 outside a task).
    private static func stdlibCurrentTask() -> UInt64 {
        withUnsafeCurrentTask { task in task.map { UInt64(UInt(bitPattern: unsafeBitCast($0, to: Int.self))) } ?? 0 }
    }

    func test_currentTask_isTheRuntimesTask_acrossAwaitsOnThePool() async {
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var same = true
                    for _ in 0..<20 {
                        let expected = Self.stdlibCurrentTask()
                        same = same && expected != 0 && lc_current_task() == expected
                            && lc_current_task_from_runtime() == expected
                        await Task.yield()  // may resume on another pool thread, after other tasks ran on this one
                    }
                    return same
                }
            }
            for await same in group { XCTAssertTrue(same) }
        }
    }

    func test_currentTask_isZero_onAPlainThread_andOnAThreadBetweenTasks() {
        let executor = RecordingExecutor()
        let actor = RecordingActor(executor)
        let done = DispatchSemaphore(value: 0)
        let n = 16
        for _ in 0..<n {
            Task.detached { await actor.touch(); done.signal() }
        }
        for _ in 0..<n { done.wait() }
        let seen = executor.seen()
        XCTAssertGreaterThanOrEqual(seen.count, n)
        for s in seen {
            XCTAssertEqual(s.before, 0)  // plain code on the executor's thread, before the job
            XCTAssertNotEqual(s.during, 0)
            XCTAssertEqual(s.during, s.runtimeDuring)
            XCTAssertEqual(s.after, 0)  // and after it
        }
        XCTAssertEqual(Set(seen.map(\.during)).count, seen.count, "each job ran its own task")
        var outside: UInt64 = 1
        TestThread.run("plain-thread") { outside = lc_current_task() }
        XCTAssertEqual(outside, 0)
        XCTAssertEqual(lc_current_task(), 0)
    }

    func test_currentTask_isReadDirectly_withThisToolchainsRuntime() {
        #if os(Linux) && arch(x86_64)
        // The runtime's swift_task_getCurrent is the recognised code: the word is read with no call.
        XCTAssertEqual(lc_current_task_is_direct(), 1)
        #endif
    }
}

/// A pinned thread's executor (``PinnedThreadExecutor``) that records,
/// around each job it runs, the current task before, during (from the job's
/// own actor method) and after it.
private final class RecordingExecutor: @unchecked Sendable {
    struct Seen {
        var before: UInt64
        var during: UInt64
        var runtimeDuring: UInt64
        var after: UInt64
    }

    private let lock = NSLock()
    private var records: [Seen] = []
    /// Set by the job's actor method on the executor's thread.
    var during: UInt64 = 0
    var runtimeDuring: UInt64 = 0
    private(set) var executor: PinnedThreadExecutor!

    init() {
        executor = PinnedThreadExecutor(name: "recording-executor") { [unowned self] runJob in
            let before = lc_current_task()
            during = 0
            runJob()
            let after = lc_current_task()
            lock.withLock { records.append(Seen(before: before, during: during, runtimeDuring: runtimeDuring, after: after)) }
        }
    }

    func seen() -> [Seen] {
        lock.withLock { records.filter { $0.during != 0 } }
    }
}

private actor RecordingActor {
    nonisolated let executor: RecordingExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.executor.asUnownedSerialExecutor() }

    init(_ executor: RecordingExecutor) { self.executor = executor }

    func touch() {
        executor.during = lc_current_task()
        executor.runtimeDuring = lc_current_task_from_runtime()
    }
}
