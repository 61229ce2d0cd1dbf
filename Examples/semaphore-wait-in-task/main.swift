// semaphore-wait-in-task — what lockcheck reports here:
//
//   one blocking-in-async-context (sleep what=semaphore-wait, in a Swift
//   task); nothing else.
//   With --fixed (the task awaits a continuation that the callback resumes):
//   nothing.
//
// A task bridges a callback API with a semaphore: it starts the work, then
// blocks its thread until the callback signals. The cooperative pool has as
// many threads as cores; with as many such tasks as cores, every pool thread
// is blocked and a callback that needs the pool never runs (vapor/async-kit#109,
// swift-package-manager#7382). This run has one such task and finishes;
// lockcheck reports the blocking wait itself.
//
//   swift run semaphore-wait-in-task           # the report on stderr
//   swift run semaphore-wait-in-task --fixed   # clean
import Dispatch
import Instrumented

let fixed = CommandLine.arguments.contains("--fixed")
LockCheck.setThreadName("main")  // starts the validator (and LOCKCHECK_TRACE's recording) in both modes

/// A callback API: computes on a queue of its own, then calls back.
func fetchSize(_ completion: @escaping @Sendable (Int) -> Void) {
    DispatchQueue.global().async { completion(4096) }
}

/// The blocking bridge (the bug): waits on a semaphore inside a task.
func fetchSizeBlocking() -> Int {
    final class Box: @unchecked Sendable { var value = 0 }
    let box = Box()
    let semaphore = CheckedSemaphore(value: 0)
    fetchSize { box.value = $0; semaphore.signal() }
    semaphore.wait()  // blocks a cooperative-pool thread: reported
    return box.value
}

/// The async bridge (the fix): suspends until the callback resumes it.
func fetchSizeAsync() async -> Int {
    await withCheckedContinuation { c in fetchSize { c.resume(returning: $0) } }
}

let done = DispatchSemaphore(value: 0)  // the main thread waits for the task: not in a task
final class Result: @unchecked Sendable { var size = 0 }
let result = Result()
Task.detached {
    result.size = fixed ? await fetchSizeAsync() : fetchSizeBlocking()
    done.signal()
}
done.wait()
print("size \(result.size)")
