// resume-under-lock — what lockcheck reports here:
//
//   one lock-order-inversion (Channel.state, swift-task-status), at the
//   `resume` made while Channel.state is held; nothing else.
//   With --fixed (the continuation is taken out of the state under the
//   lock and resumed after it is released): nothing.
//
// The swift-nio#2558 shape. A channel parks a receiver's continuation in
// its locked state; the receiver's `onCancel` handler takes the same lock to
// remove it. The Swift runtime runs `onCancel` handlers while holding the
// task's status lock, and resuming a continuation takes that lock too. So a
// sender that resumes the receiver while holding the channel lock waits for
// the task lock, while a canceller holding the task lock waits for the
// channel lock: a deadlock that needs a cancellation to land at the same
// moment as a send, and so shows up as a rare CI hang. Here the cancellation
// and the send happen one after the other and never overlap; lockcheck
// reports the inversion from the two orders alone.
//
//   swift run resume-under-lock            # the report on stderr
//   swift run resume-under-lock --fixed    # clean
import Dispatch
import Instrumented

let fixed = CommandLine.arguments.contains("--fixed")
LockCheck.setThreadName("main")  // starts the validator (and LOCKCHECK_TRACE's recording) in both modes

/// A one-slot channel: `receive()` parks until `send(_:)` or cancellation.
final class Channel: @unchecked Sendable {
    private let state = CheckedMutex(name: "Channel.state")
    private var waiter: CheckedContinuation<Int?, Never>?
    private var buffered: Int?
    /// Signalled each time a receiver parks (so the demo can act then).
    let parked = DispatchSemaphore(value: 0)

    func receive() async -> Int? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Int?, Never>) in
                let ready: Int? = state.withLock {
                    if let v = buffered { buffered = nil; return v }
                    waiter = c
                    return nil
                }
                if let ready { c.resume(returning: ready) } else { parked.signal() }
            }
        } onCancel: {
            // Runs under the task's status lock: takes Channel.state after it.
            let c: CheckedContinuation<Int?, Never>? = state.withLock { defer { waiter = nil }; return waiter }
            c?.resume(returning: nil)
        }
    }

    func send(_ value: Int) {
        if fixed {
            // Take the continuation out under the lock, resume it after.
            let c: CheckedContinuation<Int?, Never>? = state.withLock {
                defer { waiter = nil }
                if waiter == nil { buffered = value }
                return waiter
            }
            c?.resume(returning: value)
        } else {
            state.withLock {
                if let c = waiter {
                    waiter = nil
                    c.resume(returning: value)  // the task lock under Channel.state: reported
                } else {
                    buffered = value
                }
            }
        }
    }
}

let channel = Channel()
let done = DispatchSemaphore(value: 0)

// A receiver that is cancelled: its handler runs under the task lock.
let cancelled = Task.detached { _ = await channel.receive(); done.signal() }
channel.parked.wait()
cancelled.cancel()
done.wait()

// A receiver that gets a value: the sender resumes it.
let received = Task.detached { () -> Int? in
    let v = await channel.receive()
    done.signal()
    return v
}
channel.parked.wait()
channel.send(42)
done.wait()
print("received \(await received.value.map(String.init) ?? "nothing") after one cancelled receive")
