// task-hooks-bench (issue 14): what lockcheck's Swift-runtime hooks add to a
// continuation resumption and to a task cancellation. Run under callgrind
// (Benchmarks/callgrind-task-hooks.sh), which counts the instructions of the
// hook functions per call (inclusive), independent of the machine's load.
//
//   task-hooks-bench [ITERATIONS]
//
// Each iteration: one task resumes its own unsafe continuation and its own
// checked continuation (two resumes, through swift_continuation_resume and
// the CheckedContinuation.resume trampoline), and one suspended task with a
// cancellation handler is cancelled (Task.cancel() trampoline, the handler
// under the pseudo-lock).
import Dispatch
import Instrumented

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
LockCheck.setThreadName("main")

final class Box: @unchecked Sendable {
    var continuation: UnsafeContinuation<Void, Never>?
}

let done = DispatchSemaphore(value: 0)
Task.detached {
    for _ in 0..<iterations {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in c.resume() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in c.resume() }
    }
    done.signal()
}
done.wait()

for _ in 0..<iterations {
    let box = Box()
    let parked = DispatchSemaphore(value: 0)
    let ended = DispatchSemaphore(value: 0)
    let task = Task.detached {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                box.continuation = c
                parked.signal()
            }
        } onCancel: {
            box.continuation?.resume()
        }
        ended.signal()
    }
    parked.wait()
    task.cancel()
    ended.wait()
}
print("task-hooks-bench: \(iterations) iterations (2 resumes, 1 cancel each)")
