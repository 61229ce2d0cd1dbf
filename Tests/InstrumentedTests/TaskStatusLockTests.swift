import Dispatch
import Foundation
import Instrumented
import LockGraph
import XCTest

/// A continuation kept for a cancellation handler to resume (or for the test).
final class ContinuationBox<C>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: C?
    func set(_ c: C) { lock.lock(); value = c; lock.unlock() }
    func take() -> C? { lock.lock(); defer { lock.unlock() }; let c = value; value = nil; return c }
}

/// Suspends in `withTaskCancellationHandler` on an unsafe continuation,
/// signalling `ready` once suspended, until the cancellation handler passes
/// the continuation to `onCancel`, which resumes it.
private func suspendUntilCancelled(ready: DispatchSemaphore,
                                   onCancel: @escaping @Sendable (UnsafeContinuation<Void, Never>?) -> Void) async {
    let box = ContinuationBox<UnsafeContinuation<Void, Never>>()
    await withTaskCancellationHandler {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            box.set(c)
            ready.signal()
        }
    } onCancel: {
        onCancel(box.take())
    }
}

/// The Swift concurrency runtime's task status lock as the pseudo-lock class
/// `swift-task-status`, through real tasks, continuations and cancellation:
/// the swift-nio#2558 shape and its relatives, each with a "fires" and a
/// "stays silent" twin. Threads are synchronised with semaphores; no sleeps.
final class TaskStatusLockTests: InstrumentedTestCase {
    /// Starts a task that suspends in `withTaskCancellationHandler` on an
    /// unsafe continuation until its handler runs `onCancel`; returns once it
    /// is suspended, with a semaphore signalled when it has ended.
    private func startSuspendedTask(onCancel: @escaping @Sendable (UnsafeContinuation<Void, Never>?) -> Void)
        -> (task: Task<Void, Never>, done: DispatchSemaphore) {
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let task = Task.detached {
            await suspendUntilCancelled(ready: ready, onCancel: onCancel)
            done.signal()
        }
        ready.wait()
        return (task, done)
    }

    // MARK: swift-nio#2558: resume under a lock whose onCancel handler takes it

    func test_nio2558_checked_resume_under_lock_onCancel_takes_it_fires() {
        let state = CheckedMutex(name: "nio2558.state")
        let (task, done) = startSuspendedTask { c in state.withLock { _ = c } ; c?.resume() }
        task.cancel()
        done.wait()
        runTask {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                state.withLock { c.resume() }
            }
        }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        XCTAssertEqual(Set(collector.violations.first?.classNames ?? []), ["nio2558.state", "swift-task-status"])
        XCTAssertEqual(collector.violations.first?.chain.count, 2)
    }

    func test_nio2558_checked_resume_outside_lock_stays_silent() {
        let state = CheckedMutex(name: "nio2558-fixed.state")
        let (task, done) = startSuspendedTask { c in state.withLock { _ = c } ; c?.resume() }
        task.cancel()
        done.wait()
        runTask {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let pending: CheckedContinuation<Void, Never>? = state.withLock { c }
                pending?.resume()
            }
        }
        XCTAssertEqual(collector.rules, [])
    }

    func test_unsafe_resume_under_lock_onCancel_takes_it_fires() {
        let state = CheckedMutex(name: "unsafe-resume.state")
        runTask {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                state.withLock { c.resume() }
            }
        }
        let (task, done) = startSuspendedTask { c in state.withLock { c?.resume() } }
        task.cancel()
        done.wait()
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        XCTAssertEqual(Set(collector.violations.first?.classNames ?? []), ["unsafe-resume.state", "swift-task-status"])
    }

    func test_throwing_resumes_under_lock_onCancel_takes_it_fires() {
        struct Failure: Error {}
        let state = CheckedMutex(name: "throwing-resume.state")
        runTask {
            _ = try? await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, Error>) in
                state.withLock { c.resume(throwing: Failure()) }
            }
            _ = try? await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Int, Error>) in
                state.withLock { c.resume(returning: 1) }
            }
        }
        let (task, done) = startSuspendedTask { c in state.withLock {} ; c?.resume() }
        task.cancel()
        done.wait()
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    func test_resume_under_lock_no_handler_takes_it_stays_silent() {
        let state = CheckedMutex(name: "resume-only.state")
        runTask {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in state.withLock { c.resume() } }
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in state.withLock { c.resume() } }
        }
        let (task, done) = startSuspendedTask { c in c?.resume() }
        task.cancel()
        done.wait()
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: Cancelling under a lock that a handler takes

    func test_cancel_under_lock_onCancel_takes_it_fires() {
        let registry = CheckedMutex(name: "cancel-under-lock.registry")
        let (task, done) = startSuspendedTask { c in registry.withLock {} ; c?.resume() }
        let (other, otherDone) = startSuspendedTask { c in c?.resume() }
        registry.withLock { other.cancel() }
        otherDone.wait()
        task.cancel()
        done.wait()
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    /// Cancels a task group with one child suspended in a handler scope
    /// (whose handler resumes it), `cancelAll()` inside `around`.
    private func cancelGroup(around: @escaping @Sendable (() -> Void) -> Void) {
        runTask {
            await withTaskGroup(of: Void.self) { group in
                let ready = DispatchSemaphore(value: 0)
                group.addTask {
                    await suspendUntilCancelled(ready: ready) { $0?.resume() }
                }
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    DispatchQueue.global().async { ready.wait(); c.resume() }
                }
                around { group.cancelAll() }
            }
        }
    }

    func test_cancel_outside_lock_onCancel_takes_it_stays_silent() {
        let registry = CheckedMutex(name: "cancel-outside-lock.registry")
        let (task, done) = startSuspendedTask { c in registry.withLock {} ; c?.resume() }
        let (other, otherDone) = startSuspendedTask { c in c?.resume() }
        registry.withLock {}
        other.cancel()
        otherDone.wait()
        task.cancel()
        done.wait()
        XCTAssertEqual(collector.rules, [])
    }

    func test_taskgroup_cancelAll_under_lock_a_handler_takes_fires() {
        let registry = CheckedMutex(name: "cancelAll.registry")
        let (task, done) = startSuspendedTask { c in registry.withLock {} ; c?.resume() }
        task.cancel()
        done.wait()
        cancelGroup { cancelAll in registry.withLock { cancelAll() } }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        XCTAssertEqual(Set(collector.violations.first?.classNames ?? []), ["cancelAll.registry", "swift-task-status"])
    }

    func test_taskgroup_cancelAll_outside_lock_stays_silent() {
        let registry = CheckedMutex(name: "cancelAll-fixed.registry")
        let (task, done) = startSuspendedTask { c in registry.withLock {} ; c?.resume() }
        task.cancel()
        done.wait()
        cancelGroup { cancelAll in registry.withLock {} ; cancelAll() }
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: A handler run at once (the task was already cancelled)

    func test_handler_of_already_cancelled_task_runs_under_task_lock_fires() {
        let state = CheckedMutex(name: "already-cancelled.state")
        runTask {
            withUnsafeCurrentTask { $0?.cancel() }
            await withTaskCancellationHandler {} onCancel: { state.withLock {} }
        }
        runTask {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in state.withLock { c.resume() } }
        }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    func test_handler_of_already_cancelled_task_without_locks_stays_silent() {
        let state = CheckedMutex(name: "already-cancelled-fixed.state")
        runTask {
            withUnsafeCurrentTask { $0?.cancel() }
            await withTaskCancellationHandler {} onCancel: {}
        }
        runTask {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in state.withLock { c.resume() } }
        }
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: Nesting is not recursion

    func test_parent_cancel_reaching_child_handlers_stays_silent() {
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let parent = Task.detached {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        // A resumption inside a handler, inside the parent's cancellation.
                        await suspendUntilCancelled(ready: ready) { $0?.resume() }
                    }
                }
            }
            done.signal()
        }
        ready.wait()
        ready.wait()
        parent.cancel()
        done.wait()
        XCTAssertEqual(collector.rules, [])
    }
}

/// The task lock's events are ordinary lock events of the class
/// `swift-task-status`: a recorded trace gives the live verdict.
final class TaskStatusLockTraceTests: InstrumentedTestCase {
    func test_recorded_nio2558_shape_analyzes_the_same() throws {
        let path = temporaryPath("task-status")
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let state = CheckedMutex(name: "nio2558-rec.state")
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let task = Task.detached {
            await suspendUntilCancelled(ready: ready) { c in
                state.withLock {}
                c?.resume()
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in state.withLock { c.resume() } }
            done.signal()
        }
        ready.wait()
        task.cancel()
        done.wait()
        LockCheck.stopRecording()
        defer { unlink(path) }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        let offline = try analyzedRules(path)
        XCTAssertEqual(offline.rules, ["lock-order-inversion"])
        XCTAssertEqual(Set(offline.violations.first?.classNames ?? []), ["nio2558-rec.state", "swift-task-status"])
    }
}
