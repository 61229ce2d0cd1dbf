// lock-wait-timeout — what lockcheck reports here:
//
//   with LOCKCHECK_WAIT_TIMEOUT=1: one lock-wait-timeout: 'reader' has waited
//   more than 1 s for Config.lock, held by 'loader', which is not waiting for
//   a lockcheck lock; the line where the loader took it (its `lock()` call,
//   lock_wait_timeout/main.swift:58, which the lock keeps while held), the
//   holder's stack as it is then, inside slowRead() (asked of the loader
//   thread with a signal), and the waiter's stack. No deadlock: the holder
//   finishes after 3 s and the program ends normally (exit 0) under
//   LOCKCHECK=report.
//   With --holder-blocks-signals: the same report, but the loader blocks
//   every signal, so it says the holder's stack is unavailable (it did not
//   answer) and still gives the rest.
//   With --fixed: nothing (the loader reads outside the lock and holds it
//   only to publish the result).
//
// A loader holds the configuration lock across a slow read; every reader of
// the configuration stalls behind it. Not a lock cycle, so no lock order or
// deadlock check sees it; the wait itself is the symptom.
//
//   LOCKCHECK_WAIT_TIMEOUT=1 swift run lock-wait-timeout
//   LOCKCHECK_WAIT_TIMEOUT=1 swift run lock-wait-timeout --holder-blocks-signals
//   LOCKCHECK_WAIT_TIMEOUT=1 swift run lock-wait-timeout --fixed
import Dispatch
import Foundation
import Instrumented

final class Config: @unchecked Sendable {
    let lock = CheckedMutex(name: "Config.lock")
    var text = ""
}

let fixed = CommandLine.arguments.contains("--fixed")
let holderBlocksSignals = CommandLine.arguments.contains("--holder-blocks-signals")
let config = Config()
let holding = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)

/// Stands in for a slow read (disk, network): 3 s. Like a careful read, it
/// goes on after a signal interrupts it (EINTR).
func slowRead() -> String {
    var request = timespec(tv_sec: 3, tv_nsec: 0), remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    return "answer = 42"
}

Thread {
    LockCheck.setThreadName("loader")
    if holderBlocksSignals {
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
    }
    if fixed {
        let text = slowRead()
        holding.signal()
        config.lock.withLock { config.text = text }
    } else {
        config.lock.lock()             // a manual lock: no closure of it is on the holder's stack
        holding.signal()
        config.text = slowRead()       // the bug: slow work under the lock
        config.lock.unlock()
    }
    done.signal()
}.start()

Thread {
    LockCheck.setThreadName("reader")
    holding.wait()
    let text = config.lock.withLock { config.text }
    print(fixed ? "read early: \(text.isEmpty ? "(not loaded yet)" : text)" : "read: \(text)")
    done.signal()
}.start()
done.wait()
done.wait()
