import CInstrumented
import LockGraph

/// The Swift concurrency runtime's per-task status record lock, as one
/// pseudo-lock class, `swift-task-status` (one class for every task, as
/// lockdep has one `fs_reclaim` class for every reclaim).
///
/// What the runtime does (swiftlang/swift `stdlib/public/Concurrency`,
/// `TaskStatus.cpp` and `TaskPrivate.h`), and what lockcheck models:
///
/// | runtime call | the real lock | lockcheck |
/// |---|---|---|
/// | `swift_task_cancel` (`Task.cancel()`, `UnsafeCurrentTask.cancel()`) | held while every `onCancel` handler of the task runs and the cancellation reaches its child tasks and groups (`withStatusRecordLock`) | held for the call |
/// | `swift_taskGroup_cancelAll`, `swift_task_cancel_group_child_tasks` (`cancelAll()`) | each child's lock held while its handlers run | held for the call |
/// | `swift_continuation_resume*` (every `resume`) | taken to enqueue the task (`flagAsAndEnqueueOnExecutor` -> `updateStatusRecord`) | taken and dropped |
/// | an `onCancel` handler run at once for an already-cancelled task | not held (`addStatusRecordToSelf` declined the record) | held: the same handler runs under the lock when the cancellation comes later, so its locks depend on it either way |
/// | escalation (`swift_task_escalate`), adding and removing records | taken, or waited for | not modelled |
///
/// Nested holds of one thread (a cancellation reaching child tasks, a
/// handler that resumes a continuation) are counted, not acquired again:
/// the runtime's nested locks are other tasks' locks, taken parent before
/// child (`lc_task_status_enter`).
enum TaskStatusLock {
    /// The class name reports and traces give the runtime's task lock.
    static let className = "swift-task-status"

    /// The pseudo-lock's one instance (a sleeping lock: a thread that finds
    /// it taken waits on a mutex). Made on the first hooked call, after the
    /// runtime started.
    static let identity: LockIdentity? = LockIdentity.make(kind: .mutex, name: className, fileID: #fileID, line: #line)

    /// Installs the validator's hook into the C half (called once the runtime exists).
    static func install() {
        lc_set_task_status_hook { acquire in
            guard let id = TaskStatusLock.identity else { return }
            if acquire != 0 {
                id.acquire(.exclusive, isTry: false, subclass: 0, nest: nil)
            } else {
                id.release()
            }
        }
    }

    /// Runs `body` with the pseudo-lock held by the calling thread (counted
    /// if it already holds it).
    /// - Complexity: Two calls into the C half; one lock event each for the
    ///   outermost hold.
    static func withHeld<T>(_ body: () throws -> T) rethrows -> T {
        lc_task_status_enter(Int32(LC_TASK_STATUS_HOLD))
        defer { lc_task_status_exit(Int32(LC_TASK_STATUS_HOLD)) }
        return try body()
    }
}
